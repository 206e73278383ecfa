#!/usr/bin/env bash
# `make billing-live-test` (part of `make test`): the billing run on committed data
# and real Odoo servers (live_tests/): killed with SIGKILL half-way and restarted,
# started twice at once (two transactions; two servers sharing the job queue), the
# daily cron's first call while a salesman confirms orders. Each test copies a
# template database where 80 customers are due, built here once per code version.
# LIVE_PYTEST_ARGS narrows it (-k sigkill). Logs and figures in artifacts/live/.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
CUSTOMERS="${CUSTOMERS:-80}"

tmpl="$("$ROOT/scripts/db.sh" template nodemo)"
live="live_${tmpl#tmpl_}_${CUSTOMERS}_$(sha1sum "$ROOT/live_tests/fleet.py" | cut -c1-6)"
if ! db_exists "$live"; then
  log "building $live: $CUSTOMERS customers due on 2026-01-01 (committed)"
  for old in $(psql_cmd -c "SELECT datname FROM pg_database WHERE datname LIKE 'live\_nodemo\_%' AND datname <> '$live'"); do
    psql_cmd -c "DROP DATABASE \"$old\"" >/dev/null
  done
  "$ROOT/scripts/db.sh" copy "$tmpl" "${live}_building"
  "$VENV/bin/python" "$ROOT/live_tests/fleet.py" generate -c "$ODOO_CFG" -d "${live}_building" \
    --customers "$CUSTOMERS" --chunk-size 5
  "$ROOT/scripts/db.sh" copy "${live}_building" "$live"
  psql_cmd -c "DROP DATABASE \"${live}_building\"" >/dev/null
fi
rm -rf "$ROOT/artifacts/live"
cd "$ROOT/live_tests"
eval "extra=(${LIVE_PYTEST_ARGS:-})"
ODOO_CFG="$ODOO_CFG" LIVE_TEMPLATE="$live" \
  "$VENV/bin/pytest" -p no:odoo -p no:cacheprovider -v -s . "${extra[@]}"
