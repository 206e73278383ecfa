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
