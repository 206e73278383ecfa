"""Two on-site requests filed at once on one contract: only one passes the
yearly quota (R8)."""
import threading

import psycopg2
from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.modules.registry import Registry
from odoo.tests.common import TransactionCase, at_install, get_db_name, post_install
from odoo.tools import mute_logger

from ..models.account_analytic_account_termination import RULES_CHECKED

CONTEXT = {"tracking_disable": True, "test_queue_job_no_delay": True}


# Post-install: the second transaction's thread needs the registry, which Odoo
# keeps locked while it loads modules.
@at_install(False)
@post_install(True)
class TestR8ConcurrentOnsiteRequests(TransactionCase):
    """Committed data in separate cursors; everything created is removed in tearDown."""

    def setUp(self):
        super().setUp()
        self.registry_ = Registry(get_db_name())
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            onsite = env["infogerance.service.type"].search([("code", "=", "onsite")])
            offer = env["infogerance.offer"].create(
                {
                    "name": "On-site concurrency offer",
                    "service_type_ids": [(6, 0, onsite.ids)],
                    "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 15.0})],
                }
            )
            partner = env["res.partner"].create(
                {"name": "Onsite SARL", "is_company": True, "city": "Paris", "zip": "75011"}
            )
            computer = env["product.product"].create(
                {"name": "Onsite laptop", "type": "service", "is_computer_rental": True}
            )
            service_product = env["product.product"].create(
                {"name": "Onsite service", "type": "service", "infogerance_offer_id": offer.id}
            )
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "infogerance_start_date": "2026-01-01",
                    "order_line": [
                        (0, 0, {"product_id": computer.id, "product_uom_qty": 10}),
                        (0, 0, {"product_id": service_product.id}),
                    ],
                }
            )
            order.action_confirm()
            self.ids_ = {
                "partner": partner.id,
                "offer": offer.id,
                "products": [computer.id, service_product.id],
                "onsite": onsite.id,
            }
            self.contract_id = (
                env["account.analytic.account"]
                .search([("infogerance_role", "=", "service"), ("partner_id", "=", partner.id)])
                .id
            )

    def tearDown(self):
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
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
            contracts.filtered(lambda c: c.infogerance_role == "rental").unlink()
            contracts.exists().with_context(infogerance_end_authorisation=RULES_CHECKED).unlink()
            env["product.product"].browse(self.ids_["products"]).unlink()
            env["infogerance.offer"].browse(self.ids_["offer"]).unlink()
            env["res.partner"].browse(partner_id).unlink()
        super().tearDown()

    def _file_onsite(self, cr, summary):
        env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
        env["infogerance.service.request"].create(
            {
                "summary": summary,
                "contract_id": self.contract_id,
                "partner_id": self.ids_["partner"],
                "service_type_id": self.ids_["onsite"],
                "request_date": "2026-03-10",
            }
        )

    @mute_logger("odoo.sql_db")  # the second transaction's expected serialization failure
    def test_r8_two_concurrent_onsite_requests_cannot_both_pass_the_quota(self):
        outcome = {}
        cr1 = self.registry_.cursor()
        cr2 = self.registry_.cursor()
        try:
            cr1.execute("SELECT 1")  # both snapshots taken before either commits
            cr2.execute("SELECT 1")
            self._file_onsite(cr1, "First visit")  # holds the contract row

            def second():
                with api.Environment.manage():
                    try:
                        self._file_onsite(cr2, "Second visit")  # waits for the first
                        cr2.commit()
                        outcome["second"] = "committed"
                    except TransactionRollbackError as error:
                        outcome["second"] = error.pgcode
                        cr2.rollback()

            thread = threading.Thread(target=second)
            thread.start()
            thread.join(2)
            self.assertTrue(thread.is_alive(), "the second request must wait for the first")
            cr1.commit()
            thread.join(30)
            self.assertFalse(thread.is_alive())
            # Without the lock both would count no visit this year and pass.
            self.assertEqual(outcome["second"], psycopg2.errorcodes.SERIALIZATION_FAILURE)
            # Odoo's retry of the second request now sees the first one: refused.
            with self.assertRaisesRegex(ValidationError, "R8"):
                self._file_onsite(cr2, "Second visit")
            api.Environment(cr2, SUPERUSER_ID, CONTEXT).clear()
            cr2.rollback()
        finally:
            cr1.close()
            cr2.close()
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            count = env["infogerance.service.request"].search_count(
                [("contract_id", "=", self.contract_id)]
            )
            self.assertEqual(count, 1)
