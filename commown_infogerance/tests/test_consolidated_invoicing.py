"""Consolidated invoicing: one invoice per customer and invoice date holding
every contract due that day (rentals and managed service), each its own line."""
from unittest import mock

from freezegun import freeze_time

from .common import InfogeranceCase


class TestConsolidatedInvoicing(InfogeranceCase):
    def setUp(self):
        super().setUp()
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        self.service = self._service_contract(self.customer)
        self.rentals = self._rentals(self.customer)

    def _run_cron(self, day):
        with freeze_time(day):
            self.env["account.analytic.account"].cron_recurring_create_invoice()

    def _invoices(self, partner, date):
        return self.env["account.invoice"].search(
            [("partner_id", "child_of", partner.id), ("date_invoice", "=", date)]
        )

    def test_three_rentals_and_service_make_one_invoice_of_four_lines(self):
        self._run_cron("2026-01-01")
        invoice = self._invoices(self.customer, "2026-01-01")
        self.assertEqual(len(invoice), 1)
        lines = invoice.invoice_line_ids
        self.assertEqual(len(lines), 4)
        self.assertEqual(
            set(lines.mapped("account_analytic_id").ids), set((self.rentals | self.service).ids)
        )
        # each line names its contract (the computer) and its period
        for line in lines:
            self.assertTrue(line.name.startswith(line.account_analytic_id.name + ": "), line.name)
            self.assertIn("01/01/2026", line.name)
            self.assertTrue({"01/31/2026", "31/01/2026"} & set(line.name.split()), line.name)
        self.assertEqual(invoice.amount_untaxed, 3 * 39.0 + 3 * 15.0)
        # taxes computed once for the whole invoice, as OCA would per contract
        self.assertAlmostEqual(
            invoice.amount_tax, sum(invoice.tax_line_ids.mapped("amount")), places=2
        )
        # every contract moved to its next period
        self.assertEqual(
            set((self.rentals | self.service).mapped("recurring_next_date")), {"2026-02-01"}
        )

    def test_rental_ending_mid_year_leaves_the_others_invoiced(self):
        self.rentals[0].date_end = "2026-03-20"
        for month in range(1, 5):
            self._run_cron("2026-%02d-01" % month)
        march = self._invoices(self.customer, "2026-03-01")
        self.assertEqual(len(march.invoice_line_ids), 4)
        april = self._invoices(self.customer, "2026-04-01")
        self.assertEqual(len(april), 1)
        self.assertEqual(
            set(april.invoice_line_ids.mapped("account_analytic_id").ids),
            set((self.rentals[1:] | self.service).ids),
        )
        service_line = april.invoice_line_ids.filtered(
            lambda l: l.account_analytic_id == self.service
        )
        self.assertEqual(service_line.quantity, 2)  # the fleet on April 1st (R3)

    def test_customer_opting_out_gets_separate_invoices(self):
        self.customer.infogerance_separate_invoices = True
        self._run_cron("2026-01-01")
        invoices = self._invoices(self.customer, "2026-01-01")
        self.assertEqual(len(invoices), 4)
        self.assertEqual(set(invoices.mapped(lambda i: len(i.invoice_line_ids))), {1})
        self.assertEqual(invoices.mapped("contract_id"), self.rentals | self.service)

    def test_two_customers_never_share_an_invoice(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.other_customer, computers=2)
        self._run_cron("2026-01-01")
        mine = self._invoices(self.customer, "2026-01-01")
        theirs = self._invoices(self.other_customer, "2026-01-01")
        self.assertEqual((len(mine), len(theirs)), (1, 1))
        self.assertEqual(len(mine.invoice_line_ids), 4)
        self.assertEqual(len(theirs.invoice_line_ids), 3)
        self.assertEqual(
            mine.invoice_line_ids.mapped("account_analytic_id.partner_id.commercial_partner_id"),
            self.customer,
        )
        self.assertEqual(
            theirs.invoice_line_ids.mapped("account_analytic_id.partner_id.commercial_partner_id"),
            self.other_customer,
        )

    def test_contracts_due_on_another_day_get_their_own_invoice(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=1, offer=False, start="2026-01-15")
        self._run_cron("2026-01-01")
        self._run_cron("2026-01-15")
        self.assertEqual(len(self._invoices(self.customer, "2026-01-01").invoice_line_ids), 4)
        self.assertEqual(len(self._invoices(self.customer, "2026-01-15").invoice_line_ids), 1)

    def test_consolidated_next_dates_written_once_after_the_lines(self):
        """OCA moves each contract's next invoice date as soon as it invoices it,
        which locks the contract's row until the customer's invoicing commits: a
        salesman's order for a customer with a thousand computers would wait for
        all of them. The run writes the dates after the invoice's lines, once per
        date: the rows are locked for the end of the customer's invoicing only."""
        Contract = type(self.env["account.analytic.account"])
        original = Contract._write
        writes = []
        contracts = self.rentals | self.service

        def spying(records, vals):  # notes when, then writes for real
            if "recurring_next_date" in vals:
                self.env.cr.execute(
                    "SELECT count(*) FROM account_invoice_line WHERE account_analytic_id IN %s",
                    (tuple(contracts.ids),),
                )
                writes.append((set(records.ids), self.env.cr.fetchone()[0]))
            return original(records, vals)

        with mock.patch.object(Contract, "_write", spying):
            self._run_cron("2026-01-01")
        self.assertEqual(writes, [(set(contracts.ids), 4)])
        self.assertEqual(set(contracts.mapped("recurring_next_date")), {"2026-02-01"})

    def test_consolidated_next_dates_kept_by_the_run_only(self):
        """A context sent over RPC is plain data: a dict named like the run's
        cannot make a write of the next invoice date vanish, nor consolidate."""
        contract = self.rentals[0]
        forged = {"next_dates": {}, "invoices": {}, "line_values": {}, "token": 1}
        contract.with_context(infogerance_consolidation=forged).write(
            {"recurring_next_date": "2026-03-01"}
        )
        self.assertEqual(contract.recurring_next_date, "2026-03-01")
        self.assertEqual(forged["next_dates"], {})
