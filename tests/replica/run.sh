#!/usr/bin/env bash
# run.sh BINDIR: `make check-replica`, scale-out on MariaDB on this machine (issue 10,
# item 5; docs/SCALING.md, DESIGN D77-D79).
#
# Boots, in a temporary directory on free loopback ports, through conf/stack.sh:
# a MariaDB primary (binlog, server-id 1, listening on loopback for its replica),
# a replica following it (GTID, server-id 2, read-only), two `switchboard serve`
# pools on two sockets behind one nginx upstream, one worker, with
# db.read_socket pointing at the replica. Then checks:
#   1. replication runs;
#   2. a week of `switchboard simulate` traffic through nginx: every acknowledged
#      webhook stored once and processed; signed probe events (tests/fault/load.c)
#      stored and committed exactly once (the probe counts committed runs);
#   3. both pools served webhooks (their request logs) and the worker's processes
#      committed every probe run (the committing pid; D183: pools do not process);
#   4. dashboard reads come from the replica: with the replica's SQL thread held
#      (FLUSH TABLES WITH READ LOCK on the replica), a marker row inserted on the
#      primary is not on the webhooks page while the lag is within
#      db.read_max_lag_seconds; once the lag exceeds it, the page falls back to
#      the primary and shows it; with replication stopped (NULL lag) and with the
#      replica down, pages come from the primary (and the log says why).
# Prints "N passed, M failed"; keeps the directory on failure. No timing is
# asserted: waits poll with generous deadlines (two shared cores). ~2-3 minutes.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=$(cd "$1" && pwd)
cd "$ROOT"
BIN=$ROOT/bin/switchboard
LOAD=$BINDIR/fault_load
TMP=$(mktemp -d /tmp/switchboard-replica.XXXXXX)
RUN=$TMP/run; LOG=$TMP/log; CONF=$TMP/switchboard.conf
# under SANITIZE=1 every process writes its reports here; any report fails the run
mkdir -p "$LOG"
export ASAN_OPTIONS="log_path=$LOG/sanitizer:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="log_path=$LOG/sanitizer:print_stacktrace=1:${UBSAN_OPTIONS:-}"
ME=$(id -un)
MAX_LAG=12
free_port() {
  local p
  for p in $(shuf -i 20000-40000 -n 200); do
    [ "$p" = "${1:-}" ] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}
PORT=$(free_port); DBPORT=$(free_port "$PORT")
URL=http://127.0.0.1:$PORT
LOCK_PID=
cleanup() {
  [ -n "$LOCK_PID" ] && kill "$LOCK_PID" 2>/dev/null
  SB_QUIET=1 conf/stack.sh stop "$TMP" >/dev/null 2>&1
}
trap cleanup EXIT
psql() { mariadb --no-defaults --socket="$RUN/mysqld.sock" -u "$ME" askproai -N -e "$1"; }
rsql() { mariadb --no-defaults --socket="$RUN/db-replica.sock" -u "$ME" askproai -N -e "$1"; }
now_ms() { date +%s%3N; }
passed=0; failed=0
ok() { echo "ok $((passed + failed + 1)) - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok $((passed + failed + 1)) - $1"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
# poll SECONDS COMMAND...: until the command succeeds
poll() { local t=$1; shift; for _ in $(seq $((t * 2))); do "$@" && return 0; sleep 0.5; done; return 1; }

echo "# booting primary + replica, pools a and b behind one upstream, in $TMP on 127.0.0.1:$PORT (MariaDB on :$DBPORT)"
export SB_EXTRA_CONF="db.read_socket = $RUN/db-replica.sock
db.read_max_lag_seconds = $MAX_LAG
pipeline.test_probe = 1
pipeline.lease_seconds = 5"
export SB_FAKE=$BINDIR/fake_providers
if ! SB_QUIET=1 SB_POOL=2 SB_DB_PORT=$DBPORT SB_REPLICA=1 SB_EXTRA_POOLS=b conf/stack.sh start "$TMP" "$PORT" >"$TMP/stack-start.log" 2>&1; then
  cat "$TMP/stack-start.log"; echo "0 passed, 1 failed"; exit 1
fi

# ---- 1. replication
status=$(mariadb --no-defaults --socket="$RUN/db-replica.sock" -u "$ME" -e "SHOW REPLICA STATUS\G")
check "the replica follows the primary (IO and SQL threads running, GTID)" \
  grep -q 'Slave_SQL_Running: Yes' <<<"$status"
grep -q 'Slave_IO_Running: Yes' <<<"$status" && grep -q 'Using_Gtid: Slave_Pos' <<<"$status" || not_ok "replica IO thread / GTID: $status"

# ---- 2. traffic through nginx: a week of simulate, then signed probe events
before=$(psql "SELECT COALESCE(MAX(id), 0) FROM webhook_events")
out=$("$BIN" -c "$CONF" simulate --history 7d --seed 7 --company 2 --url "$URL" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/#   /'
check "simulate --history 7d exits 0 (every answer as planned)" test "$rc" = 0
accepted=$(sed -n 's/.*webhooks *accepted \([0-9]*\).*/\1/p' <<<"$out")
settled() { [ "$(psql "SELECT COUNT(*) FROM webhook_events WHERE id > $before AND status NOT IN ('processed', 'ignored', 'dead')")" = 0 ]; }
check "every simulated webhook settles (processed, ignored or dead) within 180 s" poll 180 settled
sim="id > $before AND provider IN ('calcom', 'retell')"
check "webhook_events rows = acknowledged ($accepted)" test "$(psql "SELECT COUNT(*) FROM webhook_events WHERE $sim")" = "${accepted:-x}"
check "one row per idempotency key" test "$(psql "SELECT COUNT(DISTINCT idempotency_key) FROM webhook_events WHERE $sim")" = "${accepted:-x}"
check "every one processed" test "$(psql "SELECT COUNT(*) FROM webhook_events WHERE $sim AND status <> 'processed'")" = 0

psql "CREATE TABLE IF NOT EXISTS switchboard_test_probe (webhook_event_id BIGINT UNSIGNED PRIMARY KEY,
      event_id VARCHAR(191) NOT NULL, attempt INT NOT NULL, owner VARCHAR(100) NOT NULL,
      runs INT NOT NULL DEFAULT 1, created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))"
tag=r$(date +%s)
# (the load tool, not switchboard, keeps its curl handles when it is stopped: no leak report for it)
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" "$LOAD" send "$URL" "$CONF" "$tag" "$TMP/probe.ledger" 2 30 >>"$LOG/probe-load.log" 2>&1 &
load_pid=$!
sleep 8
kill -TERM "$load_pid"; wait "$load_pid"
row=$("$LOAD" check "$CONF" "$tag" "$TMP/probe.ledger" "$(now_ms)" 90 "probes over two pools" 2>>"$LOG/probe-check.log"); rc=$?
echo "#   $row"
check "probe events: every acknowledged one stored once and committed exactly once" test "$rc" = 0

# ---- 3. both pools took the webhooks; the worker's processes committed them (DESIGN D183: a serve
# child wakes the worker instead of processing after its ack, so no pool child commits a probe run)
pool_pids() { ps -o pid= --ppid "$(cat "$RUN/spawn-fcgi$1.pid")" | tr -d ' '; }
runs_of() { # runs_of PID...: probe runs committed by these processes
  local n=0 pid
  for pid in "$@"; do n=$((n + $(psql "SELECT COUNT(*) FROM switchboard_test_probe WHERE event_id LIKE 'fault-$tag-%' AND owner LIKE '%:$pid'"))); done
  echo "$n"
}
wpid=$(cat "$RUN/worker.pid")
posts_a=$(grep -c ' POST /api/' "$LOG/switchboard.log"); posts_b=$(grep -c ' POST /api/' "$LOG/switchboard-b.log")
runs_a=$(runs_of $(pool_pids "")); runs_b=$(runs_of $(pool_pids "-b"))
runs_w=$(runs_of "$wpid" $(ps -o pid= --ppid "$wpid" | tr -d ' '))
runs_all=$(psql "SELECT COUNT(*) FROM switchboard_test_probe WHERE event_id LIKE 'fault-$tag-%'")
echo "# webhook POSTs served: pool a $posts_a, pool b $posts_b; probe runs committed in pool a $runs_a, pool b $runs_b, by the worker's processes $runs_w of $runs_all"
check "nginx's upstream spread the webhooks over both pools" test "$posts_a" -gt 0 -a "$posts_b" -gt 0
check "the worker's processes committed every probe event of both pools (D183)" test "$runs_all" -gt 0 -a "$runs_w" = "$runs_all"

# ---- 4. dashboard reads on the replica, and the fallbacks
tok=$(curl -s "$URL/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p') # the form's token (DESIGN D134)
cookie=$(curl -s -D - -o /dev/null -b "sb_login=$tok" --data "csrf=$tok&email=operator@switchboard.example.com&password=switchboard-demo" "$URL/login" \
  | sed -n 's/^[Ss]et-[Cc]ookie: \(sb_session=[^;]*\).*/\1/p' | tr -d '\r')
check "operator login" test -n "$cookie"
page() { curl -s -H "Cookie: $cookie" "$URL$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$URL$1"; }
pages_ok() {
  local p c
  for p in / /channels /agents /calls /appointments /webhooks /webhooks/live.json /calls.csv /appointments.csv /report.csv; do
    c=$(code "$p")
    [ "$c" = 200 ] || { echo "#   $p answered $c"; return 1; }
  done
}
caught_up() { [ "$(rsql "SELECT MASTER_GTID_WAIT('$(psql "SELECT @@gtid_binlog_pos")', 60)")" = 0 ]; }
check "the replica caught up with the traffic" caught_up
check "every dashboard page and export answers 200 with reads on the replica" pages_ok
lag() { mariadb --no-defaults --socket="$RUN/db-replica.sock" -u "$ME" -e "SHOW REPLICA STATUS\G" | sed -n 's/.*Seconds_Behind_Master: //p'; }
marker() { # marker NAME: a row only the primary has (for now), shown on the webhooks page
  psql "INSERT INTO webhook_events (provider, event_type, event_id, idempotency_key, payload, status, created_at, updated_at)
        VALUES ('marker', 'REPLICA_MARKER', '$1', 'marker:$1', '{}', 'ignored', NOW(), NOW())"
}
shows() { page /webhooks | grep -q "$1"; }

# hold the replica's SQL thread: FLUSH TABLES WITH READ LOCK in a session that stays open
mariadb --no-defaults --socket="$RUN/db-replica.sock" -u "$ME" --unbuffered -N \
  -e "FLUSH TABLES WITH READ LOCK; SELECT 'locked'; SELECT SLEEP(600)" >"$TMP/lock.out" 2>&1 &
LOCK_PID=$!
poll 30 grep -q locked "$TMP/lock.out" || not_ok "FLUSH TABLES WITH READ LOCK on the replica"
m1=replica-marker-lag-$tag
marker "$m1"
seen=0
for _ in 1 2 3 4 5 6 7 8; do shows "$m1" && seen=$((seen + 1)); done
lag_after=$(lag)
echo "# marker $m1 on the primary: $(psql "SELECT COUNT(*) FROM webhook_events WHERE event_id = '$m1'") row, on the replica: $(rsql "SELECT COUNT(*) FROM webhook_events WHERE event_id = '$m1'"); replica lag after 8 page loads: ${lag_after:-NULL} s (limit $MAX_LAG)"
if [ "${lag_after:-99}" -le "$MAX_LAG" ] 2>/dev/null; then
  check "within the lag limit the webhooks page reads the replica (marker not shown in 8 loads over both pools)" test "$seen" = 0
else
  not_ok "the 8 page loads took longer than the lag limit ($MAX_LAG s): inconclusive"
fi
check "over the lag limit the page falls back to the primary (marker shown within 90 s)" poll 90 shows "$m1"
check "... while the replica still lacks the marker" test "$(rsql "SELECT COUNT(*) FROM webhook_events WHERE event_id = '$m1'")" = 0
check "... and the log says why (replica lags N s, more than db.read_max_lag_seconds)" \
  grep -qh 'falling back to the primary: replica lags' "$LOG/switchboard.log" "$LOG/switchboard-b.log"
kill "$LOCK_PID"; wait "$LOCK_PID" 2>/dev/null; LOCK_PID=
check "the replica catches up once released" caught_up
back() { page /webhooks >/dev/null; [ "$(cat "$LOG"/switchboard*.log | grep -c 'db reads: on the replica (lag')" -gt "$1" ]; }
n_on=$(cat "$LOG"/switchboard*.log | grep -c 'db reads: on the replica (lag')
check "reads return to the replica when the lag is back under the limit (log)" poll 60 back "$n_on"

# replication stopped: Seconds_Behind_Master is NULL, the replica is stale however fresh its data
rsql "STOP SLAVE"
m2=replica-marker-stopped-$tag
marker "$m2"
check "replication stopped (NULL lag): the page comes from the primary (marker shown)" poll 60 shows "$m2"
check "... the replica does not have it" test "$(rsql "SELECT COUNT(*) FROM webhook_events WHERE event_id = '$m2'")" = 0
check "... and the log says replication is stopped or broken" \
  grep -qh 'falling back to the primary: replication is stopped or broken' "$LOG/switchboard.log" "$LOG/switchboard-b.log"

# the replica down: every page still answers, from the primary, even before the next lag check
rsql "START SLAVE"
check "replication restarted: the replica catches up" caught_up
for _ in 1 2 3 4 5 6 7 8; do page /webhooks >/dev/null; done
SB_QUIET=1 conf/stack.sh stop-replica "$TMP" >/dev/null 2>&1
check "replica down: every dashboard page and export answers 200 at once (from the primary)" pages_ok
unusable() { page /webhooks >/dev/null; grep -qh 'falling back to the primary: replica unusable' "$LOG/switchboard.log" "$LOG/switchboard-b.log"; }
check "... and the log says the replica is unusable" poll 60 unusable

trap - EXIT
cleanup
for f in "$LOG"/sanitizer.*; do
  [ -f "$f" ] || continue
  echo "# sanitizer report $f:"; sed 's/^/#   /' "$f" | head -n 30
  not_ok "sanitizer report $(basename "$f")"
done
if [ "$failed" = 0 ]; then
  rm -rf "$TMP"
else
  for f in "$LOG"/switchboard*.log "$LOG"/db-replica.err "$LOG"/nginx-error.log; do
    [ -f "$f" ] || continue
    echo "# --- tail of $f"; tail -n 15 "$f" | sed 's/^/#   /'
  done
  echo "# the stack's files are kept in $TMP"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
