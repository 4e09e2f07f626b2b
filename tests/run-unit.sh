#!/bin/sh
# Run every cmocka unit-test binary in $1/tests and summarise.
set -u
O=${1:-build}
pass=0; fail=0; failed=""
for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$t")"; fi
done
echo "unit: $pass suites passed, $fail failed${failed:+ ($failed )}"
[ "$fail" = 0 ]
