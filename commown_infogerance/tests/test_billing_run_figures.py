"""The billing run's figures and its parallel workers (found by the bench): its
invoicing time is the sum of its customers' times, each counted once whatever
its number of contracts; a customer's stages that lost a race with another
worker on the journal's sequence are tried again."""
from unittest import mock

import psycopg2
import psycopg2.errorcodes

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
