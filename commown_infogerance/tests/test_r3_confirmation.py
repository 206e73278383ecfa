"""R3 at confirmation: the customer's managed-service contract is found or created
first and each rental is created attached to it; the rentals' stored fields are
written once for the order; the fleet is repriced and logged once per order."""
from freezegun import freeze_time

from odoo.tests.common import at_install, post_install

from .common import InfogeranceCase


# with the automated actions on rentals, as in production
@at_install(False)
@post_install(True)
class TestR3Confirmation(InfogeranceCase):
    def _stored_rentals(self, rentals):
        """What the database holds for these rentals (not the ORM's cache)."""
        self.env.cr.execute(
            "SELECT id, infogerance_contract_id, infogerance_prep_complete"
            "  FROM account_analytic_account WHERE id IN %s ORDER BY id",
            (tuple(rentals.ids),),
        )
        return self.env.cr.fetchall()

    def test_r3_second_order_creates_rentals_attached_and_logs_one_event(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        contract = self._service_contract(self.customer)
        before = self._rentals(self.customer)
        with freeze_time("2026-03-01"):
            order = self._confirm(self.customer, computers=4, start="2026-03-01")
        self.assertEqual(self._service_contract(self.customer), contract, "one contract")
        rentals = self._rentals(self.customer) - before
        self.assertEqual(len(rentals), 4)
        self.assertEqual(
            self._stored_rentals(rentals), [(rental.id, contract.id, False) for rental in rentals]
        )
        self.assertEqual(len(contract.infogerance_rental_contract_ids), 6)
        self.assertEqual(
            (contract.infogerance_fleet_size, contract.infogerance_unit_price), (6, 12)
        )
        events = contract.infogerance_fleet_event_ids.filtered(
            lambda e: order.name in (e.description or "")
        )
        self.assertEqual(len(events), 1, "one fleet event for the order, not one per rental")
        self.assertEqual(events.cause, "order")
        self.assertEqual((events.fleet_before, events.fleet_after), (2, 6))
        self.assertEqual(
            len(contract.message_ids.filtered(lambda m: order.name in (m.body or ""))),
            2,
            "the extension and the fleet change are told in the chatter, once each",
        )

    def test_r3_every_rental_line_of_the_order_is_attached_at_creation(self):
        env = self.env(user=self.salesman.id)
        rental_line = {"product_id": self.computer.id, "price_unit": 39.0}
        order = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "infogerance_start_date": "2026-01-01",
                "order_line": [
                    (0, 0, dict(rental_line, product_uom_qty=2)),
                    (0, 0, dict(rental_line, product_uom_qty=3, price_unit=45.0)),
                    (0, 0, {"product_id": self.service_product.id, "product_uom_qty": 1}),
                ],
            }
        )
        with freeze_time("2026-01-01"):
            order.action_confirm()
        contract = self._service_contract(self.customer)
        self.assertEqual(len(contract), 1)
        rentals = self._rentals(self.customer)
        self.assertEqual(
            sorted(rentals.mapped("recurring_invoice_line_ids.price_unit")), [39.0] * 2 + [45.0] * 3
        )
        self.assertEqual(
            self._stored_rentals(rentals), [(rental.id, contract.id, False) for rental in rentals]
        )
        self.assertEqual(contract.infogerance_rental_contract_ids, rentals)
        self.assertEqual(contract.infogerance_fleet_size, 5)
        self.assertEqual(len(contract.infogerance_fleet_event_ids), 1)
