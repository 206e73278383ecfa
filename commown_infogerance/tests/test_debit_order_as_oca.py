"""The debit stage's own way to put an invoice in a debit order
(``_infogerance_add_to_debit_order``) makes what OCA's
``create_account_payment_line`` makes: the same orders, payment lines and
messages, from the same invoices, whether a draft order exists or not."""
from odoo.exceptions import UserError

from .common import recording_calls
from .test_billing_run_debit import BillingRunDebitCase


class TestDebitOrderAsOca(BillingRunDebitCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # OCA's class, recorded where it is defined: a method patched on the
        # registry's class would count as another module's override
        cls.OcaInvoice = next(
            klass
            for klass in type(cls.env["account.invoice"]).__mro__
            if "create_account_payment_line" in vars(klass)
        )

    def _open_invoices(self):
        """The run's open invoices of the three customers on a valid mandate,
        the debit stage off: nothing in an order yet."""
        self.env.user.company_id.infogerance_billing_debit = False
        run = self._cron("2026-01-01")
        invoices = (
            self._invoice(run, self.customer)
            | self._invoice(run, self.other_customer)
            | self._invoice(run, self.third_customer)
        )
        self.assertEqual(set(invoices.mapped("state")), {"open"})
        self.assertFalse(self._payment_lines(invoices))
        return invoices

    def _debit(self, invoices, method):
        """Each invoice put in a debit order by ``method``; what that made, the
        order names (drawn from a sequence, not given back by a rollback)
        replaced by their payment mode's."""
        Message = self.env["mail.message"]
        last_message = Message.search([], order="id desc", limit=1).id
        orders_before = self.Order.search([])
        for invoice in invoices.sorted("id"):
            getattr(invoice, method)()
        lines = self._payment_lines(invoices).sorted("id")
        orders = self.Order.search([]) - orders_before
        names = {order.name: order.payment_mode_id.name for order in lines.mapped("order_id")}

        def plain(text):
            for name, mode in names.items():
                text = text.replace(name, "<%s>" % mode)
            return text

        return {
            "new orders": [
                (order.payment_mode_id, order.payment_type, order.journal_id, order.state)
                for order in orders.sorted("id")
            ],
            "lines": [
                (
                    line.order_id.payment_mode_id,
                    line.order_id in orders,
                    line.partner_id,
                    line.partner_bank_id,
                    line.mandate_id,
                    line.move_line_id,
                    line.communication,
                    line.communication_type,
                    line.currency_id,
                    line.amount_currency,
                )
                for line in lines
            ],
            "messages": [
                (
                    message.model,
                    message.res_id,
                    plain(message.body),
                    message.message_type,
                    message.subtype_id,
                    message.author_id,
                )
                for message in Message.search([("id", ">", last_message)], order="id")
            ],
        }

    def _both_ways(self, invoices):
        self.env.cr.execute("SAVEPOINT debit_as_oca")
        oca = self._debit(invoices, "create_account_payment_line")
        self.env.cr.execute("ROLLBACK TO SAVEPOINT debit_as_oca")
        self.env.clear()
        with recording_calls(self.OcaInvoice, "create_account_payment_line") as calls:
            ours = self._debit(invoices, "_infogerance_add_to_debit_order")
        self.assertEqual(calls, [], "OCA's method called: the test compares nothing")
        return oca, ours

    def test_debit_order_as_oca_new_draft_orders(self):
        invoices = self._open_invoices()
        self.assertFalse(self._drafts())
        oca, ours = self._both_ways(invoices)
        self.assertEqual(len(oca["new orders"]), 2)  # one per payment mode
        self.assertEqual(len(oca["lines"]), 3)
        self.assertEqual(len(oca["messages"]), 3)
        self.assertIn("automatically created", oca["messages"][0][2])
        self.assertIn("existing draft", oca["messages"][1][2])
        self.assertEqual(ours, oca)

    def test_debit_order_as_oca_existing_draft_order(self):
        invoices = self._open_invoices()
        self.Order.create({"payment_mode_id": self.mode.id})
        oca, ours = self._both_ways(invoices)
        self.assertEqual(len(oca["new orders"]), 1)  # the second mode's
        self.assertEqual(ours, oca)

    def test_debit_order_as_oca_refusals_are_ocas(self):
        """An invoice already in an order, or not open: OCA's method says why."""
        invoices = self._open_invoices()
        invoice = invoices[0]
        invoice._infogerance_add_to_debit_order()
        draft = invoice.copy()
        for refused in (invoice, draft):
            with recording_calls(self.OcaInvoice, "create_account_payment_line") as calls:
                with self.assertRaises(UserError):
                    refused._infogerance_add_to_debit_order()
            self.assertEqual(calls, [refused.ids])
        self.assertEqual(len(self._payment_lines(invoice)), 1)
