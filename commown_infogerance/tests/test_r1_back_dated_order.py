"""R1: an order dated back before the end of a contract ended for lack of
computers, recorded after that end, lifts it (docs/rules.md, R1)."""
from freezegun import freeze_time

from .common import InfogeranceCase


class TestR1BackDatedOrder(InfogeranceCase):
    def setUp(self):
        super().setUp()
        self.customer.infogerance_separate_invoices = True

    def _invoices(self, contract):
        return self.env["account.invoice"].search(
            [("contract_id", "=", contract.id)], order="date_invoice, id"
        )

    def _ended_for_lack_of_computers(self):
        """Subscribed on 01/01/2026 with 1 computer, returned on 09/02: the
        contract ends on 28/02 (R1, R7); nothing invoiced for March."""
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=1)
        contract = self._service_contract(self.customer)
        self._run_daily_jobs("2026-01-01")
        self._run_daily_jobs("2026-02-01")
        with freeze_time("2026-02-10"):
            self._rentals(self.customer).write({"date_end": "2026-02-09"})
        self.assertEqual(contract.date_end, "2026-02-28")
        self.assertTrue(contract.infogerance_empty_fleet_end)
        self._run_daily_jobs("2026-03-01")
        self.assertEqual(
            self._invoices(contract).mapped("date_invoice"), ["2026-01-01", "2026-02-01"]
        )
        return contract

    def _assert_back_dated_order_lifts_the_end(self, offer):
        """An order of 2 computers (with the offer or not) recorded on 05/03, dated
        back to 20/02, lifts the end of 28/02: the contract goes on and covers
        them, and the months since are invoiced for 2 computers."""
        contract = self._ended_for_lack_of_computers()
        with freeze_time("2026-03-05"):
            self._confirm(self.customer, computers=2, offer=offer, start="2026-02-20")
        self.assertEqual(self._service_contract(self.customer), contract)
        self.assertFalse(contract.date_end)
        self.assertFalse(contract.infogerance_empty_fleet_end)
        lifted = contract.infogerance_fleet_event_ids.filtered(lambda e: e.cause == "end_lifted")
        self.assertEqual(lifted.mapped("date"), ["2026-02-20"])
        self.assertEqual(len(self._rentals(self.customer).mapped("infogerance_contract_id")), 1)
        self._run_daily_jobs("2026-03-06")
        self._run_daily_jobs("2026-04-01")
        invoices = self._invoices(contract)
        self.assertEqual(
            invoices.mapped("date_invoice"),
            ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"],
        )
        self.assertEqual(invoices[2:].mapped("amount_untaxed"), [30.0, 30.0])

    def test_r1_back_dated_order_lifts_an_end_already_past(self):
        """On 05/03 an order of 2 computers delivered on 20/02 is recorded: the
        fleet was back above 0 before the end of 28/02, which is lifted (a fleet
        event says so), no second contract; the next daily run invoices March
        for 2 computers, and the contract goes on."""
        self._assert_back_dated_order_lifts_the_end(offer=True)

    def test_r1_order_after_an_empty_fleet_end_subscribes_again(self):
        """An order starting after that end (01/03) is a new subscription: the
        ended contract keeps its end."""
        contract = self._ended_for_lack_of_computers()
        with freeze_time("2026-03-05"):
            self._confirm(self.customer, computers=1, start="2026-03-01")
        self.assertEqual(contract.date_end, "2026-02-28")
        self.assertEqual(len(self._service_contract(self.customer)), 2)

    def test_r1_back_dated_order_without_the_offer_lifts_an_end_already_past(self):
        """The same order without the offer (computers only, the customer having
        a managed-service contract): the end is lifted all the same and the
        contract covers the computers (oracle finding, issue 22)."""
        self._assert_back_dated_order_lifts_the_end(offer=False)

    def test_r1_order_without_the_offer_after_an_empty_fleet_end_lifts_nothing(self):
        contract = self._ended_for_lack_of_computers()
        with freeze_time("2026-03-05"):
            self._confirm(self.customer, computers=1, offer=False, start="2026-03-01")
        self.assertEqual(contract.date_end, "2026-02-28")
        self.assertTrue(contract.infogerance_empty_fleet_end)
