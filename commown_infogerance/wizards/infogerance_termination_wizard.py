from odoo import api, fields, models
from odoo.exceptions import UserError

from ..contract_day import contract_today
from ..groups import MANAGER_GROUP


class InfogeranceTerminationWizard(models.TransientModel):
    """Request the termination of a managed-service contract (R6, R7): shows the
    effective end before saving; a manager may force an earlier end."""

    _name = "infogerance.termination.wizard"
    _description = "Request termination of a managed-service contract"

    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        required=True,
        ondelete="cascade",
        domain=[("infogerance_role", "=", "service")],
    )
    request_date = fields.Date(
        string="Request received on",
        required=True,
        default=contract_today,
    )
    reason_id = fields.Many2one(
        comodel_name="infogerance.termination.reason",
        string="Reason",
        required=True,
        ondelete="cascade",
    )
    reason = fields.Text(string="Details")
    effective_end_date = fields.Date(
        string="Contract ends on",
        compute="_compute_effective_end_date",
    )
    explanation = fields.Text(compute="_compute_effective_end_date")
    is_manager = fields.Boolean(compute="_compute_is_manager")
    force_end = fields.Boolean(string="Force an earlier end")
    forced_end_date = fields.Date()
    force_reason = fields.Text(string="Why force the end")
    backdate_reason = fields.Text(
        string="Why record an older request",
        help="Needed when the request was received longer ago than the company allows "
        "salesmen to date back (managers only).",
    )

    @api.depends("contract_id", "request_date")
    def _compute_effective_end_date(self):
        for wizard in self:
            contract = wizard.contract_id
            if not (contract and wizard.request_date):
                continue
            try:
                end = contract.infogerance_termination_date(wizard.request_date)
            except UserError as error:
                wizard.explanation = error.name
                continue
            wizard.effective_end_date = end
            wizard.explanation = contract.infogerance_termination_explanation(wizard.request_date)

    def _compute_is_manager(self):
        is_manager = self.env.user.has_group(MANAGER_GROUP)
        for wizard in self:
            wizard.is_manager = is_manager

    @api.model
    def create(self, vals):
        # Transient models have no access rights in Odoo 11: the caller is checked
        # here, in write and in the action, as the contract checks it (R6).
        contract = self.env["account.analytic.account"].browse(vals.get("contract_id") or [])
        self._infogerance_check_caller(contract, vals.get("force_end"))
        return super().create(self._infogerance_customer_values(vals))

    @api.multi
    def write(self, vals):
        for wizard in self:
            contract = wizard.contract_id
            if "contract_id" in vals:
                contract = contract.browse(vals["contract_id"] or [])
            self._infogerance_check_caller(contract, vals.get("force_end", wizard.force_end))
        return super().write(self._infogerance_customer_values(vals))

    def _infogerance_check_caller(self, contract, force):
        """Who may use the wizard on ``contract``: who may terminate it (a
        customer manager of its customer in the portal, a salesman; a manager to
        force an end)."""
        if contract:
            contract.ensure_one()
            contract._infogerance_check_may_terminate(bool(force))

    def _infogerance_customer_values(self, vals):
        """A customer's request is dated the day it is made, whatever it sends."""
        if not self.env.user.share:
            return vals
        return dict(
            vals,
            request_date=contract_today(self),
            backdate_reason=False,
            force_end=False,
        )

    @api.multi
    def action_confirm(self):
        self.ensure_one()
        self._infogerance_check_caller(self.contract_id, self.force_end)
        self.contract_id._infogerance_terminate(
            self.request_date,
            self.reason,
            reason_id=self.reason_id,
            force_end_date=self.forced_end_date if self.force_end else None,
            force_reason=self.force_reason if self.force_end else None,
            backdate_reason=self.backdate_reason,
        )
        return {"type": "ir.actions.act_window_close"}
