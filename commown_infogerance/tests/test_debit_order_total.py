"""A debit order's total: the sum of its lines in the company's currency, as OCA
computes it line by line, without computing every line again each time one is
added (the month's run adds thousands, one customer at a time)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError

from .common import recording_calls
from .test_billing_run_debit import BillingRunDebitCase

#: amounts in cents and the line's currency (the company's, or another one)
LINES = st.lists(
    st.tuples(st.integers(-(10**7), 10**7), st.sampled_from(["company", "other"])),
    min_size=0,
    max_size=6,
)


class TestDebitOrderTotal(BillingRunDebitCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._cron(cls, "2026-01-01")
        cls.order = cls.env["account.payment.order"].search(
            [("payment_mode_id", "=", cls.mode.id), ("state", "=", "draft")]
        )
        cls.company_currency = cls.order.company_currency_id
        cls.other_currency = cls.env["res.currency"].search(
            [("id", "!=", cls.company_currency.id), ("active", "in", (True, False))], limit=1
        )
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.other_currency.id,
                "rate": 1.1731,
                "name": "2025-12-03",
                "company_id": cls.order.company_id.id,
            }
        )
        cls.partner = cls.order.payment_line_ids[:1].partner_id

    def _oca_total(self, order):
        """OCA's own sum, line by line."""
        order.invalidate_cache()
        amounts = order.payment_line_ids.mapped("amount_company_currency")
        return self.company_currency.round(sum(amounts or [0.0]))

    def _add_line(self, cents, currency, user=None):
        currency = {
            "company": self.company_currency,
            "other": self.other_currency,
        }[currency]
        return (
            self.env["account.payment.line"]
            .sudo(user or self.env.uid)
            .create(
                {
                    "order_id": self.order.id,
                    "partner_id": self.partner.id,
                    "currency_id": currency.id,
                    "amount_currency": cents / 100.0,
                    "communication": "test",
                    "date": "2026-01-05",
                }
            )
        )

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(LINES)
    def test_debit_order_total_is_the_sum_of_its_lines_as_oca_computes_them(self, lines):
        # every example starts from the same order: rolled back after
        self.env.cr.execute("SAVEPOINT debit_order_total")
        try:
            self._check_total(lines)
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT debit_order_total")
            self.env.clear()

    def _check_total(self, lines):
        self.assertEqual(len(self.order.payment_line_ids), 2)
        before = self.order.total_company_currency
        self.assertAlmostEqual(before, self._oca_total(self.order), places=2)
        added = self.env["account.payment.line"]
        for cents, currency in lines:
            added |= self._add_line(cents, currency)
            self.assertAlmostEqual(
                self.order.total_company_currency, self._oca_total(self.order), places=2
            )
        if added:
            # an edited line: the total follows (OCA's stayed as it was)
            self.order.payment_line_ids[:1].amount_currency += 0.01
            self.assertAlmostEqual(
                self.order.total_company_currency, self._oca_total(self.order), places=2
            )
            self.order.payment_line_ids[:1].amount_currency -= 0.01
        added.unlink()
        self.assertAlmostEqual(self.order.total_company_currency, before, places=2)

    def test_debit_order_total_adding_a_line_computes_no_other_line(self):
        Line = type(self.env["account.payment.line"])
        existing = self.order.payment_line_ids
        self.order.invalidate_cache()
        with recording_calls(Line, "_compute_amount_company_currency") as calls:
            new = self._add_line(12345, "company")
            self.assertAlmostEqual(
                self.order.total_company_currency,
                sum(existing.mapped("amount_currency")) + 123.45,
                places=2,
            )
        computed = {line_id for ids in calls for line_id in ids}
        self.assertFalse(computed & set(existing.ids), "every line computed again")
        self.assertIn(new, self.order.payment_line_ids)

    def test_debit_order_total_as_a_payment_manager_and_refused_to_a_salesman(self):
        """The least privileged user who fills a debit order (OCA's payment
        managers, with invoicing rights only) gets the right total; a salesman
        reaches neither the lines nor the total."""
        payment_manager = self._create_user(
            "Paula Payments", "infogerance_payments", "account_payment_order.group_account_payment"
        )
        payment_manager.groups_id |= self.env.ref("account.group_account_invoice")
        order = self.order.sudo(payment_manager)
        line = self._add_line(2500, "company", user=payment_manager)
        line.amount_currency = 40.0
        self.assertAlmostEqual(order.total_company_currency, self._oca_total(self.order), places=2)
        self.assertIn(40.0, order.payment_line_ids.mapped("amount_currency"))
        with self.assertRaises(AccessError):
            line.sudo(self.salesman).write({"amount_currency": 1.0})
        with self.assertRaises(AccessError):
            self.order.sudo(self.salesman).read(["total_company_currency"])

    def test_debit_order_total_of_a_form_draft_computed_as_oca_does(self):
        # a draft being edited in its form has no id the database knows: the
        # SQL sum cannot serve it (it would fail), OCA's own way does
        from odoo.addons.account_payment_order.models.account_payment_order import (
            AccountPaymentOrder as OcaOrder,
        )

        def draft():
            line = {"partner_id": self.partner.id, "currency_id": self.company_currency.id}
            return self.env["account.payment.order"].new(
                {
                    "payment_mode_id": self.mode.id,
                    "payment_type": "inbound",
                    "payment_line_ids": [
                        (0, 0, dict(line, amount_currency=10.0)),
                        (0, 0, dict(line, amount_currency=5.5)),
                    ],
                }
            )

        ours, theirs = draft(), draft()
        OcaOrder._compute_total(theirs)
        self.assertEqual(ours.total_company_currency, theirs.total_company_currency)
