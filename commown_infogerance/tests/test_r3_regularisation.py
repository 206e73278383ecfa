"""Regularisation of a period already invoiced whose fleet changed afterwards (R3)."""
from freezegun import freeze_time

from .common import InfogeranceCase


class TestR3Regularisation(InfogeranceCase):
    def setUp(self):
        super().setUp()
        # the service contract's own invoices (consolidation is tested on its own)
        self.customer.infogerance_separate_invoices = True

    def _cron(self, day):
        with freeze_time(day):
            self.env["account.analytic.account"].cron_recurring_create_invoice()

    def _invoice(self, contract, day):
        invoice = self.env["account.invoice"].search(
            [("contract_id", "=", contract.id), ("date_invoice", "=", day)]
        )
        self.assertEqual(len(invoice), 1)
        return invoice

    def _january_regularisation_line(self):
        """2 computers from 1 January, invoiced; an order of 1 more back-dated to
        1 January, entered on the 10th: the regularisation line of February's invoice."""
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        contract = self._service_contract(self.customer)
        self._cron("2026-01-01")
        with freeze_time("2026-01-10"):
            self._confirm(self.customer, computers=1, start="2026-01-01")
        self._cron("2026-02-01")
        return self._invoice(contract, "2026-02-01").invoice_line_ids.filtered(
            "infogerance_fleet_event_id"
        )

    def test_r3_late_return_and_back_dated_order_are_regularised_on_the_next_invoice(self):
        self.customer.lang = "en_US"
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        self._cron("2026-01-01")
        self._cron("2026-02-01")
        self.assertEqual(self._invoice(contract, "2026-02-01").amount_untaxed, 45.0)
        # a return of January 20th entered on February 10th: February had 2 computers
        with freeze_time("2026-02-10"):
            self._rentals(self.customer)[0].date_end = "2026-01-20"
        self._cron("2026-03-01")
        march = self._invoice(contract, "2026-03-01")
        regularisation = march.invoice_line_ids.filtered("infogerance_fleet_event_id")
        self.assertEqual(len(march.invoice_line_ids), 2)
        self.assertEqual(
            regularisation.name, "Regularisation for February 2026: 2 computers instead of 3"
        )
        self.assertEqual(regularisation.price_subtotal, -15.0)
        self.assertEqual(regularisation.infogerance_fleet_event_id.cause, "rental_end")
        self.assertEqual(march.amount_untaxed, 30.0 - 15.0)
        # an order confirmed on March 5th for computers rented since March 1st
        with freeze_time("2026-03-05"):
            self._confirm(self.customer, computers=3, start="2026-03-01")
        self._cron("2026-04-01")
        april = self._invoice(contract, "2026-04-01")
        regularisation = april.invoice_line_ids.filtered("infogerance_fleet_event_id")
        self.assertEqual(
            regularisation.name, "Regularisation for March 2026: 5 computers instead of 2"
        )
        # 5 computers at 12.00 instead of 2 at 15.00
        self.assertEqual(regularisation.price_subtotal, 60.0 - 30.0)
        self.assertEqual(regularisation.infogerance_fleet_event_id.cause, "order")
        self.assertEqual(april.amount_untaxed, 60.0 + 30.0)
        # regularised once: May bills May only
        self._cron("2026-05-01")
        self.assertEqual(self._invoice(contract, "2026-05-01").amount_untaxed, 60.0)

    def test_r3_regularisation_reads_in_the_customers_language(self):
        french = self.env["res.lang"].search([("code", "=", "fr_FR")])
        if not french:
            self.skipTest("French is not installed in this database")
        self.customer.lang = "fr_FR"
        line = self._january_regularisation_line()
        self.assertEqual(line.name, "Régularisation pour janvier 2026 : 3 ordinateurs au lieu de 2")

    def test_r3_billing_user_reads_the_regularised_fleet_change(self):
        """The invoice line names the fleet change it regularises: whoever
        invoices may read it (an accountant without sales rights)."""
        accountant = self._create_user(
            "Alex Accountant", "infogerance_accountant", "account.group_account_invoice"
        )
        self.customer.lang = "en_US"
        line = self._january_regularisation_line()
        values = line.sudo(accountant).read()[0]
        self.assertEqual(values["infogerance_fleet"], 3)
        self.assertEqual(
            values["infogerance_fleet_event_id"][0], line.infogerance_fleet_event_id.id
        )
