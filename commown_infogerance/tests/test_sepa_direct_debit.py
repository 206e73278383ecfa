"""SEPA direct debit: orders carry the payment mode and the customer's valid
mandate to their contracts and invoices; a payment order exports pain.008.001.02."""
import base64

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_resource

from .common import InfogeranceCase
from .common_sepa import DirectDebitMixin

PAIN_NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


class TestSepaDirectDebit(DirectDebitMixin, InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_direct_debit(cls.customer)

    def test_order_contracts_and_invoice_carry_mode_and_mandate(self):
        with freeze_time("2026-01-01"):
            order = self._confirm(self.customer, computers=2)
        self.assertEqual(order.payment_mode_id, self.mode)
        contracts = self._rentals(self.customer) | self._service_contract(self.customer)
        self.assertEqual(len(contracts), 3)
        self.assertEqual(contracts.mapped("payment_mode_id"), self.mode)
        self.assertEqual(contracts.mapped("mandate_id"), self.mandate)
        with freeze_time("2026-01-01"):
            self.env["account.analytic.account"].cron_recurring_create_invoice()
        invoice = self.env["account.invoice"].search([("partner_id", "child_of", self.customer.id)])
        self.assertEqual(len(invoice), 1)
        self.assertEqual(len(invoice.invoice_line_ids), 3)
        self.assertEqual(invoice.payment_mode_id, self.mode)
        self.assertEqual(invoice.mandate_id, self.mandate)
        self._check_pain_file(invoice)

    def test_salesman_confirms_and_invoices_a_direct_debit_order(self):
        """A salesman (no accounting rights) confirms an order of a customer paying
        by direct debit and invoices its sold bag: OCA reads the payment method
        (does it need a mandate, a bank account?) with the salesman's rights."""
        order = self._create_order(self.customer, computers=1)
        order.write(
            {"order_line": [(0, 0, {"product_id": self.accessory.id, "product_uom_qty": 1})]}
        )
        order.onchange_partner_id()
        with freeze_time("2026-01-01"):
            order.action_confirm()
            invoice = order.env["account.invoice"].browse(order.action_invoice_create())
        self.assertEqual(invoice.env.user, self.salesman)
        self.assertEqual(invoice.invoice_line_ids.mapped("product_id"), self.accessory)
        self.assertEqual(invoice.payment_mode_id, self.mode)
        self.assertEqual(invoice.mandate_id, self.mandate)
        self.assertTrue(invoice.mandate_required)
        self.assertEqual(self._rentals(self.customer).mapped("mandate_id"), self.mandate)

    def test_salesman_reads_payment_methods_but_cannot_change_them(self):
        """Read access shows what every employee's readable payment modes already
        name; changing a method (no mandate needed, another pain version) stays
        with accountants."""
        method = self.mode.payment_method_id.sudo(self.salesman)
        self.assertTrue(method.mandate_required)
        with self.assertRaises(AccessError):
            method.write({"mandate_required": False})
        with self.assertRaises(AccessError):
            method.copy()
        with self.assertRaises(AccessError):
            method.unlink()

    def test_context_cannot_give_the_contracts_another_mandate(self):
        """A salesman calling the confirmation by RPC with the context key the
        confirmation uses internally cannot have the customer's contracts debited
        from another customer's account."""
        other_account = self.env["res.partner.bank"].create(
            {
                "acc_number": "DE89 3704 0044 0532 0130 00",
                "partner_id": self.other_customer.id,
                "bank_id": self.bank.id,
            }
        )
        other_mandate = self.env["account.banking.mandate"].create(
            {
                "partner_bank_id": other_account.id,
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "scheme": "CORE",
                "signature_date": "2025-12-15",
                "company_id": self.env.user.company_id.id,
            }
        )
        other_mandate.validate()
        order = self._create_order(self.customer, computers=1)
        payment = {"mode": self.mode.id, "mandate": other_mandate.id}
        order.with_context(infogerance_payment=payment).action_confirm()
        contracts = self._rentals(self.customer) | self._service_contract(self.customer)
        self.assertEqual(contracts.mapped("mandate_id"), self.mandate)

    def _check_pain_file(self, invoice):
        with freeze_time("2026-01-02"):
            invoice.action_invoice_open()
            action = invoice.create_account_payment_line()
            payment_order = self.env["account.payment.order"].browse(action["res_id"])
            payment_order.draft2open()
            action = payment_order.open2generated()
        attachment = self.env["ir.attachment"].browse(action["res_id"])
        xml = base64.b64decode(attachment.datas)
        root = etree.fromstring(xml)
        xsd_path = get_module_resource(
            "account_banking_sepa_direct_debit", "data", "pain.008.001.02.xsd"
        )
        schema = etree.XMLSchema(etree.parse(xsd_path))
        self.assertTrue(schema.validate(root), schema.error_log)
        self.assertEqual(
            root.xpath("//p:MndtRltdInf/p:MndtId/text()", namespaces=PAIN_NS),
            [self.mandate.unique_mandate_reference],
        )
        self.assertEqual(
            root.xpath("//p:MndtRltdInf/p:DtOfSgntr/text()", namespaces=PAIN_NS), ["2025-12-15"]
        )
        self.assertEqual(
            float(root.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=PAIN_NS)[0]),
            invoice.amount_total,
        )
        self.assertEqual(
            root.xpath("//p:DrctDbtTxInf/p:DbtrAcct/p:Id/p:IBAN/text()", namespaces=PAIN_NS),
            ["FR7630004000031234567890143"],
        )

    def _assert_refused(self):
        order = self._create_order(self.customer, computers=1)
        with self.assertRaisesRegex(UserError, "valid SEPA direct debit mandate"):
            order.action_confirm()
        self.assertFalse(self._rentals(self.customer))

    def test_cancelled_mandate_is_refused(self):
        self.mandate.cancel()
        self._assert_refused()

    def test_expired_mandate_is_refused(self):
        self.mandate.state = "expired"
        self._assert_refused()

    def test_other_payment_mode_needs_no_mandate(self):
        self.mandate.cancel()
        order = self._create_order(self.customer, computers=1)
        transfer = self.env["account.payment.mode"].create(
            {
                "name": "Transfer (test)",
                "payment_method_id": self.env.ref("account.account_payment_method_manual_in").id,
                "bank_account_link": "variable",
            }
        )
        order.payment_mode_id = transfer
        order.action_confirm()
        self.assertEqual(self._rentals(self.customer).mapped("payment_mode_id"), transfer)
        self.assertFalse(self._rentals(self.customer).mapped("mandate_id"))
