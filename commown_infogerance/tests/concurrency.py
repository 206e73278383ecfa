"""Two transactions at once, for the tests of the locks (R3 fleet, one contract per
customer, R8 on-site quota): committed data in separate cursors, as Odoo's
test_ir_sequence does, everything created removed in tearDown."""
import threading
from contextlib import contextmanager

from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import TransactionCase, at_install, get_db_name, post_install

from ..models.account_analytic_account_termination import RULES_CHECKED

# test_queue_job_no_delay: with commown_infogerance_queue installed, reprice at
# once instead of leaving committed jobs behind.
CONTEXT = {"tracking_disable": True, "test_queue_job_no_delay": True}


# Post-install: the locks are taken by the repricing that base.automation rules
# start (their hooks are registered after loading), and the second transaction's
# thread needs the registry, which Odoo keeps locked while it loads modules.
@at_install(False)
@post_install(True)
class ConcurrentCase(TransactionCase):
    """A customer with an offer, committed; ``race`` runs two transactions on it."""

    def setUp(self):
        super().setUp()
        self.registry_ = Registry(get_db_name())
        self.ids_ = {"partner": None, "offers": [], "products": []}

    def tearDown(self):
        if self.ids_["partner"]:
            with self.registry_.cursor() as cr:
                self._remove_customer(self.env_of(cr))
        super().tearDown()

    @staticmethod
    def env_of(cr):
        return api.Environment(cr, SUPERUSER_ID, CONTEXT)

    def _create_customer(self, env, name, tiers, partner_values=None, service_types=None):
        """Commit-ready fixture: a customer, an offer with ``tiers`` ((min, price)
        pairs), a computer product and the offer's product. Returns the
        (computer, service product) pair; their ids are kept for tearDown."""
        offer = env["infogerance.offer"].create(
            {
                "name": "%s offer" % name,
                "service_type_ids": [(6, 0, service_types.ids if service_types else [])],
                "tier_ids": [
                    (0, 0, {"min_computers": minimum, "unit_price": price})
                    for minimum, price in tiers
                ],
            }
        )
        partner = env["res.partner"].create(
            dict({"name": "%s SARL" % name, "is_company": True}, **(partner_values or {}))
        )
        computer = env["product.product"].create(
            {"name": "%s laptop" % name, "type": "service", "is_computer_rental": True}
        )
        service = env["product.product"].create(
            {"name": "%s service" % name, "type": "service", "infogerance_offer_id": offer.id}
        )
        self.ids_.update(partner=partner.id, offers=[offer.id], products=[computer.id, service.id])
        return computer, service

    def _create_order(self, env, computer, service, computers=1):
        return env["sale.order"].create(
            {
                "partner_id": self.ids_["partner"],
                "infogerance_start_date": "2026-01-01",
                "order_line": [
                    (0, 0, {"product_id": computer.id, "product_uom_qty": computers}),
                    (0, 0, {"product_id": service.id}),
                ],
            }
        )

    def _service_contracts(self, env):
        return env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "=", self.ids_["partner"])]
        )

    def _remove_customer(self, env):
        """Everything the fixture and the test created and committed, deleted as the
        rules would (the test's own contracts: no history check)."""
        partner_id = self.ids_["partner"]
        env["infogerance.service.request"].search([("partner_id", "=", partner_id)]).unlink()
        contracts = (
            env["account.analytic.account"]
            .with_context(active_test=False)
            .search([("partner_id", "=", partner_id)])
        )
        orders = env["sale.order"].search([("partner_id", "=", partner_id)])
        orders.write({"state": "cancel"})
        orders.unlink()
        rules = {"infogerance_end_authorisation": RULES_CHECKED}
        contracts.filtered(lambda c: c.infogerance_role == "rental").with_context(**rules).unlink()
        contracts.exists().with_context(**rules).unlink()
        env["product.product"].browse(self.ids_["products"]).unlink()
        env["infogerance.offer"].browse(self.ids_["offers"]).with_context(**rules).unlink()
        env.cr.execute("DELETE FROM infogerance_customer_lock WHERE partner_id = %s", (partner_id,))
        env["res.partner"].browse(partner_id).unlink()

    @contextmanager
    def race(self, first, second):
        """Both transactions take their snapshot; ``first(cr1)`` runs and keeps its
        locks; ``second(cr2)`` runs in a thread and must wait for them; then the
        first commits. Yields the second's outcome ("committed", or the pgcode it
        failed with) and its cursor, rolled back after a failure and open for the
        caller's retry. Both cursors are closed at the end."""
        outcome = {}
        cr1, cr2 = self.registry_.cursor(), self.registry_.cursor()
        try:
            cr1.execute("SELECT 1")
            cr2.execute("SELECT 1")
            first(cr1)

            def run_second():
                with api.Environment.manage():
                    try:
                        second(cr2)
                        cr2.commit()
                        outcome["second"] = "committed"
                    except TransactionRollbackError as error:
                        outcome["second"] = error.pgcode
                        cr2.rollback()

            thread = threading.Thread(target=run_second)
            thread.start()
            thread.join(2)
            self.assertTrue(thread.is_alive(), "the second transaction must wait: %s" % outcome)
            cr1.commit()
            thread.join(30)
            self.assertFalse(thread.is_alive())
            yield outcome["second"], cr2
        finally:
            cr1.close()
            cr2.close()
