"""Defects the billing oracle found (docs/billing.md), each a named regression."""
from freezegun import freeze_time

from .common import InfogeranceCase


class TestOracleFindings(InfogeranceCase):
    def setUp(self):
        super().setUp()
        self.customer.infogerance_separate_invoices = True
        self.customer.lang = "en_US"

    def test_r1_lifted_empty_fleet_end_keeps_the_requested_termination(self):
        """A termination requested during the commitment ends the contract on
        31/12/2026; the fleet falls to 0 in May (R1: end on 31/05) and a computer
        is rented again before that end: the R1 end is lifted, the termination
        still holds."""
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=1)
        contract = self._service_contract(self.customer)
        with freeze_time("2026-03-10"):
            contract.sudo(self.salesman)._infogerance_terminate("2026-03-10", "moving away")
        self.assertEqual(contract.date_end, "2026-12-31")
        with freeze_time("2026-05-10"):
            self._rentals(self.customer).write({"date_end": "2026-05-09"})
        self.assertEqual(contract.date_end, "2026-05-31")
        with freeze_time("2026-05-20"):
            self._confirm(self.customer, computers=1, offer=False, start="2026-05-20")
        self.assertEqual(contract.date_end, "2026-12-31")
        self.assertFalse(contract.infogerance_empty_fleet_end)
        self.assertTrue(contract.infogerance_termination_pending)

    def test_r3_regularisation_of_a_period_is_priced_from_that_periods_plan(self):
        """A return entered late regularises March, invoiced with the first offer
        (15.00 a computer), after the plan changed to another offer in April
        (19.00): March is regularised at 15.00."""
        offer_b = self.env["infogerance.offer"].create(
            {
                "name": "Confort (test)",
                "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 19.0})],
            }
        )
        product_b = self.env["product.product"].create(
            {
                "name": "Managed services Confort (test)",
                "type": "service",
                "list_price": 19.0,
                "infogerance_offer_id": offer_b.id,
            }
        )
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        contract = self._service_contract(self.customer)
        self._run_daily_jobs("2026-01-01")
        self._run_daily_jobs("2026-02-01")
        self._run_daily_jobs("2026-03-01")
        with freeze_time("2026-03-10"):
            order = self._create_order(self.customer, computers=None, start="2026-03-10")
            order.order_line.product_id = product_b
            order.action_confirm()
        self._run_daily_jobs("2026-04-01")
        self.assertEqual(contract.infogerance_offer_id, offer_b)
        # a return of 28/02 entered on 10/04: March had 1 computer, not 2
        with freeze_time("2026-04-10"):
            self._rentals(self.customer)[0].date_end = "2026-02-28"
        self._run_daily_jobs("2026-05-01")
        may = self.env["account.invoice"].search(
            [("contract_id", "=", contract.id), ("date_invoice", "=", "2026-05-01")]
        )
        regularisation = may.invoice_line_ids.filtered("infogerance_fleet_event_id")
        self.assertEqual(
            regularisation.mapped("name"),
            [
                "Regularisation for March 2026: 1 computers instead of 2",
                "Regularisation for April 2026: 1 computers instead of 2",
            ],
        )
        self.assertEqual(regularisation.mapped("price_subtotal"), [-15.0, -19.0])

    def test_r3_regularisation_counts_the_fleet_of_the_contracts_company(self):
        """Computers the customer rents from another company are not part of the
        contract's fleet: no regularisation for them (the period's line does not
        count them either)."""
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        contract = self._service_contract(self.customer)
        self._run_daily_jobs("2026-01-01")
        other_company = self.env["res.company"].create({"name": "Other company (test)"})
        # (its own rentals are invoiced in that company: not by this test's runs)
        self.env.cr.execute(
            """
            INSERT INTO account_analytic_account
                (name, company_id, partner_id, active, recurring_invoices,
                 infogerance_role, date_start, recurring_next_date,
                 recurring_rule_type, recurring_interval, recurring_invoicing_type)
            VALUES ('Rental elsewhere', %s, %s, true, true, 'rental', '2026-01-01',
                    '2099-01-01', 'monthly', 1, 'pre-paid')
            """,
            (other_company.id, self.customer.id),
        )
        self.env["account.analytic.account"].invalidate_cache()
        self._run_daily_jobs("2026-02-01")
        february = self.env["account.invoice"].search(
            [("contract_id", "=", contract.id), ("date_invoice", "=", "2026-02-01")]
        )
        self.assertEqual(february.invoice_line_ids.mapped("infogerance_fleet"), [2])
        self.assertEqual(february.amount_untaxed, 30.0)
