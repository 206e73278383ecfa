"""The month's billing run: one item per customer and date (the database forbids a
second), each customer billed on its own, a failing customer recorded while the
others are invoiced, a second run of the same date doing only what is left."""
from unittest import mock

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from ..models.billing_transaction import IN_CALLER_TRANSACTION
from .common import InfogeranceCase, validation_refused_for


class BillingRunBaseCase(InfogeranceCase):
    """What every billing run's test class sets up first (no test here: its
    subclasses' tests run once): the billing in the test's transaction, an
    accountant, and the daily cron on a given day. Each subclass confirms its
    customers' orders (after its own set-up of their payment, say)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the test's data is not committed: each customer in a savepoint instead
        cls.env = cls.env(
            context=dict(cls.env.context, infogerance_billing_transaction=IN_CALLER_TRANSACTION)
        )
        cls.accountant = cls._create_user(
            "Alex Accountant", "infogerance_accountant", "account.group_account_invoice"
        )
        cls.Run = cls.env["infogerance.billing.run"]

    def _cron(self, day):
        with freeze_time(day):
            return self.Run._cron_infogerance_billing_run()


class BillingRunCase(BillingRunBaseCase):
    """Two customers confirmed on 1 January 2026: 2 computers and 1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-01-01"):
            cls._confirm(cls, cls.customer, computers=2)
            cls._confirm(cls, cls.other_customer, computers=1)

    def _contracts(self, partner):
        return self._rentals(partner) | self._service_contract(partner)

    def _invoice_lines(self, partner):
        return self.env["account.invoice.line"].search(
            [("account_analytic_id", "in", self._contracts(partner).ids)]
        )


class TestBillingRun(BillingRunCase):
    def test_billing_run_invoices_each_customer_once_per_date(self):
        run = self._cron("2026-01-01")
        self.assertEqual(len(run), 1)
        self.assertEqual(run.date, "2026-01-01")
        self.assertEqual(run.trigger, "cron")
        self.assertEqual(
            set(run.item_ids.mapped("partner_id").ids)
            >= {self.customer.id, self.other_customer.id},
            True,
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self._invoice_lines(self.customer)), 3)
        self.assertEqual(len(self._invoice_lines(self.other_customer)), 2)
        item = run.item_ids.filtered(lambda i: i.partner_id == self.customer)
        self.assertEqual(item.state, "done")
        self.assertEqual(len(item.invoice_ids), 1)
        self.assertEqual(item.contract_ids, self._contracts(self.customer))
        self.assertEqual(run.invoice_count, len(run.item_ids.mapped("invoice_ids")))
        self.assertAlmostEqual(
            run.amount_untaxed, sum(run.item_ids.mapped("invoice_ids.amount_untaxed")), places=2
        )
        # the same date again (the cron resumed, or an accountant): nothing more
        self.assertEqual(self._cron("2026-01-01"), run)
        run.sudo(self.accountant).action_start()
        run.sudo(self.accountant).action_retry_failed()
        self.assertEqual(len(self._invoice_lines(self.customer)), 3)
        self.assertEqual(self.Run.search_count([("date", "=", "2026-01-01")]), 1)
        # next month: a new run
        run2 = self._cron("2026-02-01")
        self.assertNotEqual(run2, run)
        self.assertEqual(len(self._invoice_lines(self.customer)), 6)

    def test_billing_run_chunks_weighed_by_contracts(self):
        big = self._create_company("Grande Test", "Paris", "75012")
        with freeze_time("2026-01-01"):
            self._confirm(big, computers=6)
        self.env.user.company_id.infogerance_billing_chunk_size = 2
        chunks = []
        Run = type(self.Run)
        with mock.patch.object(Run, "_infogerance_dispatch", lambda run, c: chunks.extend(c)):
            run = self.Run.create({"date": "2026-01-01"})
            run.action_start()
        items = {item.partner_id: item.id for item in run.item_ids}
        where = {item_id: n for n, chunk in enumerate(chunks) for item_id in chunk}
        self.assertEqual(sorted(where), sorted(items.values()), "every customer once")
        # 7 contracts against 3 and 2 (and the demo's customers, if any): alone, and
        # before them (fixed chunks of 2 customers would pair it with another)
        self.assertEqual(chunks[where[items[big]]], [items[big]])
        self.assertLess(where[items[big]], where[items[self.customer]])
        self.assertLess(where[items[big]], where[items[self.other_customer]])

    def test_billing_run_item_unique_in_the_database(self):
        run = self._cron("2026-01-01")
        item = run.item_ids[0]
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env["infogerance.billing.run.item"].create(
                    {
                        "run_id": run.id,
                        "partner_id": item.partner_id.id,
                        "date": item.date,
                        "company_id": item.company_id.id,
                    }
                )
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Run.create({"date": run.date, "company_id": run.company_id.id})

    def test_billing_run_failing_customer_isolated_blocking_warning(self):
        self.customer.write({"invoice_warn": "block", "invoice_warn_msg": "Unpaid since May"})
        run = self._cron("2026-01-01")
        failed = run.item_ids.filtered(lambda i: i.partner_id == self.customer)
        self.assertEqual(failed.state, "failed")
        self.assertIn("blocking invoice warning", failed.error)
        self.assertIn("Unpaid since May", failed.error)
        self.assertTrue(failed.error_date)
        self.assertEqual(run.failed_item_ids, failed)
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.customer_failed, 1)
        # the others are invoiced
        self.assertEqual(len(self._invoice_lines(self.other_customer)), 2)
        self.assertFalse(self._invoice_lines(self.customer))
        # on the contracts: the error, the filter, a message, one activity
        contracts = self._contracts(self.customer)
        Contract = self.env["account.analytic.account"]
        self.assertEqual(
            Contract.search([("infogerance_billing_error", "!=", False)]) & contracts, contracts
        )
        for contract in contracts:
            self.assertIn("Unpaid since May", contract.infogerance_billing_error)
            self.assertEqual(len(contract.activity_ids), 1)
            self.assertIn("Unpaid since May", contract.message_ids[0].body)
        # failing again adds no second activity
        run.action_retry_failed()
        self.assertEqual(len(contracts[0].activity_ids), 1)
        self.assertEqual(failed.attempts, 2)
        # once the warning is lifted, the accountant runs the failed again
        self.customer.write({"invoice_warn": "no-message"})
        run.sudo(self.accountant).action_retry_failed()
        self.assertEqual(failed.state, "done")
        self.assertFalse(failed.error)
        self.assertEqual(len(self._invoice_lines(self.customer)), 3)
        self.assertFalse(contracts.filtered("infogerance_billing_error"))
        self.assertFalse(contracts.mapped("activity_ids"))
        self.assertEqual(run.state, "done")

    def test_billing_run_failing_customer_isolated_database_error(self):
        """A failure deep in the invoice (here a constraint of the database) is
        recorded too, and the other customers are invoiced."""
        self.customer.property_account_receivable_id = False
        run = self._cron("2026-01-01")
        failed = run.item_ids.filtered(lambda i: i.partner_id == self.customer)
        self.assertEqual(failed.state, "failed")
        self.assertTrue(failed.error)
        self.assertEqual(len(self._invoice_lines(self.other_customer)), 2)

    def test_billing_run_refused_to_salesman_and_portal(self):
        run = self._cron("2026-01-01")
        portal = self.env["res.users"].create(
            {
                "name": "Pat Portal",
                "login": "billing_portal",
                "partner_id": self.customer.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        for user in (self.salesman, portal):
            for method in ("action_start", "action_retry_failed"):
                with self.assertRaises(AccessError):
                    getattr(run.sudo(user), method)()
            with self.assertRaises(AccessError):
                run.sudo(user).read(["date"])
            with self.assertRaises(AccessError):
                self.env["infogerance.billing.run.item"].sudo(user).search_read([])
            with self.assertRaises(AccessError):
                self.Run.sudo(user).create({"date": "2026-03-01"})
        # accountants and managers may
        self.assertTrue(run.sudo(self.accountant).read(["customer_count"]))
        self.assertTrue(run.sudo(self.manager).action_start())


class TestBillingRunStages(BillingRunCase):
    """After the invoices: validated, then e-mailed through the mail queue in the
    customer's language, once; a failure of a stage is recorded and resumed."""

    def _mails(self, invoices):
        return self.env["mail.mail"].search(
            [("model", "=", "account.invoice"), ("res_id", "in", invoices.ids)]
        )

    def test_billing_run_validates_and_queues_each_invoice_mail_once(self):
        self.env.ref("base.lang_fr").active = True
        self.other_customer.lang = "fr_FR"
        self.customer.lang = "en_US"
        run = self._cron("2026-01-01")
        invoices = run.item_ids.mapped("invoice_ids")
        self.assertTrue(invoices)
        self.assertEqual(set(invoices.mapped("state")), {"open"})
        self.assertTrue(all(invoices.mapped("sent")))
        self.assertTrue(all(run.item_ids.mapped("stages_done")))
        mails = self._mails(invoices)
        self.assertEqual(len(mails), len(invoices))
        # queued, never sent inside the run; the PDF waits for the mail queue
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        report = self.env.ref("account.account_invoices")
        self.assertEqual(mails.mapped("infogerance_report_id"), report)
        self.assertFalse(mails.mapped("attachment_ids"))
        french = mails.filtered(
            lambda m: m.res_id in self._invoice_lines(self.other_customer).mapped("invoice_id").ids
        )
        english = mails.filtered(
            lambda m: m.res_id in self._invoice_lines(self.customer).mapped("invoice_id").ids
        )
        self.assertIn("Facture", french.subject)
        self.assertIn("Invoice", english.subject)
        # resumed, run again: no second e-mail
        run.action_start()
        run.action_retry_failed()
        self.assertEqual(self._mails(invoices), mails)

    def test_billing_run_mail_outage_loses_nothing(self):
        from odoo.addons.base.ir.ir_mail_server import MailDeliveryException

        IrMailServer = type(self.env["ir.mail_server"])
        with mock.patch.object(
            IrMailServer, "send_email", side_effect=MailDeliveryException("SMTP down", "down")
        ) as send:
            run = self._cron("2026-01-01")
            self.assertFalse(send.called, "the run sends nothing itself")
            invoices = run.item_ids.mapped("invoice_ids")
            self.assertEqual(run.state, "done")
            self.assertEqual(set(invoices.mapped("state")), {"open"})
            mails = self._mails(invoices)
            self.assertEqual(len(mails), len(invoices))
            with mute_logger("odoo.addons.mail.models.mail_mail"):  # the outage, logged
                mails.send()
            self.assertEqual(set(mails.mapped("state")), {"exception"})
        # the server back: the same e-mails go, each with its PDF once
        with mock.patch.object(IrMailServer, "send_email", return_value="<id@test>") as send:
            mails.mark_outgoing()
            mails.send()
            self.assertEqual(send.call_count, len(invoices))
        numbers = set(invoices.mapped(lambda i: i.number.replace("/", "_")))
        for call in send.call_args_list:
            files = [part.get_filename() for part in call[0][0].walk() if part.get_filename()]
            self.assertEqual(len(files), 1, "the invoice's PDF, attached once")
            self.assertIn(files[0].split("_", 1)[1].rsplit("_", 1)[0], numbers)

    def test_billing_run_mail_queue_attaches_the_pdf_when_it_sends(self):
        from odoo.addons.base.ir.ir_mail_server import IrMailServer

        run = self._cron("2026-01-01")
        mails = self._mails(run.item_ids.mapped("invoice_ids"))
        sent = []

        def send_email(server, message, *args, **kwargs):
            sent.append([part.get_filename() for part in message.walk() if part.get_filename()])
            return "<id@test>"

        with mock.patch.object(IrMailServer, "send_email", send_email):
            mails.send()
        self.assertEqual(len(sent), len(mails))
        for files in sent:
            self.assertEqual(len(files), 1, "the invoice's PDF in the e-mail")
            self.assertTrue(files[0].startswith("Invoice_"))

    def test_billing_run_mail_without_its_pdf_is_not_sent(self):
        from odoo.addons.base.ir.ir_actions_report import IrActionsReport
        from odoo.addons.base.ir.ir_mail_server import IrMailServer

        run = self._cron("2026-01-01")
        mails = self._mails(run.item_ids.mapped("invoice_ids"))
        with mock.patch.object(
            IrActionsReport, "render_qweb_html", side_effect=OSError("wkhtmltopdf crashed")
        ), mock.patch.object(IrMailServer, "send_email") as send, mute_logger(
            "odoo.addons.commown_infogerance.models.mail_mail_report"
        ):
            mails.send()
        self.assertFalse(send.called, "never sent without its PDF")
        self.assertEqual(set(mails.mapped("state")), {"exception"})
        self.assertIn("wkhtmltopdf crashed", mails[0].failure_reason)
        self.assertFalse(mails.mapped("attachment_ids"))

    def test_billing_run_mail_report_fields_set_by_the_system_only(self):
        invoice_report = self.env.ref("account.account_invoices")
        employee = self._create_user("Eve Employee", "infogerance_eve", "base.group_user")
        portal = self.env["res.users"].create(
            {
                "name": "Pat Portal",
                "login": "infogerance_pat_mail",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        for user in (employee, portal, self.accountant):
            # Odoo 11 lets them create e-mails: not ones the queue would attach
            # another record's PDF to, sent as superuser
            with self.assertRaises(AccessError):
                self.env["mail.mail"].sudo(user).create(
                    {
                        "email_to": "eve@example.com",
                        "model": "res.partner",
                        "res_id": user.partner_id.id,
                        "infogerance_report_id": invoice_report.id,
                    }
                )
        # nor redirect an invoice's e-mail the run queued
        run = self._cron("2026-01-01")
        queued = self._mails(run.item_ids.mapped("invoice_ids"))[:1]
        self.assertTrue(queued.infogerance_report_id)
        for values in (
            {"email_to": "eve@example.com"},
            {"recipient_ids": [(6, 0, [employee.partner_id.id])]},
        ):
            with self.assertRaises(AccessError):
                queued.sudo(employee).write(values)
        # and a report of another model than the e-mail's record is not made
        mail = self.env["mail.mail"].create(
            {
                "email_to": "eve@example.com",
                "model": "res.partner",
                "res_id": self.customer.id,
                "infogerance_report_id": invoice_report.id,
            }
        )
        with mock.patch("odoo.addons.base.ir.ir_mail_server.IrMailServer.send_email") as send:
            mail.send()
        self.assertFalse(send.called)
        self.assertEqual(mail.state, "exception")
        self.assertFalse(mail.attachment_ids)

    def test_billing_run_running_until_every_customer_stages_are_done(self):
        """A customer invoiced is not done until its invoices are validated and
        sent: the run is running meanwhile (not done with its stages to do). A stage
        that failed makes the run done with failures, the customer among the
        failed ones, until the run is run again."""
        Item = type(self.env["infogerance.billing.run.item"])
        # the invoices made, the stages not yet (the worker is on its way to them)
        with mock.patch.object(Item, "_infogerance_run_stages_retrying", return_value=True):
            run = self._cron("2026-01-01")
        item = run.item_ids.filtered(lambda i: i.partner_id == self.customer)
        self.assertEqual(item.state, "done")
        self.assertFalse(item.stages_done)
        self.assertEqual(run.state, "running")
        self.assertEqual(run.customer_todo, 0)
        self.assertEqual(run.customer_stages_todo, run.customer_done)
        # the stages run, and the customer's validation fails: seen, not running
        with validation_refused_for(self.env, self.customer, "Fiscal year closed"):
            run.sudo(self.accountant).action_start()
        self.assertIn("Fiscal year closed", item.stage_error)
        self.assertEqual(run.customer_stages_todo, 0)
        self.assertEqual(run.customer_stage_failed, 1)
        self.assertEqual(run.customer_failed, 0)
        self.assertEqual(run.failed_item_ids, item)
        self.assertEqual(run.state, "failed")
        # run what is left: finished
        run.sudo(self.accountant).action_start()
        self.assertTrue(item.stages_done)
        self.assertEqual(run.customer_stage_failed, 0)
        self.assertFalse(run.failed_item_ids)
        self.assertEqual(run.state, "done")

    def test_billing_run_validation_failure_recorded_then_resumed(self):
        with validation_refused_for(self.env, self.customer, "Fiscal year closed"):
            run = self._cron("2026-01-01")
        item = run.item_ids.filtered(lambda i: i.partner_id == self.customer)
        other = run.item_ids.filtered(lambda i: i.partner_id == self.other_customer)
        self.assertEqual(item.state, "done")
        self.assertIn("Fiscal year closed", item.stage_error)
        self.assertFalse(item.stages_done)
        self.assertEqual(item.invoice_ids.state, "draft")
        self.assertEqual(other.invoice_ids.state, "open")
        # run again: the stage is resumed, nothing invoiced twice
        run.sudo(self.accountant).action_start()
        self.assertEqual(item.invoice_ids.state, "open")
        self.assertFalse(item.stage_error)
        self.assertTrue(item.stages_done)
        self.assertEqual(len(self._invoice_lines(self.customer)), 3)
