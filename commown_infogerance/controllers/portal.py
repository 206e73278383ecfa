from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class InfogerancePortal(CustomerPortal):
    """Managed-service contracts in the customer portal (/my). Records are read
    with the portal user's rights: the record rules decide what a customer sees."""

    def _infogerance_contracts_domain(self):
        return [("infogerance_role", "=", "service")]

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["infogerance_contract_count"] = request.env[
            "account.analytic.account"].search_count(self._infogerance_contracts_domain())
        return values

    def _infogerance_get_contract(self, contract_id):
        """The contract if the user may read it, else an empty recordset (404)."""
        return request.env["account.analytic.account"].search(
            self._infogerance_contracts_domain() + [("id", "=", contract_id)])

    @http.route(["/my/managed-services"], type="http", auth="user", website=True)
    def portal_my_infogerance_contracts(self, **kw):
        values = self._prepare_portal_layout_values()
        values.update({
            "contracts": request.env["account.analytic.account"].search(
                self._infogerance_contracts_domain(), order="date_start desc, id desc"),
            "page_name": "infogerance_contracts",
        })
        return request.render("commown_infogerance.portal_my_infogerance_contracts", values)

    def _infogerance_contract_page(self, contract, error=None, terminated=False):
        values = self._prepare_portal_layout_values()
        today = fields.Date.context_today(contract)
        termination_end = termination_explanation = False
        if not contract.date_end:
            # The same computation as the backend wizard: one code path (R6, R7).
            try:
                termination_end = contract.infogerance_termination_date(today)
                termination_explanation = contract.infogerance_termination_explanation(today)
            except UserError as exc:
                termination_explanation = exc.name
        values.update({
            "contract": contract,
            "today": today,
            "termination_end": termination_end,
            "termination_explanation": termination_explanation,
            "error": error,
            "terminated": terminated,
            "page_name": "infogerance_contract",
        })
        return request.render("commown_infogerance.portal_my_infogerance_contract", values)

    @http.route(["/my/managed-services/<int:contract_id>"], type="http", auth="user",
                website=True)
    def portal_my_infogerance_contract(self, contract_id, terminated=None, **kw):
        contract = self._infogerance_get_contract(contract_id)
        if not contract:
            return request.not_found()
        return self._infogerance_contract_page(contract, terminated=bool(terminated))

    @http.route(["/my/managed-services/<int:contract_id>/terminate"], type="http",
                auth="user", methods=["POST"], website=True)
    def portal_my_infogerance_terminate(self, contract_id, reason=None, **kw):
        contract = self._infogerance_get_contract(contract_id)
        if not contract:
            return request.not_found()
        try:
            contract._infogerance_portal_request_termination(reason)
        except UserError as exc:
            return self._infogerance_contract_page(contract, error=exc.name)
        return request.redirect("/my/managed-services/%d?terminated=1" % contract.id)
