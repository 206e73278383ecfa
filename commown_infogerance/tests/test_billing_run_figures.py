"""The billing run's figures and its parallel workers (found by the bench): its
invoicing time is the sum of its customers' times, each counted once whatever
its number of contracts; a customer's stages that lost a race with another
worker on the journal's sequence are tried again."""
from unittest import mock

import psycopg2
import psycopg2.errorcodes

from odoo.exceptions import UserError

from .common import validation_refused_for
from .test_billing_run import BillingRunCase


class TestBillingRunFigures(BillingRunCase):
    def test_billing_run_invoicing_time_counts_each_customer_once(self):
        run = self._cron("2026-01-01")
        items = run.item_ids.filtered(
            lambda i: i.partner_id in (self.customer | self.other_customer)
        )
        self.assertEqual(len(items), 2)
        # known times: the customer with 3 contracts and the one with 2
        seconds = {self.customer.id: 2.0, self.other_customer.id: 0.5}
        for item in items:
            self.env.cr.execute(
                "UPDATE infogerance_billing_run_item SET create_seconds = %s WHERE id = %s",
                (seconds[item.partner_id.id], item.id),
            )
        others = run.item_ids - items
        expected = sum(seconds.values()) + sum(others.mapped("create_seconds"))
        run.invalidate_cache()
        self.assertAlmostEqual(run.create_seconds, expected, places=3)
        self.assertEqual(run.contract_done, len(run.item_ids.mapped("contract_ids")))


class _SequenceLocked(psycopg2.OperationalError):
    """What Odoo 11's no-gap sequence raises when another worker numbers an
    invoice of the same journal (``FOR UPDATE NOWAIT``)."""

    pgcode = psycopg2.errorcodes.LOCK_NOT_AVAILABLE


class TestBillingRunStageRace(BillingRunCase):
    def test_billing_run_stages_tried_again_after_a_sequence_race(self):
        Invoice = type(self.env["account.invoice"])
        original = Invoice.action_invoice_open
        customer = self.customer
        raced = []

        def race_once(invoices):
            commercial = invoices.mapped("partner_id.commercial_partner_id")
            if commercial == customer and not raced:
                raced.append(invoices.ids)
                raise _SequenceLocked("could not obtain lock on row in relation ir_sequence")
            return original(invoices)

        with mock.patch.object(Invoice, "action_invoice_open", race_once), mock.patch(
            "odoo.addons.commown_infogerance.models.infogerance_billing_run_item_stages.time.sleep"
        ):
            run = self._cron("2026-01-01")
        self.assertTrue(raced, "the race happened")
        item = run.item_ids.filtered(lambda i: i.partner_id == self.customer)
        # tried again at once: validated and sent, not left draft for the next run
        self.assertTrue(item.stages_done)
        self.assertFalse(item.stage_error)
        self.assertEqual(item.invoice_ids.state, "open")
        self.assertTrue(item.invoice_ids.sent)


class TestBillingRunNumbers(BillingRunCase):
    """Invoice numbers: Odoo's no-gap sequence locks its row until the numbering
    transaction commits, so the run draws the numbers in a short transaction of
    their own, and posts the journal entries outside it."""

    def test_billing_run_numbers_drawn_before_the_posting(self):
        Sequence = type(self.env["ir.sequence"])
        Invoice = type(self.env["account.invoice"])
        draw, post = Sequence.next_by_id, Invoice.action_invoice_open
        posting, draws_while_posting = [], []

        def drawing(sequence, *args, **kwargs):  # notes when, then draws for real
            if posting:
                draws_while_posting.append(sequence.id)
            return draw(sequence, *args, **kwargs)

        def post_noting(invoices):
            posting.append(invoices.ids)
            try:
                return post(invoices)
            finally:
                posting.pop()

        with mock.patch.object(Sequence, "next_by_id", drawing), mock.patch.object(
            Invoice, "action_invoice_open", post_noting
        ):
            run = self._cron("2026-01-01")
        invoices = run.item_ids.mapped("invoice_ids").sorted("id")
        self.assertTrue(invoices)
        self.assertEqual(set(invoices.mapped("state")), {"open"})
        self.assertEqual(draws_while_posting, [])
        # in the order of the invoices, without a gap
        numbers = [int(number.rsplit("/", 1)[-1]) for number in invoices.mapped("number")]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + len(numbers))))

    def test_billing_run_draft_keeps_its_number_until_it_validates(self):
        with validation_refused_for(self.env, self.customer, "Fiscal year closed"):
            run = self._cron("2026-01-01")
        item = run.item_ids.filtered(lambda i: i.partner_id == self.customer)
        invoice = item.invoice_ids
        self.assertEqual(invoice.state, "draft")
        number = invoice.move_name
        self.assertTrue(number)
        # its number is its own: Odoo refuses to delete it (no gap)
        with self.assertRaises(UserError):
            invoice.unlink()
        run.sudo(self.accountant).action_start()
        self.assertEqual(invoice.state, "open")
        self.assertEqual(invoice.number, number)
