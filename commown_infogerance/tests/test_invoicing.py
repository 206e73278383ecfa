"""Monthly invoicing by OCA contract's cron (R3 at period start, R4)."""
from freezegun import freeze_time

from .common import InfogeranceCase


class TestR3MonthlyInvoicing(InfogeranceCase):
    def _run_cron(self, day):
        with freeze_time(day):
            self.env["account.analytic.account"].cron_recurring_create_invoice()

    def _service_invoice_line(self, contract, date):
        # the customer's invoice of that day holds every contract (consolidated)
        line = self.env["account.invoice.line"].search(
            [("account_analytic_id", "=", contract.id), ("invoice_id.date_invoice", "=", date)]
        )
        self.assertEqual(len(line), 1, "one invoice line for %s" % date)
        return line

    def test_r3_invoices_follow_fleet_at_period_start_month_after_month(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        self._run_cron("2026-01-01")
        line = self._service_invoice_line(contract, "2026-01-01")
        self.assertEqual((line.quantity, line.price_unit), (3, 15.0))

        # 2 more computers from mid-February: no proration, counted from March
        with freeze_time("2026-02-10"):
            self._confirm(self.customer, computers=2, start="2026-02-15")
        self._run_cron("2026-02-01")
        line = self._service_invoice_line(contract, "2026-02-01")
        self.assertEqual((line.quantity, line.price_unit), (3, 15.0))

        self._run_cron("2026-03-01")
        line = self._service_invoice_line(contract, "2026-03-01")
        self.assertEqual((line.quantity, line.price_unit), (5, 12.0))
        self.assertEqual(line.price_subtotal, 60.0)

        # one computer returned on March 20th: April is invoiced for 4
        self._rentals(self.customer)[0].date_end = "2026-03-20"
        self._run_cron("2026-04-01")
        line = self._service_invoice_line(contract, "2026-04-01")
        self.assertEqual((line.quantity, line.price_unit), (4, 15.0))

        # the rentals are invoiced too, each month, one computer each
        rental_lines = self.env["account.invoice.line"].search(
            [("account_analytic_id", "in", self._rentals(self.customer).ids)]
        )
        # 3 from January (the returned one not in April) + 2 billed on the 15th
        self.assertEqual(len(rental_lines), 3 * 4 - 1 + 2 * 2)

    def test_r4_invoice_uses_frozen_grid(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        self.offer.tier_ids.write({"unit_price": 99.0})
        contract = self._service_contract(self.customer)
        self._run_cron("2026-01-01")
        line = self._service_invoice_line(contract, "2026-01-01")
        self.assertEqual(line.price_unit, 15.0)
