#!/usr/bin/env bash
# run.sh BINDIR: `make fault`, the fault scenarios of issue 9 under load, on a private stack.
#
# Boots a stack like tests/run.sh (temporary dir, free loopback port, test probe
# on), then for each scenario: starts BINDIR/fault_load sending signed events
# (Cal.com and Retell routes), injects the fault, restores, stops the load two
# seconds after the fault ended and lets `fault_load check` wait (bounded) until
# everything acknowledged is stored and processed exactly once. Prints one table;
# exits 1 if anything acknowledged was lost, duplicated or left unprocessed
# (each wait is bounded: 60 s; the whole run takes about 2 minutes).
#   a  kill -9 MariaDB, down 20 s, restart
#   b  kill -9 every FastCGI child every 2 s for 20 s (multiwatch respawns them)
#   c  kill -9 the worker while it holds an event (probe retries sleep in the
#      worker), restart it, repeatedly for 20 s
#   d  spool on a 2 MiB tmpfs, MariaDB killed: the spool fills, then 503s; DB back
# Needs root for d (mount); without it d is reported as skipped.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=$(cd "$1" && pwd)
cd "$ROOT"
LOAD=$BINDIR/fault_load
TMP=$(mktemp -d /tmp/switchboard-fault.XXXXXX)
PORT=$(for p in $(shuf -i 20000-40000 -n 200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; break; }; done)
URL=http://127.0.0.1:$PORT
CONF=$TMP/switchboard.conf
RUN=$TMP/run
LOAD_PID=
cleanup() {
  [ -n "$LOAD_PID" ] && kill -TERM "$LOAD_PID" 2>/dev/null
  mountpoint -q "$TMP/spool" && umount "$TMP/spool"
  SB_QUIET=1 conf/stack.sh stop "$TMP" >/dev/null 2>&1
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
stack() { SB_QUIET=1 conf/stack.sh "$@" "$TMP" >>"$TMP/log/stack-fault.log" 2>&1; }
sql() { mariadb --no-defaults --socket="$RUN/mysqld.sock" -u "$(id -un)" askproai -N -e "$1"; }

# the probe counts committed runs; short leases and a 100x faster retry schedule keep it within minutes
export SB_EXTRA_CONF="pipeline.test_probe = 1
pipeline.retry_scale_permille = 10
pipeline.lease_seconds = 5"
echo "# booting the fault stack in $TMP on 127.0.0.1:$PORT (pool of 2, one worker)"
SB_QUIET=1 SB_POOL=2 conf/stack.sh start "$TMP" "$PORT" >"$TMP/stack-start.log" 2>&1 || { cat "$TMP/stack-start.log"; exit 1; }
sql "CREATE TABLE IF NOT EXISTS switchboard_test_probe (webhook_event_id BIGINT UNSIGNED PRIMARY KEY,
     event_id VARCHAR(191) NOT NULL, attempt INT NOT NULL, owner VARCHAR(100) NOT NULL,
     runs INT NOT NULL DEFAULT 1, created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))"

failed=0
ROWS=()
NOTES=()

# scenario NAME FAULT_FUNCTION CHECK_FLAG [load args: THREADS PACE_MS PAD TRANSIENT SLEEP_MS]
scenario() {
  local name=$1 fault=$2 flag=$3; shift 3
  local tag; tag=$(echo "$name" | cut -c1)$(date +%s)
  echo "# scenario $name: load on, fault in 3 s"
  "$LOAD" send "$URL" "$CONF" "$tag" "$TMP/$tag.ledger" "$@" &
  LOAD_PID=$!
  sleep 3
  "$fault"
  local end; end=$(now_ms)
  sleep 2
  kill -TERM "$LOAD_PID"; wait "$LOAD_PID"; LOAD_PID=
  local row
  row=$("$LOAD" check "$CONF" "$tag" "$TMP/$tag.ledger" "$end" 60 "$name" $flag 2>>"$TMP/log/fault-check.log") || failed=1
  ROWS+=("$row")
}

kill_db() { kill -KILL "$(cat "$RUN/mysqld.pid")"; }
fault_db() {
  kill_db; sleep 20; stack start-db || { echo "# MariaDB did not come back"; failed=1; }
}
fault_children() {
  local kills=0
  for _ in $(seq 10); do
    for c in $(ps -o pid= --ppid "$(cat "$RUN/spawn-fcgi.pid")"); do kill -KILL "$c" && kills=$((kills + 1)); done
    sleep 2
  done
  NOTES+=("b: $kills children killed in 10 rounds; multiwatch respawned them")
}
fault_worker() {
  local t0 kills=0 mid=0 pid
  t0=$(date +%s)
  while [ $(($(date +%s) - t0)) -lt 20 ]; do
    pid=$(cat "$RUN/worker.pid")
    # wait (up to 3 s) until the worker holds an event, then kill it in the middle of it
    for _ in $(seq 30); do
      [ "$(sql "SELECT COUNT(*) FROM webhook_events WHERE status = 'processing' AND lease_owner LIKE '%:$pid'")" != 0 ] && break
      sleep 0.1
    done
    [ "$(sql "SELECT COUNT(*) FROM webhook_events WHERE status = 'processing' AND lease_owner LIKE '%:$pid'")" != 0 ] \
      && mid=$((mid + 1))
    kill -KILL "$pid"; kills=$((kills + 1))
    sleep 1
    stack start-worker
    sleep 2
  done
  NOTES+=("c: worker killed $kills times, $mid of them while it held an event")
}
fault_spool() {
  kill_db
  local t0; t0=$(date +%s)
  sleep 20
  NOTES+=("d: spool (2 MiB tmpfs) held $(find "$TMP/spool" -maxdepth 1 -name '*.ev' | wc -l) events when MariaDB came back ($(df -k --output=used "$TMP/spool" | tail -1) KiB used)")
  stack start-db || { echo "# MariaDB did not come back"; failed=1; }
}

# a file in spool/rejected/ or a torn .tmp- file after a scenario is an acknowledged event the DB never got
spool_clean() {
  local left; left=$(find "$TMP/spool" -name '.tmp-*' -o -path "$TMP/spool/rejected/*" | wc -l)
  [ "$left" = 0 ] || { NOTES+=("$1: $left files left in spool/rejected or torn .tmp- files"); failed=1; }
}

scenario "a: MariaDB kill -9, 20 s" fault_db - 3 20
spool_clean a
scenario "b: FastCGI children kill -9" fault_children - 3 20
scenario "c: worker kill -9 mid-event" fault_worker - 2 250 0 1 150
if [ -z "$(find "$TMP/spool" -maxdepth 1 -name '*.ev')" ] && mount -t tmpfs -o size=2m,mode=0750 tmpfs "$TMP/spool" 2>/dev/null; then
  mkdir -p "$TMP/spool/rejected"
  scenario "d: spool disk full, DB down" fault_spool expect-503 3 20 16384
  spool_clean d
  umount "$TMP/spool" || { sleep 2; umount "$TMP/spool"; }
else
  ROWS+=("| d: spool disk full, DB down | skipped: cannot mount a tmpfs on the spool (needs root) |")
fi

echo
echo "| scenario                     |  sent | acked | stored | dup. | lost | unprocessed |  503 | other | stored, not acked  |  recovery |"
echo "|------------------------------|-------|-------|--------|------|------|-------------|------|-------|--------------------|-----------|"
for r in "${ROWS[@]}"; do echo "$r"; done
for n in "${NOTES[@]}"; do echo "# $n"; done
sed -n 's/^fault_load: 503 message: /# a 503 said: /p' "$TMP/log/fault-check.log" | sort -u
trap - EXIT
cleanup
if [ "$failed" != 0 ]; then
  echo "# FAILED: the stack's files are kept in $TMP"
  grep -v '503 message' "$TMP/log/fault-check.log" | head -n 20 | sed 's/^/#   /'
  exit 1
fi
rm -rf "$TMP"
echo "# all acknowledged events stored and processed exactly once"
