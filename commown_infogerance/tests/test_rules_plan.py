"""Pure rules of plan changes and of service-request dates (no ORM)."""
import unittest
from datetime import date

from odoo.addons.commown_infogerance import rules


class TestPlanChangeRules(unittest.TestCase):
    def test_r3_plan_change_applies_from_the_next_period(self):
        self.assertEqual(
            rules.plan_change_date(date(2026, 1, 1), date(2026, 1, 15)), date(2026, 2, 1)
        )
        self.assertEqual(
            rules.plan_change_date(date(2026, 1, 1), date(2026, 1, 1)), date(2026, 1, 1)
        )
        # a contract not started yet: from its start
        self.assertEqual(
            rules.plan_change_date(date(2026, 3, 1), date(2026, 2, 10)), date(2026, 3, 1)
        )

    def test_r3_plan_change_date_is_a_period_start_for_starts_on_the_31st(self):
        start = date(2026, 1, 31)
        change = rules.plan_change_date(start, date(2026, 3, 5))
        self.assertEqual(change, rules.billing_period(start, change)[0])
        self.assertGreater(change, date(2026, 3, 5))

    def test_r3_plan_change_never_rewrites_an_invoiced_period(self):
        """An order dated back into invoiced periods: from the next one to invoice."""
        start, march = date(2026, 1, 1), date(2026, 3, 1)
        self.assertEqual(rules.plan_change_date(start, date(2026, 1, 15), 1, march), march)
        self.assertEqual(rules.plan_change_date(start, date(2025, 12, 1), 1, march), march)
        # nothing invoiced yet: the start
        self.assertEqual(rules.plan_change_date(start, date(2025, 12, 1), 1, start), start)
        # later than the next period to invoice: the rule's date
        self.assertEqual(
            rules.plan_change_date(start, date(2026, 4, 10), 1, march), date(2026, 5, 1)
        )

    def test_r5_plan_change_during_a_pending_termination_commits_to_nothing_more(self):
        self.assertEqual(
            rules.plan_change_commitment_end(date(2026, 12, 31), date(2027, 4, 1), 12, True),
            date(2026, 12, 31),
        )

    def test_r5_plan_change_commitment_never_shortens(self):
        self.assertEqual(
            rules.plan_change_commitment_end(date(2026, 12, 31), date(2026, 2, 1), 12),
            date(2027, 1, 31),
        )
        self.assertEqual(
            rules.plan_change_commitment_end(date(2026, 12, 31), date(2026, 4, 1), 1),
            date(2026, 12, 31),
        )


class TestRequestDateRules(unittest.TestCase):
    start, end = date(2026, 2, 1), date(2027, 1, 31)

    def test_r8_preparation_and_accounts_before_the_start(self):
        for code in ("preparation", "accounts"):
            self.assertIsNone(rules.request_date_problem(code, date(2026, 1, 20), self.start))
        self.assertEqual(
            rules.request_date_problem("support", date(2026, 1, 20), self.start),
            rules.REQUEST_BEFORE_START,
        )

    def test_r8_nothing_after_the_end(self):
        for code in ("preparation", "support", "onsite"):
            self.assertEqual(
                rules.request_date_problem(code, date(2027, 2, 1), self.start, self.end),
                rules.REQUEST_AFTER_END,
            )
        self.assertIsNone(rules.request_date_problem("support", self.end, self.start, self.end))
