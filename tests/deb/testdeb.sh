#!/bin/sh
# Install a hposctl .deb into a throwaway root and try it there.
# Usage: tests/deb/testdeb.sh PACKAGE.deb
#
# The root is a directory with an empty dpkg database: `dpkg --root`
# installs the package into it (no maintainer scripts run; its Depends are
# checked against this machine's packages instead, which is where the
# libraries the binary then runs with come from).  Checked there: the
# binary runs (--version, completion), `man -l` renders the installed man
# page, config.example.yml and the completions are where the docs say.
set -u
DEB=$1
T=$(mktemp -d /tmp/hposctl-deb.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; fails=$((fails + 1)); }

mkdir -p "$T/var/lib/dpkg/info" "$T/var/lib/dpkg/updates"
: > "$T/var/lib/dpkg/status"
if dpkg --root="$T" --force-depends --force-not-root --log=/dev/null -i "$DEB" >"$T.log" 2>&1; then
	ok "dpkg --root installs the package into a throwaway root"
else
	fail "dpkg --root -i: $(cat "$T.log")"
fi
rm -f "$T.log"
st=$(dpkg-query --admindir="$T/var/lib/dpkg" -W -f '${Status}' hposctl 2>&1)
[ "$st" = "install ok installed" ] && ok "the root's dpkg database has it installed" || fail "status: $st"

# Depends: every package named is installed here (as on a Debian 12 system
# that would install them with apt).
deps=$(dpkg-deb -f "$DEB" Depends)
[ -n "$deps" ] && ok "Depends: $deps" || fail "no Depends"
for d in $(printf '%s\n' "$deps" | tr ',' '\n' | sed 's/(.*//; s/ //g'); do
	s=$(dpkg-query -W -f '${Status}' "$d" 2>/dev/null)
	[ "$s" = "install ok installed" ] && ok "dependency $d is installable (installed on this Debian)" || fail "dependency $d: $s"
done

B=$T/usr/bin/hposctl
v=$("$B" --version 2>&1) && ok "hposctl --version runs from the root: $v" || fail "--version: $v"
case "$v" in "hposctl "[0-9]*) ;; *) fail "--version prints [$v]" ;; esac
man_out=$(MANWIDTH=80 man -l "$T/usr/share/man/man1/hposctl.1.gz" 2>&1)
case "$man_out" in *NAME*hposctl*SYNOPSIS*) ok "man -l renders the installed man page" ;;
	*) fail "man page: $(printf '%s' "$man_out" | head -5)" ;; esac
[ -f "$T/usr/share/doc/hposctl/config.example.yml" ] && ok "config.example.yml in /usr/share/doc/hposctl" || fail "no config.example.yml"
[ -f "$T/usr/share/doc/hposctl/copyright" ] && ok "copyright file" || fail "no copyright file"
c=$T/usr/share/bash-completion/completions/hposctl
if [ -f "$c" ] && r=$(bash -c '. "$1"; COMP_WORDS=(hposctl sw); COMP_CWORD=1; _hposctl; echo "${COMPREPLY[*]}"' sh "$c") &&
	[ "$r" = switch-authority ]; then
	ok "the installed bash completion completes"
else
	fail "bash completion: ${r:-missing}"
fi
[ -f "$T/usr/share/zsh/vendor-completions/_hposctl" ] && ok "zsh completion installed" || fail "no zsh completion"
[ "$fails" = 0 ]
