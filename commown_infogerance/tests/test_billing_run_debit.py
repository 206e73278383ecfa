"""The billing run's direct-debit stage: each open invoice paid by SEPA direct
debit on a valid mandate goes into the draft debit order of its payment mode, once;
the others are left out with their reason on the run; the order the stage filled,
confirmed and exported by the accountant, is a valid pain.008.001.02 file whose
sequence type follows the mandate (FRST, then RCUR)."""
import base64
import xmlrpc.client
from collections import defaultdict
from unittest import mock

import psycopg2
import psycopg2.errorcodes
from freezegun import freeze_time
from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_resource
from odoo.tests import common
from odoo.tests.common import HttpCase, get_db_name
from odoo.tools import mute_logger

from .common import validation_refused_for
from .common_sepa import DirectDebitMixin
from .concurrency import ConcurrentCase
from .test_billing_run import BillingRunBaseCase
from .test_security_attacks import PASSWORD, _ensure_http_server

PAIN_NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


class _SerializationFailure(psycopg2.OperationalError):
    """What PostgreSQL raises to the second of two workers filling one debit
    order (the stage's lock on the payment mode, under repeatable read)."""

    pgcode = psycopg2.errorcodes.SERIALIZATION_FAILURE


class BillingRunDebitCase(DirectDebitMixin, BillingRunBaseCase):
    """Six customers confirmed on 1 January 2026: two on the SEPA mode with valid
    mandates, one on a second SEPA mode, one whose mandate was revoked after the
    order, one switched to direct debit without a mandate, one paying by card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_direct_debit(cls.customer)
        cls.other_mandate = cls._add_mandate(cls.other_customer, "DE89 3704 0044 0532 0130 00")
        cls.other_customer.customer_payment_mode_id = cls.mode
        cls.second_mode = cls.mode.copy({"name": "SEPA direct debit, second bank (test)"})
        cls.third_customer = cls._create_company("Forge Test", "Nantes", "44000")
        cls._add_mandate(cls.third_customer, "FR76 1027 8060 3100 0205 1870 104")
        cls.third_customer.customer_payment_mode_id = cls.second_mode
        cls.revoked_customer = cls._create_company("Revoque Test", "Lille", "59000")
        cls.revoked_mandate = cls._add_mandate(
            cls.revoked_customer, "FR76 1751 5900 0008 0000 0000 155"
        )
        cls.revoked_customer.customer_payment_mode_id = cls.mode
        cls.card = cls.env["account.payment.mode"].create(
            {
                "name": "Card (test)",
                "payment_method_id": cls.env.ref("account.account_payment_method_manual_in").id,
                "bank_account_link": "variable",
            }
        )
        cls.unsigned_customer = cls._create_company("Sans Mandat Test", "Brest", "29200")
        cls.unsigned_customer.customer_payment_mode_id = cls.card
        cls.card_customer = cls._create_company("Carte Test", "Dijon", "21000")
        cls.card_customer.customer_payment_mode_id = cls.card
        with freeze_time("2026-01-01"):
            cls._confirm(cls, cls.customer, computers=2)
            cls._confirm(cls, cls.other_customer, computers=1)
            for partner in (
                cls.third_customer,
                cls.revoked_customer,
                cls.unsigned_customer,
                cls.card_customer,
            ):
                cls._confirm(cls, partner, computers=1)
        # after the order: a revoked mandate; contracts switched to direct debit
        # while the mandate never came back signed
        cls.revoked_mandate.cancel()
        (
            cls._rentals(cls, cls.unsigned_customer)
            | cls._service_contract(cls, cls.unsigned_customer)
        ).write({"payment_mode_id": cls.mode.id})
        cls.Order = cls.env["account.payment.order"]

    @classmethod
    def _add_mandate(cls, partner, iban):
        account = cls.env["res.partner.bank"].create(
            {"acc_number": iban, "partner_id": partner.id, "bank_id": cls.bank.id}
        )
        mandate = cls.env["account.banking.mandate"].create(
            {
                "partner_bank_id": account.id,
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "scheme": "CORE",
                "signature_date": "2025-12-15",
                "company_id": cls.env.user.company_id.id,
            }
        )
        mandate.validate()
        return mandate

    def _item(self, run, partner):
        return run.item_ids.filtered(lambda item: item.partner_id == partner)

    def _invoice(self, run, partner):
        return self._item(run, partner).invoice_ids

    def _drafts(self):
        """The draft debit orders of the test's modes (a demo database has others)."""
        modes = self.mode | self.second_mode
        return self.Order.search([("payment_mode_id", "in", modes.ids), ("state", "=", "draft")])

    def _ours(self, records, partner_field="partner_id"):
        """The records of the test's customers (a demo database has others)."""
        partners = (
            self.customer
            | self.other_customer
            | self.third_customer
            | self.revoked_customer
            | self.unsigned_customer
            | self.card_customer
        )
        return records.filtered(lambda r: r[partner_field].commercial_partner_id in partners)

    def _payment_lines(self, invoices):
        return invoices.mapped("move_id.line_ids.payment_line_ids")

    def _skipped(self, run):
        return {(skip.partner_id, skip.reason) for skip in self._ours(run.debit_skip_ids)}

    def _export(self, order, day):
        """The accountant's two clicks: confirm, generate. The file's root."""
        with freeze_time(day):
            order.draft2open()
            action = order.open2generated()
        attachment = self.env["ir.attachment"].browse(action["res_id"])
        return etree.fromstring(base64.b64decode(attachment.datas))

    def _sequence_types(self, root):
        """{IBAN: sequence type} of the file's transactions."""
        types = {}
        for info in root.xpath("//p:PmtInf", namespaces=PAIN_NS):
            sequence = info.xpath("p:PmtTpInf/p:SeqTp/text()", namespaces=PAIN_NS)[0]
            for iban in info.xpath(".//p:DbtrAcct/p:Id/p:IBAN/text()", namespaces=PAIN_NS):
                types[iban] = sequence
        return types


class TestBillingRunDebit(BillingRunDebitCase):
    def test_billing_run_debit_one_draft_order_per_payment_mode(self):
        self.assertFalse(self._drafts())
        run = self._cron("2026-01-01")
        self.assertEqual(run.state, "done")
        invoices = {
            partner: self._invoice(run, partner)
            for partner in (self.customer, self.other_customer, self.third_customer)
        }
        for partner, invoice in invoices.items():
            self.assertEqual(invoice.state, "open", partner.name)
        drafts = self._drafts()
        self.assertEqual(len(drafts), 2)
        first = drafts.filtered(lambda o: o.payment_mode_id == self.mode)
        second = drafts.filtered(lambda o: o.payment_mode_id == self.second_mode)
        self.assertEqual(
            first.payment_line_ids.mapped("move_line_id.invoice_id"),
            invoices[self.customer] | invoices[self.other_customer],
        )
        self.assertEqual(
            second.payment_line_ids.mapped("move_line_id.invoice_id"), invoices[self.third_customer]
        )
        self.assertEqual(
            first.payment_line_ids.mapped("mandate_id"), self.mandate | self.other_mandate
        )
        # on the run: its orders, the invoices and amount in them
        debited = (
            invoices[self.customer] | invoices[self.other_customer] | invoices[self.third_customer]
        )
        self.assertEqual(run.debit_order_ids & drafts, drafts)
        self.assertEqual(run.debit_order_count, len(run.debit_order_ids))
        all_debited = run.item_ids.mapped("debit_invoice_ids")
        self.assertEqual(self._ours(all_debited), debited)
        self.assertEqual(run.debit_invoice_count, len(all_debited))
        self.assertAlmostEqual(run.debit_amount, sum(all_debited.mapped("residual")), places=2)
        self.assertTrue(all(run.item_ids.mapped("debit_done")))
        action = run.sudo(self.accountant).action_view_debit_orders()
        self.assertEqual(action["res_model"], "account.payment.order")
        self.assertEqual(action["domain"], [("id", "in", run.debit_order_ids.ids)])

    def test_billing_run_debit_skipped_with_their_reason(self):
        run = self._cron("2026-01-01")
        self.assertEqual(
            self._skipped(run),
            {
                (self.revoked_customer, "mandate_not_valid"),
                (self.unsigned_customer, "no_mandate"),
                (self.card_customer, "not_direct_debit"),
            },
        )
        revoked = run.debit_skip_ids.filtered(lambda s: s.reason == "mandate_not_valid")
        self.assertEqual(revoked.invoice_id, self._invoice(run, self.revoked_customer))
        self.assertIn(self.revoked_mandate.unique_mandate_reference, revoked.detail)
        self.assertIn("Cancelled", revoked.detail)
        card = run.debit_skip_ids.filtered(lambda s: s.reason == "not_direct_debit")
        self.assertEqual(card.detail, "Card (test)")
        self.assertEqual(card.amount, card.invoice_id.residual)
        self.assertEqual(run.debit_skip_count, len(run.debit_skip_ids))
        # never in an order, never an error: the stage is done for everyone
        skipped = self._ours(run.debit_skip_ids).mapped("invoice_id")
        self.assertFalse(self._payment_lines(skipped))
        self.assertEqual(set(skipped.mapped("state")), {"open"})
        self.assertTrue(all(run.item_ids.mapped("debit_done")))
        self.assertFalse(any(run.item_ids.mapped("debit_error")))
        self.assertEqual(run.state, "done")
        # the accountant reads the list
        as_accountant = run.sudo(self.accountant)
        self.assertEqual(
            len(as_accountant.debit_skip_ids.read(["reason", "invoice_id"])),
            len(run.debit_skip_ids),
        )
        self.assertTrue(as_accountant.read(["debit_order_count", "debit_amount"]))
        # the orders' button is for OCA's payment managers only
        arch = etree.fromstring(as_accountant.fields_view_get(view_type="form")["arch"])
        self.assertTrue(arch.xpath("//field[@name='debit_skip_ids']"))
        button = arch.xpath("//button[@name='action_view_debit_orders']")[0]
        self.assertEqual(button.get("invisible"), "1")

    def test_billing_run_debit_adds_nothing_twice(self):
        run = self._cron("2026-01-01")
        lines = self._payment_lines(run.item_ids.mapped("invoice_ids"))
        self.assertEqual(len(self._ours(lines)), 3)
        skips, count = run.debit_skip_ids, run.debit_invoice_count
        # run again: the cron resumed, the accountant's buttons
        self.assertEqual(self._cron("2026-01-01"), run)
        run.sudo(self.accountant).action_start()
        run.sudo(self.accountant).action_retry_failed()
        # the stage itself again on every item (a crash before it was marked done)
        run.item_ids.write({"debit_done": False})
        run.sudo(self.accountant).action_start()
        self.assertTrue(all(run.item_ids.mapped("debit_done")), "resumed by Run what is left")
        run.item_ids.write({"debit_done": False})
        for item in run.item_ids:
            item._infogerance_run_debit()
        self.assertEqual(self._payment_lines(run.item_ids.mapped("invoice_ids")), lines)
        self.assertEqual(len(self._drafts()), 2)
        # its own invoices are not reported as "already in an order"
        self.assertNotIn("in_order", run.debit_skip_ids.mapped("reason"))
        self.assertEqual(len(run.debit_skip_ids), len(skips))
        self.assertEqual(run.debit_invoice_count, count)

    def test_billing_run_debit_invoice_already_in_an_order_skipped(self):
        """A customer's invoice fails to validate: left out (not validated). The
        accountant validates it and puts it in the debit order by hand; the next
        run validates nothing more and leaves it where it is, saying so."""
        with validation_refused_for(self.env, self.customer, "Fiscal year closed"):
            run = self._cron("2026-01-01")
        item = self._item(run, self.customer)
        invoice = item.invoice_ids
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(item.debit_skip_ids.reason, "not_open")
        self.assertFalse(item.debit_done)
        # the other customer of the mode is in the draft order
        order = self._drafts().filtered(lambda o: o.payment_mode_id == self.mode)
        self.assertEqual(
            order.payment_line_ids.mapped("move_line_id.invoice_id"),
            self._invoice(run, self.other_customer),
        )
        # by hand: validated, put in the order
        with freeze_time("2026-01-02"):
            invoice.action_invoice_open()
            invoice.create_account_payment_line()
        self.assertEqual(len(self._payment_lines(invoice)), 1)
        run.sudo(self.accountant).action_start()
        self.assertTrue(item.stages_done)
        self.assertTrue(item.debit_done)
        self.assertEqual(len(self._payment_lines(invoice)), 1)
        self.assertEqual(item.debit_skip_ids.reason, "in_order")
        self.assertEqual(item.debit_skip_ids.detail, order.name)
        self.assertFalse(item.debit_invoice_ids)

    def test_billing_run_debit_invoice_validated_later_goes_in_the_order(self):
        with validation_refused_for(self.env, self.customer, "Fiscal year closed"):
            run = self._cron("2026-01-01")
        item = self._item(run, self.customer)
        run.sudo(self.accountant).action_start()
        self.assertEqual(item.invoice_ids.state, "open")
        self.assertFalse(item.debit_skip_ids)
        self.assertEqual(item.debit_invoice_ids, item.invoice_ids)
        order = self._drafts().filtered(lambda o: o.payment_mode_id == self.mode)
        self.assertEqual(
            order.payment_line_ids.mapped("move_line_id.invoice_id"),
            item.invoice_ids | self._invoice(run, self.other_customer),
        )

    def test_billing_run_running_until_every_debit_is_done(self):
        """The direct debit is a stage of the run: invoiced, validated and sent but
        not debited yet, the run is running; done at once when the company fills
        no debit order; a debit that lost its race for the order at every try makes
        it done with failures, until the run is run again."""
        Item = type(self.env["infogerance.billing.run.item"])
        with mock.patch.object(Item, "_infogerance_debit_item"):
            run = self._cron("2026-01-01")
        item = self._item(run, self.customer)
        self.assertTrue(item.stages_done)
        self.assertFalse(item.debit_done)
        self.assertEqual(run.state, "running")
        self.assertEqual(run.customer_stages_todo, run.customer_done)
        company = self.env.user.company_id
        company.infogerance_billing_debit = False
        run.invalidate_cache()
        self.assertEqual(run.state, "done")
        company.infogerance_billing_debit = True
        run.invalidate_cache()
        self.assertEqual(run.state, "running")
        # the customer's debit order kept busy by another worker, every try
        original, customer = Item._infogerance_run_debit, self.customer

        def busy(items):
            if items.partner_id == customer:
                raise _SerializationFailure("could not serialize access due to concurrent update")
            return original(items)

        with mock.patch.object(Item, "_infogerance_run_debit", busy), mock.patch(
            "odoo.addons.commown_infogerance.models.billing_transaction.time.sleep"
        ):
            run.sudo(self.accountant).action_start()
        self.assertTrue(item.debit_error)
        self.assertFalse(item.debit_done)
        self.assertEqual(run.customer_stages_todo, 0)
        self.assertEqual(run.customer_stage_failed, 1)
        self.assertEqual(run.failed_item_ids, item)
        self.assertEqual(run.state, "failed")
        # run what is left: debited, done
        run.sudo(self.accountant).action_start()
        self.assertTrue(item.debit_done)
        self.assertFalse(item.debit_error)
        self.assertEqual(run.state, "done")

    def test_billing_run_debit_refused_invoice_makes_the_run_fail_not_run_forever(self):
        Invoice = type(self.env["account.invoice"])
        original, customer = Invoice.create_account_payment_line, self.customer

        def refuse(invoices):
            if invoices.partner_id.commercial_partner_id == customer:
                raise UserError("No payment line for this invoice")  # pylint: disable=C8107
            return original(invoices)

        with mock.patch.object(Invoice, "create_account_payment_line", refuse):
            run = self._cron("2026-01-01")
        item = self._item(run, self.customer)
        self.assertFalse(item.debit_done)
        self.assertIn("No payment line for this invoice", item.debit_error)
        self.assertEqual(run.state, "failed", "said, not running until someone runs it again")
        self.assertIn(item, run.failed_item_ids)
        # run what is left: debited, done
        run.sudo(self.accountant).action_start()
        self.assertTrue(item.debit_done)
        self.assertFalse(item.debit_error)
        self.assertEqual(run.state, "done")

    def test_billing_run_debit_setting_off_fills_no_order(self):
        self.env.user.company_id.infogerance_billing_debit = False
        run = self._cron("2026-01-01")
        self.assertEqual(run.state, "done")
        self.assertEqual(set(run.item_ids.mapped("invoice_ids.state")), {"open"})
        self.assertFalse(run.debit_order_ids)
        self.assertFalse(self._drafts())
        self.assertFalse(run.debit_skip_ids)
        self.assertEqual(run.debit_order_count, 0)
        self.assertTrue(all(run.item_ids.mapped("debit_done")))

    def test_billing_run_debit_file_validates_against_pain_008_xsd(self):
        run = self._cron("2026-01-01")
        order = run.debit_order_ids.filtered(lambda o: o.payment_mode_id == self.mode)
        root = self._export(order, "2026-01-02")
        xsd_path = get_module_resource(
            "account_banking_sepa_direct_debit", "data", "pain.008.001.02.xsd"
        )
        schema = etree.XMLSchema(etree.parse(xsd_path))
        self.assertTrue(schema.validate(root), schema.error_log)
        # each debtor's amount is its invoice's residual; the control sum their total
        invoices = self._invoice(run, self.customer) | self._invoice(run, self.other_customer)
        amounts = defaultdict(float)
        for transaction in root.xpath("//p:DrctDbtTxInf", namespaces=PAIN_NS):
            iban = transaction.xpath("p:DbtrAcct/p:Id/p:IBAN/text()", namespaces=PAIN_NS)[0]
            amounts[iban] += float(transaction.xpath("p:InstdAmt/text()", namespaces=PAIN_NS)[0])
        expected = {
            invoice.mandate_id.partner_bank_id.sanitized_acc_number: invoice.residual
            for invoice in invoices
        }
        self.assertEqual(set(amounts), set(expected))
        for iban, amount in expected.items():
            self.assertAlmostEqual(amounts[iban], amount, places=2)
        control = float(root.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=PAIN_NS)[0])
        self.assertAlmostEqual(control, sum(invoices.mapped("residual")), places=2)
        self.assertAlmostEqual(control, order.total_company_currency, places=2)

    def test_billing_run_debit_sequence_type_first_then_recurring(self):
        """OCA's rule: a new recurrent mandate is debited FRST; once the file is
        marked uploaded, the mandate switches to recurring and the next debit is
        RCUR."""
        iban = self.mandate.partner_bank_id.sanitized_acc_number
        january = self._cron("2026-01-01")
        order = january.debit_order_ids.filtered(lambda o: o.payment_mode_id == self.mode)
        self.assertEqual(self._sequence_types(self._export(order, "2026-01-02"))[iban], "FRST")
        self.assertEqual(self.mandate.recurrent_sequence_type, "first")
        with freeze_time("2026-01-03"):
            order.generated2uploaded()
        self.assertEqual(self.mandate.recurrent_sequence_type, "recurring")
        # meanwhile the customer switched to direct debit signs its first mandate
        signed = self._add_mandate(self.unsigned_customer, "FR76 1470 7000 0100 0000 0000 174")
        february = self._cron("2026-02-01")
        order2 = february.debit_order_ids.filtered(lambda o: o.payment_mode_id == self.mode)
        self.assertNotEqual(order2, order)
        self.assertEqual(order2.state, "draft")
        self.assertEqual(
            order2.payment_line_ids.mapped("move_line_id.invoice_id"),
            self._invoice(february, self.customer)
            | self._invoice(february, self.other_customer)
            | self._invoice(february, self.unsigned_customer),
        )
        types = self._sequence_types(self._export(order2, "2026-02-02"))
        self.assertEqual(types[iban], "RCUR")
        self.assertEqual(types[self.other_mandate.partner_bank_id.sanitized_acc_number], "RCUR")
        self.assertEqual(types[signed.partner_bank_id.sanitized_acc_number], "FRST")


@common.at_install(False)
@common.post_install(True)
class TestBillingRunDebitRpc(HttpCase):
    """Over XML-RPC, a salesman and a portal user can neither start a run nor
    reach its direct-debit stage, nor read what it left out, nor turn it off."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _ensure_http_server()

    def setUp(self):
        super().setUp()
        muted = mute_logger("odoo.http", "odoo.sql_db")
        muted.__enter__()
        self.addCleanup(muted.__exit__, None, None, None)
        self.rpc = xmlrpc.client.ServerProxy(
            "http://%s:%d/xmlrpc/2/object" % (common.HOST, common.PORT), allow_none=True
        )
        # the HTTP threads work on the registry's test cursor
        self.env = env = api.Environment(self.registry.test_cr, SUPERUSER_ID, {})
        self.addCleanup(env.clear)
        # the refusals are asserted in English (test_i18n checks the French ones)
        env["res.lang"].with_context(active_test=False).search([("code", "=", "en_US")]).write(
            {"active": True}
        )
        self.run_ = env["infogerance.billing.run"].create({"date": "2031-01-01"})
        customer = env["res.partner"].create({"name": "RPC customer", "is_company": True})
        self.item = env["infogerance.billing.run.item"].create(
            {
                "run_id": self.run_.id,
                "partner_id": customer.id,
                "date": "2031-01-01",
                "company_id": self.run_.company_id.id,
            }
        )
        Users = env["res.users"].with_context(no_reset_password=True)
        self.salesman = Users.create(
            {
                "name": "RPC salesman",
                "login": "debit_rpc_salesman",
                "password": PASSWORD,
                "lang": "en_US",
                "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        self.portal = Users.create(
            {
                "name": "RPC portal",
                "login": "debit_rpc_portal",
                "password": PASSWORD,
                "lang": "en_US",
                "partner_id": env["res.partner"]
                .create({"name": "RPC contact", "parent_id": customer.id})
                .id,
                "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
            }
        )
        # the test cursor's savepoint: a refused request rolls back to it, not
        # before this data (the test's transaction is rolled back at its end)
        self.orders_before = env["account.payment.order"].search_count([])
        self.registry.test_cr.commit()

    def _fault(self, user, model, method, *args):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self.rpc.execute_kw(get_db_name(), user.id, PASSWORD, model, method, list(args))
        return caught.exception.faultString

    def test_billing_run_debit_refused_to_salesman_and_portal_over_rpc(self):
        run, item = "infogerance.billing.run", "infogerance.billing.run.item"
        refused = "not allowed|only accountants and managed-services managers"
        for user in (self.salesman, self.portal):
            for method in ("action_start", "action_retry_failed", "action_view_debit_orders"):
                self.assertRegex(
                    self._fault(user, run, method, [self.run_.id]),
                    "only accountants and managed-services managers",
                )
            for method, args in (
                ("_infogerance_debit_item", (self.item.id,)),
                ("_infogerance_run_debit", ([self.item.id],)),
                ("_infogerance_bill_items", ([self.item.id],)),
            ):
                self.assertIn("Private methods", self._fault(user, item, method, *args))
            self.assertRegex(
                self._fault(user, "infogerance.billing.run.debit.skip", "search_read", []), refused
            )
            self.assertRegex(
                self._fault(
                    user,
                    "res.company",
                    "write",
                    [self.run_.company_id.id],
                    {"infogerance_billing_debit": False},
                ),
                refused,
            )
        self.assertTrue(self.run_.company_id.infogerance_billing_debit)
        self.assertFalse(self.item.debit_done)
        self.assertEqual(self.env["account.payment.order"].search_count([]), self.orders_before)


class TestBillingRunDebitRights(BillingRunDebitCase):
    def test_billing_run_debit_orders_action_refused_to_salesman(self):
        run = self._cron("2026-01-01")
        with self.assertRaises(AccessError):
            run.sudo(self.salesman).action_view_debit_orders()


class TestBillingRunDebitOneDraftPerMode(ConcurrentCase):
    """Two workers filling the debit order of one payment mode at once, with no
    draft yet, make one draft, not two: the second waits on the mode, fails to
    serialize, and its retry finds the first's draft (committed data)."""

    def setUp(self):
        super().setUp()
        with self.registry_.cursor() as cr:
            env = self.env_of(cr)
            mode = env["account.payment.mode"].create(
                {
                    "name": "SEPA direct debit (race test)",
                    "payment_method_id": env.ref(
                        "account_banking_sepa_direct_debit.sepa_direct_debit"
                    ).id,
                    "bank_account_link": "variable",
                }
            )
            self.mode_id = mode.id

    def tearDown(self):
        with self.registry_.cursor() as cr:
            env = self.env_of(cr)
            env["account.payment.order"].search([("payment_mode_id", "=", self.mode_id)]).unlink()
            env["account.payment.mode"].browse(self.mode_id).unlink()
        super().tearDown()

    def _draft_for_mode(self, cr):
        """What the stage does before OCA's create_account_payment_line, then what
        that method does: the mode's draft, created if there is none."""
        env = self.env_of(cr)
        mode = env["account.payment.mode"].browse(self.mode_id)
        env["infogerance.billing.run.item"]._infogerance_lock_debit_orders(mode)
        Order = env["account.payment.order"]
        draft = Order.search([("payment_mode_id", "=", mode.id), ("state", "=", "draft")], limit=1)
        return draft or Order.create({"payment_mode_id": mode.id})

    def test_billing_run_debit_two_workers_make_one_draft_order(self):
        with self.race(self._draft_for_mode, self._draft_for_mode) as (outcome, cr2):
            self.assertEqual(outcome, "40001", "the second fails to serialize")
            # the stage's retry, in a new transaction
            self._draft_for_mode(cr2)
            cr2.commit()
        with self.registry_.cursor() as cr:
            drafts = self.env_of(cr)["account.payment.order"].search(
                [("payment_mode_id", "=", self.mode_id), ("state", "=", "draft")]
            )
            self.assertEqual(len(drafts), 1)
