#!/bin/sh
# make bench: generate 100k and 1M-order stores in a private MariaDB and
# measure `hposctl sync` against a plain-SQL reference migration of an
# identical store, in the same run; `hposctl verify` over the synced store
# (orders/s next to sync's); then, with HPOS authoritative, `hposctl cleanup`
# (backup file on, as by default) against a plain-SQL cleanup.  Reports
# orders/s, rows/s, peak RSS, time per phase, the ratios, and a no-op sync
# over the fully synced store.  Before the timed sync and cleanup, the
# measured estimate (`--dry-run --sample`, rolled back) is taken on the same
# store, and its projection is set against the real run: the ratio should
# lie within a factor of 2 (reported, not asserted).
#
# Every timed row also shows CPU per order, measured rather than inferred
# from the wall clock (this machine's wall clock is noisy; CPU time much
# less so): cli_us/ord is the client's own user+system CPU (hposctl, or the
# mariadb client for the plain-SQL rows), from `times` in the subshell that
# ran it; srv_us/ord is mariadbd's utime+stime (/proc/PID/stat) over the
# same run, background work such as purge included.
#
# Knobs (environment, or make variables: `make bench BENCH_ORDERS=20000`):
#   BENCH_SIZES="100000 1000000"  the store sizes (default)
#   BENCH_ORDERS=N                one size, N orders (a shorter run)
#   BASE=REV                      before/after: build git revision REV (a
#                                 temporary export of its tree, `git archive`)
#                                 and run its hposctl and this tree's
#                                 alternately on the same store: sync and
#                                 cleanup, BENCH_ROUNDS times each binary
#                                 (default 2), then the plain-SQL references
#                                 on that store; a table with both and the
#                                 ratio this/base
#   SANDBOX_BUFFER_POOL           InnoDB buffer pool (default 12G)
set -eu
O=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HPOSCTL=$(cd "$O" && pwd)/hposctl
STOREGEN=$(cd "$O" && pwd)/storegen
SBX=$(mktemp -d /tmp/hposctl-bench.XXXXXX)
SIZES=${BENCH_ORDERS:-${BENCH_SIZES:-100000 1000000}}
BASE=${BASE:-}
ROUNDS=${BENCH_ROUNDS:-2}
cleanup() { "$TOP/tests/sandbox.sh" stop "$SBX" >/dev/null 2>&1; rm -rf "$SBX"; }
trap cleanup EXIT INT TERM
if [ -n "$BASE" ]; then
	# The base binary first: a bad revision fails before any store is made.
	base_rev=$(git -C "$TOP" rev-parse --verify --quiet "$BASE^{commit}") || { echo "bench: BASE=$BASE is not a commit" >&2; exit 1; }
	mkdir "$SBX/base"
	git -C "$TOP" archive "$base_rev" | tar -x -C "$SBX/base"
	echo "Building BASE=$BASE ($(git -C "$TOP" log -1 --format='%h %s' "$base_rev" | cut -c1-70)) in $SBX/base"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$SBX/base" O=build build/hposctl > "$SBX/base/build.log" 2>&1 ||
		{ tail -20 "$SBX/base/build.log" >&2; echo "bench: building BASE=$BASE failed" >&2; exit 1; }
	BASE_HPOSCTL=$SBX/base/build/hposctl
	this_rev="$(git -C "$TOP" log -1 --format='%h' HEAD)$(git -C "$TOP" diff --quiet HEAD -- src include 2>/dev/null || echo '+changes')"
fi
SANDBOX_BUFFER_POOL=${SANDBOX_BUFFER_POOL:-12G} "$TOP/tests/sandbox.sh" start "$SBX"
sqlc() { mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B "$@"; }
now() { date +%s.%N; }
MYSQLD_PID=$(cat "$SBX/mysqld.pid")
CLK_TCK=$(getconf CLK_TCK)
# mariadbd's user+system CPU so far, in clock ticks (fields 14 and 15 of
# /proc/PID/stat, counted after the parenthesised command name).
server_ticks() { sed 's/.*) //' "/proc/$MYSQLD_PID/stat" | awk '{ print $12 + $13 }'; }
# measure OUT CMD...: run CMD, its stdout to OUT.  Sets wall (seconds),
# ccpu (CMD's own user+system CPU seconds: the second line of `times` in the
# subshell that ran it, whose only child CMD is) and scpu (mariadbd's CPU
# seconds over the run).  Returns CMD's exit status.
measure() {
	_out=$1; shift
	_s0=$(server_ticks)
	_t0=$(now)
	_mrc=0
	( _rc=0; "$@" > "$_out" || _rc=$?; times > "$SBX/times"; exit $_rc ) || _mrc=$?
	_t1=$(now)
	_s1=$(server_ticks)
	wall=$(calc "$_t1 - $_t0")
	# "0m1.230000s 0m0.450000s": user, system
	ccpu=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60 + a[2] } printf "%.2f", t }' "$SBX/times")
	scpu=$(calc "($_s1 - $_s0) / $CLK_TCK")
	return $_mrc
}
# us_per SECONDS ORDERS: microseconds per order.
us_per() { calc "$1 * 1000000 / $2"; }
# Before each timed phase, let InnoDB write out the pages the previous
# step left dirty (the generator leaves ~1.5 GB), so every phase, hposctl's
# and the reference's alike, starts on a server at rest instead of paying
# for the one before it.  The flush rate is raised only for this wait.
quiesce() {
	old=$(sqlc -e "SELECT CONCAT(@@innodb_max_dirty_pages_pct, ' ', @@innodb_io_capacity, ' ', @@innodb_io_capacity_max)")
	set -- $old
	sqlc -e "SET GLOBAL innodb_io_capacity_max = 100000, innodb_io_capacity = 50000, innodb_max_dirty_pages_pct = 0"
	i=0
	while [ "$(sqlc -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | cut -f2)" -gt 1000 ] && [ $i -lt 600 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	sqlc -e "SET GLOBAL innodb_max_dirty_pages_pct = $1, innodb_io_capacity = $2, innodb_io_capacity_max = $3"
}
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
# projection FILE JOBS: "seconds low high" for --jobs JOBS from a sample's JSON.
projection() {
	sed -n "s/.*{\"jobs\":$2,\"seconds\":\([0-9.]*\),\"low\":\([0-9.]*\),\"high\":\([0-9.]*\).*/\1 \2 \3/p" "$1"
}
# estimate_line WHAT FILE JOBS REAL_SECONDS: the projection against the real run.
estimate_line() {
	set -- "$1" "$2" "$3" "$4" $(projection "$2" "$3")
	if [ $# -lt 7 ]; then
		echo "          WARNING: $1: no projection in $(head -c 300 "$2")"
		return
	fi
	r=$(calc "$5 / $4")
	within=$(awk "BEGIN { print ($r >= 0.5 && $r <= 2) ? \"yes\" : \"NO\" }")
	echo "          estimate ($1, --jobs $3): projected $5 s (range $6-$7 s) for a real $4 s: ratio $r, within 2x: $within"
}

# row ORDERS WHAT ROWS [RSS_KB]: one timed row from the last measure().
row() {
	_rss=-
	[ -n "${4:-}" ] && _rss="$(($4 / 1024))MB"
	printf '%-9s %-22s %10.1f %12.0f %12.0f %10.0f %10.0f %10s\n' "$1" "$2" "$wall" "$(calc "$1 / $wall")" \
		"$(calc "$3 / $wall")" "$(us_per "$ccpu" "$1")" "$(us_per "$scpu" "$1")" "$_rss"
}
header() { printf '\n%-9s %-22s %10s %12s %12s %10s %10s %10s\n' orders what seconds orders/s rows/s cli_us/ord srv_us/ord peak_RSS; }
hpos_b() { db=$1; shift; "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname "$db" "$@"; }
# HPOS authoritative, compatibility mode off: what cleanup needs.
to_hpos() { sqlc "$1" -e "UPDATE wp_options SET option_value = IF(option_name = 'woocommerce_custom_orders_table_enabled', 'yes', 'no') WHERE option_name IN ('woocommerce_custom_orders_table_enabled', 'woocommerce_custom_orders_table_data_sync_enabled')"; }
# The HPOS tables emptied and sync's skip records dropped: the store as
# `install` left it, for the next sync.
empty_hpos() {
	for t in wc_orders wc_orders_meta wc_order_addresses wc_order_operational_data; do sqlc "$1" -e "TRUNCATE wp_$t"; done
	sqlc "$1" -e "DROP TABLE IF EXISTS wp_hposctl_skipped"
}
store_counts() { # store_counts DB: orders, their postmeta rows
	orders=$(sqlc "$1" -e "SELECT COUNT(*) FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'")
	metarows=$(sqlc "$1" -e "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id WHERE p.post_type IN ('shop_order','shop_order_refund')")
}

# floor DB: the server's floor for sync on the synced store DB, the cost no
# migrator can avoid, measured as server CPU: storing the rows sync wrote
# (INSERT ... SELECT of the four HPOS tables into empty copies: no parsing,
# no network, no client), finding the orders' postmeta (one scan of the
# post_id index over their range: count, lowest and highest meta_id, what
# sync asks per batch) and reading it once by primary key (to the client,
# thrown away).  Sets floor_scpu (seconds) and prints
# the row; sync's server CPU per order is set against it.
floor() {
	floor_scpu=0
	for t in wc_orders wc_order_addresses wc_order_operational_data wc_orders_meta; do
		sqlc "$1" -e "DROP TABLE IF EXISTS f_$t; CREATE TABLE f_$t LIKE wp_$t"
		quiesce
		measure /dev/null sqlc "$1" -e "INSERT INTO f_$t SELECT * FROM wp_$t"
		floor_scpu=$(calc "$floor_scpu + $scpu")
		sqlc "$1" -e "DROP TABLE f_$t"
	done
	quiesce
	measure /dev/null sqlc "$1" -e "SELECT COUNT(*), MIN(meta_id), MAX(meta_id) FROM wp_postmeta WHERE post_id BETWEEN (SELECT MIN(id) FROM wp_wc_orders) AND (SELECT MAX(id) FROM wp_wc_orders)"
	floor_scpu=$(calc "$floor_scpu + $scpu")
	quiesce
	measure /dev/null sqlc "$1" -e "SELECT m.post_id, m.meta_id, m.meta_key, m.meta_value FROM wp_postmeta m WHERE m.meta_id BETWEEN (SELECT MIN(meta_id) FROM wp_postmeta) AND (SELECT MAX(meta_id) FROM wp_postmeta)"
	floor_scpu=$(calc "$floor_scpu + $scpu")
	printf '%-9s %-26s %10s %10s %11s %11.1f\n' "sync" "server floor (store+find+read)" - - - "$(us_per "$floor_scpu" "$orders")"
}

# ---- before/after: BASE's hposctl and this tree's on one store -------------
# One generated store per size.  sync: the HPOS tables emptied before every
# run, the binaries alternating (base, this; this, base; ...), then the
# plain-SQL reference on the same posts.  cleanup: the posts tables saved
# once after a sync; restored before every run (so every cleanup, and the
# plain-SQL cleanup, starts from the same rows), alternating again.
# Averages over BENCH_ROUNDS runs per binary; ratio = this / base.
if [ -n "$BASE" ]; then
	# acc KEY VALUE: add to a running sum kept in $SBX/acc.
	acc() { echo "$1 $2" >> "$SBX/acc"; }
	mean() { awk -v k="$1" '$1 == k { s += $2; n++ } END { printf "%.4f", n ? s / n : 0 }' "$SBX/acc"; }
	order_of() { [ $(($1 % 2)) = 1 ] && echo "base this" || echo "this base"; }
	bin_of() { [ "$1" = base ] && echo "$BASE_HPOSCTL" || echo "$HPOSCTL"; }
	# result PHASE WHICH LABEL: a table row from the means.
	result() {
		_w=$(mean "$1.$2.wall"); _c=$(mean "$1.$2.ccpu"); _s=$(mean "$1.$2.scpu")
		printf '%-9s %-26s %10.2f %10.0f %11.1f %11.1f\n' "$1" "$3" "$_w" "$(calc "$orders / $_w")" \
			"$(us_per "$_c" "$orders")" "$(us_per "$_s" "$orders")"
	}
	ratio() {
		printf '%-9s %-26s %10s %10s %11s %11s\n' "$1" "ratio this/base" \
			"$(calc "$(mean "$1.this.wall") / $(mean "$1.base.wall")")" \
			"$(calc "$(mean "$1.base.wall") / $(mean "$1.this.wall")")" \
			"$(calc "$(mean "$1.this.ccpu") / $(mean "$1.base.ccpu")")" \
			"$(calc "$(mean "$1.this.scpu") / $(mean "$1.base.scpu")")"
	}
	# Before each run: the store as the phase starts from; after it, a
	# warning when the run did not do the whole store.
	prepare_sync() { empty_hpos b_hpos; }
	prepare_cleanup() { restore_posts; rm -f "$SBX/cleanup-backup.sql"; }
	check_sync() {
		got=$(sqlc b_hpos -e "SELECT COUNT(*) FROM wp_wc_orders")
		[ "$got" = "$orders" ] || echo "          WARNING: sync ($1) left $got of $orders orders in wc_orders"
	}
	check_cleanup() {
		cleaned=$(sed -n 's/.*"event":"done".*"cleaned":\([0-9]*\).*/\1/p' "$SBX/cleanup-$1.json")
		[ "$cleaned" = "$orders" ] || echo "          WARNING: cleanup ($1) cleaned ${cleaned:-no} orders of $orders"
	}
	# rounds PHASE ARGS...: BENCH_ROUNDS runs of each binary with ARGS on
	# b_hpos, alternating, each from prepare_PHASE and checked by
	# check_PHASE; wall and CPU times go to acc as PHASE.base / PHASE.this.
	rounds() {
		_phase=$1; shift
		r=1
		while [ $r -le "$ROUNDS" ]; do
			for which in $(order_of $r); do
				prepare_$_phase
				quiesce
				measure "$SBX/$_phase-$which.json" "$(bin_of $which)" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos --json "$@"
				check_$_phase $which
				echo "          run $r $_phase $which: $wall s, hposctl CPU $ccpu s, mariadbd CPU $scpu s"
				acc $_phase.$which.wall "$wall"; acc $_phase.$which.ccpu "$ccpu"; acc $_phase.$which.scpu "$scpu"
			done
			r=$((r + 1))
		done
	}
	for n in $SIZES; do
		: > "$SBX/acc"
		"$STOREGEN" --socket "$SBX/mysqld.sock" --database b_hpos --create --orders "$n" --seed 42 --quiet
		store_counts b_hpos
		hpos_b b_hpos install --quiet
		echo "store: $orders orders, $metarows postmeta rows; base = $BASE ($(git -C "$TOP" log -1 --format=%h "$base_rev")), this = $this_rev; $ROUNDS runs each"
		rounds sync sync --settle 0
		floor b_hpos > "$SBX/floor.row"
		empty_hpos b_hpos
		sqlc b_hpos < "$TOP/tests/bench/reference.sql"
		quiesce
		measure /dev/null sqlc b_hpos -e "CALL ref_migrate(500)"
		acc sync.ref.wall "$wall"; acc sync.ref.ccpu "$ccpu"; acc sync.ref.scpu "$scpu"
		# cleanup wants HPOS to hold every order as sync writes it.
		empty_hpos b_hpos
		hpos_b b_hpos sync --quiet --settle 0
		to_hpos b_hpos
		sqlc -e "DROP DATABASE IF EXISTS b_save; CREATE DATABASE b_save"
		for t in posts postmeta; do
			sqlc -e "CREATE TABLE b_save.wp_$t LIKE b_hpos.wp_$t; INSERT INTO b_save.wp_$t SELECT * FROM b_hpos.wp_$t"
		done
		restore_posts() {
			for t in posts postmeta; do
				sqlc -e "TRUNCATE b_hpos.wp_$t; INSERT INTO b_hpos.wp_$t SELECT * FROM b_save.wp_$t"
			done
			sqlc b_hpos -e "DROP TABLE IF EXISTS wp_hposctl_cleaned"
		}
		rounds cleanup cleanup all --yes --backup-file "$SBX/cleanup-backup.sql"
		rm -f "$SBX/cleanup-backup.sql"
		restore_posts
		sqlc b_hpos < "$TOP/tests/bench/reference_cleanup.sql"
		quiesce
		measure /dev/null sqlc b_hpos -e "CALL ref_cleanup(500)"
		acc cleanup.ref.wall "$wall"; acc cleanup.ref.ccpu "$ccpu"; acc cleanup.ref.scpu "$scpu"
		sqlc -e "DROP DATABASE b_hpos; DROP DATABASE b_save"

		printf '\n%s orders, mean of %s runs per binary (ratio < 1: this tree is faster / uses less CPU; orders/s: > 1)\n' "$orders" "$ROUNDS"
		printf '%-9s %-26s %10s %10s %11s %11s\n' phase binary seconds orders/s cli_us/ord srv_us/ord
		result sync base "base $BASE"
		result sync this "this tree $this_rev"
		ratio sync
		result sync ref "plain-SQL reference"
		cat "$SBX/floor.row"
		echo "          sync server CPU per order against the floor: this $(calc "$(mean sync.this.scpu) / $floor_scpu")x, base $(calc "$(mean sync.base.scpu) / $floor_scpu")x (goal: this <= 1.10x)"
		result cleanup base "base $BASE"
		result cleanup this "this tree $this_rev"
		ratio cleanup
		result cleanup ref "plain-SQL cleanup"
		echo "          server CPU per order against the plain-SQL reference: sync this $(calc "$(mean sync.this.scpu) / $(mean sync.ref.scpu)")x," \
			"base $(calc "$(mean sync.base.scpu) / $(mean sync.ref.scpu)")x; cleanup this $(calc "$(mean cleanup.this.scpu) / $(mean cleanup.ref.scpu)")x," \
			"base $(calc "$(mean cleanup.base.scpu) / $(mean cleanup.ref.scpu)")x"
	done
	exit 0
fi

header
for n in $SIZES; do
	# One store in the server at a time, so both runs have the buffer pool
	# to themselves (MariaDB bypasses the OS page cache).
	"$STOREGEN" --socket "$SBX/mysqld.sock" --database b_hpos --create --orders "$n" --seed 42 --quiet
	store_counts b_hpos
	hpos_b b_hpos install --quiet
	# The measured estimate first: a sample, rolled back (the store is unchanged).
	quiesce
	measure "$SBX/sync-sample.json" hpos_b b_hpos sync --dry-run --sample 0 --settle 0 --format json
	ss=$wall
	quiesce
	measure "$SBX/sync.json" hpos_b b_hpos --json sync --settle 0
	hs=$wall; hs_c=$ccpu; hs_s=$scpu
	done_ev=$(grep '"event":"done"' "$SBX/sync.json")
	rss=$(echo "$done_ev" | sed 's/.*"peak_rss_kb":\([0-9]*\).*/\1/')
	tr=$(echo "$done_ev" | sed 's/.*"t_read":\([0-9.]*\).*/\1/')
	tw=$(echo "$done_ev" | sed 's/.*"t_write":\([0-9.]*\).*/\1/')
	row "$orders" "hposctl sync" "$metarows" "$rss"
	echo "          sync --dry-run --sample took $ss s"
	estimate_line "sync" "$SBX/sync-sample.json" 2 "$hs"
	quiesce
	measure /dev/null hpos_b b_hpos sync --quiet --settle 0
	printf '%-9s %-22s %10.2f\n' "$orders" "no-op sync (synced)" "$wall"
	floor b_hpos > "$SBX/floor.row"
	echo "          sync server CPU per order: $(us_per "$hs_s" "$orders") us against a floor of $(us_per "$floor_scpu" "$orders") us (store + find + read): $(calc "$hs_s / $floor_scpu")x"
	# verify_cot_data over the synced store: must be at least as fast as sync.
	quiesce
	measure "$SBX/verify.json" hpos_b b_hpos verify --format json || true
	vs=$wall
	vrc=$(grep -c '"differences":0,' "$SBX/verify.json" || true)
	row "$orders" "hposctl verify" "$metarows"
	[ "$vrc" = 1 ] || echo "          WARNING: verify reported differences on the synced store: $(head -c 300 "$SBX/verify.json")"
	echo "          verify/sync speed: $(calc "$hs / $vs")x (must be >= 1)"
	# cleanup: HPOS authoritative, compatibility mode off.
	to_hpos b_hpos
	quiesce
	hpos_b b_hpos cleanup all --dry-run --sample 0 --format json --backup-file "$SBX/cleanup-backup.sql" > "$SBX/cleanup-sample.json"
	quiesce
	measure "$SBX/cleanup.json" hpos_b b_hpos --json cleanup all --yes --backup-file "$SBX/cleanup-backup.sql"
	cs=$wall; cs_c=$ccpu; cs_s=$scpu
	cmeta=$(grep '"event":"done"' "$SBX/cleanup.json" | sed 's/.*"meta_rows":\([0-9]*\).*/\1/')
	row "$orders" "hposctl cleanup" "$cmeta"
	echo "          cleanup backup file: $(( $(stat -c %s "$SBX/cleanup-backup.sql") / 1048576 )) MB"
	estimate_line "cleanup" "$SBX/cleanup-sample.json" 1 "$cs"
	rm -f "$SBX/cleanup-backup.sql"
	sqlc -e "DROP DATABASE b_hpos"

	"$STOREGEN" --socket "$SBX/mysqld.sock" --database b_ref --create --orders "$n" --seed 42 --quiet
	hpos_b b_ref install --quiet
	sqlc b_ref < "$TOP/tests/bench/reference.sql"
	quiesce
	measure /dev/null sqlc b_ref -e "CALL ref_migrate(500)"
	rs=$wall; rs_s=$scpu
	row "$orders" "plain-SQL reference" "$metarows"
	sqlc b_ref < "$TOP/tests/bench/reference_cleanup.sql"
	quiesce
	measure /dev/null sqlc b_ref -e "CALL ref_cleanup(500)"
	rcs=$wall; rcs_s=$scpu
	row "$orders" "plain-SQL cleanup" "$metarows"
	sqlc -e "DROP DATABASE b_ref"
	echo "          hposctl time in threads: reader (select+read+convert) ${tr} s, writers (sum over --jobs) ${tw} s"
	echo "          ratio: hposctl is $(calc "$rs / $hs")x the plain-SQL reference"
	echo "          cleanup ratio: hposctl cleanup is $(calc "$rcs / $cs")x the plain-SQL cleanup"
	echo "          CPU per order, sync: hposctl $(us_per "$hs_c" "$orders") us, mariadbd $(us_per "$hs_s" "$orders") us" \
		"(plain-SQL reference: mariadbd $(us_per "$rs_s" "$orders") us, $(calc "$hs_s / $rs_s")x)"
	echo "          CPU per order, cleanup: hposctl $(us_per "$cs_c" "$orders") us, mariadbd $(us_per "$cs_s" "$orders") us" \
		"(plain-SQL cleanup: mariadbd $(us_per "$rcs_s" "$orders") us, $(calc "$cs_s / $rcs_s")x)"
done
