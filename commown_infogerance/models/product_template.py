from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    is_computer_rental = fields.Boolean(
        string="Computer rental",
        help="Each unit sold becomes a monthly computer-rental contract and counts in "
        "the customer's fleet.",
    )
    infogerance_offer_id = fields.Many2one(
        comodel_name="infogerance.offer",
        string="Managed service offer",
        index=True,
        help="Selling this product subscribes the customer to this managed-service offer.",
    )
    infogerance_contract_template_id = fields.Many2one(
        comodel_name="account.analytic.contract",
        string="Contract template",
        help="Recurrence, invoicing type and journal of the contracts created when "
        "this product is sold (monthly, pre-paid when empty).",
    )

    @api.constrains("is_computer_rental", "infogerance_offer_id")
    def _check_rental_or_offer(self):
        for template in self:
            if template.is_computer_rental and template.infogerance_offer_id:
                raise ValidationError(
                    _(
                        "Product %(name)s cannot be both a computer rental and a managed "
                        "service: create one product for each."
                    )
                    % {"name": template.name}
                )

    @api.multi
    def write(self, vals):
        """A product becoming a computer rental (or no longer one) changes the
        role of the contracts that rent it (onboarding, R3)."""
        result = super().write(vals)
        if "is_computer_rental" in vals:
            lines = self.env["account.analytic.invoice.line"].search(
                [("product_id.product_tmpl_id", "in", self.ids)]
            )
            lines.mapped("analytic_account_id")._infogerance_sync_role()
        return result
