#!/usr/bin/env bash
# stack.sh: the embedded stack of `make run` and `make test`, under one VAR dir.
#
#   stack.sh start VAR PORT   private MariaDB (unix socket, no TCP) with the legacy
#                             baseline, migrations and demo tenant; spawn-fcgi +
#                             multiwatch pool of `switchboard serve`; the worker;
#                             nginx on 127.0.0.1:PORT. Reuses whatever is running.
#   stack.sh stop VAR         stop everything it started, by pid file
#   stack.sh start-db VAR | stop-db VAR    only the database (fault tests)
#   stack.sh start-pool VAR | stop-pool VAR  only the FastCGI pool (children inherit
#                             the caller's environment, e.g. SWITCHBOARD_* overrides)
#   stack.sh start-replica VAR | stop-replica VAR  a second MariaDB replicating the first
#                             (needs SB_DB_PORT; see below)
#   stack.sh status VAR
# Scale-out (make check-replica, docs/SCALING.md): SB_DB_PORT=N gives the primary a
# binlog (server-id 1) and a listener on 127.0.0.1:N for replication (remembered in
# VAR/run/db.port); SB_REPLICA=1 starts a replica (server-id 2, read-only, socket
# VAR/run/replica.sock) with `start`; SB_POOL_NAME=b names a pool (socket
# VAR/run/switchboard-b.sock, log VAR/log/switchboard-b.log); SB_EXTRA_POOLS="b c"
# starts these pools with `start` and puts them and the default one behind one nginx upstream.
# SB_POOL_CONF=FILE: the config a pool's children load (default VAR/switchboard.conf), e.g.
# a shadow instance's (`SB_POOL_NAME=shadow SB_POOL_CONF=VAR/shadow.conf stack.sh start-pool VAR`).
# Environment: SB_POOL (children, default: cores), SB_CALCOM_SECRET and
# SB_RETELL_KEY (secrets written into a new VAR/switchboard.conf; default:
# generated), SB_EXTRA_CONF (lines appended to a new config), SB_QUIET=1 (no banner),
# SB_SMTP_SINK (the SMTP sink binary; default: smtp_sink next to SB_FAKE's fake_providers),
# SB_DEMO=1 (`make run` only: on the first start, 90 days of demo traffic, see demo_traffic).
# SB_POOL_WRAPPER (opt-in: a command each pool child runs under, shell words, e.g.
# tests/fuzz/vg-wrap.sh for `make valgrind`; default none).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}; VAR=${2:-}; PORT=${3:-8080}
[ -n "$cmd" ] && [ -n "$VAR" ] || { echo "usage: stack.sh start|stop|start-db|stop-db|start-pool|stop-pool|status VAR [PORT]" >&2; exit 2; }
mkdir -p "$VAR"; VAR=$(cd "$VAR" && pwd)
RUN=$VAR/run; LOG=$VAR/log; SOCK=$RUN/mysqld.sock; CONF=$VAR/switchboard.conf
ME=$(id -un)
BIN=$ROOT/bin/switchboard
say() { [ "${SB_QUIET:-0}" = 1 ] || echo "$@"; }
die() { echo "stack.sh: $*" >&2; exit 1; }
# a pid file names a live process: not gone, and not a zombie nobody reaped
alive() {
  [ -s "$1" ] || return 1
  local pid state; pid=$(cat "$1")
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}
sql() { mariadb --no-defaults --socket="$SOCK" -u "$ME" "$@"; }
rsql() { mariadb --no-defaults --socket="$RUN/db-replica.sock" -u "$ME" "$@"; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local t=$1 what=$2; shift 2
  for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$what did not come up within ${t}s (see $LOG)"
}

# mariadbd NAME: one server under VAR (db = the primary, db-replica = its replica), own
# datadir, socket, pid file and error log; extra server options after NAME, then $SB_DB_OPTS
# (the benchmarks size the buffer pool and redo log for a million calls with it: D221)
mariadbd_start() {
  local name=$1; shift
  local dir=$VAR/$name sock=$RUN/$name.sock pid=$RUN/$name.pid err=$LOG/$name.err inst=$LOG/$name-install.log
  [ "$name" = db ] && { sock=$SOCK; pid=$RUN/mysqld.pid; err=$LOG/mariadb.err; inst=$LOG/mariadb-install.log; }
  mkdir -p "$dir" "$RUN" "$LOG"
  if [ ! -d "$dir/mysql" ]; then
    # --skip-name-resolve --force: fresh containers and chroots often cannot resolve their own
    # hostname (no /etc/hosts); accounts are for the unix socket only anyway
    mariadb-install-db --no-defaults --datadir="$dir" --user="$ME" --auth-root-authentication-method=socket --skip-name-resolve --force \
      --skip-test-db >"$inst" 2>&1 || die "mariadb-install-db failed (see $inst)"
  fi
  alive "$pid" && return 0
  rm -f "$sock"
  # its own tmpdir: big statements spill temporary tables there, and a shared /tmp may be cleaned under it
  mkdir -p "$VAR/tmp"
  # --user only matters as root, where mariadbd refuses to start without it
  nohup mariadbd --no-defaults --datadir="$dir" --socket="$sock" --pid-file="$pid" --tmpdir="$VAR/tmp" \
    --skip-name-resolve --user="$ME" --log-error="$err" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=128M --innodb-log-file-size=64M --max-connections=200 "$@" ${SB_DB_OPTS:-} \
    >/dev/null 2>&1 &
  wait_for 60 "MariaDB ($name)" mariadb-admin --no-defaults --socket="$sock" -u "$ME" ping
}

start_db() {
  # a primary that replicas can follow listens on loopback and keeps a binlog; else no TCP at all
  local port=${SB_DB_PORT:-}
  [ -z "$port" ] && [ -s "$RUN/db.port" ] && port=$(cat "$RUN/db.port")
  if [ -n "$port" ]; then
    mkdir -p "$RUN"; echo "$port" >"$RUN/db.port"
    mariadbd_start db --port="$port" --bind-address=127.0.0.1 --server-id=1 --log-bin --log-basename=primary
  else
    mariadbd_start db --skip-networking
  fi
}

stop_pid() { # stop_pid PIDFILE NAME [SECONDS]
  local f=$1 name=$2 t=${3:-20}
  if alive "$f"; then
    local pid; pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((t * 10))); do alive "$f" || break; sleep 0.1; done
    alive "$f" && { echo "stack.sh: $name did not stop in ${t}s, killing" >&2; kill -KILL "$pid" 2>/dev/null || true; }
    say "stopped $name"
  fi
  rm -f "$f"
}

stop_db() { stop_pid "$RUN/mysqld.pid" MariaDB 60; }

# A replica of the primary (asynchronous binlog replication, GTID): reads only through
# its socket, follows the primary over loopback from the first binlog event, so it gets
# the schema, the demo data and the accounts (switchboard gets REPLICA MONITOR, for its
# lag check) however late it starts.
start_replica() {
  [ -s "$RUN/db.port" ] || die "the primary has no replication port: start it with SB_DB_PORT=N"
  mariadbd_start db-replica --skip-networking --server-id=2 --read-only --log-basename=replica
  if [ -z "$(rsql -N -e "SHOW REPLICA STATUS")" ]; then
    local pass; pass=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    sql -e "CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY '$pass';
            ALTER USER 'repl'@'127.0.0.1' IDENTIFIED BY '$pass';
            GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
            GRANT REPLICA MONITOR ON *.* TO 'switchboard'@'localhost'"
    rsql -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$(cat "$RUN/db.port"), MASTER_USER='repl',
             MASTER_PASSWORD='$pass', MASTER_USE_GTID=slave_pos; START SLAVE"
  fi
  rsql -e "START SLAVE" 2>/dev/null || true
  replica_wait 120
}
# replica_wait SECONDS: until the replica has applied everything the primary has logged
replica_wait() {
  local pos; pos=$(sql -N -e "SELECT @@gtid_binlog_pos")
  [ "$(rsql -N -e "SELECT MASTER_GTID_WAIT('$pos', $1)")" = 0 ] || die "the replica did not catch up within $1 s (see $LOG/db-replica.err)"
}
stop_replica() { stop_pid "$RUN/db-replica.pid" "MariaDB replica" 60; }

write_config() {
  [ -f "$CONF" ] && return 0
  local dbpass calsec retkey montok
  dbpass=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  calsec=${SB_CALCOM_SECRET:-whsec_dev_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
  retkey=${SB_RETELL_KEY:-key_dev_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
  montok=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  umask 077
  cat >"$CONF" <<CONF
# Generated by conf/stack.sh for the embedded stack. Holds dev secrets: keep it private.
# Every key is documented in conf/switchboard.conf.example.
db.socket = $SOCK
db.name = askproai
db.user = switchboard
db.password = $dbpass
calcom.webhook_secret = $calsec
retell.api_key = $retkey
# the embedded stack's stand-ins for the Retell and Cal.com APIs (tests/fake/fake_providers.c)
retell.api_base = http://127.0.0.1:$((PORT + 1))
calcom.api_base = http://127.0.0.1:$((PORT + 1))
calcom.api_key = cal_dev_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
# the embedded stack's mail relay (tests/fake/smtp_sink.c): every mail lands in $VAR/mail/
smtp.url = smtp://127.0.0.1:$((PORT + 2))
smtp.from = switchboard@askproai.example
mail.dashboard_url = http://127.0.0.1:$PORT
spool.dir = $VAR/spool
log.file = $LOG/switchboard.log
migrations.dir = $ROOT/sql/migrations
metrics.file = $RUN/metrics
# the embedded stack is served over plain http on 127.0.0.1
dashboard.cookie_secure = 0
monitor.token = $montok
${SB_EXTRA_CONF:-}
CONF
  umask 022
}

conf_get() { sed -n "s/^$1 *= *//p" "$CONF" | tail -1; }

bootstrap_db() {
  local pass; pass=$(conf_get db.password)
  if [ -z "$(sql -N -e "SHOW DATABASES LIKE 'askproai'")" ]; then
    say "loading the legacy baseline and the demo tenant into database askproai"
    sql -e "CREATE DATABASE askproai CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    sql askproai <"$ROOT/sql/legacy/schema.sql"
    for f in "$ROOT"/sql/demo/*.sql; do sql askproai <"$f"; done
  fi
  # (re)grant on every start: the config may have been regenerated with a new password.
  # askproai_shadow: a shadow instance's own schema (`switchboard shadow-init`, DESIGN D80)
  sql -e "CREATE USER IF NOT EXISTS 'switchboard'@'localhost' IDENTIFIED BY '$pass';
          ALTER USER 'switchboard'@'localhost' IDENTIFIED BY '$pass';
          GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES,
            CREATE TEMPORARY TABLES
            ON askproai.* TO 'switchboard'@'localhost';
          GRANT ALL PRIVILEGES ON askproai_shadow.* TO 'switchboard'@'localhost'"
  "$BIN" -c "$CONF" migrate >"$LOG/migrate.log" 2>&1 || { cat "$LOG/migrate.log" >&2; die "migrate failed"; }
  # the demo operator (sql/demo/0002_dashboard_users.sql): a user without a
  # company sees every company only when granted (DESIGN D131); idempotent
  "$BIN" -c "$CONF" operators add operator@switchboard.example.com --by conf/stack.sh >>"$LOG/migrate.log" 2>&1 || true
}

# SB_POOL_NAME=b: another pool of the same binary and config (several app hosts in one
# test), its own socket and request log
pool_sfx() { echo "${SB_POOL_NAME:+-$SB_POOL_NAME}"; }
start_pool() {
  local sfx; sfx=$(pool_sfx)
  alive "$RUN/spawn-fcgi$sfx.pid" && return 0
  local n=${SB_POOL:-$(nproc)} wrap=()
  [ -n "${SB_POOL_WRAPPER:-}" ] && read -r -a wrap <<<"$SB_POOL_WRAPPER"
  rm -f "$RUN/switchboard$sfx.sock"
  local env=(); [ -n "$sfx" ] && env=("SWITCHBOARD_LOG_FILE=$LOG/switchboard$sfx.log")
  # multiwatch restarts a crashed child at once; spawn-fcgi owns the socket. Its default
  # (-r 3 -t 10000) gives a child up after 4 deaths within 10 s, and the pool is gone once
  # every child is: -t 1000 counts only children dying within 1 s of their start (a broken
  # config or binary: given up after 20 tries), so a child that served for a second is
  # always replaced (make fault, scenario b)
  env "${env[@]}" spawn-fcgi -s "$RUN/switchboard$sfx.sock" -M 0660 -P "$RUN/spawn-fcgi$sfx.pid" -- \
    /usr/bin/multiwatch -f "$n" -r 20 -t 1000 -- "${wrap[@]}" "$BIN" -c "${SB_POOL_CONF:-$CONF}" serve >>"$LOG/serve$sfx.out" 2>&1 \
    || die "spawn-fcgi failed (see $LOG/serve$sfx.out)"
  wait_for 10 "FastCGI socket" test -S "$RUN/switchboard$sfx.sock"
}
stop_pool() { local sfx; sfx=$(pool_sfx); stop_pid "$RUN/spawn-fcgi$sfx.pid" "FastCGI pool${SB_POOL_NAME:+ $SB_POOL_NAME}"; }

start_worker() {
  alive "$RUN/worker.pid" && return 0
  nohup "$BIN" -c "$CONF" worker >>"$LOG/worker.out" 2>&1 &
  echo $! >"$RUN/worker.pid"
}

# The fake provider APIs on PORT+1 (Retell list-calls, Cal.com v2): sync-calls and
# phone booking work against them in the demo and the tests.
start_fake() {
  local fake=${SB_FAKE:-$ROOT/build/rel/tests/fake_providers}
  [ -x "$fake" ] || return 0
  alive "$RUN/fake.pid" && return 0
  nohup "$fake" --port $((PORT + 1)) --retell-calls "$ROOT/tests/fixtures/retell/api_list_calls_v3.response.json" \
    --retell-key "$(conf_get retell.api_key)" --calcom-key "$(conf_get calcom.api_key)" \
    --fixtures "$ROOT/tests/fixtures" --log "$LOG/fake-providers.log" >/dev/null 2>&1 &
  echo $! >"$RUN/fake.pid"
}

# The loopback SMTP sink on PORT+2: each mail the worker sends is a file VAR/mail/NNNNNN.eml.
start_sink() {
  local sink=${SB_SMTP_SINK:-$(dirname "${SB_FAKE:-$ROOT/build/rel/tests/fake_providers}")/smtp_sink}
  [ -x "$sink" ] || return 0
  alive "$RUN/smtp-sink.pid" && return 0
  nohup "$sink" --port $((PORT + 2)) --dir "$VAR/mail" --log "$LOG/smtp-sink.log" >/dev/null 2>&1 &
  echo $! >"$RUN/smtp-sink.pid"
}

start_nginx() {
  alive "$RUN/nginx.pid" && return 0
  mkdir -p "$VAR/nginx/tmp"
  local user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root;"
  sed -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" -e "s|@PORT@|$PORT|g" -e "s|@USER_LINE@|$user_line|g" \
    "$ROOT/conf/nginx.conf.in" >"$VAR/nginx/nginx.conf"
  if [ -n "${SB_EXTRA_POOLS:-}" ]; then # one upstream over every pool (round robin), as for several app hosts
    local servers="server unix:$RUN/switchboard.sock;" p
    for p in $SB_EXTRA_POOLS; do servers="$servers server unix:$RUN/switchboard-$p.sock;"; done
    sed -i -e "s|^http {|http {\n    upstream switchboard_pools { $servers }|" \
      -e "s|fastcgi_pass unix:$RUN/switchboard.sock;|fastcgi_pass switchboard_pools;|" "$VAR/nginx/nginx.conf"
    grep -q 'fastcgi_pass switchboard_pools;' "$VAR/nginx/nginx.conf" || die "nginx.conf.in: no fastcgi_pass to the pool to replace"
  fi
  echo "$PORT" >"$RUN/port"
  nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e "$LOG/nginx-error.log" \
    || die "nginx failed to start on 127.0.0.1:$PORT (port taken? see $LOG/nginx-error.log)"
  wait_for 10 nginx curl -fsS "http://127.0.0.1:$PORT/nginx-ping"
}

# make run's first start: a believable past for the demo tenant through the real routes
# (`switchboard simulate`, D51), then the conversion links over it. Once per VAR (marker file):
# a second start must not add another 90 days. Test and bench stacks do not set SB_DEMO.
demo_traffic() {
  local port=$1 marker=$VAR/demo-traffic.done out links
  [ "${SB_DEMO:-0}" = 1 ] && [ ! -f "$marker" ] || return 0
  say "first start: simulating 90 days of demo traffic for Salon Haarmonie (about a minute)"
  if ! out=$("$BIN" -c "$CONF" simulate --history 90d --seed 1 --company 2 --url "http://127.0.0.1:$port" 2>>"$LOG/simulate.err"); then
    echo "stack.sh: demo traffic incomplete (see $LOG/simulate.log, $LOG/simulate.err); it is tried again on the next start" >&2
    printf '%s\n' "$out" >"$LOG/simulate.log"
    return 0
  fi
  printf '%s\n' "$out" >"$LOG/simulate.log"
  links=$("$BIN" -c "$CONF" detect-conversions --since 90d --auto-link 2>&1 | sed -n 's/^calls linked *//p')
  touch "$marker"
  say "demo traffic: $(printf '%s\n' "$out" | head -1 | sed 's/^simulate: //'); detect-conversions --since 90d --auto-link linked ${links:-0} calls (details: $LOG/simulate.log)"
}

case $cmd in
start)
  [ -x "$BIN" ] || die "$BIN is missing: run make first"
  mkdir -p "$RUN" "$LOG" "$VAR/spool"
  write_config
  start_db
  bootstrap_db
  [ "${SB_REPLICA:-0}" = 1 ] && start_replica
  start_pool
  for p in ${SB_EXTRA_POOLS:-}; do SB_POOL_NAME=$p start_pool; done
  start_worker
  start_fake
  start_sink
  start_nginx
  port=$(cat "$RUN/port")
  demo_traffic "$port"
  say ""
  say "switchboard is running"
  say "  dashboard:       http://127.0.0.1:$port/  (owner@salon-haarmonie.example.com / haarmonie-demo,"
  say "                                          operator@switchboard.example.com / switchboard-demo)"
  say "  health:          http://127.0.0.1:$port/api/health"
  say "  Cal.com webhook: http://127.0.0.1:$port/api/calcom/webhook"
  say "  Retell webhook:  http://127.0.0.1:$port/api/webhooks/retell"
  say "  monitor:         http://127.0.0.1:$port/api/webhooks/monitor  (Authorization: Bearer <monitor.token>)"
  say "  fake Retell API:  http://127.0.0.1:$((port + 1))  (try: bin/switchboard -c $CONF sync-calls --since 2026-03-10 --until 2026-03-11)"
  say "  mail (summaries, callback alerts): $VAR/mail/*.eml  (the SMTP sink on 127.0.0.1:$((port + 2)); log $LOG/smtp-sink.log)"
  say "  config + dev secrets: $CONF"
  say "  logs: $LOG/   database: mariadb --socket=$SOCK -u $ME askproai"
  say "  stop with: make stop"
  ;;
stop)
  stop_pid "$RUN/fake.pid" "fake provider API"
  stop_pid "$RUN/smtp-sink.pid" "SMTP sink"
  stop_pid "$RUN/nginx.pid" nginx
  stop_pid "$RUN/worker.pid" worker
  for f in "$RUN"/spawn-fcgi*.pid; do [ -e "$f" ] && stop_pid "$f" "FastCGI pool$(basename "$f" .pid | sed 's/^spawn-fcgi-*/ /')"; done
  stop_replica
  stop_db
  ;;
start-db) start_db ;;
stop-pool) stop_pool ;;
start-replica) start_replica ;;
stop-replica) stop_replica ;;
start-pool) start_pool ;;
stop-worker) stop_pid "$RUN/worker.pid" worker ;;
start-worker) start_worker ;;
stop-db) stop_db ;;
status)
  for p in mysqld db-replica spawn-fcgi worker nginx fake smtp-sink; do
    if alive "$RUN/$p.pid"; then echo "$p: running (pid $(cat "$RUN/$p.pid"))"; else echo "$p: stopped"; fi
  done ;;
*) die "unknown command $cmd" ;;
esac
