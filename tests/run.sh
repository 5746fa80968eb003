#!/usr/bin/env bash
# run.sh BINDIR: run every test binary and print the closing line
# "N passed, N failed, N skipped".
#
# Unit tests (BINDIR/unit_*) need nothing. End-to-end tests (BINDIR/e2e_*)
# run against a private stack booted here in a temporary directory on a free
# port (so a running `make run` is untouched), with the fixture secrets so the
# providers' own signature vectors apply. The stack is stopped at the end; on
# failure its logs are printed and the directory is kept.
# The binaries to run are named by the sources (tests/unit/test_X.c -> unit_test_X,
# tests/fuzz/fuzz_X.c -> unit_fuzz_X, tests/e2e/test_X.c -> e2e_test_X): one that is
# missing fails the run, it is never silently left out. A skip (cmocka's
# "not ok N # SKIP name", or a binary's own "# SKIP name: reason" line) is counted as
# skipped, never as passed. Each binary runs under `timeout` (SB_TEST_TIMEOUT seconds,
# default 900; its whole process group is killed) and a timeout fails it.
# The e2e tests need the fake providers (SB_FAKE) and Chromium + chromedriver
# (test_95): a missing one fails the run instead of passing fewer tests.
# SB_ONLY=NAME (make check-apache): run only the test binary NAME, on the same stack;
# a NAME that names no test fails the run.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BINDIR=$1
cd "$ROOT"
export CMOCKA_MESSAGE_OUTPUT=TAP
TIMEOUT=${SB_TEST_TIMEOUT:-900}
passed=0; failed=0; skipped=0; failed_names=()

fail() { failed=$((failed + 1)); failed_names+=("$1"); echo "# FAILED: $1"; }

run_binary() { # run_binary PATH: TAP out, counted
  local bin=$1 out rc
  out=$(timeout -k 10 "$TIMEOUT" "$bin" 2>&1); rc=$?
  printf '%s\n' "$out" | sed 's/^/  /'
  local ok nok skip
  # cmocka 1.1 prints a skip() as "not ok N # SKIP name": a skip, not a failure
  skip=$(printf '%s\n' "$out" | grep -cE '^((not )?ok .*# SKIP|# SKIP )')
  ok=$(printf '%s\n' "$out" | grep -E '^ok ' | grep -cv '# SKIP')
  nok=$(printf '%s\n' "$out" | grep -E '^not ok ' | grep -cv '# SKIP')
  passed=$((passed + ok)); failed=$((failed + nok)); skipped=$((skipped + skip))
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    fail "$(basename "$bin") (timed out after ${TIMEOUT}s)"
  elif [ "$rc" != 0 ] && [ "$nok" = 0 ]; then
    # crashed or failed in setup: count the binary itself as a failure
    fail "$(basename "$bin") (exit $rc)"
  elif [ "$rc" = 0 ] && [ "$ok" = 0 ] && [ "$skip" = 0 ]; then
    fail "$(basename "$bin") (ran no test)"
  fi
  [ "$nok" != 0 ] && failed_names+=("$(basename "$bin")")
  return 0
}

# the test binaries the sources promise, in the order they run
expected() { # expected unit|e2e
  local f
  if [ "$1" = unit ]; then
    for f in tests/unit/test_*.c; do [ -f "$f" ] && echo "unit_$(basename "$f" .c)"; done
    for f in tests/fuzz/fuzz_*.c; do [ -f "$f" ] && echo "unit_$(basename "$f" .c)"; done
  else
    for f in tests/e2e/test_*.c; do [ -f "$f" ] && echo "e2e_$(basename "$f" .c)"; done
  fi
}
only() { [ -z "${SB_ONLY:-}" ] || [ "$1" = "$SB_ONLY" ]; }
selected() { # selected unit|e2e: the expected names SB_ONLY lets through
  local n
  for n in $(expected "$1"); do only "$n" && echo "$n"; done
}
UNIT_TESTS=$(selected unit); E2E_TESTS=$(selected e2e)
if [ -n "${SB_ONLY:-}" ] && [ -z "$UNIT_TESTS$E2E_TESTS" ]; then
  fail "SB_ONLY=$SB_ONLY names no test (names: unit_test_X, unit_fuzz_X, e2e_test_X)"
  echo "$passed passed, $failed failed, $skipped skipped"
  exit 1
fi

for n in $UNIT_TESTS; do
  echo "# $n"
  if [ -x "$BINDIR/$n" ]; then run_binary "$BINDIR/$n"; else fail "$n (missing test binary $BINDIR/$n)"; fi
done
if [ -z "$E2E_TESTS" ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" = 0 ]; exit
fi

free_port() {
  local p
  for p in $(shuf -i 20000-40000 -n 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

TMP=$(mktemp -d /tmp/switchboard-test.XXXXXX)
# under SANITIZE=1 every process of the stack writes its reports here (spawn-fcgi's
# children have no stderr to print them to); any report fails the run below
mkdir -p "$TMP/log"
export ASAN_OPTIONS="log_path=$TMP/log/sanitizer:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="log_path=$TMP/log/sanitizer:print_stacktrace=1:${UBSAN_OPTIONS:-}"
PORT=$(free_port)
echo "# booting the test stack in $TMP on 127.0.0.1:$PORT"
export SB_CALCOM_SECRET=$(sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p' tests/fixtures/calcom/signatures.json)
export SB_RETELL_KEY=$(sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p' tests/fixtures/retell/signatures.json)
# the test stack: the probe handler on, retries 100x faster, short leases; Laravel's APP_KEY
# of the crypt fixtures (tests/fixtures/laravel), so a company's encrypted Cal.com key is read
export SB_EXTRA_CONF="pipeline.test_probe = 1
pipeline.retry_scale_permille = 10
pipeline.lease_seconds = 3
laravel.app_key = $(sed -n 's/^# APP_KEY=\([^ ]*\).*/\1/p' tests/fixtures/laravel/encrypted.tsv)"
stack_ok=1
export SB_FAKE="$(cd "$BINDIR" && pwd)/fake_providers"
# what the e2e tests need besides the stack: conf/stack.sh starts no fake when the
# binary is missing, and test_95 drives Chromium through chromedriver
[ -x "$SB_FAKE" ] || fail "fake providers missing ($SB_FAKE: make $BINDIR/fake_providers)"
for b in ${SB_BROWSER:-/usr/bin/chromium} ${SB_DRIVER:-/usr/bin/chromedriver}; do
  case " $E2E_TESTS " in *" e2e_test_95_browser "*) [ -x "$b" ] || fail "browser missing ($b: make deps installs it)";; esac
done
if ! SB_QUIET=1 SB_POOL=2 conf/stack.sh start "$TMP" "$PORT" >"$TMP/stack-start.log" 2>&1; then
  stack_ok=0; fail "stack start"
  cat "$TMP/stack-start.log"
fi
if [ $stack_ok = 1 ]; then
  export SB_TEST_URL="http://127.0.0.1:$PORT" SB_TEST_VAR="$TMP" SB_TEST_ROOT="$ROOT" SB_TEST_BIN="$(cd "$BINDIR" && pwd)"
  [ -x "$SB_FAKE" ] && ! kill -0 "$(cat "$TMP/run/fake.pid" 2>/dev/null || echo 0)" 2>/dev/null &&
    fail "fake providers did not start (see $TMP/log)"
  for n in $E2E_TESTS; do
    echo "# $n"
    if [ -x "$BINDIR/$n" ]; then run_binary "$BINDIR/$n"; else fail "$n (missing test binary $BINDIR/$n)"; fi
  done
fi
SB_QUIET=1 conf/stack.sh stop "$TMP" >/dev/null 2>&1
for f in "$TMP"/log/sanitizer.*; do
  [ -f "$f" ] || continue
  echo "# sanitizer report $f:"; sed 's/^/#   /' "$f" | head -n 30
  fail "sanitizer report $(basename "$f")"
done

if [ "$failed" = 0 ]; then
  rm -rf "$TMP"
else
  echo "# failed: ${failed_names[*]}"
  for f in "$TMP"/log/*; do
    [ -f "$f" ] || continue
    echo "# --- tail of $f"; tail -n 20 "$f" | sed 's/^/#   /'
  done
  echo "# the test stack's files are kept in $TMP"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
