#!/bin/sh
# Run every tests/integration/t_*.sh against one private MariaDB sandbox.
# Usage: tests/integration/run.sh BUILDDIR [TEST...]
set -u
O=${1:-build}; shift 2>/dev/null || true
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HPOSCTL=$(cd "$O" && pwd)/hposctl
# The recorded WooCommerce stores live in the repository (tests/fixtures/).
FIXTURES=$TOP/tests/fixtures
FIXTURE=$FIXTURES/wc-9.9.5-store200
[ -f "$FIXTURE/before.sql.gz" ] || { echo "integration: $FIXTURE/before.sql.gz missing from the checkout"; exit 1; }
SBX=$(mktemp -d /tmp/hposctl-it.XXXXXX)
export HPOSCTL SBX FIXTURE FIXTURES TOP STOREGEN="$(cd "$O" && pwd)/storegen"

cleanup() { "$TOP/tests/sandbox.sh" stop "$SBX" >/dev/null 2>&1; rm -rf "$SBX"; }
trap cleanup EXIT INT TERM
"$TOP/tests/sandbox.sh" start "$SBX" || exit 1

tests=${*:-$(ls "$TOP"/tests/integration/t_*.sh)}
pass=0; fail=0; failed=""
for t in $tests; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	# A command the shell cannot find (a misspelt assert_*) would check
	# nothing and pass: it fails the test.
	if sh "$t" > "$SBX/$name.log" 2>&1 && ! grep -Eq '^[^ ]+: [0-9]+: [^ ]+: not found$' "$SBX/$name.log"; then
		pass=$((pass + 1)); status=PASS
	else
		fail=$((fail + 1)); status=FAIL; failed="$failed $name"
	fi
	echo "$status $name ($(( $(date +%s) - start ))s, $(grep -c '^ok' "$SBX/$name.log") checks)"
	grep '^# summary:' "$SBX/$name.log" | sed 's/^# /    /'
	[ $status = FAIL ] && sed 's/^/    /' "$SBX/$name.log" | grep -v '^    ok' | tail -40
done
# Fault counts: each fault test prints "# summary: key=N ..." lines
# (kills, retries, bad_inputs, ...); the totals over the tests run.
cat "$SBX"/t_*.log 2>/dev/null | awk '
	/^# summary:/ { for (i = 3; i <= NF; i++) if (split($i, kv, "=") == 2 && kv[2] ~ /^[0-9]+$/) { if (!(kv[1] in n)) k[++nk] = kv[1]; n[kv[1]] += kv[2] } }
	END {
		s = sprintf("kills=%d retries=%d bad_inputs=%d", n["kills"], n["retries"], n["bad_inputs"])
		for (i = 1; i <= nk; i++) if (k[i] != "kills" && k[i] != "retries" && k[i] != "bad_inputs") s = s " " k[i] "=" n[k[i]]
		print "fault summary: " s
	}'
echo "integration: $pass passed, $fail failed${failed:+ ($failed )}"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
