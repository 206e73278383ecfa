"""Two transactions changing one customer's fleet at once: no lost update (R3)."""
import threading

import psycopg2
from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import TransactionCase, at_install, get_db_name, post_install
from odoo.tools import mute_logger

from ..models.account_analytic_account_termination import RULES_CHECKED

# test_queue_job_no_delay: with commown_infogerance_queue installed, reprice at
# once instead of leaving committed jobs behind.
CONTEXT = {"tracking_disable": True, "test_queue_job_no_delay": True}


# Post-install: the lock is taken by the repricing that base.automation rules start
# (their hooks are registered after loading), and the second transaction's thread
# needs the registry, which Odoo keeps locked while it loads modules.
@at_install(False)
@post_install(True)
class TestR3ConcurrentFleetChanges(TransactionCase):
    """Committed data in separate cursors, as Odoo's test_ir_sequence does;
    everything created is removed in tearDown."""

    def setUp(self):
        super().setUp()
        self.registry_ = Registry(get_db_name())
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            offer = env["infogerance.offer"].create(
                {
                    "name": "Concurrency offer",
                    "tier_ids": [
                        (0, 0, {"min_computers": 1, "unit_price": 15.0}),
                        (0, 0, {"min_computers": 2, "unit_price": 12.0}),
                        (0, 0, {"min_computers": 3, "unit_price": 10.0}),
                    ],
                }
            )
            self.partner_id = (
                env["res.partner"].create({"name": "Concurrency SARL", "is_company": True}).id
            )
            self.computer_id = (
                env["product.product"]
                .create(
                    {"name": "Concurrency laptop", "type": "service", "is_computer_rental": True}
                )
                .id
            )
            service_product = env["product.product"].create(
                {"name": "Concurrency service", "type": "service", "infogerance_offer_id": offer.id}
            )
            order = env["sale.order"].create(
                {
                    "partner_id": self.partner_id,
                    "infogerance_start_date": "2026-01-01",
                    "order_line": [
                        (0, 0, {"product_id": self.computer_id, "product_uom_qty": 1}),
                        (0, 0, {"product_id": service_product.id}),
                    ],
                }
            )
            order.action_confirm()
            self.order_id, self.offer_id = order.id, offer.id
            self.service_product_id = service_product.id
            self.contract_id = (
                env["account.analytic.account"]
                .search(
                    [("infogerance_role", "=", "service"), ("partner_id", "=", self.partner_id)]
                )
                .id
            )

    def tearDown(self):
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            contracts = (
                env["account.analytic.account"]
                .with_context(active_test=False)
                .search([("partner_id", "=", self.partner_id)])
            )
            env["sale.order"].search([("partner_id", "=", self.partner_id)]).write(
                {"state": "cancel"}
            )
            env["sale.order"].search([("partner_id", "=", self.partner_id)]).unlink()
            contracts.filtered(lambda c: c.infogerance_role == "rental").unlink()
            # The test's own contracts: deleted as the rules would (no history check).
            contracts.exists().with_context(infogerance_end_authorisation=RULES_CHECKED).unlink()
            env["product.product"].browse([self.computer_id, self.service_product_id]).unlink()
            env["infogerance.offer"].browse(self.offer_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
        super().tearDown()

    def _add_rental(self, cr, name):
        env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
        env["account.analytic.account"].create(
            {
                "name": name,
                "partner_id": self.partner_id,
                "infogerance_role": "rental",
                "recurring_invoices": True,
                "date_start": "2026-01-01",
                "recurring_next_date": "2026-01-01",
            }
        )

    @mute_logger("odoo.sql_db")  # transaction 2's expected serialization failure
    def test_r3_two_concurrent_rentals_leave_the_right_fleet(self):
        outcome = {}
        cr1 = self.registry_.cursor()
        cr2 = self.registry_.cursor()
        try:
            # both transactions take their snapshot before either commits
            cr1.execute("SELECT 1")
            cr2.execute("SELECT 1")
            self._add_rental(cr1, "Laptop from transaction 1")  # holds the contract lock

            def second():
                with api.Environment.manage():
                    second_transaction()

            def second_transaction():
                try:
                    self._add_rental(cr2, "Laptop from transaction 2")  # waits for the lock
                    cr2.commit()
                    outcome["second"] = "committed"
                except TransactionRollbackError as error:
                    outcome["second"] = error.pgcode
                    cr2.rollback()

            thread = threading.Thread(target=second)
            thread.start()
            thread.join(2)
            self.assertTrue(thread.is_alive(), "transaction 2 must wait for transaction 1")
            cr1.commit()
            thread.join(30)
            self.assertFalse(thread.is_alive())
            # without the lock, transaction 2 would have priced 2 computers from its
            # snapshot; with it, it fails to serialize and Odoo retries it
            self.assertEqual(outcome["second"], psycopg2.errorcodes.SERIALIZATION_FAILURE)
            self._add_rental(cr2, "Laptop from transaction 2")  # the retry
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            contract = env["account.analytic.account"].browse(self.contract_id)
            self.assertEqual(contract.infogerance_fleet_size, 3)
            self.assertEqual(contract.infogerance_unit_price, 10.0)
            self.assertEqual(contract.recurring_invoice_line_ids.quantity, 3)
            events = contract.infogerance_fleet_event_ids.sorted("id")
            self.assertEqual(
                [(e.fleet_before, e.fleet_after) for e in events], [(0, 1), (1, 2), (2, 3)]
            )


@at_install(False)
@post_install(True)
class TestR3ConcurrentFirstOrders(TransactionCase):
    """Two orders of a new customer confirmed at the same moment end with one
    managed-service contract: the per-customer lock covers a customer without
    any contract yet."""

    def setUp(self):
        super().setUp()
        self.registry_ = Registry(get_db_name())
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            offer = env["infogerance.offer"].create(
                {
                    "name": "Concurrent orders offer",
                    "tier_ids": [
                        (0, 0, {"min_computers": 1, "unit_price": 15.0}),
                        (0, 0, {"min_computers": 2, "unit_price": 12.0}),
                    ],
                }
            )
            self.offer_id = offer.id
            self.partner_id = (
                env["res.partner"].create({"name": "New Customer SARL", "is_company": True}).id
            )
            computer = env["product.product"].create(
                {"name": "Concurrent laptop", "type": "service", "is_computer_rental": True}
            )
            service = env["product.product"].create(
                {"name": "Concurrent service", "type": "service", "infogerance_offer_id": offer.id}
            )
            self.product_ids = [computer.id, service.id]
            self.order_ids = [
                env["sale.order"]
                .create(
                    {
                        "partner_id": self.partner_id,
                        "infogerance_start_date": "2026-01-01",
                        "order_line": [
                            (0, 0, {"product_id": computer.id, "product_uom_qty": 1}),
                            (0, 0, {"product_id": service.id}),
                        ],
                    }
                )
                .id
                for _index in range(2)
            ]

    def tearDown(self):
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            contracts = (
                env["account.analytic.account"]
                .with_context(active_test=False)
                .search([("partner_id", "=", self.partner_id)])
            )
            orders = env["sale.order"].browse(self.order_ids)
            orders.write({"state": "cancel"})
            orders.unlink()
            rules = {"infogerance_end_authorisation": RULES_CHECKED}
            contracts.filtered(lambda c: c.infogerance_role == "rental").with_context(
                **rules
            ).unlink()
            contracts.exists().with_context(**rules).unlink()
            env["product.product"].browse(self.product_ids).unlink()
            env["infogerance.offer"].browse(self.offer_id).with_context(**rules).unlink()
            cr.execute(
                "DELETE FROM infogerance_customer_lock WHERE partner_id = %s", (self.partner_id,)
            )
            env["res.partner"].browse(self.partner_id).unlink()
        super().tearDown()

    def _confirm(self, cr, order_id):
        env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
        env["sale.order"].browse(order_id).action_confirm()

    @mute_logger("odoo.sql_db")  # the second confirmation's expected serialization failure
    def test_r3_two_first_orders_confirmed_at_once_make_one_contract(self):
        outcome = {}
        cr1 = self.registry_.cursor()
        cr2 = self.registry_.cursor()
        try:
            cr1.execute("SELECT 1")
            cr2.execute("SELECT 1")  # both snapshots precede either commit
            self._confirm(cr1, self.order_ids[0])  # holds the customer's lock

            def second():
                with api.Environment.manage():
                    try:
                        self._confirm(cr2, self.order_ids[1])  # waits for the lock
                        cr2.commit()
                        outcome["second"] = "committed"
                    except TransactionRollbackError as error:
                        outcome["second"] = error.pgcode
                        cr2.rollback()

            thread = threading.Thread(target=second)
            thread.start()
            thread.join(2)
            self.assertTrue(thread.is_alive(), "the second confirmation must wait: %s" % outcome)
            cr1.commit()
            thread.join(30)
            self.assertFalse(thread.is_alive())
            # its snapshot predates the first contract: it fails to serialize and
            # Odoo retries it, then it finds the contract
            self.assertEqual(outcome["second"], psycopg2.errorcodes.SERIALIZATION_FAILURE)
            self._confirm(cr2, self.order_ids[1])  # the retry
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            services = env["account.analytic.account"].search(
                [("infogerance_role", "=", "service"), ("partner_id", "=", self.partner_id)]
            )
            self.assertEqual(len(services), 1)
            self.assertEqual(services.infogerance_fleet_size, 2)
            self.assertEqual(services.infogerance_unit_price, 12.0)
            self.assertEqual(
                set(env["sale.order"].browse(self.order_ids).mapped("state")), {"sale"}
            )
