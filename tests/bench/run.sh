#!/usr/bin/env bash
# run.sh BINDIR WHAT: benchmarks on a private stack (like the tests: temp dir, free port).
#   ceiling    switchboard ingest against nginx, an empty FastCGI responder, MariaDB, PHP (ceiling.sh)
#   pipeline   per provider (Cal.com, Retell) and workload (a new customer per event, the same one):
#              ack only then drain, as shipped, as shipped at half the ack-only rate (fixed rate);
#              ack rates, ratio, lag, events/s, MariaDB CPU per event; then a worker killed half-way
#   functions-load  bench-functions alone, then while a bench-pipeline load runs
#   ingest     ack only against MariaDB's durable insert ceiling, for each pool size of BENCH_POOLS
#   sustained  a fixed rate for BENCH_MINUTES with the worker killed at 1/3 and 2/3: lag and RSS
#              sampled into a CSV and a plot, then lost / duplicated checked against the database
#   functions  switchboard's own time per phone-agent function call, Cal.com at 0 and 300 ms
#   profile    where processing's MariaDB time goes: per provider and workload, ack only, then the drain with
#              performance_schema's statement digests; the top statements by time, per event
#   linker     detect-conversions full backfill (1,000,000 calls) and an hourly run
#   dashboard  every dashboard page for one tenant with 1,000,000 calls, against nginx serving a static file
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
echo "# $(nproc) cores, $(lscpu 2>/dev/null | sed -n "s/^Model name: *//p" | head -1), pool of ${SB_POOL:-$(nproc)} serve children + 1 worker, durable inserts (innodb_flush_log_at_trx_commit=1)"
RUN=$TMP/run; CONF=$TMP/switchboard.conf; URL="http://127.0.0.1:$PORT"
STACK="SB_QUIET=1 '$ROOT/conf/stack.sh'"
# pool SIZE FAST_PATH(0|1): restart the serve pool; the worker runs only with the fast path (ack only: none)
pool() {
  SB_QUIET=1 conf/stack.sh stop-pool "$TMP" >/dev/null
  SB_QUIET=1 SB_POOL=$1 SWITCHBOARD_PIPELINE_FAST_PATH=$2 conf/stack.sh start-pool "$TMP" >/dev/null
  if [ "$2" = 1 ]; then SB_QUIET=1 conf/stack.sh start-worker "$TMP" >/dev/null
  else SB_QUIET=1 conf/stack.sh stop-worker "$TMP" >/dev/null; fi
  sleep 0.3
}
pipe() { # pipe LABEL ROUTE [bench_pipeline args after N C]: one bench_pipeline run, its table to stdout
  local label=$1 route=$2; shift 2
  BENCH_LABEL=$label BENCH_RUN=$RUN "$BINDIR/bench_pipeline" "$URL$route" "$CONF" "$N" "$C" "$@" | tee "$TMP/pipe.out" || true
  echo
}
pipe_field() { sed -n "s/^BENCHPIPE.* $1=\([^ ]*\).*/\1/p" "$TMP/pipe.out"; }
route_of() { case $1 in retell*) echo /api/webhooks/retell ;; *) echo /api/calcom/webhook ;; esac; }
case $WHAT in
ceiling)
  tests/bench/ceiling.sh "$BINDIR" "$TMP" "$PORT"
  ;;
pipeline)
  # issue 16 targets 1-3 in one run per provider and workload, the baselines rerun each time
  POOL=${SB_POOL:-$(nproc)}
  SUMMARY=$TMP/summary.txt
  for prov in ${BENCH_PROVIDERS:-calcom retell retell-call}; do
    for wl in ${BENCH_WORKLOADS:-new repeat}; do
      export BENCH_PROVIDER=$prov BENCH_WORKLOAD=$wl
      route=$(route_of "$prov")
      pool "$POOL" 0
      BENCH_THEN="$STACK start-worker '$TMP'" pipe "$prov/$wl: ack only (fast path off, no worker), then the worker drains" "$route"
      only_rps=$(pipe_field ack_rps); ingest_ms=$(pipe_field db_send_ms); proc_ms=$(pipe_field db_wait_ms)
      drain_rps=$(pipe_field drain_rps)
      pool "$POOL" 1
      pipe "$prov/$wl: as shipped (fast path on, worker running)" "$route"
      ship_rps=$(pipe_field ack_rps); ship_p99=$(pipe_field ack_p99_ms); e2e=$(pipe_field e2e_rps)
      lag50=$(pipe_field lag_p50_ms); lag99=$(pipe_field lag_p99_ms); all_ms=$(pipe_field db_all_ms)
      half=$(awk -v r="$only_rps" 'BEGIN { printf "%.0f", r / 2 }')
      BENCH_RATE=$half pipe "$prov/$wl: as shipped at half the ack-only rate" "$route"
      half_p99=$(pipe_field ack_p99_ms); half_lag99=$(pipe_field lag_p99_ms)
      awk -v p="$prov/$wl" -v o="$only_rps" -v s="$ship_rps" -v sp="$ship_p99" -v h="$half" -v hp="$half_p99" \
          -v hl="$half_lag99" -v e="$e2e" -v l5="$lag50" -v l9="$lag99" -v d="$drain_rps" -v i="$ingest_ms" \
          -v pr="$proc_ms" -v al="$all_ms" 'BEGIN {
        printf "| %s | %.0f | %.0f | %.2f | %.2f ms | %.0f/s: %.2f ms (lag p99 %.1f ms) | %.0f/s | %.1f / %.1f ms | %.0f/s | %.3f | %.3f | %.3f |\n",
          p, o, s, (o > 0 ? s / o : 0), sp, h, hp, hl, e, l5, l9, d, i, pr, al }' >>"$SUMMARY"
    done
  done
  unset BENCH_PROVIDER BENCH_WORKLOAD
  echo "# summary (issue 16 targets 1-3); MariaDB CPU per event from /proc/<mysqld>/stat: ingest = during the"
  echo "# ack-only sending, processing = during the drain that followed, as shipped = the whole as-shipped run"
  echo "| provider/workload | acks/s ack only | acks/s as shipped | ratio (≥ 0.8) | ack p99 as shipped | ack p99 at half the ack-only rate (≤ 10 ms) | processed end to end (≥ 1,000/s; repeat ≥ 800/s) | lag p50 / p99 (p99 < 100 ms) | drain alone | MariaDB ms/event ingest | processing (≤ 1) | as shipped |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  cat "$SUMMARY"
  echo
  if [ "${BENCH_KILL_RUN:-1}" = 1 ]; then
    BENCH_PROVIDER=calcom BENCH_WORKLOAD=new pipe "calcom/new: as shipped, worker killed half-way" /api/calcom/webhook \
      "$RUN/worker.pid" "$STACK start-worker '$TMP'"
  fi
  ;;
profile)
  # needs performance_schema (SB_DB_OPTS="--performance-schema=ON", set by the make target); digests are reset
  # after the acks, so only the drain's statements (the worker's and its pipeline processes') are counted
  SQLC="mariadb --no-defaults --socket=$RUN/mysqld.sock -u $(id -un) askproai"
  for prov in ${BENCH_PROVIDERS:-calcom retell-call}; do
    for wl in ${BENCH_WORKLOADS:-new repeat}; do
      export BENCH_PROVIDER=$prov BENCH_WORKLOAD=$wl
      pool "${SB_POOL:-$(nproc)}" 0
      BENCH_THEN="$SQLC -e 'TRUNCATE performance_schema.events_statements_summary_by_digest; TRUNCATE performance_schema.prepared_statements_instances'; $STACK start-worker '$TMP'" \
        pipe "$prov/$wl: ack only, then the drain profiled" "$(route_of "$prov")" >/dev/null
      ev=$($SQLC -N -e "SELECT COUNT(*) FROM webhook_events WHERE status = 'processed'")
      $SQLC -N -e "TRUNCATE webhook_events" >/dev/null  # the next pair counts its own events only
      echo "## $prov/$wl: $N events drained ($ev processed) at $(pipe_field drain_rps)/s, MariaDB CPU $(pipe_field db_wait_ms) ms/event (with performance_schema on); statements by total time, per event"
      echo "| ms/event | calls/event | µs/call | rows examined/call | statement |"
      echo "|---|---|---|---|---|"
      # prepared statements (switchboard's own, cached per connection) are timed per instance, text
      # statements by digest; both are picoseconds
      $SQLC -N -e "SELECT CONCAT('| ', ROUND(t / 1e9 / $N, 3), ' | ', ROUND(n / $N, 2), ' | ', ROUND(t / n / 1e6, 0), ' | ',
          ROUND(r / n, 0), ' | \`', REPLACE(LEFT(q, 120), '|', '/'), '\` |') FROM (
          SELECT SQL_TEXT q, SUM(COUNT_EXECUTE) n, SUM(SUM_TIMER_EXECUTE) t, SUM(SUM_ROWS_EXAMINED) r
            FROM performance_schema.prepared_statements_instances WHERE COUNT_EXECUTE > 0 GROUP BY SQL_TEXT
          UNION ALL SELECT DIGEST_TEXT, COUNT_STAR, SUM_TIMER_WAIT, SUM_ROWS_EXAMINED
            FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME = 'askproai' AND COUNT_STAR > 0
              AND DIGEST_TEXT NOT LIKE 'TRUNCATE%' AND DIGEST_TEXT NOT LIKE 'EXECUTE%') s
        ORDER BY t DESC LIMIT ${BENCH_TOP:-30}"
      $SQLC -N -e "SELECT CONCAT('| **', ROUND(SUM(t) / 1e9 / $N, 3), '** | **', ROUND(SUM(n) / $N, 2), '** | | | all statements |') FROM (
          SELECT SUM_TIMER_EXECUTE t, COUNT_EXECUTE n FROM performance_schema.prepared_statements_instances
          UNION ALL SELECT SUM_TIMER_WAIT, COUNT_STAR FROM performance_schema.events_statements_summary_by_digest
            WHERE SCHEMA_NAME = 'askproai' AND DIGEST_TEXT NOT LIKE 'TRUNCATE%' AND DIGEST_TEXT NOT LIKE 'EXECUTE%') s"
      echo
    done
  done
  ;;
functions-load)
  # issue 16 target 3: the phone agent's functions alone, then while bench-pipeline's load (as shipped, closed
  # loop, rounds of BENCH_LOAD_EVENTS Cal.com bookings) runs from before the first function call to after the last
  FAKE="http://127.0.0.1:$((PORT + 1))"
  echo "| run | calls | total p50 / p99 | own p50 / p99 (< 30 ms) |"
  "$BINDIR/bench_functions" "$URL" "$CONF" "$FAKE" "${BENCH_CALLS:-200}" 0 | sed 's/^| function calls/| alone: function calls/'
  ( while [ ! -e "$TMP/stop-load" ]; do
      BENCH_RUN=$RUN "$BINDIR/bench_pipeline" "$URL/api/calcom/webhook" "$CONF" "${BENCH_LOAD_EVENTS:-2000}" "$C" || true
    done ) >"$TMP/load.out" 2>&1 &
  load=$!
  sleep 1
  t0=$(date +%s.%N)
  "$BINDIR/bench_functions" "$URL" "$CONF" "$FAKE" "${BENCH_CALLS:-200}" 0 | sed 's/^| function calls/| under load: function calls/'
  t1=$(date +%s.%N)
  touch "$TMP/stop-load"
  wait "$load" || true
  echo
  echo "# the functions ran $(echo "$t1 - $t0" | bc) s, from 1 s after the load started; the load's rounds (the last one ended after them):"
  grep -v '^BENCHPIPE' "$TMP/load.out"
  ;;
ingest)
  # issue 16 target 4: ack only (verify + durable insert + ack; fast path off, no worker) against MariaDB's
  # own durable insert rate at the same concurrency, for each pool size of BENCH_POOLS
  D=${BENCH_SECONDS:-10}; W=${BENCH_WARMUP:-2}; T=${BENCH_THREADS:-$(nproc)}
  sql() { mariadb --no-defaults --socket="$RUN/mysqld.sock" -u "$(id -un)" askproai -N -e "$1"; }
  echo "# MariaDB: $(sql "SELECT GROUP_CONCAT(CONCAT(VARIABLE_NAME, '=', VARIABLE_VALUE) ORDER BY VARIABLE_NAME SEPARATOR ' ')
       FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME IN ('INNODB_FLUSH_LOG_AT_TRX_COMMIT', 'SYNC_BINLOG',
       'LOG_BIN', 'MAX_CONNECTIONS', 'THREAD_HANDLING', 'INNODB_BUFFER_POOL_SIZE', 'INNODB_LOG_FILE_SIZE',
       'INNODB_FLUSH_METHOD')" | tr 'A-Z' 'a-z')"
  echo "# each serve child holds one MariaDB connection (prepared INSERT, autocommit); wrk -t $T -c $C -d ${D}s (+${W}s warm-up)"
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
  "$BINDIR/bench_dbinsert" "$CONF" "$W" "$C" tests/fixtures/calcom/webhook_booking_created.json >/dev/null 2>&1 || true
  dbline=$("$BINDIR/bench_dbinsert" "$CONF" "$D" "$C" tests/fixtures/calcom/webhook_booking_created.json 2>&1 | grep '^BENCHLINE' || true)
  ceil=$(field rps "$dbline")
  echo "| target | pool (serve children) | req/s | p50 / p99 ms | / MariaDB ceiling (≥ 0.8) |"
  echo "|---|---|---|---|---|"
  awk -v r="$ceil" -v a="$(field p50_us "$dbline")" -v b="$(field p99_us "$dbline")" -v c="$C" \
    'BEGIN { printf "| MariaDB durable insert, %d connections, no HTTP (ceiling) | – | %.0f | %.2f / %.2f | 1 |\n", c, r, a / 1000, b / 1000 }'
  export BENCH_ROOT=$ROOT BENCH_CONF=$CONF BENCH_SIG_SO=$BINDIR/bench_sig.so
  for size in ${BENCH_POOLS:-$(nproc) $(( $(nproc) * 2 )) $(( $(nproc) * 4 ))}; do
    pool "$size" 0
    for prov in calcom retell; do
      export BENCH_PROVIDER=$prov
      wrk -t "$T" -c "$C" -d "${W}s" -s tests/bench/sign.lua "$URL$(route_of "$prov")" >/dev/null 2>&1 || true
      line=$(wrk -t "$T" -c "$C" -d "${D}s" --timeout 30s --latency -s tests/bench/sign.lua "$URL$(route_of "$prov")" 2>&1 \
             | grep '^BENCHLINE' || true)
      awk -v p="$prov" -v s="$size" -v r="$(field rps "$line")" -v a="$(field p50_us "$line")" -v b="$(field p99_us "$line")" \
          -v e="$(field errors "$line")" -v ce="$ceil" 'BEGIN {
        printf "| switchboard %s ack only%s | %d | %.0f | %.2f / %.2f | %.2f |\n", p, (e > 0 ? " (" e " errors)" : ""), s, r,
          a / 1000, b / 1000, (ce > 0 ? r / ce : 0) }'
    done
  done
  # the ack-only backlog is never claimed (like Laravel's rows)
  sql "UPDATE webhook_events SET next_attempt_at = NULL WHERE status = 'pending'"
  ;;
sustained)
  # issue 16 target 6: Cal.com bookings (a new customer each) at a fixed rate for BENCH_MINUTES (10), the worker
  # killed with -9 at 1/3 and 2/3 and started again; every BENCH_SAMPLE (5) s one CSV row of lag and RSS
  MIN=${BENCH_MINUTES:-10}; EVERY=${BENCH_SAMPLE:-5}
  OUT=${BENCH_OUT:-$ROOT/build/bench}; mkdir -p "$OUT"; CSV=$OUT/sustained.csv
  sql() { mariadb --no-defaults --socket="$RUN/mysqld.sock" -u "$(id -un)" askproai -N -e "$1"; }
  export BENCH_PROVIDER=calcom BENCH_WORKLOAD=new
  RATE=${BENCH_RATE:-}
  if [ -z "$RATE" ]; then # half the maximum: a closed-loop calibration run, as shipped
    N=${BENCH_CALIBRATE:-2000} pipe "calibration: as shipped, closed loop" /api/calcom/webhook
    RATE=$(awk -v a="$(pipe_field ack_rps)" -v e="$(pipe_field e2e_rps)" 'BEGIN { m = a < e ? a : e; printf "%.0f", m / 2 }')
    echo "# rate: half of the calibration's processed end to end (or acks, if lower): $RATE events/s"
  fi
  SECS=$(awk -v m="$MIN" 'BEGIN { printf "%.0f", m * 60 }')
  N=$(awk -v r="$RATE" -v s="$SECS" 'BEGIN { printf "%.0f", r * s }')
  rss_of() { awk '/^VmRSS/ { v = $2 } END { print v + 0 }' "/proc/$1/status" 2>/dev/null || echo 0; } # 0: gone or a zombie
  kids() { cat "/proc/$1/task/$1/children" 2>/dev/null || true; }
  # the window of a sample: events finished since the previous one; every such event has an id >= LO (it was
  # waiting then, or came later), so the look reads a primary-key range, not the whole table (finished_at has no index)
  LO=0; SINCE=$(sql "SELECT NOW(3)")
  sample() { # one CSV row: seconds, backlog, oldest waiting (ms), finished in the window, its max lag (ms), RSS (kB)
    local t=$1 w s_max=0 s_sum=0 p_max=0 r m
    w=$(cat "$RUN/worker.pid" 2>/dev/null || echo 0)
    for p in $(kids "$(cat "$RUN/spawn-fcgi.pid")"); do r=$(rss_of "$p"); s_sum=$((s_sum + r)); [ "$r" -gt "$s_max" ] && s_max=$r; done
    for p in $(kids "$w"); do r=$(rss_of "$p"); [ "$r" -gt "$p_max" ] && p_max=$r; done
    m=$(sql "SELECT (SELECT COUNT(*) FROM webhook_events WHERE status IN ('pending','processing')),
      COALESCE((SELECT TIMESTAMPDIFF(MICROSECOND, MIN(queued_at), NOW(3)) DIV 1000 FROM webhook_events
                WHERE status IN ('pending','processing')), 0),
      (SELECT COUNT(*) FROM webhook_events WHERE id >= $LO AND finished_at > '$SINCE'),
      COALESCE((SELECT MAX(TIMESTAMPDIFF(MICROSECOND, queued_at, finished_at)) DIV 1000 FROM webhook_events
                WHERE id >= $LO AND finished_at > '$SINCE'), 0),
      LEAST(COALESCE((SELECT MIN(id) FROM webhook_events WHERE status IN ('pending','processing')), ~0),
            COALESCE((SELECT MAX(id) FROM webhook_events), 0) + 1), NOW(3)" | tr '\t' ',')
    LO=$(cut -d, -f5 <<<"$m"); SINCE=$(cut -d, -f6 <<<"$m")
    echo "$t,$(cut -d, -f1-4 <<<"$m"),$s_max,$s_sum,$(rss_of "$w"),$p_max,$(rss_of "$(cat "$RUN/mysqld.pid")")"
  }
  echo "# $N Cal.com bookings at $RATE/s for $SECS s, $C connections; worker killed at 1/3 and 2/3; a sample every $EVERY s: $CSV"
  echo "t_s,backlog,oldest_waiting_ms,finished_in_window,lag_max_ms,serve_rss_max_kb,serve_rss_sum_kb,worker_rss_kb,pipeline_rss_max_kb,mysqld_rss_kb" >"$CSV"
  ( t0=$(date +%s.%N)
    while :; do sample "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')" >>"$CSV"; sleep "$EVERY"; done ) &
  sampler=$!
  BENCH_RATE=$RATE BENCH_KILLS=2 pipe "sustained: $MIN min at $RATE/s, worker killed twice" /api/calcom/webhook \
    "$RUN/worker.pid" "$STACK start-worker '$TMP'"
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  sample "end" >>"$CSV"
  # flat or growing: the first and the last third of the samples taken under load side by side (RSS in MB,
  # lag in ms; the wait for the last events afterwards is in the CSV and the plot, not here)
  awk -F, -v secs="$SECS" 'NR > 1 && $1 != "end" && $1 <= secs { n++; for (i = 2; i <= NF; i++) v[n, i] = $i }
    END { k = int(n / 3); if (k < 1) k = 1
      split("backlog,oldest waiting ms,finished per window,lag max ms,serve child RSS max,serve children RSS sum,worker RSS,pipeline process RSS max,mysqld RSS", name, ",")
      print "| sample (first third → last third, mean) | first | last |"; print "|---|---|---|"
      for (i = 2; i <= 10; i++) { a = b = 0
        for (j = 1; j <= k; j++) { a += v[j, i]; b += v[n - k + j, i] }
        d = (i >= 6) ? 1024 : 1
        printf "| %s%s | %.1f | %.1f |\n", name[i - 1], (i >= 6 ? " MB" : ""), a / k / d, b / k / d } }' "$CSV"
  lost=$(pipe_field lost); dup=$(pipe_field dup); eff=$(pipe_field effect_diff)
  echo "# exactly once: $lost lost, $dup duplicated webhook rows, ${eff:-?} appointments more than acked (all three must be 0)"
  PLOT=${BENCH_PLOT:-$ROOT/docs/bench-sustained.svg}
  awk -F, -v note="$(date -u +%Y-%m-%d), $(hostname), $(nproc) cores, $RATE events/s for $MIN min" \
      -v kills="$(awk -v s="$SECS" 'BEGIN { printf "%.1f,%.1f", s / 3, 2 * s / 3 }')" \
      -f tests/bench/plot_series.awk "$CSV" >"$PLOT"
  echo "# plot: $PLOT"
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
dashboard)
  # one tenant (company 1001) holds all BENCH_DASH_CALLS calls (default 1,000,000) and their appointments,
  # linked by detect-conversions as in production; then each page is requested BENCH_DASH_N times in a row
  CALLS=${BENCH_DASH_CALLS:-1000000}; N=${BENCH_DASH_N:-20}
  SQL="mariadb --no-defaults --socket=$TMP/run/mysqld.sock -u $(id -un) askproai"
  load0=$(date +%s)
  { echo "SET @calls = $CALLS;"; cat tests/bench/linker_data.sql
    echo "UPDATE calls SET company_id = 1001 WHERE company_id > 1000;"
    echo "UPDATE appointments SET company_id = 1001 WHERE company_id > 1000;"
    echo "UPDATE customers SET company_id = 1001 WHERE company_id > 1000;"
    # the owner of the bench tenant, with the demo owner's password (haarmonie-demo)
    echo "INSERT INTO users (name, email, password, company_id, created_at, updated_at) SELECT 'Bench', 'bench@example.com',"
    echo " password, 1001, NOW(), NOW() FROM users WHERE email = 'owner@salon-haarmonie.example.com';"
    # what the call, event and callbacks pages and the webhooks search read (issue 17): a Retell event per call,
    # a booking function run in each call booked during it, a callback item for 5 % of the calls, 1 % of customers with email
    echo "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload, headers, status,"
    echo " processed_at, received_at, created_at, updated_at) SELECT 'retell', company_id, 'call_ended', retell_call_id,"
    echo " CONCAT('retell:', retell_call_id), JSON_OBJECT('event', 'call_ended', 'call', JSON_OBJECT('call_id', retell_call_id,"
    echo " 'from_number', from_number)), '{}', 'processed', end_timestamp, end_timestamp, end_timestamp, end_timestamp"
    echo " FROM calls WHERE company_id = 1001;"
    echo "INSERT INTO switchboard_function_calls (retell_call_id, call_id, company_id, function_name, args_json, success, message,"
    echo " outcome, appointment_id, duration_us, provider_at, created_at) SELECT c.retell_call_id, c.id, c.company_id,"
    echo " 'book_appointment', '{\"name\":\"B\"}', 1, 'Gebucht.', 'booked', a.id, 120000, a.created_at, a.created_at"
    echo " FROM appointments a JOIN calls c ON c.id = a.call_id WHERE a.company_id = 1001 AND a.source = 'phone';"
    echo "INSERT INTO switchboard_callbacks (company_id, call_id, retell_call_id, customer_id, caller_number, reason, status,"
    echo " created_at) SELECT company_id, id, retell_call_id, customer_id, from_number, 'no_booking_after_request',"
    echo " IF(id % 3 = 0, 'open', 'done'), end_timestamp FROM calls WHERE company_id = 1001 AND id % 20 = 7;"
    echo "UPDATE customers SET email = CONCAT(LOWER(name), '@bench.example.com') WHERE company_id = 1001 AND id % 100 = 1;"; } | $SQL
  echo "# data loaded in $(( $(date +%s) - load0 )) s"
  "$ROOT/bin/switchboard" -c "$TMP/switchboard.conf" detect-conversions --since 40d --auto-link >/dev/null
  # rows written with SQL note no day: aggregate them once, as after installing next to a filled database
  echo "# stats --rebuild: $("$ROOT/bin/switchboard" -c "$TMP/switchboard.conf" stats --rebuild --company 1001 | head -1)"
  calls=$($SQL -N -e "SELECT COUNT(*) FROM calls WHERE company_id = 1001")
  appts=$($SQL -N -e "SELECT COUNT(*) FROM appointments WHERE company_id = 1001")
  URL="http://127.0.0.1:$PORT"
  # the login form's token, in its field and its cookie (DESIGN D134)
  tok=$(curl -s "$URL/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
  cookie=$(curl -s -o /dev/null -D - -b "sb_login=$tok" --data "csrf=$tok&email=bench@example.com&password=haarmonie-demo" "$URL/login" \
           | sed -n 's/^Set-Cookie: \(sb_session=[^;]*\).*/\1/p')
  [ -n "$cookie" ] || { echo "bench: login failed" >&2; exit 1; }
  # the newest call booked during the call (its function log), its event, a customer with email (issue 17 pages)
  cid=$($SQL -N -e "SELECT MAX(call_id) FROM switchboard_function_calls WHERE company_id = 1001")
  rid=$($SQL -N -e "SELECT retell_call_id FROM calls WHERE id = $cid")
  phone=$($SQL -N -e "SELECT REPLACE(from_number, '+', '%2B') FROM calls WHERE id = $cid")
  eid=$($SQL -N -e "SELECT id FROM webhook_events WHERE event_id = '$rid'")
  email=$($SQL -N -e "SELECT REPLACE(MAX(email), '@', '%40') FROM customers WHERE company_id = 1001 AND email IS NOT NULL")
  echo "# tenant 1001: $calls calls, $appts appointments; $N requests per page, one at a time; server time = curl's time to last byte over loopback"
  echo "| page | p50 ms | p95 ms | max ms |"
  echo "|---|---|---|---|"
  for page in /static/switchboard.css / "/?days=90" /channels /agents /calls "/calls?q=%2B4917000000123" "/calls?q=B123456" \
              /appointments \
              /webhooks "/webhooks/live.json?after=0" "/calls.csv?days=1" \
              "/call?id=$cid" "/webhook?id=$eid" "/webhooks?q=$rid" "/webhooks?q=$phone" "/webhooks?q=$email" \
              /callbacks "/callbacks?status=all" "/callbacks.csv?status=all"; do
    for i in $(seq "$N"); do curl -s -o /dev/null -H "Cookie: $cookie" -w '%{time_total}\n' "$URL$page"; done \
      | sort -n | awk -v p="$page" '{ t[NR] = $1 * 1000 } END { i = int(NR * 0.95 + 0.5); if (i < 1) i = 1;
          printf "| %s%s | %.1f | %.1f | %.1f |\n", p, (p ~ /static/ ? " (baseline: nginx, static file)" : ""),
          t[int((NR + 1) / 2)], t[i], t[NR] }'
  done
  ;;
*) echo "unknown benchmark $WHAT" >&2; exit 2 ;;
esac
