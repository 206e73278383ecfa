"""The billing run's crash test, steps called by scripts/billing-crash-test.sh:

- ``generate``: customers with computers and the offer, due on DATE (committed);
- ``start``: an accountant's run of DATE, started over XML-RPC (its chunks become
  queue jobs, committed with the call);
- ``status``: progress of the run, and its jobs by state (one line);
- ``check``: every contract due on DATE invoiced exactly once, every item done
  (exit status 1 otherwise).
"""
import argparse
import sys
import xmlrpc.client

import odoo
from odoo import SUPERUSER_ID, api

DATE = "2026-01-01"
PREFIX = "Crash test "


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})


def generate(env, customers, chunk_size):
    env.user.company_id.infogerance_billing_chunk_size = chunk_size
    offer = env["infogerance.offer"].create(
        {
            "name": PREFIX + "offer",
            "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 15.0})],
        }
    )
    computer = env["product.product"].create(
        {
            "name": PREFIX + "laptop",
            "type": "service",
            "list_price": 39.0,
            "is_computer_rental": True,
        }
    )
    service = env["product.product"].create(
        {"name": PREFIX + "service", "type": "service", "infogerance_offer_id": offer.id}
    )
    for number in range(customers):
        partner = env["res.partner"].create(
            {"name": "%scustomer %03d" % (PREFIX, number), "is_company": True}
        )
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "infogerance_start_date": DATE,
                "order_line": [
                    (0, 0, {"product_id": computer.id, "product_uom_qty": 1 + number % 4}),
                    (0, 0, {"product_id": service.id, "product_uom_qty": 1}),
                ],
            }
        )
        order.action_confirm()
    print("generated %s customers, %s contracts due on %s" % (customers, len(_due(env)), DATE))


def _due(env):
    return env["account.analytic.account"].search(
        [("partner_id.name", "=like", PREFIX + "%"), ("recurring_invoices", "=", True)]
    )


def start(url, db):
    common = xmlrpc.client.ServerProxy("%s/xmlrpc/2/common" % url)
    uid = common.authenticate(db, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy("%s/xmlrpc/2/object" % url, allow_none=True)
    run_id = models.execute_kw(
        db, uid, "admin", "infogerance.billing.run", "create", [{"date": DATE}]
    )
    models.execute_kw(db, uid, "admin", "infogerance.billing.run", "action_start", [[run_id]])
    print("run %s started over XML-RPC" % run_id)


def status(env):
    env.cr.execute(
        """SELECT i.state, count(*) FROM infogerance_billing_run_item i
             JOIN infogerance_billing_run r ON r.id = i.run_id
            WHERE r.date = %s GROUP BY 1 ORDER BY 1""",
        (DATE,),
    )
    items = dict(env.cr.fetchall())
    env.cr.execute(
        """SELECT state, count(*) FROM queue_job
            WHERE method_name = '_infogerance_job_bill_chunk' GROUP BY 1 ORDER BY 1"""
    )
    jobs = dict(env.cr.fetchall())
    print("items %s | jobs %s" % (items, jobs))
    return items, jobs


def check(env):
    contracts = _due(env)
    env.cr.execute(
        """SELECT l.account_analytic_id, count(*)
             FROM account_invoice_line l JOIN account_invoice i ON i.id = l.invoice_id
            WHERE l.account_analytic_id IN %s AND i.date_invoice = %s
            GROUP BY 1""",
        (tuple(contracts.ids), DATE),
    )
    lines = dict(env.cr.fetchall())
    never = [c.id for c in contracts if c.id not in lines]
    twice = {cid: n for cid, n in lines.items() if n != 1}
    items, jobs = status(env)
    moved = set(contracts.mapped("recurring_next_date"))
    print(
        "contracts due: %s, invoiced once: %s, never: %s, more than once: %s; "
        "next dates: %s" % (len(contracts), len(lines) - len(twice), len(never), len(twice), moved)
    )
    ok = not never and not twice and set(items) == {"done"} and moved == {"2026-02-01"}
    print("CHECK " + ("PASSED" if ok else "FAILED"))
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=("generate", "start", "status", "check"))
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--customers", type=int, default=80)
    parser.add_argument("--chunk-size", type=int, default=5)
    parser.add_argument("--url", default="http://localhost:8069")
    args = parser.parse_args()
    if args.step == "start":
        return start(args.url, args.database)
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = odoo.registry(args.database)
    with api.Environment.manage(), registry.cursor() as cr:
        env = _env(cr)
        if args.step == "generate":
            generate(env, args.customers, args.chunk_size)
        elif args.step == "status":
            status(env)
        elif not check(env):
            sys.exit(1)


if __name__ == "__main__":
    main()
