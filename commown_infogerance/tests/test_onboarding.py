"""Onboarding (R3): a contract is a computer rental from its lines' products,
whatever created it, and joins the fleet; existing rentals are attached once."""
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests.common import at_install, post_install

from .common import InfogeranceCase


@at_install(False)
@post_install(True)
@freeze_time("2026-03-10")
class TestR3Onboarding(InfogeranceCase):
    def setUp(self):
        super().setUp()
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        self.service = self._service_contract(self.customer)
        self.Contract = self.env["account.analytic.account"]

    def _line_values(self, product=None):
        product = product or self.computer
        return {
            "product_id": product.id,
            "name": "%s #START# - #END#" % product.name,
            "quantity": 1,
            "uom_id": product.uom_id.id,
            "specific_price": 39.0,
        }

    def _contract_values(self, name, partner=None, lines=True):
        values = {
            "name": name,
            "partner_id": (partner or self.customer).id,
            "recurring_invoices": True,
            "date_start": "2026-02-01",
            "recurring_next_date": "2026-02-01",
        }
        if lines:
            values["recurring_invoice_line_ids"] = [(0, 0, self._line_values())]
        return values

    def test_r3_rental_from_the_contract_form_counts(self):
        # what the contract form sends: the contract with its lines, no role
        contract = self.Contract.create(self._contract_values("Laptop from the form"))
        self.assertEqual(contract.infogerance_role, "rental")
        self.assertEqual(self.customer.get_rented_computer_count(), 3)
        self.assertEqual(self.service.infogerance_fleet_size, 3)

    def test_r3_contract_of_other_products_is_no_rental(self):
        values = self._contract_values("Bag")
        values["recurring_invoice_line_ids"] = [(0, 0, self._line_values(self.accessory))]
        contract = self.Contract.create(values)
        self.assertFalse(contract.infogerance_role)
        self.assertEqual(self.service.infogerance_fleet_size, 2)

    def test_r3_rental_imported_counts(self):
        result = self.Contract.load(
            [
                "name",
                "partner_id/.id",
                "recurring_invoices",
                "date_start",
                "recurring_next_date",
                "recurring_invoice_line_ids/product_id/.id",
                "recurring_invoice_line_ids/name",
                "recurring_invoice_line_ids/quantity",
                "recurring_invoice_line_ids/uom_id/.id",
            ],
            [
                [
                    "Imported laptop %s" % n,
                    str(self.customer.id),
                    "1",
                    "2026-02-01",
                    "2026-02-01",
                    str(self.computer.id),
                    "Laptop #START# - #END#",
                    "1",
                    str(self.computer.uom_id.id),
                ]
                for n in range(3)
            ],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(len(result["ids"]), 3)
        self.assertEqual(
            set(self.Contract.browse(result["ids"]).mapped("infogerance_role")), {"rental"}
        )
        self.assertEqual(self.service.infogerance_fleet_size, 5)

    def test_r3_rental_by_rpc_line_after_contract_counts(self):
        # an RPC client: the contract first, its line in a second call
        contract = self.Contract.create(self._contract_values("RPC laptop", lines=False))
        self.assertFalse(contract.infogerance_role)
        line_values = dict(self._line_values(), analytic_account_id=contract.id)
        line = self.env["account.analytic.invoice.line"].create(line_values)
        self.assertEqual(contract.infogerance_role, "rental")
        self.assertEqual(self.service.infogerance_fleet_size, 3)
        line.unlink()
        self.assertFalse(contract.infogerance_role)
        self.assertEqual(self.service.infogerance_fleet_size, 2)

    def test_r3_product_flagged_later_makes_its_contracts_rentals(self):
        tablet = self.env["product.product"].create({"name": "Tablet (test)", "type": "service"})
        values = self._contract_values("Tablet rental")
        values["recurring_invoice_line_ids"] = [(0, 0, self._line_values(tablet))]
        contract = self.Contract.create(values)
        self.assertFalse(contract.infogerance_role)
        tablet.product_tmpl_id.is_computer_rental = True
        self.assertEqual(contract.infogerance_role, "rental")
        self.assertEqual(self.service.infogerance_fleet_size, 3)

    def test_r3_migration_attaches_existing_rentals_once(self):
        # rentals of another module: no role, no managed-service contract
        self.Contract.create(self._contract_values("Old laptop 1"))
        self.Contract.create(self._contract_values("Old laptop 2"))
        self.env.cr.execute(
            "UPDATE account_analytic_account SET infogerance_role = NULL,"
            " infogerance_contract_id = NULL WHERE name LIKE 'Old laptop%%'"
        )
        self.Contract.invalidate_cache()
        first = self.Contract._infogerance_onboard_existing()
        self.assertGreaterEqual(first["roles_changed"], 2)
        self.assertGreaterEqual(first["rentals_attached"], 2)
        olds = self.Contract.search([("name", "like", "Old laptop")])
        self.assertEqual(olds.mapped("infogerance_role"), ["rental", "rental"])
        self.assertEqual(olds.mapped("infogerance_contract_id"), self.service)
        self.assertEqual(self.service.infogerance_fleet_size, 4)
        events = len(self.service.infogerance_fleet_event_ids)
        second = self.Contract._infogerance_onboard_existing()
        self.assertEqual(second, {"roles_changed": 0, "rentals_attached": 0, "services": 0})
        self.assertEqual(len(self.service.infogerance_fleet_event_ids), events)

    def test_r3_subscribe_customer_with_existing_rentals(self):
        for n in range(3):
            self.Contract.create(self._contract_values("Laptop %s" % n, self.other_customer))
        wizard = (
            self.env["infogerance.subscribe.wizard"]
            .sudo(self.salesman)
            .with_context(active_id=self.other_customer.id)
            .create({"offer_id": self.offer.id, "date_start": "2026-03-10"})
        )
        self.assertEqual(wizard.fleet_size, 3)
        wizard.action_subscribe()
        service = self._service_contract(self.other_customer)
        self.assertEqual(len(service), 1)
        self.assertEqual(len(service.infogerance_rental_contract_ids), 3)
        self.assertEqual(service.infogerance_fleet_size, 3)
        self.assertEqual(service._infogerance_service_line().quantity, 3)
        self.assertTrue(service.infogerance_tier_ids)

    def test_r1_subscribe_without_rentals_is_refused(self):
        wizard = (
            self.env["infogerance.subscribe.wizard"]
            .sudo(self.salesman)
            .create({"partner_id": self.other_customer.id, "offer_id": self.offer.id})
        )
        with self.assertRaisesRegex(UserError, "R1"):
            wizard.action_subscribe()
