"""Billing periods counted from the start (R7), the same for OCA's invoices and
for every end date: starts on the 29th, 30th, 31st and on 29 February."""
import datetime
import unittest

from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from odoo.addons.commown_infogerance import rules

from .common import InfogeranceCase

D = datetime.date


class TestR7PeriodArithmetic(unittest.TestCase):
    def test_r7_periods_of_a_start_on_the_31st(self):
        start = D(2026, 1, 31)
        starts = [rules.period_start(start, n) for n in range(5)]
        self.assertEqual(
            starts, [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31)]
        )
        self.assertEqual(rules.billing_period(start, D(2026, 1, 31)), (starts[0], D(2026, 2, 27)))

    def test_r7_periods_of_a_start_on_29_february(self):
        start = D(2028, 2, 29)
        self.assertEqual(rules.period_start(start, 12), D(2029, 2, 28))
        self.assertEqual(rules.period_start(start, 13), D(2029, 3, 29))
        self.assertEqual(
            rules.billing_period(start, D(2029, 3, 28)), (D(2029, 2, 28), D(2029, 3, 28))
        )

    @given(st.dates(D(2024, 1, 1), D(2030, 12, 31)), st.integers(0, 40), st.integers(1, 3))
    def test_r7_property_period_step_gives_the_next_period_start(self, start, index, months):
        """What OCA adds to its next invoice date lands on the next period start."""
        first = rules.period_start(start, index, months)
        self.assertEqual(
            first + rules.period_step(start, months), rules.period_start(start, index + 1, months)
        )
        self.assertEqual(rules.billing_period(start, first, months)[0], first)
        self.assertEqual(
            rules.next_period_start(start, first, months),
            rules.period_start(start, index + 1, months),
        )


class TestR7InvoicesFollowPeriods(InfogeranceCase):
    """Regressions: OCA moved each next invoice date from the previous one
    (31/01 -> 28/02 -> 28/03) while terminations ended on periods counted from
    the start, so a contract ended a few days after an invoice date and OCA
    invoiced one more month."""

    def _live(self, start, commitment_months, request, until):
        self.offer.commitment_months = commitment_months
        with freeze_time(start):
            self._confirm(self.customer, computers=1, start=start)
        contract = self._service_contract(self.customer)
        day = datetime.datetime.strptime(start, "%Y-%m-%d").date()
        last = datetime.datetime.strptime(until, "%Y-%m-%d").date()
        while day <= last:
            with freeze_time(day):
                if day.isoformat() == request:
                    contract.sudo(self.salesman)._infogerance_terminate(request, "moving")
                self.env["account.analytic.account"].cron_recurring_create_invoice()
            day += datetime.timedelta(days=1)
        return contract

    def _invoice_dates(self, contract):
        # the customer's invoices are consolidated: a contract's are those with its line
        lines = self.env["account.invoice.line"].search([("account_analytic_id", "=", contract.id)])
        return sorted(set(lines.mapped("invoice_id.date_invoice")))

    def _check(self, start, commitment_months, request, end, dates, rental_dates):
        contract = self._live(start, commitment_months, request, end[:8] + "28")
        with freeze_time(end):
            self.env["account.analytic.account"].cron_recurring_create_invoice()
        day_after = datetime.datetime.strptime(end, "%Y-%m-%d").date() + datetime.timedelta(days=1)
        for offset in range(35):
            with freeze_time(day_after + datetime.timedelta(days=offset)):
                self.env["account.analytic.account"].cron_recurring_create_invoice()
        self.assertEqual(contract.date_end, end)
        self.assertEqual(self._invoice_dates(contract), dates)
        # the invoiced periods end exactly on the contract end
        self.assertEqual(
            contract.recurring_next_date,
            (
                datetime.datetime.strptime(end, "%Y-%m-%d").date() + datetime.timedelta(days=1)
            ).isoformat(),
        )
        rental = self._rentals(self.customer)
        self.assertEqual(self._invoice_dates(rental)[: len(rental_dates)], rental_dates)

    def test_r7_start_on_the_31st_ends_on_an_invoiced_period_end(self):
        self._check(
            "2026-01-31",
            2,
            "2026-02-10",
            "2026-03-30",
            ["2026-01-31", "2026-02-28"],
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"],
        )

    def test_r7_start_on_the_30th_ends_on_an_invoiced_period_end(self):
        self._check("2026-01-30", 2, "2026-02-10", "2026-03-29", ["2026-01-30", "2026-02-28"], [])

    def test_r7_start_on_the_29th_ends_on_an_invoiced_period_end(self):
        self._check(
            "2026-01-29",
            2,
            "2026-02-10",
            "2026-03-28",
            ["2026-01-29", "2026-02-28"],
            ["2026-01-29", "2026-02-28", "2026-03-29"],
        )

    def test_r7_start_on_29_february_ends_on_an_invoiced_period_end(self):
        dates = [
            rules.period_start(D(2028, 2, 29), n).isoformat() for n in range(14)
        ]  # ... 2029-01-29, 2029-02-28, 2029-03-29
        self.assertEqual(dates[-2:], ["2029-02-28", "2029-03-29"])
        self._check("2028-02-29", 14, "2028-03-10", "2029-04-28", dates, dates[:14])
