"""R6: the date a termination request was received (mail arriving late), who may
date it back, and the end never before the billing period in progress."""
import datetime
import unittest

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError

from .. import rules
from .test_termination import TerminationCase

D = datetime.date


class TestR6RequestDateRules(unittest.TestCase):
    def test_r6_request_dates_a_salesman_may_record(self):
        today = D(2027, 3, 20)
        self.assertIsNone(rules.termination_request_date_problem(today, today, 7))
        self.assertIsNone(rules.termination_request_date_problem(D(2027, 3, 13), today, 7))
        self.assertEqual(
            rules.termination_request_date_problem(D(2027, 3, 12), today, 7), rules.REQUEST_TOO_OLD
        )
        self.assertEqual(
            rules.termination_request_date_problem(D(2027, 3, 21), today, 7),
            rules.REQUEST_IN_FUTURE,
        )

    def test_r7_end_never_before_the_period_in_progress(self):
        anchor = D(2026, 1, 1)
        self.assertEqual(
            rules.end_not_before_current_period(D(2027, 1, 31), D(2027, 3, 5), anchor),
            D(2027, 3, 31),
        )
        self.assertEqual(
            rules.end_not_before_current_period(D(2027, 4, 30), D(2027, 3, 5), anchor),
            D(2027, 4, 30),
        )
        self.assertEqual(
            rules.end_not_before_current_period(D(2026, 12, 31), D(2025, 12, 1), anchor),
            D(2026, 12, 31),
        )


class TestR6BackDatedRequests(TerminationCase):
    @freeze_time("2027-03-20")
    def test_r6_salesman_records_a_request_received_last_week(self):
        self._wizard("2027-03-13").action_confirm()
        self.assertEqual(self.contract.infogerance_termination_request_date, "2027-03-13")
        self.assertEqual(self.contract.date_end, "2027-03-31")

    @freeze_time("2027-03-20")
    def test_r6_salesman_cannot_date_a_request_back_further(self):
        with self.assertRaisesRegex(AccessError, "more than 7 days ago"):
            self._wizard("2027-03-12").action_confirm()
        self.assertFalse(self.contract.date_end)

    @freeze_time("2027-03-20")
    def test_r6_the_company_sets_how_far_back(self):
        self.contract.company_id.infogerance_backdate_days = 10
        self._wizard("2027-03-10").action_confirm()
        self.assertEqual(self.contract.infogerance_termination_request_date, "2027-03-10")

    @freeze_time("2027-03-20")
    def test_r6_no_request_from_the_future(self):
        with self.assertRaisesRegex(UserError, "future"):
            self._wizard("2027-03-21").action_confirm()

    @freeze_time("2027-03-05")
    def test_r6_manager_dates_back_with_a_reason_end_not_before_current_period(self):
        with self.assertRaisesRegex(UserError, "say why"):
            self._wizard("2027-01-10", user=self.manager).action_confirm()
        self._wizard(
            "2027-01-10", user=self.manager, backdate_reason="Letter found in the wrong tray"
        ).action_confirm()
        # E = 2027-01-25 → 2027-01-31, but March has started: it is due.
        self.assertEqual(self.contract.date_end, "2027-03-31")
        self.assertIn("wrong tray", self.contract.message_ids[0].body)

    @freeze_time("2027-03-05")
    def test_r6_manager_forces_an_end_before_the_current_period(self):
        self._wizard(
            "2027-01-10",
            user=self.manager,
            backdate_reason="Letter lost",
            force_end=True,
            forced_end_date="2027-01-31",
            force_reason="Customer closed in January",
        ).action_confirm()
        self.assertEqual(self.contract.date_end, "2027-01-31")

    @freeze_time("2026-01-03")
    def test_r6_never_before_the_contract_start(self):
        with self.assertRaisesRegex(UserError, "cannot precede the start"):
            self._wizard("2025-12-31").action_confirm()

    @freeze_time("2026-01-03")
    def test_r6_dates_in_the_message_as_the_user_writes_them(self):
        """A French salesman reads the dates of the rule's message in the French
        format, an English one in the English format: never the database's."""
        if not self.env["res.lang"].search([("code", "=", "fr_FR")]):
            self.env["base.language.install"].create({"lang": "fr_FR"}).lang_install()
        wizard = self._wizard("2025-12-31")
        with self.assertRaisesRegex(UserError, r"\(31/12/2025\).*\(01/01/2026\)"):
            wizard.with_context(lang="fr_FR").action_confirm()
        with self.assertRaisesRegex(UserError, r"\(12/31/2025\).*\(01/01/2026\)"):
            wizard.with_context(lang="en_US").action_confirm()
