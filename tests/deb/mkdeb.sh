#!/bin/sh
# Build a Debian package of hposctl from `make install DESTDIR=...`.
# Usage: tests/deb/mkdeb.sh BUILDDIR   -> BUILDDIR/hposctl_<version>-1_<arch>.deb
#
# Depends is computed the way dpkg-shlibdeps falls back to: every shared
# library the binary names (DT_NEEDED) is found on this system, its package
# looked up with `dpkg -S`, and that package's shlibs file gives the
# dependency ("libmariadb3 (>= 1:10.11.19)"); without a shlibs entry, the
# package at the installed upstream version or newer.
set -eu
O=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
VERSION=$(sed -n 's/^#define HPOSCTL_VERSION "\(.*\)"/\1/p' include/hposctl.h)
ARCH=$(dpkg --print-architecture)
ROOT=$O/deb/root
DEB=$O/hposctl_${VERSION}-1_${ARCH}.deb
die() { echo "mkdeb: $*" >&2; exit 1; }
[ -n "$VERSION" ] || die "no HPOSCTL_VERSION in include/hposctl.h"

rm -rf "$O/deb"
make -s --no-print-directory install O="$O" DESTDIR="$ROOT" PREFIX=/usr \
	ZSHCOMPDIR=/usr/share/zsh/vendor-completions >/dev/null
# Debian policy: stripped binary, compressed man page, copyright file.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$ROOT/usr/bin/hposctl"
gzip -9n "$ROOT/usr/share/man/man1/hposctl.1"
install -m 0644 LICENSE "$ROOT/usr/share/doc/hposctl/copyright"

# Depends from the libraries the binary links.
deps=""
for so in $(objdump -p "$ROOT/usr/bin/hposctl" | awk '$1 == "NEEDED" { print $2 }'); do
	path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
	[ -n "$path" ] || die "$so: not found by ldconfig"
	pkg=""
	for p in "$path" "$(readlink -f "$path")" "/usr$path" "$(readlink -f "$path" | sed 's|^/usr||')"; do
		pkg=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$pkg" ] && break
	done
	[ -n "$pkg" ] || die "$so ($path): no package owns it"
	name=${so%%.so.*}; ver=${so##*.so.}
	dep=""
	for f in /var/lib/dpkg/info/"$pkg":"$ARCH".shlibs /var/lib/dpkg/info/"$pkg".shlibs; do
		[ -f "$f" ] && dep=$(awk -v n="$name" -v v="$ver" '$1 == n && $2 == v { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' "$f") && [ -n "$dep" ] && break
	done
	if [ -z "$dep" ]; then
		up=$(dpkg-query -W -f '${Version}' "$pkg" | sed 's/-[^-]*$//')
		dep="$pkg (>= $up)"
	fi
	case ", $deps, " in *", $dep, "*) ;; *) deps="${deps:+$deps, }$dep" ;; esac
done

mkdir -p "$ROOT/DEBIAN"
cat > "$ROOT/DEBIAN/control" <<CTL
Package: hposctl
Version: ${VERSION}-1
Architecture: $ARCH
Maintainer: hposctl developers <hposctl@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
Depends: $deps
Section: database
Priority: optional
Description: move WooCommerce orders into HPOS tables and keep both stores in step
 hposctl migrates WooCommerce orders from wp_posts/wp_postmeta into the
 High-Performance Order Storage tables and keeps both stores in step
 (forward and reverse sync, backfill, verify, switch-authority,
 compat-mode, cleanup), row for row as WooCommerce writes them, in
 batches, with retries, throttling and a measured time estimate.
CTL
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
