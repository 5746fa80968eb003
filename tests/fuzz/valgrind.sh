#!/usr/bin/env bash
# valgrind.sh BINDIR: `make valgrind`. Boots a private stack (conf/stack.sh, as
# make test does, on a free port in a temporary directory) whose FastCGI pool is
# ONE `switchboard serve` child running under valgrind memcheck
# (SB_POOL=1, SB_POOL_WRAPPER=tests/fuzz/vg-wrap.sh), sends it VG_REQUESTS
# (default 10000) requests of a mix of routes with BINDIR/vg_drive, stops the
# child gracefully (SIGTERM between requests) and reads valgrind's report.
# Fails on any memcheck error (invalid read/write/free, uninitialised use),
# on any "definitely lost" block, if the child was ever restarted, or if the
# driver saw an unexpected status. Prints the report's summary; the whole
# report is kept as build/valgrind.log.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=$(cd "$1" && pwd)
cd "$ROOT"
TMP=$(mktemp -d /tmp/switchboard-valgrind.XXXXXX)
LOG=$TMP/log
mkdir -p "$LOG"
port=""
for p in $(shuf -i 40001-50000 -n 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }; done
[ -n "$port" ] || { echo "valgrind: no free port" >&2; exit 1; }
export VG_LOG_DIR=$LOG SB_FAKE=$BINDIR/fake_providers
echo "# booting the stack in $TMP on 127.0.0.1:$port, one serve child under valgrind"
if ! SB_QUIET=1 SB_POOL=1 SB_POOL_WRAPPER="$ROOT/tests/fuzz/vg-wrap.sh" conf/stack.sh start "$TMP" "$port" >"$TMP/stack-start.log" 2>&1; then
  cat "$TMP/stack-start.log"; conf/stack.sh stop "$TMP" >/dev/null 2>&1; exit 1
fi
# the child starts slowly under valgrind: wait for its first answer
for _ in $(seq 120); do curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null && break; sleep 0.5; done
start=$(date +%s)
SB_TEST_URL="http://127.0.0.1:$port" SB_TEST_VAR=$TMP SB_TEST_ROOT=$ROOT "$BINDIR/vg_drive" 2>&1 | tee "$TMP/drive.log" | grep -v '^ok\|^1\.\.'
drive_rc=${PIPESTATUS[0]}
echo "# driver: exit $drive_rc in $(( $(date +%s) - start ))s"
SB_QUIET=1 conf/stack.sh stop-pool "$TMP" >/dev/null 2>&1
logs=("$LOG"/valgrind.*.log)
for _ in $(seq 240); do grep -q 'ERROR SUMMARY' "${logs[0]}" 2>/dev/null && break; sleep 0.5; done
SB_QUIET=1 conf/stack.sh stop "$TMP" >/dev/null 2>&1
fail=()
[ "$drive_rc" = 0 ] || fail+=("driver exit $drive_rc")
[ ${#logs[@]} = 1 ] || fail+=("${#logs[@]} valgrind reports: the child was restarted")
main=${logs[0]}
mkdir -p build && cp "$main" build/valgrind.log
echo "# valgrind report ($main, kept as build/valgrind.log):"
grep -E 'HEAP SUMMARY|in use at exit|total heap usage|LEAK SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|suppressed|ERROR SUMMARY' "$main" | sed 's/^==[0-9]*== */#   /'
grep -q 'ERROR SUMMARY' "$main" || fail+=("no final report (the child did not exit)")
grep -qE 'Invalid (read|write|free)|uninitialised|Mismatched free|overlap' "$main" && fail+=("memory errors")
lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$main" | tr -d ,)
[ -z "$lost" ] || [ "$lost" = 0 ] || fail+=("$lost bytes definitely lost")
errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$main" | tr -d ,)
[ -z "$errs" ] || [ "$errs" = 0 ] || fail+=("$errs memcheck errors")
if [ ${#fail[@]} != 0 ]; then
  echo "valgrind: FAILED: ${fail[*]} (files kept in $TMP)"
  exit 1
fi
rm -rf "$TMP"
echo "valgrind: ok"
