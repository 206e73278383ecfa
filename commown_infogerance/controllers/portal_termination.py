from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from .portal import InfogerancePortal


class InfogerancePortalTermination(InfogerancePortal):
    """Termination workflow in the portal: the list of reasons, who the
    customer's managers are, and the cancellation of a pending termination."""

    def _infogerance_contract_page(self, contract, error=None, **kw):
        response = super()._infogerance_contract_page(contract, error=error, **kw)
        user_partner = request.env.user.partner_id
        commercial = contract.partner_id.commercial_partner_id
        # Names of the customer's own managers, shown to its contacts: read as
        # the system because portal users may not search their colleagues.
        managers = commercial.sudo()._infogerance_customer_managers_by_customer()[commercial.id]
        response.qcontext.update(
            {
                "termination_reasons": request.env["infogerance.termination.reason"].search([]),
                "customer_managers": managers,
                "may_act_for_customer": user_partner._infogerance_may_act_for(commercial),
                "termination_cancelled": kw.get("termination_cancelled")
                or request.params.get("cancelled"),
            }
        )
        return response

    @http.route(
        ["/my/managed-services/<int:contract_id>/cancel-termination"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_infogerance_cancel_termination(self, contract_id, **kw):
        contract = self._infogerance_get_contract(contract_id)
        if not contract:
            return request.not_found()
        try:
            contract._infogerance_cancel_termination()
        except (AccessError, UserError) as exc:
            return self._infogerance_contract_page(contract, error=exc.name)
        return request.redirect("/my/managed-services/%d?cancelled=1" % contract.id)
