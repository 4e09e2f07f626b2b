#!/bin/sh
# Run every libFuzzer target in $1/fuzz for $2 seconds each (FUZZ_SECONDS,
# default 60), starting from the hand-written seeds in tests/fuzz/seeds/<t>
# and the dictionary tests/fuzz/<t>.dict.  New inputs go to $1/fuzz/corpus/<t>
# (kept between runs), crashes to $1/fuzz/artifacts/.  Exit 1 on a finding.
set -u
O=${1:-build-fuzz}
SECS=${2:-${FUZZ_SECONDS:-60}}
here=$(dirname "$0")
pass=0; fail=0; failed=""
mkdir -p "$O/fuzz/artifacts"
for bin in "$O"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	t=$(basename "$bin"); t=${t#fuzz_}
	corpus="$O/fuzz/corpus/$t"
	mkdir -p "$corpus"
	log="$O/fuzz/$t.log"
	dict=""
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	echo "fuzz: $t for ${SECS}s ..."
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$O/fuzz/artifacts/$t-" $dict \
		"$corpus" "$here/seeds/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ $rc = 0 ]; then
		pass=$((pass + 1))
		echo "fuzz: $t ok: ${runs:-?} runs, $cov, corpus $(ls "$corpus" | wc -l) files"
	else
		fail=$((fail + 1)); failed="$failed $t"
		echo "fuzz: $t FAILED (exit $rc); log $log:"
		grep -E 'ERROR|fuzz_|SUMMARY|Test unit written' "$log" | head -20
	fi
done
echo "fuzz: $pass targets clean, $fail with findings${failed:+ ($failed )}"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
