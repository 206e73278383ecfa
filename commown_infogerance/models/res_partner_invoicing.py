from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    infogerance_separate_invoices = fields.Boolean(
        string="One invoice per contract",
        help="Invoice each rental and managed-service contract separately instead "
        "of one invoice per month holding all contracts due that day.",
    )
