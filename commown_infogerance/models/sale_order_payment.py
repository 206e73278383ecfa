from odoo import _, api, models
from odoo.exceptions import UserError


class OrderPayment:
    """The payment mode and mandate an order gives each contract it creates, looked
    up once per order (``infogerance_payment`` context). A class of its own, so
    that no RPC client can send one in its context and choose another customer's
    mandate."""

    __slots__ = ("mode_id", "mandate_id")

    def __init__(self, mode_id, mandate_id):
        self.mode_id = mode_id
        self.mandate_id = mandate_id


class SaleOrder(models.Model):
    """How the contracts an order creates are paid: the order's payment mode (the
    customer's by default, from the shop too) and, for a direct debit, the
    customer's valid SEPA mandate, carried to every contract and so to every
    invoice. No valid mandate: the order is not confirmed."""

    _inherit = "sale.order"

    def _infogerance_payment_mode(self):
        self.ensure_one()
        return (
            self.payment_mode_id or self.partner_id.commercial_partner_id.customer_payment_mode_id
        )

    def _infogerance_mandate_required(self):
        """Whether the order's payment mode debits the customer's account (sales
        users read payment methods, see security/ir.model.access.csv)."""
        self.ensure_one()
        return self._infogerance_payment_mode().payment_method_id.mandate_required

    def _infogerance_mandate(self):
        """The customer's valid mandate with the order's company, the latest signed,
        when the payment mode needs one."""
        self.ensure_one()
        if not self._infogerance_mandate_required():
            return self.env["account.banking.mandate"]
        # Mandates are accounting data; the confirming user's rights on the order
        # were checked. Only the valid one of this customer is read.
        return (
            self.env["account.banking.mandate"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "valid"),
                ],
                order="signature_date desc, id desc",
                limit=1,
            )
        )

    def _infogerance_check_payment(self):
        """A direct debit needs the customer's valid mandate (expired, cancelled or
        draft ones do not count): refused before any contract is created."""
        for order in self:
            lines = order.order_line.filtered(
                lambda l: l.is_computer_rental or l.infogerance_offer_id
            )
            if not lines:
                continue
            if order._infogerance_mandate_required() and not order._infogerance_mandate():
                raise UserError(
                    _(
                        "Payment by direct debit: %(customer)s has no valid SEPA direct debit "
                        "mandate with %(company)s (expired, cancelled or not validated). Record "
                        "and validate the customer's signed mandate, or choose another payment "
                        "mode on order %(order)s, then confirm it again."
                    )
                    % {
                        "customer": order.partner_id.commercial_partner_id.display_name,
                        "company": order.company_id.name,
                        "order": order.name,
                    }
                )

    @api.multi
    def _action_confirm(self):
        # the mandate was checked by the confirmation gate (_infogerance_check_confirmation)
        for order in self.filtered(lambda o: not o.payment_mode_id):
            mode = order._infogerance_payment_mode()
            if mode:  # the shop does not set it: the customer's
                order.payment_mode_id = mode
        return super()._action_confirm()

    def _infogerance_create_contracts(self):
        """Each order's mandate, looked up once for all its contracts."""
        result = None
        for order in self:
            payment = OrderPayment(order.payment_mode_id.id, order._infogerance_mandate().id)
            result = super(
                SaleOrder, order.with_context(infogerance_payment=payment)
            )._infogerance_create_contracts()
        return result
