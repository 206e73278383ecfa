from odoo import fields, models


class InfogeranceOtherService(models.Model):
    """A service described in free text on the quotation: an entitlement too (R2, R8)."""

    _name = "infogerance.other.service"
    _inherit = "infogerance.company.from.parent"
    _infogerance_company_parents = ("contract_id", "order_id")
    _description = "Other service described in the quotation"

    name = fields.Char(required=True, string="Service")
    description = fields.Text()
    order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Quotation",
        ondelete="cascade",
        index=True,
    )
    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Managed-service contract",
        ondelete="cascade",
        index=True,
    )
