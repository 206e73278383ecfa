"""Recurring-revenue movements: a scripted year of three customers, and the
figures per month computed by hand."""
from freezegun import freeze_time

from .common import InfogeranceCase

#: Grid of the test offer: 1-4 computers 15.00, 5-9 12.00, 10+ 10.00.
EXPECTED = {
    # month: (new, expansion, contraction, churn, net)
    "2026-01-01": (45.0, 0, 0, 0, 45.0),  # A subscribes, 3 x 15
    "2026-02-01": (100.0, 0, 0, 0, 100.0),  # B subscribes, 10 x 10
    "2026-03-01": (0, 15.0, 0, 0, 15.0),  # A 3 -> 5 computers: 60 - 45
    "2026-04-01": (15.0, 0, 0, 0, 15.0),  # C subscribes, 1 x 15
    "2026-06-01": (0, 0, -15.0, 0, -15.0),  # A 5 -> 3: 45 - 60
    "2026-08-01": (0, 8.0, 0, 0, 8.0),  # B 10 -> 9 computers: 9 x 12 - 100
    "2026-10-01": (0, 0, 0, -108.0, -108.0),  # B ended on 2026-09-30
    "2026-11-01": (0, 0, 0, -15.0, -15.0),  # C returns its only computer
}


class TestMrrMovements(InfogeranceCase):
    def _year(self):
        a, b = self.customer, self.other_customer
        c = self._create_company("Tiers Test", "Lille", "59000")
        with freeze_time("2026-01-01"):
            self._confirm(a, computers=3, start="2026-01-01")
        with freeze_time("2026-02-01"):
            self._confirm(b, computers=10, start="2026-02-01")
        with freeze_time("2026-03-10"):
            self._confirm(a, computers=2, offer=False, start="2026-03-10")
        with freeze_time("2026-04-01"):
            self._confirm(c, computers=1, start="2026-04-01")
        with freeze_time("2026-06-10"):
            self._rentals(a)[-2:].write({"date_end": "2026-06-09"})
        with freeze_time("2026-08-05"):
            self._rentals(b)[0].date_end = "2026-08-04"
        with freeze_time("2026-08-20"):
            self._service_contract(b).sudo(self.manager)._infogerance_terminate(
                "2026-08-20", "", force_end_date="2026-09-30", force_reason="Liquidation"
            )
        with freeze_time("2026-11-15"):
            self._rentals(c).date_end = "2026-11-14"
        self.assertEqual(self._service_contract(c).date_end, "2026-11-30")  # R1

    def test_mrr_movements_of_a_scripted_year(self):
        self._year()
        rows = self.env["infogerance.mrr.movement"].search_read(
            [("offer_id", "=", self.offer.id)],
            ["month", "new_mrr", "expansion_mrr", "contraction_mrr", "churn_mrr", "net_mrr"],
        )
        found = {}
        for row in rows:
            sums = found.setdefault(row["month"], [0.0] * 5)
            for index, name in enumerate(
                ("new_mrr", "expansion_mrr", "contraction_mrr", "churn_mrr", "net_mrr")
            ):
                sums[index] += row[name]
        self.assertEqual({month: tuple(sums) for month, sums in found.items()}, EXPECTED)

    def test_mrr_read_group_per_offer_as_a_salesman(self):
        self._year()
        groups = (
            self.env["infogerance.mrr.movement"]
            .sudo(self.salesman)
            .read_group(
                [("offer_id", "=", self.offer.id)],
                ["offer_id", "new_mrr", "churn_mrr", "net_mrr"],
                ["offer_id"],
            )
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["new_mrr"], 160.0)
        self.assertEqual(groups[0]["churn_mrr"], -123.0)
        # Net of the year: the MRR still running at its end (A: 3 x 15).
        self.assertEqual(groups[0]["net_mrr"], 45.0)

    def test_a_cancelled_termination_leaves_no_churn(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3, start="2026-01-01")
        contract = self._service_contract(self.customer)
        with freeze_time("2027-03-20"):
            contract.sudo(self.salesman)._infogerance_terminate("2027-03-20", "")
        Movement = self.env["infogerance.mrr.movement"]
        domain = [("contract_id", "=", contract.id), ("churn_mrr", "!=", 0)]
        self.assertEqual(Movement.search(domain).mapped("month"), ["2027-05-01"])
        with freeze_time("2027-03-25"):
            contract.sudo(self.salesman)._infogerance_cancel_termination()
        self.assertFalse(Movement.search(domain))
