from odoo import api, models

from odoo.addons.commown_infogerance.cpu_priority import billing_priority
from odoo.addons.queue_job.job import job

from .infogerance_billing_run import (
    BILLING_CHANNEL,
    PREVIEW_JOB_METHOD,
    dispatch_chunks,
    hold_job_lock,
)


class InfogeranceBillingPreview(models.Model):
    """Billing run previews as queue jobs, as the runs: one job per chunk of
    customers on the billing channel, holding the same advisory lock, requeued by
    the same scheduled action when their worker died."""

    _inherit = "infogerance.billing.preview"

    @api.multi
    def _infogerance_dispatch(self, chunks):
        dispatch_chunks(self, chunks, PREVIEW_JOB_METHOD)

    @api.multi
    @job(default_channel=BILLING_CHANNEL)
    def _infogerance_job_preview_chunk(self, line_ids):
        """Job: preview these lines' customers (each committed on its own)."""
        if not hold_job_lock(self.env):
            return "another worker runs this job: nothing done"
        with billing_priority(self.env):
            done = self._infogerance_preview_chunk(line_ids)
        return "%s of %s customer(s) previewed" % (done, len(line_ids))
