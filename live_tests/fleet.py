"""Committed data and in-process steps of the billing run's live tests, run as a
separate process on the test's own database (``python fleet.py STEP -c CFG -d DB``):

- ``generate``: customers with computers and the offer, due on DATE, and a salesman;
- ``race``: two transactions starting the run of DATE at the same moment, each
  billing inline (no job queue), as two crons or two accountants would;
- ``status``: progress of the run and its jobs by state (one JSON line);
- ``check``: every contract due on DATE invoiced exactly once, every item done,
  each invoice e-mailed at most once (one JSON line; exit status 1 otherwise).
"""
import argparse
import json
import sys
import threading
import traceback

import odoo
from odoo import SUPERUSER_ID, api

DATE = "2026-01-01"
PREFIX = "Live test "
SALESMAN = "live_salesman"
LAST_GENERATED = "commown_infogerance.live_test_last_contract"


def _env(cr, context=None):
    return api.Environment(cr, SUPERUSER_ID, dict({"tracking_disable": True}, **(context or {})))


def generate(env, customers, chunk_size, date):
    company = env.user.company_id
    company.infogerance_billing_chunk_size = chunk_size
    offer = env["infogerance.offer"].create(
        {"name": PREFIX + "offer", "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 15.0})]}
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
    env["res.users"].create(
        {
            "name": "Live Salesman",
            "login": SALESMAN,
            "email": "salesman@live.example",
            "password": SALESMAN,
            "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
        }
    )
    for number in range(customers):
        partner = env["res.partner"].create(
            {
                "name": "%scustomer %03d" % (PREFIX, number),
                "is_company": True,
                "email": "customer%03d@live.example" % number,
            }
        )
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "infogerance_start_date": date,
                "order_line": [
                    (0, 0, {"product_id": computer.id, "product_uom_qty": 1 + number % 4}),
                    (0, 0, {"product_id": service.id, "product_uom_qty": 1}),
                ],
            }
        )
        order.action_confirm()
    env.cr.execute("DELETE FROM queue_job")  # the repricing jobs of the orders: none left
    env.cr.execute("SELECT max(id) FROM account_analytic_account")
    env["ir.config_parameter"].set_param(LAST_GENERATED, env.cr.fetchone()[0])
    print(json.dumps({"customers": customers, "contracts": len(_due(env)), "date": date}))


def _due(env, generated_only=False):
    """The test customers' contracts (those generated, due on DATE, only)."""
    domain = [("partner_id.name", "=like", PREFIX + "%"), ("recurring_invoices", "=", True)]
    if generated_only:
        last = int(env["ir.config_parameter"].get_param(LAST_GENERATED, 0))
        domain.append(("id", "<=", last))
    return env["account.analytic.account"].search(domain)


def race(registry, date):
    """Two transactions start the run of ``date`` at once; each bills inline."""
    barrier = threading.Barrier(2)
    errors = []

    def start():
        with api.Environment.manage():
            try:
                with registry.cursor() as cr:
                    env = _env(cr, {"test_queue_job_no_delay": True})
                    company_id = env.user.company_id.id
                    barrier.wait(30)
                    run = env["infogerance.billing.run"]._infogerance_get_run(date, company_id)
                    run._infogerance_start()
            except Exception as error:  # reported
                errors.append("%s: %s\n%s" % (type(error).__name__, error, traceback.format_exc()))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    print(json.dumps({"errors": errors}))
    return not errors


def status(env, date):
    """Items of the run of ``date`` and billing jobs, by state."""
    env.cr.execute(
        """SELECT i.state, count(*) FROM infogerance_billing_run_item i
             JOIN infogerance_billing_run r ON r.id = i.run_id
            WHERE r.date = %s GROUP BY 1 ORDER BY 1""",
        (date,),
    )
    items = dict(env.cr.fetchall())
    env.cr.execute(
        """SELECT state, count(*) FROM queue_job
            WHERE method_name = '_infogerance_job_bill_chunk' GROUP BY 1 ORDER BY 1"""
    )
    jobs = dict(env.cr.fetchall())
    return {"items": items, "jobs": jobs}


def check(env, date, run_date):
    """The generated contracts invoiced exactly once on ``date`` (by the run of
    ``run_date``); no contract of the test customers (orders confirmed during the
    run included) invoiced twice for one date."""
    contracts = _due(env, generated_only=True)
    env.cr.execute(
        """SELECT l.account_analytic_id, count(DISTINCT i.id)
             FROM account_invoice_line l JOIN account_invoice i ON i.id = l.invoice_id
            WHERE l.account_analytic_id IN %s AND i.date_invoice = %s
            GROUP BY 1""",
        (tuple(contracts.ids), date),
    )
    lines = dict(env.cr.fetchall())
    env.cr.execute(
        """SELECT l.account_analytic_id, i.date_invoice, count(DISTINCT i.id)
             FROM account_invoice_line l JOIN account_invoice i ON i.id = l.invoice_id
            WHERE l.account_analytic_id IN %s
            GROUP BY 1, 2 HAVING count(DISTINCT i.id) > 1""",
        (tuple(_due(env).ids),),
    )
    twice = env.cr.fetchall()
    env.cr.execute(
        """SELECT res_id, count(*) FROM mail_mail m JOIN mail_message g ON g.id = m.mail_message_id
            WHERE g.model = 'account.invoice' GROUP BY 1 HAVING count(*) > 1"""
    )
    mailed_twice = dict(env.cr.fetchall())
    # every invoice the run made and validated has its e-mail queued: none lost
    env.cr.execute(
        """SELECT count(DISTINCT i.id) FROM account_invoice i
             JOIN account_invoice_line l ON l.invoice_id = i.id
            WHERE l.account_analytic_id IN %s AND i.date_invoice = %s
              AND i.state = 'open' AND NOT coalesce(i.sent, false)""",
        (tuple(contracts.ids), date),
    )
    unsent = env.cr.fetchone()[0]
    result = dict(
        status(env, run_date),
        contracts=len(contracts),
        invoiced_once=len([n for n in lines.values() if n == 1]),
        never=len([c for c in contracts.ids if c not in lines]),
        more_than_once=len(twice),
        mailed_twice=len(mailed_twice),
        unsent=unsent,
    )
    result["ok"] = (
        not result["never"]
        and not result["more_than_once"]
        and not mailed_twice
        and not unsent
        and set(result["items"]) == {"done"}
    )
    print(json.dumps(result))
    return result["ok"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=("generate", "race", "status", "check"))
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--customers", type=int, default=80)
    parser.add_argument("--chunk-size", type=int, default=5)
    parser.add_argument("--date", default=DATE)
    parser.add_argument("--run-date", help="the run's date (default: --date)")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = odoo.registry(args.database)
    if args.step == "race":
        sys.exit(0 if race(registry, args.date) else 1)
    with api.Environment.manage(), registry.cursor() as cr:
        env = _env(cr)
        if args.step == "generate":
            generate(env, args.customers, args.chunk_size, args.date)
        elif args.step == "status":
            print(json.dumps(status(env, args.date)))
        elif not check(env, args.date, args.run_date or args.date):
            sys.exit(1)


if __name__ == "__main__":
    main()
