from odoo import models

from .sale_order_payment import OrderPayment


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _prepare_contract_common_values(self, start):
        """Every contract of the order is paid the order's way (payment mode and
        direct debit mandate), and so are its invoices."""
        vals = super()._prepare_contract_common_values(start)
        payment = self.env.context.get("infogerance_payment")
        if isinstance(payment, OrderPayment):
            mode, mandate = payment.mode_id, payment.mandate_id
        else:
            mode = self.order_id._infogerance_payment_mode().id
            mandate = self.order_id._infogerance_mandate().id
        vals.update({"payment_mode_id": mode or False, "mandate_id": mandate or False})
        return vals
