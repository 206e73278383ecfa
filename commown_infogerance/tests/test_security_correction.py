"""Managers correct the terms the rules set on a managed-service contract
(commitment end, notice, termination end date) through the correction wizard,
with a reason logged with the old and new value; nobody else can."""
from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from .common import InfogeranceCase


class CorrectionCase(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._subscribe(cls.customer, 3)

    def _wizard(self, user=None, **values):
        env = self.env(user=(user or self.manager).id)
        return (
            env["infogerance.contract.correction"]
            .with_context(default_contract_id=self.contract.id)
            .create(dict({"reason": "Negotiated at signing"}, **values))
        )

    def _last_message(self):
        return self.contract.message_ids.sorted("id")[-1]


class TestManagerCorrection(CorrectionCase):
    def test_correction_manager_moves_the_commitment_end_and_it_is_logged(self):
        wizard = self._wizard(field_name="infogerance_commitment_end", new_date="2027-06-30")
        self.assertEqual(wizard.current_value, format_date(self.env, "2026-12-31"))
        wizard.action_apply()
        self.assertEqual(self.contract.infogerance_commitment_end, "2027-06-30")
        message = self._last_message()
        self.assertIn("Morgan Manager", message.body)
        self.assertIn("Negotiated at signing", message.body)
        self.assertIn("Commitment end", message.body)
        self.assertIn(format_date(self.env, "2026-12-31"), message.body)
        self.assertIn(format_date(self.env, "2027-06-30"), message.body)
        self.assertEqual(message.author_id, self.manager.partner_id)
        # The rules now read the corrected commitment (R6).
        self.assertEqual(self.contract.infogerance_termination_date("2027-03-01"), "2027-06-30")

    def test_correction_of_a_frozen_tier_itself_is_logged_once(self):
        """A manager changing a tier of the frozen grid directly (not through the
        contract) gives a reason, logged on the contract like any correction; a
        correction through the contract logs the grid change once."""
        tier = self.contract.infogerance_tier_ids.sorted("min_computers")[0]
        old_price = tier.unit_price
        with self.assertRaises(AccessError):  # no reason
            tier.sudo(self.manager).write({"unit_price": old_price - 1})
        corrected = tier.sudo(self.manager).with_context(
            infogerance_manager_reason="Price mistyped at signing"
        )
        before = len(self.contract.message_ids)
        corrected.write({"unit_price": old_price - 1})
        self.contract.invalidate_cache()
        self.assertEqual(len(self.contract.message_ids), before + 1)
        body = self._last_message().body
        self.assertIn("Price mistyped at signing", body)
        self.assertIn("%.2f" % old_price, body)
        self.assertIn("%.2f" % (old_price - 1), body)
        self.assertEqual(self._last_message().author_id, self.manager.partner_id)
        self.contract.sudo(self.manager).with_context(
            infogerance_manager_reason="Second look"
        ).write({"infogerance_tier_ids": [(1, tier.id, {"unit_price": old_price})]})
        self.contract.invalidate_cache()
        self.assertEqual(len(self.contract.message_ids), before + 2)
        self.assertIn("Second look", self._last_message().body)

    def test_correction_manager_changes_the_notice(self):
        self._wizard(field_name="infogerance_notice_days", new_days=30).action_apply()
        self.assertEqual(self.contract.infogerance_notice_days, 30)
        self.assertIn("Notice (days)", self._last_message().body)
        self.assertIn("15", self._last_message().body)

    def test_correction_manager_forces_the_termination_end_date(self):
        with freeze_time("2027-03-20"):
            self.contract.sudo(self.salesman)._infogerance_terminate("2027-03-20", "Leaving")
            self.assertEqual(self.contract.date_end, "2027-04-30")
            wizard = self._wizard(field_name="date_end", new_date="2027-04-15")
            self.assertIn("2027", wizard.explanation)  # the rules' end, for comparison
            wizard.action_apply()
        # Not a period end nor the notice: the manager's decision, logged.
        self.assertEqual(self.contract.date_end, "2027-04-15")
        self.assertIn(format_date(self.env, "2027-04-30"), self._last_message().body)

    def test_correction_needs_a_reason(self):
        wizard = self._wizard(
            field_name="infogerance_commitment_end", new_date="2027-06-30", reason="  "
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_apply()
        self.assertEqual(self.contract.infogerance_commitment_end, "2026-12-31")

    def test_correction_values_follow_the_rules(self):
        Contract = self.contract.sudo(self.manager)
        for name, value, pattern in (
            ("infogerance_commitment_end", "2025-12-31", "precede the contract start"),
            ("infogerance_notice_days", -1, "negative"),
            ("date_end", "2027-04-30", "no end date"),
            ("infogerance_commitment_end", "2026-12-31", "current value"),
            ("infogerance_unit_price", 1.0, "not corrected here"),
            ("infogerance_role", "rental", "not corrected here"),
        ):
            with self.assertRaisesRegex(UserError, pattern, msg=name):
                Contract._infogerance_correct(name, value, "Because")
        with freeze_time("2027-03-20"):
            self.contract._infogerance_terminate("2027-03-20", "Leaving")
        with self.assertRaisesRegex(UserError, "correct the end date first"):
            Contract._infogerance_correct("infogerance_commitment_end", "2027-06-30", "Because")


class TestCorrectionIsForManagersOnly(CorrectionCase):
    def test_correction_refused_to_salesmen_and_technicians(self):
        for user in (self.salesman, self.technician):
            with self.assertRaisesRegex(AccessError, "manager"):
                self.contract.sudo(user).action_infogerance_correct()
            with self.assertRaisesRegex(AccessError, "manager"):
                self._wizard(user=user, field_name="infogerance_notice_days", new_days=0)
            with self.assertRaisesRegex(AccessError, "manager"):
                self.contract.sudo(user)._infogerance_correct("infogerance_notice_days", 0, "x")
        self.assertEqual(self.contract.infogerance_notice_days, 15)

    def test_correction_context_key_is_ignored_for_a_salesman(self):
        with self.assertRaisesRegex(AccessError, "manager"):
            self.contract.sudo(self.salesman).with_context(
                infogerance_manager_reason="I say so"
            ).write({"infogerance_commitment_end": "2026-01-31"})
        self.assertEqual(self.contract.infogerance_commitment_end, "2026-12-31")

    def test_correction_button_only_in_the_managers_form(self):
        view = self.env.ref("contract.account_analytic_account_recurring_form_form")

        def shown(user):
            """Odoo 11 keeps a button of another group in the view, always hidden."""
            arch = (
                self.env["account.analytic.account"]
                .sudo(user)
                .fields_view_get(view_id=view.id, view_type="form")["arch"]
            )
            (button,) = etree.fromstring(arch).xpath("//button[@name='action_infogerance_correct']")
            return button.get("invisible") != "1"

        self.assertTrue(shown(self.manager))
        self.assertFalse(shown(self.salesman))
        action = self.contract.sudo(self.manager).action_infogerance_correct()
        self.assertEqual(action["res_model"], "infogerance.contract.correction")

    def test_correction_refused_on_a_rental_contract(self):
        rental = self.contract.infogerance_rental_contract_ids[:1]
        with self.assertRaisesRegex(UserError, "only managed-service contracts"):
            rental.sudo(self.manager).action_infogerance_correct()
