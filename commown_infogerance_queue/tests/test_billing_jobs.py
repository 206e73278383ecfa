"""Billing runs and their previews as queue jobs: a job per chunk of customers
on the billing channel, and the jobs of a dead worker requeued (their lock is
free), not those of a live one."""
from freezegun import freeze_time

from odoo.tests.common import at_install, post_install

from odoo.addons.commown_infogerance.models.billing_transaction import IN_CALLER_TRANSACTION
from odoo.addons.commown_infogerance.tests.common import InfogeranceCase
from odoo.addons.queue_job.job import Job

from ..models.infogerance_billing_run import (
    BILLING_CHANNEL,
    BILLING_JOB_METHOD,
    JOB_LOCK_CLASS,
    PREVIEW_JOB_METHOD,
)


@at_install(False)
@post_install(True)
class TestBillingJobs(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-01-01"):
            cls._confirm(cls, cls.customer, computers=2)
            cls._confirm(cls, cls.other_customer, computers=1)
        # jobs queued as in production; the test's data is not committed
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                test_queue_job_no_delay=False,
                infogerance_billing_transaction=IN_CALLER_TRANSACTION,
            )
        )
        cls.env.user.company_id.infogerance_billing_chunk_size = 1
        cls.Run = cls.env["infogerance.billing.run"]

    def _jobs(self):
        return self.env["queue.job"].search([("method_name", "=", BILLING_JOB_METHOD)])

    def _perform(self, jobs):
        for record in jobs:
            job = Job.load(self.env, record.uuid)
            job.set_started()
            job.store()
            job.perform()
            job.set_done()
            job.store()

    def test_billing_run_chunks_are_jobs_on_their_channel(self):
        with freeze_time("2026-01-01"):
            run = self.Run._cron_infogerance_billing_run()
        self.assertGreaterEqual(len(run.item_ids), 2)
        jobs = self._jobs()
        # chunks of 1 customer: one job each, on the billing channel
        self.assertEqual(len(jobs), len(run.item_ids))
        self.assertEqual(set(jobs.mapped("channel")), {BILLING_CHANNEL})
        self.assertEqual(set(run.item_ids.mapped("state")), {"todo"})
        self._perform(jobs)
        self.assertEqual(set(run.item_ids.mapped("state")), {"done"})
        # a job run twice (requeued by mistake) bills nothing more
        invoices = run.item_ids.mapped("invoice_ids")
        self._perform(jobs[:1])
        self.assertEqual(run.item_ids.mapped("invoice_ids"), invoices)
        self.assertEqual(
            len(
                self.env["account.invoice"].search(
                    [
                        ("id", "not in", invoices.ids),
                        ("date_invoice", "=", "2026-01-01"),
                        ("partner_id", "=", self.customer.id),
                    ]
                )
            ),
            0,
        )

    def test_billing_requeue_dead_workers_jobs_only(self):
        with freeze_time("2026-01-01"):
            self.Run._cron_infogerance_billing_run()
        dead, alive = self._jobs()[:2]
        (dead | alive).write({"state": "started", "date_started": "2026-01-01 00:00:00"})
        # a live worker's transaction holds its job's lock
        with self.registry.cursor() as worker_cr:
            worker_cr.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (JOB_LOCK_CLASS, alive.uuid)
            )
            requeued = self.Run._cron_infogerance_requeue_dead_jobs()
            worker_cr.rollback()
        self.assertEqual(requeued, dead)
        self.assertEqual(dead.state, "pending")
        self.assertEqual(alive.state, "started")
        # a job started a moment ago may not have its lock yet: left alone
        alive.write({"state": "done"})
        dead.write({"state": "started", "date_started": "2999-01-01 00:00:00"})
        self.assertFalse(self.Run._cron_infogerance_requeue_dead_jobs())

    def _preview_values(self, preview):
        return {
            line.partner_id: (
                line.state,
                line.invoice_count,
                round(line.amount_untaxed, 2),
                round(line.amount_total, 2),
                line.reasons,
                line.would_fail,
                line.contract_ids,
            )
            for line in preview.line_ids
        }

    def test_billing_preview_chunks_are_jobs_and_give_the_same_lines_as_inline(self):
        Preview = self.env["infogerance.billing.preview"]
        with freeze_time("2026-01-01"):
            inline = Preview.with_context(test_queue_job_no_delay=True).create(
                {"date": "2026-01-01"}
            )
            inline.action_compute()
            preview = Preview.create({"date": "2026-01-01"})
            preview.action_compute()
        self.assertEqual(inline.state, "done")
        self.assertGreaterEqual(inline.customer_count, 2)
        # queued: the accountant's request previewed nothing
        self.assertEqual(preview.state, "queued")
        self.assertEqual(preview.customer_count, inline.customer_count)
        self.assertEqual(preview.customer_done, 0)
        jobs = (
            self.env["queue.job"]
            .search([("method_name", "=", PREVIEW_JOB_METHOD), ("model_name", "=", Preview._name)])
            .filtered(lambda job: job.record_ids == [preview.id])
        )
        # chunks of 1 customer, on the billing channel
        self.assertEqual(len(jobs), preview.customer_count)
        self.assertEqual(set(jobs.mapped("channel")), {BILLING_CHANNEL})
        self._perform(jobs[:1])
        preview.invalidate_cache()
        self.assertEqual(preview.state, "running")
        self._perform(jobs[1:])
        preview.invalidate_cache()
        self.assertEqual(preview.state, "done")
        self.assertEqual(self._preview_values(preview), self._preview_values(inline))
        # a job run twice (requeued by mistake) previews nothing more
        line = preview.line_ids.filtered(lambda line: line.id in jobs[0].args[0])
        done_on = line.date_done
        self._perform(jobs[:1])
        line.invalidate_cache()
        self.assertEqual(line.date_done, done_on)
        # a dead worker's preview job is requeued as a run's
        jobs[0].write({"state": "started", "date_started": "2026-01-01 00:00:00"})
        self.assertIn(jobs[0], self.Run._cron_infogerance_requeue_dead_jobs())
        self.assertEqual(jobs[0].state, "pending")
