#!/usr/bin/env bash
# check-inside.sh DEB VERSION: the checks of `make check-deb`, run as root in a
# fresh Debian 12 (conf/deb/check.sh puts it there). Installs DEB with apt-get
# (dependencies from the archive), checks what the package promises, then
# removes and purges it and checks what is left. Exit 0 only if all hold.
set -euo pipefail
deb=$1 version=$2
export DEBIAN_FRONTEND=noninteractive
fails=0
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
UNITS="switchboard-fcgi.service switchboard-worker.service switchboard-detect-conversions.service
       switchboard-detect-conversions.timer switchboard-sync-calls.service switchboard-sync-calls.timer
       switchboard-prune.service switchboard-prune.timer"

apt-get update -qq
# a server has systemd: systemctl for the maintainer scripts, systemd-analyze for the units
# (installed, not running: the scripts must cope with that as in any chroot or image build)
apt-get install -y -q --no-install-recommends systemd >/dev/null 2>&1
echo "check-deb: apt-get install $deb"
out=$(apt-get install -y -q --no-install-recommends "$deb" 2>&1) || { echo "$out"; echo "check-deb: install failed"; exit 1; }
printf '%s\n' "$out" | sed -n '/^switchboard is installed/,/^Config changes/p' | sed 's/^/  | /'
check "postinst says how to migrate (and did not)" grep -q "switchboard migrate" <<<"$out"
check "switchboard version is $version" test "$(switchboard version)" = "switchboard $version"
check "system user switchboard" sh -c 'getent passwd switchboard | grep -q ":/var/lib/switchboard:/usr/sbin/nologin$"'
check "its uid is a system uid" sh -c '[ "$(id -u switchboard)" -lt 1000 ]'
check "conffile /etc/switchboard/switchboard.conf" sh -c "dpkg-query -W -f='\${Conffiles}' switchboard | grep -q '/etc/switchboard/switchboard.conf '"
check "conffile is root:switchboard 0640" test "$(stat -c '%U:%G %a' /etc/switchboard/switchboard.conf)" = "root:switchboard 640"
for u in $UNITS; do check "unit $u" test -f "/lib/systemd/system/$u"; done
check "units run /usr/bin/switchboard" grep -q "/usr/bin/switchboard serve" /lib/systemd/system/switchboard-fcgi.service
for d in spool log lib; do
  check "/var/$d/switchboard owned by switchboard" test "$(stat -c %U "/var/$d/switchboard")" = switchboard
done
check "www/ installed" test -f /usr/share/switchboard/www/switchboard.css
# the man page and completion, generated from the command table (DESIGN D148); help needs no readable config
check "man page /usr/share/man/man1/switchboard.1.gz names every command" sh -c \
  'for c in $(switchboard completion | sed -n "s/^    local commands=.\(.*\).$/\1/p"); do zcat /usr/share/man/man1/switchboard.1.gz | sed "s/\\\\-/-/g" | grep -qx -- ".SS $c" || exit 1; done'
check "bash completion /usr/share/bash-completion/completions/switchboard loads" \
  bash -c '. /usr/share/bash-completion/completions/switchboard && complete -p switchboard'
check "switchboard prune --help as a user who cannot read the config (exit 0)" \
  sh -c 'runuser -u nobody -- switchboard prune --help | grep -q "^usage: switchboard"'
check "migrations installed" test -f /usr/share/switchboard/sql/migrations/0001_webhook_events_event_id_not_unique.sql
# the service user reads the config and finds the installed migrations by itself
cfg=$(runuser -u switchboard -- switchboard config 2>&1) || true
check "switchboard config as the service user" grep -q "^db.name = " <<<"$cfg"
check "migrations.dir defaults to /usr/share/switchboard/sql/migrations" \
  grep -qx "migrations.dir = /usr/share/switchboard/sql/migrations" <<<"$cfg"
check "nothing migrated, nothing enabled" sh -c '! ls /etc/systemd/system/*.wants/switchboard-* 2>/dev/null | grep -q .'
verify=$(systemd-analyze verify $(for u in $UNITS; do echo "/lib/systemd/system/$u"; done) 2>&1) \
  && [ -z "$verify" ] && ok "systemd-analyze verify: no complaints" || bad "systemd-analyze verify: $verify"
systemctl enable --quiet switchboard-worker.service switchboard-prune.timer && ok "systemctl enable (offline)" \
  || bad "systemctl enable (offline)"
dpkg -V switchboard >/dev/null 2>&1 && ok "dpkg -V: files as packaged" || bad "dpkg -V: $(dpkg -V switchboard)"

# it starts: a MariaDB as on a server, the baseline schema, `switchboard migrate`, then the pool and
# the worker with the command lines of their units (no systemd runs in a chroot); /api/health answers
echo "check-deb: starting it (MariaDB, migrate, the units' command lines)"
apt-get install -y -q --no-install-recommends mariadb-server libfcgi-bin >/dev/null 2>&1 || bad "apt-get install mariadb-server"
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
mariadbd --user=mysql --skip-networking --socket=/run/mysqld/mysqld.sock >/tmp/check-deb-mariadb.log 2>&1 &
for _ in $(seq 60); do mariadb-admin --socket=/run/mysqld/mysqld.sock ping >/dev/null 2>&1 && break; sleep 1; done
mariadb --socket=/run/mysqld/mysqld.sock -e "CREATE DATABASE askproai_db; CREATE USER switchboard@localhost IDENTIFIED BY 'change-me';
  GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES, CREATE TEMPORARY TABLES
  ON askproai_db.* TO switchboard@localhost" && mariadb --socket=/run/mysqld/mysqld.sock askproai_db </usr/share/switchboard/sql/legacy/schema.sql \
  && ok "database and baseline schema" || bad "database and baseline schema"
check "switchboard migrate as the service user" runuser -u switchboard -- switchboard migrate
mkdir -p /run/switchboard
pool=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/switchboard-fcgi.service | sed 's/\${POOL}/2/')
worker=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/switchboard-worker.service)
setsid $pool >/tmp/check-deb-pool.log 2>&1 &
pool_pid=$!
for _ in $(seq 20); do [ -S /run/switchboard/fcgi.sock ] && break; sleep 0.5; done
check "the pool's socket is switchboard:www-data 0660" test "$(stat -c '%U:%G %a' /run/switchboard/fcgi.sock)" = "switchboard:www-data 660"
health=$(REQUEST_METHOD=GET DOCUMENT_URI=/api/health REQUEST_URI=/api/health SCRIPT_NAME=/api/health \
         cgi-fcgi -bind -connect /run/switchboard/fcgi.sock 2>&1 || true)
check "the pool answers /api/health with the database up" grep -q '"status":"healthy"' <<<"$health"
[ "$fails" = 0 ] || printf '%s\n' "$health" | head -5 | sed 's/^/  | /'
setsid runuser -u switchboard -- $worker >/tmp/check-deb-worker.log 2>&1 &
worker_pid=$!
for _ in $(seq 20); do grep -q "worker: started" /var/log/switchboard/switchboard.log 2>/dev/null && break; sleep 0.5; done
check "the worker runs (its start in /var/log/switchboard/switchboard.log)" grep -q "worker: started" /var/log/switchboard/switchboard.log
# as systemd stops them: the pool's main process only (KillMode=mixed), the worker's whole group
kill -TERM "$pool_pid" 2>/dev/null || true
kill -TERM -- -"$worker_pid" 2>/dev/null || true
for _ in $(seq 40); do pgrep -u switchboard >/dev/null || break; sleep 0.5; done
check "pool and worker stop on SIGTERM" sh -c '! pgrep -u switchboard'
pgrep -a -u switchboard | sed 's/^/  | still running: /' || true
pkill -KILL -u switchboard 2>/dev/null || true
mariadb-admin --socket=/run/mysqld/mysqld.sock shutdown >/dev/null 2>&1 || true

# an operator's edit must survive remove (and go with purge)
echo "# edited by check-deb" >>/etc/switchboard/switchboard.conf
echo "check-deb: apt-get remove switchboard"
apt-get remove -y -q switchboard >/dev/null 2>&1 || bad "apt-get remove"
check "binary gone after remove" test ! -e /usr/bin/switchboard
check "units gone after remove" test ! -e /lib/systemd/system/switchboard-fcgi.service
check "enabled units disabled by prerm" sh -c '! ls -l /etc/systemd/system/*.wants/ 2>/dev/null | grep -q switchboard-'
check "edited conffile kept after remove" grep -q "edited by check-deb" /etc/switchboard/switchboard.conf
check "user kept after remove" getent passwd switchboard
check "package state is config-files" sh -c "dpkg-query -W -f='\${db:Status-Status}' switchboard | grep -qx config-files"
echo "check-deb: apt-get purge switchboard"
apt-get purge -y -q switchboard >/dev/null 2>&1 || bad "apt-get purge"
check "/etc/switchboard gone after purge" test ! -e /etc/switchboard
check "user gone after purge" sh -c '! getent passwd switchboard'
check "group gone after purge" sh -c '! getent group switchboard'
for d in /var/spool/switchboard /var/log/switchboard /var/lib/switchboard; do check "$d gone after purge" test ! -e "$d"; done
check "dpkg forgot the package" sh -c '! dpkg-query -W switchboard 2>/dev/null | grep -q .'

if [ "$fails" = 0 ]; then echo "check-deb: all checks passed"; else echo "check-deb: $fails check(s) failed"; fi
[ "$fails" = 0 ]
