"""One managed-service contract per customer and company through its life:
plan changes (R3, R4, R5), quotes priced from the frozen grid (R4), the R1 end
lifted, orders during a termination (R6), the start moved before the first
invoice (R5), the fleet counted per company (R3)."""
from freezegun import freeze_time

from odoo.exceptions import UserError

from .common import InfogeranceCase


class TestOneContractPerCustomer(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.offer2 = cls.env["infogerance.offer"].create(
            {
                "name": "Serenite (test)",
                "service_type_ids": [(6, 0, cls.offer.service_type_ids.ids)],
                "commitment_months": 12,
                "tier_ids": [
                    (0, 0, {"min_computers": 1, "unit_price": 25.0}),
                    (0, 0, {"min_computers": 5, "unit_price": 20.0}),
                ],
            }
        )
        cls.service_product2 = cls.env["product.product"].create(
            {
                "name": "Managed services Serenite (test)",
                "type": "service",
                "list_price": 25.0,
                "infogerance_offer_id": cls.offer2.id,
            }
        )

    def _order(self, partner, computers, product, start):
        env = self.env(user=self.salesman.id)
        lines = [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]
        if computers:
            lines.insert(
                0,
                (
                    0,
                    0,
                    {
                        "product_id": self.computer.id,
                        "product_uom_qty": computers,
                        "price_unit": 39.0,
                    },
                ),
            )
        return env["sale.order"].create(
            {"partner_id": partner.id, "infogerance_start_date": start, "order_line": lines}
        )

    def _invoice(self, day):
        with freeze_time(day):
            self.env["account.analytic.account"].cron_recurring_create_invoice()

    def _service_invoice_line(self, contract, date):
        # the customer's invoice of that day holds every contract (consolidated)
        line = self.env["account.invoice.line"].search(
            [("account_analytic_id", "=", contract.id), ("invoice_id.date_invoice", "=", date)]
        )
        self.assertEqual(len(line), 1, "one invoice line on %s" % date)
        return line

    # 1. One contract; another offer changes the plan from the next period ------------

    def test_r3_second_offer_changes_the_plan_not_a_second_contract(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        self._invoice("2026-01-01")
        with freeze_time("2026-01-15"):
            self._order(self.customer, 2, self.service_product2, "2026-01-15").action_confirm()
        self.assertEqual(self._service_contract(self.customer), contract, "one contract")
        change = contract.infogerance_plan_change_ids
        self.assertEqual(
            (change.state, change.date, change.offer_id), ("pending", "2026-02-01", self.offer2)
        )
        # January keeps its plan: the old offer, priced on the whole fleet of 5
        self.assertEqual(contract.infogerance_offer_id, self.offer)
        self.assertEqual(
            (contract.infogerance_fleet_size, contract.infogerance_unit_price), (5, 12.0)
        )
        self.assertEqual(len(self._rentals(self.customer).mapped("infogerance_contract_id")), 1)

        self._invoice("2026-02-01")
        line = self._service_invoice_line(contract, "2026-02-01")
        self.assertEqual(
            (line.product_id, line.quantity, line.price_unit), (self.service_product2, 5, 20.0)
        )
        self.assertEqual(change.state, "applied")
        self.assertEqual(contract.infogerance_offer_id, self.offer2)
        # commitment rule of a plan change: the new offer's length from the change,
        # never shorter than the commitment running
        self.assertEqual(contract.infogerance_commitment_end, "2027-01-31")
        event = contract.infogerance_fleet_event_ids.filtered(lambda e: e.cause == "plan_change")
        self.assertEqual(len(event), 1)
        self.assertEqual(
            (event.date, event.unit_price_before, event.unit_price_after),
            ("2026-02-01", 12.0, 20.0),
        )
        self.assertIn(self.offer2.name, event.description)

    def test_r5_plan_change_never_shortens_the_commitment(self):
        self.offer2.commitment_months = 1
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        self._invoice("2026-01-01")
        with freeze_time("2026-03-10"):
            self._order(self.customer, 0, self.service_product2, "2026-03-10").action_confirm()
            self.env["account.analytic.account"]._cron_infogerance_apply_plan_changes()
        self.assertEqual(contract.infogerance_offer_id, self.offer, "applies from 04-01")
        with freeze_time("2026-04-01"):
            self.env["account.analytic.account"]._cron_infogerance_apply_plan_changes()
        self.assertEqual(contract.infogerance_offer_id, self.offer2)
        self.assertEqual(contract.infogerance_commitment_end, "2026-12-31")

    def test_r4_ordering_the_running_offer_again_keeps_its_frozen_grid(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        self._invoice("2026-01-01")
        self.offer.tier_ids.write({"unit_price": 50.0})
        with freeze_time("2026-01-10"):
            self._order(self.customer, 0, self.service_product2, "2026-01-10").action_confirm()
            back = self._order(self.customer, 1, self.service_product, "2026-01-10")
            self.assertEqual(self._service_line(back).price_unit, 15.0)
            back.action_confirm()
        self.assertEqual(
            contract.infogerance_plan_change_ids.mapped("state"), ["replaced"], "nothing pending"
        )
        self.assertFalse(contract.infogerance_plan_change_pending)
        self._invoice("2026-02-01")
        line = self._service_invoice_line(contract, "2026-02-01")
        self.assertEqual((line.product_id, line.price_unit), (self.service_product, 15.0))

    def test_r3_two_offers_in_one_order_are_refused(self):
        order = self._order(self.customer, 2, self.service_product, "2026-01-01")
        order.write({"order_line": [(0, 0, {"product_id": self.service_product2.id})]})
        with self.assertRaisesRegex(UserError, "several managed-service offers"):
            order.action_confirm()

    def test_r3_plan_change_is_not_read_from_another_company(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3, start="2026-02-01")
            self._order(self.customer, 0, self.service_product2, "2026-02-01").action_confirm()
        change = self._service_contract(self.customer).infogerance_plan_change_ids
        self.assertEqual(len(change), 1)
        other_company = self.env["res.company"].create({"name": "Commown Ter (test)"})
        outsider = self._create_user(
            "Other company salesman", "plan_outsider", "sales_team.group_sale_salesman"
        )
        outsider.write({"company_ids": [(6, 0, other_company.ids)], "company_id": other_company.id})
        PlanChange = self.env["infogerance.plan.change"].sudo(outsider)
        self.assertFalse(PlanChange.search([("id", "=", change.id)]))
        self.assertTrue(
            self.env["infogerance.plan.change"].sudo(self.salesman).search([("id", "=", change.id)])
        )

    def test_r3_plan_change_before_the_first_invoice_applies_at_once(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3, start="2026-02-01")
            self._order(self.customer, 0, self.service_product2, "2026-02-01").action_confirm()
        contract = self._service_contract(self.customer)
        self.assertEqual(len(contract), 1)
        self.assertEqual(contract.infogerance_offer_id, self.offer2)
        self.assertEqual(contract.infogerance_unit_price, 25.0)

    def test_r3_fleet_is_counted_per_company(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        other_company = self.env["res.company"].create({"name": "Commown Bis (test)"})
        self.env["account.analytic.account"].create(
            {
                "name": "Rental in another company",
                "partner_id": self.customer.id,
                "company_id": other_company.id,
                "infogerance_role": "rental",
                "recurring_invoices": True,
                "date_start": "2026-01-01",
                "recurring_next_date": "2026-01-01",
            }
        )
        with freeze_time("2026-01-02"):
            contract._infogerance_reprice()
        self.assertEqual(contract.infogerance_fleet_size, 3)
        sizes = self.env["res.partner"]._infogerance_fleet_sizes(
            self.customer.ids, "2026-01-02", company_id=other_company.id
        )
        self.assertEqual(sizes, {self.customer.id: 1})

    # 2. Quotes, PDF and cart priced from the contract's frozen grid (R4) --------------

    def test_r4_quote_pdf_and_cart_use_the_frozen_grid_of_a_subscriber(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        self.offer.tier_ids.filtered(lambda t: t.min_computers == 1).unit_price = 19.0
        with freeze_time("2026-01-10"):
            quote = self._create_order(self.customer, computers=1, start="2026-01-10")
            line = self._service_line(quote)
            self.assertEqual(line.price_unit, 15.0, "the frozen tier for 4 computers")
            html = (
                self.env.ref("sale.action_report_saleorder").render_qweb_html(quote.ids)[0].decode()
            )
            cart = self.env["sale.order"].sudo().create({"partner_id": self.customer.id})
            cart._cart_update(product_id=self.computer.id, add_qty=1)
            cart._cart_update(product_id=self.service_product.id, add_qty=1)
        self.assertIn("15.00", html)
        self.assertNotIn("19.00", html)
        self.assertEqual(self._service_line(cart).price_unit, 15.0)
        with freeze_time("2026-01-10"):
            quote.action_confirm()
        self.assertEqual(contract.infogerance_unit_price, line.price_unit)
        self._invoice("2026-01-01")
        self._invoice("2026-02-01")
        self.assertEqual(self._service_invoice_line(contract, "2026-02-01").price_unit, 15.0)

    def test_r4_quote_for_another_offer_uses_that_offer_grid(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
            quote = self._order(self.customer, 1, self.service_product2, "2026-01-01")
        self.assertEqual(self._service_line(quote).price_unit, 25.0)

    # 3. R1 end lifted; orders during a pending termination ---------------------------

    def test_r1_fleet_back_before_the_end_lifts_the_end(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=1)
        contract = self._service_contract(self.customer)
        with freeze_time("2026-03-10"):
            self._rentals(self.customer).write({"date_end": "2026-03-09"})
        self.assertEqual(contract.date_end, "2026-03-31")
        self.assertTrue(contract.infogerance_empty_fleet_end)
        with freeze_time("2026-03-20"):
            self._confirm(self.customer, computers=1, offer=False, start="2026-03-20")
        self.assertFalse(contract.date_end)
        self.assertFalse(contract.infogerance_empty_fleet_end)
        self.assertEqual(contract.infogerance_fleet_size, 1)
        event = contract.infogerance_fleet_event_ids.filtered(lambda e: e.cause == "end_lifted")
        self.assertEqual(len(event), 1)
        self.assertTrue(
            any("is lifted" in (m.body or "") for m in contract.message_ids),
            "the lift is told in the chatter",
        )

    def test_r6_order_during_a_pending_termination_is_refused_clearly(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        contract = self._service_contract(self.customer)
        with freeze_time("2027-02-01"):
            contract.sudo(self.salesman)._infogerance_terminate("2027-02-01", "moving away")
            end = contract.date_end
            order = self._create_order(self.customer, computers=1, start="2027-02-01")
            with self.assertRaisesRegex(UserError, "Cancel the termination"):
                order.action_confirm()
        self.assertEqual(contract.date_end, end, "the ending contract is not extended")
        self.assertEqual(order.state, "draft")

    # 4. Commitment end follows the start until the first invoice (R5) ----------------

    def test_r5_commitment_end_follows_a_late_start_until_the_first_invoice(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2, start="2026-01-05")
        contract = self._service_contract(self.customer)
        self.assertEqual(contract.infogerance_commitment_end, "2027-01-04")
        contract.date_start = "2026-01-20"  # late delivery
        self.assertEqual(contract.infogerance_commitment_end, "2027-01-19")
        self.assertEqual(contract.recurring_next_date, "2026-01-20")
        self._invoice("2026-01-20")
        contract.date_start = "2026-01-18"
        self.assertEqual(contract.infogerance_commitment_end, "2027-01-19", "invoiced: kept")
