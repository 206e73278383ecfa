from odoo import fields, models


class AccountAnalyticAccount(models.Model):
    """The conditions the customer accepted, seen on the managed-service contract."""

    _inherit = "account.analytic.account"

    infogerance_terms_acceptance_ids = fields.One2many(
        comodel_name="infogerance.terms.acceptance",
        inverse_name="contract_id",
        string="Conditions accepted",
        readonly=True,
    )
