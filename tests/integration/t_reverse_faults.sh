# Reverse sync under faults: its connection killed between batches, and a
# row lock held by another session past innodb_lock_wait_timeout.  Both
# runs must end exactly like an undisturbed one.
. "$TOP/tests/integration/lib.sh"

# A 1,105-order store (the fixture five times over), synced, HPOS
# authoritative with compatibility mode on, every order post turned into a
# placeholder without meta (as `wp wc hpos cleanup` leaves them).
make_store() {
	load_fixture "$1"
	sql "$1" "
	CREATE TEMPORARY TABLE op AS SELECT * FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund');
	CREATE TEMPORARY TABLE om AS SELECT m.* FROM wp_postmeta m JOIN op ON op.ID = m.post_id;
	INSERT INTO wp_posts SELECT ID + 1000*seq, post_author, post_date, post_date_gmt, post_content, post_title,
	  post_excerpt, post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged,
	  post_modified, post_modified_gmt, post_content_filtered, IF(post_parent = 0, 0, post_parent + 1000*seq),
	  guid, menu_order, post_type, post_mime_type, comment_count FROM op, seq_1_to_4;
	INSERT INTO wp_postmeta (post_id, meta_key, meta_value)
	  SELECT post_id + 1000*seq, meta_key, meta_value FROM om, seq_1_to_4 ORDER BY seq, meta_id;"
	hpos "$1" sync --settle 0 >/dev/null 2>&1
	hpos "$1" switch-authority --to hpos --with-compat-mode --yes >/dev/null 2>&1
	sql "$1" "DELETE pm FROM wp_postmeta pm JOIN wp_posts p ON p.ID = pm.post_id WHERE p.post_type IN ('shop_order','shop_order_refund');
	  UPDATE wp_posts SET post_type = 'shop_order_placehold', post_status = 'draft' WHERE post_type IN ('shop_order','shop_order_refund')"
}
# Posts-side rows that matter, for comparing two databases.
posts_diff() {
	n1=$(sql_root "SELECT COUNT(*) FROM ((SELECT post_id, BINARY meta_key, BINARY meta_value FROM \`$1\`.wp_postmeta EXCEPT ALL SELECT post_id, BINARY meta_key, BINARY meta_value FROM \`$2\`.wp_postmeta) UNION ALL (SELECT post_id, BINARY meta_key, BINARY meta_value FROM \`$2\`.wp_postmeta EXCEPT ALL SELECT post_id, BINARY meta_key, BINARY meta_value FROM \`$1\`.wp_postmeta)) d")
	n2=$(sql_root "SELECT COUNT(*) FROM ((SELECT ID, post_type, post_status, post_date, post_date_gmt, post_modified_gmt, post_parent, BINARY post_excerpt FROM \`$1\`.wp_posts EXCEPT ALL SELECT ID, post_type, post_status, post_date, post_date_gmt, post_modified_gmt, post_parent, BINARY post_excerpt FROM \`$2\`.wp_posts) UNION ALL (SELECT ID, post_type, post_status, post_date, post_date_gmt, post_modified_gmt, post_parent, BINARY post_excerpt FROM \`$2\`.wp_posts EXCEPT ALL SELECT ID, post_type, post_status, post_date, post_date_gmt, post_modified_gmt, post_parent, BINARY post_excerpt FROM \`$1\`.wp_posts)) d")
	echo $((n1 + n2))
}

make_store fx_rf_ref
run hpos fx_rf_ref sync --settle 0
assert_eq 0 "$rc" "reference reverse sync exits 0"
assert_contains "$out" "Success: 1105 orders were synced" "reference: every order backfilled"

make_store fx_rf
pause="$SBX/rfault.pause"
touch "$pause"
hpos fx_rf sync --settle 0 --batch-size 50 --pause-file "$pause" > "$SBX/rfault.out" 2>&1 &
pid=$!
wait_until 120 has_line "$SBX/rfault.out" "Paused: pause file" || fail "reverse sync never paused: $(tail -2 "$SBX/rfault.out")"
killed=0
for id in $(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'fx_rf' AND ID <> CONNECTION_ID()"); do
	sql_root "KILL CONNECTION $id" 2>/dev/null && killed=$((killed + 1))
done
[ "$killed" -ge 1 ] && ok "killed the reverse sync's connection" || fail "no connection of the reverse sync found"
rm -f "$pause"
wait $pid; rc=$?
o=$(cat "$SBX/rfault.out")
assert_eq 0 "$rc" "reverse sync survives a killed connection (exit 0)"
assert_contains "$o" "Lost the database connection; reconnecting." "it says it reconnected"
r1=$(retried "$o")
assert_eq 0 "$(posts_diff fx_rf fx_rf_ref)" "result equals an undisturbed reverse sync"
assert_eq 0 "$(sql fx_rf "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "no placeholder left"

# Lock-wait timeouts: another session holds a post row the sync must update.
make_store fx_rlw
first=$(sql fx_rlw "SELECT MIN(ID) FROM wp_posts WHERE post_type = 'shop_order_placehold'")
# Held until the sync has timed out on it and come back for it (the
# server's second row lock wait), then released.
sync_beside_row_lock "reverse sync" fx_rlw "SELECT ID FROM wp_posts WHERE ID = $first FOR UPDATE" --settle 0 --batch-size 100
assert_eq 0 "$rc" "reverse sync finishes beside a session holding a row lock it needs"
assert_contains "$out" "Batches retried after deadlocks, lock waits or lost connections" "the lock-wait timeouts were retried"
assert_eq 0 "$(posts_diff fx_rlw fx_rf_ref)" "result equals an undisturbed reverse sync"
echo "# summary: kills=0 conn_kills=$killed retries=$((r1 + $(retried "$out"))) bad_inputs=0"
finish
