#!/usr/bin/env bash
# run.sh BINDIR SECONDS NAME...: run each libFuzzer target BINDIR/fuzz_NAME for
# SECONDS, one after the other, and fail if any found a crash (a sanitizer
# report, a broken FUZZ_CHECK property, a leak, a timeout over 10 s or an
# out-of-memory), printing the reproducer's path and how to replay it.
#
# Corpus: BINDIR/corpus/NAME (kept between runs, not committed) is where new
# inputs go; the seeds tests/fuzz/corpus/NAME, the regressions
# tests/fuzz/regress/NAME and, for json, the provider fixtures are read only.
# Artifacts (crash-*, leak-*, timeout-*, oom-*) land in BINDIR/artifacts/NAME/.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=$1 SECONDS_EACH=$2; shift 2
cd "$ROOT"
failed=()
for name in "$@"; do
  bin=$BINDIR/fuzz_$name
  work=$BINDIR/corpus/$name art=$BINDIR/artifacts/$name
  mkdir -p "$work" "$art"
  seeds=(tests/fuzz/corpus/"$name")
  [ -d tests/fuzz/regress/"$name" ] && seeds+=(tests/fuzz/regress/"$name")
  [ "$name" = json ] && seeds+=(tests/fixtures/calcom tests/fixtures/retell)
  before=$(ls "$art" | wc -l)
  log=$BINDIR/fuzz_$name.log
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$art/" "$work" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  # the last status line: "#N DONE cov: C ft: F corp: K/..b ... exec/s: E"
  stats=$(grep -E '^#[0-9]+' "$log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz $name: ${execs:-?} execs in ${SECONDS_EACH}s, $(echo "$stats" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || echo 'no stats'), rc $rc"
  if [ "$rc" != 0 ] || [ "$(ls "$art" | wc -l)" != "$before" ]; then
    failed+=("$name")
    grep -E 'ERROR: |SUMMARY: |property broken|runtime error' "$log" | head -5 | sed 's/^/  /'
    for f in $(ls -t "$art" | head -3); do
      echo "  reproducer: $art/$f   (replay: $bin $art/$f)"
    done
    echo "  full log: $log"
  fi
done
if [ ${#failed[@]} != 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#} targets, no crash"
