#!/usr/bin/env bash
# `make test-peers` (part of `make test`): the test suites of the modules the addon
# extends, run by pytest-odoo (complete registry) on a copy of a template database
# where commown_infogerance and commown_infogerance_queue are installed, with and
# without demo data as each suite expects. Known failures are listed in
# peers/known_failures.txt; the listed tests are run again on a CONTROL database
# (the same modules and l10n_fr, same demo data, without the addons) to show that
# they fail there too (baseline), or pass there because a rule of the addon changes
# that behaviour on purpose (rule). scripts/peers_check.py fails the run on any
# unlisted failure or skip and on a listed test that no longer fails.
#   PEERS_CONTROL=full   run every suite on the control database too (evidence)
#   PEERS_CONTROL=0      no control run
#   PEERS_KINDS="demo"   only these database kinds
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
KNOWN="$ROOT/peers/known_failures.txt"
ART="$ROOT/artifacts"
PEERS_CONTROL="${PEERS_CONTROL:-listed}"
SITE_ADDONS="$("$VENV/bin/python" -c 'import odoo.addons, os; print(os.path.dirname(odoo.addons.__file__))')"
mkdir -p "$ART"

# The suites, by the database they expect. Odoo's own tests (sale, sale_management,
# website_sale, account) and most of OCA's read demo records (base.res_partner_2,
# base.user_demo, product.product_product_4, demo banks…): OCA's and Odoo's CI run
# them with demo data, so do we. contract_mandate and contract_payment_mode build
# their own data: they run on the database without demo data too, the way
# production databases are (measured: there the other suites fail on demo records
# only: "External ID not found", or no demo bank).
DEMO_SUITES=(contract contract_mandate contract_payment_mode account_banking_mandate
  account_banking_sepa_direct_debit account_payment_order account_payment_partner
  account_payment_sale queue_job sale sale_management website_sale account)
NODEMO_SUITES=(${PEERS_NODEMO_SUITES:-contract_mandate contract_payment_mode})
# Odoo's account tests: every file but test_reconciliation (17 tests, 2.5 of the
# 5 minutes account takes: multi-currency bank-statement reconciliation, which the
# addon does not touch; PEERS_ACCOUNT_ALL=1 runs it too).
ACCOUNT_EXCLUDED=(test_reconciliation)
[ -z "${PEERS_ACCOUNT_ALL:-}" ] || ACCOUNT_EXCLUDED=()

suite_files() {  # the test files of the given modules (queue_job: its doctests too)
  local module file
  for module in "$@"; do
    for file in "$SITE_ADDONS/$module"/tests/test_*.py; do
      [ "$module" = account ] && [[ " ${ACCOUNT_EXCLUDED[*]} " == *" $(basename "$file" .py) "* ]] && continue
      echo "$file"
    done
    if [ "$module" = queue_job ]; then
      echo "$SITE_ADDONS/queue_job/jobrunner/channels.py"
      echo "$SITE_ADDONS/queue_job/jobrunner/runner.py"
    fi
  done
}

listed_nodes() {  # the pytest node ids of the tests listed for a database kind
  local kind="$1"
  grep -vE '^\s*(#|$)' "$KNOWN" | awk -v kind="$kind" '$2 == kind || $2 == "both" {print $3}' |
    while read -r test_id; do
      # odoo.addons.<module>.tests.<file>.<Class>.<method>
      IFS=. read -r _ _ module _ file cls method <<<"$test_id"
      echo "$SITE_ADDONS/$module/tests/$file.py::$cls::$method"
    done
}

run_pytest() {  # DB RESULTS LOG NODES...
  local db="$1" results="$2" logfile="$3" rc=0
  shift 3
  (cd "$ROOT" && env -u HOST -u PORT -u USER -u PASSWORD PYTHONPATH="$ROOT/scripts" \
    "$VENV/bin/pytest" -p peers_pytest_plugin --peers-results="$results" --doctest-modules \
    --odoo-config="$ODOO_CFG" --odoo-database="$db" --odoo-log-level=warn -q -rfEs \
    "$@") >"$logfile" 2>&1 || rc=$?
  # 1: some tests failed (peers_check.py judges); 2-4: interrupted, internal or usage error
  if [ "$rc" -gt 1 ]; then
    tail -n 30 "$logfile" >&2
    die "pytest stopped (exit $rc): see ${logfile#$ROOT/}"
  fi
}

# The control templates take minutes to build (the module install) and the tests
# wait on PostgreSQL: build them meanwhile, in the background.
declare -A control_build=()
if [ "$PEERS_CONTROL" != 0 ]; then
  for kind in ${PEERS_KINDS:-demo nodemo}; do
    if [ "$PEERS_CONTROL" = full ] || [ -n "$(listed_nodes "$kind")" ]; then
      "$ROOT/scripts/db.sh" template "control-$kind" >"$ART/peers-control-$kind.template" \
        2>"$ART/peers-control-$kind-template.log" &
      control_build[$kind]=$!
    fi
  done
fi

status=0
for kind in ${PEERS_KINDS:-demo nodemo}; do
  if [ "$kind" = demo ]; then suites=("${DEMO_SUITES[@]}"); else suites=("${NODEMO_SUITES[@]}"); fi
  start=$SECONDS
  db="${ADDON}_peers_$kind"
  "$ROOT/scripts/db.sh" copy "$("$ROOT/scripts/db.sh" template "$kind")" "$db"
  log "neighbours' tests on $db ($kind, with the addons): ${suites[*]}"
  mapfile -t files < <(suite_files "${suites[@]}")
  run_pytest "$db" "$ART/peers-$kind.json" "$ART/peers-$kind.log" "${files[@]}"
  log "with the addons: $((SECONDS - start))s (log: artifacts/peers-$kind.log)"
  control=()
  if [ "$PEERS_CONTROL" != 0 ]; then
    mapfile -t nodes < <(if [ "$PEERS_CONTROL" = full ]; then suite_files "${suites[@]}"; else listed_nodes "$kind"; fi)
    if [ ${#nodes[@]} -gt 0 ]; then
      cstart=$SECONDS
      cdb="${ADDON}_peers_control_$kind"
      wait "${control_build[$kind]}" || die "control template: see artifacts/peers-control-$kind-template.log"
      log "control template ready $((SECONDS - cstart))s after the tests with the addons"
      "$ROOT/scripts/db.sh" copy "$(cat "$ART/peers-control-$kind.template")" "$cdb"
      log "control database $cdb (without the addons): ${#nodes[@]} test file(s)/test(s)"
      run_pytest "$cdb" "$ART/peers-control-$kind.json" "$ART/peers-control-$kind.log" "${nodes[@]}"
      log "control: $((SECONDS - cstart))s (log: artifacts/peers-control-$kind.log)"
      control=("$ART/peers-control-$kind.json")
    fi
  fi
  "$VENV/bin/python" "$ROOT/scripts/peers_check.py" "$KNOWN" "$kind" "$ART/peers-$kind.json" "${control[@]}" || status=1
  log "$kind: $((SECONDS - start))s in all"
done
[ "$status" = 0 ] || die "neighbours' tests: unexpected outcomes (PROBLEM lines above; known failures: peers/known_failures.txt)"
log "neighbours' tests: as expected"
