from odoo import fields, models


class InfogeranceOnsiteCity(models.Model):
    """A city where on-site interventions are offered (R8)."""

    _name = "infogerance.onsite.city"
    _description = "City eligible for on-site interventions"
    _order = "name"

    name = fields.Char(required=True)
    zip_prefix = fields.Char(
        string="Postcode prefix",
        help="When set, an address in this city must have a postcode starting with it "
        "(75 for Paris, 67 for Strasbourg).",
    )
