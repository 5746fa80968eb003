#!/usr/bin/env bash
# statements.sh: statements per processed event, counted with MariaDB's general log (make bench-statements).
# Deterministic (a count, not a time), so it may run on a loaded machine. On a private stack:
# the worker is stopped, K Cal.com bookings (a new customer each) and K Retell calls (started,
# ended, analyzed; a new caller each) are posted and stored, then the log is switched on and one
# worker round processes them; the log's statements are classified by kind and divided by the
# number of events. Ingest (the INSERT of webhook_events) is not part of these figures.
#   statements.sh [K]   (default 20; K <= 32, one claim batch)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
K=${1:-20}
cd "$ROOT"
TMP=$(mktemp -d /tmp/switchboard-stmts.XXXXXX)
PORT=$(for p in $(shuf -i 20000-40000 -n 200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; break; }; done)
trap 'SB_QUIET=1 conf/stack.sh stop "$TMP" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
export SB_FAKE=${SB_FAKE:-$ROOT/build/rel/tests/fake_providers}
SB_EXTRA_CONF=$'pipeline.fast_path = 0\npipeline.workers = 1' SB_QUIET=1 conf/stack.sh start "$TMP" "$PORT" >/dev/null
SB_QUIET=1 conf/stack.sh stop-worker "$TMP" >/dev/null
SQL="mariadb --no-defaults --socket=$TMP/run/mysqld.sock -u $(id -un) askproai"
SB="$ROOT/bin/switchboard -c $TMP/switchboard.conf"
URL=http://127.0.0.1:$PORT

post() { # post PROVIDER FILE
  local hdr=X-Cal-Signature-256 path=/api/calcom/webhook
  [ "$1" = retell ] && { hdr=X-Retell-Signature; path=/api/retell/webhook; }
  curl -sSf -o /dev/null -H 'Content-Type: application/json' -H "$hdr: $($SB sign "$1" "$2")" --data-binary @"$2" "$URL$path"
}

# count KIND: process the stored events in one worker round with the log on; print the table
count() {
  local kind=$1 pending
  $SQL -e "TRUNCATE mysql.general_log; SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1"
  SB_QUIET=1 conf/stack.sh start-worker "$TMP" >/dev/null
  for _ in $(seq 600); do
    pending=$($SQL -N -e "SELECT COUNT(*) FROM webhook_events WHERE status IN ('pending','processing','failed')")
    [ "$pending" = 0 ] && break; sleep 0.1
  done
  SB_QUIET=1 conf/stack.sh stop-worker "$TMP" >/dev/null
  $SQL -e "SET GLOBAL general_log = 0"
  local events; events=$($SQL -N -e "SELECT COUNT(*) FROM webhook_events WHERE provider = '$kind' AND status = 'processed'")
  echo "## $kind: $events events processed (by one worker, statements from its connection)"
  # the worker's own connection; a statement is an Execute (prepared) or a Query (text)
  $SQL -N -e "
    SELECT CONCAT('| ', k, ' | ', n, ' | ', ROUND(n / $events, 2), ' |') FROM (
    SELECT CASE
      WHEN a LIKE 'CREATE TEMPORARY%' OR a LIKE 'DROP TEMPORARY%' THEN 'linker: temporary table DDL'
      WHEN a LIKE 'DELETE FROM sb_lk%' OR a LIKE 'TRUNCATE sb_lk%' THEN 'linker: clear temporary tables'
      WHEN a LIKE '%sb_lk_%' THEN 'linker: set-based steps'
      WHEN a LIKE 'INSERT IGNORE INTO switchboard_stats_dirty%' THEN 'daily aggregates: dirty marks'
      WHEN a LIKE '%switchboard_stats%' OR a LIKE '%switchboard_daily%' OR a LIKE 'SELECT x.b,%' OR a LIKE 'SELECT v.b,%'
        OR a LIKE 'SELECT k.b,%' OR a LIKE 'SELECT COALESCE(c.branch_id, %' OR a LIKE 'SELECT COUNT(*), COALESCE(SUM(status = %'
        OR a LIKE 'SELECT COUNT(*) FROM webhook_events WHERE status IN%' THEN 'daily aggregates: refresh (background)'
      WHEN a LIKE '%FROM webhook_events w WHERE%' OR a LIKE '%FOR UPDATE SKIP LOCKED%' OR a LIKE 'UPDATE webhook_events SET status = ''processing''%'
        OR a LIKE 'SELECT id FROM webhook_events WHERE provider = % AND event_id = %' THEN 'pipeline: claim'
      WHEN a LIKE '%FROM webhook_events%' OR a LIKE 'UPDATE webhook_events%' THEN 'pipeline: load, finish'
      WHEN a LIKE '%DATE_FORMAT%' THEN 'daily aggregates: day notes (SELECT)'
      WHEN a LIKE '%information_schema%' THEN 'information_schema reads'
      WHEN a LIKE 'INSERT INTO switchboard_audit%' THEN 'audit rows'
      WHEN a IN ('BEGIN', 'COMMIT', 'ROLLBACK') OR a LIKE 'START TRANSACTION%' OR a LIKE 'SET %' THEN 'transaction control, session'
      WHEN a LIKE 'SELECT%' OR a LIKE '(SELECT%' THEN 'handler: SELECT'
      ELSE 'handler: INSERT/UPDATE' END k, COUNT(*) n
    FROM (SELECT TRIM(CONVERT(argument USING utf8mb4)) a FROM mysql.general_log
          WHERE command_type IN ('Execute', 'Query') AND thread_id IN
            (SELECT DISTINCT thread_id FROM mysql.general_log WHERE argument LIKE '%lease_owner%')) s
    GROUP BY k ORDER BY n DESC) t;
    SELECT CONCAT('| total | ', COUNT(*), ' | ', ROUND(COUNT(*) / $events, 2), ' |') FROM mysql.general_log
    WHERE command_type IN ('Execute', 'Query') AND thread_id IN
      (SELECT DISTINCT thread_id FROM mysql.general_log WHERE argument LIKE '%lease_owner%');
    -- per event: without the background refresh (its statements, and a START TRANSACTION + COMMIT per day it recomputed)
    SELECT CONCAT('| **per event, without the background refresh** | ', n - bg - 2 * days, ' | **', ROUND((n - bg - 2 * days) / $events, 2), '** |')
    FROM (SELECT COUNT(*) n,
      SUM(a LIKE '%switchboard_stats%' AND a NOT LIKE 'INSERT IGNORE INTO switchboard_stats_dirty%' OR a LIKE '%switchboard_daily%'
        OR a LIKE 'SELECT x.b,%' OR a LIKE 'SELECT v.b,%' OR a LIKE 'SELECT k.b,%' OR a LIKE 'SELECT COALESCE(c.branch_id, %'
        OR a LIKE 'SELECT COUNT(*), COALESCE(SUM(status = %' OR a LIKE 'SELECT COUNT(*) FROM webhook_events WHERE status IN%') bg,
      SUM(a LIKE 'DELETE FROM switchboard_daily_stats %') days
      FROM (SELECT TRIM(CONVERT(argument USING utf8mb4)) a FROM mysql.general_log WHERE command_type IN ('Execute', 'Query')
        AND thread_id IN (SELECT DISTINCT thread_id FROM mysql.general_log WHERE argument LIKE '%lease_owner%')) s) t;"
  [ -n "${STMTS_DUMP:-}" ] && $SQL -N -e "SELECT command_type, LEFT(CONVERT(argument USING utf8mb4), 160) FROM mysql.general_log
    WHERE command_type IN ('Execute', 'Query')" >"$STMTS_DUMP.$kind"
  return 0
}

F=$TMP/ev.json
for i in $(seq "$K"); do
  jq --arg u "stmts-$i-$RANDOM" --arg e "stmts-$i@example.com" --arg p "+49151000$(printf %05d "$i")" \
    '.payload.uid = $u | .payload.attendees[0].email = $e | .payload.attendees[0].phoneNumber = $p' \
    tests/fixtures/calcom/webhook_booking_created.json >"$F"
  post calcom "$F"
done
count calcom
for i in $(seq "$K"); do
  for ev in started ended analyzed; do
    jq --arg c "call_stmts_${i}_$RANDOM$RANDOM" --arg p "+49176000$(printf %05d "$i")" \
      '.call.call_id = $c | .call.from_number = $p' "tests/fixtures/retell/webhook_call_$ev.json" >"$F.$ev"
  done
  for ev in started ended analyzed; do
    jq --arg c "$(jq -r .call.call_id "$F.started")" '.call.call_id = $c' "$F.$ev" >"$F" && post retell "$F"
  done
done
count retell
