"""The transactions of a billing run: each customer's work is committed on its own,
so that a crash loses nothing committed and no contract row stays locked longer
than its own customer's work."""
import logging
import time
from contextlib import contextmanager

from psycopg2 import OperationalError

from odoo import api
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

_logger = logging.getLogger(__name__)

#: A unit of work that lost a race (a salesman confirming an order for that
#: customer at the same moment, another worker on the same debit order) is tried
#: again this many times.
CONCURRENCY_TRIES = 5

#: Context marker (not a value an RPC client can send): run the billing in the
#: caller's transaction, each unit in a savepoint instead of a committed
#: transaction of its own. For tests whose data is not committed.
IN_CALLER_TRANSACTION = object()


def in_caller_transaction(env):
    return env.context.get("infogerance_billing_transaction") is IN_CALLER_TRANSACTION


@contextmanager
def own_transaction(env):
    """An environment on a new cursor, committed when the block ends without
    error, rolled back otherwise (a savepoint under ``IN_CALLER_TRANSACTION``)."""
    if in_caller_transaction(env):
        with env.cr.savepoint():
            yield env
        return
    with api.Environment.manage():
        with env.registry.cursor() as cr:
            yield env(cr=cr)


def retried_transaction(env, work, gave_up, label, tries=CONCURRENCY_TRIES):
    """``work(env)`` in a committed transaction of its own (``own_transaction``),
    tried again when it loses a race (a PostgreSQL concurrency error); after the
    last try, ``gave_up(env, error)`` records it, in a transaction of its own.
    Returns what ``work`` returned, None when it gave up. Other errors go up."""
    for attempt in range(1, tries + 1):
        try:
            with own_transaction(env) as own:
                return work(own)
        except OperationalError as err:
            if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            if attempt == tries:
                with own_transaction(env) as own:
                    gave_up(own, err)
                return None
            _logger.info("%s: concurrent update, tried again", label)
            time.sleep(0.1 * attempt)
    return None


#: First key of the advisory lock that gives a worker its turn at numbering
#: invoices (the second key is the company): 0x1F05 for "infogerance billing".
NUMBERING_LOCK_CLASS = 0x1F05


@contextmanager
def invoice_numbering_turn(env, company_id):
    """Wait for this worker's turn at numbering the company's invoices, before
    the transaction that numbers them begins. Odoo hands out gapless invoice
    numbers by locking the sequence's row ``NOWAIT`` until the numbering
    transaction commits: two workers validating at once make one fail, and with
    repeatable read a lock waited for inside the transaction is no better (its
    snapshot predates the other's commit). The turn is a session-level advisory
    lock held on a connection of its own, released when the block ends or the
    process dies."""
    if in_caller_transaction(env):
        yield
        return
    with env.registry.cursor() as cr:
        cr.execute("SELECT pg_advisory_lock(%s, %s)", (NUMBERING_LOCK_CLASS, company_id))
        try:
            yield
        finally:
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", (NUMBERING_LOCK_CLASS, company_id))
