"""Fleet changes and the daily check become deduplicated jobs, one per customer."""
from unittest import mock

from freezegun import freeze_time

from odoo.tests.common import at_install, post_install
from odoo.tools import mute_logger

from odoo.addons.commown_infogerance.tests.common import InfogeranceCase
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..models.account_analytic_account import REPRICE_IDENTITY_KEY


# fleet changes become jobs through base.automation rules, whose hooks Odoo registers
# after loading
@at_install(False)
@post_install(True)
class TestRepriceJobs(InfogeranceCase):
    frozen_now = "2026-02-02"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the common fixtures run jobs at once; here they are queued as in production
        cls.env = cls.env(context=dict(cls.env.context, test_queue_job_no_delay=False))

    def setUp(self):
        super().setUp()
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
            self._confirm(self.other_customer, computers=1)
        self.contract = self._service_contract(self.customer)
        self.other_contract = self._service_contract(self.other_customer)
        self.Contract = self.env["account.analytic.account"]

    def _jobs(self, partner=None):
        domain = [("method_name", "=", "_infogerance_job_reprice_customer")]
        if partner:
            domain.append(("identity_key", "=", REPRICE_IDENTITY_KEY % partner.id))
        return self.env["queue.job"].search(domain)

    def _perform(self, jobs):
        for record in jobs:
            job = Job.load(self.env, record.uuid)
            job.perform()
            job.set_done()
            job.store()

    def _new_rental(self, partner, name):
        return self.Contract.create(
            {
                "name": name,
                "partner_id": partner.id,
                "infogerance_role": "rental",
                "recurring_invoices": True,
                "date_start": "2026-01-01",
                "recurring_next_date": "2026-01-01",
                "infogerance_contract_id": self._service_contract(partner).id,
            }
        )

    def test_confirmation_still_reprices_at_once(self):
        self.assertEqual(self.contract.infogerance_fleet_size, 2)
        self.assertFalse(self._jobs())

    def test_burst_of_200_changes_makes_one_job_and_the_right_price(self):
        events_before = len(self.contract.infogerance_fleet_event_ids)
        rentals = self.Contract.browse()
        for index in range(200):
            rentals |= self._new_rental(self.customer, "Burst laptop %s" % index)
        rentals[:50].write({"date_end": "2026-01-31"})  # 50 more changes, one write
        self._new_rental(self.other_customer, "Other laptop")
        # deferred: nothing repriced yet, one pending job per customer
        self.assertEqual(self.contract.infogerance_fleet_size, 2)
        self.assertEqual(len(self._jobs(self.customer)), 1)
        self.assertEqual(len(self._jobs(self.other_customer)), 1)
        self.assertEqual(len(self._jobs()), 2)
        self.assertEqual(self._jobs(self.customer).state, "pending")

        self._perform(self._jobs())
        self.assertEqual(self.contract.infogerance_fleet_size, 2 + 200 - 50)
        self.assertEqual(self.contract.infogerance_unit_price, 10.0)
        line = self.contract._infogerance_service_line()
        self.assertEqual((line.quantity, line.price_unit), (152, 10.0))
        events = self.contract.infogerance_fleet_event_ids
        self.assertEqual(len(events) - events_before, 1, "one effective reprice")
        self.assertEqual((events[0].fleet_before, events[0].fleet_after), (2, 152))
        self.assertEqual(events[0].cause, "rental_start")
        self.assertEqual(self.other_contract.infogerance_fleet_size, 2)

        # once the job ran, the next change enqueues a new one
        self._new_rental(self.customer, "Late laptop")
        self.assertEqual(len(self._jobs(self.customer).filtered(lambda j: j.state == "pending")), 1)

    def test_job_writes_the_price_history_in_the_users_language(self):
        """The job runner loads jobs in the environment of its own HTTP request:
        the chatter message still reads in the language of who made the change."""
        french = self.env(context=dict(self.env.context, lang="fr_FR"))
        rental = self._new_rental(self.customer, "Portable de Lyon")
        self._perform(self._jobs(self.customer))
        rental.with_env(french).date_end = "2026-02-01"
        for record in self._jobs(self.customer).filtered(lambda j: j.state == "pending"):
            job = Job.load(self.env(context={"lang": "en_US"}), record.uuid)  # the runner's
            job.perform()
        self.assertEqual(self.contract.infogerance_fleet_size, 2)
        self.assertIn("Prix recalculé", self.contract.message_ids[0].body)
        self.assertIn("Location terminée", self.contract.message_ids[0].body)

    def test_deleted_rental_is_left_out_of_the_recount(self):
        self._rentals(self.customer)[0].unlink()
        self._perform(self._jobs(self.customer))
        self.assertEqual(self.contract.infogerance_fleet_size, 1)
        self.assertEqual(self.contract.infogerance_fleet_event_ids[0].cause, "rental_delete")

    def test_daily_check_enqueues_one_job_per_customer_deduplicated(self):
        self._bulk_rentals(self.customer, 3)  # drift the ORM did not see
        self._new_rental(self.other_customer, "Pending change")  # a job already pending
        result = self.Contract._cron_infogerance_check_consistency()
        running = self.Contract._infogerance_running_service_contracts_all("2026-02-02")
        self.assertEqual(
            result["enqueued"], len(running.mapped("partner_id.commercial_partner_id"))
        )
        self.assertEqual(len(self._jobs(self.customer)), 1)
        self.assertEqual(len(self._jobs(self.other_customer)), 1)
        self.assertEqual(self._jobs(self.customer).kwargs.get("rental_id"), None)
        self._perform(self._jobs(self.customer) | self._jobs(self.other_customer))
        self.assertEqual(self.contract.infogerance_fleet_size, 5)
        self.assertEqual(self.contract.infogerance_fleet_event_ids[0].cause, "consistency")
        self.assertEqual(self.other_contract.infogerance_fleet_size, 2)

    @mute_logger("odoo.sql_db")  # the serialization failure raised on purpose
    def test_serialization_failure_is_retried(self):
        self._new_rental(self.customer, "Contended laptop")
        job = Job.load(self.env, self._jobs(self.customer).uuid)

        def lose_the_race(contracts):
            # what PostgreSQL raises when a concurrent transaction updated the row
            contracts.env.cr.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'concurrent update' "
                "USING ERRCODE = 'serialization_failure'; END $$"
            )

        model = type(self.Contract)
        with mock.patch.object(model, "_infogerance_lock", lose_the_race, create=False):
            with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
                job.perform()
        self.assertEqual(job.retry, 1)
        self.assertEqual(self.contract.infogerance_fleet_size, 2)
        job.perform()  # the retry, the race over
        self.assertEqual(self.contract.infogerance_fleet_size, 3)

    def test_other_errors_are_not_retried(self):
        self._new_rental(self.customer, "Broken laptop")
        job = Job.load(self.env, self._jobs(self.customer).uuid)
        self.env.cr.execute(
            "DELETE FROM infogerance_contract_tier WHERE contract_id = %s", (self.contract.id,)
        )
        self.contract.invalidate_cache()
        with self.assertRaises(Exception) as caught, self.env.cr.savepoint():
            job.perform()
        self.assertNotIsInstance(caught.exception, RetryableJobError)
