"""Termination workflow: reasons, acknowledgement to the customer's managers,
cancellation of a pending termination, pending terminations in the list."""
import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import InfogeranceCase


class TerminationWorkflowCase(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"email": "contact@atelier-test.example", "lang": "en_US"})
        cls._subscribe_both_customers()
        cls.reason = cls.env["infogerance.termination.reason"].create({"name": "Activity stopped"})
        cls.boss = cls._create_portal_user(cls.customer, "bea", "Bea Boss", manager=True)
        cls.employee = cls._create_portal_user(cls.customer, "eli", "Eli Employee")
        cls.other_boss = cls._create_portal_user(cls.other_customer, "olga", "Olga", manager=True)

    def _mails(self, contract, template_xmlid):
        subject = self.env.ref(template_xmlid).subject.split(":")[0]
        return self.env["mail.mail"].search(
            [
                ("model", "=", "account.analytic.account"),
                ("res_id", "=", contract.id),
                ("subject", "like", subject),
            ]
        )

    def _wizard(self, request_date, user=None, **values):
        env = self.env(user=(user or self.salesman).id)
        return (
            env["infogerance.termination.wizard"]
            .with_context(default_contract_id=self.contract.id)
            .create(dict({"request_date": request_date, "reason_id": self.reason.id}, **values))
        )


class TestCustomerManagers(TerminationWorkflowCase):
    def test_the_customer_itself_is_a_manager_by_default(self):
        self.assertTrue(self.customer.infogerance_customer_manager)
        contact = self.env["res.partner"].create({"name": "New", "parent_id": self.customer.id})
        self.assertFalse(contact.infogerance_customer_manager)

    def test_managers_are_the_customer_and_its_flagged_contacts(self):
        self.assertEqual(
            self.customer.infogerance_customer_manager_ids,
            self.customer | self.boss.partner_id,
        )
        self.assertEqual(
            self.employee.partner_id.infogerance_customer_manager_ids,
            self.customer | self.boss.partner_id,
        )
        self.assertTrue(self.boss.partner_id._infogerance_may_act_for(self.customer))
        self.assertFalse(self.employee.partner_id._infogerance_may_act_for(self.customer))
        self.assertFalse(self.other_boss.partner_id._infogerance_may_act_for(self.customer))

    def test_notices_go_to_the_managers_with_an_address(self):
        self.assertEqual(
            self.customer._infogerance_notice_recipients(), self.customer | self.boss.partner_id
        )
        self.customer.email = False
        self.assertEqual(self.customer._infogerance_notice_recipients(), self.boss.partner_id)


class TestTerminationReasons(TerminationWorkflowCase):
    def test_staff_must_give_a_reason_from_the_list(self):
        env = self.env(user=self.salesman.id)
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            with self.cr.savepoint():
                env["infogerance.termination.wizard"].with_context(
                    default_contract_id=self.contract.id
                ).create({"request_date": "2026-06-10", "reason": "no reason from the list"})

    def test_wizard_records_the_reason_and_acknowledges_to_the_managers(self):
        with freeze_time("2026-06-10"):
            self._wizard("2026-06-10", reason="Closing the Paris office").action_confirm()
        self.assertEqual(self.contract.date_end, "2026-12-31")
        self.assertEqual(self.contract.infogerance_termination_reason_id, self.reason)
        self.assertIn(
            "Activity stopped - Closing the Paris office", self.contract.message_ids[0].body
        )
        mail = self._mails(self.contract, "commown_infogerance.mail_template_termination_ack")
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer | self.boss.partner_id)
        self.assertIn("12/31/2026", mail.body_html)  # English date format, English customer
        self.assertIn("remain due", mail.body_html)
        self.assertIn("Activity stopped", mail.body_html)
        self.assertNotIn("R6", mail.body_html)

    def test_reasons_are_optional_in_the_portal(self):
        with freeze_time("2027-03-20"):
            end = self.contract.sudo(self.boss)._infogerance_terminate("2027-03-20", "")
        self.assertEqual(end, "2027-04-30")
        self.assertFalse(self.contract.infogerance_termination_reason_id)
        mail = self._mails(self.contract, "commown_infogerance.mail_template_termination_ack")
        self.assertIn("notice of 15 days", mail.body_html)

    def test_portal_may_choose_a_reason(self):
        with freeze_time("2027-03-20"):
            self.contract.sudo(self.boss)._infogerance_terminate(
                "2027-03-20", "", reason_id=self.reason.id
            )
        self.assertEqual(self.contract.infogerance_termination_reason_id, self.reason)

    def test_an_unknown_reason_is_refused(self):
        with freeze_time("2027-03-20"), self.assertRaises(UserError):
            self.contract.sudo(self.boss)._infogerance_terminate(
                "2027-03-20", "", reason_id=self.reason.id + 1000
            )
        self.assertFalse(self.contract.date_end)

    def test_acknowledgement_in_french_with_french_dates(self):
        self.customer.lang = "fr_FR"
        with freeze_time("2026-06-10"):
            self._wizard("2026-06-10").action_confirm()
        mail = self._mails(self.contract, "commown_infogerance.mail_template_termination_ack")
        mail = mail or self.env["mail.mail"].search(
            [("model", "=", "account.analytic.account"), ("res_id", "=", self.contract.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("31/12/2026", mail.body_html)
        self.assertIn("10/06/2026", mail.body_html)
        self.assertIn("Résiliation", mail.subject)
        self.assertIn("engagement", mail.body_html)

    def test_only_managed_services_managers_edit_reasons(self):
        with self.assertRaises(AccessError):
            self.env["infogerance.termination.reason"].sudo(self.salesman).create({"name": "x"})
        self.env["infogerance.termination.reason"].sudo(self.manager).create({"name": "y"})


class TestTerminationCancellation(TerminationWorkflowCase):
    def setUp(self):
        super().setUp()
        with freeze_time("2026-06-10"):
            self._wizard("2026-06-10").action_confirm()

    def test_pending_terminations_are_listed(self):
        Contract = self.env["account.analytic.account"]
        with freeze_time("2026-07-01"):
            pending = Contract.search([("infogerance_termination_pending", "=", True)])
            self.assertIn(self.contract, pending)
            self.assertNotIn(self.other_contract, pending)
            self.assertIn(
                self.other_contract,
                Contract.search([("infogerance_termination_pending", "=", False)]),
            )
            self.assertTrue(self.contract.infogerance_termination_pending)
        with freeze_time("2027-01-01"):
            self.assertNotIn(
                self.contract, Contract.search([("infogerance_termination_pending", "=", True)])
            )

    def test_a_customer_manager_cancels_from_the_portal(self):
        with freeze_time("2026-07-01"):
            self.contract.sudo(self.boss)._infogerance_cancel_termination()
        self.assertFalse(self.contract.date_end)
        self.assertFalse(self.contract.infogerance_termination_request_date)
        self.assertFalse(self.contract.infogerance_termination_reason_id)
        self.assertIn("Termination cancelled by Bea Boss", self.contract.message_ids[0].body)
        self.assertIn("2026-12-31", self.contract.message_ids[0].body)
        mail = self._mails(self.contract, "commown_infogerance.mail_template_termination_cancelled")
        self.assertEqual(len(mail), 1)
        # The contract can be terminated again.
        with freeze_time("2027-03-20"):
            self._wizard("2027-03-20").action_confirm()
        self.assertEqual(self.contract.date_end, "2027-04-30")

    def test_staff_cancel_from_the_contract(self):
        with freeze_time("2026-07-01"):
            self.contract.sudo(self.salesman).action_infogerance_cancel_termination()
        self.assertFalse(self.contract.date_end)

    def test_a_contact_who_is_not_a_manager_cannot_cancel(self):
        with freeze_time("2026-07-01"), self.assertRaises(AccessError):
            self.contract.sudo(self.employee)._infogerance_cancel_termination()
        self.assertEqual(self.contract.date_end, "2026-12-31")

    def test_another_customer_cannot_cancel(self):
        with freeze_time("2026-07-01"), self.assertRaises(AccessError):
            self.contract.sudo(self.other_boss)._infogerance_cancel_termination()
        self.assertEqual(self.contract.date_end, "2026-12-31")

    def test_an_employee_without_sales_rights_cannot_cancel(self):
        with freeze_time("2026-07-01"), self.assertRaises(AccessError):
            self.contract.sudo(self.technician)._infogerance_cancel_termination()

    def test_an_ended_contract_cannot_be_restored(self):
        with freeze_time("2027-01-01"), self.assertRaisesRegex(UserError, "before the contract"):
            self.contract.sudo(self.salesman)._infogerance_cancel_termination()
        self.assertEqual(self.contract.date_end, "2026-12-31")

    def test_nothing_to_cancel(self):
        with freeze_time("2026-07-01"), self.assertRaisesRegex(UserError, "no pending"):
            self.other_contract.sudo(self.salesman)._infogerance_cancel_termination()
