"""Contract fields decided by the rules, deletion of what has history, the fleet
audit trail, and the technicians' methods."""

from odoo.exceptions import AccessError, UserError

from .common import InfogeranceCase


class ProtectionCase(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._subscribe(cls.customer, 3)


class TestRulesFieldsProtection(ProtectionCase):
    def test_salesman_cannot_end_a_committed_contract_in_one_write(self):
        with self.assertRaisesRegex(AccessError, "Commitment end.*only a managed-services manager"):
            self.contract.sudo(self.salesman).write(
                {"infogerance_commitment_end": "2026-01-31", "date_end": "2026-01-31"}
            )
        self.assertEqual(self.contract.infogerance_commitment_end, "2026-12-31")
        self.assertFalse(self.contract.date_end)

    def test_salesman_cannot_write_prices_role_or_recurrence(self):
        for values in (
            {"infogerance_unit_price": 1.0},
            {"infogerance_monthly_amount": 1.0},
            {"infogerance_fleet_size": 1},
            {"infogerance_role": "rental"},
            {"infogerance_offer_id": False},
            {"recurring_invoices": False},
            {"recurring_interval": 12},
            {"infogerance_notice_days": 0},
            {"infogerance_tier_ids": [(5, 0, 0)]},
        ):
            with self.assertRaises(AccessError, msg=values), self.cr.savepoint():
                self.contract.sudo(self.salesman).write(values)
        self.assertEqual(self.contract.infogerance_unit_price, 15.0)
        with self.assertRaises(AccessError):
            self.contract.infogerance_tier_ids[:1].sudo(self.manager).write({"unit_price": 0.0})

    def test_salesman_cannot_create_a_managed_service_contract_by_hand(self):
        with self.assertRaises(AccessError):
            self.env["account.analytic.account"].sudo(self.salesman).create(
                {"name": "Forged", "partner_id": self.customer.id, "infogerance_role": "service"}
            )

    def test_salesman_still_renames_and_a_manager_corrects_with_a_reason(self):
        self.contract.sudo(self.salesman).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.contract.sudo(self.manager).write({"infogerance_notice_days": 30})
        self.contract.sudo(self.manager).with_context(
            infogerance_manager_reason="Negotiated notice"
        ).write({"infogerance_notice_days": 30})
        self.assertEqual(self.contract.infogerance_notice_days, 30)
        self.assertIn("Negotiated notice", self.contract.message_ids[0].body)
        self.assertIn("Notice (days)", self.contract.message_ids[0].body)

    def test_technician_prepares_and_delivers_through_methods_only(self):
        computer = self.contract.infogerance_rental_contract_ids[0]
        with self.assertRaises(AccessError):
            computer.sudo(self.technician).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            computer.sudo(self.salesman).action_infogerance_mark_prepared()
        with self.assertRaises(UserError):
            self.contract.sudo(self.technician).action_infogerance_mark_prepared()
        computer.sudo(self.technician).action_infogerance_mark_prepared()
        computer.sudo(self.technician).action_mark_delivered()
        self.assertTrue(computer.infogerance_prep_complete)
        self.assertTrue(computer.infogerance_delivery_date)


class TestDeletion(ProtectionCase):
    def test_offer_with_contracts_is_archived_not_deleted(self):
        with self.assertRaisesRegex(UserError, "Archive it instead"):
            self.offer.unlink()
        self.offer.active = False
        unused = self.env["infogerance.offer"].create({"name": "Unused"})
        unused.unlink()

    def test_service_type_in_use_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, "Archive it instead"):
            self.offer.service_type_ids[:1].unlink()

    def test_contract_with_history_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.contract.unlink()

    def test_fleet_events_are_append_only(self):
        event = self.contract.infogerance_fleet_event_ids
        self.assertTrue(event)
        with self.assertRaisesRegex(AccessError, "audit trail"):
            event.write({"fleet_after": 100})
        with self.assertRaisesRegex(AccessError, "audit trail"):
            event.unlink()
        with self.assertRaises(AccessError):
            event.sudo(self.manager).unlink()


class TestEmployees(ProtectionCase):
    def test_employee_without_sales_rights_sees_no_customer_contract(self):
        employee = self.env["res.users"].create(
            {
                "name": "Erin Employee",
                "login": "infogerance_employee",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        Contract = self.env["account.analytic.account"].sudo(employee)
        self.assertFalse(Contract.search([("infogerance_role", "!=", False)]))
        with self.assertRaises(AccessError):
            self.contract.sudo(employee).read(["infogerance_unit_price"])
        self.assertEqual(
            self.env["account.analytic.account"]
            .sudo(self.salesman)
            .search([("id", "=", self.contract.id)]),
            self.contract,
        )
