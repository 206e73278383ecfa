from odoo import fields, models


class InfogeranceServiceRequestStage(models.Model):
    _name = "infogerance.service.request.stage"
    _description = "Service request stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    is_confirmed = fields.Boolean(
        string="Confirmed",
        help="Requests in this stage are accepted: entitlements are "
        "checked again when they get here.",
    )
    is_closed = fields.Boolean(string="Closed")
    is_cancelled = fields.Boolean(
        string="Cancelled", help="Cancelled requests do not count in quotas."
    )
    fold = fields.Boolean(string="Folded in kanban")
