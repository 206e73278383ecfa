"""The transactions of a billing run: each customer's work is committed on its own,
so that a crash loses nothing committed and no contract row stays locked longer
than its own customer's work."""
from contextlib import contextmanager

from odoo import api

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
