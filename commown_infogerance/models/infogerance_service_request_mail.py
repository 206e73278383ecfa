from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from .infogerance_service_request import CHECKED_FIELDS

#: Domains shared by many unrelated senders: an address there identifies a
#: person, never a customer, so it is not matched by domain.
PUBLIC_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com yahoo.com yahoo.fr hotmail.com hotmail.fr outlook.com
    outlook.fr live.com live.fr msn.com icloud.com me.com aol.com gmx.com gmx.fr
    laposte.net orange.fr wanadoo.fr free.fr sfr.fr neuf.fr bbox.fr numericable.fr
    protonmail.com proton.me tutanota.com yandex.com mail.com""".split()
)


class InfogeranceServiceRequestStage(models.Model):
    _inherit = "infogerance.service.request.stage"

    is_to_qualify = fields.Boolean(
        string="To qualify",
        help="Requests received by e-mail whose customer, contract or service staff "
        "must set: the entitlements are checked when they leave this stage.",
    )


class InfogeranceServiceRequest(models.Model):
    """Service requests from incoming e-mails (Odoo's mail gateway): the sender's
    customer is found by e-mail address, then by domain; what cannot be matched
    or is not covered waits in a "to qualify" stage, never dropped. Replies
    thread on the request."""

    _inherit = "infogerance.service.request"

    # Empty only while the request is to qualify (``_check_qualified``).
    partner_id = fields.Many2one(required=False)
    contract_id = fields.Many2one(required=False)
    service_type_id = fields.Many2one(required=False)
    stage_id = fields.Many2one(default=lambda self: self._default_open_stage())
    email_from = fields.Char(string="E-mail from", readonly=True, copy=False)
    team_id = fields.Many2one(
        comodel_name="infogerance.support.team",
        string="Support team",
        index=True,
        track_visibility="onchange",
    )
    is_to_qualify = fields.Boolean(related="stage_id.is_to_qualify", store=True, readonly=True)

    @api.model
    def _default_open_stage(self):
        return self.env["infogerance.service.request.stage"].search(
            [("is_to_qualify", "=", False)], limit=1
        )

    @api.model
    def default_get(self, fields_list):
        """The team by default, not as a field default: Odoo would compute that
        for the existing rows when the column is added, before the team table
        exists (the upgrade's post-migration gives them their team)."""
        values = super().default_get(fields_list)
        if "team_id" in fields_list and not values.get("team_id"):
            values["team_id"] = self._default_team_id().id
        return values

    @api.model
    def _default_team_id(self):
        # sudo: requests filed from the portal get the team too; only its id is used.
        return (
            self.env["infogerance.support.team"]
            .sudo()
            .search([("company_id", "in", [self.env.user.company_id.id, False])], limit=1)
        )

    @api.model
    def _to_qualify_stage(self):
        return self.env["infogerance.service.request.stage"].search(
            [("is_to_qualify", "=", True)], limit=1
        )

    @api.constrains("partner_id", "contract_id", "service_type_id", "stage_id")
    def _check_qualified(self):
        for request in self:
            if request.is_to_qualify or request.stage_id.is_cancelled:
                continue
            if not (request.partner_id and request.contract_id and request.service_type_id):
                raise ValidationError(
                    _(
                        "Request %(name)s needs a customer, a managed-service contract and a "
                        "service before it leaves the stage to qualify."
                    )
                    % {"name": request.name}
                )

    @api.constrains(*CHECKED_FIELDS)
    def _check_entitlement(self):
        """R8 applies when staff qualify a request, not while it waits; a request
        without customer, contract or service cannot leave the stage to qualify."""
        qualified = self.filtered(lambda request: not request.is_to_qualify)
        qualified._check_qualified()
        return super(InfogeranceServiceRequest, qualified)._check_entitlement()

    @api.model
    def _infogerance_sender_customer(self, email):
        """The commercial entity that sent ``email``: the partner with that exact
        address, else the only customer with contacts at that domain (public
        webmail domains excepted). Empty when unknown or ambiguous."""
        Partner = self.env["res.partner"]
        addresses = tools.email_split(email or "")
        if not addresses:
            return Partner
        address = addresses[0].lower()
        partner = Partner.search([("email", "=ilike", address)], limit=1)
        if partner:
            return partner.commercial_partner_id
        domain = address.rpartition("@")[2]
        if not domain or domain in PUBLIC_MAIL_DOMAINS:
            return Partner
        pattern = "%@" + domain.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        commercials = Partner.search([("email", "=ilike", pattern)], limit=20).mapped(
            "commercial_partner_id"
        )
        return commercials if len(commercials) == 1 else Partner

    @api.model
    def _prepare_values_from_email(self, msg_dict):
        """Values of a request created from an incoming e-mail: the customer and
        its running managed-service contract when found, always to qualify at
        first (``message_new`` moves it on when it is covered)."""
        customer = self._infogerance_sender_customer(msg_dict.get("email_from"))
        contract = self.env["account.analytic.account"]
        if customer:
            contract = contract.search(
                contract._infogerance_running_service_domain(
                    fields.Date.context_today(self), customer.ids
                ),
                order="date_start",
                limit=1,
            )
        author = self.env["res.partner"].browse(msg_dict.get("author_id") or [])
        return {
            "name": "/",
            "summary": (msg_dict.get("subject") or "").strip() or _("(no subject)"),
            "description": tools.html2plaintext(msg_dict.get("body") or ""),
            "email_from": msg_dict.get("email_from"),
            "partner_id": (
                author.id if author and author.commercial_partner_id == customer else customer.id
            )
            or False,
            "contract_id": contract.id,
            "service_type_id": self.env.ref("commown_infogerance.service_type_support").id,
            "channel": "mail",
            "stage_id": self._to_qualify_stage().id,
            "user_id": False,
        }

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        values = self._prepare_values_from_email(msg_dict)
        values.update(custom_values or {})
        request = super().message_new(msg_dict, custom_values=values)
        if msg_dict.get("author_id"):
            # The sender follows its request: staff answers reach it.
            request.message_subscribe(partner_ids=[msg_dict["author_id"]])
        members = request.team_id.member_ids.mapped("partner_id")
        if members:
            # The team's members hear of the requests its address receives.
            request.message_subscribe(partner_ids=members.ids)
        if request.contract_id:
            # Covered requests go straight to the team; the entitlement rules
            # (R8) decide, and an uncovered one waits to be qualified.
            try:
                with self.env.cr.savepoint():
                    request.write({"stage_id": request._default_open_stage().id})
            except ValidationError:
                request.invalidate_cache()
        return request

    @api.multi
    def message_update(self, msg_dict, update_vals=None):
        """A reply to a finished request opens it again."""
        result = super().message_update(msg_dict, update_vals=update_vals)
        reopened = self.filtered(lambda r: r.is_closed and not r.stage_id.is_cancelled)
        if reopened:
            stage = self.env["infogerance.service.request.stage"].search(
                [("is_confirmed", "=", True), ("is_closed", "=", False)], limit=1
            )
            reopened.write({"stage_id": stage.id})
        return result
