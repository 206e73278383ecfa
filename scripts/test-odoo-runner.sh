#!/usr/bin/env bash
# Odoo's own test runner on a database WITH demo data, the way OCA's CI and runbot
# run addons: `odoo -u <addons> --test-enable --stop-after-init` on a fresh copy of
# the demo template. The upgrade reloads the addons and runs their at_install tests
# right after each one is loaded (before base.automation registers its hooks), then
# their post_install tests on the complete registry.
#   ODOO_TEST_SELECT='*test_r4*,*.TestR3Repricing.*'   only the tests whose id matches
#   RUNNER_DB_KIND=nodemo   on the no-demo template instead: Odoo 11 runs at_install
#                           tests only on a database with demo data, so only the
#                           post_install ones run there
# The log goes to artifacts/odoo-runner.log. Fails on any line logged at ERROR or
# CRITICAL (FAIL:/ERROR: lines of the test runner, tracebacks), on a time-out (a test
# that hangs, e.g. a frozen clock left running) and when no test ran.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
RUNNER_DB="${RUNNER_DB:-${ADDON}_runner}"
RUNNER_TIMEOUT="${RUNNER_TIMEOUT:-1800}"
LOGFILE="$ROOT/artifacts/odoo-runner.log"

RUNNER_DB_KIND="${RUNNER_DB_KIND:-demo}"
tmpl="$("$ROOT/scripts/db.sh" template "$RUNNER_DB_KIND")"
"$ROOT/scripts/db.sh" copy "$tmpl" "$RUNNER_DB"
mkdir -p "$(dirname "$LOGFILE")"
log "Odoo's runner on $RUNNER_DB ($RUNNER_DB_KIND)${ODOO_TEST_SELECT:+, tests matching $ODOO_TEST_SELECT}; log: ${LOGFILE#$ROOT/}"

start=$SECONDS
rc=0
# With --test-enable Odoo starts its HTTP server (for HttpCase tests): on a free port,
# so that a running `make run` does not make it fail.
http_port="${RUNNER_HTTP_PORT:-$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
PATH="$LOCAL/node/node_modules/.bin:$PATH" timeout --kill-after=30 "$RUNNER_TIMEOUT" \
  "$VENV/bin/python" "$ROOT/scripts/odoo-test-bin" -c "$ODOO_CFG" -d "$RUNNER_DB" \
  -u "$ADDON,$QUEUE_ADDON" --test-enable --stop-after-init --log-level=test \
  --http-port="$http_port" --max-cron-threads=0 >"$LOGFILE" 2>&1 || rc=$?
elapsed=$((SECONDS - start))

# unittest's summary lines, logged by Odoo's TestStream: "... Ran 12 tests in 3.456s"
ran="$({ grep -oE ': Ran [0-9]+ tests? in' "$LOGFILE" || true; } | awk '{n += $3} END {print n + 0}')"
# Odoo log lines: "<date> <time> <pid> <LEVEL> <db> <logger>: <message>"
errors="$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$LOGFILE" || true)"
failed_tests="$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ ERROR [^ ]+ [^ ]+: (FAIL|ERROR): ' "$LOGFILE" || true)"

problems=()
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  problems+=("timed out after ${RUNNER_TIMEOUT}s (a test hung?)")
elif [ "$rc" != 0 ]; then
  problems+=("odoo exited with $rc")
fi
[ "$errors" = 0 ] || problems+=("$errors line(s) logged at ERROR/CRITICAL")
[ "$ran" -gt 0 ] || problems+=("no test ran")
status="$(IFS=';'; echo "${problems[*]:-ok}" | sed 's/;/; /g')"

if [ "$status" != ok ]; then
  grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$LOGFILE" | cut -c1-300 | head -40 >&2 || true
  tail -n 5 "$LOGFILE" >&2
  echo "odoo-runner: $((ran > failed_tests ? ran - failed_tests : 0)) passed, $failed_tests failed"
  die "Odoo's runner: $ran tests ran, $failed_tests failed or in error, in ${elapsed}s: $status (see ${LOGFILE#$ROOT/})"
fi
log "Odoo's runner: $ran tests ran, 0 failed, in ${elapsed}s ($RUNNER_DB_KIND database $RUNNER_DB)"
echo "odoo-runner: $ran passed, 0 failed"
