"""Two transactions changing one customer's fleet at once: no lost update (R3);
two first orders of a customer confirmed at once: one contract."""
import psycopg2
import psycopg2.errors

from odoo.tools import mute_logger

from .concurrency import ConcurrentCase


class TestR3ConcurrentFleetChanges(ConcurrentCase):
    def setUp(self):
        super().setUp()
        with self.registry_.cursor() as cr:
            env = self.env_of(cr)
            computer, service = self._create_customer(
                env, "Concurrency", [(1, 15.0), (2, 12.0), (3, 10.0)]
            )
            self._create_order(env, computer, service).action_confirm()
            self.contract_id = self._service_contracts(env).id

    def _add_rental(self, cr, name):
        self.env_of(cr)["account.analytic.account"].create(
            {
                "name": name,
                "partner_id": self.ids_["partner"],
                "infogerance_role": "rental",
                "recurring_invoices": True,
                "date_start": "2026-01-01",
                "recurring_next_date": "2026-01-01",
            }
        )

    @mute_logger("odoo.sql_db")  # transaction 2's expected serialization failure
    def test_r3_two_concurrent_rentals_leave_the_right_fleet(self):
        with self.race(
            lambda cr: self._add_rental(cr, "Laptop from transaction 1"),  # holds the lock
            lambda cr: self._add_rental(cr, "Laptop from transaction 2"),  # waits for it
        ) as (outcome, cr2):
            # without the lock, transaction 2 would have priced 2 computers from its
            # snapshot; with it, it fails to serialize and Odoo retries it
            self.assertEqual(outcome, psycopg2.errorcodes.SERIALIZATION_FAILURE)
            self._add_rental(cr2, "Laptop from transaction 2")  # the retry
            cr2.commit()
        with self.registry_.cursor() as cr:
            contract = self.env_of(cr)["account.analytic.account"].browse(self.contract_id)
            self.assertEqual(contract.infogerance_fleet_size, 3)
            self.assertEqual(contract.infogerance_unit_price, 10.0)
            self.assertEqual(contract.recurring_invoice_line_ids.quantity, 3)
            events = contract.infogerance_fleet_event_ids.sorted("id")
            self.assertEqual(
                [(e.fleet_before, e.fleet_after) for e in events], [(0, 1), (1, 2), (2, 3)]
            )

    def test_r3_repricing_does_not_wait_for_lines_referencing_the_contract(self):
        """The billing run posting a customer's invoice inserts journal and
        analytic lines that reference the managed-service contract: PostgreSQL
        key-share locks it until that commits. A salesman's repricing of the
        same customer meanwhile must not wait for it (it waited 38 s in the
        bench, behind a 1,000-line invoice)."""
        with self.registry_.cursor() as cr1, self.registry_.cursor() as cr2:
            env1 = self.env_of(cr1)
            contract = env1["account.analytic.account"].browse(self.contract_id)
            env1["account.analytic.line"].create(
                {"name": "A line of the run's posting", "account_id": contract.id, "amount": 10}
            )  # not committed: its foreign key keeps the contract key-share locked
            cr2.execute("SET LOCAL lock_timeout = '1s'")
            self.env_of(cr2)["account.analytic.account"].browse(
                self.contract_id
            )._infogerance_lock()  # raised LockNotAvailable with FOR UPDATE
            # still the lock repricings exclude each other with
            cr1.execute("SET LOCAL lock_timeout = '200ms'")
            with self.assertRaises(psycopg2.errors.LockNotAvailable), mute_logger("odoo.sql_db"):
                env1["account.analytic.account"].browse(self.contract_id)._infogerance_lock()
            cr1.rollback()
            cr2.rollback()


class TestR3ConcurrentFirstOrders(ConcurrentCase):
    """Two orders of a new customer confirmed at the same moment end with one
    managed-service contract: the per-customer lock covers a customer without
    any contract yet."""

    def setUp(self):
        super().setUp()
        with self.registry_.cursor() as cr:
            env = self.env_of(cr)
            computer, service = self._create_customer(env, "New Customer", [(1, 15.0), (2, 12.0)])
            self.order_ids = [self._create_order(env, computer, service).id for _index in range(2)]

    def _confirm(self, cr, order_id):
        self.env_of(cr)["sale.order"].browse(order_id).action_confirm()

    @mute_logger("odoo.sql_db")  # the second confirmation's expected serialization failure
    def test_r3_two_first_orders_confirmed_at_once_make_one_contract(self):
        with self.race(
            lambda cr: self._confirm(cr, self.order_ids[0]),  # holds the customer's lock
            lambda cr: self._confirm(cr, self.order_ids[1]),  # waits for it
        ) as (outcome, cr2):
            # its snapshot predates the first contract: it fails to serialize and
            # Odoo retries it, then it finds the contract
            self.assertEqual(outcome, psycopg2.errorcodes.SERIALIZATION_FAILURE)
            self._confirm(cr2, self.order_ids[1])  # the retry
            cr2.commit()
        with self.registry_.cursor() as cr:
            env = self.env_of(cr)
            services = self._service_contracts(env)
            self.assertEqual(len(services), 1)
            self.assertEqual(services.infogerance_fleet_size, 2)
            self.assertEqual(services.infogerance_unit_price, 12.0)
            self.assertEqual(
                set(env["sale.order"].browse(self.order_ids).mapped("state")), {"sale"}
            )
