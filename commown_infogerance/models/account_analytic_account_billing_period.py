from odoo import api, fields, models

from .. import rules


class PeriodAnchor(object):
    """Context marker carrying the day of the month the contracts being invoiced
    started on (all that ``rules.period_step`` needs). An object, so that no RPC
    client can pass it; equal for equal days, so that the contracts of one day
    share one environment and its caches, as in OCA's loop."""

    __slots__ = ("date",)

    def __init__(self, date):
        self.date = date

    def __eq__(self, other):
        return isinstance(other, PeriodAnchor) and other.date.day == self.date.day

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.date.day)


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
        """The addon's contracts are invoiced by groups of contracts started on
        the same day of the month, with that day as the anchor of their periods;
        the other contracts as OCA does."""
        ours = self.filtered(lambda contract: contract._infogerance_follows_rule_periods())
        invoices = super(AccountAnalyticAccount, self - ours).recurring_create_invoice()
        by_day = {}
        for contract in ours:
            by_day.setdefault(fields.Date.from_string(contract.date_start).day, []).append(contract)
        for contracts in by_day.values():
            anchor = PeriodAnchor(fields.Date.from_string(contracts[0].date_start))
            group = self.browse([contract.id for contract in contracts]).with_prefetch(
                self._prefetch
            )
            invoices |= super(
                AccountAnalyticAccount, group.with_context(infogerance_period_anchor=anchor)
            ).recurring_create_invoice()
        return invoices
