import logging
from datetime import datetime, timedelta

from odoo import _, api, fields, models

from odoo.addons.commown_infogerance.cpu_priority import billing_priority
from odoo.addons.commown_infogerance.models.billing_transaction import own_transaction
from odoo.addons.queue_job.job import job

_logger = logging.getLogger(__name__)

#: First key of the advisory locks that say "this job's transaction is alive"
#: (the second is the hash of the job's uuid): 0x1F05 for "infogerance billing".
JOB_LOCK_CLASS = 0x1F05
#: A job marked started (or enqueued) this recently may not have taken its lock
#: yet: it is left alone. The lock, not this delay, tells a dead worker's job.
LOCK_GRACE_SECONDS = 30
BILLING_CHANNEL = "root.infogerance.billing"
BILLING_JOB_METHOD = "_infogerance_job_bill_chunk"
#: The billing preview's chunks: same channel, same lock, same requeue.
PREVIEW_JOB_METHOD = "_infogerance_job_preview_chunk"
BILLING_JOB_METHODS = (BILLING_JOB_METHOD, PREVIEW_JOB_METHOD)


def hold_job_lock(env):
    """Take this job's advisory lock, held by its transaction until the job
    ends: a worker killed meanwhile releases it, which tells its job is dead.
    False when another worker holds it (runs this job); True outside a job."""
    uuid = env.context.get("job_uuid")
    if not uuid:
        return True
    env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", (JOB_LOCK_CLASS, uuid))
    return env.cr.fetchone()[0]


def dispatch_chunks(self, chunks, job_method):
    """One queue job per chunk on the billing channel: ``job_method`` of the run
    or preview ``self`` with the chunk's ids, described with its name. (``self``
    by name: Odoo's ``_()`` finds the user's language in the caller's ``self``.)"""
    self.ensure_one()
    # the caller's snapshot may predate the record (created by another cron, or
    # by the button that dispatches)
    with own_transaction(self.env) as env:
        name = self.with_env(env).name
    for number, chunk in enumerate(chunks, 1):
        delayed = self.with_delay(
            channel=BILLING_CHANNEL,
            description=_("%(run)s: customers, chunk %(number)s of %(count)s")
            % {"run": name, "number": number, "count": len(chunks)},
        )
        getattr(delayed, job_method)(chunk)


class InfogeranceBillingRun(models.Model):
    """Billing runs as queue jobs: one job per chunk of customers, on a channel of
    their own (its capacity is the ``[queue_job] channels`` setting), so that the
    month spreads over every worker and server sharing the database. A job left
    started or enqueued by a killed worker is requeued: its transaction, which held
    an advisory lock, is gone (queue_job 11.0 never requeues such a job)."""

    _inherit = "infogerance.billing.run"

    @api.multi
    def _infogerance_dispatch(self, chunks):
        dispatch_chunks(self, chunks, BILLING_JOB_METHOD)

    @api.multi
    @job(default_channel=BILLING_CHANNEL)
    def _infogerance_job_bill_chunk(self, item_ids):
        """Job: bill these items (each customer committed on its own). The job's
        own transaction holds an advisory lock until the job ends: a worker
        killed meanwhile releases it, which tells its job is dead."""
        if not hold_job_lock(self.env):
            return "another worker runs this job: nothing done"
        with billing_priority(self.env):
            billed = self.env["infogerance.billing.run.item"]._infogerance_bill_items(item_ids)
        return "%s of %s customer(s) billed" % (billed, len(item_ids))

    @api.model
    def _cron_infogerance_requeue_dead_jobs(self):
        """Requeue the billing jobs (the runs' and the previews' chunks) left
        started (or enqueued) by a dead worker: those whose advisory lock nobody
        holds. Returns the jobs requeued."""
        limit = fields.Datetime.to_string(datetime.now() - timedelta(seconds=LOCK_GRACE_SECONDS))
        candidates = self.env["queue.job"].search(
            [
                ("method_name", "in", BILLING_JOB_METHODS),
                "|",
                "&",
                ("state", "=", "started"),
                ("date_started", "<=", limit),
                "&",
                ("state", "=", "enqueued"),
                ("date_enqueued", "<=", limit),
            ]
        )
        dead = self.env["queue.job"]
        for record in candidates:
            # taken (and kept to the end of this transaction) only if no live
            # transaction holds it
            self.env.cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", (JOB_LOCK_CLASS, record.uuid)
            )
            if self.env.cr.fetchone()[0]:
                dead |= record
        if dead:
            _logger.warning("billing: requeue %s job(s) of dead workers: %s", len(dead), dead.ids)
            dead.requeue()
        return dead
