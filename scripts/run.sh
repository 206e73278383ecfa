#!/usr/bin/env bash
# `make run`: serve Odoo with the addon and demo data until interrupted.
# The database is created from the demo template the first time; when the
# addon changed since, it is upgraded in place (user data is kept).
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
DB="${DB:-$ADDON}"
PORT="${PORT:-8069}"
stamp="$DATA_DIR/$DB.code_hash"
if ! db_exists "$DB"; then
  tmpl="$("$ROOT/scripts/db.sh" template demo)"
  "$ROOT/scripts/db.sh" copy "$tmpl" "$DB"
  code_hash > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$(code_hash)" ]; then
  log "addon changed: upgrading $ADDON in $DB"
  PATH="$LOCAL/node/node_modules/.bin:$PATH" odoo -d "$DB" -u "$ADDON,$QUEUE_ADDON" -i "$QUEUE_ADDON" \
    --stop-after-init --log-level=warn
  code_hash > "$stamp"
fi
log "Odoo on http://localhost:$PORT  (database $DB, login admin / admin)"
PATH="$LOCAL/node/node_modules/.bin:$PATH" exec "$VENV/bin/python" "$ROOT/scripts/odoo-bin" \
  -c "$ODOO_CFG" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" \
  --load=base,web,queue_job "$@"
