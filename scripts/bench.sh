#!/usr/bin/env bash
# `make bench [SIZE=quick|full] [ONLY="cart cart_add"]`: set up, copy a fresh database from the nodemo
# template, generate a fleet and measure (bench/bench.py). Not part of `make test`.
# PROFILE=DIR: one cProfile file per measure in DIR (SIZE=tiny to profile quickly).
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
SIZE="${SIZE:-quick}"
BENCH_DB="${BENCH_DB:-${ADDON}_bench}"
tmpl="$("$ROOT/scripts/db.sh" template nodemo)"
"$ROOT/scripts/db.sh" copy "$tmpl" "$BENCH_DB"
log "benchmark size $SIZE in database $BENCH_DB"
out="$ROOT/bench/results.json"
[ "$SIZE" = quick ] || out="$ROOT/bench/results-$SIZE.json"
PATH="$LOCAL/node/node_modules/.bin:$PATH" exec "$VENV/bin/python" "$ROOT/bench/bench.py" --config "$ODOO_CFG" --database "$BENCH_DB" \
  --size "$SIZE" --output "$out" --template "$tmpl" ${ONLY:+--only $ONLY} ${PROFILE:+--profile "$PROFILE"}
