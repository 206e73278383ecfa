from odoo import api, models

from .billing_transaction import own_transaction


class InfogeranceBillingRun(models.Model):
    """The run's form opens the preview of its date."""

    _inherit = "infogerance.billing.run"

    @api.multi
    def action_preview(self):
        """A new preview of the run's date, started (computed inline, or queued as
        jobs), and its form."""
        self.ensure_one()
        self._check_billing_rights()
        Preview = self.env["infogerance.billing.preview"]
        Preview._infogerance_check_company(self.company_id)
        # committed before it starts: its chunks, in transactions (or jobs) of
        # their own, write its lines
        with own_transaction(self.env) as env:
            preview_id = (
                env["infogerance.billing.preview"]
                .create({"date": self.date, "company_id": self.company_id.id})
                .id
            )
        preview = Preview.browse(preview_id)
        preview.sudo()._infogerance_start(True, self.env.uid, Preview._infogerance_user_lang())
        return preview._infogerance_form_action()
