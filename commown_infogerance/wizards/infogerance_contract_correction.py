from odoo import _, api, fields, models
from odoo.tools.misc import format_date

#: Kind of value each correctable field takes in the wizard.
DAYS_FIELDS = ("infogerance_notice_days",)


class InfogeranceContractCorrection(models.TransientModel):
    """A managed-services manager corrects one term the rules set on a
    managed-service contract (commitment end, notice, termination end date):
    the wizard shows the current and the new value and asks why; the contract
    applies and logs the change (``_infogerance_correct``)."""

    _name = "infogerance.contract.correction"
    _description = "Correct a managed-service contract"

    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        required=True,
        ondelete="cascade",
        domain=[("infogerance_role", "=", "service")],
    )
    field_name = fields.Selection(
        selection="_selection_field_name",
        string="Term to correct",
        required=True,
        default="infogerance_commitment_end",
    )
    value_kind = fields.Selection(
        selection=[("date", "Date"), ("days", "Days")],
        compute="_compute_value_kind",
    )
    current_value = fields.Char(compute="_compute_current_value")
    new_date = fields.Date()
    new_days = fields.Integer(string="New notice (days)")
    reason = fields.Text(
        required=True,
        help="Logged on the contract with the old and the new value.",
    )
    explanation = fields.Text(compute="_compute_explanation")

    @api.model
    def _selection_field_name(self):
        Contract = self.env["account.analytic.account"]
        labels = {"date_end": _("Contract end (termination)")}
        return [
            (name, labels.get(name) or Contract._fields[name].get_description(self.env)["string"])
            for name in Contract._infogerance_correctable_fields()
        ]

    @api.depends("field_name")
    def _compute_value_kind(self):
        for wizard in self:
            wizard.value_kind = "days" if wizard.field_name in DAYS_FIELDS else "date"

    @api.depends("contract_id", "field_name")
    def _compute_current_value(self):
        for wizard in self:
            if wizard.contract_id and wizard.field_name:
                wizard.current_value = wizard.contract_id._infogerance_value_text(wizard.field_name)

    @api.depends("contract_id", "field_name", "new_date", "new_days")
    def _compute_explanation(self):
        for wizard in self:
            contract = wizard.contract_id
            if not (contract and wizard.field_name):
                continue
            texts = [wizard._explanation_of_field()]
            value = wizard._new_value()
            if value not in (False, None) and value != contract[wizard.field_name]:
                problem = contract._infogerance_correction_problem(wizard.field_name, value)
                if problem:
                    texts.append(_("Refused as it stands: %(problem)s.") % {"problem": problem})
            wizard.explanation = "\n".join(texts)

    def _explanation_of_field(self):
        contract = self.contract_id
        if self.field_name == "infogerance_commitment_end":
            return _(
                "Set at subscription: the start plus the offer's commitment, minus one "
                "day. Correcting it does not move the end date of a termination already "
                "recorded: correct that too if needed."
            )
        if self.field_name == "infogerance_notice_days":
            return _(
                "Applies to the termination requests recorded from now on; the end date "
                "of a termination already recorded is not recomputed."
            )
        text = _(
            "A date set here is the manager's decision: the notice and the rule that "
            "any started month is due do not apply. Invoices already issued are not "
            "changed."
        )
        request = contract.infogerance_termination_request_date
        if (
            request
            and contract.infogerance_role == "service"
            and contract.date_start
            and request >= contract.date_start
        ):
            text = (
                _("For the request received on %(request)s the rules end the contract on %(end)s.")
                % {
                    "request": format_date(self.env, request),
                    "end": format_date(self.env, contract.infogerance_termination_date(request)),
                }
                + " "
                + text
            )
        return text

    def _new_value(self):
        return self.new_days if self.value_kind == "days" else self.new_date

    @api.onchange("contract_id", "field_name")
    def _onchange_field_name(self):
        """Start from the current value."""
        if self.contract_id and self.field_name:
            current = self.contract_id[self.field_name]
            if self.field_name in DAYS_FIELDS:
                self.new_days = current
            else:
                self.new_date = current

    @api.model
    def create(self, vals):
        # Transient models have no access rights in Odoo 11: refuse the wizard
        # itself to anyone but a manager (the contract checks again on apply).
        self.env["account.analytic.account"]._infogerance_check_may_correct()
        return super().create(vals)

    @api.multi
    def action_apply(self):
        self.ensure_one()
        self.contract_id._infogerance_correct(self.field_name, self._new_value(), self.reason)
        return {"type": "ir.actions.act_window_close"}
