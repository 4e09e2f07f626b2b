# Reverse sync (HPOS authoritative, compatibility mode on) killed with
# SIGKILL at arbitrary moments and rerun: the posts side must equal what an
# uninterrupted reverse sync gives (wp_posts row for row, wp_postmeta as a
# multiset of (post_id, meta_key, meta_value), meta_id aside), with no
# duplicated postmeta, no placeholder or deletion marker left, and
# verify_cot_data exit 0.
# The store (1,500 generated orders): a third of the order posts are
# placeholders without meta (as `wp wc hpos cleanup` leaves them), a third
# were changed on the HPOS side (status, date_updated_gmt, a meta added, one
# deleted, one rewritten), and 30 orders were deleted in HPOS with an
# `orders_table` deletion marker; the rest is in step.
# The kill moments are points of the work, not times: point P (0..1) holds
# the final wp_posts UPDATE of the batch that turns the placeholder at
# fraction P back into an order (a trigger, inside its transaction), and
# the run is SIGKILLed once that statement is held.  RSK_POINTS overrides
# them (`make soak` passes 20 random ones).
. "$TOP/tests/integration/lib.sh"

SRC=rsk_src REF=rsk_ref K=rsk_kill
ORDERS=${RSK_ORDERS:-1500}
SYNC="sync --settle 0 --batch-size 20"
if [ ! -x "${STOREGEN:-}" ]; then fail "storegen not built"; finish; fi
"$STOREGEN" --socket "$SBX/mysqld.sock" --database $SRC --create --orders $ORDERS --seed 3 --quiet
hpos $SRC sync --settle 0 --quiet
run hpos $SRC switch-authority --to hpos --with-compat-mode --yes
assert_eq 0 "$rc" "switch to HPOS with compatibility mode"
sql $SRC "
 CREATE TEMPORARY TABLE gone AS SELECT o.id FROM wp_wc_orders o WHERE o.type = 'shop_order' AND o.id % 3 = 2
  AND NOT EXISTS (SELECT 1 FROM wp_wc_orders r WHERE r.parent_order_id = o.id) ORDER BY o.id LIMIT 30;
 DELETE FROM wp_wc_orders WHERE id IN (SELECT id FROM gone);
 DELETE FROM wp_wc_order_addresses WHERE order_id IN (SELECT id FROM gone);
 DELETE FROM wp_wc_order_operational_data WHERE order_id IN (SELECT id FROM gone);
 DELETE FROM wp_wc_orders_meta WHERE order_id IN (SELECT id FROM gone);
 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) SELECT id, '_deleted_from', 'orders_table' FROM gone;
 UPDATE wp_wc_orders SET status = IF(type = 'shop_order', ELT(1 + id % 4, 'wc-completed', 'wc-on-hold', 'wc-cancelled', 'wc-processing'), status),
  date_updated_gmt = '2026-11-25 12:00:00' + INTERVAL id SECOND WHERE id % 3 = 1;
 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) SELECT id, 'hpos_note', CONCAT('changed in HPOS ', id) FROM wp_wc_orders WHERE id % 3 = 1;
 DELETE FROM wp_wc_orders_meta WHERE order_id % 3 = 1 AND meta_key = 'utm_source';
 UPDATE wp_wc_orders_meta SET meta_value = CONCAT(meta_value, ' (edited)') WHERE order_id % 3 = 1 AND meta_key = 'gift_message';
 DELETE pm FROM wp_postmeta pm JOIN wp_posts p ON p.ID = pm.post_id WHERE p.post_type IN ('shop_order','shop_order_refund') AND p.ID % 3 = 0
  AND p.ID IN (SELECT id FROM wp_wc_orders);
 UPDATE wp_posts SET post_type = 'shop_order_placehold', post_status = 'draft' WHERE post_type IN ('shop_order','shop_order_refund') AND ID % 3 = 0
  AND ID IN (SELECT id FROM wp_wc_orders)"
pending=$(hpos $SRC count_unmigrated --porcelain)
echo "# $pending orders pending reverse sync"

copy() { # copy FROM TO: every table
	new_db "$2"
	for t in $(sql "$1" "SHOW TABLES"); do
		sql "$2" "CREATE TABLE \`$t\` LIKE \`$1\`.\`$t\`; INSERT INTO \`$t\` SELECT * FROM \`$1\`.\`$t\`"
	done
}
# reset DB: the tables reverse sync writes, back to the source's state
# (items and comments are only ever deleted: INSERT IGNORE restores them).
reset() {
	for t in wp_posts wp_postmeta wp_wc_orders_meta; do
		sql "$1" "TRUNCATE $t; INSERT INTO $t SELECT * FROM \`$SRC\`.$t"
	done
	for t in wp_woocommerce_order_items wp_woocommerce_order_itemmeta wp_comments wp_commentmeta; do
		sql "$1" "INSERT IGNORE INTO $t SELECT * FROM \`$SRC\`.$t"
	done
	sql "$1" "DROP TABLE IF EXISTS wp_hposctl_skipped"
}
PCOLS="ID, post_author, BINARY post_date, BINARY post_date_gmt, BINARY post_content, BINARY post_title, BINARY post_excerpt, BINARY post_status, BINARY comment_status, BINARY ping_status, BINARY post_password, BINARY post_name, BINARY to_ping, BINARY pinged, BINARY post_modified, BINARY post_modified_gmt, BINARY post_content_filtered, post_parent, BINARY guid, menu_order, BINARY post_type, BINARY post_mime_type, comment_count"
MCOLS="post_id, BINARY meta_key, BINARY meta_value"
# posts_diff A B: rows of wp_posts and wp_postmeta (meta_id aside) in one
# and not the other, as multisets; 0 = the posts side is the same.
posts_diff() {
	n1=$(sql_root "SELECT COUNT(*) FROM ((SELECT $PCOLS FROM \`$1\`.wp_posts EXCEPT ALL SELECT $PCOLS FROM \`$2\`.wp_posts) UNION ALL (SELECT $PCOLS FROM \`$2\`.wp_posts EXCEPT ALL SELECT $PCOLS FROM \`$1\`.wp_posts)) d")
	n2=$(sql_root "SELECT COUNT(*) FROM ((SELECT $MCOLS FROM \`$1\`.wp_postmeta EXCEPT ALL SELECT $MCOLS FROM \`$2\`.wp_postmeta) UNION ALL (SELECT $MCOLS FROM \`$2\`.wp_postmeta EXCEPT ALL SELECT $MCOLS FROM \`$1\`.wp_postmeta)) d")
	echo $((n1 + n2))
}
# Multiset fingerprint of the same rows (a 60-bit MD5 prefix summed per
# row): cheap, so every round is compared; the exact EXCEPT ALL diff runs on
# the first round and whenever the fingerprints differ.
posts_fp() {
	sql_root "SELECT COUNT(*), SUM(CONV(LEFT(MD5(CONCAT_WS(0x1f, $PCOLS)), 15), 16, 10)) FROM \`$1\`.wp_posts;
	 SELECT COUNT(*), SUM(CONV(LEFT(MD5(CONCAT_WS(0x1f, $MCOLS, meta_value IS NULL)), 15), 16, 10)) FROM \`$1\`.wp_postmeta" | tr '\n\t' '  '
}
# Postmeta rows that DB holds more often than the reference: duplicates.
dup_postmeta() {
	sql_root "SELECT COUNT(*) FROM (SELECT $MCOLS FROM \`$1\`.wp_postmeta EXCEPT ALL SELECT $MCOLS FROM \`$REF\`.wp_postmeta) d"
}
leftovers() {
	sql "$1" "SELECT (SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold')
	 + (SELECT COUNT(*) FROM wp_wc_orders_meta WHERE meta_key IN ('_deleted_from', 'deleted_from'))"
}

copy $SRC $REF
t0=$(date +%s%N)
run hpos $REF $SYNC
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# uninterrupted reverse sync: $ms ms"
ref_fp=$(posts_fp $REF)
assert_eq 0 "$rc" "uninterrupted reverse sync exits 0"
assert_contains "$out" "30 orders deleted from HPOS were removed from posts." "uninterrupted: the 30 deletion markers processed"
assert_eq 0 "$(leftovers $REF)" "uninterrupted: no placeholder or marker left"
run hpos $REF verify_cot_data
assert_eq 0 "$rc" "uninterrupted: verify_cot_data exits 0"

copy $SRC $K
placeholders=$(sql $SRC "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")
kills=0 round=0
set -- ${RSK_POINTS:-0.2 0.45 0.7}
last=$#
for point in "$@"; do
	round=$((round + 1))
	nth=$(awk "BEGIN { n = int($point * $placeholders); print (n >= $placeholders ? $placeholders - 1 : n) }")
	tag="SIGKILL at placeholder $nth of $placeholders (point $point)"
	[ $round = 1 ] || reset $K
	stall_order $K "$(sql $K "SELECT ID FROM wp_posts WHERE post_type = 'shop_order_placehold' ORDER BY ID LIMIT 1 OFFSET $nth")" wp_posts UPDATE ID
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname $K $SYNC > "$SBX/rsk.out" 2> "$SBX/rsk.err" &
	pid=$!
	wait_until 120 is_sleeping $K || echo "# note: $tag: the held order was never reached"
	kill -KILL $pid 2>/dev/null
	{ wait $pid; } 2>/dev/null
	krc=$?
	# The killed client's held statement is released and ends on the
	# server (its open batch rolls back); then the trigger goes.
	unstall $K
	wait_until 30 no_session $K
	left=$(hpos $K count_unmigrated --porcelain 2>/dev/null)
	echo "# $tag: exit $krc, $left of $pending orders still pending, $(leftovers $K) placeholders+markers"
	if [ "$krc" = 137 ]; then kills=$((kills + 1)); else fail "$tag: the sync had ended ($krc) before the kill"; fi
	run hpos $K $SYNC
	assert_eq 0 "$rc" "$tag: the rerun exits 0"
	[ "$rc" = 0 ] || echo "$err" | tail -3
	if [ $round = 1 ] || [ "$(posts_fp $K)" != "$ref_fp" ]; then
		assert_eq 0 "$(posts_diff $K $REF)" "$tag: posts and postmeta equal the uninterrupted reverse sync's (exact diff)"
	else
		ok "$tag: posts and postmeta equal the uninterrupted reverse sync's (multiset fingerprints)"
	fi
	assert_eq 0 "$(dup_postmeta $K)" "$tag: no duplicated postmeta"
	assert_eq 0 "$(leftovers $K)" "$tag: no placeholder or deletion marker left"
	if [ $round = 1 ] || [ $round = $last ]; then
		run hpos $K verify_cot_data
		assert_eq 0 "$rc" "$tag: verify_cot_data exits 0"
	fi
done
[ "$kills" -ge 1 ] && ok "$kills of $round reverse syncs were killed mid-run" || fail "no reverse sync was killed mid-run"

# Killed while the deletion markers are processed (the last phase, highest
# order first): a trigger makes the delete of the first marked order's post
# sleep, so the kill lands inside that batch's transaction.
idle() { # no session left on DB (a killed client's statement ends first)
	i=0
	while [ "$(sql_root "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '$1' AND ID <> CONNECTION_ID()")" != 0 ] && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
tag="SIGKILL while deleting marked orders"
reset $K
x=$(sql $K "SELECT MAX(order_id) FROM wp_wc_orders_meta WHERE meta_key = '_deleted_from'")
sql $K "CREATE TRIGGER rsk_slow BEFORE DELETE ON wp_posts FOR EACH ROW SET @s = IF(OLD.ID = $x, SLEEP(3), 0)"
"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname $K $SYNC > "$SBX/rsk.out" 2> "$SBX/rsk.err" &
pid=$!
i=0
until [ "$(sql_root "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '$K' AND STATE = 'User sleep'")" = 1 ] || [ $i -ge 200 ]; do
	sleep 0.05; i=$((i + 1))
done
kill -KILL $pid 2>/dev/null
{ wait $pid; } 2>/dev/null
krc=$?
assert_eq 137 "$krc" "$tag: killed in the marker phase"
[ "$krc" = 137 ] && kills=$((kills + 1))
idle $K
sql $K "DROP TRIGGER rsk_slow"
assert_eq 0 "$(sql $K "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "$tag: every order was backfilled before the kill"
assert_eq "1 1" "$(sql $K "SELECT CONCAT((SELECT COUNT(*) FROM wp_posts WHERE ID = $x), ' ', (SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = $x AND meta_key = '_deleted_from'))")" \
	"$tag: the killed batch rolled back (post $x and its marker are still there)"
run hpos $K $SYNC
assert_eq 0 "$rc" "$tag: the rerun exits 0"
assert_contains "$out" "orders deleted from HPOS were removed from posts." "$tag: the rerun processes the markers"
assert_eq 0 "$(posts_diff $K $REF)" "$tag: posts and postmeta equal the uninterrupted reverse sync's (exact diff)"
assert_eq 0 "$(leftovers $K)" "$tag: no placeholder or deletion marker left"
run hpos $K verify_cot_data
assert_eq 0 "$rc" "$tag: verify_cot_data exits 0"
echo "# summary: kills=$kills retries=0 bad_inputs=0"
finish
