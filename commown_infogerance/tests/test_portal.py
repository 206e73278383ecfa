"""The customer portal, as real portal users: who sees which contract, and
termination requests under R6/R7."""
from freezegun import freeze_time

from odoo.exceptions import AccessError

from .common import InfogeranceCase


class TestPortal(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._subscribe_both_customers()
        # Paula may act for her company (terminate).
        cls.portal_user = cls._create_portal_user(
            cls.customer, "paula", "Paula Portal", manager=True
        )
        cls.other_portal_user = cls._create_portal_user(cls.other_customer, "oscar", "Oscar Other")

    def _as_portal(self, records, user=None):
        return records.sudo(user or self.portal_user)

    def test_portal_customer_sees_only_its_entity_contracts(self):
        Contract = self._as_portal(self.env["account.analytic.account"])
        self.assertEqual(Contract.search([("infogerance_role", "=", "service")]), self.contract)
        self.assertEqual(
            Contract.search([("infogerance_role", "=", "rental")]), self._rentals(self.customer)
        )
        self.assertEqual(Contract.search([("id", "=", self.other_contract.id)]), Contract.browse())

    def test_portal_reading_another_customer_contract_is_refused(self):
        with self.assertRaises(AccessError):
            self._as_portal(self.other_contract).read(["name"])

    def test_portal_reads_grid_services_and_fleet_history_of_its_contract(self):
        contract = self._as_portal(self.contract)
        self.assertEqual(
            [
                (t.min_computers, t.unit_price)
                for t in contract.infogerance_tier_ids.sorted("min_computers")
            ],
            [(1, 15.0), (5, 12.0), (10, 10.0)],
        )
        self.assertEqual(
            contract.infogerance_offer_id.service_type_ids, self.offer.service_type_ids
        )
        self.assertEqual(contract.infogerance_fleet_event_ids.mapped("fleet_after"), [3])
        Events = self._as_portal(self.env["infogerance.fleet.event"])
        self.assertEqual(Events.search([]), self.contract.infogerance_fleet_event_ids)
        Tiers = self._as_portal(self.env["infogerance.contract.tier"])
        self.assertEqual(Tiers.search([]), self.contract.infogerance_tier_ids)

    def test_portal_cannot_write_its_contract(self):
        with self.assertRaises(AccessError):
            self._as_portal(self.contract).write({"name": "Mine"})

    def test_portal_public_can_read_the_offer_terms(self):
        public = self.env.ref("base.public_user")
        offer = self.offer.sudo(public)
        self.assertEqual(offer.tier_ids.mapped("unit_price"), [15.0, 12.0, 10.0])
        self.assertTrue(offer.service_type_ids.mapped("name"))

    @freeze_time("2026-06-10")
    def test_r6_portal_termination_during_commitment(self):
        contract = self._as_portal(self.contract)
        self.assertEqual(contract.infogerance_termination_date("2026-06-10"), "2026-12-31")
        self.assertIn("remain due", contract.infogerance_termination_explanation("2026-06-10"))
        end = contract._infogerance_terminate("2026-06-10", "Moving out")
        self.assertEqual(end, "2026-12-31")
        self.assertEqual(self.contract.date_end, "2026-12-31")
        self.assertEqual(self.contract.infogerance_termination_request_date, "2026-06-10")
        self.assertEqual(self.contract.infogerance_termination_reason, "Moving out")
        message = self.contract.message_ids[0]
        self.assertIn("Paula Portal", message.body)
        self.assertEqual(message.author_id, contract.env.user.partner_id)

    @freeze_time("2027-03-20")
    def test_r7_portal_termination_after_commitment(self):
        end = self._as_portal(self.contract)._infogerance_terminate("2027-03-20", "")
        self.assertEqual(end, "2027-04-30")

    @freeze_time("2026-06-10")
    def test_r6_portal_termination_of_another_customer_contract_is_refused(self):
        with self.assertRaises(AccessError):
            self._as_portal(self.other_contract)._infogerance_terminate("2026-06-10", "x")
        self.assertFalse(self.other_contract.date_end)

    def test_r6_wizard_and_portal_show_the_same_explanation(self):
        for request_date in ("2026-06-10", "2027-03-20"):
            wizard = (
                self.env["infogerance.termination.wizard"]
                .sudo(self.salesman)
                .with_context(default_contract_id=self.contract.id)
                .create(
                    {
                        "request_date": request_date,
                        "reason_id": self.env["infogerance.termination.reason"]
                        .create({"name": "x"})
                        .id,
                    }
                )
            )
            self.assertEqual(
                wizard.explanation,
                self._as_portal(self.contract).infogerance_termination_explanation(request_date),
            )
