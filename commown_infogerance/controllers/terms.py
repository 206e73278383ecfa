from odoo import _, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal

from ..rules import customer_text
from .website_sale import InfogeranceWebsiteSale


class InfogeranceTerms(http.Controller):
    @http.route(
        ["/infogerance/conditions/<int:terms_id>"], type="http", auth="public", website=True
    )
    def infogerance_terms_page(self, terms_id, **kw):
        """The conditions of an offer in force, public like the offer itself
        (``infogerance.terms._infogerance_may_show``)."""
        terms = request.env["infogerance.terms"].search([("id", "=", terms_id)])
        if not terms or not terms._infogerance_may_show(request.env.user):
            return request.not_found()
        return request.render("commown_infogerance.infogerance_terms_page", {"terms": terms})


class InfogeranceWebsiteSaleTerms(InfogeranceWebsiteSale):
    """Shop checkout: the conditions of the offers are accepted before paying."""

    @http.route(["/shop/infogerance/accept-conditions"], type="json", auth="public", website=True)
    def infogerance_shop_accept_terms(self, accepted=False, **kw):
        order = request.website.sale_get_order()
        if not order or not accepted:
            return {"accepted": False}
        order._infogerance_accept_terms(
            request.httprequest.remote_addr, "shop", user=request.env.user
        )
        return {"accepted": not order._infogerance_terms_to_accept()}


class InfogerancePortalTerms(CustomerPortal):
    """Portal quotation: the conditions are accepted before the quotation."""

    @http.route(
        ["/my/orders/<int:order_id>/accept-conditions"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_infogerance_accept_terms(self, order_id, access_token=None, accepted=None, **kw):
        try:
            order_sudo = self._order_check_access(order_id, access_token=access_token)
        except AccessError:
            return request.redirect("/my")
        query = "?access_token=%s" % access_token if access_token else ""
        if accepted and order_sudo.state in ("draft", "sent"):
            order_sudo._infogerance_accept_terms(
                request.httprequest.remote_addr, "portal", user=request.env.user
            )
        return request.redirect("/my/orders/%d%s#o_infogerance_terms" % (order_sudo.id, query))

    @http.route()
    def portal_quote_accept(self, res_id, access_token=None, partner_name=None, signature=None):
        try:
            order_sudo = self._order_check_access(res_id, access_token=access_token)
            order_sudo._infogerance_check_terms_accepted()
        except AccessError:
            return {"error": _("Invalid order")}
        except UserError as exc:
            return {"error": exc.name}
        # the confirmation gate (conditions, payment or mandate), before signing
        problem = order_sudo._infogerance_confirmation_problem()
        if problem:
            return {"error": customer_text(problem)}
        return super().portal_quote_accept(
            res_id, access_token=access_token, partner_name=partner_name, signature=signature
        )
