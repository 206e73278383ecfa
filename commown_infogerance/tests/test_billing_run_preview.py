"""The billing run's preview: what the run of a date will invoice, per customer,
without creating anything; the customers that would fail and why; the change
from the previous run and its reasons. Accountants and managers only."""
from datetime import datetime, timedelta
from unittest import mock

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .test_billing_run import BillingRunCase
from .test_security_attacks import SecurityAttackCase


class TestBillingRunPreview(BillingRunCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.third_customer = cls._create_company("Brasserie Test", "Paris", "75010")
        with freeze_time("2026-01-01"):
            cls._confirm(cls, cls.third_customer, computers=1)
        cls.offer2 = cls.env["infogerance.offer"].create(
            {
                "name": "Serenite (preview)",
                "service_type_ids": [(6, 0, cls.offer.service_type_ids.ids)],
                "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 25.0})],
            }
        )
        cls.service_product2 = cls.env["product.product"].create(
            {
                "name": "Managed services Serenite (preview)",
                "type": "service",
                "list_price": 25.0,
                "infogerance_offer_id": cls.offer2.id,
            }
        )
        cls.employee = cls._create_user("Emma Employee", "billing_employee", "base.group_user")
        cls.Preview = cls.env["infogerance.billing.preview"]

    def _preview(self, day, user=None, lang="en_US"):
        with freeze_time(day):
            Preview = self.Preview.sudo(user or self.accountant).with_context(lang=lang)
            preview = Preview.create({"date": day})
            preview.action_compute()
        return preview

    def _values(self, preview):
        """{customer: what its line says}, to compare two previews."""
        return {
            line.partner_id: (
                line.state,
                line.invoice_count,
                round(line.amount_untaxed, 2),
                round(line.amount_total, 2),
                round(line.previous_amount_untaxed, 2),
                round(line.change_untaxed, 2),
                line.reasons,
                line.would_fail,
                line.failure,
                line.outdated,
                line.contract_ids,
            )
            for line in preview.line_ids
        }

    def _line(self, preview, partner):
        line = preview.line_ids.filtered(lambda l: l.partner_id == partner)
        self.assertEqual(len(line), 1, partner.name)
        return line

    def _daily_jobs(self, day):
        """What runs before the day's billing: plan changes and dated fleet changes."""
        Contract = self.env["account.analytic.account"]
        with freeze_time(day):
            Contract._cron_infogerance_apply_plan_changes()
            Contract._cron_infogerance_dated_fleet_changes()

    def _footprint(self):
        """What a billing leaves behind: counts, next invoice dates, errors."""
        contracts = self.env["account.analytic.account"].search([("recurring_invoices", "=", True)])
        journal = self.env["account.journal"].search([("type", "=", "sale")], limit=1)
        return {
            "invoices": self.env["account.invoice"].search_count([]),
            "invoice_lines": self.env["account.invoice.line"].search_count([]),
            "messages": self.env["mail.message"].search_count([]),
            "mails": self.env["mail.mail"].search_count([]),
            "activities": self.env["mail.activity"].search_count([]),
            "runs": self.env["infogerance.billing.run.item"].search_count([]),
            "next_dates": contracts.mapped(lambda c: (c.id, c.recurring_next_date)),
            "errors": contracts.mapped(lambda c: (c.id, c.infogerance_billing_error)),
            "number": journal.sequence_id.number_next_actual,
        }

    def _varied_month(self):
        """January invoiced by a run; then: the customer's order of one more
        computer back-dated to 1 January (a regularisation of January) and of one
        starting 1 February (a fleet change); the other customer's order of
        another plan, from February; the third customer's blocking warning."""
        self._cron("2026-01-01")
        with freeze_time("2026-01-10"):
            self._confirm(self.customer, computers=1, offer=False, start="2026-01-01")
            self._confirm(self.customer, computers=1, offer=False, start="2026-02-01")
        with freeze_time("2026-01-12"):
            order = self._create_order(
                self.other_customer, computers=1, offer=False, start="2026-01-12"
            )
            order.write({"order_line": [(0, 0, {"product_id": self.service_product2.id})]})
            order.action_confirm()
        self.third_customer.write({"invoice_warn": "block", "invoice_warn_msg": "Unpaid since May"})
        self._daily_jobs("2026-02-01")

    def test_billing_preview_equals_the_run_per_customer(self):
        self._varied_month()
        preview = self._preview("2026-02-01")
        run = self._cron("2026-02-01")
        self.assertTrue(run.item_ids)
        for item in run.item_ids:
            line = self._line(preview, item.partner_id)
            sign = {"out_invoice": 1, "out_refund": -1}
            invoices = item.invoice_ids
            self.assertEqual(line.invoice_count, len(invoices), item.partner_id.name)
            self.assertAlmostEqual(
                line.amount_untaxed,
                sum(sign[i.type] * i.amount_untaxed for i in invoices),
                places=2,
                msg=item.partner_id.name,
            )
            self.assertAlmostEqual(
                line.amount_total, sum(sign[i.type] * i.amount_total for i in invoices), places=2
            )
            self.assertEqual(line.contract_ids, item.contract_ids, item.partner_id.name)
            self.assertEqual(line.would_fail, item.state == "failed", item.partner_id.name)
        self.assertEqual(len(preview.line_ids), len(run.item_ids))
        self.assertAlmostEqual(preview.amount_untaxed, run.amount_untaxed, places=2)
        # the variety it checks: a regularisation, a fleet change, a plan change
        customer = self._line(preview, self.customer)
        self.assertIn("Regularisation of January 2026 (3 computers)", customer.reasons)
        self.assertIn("3 → 4 computers", customer.reasons)
        other = self._line(preview, self.other_customer)
        self.assertIn("Plan Essentiel (test) → Serenite (preview) from 02/01/2026", other.reasons)
        self.assertTrue(self._line(preview, self.third_customer).would_fail)

    def test_billing_preview_creates_nothing(self):
        self._varied_month()
        before = self._footprint()
        preview = self._preview("2026-02-01")
        self.assertGreaterEqual(preview.invoice_count, 2)
        self.assertEqual(self._footprint(), before)
        # and the run then does what the preview did not
        self._cron("2026-02-01")
        self.assertGreater(self._footprint()["invoices"], before["invoices"])

    def test_billing_preview_lists_the_customer_that_would_fail_and_why(self):
        self._cron("2026-01-01")
        self.third_customer.write({"invoice_warn": "block", "invoice_warn_msg": "Unpaid since May"})
        preview = self._preview("2026-02-01")
        line = self._line(preview, self.third_customer)
        self.assertTrue(line.would_fail)
        self.assertIn("blocking invoice warning", line.failure)
        self.assertIn("Unpaid since May", line.failure)
        self.assertEqual(line.amount_untaxed, 0)
        self.assertEqual(preview.failure_count, 1)
        # nothing recorded on its contracts: the preview is not the run
        contracts = self._contracts(self.third_customer)
        self.assertFalse(contracts.filtered("infogerance_billing_error"))
        self.assertFalse(contracts.mapped("activity_ids"))
        # the others are previewed all the same
        self.assertFalse(self._line(preview, self.customer).would_fail)
        self.assertGreater(self._line(preview, self.customer).amount_untaxed, 0)

    def test_billing_preview_change_from_previous_month_with_its_fleet_reason(self):
        self._cron("2026-01-01")
        with freeze_time("2026-01-20"):
            self._confirm(self.customer, computers=1, offer=False, start="2026-02-01")
        self._daily_jobs("2026-02-01")
        self.env.ref("base.lang_fr").active = True
        preview = self._preview("2026-02-01")
        line = self._line(preview, self.customer)
        # January: 2 rentals at 39.00 and 2 computers of managed services at 15.00
        self.assertAlmostEqual(line.previous_amount_untaxed, 108.0, places=2)
        # February: 3 rentals and 3 computers
        self.assertAlmostEqual(line.amount_untaxed, 162.0, places=2)
        self.assertAlmostEqual(line.change_untaxed, 54.0, places=2)
        self.assertIn("02/01/2026: 2 → 3 computers (Rental started", line.reasons)
        self.assertRegex(line.reasons, r"managed services \D*30\.00\D*→\D*45\.00\D* a month")
        # the other customer did not change: no reason, no change
        other = self._line(preview, self.other_customer)
        self.assertEqual(other.change_untaxed, 0)
        self.assertFalse(other.reasons)
        # in French for a French accountant, dates in the French format
        if not self.env["res.lang"].search([("code", "=", "fr_FR")]):
            self.env["base.language.install"].create({"lang": "fr_FR"}).lang_install()
        french = self._preview("2026-02-01", lang="fr_FR")
        line = self._line(french, self.customer)
        self.assertIn("01/02/2026 : 2 → 3 ordinateurs (Location démarrée", line.reasons)

    def test_billing_preview_customer_with_nothing_due_any_more(self):
        """A customer invoiced on the previous run's date, with nothing due now
        (its contracts ended): listed with the whole decrease and why."""
        self._cron("2026-01-01")
        # ended on 31 January (as an end recorded through the rules would be)
        self.env.cr.execute(
            "UPDATE account_analytic_account SET date_end = '2026-01-31' WHERE id IN %s",
            (tuple(self._contracts(self.other_customer).ids),),
        )
        self.env["account.analytic.account"].invalidate_cache()
        preview = self._preview("2026-02-01")
        line = self._line(preview, self.other_customer)
        self.assertEqual(line.amount_untaxed, 0)
        self.assertLess(line.change_untaxed, 0)
        self.assertIn("Nothing to invoice on this date (invoiced on 01/01/2026)", line.reasons)
        # once the date is invoiced, its customers are not "nothing to invoice"
        self._cron("2026-02-01")
        preview = self._preview("2026-02-01")
        self.assertFalse(preview.line_ids.filtered(lambda l: l.partner_id == self.customer))
        self.assertTrue(self._line(preview, self.other_customer).reasons)

    def test_billing_preview_refused_to_salesman_employee_and_portal(self):
        run = self._cron("2026-01-01")
        portal = self._create_portal_user(self.customer, "preview_portal")
        preview = self._preview("2026-02-01")
        for user in (self.salesman, self.employee, portal):
            with self.assertRaises(AccessError):
                self.Preview.sudo(user).create({"date": "2026-02-01"})
            with self.assertRaises(AccessError):
                self.env["infogerance.billing.preview.line"].sudo(user).create(
                    {"preview_id": preview.id, "partner_id": self.customer.id}
                )
            with self.assertRaises(AccessError):
                preview.sudo(user).write({"date": "2026-03-01"})
            with self.assertRaises(AccessError):
                preview.line_ids[:1].sudo(user).write({"reasons": "rewritten"})
            with self.assertRaises(AccessError):
                preview.sudo(user).action_compute()
            with self.assertRaises(AccessError):
                preview.sudo(user).action_resume()
            with self.assertRaises(AccessError):
                preview.sudo(user).read(["amount_untaxed"])
            with self.assertRaises(AccessError):
                self.env["infogerance.billing.preview.line"].sudo(user).search(
                    [("preview_id", "=", preview.id)]
                )
            with self.assertRaises(AccessError):
                run.sudo(user).action_preview()
        # nor an accountant in a company not its own: the multi-company rule refuses
        # to create one there, and to start one made there
        other_company = self.env["res.company"].create({"name": "Preview Other Co"})
        with self.assertRaises(AccessError):
            self.Preview.sudo(self.accountant).create(
                {"date": "2026-02-01", "company_id": other_company.id}
            )
        foreign = self.Preview.create({"date": "2026-02-01", "company_id": other_company.id})
        for action in ("action_compute", "action_resume"):
            with self.assertRaises(AccessError):
                getattr(foreign.sudo(self.accountant), action)()
        self.assertFalse(foreign.line_ids)
        # the accountant's preview is the company's billing: another accountant
        # reads it, a manager previews too
        self.assertTrue(preview.line_ids)
        colleague = self._create_user(
            "Carla Accountant", "billing_colleague", "account.group_account_invoice"
        )
        self.assertEqual(preview.sudo(colleague).line_ids, preview.line_ids)
        february = self.Run.create({"date": "2026-02-01"})
        with freeze_time("2026-02-01"):
            action = february.sudo(self.manager).action_preview()
        self.assertEqual(action["res_model"], "infogerance.billing.preview")
        self.assertTrue(self.Preview.browse(action["res_id"]).sudo(self.manager).line_ids)

    def test_billing_preview_chunked_gives_the_same_lines_as_inline(self):
        """Chunks of one customer (each in a job with the job queue) preview what
        one chunk of every customer does."""
        self._varied_month()
        company = self.accountant.company_id
        company.infogerance_billing_chunk_size = 50
        inline = self._preview("2026-02-01")
        company.infogerance_billing_chunk_size = 1
        Preview = type(self.Preview)
        chunk = Preview._infogerance_preview_chunk
        chunks = []

        def spy(preview, line_ids):
            chunks.append(line_ids)
            return chunk(preview, line_ids)

        with mock.patch.object(Preview, "_infogerance_preview_chunk", spy):
            chunked = self._preview("2026-02-01")
        self.assertGreaterEqual(len(chunks), 3)
        self.assertEqual(len(chunks), chunked.customer_count)
        self.assertEqual(chunked.state, "done")
        self.assertEqual(self._values(chunked), self._values(inline))
        self.assertAlmostEqual(chunked.amount_total, inline.amount_total, places=2)
        self.assertEqual(chunked.failure_count, inline.failure_count)
        self.assertGreaterEqual(chunked.failure_count, 1)

    def test_billing_preview_rerun_after_an_interruption_does_only_the_missing_customers(self):
        """A worker killed after its first chunk: the customers it previewed stay
        committed; previewing what is left simulates the others only, once."""
        self._varied_month()
        self.accountant.company_id.infogerance_billing_chunk_size = 1
        Preview = type(self.Preview)
        dispatch = Preview._infogerance_dispatch

        def killed_after_first_chunk(preview, chunks):
            return dispatch(preview, chunks[:1])

        with mock.patch.object(Preview, "_infogerance_dispatch", killed_after_first_chunk):
            preview = self._preview("2026-02-01")
        self.assertEqual(preview.state, "running")
        self.assertEqual(preview.customer_done, 1)
        self.assertEqual(preview.customer_todo, preview.customer_count - 1)
        done = preview.line_ids.filtered(lambda line: line.state == "done")
        before = self._values(preview)[done.partner_id]
        simulate = Preview._infogerance_simulate_customer
        simulated = []

        def spy(preview, partner_id):
            simulated.append(partner_id)
            return simulate(preview, partner_id)

        with mock.patch.object(Preview, "_infogerance_simulate_customer", spy):
            with freeze_time("2026-02-01"):
                preview.sudo(self.accountant).action_resume()
        todo = (preview.line_ids - done).filtered(lambda line: not line.nothing_due)
        self.assertEqual(sorted(simulated), sorted(todo.mapped("partner_id").ids))
        self.assertNotIn(done.partner_id.id, simulated)
        self.assertEqual(preview.state, "done")
        self.assertEqual(self._values(preview)[done.partner_id], before)
        # what a preview made at once gives
        self.assertEqual(self._values(preview), self._values(self._preview("2026-02-01")))
        # again: nothing left, nothing simulated
        simulated.clear()
        with mock.patch.object(Preview, "_infogerance_simulate_customer", spy):
            preview.sudo(self.accountant).action_resume()
        self.assertEqual(simulated, [])
        # no customer twice in a preview: the database refuses it
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env["infogerance.billing.preview.line"].create(
                    {"preview_id": preview.id, "partner_id": done.partner_id.id}
                )

    def test_billing_preview_chunk_that_stops_says_why_then_resumes(self):
        self._cron("2026-01-01")
        self.accountant.company_id.infogerance_billing_chunk_size = 1
        Preview = type(self.Preview)
        preview_customer = Preview._infogerance_preview_customer
        calls = []

        def second_fails(preview, line_id, before, recorded):
            calls.append(line_id)
            if len(calls) == 2:
                raise RuntimeError("disk full")
            return preview_customer(preview, line_id, before, recorded)

        preview = self.Preview.sudo(self.accountant).create({"date": "2026-02-01"})
        with mock.patch.object(Preview, "_infogerance_preview_customer", second_fails):
            with freeze_time("2026-02-01"), self.assertRaisesRegex(RuntimeError, "disk full"):
                preview.action_compute()
        preview.invalidate_cache()
        self.assertEqual(preview.state, "failed")
        self.assertIn("disk full", preview.error)
        self.assertTrue(preview.error_date)
        self.assertEqual(preview.customer_done, 1)
        with freeze_time("2026-02-01"):
            preview.action_resume()
        self.assertEqual(preview.state, "done")
        self.assertFalse(preview.error)
        self.assertEqual(preview.customer_done, preview.customer_count)
        # a started preview keeps its date: another date is another preview
        with self.assertRaisesRegex(UserError, "keeps its date"):
            preview.write({"date": "2026-03-01"})

    def test_billing_preview_older_than_a_week_deleted_by_the_daily_cron(self):
        self._cron("2026-01-01")
        old = self._preview("2026-02-01")
        recent = self._preview("2026-02-01")
        lines = old.line_ids
        self.assertTrue(lines)
        eight_days_ago = datetime.now() - timedelta(days=8)
        self.env.cr.execute(
            "UPDATE infogerance_billing_preview SET create_date = %s WHERE id = %s",
            (eight_days_ago, old.id),
        )
        self.Preview.invalidate_cache()
        self.Preview._cron_infogerance_delete_old_previews()
        self.assertFalse(old.exists())
        self.assertFalse(lines.exists())
        self.assertTrue(recent.exists())
        self.assertTrue(recent.line_ids)


class TestBillingRunPreviewRpc(SecurityAttackCase):
    """Over XML-RPC, as Odoo serves it: refused to a salesman, an employee and a
    portal contact; an accountant previews."""

    def test_billing_preview_rpc_refused_to_salesman_employee_and_portal(self):
        accountant = self._user("accountant", "account.group_account_invoice")
        self.http_cr.commit()
        preview_id = self._call(accountant, "infogerance.billing.preview", "create", {})
        self._call(accountant, "infogerance.billing.preview", "action_compute", [preview_id])
        lines = self._call(
            accountant,
            "infogerance.billing.preview.line",
            "search_read",
            [("preview_id", "=", preview_id)],
            fields=["partner_id", "amount_untaxed"],
        )
        self.assertEqual(
            {line["partner_id"][0] for line in lines} >= {self.customer_a.id, self.customer_b.id},
            True,
        )
        for user in (self.salesman, self.employee, self.contact_a):
            self.assertFault(
                "Billing runs: only accountants", user, "infogerance.billing.preview", "create", {}
            )
            self.assertFault(
                "Billing runs: only accountants",
                user,
                "infogerance.billing.preview",
                "action_compute",
                [preview_id],
            )
            self.assertFault(
                "Billing runs: only accountants",
                user,
                "infogerance.billing.preview.line",
                "create",
                {"preview_id": preview_id, "partner_id": self.customer_a.id},
            )
            # a regular model of the billing: no right to read it at all
            self.assertFault(
                "not allowed", user, "infogerance.billing.preview.line", "search_read", []
            )
            self.assertFault(
                "not allowed", user, "infogerance.billing.preview", "read", [preview_id], ["state"]
            )
