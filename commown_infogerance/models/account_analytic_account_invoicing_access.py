from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError

from ..groups import ACCOUNTANT_GROUP, MANAGER_GROUP
from .context_markers import INVOICING_RUN


class AccountAnalyticAccount(models.Model):
    """Who runs the recurring invoicing: the daily job (the superuser), an
    accountant or a managed-services manager; never a salesman or any other
    employee calling OCA's public methods over RPC. The run then advances the
    next invoice date of what it invoiced, a protected billing field."""

    _inherit = "account.analytic.account"

    def _infogerance_check_may_invoice(self):
        """Raise unless the user may run the recurring invoicing. Returns the
        contracts to invoice with: an accountant, who issues invoices but does not
        write contracts, runs it as the system once checked."""
        user = self.env.user
        if self.env.uid == SUPERUSER_ID or user.has_group(MANAGER_GROUP):
            return self
        if user.has_group(ACCOUNTANT_GROUP):
            # checked above: the invoicing advances the contracts' next invoice date
            return self.sudo()
        raise AccessError(
            _(
                "Recurring invoicing is run by the daily scheduled job, an accountant or a "
                "managed-services manager: %(user)s may not invoice contracts."
            )
            % {"user": user.name}
        )

    @api.model
    def cron_recurring_create_invoice(self):
        this = self._infogerance_check_may_invoice()
        return super(
            AccountAnalyticAccount, this.with_context(infogerance_invoicing=INVOICING_RUN)
        ).cron_recurring_create_invoice()

    @api.multi
    def recurring_create_invoice(self):
        this = self._infogerance_check_may_invoice()
        return super(
            AccountAnalyticAccount, this.with_context(infogerance_invoicing=INVOICING_RUN)
        ).recurring_create_invoice()
