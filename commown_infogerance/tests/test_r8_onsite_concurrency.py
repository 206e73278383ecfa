"""Two on-site requests filed at once on one contract: only one passes the
yearly quota (R8)."""
import psycopg2

from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from .concurrency import ConcurrentCase


class TestR8ConcurrentOnsiteRequests(ConcurrentCase):
    def setUp(self):
        super().setUp()
        with self.registry_.cursor() as cr:
            env = self.env_of(cr)
            onsite = env["infogerance.service.type"].search([("code", "=", "onsite")])
            computer, service = self._create_customer(
                env,
                "Onsite",
                [(1, 15.0)],
                partner_values={"city": "Paris", "zip": "75011"},
                service_types=onsite,
            )
            self._create_order(env, computer, service, computers=10).action_confirm()
            self.onsite_id = onsite.id
            self.contract_id = self._service_contracts(env).id

    def _file_onsite(self, cr, summary):
        self.env_of(cr)["infogerance.service.request"].create(
            {
                "summary": summary,
                "contract_id": self.contract_id,
                "partner_id": self.ids_["partner"],
                "service_type_id": self.onsite_id,
                "request_date": "2026-03-10",
            }
        )

    @mute_logger("odoo.sql_db")  # the second transaction's expected serialization failure
    def test_r8_two_concurrent_onsite_requests_cannot_both_pass_the_quota(self):
        with self.race(
            lambda cr: self._file_onsite(cr, "First visit"),  # holds the contract row
            lambda cr: self._file_onsite(cr, "Second visit"),  # waits for the first
        ) as (outcome, cr2):
            # Without the lock both would count no visit this year and pass.
            self.assertEqual(outcome, psycopg2.errorcodes.SERIALIZATION_FAILURE)
            # Odoo's retry of the second request now sees the first one: refused.
            with self.assertRaisesRegex(ValidationError, "R8"):
                self._file_onsite(cr2, "Second visit")
            self.env_of(cr2).clear()
            cr2.rollback()
        with self.registry_.cursor() as cr:
            count = self.env_of(cr)["infogerance.service.request"].search_count(
                [("contract_id", "=", self.contract_id)]
            )
            self.assertEqual(count, 1)
