# Hardening (issue 20): credentials never go where they should not, the
# backup file cannot be planted or poisoned and restores with the server's
# default packet size, database strings cannot drive the terminal, a
# connection charset narrower than the tables is refused.
. "$TOP/tests/integration/lib.sh"

PW='Hx-Clear-unique-9Qp'
FAKE="$TOP/tests/integration/fake_auth_server.py"

fake_start() { # fake_start NAME [native]: a fake server; sets $fport once it listens
	rm -f "$SBX/$1.port" "$SBX/$1.log"
	python3 "$FAKE" "$SBX/$1.port" "$SBX/$1.log" ${2:-} &
	fpid=$!
	i=0; while [ ! -s "$SBX/$1.port" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	fport=$(cat "$SBX/$1.port")
}

# -- a server asking for mysql_clear_password over plain TCP gets nothing --
fake_start clear
run env MYSQL_PWD="$PW" "$HPOSCTL" --host 127.0.0.1 --port "$fport" --user shop --dbname x status
wait "$fpid"
assert_eq 69 "$rc" "clear-text authentication over plain TCP refused (69)"
case "$(cat "$SBX/clear.log")" in *"$PW"*) fail "the password went to the server in clear text" ;;
	*) ok "the password was not sent in clear text" ;; esac
case "$err" in *"$PW"*) fail "the password is in the message" ;; *) ok "no password in the message" ;; esac

# -- --replica: the primary's password stays with the primary unless asked --
load_fixture hd_a
sql_root "CREATE USER IF NOT EXISTS 'hdshop'@'localhost' IDENTIFIED BY '$PW'; GRANT ALL ON hd_a.* TO 'hdshop'@'localhost'"
fake_start rep native
run env MYSQL_PWD="$PW" "$HPOSCTL" --socket "$SBX/mysqld.sock" --user hdshop --dbname hd_a sync --dry-run \
	--replica "h=127.0.0.1,P=$fport" --max-lag 5
wait "$fpid"
assert_eq 0 "$(cat "$SBX/rep.log")" "no password sent to the replica by default"
fake_start rep2 native
run env MYSQL_PWD="$PW" "$HPOSCTL" --socket "$SBX/mysqld.sock" --user hdshop --dbname hd_a sync --dry-run \
	--replica "h=127.0.0.1,P=$fport,p=@primary" --max-lag 5
wait "$fpid"
assert_eq 20 "$(cat "$SBX/rep2.log")" "p=@primary sends the primary's password (a 20-byte scramble)"

# -- an unknown option is named, its value never printed -------------------
run "$HPOSCTL" --db-password="$PW" status
assert_eq 64 "$rc" "unknown global option: exit 64"
assert_contains "$err" "unknown option --db-password" "the option is named"
case "$err" in *"$PW"*) fail "the unknown option's value is printed" ;; *) ok "the unknown option's value is not printed" ;; esac
run hpos hd_a sync --db-pasword="$PW"
assert_eq 64 "$rc" "unknown command option: exit 64"
case "$err" in *"$PW"*) fail "the unknown command option's value is printed" ;; *) ok "the unknown command option's value is not printed" ;; esac

# -- a connection charset narrower than the tables is refused ---------------
run hpos hd_a --charset latin1 sync --dry-run
assert_eq 78 "$rc" "--charset latin1 on utf8mb4 tables: exit 78"
assert_contains "$err" "connection character set latin1 cannot hold every character of the utf8mb4" "says why"
run hpos hd_a --charset utf8mb3 verify_cot_data
assert_eq 78 "$rc" "--charset utf8mb3 on utf8mb4 tables: exit 78 (verify cannot agree with damage either)"

# -- a hostile woocommerce_price_num_decimals (2147483647) -----------------
load_fixture hd_p
sql hd_p "UPDATE wp_options SET option_value = '2147483647' WHERE option_name = 'woocommerce_price_num_decimals'"
[ -n "$(sql hd_p "SELECT 1 FROM wp_options WHERE option_name = 'woocommerce_price_num_decimals'")" ] ||
	sql hd_p "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('woocommerce_price_num_decimals', '2147483647', 'yes')"
frac=$(sql hd_p "SELECT post_id FROM wp_postmeta WHERE meta_key = '_order_total' AND meta_value NOT LIKE '%.00' AND meta_value LIKE '%.%' ORDER BY post_id LIMIT 1")
run hpos hd_p sync
assert_eq 0 "$rc" "forward sync with 2147483647 price decimals: exit 0"
assert_eq "$(sql hd_p "SELECT CAST(meta_value AS DECIMAL(26,8)) FROM wp_postmeta WHERE post_id = $frac AND meta_key = '_order_total'")" \
	"$(sql hd_p "SELECT total_amount FROM wp_wc_orders WHERE id = $frac")" "forward sync keeps the decimals of a total (no int overflow to whole units)"
run hpos hd_p switch-authority --to hpos --yes
run hpos hd_p compat-mode enable
sql hd_p "UPDATE wp_wc_orders SET total_amount = 12.345, date_updated_gmt = '2026-11-22 10:00:00' WHERE id = $frac"
t0=$(date +%s)
# bounded: 1.5 GB of address space (an ASan or TSan build reserves terabytes of
# shadow memory, so there only the time limit applies)
vlimit=1500000; grep -q -e __asan_init -e __tsan_init "$HPOSCTL" && vlimit=unlimited
run sh -c "ulimit -v $vlimit; exec timeout 60 '$HPOSCTL' --socket '$SBX/mysqld.sock' --user root --dbname hd_p --json sync"
assert_eq 0 "$rc" "reverse sync with 2147483647 price decimals, address space $vlimit KB: exit 0"
rss=$(echo "$out" | sed -n 's/.*"peak_rss_kb":\([0-9]*\).*/\1/p' | tail -1)
[ -n "$rss" ] && [ "$rss" -lt 400000 ] && ok "reverse sync stayed small (peak RSS $rss KB)" || fail "reverse sync peak RSS [$rss] KB"
tot=$(sql hd_p "SELECT meta_value FROM wp_postmeta WHERE post_id = $frac AND meta_key = '_order_total'")
assert_eq 321 "${#tot}" "the total has PHP's most decimals, 318"
assert_contains "$tot" "12.3450000000000006394884621840901672840118408203125000" "the total is 12.345 as PHP's number_format() prints it"
[ $(( $(date +%s) - t0 )) -lt 20 ] && ok "reverse sync took seconds" || fail "reverse sync took $(( $(date +%s) - t0 )) s"
# reverse sync: an order modified in the future (clock skew) waits too
sql hd_p "UPDATE wp_wc_orders SET total_amount = 7.5, date_updated_gmt = UTC_TIMESTAMP() + INTERVAL 1 DAY WHERE id = $frac"
run hpos hd_p sync
assert_eq 0 "$rc" "reverse sync with an order modified in the future: exit 0"
assert_contains "$err" "order $frac was modified" "reverse sync warns about the future modification time"
assert_eq "$tot" "$(sql hd_p "SELECT meta_value FROM wp_postmeta WHERE post_id = $frac AND meta_key = '_order_total'")" "the order modified in the future is left for a later run"

# -- backfill --meta-keys/--props refuse what sync refuses -----------------
run hpos hd_a sync --quiet
bo=$(sql hd_a "SELECT MIN(ID) FROM wp_posts WHERE post_type = 'shop_order' AND ID > 40")
hsum() { sql hd_a "SELECT customer_id, total_amount, (SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = $bo AND meta_key = '_hd_long') FROM wp_wc_orders WHERE id = $bo"; }
before=$(hsum)
cu=$(sql hd_a "SELECT meta_value FROM wp_postmeta WHERE post_id = $bo AND meta_key = '_customer_user'")
ot=$(sql hd_a "SELECT meta_value FROM wp_postmeta WHERE post_id = $bo AND meta_key = '_order_total'")
sql hd_a "INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES ($bo, '_hd_long', REPEAT('a', 70000));
	UPDATE wp_postmeta SET meta_value = '-7' WHERE post_id = $bo AND meta_key = '_customer_user';
	UPDATE wp_postmeta SET meta_value = '1e400' WHERE post_id = $bo AND meta_key = '_order_total'"
run hpos hd_a backfill "$bo" --from=posts --to=hpos --meta-keys=_hd_long
assert_eq 1 "$rc" "backfill --meta-keys of a 70 KB value into a TEXT column: exit 1"
assert_contains "$err" "warning" "says the server would alter it"
run hpos hd_a backfill "$bo" --from=posts --to=hpos --props=customer_id
assert_eq 1 "$rc" "backfill --props customer_id of -7: exit 1"
assert_contains "$err" "does not fit bigint unsigned" "says -7 does not fit"
run hpos hd_a backfill "$bo" --from=posts --to=hpos --props=total
assert_eq 1 "$rc" "backfill --props total of 1e400: exit 1"
assert_contains "$err" "does not fit decimal(26,8)" "says 1e400 does not fit"
assert_eq "$before" "$(hsum)" "nothing was written to HPOS by the refused backfills"
run hpos hd_a backfill "$bo" --from=posts --to=hpos --props=billing_first_name
assert_eq 0 "$rc" "a property that fits is still backfilled"
sql hd_a "DELETE FROM wp_postmeta WHERE post_id = $bo AND meta_key = '_hd_long'"
sql hd_a "UPDATE wp_postmeta SET meta_value = '$cu' WHERE post_id = $bo AND meta_key = '_customer_user';
	UPDATE wp_postmeta SET meta_value = '$ot' WHERE post_id = $bo AND meta_key = '_order_total'"

# -- diff / verify of an order with 100k meta rows: arrays grow geometrically
#    (one element at a time took 447 s under ASan) ------------------------
big=$(sql hd_a "SELECT MAX(ID) FROM wp_posts WHERE post_type = 'shop_order'")
sql hd_a "INSERT INTO wp_postmeta (post_id, meta_key, meta_value) SELECT $big, CONCAT('k', seq), CONCAT('v', seq) FROM seq_1_to_100000;
	UPDATE wp_posts SET post_modified_gmt = UTC_TIMESTAMP() - INTERVAL 1 HOUR WHERE ID = $big"
run hpos hd_a sync --quiet --batch-size 50
t0=$(date +%s)
run hpos hd_a diff "$big"
assert_eq 0 "$rc" "diff of an order with 100k meta rows: no differences"
run hpos hd_a verify_cot_data --verbose
assert_eq 0 "$rc" "verify_cot_data with an order of 100k meta rows: exit 0"
[ $(( $(date +%s) - t0 )) -lt 60 ] && ok "diff and verify of 100k meta rows took $(( $(date +%s) - t0 )) s" ||
	fail "diff and verify of 100k meta rows took $(( $(date +%s) - t0 )) s"
sql hd_a "DELETE FROM wp_postmeta WHERE post_id = $big AND meta_key LIKE 'k%' AND meta_value LIKE 'v%'; DELETE FROM wp_wc_orders_meta WHERE order_id = $big AND meta_key LIKE 'k%' AND meta_value LIKE 'v%'"

# -- terminal escapes in database strings are shown escaped ----------------
fname=$(sql hd_a "SELECT meta_value FROM wp_postmeta WHERE post_id = $big AND meta_key = '_billing_first_name'")
sql hd_a "UPDATE wp_postmeta SET meta_value = CONCAT('Eve', CHAR(13), CHAR(27), ']0;pwned', CHAR(7), CHAR(27), '[2Jx') WHERE post_id = $big AND meta_key = '_billing_first_name'"
run hpos hd_a diff "$big"
assert_eq 1 "$rc" "diff shows the changed name"
case "$out$err" in *"$(printf '\033')"*|*"$(printf '\007')"*|*"$(printf '\r')"*) fail "diff printed raw control characters" ;;
	*) ok "diff printed no raw control characters" ;; esac
assert_contains "$out" '\x1b]0;pwned\x07\x1b[2Jx' "diff shows them escaped"
sql hd_a "CREATE TABLE IF NOT EXISTS wp_hposctl_skipped (order_id bigint(20) unsigned NOT NULL PRIMARY KEY, reason text NOT NULL,
	first_seen_gmt datetime NOT NULL, last_seen_gmt datetime NOT NULL, attempts int unsigned NOT NULL DEFAULT 1) DEFAULT CHARSET=utf8mb4;
	INSERT INTO wp_hposctl_skipped (order_id, reason, first_seen_gmt, last_seen_gmt) VALUES (999999, CONCAT('bad', CHAR(27), '[31m'), UTC_TIMESTAMP(), UTC_TIMESTAMP())"
run hpos hd_a status
assert_contains "$out" 'bad\x1b[31m' "status shows a skip reason escaped"
case "$out$err" in *"$(printf '\033')"*) fail "status printed raw control characters" ;; *) ok "status printed no raw control characters" ;; esac
sql hd_a "DELETE FROM wp_hposctl_skipped WHERE order_id = 999999;
	UPDATE wp_postmeta SET meta_value = '$fname' WHERE post_id = $big AND meta_key = '_billing_first_name'"

# -- the connection killed in the end-of-run statements (deletion markers):
#    retried like a batch, one "Success", exit 0 ------------------------------
load_fixture hd_k
run hpos hd_k sync --quiet
gone=$(sql hd_k "SELECT MAX(ID) FROM wp_posts WHERE post_type = 'shop_order'")
sql hd_k "DELETE FROM wp_postmeta WHERE post_id = $gone; DELETE FROM wp_posts WHERE ID = $gone;
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($gone, '_deleted_from', 'posts_table');
	UPDATE wp_posts SET post_modified_gmt = UTC_TIMESTAMP() - INTERVAL 1 HOUR WHERE post_type = 'shop_order' AND ID < 60"
# a session holds the order's wc_orders row, so the markers phase waits on it
rm -f "$SBX/hold.fifo"; mkfifo "$SBX/hold.fifo"
mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N hd_k < "$SBX/hold.fifo" > /dev/null 2>&1 &
holder=$!
exec 3> "$SBX/hold.fifo"
echo "BEGIN; SELECT id FROM wp_wc_orders WHERE id = $gone FOR UPDATE; SELECT order_id FROM wp_wc_orders_meta WHERE order_id = $gone FOR UPDATE; SELECT order_id FROM wp_wc_order_addresses WHERE order_id = $gone FOR UPDATE; SELECT order_id FROM wp_wc_order_operational_data WHERE order_id = $gone FOR UPDATE;" >&3
"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname hd_k sync --settle 0 > "$SBX/k.out" 2> "$SBX/k.err" &
spid=$!
tid=; i=0
while [ -z "$tid" ] && [ $i -lt 600 ]; do   # the markers' DELETE, waiting for the row lock
	tid=$(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'hd_k' AND INFO LIKE 'DELETE FROM \`wp\\_wc\\_%' LIMIT 1")
	[ -n "$tid" ] || sleep 0.05; i=$((i + 1))
done
[ -n "$tid" ] && ok "sync reached the deletion markers and waits there" || fail "sync never reached the deletion markers"
[ -n "$tid" ] && sql_root "KILL CONNECTION $tid"
echo "ROLLBACK;" >&3; exec 3>&-; wait "$holder"
wait "$spid"; src=$?
assert_eq 0 "$src" "the connection killed at the end of the run: retried, exit 0"
assert_eq 1 "$(grep -c '^Success:' "$SBX/k.out")" "one Success line"
assert_contains "$(cat "$SBX/k.out")" "1 orders deleted from posts were removed from HPOS" "the deleted order counted once"
[ -s "$SBX/k.err" ] && grep -q '^Error' "$SBX/k.err" && fail "an error after Success: $(cat "$SBX/k.err")" || ok "no error after Success"
assert_eq 0 "$(sql hd_k "SELECT COUNT(*) FROM wp_wc_orders WHERE id = $gone")" "the deleted order is gone from HPOS"
assert_eq 0 "$(sql hd_k "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = $gone")" "... with its marker"

# -- WooCommerce's background sync on, WooCommerce < 11.3 (no migration lock)
setopt() { sql hd_k "DELETE FROM wp_options WHERE option_name = '$1'; INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('$1', '$2', 'yes')"; }
setopt woocommerce_custom_orders_table_data_sync_enabled yes
setopt woocommerce_version 10.0.2
sql hd_k "DELETE FROM wp_options WHERE option_name = 'woocommerce_custom_orders_table_background_sync_mode'"
run hpos hd_k sync --dry-run
assert_contains "$err" "background sync is on (mode interval) and WooCommerce 10.0.2 takes no migration lock" \
	"compatibility mode on, WooCommerce 10.0.2: warned that nothing keeps the two syncs apart"
setopt woocommerce_custom_orders_table_background_sync_mode off
run hpos hd_k sync --dry-run
case "$err" in *"background sync is on"*) fail "warned with the background sync mode off" ;; *) ok "background sync mode off: no warning" ;; esac
setopt woocommerce_custom_orders_table_background_sync_mode continuous
setopt woocommerce_version 11.3.0
run hpos hd_k sync --dry-run
case "$err" in *"background sync is on"*) fail "warned with WooCommerce 11.3" ;; *) ok "WooCommerce 11.3 (it takes the lock): no warning" ;; esac
setopt woocommerce_version 11.2.9
run hpos hd_k sync --dry-run
assert_contains "$err" "(mode continuous) and WooCommerce 11.2.9" "WooCommerce 11.2.9, continuous mode: warned"

# -- the backup file: no symlink, no file of another user, no planted SQL --
. "$TOP/tests/integration/cleanup_lib.sh"
run hpos hd_a sync --quiet
set_auth hd_a yes no
id=$(sql hd_a "SELECT MIN(ID) FROM wp_posts WHERE post_type = 'shop_order'")
# a 9.6 MB value with newlines and accents: in hex, 19 MB
sql hd_a "INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES ($id, '_hd_big', REPEAT(CONCAT(_utf8mb4 X'C3A9', CHAR(10), 'x'), 2400000))"
bigmd5=$(sql hd_a "SELECT MD5(meta_value) FROM wp_postmeta WHERE meta_key = '_hd_big'")
copy_db hd_a hd_a_before
fp=$(legacy_fp hd_a)
ln -s "$WORK/target.sql" "$WORK/link.sql"
run hpos hd_a cleanup "$id" --yes --backup-file "$WORK/link.sql"
assert_eq 1 "$rc" "a symbolic link as --backup-file: exit 1"
assert_contains "$err" "symbolic link" "says it is a symbolic link"
[ ! -e "$WORK/target.sql" ] && ok "nothing written through the link" || fail "the link's target was written"
printf -- '-- hposctl cleanup backup\nGRANT ALL ON *.* TO planted;\n-- hposctl: end of header\n' > "$WORK/planted.sql"
chmod 600 "$WORK/planted.sql"
run hpos hd_a cleanup "$id" --yes --backup-file "$WORK/planted.sql"
assert_eq 1 "$rc" "a file with SQL planted before the first section: exit 1"
assert_contains "$err" "not appending to it" "says it does not append"
if [ "$(id -u)" = 0 ]; then
	: > "$WORK/foreign.sql"; chown 65534 "$WORK/foreign.sql"; chmod 600 "$WORK/foreign.sql"
	run hpos hd_a cleanup "$id" --yes --backup-file "$WORK/foreign.sql"
	assert_eq 1 "$rc" "a file of another user: exit 1"
	assert_contains "$err" "belongs to another user" "says whose it is"
fi
: > "$WORK/gw.sql"; chmod 620 "$WORK/gw.sql"
run hpos hd_a cleanup "$id" --yes --backup-file "$WORK/gw.sql"
assert_eq 1 "$rc" "a group-writable file: exit 1"
assert_contains "$err" "can be written by other users" "says others can write it"
assert_eq "$fp" "$(legacy_fp hd_a)" "refused backup files: nothing changed"

# -- the backup restores with the server's default max_allowed_packet ------
oldpkt=$(sql_root 'SELECT @@GLOBAL.max_allowed_packet')
sql_root "SET GLOBAL max_allowed_packet = 16777216"   # the server's default (the sandbox raises it)
run hpos hd_a cleanup "$id" --yes --backup-file "$WORK/big.sql"
assert_eq 0 "$rc" "cleanup of the order with a 9.6 MB value: exit 0"
longest=$(awk 'BEGIN { RS = ";\n" } { if (length($0) > m) m = length($0) } END { print m + 0 }' "$WORK/big.sql")
[ "$longest" -le 2097152 ] && ok "every statement of the backup is at most 2 MB ($longest bytes)" || fail "a backup statement has $longest bytes"
run hpos hd_a cleanup "$id" --yes --force --backup-file "$WORK/big.sql"
assert_eq 0 "$rc" "a second run appends to its own valid backup file"
$M hd_a < "$WORK/big.sql"; rrc=$?
assert_eq 0 "$rrc" "the backup restores with mariadb < FILE"
assert_eq "$bigmd5" "$(sql hd_a "SELECT MD5(meta_value) FROM wp_postmeta WHERE meta_key = '_hd_big'")" "the 9.6 MB value is back byte for byte"
assert_eq 0 "$(legacy_diff hd_a hd_a_before)" "wp_posts and wp_postmeta back row for row"
sql_root "SET GLOBAL max_allowed_packet = $oldpkt"

finish
