from odoo import _, fields, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..rules import customer_text


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
        today = fields.Date.context_today(contract)
        termination_end = termination_explanation = False
        if not contract.date_end:
            # The same computation as the backend wizard: one code path (R6, R7).
            try:
                termination_end = contract.infogerance_termination_date(today)
                termination_explanation = contract.infogerance_termination_explanation(today)
            except UserError as exc:
                termination_explanation = customer_text(exc.name)
        values.update(
            {
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
                fields.Date.context_today(contract),
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
