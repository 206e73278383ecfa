"""R3 repricing on every fleet change, whatever the path; R1 end; audit trail."""
import logging

from freezegun import freeze_time

from odoo.tests.common import at_install, post_install

from .common import InfogeranceCase

_logger = logging.getLogger(__name__)


# repricing follows base.automation rules, whose hooks Odoo registers after loading
@at_install(False)
@post_install(True)
class TestR3Repricing(InfogeranceCase):
    frozen_now = "2026-03-10"

    def setUp(self):
        super().setUp()
        with freeze_time("2026-01-01"):
            self.order = self._confirm(self.customer, computers=4)
        self.contract = self._service_contract(self.customer)
        self.rentals = self._rentals(self.customer)

    def _last_event(self):
        return self.contract.infogerance_fleet_event_ids[:1]

    def test_r3_order_confirmation_logs_one_event(self):
        events = self.contract.infogerance_fleet_event_ids
        self.assertEqual(len(events), 1)
        self.assertEqual(events.cause, "order")
        self.assertEqual((events.fleet_before, events.fleet_after), (0, 4))
        self.assertEqual((events.amount_before, events.amount_after), (0.0, 60.0))
        self.assertIn(self.order.name, events.description)

    def test_r3_rental_created_by_hand_reprices(self):
        self.rentals[0].copy({"infogerance_role": "rental", "name": "Extra laptop"})
        self.assertEqual(self.contract.infogerance_fleet_size, 5)
        self.assertEqual(self.contract.infogerance_unit_price, 12.0)
        event = self._last_event()
        self.assertEqual(event.cause, "rental_start")
        self.assertEqual((event.fleet_before, event.fleet_after), (4, 5))
        self.assertEqual((event.unit_price_before, event.unit_price_after), (15.0, 12.0))
        self.assertEqual((event.amount_before, event.amount_after), (60.0, 60.0))
        self.assertIn("4 → 5", self.contract.message_ids[0].body)
        self.assertIn("60.00 → 60.00", self.contract.message_ids[0].body)

    def test_r3_rental_ended_reprices(self):
        self.rentals[0].date_end = "2026-03-09"
        self.assertEqual(self.contract.infogerance_fleet_size, 3)
        self.assertEqual(self._last_event().cause, "rental_end")
        self.assertEqual(self._last_event().rental_contract_id, self.rentals[0])

    def test_r3_rental_ending_later_reprices_on_that_day(self):
        self.rentals[0].date_end = "2026-03-31"
        self.assertEqual(self.contract.infogerance_fleet_size, 4)
        with freeze_time("2026-04-01"):
            self.env["account.analytic.account"]._cron_infogerance_dated_fleet_changes()
        self.assertEqual(self.contract.infogerance_fleet_size, 3)
        self.assertEqual(self._last_event().cause, "rental_end")

    def test_r3_rental_starting_later_reprices_on_that_day(self):
        with freeze_time("2026-03-10"):
            self._confirm(self.customer, computers=2, offer=False, start="2026-04-15")
        self.assertEqual(self.contract.infogerance_fleet_size, 4)
        with freeze_time("2026-04-15"):
            self.env["account.analytic.account"]._cron_infogerance_dated_fleet_changes()
        self.assertEqual(self.contract.infogerance_fleet_size, 6)
        self.assertEqual(self._last_event().cause, "rental_start")

    def test_r3_rental_cancelled_reprices(self):
        self.rentals[0].recurring_invoices = False
        self.assertEqual(self.contract.infogerance_fleet_size, 3)
        self.assertEqual(self._last_event().cause, "rental_cancel")

    def test_r3_rental_archived_reprices(self):
        self.rentals[0].active = False
        self.assertEqual(self.contract.infogerance_fleet_size, 3)
        self.assertEqual(self._last_event().cause, "rental_cancel")

    def test_r3_deleted_rental_reprices(self):
        name = self.rentals[0].name
        self.rentals[0].unlink()
        self.assertEqual(self.contract.infogerance_fleet_size, 3)
        event = self._last_event()
        self.assertEqual(event.cause, "rental_delete")
        self.assertIn(name, event.description)

    def test_r3_rental_moved_to_another_customer_reprices_both(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.other_customer, computers=1)
        other = self._service_contract(self.other_customer)
        self.rentals[0].partner_id = self.other_customer
        self.assertEqual(self.contract.infogerance_fleet_size, 3)
        self.assertEqual(other.infogerance_fleet_size, 2)
        self.assertEqual(self._last_event().cause, "rental_transfer")

    def test_r3_irrelevant_change_logs_nothing(self):
        events = self.contract.infogerance_fleet_event_ids
        messages = self.contract.message_ids
        self.rentals[0].name = "Renamed laptop"
        self.rentals[0].date_end = "2026-12-31"  # still rented today
        self.assertEqual(self.contract.infogerance_fleet_event_ids, events)
        self.assertEqual(self.contract.message_ids, messages)

    def test_r3_change_over_rpc_path_reprices(self):
        # what an XML-RPC client or an import does: a plain write as a user
        self.rentals[:2].sudo(self.salesman).write({"date_end": "2026-03-01"})
        self.assertEqual(self.contract.infogerance_fleet_size, 2)
        line = self.contract.recurring_invoice_line_ids
        self.assertEqual((line.quantity, line.price_unit), (2, 15.0))

    def test_r1_fleet_falling_to_zero_ends_the_contract(self):
        self.rentals.write({"date_end": "2026-03-09"})
        self.assertEqual(self.contract.infogerance_fleet_size, 0)
        self.assertEqual(self.contract.date_end, "2026-03-31")  # March is due (R7)
        self.assertIn("R1", self.contract.message_ids[0].body)

    def test_r1_last_rental_deleted_ends_the_contract(self):
        self.rentals.unlink()
        self.assertEqual(self.contract.infogerance_fleet_size, 0)
        self.assertEqual(self.contract.date_end, "2026-03-31")


class TestR3RepriceQueryBudget(InfogeranceCase):
    def test_r3_reprice_query_count_does_not_grow_with_fleet(self):
        counts = {}
        for size in (1, 100, 1000):
            partner = self._create_company("Fleet %s" % size, "Paris", "75001")
            with freeze_time("2026-01-01"):
                self._confirm(partner, computers=1)
            contract = self._service_contract(partner)
            self._bulk_rentals(partner, size - 1, service=contract)
            # every size does the same work: a change to record
            self.env.cr.execute(
                "UPDATE account_analytic_account SET infogerance_fleet_size = 0" " WHERE id = %s",
                (contract.id,),
            )
            contract.invalidate_cache()
            before = self.cr.sql_log_count
            with freeze_time("2026-02-01"):
                changes = contract._infogerance_reprice(cause="manual")
            counts[size] = self.cr.sql_log_count - before
            self.assertEqual(contract.infogerance_fleet_size, size)
            self.assertTrue(changes)
        self.assertEqual(counts[1], counts[100], counts)
        self.assertEqual(counts[100], counts[1000], counts)
        _logger.info("reprice query counts (1/100/1000 computers): %s", counts)


# repricing follows base.automation rules, whose hooks Odoo registers after loading
@at_install(False)
@post_install(True)
class TestR3BulkChanges(InfogeranceCase):
    """base.automation runs its action once per record: a bulk write or delete of
    rentals must still reprice each customer once, from the whole batch."""

    # Queries per extra rental in a bulk write of rentals' end date (measured: 74
    # for 10 rentals, 69 for 50, the write being one UPDATE and the reprice one per
    # customer). Repricing on each record's run cost 26 per rental (310 vs 1,348).
    PER_RENTAL = 1

    def _customer_with_fleet(self, name, size):
        partner = self._create_company(name, "Paris", "75001")
        with freeze_time("2026-01-01"):
            self._confirm(partner, computers=1)
        contract = self._service_contract(partner)
        self._bulk_rentals(partner, size - 1, service=contract)
        with freeze_time("2026-02-01"):
            contract._infogerance_reprice(cause="manual")
        self.assertEqual(contract.infogerance_fleet_size, size)
        return partner, contract

    def test_r3_bulk_write_reprices_each_customer_once(self):
        counts = {}
        for size in (11, 51):
            partner, contract = self._customer_with_fleet("Bulk %s" % size, size)
            rentals = self._rentals(partner)
            events = contract.infogerance_fleet_event_ids
            before = self.cr.sql_log_count
            with freeze_time("2026-02-10"):
                rentals[1:].write({"date_end": "2026-02-09"})
            counts[size] = self.cr.sql_log_count - before
            self.assertEqual(contract.infogerance_fleet_size, 1)
            self.assertEqual(contract.infogerance_unit_price, 15.0)
            new = contract.infogerance_fleet_event_ids - events
            self.assertEqual(len(new), 1)
            self.assertEqual((new.fleet_before, new.fleet_after), (size, 1))
            self.assertEqual(new.cause, "rental_end")
            self.assertIn("and %s more" % (size - 1 - 5), new.description)
        _logger.info("bulk write query counts (10/50 rentals): %s", counts)
        self.assertLessEqual(counts[51] - counts[11], 40 * self.PER_RENTAL, counts)

    def test_r3_bulk_write_of_two_customers_reprices_both(self):
        first, first_contract = self._customer_with_fleet("Bulk A", 6)
        second, second_contract = self._customer_with_fleet("Bulk B", 12)
        with freeze_time("2026-02-10"):
            (self._rentals(first)[:2] | self._rentals(second)[:3]).write({"date_end": "2026-02-09"})
        self.assertEqual(first_contract.infogerance_fleet_size, 4)
        self.assertEqual(first_contract.infogerance_unit_price, 15.0)
        self.assertEqual(second_contract.infogerance_fleet_size, 9)
        self.assertEqual(second_contract.infogerance_unit_price, 12.0)

    def test_r3_bulk_delete_reprices_once_without_the_whole_batch(self):
        partner, contract = self._customer_with_fleet("Bulk delete", 12)
        events = contract.infogerance_fleet_event_ids
        with freeze_time("2026-02-10"):
            self._rentals(partner)[:7].unlink()
        self.assertEqual(contract.infogerance_fleet_size, 5)
        self.assertEqual(contract.infogerance_unit_price, 12.0)
        new = contract.infogerance_fleet_event_ids - events
        self.assertEqual(len(new), 1)
        self.assertEqual((new.fleet_before, new.fleet_after, new.cause), (12, 5, "rental_delete"))

    def _import_rentals(self, partner, contract, names):
        return self.env["account.analytic.account"].load(
            [
                "name",
                "partner_id/.id",
                "infogerance_role",
                "date_start",
                "recurring_next_date",
                "recurring_invoices",
                "infogerance_contract_id/.id",
            ],
            [
                [name, str(partner.id), "rental", "2026-01-01", "2026-01-01", "1", str(contract.id)]
                for name in names
            ],
        )

    def test_r3_import_of_rentals_reprices_once(self):
        partner, contract = self._customer_with_fleet("Imported fleet", 2)
        events = contract.infogerance_fleet_event_ids
        with freeze_time("2026-02-10"):
            result = self._import_rentals(
                partner, contract, ["Imported laptop %s" % n for n in range(1, 9)]
            )
        self.assertEqual(len(result["ids"]), 8, result["messages"])
        self.assertEqual(contract.infogerance_fleet_size, 10)
        self.assertEqual(contract.infogerance_unit_price, 10.0)
        new = contract.infogerance_fleet_event_ids - events
        self.assertEqual(len(new), 1)
        self.assertEqual((new.fleet_before, new.fleet_after, new.cause), (2, 10, "import"))
        self.assertIn("import of 8 contracts", new.description)

    def test_r3_failed_import_changes_nothing(self):
        partner, contract = self._customer_with_fleet("Failed import", 2)
        events = contract.infogerance_fleet_event_ids
        with freeze_time("2026-02-10"):
            result = self.env["account.analytic.account"].load(
                ["name", "partner_id/.id", "infogerance_role", "date_start"],
                [
                    ["Good laptop", str(partner.id), "rental", "2026-01-01"],
                    ["Bad laptop", str(partner.id), "rental", "not a date"],
                ],
            )
        self.assertFalse(result["ids"])
        self.assertTrue([m for m in result["messages"] if m["type"] == "error"])
        self.assertEqual(len(self._rentals(partner)), 2)
        self.assertEqual(contract.infogerance_fleet_size, 2)
        self.assertEqual(contract.infogerance_fleet_event_ids, events)
