from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

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

        rental_id = to_id("rental_contract_id")
        computer_name = (post.get("rental_contract_name") or "").strip()
        if not rental_id and computer_name:
            rental_id = self._infogerance_portal_find_computer(contract, computer_name).id
        return {
            "contract_id": contract.id,
            "partner_id": contract.partner_id.id,
            "service_type_id": to_id("service_type_id"),
            "rental_contract_id": rental_id,
            "other_service_id": to_id("other_service_id"),
            "channel": post.get("channel") if post.get("channel") in PORTAL_CHANNELS else "mail",
            "summary": (post.get("summary") or "").strip(),
            "description": post.get("description") or False,
            "user_id": False,
        }

    @api.model
    def _infogerance_portal_find_computer(self, contract, name):
        """The computer of ``contract`` the customer names in the request form (a
        big fleet types its name rather than picking it among a thousand): the
        one of that exact name, else the only one whose name contains it."""
        Rentals = self.env["account.analytic.account"]
        domain = contract._infogerance_portal_computers_domain()
        found = Rentals.search(domain + [("name", "=ilike", name)], limit=2)
        if len(found) != 1:
            found = Rentals.search(domain + [("name", "ilike", name)], limit=2)
        if not found:
            raise UserError(
                _("R8 - no computer of this contract is named %(name)s: check its label.")
                % {"name": name}
            )
        if len(found) > 1:
            raise UserError(
                _(
                    "R8 - several computers of this contract match %(name)s: give the "
                    "computer's whole name."
                )
                % {"name": name}
            )
        return found

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
