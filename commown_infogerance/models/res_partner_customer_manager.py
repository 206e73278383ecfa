from odoo import api, fields, models


class ResPartner(models.Model):
    """Customer managers (who may act for a customer and receive its managed-service
    e-mails) and the customer's notice preferences."""

    _inherit = "res.partner"

    infogerance_notify_every_change = fields.Boolean(
        string="Notify every fleet change (managed services)",
        help="Send the price notice of the managed services at every change of the "
        "fleet, not only when the customer moves to another price tier.",
    )
    infogerance_customer_manager_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="res_partner_infogerance_manager_rel",
        column1="partner_id",
        column2="manager_id",
        compute="_compute_infogerance_customer_manager_ids",
        string="Customer managers (managed services)",
    )

    def _compute_infogerance_customer_manager_ids(self):
        managers = self._infogerance_customer_managers_by_customer()
        for partner in self:
            partner.infogerance_customer_manager_ids = managers.get(
                partner.commercial_partner_id.id, self.browse()
            )

    @api.model
    def create(self, vals):
        # The main contact (the customer itself) is a manager by default.
        if "infogerance_customer_manager" not in vals and not vals.get("parent_id"):
            vals = dict(vals, infogerance_customer_manager=True)
        return super().create(vals)

    def _infogerance_customer_managers_by_customer(self):
        """{commercial partner id: its managers}, in one query: the customer itself
        and its contacts flagged as customer managers."""
        commercials = self.mapped("commercial_partner_id")
        if not commercials:
            return {}
        found = self.search(
            [
                ("commercial_partner_id", "in", commercials.ids),
                "|",
                ("infogerance_customer_manager", "=", True),
                ("id", "in", commercials.ids),
            ],
            order="id",
        )
        result = {commercial.id: self.browse() for commercial in commercials}
        for partner in found:
            result[partner.commercial_partner_id.id] |= partner
        return result

    @api.multi
    def _infogerance_notice_recipients(self):
        """Who receives this customer's managed-service e-mails: its managers that
        have an e-mail address (the customer itself when none has one)."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        managers = commercial._infogerance_customer_managers_by_customer()[commercial.id]
        return managers.filtered("email") or commercial.filtered("email")
