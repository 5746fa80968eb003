#!/usr/bin/env bash
# build.sh: build/deb/switchboard_VERSION_ARCH.deb with dpkg-deb, no debhelper.
# The tree is `make install DESTDIR=build/deb/root PREFIX=/usr` (units in
# /lib/systemd/system, Debian 12's place); conf/deb/ adds the control file and
# the maintainer scripts. /etc/switchboard/switchboard.conf (the example, whose
# paths are the package's) is the one conffile. Run from the top via `make deb`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=build/deb; STAGE=$OUT/root
version=$(sed -n 's/^#define SWITCHBOARD_VERSION "\(.*\)"/\1/p' app/app.h)
arch=$(dpkg --print-architecture)
[ -n "$version" ] || { echo "build.sh: no SWITCHBOARD_VERSION in app/app.h" >&2; exit 1; }
rm -rf "$STAGE" "$OUT"/switchboard_*.deb
mkdir -p "$STAGE/DEBIAN"
make --no-print-directory install DESTDIR="$ROOT/$STAGE" PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system >/dev/null
strip --strip-unneeded "$STAGE/usr/bin/switchboard"
install -m 0644 conf/deb/copyright "$STAGE/usr/share/doc/switchboard/copyright"
for s in postinst prerm postrm; do install -m 0755 "conf/deb/$s" "$STAGE/DEBIAN/$s"; done
echo /etc/switchboard/switchboard.conf >"$STAGE/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" conf/deb/control.in >"$STAGE/DEBIAN/control"
# the md5sums dpkg -V checks against
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
deb="$OUT/switchboard_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$deb" >/dev/null
echo "built $deb ($(du -k "$deb" | cut -f1) KiB)"
