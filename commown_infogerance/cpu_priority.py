"""The billing run's work yields the CPU to the people working meanwhile.

A run's chunks (and a preview's) run in the same Odoo workers as the users'
requests, on the same cores. While they work, their thread runs at a lower CPU
priority (a higher *nice* value, ``NICE_PARAM``, 10 by default): when a
salesman's request needs a core, the kernel gives it that core first, and the
run uses what is left. On Linux the nice value belongs to the thread, so the
other threads of a threaded server keep theirs.

Getting the priority back needs the right to raise it (``CAP_SYS_NICE``, root,
or a ``RLIMIT_NICE`` of 20, systemd's ``LimitNICE=20``). Without it, a prefork
worker asks to be recycled after its request (Odoo's master starts a fresh one),
and a thread of a threaded server keeps the lower priority until it ends (the
HTTP threads end with their request; a cron thread runs scheduled work only).

The job's PostgreSQL backend is another process, of another system user: its
priority is PostgreSQL's to set, not ours."""
import logging
import os
import signal
import threading
from contextlib import contextmanager

import odoo

_logger = logging.getLogger(__name__)

#: System parameter: how much nicer than the users' requests (0 to 19) the billing
#: run's and the preview's work is; 0 leaves the priority alone.
NICE_PARAM = "commown_infogerance.billing_nice"
DEFAULT_NICE = 10
MAX_NICE = 19


def nice_increment(value):
    """The increment a system parameter's text asks for, within 0..19; the
    default when it is not a whole number."""
    try:
        increment = int(value)
    except (TypeError, ValueError):
        if value not in (None, False, ""):
            _logger.warning("%s=%r is not a whole number: %s used", NICE_PARAM, value, DEFAULT_NICE)
        return DEFAULT_NICE
    return max(0, min(increment, MAX_NICE))


@contextmanager
def lower_priority(increment):
    """Run the block with this thread's nice value raised by ``increment``,
    then give it back (see the module's doc when that is not allowed)."""
    if increment <= 0 or not hasattr(os, "setpriority"):
        yield
        return
    before = os.getpriority(os.PRIO_PROCESS, 0)  # Linux: this thread's
    os.setpriority(os.PRIO_PROCESS, 0, min(before + increment, MAX_NICE))
    try:
        yield
    finally:
        _restore(before)


def _restore(before):
    try:
        os.setpriority(os.PRIO_PROCESS, 0, before)
    except PermissionError:
        if odoo.multi_process and threading.current_thread() is threading.main_thread():
            # a prefork worker: it ends after this request, the master starts
            # another at the normal priority (Odoo's workers stop on SIGINT)
            _logger.info("billing: worker %s recycled to get its CPU priority back", os.getpid())
            os.kill(os.getpid(), signal.SIGINT)
        else:
            _logger.info(
                "billing: this thread keeps its lower CPU priority until it ends "
                "(raising it back needs CAP_SYS_NICE or RLIMIT_NICE)"
            )


def billing_priority(env):
    """The billing work's priority, as the system parameter sets it."""
    value = env["ir.config_parameter"].sudo().get_param(NICE_PARAM)
    return lower_priority(nice_increment(value))
