from odoo import api, models


class InfogeranceBillingRun(models.Model):
    """The run's form opens the preview of its date."""

    _inherit = "infogerance.billing.run"

    @api.multi
    def action_preview(self):
        self.ensure_one()
        self._check_billing_rights()
        preview = self.env["infogerance.billing.preview"].create(
            {"date": self.date, "company_id": self.company_id.id}
        )
        return preview.action_compute()
