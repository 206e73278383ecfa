"""SEPA direct debit: orders carry the payment mode and the customer's valid
mandate to their contracts and invoices; a payment order exports pain.008.001.02."""
import base64

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import UserError
from odoo.modules.module import get_module_resource

from .common import InfogeranceCase

PAIN_NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


class TestSepaDirectDebit(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.user.company_id
        company.sepa_creditor_identifier = "FR78ZZZ424242"
        bank = cls.env["res.bank"].create({"name": "Banque (test)", "bic": "AGRIFRPPXXX"})
        company_account = cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR14 2004 1010 0505 0001 3M02 606",
                "partner_id": company.partner_id.id,
                "bank_id": bank.id,
                "company_id": company.id,
            }
        )
        journal = cls.env["account.journal"].create(
            {
                "name": "Direct debits (test)",
                "type": "bank",
                "code": "DDTST",
                "bank_account_id": company_account.id,
                "company_id": company.id,
            }
        )
        method = cls.env.ref("account_banking_sepa_direct_debit.sepa_direct_debit")
        method.pain_version = "pain.008.001.02"
        cls.mode = cls.env["account.payment.mode"].create(
            {
                "name": "SEPA direct debit (test)",
                "company_id": company.id,
                "payment_method_id": method.id,
                "bank_account_link": "fixed",
                "fixed_journal_id": journal.id,
            }
        )
        customer_account = cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR76 3000 4000 0312 3456 7890 143",
                "partner_id": cls.customer.id,
                "bank_id": bank.id,
            }
        )
        cls.mandate = cls.env["account.banking.mandate"].create(
            {
                "partner_bank_id": customer_account.id,
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "scheme": "CORE",
                "signature_date": "2025-12-15",
                "company_id": company.id,
            }
        )
        cls.mandate.validate()
        cls.customer.customer_payment_mode_id = cls.mode

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
