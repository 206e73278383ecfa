from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import rules


class InfogeranceTerminationWizard(models.TransientModel):
    """Request the termination of a managed-service contract (R6, R7): shows the
    effective end before saving; a manager may force an earlier end."""

    _name = "infogerance.termination.wizard"
    _description = "Request termination of a managed-service contract"

    contract_id = fields.Many2one(
        comodel_name="account.analytic.account", required=True, ondelete="cascade",
        domain=[("infogerance_role", "=", "service")],
    )
    request_date = fields.Date(
        string="Request received on", required=True, default=fields.Date.context_today,
    )
    reason = fields.Text(required=True)
    effective_end_date = fields.Date(
        string="Contract ends on", compute="_compute_effective_end_date",
    )
    explanation = fields.Text(compute="_compute_effective_end_date")
    is_manager = fields.Boolean(compute="_compute_is_manager")
    force_end = fields.Boolean(string="Force an earlier end")
    forced_end_date = fields.Date()
    force_reason = fields.Text(string="Why force the end")

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
            notice = contract.infogerance_notice_days
            if contract.infogerance_commitment_end and \
                    wizard.request_date <= contract.infogerance_commitment_end:
                wizard.explanation = _(
                    "The request is made during the commitment, which runs until "
                    "%(commitment)s: it is recorded, and the contract ends on %(end)s. All "
                    "the monthly instalments until then remain due (R6).") % {
                        "commitment": contract.infogerance_commitment_end, "end": end}
            else:
                wizard.explanation = _(
                    "With %(notice)s days' notice the termination takes effect on "
                    "%(effective)s; the billing period that contains it is due in full, so "
                    "the contract ends on %(end)s (R6, R7). No prorated credit note.") % {
                        "notice": notice,
                        "effective": fields.Date.to_string(rules.notice_effective_date(
                            fields.Date.from_string(wizard.request_date),
                            fields.Date.from_string(contract.infogerance_commitment_end),
                            notice)),
                        "end": end}

    def _compute_is_manager(self):
        is_manager = self.env.user.has_group("commown_infogerance.group_infogerance_manager")
        for wizard in self:
            wizard.is_manager = is_manager

    @api.multi
    def action_confirm(self):
        self.ensure_one()
        contract = self.contract_id
        if self.force_end:
            if not self.forced_end_date or not (self.force_reason or "").strip():
                raise UserError(_("R6 - forcing an earlier end requires a date and a reason."))
            contract._infogerance_request_termination(self.request_date, self.reason)
            contract._infogerance_force_end(self.forced_end_date, self.force_reason)
        else:
            contract._infogerance_request_termination(self.request_date, self.reason)
        return {"type": "ir.actions.act_window_close"}
