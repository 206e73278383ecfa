from odoo import api, fields, models

from .. import rules


class PeriodAnchor(object):
    """Context marker carrying the start of the contract being invoiced. An
    object, so that no RPC client can pass it."""

    __slots__ = ("date",)

    def __init__(self, date):
        self.date = date


class AccountAnalyticAccount(models.Model):
    """Billing periods of the addon's contracts (R7): OCA contract 11.0 moves each
    next invoice date from the previous one (31/01 -> 28/02 -> 28/03), the rules
    count every period from the start (31/01, 28/02, 31/03). The rental and
    managed-service contracts invoice the periods of ``rules.period_start``, the
    ones the termination and R1 ends close."""

    _inherit = "account.analytic.account"

    def _infogerance_follows_rule_periods(self):
        """Contracts created by the addon, invoiced monthly and pre-paid."""
        self.ensure_one()
        return (
            bool(self.infogerance_role)
            and self.recurring_rule_type == "monthly"
            and self.recurring_invoicing_type == "pre-paid"
            and bool(self.date_start)
        )

    @api.model
    def get_relative_delta(self, recurring_rule_type, interval):
        anchor = self.env.context.get("infogerance_period_anchor")
        if isinstance(anchor, PeriodAnchor) and recurring_rule_type == "monthly":
            return rules.period_step(anchor.date, interval)
        return super().get_relative_delta(recurring_rule_type, interval)

    @api.multi
    def recurring_create_invoice(self):
        """Each of the addon's contracts is invoiced with its start as the
        anchor of its periods; the other contracts as OCA does."""
        ours = self.filtered(lambda contract: contract._infogerance_follows_rule_periods())
        invoices = super(AccountAnalyticAccount, self - ours).recurring_create_invoice()
        for contract in ours:
            anchor = PeriodAnchor(fields.Date.from_string(contract.date_start))
            invoices |= super(
                AccountAnalyticAccount, contract.with_context(infogerance_period_anchor=anchor)
            ).recurring_create_invoice()
        return invoices
