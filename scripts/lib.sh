# Shared settings and helpers for the project scripts (sourced, not run).
# Everything lives under the repository: .venv for Python, .local for the
# PostgreSQL cluster, Odoo's data dir and the generated Odoo configuration.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
LOCAL="$ROOT/.local"
DATA_DIR="$LOCAL/data"
ODOO_CFG="$LOCAL/odoo.cfg"
ADDON=commown_infogerance
# The optional glue with OCA queue_job (repricing in deduplicated jobs).
QUEUE_ADDON=commown_infogerance_queue
# Modules installed in every database: the addon, its job-queue glue and the
# French chart of accounts (the company is French; without a chart there is no
# sale journal).
MODULES="$ADDON,$QUEUE_ADDON,l10n_fr"
PGPORT="${PGPORT:-5432}"
PGUSER_ODOO=odoo

log() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '\033[31m[%s] %s\033[0m\n' "$(basename "$0")" "$*" >&2; exit 1; }

# The cluster must be reachable by the user running the server binaries.
# As root they run as `postgres`, who may not traverse a private clone
# folder (mktemp -d is 0700): fall back to a folder keyed by the repo path.
pg_dir() {
  local dir="$LOCAL/pg"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$LOCAL"
    if ! su postgres -s /bin/sh -c "test -x '$LOCAL'" 2>/dev/null; then
      dir="/tmp/commown-infogerance-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-10)"
    fi
  fi
  printf '%s' "$dir"
}

PGDIR="$(pg_dir)"
PGDATA="$PGDIR/data"
PGSOCK="$PGDIR"
PGBIN="$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"

as_pg() {  # run a PostgreSQL server binary as a non-root user
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "cd / && $*"
  else
    sh -c "$*"
  fi
}

psql_cmd() { "$PGBIN/psql" -h "$PGSOCK" -p "$PGPORT" -U "$PGUSER_ODOO" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
db_exists() { [ "$(psql_cmd -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }

odoo() { "$VENV/bin/python" "$ROOT/scripts/odoo-bin" -c "$ODOO_CFG" "$@"; }

# The control database of `make test-peers`: every module the addons depend on
# (from their manifests), the French chart, and not the addons themselves.
control_modules() {
  "$VENV/bin/python" - "$ROOT" "$ADDON" "$QUEUE_ADDON" <<'PY'
import ast, sys
root, ours = sys.argv[1], sys.argv[2:]
deps = {"l10n_fr"}
for addon in ours:
    with open("%s/%s/__manifest__.py" % (root, addon)) as manifest:
        deps |= set(ast.literal_eval(manifest.read())["depends"])
print(",".join(sorted(deps - set(ours))))
PY
}

# Hash of everything that changes an installed database: the addon's code
# and data, and the pinned requirements.
code_hash() {
  (cd "$ROOT" && find "$ADDON" "$QUEUE_ADDON" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' \
     ! -path '*/tests/*' -print0 | sort -z | xargs -0 sha1sum;
   sha1sum requirements.txt requirements-odoo.txt; echo "$MODULES") | sha1sum | cut -c1-12
}

# Hash of what changes the control database: the pinned requirements and the modules.
control_hash() {
  (cd "$ROOT" && sha1sum requirements.txt requirements-odoo.txt; control_modules) | sha1sum | cut -c1-12
}
