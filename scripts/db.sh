#!/usr/bin/env bash
# Database helpers: template databases keyed by the code hash so that a
# repeated `make test` or `make run` does not pay the module install again.
#   db.sh template [demo|nodemo]   -> prints the template's name, building it if needed
#   db.sh template control-demo|control-nodemo
#                                  -> the same without the addons (their dependencies and
#                                     l10n_fr only): the control database of `make test-peers`
#   db.sh copy TEMPLATE TARGET     -> (re)creates TARGET from TEMPLATE, filestore included
source "$(dirname "$0")/lib.sh"

copy_db() {
  local src="$1" dst="$2"
  db_exists "$dst" && psql_cmd -c "DROP DATABASE \"$dst\"" >/dev/null
  psql_cmd -c "CREATE DATABASE \"$dst\" TEMPLATE \"$src\"" >/dev/null
  # createdb -T does not copy the filestore: without it web assets are empty.
  rm -rf "$DATA_DIR/filestore/$dst"
  if [ -d "$DATA_DIR/filestore/$src" ]; then
    mkdir -p "$DATA_DIR/filestore"
    cp -a "$DATA_DIR/filestore/$src" "$DATA_DIR/filestore/$dst"
  fi
}

template() {
  local kind="${1:-nodemo}" name building modules="$MODULES"
  name="tmpl_${kind}_$(code_hash)"
  if [ "${kind#control-}" != "$kind" ]; then
    modules="$(control_modules)"
    name="tmpl_${kind/-/_}_$(control_hash)"
  fi
  if ! db_exists "$name"; then
    building="${name}_building"
    log "building template database $name (module install, about 2-4 minutes)"
    db_exists "$building" && psql_cmd -c "DROP DATABASE \"$building\"" >/dev/null
    rm -rf "$DATA_DIR/filestore/$building"
    local demo=(); [ "${kind#control-}" = demo ] || demo=(--without-demo=all)
    PATH="$LOCAL/node/node_modules/.bin:$PATH" odoo -d "$building" -i "$modules" "${demo[@]}" \
      --stop-after-init --log-level=warn --load-language=fr_FR >&2
    copy_db "$building" "$name"
    psql_cmd -c "DROP DATABASE \"$building\"" >/dev/null
    rm -rf "$DATA_DIR/filestore/$building"
    # Older templates of the same kind are stale: drop them.
    for old in $(psql_cmd -c "SELECT datname FROM pg_database WHERE datname LIKE '${name%_*}\_%' AND datname <> '$name'"); do
      psql_cmd -c "DROP DATABASE \"$old\"" >/dev/null && rm -rf "$DATA_DIR/filestore/$old"
    done
  fi
  echo "$name"
}

case "${1:-}" in
  template) template "${2:-nodemo}" ;;
  copy) copy_db "$2" "$3" ;;
  *) die "usage: db.sh template [demo|nodemo|control-demo|control-nodemo] | copy SRC DST" ;;
esac
