"""Sale -> contract core, rules R1, R3, R4, R5, as a salesman."""

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError

from .common import InfogeranceCase


class TestR1SubscriptionRequiresRental(InfogeranceCase):
    def test_r1_offer_without_computer_is_refused(self):
        order = self._create_order(self.customer, computers=None)
        with self.assertRaisesRegex(UserError, "R1"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._service_contract(self.customer))

    def test_r1_zero_computers_is_refused(self):
        order = self._create_order(self.customer, computers=0)
        with self.assertRaisesRegex(UserError, "R1"):
            order.action_confirm()
        self.assertFalse(self._rentals(self.customer))

    def test_r1_fractional_computers_are_refused(self):
        order = self._create_order(self.customer, computers=2.5)
        with self.assertRaisesRegex(UserError, "whole, positive number"):
            order.action_confirm()

    def test_r1_offer_alone_is_accepted_for_a_customer_who_rents(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2, offer=False)
        with freeze_time("2026-02-01"):
            order = self._confirm(self.customer, computers=None, start="2026-02-01")
        self.assertEqual(order.state, "sale")
        contract = self._service_contract(self.customer)
        self.assertEqual(contract.infogerance_fleet_size, 2)
        self.assertEqual(contract.infogerance_monthly_amount, 30.0)

    def test_r1_a_contact_shares_its_company_fleet(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2, offer=False)
        contact = self.env["res.partner"].create({"name": "Alice", "parent_id": self.customer.id})
        self.assertEqual(contact.get_rented_computer_count("2026-01-01"), 2)
        with freeze_time("2026-01-10"):
            order = self._confirm(contact, computers=None, start="2026-01-10")
        self.assertEqual(order.state, "sale")

    def test_r1_service_line_is_tied_to_rental_lines(self):
        order = self._create_order(self.customer, computers=3)
        service = self._service_line(order)
        rental = order.order_line.filtered("is_computer_rental")
        self.assertEqual(service.infogerance_rental_line_ids, rental)
        self.assertEqual(rental.infogerance_service_line_id, service)

    def test_r1_each_service_line_is_priced_for_the_computers_it_covers(self):
        order = self._create_order(self.customer, computers=3)
        first = self._service_line(order)
        order.write(
            {
                "order_line": [
                    (0, 0, {"product_id": self.computer.id, "product_uom_qty": 2}),
                    (0, 0, {"product_id": self.service_product.id, "product_uom_qty": 1}),
                ]
            }
        )
        services = order.order_line.filtered("infogerance_offer_id")
        second = services - first
        rentals = order.order_line.filtered("is_computer_rental")
        # the first service line takes the computers no line covers yet
        self.assertEqual(first.infogerance_rental_line_ids, rentals)
        self.assertEqual((first.product_uom_qty, second.product_uom_qty), (5, 0))
        rentals[1].write({"infogerance_service_line_id": second.id})
        self.assertEqual((first.product_uom_qty, second.product_uom_qty), (3, 2))
        # both priced on the whole fleet of the order
        self.assertEqual((first.infogerance_fleet_size, second.infogerance_fleet_size), (5, 5))

    def test_r1_a_computer_is_covered_by_a_service_of_its_own_order(self):
        order = self._create_order(self.customer, computers=3)
        other = self._create_order(self.customer, computers=2)
        rental = order.order_line.filtered("is_computer_rental")
        for wrong in (self._service_line(other), other.order_line.filtered("is_computer_rental")):
            with self.assertRaisesRegex(ValidationError, "R1 - .*same order covers"):
                with self.env.cr.savepoint():
                    rental.write({"infogerance_service_line_id": wrong.id})
        service = self._service_line(order)
        with self.assertRaisesRegex(ValidationError, "R1 - .*same order covers"):
            with self.env.cr.savepoint():
                service.write({"infogerance_service_line_id": service.id})
        rental.invalidate_cache()  # the refused writes were rolled back, not the cache
        self.assertEqual(rental.infogerance_service_line_id, service)

    def test_r1_a_copied_quotation_covers_its_own_computers(self):
        order = self._create_order(self.customer, computers=3)
        copy = order.copy()
        service = self._service_line(copy)
        self.assertEqual(
            service.infogerance_rental_line_ids, copy.order_line.filtered("is_computer_rental")
        )
        self.assertEqual(service.product_uom_qty, 3)
        self.assertEqual(self._service_line(order).infogerance_rental_line_ids.order_id, order)

    def test_r1_migration_keeps_which_service_covers_each_computer(self):
        """Before 11.0.1.4.0 a many2many table linked service and rental lines; the
        migration gives each rental line its service line, then drops the table."""
        order = self._create_order(self.customer, computers=3)
        service = self._service_line(order)
        rental = order.order_line.filtered("is_computer_rental")
        cr = self.env.cr
        cr.execute(
            "CREATE TABLE infogerance_sale_line_coverage_rel "
            "(service_line_id integer, rental_line_id integer)"
        )
        cr.execute(
            "INSERT INTO infogerance_sale_line_coverage_rel VALUES (%s, %s)",
            (service.id, rental.id),
        )
        cr.execute(
            "UPDATE sale_order_line SET infogerance_service_line_id = NULL WHERE id = %s",
            (rental.id,),
        )
        self._migration("11.0.1.4.0").migrate(cr, "11.0.1.3.0")
        rental.invalidate_cache()
        self.assertEqual(rental.infogerance_service_line_id, service)
        cr.execute("SELECT to_regclass('infogerance_sale_line_coverage_rel')")
        self.assertIsNone(cr.fetchone()[0])


class TestR3FleetPricing(InfogeranceCase):
    def test_r3_quotation_line_follows_computers(self):
        order = self._create_order(self.customer, computers=3)
        service = self._service_line(order)
        self.assertEqual(service.product_uom_qty, 3)
        self.assertEqual(service.price_unit, 15.0)
        self.assertEqual(service.infogerance_fleet_size, 3)
        self.assertIn("tier from 1 computers", service.infogerance_price_reason)
        rental = order.order_line.filtered("is_computer_rental")
        rental.product_uom_qty = 6
        self.assertEqual(service.product_uom_qty, 6)
        self.assertEqual(service.price_unit, 12.0)
        order.write(
            {
                "order_line": [
                    (
                        0,
                        0,
                        {"product_id": self.computer.id, "product_uom_qty": 4, "price_unit": 39.0},
                    )
                ]
            }
        )
        self.assertEqual(service.product_uom_qty, 10)
        self.assertEqual(service.price_unit, 10.0)
        self.assertEqual(len(service.infogerance_rental_line_ids), 2)
        order.order_line.filtered("is_computer_rental").unlink()
        self.assertEqual(service.product_uom_qty, 0)
        self.assertIn("needs a computer rental", service.infogerance_price_reason)

    def test_r3_quotation_tier_counts_existing_rentals(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=8)
        order = self._create_order(self.customer, computers=3, start="2026-03-01")
        service = self._service_line(order)
        self.assertEqual(service.product_uom_qty, 3)
        self.assertEqual(service.infogerance_fleet_size, 11)
        self.assertEqual(service.price_unit, 10.0)
        self.assertIn("8 already rented + 3 in this order", service.infogerance_price_reason)
        self.assertEqual(
            (service.infogerance_existing_fleet, service.infogerance_tier_min), (8, 10)
        )
        # accessories do not count
        order.write({"order_line": [(0, 0, {"product_id": self.accessory.id})]})
        self.assertEqual(service.infogerance_fleet_size, 11)

    def test_r3_price_reason_reads_in_the_readers_language(self):
        """Priced by an English-speaking salesman, explained in French to a French
        reader: the explanation is computed from stored facts, not stored text."""
        order = self._create_order(self.customer, computers=6)
        service = self._service_line(order)
        self.assertIn(
            "(0 already rented + 6 in this order): tier from 5 computers at 12.00",
            service.infogerance_price_reason,
        )
        french = service.with_context(lang="fr_FR").infogerance_price_reason
        self.assertIn("0 déjà loués + 6 dans cette commande", french)
        self.assertIn("palier à partir de 5 ordinateurs", french)
        # reading in another language writes nothing
        self.assertIn("already rented", service.infogerance_price_reason)

    def test_r3_migration_fills_price_reason_facts_of_older_lines(self):
        """Lines priced before 11.0.1.1.0 stored no facts; the migration derives
        them from the priced fleet and the order's computers."""
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=8)
        order = self._create_order(self.customer, computers=3, start="2026-03-01")
        service = self._service_line(order)
        self.env.cr.execute(
            "UPDATE sale_order_line SET infogerance_existing_fleet = 0, "
            "infogerance_tier_min = 0 WHERE id = %s",
            [service.id],
        )
        service.invalidate_cache()
        # what an old line showed
        self.assertIn("needs a computer rental", service.infogerance_price_reason)
        self._migration("11.0.1.1.0").migrate(self.env.cr, "11.0.1.0.0")
        service.invalidate_cache()
        self.assertEqual(
            (service.infogerance_existing_fleet, service.infogerance_tier_min), (8, 10)
        )
        self.assertIn(
            "(8 already rented + 3 in this order): tier from 10 computers",
            service.infogerance_price_reason,
        )

    def test_r3_confirmation_creates_rental_and_service_contracts(self):
        with freeze_time("2026-01-01"):
            order = self._confirm(self.customer, computers=3)
        rentals = self._rentals(self.customer)
        self.assertEqual(len(rentals), 3)
        for rental in rentals:
            self.assertTrue(rental.recurring_invoices)
            self.assertEqual(rental.recurring_rule_type, "monthly")
            self.assertEqual(rental.recurring_invoicing_type, "pre-paid")
            self.assertEqual(rental.date_start, "2026-01-01")
            self.assertEqual(rental.recurring_invoice_line_ids.quantity, 1)
            self.assertEqual(rental.recurring_invoice_line_ids.price_unit, 39.0)
        contract = self._service_contract(self.customer)
        self.assertEqual(len(contract), 1)
        self.assertEqual(contract.infogerance_offer_id, self.offer)
        self.assertEqual(contract.infogerance_rental_contract_ids, rentals)
        self.assertEqual(rentals.mapped("infogerance_contract_id"), contract)
        self.assertEqual(contract.infogerance_fleet_size, 3)
        self.assertEqual(contract.infogerance_unit_price, 15.0)
        self.assertEqual(contract.infogerance_monthly_amount, 45.0)
        line = contract.recurring_invoice_line_ids
        self.assertEqual((line.quantity, line.price_unit), (3, 15.0))
        self.assertEqual(order.infogerance_contract_count, 4)

    def test_r3_second_order_extends_and_reprices_running_contract(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        with freeze_time("2026-03-01"):
            self._confirm(self.customer, computers=4, start="2026-03-01")
        contract = self._service_contract(self.customer)
        self.assertEqual(len(contract), 1)
        self.assertEqual(len(contract.infogerance_rental_contract_ids), 7)
        self.assertEqual(contract.infogerance_fleet_size, 7)
        self.assertEqual(contract.infogerance_unit_price, 12.0)
        self.assertEqual(contract.infogerance_monthly_amount, 84.0)
        self.assertEqual(contract.date_start, "2026-01-01")

    def test_r3_customers_do_not_share_fleets(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=9)
            self._confirm(self.other_customer, computers=1)
        self.assertEqual(self._service_contract(self.other_customer).infogerance_unit_price, 15.0)
        self.assertEqual(self._service_contract(self.customer).infogerance_unit_price, 12.0)

    def test_r3_fleet_counts_start_end_and_archived_rentals(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3, offer=False)
        rentals = self._rentals(self.customer)
        count = self.customer.get_rented_computer_count
        self.assertEqual(count("2025-12-31"), 0)
        self.assertEqual(count("2026-01-01"), 3)
        rentals[0].date_end = "2026-05-31"
        rentals[1].active = False
        self.assertEqual(count("2026-05-31"), 2)
        self.assertEqual(count("2026-06-01"), 1)

    def test_r3_fleet_is_one_query_whatever_its_size(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=1, offer=False)
            self._confirm(self.other_customer, computers=60, offer=False)
        counts = []
        for partner in (self.customer, self.other_customer):
            before = self.cr.sql_log_count
            partner.get_rented_computer_count("2026-02-01")
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1])
        before = self.cr.sql_log_count
        sizes = self.env["res.partner"]._infogerance_fleet_sizes(
            (self.customer | self.other_customer).ids,
            "2026-02-01",
            company_id=self.env.user.company_id.id,
        )
        self.assertEqual(self.cr.sql_log_count - before, 1)
        self.assertEqual(sizes, {self.customer.id: 1, self.other_customer.id: 60})


class TestR4FrozenGrid(InfogeranceCase):
    def test_r4_grid_is_copied_onto_the_contract(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contract = self._service_contract(self.customer)
        self.assertEqual(contract._infogerance_grid(), self.offer._infogerance_grid())
        self.assertNotEqual(contract.infogerance_tier_ids, self.offer.tier_ids)

    def test_r4_offer_grid_edited_after_subscription_leaves_contract_unchanged(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        self.offer.tier_ids.filtered(lambda t: t.min_computers == 1).unit_price = 20.0
        # (its tiers cannot be deleted any more: contracts use the offer)
        self.offer.tier_ids.filtered(lambda t: t.min_computers == 5).unit_price = 11.0
        with freeze_time("2026-02-01"):
            self._confirm(self.customer, computers=3, start="2026-02-01")
            self._confirm(self.other_customer, computers=3, start="2026-02-01")
        contract = self._service_contract(self.customer)
        self.assertEqual(contract.infogerance_unit_price, 12.0)  # old grid, 6 computers
        self.assertEqual(self._service_contract(self.other_customer).infogerance_unit_price, 20.0)


class TestR3GridValidation(InfogeranceCase):
    def _offer(self, tiers):
        return self.env["infogerance.offer"].create(
            {
                "name": "Bad",
                "tier_ids": [(0, 0, {"min_computers": m, "unit_price": p}) for m, p in tiers],
            }
        )

    def test_r3_empty_grid_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "R3.*no tier"):
            self._offer([])

    def test_r3_grid_without_tier_at_one_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "R3.*starting at 1"):
            self._offer([(2, 10.0)])

    def test_r3_duplicate_bounds_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "R3.*same number"):
            self._offer([(1, 10.0), (5, 9.0), (5, 8.0)])

    def test_r3_negative_price_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "R3.*negative price"):
            self._offer([(1, -10.0)])

    def test_r3_bound_below_one_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "R3.*at least 1"):
            self._offer([(0, 10.0), (1, 9.0)])

    def test_r3_removing_the_last_tier_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "R3"):
            self.offer.write({"tier_ids": [(5, 0, 0)]})

    def test_r3_salesman_cannot_edit_the_grid(self):
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            self.offer.sudo(self.salesman).tier_ids[0].unit_price = 1.0


class TestR5Commitment(InfogeranceCase):
    def test_r5_commitment_end_on_new_contract(self):
        with freeze_time("2026-01-15"):
            self._confirm(self.customer, computers=1, start="2026-01-15")
        contract = self._service_contract(self.customer)
        self.assertEqual(contract.infogerance_commitment_end, "2027-01-14")
        self.assertEqual(contract.infogerance_notice_days, 15)

    def test_r5_commitment_length_from_offer(self):
        self.offer.commitment_months = 24
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=1)
        self.assertEqual(
            self._service_contract(self.customer).infogerance_commitment_end, "2027-12-31"
        )

    def test_r5_commitment_must_be_positive(self):
        with self.assertRaisesRegex(ValidationError, "R5"):
            self.offer.commitment_months = 0


class TestR4MoveToCurrentGrid(InfogeranceCase):
    def setUp(self):
        super().setUp()
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        self.contract = self._service_contract(self.customer)
        self.offer.tier_ids.filtered(lambda t: t.min_computers == 1).unit_price = 14.0

    def test_r4_grid_fixed_during_commitment(self):
        with freeze_time("2026-12-31"), self.assertRaisesRegex(UserError, "R4.*fixed"):
            self.contract.sudo(self.manager).action_infogerance_apply_current_grid()
        self.assertEqual(self.contract.infogerance_unit_price, 15.0)

    def test_r4_only_a_manager_moves_to_the_current_grid(self):
        with freeze_time("2027-01-01"), self.assertRaisesRegex(UserError, "R4.*manager"):
            self.contract.sudo(self.salesman).action_infogerance_apply_current_grid()

    def test_r4_manager_moves_to_the_current_grid_after_commitment(self):
        with freeze_time("2027-01-01"):
            self.contract.sudo(self.manager).action_infogerance_apply_current_grid()
        self.assertEqual(self.contract._infogerance_grid(), self.offer._infogerance_grid())
        self.assertEqual(self.contract.infogerance_unit_price, 14.0)
        event = self.contract.infogerance_fleet_event_ids[0]
        self.assertEqual(event.cause, "regrid")
        self.assertEqual((event.unit_price_before, event.unit_price_after), (15.0, 14.0))
        self.assertEqual((event.amount_before, event.amount_after), (45.0, 42.0))


class TestR3QuotationFormOnchange(InfogeranceCase):
    def test_r3_form_shows_the_fleet_price_before_saving(self):
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=4, offer=False)
        env = self.env(user=self.salesman.id)
        order = env["sale.order"].new(
            {
                "partner_id": self.customer.id,
                "infogerance_start_date": "2026-02-01",
                "order_line": [
                    (
                        0,
                        0,
                        {"product_id": self.computer.id, "product_uom_qty": 2, "price_unit": 39},
                    ),
                    (
                        0,
                        0,
                        {
                            "product_id": self.service_product.id,
                            "product_uom_qty": 1,
                            "price_unit": 15.0,
                        },
                    ),
                ],
            }
        )
        order._onchange_infogerance_service_lines()
        service = order.order_line.filtered(lambda l: l.product_id == self.service_product)
        self.assertEqual(service.product_uom_qty, 2)
        self.assertEqual(service.price_unit, 12.0)  # 4 rented + 2 = 6 computers
        self.assertIn("4 already rented + 2 in this order", service.infogerance_price_reason)
