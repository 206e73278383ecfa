from odoo import _, api, fields, models
from odoo.exceptions import UserError


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

    @api.multi
    def unlink(self):
        """Service types are entitlements of offers, contracts and requests (R8):
        archive them instead."""
        env = self.sudo().env
        used = (
            env["infogerance.offer"]
            .with_context(active_test=False)
            .search([("service_type_ids", "in", self.ids)])
            .mapped("service_type_ids")
            | env["account.analytic.account"]
            .with_context(active_test=False)
            .search([("infogerance_service_type_ids", "in", self.ids)])
            .mapped("infogerance_service_type_ids")
            | env["infogerance.service.request"]
            .search([("service_type_id", "in", self.ids)])
            .mapped("service_type_id")
        ) & self
        if used:
            raise UserError(
                _(
                    "Service %(names)s cannot be deleted: offers, contracts or requests include "
                    "it. Archive it instead."
                )
                % {"names": ", ".join(used.mapped("name"))}
            )
        return super().unlink()
