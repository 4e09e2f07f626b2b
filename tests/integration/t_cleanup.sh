# cleanup on the real WooCommerce fixture after sync, HPOS authoritative and
# compatibility mode off: preconditions and refusals, per-order semantics
# (placeholder, no postmeta, dates kept; newer posts skipped unless --force;
# posts without an HPOS row never deleted), untouched tables, the backup
# file restoring wp_posts/wp_postmeta row for row, --dry-run, ID filters.
. "$TOP/tests/integration/lib.sh"

. "$TOP/tests/integration/cleanup_lib.sh"

load_fixture fx_cl
run hpos fx_cl sync --quiet
assert_eq 0 "$rc" "setup: sync exits 0"
orders=$(sql fx_cl "SELECT COUNT(*) FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'")
ometa=$(sql fx_cl "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id WHERE p.post_type IN ('shop_order','shop_order_refund') AND p.post_status <> 'auto-draft'")
pristine=$(legacy_fp fx_cl)

# --- refusals: exit 1, nothing changed -------------------------------------
set_auth fx_cl no no
run hpos fx_cl cleanup all --yes
assert_eq 1 "$rc" "posts authoritative: exit 1"
assert_contains "$err" "Cleanup can only be performed when HPOS is active and compatibility mode is disabled." "posts authoritative: WooCommerce's message"
set_auth fx_cl yes yes
run hpos fx_cl cleanup all --yes
assert_eq 1 "$rc" "compatibility mode on: exit 1"
assert_contains "$err" "compatibility mode is disabled" "compatibility mode on: says why"
set_auth fx_cl no yes
run hpos fx_cl cleanup all --yes
assert_eq 1 "$rc" "posts authoritative + sync on: exit 1"
set_auth fx_cl yes no
run hpos fx_cl cleanup all < /dev/null
assert_eq 1 "$rc" "stdin not a terminal, no --yes: exit 1"
assert_contains "$err" "--yes" "without --yes: says what to pass"
run hpos fx_cl cleanup --yes
assert_eq 64 "$rc" "no order argument: exit 64"
run hpos fx_cl cleanup 12x --yes
assert_eq 64 "$rc" "an argument that is not all/ID/A-B: exit 64"
hold_lock 'hposctl:fx_cl:wp_'
run hpos fx_cl cleanup all --yes
assert_eq 75 "$rc" "another hposctl run holds the lock: exit 75"
release_lock 'hposctl:fx_cl:wp_'
# On a terminal (script(1) provides one) it asks, showing what will go.
if command -v script >/dev/null 2>&1; then
	run sh -c "echo n | script -qec \"'$HPOSCTL' --socket '$SBX/mysqld.sock' --user root --dbname fx_cl cleanup all --backup-file '$WORK/no.sql'\" /dev/null"
	assert_eq 1 "$rc" "terminal, answer n: exit 1"
	assert_contains "$out" "Delete $ometa postmeta rows of $orders orders and turn their posts into placeholders?" "the prompt shows how many orders and postmeta rows will go"
	assert_contains "$out" "[y/n]" "the prompt is [y/n]"
	[ ! -e "$WORK/no.sql" ] && ok "answer n: no backup file" || fail "answer n: a backup file was created"
else
	ok "script(1) not installed: prompt not tested"
fi
assert_eq "$pristine" "$(legacy_fp fx_cl)" "refusals changed no post and no postmeta"
assert_eq 0 "$(ls "$WORK" | wc -l)" "refusals wrote no backup file"

# --- dry run --------------------------------------------------------------
run hpos fx_cl cleanup all --dry-run
assert_eq 0 "$rc" "--dry-run exits 0"
assert_contains "$out" "$orders orders selected: $orders would be cleaned up ($ometa postmeta rows deleted" "--dry-run counts orders and postmeta rows"
assert_eq "$pristine" "$(legacy_fp fx_cl)" "--dry-run changes nothing"

# --- the plain run on an untouched copy: everything becomes a placeholder ---
load_fixture fx_cl2
run hpos fx_cl2 sync --quiet
set_auth fx_cl2 yes no
hb=$(hpos_checksum fx_cl2); ob=$(others_fp fx_cl2); nb=$(nonorder_fp fx_cl2); dfp=$(dates_fp fx_cl2)
copy_db fx_cl2 fx_cl2_before
run sh -c "cd '$WORK' && '$HPOSCTL' --socket '$SBX/mysqld.sock' --user root --dbname fx_cl2 cleanup all --yes"
assert_eq 0 "$rc" "cleanup all --yes exits 0"
assert_contains "$out" "Success: Cleanup completed for $orders orders ($ometa postmeta rows deleted" "reports orders and postmeta rows"
assert_eq "$orders" "$(sql fx_cl2 "SELECT COUNT(*) FROM wp_posts WHERE post_type='shop_order_placehold' AND post_status='draft'")" "every order post is a draft placeholder"
assert_eq 0 "$(sql fx_cl2 "SELECT COUNT(*) FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'")" "no order post is left"
assert_eq 0 "$(sql fx_cl2 "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id WHERE p.post_type = 'shop_order_placehold'")" "placeholders have no postmeta"
assert_eq "$dfp" "$(dates_fp fx_cl2)" "dates, parents, titles of every post unchanged"
assert_eq "$hb" "$(hpos_checksum fx_cl2)" "HPOS tables unchanged"
assert_eq "$ob" "$(others_fp fx_cl2)" "order items, item meta, notes, options unchanged"
assert_eq "$nb" "$(nonorder_fp fx_cl2)" "non-order posts and their meta unchanged"
assert_eq 0 "$(sql fx_cl2 "SELECT COUNT(*) FROM wp_wc_orders o LEFT JOIN wp_posts p ON p.ID = o.id WHERE p.ID IS NULL")" "every HPOS order still has its post (placeholder)"
bf=$(ls "$WORK"/hposctl-cleanup-fx_cl2-*.sql 2>/dev/null | head -1)
[ -n "$bf" ] && ok "default backup file ./hposctl-cleanup-<db>-<time>.sql written" || fail "no default backup file in the working directory"
assert_eq 600 "$(stat -c %a "$bf")" "backup file is private (0600): it holds customer data"
run hpos fx_cl2 cleanup all --yes --no-backup
assert_eq 0 "$rc" "second run exits 0"
assert_contains "$err" "No orders to cleanup." "second run: nothing left (placeholders without meta do not count)"
d=$(legacy_diff fx_cl2 fx_cl2_before)
[ "$d" -gt "$ometa" ] && ok "before the restore the tables differ ($d rows)" || fail "the comparison sees no difference before the restore ($d)"
$M < "$bf"
assert_eq 0 "$(legacy_diff fx_cl2 fx_cl2_before)" "restoring the backup gives back wp_posts and wp_postmeta row for row"
assert_eq "$(legacy_fp fx_cl2_before)" "$(legacy_fp fx_cl2)" "restored: fingerprints equal"
$M < "$bf"
assert_eq 0 "$(legacy_diff fx_cl2 fx_cl2_before)" "restoring twice is harmless (idempotent)"

# --- a backup that cannot be written stops everything ---------------------
# (a file size limit: the backup must be a regular file, so not /dev/full)
fp=$(legacy_fp fx_cl2)
run sh -c "ulimit -f 2; trap '' XFSZ; exec '$HPOSCTL' --socket '$SBX/mysqld.sock' --user root --dbname fx_cl2 cleanup all --yes --backup-file '$WORK/full.sql'"
assert_eq 1 "$rc" "backup file that cannot grow: exit 1"
assert_contains "$err" "File too large" "says why"
assert_eq "$fp" "$(legacy_fp fx_cl2)" "backup file that cannot grow: nothing changed"
rm -f "$WORK/full.sql"

# --- throttling, and a switch of compatibility mode during the run ----------
pause="$WORK/pause"
touch "$pause"
"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname fx_cl2 cleanup all --yes --batch-size 10 --no-backup --pause-file "$pause" > "$WORK/pause.out" 2>&1 &
pid=$!
i=0
until grep -q "Paused: pause file" "$WORK/pause.out" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
assert_contains "$(cat "$WORK/pause.out")" "Paused: pause file" "--pause-file pauses between batches"
assert_eq 10 "$(sql fx_cl2 "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "one batch of 10 done before the pause"
set_auth fx_cl2 yes yes
rm -f "$pause"
wait $pid; rc=$?
assert_eq 1 "$rc" "compatibility mode switched on during the run: exit 1"
assert_contains "$(cat "$WORK/pause.out")" "compatibility mode was switched on during the run" "says why it stopped"
assert_eq 10 "$(sql fx_cl2 "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "no batch after the switch"

# --- per-order safety on fx_cl --------------------------------------------
set_auth fx_cl yes no
newer=$(sql fx_cl "SELECT MIN(ID) FROM wp_posts WHERE post_type='shop_order' AND post_status='wc-completed'")
gone=$(sql fx_cl "SELECT MIN(ID) FROM wp_posts WHERE post_type='shop_order' AND post_status='wc-processing'")
refund=$(sql fx_cl "SELECT MIN(ID) FROM wp_posts WHERE post_type='shop_order_refund'")
# A post edited after the switch (newer than its HPOS order).
sql fx_cl "UPDATE wp_posts p JOIN wp_wc_orders o ON o.id = p.ID SET p.post_modified_gmt = o.date_updated_gmt + INTERVAL 1 HOUR WHERE p.ID = $newer"
# An order whose HPOS row is missing, and one that was never migrated.
sql fx_cl "DELETE FROM wp_wc_orders WHERE id = $gone; DELETE FROM wp_wc_order_addresses WHERE order_id = $gone; DELETE FROM wp_wc_order_operational_data WHERE order_id = $gone; DELETE FROM wp_wc_orders_meta WHERE order_id = $gone"
sql fx_cl "INSERT INTO wp_posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_type) VALUES (1, NOW(), UTC_TIMESTAMP(), '', 'Order never migrated', '', 'wc-on-hold', '', '', NOW(), UTC_TIMESTAMP(), '', 'shop_order')"
late=$(sql fx_cl "SELECT MAX(ID) FROM wp_posts")
sql fx_cl "INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES ($late, '_order_total', '9.99'), ($late, '_billing_email', 'late@example.com')"
# A placeholder that still has postmeta (written by a plugin after the switch).
ph=$(sql fx_cl "SELECT MAX(ID) FROM wp_posts WHERE post_type='shop_order' AND post_status='wc-completed'")
sql fx_cl "UPDATE wp_posts SET post_type='shop_order_placehold', post_status='draft' WHERE ID = $ph"
copy_db fx_cl fx_cl_before
hb=$(hpos_checksum fx_cl); dfp=$(dates_fp fx_cl)
B="$WORK/fx_cl.sql"

run hpos fx_cl cleanup 0-999999999 --yes --batch-size 7 --backup-file "$B"
assert_eq 1 "$rc" "orders left alone: exit 1"
assert_contains "$err" "cleaning up order $newer: Data in posts table appears to be more recent than in HPOS tables" "the newer post is reported with WooCommerce's message"
assert_contains "$err" "cleaning up order $gone: the order is not in the HPOS tables" "the post without HPOS row is reported"
assert_contains "$err" "cleaning up order $late: the order is not in the HPOS tables" "the never-migrated post is reported"
assert_contains "$err" "Cleanup completed for $((orders - 2)) orders" "the others are cleaned up"
assert_eq "shop_order wc-completed" "$(sql fx_cl "SELECT post_type, post_status FROM wp_posts WHERE ID = $newer" | tr '\t' ' ')" "newer post: left as it was"
assert_eq "$(sql fx_cl_before "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $newer")" "$(sql fx_cl "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $newer")" "newer post: meta kept"
assert_eq "shop_order" "$(sql fx_cl "SELECT post_type FROM wp_posts WHERE ID = $gone")" "post without HPOS row: not deleted"
assert_eq "$(sql fx_cl_before "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $gone")" "$(sql fx_cl "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $gone")" "post without HPOS row: meta kept"
assert_eq "2" "$(sql fx_cl "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $late")" "never-migrated post: meta kept"
assert_eq "shop_order_placehold draft 0" "$(sql fx_cl "SELECT post_type, post_status, (SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $ph) FROM wp_posts WHERE ID = $ph" | tr '\t' ' ')" "placeholder with meta: meta deleted"
assert_eq "shop_order_placehold draft" "$(sql fx_cl "SELECT post_type, post_status FROM wp_posts WHERE ID = $refund" | tr '\t' ' ')" "refund: placeholder"
assert_eq "$hb" "$(hpos_checksum fx_cl)" "HPOS tables unchanged"
assert_eq "$dfp" "$(dates_fp fx_cl)" "dates unchanged"

run hpos fx_cl cleanup $newer $gone --yes --force --backup-file "$B"
assert_eq 1 "$rc" "--force: still exit 1 (the post without HPOS row is refused)"
assert_contains "$err" "cleaning up order $gone: the order is not in the HPOS tables" "--force does not delete a post without HPOS row"
assert_eq "shop_order_placehold 0" "$(sql fx_cl "SELECT post_type, (SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $newer) FROM wp_posts WHERE ID = $newer" | tr '\t' ' ')" "--force cleans the newer post"
assert_eq "shop_order" "$(sql fx_cl "SELECT post_type FROM wp_posts WHERE ID = $gone")" "--force: post without HPOS row still there"
assert_eq 2 "$(grep -c '^-- hposctl cleanup backup' "$B")" "the second run appended to the same backup file"

$M < "$B"
assert_eq 0 "$(legacy_diff fx_cl fx_cl_before)" "restoring the appended backup gives back wp_posts and wp_postmeta row for row"

# --- the portable path (SELECT ... FOR UPDATE, then DELETE) with two jobs, ID filters, JSON
set_auth fx_cl yes no
run env HPOSCTL_NO_RETURNING=1 "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname fx_cl --json cleanup "$refund" 30-40 --yes --jobs 2 --batch-size 3 --backup-file "$WORK/ids.sql"
assert_eq 1 "$rc" "ID and range arguments: exit 1 (orders $newer and $gone are left alone again)"
n=$(sql fx_cl_before "SELECT COUNT(*) FROM wp_posts WHERE (ID = $refund OR ID BETWEEN 30 AND 40) AND ID NOT IN ($newer, $gone) AND post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'")
assert_contains "$out" "\"cleaned\":$n," "only the named orders are cleaned ($n)"
assert_eq "$n" "$(sql fx_cl "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold' AND (ID = $refund OR ID BETWEEN 30 AND 40) AND ID <> $ph")" "named orders are placeholders"
left=$(sql fx_cl_before "SELECT COUNT(*) FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'")
assert_eq "$((left - n))" "$(sql fx_cl "SELECT COUNT(*) FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'")" "other orders untouched"
assert_eq "" "$(echo "$out" | grep -v '^{"event":"[a-z_]*","time":[0-9.]*.*}$')" "--json: every stdout line is a JSON event"
$M < "$WORK/ids.sql"
assert_eq 0 "$(legacy_diff fx_cl fx_cl_before)" "portable path: backup restores row for row"

if command -v script >/dev/null 2>&1; then
	one=$(sql fx_cl "SELECT MAX(ID) FROM wp_posts WHERE post_type = 'shop_order' AND post_status <> 'auto-draft' AND ID NOT IN ($newer, $gone, $late)")
	run sh -c "echo y | script -qec \"'$HPOSCTL' --socket '$SBX/mysqld.sock' --user root --dbname fx_cl cleanup $one --backup-file '$WORK/yes.sql'\" /dev/null"
	assert_eq 0 "$rc" "terminal, answer y: exit 0"
	assert_eq "shop_order_placehold" "$(sql fx_cl "SELECT post_type FROM wp_posts WHERE ID = $one")" "answer y: the order is cleaned up"
fi
finish
