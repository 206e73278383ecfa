from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import float_compare

from ..groups import SALESMAN_GROUP


class SaleOrder(models.Model):
    """The one gate every confirmation of an order selling a managed service
    goes through, whatever the channel (backend, RPC, shop, saved card, paid
    transaction, ``/pay/sale``, portal quotation): the sale rules first (R1,
    offers for sale, templates, mandate of a direct debit), then, unless a
    salesman confirms for the customer, the conditions accepted on this very
    order and a payment or a valid direct debit mandate."""

    _inherit = "sale.order"

    @api.multi
    def _action_confirm(self):
        # the quantities and prices the rules read, up to date before the checks
        self._infogerance_update_service_lines()
        self._infogerance_check_confirmation()
        return super()._action_confirm()

    def _infogerance_sells_subscription(self):
        self.ensure_one()
        return bool(
            self.order_line.filtered(lambda l: l.is_computer_rental or l.infogerance_offer_id)
        )

    def _infogerance_check_confirmation(self):
        """Raise the first reason these orders may not be confirmed now; writes
        nothing."""
        for order in self.filtered(lambda o: o._infogerance_sells_subscription()):
            if order.state not in ("draft", "sent"):
                raise UserError(
                    _(
                        "Order %(order)s is already confirmed or cancelled: it is not "
                        "confirmed again."
                    )
                    % {"order": order.name}
                )
        self._infogerance_check_sale_rules()
        self._infogerance_check_payment()
        if not self._infogerance_confirmed_by_staff():
            self._infogerance_check_customer_consent()

    def _infogerance_confirmation_problem(self):
        """The gate's refusal of this order as a text, or False (writes nothing)."""
        self.ensure_one()
        try:
            self._infogerance_check_confirmation()
        except UserError as error:
            return error.name
        return False

    def _infogerance_acting_user(self):
        """The person on whose behalf the code runs: the environment's user, or,
        when the code runs as superuser to serve a web request (the shop, the
        portal and the payment routes read and confirm orders as superuser), the
        request's user, the public user when nobody is logged in. An empty
        recordset for the system (superuser outside any request: crons, shell)."""
        if self.env.uid != SUPERUSER_ID:
            return self.env.user
        if not request:
            return self.env["res.users"]
        uid = request.uid or request.env.ref("base.public_user").id
        return self.env["res.users"].sudo().browse(uid)

    def _infogerance_confirmed_by_staff(self):
        """Whether a salesman (or the system) confirms for the customer: the
        customer's consent and payment are then the salesman's business."""
        user = self._infogerance_acting_user()
        if not user:
            return True
        return not user.share and user.sudo(user.id).has_group(SALESMAN_GROUP)

    def _infogerance_check_customer_consent(self):
        """A confirmation the customer makes (shop, portal, payment routes) needs
        the conditions of its offers accepted on this order, and a payment for
        its amount or a valid direct debit mandate for the monthly instalments."""
        for order in self.filtered("order_line.infogerance_offer_id"):
            for offer in order.order_line.mapped("infogerance_offer_id"):
                if not offer.current_terms_id:
                    raise UserError(
                        _(
                            "Offer %(offer)s has no conditions to accept online: order "
                            "%(order)s can only be confirmed by our sales team."
                        )
                        % {"offer": offer.name, "order": order.name}
                    )
            order._infogerance_check_terms_accepted()
            if not (order._infogerance_paid() or order.sudo()._infogerance_mandate()):
                raise UserError(
                    _(
                        "Order %(order)s is neither paid nor covered by a valid SEPA direct "
                        "debit mandate: a managed-service subscription is confirmed online "
                        "once paid, or with a mandate for its monthly instalments. Pay the "
                        "order, or ask our sales team to record your mandate."
                    )
                    % {"order": order.name}
                )

    def _infogerance_paid(self):
        """A done (or authorized) payment transaction of this order for its whole,
        non-zero amount."""
        self.ensure_one()
        if float_compare(self.amount_total, 0.0, 2) <= 0:
            return False
        transactions = (
            self.env["payment.transaction"]
            .sudo()
            .search([("sale_order_id", "=", self.id), ("state", "in", ("done", "authorized"))])
        )
        return any(
            float_compare(tx.amount, self.amount_total, 2) == 0
            and (not tx.currency_id or tx.currency_id == self.currency_id)
            for tx in transactions
        )
