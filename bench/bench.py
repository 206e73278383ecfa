"""Benchmark of commown_infogerance on a generated fleet (`make bench [SIZE=full]`).

Run with the venv's python against a database copied from the nodemo template:
    bench.py --config .local/odoo.cfg --database commown_infogerance_bench --size quick

Generates customers (most with 1-10 computers, a few with 100-1,000), confirms
one sale order per customer through ``action_confirm``, adds the other rentals
by one parameterised SQL INSERT, runs the consistency check so that prices are
right, then measures. Prints a table and writes bench/results.json (or
bench/results-<size>.json).
"""
import argparse
import cProfile
import datetime
import json
import os
import platform
import random
import statistics
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api

SIZES = {
    # customers, rental contracts in total, large customers (100-1,000 computers),
    # share of the customers whose month is invoiced both ways (the rest: not invoiced)
    "quick": {"customers": 150, "rentals": 3000, "large": 3, "invoiced_share": 1.0},
    # full: the month is invoiced both ways for a random tenth of the customers
    # (and the largest): invoicing all 55,000 contracts one invoice each takes hours
    # on the 2-core machine; the sample still runs against the whole database
    "full": {"customers": 5000, "rentals": 50000, "large": 35, "invoiced_share": 0.1},
    # for profiling only (ONLY="confirmation invoicing" PROFILE=DIR): a few
    # customers, the largest with 60 computers
    "tiny": {"customers": 8, "rentals": 100, "large": 1, "largest": 60, "invoiced_share": 1.0},
}
#: The parts measured, in order (``--only`` picks some).
MEASURES = (
    "consistency",
    "reprice",
    "cart",
    "cart_add",
    "confirmation",
    "invoicing",
    "pages",
    "billing",
)
#: Measures with data of their own (bench/billing.py: copies of the template): the
#: fleet is not generated when only these are asked for.
OWN_DATA = ("billing",)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message, *args):
    print("[bench] " + (message % args if args else message), flush=True)


class Timer:
    def __init__(self, cr):
        self.cr = cr

    def __enter__(self):
        self.queries = self.cr.sql_log_count
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.queries = self.cr.sql_log_count - self.queries


def fleet_sizes(size, rng):
    """Computers per customer: most 1-10, ``large`` customers 100-1,000 (one with
    exactly 1,000 or the size's ``largest``, one small one with exactly 1), summing
    to ``rentals``."""
    customers, total, large = size["customers"], size["rentals"], size["large"]
    largest = size.get("largest", 1000)
    small = [rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10)) for _ in range(customers - large)]
    small[0] = 1
    remaining = max(total - sum(small), min(100, largest) * large)
    big = [largest] + [100] * (large - 1)
    remaining -= sum(big)
    index = 1
    while remaining > 0 and large > 1:  # spread the rest over the other large ones
        add = min(remaining, 1000 - big[index], rng.randint(50, 400))
        big[index] += add
        remaining -= add
        index = index % (large - 1) + 1
        if all(b >= 1000 for b in big):
            break
    return big + small


def insert_rentals(cr, company_id, start, extra, computer, name_prefix):
    """The rentals beyond each customer's ordered ones, by one SQL INSERT (an order
    of 1,000 computers through ``action_confirm`` takes minutes), with their
    invoice line as a contract form or an import would give them: ``extra`` is
    a list of (customer id, rentals to add), each joined to the customer's
    managed-service contract. Returns the number of contracts inserted."""
    cr.execute(
        """
        INSERT INTO account_analytic_account
            (name, company_id, partner_id, active, recurring_invoices,
             infogerance_role, date_start, recurring_next_date,
             recurring_rule_type, recurring_interval, recurring_invoicing_type,
             infogerance_contract_id)
        SELECT %s || f.partner_id || '-' || n, %s, f.partner_id, true, true,
               'rental', %s, %s, 'monthly', 1, 'pre-paid', s.id
          FROM unnest(%s::int[], %s::int[]) AS f(partner_id, extra)
          JOIN account_analytic_account s
            ON s.partner_id = f.partner_id AND s.infogerance_role = 'service'
         CROSS JOIN LATERAL generate_series(1, f.extra) n
    """,
        (
            name_prefix,
            company_id,
            start,
            start,
            [p for p, _ in extra],
            [c for _, c in extra],
        ),
    )
    inserted = cr.rowcount
    cr.execute(
        """
        INSERT INTO account_analytic_invoice_line
            (analytic_account_id, product_id, name, quantity, uom_id,
             automatic_price, specific_price, discount, sequence)
        SELECT a.id, %s, 'Laptop rental #START# - #END#', 1, %s, false, 39.0, 0, 10
          FROM account_analytic_account a
         WHERE a.name LIKE %s
           AND NOT EXISTS (SELECT 1 FROM account_analytic_invoice_line l
                            WHERE l.analytic_account_id = a.id)
    """,
        (computer.id, computer.uom_id.id, name_prefix.replace("%", "") + "%"),
    )
    return inserted


class _NotMeasured(dict):
    """A part of the results not measured (yet): "n/a" in the table, whatever is
    read of it."""

    def __missing__(self, key):
        return self

    def __str__(self):
        return "n/a"


class _Measured(dict):
    def __missing__(self, key):
        return _NotMeasured()


class Bench:
    def __init__(self, env, size_name, start):
        self.env = env
        self.cr = env.cr
        self.size_name = size_name
        self.size = SIZES.get(size_name)
        self.start = start
        self.results = {}

    # Data generation ---------------------------------------------------------

    def generate(self):
        env = self.env
        rng = random.Random(42)
        sizes = fleet_sizes(self.size, rng)
        self.offer = env["infogerance.offer"].create(
            {
                "name": "Essentiel (bench)",
                "service_type_ids": [(6, 0, env["infogerance.service.type"].search([]).ids)],
                "tier_ids": [
                    (0, 0, {"min_computers": 1, "unit_price": 15.0}),
                    (0, 0, {"min_computers": 5, "unit_price": 12.0}),
                    (0, 0, {"min_computers": 10, "unit_price": 10.0}),
                    (0, 0, {"min_computers": 100, "unit_price": 8.0}),
                ],
            }
        )
        self.computer = env["product.product"].create(
            {
                "name": "Laptop rental (bench)",
                "type": "service",
                "list_price": 39.0,
                "is_computer_rental": True,
            }
        )
        self.service_product = env["product.product"].create(
            {
                "name": "Managed services (bench)",
                "type": "service",
                "list_price": 15.0,
                "infogerance_offer_id": self.offer.id,
            }
        )
        self.plain_product = env["product.product"].create(
            {"name": "Plain subscription (bench)", "type": "service", "list_price": 15.0}
        )
        country = env.ref("base.fr")
        t0 = time.perf_counter()
        partners = env["res.partner"]
        for index, computers in enumerate(sizes):
            partners |= env["res.partner"].create(
                {
                    "name": "Bench customer %05d (%s)" % (index, computers),
                    "is_company": True,
                    "city": "Paris",
                    "zip": "75011",
                    "country_id": country.id,
                }
            )
        log("%s customers created in %.1f s", len(partners), time.perf_counter() - t0)
        t0 = time.perf_counter()
        for partner, computers in zip(partners, sizes):
            ordered = min(computers, 2)
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "infogerance_start_date": self.start,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.computer.id,
                                "product_uom_qty": ordered,
                                "price_unit": 39.0,
                            },
                        ),
                        (0, 0, {"product_id": self.service_product.id, "product_uom_qty": 1}),
                    ],
                }
            )
            order.action_confirm()
        log("%s orders confirmed in %.1f s", len(partners), time.perf_counter() - t0)
        t0 = time.perf_counter()
        extra = [(p.id, c - min(c, 2)) for p, c in zip(partners, sizes) if c > 2]
        inserted = insert_rentals(
            self.cr, env.user.company_id.id, self.start, extra, self.computer, "Bench rental "
        )
        env["account.analytic.account"].invalidate_cache()
        log("%s more rentals inserted by SQL in %.1f s", inserted, time.perf_counter() - t0)
        self.partners = partners
        self.sizes = dict(zip(partners.ids, sizes))
        self.cr.execute(
            "SELECT count(*) FROM account_analytic_account" " WHERE infogerance_role = 'rental'"
        )
        self.results["data"] = {
            "customers": len(partners),
            "rental_contracts": self.cr.fetchone()[0],
            "service_contracts": len(partners),
            "fleet_distribution": {
                "1-10": sum(1 for s in sizes if s <= 10),
                "11-99": sum(1 for s in sizes if 10 < s < 100),
                "100-1000": sum(1 for s in sizes if s >= 100),
            },
            "largest_fleet": max(sizes),
        }
        self.results["data"]["generation_seconds"] = None

    def load(self):
        """Reuse the data of a previous run (--reuse): sizes are in the names."""
        env = self.env
        self.offer = env["infogerance.offer"].search([("name", "=", "Essentiel (bench)")])
        product = env["product.product"]
        self.computer = product.search([("name", "=", "Laptop rental (bench)")])
        self.service_product = product.search([("name", "=", "Managed services (bench)")])
        self.plain_product = product.search([("name", "=", "Plain subscription (bench)")])
        self.partners = env["res.partner"].search(
            [("name", "=like", "Bench customer %")], order="id"
        )
        self.sizes = {p.id: int(p.name.rsplit("(", 1)[1].rstrip(")")) for p in self.partners}
        self.cr.execute(
            "SELECT count(*) FROM account_analytic_account" " WHERE infogerance_role = 'rental'"
        )
        sizes = list(self.sizes.values())
        self.results["data"] = {
            "customers": len(self.partners),
            "rental_contracts": self.cr.fetchone()[0],
            "service_contracts": len(self.partners),
            "reused": True,
            "fleet_distribution": {
                "1-10": sum(1 for s in sizes if s <= 10),
                "11-99": sum(1 for s in sizes if 10 < s < 100),
                "100-1000": sum(1 for s in sizes if s >= 100),
            },
            "largest_fleet": max(sizes),
            "generation_seconds": None,
        }

    # Measures ------------------------------------------------------------------

    def consistency(self):
        Contract = self.env["account.analytic.account"]
        count = len(self.partners)
        with Timer(self.cr) as first:
            result = Contract._infogerance_check_consistency()
        with Timer(self.cr) as steady:
            again = Contract._infogerance_check_consistency()
        assert again["repriced"] == 0, again
        self.cr.commit()
        self.results["consistency"] = {
            "contracts": result["checked"],
            "repriced_first_run": result["repriced"],
            "first_run_seconds": round(first.seconds, 2),
            "first_run_seconds_per_1000": round(first.seconds / count * 1000, 2),
            "steady_seconds": round(steady.seconds, 2),
            "steady_seconds_per_1000": round(steady.seconds / count * 1000, 2),
            "steady_queries": steady.queries,
        }
        # generated prices must be right
        for partner in self.partners[:3] + self.partners[-3:]:
            contract = Contract.search(
                [("infogerance_role", "=", "service"), ("partner_id", "=", partner.id)]
            )
            assert contract.infogerance_fleet_size == self.sizes[partner.id], partner.name

    def reprice(self, repeats=7):
        Contract = self.env["account.analytic.account"]
        figures = {}
        for computers in (1, 1000):
            partner_id = next(p for p, s in self.sizes.items() if s == computers)
            contract = Contract.search(
                [("infogerance_role", "=", "service"), ("partner_id", "=", partner_id)]
            )
            times, queries = [], []
            for repeat in range(repeats + 1):
                # the fleet change: one more rental, then its repricing
                self.cr.execute(
                    """
                    INSERT INTO account_analytic_account
                        (name, company_id, partner_id, active, recurring_invoices,
                         infogerance_role, date_start, recurring_next_date,
                         recurring_rule_type, recurring_interval, recurring_invoicing_type)
                    VALUES (%s, %s, %s, true, true, 'rental', %s, %s, 'monthly', 1, 'pre-paid')
                """,
                    (
                        "Bench change %s" % repeat,
                        self.env.user.company_id.id,
                        partner_id,
                        self.start,
                        self.start,
                    ),
                )
                Contract.invalidate_cache()
                with Timer(self.cr) as timer:
                    changes = contract._infogerance_reprice(cause="manual")
                assert changes and contract.infogerance_fleet_size == computers + repeat + 1
                if repeat:  # the first one warms the caches
                    times.append(timer.seconds * 1000)
                    queries.append(timer.queries)
            figures[computers] = {
                "ms": round(statistics.median(times), 2),
                "queries": int(statistics.median(queries)),
            }
        self.cr.rollback()
        self.results["reprice"] = {
            "1_computer": figures[1],
            "1000_computers": figures[1000],
            "time_ratio": round(figures[1000]["ms"] / figures[1]["ms"], 2),
            "query_ratio": round(figures[1000]["queries"] / figures[1]["queries"], 2),
        }

    def cart(self, repeats=20):
        """A salesman changing a computer quantity on a quotation, with and without
        the offer. The web client sends the user's time zone in every call's
        context, as here."""
        env = self.env(context=dict(self.env.context, tz="Europe/Paris"))
        partner_id = (
            next(p for p, s in self.sizes.items() if s == 8)
            if 8 in self.sizes.values()
            else self.partners[-1].id
        )
        figures = {}
        for with_service in (True, False):
            lines = [
                (0, 0, {"product_id": self.computer.id, "product_uom_qty": 2, "price_unit": 39.0}),
                (0, 0, {"product_id": self.computer.id, "product_uom_qty": 1, "price_unit": 39.0}),
            ]
            if with_service:
                lines.append((0, 0, {"product_id": self.service_product.id, "product_uom_qty": 1}))
            order = env["sale.order"].create({"partner_id": partner_id, "order_line": lines})
            rental_line = order.order_line.filtered("is_computer_rental")[0]
            times, queries = [], []
            for repeat in range(repeats + 1):
                order.invalidate_cache()
                with Timer(self.cr) as timer:
                    rental_line.write({"product_uom_qty": 3 + repeat % 5})
                if repeat:
                    times.append(timer.seconds * 1000)
                    queries.append(timer.queries)
            if with_service:
                service = order.order_line.filtered("infogerance_offer_id")
                assert service.product_uom_qty == 3 + repeats % 5 + 1, service.product_uom_qty
            figures[with_service] = {
                "ms": round(statistics.median(times), 2),
                "queries": int(statistics.median(queries)),
            }
        self.cr.rollback()
        self.results["cart_update"] = {
            "level": "ORM: sale.order.line.write(product_uom_qty) on a quotation",
            "with_service_line": figures[True],
            "without_service_line": figures[False],
            "time_ratio": round(figures[True]["ms"] / figures[False]["ms"], 2),
            "query_ratio": round(figures[True]["queries"] / figures[False]["queries"], 2),
        }

    def cart_add(self, repeats=20):
        """Adding a computer to a shop cart (website_sale's ``_cart_update``, what
        /shop/cart/update calls) that holds the offer, against a cart without it."""
        env = self.env
        partner_id = self.partners[-1].id
        figures = {}
        for with_service in (True, False):
            cart = env["sale.order"].create({"partner_id": partner_id})
            cart._cart_update(product_id=self.computer.id, add_qty=2)
            if with_service:
                cart._cart_update(product_id=self.service_product.id, add_qty=1)
            times, queries = [], []
            for repeat in range(repeats + 1):
                cart.invalidate_cache()
                # What website_sale's ``sale_get_order`` reads in every request to
                # /shop/cart/update before it calls ``_cart_update``: the user and
                # its partner.
                env.user.partner_id.mapped("name")
                with Timer(self.cr) as timer:
                    cart._cart_update(product_id=self.computer.id, add_qty=1)
                if repeat:
                    times.append(timer.seconds * 1000)
                    queries.append(timer.queries)
            if with_service:
                service = cart.order_line.filtered("infogerance_offer_id")
                assert service.product_uom_qty == 3 + repeats, service.product_uom_qty
            figures[with_service] = {
                "ms": round(statistics.median(times), 2),
                "queries": int(statistics.median(queries)),
            }
        self.cr.rollback()
        self.results["cart_add_computer"] = {
            "level": "sale.order._cart_update(product_id=computer, add_qty=1) on a cart",
            "with_service_line": figures[True],
            "without_service_line": figures[False],
            "time_ratio": round(figures[True]["ms"] / figures[False]["ms"], 2),
            "query_ratio": round(figures[True]["queries"] / figures[False]["queries"], 2),
        }

    def invoicing(self):
        """The month's invoicing of every contract (rentals and managed services),
        by chunks of customers: each chunk once consolidated (one invoice per
        customer) and once the plain OCA way (one invoice per contract, the
        customers' opt-out), rolled back in between, alternating which runs first."""
        env = self.env
        Contract = env["account.analytic.account"].with_context(tracking_disable=True)
        rng = random.Random(7)
        largest = max(self.sizes.values())
        partners = self.partners.filtered(
            lambda p: rng.random() < self.size["invoiced_share"] or self.sizes[p.id] == largest
        ).sorted("id")
        chunk = 20
        elapsed = {"consolidated": 0.0, "per_contract": 0.0}
        queries = {"consolidated": 0, "per_contract": 0}
        invoices = {"consolidated": 0, "per_contract": 0}
        contracts_count = 0
        chunk_seconds = {}
        # warm both paths on a first customer (not measured)
        order = [("per_contract", True), ("consolidated", False)]
        next_date = None
        for offset in range(0, len(partners), chunk):
            batch = partners[offset : offset + chunk]
            contracts = Contract.search([("partner_id", "in", batch.ids)], order="id")
            next_date = next_date or contracts[:1].recurring_next_date
            contracts_count += len(contracts)
            order.reverse()
            for name, separate in order:
                self.cr.execute("SAVEPOINT bench_invoicing")
                batch.write({"infogerance_separate_invoices": separate})
                env.clear()
                with Timer(self.cr) as timer:
                    created = contracts.with_env(env).recurring_create_invoice()
                elapsed[name] += timer.seconds
                queries[name] += timer.queries
                invoices[name] += len(created)
                if name == "consolidated" and largest in [self.sizes[p] for p in batch.ids]:
                    big = next(p for p in batch.ids if self.sizes[p] == largest)
                    invoice = created.filtered(lambda i: i.partner_id.id == big)
                    assert len(invoice) == 1 and len(invoice.invoice_line_ids) == largest + 1
                    service_line = invoice.invoice_line_ids.filtered(
                        lambda l: l.product_id == self.service_product
                    )
                    assert service_line.quantity == largest, service_line.quantity
                self.cr.execute("ROLLBACK TO SAVEPOINT bench_invoicing")
                self.cr.execute("RELEASE SAVEPOINT bench_invoicing")
                env.clear()
                chunk_seconds[name] = timer.seconds
            log(
                "invoicing chunk %s: %s customers, %s contracts (largest %s): consolidated "
                "%.2f s, per contract %.2f s",
                offset // chunk + 1,
                len(batch),
                len(contracts),
                max(self.sizes[p] for p in batch.ids),
                chunk_seconds["consolidated"],
                chunk_seconds["per_contract"],
            )
        self.results["month_invoicing"] = {
            "level": "ORM: account.analytic.account.recurring_create_invoice() by chunks "
            "of %s customers, all their contracts due on %s" % (chunk, next_date),
            "customers": len(partners),
            "contracts": contracts_count,
            "consolidated_invoices": invoices["consolidated"],
            "per_contract_invoices": invoices["per_contract"],
            "consolidated_seconds": round(elapsed["consolidated"], 1),
            "per_contract_seconds": round(elapsed["per_contract"], 1),
            "consolidated_queries_per_contract": round(
                queries["consolidated"] / contracts_count, 1
            ),
            "per_contract_queries_per_contract": round(
                queries["per_contract"] / contracts_count, 1
            ),
            "time_ratio": round(elapsed["consolidated"] / elapsed["per_contract"], 3),
            "target_time_ratio": 0.3,
        }

    def confirmation(self, computers=50, repeats=3):
        """Confirming an order of 50 computers and the managed service (50 rentals,
        the service contract, its repricing) against creating 50 plain OCA
        contracts of one line each: ours must stay within 1.5x."""
        env = self.env
        Contract = env["account.analytic.account"]
        partner = self.partners[-1]
        times = {"order": [], "plain": []}
        counts = {"order": [], "plain": []}
        for repeat in range(repeats + 1):
            self.cr.execute("SAVEPOINT bench_confirm")
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "infogerance_start_date": self.start,
                    "order_line": [
                        (0, 0, {"product_id": self.computer.id, "product_uom_qty": computers}),
                        (0, 0, {"product_id": self.service_product.id, "product_uom_qty": 1}),
                    ],
                }
            )
            env.clear()
            with Timer(self.cr) as timer:
                order.action_confirm()
            if repeat:
                times["order"].append(timer.seconds)
                counts["order"].append(timer.queries)
            self.cr.execute("ROLLBACK TO SAVEPOINT bench_confirm")
            env.clear()
            with Timer(self.cr) as timer:
                for index in range(computers):
                    Contract.create(
                        {
                            "name": "Plain contract %s" % index,
                            "partner_id": partner.id,
                            "recurring_invoices": True,
                            "recurring_rule_type": "monthly",
                            "recurring_interval": 1,
                            "recurring_invoicing_type": "pre-paid",
                            "date_start": self.start,
                            "recurring_next_date": self.start,
                            "recurring_invoice_line_ids": [
                                (
                                    0,
                                    0,
                                    {
                                        "product_id": self.plain_product.id,
                                        "name": "Plain #START# - #END#",
                                        "quantity": 1,
                                        "uom_id": self.plain_product.uom_id.id,
                                        "specific_price": 15.0,
                                    },
                                )
                            ],
                        }
                    )
            if repeat:
                times["plain"].append(timer.seconds)
                counts["plain"].append(timer.queries)
            self.cr.execute("ROLLBACK TO SAVEPOINT bench_confirm")
            # released: nested savepoints left open would slow every later query
            # (PostgreSQL's subtransaction cache overflows past 64)
            self.cr.execute("RELEASE SAVEPOINT bench_confirm")
            env.clear()
        order_s, plain_s = statistics.median(times["order"]), statistics.median(times["plain"])
        self.results["confirmation"] = {
            "level": "ORM: sale.order.action_confirm() of %s computers + the service, "
            "against %s account.analytic.account.create() of one line each"
            % (computers, computers),
            "order_ms": round(order_s * 1000, 1),
            "plain_ms": round(plain_s * 1000, 1),
            "order_queries": int(statistics.median(counts["order"])),
            "plain_queries": int(statistics.median(counts["plain"])),
            "time_ratio": round(order_s / plain_s, 2),
            "target_time_ratio": 1.5,
        }

    def pages(self):
        """Every page of the addon for the largest customer against a 3-computer
        one (bench/pages.py)."""
        self.results["pages"] = _pages_bench().PagesBench(self).run()

    def billing(self):
        """The month's billing run (bench/billing.py): against OCA's cron per
        contract, 2 job workers against 1, a confirmation during a run."""
        billing = _billing_bench()
        self.results["billing"] = billing.BillingBench(
            odoo.tools.config.rcfile, self.template, self.cr.dbname, self.size_name
        ).run()

    def table(self):
        r = _Measured(self.results)
        rows = [
            (
                "data",
                "%(customers)s customers, %(rental_contracts)s rentals, "
                "%(service_contracts)s managed-service contracts, largest fleet "
                "%(largest_fleet)s" % r["data"],
            ),
            ("reprice, 1 computer", "%(ms)s ms, %(queries)s queries" % r["reprice"]["1_computer"]),
            (
                "reprice, 1,000 computers",
                "%(ms)s ms, %(queries)s queries" % r["reprice"]["1000_computers"],
            ),
            (
                "reprice ratio 1,000 / 1",
                "time x%(time_ratio)s, queries x%(query_ratio)s" % r["reprice"],
            ),
            (
                "consistency, first run",
                "%(first_run_seconds)s s (%(first_run_seconds_per_1000)s "
                "s per 1,000 contracts, %(repriced_first_run)s repriced)" % r["consistency"],
            ),
            (
                "consistency, daily (no change)",
                "%(steady_seconds)s s (%(steady_seconds_per_1000)s"
                " s per 1,000 contracts, %(steady_queries)s queries)" % r["consistency"],
            ),
            (
                "month's invoicing, consolidated",
                "%(contracts)s contracts of %(customers)s customers: %(consolidated_invoices)s "
                "invoices, %(consolidated_seconds)s s, %(consolidated_queries_per_contract)s "
                "queries/contract" % r["month_invoicing"],
            ),
            (
                "month's invoicing, per contract",
                "%(per_contract_invoices)s invoices, %(per_contract_seconds)s s, "
                "%(per_contract_queries_per_contract)s queries/contract" % r["month_invoicing"],
            ),
            (
                "invoicing time ratio",
                "x%(time_ratio)s (target <= x0.3)" % r["month_invoicing"],
            ),
            (
                "confirm 50 computers",
                "%(order_ms)s ms, %(order_queries)s queries" % r["confirmation"],
            ),
            (
                "create 50 plain contracts",
                "%(plain_ms)s ms, %(plain_queries)s queries" % r["confirmation"],
            ),
            (
                "confirmation time ratio",
                "x%(time_ratio)s (target <= x1.5)" % r["confirmation"],
            ),
            (
                "cart update, with service line",
                "%(ms)s ms, %(queries)s queries" % r["cart_update"]["with_service_line"],
            ),
            (
                "cart update, without",
                "%(ms)s ms, %(queries)s queries" % r["cart_update"]["without_service_line"],
            ),
            (
                "cart update ratio",
                "time x%(time_ratio)s, queries x%(query_ratio)s" % r["cart_update"],
            ),
            (
                "add a computer to the cart, with offer",
                "%(ms)s ms, %(queries)s queries" % r["cart_add_computer"]["with_service_line"],
            ),
            (
                "add a computer to the cart, without",
                "%(ms)s ms, %(queries)s queries" % r["cart_add_computer"]["without_service_line"],
            ),
            (
                "add a computer ratio",
                "time x%(time_ratio)s, queries x%(query_ratio)s (target <= x1.5, x1.3)"
                % r["cart_add_computer"],
            ),
        ]
        rows += _pages_bench().table(self.results.get("pages", {}))
        rows += _billing_bench().table(self.results.get("billing", {}))
        width = max(len(name) for name, _ in rows)
        print()
        print("%s  %s" % ("measure".ljust(width), "result"))
        print("%s  %s" % ("-" * width, "-" * 60))
        for name, value in rows:
            print("%s  %s" % (name.ljust(width), value))


def _pages_bench():
    """bench/pages.py, imported once Odoo's addons path is set (it uses the
    addon's page loader)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pages

    return pages


def _billing_bench():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import billing

    return billing


def run_measure(bench, measure, profile_dir=None):
    """One measure; with ``profile_dir``, under cProfile (``<measure>.prof``, read
    with ``python -m pstats``): the times are then inflated, the ratios skewed."""
    method = getattr(bench, measure)
    if not profile_dir:
        return method()
    profiler = cProfile.Profile()
    result = profiler.runcall(method)
    os.makedirs(profile_dir, exist_ok=True)
    profiler.dump_stats(os.path.join(profile_dir, "%s.prof" % measure))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    # small: the billing bench's own fleet (1-6 computers per customer)
    parser.add_argument("--size", choices=sorted(set(SIZES) | {"small"}), default="quick")
    parser.add_argument("--output")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the database of a previous run"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=MEASURES,
        help="measure only these parts; the output file keeps its other figures, and "
        "its meta says which figures come from which run",
    )
    parser.add_argument("--template", help="the nodemo template (the billing part copies it)")
    parser.add_argument(
        "--profile", metavar="DIR", help="write a cProfile file per measure into DIR"
    )
    args = parser.parse_args()
    if args.size not in SIZES and set(args.only or MEASURES) - set(OWN_DATA):
        parser.error("size %s is the billing bench's only: ONLY=billing" % args.size)
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    today = datetime.date.today()
    start = (today.replace(day=1) - datetime.timedelta(days=40)).replace(day=1).isoformat()
    registry = odoo.registry(args.database)
    t_all = time.perf_counter()
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(
            cr,
            SUPERUSER_ID,
            {"tracking_disable": True, "mail_notrack": True, "mail_create_nolog": True},
        )
        bench = Bench(env, args.size, start)
        bench.template = args.template
        t0 = time.perf_counter()
        if not set(args.only or MEASURES) - set(OWN_DATA):
            pass  # no fleet needed
        elif args.reuse:
            bench.load()
        else:
            bench.generate()
            cr.commit()
            bench.results["data"]["generation_seconds"] = round(time.perf_counter() - t0, 1)
            log("generated in %.1f s; measuring", time.perf_counter() - t0)
        for measure in args.only or MEASURES:
            run_measure(bench, measure, args.profile)
            log("%s done", measure)
        bench.results["meta"] = {
            "size": args.size,
            "contracts_start": start,
            "total_seconds": round(time.perf_counter() - t_all, 1),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
        }
        output = args.output or os.path.join(ROOT, "bench", "results.json")
        # When each part was last measured: a partial run keeps the other parts'
        # figures of the output file, and their dates.
        measured = dict.fromkeys(args.only or MEASURES, bench.results["meta"]["date"])
        if args.only and os.path.exists(output):
            with open(output) as handle:
                earlier = json.load(handle)
            earlier_meta = earlier.pop("meta", {})
            earlier_dates = earlier_meta.get("measured") or dict.fromkeys(
                MEASURES, earlier_meta.get("date")
            )
            measured = dict(earlier_dates, **measured)
            earlier.update(bench.results)
            bench.results = earlier
        bench.results["meta"]["measured"] = measured
        bench.table()
        with open(output, "w") as handle:
            json.dump(bench.results, handle, indent=2, sort_keys=True)
        log("results written to %s (%.0f s in all)", output, time.perf_counter() - t_all)


if __name__ == "__main__":
    sys.exit(main())
