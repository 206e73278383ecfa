from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..contract_day import contract_today
from .infogerance_service_request import CHECKED_FIELDS


class InfogeranceServiceRequestStage(models.Model):
    _inherit = "infogerance.service.request.stage"

    is_to_qualify = fields.Boolean(
        string="To qualify",
        help="Requests received by e-mail whose customer, contract or service staff "
        "must set: the entitlements are checked when they leave this stage.",
    )


class InfogeranceServiceRequest(models.Model):
    """Service requests from incoming e-mails (Odoo's mail gateway): the sender's
    customer is found by the address of a known contact, and its contract among
    the contracts of the team's company; what cannot be matched or is not
    covered waits in a "to qualify" stage, never dropped. Replies thread on the
    request."""

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

    @api.depends("contract_id.company_id", "team_id.company_id")
    def _compute_company_id(self):
        """The contract's company; for a request still to qualify, its team's."""
        for request in self:
            request.company_id = request.contract_id.company_id or request.team_id.company_id

    @api.constrains("team_id", "contract_id")
    def _check_team_company(self):
        for request in self:
            team_company = request.team_id.company_id
            contract_company = request.contract_id.company_id
            if team_company and contract_company and team_company != contract_company:
                raise ValidationError(
                    _(
                        "Request %(name)s: support team %(team)s works for %(company)s; "
                        "contract %(contract)s is a contract of %(other)s. Choose a team of "
                        "the contract's company."
                    )
                    % {
                        "name": request.name,
                        "team": request.team_id.name,
                        "company": team_company.name,
                        "contract": request.contract_id.name,
                        "other": contract_company.name,
                    }
                )

    @api.model
    def _infogerance_company_team(self, company):
        """The support team of ``company``'s contracts: its own, else a shared one."""
        # sudo: requests filed from the portal get the team too; only its id is used.
        Team = self.env["infogerance.support.team"].sudo()
        return Team.search([("company_id", "=", company.id)], limit=1) or Team.search(
            [("company_id", "=", False)], limit=1
        )

    @api.model
    def create(self, vals):
        if vals.get("contract_id") and not vals.get("team_id"):
            # The team of the contract's company, not of the user's company.
            contract = self.env["account.analytic.account"].sudo().browse(vals["contract_id"])
            team = self._infogerance_company_team(contract.company_id)
            if team:
                vals = dict(vals, team_id=team.id)
        return super().create(vals)

    @api.model
    def _infogerance_sender_contact(self, email, author=None):
        """The known contact who sent ``email``: a partner with exactly that address.
        Empty when nobody has it, or when contacts of several customers share it
        (which customer wrote cannot be told: staff qualify the request). An
        address at a customer's domain is no contact of that customer."""
        Partner = self.env["res.partner"]
        addresses = tools.email_split(email or "")
        if not addresses:
            return Partner
        # As Odoo's gateway finds the author: the address alone, or in a name-addr
        # pair, without case; wildcards escaped ("%@customer.example" is no one).
        address = addresses[0].replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        contacts = Partner.search(
            ["|", ("email", "=ilike", address), ("email", "ilike", "<%s>" % address)]
        )
        if len(contacts.mapped("commercial_partner_id")) != 1:
            return Partner
        if author and author in contacts:
            return author
        return contacts[0]

    @api.model
    def _prepare_values_from_email(self, msg_dict, team=None):
        """Values of a request created from an incoming e-mail: the sender's customer
        and its running managed-service contract in the team's company when the
        sender is a known contact, always to qualify at first (``message_new``
        moves it on when it is covered)."""
        author = self.env["res.partner"].browse(msg_dict.get("author_id") or [])
        contact = self._infogerance_sender_contact(msg_dict.get("email_from"), author)
        contract = self.env["account.analytic.account"]
        if contact:
            domain = contract._infogerance_running_service_domain(
                contract_today(self), contact.commercial_partner_id.ids
            )
            if team and team.company_id:
                domain.append(("company_id", "=", team.company_id.id))
            contract = contract.search(domain, order="date_start", limit=1)
        return {
            "name": "/",
            "summary": (msg_dict.get("subject") or "").strip() or _("(no subject)"),
            "description": tools.html2plaintext(msg_dict.get("body") or ""),
            "email_from": msg_dict.get("email_from"),
            "partner_id": contact.id,
            "contract_id": contract.id,
            "service_type_id": self.env.ref("commown_infogerance.service_type_support").id,
            "channel": "mail",
            "stage_id": self._to_qualify_stage().id,
            "user_id": False,
        }

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        custom_values = dict(custom_values or {})
        team = self.env["infogerance.support.team"].browse(
            custom_values.get("team_id") or self._default_team_id().id
        )
        values = self._prepare_values_from_email(msg_dict, team)
        values["team_id"] = team.id
        values.update(custom_values)
        request = super().message_new(msg_dict, custom_values=values)
        if msg_dict.get("author_id"):
            # The sender follows its request when it is a contact of the request's
            # customer (``message_subscribe`` keeps strangers out).
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
