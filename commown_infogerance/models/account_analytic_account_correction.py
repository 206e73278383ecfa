from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..groups import MANAGER_GROUP
from .account_analytic_account_termination import RULES_CHECKED

#: Fields of a managed-service contract a managed-services manager may correct
#: (with a reason, through the correction wizard): the terms negotiated or
#: mistyped at signing. Prices, fleet and grid follow the rules (repricing, move
#: to the current grid, plan change); role, offer, customer and recurrence define
#: the contract itself.
CORRECTABLE_FIELDS = ("infogerance_commitment_end", "infogerance_notice_days", "date_end")


class AccountAnalyticAccount(models.Model):
    """Manager corrections of the terms the rules set on a managed-service
    contract (commitment end, notice, termination end date): one method, called
    by the correction wizard, writing through the manager path of
    ``account_analytic_account_protection`` (which logs old value, new value and
    reason on the contract)."""

    _inherit = "account.analytic.account"

    def _infogerance_correctable_fields(self):
        """Hook: the fields the correction wizard offers."""
        return CORRECTABLE_FIELDS

    def _infogerance_check_may_correct(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _(
                    "Only a managed-services manager may correct the terms of a "
                    "managed-service contract."
                )
            )
        others = self.filtered(lambda c: c.infogerance_role != "service")
        if others:
            raise UserError(
                _("%(names)s: only managed-service contracts are corrected here.")
                % {"names": ", ".join(others.mapped("name"))}
            )

    @api.multi
    def action_infogerance_correct(self):
        """Open the correction wizard (managers only, checked here too)."""
        self.ensure_one()
        self._infogerance_check_may_correct()
        return {
            "type": "ir.actions.act_window",
            "name": _("Correct the contract"),
            "res_model": "infogerance.contract.correction",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def _infogerance_correction_problem(self, name, value):
        """Why ``value`` cannot be the new ``name`` of this contract (a message),
        or None."""
        self.ensure_one()
        if name not in self._infogerance_correctable_fields():
            return _("this field is not corrected here")
        if name == "infogerance_notice_days":
            if value is None or value is False or value < 0:
                return _("R6 - the notice cannot be negative")
        elif not value:
            return _("give the new date")
        elif self.date_start and value < self.date_start:
            return _("R5/R6 - the date cannot precede the contract start (%(start)s)") % {
                "start": self._infogerance_value_text("date_start")
            }
        elif name == "infogerance_commitment_end" and self.date_end and value > self.date_end:
            return _(
                "R5 - the contract ends on %(end)s: the commitment cannot run after it "
                "(correct the end date first)"
            ) % {"end": self._infogerance_value_text("date_end")}
        elif name == "date_end" and not self.date_end:
            return _(
                "R6 - the contract has no end date: record its termination with "
                '"Request termination" (a manager may force the end there)'
            )
        if value == self[name]:
            return _("it is the current value")
        return None

    @api.multi
    def _infogerance_correct(self, name, value, reason):
        """A managed-services manager sets field ``name`` of this managed-service
        contract to ``value`` for ``reason``; the change and the reason are posted
        on the contract. An end date set here is the manager's decision: the
        notice and period rules (R6, R7) do not apply to it, as to a forced end."""
        self.ensure_one()
        self._infogerance_check_may_correct()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Say why the contract is corrected: the reason is logged."))
        problem = self._infogerance_correction_problem(name, value)
        if problem:
            raise UserError(
                _("%(field)s of %(name)s cannot be corrected: %(problem)s.")
                % {
                    "field": self._fields[name].get_description(self.env)["string"]
                    if name in self._fields
                    else name,
                    "name": self.name,
                    "problem": problem,
                }
            )
        context = {"infogerance_manager_reason": reason}
        if name == "date_end":
            # Checked above for a manager: the end is forced, as by the
            # termination wizard's manager override.
            context["infogerance_end_authorisation"] = RULES_CHECKED
        self.with_context(**context).write({name: value})
        return True
