#!/usr/bin/env bash
# `make loadcheck`: the month's billing run under load, on two Odoo servers sharing
# one database and job queue (ports 8269 and 8270, a balancer on 8271), with
# concurrent salesmen and portal users (scripts/loadcheck.py). Not part of `make test`.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
DB="${LOAD_DB:-${ADDON}_load}"  # not DB: the Makefile exports it
tmpl="$("$ROOT/scripts/db.sh" template nodemo)"
PATH="$LOCAL/node/node_modules/.bin:$PATH" exec "$VENV/bin/python" "$ROOT/scripts/loadcheck.py" -c "$ODOO_CFG" --template "$tmpl" -d "$DB" \
  --customers "${CUSTOMERS:-60}" --chunk-size "${CHUNK_SIZE:-5}"
