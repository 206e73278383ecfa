from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from .. import rules
from ..contract_day import contract_today
from ..groups import MANAGER_GROUP


class AccountAnalyticAccount(models.Model):
    """The date a termination request was received: a salesman may date it back a
    few days (mail arriving late, ``res.company.infogerance_backdate_days``); older
    needs a manager and a reason; the contract never ends before the billing
    period in progress (R6, R7)."""

    _inherit = "account.analytic.account"

    def _infogerance_check_request_date(self, request_date, end, force, backdate_reason):
        """Check ``request_date`` for the current user; return the end, moved to the
        end of the billing period in progress today when it came before it (unless a
        manager forces the end)."""
        self.ensure_one()
        today = fields.Date.from_string(contract_today(self))
        request = fields.Date.from_string(request_date)
        days = self.company_id.infogerance_backdate_days
        problem = rules.termination_request_date_problem(request, today, days)
        if problem == rules.REQUEST_IN_FUTURE:
            raise UserError(
                _("R6 - a termination request cannot be received in the future (%(date)s).")
                % {"date": request_date}
            )
        if problem == rules.REQUEST_TOO_OLD:
            if not self.env.user.has_group(MANAGER_GROUP):
                raise AccessError(
                    _(
                        "R6 - a termination request received more than %(days)s days ago "
                        "(%(date)s) may only be recorded by a managed-services manager, with "
                        "a reason."
                    )
                    % {"days": days, "date": request_date}
                )
            if not (backdate_reason or "").strip():
                raise UserError(
                    _(
                        "R6 - say why a termination request received more than %(days)s days "
                        "ago is recorded only now."
                    )
                    % {"days": days}
                )
        if force:
            return end
        anchor, _commitment, _notice, months = self._infogerance_termination_inputs()
        return fields.Date.to_string(
            rules.end_not_before_current_period(fields.Date.from_string(end), today, anchor, months)
        )
