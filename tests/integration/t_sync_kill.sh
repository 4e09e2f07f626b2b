# sync killed at arbitrary moments (SIGKILL) and rerun gives exactly what
# an uninterrupted sync gives: no lost order, no duplicated meta.  SIGINT
# and SIGTERM stop after a complete batch with a warning (exit 130 / 143).
. "$TOP/tests/integration/lib.sh"

SRC=tsk_src REF=tsk_ref K=tsk_kill
ORDERS=${TSK_ORDERS:-4000} # the kills are placed by held orders, not by time: any size works
COPIES=$(( (ORDERS + 220) / 221 ))
SYNC="sync --batch-size 50 --settle 0"
ORDER_TYPES="'shop_order','shop_order_refund'"
POST_COLS="post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status,
 comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt,
 post_content_filtered, guid, menu_order, post_type, post_mime_type, comment_count"

# The store: the generator when it was built, else the fixture's 221 orders
# (and refunds) replicated with new IDs (ID + k*1000, refunds re-parented).
made=""
if [ -x "${STOREGEN:-}" ] && "$STOREGEN" --socket "$SBX/mysqld.sock" --database $SRC --create --orders $ORDERS --seed 7 --quiet >/dev/null 2>&1 &&
	[ "$(sql $SRC "SELECT COUNT(*) FROM wp_posts p JOIN wp_postmeta m ON m.post_id = p.ID AND m.meta_key = '_order_key'
	 WHERE p.post_type = 'shop_order' AND EXISTS (SELECT 1 FROM wp_options)" 2>/dev/null || echo 0)" -ge $((ORDERS / 2)) ]; then
	made=storegen
	echo "# store: storegen, $ORDERS orders"
fi
if [ -z "$made" ]; then
	load_fixture ${SRC}_fx
	new_db $SRC
	for t in posts postmeta options; do
		sql $SRC "CREATE TABLE wp_$t LIKE \`${SRC}_fx\`.wp_$t"
	done
	sql $SRC "INSERT INTO wp_options SELECT * FROM \`${SRC}_fx\`.wp_options;
	 INSERT INTO wp_posts (ID, post_parent, $POST_COLS)
	  SELECT p.ID + s.seq * 1000, IF(p.post_parent > 0, p.post_parent + s.seq * 1000, 0), $POST_COLS
	  FROM \`${SRC}_fx\`.wp_posts p JOIN seq_0_to_$((COPIES - 1)) s WHERE p.post_type IN ($ORDER_TYPES);
	 INSERT INTO wp_postmeta (post_id, meta_key, meta_value)
	  SELECT pm.post_id + s.seq * 1000, pm.meta_key, pm.meta_value
	  FROM \`${SRC}_fx\`.wp_postmeta pm JOIN \`${SRC}_fx\`.wp_posts p ON p.ID = pm.post_id
	  JOIN seq_0_to_$((COPIES - 1)) s WHERE p.post_type IN ($ORDER_TYPES) ORDER BY s.seq, pm.meta_id"
	sql_root "DROP DATABASE \`${SRC}_fx\`"
	echo "# store: fixture x $COPIES"
fi
total=$(sql $SRC "SELECT COUNT(*) FROM wp_posts WHERE post_type IN ($ORDER_TYPES) AND post_status <> 'auto-draft'")
echo "# $total orders"

copy_store() { # copy_store FROM TO: the legacy tables only
	new_db "$2"
	for t in posts postmeta options; do
		sql "$2" "CREATE TABLE wp_$t LIKE \`$1\`.wp_$t; INSERT INTO wp_$t SELECT * FROM \`$1\`.wp_$t"
	done
}
drop_hpos() {
	sql "$1" "DROP TABLE IF EXISTS wp_wc_orders, wp_wc_order_addresses, wp_wc_order_operational_data, wp_wc_orders_meta, wp_hposctl_skipped"
}
hpos_count() { # wc_orders rows, or 0 when the table does not exist yet
	sql "$1" "SELECT COUNT(*) FROM wp_wc_orders" 2>/dev/null || echo 0
}
# wc_orders is written last for each order: an order there must have both
# address rows and its operational data row, whatever moment the kill hit.
incomplete() {
	sql "$1" "SELECT COUNT(*) FROM wp_wc_orders o WHERE (SELECT COUNT(*) FROM wp_wc_order_addresses a WHERE a.order_id = o.id) <> 2
	 OR NOT EXISTS (SELECT 1 FROM wp_wc_order_operational_data d WHERE d.order_id = o.id)" 2>/dev/null || echo 0
}
# (order, key, value) triples that wc_orders_meta holds more than once and
# more often than postmeta does (values compared by MD5 to keep it fast;
# rows with no postmeta counterpart at all are caught by hpos_diff).
dup_meta() {
	sql "$1" "SELECT COUNT(*) FROM (SELECT order_id, meta_key, MD5(meta_value) v, COUNT(*) c FROM wp_wc_orders_meta
	 GROUP BY order_id, BINARY meta_key, MD5(meta_value) HAVING c > 1) h
	 WHERE h.c > (SELECT COUNT(*) FROM wp_postmeta p WHERE p.post_id = h.order_id AND BINARY p.meta_key = BINARY h.meta_key
	 AND MD5(IFNULL(p.meta_value, '')) = h.v)"
}
wclock() { sql "$1" "SELECT COUNT(*) FROM wp_options WHERE option_name = 'wc_posts_to_orders_migration_lock'"; }
# wait_exit PID SECONDS: wait for it, but never hang the suite; sets $wrc
# (999 when it had to be killed after SECONDS).
wait_exit() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		{ wait "$1"; } 2>/dev/null
		wrc=999
	else
		{ wait "$1"; } 2>/dev/null
		wrc=$?
	fi
}
# same_as_ref DB TAG [full]: the HPOS tables equal the uninterrupted run's.
# The per-table multiset checksums are cheap; hpos_diff (exact, row by row,
# seconds on this store) runs with "full" or when the checksums differ.
same_as_ref() {
	if [ -n "${3:-}" ] || [ "$(hpos_checksum $1)" != "$ref_sum" ]; then
		assert_eq 0 "$(hpos_diff $1 $REF)" "$2: rerun result equals the uninterrupted sync (hpos_diff)"
	else
		ok "$2: rerun result equals the uninterrupted sync (checksums of all 4 tables)"
	fi
}
start_sync() { # start_sync DB [args]: hposctl itself in the background ($! is its pid)
	db=$1; shift
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname "$db" $SYNC "$@" >"$SBX/tsk.out" 2>"$SBX/tsk.err" &
}

# The reference: the same store synced without interruption.
copy_store $SRC $REF
t0=$(date +%s)
run hpos $REF $SYNC
assert_eq 0 "$rc" "uninterrupted sync exits 0"
echo "# uninterrupted sync: $(( $(date +%s) - t0 )) s"
assert_eq "$total" "$(hpos_count $REF)" "uninterrupted sync migrates all $total orders"
assert_eq 0 "$(dup_meta $REF)" "uninterrupted sync: no duplicated meta"
ref_sum=$(hpos_checksum $REF)

copy_store $SRC $K
round=0 takeover_seen="" kills=0 signals=0
# The kill moments are points of the work, not times: P (0..1) holds the
# wc_orders INSERT of the order at fraction P of the store inside its
# batch's transaction (stall_order), and sync is SIGKILLed once that
# statement is held; the other writer is wherever it is.  TSK_POINTS
# overrides them (`make soak` passes 20 random ones; a suffix "nt" adds
# --no-transactions).
for point in ${TSK_POINTS:-0.05 0.4 0.8 0.4nt}; do
	round=$((round + 1))
	extra=""
	case $point in *nt) point=${point%nt}; extra=--no-transactions ;; esac
	nth=$(awk "BEGIN { n = int($point * $total); print (n >= $total ? $total - 1 : n) }")
	tag="SIGKILL at order $nth of $total (point $point)${extra:+ ($extra)}"
	drop_hpos $K
	hpos $K install >/dev/null
	stall_order $K "$(nth_order $K $nth)"
	start_sync $K $extra
	pid=$!
	wait_until 120 is_sleeping $K || echo "# note: $tag: the held order was never reached"
	kill -KILL $pid 2>/dev/null
	{ wait $pid; } 2>/dev/null
	krc=$?
	# The killed client's held statement is released and ends on the
	# server (an open batch rolls back); then the trigger goes.
	unstall $K
	wait_until 30 no_session $K
	at_kill=$(hpos_count $K)
	echo "# $tag: exit $krc, $at_kill of $total orders in wc_orders, WooCommerce lock rows: $(wclock $K)"
	if [ "$krc" = 137 ]; then kills=$((kills + 1)); else fail "$tag: the sync had ended ($krc) before the kill"; fi
	assert_eq 0 "$(incomplete $K)" "$tag: every wc_orders row has its address and op rows"
	# A kill inside a batch leaves WooCommerce's migration lock row behind
	# (15 s TTL, §4.10).  The first time that happens the rerun waits for it
	# to expire and takes it over; later rounds age it to save time.
	waited=""
	if [ "$(wclock $K)" != 0 ]; then
		if [ -z "$takeover_seen" ]; then
			waited=1 takeover_seen=1
		else
			sql $K "UPDATE wp_options SET option_value = '1.000000' WHERE option_name = 'wc_posts_to_orders_migration_lock'"
		fi
	fi
	t0=$(date +%s)
	run hpos $K $SYNC $extra
	assert_eq 0 "$rc" "$tag: the rerun exits 0${waited:+ (after taking over the stale lock)}"
	[ -n "$waited" ] && echo "# rerun waited for the stale lock: $(( $(date +%s) - t0 )) s"
	same_as_ref $K "$tag" $([ $round = 1 ] && echo full)
	assert_eq 0 "$(dup_meta $K)" "$tag: no duplicated meta"
	assert_eq 0 "$(hpos $K count_unmigrated --porcelain)" "$tag: nothing pending"
	assert_eq 0 "$(wclock $K)" "$tag: WooCommerce's migration lock released"
done

# SIGINT/SIGTERM: the batches in hand are finished, the rest stays pending.
# "INT1" adds --jobs 1: one writer, so the reader is nearly always waiting
# for room in the batch queue when the signal comes.
# After the signal the writers stop taking batches; the reader must not
# wait forever for room in the queue (it polls the interrupt flag).
for sig in INT INT1 TERM; do
	case $sig in INT) want=130 num=2 opt="" ;; INT1) want=130 num=2 opt="--jobs 1" ;; TERM) want=143 num=15 opt="" ;; esac
	tag="SIG$sig${opt:+ ($opt)}"
	drop_hpos $K
	sql $K "DELETE FROM wp_options WHERE option_name = 'wc_posts_to_orders_migration_lock'"
	# The signal comes while a batch (the 11th) is held inside its
	# transaction; the hold is then released and that batch must complete.
	hpos $K install >/dev/null
	stall_order $K "$(nth_order $K 500)"
	start_sync $K $opt
	pid=$!
	wait_until 120 is_sleeping $K || echo "# note: $tag: the held order was never reached"
	kill -${sig%1} $pid 2>/dev/null
	unstall_soon $K
	wait_exit $pid 10
	unstall $K
	src=$wrc
	n=$(hpos_count $K)
	echo "# $tag: $n of $total orders migrated when it stopped"
	if [ $src = 999 ]; then
		fail "$tag: sync did not exit within 10 s of the signal (hang; killed)"
		sql $K "UPDATE wp_options SET option_value = '1.000000' WHERE option_name = 'wc_posts_to_orders_migration_lock'"
	else
		ok "$tag: sync exits after the signal"
	fi
	assert_eq $want "$src" "$tag: sync exits $want"
	[ "$src" = $want ] && signals=$((signals + 1))
	assert_contains "$(cat "$SBX/tsk.err")" "Interrupted by signal $num after a complete batch" "$tag: warns that it stopped after a complete batch"
	if [ "$n" -gt 0 ] && [ "$n" -lt "$total" ]; then ok "$tag: stopped part way ($n orders)"; else fail "$tag: stopped part way: $n of $total orders"; fi
	assert_eq 0 "$((n % 50))" "$tag: whole batches of 50 were written ($n orders)"
	assert_eq 0 "$(incomplete $K)" "$tag: every wc_orders row has its address and op rows"
	[ $src = 999 ] || assert_eq 0 "$(wclock $K)" "$tag: WooCommerce's migration lock released"
	assert_eq "$((total - n))" "$(hpos $K count_unmigrated --porcelain)" "$tag: the rest is pending"
	run hpos $K $SYNC
	assert_eq 0 "$rc" "$tag: the rerun exits 0"
	same_as_ref $K "$tag" $([ $sig = INT ] && echo full)
	assert_eq 0 "$(dup_meta $K)" "$tag: no duplicated meta"
done
echo "# summary: kills=$kills signals=$signals retries=0 bad_inputs=0"
finish
