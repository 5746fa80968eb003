#!/usr/bin/env bash
# run.sh BINDIR: run every test binary and print the closing line.
#
# Unit tests (BINDIR/unit_*) need nothing. End-to-end tests (BINDIR/e2e_*)
# run against a private stack booted here in a temporary directory on a free
# port (so a running `make run` is untouched), with the fixture secrets so the
# providers' own signature vectors apply. The stack is stopped at the end; on
# failure its logs are printed and the directory is kept.
# SB_ONLY=NAME (make check-apache): run only the test binary NAME, on the same stack.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BINDIR=$1
cd "$ROOT"
export CMOCKA_MESSAGE_OUTPUT=TAP
passed=0; failed=0; failed_names=()

run_binary() { # run_binary PATH: TAP out, counted
  local bin=$1 out rc
  out=$("$bin" 2>&1); rc=$?
  printf '%s\n' "$out" | sed 's/^/  /'
  local ok nok
  ok=$(printf '%s\n' "$out" | grep -cE '^ok ')
  nok=$(printf '%s\n' "$out" | grep -cE '^not ok ')
  passed=$((passed + ok)); failed=$((failed + nok))
  if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then
    # crashed or failed in setup: count the binary itself as a failure
    failed=$((failed + 1)); failed_names+=("$(basename "$bin") (exit $rc)")
  fi
  [ "$nok" != 0 ] && failed_names+=("$(basename "$bin")")
  return 0
}

free_port() {
  local p
  for p in $(shuf -i 20000-40000 -n 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

only() { [ -z "${SB_ONLY:-}" ] || [ "$(basename "$1")" = "$SB_ONLY" ]; }

for t in "$BINDIR"/unit_*; do
  [ -x "$t" ] && only "$t" || continue
  echo "# $(basename "$t")"
  run_binary "$t"
done

TMP=$(mktemp -d /tmp/switchboard-test.XXXXXX)
# under SANITIZE=1 every process of the stack writes its reports here (spawn-fcgi's
# children have no stderr to print them to); any report fails the run below
mkdir -p "$TMP/log"
export ASAN_OPTIONS="log_path=$TMP/log/sanitizer:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="log_path=$TMP/log/sanitizer:print_stacktrace=1:${UBSAN_OPTIONS:-}"
PORT=$(free_port)
echo "# booting the test stack in $TMP on 127.0.0.1:$PORT"
export SB_CALCOM_SECRET=$(sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p' tests/fixtures/calcom/signatures.json)
export SB_RETELL_KEY=$(sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p' tests/fixtures/retell/signatures.json)
# the test stack: the probe handler on, retries 100x faster, short leases, a Laravel APP_KEY (test_93)
export SB_EXTRA_CONF="pipeline.test_probe = 1
pipeline.retry_scale_permille = 10
pipeline.lease_seconds = 3
laravel.app_key = base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
stack_ok=1
export SB_FAKE="$(cd "$BINDIR" && pwd)/fake_providers"
if ! SB_QUIET=1 SB_POOL=2 conf/stack.sh start "$TMP" "$PORT" >"$TMP/stack-start.log" 2>&1; then
  stack_ok=0; failed=$((failed + 1)); failed_names+=("stack start")
  cat "$TMP/stack-start.log"
fi
if [ $stack_ok = 1 ]; then
  export SB_TEST_URL="http://127.0.0.1:$PORT" SB_TEST_VAR="$TMP" SB_TEST_ROOT="$ROOT" SB_TEST_BIN="$(cd "$BINDIR" && pwd)"
  for t in "$BINDIR"/e2e_*; do
    [ -x "$t" ] && only "$t" || continue
    echo "# $(basename "$t")"
    run_binary "$t"
  done
fi
SB_QUIET=1 conf/stack.sh stop "$TMP" >/dev/null 2>&1
for f in "$TMP"/log/sanitizer.*; do
  [ -f "$f" ] || continue
  echo "# sanitizer report $f:"; sed 's/^/#   /' "$f" | head -n 30
  failed=$((failed + 1)); failed_names+=("sanitizer report $(basename "$f")")
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
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
