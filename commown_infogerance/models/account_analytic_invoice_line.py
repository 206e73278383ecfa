from odoo import api, models

from .account_analytic_account_onboarding import ROLE_SYNC_LATER

CONTRACT_LINE_MODEL = "account.analytic.invoice.line"


class AccountAnalyticInvoiceLine(models.Model):
    """A line added, changed or removed on its own (RPC, import of lines, another
    module) may turn its contract into a computer rental or back (onboarding).

    OCA contract's template lines (``account.analytic.contract.line``) inherit this
    model with their own ``_name``, so these overrides run for them too: their
    ``analytic_account_id`` is a template, which has no role to synchronise. The
    synchronisation is for lines of real contracts only."""

    _name = CONTRACT_LINE_MODEL
    _inherit = [CONTRACT_LINE_MODEL, "infogerance.company.from.parent"]
    # the company of the line's contract (or contract template), for the
    # multi-company rule
    _infogerance_company_parents = ("analytic_account_id",)

    def _infogerance_is_contract_line(self):
        return self._name == CONTRACT_LINE_MODEL

    def _infogerance_syncs_role(self):
        return self._infogerance_is_contract_line() and (
            self.env.context.get("infogerance_role_sync") is not ROLE_SYNC_LATER
        )

    @api.model
    def create(self, vals):
        line = super().create(vals)
        if line._infogerance_syncs_role():
            line.analytic_account_id._infogerance_sync_role()
        return line

    @api.multi
    def write(self, vals):
        contracts = self.mapped("analytic_account_id")
        result = super().write(vals)
        if {"product_id", "analytic_account_id"} & set(vals) and self._infogerance_syncs_role():
            (contracts | self.mapped("analytic_account_id"))._infogerance_sync_role(
                lines_removed=True
            )
        return result

    @api.multi
    def unlink(self):
        contracts = self.mapped("analytic_account_id")
        result = super().unlink()
        if self._infogerance_is_contract_line():
            contracts._infogerance_sync_role(lines_removed=True)
        return result
