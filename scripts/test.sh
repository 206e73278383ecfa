#!/usr/bin/env bash
# `make test`: set up, copy a fresh test database from the template, run pytest-odoo.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
TEST_DB="${TEST_DB:-${ADDON}_test}"
tmpl="$("$ROOT/scripts/db.sh" template nodemo)"
"$ROOT/scripts/db.sh" copy "$tmpl" "$TEST_DB"
cd "$ROOT"
# shellcheck disable=SC2086
exec "$VENV/bin/pytest" --odoo-config="$ODOO_CFG" --odoo-database="$TEST_DB" \
  "$ADDON" "$QUEUE_ADDON" ${PYTEST_ARGS:-}
