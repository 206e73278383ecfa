"""The billing run's work yields the CPU to the users (cpu_priority.py), for real:
the nice values are the kernel's, read back from it."""
import os
import resource
import signal
import threading
import unittest

import odoo

from odoo.addons.commown_infogerance.cpu_priority import (
    DEFAULT_NICE,
    MAX_NICE,
    lower_priority,
    nice_increment,
)

NOBODY = 65534


def run_in_thread(function):
    results = []
    thread = threading.Thread(target=lambda: results.append(function()))
    thread.start()
    thread.join()
    return results[0]


@unittest.skipUnless(hasattr(os, "setpriority"), "no setpriority on this system")
class TestBillingCpuPriority(unittest.TestCase):
    def test_billing_run_work_yields_the_cpu_then_gets_it_back(self):
        lowered, read = threading.Event(), threading.Event()
        other = {}

        def users_request():  # a thread of the same server, already there
            lowered.wait(10)
            other["during"] = os.getpriority(os.PRIO_PROCESS, 0)
            read.set()

        def work():
            before = os.getpriority(os.PRIO_PROCESS, 0)
            with lower_priority(5):
                during = os.getpriority(os.PRIO_PROCESS, 0)
                lowered.set()
                read.wait(10)
            after = os.getpriority(os.PRIO_PROCESS, 0)
            return before, during, after

        request = threading.Thread(target=users_request)
        request.start()
        before, during, after = run_in_thread(work)
        request.join()
        self.assertEqual(during, min(before + 5, MAX_NICE))
        # the thread's own: the server's other threads (users' requests) keep theirs
        self.assertEqual(other["during"], before)
        if os.geteuid() == 0:  # getting it back needs the right to
            self.assertEqual(after, before)

    def test_billing_run_priority_zero_leaves_it_alone(self):
        def work():
            with lower_priority(0):
                return os.getpriority(os.PRIO_PROCESS, 0)

        before = os.getpriority(os.PRIO_PROCESS, 0)
        self.assertEqual(run_in_thread(work), before)

    def test_billing_run_priority_parameter(self):
        self.assertEqual(nice_increment("7"), 7)
        self.assertEqual(nice_increment("0"), 0)
        self.assertEqual(nice_increment("40"), MAX_NICE)
        self.assertEqual(nice_increment("-3"), 0)
        self.assertEqual(nice_increment(None), DEFAULT_NICE)
        self.assertEqual(nice_increment("ten"), DEFAULT_NICE)

    def test_billing_run_worker_recycled_without_the_right_to_get_it_back(self):
        """A prefork worker of an unprivileged server cannot lower its nice value
        again: it asks Odoo's master to replace it (SIGINT, which Odoo's workers
        take as "stop after this request"), in a child process as nobody."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: a prefork worker, unprivileged
            code = 1
            try:
                os.close(read)
                signals = []
                signal.signal(signal.SIGINT, lambda sig, frame: signals.append(sig))
                resource.setrlimit(resource.RLIMIT_NICE, (0, 0))
                if os.geteuid() == 0:
                    os.setgid(NOBODY)
                    os.setuid(NOBODY)
                odoo.multi_process = True
                before = os.getpriority(os.PRIO_PROCESS, 0)
                with lower_priority(3):
                    pass
                after = os.getpriority(os.PRIO_PROCESS, 0)
                os.write(write, ("%s %s %s" % (before, after, signals)).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        _pid, status = os.waitpid(pid, 0)
        output = os.read(read, 200).decode()
        os.close(read)
        self.assertEqual(os.WEXITSTATUS(status), 0, output)
        before, after, signals = output.split(" ", 2)
        self.assertEqual(int(after), min(int(before) + 3, MAX_NICE))
        self.assertEqual(signals, "[%s]" % int(signal.SIGINT))
