#!/usr/bin/env bash
# Idempotent set-up shared by `make run` and `make test`: Python 3.7 venv with
# the pinned packages, Debian's wkhtmltopdf, lessc for the web assets, a
# project-local PostgreSQL cluster, and the Odoo configuration file.
source "$(dirname "$0")/lib.sh"

find_python37() {
  local candidates=("${PYTHON37:-}" "$(command -v python3.7 || true)")
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  command -v pyenv >/dev/null 2>&1 && root="$(pyenv root)"
  candidates+=("$root"/versions/3.7*/bin/python3.7)
  for py in "${candidates[@]}"; do
    [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import sys; assert sys.version_info[:2] == (3, 7)' 2>/dev/null \
      && { echo "$py"; return; }
  done
  die "Python 3.7 is required (Odoo 11 breaks on 3.8+). Install it, e.g. 'pyenv install 3.7.16', or set PYTHON37=/path/to/python3.7."
}

setup_venv() {
  # the pins, not the comments: editing a comment reinstalls nothing
  local want; want="$(cat "$ROOT/requirements.txt" "$ROOT/requirements-odoo.txt" | grep -v '^\s*#' | sha1sum | cut -c1-40)"
  if [ -f "$VENV/.requirements.sha1" ] && [ "$(cat "$VENV/.requirements.sha1")" = "$want" ]; then
    return
  fi
  local py; py="$(find_python37)"
  log "creating $VENV with $py"
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'pip<24.1' 'setuptools<58' wheel
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-build-isolation -r "$ROOT/requirements.txt"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r "$ROOT/requirements-odoo.txt"
  echo "$want" > "$VENV/.requirements.sha1"
}

apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  log "installing Debian packages: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

setup_debian() {
  local missing=()
  command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  [ -x "$PGBIN/initdb" ] || missing+=(postgresql)
  command -v npm >/dev/null || missing+=(npm)
  [ ${#missing[@]} = 0 ] || apt_install "${missing[@]}"
  PGBIN="$(pg_config --bindir)"
}

setup_lessc() {  # Odoo 11 compiles its stylesheets with lessc (Debian's node-less fails on Node 20)
  [ -x "$LOCAL/node/node_modules/.bin/lessc" ] && return
  log "installing lessc 3.13.1"
  mkdir -p "$LOCAL/node"
  npm install -s --no-audit --no-fund --prefix "$LOCAL/node" less@3.13.1 >/dev/null
}

setup_postgres() {
  mkdir -p "$PGDIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $PGDATA"
    as_pg "'$PGBIN/initdb' -D '$PGDATA' -U $PGUSER_ODOO --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null"
  fi
  if ! as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' status >/dev/null 2>&1"; then
    log "starting PostgreSQL (socket $PGSOCK, port $PGPORT)"
    as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' -l '$PGDIR/postgresql.log' -w \
      -o \"-k '$PGSOCK' -p $PGPORT -c listen_addresses='' -c fsync=off -c max_connections=200\" start >/dev/null"
  fi
}

write_config() {
  mkdir -p "$DATA_DIR"
  local site; site="$("$VENV/bin/python" -c 'import odoo, os; print(os.path.dirname(odoo.__file__))')"
  cat > "$ODOO_CFG" <<CFG
[options]
addons_path = $site/addons,$ROOT
data_dir = $DATA_DIR
db_host = $PGSOCK
db_port = $PGPORT
db_user = $PGUSER_ODOO
db_password = False
admin_passwd = admin
list_db = True
log_level = info

[queue_job]
# Job runner capacity (threads running jobs at once); used when the server is
# started with --load=base,web,queue_job, as make run does. The billing run's
# chunks have a channel of their own (root.infogerance.billing): its capacity is
# how many customers' chunks are billed at once on this server.
channels = root:2,root.infogerance:2,root.infogerance.billing:2
CFG
}

if [ "${1:-}" = --print-python ]; then find_python37; exit; fi
setup_venv
setup_debian
setup_lessc
setup_postgres
write_config
