"""Fixtures of the billing run's live tests: each test has its own copy of a
database where customers are due (committed, as in production), and starts real
Odoo servers on it (workers, cron thread, queue_job's job runner) that it may kill
with SIGKILL. Run by scripts/billing-live-test.sh, which builds the template."""
import configparser
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xmlrpc.client

import psycopg2
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
ODOO_CFG = os.environ.get("ODOO_CFG", os.path.join(ROOT, ".local", "odoo.cfg"))
TEMPLATE = os.environ.get("LIVE_TEMPLATE", "commown_infogerance_live_tmpl")
ARTIFACTS = os.path.join(ROOT, "artifacts", "live")
FLEET = os.path.join(ROOT, "live_tests", "fleet.py")
DATE = "2026-01-01"


def _pg_options():
    config = configparser.ConfigParser()
    config.read(ODOO_CFG)
    options = config["options"]
    return {"host": options["db_host"], "port": options["db_port"], "user": options["db_user"]}


def sql(database, query, params=()):
    """Rows of ``query`` on ``database`` (autocommit: a statement of its own)."""
    connection = psycopg2.connect(dbname=database, **_pg_options())
    connection.autocommit = True
    try:
        with connection.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None
    finally:
        connection.close()


def fleet(database, step, *args):
    """A step of fleet.py on ``database``; its JSON line."""
    done = subprocess.run(
        [PYTHON, FLEET, step, "-c", ODOO_CFG, "-d", database] + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=1800,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, "fleet.py %s printed nothing:\n%s" % (step, done.stderr[-3000:])
    result = json.loads(lines[-1])
    result["returncode"] = done.returncode
    return result


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """An Odoo server on the test's database, in a process group of its own
    (killed whole: HTTP workers, cron worker, job runner)."""

    def __init__(
        self,
        database,
        name="odoo",
        workers=2,
        channels="root:2,root.infogerance.billing:2",
        cron_threads=1,
    ):
        self.database, self.name = database, name
        self.workers, self.channels, self.cron_threads = workers, channels, cron_threads
        self.port = _free_port()
        self.longpolling_port = _free_port()
        self.url = "http://127.0.0.1:%s" % self.port
        self.process = None
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.log = os.path.join(ARTIFACTS, "%s-%s.log" % (database, name))

    def start(self):
        env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=self.channels)
        env.update(ODOO_QUEUE_JOB_PORT=str(self.port))
        # lessc builds the reports' style sheets (as scripts/run.sh sets it)
        env["PATH"] = "%s:%s" % (
            os.path.join(ROOT, ".local", "node", "node_modules", ".bin"),
            env["PATH"],
        )
        command = [
            PYTHON,
            os.path.join(ROOT, "scripts", "odoo-bin"),
            "-c",
            ODOO_CFG,
            "-d",
            self.database,
            "--db-filter=^%s$" % self.database,
            "--http-interface=127.0.0.1",
            "--http-port=%s" % self.port,
            "--longpolling-port=%s" % self.longpolling_port,
            "--workers=%s" % self.workers,
            "--max-cron-threads=%s" % self.cron_threads,
            "--load=base,web,queue_job",
            "--limit-time-real=900",
            "--limit-time-cpu=900",
            "--log-level=warn",
            "--logfile=%s" % self.log,
        ]
        self.process = subprocess.Popen(command, env=env, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            assert self.process.poll() is None, "the server stopped, see %s" % self.log
            try:
                urllib.request.urlopen(self.url + "/web/login", timeout=5)
                return self
            except OSError:
                time.sleep(0.5)
        raise AssertionError("the server did not answer in 120 s, see %s" % self.log)

    def process_pids(self, marker):
        """The pids of the server's processes whose command line has ``marker``
        (" gevent " for the longpolling process)."""
        pids = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.getpgid(int(pid)) != self.process.pid:
                    continue
                with open("/proc/%s/cmdline" % pid, "rb") as cmdline:
                    command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # gone meanwhile
            if marker in command:
                pids.append(int(pid))
        return sorted(pids)

    def kill(self):
        """SIGKILL to the whole process group, as the OOM killer or a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        self.process = None

    def stop(self):
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)
            self.process = None

    def rpc(self, login="admin", password="admin"):
        return Rpc(self.url, self.database, login, password)


class Rpc:
    def __init__(self, url, database, login, password):
        self.database, self.password = database, password
        common = xmlrpc.client.ServerProxy("%s/xmlrpc/2/common" % url)
        self.uid = common.authenticate(database, login, password, {})
        assert self.uid, "cannot log in as %s" % login
        self.url = url

    def __call__(self, model, method, *args, **kwargs):
        # a proxy per call: xmlrpc.client's proxies are not thread-safe
        proxy = xmlrpc.client.ServerProxy("%s/xmlrpc/2/object" % self.url, allow_none=True)
        return proxy.execute_kw(
            self.database, self.uid, self.password, model, method, list(args), kwargs
        )


def postgres_log():
    """The project cluster's log file (scripts/lib.sh: next to its socket)."""
    return os.path.join(_pg_options()["host"], "postgresql.log")


def lock_waits_since(offset):
    """Milliseconds each lock wait took, from the cluster's log after ``offset``
    (``log_lock_waits``: PostgreSQL logs a wait longer than ``deadlock_timeout``,
    and how long it took once the lock is acquired): ``(rows, workers)``, the
    waits for rows and tables, that users feel, and those for the advisory locks
    by which the billing workers take turns (numbering, report bundles)."""
    with open(postgres_log(), errors="replace") as log:
        log.seek(offset)
        text = log.read()
    rows, workers = [], []
    for lock, ms in re.findall(r"acquired \w+ on (.*?) after ([0-9.]+) ms", text):
        (workers if lock.startswith("advisory lock") else rows).append(float(ms))
    return rows, workers


def copy_database(source, target):
    sql("postgres", 'DROP DATABASE IF EXISTS "%s"' % target)
    sql("postgres", 'CREATE DATABASE "%s" TEMPLATE "%s"' % (target, source))


@pytest.fixture
def database(request):
    """A copy of the live template (customers due on DATE) for this test."""
    name = "live_%s" % request.node.name.replace("test_billing_run_", "")[:40]
    copy_database(TEMPLATE, name)
    servers = []
    yield name, servers
    for server in servers:
        server.stop()


@pytest.fixture
def server_factory(database):
    name, servers = database

    def make(**kwargs):
        server = Server(name, name="odoo%s" % (len(servers) + 1), **kwargs)
        servers.append(server)
        return server

    return make


def wait_for(predicate, timeout, step=0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def items_by_state(database, date=DATE):
    rows = sql(
        database,
        """SELECT i.state, count(*) FROM infogerance_billing_run_item i
             JOIN infogerance_billing_run r ON r.id = i.run_id
            WHERE r.date = %s GROUP BY 1""",
        (date,),
    )
    return dict(rows)


def items_unfinished(database, date=DATE):
    """The run's items not finished: to do, failed, or invoiced with a later
    stage (validate, send, direct debit) not done."""
    return sql(
        database,
        """SELECT count(*) FROM infogerance_billing_run_item i
             JOIN infogerance_billing_run r ON r.id = i.run_id
            WHERE r.date = %s
              AND NOT (i.state = 'done' AND coalesce(i.stages_done, false)
                       AND coalesce(i.debit_done, false))""",
        (date,),
    )[0][0]


def print_figures(**figures):
    """Figures of a live test, in its output (pytest -s) and in artifacts/live."""
    line = json.dumps(figures, sort_keys=True)
    print(line, file=sys.stderr)
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, "figures.jsonl"), "a") as figures_file:
        figures_file.write(line + "\n")
