"""Termination: R6 notice and commitment, R7 started month due, manager override."""
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError

from .common import InfogeranceCase


class TerminationCase(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-01-01"):
            order = cls._create_order(cls.customer, computers=3)
            order.action_confirm()
        cls.contract = cls.env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "=", cls.customer.id)]
        )
        cls.reason = cls.env["infogerance.termination.reason"].create({"name": "Moving out"})

    def _wizard(self, request_date, user=None, **values):
        env = self.env(user=(user or self.salesman).id)
        return (
            env["infogerance.termination.wizard"]
            .with_context(default_contract_id=self.contract.id)
            .create(
                dict(
                    {
                        "request_date": request_date,
                        "reason_id": self.reason.id,
                        "reason": "Details",
                    },
                    **values,
                )
            )
        )


class TestR6R7TerminationDate(TerminationCase):
    def test_r6_request_2026_06_10_ends_2026_12_31(self):
        self.assertEqual(self.contract.infogerance_termination_date("2026-06-10"), "2026-12-31")

    def test_r7_request_2027_03_10_ends_2027_03_31(self):
        self.assertEqual(self.contract.infogerance_termination_date("2027-03-10"), "2027-03-31")

    def test_r7_request_2027_03_20_ends_2027_04_30(self):
        self.assertEqual(self.contract.infogerance_termination_date("2027-03-20"), "2027-04-30")

    def test_r6_request_2026_12_20_ends_2027_01_31(self):
        self.assertEqual(self.contract.infogerance_termination_date("2026-12-20"), "2027-01-31")

    def test_r7_billing_day_not_the_first(self):
        with freeze_time("2026-01-15"):
            order = self._create_order(self.other_customer, computers=1, start="2026-01-15")
            order.action_confirm()
        contract = self._service_contract(self.other_customer)
        self.assertEqual(contract.infogerance_commitment_end, "2027-01-14")
        self.assertEqual(contract.infogerance_termination_date("2027-03-10"), "2027-04-14")
        self.assertEqual(contract.infogerance_termination_date("2027-02-20"), "2027-03-14")

    def test_r6_termination_date_writes_nothing(self):
        self.contract.infogerance_termination_date("2027-03-20")
        self.assertFalse(self.contract.date_end)

    def test_r6_request_before_start_is_refused(self):
        with self.assertRaisesRegex(UserError, "R6"):
            self.contract.infogerance_termination_date("2025-12-01")


class TestR6TerminationWizard(TerminationCase):
    @freeze_time("2026-06-10")  # the request is recorded on the day it is received
    def test_r6_wizard_during_commitment_warns_months_remain_due(self):
        wizard = self._wizard("2026-06-10")
        self.assertEqual(wizard.effective_end_date, "2026-12-31")
        self.assertIn("remain due", wizard.explanation)
        self.assertFalse(self.contract.date_end)  # nothing written before saving
        wizard.action_confirm()
        self.assertEqual(self.contract.date_end, "2026-12-31")
        self.assertEqual(self.contract.infogerance_termination_request_date, "2026-06-10")
        self.assertIn("Termination requested", self.contract.message_ids[0].body)

    @freeze_time("2027-03-20")  # the request is recorded on the day it is received
    def test_r7_wizard_after_commitment_explains_the_started_month(self):
        wizard = self._wizard("2027-03-20")
        self.assertEqual(wizard.effective_end_date, "2027-04-30")
        self.assertIn("04/04/2027", wizard.explanation)  # the reader's date format
        wizard.action_confirm()
        self.assertEqual(self.contract.date_end, "2027-04-30")

    @freeze_time("2027-03-20")  # the request is recorded on the day it is received
    def test_r6_terminating_a_terminated_contract_is_refused(self):
        self._wizard("2027-03-20").action_confirm()
        with self.assertRaisesRegex(UserError, "already terminated"):
            self._wizard("2027-05-20").action_confirm()

    def test_r6_wizard_request_before_start_is_refused(self):
        wizard = self._wizard("2025-12-01")
        self.assertIn("R6", wizard.explanation)
        with self.assertRaisesRegex(UserError, "R6"):
            wizard.action_confirm()


class TestR6EndDateGuard(TerminationCase):
    def test_r6_writing_an_end_during_commitment_is_refused(self):
        with freeze_time("2026-06-01"), self.assertRaisesRegex(ValidationError, "R6/R7"):
            self.contract.write({"date_end": "2026-06-30"})
        with freeze_time("2026-06-01"), self.assertRaisesRegex(AccessError, "manager"):
            self.contract.sudo(self.salesman).write({"date_end": "2026-06-30"})

    def test_r6_writing_an_end_without_notice_is_refused(self):
        with freeze_time("2027-03-20"), self.assertRaisesRegex(ValidationError, "R6/R7"):
            self.contract.write({"date_end": "2027-03-31"})

    def test_r7_writing_an_end_inside_a_month_is_refused(self):
        with freeze_time("2027-03-01"), self.assertRaisesRegex(ValidationError, "R7"):
            self.contract.write({"date_end": "2027-05-15"})

    def test_r6_writing_a_valid_end_is_accepted(self):
        with freeze_time("2027-03-20"):
            self.contract.write({"date_end": "2027-04-30"})
        self.assertEqual(self.contract.date_end, "2027-04-30")

    def test_r6_end_before_start_is_refused(self):
        with freeze_time("2026-06-01"), self.assertRaises(ValidationError):
            self.contract.write({"date_end": "2025-12-31"})

    def test_r6_salesman_cannot_force_even_with_a_reason(self):
        with freeze_time("2026-06-01"), self.assertRaisesRegex(AccessError, "R6"):
            self.contract.sudo(self.salesman)._infogerance_terminate(
                "2026-06-01", "x", force_end_date="2026-06-30", force_reason="customer bankrupt"
            )
        with freeze_time("2026-06-01"), self.assertRaisesRegex(AccessError, "manager"):
            self.contract.sudo(self.salesman).with_context(
                infogerance_manager_reason="customer bankrupt"
            ).write({"date_end": "2026-06-30"})

    def test_r6_termination_writes_once_and_posts_one_message(self):
        messages = self.contract.message_ids
        with freeze_time("2027-03-20"):
            self._wizard("2027-03-20").action_confirm()
        new = self.contract.message_ids - messages
        self.assertEqual(len(new.filtered(lambda m: "Termination requested" in (m.body or ""))), 1)
        self.assertEqual(self.contract.date_end, "2027-04-30")

    def test_r6_manager_forces_an_earlier_end_with_a_reason(self):
        wizard = self._wizard(
            "2026-06-01",
            user=self.manager,
            force_end=True,
            forced_end_date="2026-06-30",
            force_reason="Liquidation",
        )
        with freeze_time("2026-06-01"):
            wizard.action_confirm()
        self.assertEqual(self.contract.date_end, "2026-06-30")
        self.assertIn("Liquidation", self.contract.message_ids[0].body)

    def test_r6_manager_override_without_reason_is_refused(self):
        with freeze_time("2026-06-01"), self.assertRaisesRegex(UserError, "reason"):
            self.contract.sudo(self.manager)._infogerance_terminate(
                "2026-06-01", "x", force_end_date="2026-06-30", force_reason=" "
            )
        wizard = self._wizard(
            "2026-06-01",
            user=self.manager,
            force_end=True,
            forced_end_date="2026-06-30",
            force_reason="",
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_confirm()


class TestR7InvoicingAfterTermination(TerminationCase):
    def _cron(self, day):
        with freeze_time(day):
            self.env["account.analytic.account"].cron_recurring_create_invoice()

    def test_r7_last_started_month_invoiced_in_full_then_nothing(self):
        with freeze_time("2027-03-20"):
            self._wizard("2027-03-20").action_confirm()
        for month in range(1, 13):
            self._cron("2026-%02d-01" % month)
        for day in (
            "2027-01-01",
            "2027-02-01",
            "2027-03-01",
            "2027-04-01",
            "2027-05-01",
            "2027-06-01",
        ):
            self._cron(day)
        # the customer's invoices hold its rentals too (consolidated): this contract's lines
        lines = self.env["account.invoice.line"].search(
            [("account_analytic_id", "=", self.contract.id)]
        )
        self.assertEqual(len(lines), 16)  # January 2026 .. April 2027
        self.assertEqual(max(lines.mapped("invoice_id.date_invoice")), "2027-04-01")
        april = lines.filtered(lambda l: l.invoice_id.date_invoice == "2027-04-01")
        self.assertEqual(april.price_subtotal, 45.0)  # in full, not prorated
        self.assertFalse(
            self.env["account.invoice"].search(
                [("contract_id", "=", self.contract.id), ("type", "=", "out_refund")]
            )
        )


class TestR9InvoicingNeverStops(TerminationCase):
    def test_r9_open_service_activity_does_not_stop_invoicing(self):
        self.env["mail.activity"].create(
            {
                "res_model_id": self.env.ref("analytic.model_account_analytic_account").id,
                "res_id": self.contract.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": "Laptop screen repair in progress",
                "user_id": self.salesman.id,
            }
        )
        with freeze_time("2026-01-01"):
            self.env["account.analytic.account"].cron_recurring_create_invoice()
        line = self.env["account.invoice.line"].search(
            [("account_analytic_id", "=", self.contract.id)]
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(line.price_subtotal, 45.0)
