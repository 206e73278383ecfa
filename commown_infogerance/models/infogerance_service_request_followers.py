from odoo import _, api, models
from odoo.exceptions import AccessError


class InfogeranceServiceRequest(models.Model):
    """Who follows a service request, hence receives its thread (Wi-Fi keys and
    passwords are sometimes in it): the contacts of the request's own customer
    and staff (internal users), never a partner of another customer, whatever
    adds them (the mail gateway's resolved author, a reply's recipients, a
    subscription, a change of customer)."""

    _inherit = "infogerance.service.request"

    @api.multi
    def _infogerance_allowed_followers(self, partners):
        """The part of ``partners`` that may follow every request of ``self``."""
        self.ensure_one()
        # sudo: who is staff is read whatever the caller may read about users.
        staff = (
            self.env["res.users"]
            .sudo()
            .search([("partner_id", "in", partners.ids), ("share", "=", False)])
            .mapped("partner_id")
        )
        customer = self.sudo().partner_id.commercial_partner_id
        return partners.sudo().filtered(
            lambda partner: partner in staff
            or (customer and partner.commercial_partner_id == customer)
        )

    @api.multi
    def _infogerance_check_followers(self, partners):
        """Refuse ``partners`` as followers of these requests unless allowed."""
        for request in self:
            strangers = partners.sudo() - request._infogerance_allowed_followers(partners)
            if strangers:
                raise AccessError(
                    _(
                        "%(partners)s cannot follow request %(name)s: only the contacts of "
                        "its customer and staff follow a service request."
                    )
                    % {
                        "partners": ", ".join(strangers.mapped("display_name")),
                        "name": request.name,
                    }
                )

    @api.multi
    def message_subscribe(self, partner_ids=None, channel_ids=None, subtype_ids=None, force=True):
        """Subscribe only the partners allowed on each request; the others are left
        out quietly (the gateway subscribes a sender it may not know)."""
        if not partner_ids:
            return super().message_subscribe(
                partner_ids=partner_ids,
                channel_ids=channel_ids,
                subtype_ids=subtype_ids,
                force=force,
            )
        partners = self.env["res.partner"].browse(partner_ids)
        result = True
        for request in self:
            allowed = request._infogerance_allowed_followers(partners)
            if not allowed and not channel_ids:
                # Nothing to add (False). Making others follow needs the right to
                # write the request, as in Odoo; following oneself answers False
                # whatever the rights, as Odoo does for a record one cannot read.
                if partner_ids != [self.env.user.partner_id.id]:
                    request.check_access_rights("write")
                    request.check_access_rule("write")
                result = False
                continue
            result = (
                super(InfogeranceServiceRequest, request).message_subscribe(
                    partner_ids=allowed.ids,
                    channel_ids=channel_ids,
                    subtype_ids=subtype_ids,
                    force=force,
                )
                and result
            )
        return result

    @api.multi
    def write(self, vals):
        result = super().write(vals)
        if "partner_id" in vals:
            # Another customer: the previous customer's contacts stop following.
            for request in self:
                followers = request.sudo().message_follower_ids.filtered("partner_id")
                partners = followers.mapped("partner_id")
                strangers = partners - request._infogerance_allowed_followers(partners)
                followers.filtered(lambda f: f.partner_id in strangers).sudo().unlink()
        return result
