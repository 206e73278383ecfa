#!/usr/bin/env bash
# Regenerate i18n/commown_infogerance.pot from an installed database and merge
# the new terms into i18n/fr.po (msgmerge keeps the existing translations).
# Usage: scripts/i18n.sh   (after make test has built the test database)
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
DB="${I18N_DB:-${ADDON}_i18n}"
tmpl="$("$ROOT/scripts/db.sh" template nodemo)"
"$ROOT/scripts/db.sh" copy "$tmpl" "$DB"
for addon in "$ADDON" "$QUEUE_ADDON"; do
  pot="$ROOT/$addon/i18n/$addon.pot"
  mkdir -p "$(dirname "$pot")"
  tmp="$(mktemp -d)/$addon.po"  # Odoo 11 wants a .po name; without --language it writes the template
  odoo -d "$DB" --i18n-export="$tmp" --modules="$addon" --stop-after-init --log-level=warn
  mv "$tmp" "$pot"
  po="$ROOT/$addon/i18n/fr.po"
  if [ -f "$po" ]; then
    msgmerge --quiet --no-fuzzy-matching --update --backup=none "$po" "$pot"
  else
    msginit --no-translator --locale=fr_FR.UTF-8 --input="$pot" --output-file="$po"
  fi
  printf '%s: ' "$addon"; msgfmt --statistics --check-format -o /dev/null "$po"
done
