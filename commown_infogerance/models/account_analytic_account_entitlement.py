from html import escape

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import rules
from ..contract_day import contract_today

#: The device preparation checklist of a rented computer (R8 "preparation").
PREPARATION_FIELDS = (
    "infogerance_prep_profile",
    "infogerance_prep_accounts",
    "infogerance_prep_software",
    "infogerance_prep_preconnected",
    "infogerance_prep_wifi",
)


class AccountAnalyticAccount(models.Model):
    """What a managed-service contract entitles the customer to (R8), and the
    device preparation checklist of each rented computer."""

    _inherit = "account.analytic.account"

    # Entitlements (R8), on a managed-service contract
    infogerance_service_type_ids = fields.Many2many(
        comodel_name="infogerance.service.type",
        relation="infogerance_contract_service_type_rel",
        column1="contract_id",
        column2="service_type_id",
        string="Included services",
        readonly=True,
        help="The offer's services on the subscription date.",
    )
    infogerance_other_service_ids = fields.One2many(
        comodel_name="infogerance.other.service",
        inverse_name="contract_id",
        string="Other services from the quotation",
    )
    infogerance_service_request_ids = fields.One2many(
        comodel_name="infogerance.service.request",
        inverse_name="contract_id",
        string="Service requests",
    )
    infogerance_onsite_eligible = fields.Boolean(
        string="On-site eligible",
        compute="_compute_infogerance_onsite_eligible",
    )
    infogerance_onsite_reason = fields.Text(
        string="On-site eligibility",
        compute="_compute_infogerance_onsite_eligible",
    )
    infogerance_entitlement_summary = fields.Html(
        string="Entitlements",
        compute="_compute_infogerance_onsite_eligible",
    )
    # Device preparation checklist (R8), on a computer-rental contract
    infogerance_prep_profile = fields.Boolean(string="Profile applied (admin and user)")
    infogerance_prep_accounts = fields.Boolean(string="Admin and user accounts created")
    infogerance_prep_software = fields.Boolean(string="Software installed")
    infogerance_prep_preconnected = fields.Boolean(string="Accounts pre-connected")
    infogerance_prep_wifi = fields.Boolean(string="Wi-Fi pre-connected")
    infogerance_prep_complete = fields.Boolean(
        string="Preparation complete",
        compute="_compute_infogerance_prep_complete",
        store=True,
    )
    infogerance_delivery_date = fields.Date(string="Delivered on", copy=False)

    @api.depends(*PREPARATION_FIELDS)
    def _compute_infogerance_prep_complete(self):
        for contract in self:
            contract.infogerance_prep_complete = all(contract[f] for f in PREPARATION_FIELDS)

    def _compute_infogerance_onsite_eligible(self):
        today = contract_today(self)
        services = self.filtered(lambda c: c.infogerance_role == "service")
        (self - services).update(
            {
                "infogerance_onsite_eligible": False,
                "infogerance_onsite_reason": False,
                "infogerance_entitlement_summary": False,
            }
        )
        fleets = {}
        for company in services.mapped("company_id"):
            fleets[company.id] = self.env["res.partner"]._infogerance_fleet_sizes(
                services.filtered(lambda c: c.company_id == company)
                .mapped("partner_id.commercial_partner_id")
                .ids,
                today,
                company_id=company.id,
            )
        for contract in services:
            facts = contract._infogerance_entitlement_facts(today, fleets[contract.company_id.id])
            problems = rules.onsite_eligibility(facts["fleet"], facts["city_eligible"])
            if problems:
                reason = _("Not eligible because %(why)s.") % {
                    "why": "; ".join(contract._infogerance_problem_messages(problems, facts))
                }
            else:
                reason = _("Eligible: %(fleet)s computers rented in %(city)s.") % {
                    "fleet": facts["fleet"],
                    "city": facts["city"],
                }
            contract.infogerance_onsite_eligible = not problems
            contract.infogerance_onsite_reason = reason
            contract.infogerance_entitlement_summary = contract._infogerance_entitlement_html(
                facts, reason
            )

    # Entitlements (R8) ------------------------------------------------------------

    def _infogerance_entitlement_facts(self, date, fleets=None):
        """The inputs of ``rules.entitlement_problems`` known from the contract."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        if fleets is None:
            fleets = self.env["res.partner"]._infogerance_fleet_sizes(
                [commercial.id], date, company_id=self.company_id.id
            )
        cities = self.infogerance_offer_id.onsite_city_ids
        return {
            "included_codes": set(self.infogerance_service_type_ids.mapped("code")),
            "fleet": fleets[commercial.id],
            "city": commercial.city or "",
            "cities": ", ".join(cities.mapped("name")),
            "city_eligible": rules.city_is_eligible(
                commercial.city, commercial.zip, [(c.name, c.zip_prefix) for c in cities]
            ),
        }

    def _infogerance_request_date_problem(self, code, request_date):
        """Why a request of service ``code`` on ``request_date`` falls outside this
        contract's life, or None: preparation and account creation may precede the
        start (they happen before delivery); nothing is accepted after the end."""
        self.ensure_one()
        problem = rules.request_date_problem(
            code,
            fields.Date.from_string(request_date),
            fields.Date.from_string(self.date_start),
            fields.Date.from_string(self.date_end) if self.date_end else None,
        )
        if problem == rules.REQUEST_AFTER_END:
            return _(
                "the request of %(date)s comes after the end of contract %(contract)s "
                "(%(end)s): nothing is provided after it"
            ) % {
                "date": self._infogerance_date_text(request_date),
                "contract": self.name,
                "end": self._infogerance_date_text(self.date_end),
            }
        if problem == rules.REQUEST_BEFORE_START:
            return _(
                "the request of %(date)s precedes the start of contract %(contract)s "
                "(%(start)s): only device preparation and account creation are provided "
                "before the start"
            ) % {
                "date": self._infogerance_date_text(request_date),
                "contract": self.name,
                "start": self._infogerance_date_text(self.date_start),
            }
        return None

    def _infogerance_problem_messages(self, problems, facts):
        """Readable messages for the problem codes of ``rules``."""
        self.ensure_one()
        messages = {
            rules.NOT_INCLUDED: _("the contract does not include this service"),
            rules.ONSITE_FLEET_TOO_SMALL: _(
                "on-site needs at least %(min)s rented computers, the customer rents " "%(fleet)s"
            )
            % {"min": rules.ONSITE_MIN_COMPUTERS, "fleet": facts.get("fleet")},
            rules.ONSITE_CITY_NOT_ELIGIBLE: _(
                "the customer's address (%(city)s) is not in an eligible city (%(cities)s)"
            )
            % {"city": facts.get("city") or _("no city"), "cities": facts.get("cities")},
            rules.ONSITE_QUOTA_REACHED: _(
                "the on-site intervention of this contract year was already used"
            ),
            rules.OTHER_SERVICE_MISSING: _(
                "choose the service described in the quotation of this contract"
            ),
            rules.COMPUTER_NOT_RENTED: _("the computer is not rented by this customer"),
        }
        return [messages[code] for code in problems]

    def _infogerance_lock_for_quota(self):
        """Serialize the on-site quota check of this contract (R8): two requests
        filed at once cannot both count zero. The row is updated, not only locked,
        so that the second transaction, once the first commits, fails to serialize
        and is retried by Odoo with the first request visible."""
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE account_analytic_account SET write_date = write_date WHERE id = %s",
            (self.id,),
        )

    def _infogerance_onsite_count(self, date, exclude=None):
        """On-site requests of the contract year containing ``date`` (not cancelled)."""
        self.ensure_one()
        first, last = rules.contract_year(
            fields.Date.from_string(self.date_start), fields.Date.from_string(date)
        )
        domain = [
            ("contract_id", "=", self.id),
            ("service_type_id.code", "=", "onsite"),
            ("request_date", ">=", fields.Date.to_string(first)),
            ("request_date", "<=", fields.Date.to_string(last)),
            ("stage_id.is_cancelled", "=", False),
        ]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        return self.env["infogerance.service.request"].sudo().search_count(domain)

    def _infogerance_entitlement_html(self, facts, onsite_reason):
        """What support may deliver, for the contract form."""
        self.ensure_one()
        rows = []
        for service in self.infogerance_service_type_ids:
            note = (
                onsite_reason
                if service.code == "onsite"
                else (_("unlimited") if service.code == "support" else "")
            )
            rows.append(
                "<li><b>%s</b>%s</li>"
                % (escape(service.name), (" — %s" % escape(note)) if note else "")
            )
        for other in self.infogerance_other_service_ids:
            rows.append(
                "<li><b>%s</b> — %s</li>"
                % (escape(other.name), escape(other.description or _("from the quotation")))
            )
        return "<ul>%s</ul>" % "".join(rows) if rows else _("No service included.")

    @api.constrains("infogerance_delivery_date", *PREPARATION_FIELDS)
    def _check_infogerance_preparation(self):
        """R8: a computer is not delivered before its preparation checklist is done,
        when preparation is one of the customer's entitlements."""
        for rental in self.filtered(
            lambda c: c.infogerance_role == "rental" and c.infogerance_delivery_date
        ):
            service = rental.infogerance_contract_id
            if "preparation" not in service.infogerance_service_type_ids.mapped("code"):
                continue
            missing = [
                rental._fields[f].get_description(self.env)["string"]
                for f in PREPARATION_FIELDS
                if not rental[f]
            ]
            if missing:
                raise ValidationError(
                    _(
                        "R8 - %(computer)s cannot be marked as delivered: its preparation is not "
                        "finished (missing: %(missing)s)."
                    )
                    % {"computer": rental.name, "missing": ", ".join(missing)}
                )
