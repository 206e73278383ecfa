from odoo import fields, models


class InfogeranceTerminationReason(models.Model):
    """Why a customer ends its managed services: a list the managers keep,
    required when staff record a termination, optional in the portal."""

    _name = "infogerance.termination.reason"
    _description = "Managed-service termination reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
