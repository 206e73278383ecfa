"""`make loadcheck`: the month's billing run under load, on two Odoo servers sharing
one database and one job queue (issue 22). Not part of `make test` (minutes).

Set-up (why: docs/billing.md, "Load check"): server A (PORTS[0]) runs the queue_job
runner (``--load=base,web,queue_job``), server B (PORTS[1]) does not (``--load=base,web``):
queue_job 11.0's runner keeps the channels' capacities in its own memory and marks
a job enqueued without a lock, so two runners on one database would each dispatch
the same pending job and double the capacities. The one runner dispatches through
a round-robin TCP balancer (BALANCER_PORT, as a production load balancer in front
of the servers, queue_job's ``host = load-balancer``), so that the chunks' jobs
run on the workers of both servers.

While an accountant's run goes on (started over XML-RPC), concurrent clients call
both servers: salesmen confirming one-computer orders for customers of the run
(XML-RPC ``sale.order.action_confirm``), a salesman terminating customers' managed
services (the termination wizard over XML-RPC), customers' IT managers filing
service requests on the portal (HTTP, real login and CSRF token). Reported: the
errors (must be 0), the longest call, and that every contract due when the run
started was invoiced exactly once, every customer's item done with its stages.
"""
import argparse
import os
import random
import re
import socket
import sys
import threading
import time
import traceback

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import billing  # noqa: E402
from billing import BALANCER_PORT, PASSWORD, PORTS, PREFIX, Rpc, Server  # noqa: E402

import odoo  # noqa: E402
from odoo import api  # noqa: E402


class Balancer(threading.Thread):
    """Round-robin TCP forwarding from ``port`` to the backends, one backend per
    connection (Odoo's workers close the connection after each response)."""

    daemon = True

    def __init__(self, port, backends):
        super().__init__()
        self.backends = backends
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.counts = [0] * len(backends)

    def run(self):
        turn = 0
        while True:
            client, _address = self.sock.accept()
            index = turn % len(self.backends)
            turn += 1
            self.counts[index] += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.backends[index]))
            except OSError:
                client.close()
                continue
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(source, target), daemon=True).start()

    @staticmethod
    def pump(source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Calls:
    """Every client call: its kind, duration, and error if any (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records = []  # (kind, seconds, error, during_run)
        self.run_started = None
        self.stop = threading.Event()

    def call(self, kind, function, *args):
        start = time.perf_counter()
        error = None
        try:
            result = function(*args)
        except Exception as exc:  # reported, not raised: the client goes on
            error = "%s: %s" % (type(exc).__name__, str(exc)[-300:])
            result = None
        seconds = time.perf_counter() - start
        during = self.run_started is not None and not self.stop.is_set()
        with self.lock:
            self.records.append((kind, seconds, error, during))
        return result, error


class Portal:
    """A customer's IT manager in a browser: real login, session cookie, CSRF."""

    def __init__(self, url, database, login):
        self.url = url
        self.session = requests.Session()
        page = self.session.get(url + "/web/login", params={"db": database}, timeout=60)
        response = self.session.post(
            url + "/web/login",
            data={"login": login, "password": PASSWORD, "csrf_token": self.csrf(page.text)},
            timeout=60,
            allow_redirects=False,
        )
        # Odoo 11 answers a successful login with a page redirecting by JavaScript
        assert response.status_code in (302, 303) or "window.location" in response.text, login
        page = self.session.get(url + "/my", timeout=60)
        assert page.ok and "/web/login" not in page.url, "%s: no session" % login

    @staticmethod
    def csrf(body):
        return re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)

    def file_request(self, service_id, rental_id, service_type_id):
        url = "%s/my/managed-services/%d" % (self.url, service_id)
        page = self.session.get(url, timeout=120)
        page.raise_for_status()
        response = self.session.post(
            url + "/request",
            data={
                "csrf_token": self.csrf(page.text),
                "service_type_id": service_type_id,
                "rental_contract_id": rental_id,
                "channel": "mail",
                "summary": "Load check request",
            },
            timeout=120,
        )
        response.raise_for_status()
        if "filed=1" not in response.url:
            raise AssertionError("request not filed: %s" % response.url)


def customers_of(database):
    """Per customer of the data: partner, service contract, a rental, portal login."""
    rows = billing.sql(
        database,
        """SELECT p.id, p.name,
                  (SELECT min(id) FROM account_analytic_account
                    WHERE partner_id = p.id AND infogerance_role = 'service'),
                  (SELECT min(id) FROM account_analytic_account
                    WHERE partner_id = p.id AND infogerance_role = 'rental')
             FROM res_partner p WHERE p.name LIKE %s AND p.is_company ORDER BY p.id""",
        (PREFIX + "customer %",),
    )
    return [
        {
            "partner": pid,
            "service": service,
            "rental": rental,
            "login": "portal_%s" % name.rsplit(" ", 1)[1],
        }
        for pid, name, service, rental in rows
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--chunk-size", type=int, default=5)
    parser.add_argument("--salesmen", type=int, default=2)
    parser.add_argument("--portal-clients", type=int, default=2)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    database = args.database
    billing.log("load check on %s, %s", database, billing.load_average())

    billing.copy_db(args.template, database)
    with api.Environment.manage(), odoo.registry(database).cursor() as cr:
        env = billing._env(cr)
        data = billing.generate(
            env, billing.fleet({"customers": args.customers}), args.chunk_size, portal_users=True
        )
        computer_id = env["product.product"].search([("name", "=", PREFIX + "laptop")]).id
        reason_id = env.ref("commown_infogerance.termination_reason_other_provider").id
        service_type_id = env.ref("commown_infogerance.service_type_support").id
    odoo.sql_db.close_db(database)
    billing.log("generated %s", data)
    customers = customers_of(database)
    with api.Environment.manage(), odoo.registry(database).cursor() as cr:
        due = billing.due_contract_ids(cr)
    odoo.sql_db.close_db(database)

    balancer = Balancer(BALANCER_PORT, list(PORTS))
    balancer.start()
    channels = "root:4,root.infogerance.billing:2"
    log_path = os.path.join(ROOT, ".local", "loadcheck.log")
    open(log_path, "w").close()
    servers = [
        Server(args.config, database, PORTS[0], channels=channels, runner=True,
               runner_port=BALANCER_PORT, log_path=log_path),
        Server(args.config, database, PORTS[1], channels=channels, runner=False,
               log_path=log_path),
    ]  # fmt: skip
    calls = Calls()
    threads = []
    try:
        for server in servers:
            server.wait_ready()
            server.warm()
        urls = [server.url for server in servers]
        salesman = [Rpc(url, database, billing.SALESMAN) for url in urls]
        accountant = Rpc(urls[0], database, billing.ACCOUNTANT)
        rng = random.Random(22)

        def confirmer(number):
            rpc = salesman[number % 2]
            while not calls.stop.is_set():
                customer = rng.choice(customers)
                order_id, error = calls.call(
                    "salesman: create quotation",
                    billing.order_one_computer,
                    rpc,
                    customer["partner"],
                    computer_id,
                )
                if not error:
                    calls.call(
                        "salesman: confirm order",
                        rpc.call,
                        "sale.order",
                        "action_confirm",
                        [order_id],
                    )
                time.sleep(0.3)

        to_terminate = list(customers[1::3])

        def terminator():
            number = 0
            while not calls.stop.is_set() and to_terminate:
                customer = to_terminate.pop(0)
                rpc = salesman[number % 2]
                number += 1
                wizard_id, error = calls.call(
                    "salesman: termination wizard",
                    rpc.call,
                    "infogerance.termination.wizard",
                    "create",
                    {
                        "contract_id": customer["service"],
                        "reason_id": reason_id,
                        "reason": "Load check",
                    },
                )
                if not error:
                    calls.call(
                        "salesman: confirm termination",
                        rpc.call,
                        "infogerance.termination.wizard",
                        "action_confirm",
                        [wizard_id],
                    )
                time.sleep(0.5)

        def portal_client(number):
            mine = customers[number :: args.portal_clients]
            sessions = {}
            turn = 0
            while not calls.stop.is_set():
                customer = mine[turn % len(mine)]
                url = urls[turn % 2]
                turn += 1
                key = (customer["login"], url)
                if key not in sessions:
                    session, error = calls.call(
                        "portal: log in", Portal, url, database, customer["login"]
                    )
                    if error:
                        continue
                    sessions[key] = session
                calls.call(
                    "portal: contract page + file a request",
                    sessions[key].file_request,
                    customer["service"],
                    customer["rental"],
                    service_type_id,
                )
                time.sleep(0.3)

        threads = [threading.Thread(target=confirmer, args=(n,)) for n in range(args.salesmen)]
        threads.append(threading.Thread(target=terminator))
        threads += [
            threading.Thread(target=portal_client, args=(n,)) for n in range(args.portal_clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(3)  # the clients before the run
        billing.log("clients running; the accountant starts the run, %s", billing.load_average())
        start = time.perf_counter()
        calls.run_started = start
        run_id, error = calls.call("accountant: start the run", billing.start_run, accountant)
        finished = not error and billing.wait_run(database, timeout=1800)
        run_seconds = time.perf_counter() - start
        calls.stop.set()
        for thread in threads:
            thread.join(180)
        load = billing.load_average()
    finally:
        calls.stop.set()
        for server in servers:
            server.stop()

    with api.Environment.manage(), odoo.registry(database).cursor() as cr:
        check = billing.invoiced_once(cr, due)
        summary = billing.run_summary(cr)
        cr.execute(
            """SELECT count(*) FROM account_analytic_account c JOIN res_partner p
                   ON p.id = c.partner_id
                WHERE p.name LIKE %s AND c.infogerance_termination_request_date IS NOT NULL""",
            (PREFIX + "%",),
        )
        terminated = cr.fetchone()[0]

    errors = [r for r in calls.records if r[2]]
    print()
    print(
        "Load check: 2 servers (ports %s, runner on the first, dispatching through the "
        "balancer on %s: %s connections to each), run of %s on %s"
        % (PORTS, BALANCER_PORT, balancer.counts, billing.DATE, database)
    )
    print("run: %.1f s, finished: %s; %s" % (run_seconds, finished, load))
    header = ("client call", "calls", "errors", "median s", "max s", "max s in run")
    print("%-42s %6s %6s %9s %9s %12s" % header)
    kinds = sorted({r[0] for r in calls.records})
    for kind in kinds:
        rows = [r for r in calls.records if r[0] == kind]
        seconds = sorted(r[1] for r in rows)
        in_run = [r[1] for r in rows if r[3]]
        print(
            "%-42s %6d %6d %9.2f %9.2f %12s"
            % (
                kind,
                len(rows),
                sum(1 for r in rows if r[2]),
                seconds[len(seconds) // 2],
                seconds[-1],
                "%.2f" % max(in_run) if in_run else "-",
            )
        )
    longest = max(calls.records, key=lambda r: r[1])
    print("longest client call: %.2f s (%s)" % (longest[1], longest[0]))
    print("terminations recorded: %s" % terminated)
    print("run: %s" % summary)
    print(
        "contracts due at the start: %(contracts)s, invoiced once: %(once)s, never: %(never)s,"
        " more than once: %(more_than_once)s" % check
    )
    for error in errors[:10]:
        print("ERROR %s: %s" % (error[0], error[2]))
    items_ok = set(summary["items"]) == {"done"}
    ok = (
        finished
        and not errors
        and check["once"] == check["contracts"]
        and items_ok
        and not set(summary["jobs"]) - {"done"}
    )
    print("errors: %s; LOADCHECK %s" % (len(errors), "PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(2)
