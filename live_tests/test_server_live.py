"""The production server itself: prefork workers, as a deployment starts it
(`make run` is a single process, which has no longpolling process)."""
import socket
import time

from conftest import wait_for


def _accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def test_prefork_server_longpolling_process_stays_up(database, server_factory):
    """With workers, Odoo runs the longpolling (bus) service in a gevent process
    of its own and starts it again whenever it dies. A gevent built against
    another greenlet makes it crash at start-up (segmentation fault), then again
    every second: the chat and notifications never answer, and each restart
    takes CPU from the workers (found by the billing bench: two job workers lost
    a third of their time). The same process must answer over several seconds."""
    server = server_factory().start()
    assert wait_for(lambda: _accepts(server.longpolling_port), 60, 0.5), (
        "the longpolling port never answered, see %s" % server.log
    )
    first = server.process_pids(" gevent ")
    time.sleep(8)
    assert _accepts(server.longpolling_port), "the longpolling port stopped answering"
    assert (
        server.process_pids(" gevent ") == first and len(first) == 1
    ), "the longpolling process was restarted: %s then %s" % (
        first,
        server.process_pids(" gevent "),
    )
