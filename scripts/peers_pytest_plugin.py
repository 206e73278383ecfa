"""pytest plugin of `make test-peers`: records each test's outcome under the id
Odoo's runner gives it (``odoo.addons.<module>.tests.<file>.<Class>.<method>``;
a doctest: ``<module path>::<name>``) into the JSON file ``--peers-results``,
for scripts/peers_check.py to compare with peers/known_failures.txt."""
import json

import pytest


def pytest_addoption(parser):
    parser.addoption("--peers-results", action="store", help="JSON file of the outcomes")


@pytest.hookimpl(tryfirst=True)
def pytest_ignore_collect(collection_path):
    """pytest-odoo 1.0.1 reads the manifest it looks for up to 5 folders above a
    collected path and fails (FileNotFoundError) when there is none, as for the
    folders of site-packages leading to an addon's tests: those are collected."""
    path = collection_path
    for _level in range(6):
        if (path.parent / "__manifest__.py").is_file():
            return None  # in an addon: pytest-odoo decides
        path = path.parent
    return False


def _test_id(item):
    cls = getattr(item, "cls", None)
    module = getattr(item, "module", None)
    if cls is not None and module is not None:
        return "%s.%s.%s" % (module.__name__, cls.__name__, item.name)
    return item.name  # a doctest: its dotted name


_outcomes = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    test_id = _test_id(item)
    outcome = None
    if report.skipped:
        outcome = "skipped"
    elif report.failed:
        outcome = "failed" if report.when == "call" else "error"
    elif report.when == "call":
        outcome = "passed"
    if outcome is None:
        return
    previous = _outcomes.get(test_id)
    # the worst outcome of set-up, call and tear-down
    order = ["passed", "skipped", "failed", "error"]
    if previous and order.index(previous["outcome"]) >= order.index(outcome):
        return
    message = ""
    if outcome != "passed":
        longrepr = report.longrepr
        if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
            message = longrepr[2]
        else:
            message = str(
                getattr(longrepr, "reprcrash", None) and longrepr.reprcrash.message or longrepr
            )
    _outcomes[test_id] = {"outcome": outcome, "message": message[:500], "duration": report.duration}


def pytest_sessionfinish(session):
    path = session.config.getoption("--peers-results")
    if path:
        with open(path, "w") as results:
            json.dump(_outcomes, results, indent=1, sort_keys=True)
