"""Service requests inside the contract's life (R8) and what an order must be to
be confirmed: monthly pre-paid templates, no discount on the fleet price, the
grid's currency, a maximum of computers per line."""
from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError

from .common import InfogeranceCase


@freeze_time("2026-03-10")
class TestR8RequestDates(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-01-01"):
            cls._create_order(cls.customer, computers=2, start="2026-02-01").action_confirm()
        cls.contract = cls.env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "=", cls.customer.id)]
        )

    def test_r8_preparation_before_the_start_is_accepted(self):
        rental = self._rentals(self.customer)[0]
        request = self._request(
            self.contract, "preparation", request_date="2026-01-20", rental_contract_id=rental.id
        )
        self.assertEqual(request.request_date, "2026-01-20")
        self.assertTrue(self._request(self.contract, "accounts", request_date="2026-01-20"))

    def test_r8_onsite_before_the_start_is_refused_with_the_rule_not_a_crash(self):
        with self.assertRaisesRegex(ValidationError, "R8.*precedes the start"):
            self._request(self.contract, "onsite", request_date="2026-01-20")
        with self.assertRaisesRegex(ValidationError, "R8.*precedes the start"):
            self._request(self.contract, "support", request_date="2026-01-20")

    def test_r8_request_after_the_end_is_refused(self):
        self.contract.sudo().write({"date_end": "2027-01-31"})
        with self.assertRaisesRegex(ValidationError, "R8.*after the end"):
            self._request(self.contract, "support", request_date="2027-02-01")
        with self.assertRaisesRegex(ValidationError, "R8.*after the end"):
            self._request(self.contract, "preparation", request_date="2027-02-05")
        self.assertTrue(self._request(self.contract, "support", request_date="2027-01-31"))


@freeze_time("2026-01-01")
class TestSaleChecks(InfogeranceCase):
    def test_r7_weekly_contract_template_is_refused_at_confirmation(self):
        template = self.env["account.analytic.contract"].create(
            {"name": "Weekly (test)", "recurring_rule_type": "weekly"}
        )
        self.service_product.infogerance_contract_template_id = template
        order = self._create_order(self.customer, computers=2)
        with self.assertRaisesRegex(UserError, "not invoiced every month in advance"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        template.write({"recurring_rule_type": "monthly", "recurring_invoicing_type": "post-paid"})
        with self.assertRaisesRegex(UserError, "monthly, pre-paid"):
            order.action_confirm()

    def test_r3_discount_on_the_service_line_is_refused_not_dropped(self):
        order = self._create_order(self.customer, computers=2)
        self._service_line(order).discount = 10.0
        with self.assertRaisesRegex(UserError, "R3.*discount of 10.0%"):
            order.action_confirm()
        self.assertFalse(self._service_contract(self.customer))

    def test_r3_currency_other_than_the_grid_is_refused(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        pricelist = self.env["product.pricelist"].create(
            {"name": "USD (test)", "currency_id": usd.id}
        )
        order = self._create_order(self.customer, computers=2)
        order.pricelist_id = pricelist
        self.assertNotEqual(self.offer.currency_id, usd)
        with self.assertRaisesRegex(UserError, "R3.*grid of offer .* is in"):
            order.action_confirm()

    def test_max_computers_per_line_is_capped_by_a_system_parameter(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "commown_infogerance.max_computers_per_line", "5"
        )
        order = self._create_order(self.customer, computers=6)
        with self.assertRaisesRegex(UserError, "rents at most 5"):
            order.action_confirm()
        self.assertFalse(self._rentals(self.customer))
        order.order_line.filtered("is_computer_rental").product_uom_qty = 5
        order.action_confirm()
        self.assertEqual(len(self._rentals(self.customer)), 5)
