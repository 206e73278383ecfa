"""Query budgets: confirming orders and invoicing contracts cost a fixed part plus
a constant per contract created, measured here and pinned (Odoo 11 counts every
query in ``cr.sql_log_count``)."""
import logging
from unittest import mock

from freezegun import freeze_time

from ..models.res_partner import FLEET_SQL
from .common import InfogeranceCase, recording_calls

_logger = logging.getLogger(__name__)

#: Measured on Odoo 11.0 + OCA contract 11.0.2.1.0; a change that makes these grow
#: is a regression to look at (raise them only knowingly).
# confirm an order of 1 computer + the service (measured 271; 280 with the
# per-customer lock and the lookups of the customer's contract: frozen grid of the
# quote, pending termination, plan change; +16 with the payment mode and the
# customer's valid mandate, looked up once per order, not per contract; 301 on a
# database with demo data; 310 there after the changes of 30 November: service
# lines written in the environment of the operation under way, the customer's
# contracts looked up once per confirmation; the one-computer order is where a
# fixed lookup shows, 50 computers cost 96 queries fewer; 299, and 306 with demo
# data, once the managed-service contract is found or created before the rentals;
# 314 with demo data once the billing run was merged (issue 22, 8 queries more
# there, none without demo data: not explained yet, see its closing note)
CONFIRM_FIXED = 316
# Each more computer is one rental contract (measured 15.0: create, its invoice line,
# the preparation checklist's stored flag, the R6/R8 constraints; 13.0 once the
# customer's running managed-service contracts are looked up once per confirmation,
# not per rental: as many queries as creating a plain OCA contract; 9.0 once each
# rental is created attached to the managed-service contract, not written again, and
# the rentals' stored computed fields are written once for the order: fewer queries
# than a plain OCA contract, 15.1).
CONFIRM_PER_COMPUTER = 10
# invoice 1 managed-service contract (measured 201; 210 with consolidated invoicing's
# per-run lookups; 194 once the invoices' totals are computed once per invoice)
INVOICE_FIXED = 205
# each more managed-service contract, on an invoice of its own (measured 150.0: 149 +
# the query reading the periods already invoiced, for their regularisation; later
# 122.8; 93.7 once the invoice's totals and what depends on them are computed once,
# not per line; 53.8 once the next invoice dates are written once per date, after
# the invoices, not once per contract as OCA does)
INVOICE_PER_CONTRACT = 56
# one customer's month on one invoice, 1 computer (measured 212; 244 when the
# regularisation check computed the invoice being made, whose lines it never reads;
# 285 before)
CONSOLIDATED_FIXED = 225
# each more computer on that invoice: its line (measured 13.0; 40.0 when each line
# recomputed and wrote the invoice's totals; 8.0 once the next invoice dates are
# written once per date, after the invoice's lines)
CONSOLIDATED_PER_COMPUTER = 9


class TestQueryBudget(InfogeranceCase):
    def _queries(self, function):
        before = self.cr.sql_log_count
        function()
        return self.cr.sql_log_count - before

    def _confirm_queries(self, computers):
        partner = self._create_company("Budget %s" % computers, "Paris", "75001")
        order = self._create_order(partner, computers=computers)
        order.invalidate_cache()
        with freeze_time("2026-01-01"):
            count = self._queries(order.action_confirm)
        self.assertEqual(len(self._rentals(partner)), computers)
        self.assertEqual(self._service_contract(partner).infogerance_fleet_size, computers)
        return count

    def _assert_linear(self, label, queries_for, small, large, fixed, per_unit):
        """Queries of ``queries_for(small)`` within ``fixed``, and each unit more up to
        ``large`` within ``per_unit`` on average."""
        low, high = queries_for(small), queries_for(large)
        _logger.info(
            "%s: %s for %s, %s for %s, %.1f per unit",
            label,
            low,
            small,
            high,
            large,
            (high - low) / float(large - small),
        )
        self.assertLessEqual(high - low, (large - small) * per_unit, (low, high))
        self.assertLessEqual(low, fixed, (low, high))

    def test_r3_confirmation_queries_grow_linearly_with_computers(self):
        self._confirm_queries(2)  # warm the registry caches (views, rules, sequences)
        self._assert_linear(
            "confirmation, computers",
            self._confirm_queries,
            1,
            50,
            CONFIRM_FIXED,
            CONFIRM_PER_COMPUTER,
        )

    def _service_contracts(self, count):
        contracts = self.env["account.analytic.account"]
        for index in range(count):
            partner = self._create_company("Invoiced %s" % index, "Paris", "75001")
            with freeze_time("2026-01-01"):
                self._confirm(partner, computers=1 + index % 3)
            contracts |= self._service_contract(partner)
        return contracts

    def _invoice_queries(self, contracts):
        contracts.invalidate_cache()
        with freeze_time("2026-02-01"):
            count = self._queries(contracts.recurring_create_invoice)
        invoices = self.env["account.invoice"].search([("contract_id", "in", contracts.ids)])
        self.assertEqual(len(invoices), len(contracts))
        for contract in contracts:
            line = invoices.filtered(lambda i: i.contract_id == contract).invoice_line_ids
            self.assertEqual(line.quantity, contract.infogerance_fleet_size)
        return count

    def test_r3_invoicing_queries_grow_linearly_with_contracts(self):
        contracts = self._service_contracts(52)
        self._invoice_queries(contracts[0])  # warm the registry caches
        batches = {1: contracts[1], 50: contracts[2:]}
        self._assert_linear(
            "invoicing, contracts",
            lambda count: self._invoice_queries(batches[count]),
            1,
            50,
            INVOICE_FIXED,
            INVOICE_PER_CONTRACT,
        )

    def _consolidated_invoice_queries(self, computers):
        partner = self._create_company("Consolidated %s" % computers, "Paris", "75001")
        with freeze_time("2026-01-01"):
            self._confirm(partner, computers=computers)
        contracts = self._rentals(partner) | self._service_contract(partner)
        contracts.invalidate_cache()
        with freeze_time("2026-02-01"):
            count = self._queries(contracts.recurring_create_invoice)
        invoice = self.env["account.invoice"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(invoice.invoice_line_ids), computers + 1)
        self.assertEqual(invoice.amount_untaxed, computers * 39.0 + computers * 15.0)
        return count

    def test_r3_consolidated_invoice_queries_grow_linearly_with_its_lines(self):
        """A customer's month on one invoice: each more computer adds its line, not
        a recomputation of the invoice's totals and of what depends on them."""
        self.offer.tier_ids.write({"unit_price": 15.0})  # one price: the total is checked
        self._consolidated_invoice_queries(2)  # warm the registry caches
        self._assert_linear(
            "consolidated invoice, computers",
            self._consolidated_invoice_queries,
            1,
            31,
            CONSOLIDATED_FIXED,
            CONSOLIDATED_PER_COMPUTER,
        )


class TestBatchRepriceIsLinear(InfogeranceCase):
    """A batch reprice (the daily consistency check) must not reload the whole
    batch after each contract it writes: rows read grow linearly with the batch."""

    def _rows_read(self, contracts):
        Contract = type(self.env["account.analytic.account"])
        original = Contract._read_from_database
        rows = []

        def counting(records, field_names, inherited_field_names=None):
            rows.append(len(records))  # counts, then reads for real
            return original(records, field_names, inherited_field_names or [])

        self.env.cr.execute(
            "UPDATE account_analytic_account SET infogerance_fleet_size = 0" " WHERE id IN %s",
            (tuple(contracts.ids),),
        )
        contracts.invalidate_cache()
        with mock.patch.object(Contract, "_read_from_database", counting), freeze_time(
            "2026-02-01"
        ):
            changes = contracts._infogerance_reprice(cause="consistency")
        self.assertEqual(len(changes), len(contracts))
        return sum(rows)

    def test_r3_batch_reprice_reads_grow_linearly(self):
        contracts = self.env["account.analytic.account"]
        for index in range(31):
            partner = self._create_company("Batch %s" % index, "Paris", "75001")
            with freeze_time("2026-01-01"):
                self._confirm(partner, computers=1)
            contracts |= self._service_contract(partner)
        one = self._rows_read(contracts[0])
        thirty = self._rows_read(contracts[1:])
        _logger.info("contract rows read by a reprice: 1 contract %s, 30 contracts %s", one, thirty)
        # measured 5 and 208; quadratic (the batch re-read after each write) read 1,049
        self.assertLessEqual(thirty, 2 * 30 * one, (one, thirty))


class TestFleetCountIndex(InfogeranceCase):
    def test_r3_fleet_count_uses_an_index_on_the_customer(self):
        """Counting one customer's fleet (each reprice, each invoice) reads that
        customer's contracts through an index, not every contract of the database
        (a sequential scan cost 37 ms per count at 60,000 contracts)."""
        partner = self._create_company("Indexed fleet", "Paris", "75001")
        with freeze_time("2026-01-01"):
            self._confirm(partner, computers=1)
        self._bulk_rentals(partner, 20, service=self._service_contract(partner))
        # a database where this customer's fleet is a small part of all rentals, whatever
        # else it holds (demo data): the planner's choice then depends on the indexes only
        self._bulk_rentals(self.other_customer, 2000)
        self.cr.execute("ANALYZE account_analytic_account")
        self.cr.execute("ANALYZE res_partner")
        self.cr.execute("SET LOCAL enable_seqscan = off")  # small tables: force the choice
        company_id = self.env.user.company_id.id
        self.cr.execute(
            "EXPLAIN " + FLEET_SQL, ((partner.id,), "2026-02-01", "2026-02-01", company_id, [])
        )
        plan = "\n".join(row[0] for row in self.cr.fetchall())
        self.cr.execute("SET LOCAL enable_seqscan = on")
        self.assertIn("account_analytic_account_partner_id_index", plan, plan)
        self.assertEqual(
            self.env["res.partner"]._infogerance_fleet_sizes(
                [partner.id], "2026-02-01", company_id=company_id
            ),
            {partner.id: 21},
        )


#: Queries a shop cart update costs more when the cart holds the offer (its
#: service line follows the computers): the fleet count, the offer's grid, the
#: service line's write and the sale line's stored fields Odoo recomputes for it.
#: Measured 20, the user read before as in a shop request; 22 when a many2many
#: table, not a column of the rental line, said which service covers it. 27 when the grid was
#: read through its one2many (four queries where one search and one read do) and
#: the rental flag of service lines was read again; 42 when the service line was
#: written in an environment of its own (Odoo then recomputed each stored field of
#: the two lines separately); 80 - 38 before the update ran once per cart update.
CART_SERVICE_EXTRA = 22


class TestCartUpdateOnce(InfogeranceCase):
    """The sale order <-> sale order line round trip: the service line is
    recomputed once per cart update or order write, not once per line written."""

    def _cart(self, offer=True):
        cart = self.env["sale.order"].sudo().create({"partner_id": self.customer.id})
        cart._cart_update(product_id=self.computer.id, add_qty=2)
        if offer:
            cart._cart_update(product_id=self.service_product.id, add_qty=1)
        return cart

    def _updates(self, function):
        """How many times ``function`` updates service lines (counted, then run)."""
        SaleOrder = type(self.env["sale.order"])
        with recording_calls(SaleOrder, "_infogerance_update_service_lines") as calls:
            function()
        return len(calls)

    def test_r3_cart_update_updates_the_service_line_once(self):
        cart = self._cart()
        # a new line (website_sale creates it, then writes its quantity and price)
        other = self.computer.copy({"name": "Desktop rental (test)"})
        self.assertEqual(
            self._updates(lambda: cart._cart_update(product_id=other.id, add_qty=2)), 1
        )
        # more of a line in the cart
        self.assertEqual(
            self._updates(lambda: cart._cart_update(product_id=self.computer.id, add_qty=1)), 1
        )
        line = self._service_line(cart)
        self.assertEqual((line.product_uom_qty, line.price_unit), (5, 12.0))

    def test_r3_order_write_of_several_lines_updates_the_service_line_once(self):
        order = self._create_order(self.customer, computers=2)
        rental = order.order_line.filtered("is_computer_rental")
        self.assertEqual(
            self._updates(
                lambda: order.write(
                    {
                        "order_line": [
                            (1, rental.id, {"product_uom_qty": 3}),
                            (0, 0, {"product_id": self.computer.id, "product_uom_qty": 4}),
                            (0, 0, {"product_id": self.computer.id, "product_uom_qty": 1}),
                        ]
                    }
                )
            ),
            1,
        )
        line = self._service_line(order)
        self.assertEqual((line.product_uom_qty, line.price_unit), (8, 12.0))
        self.assertEqual(line.infogerance_rental_line_ids, order.order_line - line)

    def test_r3_orders_created_in_a_row_each_update_their_service_line(self):
        """Each order write or creation collects its own orders: a collector of an
        earlier operation (Odoo reuses environments of equal contexts) takes none."""
        for computers, price in ((2, 15.0), (1, 15.0), (6, 12.0), (12, 10.0)):
            order = self._create_order(self.customer, computers=computers)
            order.write({"note": "confirmed later"})
            line = self._service_line(order)
            self.assertEqual((line.product_uom_qty, line.price_unit), (computers, price))
            self.assertEqual(line.infogerance_rental_line_ids, order.order_line - line)

    def test_r3_context_cannot_switch_the_update_off(self):
        """An RPC client's context is plain data: no value of it skips the update."""
        order = self._create_order(self.customer, computers=2)
        rental = order.order_line.filtered("is_computer_rental")
        for context in ({"infogerance_sync": []}, {"infogerance_sync": True}):
            rental.with_context(**context).write({"product_uom_qty": rental.product_uom_qty + 1})
        self.assertEqual(self._service_line(order).product_uom_qty, 4)

    def _add_computer_queries(self, cart):
        cart.invalidate_cache()
        # Read by website_sale's sale_get_order in every shop request, before the
        # cart update: the user and its partner.
        cart.env.user.partner_id.mapped("name")
        before = self.cr.sql_log_count
        cart._cart_update(product_id=self.computer.id, add_qty=1)
        return self.cr.sql_log_count - before

    def test_r3_cart_update_query_budget(self):
        with_offer, without = self._cart(), self._cart(offer=False)
        self._add_computer_queries(with_offer)  # warm the registry caches
        self._add_computer_queries(without)
        extra = self._add_computer_queries(with_offer) - self._add_computer_queries(without)
        _logger.info("adding a computer to a cart: %s more queries with the offer", extra)
        self.assertLessEqual(extra, CART_SERVICE_EXTRA)
        self.assertEqual(self._service_line(with_offer).product_uom_qty, 4)
