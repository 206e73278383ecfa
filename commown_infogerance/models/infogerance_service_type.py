from odoo import fields, models


class InfogeranceServiceType(models.Model):
    """A service an offer can include (R8): profile, support, preparation..."""

    _name = "infogerance.service.type"
    _description = "Managed service type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "A service type code must be unique."),
    ]
