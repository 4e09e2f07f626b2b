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
# BENCH_SIZES="100000 1000000" (default) selects the store sizes.
set -eu
O=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HPOSCTL=$(cd "$O" && pwd)/hposctl
STOREGEN=$(cd "$O" && pwd)/storegen
SBX=$(mktemp -d /tmp/hposctl-bench.XXXXXX)
SIZES=${BENCH_SIZES:-100000 1000000}
cleanup() { "$TOP/tests/sandbox.sh" stop "$SBX" >/dev/null 2>&1; rm -rf "$SBX"; }
trap cleanup EXIT INT TERM
SANDBOX_BUFFER_POOL=${SANDBOX_BUFFER_POOL:-12G} "$TOP/tests/sandbox.sh" start "$SBX"
sqlc() { mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B "$@"; }
now() { date +%s.%N; }
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

printf '\n%-9s %-22s %10s %12s %12s %10s\n' orders what seconds orders/s rows/s peak_RSS
for n in $SIZES; do
	# One store in the server at a time, so both runs have the buffer pool
	# to themselves (MariaDB bypasses the OS page cache).
	"$STOREGEN" --socket "$SBX/mysqld.sock" --database b_hpos --create --orders "$n" --seed 42 --quiet
	orders=$(sqlc b_hpos -e "SELECT COUNT(*) FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'")
	metarows=$(sqlc b_hpos -e "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id WHERE p.post_type IN ('shop_order','shop_order_refund')")
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos install --quiet
	# The measured estimate first: a sample, rolled back (the store is unchanged).
	quiesce
	t0=$(now)
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos sync --dry-run --sample 0 --settle 0 --format json > "$SBX/sync-sample.json"
	t1=$(now)
	ss=$(calc "$t1 - $t0")
	quiesce
	t0=$(now)
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos --json sync --settle 0 > "$SBX/sync.json"
	t1=$(now)
	hs=$(calc "$t1 - $t0")
	done_ev=$(grep '"event":"done"' "$SBX/sync.json")
	rss=$(echo "$done_ev" | sed 's/.*"peak_rss_kb":\([0-9]*\).*/\1/')
	tr=$(echo "$done_ev" | sed 's/.*"t_read":\([0-9.]*\).*/\1/')
	tw=$(echo "$done_ev" | sed 's/.*"t_write":\([0-9.]*\).*/\1/')
	printf '%-9s %-22s %10.1f %12.0f %12.0f %8sMB\n' "$orders" "hposctl sync" "$hs" "$(calc "$orders / $hs")" "$(calc "$metarows / $hs")" "$((rss / 1024))"
	echo "          sync --dry-run --sample took $ss s"
	estimate_line "sync" "$SBX/sync-sample.json" 2 "$hs"
	quiesce
	t0=$(now)
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos sync --quiet --settle 0
	t1=$(now)
	printf '%-9s %-22s %10.2f\n' "$orders" "no-op sync (synced)" "$(calc "$t1 - $t0")"
	# verify_cot_data over the synced store: must be at least as fast as sync.
	quiesce
	t0=$(now)
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos verify --format json > "$SBX/verify.json" || true
	t1=$(now)
	vs=$(calc "$t1 - $t0")
	vrc=$(grep -c '"differences":0,' "$SBX/verify.json" || true)
	printf '%-9s %-22s %10.1f %12.0f %12.0f %10s\n' "$orders" "hposctl verify" "$vs" "$(calc "$orders / $vs")" "$(calc "$metarows / $vs")" "-"
	[ "$vrc" = 1 ] || echo "          WARNING: verify reported differences on the synced store: $(head -c 300 "$SBX/verify.json")"
	echo "          verify/sync speed: $(calc "$hs / $vs")x (must be >= 1)"
	# cleanup: HPOS authoritative, compatibility mode off.
	sqlc b_hpos -e "UPDATE wp_options SET option_value = IF(option_name = 'woocommerce_custom_orders_table_enabled', 'yes', 'no') WHERE option_name IN ('woocommerce_custom_orders_table_enabled', 'woocommerce_custom_orders_table_data_sync_enabled')"
	quiesce
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos cleanup all --dry-run --sample 0 --format json --backup-file "$SBX/cleanup-backup.sql" > "$SBX/cleanup-sample.json"
	quiesce
	t0=$(now)
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_hpos --json cleanup all --yes --backup-file "$SBX/cleanup-backup.sql" > "$SBX/cleanup.json"
	t1=$(now)
	cs=$(calc "$t1 - $t0")
	cmeta=$(grep '"event":"done"' "$SBX/cleanup.json" | sed 's/.*"meta_rows":\([0-9]*\).*/\1/')
	printf '%-9s %-22s %10.1f %12.0f %12.0f %10s\n' "$orders" "hposctl cleanup" "$cs" "$(calc "$orders / $cs")" "$(calc "$cmeta / $cs")" "-"
	echo "          cleanup backup file: $(( $(stat -c %s "$SBX/cleanup-backup.sql") / 1048576 )) MB"
	estimate_line "cleanup" "$SBX/cleanup-sample.json" 1 "$cs"
	rm -f "$SBX/cleanup-backup.sql"
	sqlc -e "DROP DATABASE b_hpos"

	"$STOREGEN" --socket "$SBX/mysqld.sock" --database b_ref --create --orders "$n" --seed 42 --quiet
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname b_ref install --quiet
	sqlc b_ref < "$TOP/tests/bench/reference.sql"
	quiesce
	t0=$(now)
	sqlc b_ref -e "CALL ref_migrate(500)"
	t1=$(now)
	rs=$(calc "$t1 - $t0")
	printf '%-9s %-22s %10.1f %12.0f %12.0f %10s\n' "$orders" "plain-SQL reference" "$rs" "$(calc "$orders / $rs")" "$(calc "$metarows / $rs")" "-"
	sqlc b_ref < "$TOP/tests/bench/reference_cleanup.sql"
	quiesce
	t0=$(now)
	sqlc b_ref -e "CALL ref_cleanup(500)"
	t1=$(now)
	rcs=$(calc "$t1 - $t0")
	printf '%-9s %-22s %10.1f %12.0f %12.0f %10s\n' "$orders" "plain-SQL cleanup" "$rcs" "$(calc "$orders / $rcs")" "$(calc "$metarows / $rcs")" "-"
	sqlc -e "DROP DATABASE b_ref"
	echo "          hposctl time in threads: reader (select+read+convert) ${tr} s, writers (sum over --jobs) ${tw} s"
	echo "          ratio: hposctl is $(calc "$rs / $hs")x the plain-SQL reference"
	echo "          cleanup ratio: hposctl cleanup is $(calc "$rcs / $cs")x the plain-SQL cleanup"
done
