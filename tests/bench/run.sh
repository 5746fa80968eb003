#!/usr/bin/env bash
# run.sh BINDIR WHAT: benchmarks on a private stack (like the tests: temp dir, free port).
#   pipeline   ack latency, end-to-end lag, events/s; then again with a worker killed half-way
#   functions  switchboard's own time per phone-agent function call, Cal.com at 0 and 300 ms
#   linker     detect-conversions full backfill (1,000,000 calls) and an hourly run
# Figures are printed, never asserted: this machine is shared and noisy.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=$1; WHAT=${2:-pipeline}
N=${BENCH_EVENTS:-2000}; C=${BENCH_CONNS:-8}
cd "$ROOT"
TMP=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
PORT=$(for p in $(shuf -i 20000-40000 -n 200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; break; }; done)
trap 'SB_QUIET=1 conf/stack.sh stop "$TMP" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
export SB_FAKE="$(cd "$BINDIR" && pwd)/fake_providers"
SB_QUIET=1 conf/stack.sh start "$TMP" "$PORT" >/dev/null
echo "# $(nproc) cores, $(lscpu 2>/dev/null | sed -n "s/^Model name: *//p" | head -1), pool of $(nproc) serve children + 1 worker, durable inserts (innodb_flush_log_at_trx_commit=1)"
case $WHAT in
pipeline)
  "$BINDIR/bench_pipeline" "http://127.0.0.1:$PORT/api/calcom/webhook" "$TMP/switchboard.conf" "$N" "$C"
  "$BINDIR/bench_pipeline" "http://127.0.0.1:$PORT/api/calcom/webhook" "$TMP/switchboard.conf" "$N" "$C" \
    "$TMP/run/worker.pid" "SB_QUIET=1 '$ROOT/conf/stack.sh' start-worker '$TMP'"
  ;;
functions)
  # the fake Cal.com of the stack runs on PORT+1
  "$BINDIR/bench_functions" "http://127.0.0.1:$PORT" "$TMP/switchboard.conf" "http://127.0.0.1:$((PORT + 1))" "${BENCH_CALLS:-200}" 0
  "$BINDIR/bench_functions" "http://127.0.0.1:$PORT" "$TMP/switchboard.conf" "http://127.0.0.1:$((PORT + 1))" "${BENCH_CALLS_SLOW:-40}" 300
  ;;
linker)
  # the full backfill over BENCH_LINKER_CALLS calls (default 1,000,000), then an hourly incremental run
  CALLS=${BENCH_LINKER_CALLS:-1000000}
  SQL="mariadb --no-defaults --socket=$TMP/run/mysqld.sock -u $(id -un) askproai"
  t0=$(date +%s.%N)
  { echo "SET @calls = $CALLS;"; cat tests/bench/linker_data.sql; } | $SQL
  t1=$(date +%s.%N)
  appts=$($SQL -N -e "SELECT COUNT(*) FROM appointments WHERE company_id > 1000")
  echo "# generated $CALLS calls and $appts appointments in $(echo "$t1 - $t0" | bc) s"
  t0=$(date +%s.%N)
  SB_LINKER_TRACE=1 "$ROOT/bin/switchboard" -c "$TMP/switchboard.conf" detect-conversions --since 40d --auto-link | tail -n 6
  t1=$(date +%s.%N)
  echo "| linker full backfill | $CALLS calls, $appts appointments | $(echo "$t1 - $t0" | bc) s |"
  t0=$(date +%s.%N)
  "$ROOT/bin/switchboard" -c "$TMP/switchboard.conf" detect-conversions --hours 2 --auto-link | tail -n 4
  t1=$(date +%s.%N)
  echo "| linker hourly run (--hours 2) | | $(echo "$t1 - $t0" | bc) s |"
  ;;
*) echo "unknown benchmark $WHAT" >&2; exit 2 ;;
esac
