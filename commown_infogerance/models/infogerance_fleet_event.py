from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .account_analytic_account_termination import RULES_CHECKED

CAUSES = [
    ("order", "Order confirmed"),
    ("rental_start", "Rental started"),
    ("rental_end", "Rental ended"),
    ("rental_cancel", "Rental cancelled"),
    ("rental_delete", "Rental deleted"),
    ("rental_transfer", "Rental moved to another customer"),
    ("rental_update", "Rental changed"),
    ("import", "Import"),
    ("consistency", "Daily consistency check"),
    ("manual", "Manual repricing"),
    ("regrid", "Moved to the current grid"),
    ("plan_change", "Plan changed"),
    ("end_lifted", "End for lack of computers lifted"),
]


class InfogeranceFleetEvent(models.Model):
    """Why a managed-service price changed: one record per repricing (R3 audit trail)."""

    _name = "infogerance.fleet.event"
    _description = "Managed service fleet change"
    _order = "date desc, id desc"

    date = fields.Date(required=True, index=True, readonly=True)
    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Managed-service contract",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    partner_id = fields.Many2one(
        related="contract_id.partner_id",
        store=True,
        readonly=True,
        string="Customer",
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, readonly=True, index=True
    )
    offer_id = fields.Many2one(
        related="contract_id.infogerance_offer_id",
        store=True,
        readonly=True,
        string="Offer",
    )
    cause = fields.Selection(selection=CAUSES, required=True, readonly=True)
    rental_contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Rental contract",
        ondelete="set null",
        readonly=True,
    )
    description = fields.Char(readonly=True, help="The cause, kept even if the rental is deleted.")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    fleet_before = fields.Integer(readonly=True)
    fleet_after = fields.Integer(readonly=True)
    fleet_delta = fields.Integer(readonly=True)
    unit_price_before = fields.Float(readonly=True)
    unit_price_after = fields.Float(readonly=True)
    amount_before = fields.Float(string="Monthly amount before", readonly=True)
    amount_after = fields.Float(string="Monthly amount after", readonly=True)
    amount_delta = fields.Float(string="Monthly amount change", readonly=True)
    regularisation_line_ids = fields.One2many(
        comodel_name="account.invoice.line",
        inverse_name="infogerance_fleet_event_id",
        string="Regularisation lines",
        readonly=True,
        help="Invoice lines regularising a period already invoiced after this change.",
    )

    def _check_append_only(self):
        if self.env.context.get("infogerance_end_authorisation") is RULES_CHECKED:
            return
        raise AccessError(
            _("The fleet changes are an audit trail (R3): they cannot be changed nor deleted.")
        )

    @api.multi
    def write(self, vals):
        self._check_append_only()
        return super().write(vals)

    @api.multi
    def unlink(self):
        self._check_append_only()
        return super().unlink()
