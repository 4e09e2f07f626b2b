# sync --dry-run --sample and cleanup --dry-run --sample: the real work on a
# sample, rolled back.  Every table of the database is checksummed before
# and after (CHECKSUM TABLE, plus the list of tables): a sample must leave
# all of them byte-identical, create no table, and still have written rows
# (rows_per_order > 0 proves the work was done, not skipped).
. "$TOP/tests/integration/lib.sh"

# Every table of DB with its CHECKSUM TABLE value, one per line.
all_fp() {
	tabs=$(sql_root "SELECT GROUP_CONCAT(CONCAT('\`$1\`.\`', TABLE_NAME, '\`') ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1'")
	sql_root "CHECKSUM TABLE $tabs EXTENDED"
}
json_num() { # json_num JSON KEY: the first number after "KEY":
	printf '%s' "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" | head -1
}

# ---- A. posts -> HPOS
load_fixture est_f
run hpos est_f install
assert_eq 0 "$rc" "A: install creates the HPOS tables"
run hpos est_f sync --dry-run
pending=$(printf '%s\n' "$out" | sed -n 's/^There are \([0-9]*\) orders to be synced.*/\1/p')
assert_contains "$out" "reference figure" "A: plain --dry-run says its rate is a reference figure"
before=$(all_fp est_f)
run hpos est_f sync --dry-run --sample 100 --batch-size 25
assert_eq 0 "$rc" "A: sync --dry-run --sample exits 0"
assert_contains "$out" "Sample: 100 of" "A: 100 orders sampled"
assert_contains "$out" "in 4 batches of up to 25" "A: four batches"
assert_contains "$out" "--jobs 4:" "A: projection for --jobs 4"
assert_contains "$out" "rows written per order" "A: rows per order reported"
assert_eq "$before" "$(all_fp est_f)" "A: every table byte-identical after the sample"
run hpos est_f sync --dry-run --sample 60 --batch-size 20 --format json
assert_eq 0 "$rc" "A: --format json exits 0"
case "$out" in "{"*"}") ok "A: json output is one object" ;; *) fail "A: json output: [$out]" ;; esac
assert_eq 60 "$(json_num "$out" sampled)" "A: json: 60 orders sampled"
assert_contains "$out" '"direction":"posts_to_hpos"' "A: json: direction"
rpo=$(json_num "$out" rows_per_order)
[ "$(echo "$rpo" | awk '{ print ($1 >= 3) }')" = 1 ] && ok "A: the sample really wrote ($rpo rows per order) before rolling back" ||
	fail "A: rows per order $rpo"
assert_contains "$out" '"kept":false' "A: json says nothing was kept"
assert_eq "$before" "$(all_fp est_f)" "A: every table byte-identical after the json sample"
# The run's throttles apply to the sample: a critical load stops it (75).
run hpos est_f sync --dry-run --sample 100 --batch-size 25 --critical-load Threads_running=0
assert_eq 75 "$rc" "A: --critical-load stops the sample (exit 75)"
assert_contains "$err" "Sample stopped" "A: and says so"
assert_eq "$before" "$(all_fp est_f)" "A: every table byte-identical after the stopped sample"
run hpos est_f sync --sample 10
assert_eq 64 "$rc" "A: --sample without --dry-run is a usage error"
run hpos est_f sync --dry-run --sample 10 --no-transactions
assert_eq 64 "$rc" "A: --sample with --no-transactions is a usage error"
run hpos est_f sync --dry-run --sample 10 --metrics-file "$SBX/est.prom"
assert_eq 64 "$rc" "A: --sample with --metrics-file is a usage error"
# After the samples the real run still has everything to do.
run hpos est_f sync
assert_contains "$out" "There are $pending orders to be synced" "A: the real run finds every order ($pending) still pending"

# ---- B. refusals: a table that cannot roll back, tables missing.
load_fixture est_m
run hpos est_m install
sql est_m "ALTER TABLE wp_wc_orders_meta ENGINE=MyISAM"
before=$(all_fp est_m)
run hpos est_m sync --dry-run --sample 20
assert_eq 1 "$rc" "B: a MyISAM table refuses the sample (exit 1)"
assert_contains "$err" "MyISAM" "B: the refusal names the engine"
assert_eq "$before" "$(all_fp est_m)" "B: nothing changed"
load_fixture est_n
before=$(all_fp est_n)
run hpos est_n sync --dry-run --sample 20
assert_eq 1 "$rc" "B: missing HPOS tables refuse the sample (exit 1)"
assert_contains "$err" "creates none" "B: the refusal says a sample creates no tables"
assert_eq "$before" "$(all_fp est_n)" "B: no table was created"

# ---- C. HPOS -> posts (the reverse fixture, compatibility mode on).
new_db est_r
zcat "$FIXTURES/wc-9.9.5-reverse/before.sql.gz" | mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot est_r
run hpos est_r compat-mode enable
before=$(all_fp est_r)
run hpos est_r sync --dry-run --sample 20 --batch-size 10 --format json
assert_eq 0 "$rc" "C: reverse sample exits 0"
assert_contains "$out" '"direction":"hpos_to_posts"' "C: json: direction HPOS -> posts"
n=$(json_num "$out" sampled)
[ "${n:-0}" -gt 0 ] && ok "C: $n orders sampled" || fail "C: nothing sampled: $out"
assert_eq "$before" "$(all_fp est_r)" "C: every table byte-identical after the reverse sample"

# ---- D. cleanup (HPOS authoritative, compatibility mode off).
new_db est_c
zcat "$FIXTURES/wc-9.9.5-cleanup/before.sql.gz" | mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot est_c
before=$(all_fp est_c)
cd "$SBX" || exit 1
run hpos est_c cleanup all --dry-run --sample 40 --batch-size 10
assert_eq 0 "$rc" "D: cleanup sample exits 0"
assert_contains "$out" "Sample: 40 of" "D: 40 orders sampled"
assert_contains "$out" "Projection for" "D: a projection"
assert_eq "$before" "$(all_fp est_c)" "D: every table byte-identical after the cleanup sample"
assert_eq "" "$(ls -A "$SBX" | grep -e '^\.hposctl-sample' -e '^hposctl-cleanup-')" "D: no backup file left behind"
run hpos est_c cleanup all --sample 5 --yes
assert_eq 64 "$rc" "D: cleanup --sample without --dry-run is a usage error"
cd "$TOP" || exit 1

# ---- E. binary log: a server that logs, an account that may not turn
# sql_log_bin off.  The binary log must not grow: a rolled-back transaction
# is never written to it.
B=$SBX/binlog
stop_b() { "$TOP/tests/sandbox.sh" stop "$B" >/dev/null 2>&1; }
trap stop_b EXIT
if "$TOP/tests/sandbox.sh" start "$B" --log-bin >/dev/null 2>&1; then
	bsql() { mariadb --no-defaults --socket="$B/mysqld.sock" -uroot -N -B "$@"; }
	bsql -e "CREATE DATABASE est_b CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
		CREATE USER est@localhost; GRANT ALL ON est_b.* TO est@localhost"
	zcat "$FIXTURE/before.sql.gz" | bsql est_b
	"$HPOSCTL" --socket "$B/mysqld.sock" --user est --dbname est_b install --quiet
	pos() { bsql -e "SHOW MASTER STATUS" | cut -f1,2; }
	p0=$(pos)
	[ -n "$p0" ] && ok "E: the server writes a binary log ($p0)" || fail "E: no binary log position"
	run "$HPOSCTL" --socket "$B/mysqld.sock" --user est --dbname est_b sync --dry-run --sample 60 --batch-size 20 --format json
	assert_eq 0 "$rc" "E: sample as an account without SUPER exits 0"
	assert_contains "$out" '"binlog":"on_rolled_back_not_logged"' "E: sql_log_bin could not be turned off, and the JSON says so"
	[ "$(json_num "$out" sampled)" = 60 ] && ok "E: 60 orders sampled" || fail "E: sampled: $out"
	assert_eq "$p0" "$(pos)" "E: the binary log did not grow (position $p0)"
	run "$HPOSCTL" --socket "$B/mysqld.sock" --user root --dbname est_b sync --dry-run --sample 60 --batch-size 20 --format json
	assert_contains "$out" '"binlog":"off"' "E: with SUPER, sql_log_bin is turned off for the sample"
	assert_eq "$p0" "$(pos)" "E: the binary log still did not grow"
	# The check can see a write: one real batch moves the position.
	"$HPOSCTL" --socket "$B/mysqld.sock" --user est --dbname est_b sync --max-batches 1 --quiet
	[ "$(pos)" != "$p0" ] && ok "E: a real batch does grow the binary log" || fail "E: the binlog position did not move after a real batch"
else
	fail "E: a sandbox with a binary log did not start"
fi
stop_b
finish
