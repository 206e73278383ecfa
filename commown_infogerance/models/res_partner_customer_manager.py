from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError


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
        """A contact is a customer manager only when flagged explicitly; a company
        is its own manager (see ``_infogerance_may_act_for``)."""
        if "infogerance_customer_manager" not in vals and vals.get("is_company"):
            vals = dict(vals, infogerance_customer_manager=True)
        elif vals.get("infogerance_customer_manager") and not vals.get("is_company"):
            parent = self.browse(vals.get("parent_id"))
            self._infogerance_check_may_flag_managers(parent.commercial_partner_id)
        return super().create(vals)

    @api.multi
    def write(self, vals):
        """Attaching a contact to another company (or detaching it) never carries a
        manager flag along: it is given again explicitly, by staff or by the new
        company's managers."""
        if vals.get("infogerance_customer_manager"):
            if "parent_id" in vals:
                commercials = self.browse(vals["parent_id"]).commercial_partner_id
                self._infogerance_check_may_flag_managers(commercials or self)
            else:
                self._infogerance_check_may_flag_managers(self.mapped("commercial_partner_id"))
        if "is_company" in vals and "infogerance_customer_manager" not in vals:
            vals = dict(vals, infogerance_customer_manager=bool(vals["is_company"]))
        moved = self.browse()
        if "parent_id" in vals and "infogerance_customer_manager" not in vals:
            moved = self.filtered(
                lambda p: p.infogerance_customer_manager
                and not p.is_company
                and p.parent_id.id != (vals["parent_id"] or False)
            )
        result = super().write(vals)
        if moved:
            super(ResPartner, moved).write({"infogerance_customer_manager": False})
        return result

    def _infogerance_check_may_flag_managers(self, commercials):
        """Staff flag customer managers; a customer's user only for its own company,
        and only when it is one of its managers (``commercials``: the customers
        whose managers are being named)."""
        if self.env.uid == SUPERUSER_ID or not self.env.user.share:
            return
        partner = self.env.user.partner_id.sudo()
        # read as the system: the user may not read the contacts being named
        commercials = commercials.sudo()
        if not commercials or not all(partner._infogerance_may_act_for(c) for c in commercials):
            raise AccessError(
                _(
                    "Customer managers are named by Commown's staff or by the company's own "
                    "managers: %(user)s may not make %(names)s a customer manager."
                )
                % {
                    "user": self.env.user.name,
                    "names": ", ".join(self.sudo().mapped("name")) or "-",
                }
            )

    def _infogerance_shop_may_edit(self, user, order):
        """Whether the shop's address form (``/shop/address``) may show and change
        this partner for ``user`` buying ``order``: the user's own contact (a new
        buyer's own address), or a plain address (delivery, invoice, other) of the
        order's customer that is no user's and no customer manager's contact."""
        self.ensure_one()
        if self == user.partner_id:
            return True
        if user._is_public():
            return self == order.partner_id
        return (
            self.commercial_partner_id == order.partner_id.commercial_partner_id
            and self.commercial_partner_id == user.partner_id.commercial_partner_id
            and self != self.commercial_partner_id
            and self.type in ("delivery", "invoice", "other")
            and not self.with_context(active_test=False).user_ids
            and not self.infogerance_customer_manager
        )

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
