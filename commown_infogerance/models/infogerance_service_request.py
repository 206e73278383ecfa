from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import rules
from ..contract_day import contract_today

CHANNELS = [
    ("mail", "Mail"),
    ("phone", "Phone"),
    ("video", "Video call"),
    ("remote", "Remote control"),
    ("onsite", "On site"),
]
#: Fields whose change asks for the entitlement check again.
CHECKED_FIELDS = (
    "partner_id",
    "contract_id",
    "service_type_id",
    "rental_contract_id",
    "request_date",
    "other_service_id",
    "stage_id",
)


class InfogeranceServiceRequest(models.Model):
    """A service asked for by a customer and delivered by a technician (R8, R9)."""

    _name = "infogerance.service.request"
    _inherit = ["mail.thread"]
    _description = "Managed service request"
    _order = "request_date desc, id desc"

    def _default_stage_id(self):
        return self.env["infogerance.service.request.stage"].search([], limit=1)

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    summary = fields.Char(required=True, track_visibility="onchange")
    description = fields.Text()
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        track_visibility="onchange",
    )
    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Managed-service contract",
        required=True,
        index=True,
        domain=[("infogerance_role", "=", "service")],
        track_visibility="onchange",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        compute="_compute_company_id",
        store=True,
        readonly=True,
        index=True,
    )
    service_type_id = fields.Many2one(
        comodel_name="infogerance.service.type",
        string="Service",
        required=True,
        track_visibility="onchange",
    )
    service_code = fields.Char(related="service_type_id.code", readonly=True)
    other_service_id = fields.Many2one(
        comodel_name="infogerance.other.service",
        string="Service from the quotation",
        domain="[('contract_id', '=', contract_id)]",
    )
    rental_contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Computer",
        domain="[('infogerance_role', '=', 'rental'),"
        " ('infogerance_contract_id', '=', contract_id)]",
    )
    channel = fields.Selection(selection=CHANNELS, default="mail", required=True)
    request_date = fields.Date(required=True, default=contract_today)
    stage_id = fields.Many2one(
        comodel_name="infogerance.service.request.stage",
        string="Stage",
        default=_default_stage_id,
        track_visibility="onchange",
        group_expand="_read_group_stage_ids",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True, readonly=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Technician",
        track_visibility="onchange",
        default=lambda self: self.env.user,
    )
    # user change
    old_user = fields.Char(string="Previous user")
    new_user = fields.Char()
    done_remotely = fields.Boolean()
    # on site
    onsite_date = fields.Datetime(string="On-site visit")
    onsite_address_id = fields.Many2one(comodel_name="res.partner", string="On-site address")

    @api.model
    def _read_group_stage_ids(self, stages, domain, order):
        return stages.search([], order=order)

    @api.onchange("contract_id")
    def _onchange_contract_id(self):
        if self.contract_id and not self.partner_id:
            self.partner_id = self.contract_id.partner_id

    @api.constrains(*CHECKED_FIELDS)
    def _check_entitlement(self):
        """R8: nothing outside the quotation, in one place (``rules.ENTITLEMENT_RULES``)."""
        for request in self:
            if request.stage_id.is_cancelled:
                continue
            if request.service_code == "onsite":
                request.contract_id._infogerance_lock_for_quota()
            problems = request._infogerance_entitlement_problems()
            if problems:
                raise ValidationError(
                    _("R8 - %(service)s is not covered for %(customer)s: %(problems)s")
                    % {
                        "service": request.service_type_id.name,
                        "customer": request.partner_id.commercial_partner_id.name,
                        "problems": "; ".join(problems),
                    }
                )
            if request.service_code == "user_change" and not (
                request.old_user and request.new_user
            ):
                raise ValidationError(_("A change of user records the previous and the new user."))

    @api.constrains("partner_id", "contract_id", "rental_contract_id", "other_service_id")
    def _check_named_records(self):
        """Whatever its service, a request names only its own customer's computers
        and its own contract's services (their names show on the customer's
        portal). Read as the system: only their owner is compared."""
        for request in self.sudo():
            commercial = request.partner_id.commercial_partner_id
            computer = request.rental_contract_id
            if computer and (
                computer.infogerance_role != "rental"
                or computer.partner_id.commercial_partner_id != commercial
            ):
                raise ValidationError(
                    _(
                        "A request names only its own customer's computers: the computer "
                        "chosen is not rented by %(customer)s."
                    )
                    % {"customer": commercial.name}
                )
            other = request.other_service_id
            if other and other.contract_id != request.contract_id:
                raise ValidationError(
                    _(
                        "A request names only the services of its own contract: the service "
                        "chosen is not one of contract %(contract)s."
                    )
                    % {"contract": request.contract_id.name}
                )

    def _infogerance_entitlement_problems(self):
        """Messages of what is missing for this request, empty when covered."""
        self.ensure_one()
        contract = self.contract_id
        commercial = self.partner_id.commercial_partner_id
        if contract.partner_id.commercial_partner_id != commercial:
            return [
                _("contract %(contract)s belongs to another customer") % {"contract": contract.name}
            ]
        outside = contract._infogerance_request_date_problem(self.service_code, self.request_date)
        if outside:
            return [outside]
        facts = contract._infogerance_entitlement_facts(self.request_date)
        facts.update(
            {
                "code": self.service_code,
                "other_service": bool(
                    self.other_service_id and self.other_service_id.contract_id == contract
                ),
                "computer_ok": not self.rental_contract_id
                or self.rental_contract_id.partner_id.commercial_partner_id == commercial,
                # counted in the contract year of the request: on-site only, which
                # the dates above put inside the contract
                "onsite_this_year": contract._infogerance_onsite_count(
                    self.request_date, exclude=self
                )
                if self.service_code == "onsite"
                else 0,
            }
        )
        return contract._infogerance_problem_messages(rules.entitlement_problems(facts), facts)

    @api.model
    def create(self, vals):
        # Lock before the insert, outside the constraint (which would turn a
        # serialization failure into a ValidationError that Odoo does not retry).
        service_type = self.env["infogerance.service.type"].browse(vals.get("service_type_id"))
        if vals.get("contract_id") and service_type.exists().code == "onsite":
            self.env["account.analytic.account"].browse(
                vals["contract_id"]
            )._infogerance_lock_for_quota()
        if vals.get("name", "/") == "/":
            # Portal customers file requests too: the reference comes from the system.
            vals["name"] = (
                self.env["ir.sequence"].sudo().next_by_code("infogerance.service.request") or "/"
            )
        return super().create(vals)

    @api.multi
    def action_confirm(self):
        """Accept the request: entitlements are checked again (the constraint)."""
        stage = self.env["infogerance.service.request.stage"].search(
            [("is_confirmed", "=", True)], limit=1
        )
        self.write({"stage_id": stage.id})

    @api.multi
    def action_done(self):
        stage = self.env["infogerance.service.request.stage"].search(
            [("is_closed", "=", True), ("is_cancelled", "=", False)], limit=1
        )
        self.write({"stage_id": stage.id})
