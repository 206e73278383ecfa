"""The billing run on committed data and real servers: a server killed with
SIGKILL half-way, two runs started at once, the daily cron's first call, a
salesman confirming orders while the run goes on, a mail server down. In each,
every contract due is invoiced exactly once."""
import os
import statistics
import threading
import time

from conftest import (
    DATE,
    fleet,
    items_by_state,
    items_unfinished,
    lock_waits_since,
    postgres_log,
    print_figures,
    sql,
    wait_for,
)

CUSTOMERS = 80  # the live template's (scripts/billing-live-test.sh)
BILLING_DONE = 600  # seconds a run may take here (2 shared cores)


def _start_run(rpc, date=DATE):
    run_id = rpc("infogerance.billing.run", "create", {"date": date})
    rpc("infogerance.billing.run", "action_start", [run_id])
    return run_id


def _all_done(database, date=DATE):
    """Every customer of the run invoiced and its stages done: the run finished."""
    return wait_for(
        lambda: items_by_state(database, date) and not items_unfinished(database, date),
        BILLING_DONE,
        1,
    )


def _check(database, run_date=DATE):
    result = fleet(database, "check", "--date", DATE, "--run-date", run_date)
    assert result["returncode"] == 0 and result["ok"], result
    assert result["contracts"] > CUSTOMERS, result
    return result


def test_billing_run_sigkill_mid_run_then_restart_invoices_each_contract_once(
    database, server_factory
):
    name, _servers = database
    server = server_factory().start()
    _start_run(server.rpc())
    target = CUSTOMERS // 4
    assert wait_for(lambda: items_by_state(name).get("done", 0) >= target, BILLING_DONE, 0.2)
    server.kill()
    killed_at = items_by_state(name)
    jobs_at_kill = dict(sql(name, "SELECT state, count(*) FROM queue_job GROUP BY 1"))
    assert killed_at.get("todo"), "killed after the end: nothing tested (%s)" % killed_at
    restarted = time.time()
    server_factory().start()
    assert _all_done(name), items_by_state(name)
    result = _check(name)
    print_figures(
        test="sigkill",
        items_at_kill=killed_at,
        jobs_at_kill=jobs_at_kill,
        seconds_to_finish_after_restart=round(time.time() - restarted, 1),
        check=result,
    )


def test_billing_run_two_runs_started_at_once_invoice_each_contract_once(database):
    name, _servers = database
    raced = fleet(name, "race", "--date", DATE)
    assert raced["returncode"] == 0 and not raced["errors"], raced
    result = _check(name)
    print_figures(test="race_inline", check=result)


def test_billing_run_two_accountants_start_it_at_once_on_two_servers(database, server_factory):
    """Two servers sharing the database and the job queue; an accountant on each
    starts the run of the same date at the same moment."""
    name, _servers = database
    first = server_factory().start()
    second = server_factory(channels="root:1,root.infogerance.billing:1").start()
    run_id = first.rpc()("infogerance.billing.run", "create", {"date": DATE})
    barrier, errors = threading.Barrier(2), []

    def start(server):
        try:
            rpc = server.rpc()
            barrier.wait(30)
            rpc("infogerance.billing.run", "action_start", [run_id])
        except Exception as error:  # reported
            errors.append(repr(error))

    threads = [threading.Thread(target=start, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    assert _all_done(name), items_by_state(name)
    result = _check(name)
    failed_jobs = sql(name, "SELECT count(*) FROM queue_job WHERE state = 'failed'")[0][0]
    assert failed_jobs == 0
    print_figures(test="race_two_servers", check=result)


def test_billing_run_daily_cron_bills_everything_while_a_salesman_confirms_orders(
    database, server_factory
):
    """The scheduled action starts the day's run on its first call (nothing is
    missed by a snapshot older than the run); meanwhile a salesman confirms
    orders for customers of the run: none fails, and nobody (the salesman or the
    run's workers) waits more than 2 s for a row, as PostgreSQL measures it
    (``log_lock_waits``). The workers' turns at numbering invoices (advisory
    locks) are reported, not bounded: they wait for each other, not for users."""
    name, _servers = database
    for setting in ("log_lock_waits = on", "deadlock_timeout = '100ms'"):
        sql(name, 'ALTER DATABASE "%s" SET %s' % (name, setting))
    server = server_factory(workers=3).start()
    salesman = server.rpc("live_salesman", "live_salesman")
    customers = sql(
        name,
        "SELECT id FROM res_partner WHERE name LIKE 'Live test customer%%' ORDER BY id",
    )
    laptop = sql(
        name,
        """SELECT p.id FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE t.name = 'Live test laptop'""",
    )[0][0]

    def confirm(partner_id):
        order_id = salesman(
            "sale.order",
            "create",
            {
                "partner_id": partner_id,
                "order_line": [(0, 0, {"product_id": laptop, "product_uom_qty": 1})],
            },
        )
        started = time.time()
        salesman("sale.order", "action_confirm", [order_id])
        return time.time() - started

    outside = [confirm(row[0]) for row in customers[-3:]]
    log_offset = os.path.getsize(postgres_log())
    # the cron's next call: now
    sql(
        name,
        """UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' - interval '1 minute'
            WHERE id = (SELECT res_id FROM ir_model_data
                         WHERE module = 'commown_infogerance' AND name = 'cron_billing_run')""",
    )
    today = sql(name, "SELECT (now() AT TIME ZONE 'UTC')::date::text")[0][0]
    assert wait_for(lambda: items_by_state(name, today).get("done"), 150, 0.2), "no cron"
    during, errors = [], []
    while len(during) + len(errors) < 12 and set(items_by_state(name, today)) != {"done"}:
        # the customer billed now, or next: the lowest item still to do
        [(partner_id,)] = (
            sql(
                name,
                """SELECT i.partner_id FROM infogerance_billing_run_item i
                 JOIN infogerance_billing_run r ON r.id = i.run_id
                WHERE r.date = %s AND i.state = 'todo' ORDER BY i.id LIMIT 1""",
                (today,),
            )
            or [(customers[0][0],)]
        )
        try:
            during.append(confirm(partner_id))
        except Exception as error:  # reported
            errors.append(repr(error))
    assert not errors, errors
    assert len(during) >= 3, "the run ended before the salesman could confirm: %s" % during
    assert _all_done(name, today), items_by_state(name, today)
    waits, turns = lock_waits_since(log_offset)
    result = _check(name, today)
    figures = {
        "confirmation_outside_median_s": round(statistics.median(outside), 2),
        "confirmation_during_median_s": round(statistics.median(during), 2),
        "confirmation_during_max_s": round(max(during), 2),
        "confirmations_during": len(during),
        "row_lock_waits_over_100ms": len(waits),
        "longest_row_lock_wait_ms": max(waits, default=0),
        "worker_turn_waits_over_100ms": len(turns),
        "longest_worker_turn_wait_ms": max(turns, default=0),
    }
    print_figures(test="cron_and_salesman", check=result, **figures)
    assert max(waits, default=0) <= 2000, figures
