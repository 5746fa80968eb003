#!/usr/bin/env bash
# ceiling.sh BINDIR VAR PORT: switchboard's ingest against the machine's ceilings (`make bench`).
#
# Called by tests/bench/run.sh once the stack of conf/stack.sh runs under VAR on PORT.
# In one run, same machine, same concurrency (wrk --latency, tests/bench/sign.lua:
# every request a new, signed event), each target for BENCH_SECONDS after a
# BENCH_WARMUP warm-up:
#   1. nginx `return 200`              (front ceiling, tests/bench/nginx_bench.conf.in)
#   2. empty libfcgi responder         (FastCGI ceiling, bench_empty_fcgi, pool like switchboard's)
#   3. MariaDB durable insert           (database ceiling, bench_dbinsert: no HTTP at all)
#   4. switchboard Cal.com and Retell  a) as configured: ack, then the child processes the event
#                                         (fast path) before taking the next request; worker running
#                                      b) ack only (verify + durable insert + ack): pipeline.fast_path=0,
#                                         worker stopped; c) the same with a pool of BENCH_CONNS children
#   5. plain PHP (php-fpm), both       (only when php-fpm is installed: `make bench-php`)
# CPU per request by process group from /proc/<pid>/stat utime+stime over each run, and
# "rest": the machine's busy time minus the groups (wrk itself, other users of the box).
# BENCH_ROUNDS (default 2) rounds of all targets, interleaved; the table keeps each target's
# best run (a ceiling is what the machine can do: other users of a shared box only subtract).
# "stored" counts the new webhook_events rows of a run (every request must be a new event).
# Then RSS of a lone serve child (ack only) after BENCH_RSS_N1 and BENCH_RSS_N2 requests.
# Writes BENCH_OUT/ceiling.tsv and BENCH_OUT/ceiling.svg (tests/bench/plot.awk).
# Prints figures, asserts nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=$(cd "$1" && pwd); VAR=$2; PORT=$3
C=${BENCH_CONNS:-8}; D=${BENCH_SECONDS:-10}; R=${BENCH_ROUNDS:-2}; W=${BENCH_WARMUP:-2}; T=${BENCH_THREADS:-$(nproc)}
N1=${BENCH_RSS_N1:-10000}; N2=${BENCH_RSS_N2:-100000}
OUT=${BENCH_OUT:-$ROOT/build/bench}
RUN=$VAR/run; CONF=$VAR/switchboard.conf; URL="http://127.0.0.1:$PORT"
POOL=$(pgrep -c -P "$(cat "$RUN/spawn-fcgi.pid")")
HZ=$(getconf CLK_TCK)
PHPFPM=$(command -v php-fpm8.2 || command -v php-fpm || true)
mkdir -p "$OUT"
TSV=$OUT/ceiling.tsv; RUNS=$OUT/ceiling-runs.tsv
conf_get() { sed -n "s/^$1 *= *//p" "$CONF" | tail -1; }
sql() { mariadb --no-defaults --socket="$RUN/mysqld.sock" -u "$(id -un)" askproai -N -e "$1"; }
bench_rows() { sql "SELECT COUNT(*) FROM webhook_events WHERE event_id LIKE 'bench-%'"; }
# pool POOL_SIZE FAST_PATH(0|1): restart switchboard's pool; the worker runs only with the fast path
pool() {
  SB_QUIET=1 "$ROOT/conf/stack.sh" stop-pool "$VAR" >/dev/null
  SB_QUIET=1 SB_POOL=$1 SWITCHBOARD_PIPELINE_FAST_PATH=$2 "$ROOT/conf/stack.sh" start-pool "$VAR" >/dev/null
  if [ "$2" = 1 ]; then SB_QUIET=1 "$ROOT/conf/stack.sh" start-worker "$VAR" >/dev/null
  else SB_QUIET=1 "$ROOT/conf/stack.sh" stop-worker "$VAR" >/dev/null; fi
  sleep 0.3
}

cleanup() {
  for f in "$RUN/php-fpm.pid" "$RUN/bench_empty.pid"; do
    [ -s "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; rm -f "$f"
  done
  return 0
}
trap cleanup EXIT

# --- the extra FastCGI servers and the bench locations in the running nginx ---
spawn-fcgi -s "$RUN/bench_empty.sock" -M 0660 -P "$RUN/bench_empty.pid" -- \
  /usr/bin/multiwatch -f "$POOL" -- "$BINDIR/bench_empty_fcgi" >/dev/null
if [ -n "$PHPFPM" ]; then
  user_line=""; root_flag=""
  [ "$(id -u)" = 0 ] && { user_line="user = root"; root_flag="-R"; }
  sed -e "s|@VAR@|$VAR|g" -e "s|@N@|$POOL|g" -e "s|@USER_LINE@|$user_line|" \
      -e "s|@DB_SOCKET@|$(conf_get db.socket)|" -e "s|@DB_NAME@|$(conf_get db.name)|" \
      -e "s|@DB_USER@|$(conf_get db.user)|" -e "s|@DB_PASSWORD@|$(conf_get db.password)|" \
      -e "s|@CALCOM_SECRET@|$(conf_get calcom.webhook_secret)|" -e "s|@RETELL_KEY@|$(conf_get retell.api_key)|" \
      "$ROOT/tests/bench/php-fpm.conf.in" >"$VAR/php-fpm.conf"
  "$PHPFPM" $root_flag -y "$VAR/php-fpm.conf" -p "$VAR" || { echo "bench: php-fpm failed (see $VAR/log/php-fpm.log)" >&2; PHPFPM=""; }
fi
user_line=""; [ "$(id -u)" = 0 ] && user_line="user root;"
subst=(-e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" -e "s|@PORT@|$PORT|g" -e "s|@USER_LINE@|$user_line|g")
sed "${subst[@]}" "$ROOT/tests/bench/nginx_bench.conf.in" >"$VAR/nginx/bench.conf"
sed "${subst[@]}" -e "s|^\( *\)server_name _;|&\n\1include $VAR/nginx/bench.conf;|" \
  "$ROOT/conf/nginx.conf.in" >"$VAR/nginx/nginx.conf"
nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e "$VAR/log/nginx-error.log" -t 2>/dev/null \
  || { echo "bench: the bench nginx config does not load" >&2; exit 1; }
kill -HUP "$(cat "$RUN/nginx.pid")"
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/bench/empty-fcgi")" = 200 ] && break; sleep 0.1
done
sleep 0.5 # old nginx workers finish

# --- CPU accounting ---
group_pids() { # group_pids NAME: the pids of one process group now
  local f
  case $1 in
  nginx) f=nginx.pid ;; switchboard) f=spawn-fcgi.pid ;; empty) f=bench_empty.pid ;;
  php) f=php-fpm.pid ;; mariadbd) f=mysqld.pid ;; worker) f=worker.pid ;;
  esac
  [ -s "$RUN/$f" ] || return 0
  local p; p=$(cat "$RUN/$f")
  case $1 in
  switchboard|empty) pgrep -P "$p" || true ;; # the children of multiwatch
  nginx|php) echo "$p"; pgrep -P "$p" || true ;;
  *) echo "$p" ;;
  esac
}
GROUPS_=(nginx switchboard empty php mariadbd worker)
ticks() { # ticks PID...: utime+stime summed
  local s=0 p v
  for p in "$@"; do
    v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || v=0
    s=$((s + ${v:-0}))
  done
  echo "$s"
}
busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
declare -A PIDS BEFORE
cpu_start() {
  local g
  for g in "${GROUPS_[@]}"; do PIDS[$g]=$(group_pids "$g" | tr '\n' ' '); BEFORE[$g]=$(ticks ${PIDS[$g]}); done
  BEFORE[busy]=$(busy)
}
cpu_stop() { # cpu_stop REQUESTS: tab-separated µs per request per group, then rest of machine
  local n=$1 g d sum=0 out=""
  for g in "${GROUPS_[@]}"; do
    d=$(( $(ticks ${PIDS[$g]}) - BEFORE[$g] )); sum=$((sum + d))
    out+=$(awk -v d="$d" -v hz="$HZ" -v n="$n" 'BEGIN { printf "\t%.0f", (n > 0) ? d * 1e6 / hz / n : 0 }')
  done
  d=$(( $(busy) - BEFORE[busy] - sum ))
  out+=$(awk -v d="$d" -v hz="$HZ" -v n="$n" 'BEGIN { printf "\t%.0f", (n > 0 && d > 0) ? d * 1e6 / hz / n : 0 }')
  printf '%s' "$out"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# --- runs ---
echo -e "target\tkey\treq_s\tp50_ms\tp99_ms\terrors\tstored\tnginx\tswitchboard\tempty\tphp\tmariadbd\tworker\trest" >"$RUNS"
record() { # record LABEL KEY BENCHLINE STORED CPU
  local line=$3 n
  n=$(field requests "$line")
  [ -n "$n" ] || { echo "bench: $1 printed no result" >&2; return 0; }
  awk -v l="$1" -v k="$2" -v r="$(field rps "$line")" -v a="$(field p50_us "$line")" -v b="$(field p99_us "$line")" \
      -v e="$(field errors "$line")" -v st="$4" -v cpu="$5" \
      'BEGIN { printf "%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%s%s\n", l, k, r, a / 1000, b / 1000, e, st, cpu }' >>"$RUNS"
}
wrk_run() { # wrk_run LABEL KEY PATH PROVIDER
  local log=$OUT/wrk-$2.txt line cpu rows
  export BENCH_ROOT=$ROOT BENCH_CONF=$CONF BENCH_SIG_SO=$BINDIR/bench_sig.so BENCH_PROVIDER=$4
  wrk -t "$T" -c "$C" -d "${W}s" -s "$ROOT/tests/bench/sign.lua" "$URL$3" >/dev/null 2>&1 || true
  rows=$(bench_rows)
  cpu_start
  wrk -t "$T" -c "$C" -d "${D}s" --timeout 30s --latency -s "$ROOT/tests/bench/sign.lua" "$URL$3" >"$log" 2>&1 || true
  line=$(grep '^BENCHLINE' "$log" || true)
  cpu=$(cpu_stop "$(field requests "$line")")
  record "$1" "$2" "$line" "$(( $(bench_rows) - rows ))" "$cpu"
  grep -q 'Non-2xx' "$log" && echo "bench: $1: $(grep 'Non-2xx' "$log" | xargs) (see $log)" >&2
  return 0
}
db_run() {
  local log=$OUT/db-insert.txt line cpu
  "$BINDIR/bench_dbinsert" "$CONF" "$W" "$C" "$ROOT/tests/fixtures/calcom/webhook_booking_created.json" >/dev/null 2>&1 || true
  cpu_start
  "$BINDIR/bench_dbinsert" "$CONF" "$D" "$C" "$ROOT/tests/fixtures/calcom/webhook_booking_created.json" >"$log" 2>&1 || true
  line=$(grep '^BENCHLINE' "$log" || true)
  cpu=$(cpu_stop "$(field requests "$line")")
  record "MariaDB durable insert, $C connections (no HTTP)" db "$line" "$(field requests "$line")" "$cpu"
}

echo "# ceilings: $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)),"
echo "# $(awk '/MemTotal/{printf "%.1f GB RAM", $2 / 1048576}' /proc/meminfo), $(uname -r); $(nginx -v 2>&1 | sed 's/.*: //'), $(mariadbd --version | awk '{print $3}'),"
echo "# wrk -t $T -c $C -d ${D}s (+${W}s warm-up) per target, best of $R rounds; pools of $POOL FastCGI children; durable commits (innodb_flush_log_at_trx_commit=1)"
for round in $(seq "$R"); do
  if [ "$round" -gt 1 ]; then
    # the last round's ack-only backlog is never claimed (like Laravel's rows): the worker stays idle
    sql "UPDATE webhook_events SET next_attempt_at = NULL WHERE status = 'pending'"
    pool "$POOL" 1
  fi
  echo "# round $round of $R: $(date -u +%H:%M:%S)"
  wrk_run "nginx return 200 (front ceiling)" nginx /bench/return200 calcom
  wrk_run "empty libfcgi responder (FastCGI ceiling)" empty /bench/empty-fcgi calcom
  db_run
  if [ -n "$PHPFPM" ]; then
    wrk_run "PHP (php-fpm) Cal.com verify + PDO insert" php_calcom /bench/php/calcom calcom
    wrk_run "PHP (php-fpm) Retell verify + PDO insert" php_retell /bench/php/retell retell
  fi
  wrk_run "switchboard Cal.com, ack + fast path" sb_calcom_fp /api/calcom/webhook calcom
  wrk_run "switchboard Retell, ack + fast path" sb_retell_fp /api/webhooks/retell retell
  sb_rss=$(for p in $(group_pids switchboard); do awk '/^VmRSS/{printf "%.1f ", $2 / 1024}' "/proc/$p/status"; done)
  pool "$POOL" 0
  wrk_run "switchboard Cal.com ingest (ack only)" sb_calcom /api/calcom/webhook calcom
  wrk_run "switchboard Retell ingest (ack only)" sb_retell /api/webhooks/retell retell
  pool "$C" 0
  wrk_run "switchboard Cal.com ingest (ack only), pool of $C" sb_calcom_pool /api/calcom/webhook calcom
done
(head -1 "$RUNS"; awk -F'\t' 'NR > 1 { if (!($2 in best) || $3 + 0 > best[$2] + 0) { best[$2] = $3; row[$2] = $0 }
  if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } } END { for (i = 1; i <= n; i++) print row[order[i]] }' "$RUNS") >"$TSV"
# from here the worker stays stopped: the ack-only runs left a backlog it would churn through

echo
echo "| target | req/s | p50 ms | p99 ms | errors | stored | CPU µs/req: nginx | switchboard | empty fcgi | php-fpm | mariadbd | sb worker | rest (wrk, others) | server side |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
# "served by": nginx + FastCGI children + mariadbd + worker, the CPU one request costs the server side
awk -F'\t' 'NR > 1 { printf "| %s |", $1; for (i = 3; i <= NF; i++) printf " %s |", $i; printf " %d |\n", $8 + $9 + $10 + $11 + $12 + $13 }' "$TSV"
echo
awk -F'\t' 'NR > 1 { r[$2] = $3; cpu[$2] = $8 + $9 + $10 + $11 + $12 + $13 }
  function ratio(name, a, b, target) {
    if (r[a] && r[b]) printf "| %s | %.2f |%s\n", name, r[a] / r[b], target ? " target " target " |" : " |"
  }
  END {
    print "| ratio | value | |"; print "|---|---|---|"
    ratio("switchboard Cal.com / MariaDB ceiling", "sb_calcom", "db", "≥ 0.8")
    ratio("switchboard Retell / MariaDB ceiling", "sb_retell", "db", "≥ 0.8")
    ratio("switchboard Cal.com / empty FastCGI", "sb_calcom", "empty", "")
    ratio("switchboard Retell / empty FastCGI", "sb_retell", "empty", "")
    ratio("empty FastCGI / nginx return 200", "empty", "nginx", "")
    ratio("switchboard Cal.com ack only, pool of connections / MariaDB ceiling", "sb_calcom_pool", "db", "")
    ratio("switchboard Cal.com ack + fast path / ack only", "sb_calcom_fp", "sb_calcom", "")
    ratio("switchboard Retell ack + fast path / ack only", "sb_retell_fp", "sb_retell", "")
    ratio("switchboard Cal.com / PHP", "sb_calcom", "php_calcom", "≥ 2")
    ratio("switchboard Retell / PHP", "sb_retell", "php_retell", "≥ 2")
    if (cpu["sb_calcom"] && cpu["php_calcom"])
      printf "| server-side CPU per request, PHP / switchboard (Cal.com, Retell) | %.2f, %.2f | |\n",
        cpu["php_calcom"] / cpu["sb_calcom"], cpu["php_retell"] / cpu["sb_retell"]
  }' "$TSV"
awk -v note="$(date -u +%Y-%m-%d), $(hostname), $(nproc) cores, wrk -c $C" -f "$ROOT/tests/bench/plot.awk" "$TSV" >"$OUT/ceiling.svg"
echo
echo "# RSS of the serve children after the fast-path runs: $sb_rss MB"
echo "# best runs: $TSV  every run: $RUNS  plot: $OUT/ceiling.svg  wrk output: $OUT/wrk-*.txt"

# --- memory of one serve child over many requests (ack only: fast enough for 100k) ---
if [ "$N2" -gt 0 ]; then
  pool 1 0
  child=$(pgrep -P "$(cat "$RUN/spawn-fcgi.pid")")
  rss() { awk '/^VmRSS/{printf "%.1f", $2 / 1024}' "/proc/$child/status"; }
  served=0
  export BENCH_ROOT=$ROOT BENCH_CONF=$CONF BENCH_SIG_SO=$BINDIR/bench_sig.so BENCH_PROVIDER=calcom
  send_to() { # send_to N: Cal.com webhooks to the lone child until it has served about N
    local line n
    while [ "$served" -lt "$1" ]; do # wrk waits out -d even after every thread stopped: short rounds
      line=$(BENCH_QUOTA=$(( ($1 - served + T - 1) / T )) wrk -t "$T" -c "$C" -d 5s --timeout 30s \
             -s "$ROOT/tests/bench/sign.lua" "$URL/api/calcom/webhook" 2>&1 | grep '^BENCHLINE' || true)
      n=$(field requests "$line"); [ "${n:-0}" -gt 0 ] || { echo "bench: no answers from the serve child" >&2; return 1; }
      served=$((served + n))
    done
  }
  send_to 100; r0=$(rss); s0=$served
  send_to "$N1"; r1=$(rss); s1=$served
  send_to "$N2"; r2=$(rss); s2=$served
  echo
  echo "| one serve child (pool of 1, ack only) | requests served | VmRSS MB |"
  echo "|---|---|---|"
  echo "| warm | $s0 | $r0 |"
  echo "| after ~$N1 | $s1 | $r1 |"
  echo "| after ~$N2 | $s2 | $r2 |"
  awk -v a="$r1" -v b="$r2" 'BEGIN { printf "# growth between them: %.1f MB (targets: < 16 MB, growth < 1 MB)\n", b - a }'
  printf 'rss\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s0" "$r0" "$s1" "$r1" "$s2" "$r2" >"$OUT/rss.tsv"
fi
