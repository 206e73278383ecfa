from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import format_date

from .. import rules
from ..contract_day import contract_today
from ..groups import MANAGER_GROUP, SALESMAN_GROUP
from .chatter_text import escaped

#: Context marker of end dates decided by ``_infogerance_terminate`` or by the
#: rules themselves (R1 end), after their checks. An object, so that no RPC
#: client can pass it.
RULES_CHECKED = object()


class AccountAnalyticAccount(models.Model):
    """Termination of managed-service contracts: notice, commitment and period
    ends (R6, R7). One path, ``_infogerance_terminate``, serves the backend
    wizard and the portal; the end-date constraint holds the rule for every
    other path (form, import, RPC)."""

    _inherit = "account.analytic.account"

    infogerance_termination_request_date = fields.Date(
        string="Termination requested on",
        readonly=True,
        copy=False,
    )
    infogerance_termination_reason = fields.Text(
        string="Termination reason",
        readonly=True,
        copy=False,
    )
    infogerance_termination_reason_id = fields.Many2one(
        comodel_name="infogerance.termination.reason",
        string="Termination reason (list)",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )
    infogerance_termination_pending = fields.Boolean(
        string="Termination pending",
        compute="_compute_infogerance_termination_pending",
        search="_search_infogerance_termination_pending",
        help="A termination was requested and the contract has not ended yet: it may "
        "still be cancelled.",
    )

    def _compute_infogerance_termination_pending(self):
        today = contract_today(self)
        for contract in self:
            contract.infogerance_termination_pending = bool(
                contract.infogerance_termination_request_date
                and contract.date_end
                and contract.date_end >= today
            )

    def _search_infogerance_termination_pending(self, operator, value):
        today = contract_today(self)
        # Explicit operators: Odoo 11 does not normalize a searched field's domain.
        pending = [
            "&",
            "&",
            ("infogerance_termination_request_date", "!=", False),
            ("date_end", "!=", False),
            ("date_end", ">=", today),
        ]
        if (operator == "=") == bool(value):
            return pending
        return [
            "|",
            "|",
            ("infogerance_termination_request_date", "=", False),
            ("date_end", "=", False),
            ("date_end", "<", today),
        ]

    @api.constrains("date_end", "date_start")
    def _check_infogerance_end_date(self):
        """R6/R7 on every path: an end date decided today respects the notice and
        the commitment, and closes a billing period. Ends decided by
        ``_infogerance_terminate`` (which checked them) carry ``RULES_CHECKED``."""
        if self.env.context.get("infogerance_end_authorisation") is RULES_CHECKED:
            return
        today = fields.Date.from_string(contract_today(self))
        messages = {
            rules.END_BEFORE_START: _("it precedes the contract start"),
            rules.END_BEFORE_NOTICE: _(
                "a termination requested today ends the contract on %(minimum)s at the "
                "earliest (notice of %(notice)s days, commitment until %(commitment)s)"
            ),
            rules.END_NOT_PERIOD_END: _(
                "it must be the last day of a billing period: any started month is due"
            ),
        }
        for contract in self.filtered(lambda c: c.infogerance_role == "service" and c.date_end):
            anchor, commitment, notice, months = contract._infogerance_termination_inputs()
            end = fields.Date.from_string(contract.date_end)
            violation = rules.end_date_violation(end, today, anchor, commitment, notice, months)
            if violation:
                minimum = rules.termination_end_date(
                    max(today, anchor), anchor, commitment, notice, months
                )
                raise ValidationError(
                    _(
                        'R6/R7 - end date %(end)s refused on %(name)s: %(why)s. Use "Request '
                        'termination"; only a managed-services manager may force an earlier '
                        "end, with a reason."
                    )
                    % {
                        "end": contract._infogerance_date_text(contract.date_end),
                        "name": contract.name,
                        "why": messages[violation]
                        % {
                            "minimum": contract._infogerance_date_text(minimum),
                            "notice": notice,
                            "commitment": contract._infogerance_date_text(
                                contract.infogerance_commitment_end
                            ),
                        },
                    }
                )

    @api.multi
    def action_request_termination(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Request termination"),
            "res_model": "infogerance.termination.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def _infogerance_termination_inputs(self):
        self.ensure_one()
        return (
            fields.Date.from_string(self.date_start),
            fields.Date.from_string(self.infogerance_commitment_end or self.date_start),
            self.infogerance_notice_days,
            self.recurring_interval or 1,
        )

    @api.multi
    def infogerance_termination_date(self, request_date):
        """Effective end of this managed-service contract for a termination requested
        on ``request_date`` (R6 then R7). Writes nothing."""
        self.ensure_one()
        request = fields.Date.from_string(request_date)
        anchor, commitment, notice, months = self._infogerance_termination_inputs()
        if self.infogerance_role != "service":
            raise UserError(_("%(name)s is not a managed-service contract.") % {"name": self.name})
        if request < anchor:
            raise UserError(
                _(
                    "R6 - the termination request (%(request)s) cannot precede the start of "
                    "contract %(name)s (%(start)s)."
                )
                % {
                    "request": self._infogerance_date_text(request_date),
                    "name": self.name,
                    "start": self._infogerance_date_text(self.date_start),
                }
            )
        return fields.Date.to_string(
            rules.termination_end_date(request, anchor, commitment, notice, months)
        )

    @api.multi
    def infogerance_termination_explanation(self, request_date):
        """What a termination requested on ``request_date`` means for the customer,
        shown before saving by the backend wizard and the portal (R6, R7): worded
        for customers (no rule code), dates in the reader's language."""
        self.ensure_one()
        end = self.infogerance_termination_date(request_date)
        commitment = self.infogerance_commitment_end
        if commitment and request_date <= commitment:
            return _(
                "The request is made during the commitment, which runs until "
                "%(commitment)s: it is recorded, and the contract ends on %(end)s. All "
                "the monthly instalments until then remain due."
            ) % {
                "commitment": format_date(self.env, commitment),
                "end": format_date(self.env, end),
            }
        _anchor, commitment_day, notice, _months = self._infogerance_termination_inputs()
        effective = rules.notice_effective_date(
            fields.Date.from_string(request_date), commitment_day, notice
        )
        return _(
            "With %(notice)s days' notice the termination takes effect on "
            "%(effective)s; the billing period that contains it is due in full, so "
            "the contract ends on %(end)s. No prorated credit note."
        ) % {
            "notice": notice,
            "effective": format_date(self.env, effective),
            "end": format_date(self.env, end),
        }

    def _infogerance_check_may_terminate(self, force):
        """Who may end this contract: a customer manager of its customer (portal) or a
        salesman for a request; only a managed-services manager may force an end."""
        self.ensure_one()
        user = self.env.user
        if user.share:
            commercial = self.partner_id.commercial_partner_id
            if force or not user.partner_id._infogerance_may_act_for(commercial):
                raise AccessError(
                    _(
                        "Only a contact entitled to act for your company may terminate its "
                        "contracts; ask your company's main contact."
                    )
                )
        elif not user.has_group(MANAGER_GROUP if force else SALESMAN_GROUP):
            raise AccessError(
                _(
                    "R6 - only a salesman may record a termination request, and only a "
                    "managed-services manager may force an earlier end."
                )
            )

    @api.multi
    def _infogerance_terminate(
        self,
        request_date,
        reason,
        force_end_date=None,
        force_reason=None,
        reason_id=None,
        backdate_reason=None,
    ):
        """Record a termination request received on ``request_date`` and end the
        contract as the rules say (R6, R7), or on ``force_end_date`` when a manager
        forces it with ``force_reason``. A request dated back further than the
        company allows needs a manager's ``backdate_reason``. ``reason_id``: an
        ``infogerance.termination.reason`` (record or id), required by the backend
        wizard, optional in the portal. Checks the user's rights, writes once,
        posts one message and acknowledges the request to the customer's managers
        by e-mail. Returns the end date."""
        self.ensure_one()
        if self.infogerance_role != "service":
            raise UserError(_("%(name)s is not a managed-service contract.") % {"name": self.name})
        force = bool(force_end_date)
        self._infogerance_check_may_terminate(force)
        if self.env.user.share:
            # a customer's request is received the day it is made, whatever it says (R6)
            request_date = contract_today(self)
            backdate_reason = None
        if self.date_end:
            raise UserError(
                _("Contract %(name)s is already terminated: it ends on %(end)s.")
                % {"name": self.name, "end": self.date_end}
            )
        if force and not (force_reason or "").strip():
            raise UserError(_("R6 - forcing an earlier end requires a date and a reason."))
        end = self.infogerance_termination_date(request_date)
        end = self._infogerance_check_request_date(request_date, end, force, backdate_reason)
        if force:
            end = force_end_date
        reason_record = self.env["infogerance.termination.reason"].browse(
            getattr(reason_id, "id", reason_id) or []
        )
        if reason_record and not reason_record.exists():
            raise UserError(_("This termination reason does not exist."))
        during = request_date <= (self.infogerance_commitment_end or "")
        # The checks above were made with the user's rights; a portal contact
        # may not write contracts, and the end date is the rules' (or the
        # manager's) decision, not a field the user edits.
        self.sudo().with_context(infogerance_end_authorisation=RULES_CHECKED).write(
            {
                "date_end": end,
                "infogerance_termination_request_date": request_date,
                "infogerance_termination_reason": reason,
                "infogerance_termination_reason_id": reason_record.id,
            }
        )
        commitment = (
            _(" (commitment until %(commitment)s: all months until then " "are due)")
            % escaped({"commitment": self.infogerance_commitment_end})
            if during and not force
            else ""
        )
        body = _(
            "Termination requested on %(request)s by %(user)s: %(reason)s. The contract "
            "ends on %(end)s%(commitment)s."
        ) % dict(
            escaped(
                {
                    "request": request_date,
                    "user": self.env.user.name,
                    "reason": " - ".join(filter(None, [reason_record.name, (reason or "").strip()]))
                    or "-",
                    "end": end,
                }
            ),
            commitment=commitment,
        )
        if (backdate_reason or "").strip():
            body += " " + _("Request date accepted by %(user)s: %(reason)s") % escaped(
                {"user": self.env.user.name, "reason": backdate_reason}
            )
        if force:
            body += " " + _("End date forced by %(user)s: %(reason)s") % escaped(
                {"user": self.env.user.name, "reason": force_reason}
            )
        self._infogerance_send_customer_notice("commown_infogerance.mail_template_termination_ack")
        self.sudo().message_post(body=body, author_id=self.env.user.partner_id.id)
        return end

    def _infogerance_check_may_cancel_termination(self):
        """Who may cancel a pending termination: a customer manager of this
        customer (portal) or a salesman (backend)."""
        self.ensure_one()
        user = self.env.user
        if user.share:
            if not user.partner_id._infogerance_may_act_for(self.partner_id.commercial_partner_id):
                raise AccessError(
                    _(
                        "Only a manager of the customer may cancel the termination of its "
                        "managed-service contracts."
                    )
                )
        elif not user.has_group(SALESMAN_GROUP):
            raise AccessError(_("Only a salesman may cancel a termination."))

    @api.multi
    def _infogerance_cancel_termination(self):
        """Cancel a pending termination before the contract ends: the contract
        runs again without end date, the request is forgotten (logged in the
        chatter) and the customer's managers are told by e-mail."""
        self.ensure_one()
        self._infogerance_check_may_cancel_termination()
        today = contract_today(self)
        if not self.infogerance_termination_request_date or not self.date_end:
            raise UserError(
                _("Contract %(name)s has no pending termination to cancel.") % {"name": self.name}
            )
        if self.date_end < today:
            raise UserError(
                _(
                    "Contract %(name)s ended on %(end)s: a termination can only be cancelled "
                    "before the contract ends."
                )
                % {"name": self.name, "end": self.date_end}
            )
        commercial = self.partner_id.commercial_partner_id
        if (
            not self.env["res.partner"]
            .sudo()
            ._infogerance_fleet_sizes(commercial.ids, today, company_id=self.company_id.id)[
                commercial.id
            ]
        ):
            raise UserError(
                _(
                    "R1 - %(customer)s rents no computer any more: its managed-service "
                    "contract cannot run without a computer rental."
                )
                % {"customer": commercial.name}
            )
        previous = (self.date_end, self.infogerance_termination_request_date)
        # Rights checked above: the portal manager may not write contracts.
        self.sudo().with_context(infogerance_end_authorisation=RULES_CHECKED).write(
            {
                "date_end": False,
                "infogerance_termination_request_date": False,
                "infogerance_termination_reason": False,
                "infogerance_termination_reason_id": False,
            }
        )
        self._infogerance_send_customer_notice(
            "commown_infogerance.mail_template_termination_cancelled"
        )
        self.sudo().message_post(
            body=_(
                "Termination cancelled by %(user)s: the contract runs again (it was to end "
                "on %(end)s, termination requested on %(request)s)."
            )
            % escaped({"user": self.env.user.name, "end": previous[0], "request": previous[1]}),
            author_id=self.env.user.partner_id.id,
        )
        return True

    @api.multi
    def action_infogerance_cancel_termination(self):
        self.ensure_one()
        return self._infogerance_cancel_termination()
