"""A regularisation of a contract that has ended (or has nothing left to
invoice) is billed by a final invoice or credited by a final credit note (R3)."""
from freezegun import freeze_time

from .common import InfogeranceCase


class TestR3FinalRegularisation(InfogeranceCase):
    def setUp(self):
        super().setUp()
        self.customer.infogerance_separate_invoices = True
        self.customer.lang = "en_US"
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        self.contract = self._service_contract(self.customer)
        self.cron("2026-01-01")
        # the customer returns one computer on 20/01, recorded on time
        with freeze_time("2026-01-20"):
            self.rental = self._rentals(self.customer)[0]
            self.rental.date_end = "2026-01-20"
        self.cron("2026-02-01")
        # a manager ends the contract with February (customer in liquidation)
        with freeze_time("2026-02-10"):
            self.contract.sudo(self.manager)._infogerance_terminate(
                "2026-02-10", "x", force_end_date="2026-02-28", force_reason="liquidation"
            )
        self.cron("2026-03-01")

    def cron(self, day):
        with freeze_time(day):
            self.env["account.analytic.account"].cron_recurring_create_invoice()

    def invoices(self):
        return self.env["account.invoice"].search(
            [("contract_id", "=", self.contract.id)], order="date_invoice, id"
        )

    def test_r3_ended_contract_late_change_up_is_billed_by_a_final_invoice(self):
        self.assertEqual(self.invoices().mapped("amount_untaxed"), [30.0, 15.0])
        # on 10/03 the return turns out to be of 20/02: February had 2 computers
        with freeze_time("2026-03-10"):
            self.rental.date_end = "2026-02-20"
        self.cron("2026-03-11")
        final = self.invoices()[-1]
        self.assertEqual(final.type, "out_invoice")
        self.assertEqual(final.date_invoice, "2026-03-11")
        self.assertEqual(
            final.invoice_line_ids.mapped("name"),
            ["Regularisation for February 2026: 2 computers instead of 1"],
        )
        self.assertEqual(final.amount_untaxed, 15.0)
        self.assertEqual(final.invoice_line_ids.infogerance_fleet, 2)
        self.assertTrue(final.invoice_line_ids.infogerance_fleet_event_id)
        # once: the next runs make nothing more
        self.cron("2026-03-12")
        self.cron("2026-04-01")
        self.assertEqual(len(self.invoices()), 3)

    def test_r3_ended_contract_late_change_down_is_credited_by_a_final_credit_note(self):
        # on 10/03 the other computer turns out to have come back on 31/01 (the
        # contract ended with February: the fleet of February was 0, not 1)
        with freeze_time("2026-03-10"):
            self._rentals(self.customer)[1].date_end = "2026-01-31"
        self.cron("2026-03-11")
        final = self.invoices()[-1]
        self.assertEqual(final.type, "out_refund")
        self.assertEqual(final.date_invoice, "2026-03-11")
        self.assertEqual(
            final.invoice_line_ids.mapped("name"),
            ["Regularisation for February 2026: 0 computers instead of 1"],
        )
        self.assertEqual(final.amount_untaxed, 15.0)  # credited
        self.cron("2026-03-12")
        self.assertEqual(len(self.invoices()), 3)
        # a later change is regularised from what the credit note left
        with freeze_time("2026-03-20"):
            self._rentals(self.customer)[1].date_end = "2026-02-15"
        self.cron("2026-03-21")
        again = self.invoices()[-1]
        self.assertEqual((again.type, again.amount_untaxed), ("out_invoice", 15.0))
        self.assertEqual(again.invoice_line_ids.infogerance_fleet, 1)

    def test_r3_running_contract_regularises_on_its_next_invoice_not_a_final_one(self):
        other = self.other_customer
        other.infogerance_separate_invoices = True
        with freeze_time("2026-01-01"):
            self._confirm(other, computers=2)
        contract = self._service_contract(other)
        self.cron("2026-01-01")
        self.cron("2026-02-01")
        # a return of 31/01 recorded on 10/02: February had 1 computer, not 2
        with freeze_time("2026-02-10"):
            self._rentals(other)[0].date_end = "2026-01-31"
        self.cron("2026-02-11")
        invoices = self.env["account.invoice"].search([("contract_id", "=", contract.id)])
        self.assertEqual(len(invoices), 2)  # no final invoice: March's carries it
        self.cron("2026-03-01")
        march = self.env["account.invoice"].search(
            [("contract_id", "=", contract.id), ("date_invoice", "=", "2026-03-01")]
        )
        self.assertEqual(sorted(march.invoice_line_ids.mapped("price_subtotal")), [-15.0, 15.0])
        # the ended contract of the other customer, with nothing pending: nothing
        self.assertEqual(len(self.invoices()), 2)
