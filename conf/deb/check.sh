#!/usr/bin/env bash
# check.sh DEB: install, check, remove and purge the package in a fresh Debian 12
# root, the way an operator would (`apt-get install ./switchboard_*.deb`), with
# conf/deb/check-inside.sh doing the checks. Run by `make check-deb`, as root.
#
# The root is a minimal bookworm made by mmdebstrap (installed through
# conf/deps.sh when missing) and cached as a tarball (CHECK_DEB_ROOTFS, default
# /var/tmp/switchboard-check-bookworm.tar); each run unpacks a new copy and
# deletes it afterwards. It uses this machine's apt sources and network.
# CHECK_DEB_HERE=1 runs the checks on this machine instead, for a throwaway
# container or CI job that is itself a fresh Debian 12: it really installs and
# purges the package there.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
deb=${1:?usage: check.sh build/deb/switchboard_VERSION_ARCH.deb}
[ -f "$deb" ] || { echo "check.sh: no $deb (make deb)" >&2; exit 2; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
[ "$(id -u)" = 0 ] || { echo "check.sh: installing a package needs root" >&2; exit 2; }
version=$(dpkg-deb -f "$deb" Version)

if [ "${CHECK_DEB_HERE:-0}" = 1 ]; then
  dpkg -s switchboard >/dev/null 2>&1 && { echo "check.sh: switchboard is already installed here; refusing" >&2; exit 2; }
  exec "$ROOT/conf/deb/check-inside.sh" "$deb" "$version"
fi

rootfs=${CHECK_DEB_ROOTFS:-/var/tmp/switchboard-check-bookworm.tar}
# mmdebstrap makes the root; mount gives it /proc (neither is in a minimal Debian)
"$ROOT/conf/deps.sh" mmdebstrap mount
if [ ! -f "$rootfs" ] || [ ! -s "$rootfs" ]; then
  echo "check-deb: making a minimal Debian 12 root (once; cached in $rootfs)"
  mmdebstrap --quiet --variant=apt --format=tar bookworm "$rootfs.tmp" && mv "$rootfs.tmp" "$rootfs"
fi
root=$(mktemp -d /var/tmp/switchboard-check.XXXXXX)
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -xf "$rootfs" -C "$root"
# this machine's package sources (a mirror or proxy it may need)
cp -a /etc/apt/apt.conf.d/. "$root/etc/apt/apt.conf.d/"
if [ -d /etc/apt/sources.list.d ] && ls /etc/apt/sources.list.d/* >/dev/null 2>&1; then
  cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/"
  rm -f "$root/etc/apt/sources.list"
fi
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"
cp "$deb" "$ROOT/conf/deb/check-inside.sh" "$root/tmp/"
echo "check-deb: installing $(basename "$deb") in a fresh Debian 12 root ($root)"
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /tmp/check-inside.sh "/tmp/$(basename "$deb")" "$version"
