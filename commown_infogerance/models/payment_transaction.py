from odoo import _, models
from odoo.tools import html_escape


class PaymentTransaction(models.Model):
    """A payment received does not confirm an order the confirmation gate
    refuses (conditions not accepted on it, offer withdrawn...): the order says
    why and stays a quotation, as Odoo does for an amount mismatch; staff
    decide."""

    _inherit = "payment.transaction"

    def _confirm_so(self):
        self.ensure_one()
        order = self.sale_order_id
        confirms = self.state == "done" or (
            self.state == "authorized" and self.acquirer_id.capture_manually
        )
        if (
            confirms
            and order.state in ("draft", "sent")
            and order._infogerance_sells_subscription()
        ):
            problem = order._infogerance_confirmation_problem()
            if problem:
                order.sudo().message_post(
                    subject=_("Payment received, order not confirmed"),
                    body=html_escape(
                        _(
                            "Transaction %(reference)s is %(state)s but the order is not "
                            "confirmed: %(problem)s"
                        )
                        % {"reference": self.reference, "state": self.state, "problem": problem}
                    ),
                )
                return "pay_sale_infogerance_refused"
        return super()._confirm_so()
