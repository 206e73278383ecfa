#!/usr/bin/env bash
# Lint and packaging: `make lint` and `make wheel` (a Python 3.7 venv of their own).
source "$(dirname "$0")/lib.sh"
TOOLS="$ROOT/.venv-tools"
want="$(sha1sum "$ROOT/requirements-tools.txt" | cut -c1-40)"
if [ "$(cat "$TOOLS/.requirements.sha1" 2>/dev/null)" != "$want" ]; then
  py="$("$ROOT/scripts/setup.sh" --print-python)"
  log "creating $TOOLS"
  [ -x "$TOOLS/bin/python" ] || "$py" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q --disable-pip-version-check 'pip<24.1' 'setuptools<58'
  "$TOOLS/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements-tools.txt"
  echo "$want" > "$TOOLS/.requirements.sha1"
fi
cd "$ROOT"
case "${1:-lint}" in
  lint)
    log "flake8"
    "$TOOLS/bin/flake8" "$ADDON" "$QUEUE_ADDON"
    log "pylint-odoo (Python and XML checks)"
    "$TOOLS/bin/pylint" --rcfile=.pylintrc "$ADDON" "$QUEUE_ADDON"
    log "README.rst up to date with readme/"
    "$TOOLS/bin/python" scripts/gen-readme.py --check
    log "lint clean"
    ;;
  wheel)
    rm -rf "$ROOT/dist"
    "$TOOLS/bin/pip" wheel -q --no-deps --no-build-isolation -w "$ROOT/dist" "$ROOT/setup/$ADDON"
    ls "$ROOT"/dist/*.whl
    ;;
esac
