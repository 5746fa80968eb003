#!/usr/bin/env bash
# run.sh BINDIR WHAT: benchmarks on a private stack (like the tests: temp dir, free port).
#   ceiling    switchboard ingest against nginx, an empty FastCGI responder, MariaDB, PHP (ceiling.sh)
#   pipeline   ack latency, end-to-end lag, events/s; then again with a worker killed half-way
#   functions  switchboard's own time per phone-agent function call, Cal.com at 0 and 300 ms
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
echo "# $(nproc) cores, $(lscpu 2>/dev/null | sed -n "s/^Model name: *//p" | head -1), pool of $(nproc) serve children + 1 worker, durable inserts (innodb_flush_log_at_trx_commit=1)"
case $WHAT in
ceiling)
  tests/bench/ceiling.sh "$BINDIR" "$TMP" "$PORT"
  ;;
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
