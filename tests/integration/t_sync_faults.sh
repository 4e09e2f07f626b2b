# Lost connections: every connection of a running sync is killed between
# batches; it reconnects, retakes its lock, finishes, and the result equals
# an uninterrupted run.
. "$TOP/tests/integration/lib.sh"

# A 2,210-order store: the fixture's orders ten times over, new IDs.
make_store() {
	load_fixture "$1"
	sql "$1" "
	CREATE TEMPORARY TABLE op AS SELECT * FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund');
	CREATE TEMPORARY TABLE om AS SELECT m.* FROM wp_postmeta m JOIN op ON op.ID = m.post_id;
	INSERT INTO wp_posts SELECT ID + 1000*seq, post_author, post_date, post_date_gmt, post_content, post_title,
	  post_excerpt, post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged,
	  post_modified, post_modified_gmt, post_content_filtered, IF(post_parent = 0, 0, post_parent + 1000*seq),
	  guid, menu_order, post_type, post_mime_type, comment_count FROM op, seq_1_to_9;
	INSERT INTO wp_postmeta (post_id, meta_key, meta_value)
	  SELECT post_id + 1000*seq, meta_key, meta_value FROM om, seq_1_to_9 ORDER BY seq, meta_id;"
}
make_store fx_fault
make_store fx_fault_ref
run hpos fx_fault_ref sync --settle 0
assert_eq 0 "$rc" "reference sync exits 0"

pause="$SBX/fault.pause"
touch "$pause"
hpos fx_fault sync --settle 0 --batch-size 50 --jobs 2 --pause-file "$pause" > "$SBX/fault.out" 2>&1 &
pid=$!
# Held at the first batch boundary: every connection (reader, lock, writers) is open.
wait_until 120 has_line "$SBX/fault.out" "Paused: pause file" || fail "sync never paused: $(tail -2 "$SBX/fault.out")"
killed=$(sql_root "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = 'fx_fault' AND ID <> CONNECTION_ID()")
for id in $(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'fx_fault' AND ID <> CONNECTION_ID()"); do
	sql_root "KILL CONNECTION $id" 2>/dev/null
done
[ "$killed" -ge 3 ] && ok "killed $killed connections of the running sync" || fail "expected >= 3 connections, found $killed"
rm -f "$pause"
wait $pid; rc=$?
o=$(cat "$SBX/fault.out")
assert_eq 0 "$rc" "sync survives killed connections (exit 0)"
assert_contains "$o" "Lost the database connection; reconnecting." "it says it reconnected"
assert_contains "$o" "Batches retried" "it counts the retries"
r1=$(retried "$o")
assert_eq 0 "$(hpos_diff fx_fault fx_fault_ref)" "result equals an uninterrupted run"
assert_eq 0 "$(sql fx_fault "SELECT COUNT(*) FROM (SELECT order_id, meta_key, meta_value, COUNT(*) c FROM wp_wc_orders_meta GROUP BY order_id, meta_key, meta_value) x JOIN (SELECT post_id, meta_key, meta_value, COUNT(*) c FROM wp_postmeta GROUP BY post_id, meta_key, meta_value) y ON y.post_id = x.order_id AND BINARY y.meta_key = BINARY x.meta_key AND BINARY y.meta_value = BINARY x.meta_value WHERE x.c > y.c")" "no duplicated meta rows"
assert_eq 0 "$(hpos fx_fault count_unmigrated --porcelain)" "nothing left pending"

# Lock-wait timeouts: another session holds the row lock of an order that
# sync must rewrite, longer than the sync's innodb_lock_wait_timeout.
make_store fx_lockwait
run hpos fx_lockwait install
first=$(sql fx_lockwait "SELECT MIN(ID) FROM wp_posts WHERE post_type = 'shop_order'")
sql fx_lockwait "INSERT INTO wp_wc_orders (id, date_updated_gmt) VALUES ($first, '2000-01-01 00:00:00')"
# The lock is held until sync has timed out on it and come back for it
# (the server's second row lock wait), then released.
sync_beside_row_lock "sync" fx_lockwait "SELECT id FROM wp_wc_orders WHERE id = $first FOR UPDATE" --settle 0 --batch-size 100 --jobs 1
assert_eq 0 "$rc" "sync finishes beside a session holding a row lock it needs"
assert_contains "$out" "Batches retried after deadlocks, lock waits or lost connections" "the lock-wait timeouts were retried and counted"
r2=$(retried "$out")
assert_eq 2210 "$(sql fx_lockwait "SELECT COUNT(*) FROM wp_wc_orders")" "every order migrated"
assert_eq 0 "$(hpos_diff fx_lockwait fx_fault_ref)" "result equals an uninterrupted run"
echo "# summary: kills=0 conn_kills=$killed retries=$((r1 + r2)) bad_inputs=0"
finish
