from odoo import _, api, models

from odoo.addons.commown_infogerance.models.billing_transaction import own_transaction
from odoo.addons.queue_job.job import job

from .infogerance_billing_run import BILLING_CHANNEL, hold_job_lock


class InfogeranceBillingPreview(models.Model):
    """Billing run previews as queue jobs, as the runs: one job per chunk of
    customers on the billing channel, holding the same advisory lock, requeued by
    the same scheduled action when their worker died."""

    _inherit = "infogerance.billing.preview"

    @api.multi
    def _infogerance_dispatch(self, chunks):
        self.ensure_one()
        # the caller's snapshot may predate the preview (created by the run's button)
        with own_transaction(self.env) as env:
            name = self.with_env(env).name
        for number, chunk in enumerate(chunks, 1):
            self.with_delay(
                channel=BILLING_CHANNEL,
                description=_("%(run)s: customers, chunk %(number)s of %(count)s")
                % {"run": name, "number": number, "count": len(chunks)},
            )._infogerance_job_preview_chunk(chunk)

    @api.multi
    @job(default_channel=BILLING_CHANNEL)
    def _infogerance_job_preview_chunk(self, line_ids):
        """Job: preview these lines' customers (each committed on its own)."""
        if not hold_job_lock(self.env):
            return "another worker runs this job: nothing done"
        done = self._infogerance_preview_chunk(line_ids)
        return "%s of %s customer(s) previewed" % (done, len(line_ids))
