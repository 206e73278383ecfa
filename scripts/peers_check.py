#!/usr/bin/env python3
"""Compare the outcomes of the neighbours' tests (`make test-peers`) with the
known failures listed in peers/known_failures.txt.

    peers_check.py KNOWN KIND ADDON_RESULTS [CONTROL_RESULTS]

KIND is the database kind of this run (demo or nodemo). With the addon installed,
every test passes except the listed ones, which must fail (``baseline``, ``rule``)
or be skipped (``skip``) as listed: a listed test that passes makes the run fail,
so the list stays true. On the control database (the same modules without the
addons), a ``baseline`` test fails too, a ``rule`` test passes (the addon changes
that behaviour on purpose) and a ``skip`` test is skipped too.
Prints the per-module summary; exits 1 on any discrepancy."""
import collections
import json
import sys

FAILED = ("failed", "error")


def read_known(path, kind):
    known = {}
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            status, kinds, test_id, reason = (line.split(None, 3) + [""])[:4]
            if status not in ("baseline", "rule", "skip") or not reason:
                sys.exit(
                    "%s:%s: want '<baseline|rule|skip> <demo|nodemo|both> <test id> <reason>'"
                    % (path, number)
                )
            if kinds in (kind, "both"):
                known[test_id] = (status, reason)
    return known


def module_of(test_id):
    parts = test_id.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["odoo", "addons"] else test_id


def main(known_path, kind, addon_path, control_path=None):
    known = read_known(known_path, kind)
    with open(addon_path) as results:
        addon = json.load(results)
    control = None
    if control_path:
        with open(control_path) as results:
            control = json.load(results)
    problems = []
    summary = collections.OrderedDict()
    for test_id in sorted(addon):
        outcome = addon[test_id]["outcome"]
        row = summary.setdefault(module_of(test_id), collections.Counter())
        row["run"] += 1
        row[outcome] += 1
        status = known.get(test_id, (None,))[0]
        if status in ("baseline", "rule"):
            row["known"] += 1
            if outcome not in FAILED:
                problems.append(
                    "%s: listed as a known failure (%s) but %s" % (test_id, status, outcome)
                )
        elif status == "skip":
            if outcome != "skipped":
                problems.append("%s: listed as skipped but %s" % (test_id, outcome))
        elif outcome != "passed":
            problems.append(
                "%s: %s with the addon: %s"
                % (test_id, outcome, addon[test_id]["message"].splitlines()[:1])
            )
    for test_id in sorted(set(known) - set(addon)):
        problems.append("%s: listed in %s but did not run" % (test_id, known_path))
    if control is not None:
        for test_id, (status, _reason) in sorted(known.items()):
            outcome = control.get(test_id, {}).get("outcome")
            expected = {"baseline": FAILED, "rule": ("passed",), "skip": ("skipped",)}[status]
            if outcome not in expected:
                problems.append(
                    "%s: listed as %s, so expected %s on the control database, got %s"
                    % (test_id, status, " or ".join(expected), outcome or "no run")
                )
    print(
        "%-36s %5s %6s %6s %7s %6s"
        % ("module (%s database)" % kind, "run", "passed", "known", "skipped", "other")
    )
    for module, row in summary.items():
        other = row["failed"] + row["error"] - row["known"]
        print(
            "%-36s %5d %6d %6d %7d %6d"
            % (module, row["run"], row["passed"], row["known"], row["skipped"], other)
        )
    if control is not None:
        print("control database: %d listed test(s) checked" % len(known))
        if len(control) > len(known):  # a full control run (PEERS_CONTROL=full): its summary
            rows = collections.OrderedDict()
            for test_id in sorted(control):
                row = rows.setdefault(module_of(test_id), collections.Counter())
                row["run"] += 1
                row[control[test_id]["outcome"]] += 1
            print(
                "%-36s %5s %6s %6s %7s"
                % ("module (control database)", "run", "passed", "failed", "skipped")
            )
            for module, row in rows.items():
                failed = row["failed"] + row["error"]
                print(
                    "%-36s %5d %6d %6d %7d"
                    % (module, row["run"], row["passed"], failed, row["skipped"])
                )
            for test_id in sorted(set(addon) & set(control)):
                if control[test_id]["outcome"] != addon[test_id]["outcome"]:
                    print(
                        "differs: %s: %s with the addon, %s without"
                        % (test_id, addon[test_id]["outcome"], control[test_id]["outcome"])
                    )
    for problem in problems:
        print("PROBLEM " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
