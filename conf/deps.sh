#!/usr/bin/env bash
# deps.sh PKG...: install the Debian packages that are missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "switchboard: missing Debian packages. Run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi
echo "switchboard: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# no init system in containers/chroots: keep package scripts from starting services
policy=/usr/sbin/policy-rc.d; made_policy=0
if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; made_policy=1; fi
trap '[ $made_policy = 1 ] && rm -f $policy' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
