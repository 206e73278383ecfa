"""A plan change at the edges of the contract's life (docs/rules.md, R3 to R6):
ordered while a termination is pending is refused, but a change ordered before
the request applies after it without extending the commitment; an order dated
back into invoiced periods never rewrites them; a termination cancelled leaves
the commitment as it was."""
from freezegun import freeze_time

from .common import InfogeranceCase


class TestPlanChangeEdges(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.offer2 = cls.env["infogerance.offer"].create(
            {
                "name": "Serenite (edges)",
                "service_type_ids": [(6, 0, cls.offer.service_type_ids.ids)],
                "commitment_months": 12,
                "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 25.0})],
            }
        )
        cls.service_product2 = cls.env["product.product"].create(
            {
                "name": "Managed services Serenite (edges)",
                "type": "service",
                "list_price": 25.0,
                "infogerance_offer_id": cls.offer2.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.customer.infogerance_separate_invoices = True
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        self.contract = self._service_contract(self.customer)

    def _bill_monthly_until(self, last):
        """Each month's invoicing run from January 2026 to ``last`` (a 1st)."""
        day = "2026-01-01"
        while day <= last:
            self._run_daily_jobs(day)
            year, month = int(day[:4]), int(day[5:7])
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            day = "%04d-%02d-01" % (year, month)

    def _order_offer2(self, day, start, computers=1):
        with freeze_time(day):
            order = self._create_order(self.customer, computers=computers, offer=False, start=start)
            order.write({"order_line": [(0, 0, {"product_id": self.service_product2.id})]})
            order.action_confirm()
        return order

    def _invoiced(self):
        """(date, period, fleet, amount) of the contract's invoice lines."""
        invoices = self.env["account.invoice"].search(
            [("contract_id", "=", self.contract.id)], order="date_invoice, id"
        )
        return [
            (
                invoice.date_invoice,
                line.infogerance_period_start,
                line.infogerance_fleet,
                line.price_subtotal,
            )
            for invoice in invoices
            for line in invoice.invoice_line_ids
        ]

    def test_r5_plan_change_after_a_termination_request_keeps_end_and_commitment(self):
        """A second offer ordered on 10/03/2027 (after the commitment) applies
        from 01/04; the customer asks on 20/03 to terminate: the contract ends
        on 30/04 (notice), April and its commitment are not extended by the new
        plan, which prices April."""
        self._bill_monthly_until("2027-03-01")
        self._order_offer2("2027-03-10", "2027-03-10")
        with freeze_time("2027-03-20"):
            self.contract.sudo(self.salesman)._infogerance_terminate("2027-03-20", "moving")
        self.assertEqual(self.contract.date_end, "2027-04-30")
        self._run_daily_jobs("2027-04-01")
        self.assertEqual(self.contract.infogerance_offer_id, self.offer2, "the plan applied")
        self.assertEqual(self.contract.date_end, "2027-04-30", "the termination holds")
        self.assertEqual(
            self.contract.infogerance_commitment_end,
            "2026-12-31",
            "no new commitment for a contract that is ending",
        )
        self.assertEqual(self._invoiced()[-1], ("2027-04-01", "2027-04-01", 3, 75.0))
        self._run_daily_jobs("2027-05-01")
        self.assertEqual(self._invoiced()[-1][0], "2027-04-01", "nothing after the end")

    def test_r6_cancelled_termination_keeps_the_commitment_unchanged(self):
        """The same termination, cancelled on 25/04/2027 after the new plan
        applied: the contract runs on, invoices continue, and the commitment is
        still the first one: a new request on 26/04 ends it with its notice
        (31/05), not twelve months after the plan change."""
        self._bill_monthly_until("2027-03-01")
        self._order_offer2("2027-03-10", "2027-03-10")
        with freeze_time("2027-03-20"):
            self.contract.sudo(self.salesman)._infogerance_terminate("2027-03-20", "moving")
        self._run_daily_jobs("2027-04-01")
        with freeze_time("2027-04-25"):
            self.contract.sudo(self.salesman)._infogerance_cancel_termination()
        self.assertFalse(self.contract.date_end)
        self.assertEqual(self.contract.infogerance_commitment_end, "2026-12-31")
        self._run_daily_jobs("2027-05-01")
        self.assertEqual(self._invoiced()[-1], ("2027-05-01", "2027-05-01", 3, 75.0))
        with freeze_time("2027-05-02"):
            end = self.contract.sudo(self.salesman)._infogerance_terminate("2027-05-02", "again")
        self.assertEqual(end, "2027-05-31")

    def test_r3_back_dated_second_offer_applies_from_the_next_period_to_invoice(self):
        """January and February are invoiced with the first offer; a second
        offer ordered on 10/02 for a delivery dated back to 15/01 changes the
        plan from 01/03 (the next period to invoice), never in January or
        February: February gets a regularisation for the back-dated computer
        at the first offer's price."""
        self._run_daily_jobs("2026-01-01")
        self._run_daily_jobs("2026-02-01")
        self._order_offer2("2026-02-10", "2026-01-15")
        change = self.contract.infogerance_plan_change_ids
        self.assertEqual((change.state, change.date), ("pending", "2026-03-01"))
        self.assertEqual(self.contract.infogerance_offer_id, self.offer)
        self._run_daily_jobs("2026-03-01")
        self.assertEqual(change.state, "applied")
        self.assertEqual(
            sorted(line for line in self._invoiced() if line[0] == "2026-03-01"),
            [
                ("2026-03-01", "2026-02-01", 3, 15.0),
                ("2026-03-01", "2026-03-01", 3, 75.0),
            ],
        )

    def test_r3_back_dated_second_offer_before_the_first_invoice_applies_from_the_start(self):
        """Nothing invoiced yet (the contract's first invoice is tomorrow's run):
        an order of the second offer dated back to the start changes the plan
        from the start."""
        with freeze_time("2026-01-01"):
            self._confirm(self.other_customer, computers=1, start="2025-12-20")
        other = self._service_contract(self.other_customer)
        self.assertEqual(other.recurring_next_date, "2025-12-20")
        with freeze_time("2026-01-01"):
            order = self._create_order(
                self.other_customer, computers=1, offer=False, start="2025-12-20"
            )
            order.write({"order_line": [(0, 0, {"product_id": self.service_product2.id})]})
            order.action_confirm()
        self.assertEqual(other.infogerance_offer_id, self.offer2)
        self.assertEqual(other.infogerance_plan_change_ids.date, "2025-12-20")
