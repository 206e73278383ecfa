from odoo import _, api, fields, models


class AccountAnalyticAccount(models.Model):
    """A contract whose invoicing failed in a billing run says so where the
    accountant looks: the error and its date on the contract, a chatter message,
    one activity for its responsible, and the "Billing failed" filter. The error
    clears when a later run invoices it."""

    _name = "account.analytic.account"
    _inherit = ["account.analytic.account", "mail.activity.mixin"]

    infogerance_billing_error = fields.Text(
        string="Billing error", readonly=True, copy=False, track_visibility=False
    )
    infogerance_billing_error_date = fields.Datetime(
        string="Billing error on", readonly=True, copy=False
    )

    @api.multi
    def _infogerance_set_billing_error(self, message, date):
        """Record a billing run's failure (system action: the run's rights were
        checked when it started)."""
        if not self:
            return
        contracts = self.sudo()
        contracts.write(
            {
                "infogerance_billing_error": message,
                "infogerance_billing_error_date": fields.Datetime.now(),
            }
        )
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        summary = _("Billing failed")
        body = _("The billing run of %(date)s could not invoice this contract: %(error)s") % {
            "date": date,
            "error": message,
        }
        open_activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type.id),
                    ("summary", "in", [summary, "Billing failed"]),
                ]
            )
        )
        has_activity = set(open_activities.mapped("res_id"))
        model = self.env["ir.model"]._get(self._name)
        for contract in contracts:
            contract.message_post(body=body)
            if contract.id not in has_activity:
                self.env["mail.activity"].sudo().create(
                    {
                        "res_model_id": model.id,
                        "res_id": contract.id,
                        "activity_type_id": activity_type.id,
                        "summary": summary,
                        "note": body,
                        "user_id": (contract.user_id or self.env.user).id,
                    }
                )

    @api.multi
    def _infogerance_clear_billing_error(self):
        """A later run invoiced these contracts: the error and its activity go."""
        contracts = self.sudo()
        contracts.write(
            {"infogerance_billing_error": False, "infogerance_billing_error_date": False}
        )
        self.env["mail.activity"].sudo().search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                ("summary", "in", [_("Billing failed"), "Billing failed"]),
            ]
        ).action_feedback(_("Invoiced by a later billing run."))
