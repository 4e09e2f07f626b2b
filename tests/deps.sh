#!/bin/sh
# Install the Debian packages the build and the test suite need, or, when
# not root, print the exact command to run.  Quiet when all are present.
#   tests/deps.sh            build + `make check` packages
#   tests/deps.sh --fuzz     those plus clang and its libFuzzer runtime (`make fuzz`)
#   tests/deps.sh PKG...     those plus the named extra packages
set -eu
PKGS="make gcc pkg-config default-libmysqlclient-dev libyaml-dev libcmocka-dev mariadb-server mariadb-client binutils man-db zsh"
for a in "$@"; do
	case $a in
	--fuzz) PKGS="$PKGS clang libclang-rt-dev" ;;
	*) PKGS="$PKGS $a" ;;
	esac
done
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "hposctl: missing packages:$missing" >&2
	echo "Run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "hposctl: installing missing packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
