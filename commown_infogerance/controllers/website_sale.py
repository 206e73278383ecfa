from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.http import request

from odoo.addons.website_sale.controllers.main import WebsiteSale


class InfogeranceWebsiteSale(WebsiteSale):
    """The shop obeys the sale rules of the backend (R1): the cart shows why an
    order cannot be checked out, and every step after the cart refuses it."""

    def checkout_redirection(self, order):
        """Called by /shop/checkout, /shop/confirm_order, /shop/extra_info and
        /shop/payment: an order breaking a sale rule goes back to the cart, which
        shows the rule's message."""
        redirection = super().checkout_redirection(order)
        if redirection:
            return redirection
        if order.infogerance_sale_error:
            return request.redirect("/shop/cart")
        return None

    @http.route()
    def payment_transaction(
        self, acquirer_id, save_token=False, so_id=None, access_token=None, token=None, **kwargs
    ):
        """No payment starts for an order that could not be confirmed (R1) or
        whose conditions are not accepted (``_infogerance_check_payable``)."""
        if so_id and access_token:
            order = (
                request.env["sale.order"]
                .sudo()
                .search([("id", "=", so_id), ("access_token", "=", access_token)])
            )
        elif so_id:
            order = request.env["sale.order"].search([("id", "=", so_id)])
        else:
            order = request.website.sale_get_order()
        if order:
            order._infogerance_check_payable()
        return super().payment_transaction(
            acquirer_id,
            save_token=save_token,
            so_id=so_id,
            access_token=access_token,
            token=token,
            **kwargs,
        )

    @http.route()
    def address(self, **kw):
        """The address form edits the user's own contact and the company's plain
        addresses only, never another contact (``_infogerance_shop_may_edit``)."""
        try:
            partner_id = int(kw.get("partner_id", -1))
        except (TypeError, ValueError):
            partner_id = -1
        order = request.website.sale_get_order()
        if partner_id > 0 and order:
            # the target is read only to check it; website_sale writes it as superuser
            target = request.env["res.partner"].sudo().browse(partner_id).exists()
            if not target or not target._infogerance_shop_may_edit(request.env.user, order):
                response = Forbidden(
                    description=_(
                        "The shop's address form edits your own contact details and your "
                        "company's delivery addresses only: ask a customer manager or "
                        "Commown to change another contact."
                    )
                ).get_response()
                response.headers["Content-Type"] = "text/html; charset=utf-8"
                return response
        return super().address(**kw)
