from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.portal.controllers.portal import _build_url_w_params
from odoo.addons.sale_payment.controllers.payment import PaymentPortal

from ..rules import customer_text
from .terms import InfogeranceWebsiteSaleTerms


def _refusal(error):
    """The gate's refusal as a customer reads it."""
    return customer_text(error.name)


class InfogeranceWebsiteSaleGate(InfogeranceWebsiteSaleTerms):
    """The shop confirms (or cancels) an order on POST only, through the
    confirmation gate of the model (``sale.order._infogerance_check_confirmation``);
    a GET never changes an order."""

    def _infogerance_payment_page(self, order, message):
        """The payment page again, with the reason the order was not confirmed."""
        values = self._get_shop_payment_values(order)
        values["errors"].append((_("Your order is not confirmed"), message))
        return request.render("website_sale.payment", values)

    def _infogerance_validated_objects(self, transaction_id, sale_order_id):
        """The transaction and the order ``payment_validate`` works on."""
        if transaction_id is None:
            tx = request.website.sale_get_transaction()
        else:
            tx = request.env["payment.transaction"].sudo().browse(int(transaction_id)).exists()
        if sale_order_id is None:
            order = request.website.sale_get_order()
        else:
            order = request.env["sale.order"].sudo().browse(int(sale_order_id)).exists()
            if order.id != request.session.get("sale_last_order_id"):
                order = order.browse()
        return tx, order

    @http.route()
    def payment_validate(self, transaction_id=None, sale_order_id=None, **post):
        """website_sale confirms a free order, and cancels the order of a
        cancelled transaction, on this route whatever the method: here only on
        POST (the payment page's "Confirm order" form); a GET shows the payment
        page again, or the order's status."""
        tx, order = self._infogerance_validated_objects(transaction_id, sale_order_id)
        if request.httprequest.method != "POST":
            if order and not order.amount_total and not tx:
                return request.redirect("/shop/payment")
            if tx and tx.state == "cancel":
                request.website.sale_reset()
                return request.redirect("/shop/confirmation")
            return super().payment_validate(
                transaction_id=transaction_id, sale_order_id=sale_order_id, **post
            )
        if order and not order.amount_total and not tx:
            # the confirmation super() makes, checked first: a refusal shows why
            problem = order._infogerance_confirmation_problem()
            if problem:
                return self._infogerance_payment_page(order, customer_text(problem))
        return super().payment_validate(
            transaction_id=transaction_id, sale_order_id=sale_order_id, **post
        )

    @http.route(methods=["POST"])
    def payment_token(self, pm_id=None, **kwargs):
        """Paying with a saved card charges it and confirms the order: on POST
        only (the payment form posts it), and not before the sale rules and the
        conditions allow paying."""
        order = request.website.sale_get_order()
        if order:
            try:
                order._infogerance_check_payable()
            except UserError as error:
                return self._infogerance_payment_page(order, _refusal(error))
            card = request.env["payment.token"].sudo().browse(int(pm_id or 0)).exists()
            owner = order.partner_id.commercial_partner_id
            if card and card.partner_id.commercial_partner_id != owner:
                return self._infogerance_payment_page(
                    order, _("This saved payment method is not yours: choose one of yours.")
                )
        return super().payment_token(pm_id=pm_id, **kwargs)


class InfogerancePaymentPortal(PaymentPortal):
    """sale_payment's ``/pay/sale/<id>/…`` routes of Odoo 11 check no access to
    the order: here only the order's customer (or whoever holds its access
    token) pays it, once the sale rules and the conditions allow paying."""

    def _infogerance_order_to_pay(self, order_id, access_token):
        order = request.env["sale.order"].browse(int(order_id))
        try:
            order.check_access_rights("read")
            order.check_access_rule("read")
        except AccessError:
            token = order.sudo().exists().access_token
            if not (access_token and token and consteq(token, access_token)):
                raise
        order = order.sudo().exists()
        if not order:
            raise MissingError(_("This order does not exist."))
        if order._infogerance_sells_subscription():
            order._infogerance_check_payable()
        return order

    @http.route()
    def sale_pay_form(self, acquirer_id, order_id, save_token=False, access_token=None, **kwargs):
        self._infogerance_order_to_pay(order_id, access_token)
        return super().sale_pay_form(
            acquirer_id, order_id, save_token=save_token, access_token=access_token, **kwargs
        )

    @http.route(methods=["POST"])
    def sale_pay_token(self, order_id, pm_id=None, **kwargs):
        try:
            self._infogerance_order_to_pay(order_id, kwargs.get("access_token"))
        except (AccessError, MissingError, UserError):
            params = {"error": "pay_sale_invalid_doc"}
            if kwargs.get("access_token"):
                params["access_token"] = kwargs["access_token"]
            return request.redirect(_build_url_w_params(kwargs.get("error_url", "/my"), params))
        return super().sale_pay_token(order_id, pm_id=pm_id, **kwargs)
