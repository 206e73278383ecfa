#!/usr/bin/env bash
# `make browser-test`: the shop and the portal in a real browser. Starts Odoo on
# a free port with a fresh copy of the demo template, drives Debian's chromium
# with Playwright (browser_tests/), stops Odoo. Screenshots in artifacts/browser/.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"

BROWSER_VENV="$ROOT/.venv-browser"
ARTIFACTS="$ROOT/artifacts/browser"
DB="${BROWSER_DB:-${ADDON}_browser}"

find_python_browser() {  # Playwright needs Python >= 3.9; Odoo's 3.7 venv cannot host it
  local root="${PYENV_ROOT:-$HOME/.pyenv}" py
  for py in "${PYTHON_BROWSER:-}" "$(command -v python3 || true)" \
            "$root"/versions/3.1[0-3]*/bin/python3 "$root"/versions/3.9*/bin/python3; do
    [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 9)' 2>/dev/null \
      && { echo "$py"; return; }
  done
  die "Python >= 3.9 with venv is required for the browser tests (set PYTHON_BROWSER=/path/to/python3)."
}

setup_browser() {
  if ! command -v chromium >/dev/null; then
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    log "installing Debian's chromium"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
  local want; want="$(sha1sum < "$ROOT/requirements-browser.txt" | cut -c1-40)"
  if [ "$(cat "$BROWSER_VENV/.requirements.sha1" 2>/dev/null)" != "$want" ]; then
    local py; py="$(find_python_browser)"
    log "creating $BROWSER_VENV with $py"
    [ -x "$BROWSER_VENV/bin/python" ] || "$py" -m venv "$BROWSER_VENV"
    "$BROWSER_VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements-browser.txt"
    echo "$want" > "$BROWSER_VENV/.requirements.sha1"
  fi
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

setup_browser
tmpl="$("$ROOT/scripts/db.sh" template demo)"
"$ROOT/scripts/db.sh" copy "$tmpl" "$DB"
rm -rf "$ARTIFACTS"; mkdir -p "$ARTIFACTS"

PORT="${BROWSER_PORT:-$(free_port)}"
log "Odoo on http://127.0.0.1:$PORT (database $DB, log $ARTIFACTS/odoo.log)"
PATH="$LOCAL/node/node_modules/.bin:$PATH" "$VENV/bin/python" "$ROOT/scripts/odoo-bin" \
  -c "$ODOO_CFG" -d "$DB" --db-filter="^$DB\$" --http-interface=127.0.0.1 --http-port="$PORT" \
  --max-cron-threads=0 --load=base,web,queue_job --logfile="$ARTIFACTS/odoo.log" &
ODOO_PID=$!
trap 'kill "$ODOO_PID" 2>/dev/null; wait "$ODOO_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/web/login" && break
  kill -0 "$ODOO_PID" 2>/dev/null || die "Odoo stopped; see $ARTIFACTS/odoo.log"
  sleep 1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/web/login" || die "Odoo did not answer in 120 s; see $ARTIFACTS/odoo.log"

cd "$ROOT"
ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$DB" BROWSER_ARTIFACTS="$ARTIFACTS" \
  "$BROWSER_VENV/bin/pytest" browser_tests ${BROWSER_PYTEST_ARGS:-}
