from odoo import api, models


class InfogeranceBillingRightsMixin(models.AbstractModel):
    """Records that only the users who may run the month's billing create and
    write (the billing run's ``_check_billing_rights``: accountants and
    managed-services managers), whatever the channel, on top of the access
    rights: the previews and their lines."""

    _name = "infogerance.billing.rights.mixin"
    _description = "Billing runs: records for accountants and managed-services managers only"

    @api.model
    def create(self, vals):
        self.env["infogerance.billing.run"]._check_billing_rights()
        return super().create(vals)

    @api.multi
    def write(self, vals):
        self.env["infogerance.billing.run"]._check_billing_rights()
        return super().write(vals)
