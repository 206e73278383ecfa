from odoo import http
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
