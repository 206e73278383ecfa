#!/usr/bin/env bash
# `make billing-crash-test`: a billing run killed with SIGKILL half-way, restarted,
# and checked: every contract due invoiced exactly once, the run finished by itself
# (the dead worker's jobs requeued by the addon). Its own database, its own port.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
DB="${DB:-${ADDON}_crash}"
PORT="${PORT:-8169}"
CUSTOMERS="${CUSTOMERS:-80}"
KILL_AT="${KILL_AT:-25}"   # percent of the customers done when the server is killed
TIMEOUT="${TIMEOUT:-420}"  # seconds for the restarted server to finish the run
LOG="$LOCAL/billing-crash-test.log"
helper=("$VENV/bin/python" "$ROOT/scripts/billing_crash_test.py" -c "$ODOO_CFG" -d "$DB")

tmpl="$("$ROOT/scripts/db.sh" template nodemo)"
"$ROOT/scripts/db.sh" copy "$tmpl" "$DB"
"${helper[@]}" generate --customers "$CUSTOMERS" --chunk-size 5

server_pid=""
start_server() {
  # a process group of its own, killed whole (workers, cron, job runner)
  ODOO_QUEUE_JOB_CHANNELS="root:2,root.infogerance.billing:2" setsid "$VENV/bin/python" \
    "$ROOT/scripts/odoo-bin" -c "$ODOO_CFG" -d "$DB" --db-filter="^$DB\$" \
    --http-port="$PORT" --workers=2 --max-cron-threads=1 --load=base,web,queue_job \
    --limit-time-real=600 --log-level=warn >>"$LOG" 2>&1 &
  server_pid=$!
  for _ in $(seq 60); do
    curl -s -o /dev/null "http://localhost:$PORT/web/login" && return 0
    sleep 1
  done
  die "the server did not start (see $LOG)"
}
stop_server() { [ -n "$server_pid" ] && kill -TERM -- "-$server_pid" 2>/dev/null || true; }
trap stop_server EXIT

: >"$LOG"
start_server
log "server $server_pid up; starting the run"
"${helper[@]}" start --url "http://localhost:$PORT"
target=$((CUSTOMERS * KILL_AT / 100))
for _ in $(seq 600); do
  done_=$(psql_cmd -d "$DB" -c "SELECT count(*) FROM infogerance_billing_run_item WHERE state = 'done'")
  [ "$done_" -ge "$target" ] && break
  sleep 0.2
done
kill -KILL -- "-$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
log "SIGKILL sent to the server's process group with $done_ of $CUSTOMERS customers done"
sleep 1
"${helper[@]}" status

start_server
log "server restarted; waiting for the run to finish by itself"
deadline=$((SECONDS + TIMEOUT))
while [ $SECONDS -lt $deadline ]; do
  todo=$(psql_cmd -d "$DB" -c "SELECT count(*) FROM infogerance_billing_run_item WHERE state != 'done'")
  [ "$todo" = 0 ] && break
  sleep 2
done
log "after restart: $((SECONDS - deadline + TIMEOUT)) s"
"${helper[@]}" check
