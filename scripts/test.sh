#!/usr/bin/env bash
# `make test`: set up, copy a fresh test database from the template, run pytest-odoo.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
TEST_DB="${TEST_DB:-${ADDON}_test}"
tmpl="$("$ROOT/scripts/db.sh" template nodemo)"
"$ROOT/scripts/db.sh" copy "$tmpl" "$TEST_DB"
cd "$ROOT"
eval "extra=(${PYTEST_ARGS:-})"  # keeps quoted arguments: PYTEST_ARGS="-k 'r4 or r6'"
# The job-queue glue's tests run first: run after the multi-company check's
# test-only models (odoo-test-helper's FakeModelLoader in
# tests/test_security_access_matrix.py), TestBillingJobs finds no job queued
# (observed; each passes alone; cause not found yet, see issue 22's closing note).
# pytest-odoo turns HOST, PORT, USER and PASSWORD from the environment into database
# options (for the Odoo Docker image): keep them from overriding our configuration.
exec env -u HOST -u PORT -u USER -u PASSWORD "$VENV/bin/pytest" --odoo-config="$ODOO_CFG" \
  --odoo-database="$TEST_DB" "$QUEUE_ADDON" "$ADDON" "${extra[@]}"
