from odoo import _, api, models
from odoo.exceptions import AccessError

from .chatter_text import escaped

#: Channels a customer may choose in the portal (on site is the technician's call).
PORTAL_CHANNELS = ("mail", "phone", "video", "remote")


class InfogeranceServiceRequest(models.Model):
    """Service requests filed by customers from the portal: the only way a
    portal user creates one (portal users have no create right on the model)."""

    _inherit = "infogerance.service.request"

    @api.model
    def _infogerance_portal_check_contact(self, contract):
        """The user is a contact of the contract's customer (checked before any sudo)."""
        partner = self.env.user.partner_id
        if partner.commercial_partner_id != contract.partner_id.commercial_partner_id:
            raise AccessError(_("You may only file requests on your own company's contracts."))
        return partner

    @api.model
    def _infogerance_portal_request_values(self, contract, post):
        """Whitelisted values of a portal request: what the customer chooses (service,
        computer, quotation service, channel, text). Stage, dates, technician,
        addresses and on-site flags are the system's."""

        def to_id(name):
            value = post.get(name)
            return int(value) if value and str(value).isdigit() else False

        return {
            "contract_id": contract.id,
            "partner_id": contract.partner_id.id,
            "service_type_id": to_id("service_type_id"),
            "rental_contract_id": to_id("rental_contract_id"),
            "other_service_id": to_id("other_service_id"),
            "channel": post.get("channel") if post.get("channel") in PORTAL_CHANNELS else "mail",
            "summary": (post.get("summary") or "").strip(),
            "description": post.get("description") or False,
            "user_id": False,
        }

    @api.model
    def _infogerance_portal_file(self, contract, post):
        """File a request for ``contract`` from the portal form ``post``; entitlements
        are checked by the model's constraint (R8). Only a customer manager may ask
        for an on-site intervention."""
        partner = self._infogerance_portal_check_contact(contract)
        values = self._infogerance_portal_request_values(contract, post)
        service_type = self.env["infogerance.service.type"].browse(values["service_type_id"])
        if service_type.exists().code == "onsite" and not partner._infogerance_may_act_for(
            contract.partner_id.commercial_partner_id
        ):
            raise AccessError(
                _(
                    "Only a contact entitled to act for your company may request an on-site "
                    "intervention."
                )
            )
        # The user is a contact of the customer (checked above) and the values are
        # whitelisted: the request is created by the system, authored by the contact.
        service_request = self.sudo().with_context(mail_create_nolog=True).create(values)
        service_request.message_post(
            body=_("Request filed from the customer portal by %(name)s.")
            % escaped({"name": partner.name}),
            author_id=partner.id,
            message_type="comment",
            subtype="mail.mt_note",
        )
        return service_request
