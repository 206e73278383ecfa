"""Billing runs against other transactions, on committed data: two runs of the same
date at once invoice each contract once, and a salesman confirming an order for a
customer of a running run waits for that customer's work only (at most 2 s)."""
import threading
import time
from unittest import mock

from psycopg2.extensions import TransactionRollbackError

from odoo import api
from odoo.modules.registry import Registry
from odoo.tests.common import TransactionCase, at_install, get_db_name, post_install

from ..models.account_analytic_account_termination import RULES_CHECKED
from ..models.infogerance_billing_run_item import InfogeranceBillingRunItem
from .concurrency import CONTEXT, ConcurrentCase

#: Far from any other contract of the database (demo data included): the run of
#: this date finds only the test's customers.
DATE = "2019-01-01"


@at_install(False)
@post_install(True)
class TestBillingRunConcurrency(TransactionCase):
    customers = 3

    def setUp(self):
        super().setUp()
        self.registry_ = Registry(get_db_name())
        self.partner_ids = []
        self.addCleanup(self._remove_all)
        with self.registry_.cursor() as cr:
            env = ConcurrentCase.env_of(cr)
            offer = env["infogerance.offer"].create(
                {
                    "name": "Billing race offer",
                    "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 15.0})],
                }
            )
            self.computer = env["product.product"].create(
                {"name": "Billing race laptop", "type": "service", "is_computer_rental": True}
            )
            self.service = env["product.product"].create(
                {
                    "name": "Billing race service",
                    "type": "service",
                    "infogerance_offer_id": offer.id,
                }
            )
            self.offer_id = offer.id
            self.product_ids = [self.computer.id, self.service.id]
            for number in range(self.customers):
                partner = env["res.partner"].create(
                    {"name": "Billing race %s" % number, "is_company": True}
                )
                self.partner_ids.append(partner.id)
                self._order(env, partner.id, 2).action_confirm()

    def _order(self, env, partner_id, computers):
        return env["sale.order"].create(
            {
                "partner_id": partner_id,
                "infogerance_start_date": DATE,
                "order_line": [
                    (0, 0, {"product_id": self.product_ids[0], "product_uom_qty": computers}),
                    (0, 0, {"product_id": self.product_ids[1]}),
                ],
            }
        )

    def _remove_all(self):
        with self.registry_.cursor() as cr:
            env = ConcurrentCase.env_of(cr)
            runs = env["infogerance.billing.run"].search([("date", "=", DATE)])
            invoices = runs.mapped("item_ids.invoice_ids")
            runs.unlink()
            invoices.write({"move_name": False})
            invoices.unlink()
            contracts = (
                env["account.analytic.account"]
                .with_context(active_test=False)
                .search([("partner_id", "in", self.partner_ids)])
            )
            env["mail.activity"].search(
                [("res_model", "=", contracts._name), ("res_id", "in", contracts.ids)]
            ).unlink()
            orders = env["sale.order"].search([("partner_id", "in", self.partner_ids)])
            orders.write({"state": "cancel"})
            orders.unlink()
            rules = {"infogerance_end_authorisation": RULES_CHECKED}
            rentals = contracts.filtered(lambda c: c.infogerance_role == "rental")
            rentals.with_context(**rules).unlink()
            contracts.exists().with_context(**rules).unlink()
            env["product.product"].browse(self.product_ids).unlink()
            env["infogerance.offer"].browse(self.offer_id).with_context(**rules).unlink()
            cr.execute(
                "DELETE FROM infogerance_customer_lock WHERE partner_id IN %s",
                (tuple(self.partner_ids),),
            )
            env["res.partner"].browse(self.partner_ids).unlink()

    def _run(self, errors):
        """Start (or resume) the run of DATE in a transaction of its own."""
        with api.Environment.manage():
            try:
                with self.registry_.cursor() as cr:
                    env = ConcurrentCase.env_of(cr)
                    company = env.user.company_id
                    run = env["infogerance.billing.run"]._infogerance_get_run(DATE, company.id)
                    run._infogerance_start()
            except Exception as error:  # reported by the test
                errors.append(error)

    def _invoice_lines_per_contract(self):
        with self.registry_.cursor() as cr:
            cr.execute(
                """SELECT c.id, count(l.id)
                     FROM account_analytic_account c
                     JOIN res_partner p ON p.id = c.partner_id
                     LEFT JOIN account_invoice_line l ON l.account_analytic_id = c.id
                    WHERE p.commercial_partner_id IN %s
                    GROUP BY 1""",
                (tuple(self.partner_ids),),
            )
            return dict(cr.fetchall())

    def _items(self):
        with self.registry_.cursor() as cr:
            cr.execute(
                """SELECT i.partner_id, i.state FROM infogerance_billing_run_item i
                    WHERE i.date = %s""",
                (DATE,),
            )
            return dict(cr.fetchall())

    def test_billing_run_concurrent_runs_invoice_each_contract_once(self):
        errors = []
        threads = [threading.Thread(target=self._run, args=(errors,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors)
        items = self._items()
        self.assertEqual(set(items), set(self.partner_ids), "only the test's customers")
        self.assertEqual(set(items.values()), {"done"})
        lines = self._invoice_lines_per_contract()
        self.assertEqual(len(lines), self.customers * 3)
        self.assertEqual(set(lines.values()), {1}, "each contract invoiced exactly once")

    def test_billing_run_lock_wait_of_an_order_confirmation(self):
        """Each customer's work takes 0.6 s here (a slow customer): a salesman
        confirming an order for the customer being billed waits for it, not for
        the run (3 customers: 1.8 s at least)."""
        original = InfogeranceBillingRunItem._infogerance_bill
        billing = threading.Event()

        def slow_bill(item):
            result = original(item)
            billing.set()
            time.sleep(0.6)  # the customer's transaction keeps its locks meanwhile
            return result

        errors = []
        with mock.patch.object(InfogeranceBillingRunItem, "_infogerance_bill", slow_bill):
            runner = threading.Thread(target=self._run, args=(errors,))
            runner.start()
            self.assertTrue(billing.wait(60))
            # the first customer's transaction holds its contracts: order for it
            waited, tries = self._confirm_with_retries(self.partner_ids[0])
            runner.join(120)
        self.assertFalse(errors)
        self.assertLessEqual(waited, 2.0, "waited %.2f s (%s tries)" % (waited, tries))
        self.assertEqual(set(self._items().values()), {"done"})
        self.assertEqual(set(self._invoice_lines_per_contract().values()) - {0}, {1})

    def _confirm_with_retries(self, partner_id):
        """Confirm a one-computer order as Odoo's RPC would: a transaction that
        lost a race is tried again. Returns the seconds it took and the tries."""
        start = time.time()
        for tries in range(1, 6):
            try:
                with api.Environment.manage(), self.registry_.cursor() as cr:
                    self._order(api.Environment(cr, 1, CONTEXT), partner_id, 1).action_confirm()
                return time.time() - start, tries
            except TransactionRollbackError:
                continue
        self.fail("the confirmation never went through")
