"""Contractual documents: versioned conditions per offer, accepted before
paying in the shop or accepting a quotation in the portal; the acceptance is
kept on the order and the contract."""
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError

from .common import InfogeranceCase


@freeze_time("2026-01-01")
class TestTerms(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Terms = cls.env["infogerance.terms"]
        cls.terms = Terms.create(
            {
                "name": "Particular conditions (test)",
                "offer_id": cls.offer.id,
                "version": "v1",
                "date": "2025-06-01",
                "body": "<p>Twelve months, then fifteen days' notice.</p>",
            }
        )
        cls.future_terms = Terms.create(
            {
                "name": "Particular conditions (test)",
                "offer_id": cls.offer.id,
                "version": "v2",
                "date": "2026-09-01",
                "body": "<p>Next year's wording.</p>",
            }
        )
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Paula Portal",
                "login": "paula_terms",
                "partner_id": cls.env["res.partner"]
                .create({"name": "Paula Portal", "parent_id": cls.customer.id})
                .id,
                "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])],
            }
        )

    def _cart(self):
        """A shop cart, which website_sale works on as superuser."""
        cart = self.env["sale.order"].sudo().create({"partner_id": self.customer.id})
        cart._cart_update(product_id=self.computer.id, add_qty=3)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        return cart

    def test_current_version_is_the_latest_valid_today(self):
        self.assertEqual(self.offer.current_terms_id, self.terms)
        with freeze_time("2026-09-01"):
            self.offer.invalidate_cache()
            self.assertEqual(self.offer.current_terms_id, self.future_terms)

    def test_an_order_with_an_offer_needs_its_conditions_accepted(self):
        cart = self._cart()
        self.assertEqual(cart.infogerance_terms_ids, self.terms)
        self.assertTrue(cart.infogerance_terms_missing)
        with self.assertRaisesRegex(UserError, "accept the conditions"):
            cart._infogerance_check_terms_accepted()

    def test_shop_acceptance_recorded_on_order_then_contract(self):
        cart = self._cart()
        acceptance = cart._infogerance_accept_terms("203.0.113.7", "shop", user=self.portal_user)
        cart._infogerance_check_terms_accepted()  # no error now
        self.assertFalse(cart.infogerance_terms_missing)
        self.assertEqual(
            (acceptance.terms_id, acceptance.version, acceptance.user_id, acceptance.ip_address),
            (self.terms, "v1", self.portal_user, "203.0.113.7"),
        )
        self.assertEqual(acceptance.date[:10], "2026-01-01")
        self.assertIn("203.0.113.7", cart.message_ids[0].body)
        # Accepting twice records nothing more.
        self.assertFalse(cart._infogerance_accept_terms("203.0.113.7", "shop"))
        cart.action_confirm()
        contract = self._service_contract(self.customer)
        self.assertEqual(contract.infogerance_terms_acceptance_ids, acceptance)

    def test_payment_needs_the_sale_rules_then_the_conditions(self):
        """The one check the shop's payment route makes: the sale rule's message
        first (clearer for a cart that cannot be sold), then the conditions."""
        cart = self.env["sale.order"].sudo().create({"partner_id": self.customer.id})
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        with self.assertRaises(UserError) as refused:
            cart._infogerance_check_payable()
        self.assertEqual(refused.exception.name, cart._infogerance_sale_error_text())
        self.assertNotIn("conditions", refused.exception.name)
        cart._cart_update(product_id=self.computer.id, add_qty=1)
        with self.assertRaisesRegex(UserError, "accept the conditions"):
            cart._infogerance_check_payable()
        cart._infogerance_accept_terms("203.0.113.7", "shop")
        cart._infogerance_check_payable()  # nothing left to refuse

    def test_orders_without_offer_need_no_acceptance(self):
        order = self._create_order(self.customer, computers=2, offer=False)
        self.assertFalse(order.infogerance_terms_ids)
        order._infogerance_check_terms_accepted()

    def test_an_accepted_version_never_changes(self):
        self._cart()._infogerance_accept_terms("203.0.113.7", "shop")
        with self.assertRaisesRegex(UserError, "new version"):
            self.terms.write({"body": "<p>Changed afterwards</p>"})
        with self.assertRaises(UserError):
            self.terms.unlink()
        self.future_terms.write({"body": "<p>Not accepted yet: may change</p>"})

    def test_portal_customer_reads_only_its_acceptances(self):
        self._cart()._infogerance_accept_terms("203.0.113.7", "shop")
        Acceptance = self.env["infogerance.terms.acceptance"]
        self.assertEqual(len(Acceptance.sudo(self.portal_user).search([])), 1)
        other = self.env["sale.order"].sudo().create({"partner_id": self.other_customer.id})
        other._cart_update(product_id=self.computer.id, add_qty=1)
        other._cart_update(product_id=self.service_product.id, add_qty=1)
        other_acceptance = other._infogerance_accept_terms("198.51.100.1", "shop")
        with self.assertRaises(AccessError):
            other_acceptance.sudo(self.portal_user).read(["ip_address"])
        with self.assertRaises(AccessError):
            Acceptance.sudo(self.portal_user).create({"terms_id": self.terms.id})

    def test_quotation_email_carries_the_conditions(self):
        order = self._create_order(self.customer, computers=2)
        action = order.action_quotation_send()
        composer = self.env["mail.compose.message"].with_context(action["context"]).create({})
        values = composer.onchange_template_id(
            action["context"]["default_template_id"], "comment", "sale.order", order.id
        )["value"]
        names = self.env["ir.attachment"].browse(values["attachment_ids"][0][2]).mapped("name")
        self.assertIn("Particular conditions (test) - v1.pdf", names)

    def test_order_form_links_the_conditions(self):
        order = self._create_order(self.customer, computers=2)
        html = self.env.ref("sale.action_report_saleorder").render_qweb_html(order.ids)[0]
        self.assertIn(b"/infogerance/conditions/%d" % self.terms.id, html)
