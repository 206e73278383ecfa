"""The billing run's part of the benchmark (`make bench ONLY=billing`, issue 22), and
the helpers `make loadcheck` shares (data, servers, XML-RPC, the invoiced-once check).

Customers with 1-6 computers and the offer, paid by SEPA direct debit (a valid
mandate each), ordered by ``action_confirm`` with their contracts due on DATE, are
generated once in a copy of the nodemo template, committed, and that database is
copied for each side, so that every side starts from identical data:

a. the month's run (``action_start``; its chunks run inline through the job path:
   each chunk's queue job loaded and performed as queue_job's ``/runjob`` does,
   so that every stage the run has is included) against plain OCA contract's
   create-only ``cron_recurring_create_invoice``, one invoice per contract (the
   customers' *One invoice per contract* opt-out), per contract due;
b. a run on a real server (``--workers=2``, the queue_job runner) with the
   billing channel's capacity 2 against 1: wall time from ``action_start`` over
   XML-RPC to every chunk's job done;
c. a salesman's ``action_confirm`` over XML-RPC of a one-computer order for a
   customer of the run, during a run against outside any run (same server);
d. (``debit_order``, after a.) one invoice's line added to the run's draft debit
   order padded to 150, 1,000 and 5,000 lines: the addon's total against OCA's.
"""
import datetime
import json
import os
import random
import signal
import statistics
import subprocess
import threading
import time
import xmlrpc.client

import odoo
from odoo import SUPERUSER_ID, api, sql_db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATE = "2026-01-01"
NEXT_DATE = "2026-02-01"
PREFIX = "Billing bench "
PASSWORD = "bench-billing"
SALESMAN = "bench_billing_salesman"
ACCOUNTANT = "bench_billing_accountant"
#: The fleets, and the run's chunk size. quick and full: the fleet of the main
#: bench's sizes (bench.py's ``fleet_sizes``: most customers with 1-10 computers,
#: a few with 100-1,000), Commown's customers; full is a tenth of the main bench's
#: full size (OCA's create-only side, one invoice per contract, would take hours).
#: small and tiny: customers with 1-6 computers each (about 4.5 contracts): the
#: worst case for consolidation; tiny to profile.
SIZES = {
    "tiny": {"customers": 12, "chunk": 3},
    "small": {"customers": 60, "chunk": 5},
    "quick": {"customers": 150, "rentals": 3000, "large": 3, "chunk": 5},
    "full": {"customers": 500, "rentals": 5000, "large": 4, "chunk": 25},
}
BILLING_JOB_METHOD = "_infogerance_job_bill_chunk"
#: Ports (the crash test has 8169, make run 8069): bench and loadcheck servers, the
#: loadcheck's balancer, and each server's long-polling port.
PORTS = (8269, 8270)
BALANCER_PORT = 8271


def log(message, *args):
    print("[billing] " + (message % args if args else message), flush=True)


def load_average():
    return "load %.2f %.2f %.2f" % os.getloadavg()


def fleet(size):
    """Computers per customer: the main bench's distribution (``rentals`` given),
    or 1-6 each."""
    if "rentals" in size:
        from bench import fleet_sizes

        return fleet_sizes(size, random.Random(42))
    return [1 + number % 6 for number in range(size["customers"])]


def iban(number):
    """A valid French IBAN, a different one per number."""
    bban = "30004%05d%011d%02d" % (number // 1000, number, number % 97)
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    return "FR%02d%s" % (98 - int(digits) % 97, bban)


# Data ------------------------------------------------------------------------------


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


def _user(env, login, groups, partner=None):
    values = {
        "name": login,
        "login": login,
        "password": PASSWORD,
        "email": "%s@example.com" % login,
        "groups_id": [(6, 0, [env.ref(g).id for g in groups])],
    }
    if partner:
        values["partner_id"] = partner.id
    return env["res.users"].with_context(no_reset_password=True).create(values)


def _direct_debit_mode(env):
    company = env.user.company_id
    company.sepa_creditor_identifier = "FR78ZZZ424242"
    bank = env["res.bank"].create({"name": PREFIX + "bank", "bic": "AGRIFRPPXXX"})
    account = env["res.partner.bank"].create(
        {
            "acc_number": "FR14 2004 1010 0505 0001 3M02 606",
            "partner_id": company.partner_id.id,
            "bank_id": bank.id,
            "company_id": company.id,
        }
    )
    journal = env["account.journal"].create(
        {
            "name": PREFIX + "direct debits",
            "type": "bank",
            "code": "BBDD",
            "bank_account_id": account.id,
            "company_id": company.id,
        }
    )
    method = env.ref("account_banking_sepa_direct_debit.sepa_direct_debit")
    method.pain_version = "pain.008.001.02"
    mode = env["account.payment.mode"].create(
        {
            "name": PREFIX + "SEPA direct debit",
            "company_id": company.id,
            "payment_method_id": method.id,
            "bank_account_link": "fixed",
            "fixed_journal_id": journal.id,
        }
    )
    return mode, bank


def generate(env, sizes, chunk_size, portal_users=False):
    """Customers due on DATE, one per fleet size of ``sizes``, with the offer,
    paid by SEPA direct debit; a salesman and an accountant; with
    ``portal_users``, one customer manager per customer with a portal login
    (``portal_<n>``). Each orders up to 2 computers through ``action_confirm``;
    the rest of its computers are inserted by SQL, then repriced by the
    consistency check (as in the main bench)."""
    customers = len(sizes)
    company = env.user.company_id
    company.infogerance_billing_chunk_size = chunk_size
    service_types = env["infogerance.service.type"].search([])
    offer = env["infogerance.offer"].create(
        {
            "name": PREFIX + "offer",
            "service_type_ids": [(6, 0, service_types.ids)],
            "tier_ids": [
                (0, 0, {"min_computers": 1, "unit_price": 15.0}),
                (0, 0, {"min_computers": 5, "unit_price": 12.0}),
            ],
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
    mode, bank = _direct_debit_mode(env)
    _user(env, SALESMAN, ["sales_team.group_sale_salesman"])
    _user(env, ACCOUNTANT, ["account.group_account_invoice"])
    country = env.ref("base.fr")
    partners = env["res.partner"]
    for number in range(customers):
        partner = env["res.partner"].create(
            {
                "name": "%scustomer %03d" % (PREFIX, number),
                "is_company": True,
                "email": "customer-%03d@example.com" % number,
                "city": "Paris",
                "zip": "75011",
                "country_id": country.id,
                "customer_payment_mode_id": mode.id,
            }
        )
        account = env["res.partner.bank"].create(
            {"acc_number": iban(number + 1), "partner_id": partner.id, "bank_id": bank.id}
        )
        mandate = env["account.banking.mandate"].create(
            {
                "partner_bank_id": account.id,
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "scheme": "CORE",
                "signature_date": "2025-12-15",
                "company_id": company.id,
            }
        )
        mandate.validate()
        if portal_users:
            contact = env["res.partner"].create(
                {
                    "name": "%sIT manager %03d" % (PREFIX, number),
                    "parent_id": partner.id,
                    "type": "contact",
                    "email": "it-%03d@example.com" % number,
                    "infogerance_customer_manager": True,
                }
            )
            _user(env, "portal_%03d" % number, ["base.group_portal"], contact)
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "infogerance_start_date": DATE,
                "order_line": [
                    (0, 0, {"product_id": computer.id, "product_uom_qty": min(sizes[number], 2)}),
                    (0, 0, {"product_id": service.id, "product_uom_qty": 1}),
                ],
            }
        )
        order.action_confirm()
        partners |= partner
    extra = [(p.id, c - 2) for p, c in zip(partners, sizes) if c > 2]
    if extra:
        from bench import insert_rentals

        insert_rentals(env.cr, company.id, DATE, extra, computer, PREFIX + "rental ")
        # paid as the customer's ordered contracts are: consolidated with them
        env.cr.execute(
            """UPDATE account_analytic_account r
                  SET payment_mode_id = s.payment_mode_id, mandate_id = s.mandate_id
                 FROM account_analytic_account s
                WHERE r.infogerance_contract_id = s.id AND r.name LIKE %s""",
            (PREFIX + "rental %",),
        )
        env["account.analytic.account"].invalidate_cache()
        env["account.analytic.account"]._infogerance_check_consistency()
    return {
        "customers": customers,
        "contracts_due": len(due_contract_ids(env.cr)),
        "largest_fleet": max(sizes),
        "fleet_100_or_more": sum(1 for c in sizes if c >= 100),
    }


def due_contract_ids(cr):
    cr.execute(
        """SELECT c.id FROM account_analytic_account c
             JOIN res_partner p ON p.id = c.partner_id
            WHERE p.name LIKE %s AND c.recurring_invoices AND c.active
              AND c.recurring_next_date <= %s ORDER BY c.id""",
        (PREFIX + "%", DATE),
    )
    return [row[0] for row in cr.fetchall()]


def invoiced_once(cr, contract_ids):
    """Of these contracts: how many were invoiced on DATE exactly once, never, more
    than once (invoice lines of the contract on an invoice dated DATE)."""
    cr.execute(
        """SELECT l.account_analytic_id, count(*)
             FROM account_invoice_line l JOIN account_invoice i ON i.id = l.invoice_id
            WHERE l.account_analytic_id IN %s AND i.date_invoice = %s
            GROUP BY 1""",
        (tuple(contract_ids), DATE),
    )
    lines = dict(cr.fetchall())
    return {
        "contracts": len(contract_ids),
        "once": sum(1 for n in lines.values() if n == 1),
        "never": sum(1 for cid in contract_ids if cid not in lines),
        "more_than_once": sum(1 for n in lines.values() if n > 1),
    }


def run_summary(cr):
    """The run's items and jobs by state, its invoices by state, the debit order lines."""
    cr.execute(
        """SELECT i.state || CASE WHEN i.stages_done THEN '' ELSE '/stages' END, count(*)
             FROM infogerance_billing_run_item i JOIN infogerance_billing_run r ON r.id = i.run_id
            WHERE r.date = %s GROUP BY 1""",
        (DATE,),
    )
    items = dict(cr.fetchall())
    cr.execute(
        "SELECT state, count(*) FROM queue_job WHERE method_name = %s GROUP BY 1",
        (BILLING_JOB_METHOD,),
    )
    jobs = dict(cr.fetchall())
    cr.execute(
        """SELECT state, count(*), coalesce(sum(amount_total), 0) FROM account_invoice
            WHERE date_invoice = %s GROUP BY 1""",
        (DATE,),
    )
    invoices = {state: (count, round(total, 2)) for state, count, total in cr.fetchall()}
    cr.execute("SELECT to_regclass('account_payment_line') IS NOT NULL")
    debit_lines = None
    if cr.fetchone()[0]:
        cr.execute("SELECT count(*) FROM account_payment_line")
        debit_lines = cr.fetchone()[0]
    cr.execute(
        """SELECT count(*) FROM mail_mail m JOIN mail_message g ON g.id = m.mail_message_id
            WHERE g.model = 'account.invoice'"""
    )
    mails = cr.fetchone()[0]
    return {
        "items": items,
        "jobs": jobs,
        "invoices": invoices,
        "debit_order_lines": debit_lines,
        "mails_queued": mails,
    }


def job_timeline(cr):
    """The billing jobs' timeline (second precision, queue_job's): the wall
    from the first start to the last end, the sum of the jobs' durations, the
    longest jobs, and how busy the channel was (sum / wall)."""
    cr.execute(
        """SELECT extract(epoch FROM date_started), extract(epoch FROM date_done)
             FROM queue_job WHERE method_name = %s AND state = 'done' ORDER BY date_started""",
        (BILLING_JOB_METHOD,),
    )
    rows = cr.fetchall()
    if not rows:
        return {}
    first = min(start for start, _done in rows)
    wall = max(done for _start, done in rows) - first
    durations = sorted((done - start for start, done in rows), reverse=True)
    return {
        "jobs": len(rows),
        "wall_seconds": round(wall, 1),
        "sum_seconds": round(sum(durations), 1),
        "longest_seconds": [round(d, 1) for d in durations[:5]],
        "busy_workers": round(sum(durations) / wall, 2) if wall else None,
    }


# Databases and servers -----------------------------------------------------------------


def copy_db(source, target):
    odoo.sql_db.close_db(source)
    odoo.sql_db.close_db(target)
    subprocess.run([os.path.join(ROOT, "scripts", "db.sh"), "copy", source, target], check=True)


def sql(database, query, params=None):
    """One query on its own connection (autocommit); its rows."""
    connection = sql_db.db_connect(database)
    with connection.cursor() as cr:
        cr.autocommit(True)
        cr.execute(query, params)
        return cr.fetchall() if cr.description else None


class Server:
    """A real Odoo server (prefork workers, cron, the queue_job runner when
    ``runner``) in a process group of its own, stopped whole."""

    def __init__(
        self,
        config,
        database,
        port,
        workers=2,
        channels="root:2",
        runner=True,
        runner_port=None,
        log_path=None,
    ):
        self.url = "http://localhost:%s" % port
        env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=channels)
        if runner_port:
            env["ODOO_QUEUE_JOB_PORT"] = str(runner_port)
        load = "base,web,queue_job" if runner else "base,web"
        command = [
            os.path.join(ROOT, ".venv", "bin", "python"),
            os.path.join(ROOT, "scripts", "odoo-bin"),
            "-c", config, "-d", database, "--db-filter=^%s$" % database,
            "--http-port=%s" % port, "--longpolling-port=%s" % (port + 100),
            "--workers=%s" % workers, "--max-cron-threads=1", "--load=%s" % load,
            "--limit-time-real=1200", "--limit-time-cpu=1200", "--log-level=warn",
        ]  # fmt: skip
        self.log_path = log_path or "/tmp/billing-bench-%s.log" % port
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.database = database

    def wait_ready(self, timeout=90):
        import urllib.request

        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/web/login", timeout=5).read()
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.5)
        raise RuntimeError("server %s did not start (see %s)" % (self.url, self.log_path))

    def warm(self, login="admin", password="admin", calls=6):
        """Every worker loads the registry on its first request: not timed."""
        threads = [
            threading.Thread(
                target=lambda: Rpc(self.url, self.database, login, password).call(
                    "res.partner", "search_count", []
                )
            )
            for _ in range(calls)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Rpc:
    """XML-RPC as one user (one connection per call: threads may share it)."""

    def __init__(self, url, database, login, password=PASSWORD):
        self.url, self.database, self.password = url, database, password
        common = xmlrpc.client.ServerProxy("%s/xmlrpc/2/common" % url)
        self.uid = common.authenticate(database, login, password, {})
        assert self.uid, "%s could not log in" % login

    def call(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy("%s/xmlrpc/2/object" % self.url, allow_none=True)
        return proxy.execute_kw(
            self.database, self.uid, self.password, model, method, list(args), kwargs
        )


def start_run(rpc):
    """An accountant's run of DATE, over XML-RPC: returns its id."""
    run_id = rpc.call("infogerance.billing.run", "create", {"date": DATE})
    rpc.call("infogerance.billing.run", "action_start", [run_id])
    return run_id


def run_finished(database):
    """Whether every chunk's job of the run is done or failed (there is at least one)."""
    rows = sql(
        database,
        "SELECT count(*), count(*) FILTER (WHERE state NOT IN ('done', 'failed'))"
        " FROM queue_job WHERE method_name = %s",
        (BILLING_JOB_METHOD,),
    )
    total, left = rows[0]
    return total > 0 and left == 0


def wait_run(database, timeout=1800, poll=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if run_finished(database):
            return True
        time.sleep(poll)
    return False


def order_one_computer(rpc, partner_id, computer_id, service_id=None):
    """A salesman's quotation of one more computer for a customer (created, not timed)."""
    lines = [(0, 0, {"product_id": computer_id, "product_uom_qty": 1})]
    return rpc.call("sale.order", "create", {"partner_id": partner_id, "order_line": lines})


def query_count(cr):
    """Queries so far: of the closed cursors (``sql_counter``) and of ``cr``."""
    return sql_db.sql_counter + cr.sql_log_count


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def figures(seconds):
    return {
        "n": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
        "max_ms": round(max(seconds) * 1000, 1) if seconds else None,
    }


# The bench -------------------------------------------------------------------------------


class BillingBench:
    def __init__(self, config, template, base_db, size_name):
        self.config = config
        self.template = template
        self.size_name = size_name
        self.size = SIZES.get(size_name, SIZES["quick"])
        self.db = {
            role: "%s_billing_%s" % (base_db, role)
            for role in ("data", "oca", "run", "w1", "w2", "confirm", "confirm2")
        }
        self.results = {}

    def registry_env(self, role):
        return odoo.registry(self.db[role])

    def setup(self):
        copy_db(self.template, self.db["data"])
        t0 = time.perf_counter()
        with api.Environment.manage(), odoo.registry(self.db["data"]).cursor() as cr:
            env = _env(cr)
            data = generate(env, fleet(self.size), self.size["chunk"])
        data["generation_seconds"] = round(time.perf_counter() - t0, 1)
        data["chunk_size"] = self.size["chunk"]
        log("generated %s in %.0f s; copying the database", data, data["generation_seconds"])
        odoo.sql_db.close_db(self.db["data"])
        for role in ("oca", "run", "w1", "w2", "confirm", "confirm2"):
            copy_db(self.db["data"], self.db[role])
        self.results["data"] = data

    # a. the run against OCA's cron, per contract --------------------------------------

    def oca_side(self):
        with api.Environment.manage(), odoo.registry(self.db["oca"]).cursor() as cr:
            env = _env(cr)
            # the plain OCA way: one invoice per contract (the customers' opt-out)
            cr.execute(
                "UPDATE res_partner SET infogerance_separate_invoices = true WHERE name LIKE %s",
                (PREFIX + "%",),
            )
            cr.commit()
            due = due_contract_ids(cr)
            queries = query_count(cr)
            seconds, invoices = timed(env["account.analytic.account"].cron_recurring_create_invoice)
            cr.commit()
            queries = query_count(cr) - queries
            check = invoiced_once(cr, due)
        return {
            "contracts": len(due),
            "invoices": len(invoices),
            "seconds": round(seconds, 2),
            "ms_per_contract": round(seconds / len(due) * 1000, 1),
            "queries_per_contract": round(queries / len(due), 1),
            "check": check,
        }

    def run_side(self):
        from odoo.addons.queue_job.job import Job

        with api.Environment.manage(), odoo.registry(self.db["run"]).cursor() as cr:
            env = _env(cr)
            due = due_contract_ids(cr)
            queries = query_count(cr)
            start = time.perf_counter()
            run = env["infogerance.billing.run"].create({"date": DATE})
            cr.commit()
            run.action_start()
            cr.commit()
            jobs = env["queue.job"].search(
                [("method_name", "=", BILLING_JOB_METHOD), ("state", "=", "pending")], order="id"
            )
            for uuid in jobs.mapped("uuid"):
                # as queue_job's /runjob: started and committed, performed, done
                job = Job.load(env, uuid)
                job.set_started()
                job.store()
                cr.commit()
                job.perform()
                job.set_done()
                job.store()
                cr.commit()
            seconds = time.perf_counter() - start
            queries = query_count(cr) - queries
            env.clear()
            run = run.browse(run.id)
            check = invoiced_once(cr, due)
            summary = run_summary(cr)
            cr.execute(
                "SELECT sum(create_seconds) FROM infogerance_billing_run_item WHERE run_id = %s",
                (run.id,),
            )
            create_seconds = cr.fetchone()[0]
            customers = run.customer_count
            # what the run no longer does: the mail queue renders each e-mail's
            # PDF when it sends it (measured here without sending: no SMTP)
            mails = env["mail.mail"].search(
                [("infogerance_report_id", "!=", False), ("state", "=", "outgoing")]
            )
            pdf_start = time.perf_counter()
            for mail in mails:
                mail._infogerance_attach_report()
                cr.commit()
            pdf_seconds = time.perf_counter() - pdf_start
        return {
            "mail_queue_pdfs": len(mails),
            "mail_queue_pdf_seconds": round(pdf_seconds, 2),
            "contracts": len(due),
            "customers": customers,
            "chunks": len(jobs),
            "invoices": summary["invoices"],
            "seconds": round(seconds, 2),
            "create_seconds": round(create_seconds, 2),
            "stages_and_overhead_seconds": round(seconds - create_seconds, 2),
            "ms_per_contract": round(seconds / len(due) * 1000, 1),
            "queries_per_contract": round(queries / len(due), 1),
            "summary": summary,
            "check": check,
        }

    def per_contract(self):
        log("a. plain OCA cron (one invoice per contract), %s", load_average())
        oca = self.oca_side()
        log("   %s", oca)
        log("a. the month's run (action_start, chunks through the job path), %s", load_average())
        run = self.run_side()
        log("   %s", run)
        self.results["per_contract"] = {
            "level": "in process: infogerance.billing.run.action_start() and each chunk's "
            "queue job performed as /queue_job/runjob does (create, validate, send, and any "
            "later stage), against account.analytic.account.cron_recurring_create_invoice() "
            "with one invoice per contract; two copies of one database",
            "oca_create_only": oca,
            "run": run,
            "time_ratio": round(run["ms_per_contract"] / oca["ms_per_contract"], 3),
            "target_time_ratio": 0.4,
        }

    # b. two job workers against one ----------------------------------------------------

    def debit_order(self, sizes=(150, 1000, 5000), repeats=3):
        """Adding one invoice's line to the month's draft debit order, as the
        run's debit stage does for each customer, against the order's size: OCA's
        total (every line's amount computed again) against the addon's (summed
        in SQL). The order the run filled is padded with copies of its lines, in
        a transaction rolled back; the totals of both must be equal."""
        from odoo.addons.account_payment_order.models.account_payment_order import (
            AccountPaymentOrder as OcaOrder,
        )

        Order = self.registry_env("run")["account.payment.order"]
        ours = Order._compute_total
        with api.Environment.manage(), self.registry_env("run").cursor() as cr:
            env = _env(cr)
            order = env["account.payment.order"].search([("state", "=", "draft")], limit=1)
            if not order.payment_line_ids:
                raise RuntimeError("debit_order: run the per_contract part first")
            line = order.payment_line_ids.sorted("id")[-1]
            move_line_id = line.move_line_id.id
            results = {}
            for size in sizes:
                count = len(env["account.payment.order"].browse(order.id).payment_line_ids)
                if count < size:
                    cr.execute(
                        """INSERT INTO account_payment_line
                             (name, order_id, company_id, company_currency_id, payment_type,
                              state, currency_id, amount_currency, partner_id, date,
                              communication, communication_type, create_uid, write_uid,
                              create_date, write_date)
                           SELECT 'bench-' || %s || '-' || g, l.order_id, l.company_id,
                                  l.company_currency_id, l.payment_type, l.state,
                                  l.currency_id, l.amount_currency, l.partner_id, l.date,
                                  l.communication, l.communication_type, 1, 1, now(), now()
                             FROM account_payment_line l, generate_series(1, %s) g
                            WHERE l.id = %s""",
                        (size, size - count, line.id),
                    )
                env.clear()
                sides = {}
                for side, compute in (("addon", ours), ("oca", OcaOrder._compute_total)):
                    seconds = []
                    for _repeat in range(repeats):
                        cr.execute("SAVEPOINT bench_debit_order")
                        env["account.payment.line"].browse(line.id).unlink()
                        env.clear()
                        Order._compute_total = compute
                        try:
                            start = time.perf_counter()
                            env["account.move.line"].browse(
                                move_line_id
                            ).create_payment_line_from_move_line(order)
                            seconds.append(time.perf_counter() - start)
                            total = env["account.payment.order"].browse(order.id)
                            total = total.total_company_currency
                        finally:
                            Order._compute_total = ours
                        cr.execute("ROLLBACK TO SAVEPOINT bench_debit_order")
                        env.clear()
                    sides[side] = {
                        "ms": round(statistics.median(seconds) * 1000, 1),
                        "total": total,
                    }
                # the order may already be larger than the size asked (full fleet)
                results[str(max(size, count))] = {
                    "addon_ms": sides["addon"]["ms"],
                    "oca_ms": sides["oca"]["ms"],
                    "same_total": abs(sides["addon"]["total"] - sides["oca"]["total"]) < 0.005,
                }
                log(
                    "   debit order of %s lines: %s",
                    max(size, count),
                    results[str(max(size, count))],
                )
            cr.rollback()
        self.results["debit_order"] = {
            "level": "in process: account.move.line.create_payment_line_from_move_line() of "
            "one invoice into the run's draft debit order padded to each size (median of "
            "%s), the addon's total against OCA's, in one transaction rolled back" % repeats,
            "by_size": results,
        }

    def workers(self):
        walls, items, timelines = {}, {}, {}
        for capacity, role in ((1, "w1"), (2, "w2")):
            with api.Environment.manage(), odoo.registry(self.db[role]).cursor() as cr:
                due = due_contract_ids(cr)
            odoo.sql_db.close_db(self.db[role])
            server = Server(
                self.config,
                self.db[role],
                PORTS[0],
                workers=2,
                channels="root:2,root.infogerance.billing:%s" % capacity,
            )
            try:
                server.wait_ready()
                server.warm()
                time.sleep(2)  # the job runner is ready
                log("b. run with billing capacity %s, %s", capacity, load_average())
                rpc = Rpc(server.url, self.db[role], "admin", "admin")
                start = time.perf_counter()
                start_run(rpc)
                finished = wait_run(self.db[role])
                walls[capacity] = time.perf_counter() - start
            finally:
                server.stop()
            with api.Environment.manage(), odoo.registry(self.db[role]).cursor() as cr:
                check = invoiced_once(cr, due)
                summary = run_summary(cr)
                timelines[capacity] = job_timeline(cr)
            log("   %.1f s, finished %s, %s, %s", walls[capacity], finished, check, summary)
            log("   jobs: %s", timelines[capacity])
            assert finished and check["once"] == check["contracts"], (check, summary)
            items[capacity] = summary["items"]
            odoo.sql_db.close_db(self.db[role])
        self.results["workers"] = {
            "level": "real server --workers=2, queue_job runner, channels root:2 and "
            "root.infogerance.billing:1 then :2; action_start over XML-RPC until every "
            "chunk's job is done (chunk size %s)" % self.size["chunk"],
            "capacity_1_seconds": round(walls[1], 1),
            "capacity_2_seconds": round(walls[2], 1),
            "time_ratio": round(walls[2] / walls[1], 3),
            "target_time_ratio": 0.7,
            # "done/stages": invoiced, stages (validate, send) left for the next run
            "items_by_capacity": items,
            "jobs_by_capacity": timelines,
        }

    # c. a salesman's confirmation during a run --------------------------------------------

    def confirmation(self, repeats=7):
        """(c) with the billing channel's capacity 1 (a core left to the users, as
        an operator sets it for a run in working hours on 2 cores), then 2 (both
        cores to the run, as at night)."""
        self._confirmation("confirm", 1, "confirmation_during_run", repeats)
        self._confirmation("confirm2", 2, "confirmation_during_run_capacity_2", repeats)

    def _confirmation(self, role, capacity, key, repeats):
        database = self.db[role]
        with api.Environment.manage(), odoo.registry(database).cursor() as cr:
            env = _env(cr)
            partners = env["res.partner"].search(
                [("name", "=like", PREFIX + "customer %")], order="id"
            )
            computer = env["product.product"].search([("name", "=", PREFIX + "laptop")])
            partner_ids, computer_id = partners.ids, computer.id
        odoo.sql_db.close_db(database)
        server = Server(
            self.config,
            database,
            PORTS[0],
            workers=3,
            channels="root:2,root.infogerance.billing:%s" % capacity,
        )
        # the same customers outside and during the run, in the same order
        picks = [partner_ids[(7 * n + 3) % len(partner_ids)] for n in range(4 * repeats)]
        times = {"outside": [], "during": []}
        try:
            server.wait_ready()
            server.warm()
            salesman = Rpc(server.url, database, SALESMAN)
            accountant = Rpc(server.url, database, "admin", "admin")

            def confirm(partner_id):
                order_id = order_one_computer(salesman, partner_id, computer_id)
                seconds, _result = timed(salesman.call, "sale.order", "action_confirm", [order_id])
                return seconds

            log(
                "c. capacity %s: %s confirmations outside any run, %s",
                capacity,
                repeats,
                load_average(),
            )
            confirm(picks[-1])  # warm
            times["outside"] = [confirm(partner_id) for partner_id in picks[:repeats]]
            log("c. capacity %s: confirmations during the run, %s", capacity, load_average())
            start_run(accountant)
            number = 0
            while not run_finished(database) and number < len(picks):
                times["during"].append(confirm(picks[number]))
                number += 1
                time.sleep(0.5)
            during_run = not run_finished(database)
            wait_run(database)
        finally:
            server.stop()
        outside, during = figures(times["outside"]), figures(times["during"])
        log("   outside %s, during %s", outside, during)
        self.results[key] = {
            "level": "real server --workers=3, billing capacity %s; a salesman's "
            "sale.order.action_confirm over XML-RPC of a one-computer order for a customer "
            "of the run (creating the quotation not timed), 0.5 s apart while the run goes "
            "on; the same customers outside and during" % capacity,
            "capacity": capacity,
            "outside_run": outside,
            "during_run": during,
            "last_during_still_in_run": during_run,
            "median_ratio": round(during["median_ms"] / outside["median_ms"], 2),
            "max_ratio": round(during["max_ms"] / outside["max_ms"], 2),
            "target_time_ratio": 1.5,
        }

    def run(self, parts=None):
        # BILLING_PARTS="workers confirmation" measures some parts only
        parts = (
            os.environ.get("BILLING_PARTS") or "per_contract debit_order workers confirmation"
        ).split()
        self.results["load_before"] = load_average()
        self.setup()
        for part in parts:
            getattr(self, part)()
        self.results["load_after"] = load_average()
        self.results["date"] = datetime.datetime.now().isoformat(timespec="seconds")
        if os.environ.get("BILLING_PARTS"):  # the other parts' figures are kept
            name = (
                "results.json" if self.size_name == "quick" else "results-%s.json" % self.size_name
            )
            path = os.path.join(ROOT, "bench", name)
            if os.path.exists(path):
                with open(path) as handle:
                    earlier = json.load(handle).get("billing", {})
                earlier.update(self.results)
                self.results = earlier
        return self.results


def table(results):
    r = results
    rows = []
    if "per_contract" in r:
        p = r["per_contract"]
        rows += [
            (
                "billing: plain OCA cron, per contract",
                "%(ms_per_contract)s ms, %(queries_per_contract)s queries "
                "(%(contracts)s contracts, %(invoices)s invoices, %(seconds)s s)"
                % p["oca_create_only"],
            ),
            (
                "billing: the month's run, per contract",
                "%(ms_per_contract)s ms, %(queries_per_contract)s queries (%(seconds)s s: "
                "create %(create_seconds)s s, stages and the rest "
                "%(stages_and_overhead_seconds)s s)" % p["run"],
            ),
            ("billing: run / OCA", "x%(time_ratio)s (target <= x0.4)" % p),
            (
                "billing: the mail queue's PDFs",
                "%s PDFs, %s s (rendered when the e-mails are sent, after the run)"
                % (p["run"].get("mail_queue_pdfs"), p["run"].get("mail_queue_pdf_seconds")),
            ),
        ]
    for size, d in sorted(
        r.get("debit_order", {}).get("by_size", {}).items(), key=lambda x: int(x[0])
    ):
        rows.append(
            (
                "billing: one line into a debit order of %s lines" % size,
                "%s ms (OCA's total: %s ms)%s"
                % (d["addon_ms"], d["oca_ms"], "" if d["same_total"] else " TOTALS DIFFER"),
            )
        )
    if "workers" in r:
        rows.append(
            (
                "billing: 2 job workers / 1",
                "%(capacity_2_seconds)s s / %(capacity_1_seconds)s s = x%(time_ratio)s "
                "(target <= x0.7)" % r["workers"],
            )
        )
    for key in ("confirmation_during_run", "confirmation_during_run_capacity_2"):
        if key not in r:
            continue
        c = r[key]
        rows.append(
            (
                "billing: confirmation during / outside (capacity %s)" % c.get("capacity", 2),
                "median %s / %s ms = x%s, max %s / %s ms = x%s (target <= x1.5)"
                % (
                    c["during_run"]["median_ms"],
                    c["outside_run"]["median_ms"],
                    c["median_ratio"],
                    c["during_run"]["max_ms"],
                    c["outside_run"]["max_ms"],
                    c["max_ratio"],
                ),
            )
        )
    return rows
