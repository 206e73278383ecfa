from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..contract_day import contract_today
from ..groups import MANAGER_GROUP, SALESMAN_GROUP


class InfogeranceSubscribeWizard(models.TransientModel):
    """Subscribe a customer who already rents computers to managed services,
    without a sale order: the managed-service contract covers its rentals."""

    _name = "infogerance.subscribe.wizard"
    _description = "Subscribe to managed services"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
        domain=[("is_company", "=", True)],
    )
    offer_id = fields.Many2one(comodel_name="infogerance.offer", string="Offer", required=True)
    date_start = fields.Date(string="Start", required=True, default=contract_today)
    fleet_size = fields.Integer(
        string="Computers rented", compute="_compute_fleet_size", help="On the start date (R3)."
    )

    @api.depends("partner_id", "date_start")
    def _compute_fleet_size(self):
        for wizard in self:
            wizard.fleet_size = (
                wizard.partner_id.get_rented_computer_count(wizard.date_start)
                if wizard.partner_id
                else 0
            )

    @api.model
    def create(self, vals):
        # Transient models have no access rights in Odoo 11: the caller is checked
        # here and in the action.
        self._infogerance_check_caller()
        return super().create(vals)

    def _infogerance_check_caller(self):
        user = self.env.user
        if user.share or not (user.has_group(SALESMAN_GROUP) or user.has_group(MANAGER_GROUP)):
            raise AccessError(_("Only salespeople may subscribe a customer to managed services."))

    @api.multi
    def action_subscribe(self):
        self.ensure_one()
        self._infogerance_check_caller()
        commercial = self.partner_id.commercial_partner_id
        if commercial.get_rented_computer_count(self.date_start) < 1:
            raise UserError(
                _(
                    "R1 - a managed-service subscription requires a computer rental: "
                    "%(customer)s rents no computer on %(date)s. Sell the computers with "
                    "the offer in a quotation instead."
                )
                % {"customer": commercial.display_name, "date": self.date_start}
            )
        if not self.offer_id.product_tmpl_ids:
            raise UserError(
                _("Offer %(offer)s has no product to invoice: create its product first.")
                % {"offer": self.offer_id.name}
            )
        mode = commercial.customer_payment_mode_id
        # mandates are accounting data; this only asks whether a valid one exists
        if mode.payment_method_id.mandate_required and not self.env[
            "account.banking.mandate"
        ].sudo().search_count([("partner_id", "=", commercial.id), ("state", "=", "valid")]):
            raise UserError(
                _(
                    "Payment by direct debit: %(customer)s has no valid SEPA direct debit "
                    "mandate. Record and validate the customer's signed mandate, or change "
                    "its payment mode, then subscribe it again."
                )
                % {"customer": commercial.display_name}
            )
        # The salesman's rights were checked above; contracts are accounting data.
        service = (
            self.env["account.analytic.account"]
            .sudo()
            ._infogerance_subscribe(commercial, self.offer_id, self.date_start)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.analytic.account",
            "res_id": service.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("commown_infogerance.account_analytic_account_view_form").id, "form")
            ],
        }
