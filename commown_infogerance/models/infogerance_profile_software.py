from odoo import fields, models


class InfogeranceProfileSoftware(models.Model):
    _name = "infogerance.profile.software"
    _description = "Software of a configuration profile"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, readonly=True, index=True
    )
    name = fields.Char(required=True, string="Software")
    version = fields.Char()
    for_admin_only = fields.Boolean(string="Administrators only")
    notes = fields.Text()
