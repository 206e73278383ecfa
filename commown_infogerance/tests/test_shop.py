"""The shop's cart (website_sale ``_cart_update``) under the backend's rules: R1, R3."""

from odoo.exceptions import UserError

from .common import InfogeranceCase


class TestShopCart(InfogeranceCase):
    frozen_now = "2026-01-01"

    def _cart(self, partner):
        """A shop cart: website_sale works on the order as superuser."""
        return self.env["sale.order"].sudo().create({"partner_id": partner.id})

    def test_r3_cart_service_line_follows_computers_at_fleet_price(self):
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.computer.id, add_qty=3)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        line = self._service_line(cart)
        self.assertEqual((line.product_uom_qty, line.price_unit), (3, 15.0))
        self.assertEqual(
            line.infogerance_rental_line_ids, cart.order_line.filtered("is_computer_rental")
        )
        self.assertFalse(cart.infogerance_sale_error)

    def test_r3_cart_offer_first_then_computers(self):
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        cart._cart_update(product_id=self.computer.id, add_qty=5)
        line = self._service_line(cart)
        self.assertEqual((line.product_uom_qty, line.price_unit), (5, 12.0))

    def test_r3_cart_quantity_change_on_the_service_line_keeps_the_fleet_price(self):
        """_cart_update writes the pricelist price on the line it changes."""
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.computer.id, add_qty=5)
        result = cart._cart_update(product_id=self.service_product.id, add_qty=1)
        cart._cart_update(product_id=self.service_product.id, line_id=result["line_id"], set_qty=9)
        line = self._service_line(cart)
        self.assertEqual((line.product_uom_qty, line.price_unit), (5, 12.0))

    def test_r3_cart_counts_the_existing_rentals_of_the_customer(self):
        self._confirm(self.customer, computers=8, offer=False)
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.computer.id, add_qty=2)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        line = self._service_line(cart)
        self.assertEqual((line.product_uom_qty, line.price_unit), (2, 10.0))
        self.assertIn("8 already rented", line.infogerance_price_reason)

    def test_r3_cart_removing_computers_updates_the_service_line(self):
        cart = self._cart(self.customer)
        result = cart._cart_update(product_id=self.computer.id, add_qty=6)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        cart._cart_update(product_id=self.computer.id, line_id=result["line_id"], set_qty=2)
        line = self._service_line(cart)
        self.assertEqual((line.product_uom_qty, line.price_unit), (2, 15.0))
        # The cart's "Remove" link: no quantity added, quantity set to 0.
        cart._cart_update(
            product_id=self.computer.id, line_id=result["line_id"], add_qty=None, set_qty=0
        )
        self.assertFalse(cart.order_line.filtered("is_computer_rental"))
        self.assertEqual(line.product_uom_qty, 0)
        self.assertIn("requires a computer rental", cart.infogerance_sale_error)

    def test_r1_cart_offer_can_be_removed(self):
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.computer.id, add_qty=2)
        result = cart._cart_update(product_id=self.service_product.id, add_qty=1)
        cart._cart_update(
            product_id=self.service_product.id, line_id=result["line_id"], add_qty=None, set_qty=0
        )
        self.assertFalse(self._service_line(cart))
        self.assertEqual(cart.order_line.mapped("product_uom_qty"), [2])

    def test_r1_cart_with_the_offer_alone_is_refused(self):
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        # the rule for the customer, without the staff's rule code
        self.assertTrue(
            cart.infogerance_sale_error.startswith("A managed-service subscription requires"),
            cart.infogerance_sale_error,
        )
        self.assertNotIn("R1", cart.infogerance_sale_error)
        self.assertIn(self.customer.name, cart.infogerance_sale_error)
        with self.assertRaisesRegex(UserError, "R1"):
            cart.action_confirm()
        self.assertFalse(self._service_contract(self.customer))

    def test_r1_cart_with_the_offer_alone_is_accepted_for_a_renting_customer(self):
        self._confirm(self.customer, computers=2, offer=False)
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        self.assertFalse(cart.infogerance_sale_error)

    def test_r1_cart_confirmation_creates_the_contracts_of_the_backend(self):
        cart = self._cart(self.customer)
        cart._cart_update(product_id=self.computer.id, add_qty=3)
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        cart.action_confirm()
        self.assertEqual(len(self._rentals(self.customer)), 3)
        contract = self._service_contract(self.customer)
        self.assertEqual(
            (
                contract.infogerance_fleet_size,
                contract.infogerance_unit_price,
                contract.infogerance_monthly_amount,
            ),
            (3, 15.0, 45.0),
        )
