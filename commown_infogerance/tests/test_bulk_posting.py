"""The billing run posts its invoices with their journal and analytic items
inserted at once (``models/account_move_bulk.py``): every column, relation and
total must be what Odoo's own posting, item by item, writes."""
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError

from odoo.addons.commown_infogerance import bulk_create
from odoo.addons.commown_infogerance.models import account_move_bulk
from odoo.addons.commown_infogerance.models.context_markers import BULK_POSTING

from .common import InfogeranceCase, recording_calls

#: columns that differ between two postings of the same invoice by nature
VOLATILE = frozenset({"id", "create_date", "write_date", "move_id", "invoice_id", "name", "number"})
VOLATILE_INVOICE = VOLATILE | {"move_name", "access_token", "reference", "origin"}

#: an invoice line: unit price in cents, quantity, taxes (indexes), analytic
#: account (index or None), analytic tag (or not)
LINE = st.tuples(
    st.integers(1, 10**6),
    st.sampled_from([1.0, 2.0, 0.5, 3.0, 12.0]),
    st.sampled_from([(), (0,), (1,), (0, 1)]),
    st.sampled_from([None, 0, 1]),
    st.booleans(),
)
INVOICE = st.fixed_dictionaries(
    {
        "lines": st.lists(LINE, min_size=1, max_size=6),
        "currency": st.sampled_from(["company", "other"]),
        "payment_term": st.sampled_from([None, 0, 1]),
        "refund": st.booleans(),
    }
)


def _exact(value):
    """A number to the millionth of a cent: Odoo stores the total of an invoice
    in another currency (its receivable item) as a sum of floats, whose last
    bits (301174.49000000005 for 301174.49) follow the order its lines come in
    from the cache, whoever inserts the items."""
    return round(value, 8) if isinstance(value, float) else value


def _inserts(create_many):
    """How many times ``create_many`` inserted records."""
    return sum(1 for call in create_many.call_args_list if call[0][1])


class TestBulkPosting(InfogeranceCase):
    #: a posting that differs shows every column that does
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.user.company_id
        cls.journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.journal.update_posted = True
        revenue = env.ref("account.data_account_type_revenue")
        cls.income = env["account.account"].search(
            [("user_type_id", "=", revenue.id), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.taxes = [
            env["account.tax"].create(
                {
                    "name": "VAT %s%% (bulk test)" % rate,
                    "amount": rate,
                    "type_tax_use": "sale",
                    "company_id": cls.company.id,
                    "price_include": included,
                }
            )
            for rate, included in ((20.0, False), (5.5, True))
        ]
        cls.analytics = [
            env["account.analytic.account"].create({"name": "Bulk analytic %s" % n}) for n in (1, 2)
        ]
        cls.tag = env["account.analytic.tag"].create({"name": "Bulk tag"})
        cls.terms = [
            env["account.payment.term"].create(
                {
                    "name": "Two instalments (bulk test)",
                    "line_ids": [
                        (0, 0, {"value": "percent", "value_amount": 30.0, "days": 0}),
                        (0, 0, {"value": "balance", "days": 30}),
                    ],
                }
            ),
            env["account.payment.term"].create(
                {
                    "name": "45 days (bulk test)",
                    "line_ids": [(0, 0, {"value": "balance", "days": 45})],
                }
            ),
        ]
        cls.company_currency = cls.company.currency_id
        cls.other_currency = env["res.currency"].search(
            [("id", "!=", cls.company_currency.id), ("active", "in", (True, False))], limit=1
        )
        cls.other_currency.active = True
        env["res.currency.rate"].create(
            {
                "currency_id": cls.other_currency.id,
                "rate": 1.1731,
                "name": "2026-01-01",
                "company_id": cls.company.id,
            }
        )

    def _invoice(self, spec):
        lines = [
            (
                0,
                0,
                {
                    "name": "Line %s" % n,
                    "account_id": self.income.id,
                    "price_unit": cents / 100.0,
                    "quantity": quantity,
                    "invoice_line_tax_ids": [(6, 0, [self.taxes[t].id for t in taxes])],
                    "account_analytic_id": analytic is not None and self.analytics[analytic].id,
                    "analytic_tag_ids": [(6, 0, self.tag.ids if tagged else [])],
                },
            )
            for n, (cents, quantity, taxes, analytic, tagged) in enumerate(spec["lines"])
        ]
        invoice = self.env["account.invoice"].create(
            {
                "partner_id": self.customer.id,
                "type": "out_refund" if spec["refund"] else "out_invoice",
                "journal_id": self.journal.id,
                "date_invoice": "2026-01-05",
                "currency_id": (
                    self.company_currency if spec["currency"] == "company" else self.other_currency
                ).id,
                "payment_term_id": spec["payment_term"] is not None
                and self.terms[spec["payment_term"]].id,
                "invoice_line_ids": lines,
            }
        )
        invoice.compute_taxes()
        return invoice

    def _rows(self, query, ids, drop=VOLATILE):
        if not ids:
            return []
        self.env.cr.execute(query, (tuple(ids),))
        names = [column.name for column in self.env.cr.description]
        return [
            {name: _exact(value) for name, value in zip(names, row) if name not in drop}
            for row in self.env.cr.fetchall()
        ]

    def _posting(self, invoice):
        """Everything the posting of ``invoice`` wrote, without ids: its entry,
        its items (each with its taxes, tags and analytic items) in an order of
        their contents (Odoo orders an invoice's tax lines of equal sequence as
        the database returns them), and the invoice."""
        invoice.invalidate_cache()
        move = invoice.move_id
        items = []
        for line in move.line_ids:
            (row,) = self._rows("SELECT * FROM account_move_line WHERE id IN %s", line.ids)
            row["taxes"] = sorted(line.tax_ids.ids)
            row["tags"] = sorted(line.analytic_tag_ids.ids)
            row["analytic"] = [
                dict(analytic_row, tags=sorted(analytic.tag_ids.ids))
                for analytic, analytic_row in zip(
                    line.analytic_line_ids.sorted("id"),
                    self._rows(
                        "SELECT * FROM account_analytic_line WHERE id IN %s ORDER BY id",
                        line.analytic_line_ids.ids,
                    ),
                )
            ]
            items.append(row)
        return {
            "move": self._rows("SELECT * FROM account_move WHERE id IN %s", move.ids),
            "items": sorted(items, key=lambda row: repr(sorted(row.items()))),
            "invoice": self._rows(
                "SELECT * FROM account_invoice WHERE id IN %s", invoice.ids, VOLATILE_INVOICE
            ),
        }

    def _post_both(self, spec, user=None):
        """The same invoice posted by Odoo, and by the run's bulk posting (as
        ``user`` when given)."""
        by_odoo, in_bulk = self._invoice(spec), self._invoice(spec)
        if user:
            by_odoo, in_bulk = by_odoo.sudo(user), in_bulk.sudo(user)
        # a default in the context is the entry's, not its items' (the ORM
        # drops defaults when it writes a one2many)
        by_odoo = by_odoo.with_context(default_blocked=True)
        in_bulk = in_bulk.with_context(default_blocked=True)
        by_odoo.action_invoice_open()
        with mock.patch.object(
            bulk_create, "create_many", wraps=bulk_create.create_many
        ) as create_many:
            in_bulk.with_context(
                recompute=False, infogerance_bulk_posting=BULK_POSTING
            ).action_invoice_open()
            in_bulk.recompute()
        return by_odoo, in_bulk, create_many

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(INVOICE)
    def test_bulk_posting_writes_what_odoo_writes(self, spec):
        self.env.cr.execute("SAVEPOINT bulk_posting")
        try:
            by_odoo, in_bulk, create_many = self._post_both(spec)
            # journal items, then analytic items (when there are any)
            self.assertEqual(
                _inserts(create_many),
                1 + any(analytic is not None for *_ignored, analytic, _tag in spec["lines"]),
            )
            self.assertEqual(in_bulk.state, "open")
            self.assertEqual(self._posting(in_bulk), self._posting(by_odoo))
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT bulk_posting")
            self.env.clear()

    def test_bulk_posting_leaves_taxes_on_payment_to_odoo(self):
        self.taxes[0].tax_exigibility = "on_payment"
        self.taxes[0].cash_basis_account = self.income
        spec = {
            "lines": [(10000, 1.0, (0,), 0, False), (2500, 2.0, (), None, True)],
            "currency": "company",
            "payment_term": None,
            "refund": False,
        }
        by_odoo, in_bulk, create_many = self._post_both(spec)
        # the journal items went Odoo's way; the analytic ones are inserted at once
        self.assertEqual(_inserts(create_many), 1)
        self.assertEqual(self._posting(in_bulk), self._posting(by_odoo))
        self.assertFalse(in_bulk.move_id.line_ids.filtered("tax_line_id").tax_exigible)

    def test_bulk_posting_only_when_the_run_asks_for_it(self):
        """A context an RPC client can send (a value, not the run's own object)
        leaves the posting to Odoo."""
        invoice = self._invoice(
            {
                "lines": [(1000, 1.0, (0,), 0, True)],
                "currency": "company",
                "payment_term": None,
                "refund": False,
            }
        )
        with mock.patch.object(bulk_create, "create_many") as create_many:
            invoice.with_context(infogerance_bulk_posting=True).action_invoice_open()
        create_many.assert_not_called()
        self.assertEqual(invoice.state, "open")

    def test_bulk_posting_gives_way_to_an_addon_creating_items_its_own_way(self):
        # on this stack, only account's and sale's create are mirrored
        self.assertEqual(
            bulk_create.create_overrides(self.env["account.move"]),
            {account_move_bulk.MOVE_CREATE, account_move_bulk.__name__},
        )
        self.assertEqual(
            bulk_create.create_overrides(self.env["account.move.line"]),
            {account_move_bulk.MOVE_LINE_CREATE},
        )
        self.assertEqual(
            bulk_create.create_overrides(self.env["account.analytic.line"]),
            {account_move_bulk.ANALYTIC_LINE_CREATE},
        )
        spec = {
            "lines": [(1000, 1.0, (0,), 0, True), (999, 3.0, (1,), 1, False)],
            "currency": "company",
            "payment_term": 0,
            "refund": False,
        }
        with mock.patch.object(
            bulk_create, "create_overrides", return_value={"odoo.addons.another.models.line"}
        ):
            by_odoo, in_bulk, create_many = self._post_both(spec)
        self.assertEqual(_inserts(create_many), 0)
        self.assertEqual(self._posting(in_bulk), self._posting(by_odoo))

    def test_bulk_posting_query_budget(self):
        """The posting's queries do not grow with each item as Odoo's do (20
        an item): at most one more per invoice line. A customer's computers
        share their price, as in the month's run (Odoo writes the invoice
        lines' recomputed totals once per distinct value)."""
        counts = {}
        for size in (10, 40):
            spec = {
                "lines": [(1000, 1.0, (0,), n % 2, bool(n % 3)) for n in range(size)],
                "currency": "company",
                "payment_term": None,
                "refund": False,
            }
            invoice = self._invoice(spec)
            invoice.invalidate_cache()
            before = self.env.cr.sql_log_count
            invoice.with_context(
                recompute=False, infogerance_bulk_posting=BULK_POSTING
            ).action_invoice_open()
            invoice.recompute()
            counts[size] = self.env.cr.sql_log_count - before
            self.assertGreaterEqual(len(invoice.move_id.line_ids), size + 2)
        self.assertLessEqual(counts[40] - counts[10], 30, counts)

    def test_bulk_posting_as_a_billing_clerk_and_refused_to_a_salesman(self):
        """The least privileged user who validates invoices (Billing, nothing
        more) posts in bulk what Odoo posts for them; a salesman, who may not
        create journal items, is refused as Odoo refuses him."""
        clerk = self._create_user("Cleo Clerk", "bulk_clerk", "account.group_account_invoice")
        spec = {
            "lines": [(1000, 1.0, (0,), 0, True), (999, 3.0, (1,), 1, False)],
            "currency": "company",
            "payment_term": 0,
            "refund": False,
        }
        by_odoo, in_bulk, create_many = self._post_both(spec, user=clerk)
        self.assertEqual(_inserts(create_many), 2)
        self.assertEqual(self._posting(in_bulk.sudo()), self._posting(by_odoo.sudo()))
        invoice = self._invoice(spec).sudo(self.salesman)
        with self.assertRaises(AccessError):
            invoice.with_context(
                recompute=False, infogerance_bulk_posting=BULK_POSTING
            ).action_invoice_open()

    def test_bulk_posting_writes_the_accounting_date_marking_nothing(self):
        """The accounting date the posting writes on an invoice that has none
        (its invoice date: the date its lines are converted at stays the same)
        marks none of its lines' amounts to be computed again; another date is
        written the ORM's way; an employee without invoicing rights is refused."""
        spec = {
            "lines": [(1000, 1.0, (0,), 0, True), (999, 3.0, (1,), None, False)],
            "currency": "other",
            "payment_term": None,
            "refund": False,
        }
        amounts = self.env["account.invoice.line"]._fields["price_subtotal"]
        for date, marked in (("2026-01-05", False), ("2026-01-06", True)):
            invoice = self._invoice(spec)
            self.assertFalse(invoice.date)
            with self.env.norecompute():
                invoice.with_context(infogerance_bulk_posting=BULK_POSTING).write({"date": date})
                pending = self.env.field_todo(amounts) & invoice.invoice_line_ids
                self.assertEqual(bool(pending), marked, date)
            invoice.invalidate_cache()
            self.assertEqual(invoice.date, date)
        employee = self._create_user("Ed Employee", "bulk_employee", "base.group_user")
        invoice = self._invoice(spec)
        with self.assertRaises(AccessError):
            invoice.sudo(employee).with_context(infogerance_bulk_posting=BULK_POSTING).write(
                {"date": "2026-01-05"}
            )
        self.env.cr.execute("SELECT date FROM account_invoice WHERE id = %s", invoice.ids)
        self.assertEqual(self.env.cr.fetchone(), (None,))

    def test_bulk_posting_reads_reconciled_only_when_it_can_matter(self):
        """account's ``_write`` reads whether the invoice is reconciled around
        each write, to mark it paid or open it again. In the run's posting, the
        writes of a draft do not: fewer computations of the residual, and the
        same posting, a zero invoice paid as Odoo pays it."""
        residual = next(
            klass
            for klass in type(self.env["account.invoice"]).__mro__
            if "_compute_residual" in vars(klass)
        )
        cases = (
            (0, "paid", "company", False),
            (1000, "open", "company", False),
            (1000, "open", "other", False),
            (1000, "open", "company", True),
        )
        for cents, state, currency, refund in cases:
            spec = {
                "lines": [(cents, 1.0, (0,), 0, False), (cents, 2.0, (), None, False)],
                "currency": currency,
                "payment_term": None,
                "refund": refund,
            }
            posted, computations = [], []
            for guard in (account_move_bulk.INVOICE_WRITE, "another module"):
                invoice = self._invoice(spec)
                with mock.patch.object(account_move_bulk, "INVOICE_WRITE", guard):
                    with recording_calls(residual, "_compute_residual") as calls:
                        invoice.with_context(
                            recompute=False, infogerance_bulk_posting=BULK_POSTING
                        ).action_invoice_open()
                        invoice.recompute()
                posted.append(invoice)
                computations.append(len(calls))
            skipping, reading = posted
            self.assertEqual((skipping.state, reading.state), (state, state))
            self.assertEqual(self._posting(skipping), self._posting(reading))
            self.assertLess(computations[0], computations[1], (cents, currency, refund))
            if state == "open":
                # computed once, by the recomputation that stores it
                self.assertEqual(computations[0], 1, (cents, currency, refund))

    def test_bulk_posting_cannot_be_reconciled_as_account_finds_it(self):
        """The invoices for which the posting skips account's reads are those
        account finds unreconciled, from their journal items alone: not a zero
        invoice, nor one with a payment reconciled, nor one whose items are in
        another currency than its own."""
        spec = {
            "lines": [(1000, 1.0, (0,), 0, False)],
            "currency": "company",
            "payment_term": 0,
            "refund": False,
        }
        invoice = self._invoice(spec)
        invoice.action_invoice_open()
        self.assertFalse(invoice.reconciled)
        self.assertTrue(invoice._infogerance_cannot_be_reconciled())
        zero = self._invoice(dict(spec, lines=[(0, 1.0, (0,), None, False)]))
        zero.action_invoice_open()
        self.assertEqual(zero.state, "paid")
        self.assertFalse(zero._infogerance_cannot_be_reconciled())
        self.assertFalse((invoice | zero)._infogerance_cannot_be_reconciled())
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        invoice.pay_and_reconcile(bank, pay_amount=5.0)
        self.assertEqual(invoice.state, "open")
        self.assertFalse(invoice._infogerance_cannot_be_reconciled())
