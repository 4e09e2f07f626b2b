#!/bin/sh
# Run every tests/integration/t_*.sh against one private MariaDB sandbox.
# Usage: tests/integration/run.sh BUILDDIR [TEST...]
set -u
O=${1:-build}; shift 2>/dev/null || true
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HPOSCTL=$(cd "$O" && pwd)/hposctl
FIXTURE=${FIXTURE:-$TOP/../shared/fixtures/wc-9.9.5-store200}
[ -d "$FIXTURE" ] || FIXTURE=$TOP/../../shared/fixtures/wc-9.9.5-store200
[ -d "$FIXTURE" ] || { echo "integration: fixture not found (set FIXTURE=)"; exit 1; }
SBX=$(mktemp -d /tmp/hposctl-it.XXXXXX)
export HPOSCTL SBX FIXTURE TOP STOREGEN="$(cd "$O" && pwd)/storegen"

cleanup() { "$TOP/tests/sandbox.sh" stop "$SBX" >/dev/null 2>&1; rm -rf "$SBX"; }
trap cleanup EXIT INT TERM
"$TOP/tests/sandbox.sh" start "$SBX" || exit 1

tests=${*:-$(ls "$TOP"/tests/integration/t_*.sh)}
pass=0; fail=0; failed=""
for t in $tests; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	if sh "$t" > "$SBX/$name.log" 2>&1; then
		pass=$((pass + 1)); status=PASS
	else
		fail=$((fail + 1)); status=FAIL; failed="$failed $name"
	fi
	echo "$status $name ($(( $(date +%s) - start ))s, $(grep -c '^ok' "$SBX/$name.log") checks)"
	[ $status = FAIL ] && sed 's/^/    /' "$SBX/$name.log" | grep -v '^    ok' | tail -40
done
echo "integration: $pass passed, $fail failed${failed:+ ($failed )}"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
