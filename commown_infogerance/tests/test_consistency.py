"""The daily consistency job: batches, one broken contract does not stop the others."""
from freezegun import freeze_time

from odoo.tools import mute_logger

from .common import InfogeranceCase


class TestR3ConsistencyJob(InfogeranceCase):
    frozen_now = "2026-02-01"

    def setUp(self):
        super().setUp()
        self.partners = [
            self._create_company("Customer %s" % i, "Paris", "75001") for i in range(5)
        ]
        with freeze_time("2026-01-01"):
            for index, partner in enumerate(self.partners):
                self._confirm(partner, computers=index + 1)
        self.contracts = self.env["account.analytic.account"].browse(
            [self._service_contract(p).id for p in self.partners]
        )

    def _job(self, batch_size=2):
        return self.env["account.analytic.account"]._infogerance_check_consistency(
            batch_size=batch_size
        )

    def test_r3_consistency_job_repairs_drift_and_is_idempotent(self):
        # a fleet change that bypassed the ORM (a SQL fix, a restored backup...)
        self._bulk_rentals(self.partners[0], 9)
        self.env.cr.execute(
            "UPDATE account_analytic_account SET infogerance_fleet_size = 42" " WHERE id = %s",
            (self.contracts[1].id,),
        )
        self.contracts.invalidate_cache()
        result = self._job()
        self.assertEqual(result["repriced"], 2)
        self.assertEqual(result["failed"], [])
        self.assertEqual(self.contracts[0].infogerance_fleet_size, 10)
        self.assertEqual(self.contracts[0].infogerance_unit_price, 10.0)
        self.assertEqual(self.contracts[0].infogerance_fleet_event_ids[0].cause, "consistency")
        self.assertEqual(self.contracts[1].infogerance_fleet_size, 2)
        events = self.env["infogerance.fleet.event"].search_count([])
        again = self._job()
        self.assertEqual(again["repriced"], 0)
        self.assertEqual(self.env["infogerance.fleet.event"].search_count([]), events)

    @mute_logger("odoo.addons.commown_infogerance.models.account_analytic_account_fleet_trigger")
    def test_r3_consistency_job_isolates_a_broken_contract(self):
        self._bulk_rentals(self.partners[3], 5)
        self._bulk_rentals(self.partners[4], 5)
        # break contract 3: its frozen grid vanished
        self.env.cr.execute(
            "DELETE FROM infogerance_contract_tier WHERE contract_id = %s", (self.contracts[3].id,)
        )
        self.contracts.invalidate_cache()
        Contract = self.env["account.analytic.account"]
        running = Contract.search_count(Contract._infogerance_running_service_domain("2026-02-01"))
        self.assertGreaterEqual(running, 5)  # ours, and any other customer's (demo data)
        # one batch for all: it fails, then each of its contracts is retried alone
        result = self._job(batch_size=running)
        self.assertEqual(result["failed"], [self.contracts[3].id])
        self.assertEqual(result["checked"], running)
        self.assertEqual(self.contracts[4].infogerance_fleet_size, 10)  # same batch, repaired
        self.assertEqual(self.contracts[3].infogerance_fleet_size, 4)  # untouched

    def test_r1_consistency_job_keeps_a_contract_starting_later(self):
        self._confirm(self.other_customer, computers=2, start="2026-05-01")
        contract = self._service_contract(self.other_customer)
        self.assertEqual(contract.infogerance_fleet_size, 2)
        self._job()
        self.assertEqual(contract.infogerance_fleet_size, 2)
        self.assertFalse(contract.date_end)
