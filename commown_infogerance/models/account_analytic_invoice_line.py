from odoo import api, models

from .account_analytic_account_onboarding import ROLE_SYNC_LATER


class AccountAnalyticInvoiceLine(models.Model):
    """A line added, changed or removed on its own (RPC, import of lines, another
    module) may turn its contract into a computer rental or back (onboarding)."""

    _name = "account.analytic.invoice.line"
    _inherit = ["account.analytic.invoice.line", "infogerance.company.from.parent"]
    # the company of the line's contract (or contract template), for the
    # multi-company rule
    _infogerance_company_parents = ("analytic_account_id",)

    @api.model
    def create(self, vals):
        line = super().create(vals)
        if self.env.context.get("infogerance_role_sync") is not ROLE_SYNC_LATER:
            line.analytic_account_id._infogerance_sync_role()
        return line

    @api.multi
    def write(self, vals):
        contracts = self.mapped("analytic_account_id")
        result = super().write(vals)
        if {"product_id", "analytic_account_id"} & set(vals) and (
            self.env.context.get("infogerance_role_sync") is not ROLE_SYNC_LATER
        ):
            (contracts | self.mapped("analytic_account_id"))._infogerance_sync_role(
                lines_removed=True
            )
        return result

    @api.multi
    def unlink(self):
        contracts = self.mapped("analytic_account_id")
        result = super().unlink()
        contracts._infogerance_sync_role(lines_removed=True)
        return result
