# make deb: the package is built from `make install DESTDIR=`, installed
# into a throwaway dpkg root and tried there (tests/deb/testdeb.sh: --version,
# man -l, config.example.yml, completion, Depends installable).
. "$TOP/tests/integration/lib.sh"

if ! command -v dpkg-deb >/dev/null 2>&1; then
	echo "# skip: not a Debian system (no dpkg-deb)"
	exit 0
fi
O=$(dirname "$HPOSCTL")
run make -s --no-print-directory -C "$TOP" deb O="$O"
assert_eq 0 "$rc" "make deb builds and its install test passes"
printf '%s\n' "$out" | grep -e '^ok' -e '^not ok'
assert_contains "$out" "Built $O/hposctl_" "make deb names the package"
assert_contains "$out" "ok - man -l renders the installed man page" "the installed man page renders"
assert_contains "$out" "ok - hposctl --version runs from the root" "the installed binary runs"
case "$out" in *"not ok"*) fail "tests/deb/testdeb.sh reported a failure" ;; *) ok "no check of pkg/testdeb.sh failed" ;; esac
finish
