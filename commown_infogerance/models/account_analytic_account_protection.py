from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html_escape

from ..contract_day import contract_today
from ..groups import MANAGER_GROUP, TECHNICIAN_GROUP
from .account_analytic_account_entitlement import PREPARATION_FIELDS
from .account_analytic_account_termination import RULES_CHECKED
from .context_markers import CORRECTION_LOGGED, INVOICING_RUN

#: Fields of a managed-service contract decided by the rules (R3-R7): written by
#: the rules' own code paths (context ``infogerance_end_authorisation`` set to
#: ``RULES_CHECKED``) or by a managed-services manager giving a logged reason
#: (context ``infogerance_manager_reason``); never by a plain write.
PROTECTED_FIELDS = (
    "infogerance_role",
    "infogerance_offer_id",
    "infogerance_tier_ids",
    "infogerance_service_type_ids",
    "infogerance_fleet_size",
    "infogerance_unit_price",
    "infogerance_monthly_amount",
    "infogerance_commitment_end",
    "infogerance_notice_days",
    "infogerance_termination_request_date",
    "infogerance_termination_reason",
    "infogerance_empty_fleet_end",
    "infogerance_end_before_empty_fleet",
    "date_start",
    "date_end",
    "partner_id",
    "recurring_invoices",
    "recurring_rule_type",
    "recurring_interval",
    "recurring_invoicing_type",
    "recurring_invoice_line_ids",
    "contract_template_id",
    "company_id",
    "pricelist_id",
) + (
    # Billing: who pays, how and when (issue 21, door 4). OCA's invoicing run
    # advances the next invoice date (``INVOICING_RUN``); the plan changes set the
    # pending flag under ``RULES_CHECKED``.
    "mandate_id",
    "payment_mode_id",
    "recurring_next_date",
    "active",
    "journal_id",
    "infogerance_plan_change_pending",
)

#: What the recurring invoicing run itself writes on a contract it invoices.
INVOICING_RUN_FIELDS = frozenset({"recurring_next_date", "infogerance_plan_change_pending"})


class AccountAnalyticAccount(models.Model):
    """Who writes what on a managed-service contract: the fields the rules decide
    are refused to plain writes (form, import, RPC) of salesmen and technicians;
    technicians act on rentals through methods (mark prepared, mark delivered)."""

    _inherit = "account.analytic.account"

    def _infogerance_protected_fields(self):
        """Hook: the fields only the rules or a manager with a reason may write."""
        return PROTECTED_FIELDS

    def _infogerance_manager_reason(self):
        """The correction reason a managed-services manager gives in the context
        (``infogerance_manager_reason``), or None: the key is ignored for any
        other user, whatever an RPC client sends."""
        reason = self.env.context.get("infogerance_manager_reason")
        if isinstance(reason, str) and reason.strip() and self.env.user.has_group(MANAGER_GROUP):
            return reason.strip()
        return None

    def _infogerance_rules_write_allowed(self, names):
        """Whether this write of protected fields ``names`` may go through; raises
        a clear error otherwise. Returns the manager's reason to log, if any."""
        reason = self._infogerance_manager_reason()
        if reason:
            return reason
        if self.env.context.get("infogerance_end_authorisation") is RULES_CHECKED:
            return None
        if (
            self.env.context.get("infogerance_invoicing") is INVOICING_RUN
            and set(names) <= INVOICING_RUN_FIELDS
        ):
            return None
        if self.env.uid == SUPERUSER_ID:  # Odoo 11: the administrator and system jobs
            return None
        labels = sorted(self._fields[name].get_description(self.env)["string"] for name in names)
        raise AccessError(
            _(
                "Managed-service contracts: %(fields)s are set by the contract rules "
                "(sale confirmation, repricing, termination request); only a "
                "managed-services manager may correct them, giving a reason."
            )
            % {"fields": ", ".join(labels)}
        )

    def _infogerance_value_text(self, name):
        """Field ``name`` of this contract as a person reads it in the chatter."""
        self.ensure_one()
        field, value = self._fields[name], self[name]
        if field.type in ("many2one", "one2many", "many2many"):
            return ", ".join(value.mapped("display_name")) or "-"
        if field.type == "date":
            return self._infogerance_date_text(value)
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value) or "-"
        if value is False and field.type != "boolean":
            return "-"
        return str(value)

    def _infogerance_log_manager_write(self, names, reason, old_values):
        """Post the correction on each contract: who, why, each field's old and new
        value (``old_values``: {contract id: {field: text}} taken before the write)."""
        names = sorted(names, key=lambda n: self._fields[n].get_description(self.env)["string"])
        for contract in self:
            changes = "".join(
                "<li>%s</li>"
                % html_escape(
                    _("%(field)s: %(old)s → %(new)s")
                    % {
                        "field": self._fields[name].get_description(self.env)["string"],
                        "old": old_values[contract.id][name],
                        "new": contract._infogerance_value_text(name),
                    }
                )
                for name in names
            )
            summary = _("Corrected by %(user)s. Reason: %(reason)s") % {
                "user": self.env.user.name,
                "reason": reason,
            }
            body = "<p>%s</p><ul>%s</ul>" % (html_escape(summary), changes)
            contract.message_post(body=body, author_id=self.env.user.partner_id.id)

    @api.model
    def create(self, vals):
        if vals.get("infogerance_role") == "service":
            self._infogerance_rules_write_allowed(["infogerance_role"])
        return super().create(vals)

    @api.multi
    def write(self, vals):
        names = set(vals) & set(self._infogerance_protected_fields())
        if "infogerance_role" not in vals and not any(
            role == "service" for role in self.mapped("infogerance_role")
        ):
            names = set()
        reason = self._infogerance_rules_write_allowed(names) if names else None
        services = self.filtered(lambda c: c.infogerance_role == "service") if reason else self[:0]
        old_values = {
            contract.id: {name: contract._infogerance_value_text(name) for name in names}
            for contract in services
        }
        writer = self.with_context(infogerance_correction_logged=CORRECTION_LOGGED)
        result = super(AccountAnalyticAccount, writer if services else self).write(vals)
        if services:
            services._infogerance_log_manager_write(names, reason, old_values)
        return result

    @api.multi
    def unlink(self):
        self._infogerance_check_unlink()
        return super().unlink()

    def _infogerance_check_unlink(self):
        """Managed-service contracts that ran (fleet events, invoices) are history:
        archive or terminate them instead."""
        services = self.filtered(lambda c: c.infogerance_role == "service")
        if not services or self.env.context.get("infogerance_end_authorisation") is RULES_CHECKED:
            return
        used = services.filtered(
            lambda c: c.infogerance_fleet_event_ids
            or c.infogerance_rental_contract_ids
            or c.infogerance_service_request_ids
        )
        self.env.cr.execute(
            "SELECT DISTINCT contract_id FROM account_invoice WHERE contract_id IN %s",
            (tuple(services.ids),),
        )
        used |= services.browse([row[0] for row in self.env.cr.fetchall()])
        if used:
            raise UserError(
                _(
                    "%(names)s cannot be deleted: they have computers, invoices, requests or "
                    "a price history. Request their termination, or archive them."
                )
                % {"names": ", ".join(used.mapped("name"))}
            )

    # Technicians: methods, not write access -------------------------------------

    def _infogerance_check_technician(self):
        if not self.env.user.has_group(TECHNICIAN_GROUP):
            raise AccessError(_("Only managed-services technicians prepare and deliver computers."))
        if self.filtered(lambda c: c.infogerance_role != "rental"):
            raise UserError(_("Only computer-rental contracts are prepared and delivered."))

    @api.multi
    def action_infogerance_mark_prepared(self, items=None):
        """Tick the preparation checklist (``items``: checklist field names, default
        all of them) of these rented computers (R8)."""
        self._infogerance_check_technician()
        items = items or PREPARATION_FIELDS
        if not set(items) <= set(PREPARATION_FIELDS):
            raise UserError(_("Unknown preparation step: %(items)s") % {"items": items})
        # Rights checked above; technicians do not write contracts otherwise.
        self.sudo().write(dict.fromkeys(items, True))
        return True

    @api.multi
    def action_mark_delivered(self):
        """Record the delivery of these rented computers today; refused before
        their preparation is done (R8, the constraint)."""
        self._infogerance_check_technician()
        # Rights checked above; the preparation constraint still applies.
        self.sudo().write({"infogerance_delivery_date": contract_today(self)})
        return True
