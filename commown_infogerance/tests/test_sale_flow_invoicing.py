"""The contracts invoice rented computers and managed services, never the sale flow."""
from odoo.exceptions import UserError

from .common import InfogeranceCase
from .common_sepa import DirectDebitMixin


class TestSaleFlowNeverInvoicesSubscriptions(DirectDebitMixin, InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the customer pays by SEPA direct debit, as the demo's do: the salesman
        # confirming and invoicing reads its payment method
        cls._setup_direct_debit(cls.customer)

    def test_r3_confirmed_subscription_is_not_to_invoice(self):
        order = self._create_order(self.customer, computers=2)
        order.write(
            {"order_line": [(0, 0, {"product_id": self.accessory.id, "product_uom_qty": 1})]}
        )
        order.action_confirm()
        contract_lines = order.order_line.filtered(
            lambda l: l.product_id in (self.computer | self.service_product)
        )
        self.assertEqual(set(contract_lines.mapped("qty_to_invoice")), {0.0})
        self.assertEqual(set(contract_lines.mapped("invoice_status")), {"no"})
        # "Create invoice" bills the bag only, not the first month again
        invoice = self.env["account.invoice"].browse(order.action_invoice_create())
        self.assertEqual(invoice.invoice_line_ids.mapped("product_id"), self.accessory)
        self.assertEqual(invoice.payment_mode_id, self.mode)
        self.assertEqual(invoice.mandate_id, self.mandate)

    def test_r3_create_invoice_on_a_subscription_only_order_bills_nothing(self):
        order = self._confirm(self.customer, computers=2)
        self.assertEqual(order.invoice_status, "no")
        with self.assertRaises(UserError):
            order.action_invoice_create()

    def test_r3_shop_automatic_invoice_does_not_bill_the_first_month_again(self):
        """sale_payment forces every line to be invoiced when the shop invoices
        automatically on payment."""
        order = self._confirm(self.customer, computers=2)
        order._force_lines_to_invoice_policy_order()
        self.assertEqual(set(order.order_line.mapped("qty_to_invoice")), {0.0})
        with self.assertRaises(UserError):
            order.action_invoice_create()
