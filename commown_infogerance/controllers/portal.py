from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..contract_day import contract_today
from ..rules import customer_text

#: Rows of a growing list (requests, fleet changes) the contract page shows; the
#: rest are on the list's own pages, PORTAL_PAGE_SIZE rows each.
PORTAL_RECENT = 10
PORTAL_PAGE_SIZE = 20
#: Up to this many computers, the request form offers them in a list; a bigger
#: fleet names its computer in a text field (a select of 1,000 options is no help).
PORTAL_COMPUTER_CHOICES = 20

#: The growing lists of a contract in the portal: {url part: (model, order, template)}.
PORTAL_LISTS = {
    "requests": (
        "infogerance.service.request",
        "request_date desc, id desc",
        "commown_infogerance.portal_my_infogerance_requests",
    ),
    "fleet-changes": (
        "infogerance.fleet.event",
        "date desc, id desc",
        "commown_infogerance.portal_my_infogerance_fleet_events",
    ),
}


class InfogerancePortal(CustomerPortal):
    """Managed-service contracts in the customer portal (/my). Records are read
    with the portal user's rights: the record rules decide what a customer sees."""

    def _infogerance_contracts_domain(self):
        """The managed-service contracts of the user's own company: an employee
        visiting the portal is no customer's contact and sees none."""
        return [
            ("infogerance_role", "=", "service"),
            ("partner_id", "child_of", request.env.user.partner_id.commercial_partner_id.id),
        ]

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["infogerance_contract_count"] = request.env["account.analytic.account"].search_count(
            self._infogerance_contracts_domain()
        )
        return values

    def _infogerance_get_contract(self, contract_id):
        """The contract if the user is a contact of its customer and may read it,
        else an empty recordset (404): an employee is no customer's contact."""
        contract = request.env["account.analytic.account"].search(
            self._infogerance_contracts_domain() + [("id", "=", contract_id)]
        )
        commercial = request.env.user.partner_id.commercial_partner_id
        if contract.partner_id.commercial_partner_id != commercial:
            return contract.browse()
        return contract

    @http.route(["/my/managed-services"], type="http", auth="user", website=True)
    def portal_my_infogerance_contracts(self, **kw):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "contracts": request.env["account.analytic.account"].search(
                    self._infogerance_contracts_domain(), order="date_start desc, id desc"
                ),
                "page_name": "infogerance_contracts",
            }
        )
        return request.render("commown_infogerance.portal_my_infogerance_contracts", values)

    def _infogerance_contract_page(
        self, contract, error=None, terminated=False, request_error=None, request_filed=False
    ):
        values = self._prepare_portal_layout_values()
        today = contract_today(contract)
        termination_end = termination_explanation = False
        if not contract.date_end:
            # The same computation as the backend wizard: one code path (R6, R7).
            try:
                termination_end = contract.infogerance_termination_date(today)
                termination_explanation = contract.infogerance_termination_explanation(today)
            except UserError as exc:
                termination_explanation = customer_text(exc.name)
        requests_model, requests_order, _template = PORTAL_LISTS["requests"]
        events_model, events_order, _template = PORTAL_LISTS["fleet-changes"]
        Requests, Events = request.env[requests_model], request.env[events_model]
        computers = request.env["account.analytic.account"].search(
            contract._infogerance_portal_computers_domain(),
            order="name, id",
            limit=PORTAL_COMPUTER_CHOICES + 1,
        )
        domain = [("contract_id", "=", contract.id)]
        service_requests = Requests.search(domain, order=requests_order, limit=PORTAL_RECENT)
        fleet_events = Events.search(domain, order=events_order, limit=PORTAL_RECENT)
        request_count = (
            Requests.search_count(domain) if len(service_requests) == PORTAL_RECENT else 0
        )
        event_count = Events.search_count(domain) if len(fleet_events) == PORTAL_RECENT else 0
        values.update(
            {
                "service_requests": service_requests,
                "service_requests_more": request_count > PORTAL_RECENT
                and _("The latest %(shown)s of %(count)s requests.")
                % {"shown": PORTAL_RECENT, "count": request_count},
                "fleet_events": fleet_events,
                "fleet_events_more": event_count > PORTAL_RECENT
                and _("The latest %(shown)s of %(count)s changes.")
                % {"shown": PORTAL_RECENT, "count": event_count},
                "computers": computers[:PORTAL_COMPUTER_CHOICES],
                "computer_by_name": len(computers) > PORTAL_COMPUTER_CHOICES,
                "contract": contract,
                "today": today,
                "terms": contract._prepare_infogerance_terms_values(),
                "termination_end": termination_end,
                "termination_explanation": termination_explanation,
                "error": error,
                "terminated": terminated,
                "request_error": request_error,
                "request_filed": request_filed,
                "other_service_type": request.env.ref("commown_infogerance.service_type_other"),
                "page_name": "infogerance_contract",
            }
        )
        return request.render("commown_infogerance.portal_my_infogerance_contract", values)

    @http.route(["/my/managed-services/<int:contract_id>"], type="http", auth="user", website=True)
    def portal_my_infogerance_contract(self, contract_id, terminated=None, filed=None, **kw):
        contract = self._infogerance_get_contract(contract_id)
        if not contract:
            return request.not_found()
        return self._infogerance_contract_page(
            contract, terminated=bool(terminated), request_filed=bool(filed)
        )

    @http.route(
        [
            "/my/managed-services/<int:contract_id>/requests",
            "/my/managed-services/<int:contract_id>/requests/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_infogerance_requests(self, contract_id, page=1, **kw):
        return self._infogerance_contract_list(contract_id, "requests", page)

    @http.route(
        [
            "/my/managed-services/<int:contract_id>/fleet-changes",
            "/my/managed-services/<int:contract_id>/fleet-changes/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_infogerance_fleet_changes(self, contract_id, page=1, **kw):
        return self._infogerance_contract_list(contract_id, "fleet-changes", page)

    def _infogerance_contract_list(self, contract_id, kind, page):
        """The whole list of a contract's requests or fleet changes, by pages."""
        contract = self._infogerance_get_contract(contract_id)
        if not contract:
            return request.not_found()
        model, order, template = PORTAL_LISTS[kind]
        Model = request.env[model]
        domain = [("contract_id", "=", contract.id)]
        pager = portal_pager(
            url="/my/managed-services/%d/%s" % (contract.id, kind),
            total=Model.search_count(domain),
            page=page,
            step=PORTAL_PAGE_SIZE,
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "contract": contract,
                "currency": contract.company_id.currency_id,
                "rows": Model.search(
                    domain, order=order, limit=PORTAL_PAGE_SIZE, offset=pager["offset"]
                ),
                "pager": pager,
                "page_name": "infogerance_contract",
            }
        )
        return request.render(template, values)

    @http.route(
        ["/my/managed-services/<int:contract_id>/terminate"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_infogerance_terminate(self, contract_id, reason=None, reason_id=None, **kw):
        contract = self._infogerance_get_contract(contract_id)
        if not contract:
            return request.not_found()
        try:
            contract._infogerance_terminate(
                contract_today(contract),
                _("%(reason)s (requested from the customer portal)")
                % {"reason": (reason or "").strip() or "-"},
                reason_id=int(reason_id) if reason_id and reason_id.isdigit() else None,
            )
        except (AccessError, UserError) as exc:
            return self._infogerance_contract_page(contract, error=customer_text(exc.name))
        return request.redirect("/my/managed-services/%d?terminated=1" % contract.id)

    @http.route(
        ["/my/managed-services/<int:contract_id>/request"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_infogerance_file_request(self, contract_id, **post):
        """File a service request: whitelisted values, the entitlement checks of the
        backend (R8), authored by the contact (``_infogerance_portal_file``)."""
        contract = self._infogerance_get_contract(contract_id)
        if not contract:
            return request.not_found()
        try:
            with request.env.cr.savepoint():
                request.env["infogerance.service.request"]._infogerance_portal_file(contract, post)
        except (AccessError, UserError, ValidationError) as exc:
            return self._infogerance_contract_page(contract, request_error=customer_text(exc.name))
        return request.redirect("/my/managed-services/%d?filed=1" % contract.id)
