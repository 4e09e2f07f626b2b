# A busy shop on the posts side while sync runs again and again, as cron
# would run it: new orders (with ~40 postmeta rows, refunds, items, notes),
# status and total changes that bump post_modified_gmt, added meta, refunds,
# trashed orders, and deleted orders with WooCommerce's deletion marker.
# After the shop stops and one last sync, the HPOS tables must equal a
# from-scratch sync of the final posts state: nothing lost, nothing stale,
# no duplicated meta, no HPOS order whose post is gone.
# LIVE_SECONDS (default 12) sets how long the shop runs; `make soak` raises it.
. "$TOP/tests/integration/lib.sh"

D=tlw LIVE_SECONDS=${LIVE_SECONDS:-12}
if [ ! -x "${STOREGEN:-}" ]; then fail "storegen not built"; finish; fi
"$STOREGEN" --socket "$SBX/mysqld.sock" --database $D --create --orders 3000 --seed 11 --quiet
run hpos $D install
assert_eq 0 "$rc" "install"

# One shop tick: a few changes of the kinds a live store makes, as SQL.
RANDORDER="SELECT ID FROM wp_posts WHERE post_type = 'shop_order' AND post_status NOT IN ('trash','auto-draft')"
BUMP="post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP()"
shop_tick() { # shop_tick N
	t=$1 s=""
	# An order is edited: new status and total, a note added, then saved.
	s="$s SET @id := ($RANDORDER ORDER BY RAND() LIMIT 1);
	 UPDATE wp_postmeta SET meta_value = CONCAT(FLOOR(RAND() * 900) + 1, '.', LPAD(FLOOR(RAND() * 100), 2, '0'))
	  WHERE post_id = @id AND meta_key = '_order_total';
	 INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES (@id, 'live_note', 'tick $t');
	 UPDATE wp_posts SET post_status = ELT(1 + FLOOR(RAND() * 4), 'wc-processing', 'wc-completed', 'wc-on-hold', 'wc-cancelled'), $BUMP WHERE ID = @id;"
	# A meta key is deleted from another order.
	s="$s SET @id := ($RANDORDER ORDER BY RAND() LIMIT 1);
	 DELETE FROM wp_postmeta WHERE post_id = @id AND meta_key IN ('_customer_user_agent', 'live_note');
	 UPDATE wp_posts SET $BUMP WHERE ID = @id;"
	if [ $((t % 3)) = 0 ]; then # a refund
		s="$s SET @p := ($RANDORDER ORDER BY RAND() LIMIT 1); SET @r := (SELECT MAX(ID) + 1 FROM wp_posts);
		 INSERT INTO wp_posts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status,
		  comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt,
		  post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count)
		  VALUES (@r, 1, NOW(), UTC_TIMESTAMP(), '', 'Refund', '', 'wc-completed', 'closed', 'closed', '',
		  CONCAT('refund-', @r), '', '', NOW(), UTC_TIMESTAMP(), '', @p, '', 0, 'shop_order_refund', '', 0);
		 INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES (@r, '_order_currency', 'USD'),
		  (@r, '_refund_amount', '1.00'), (@r, '_order_total', '-1.00'), (@r, '_refunded_by', '1'),
		  (@r, '_refunded_payment', ''), (@r, '_refund_reason', 'live tick $t'), (@r, '_order_version', '9.9.5');"
	fi
	if [ $((t % 4)) = 0 ]; then # an order is trashed
		s="$s SET @id := ($RANDORDER ORDER BY RAND() LIMIT 1);
		 INSERT INTO wp_postmeta (post_id, meta_key, meta_value)
		  SELECT @id, '_wp_trash_meta_status', post_status FROM wp_posts WHERE ID = @id
		  UNION ALL SELECT @id, '_wp_trash_meta_time', UNIX_TIMESTAMP();
		 UPDATE wp_posts SET post_status = 'trash', $BUMP WHERE ID = @id;"
	fi
	if [ $((t % 5)) = 0 ]; then # an order without refunds is deleted for good (sync off: marker if migrated)
		s="$s SET @id := ($RANDORDER AND NOT EXISTS (SELECT 1 FROM wp_posts r WHERE r.post_parent = wp_posts.ID) ORDER BY RAND() LIMIT 1);
		 DELETE FROM wp_postmeta WHERE post_id = @id; DELETE FROM wp_posts WHERE ID = @id;
		 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value)
		  SELECT id, '_deleted_from', 'posts_table' FROM wp_wc_orders WHERE id = @id;"
	fi
	# A tick that loses a deadlock or a lock wait to the running sync is
	# tried again, as a shop's client would retry its request (the shop is
	# random anyway: the reference is made from the final posts).
	for _try in 1 2 3 4 5; do
		_e=$(sql $D "$s" 2>&1 >/dev/null) && return 0
		case $_e in *"Deadlock found"*|*"Lock wait timeout"*) sleep 0.05 ;; *) echo "$_e" >&2; return 1 ;; esac
	done
	echo "$_e" >&2
	return 1
}

shop() { # runs LIVE_SECONDS; prints the number of ticks and new-order batches
	end=$(( $(date +%s) + LIVE_SECONDS )) t=0 made=0
	while [ "$(date +%s)" -lt $end ]; do
		t=$((t + 1))
		shop_tick $t || { echo "shop tick $t failed" >&2; return 1; }
		if [ $((t % 6)) = 0 ]; then # new orders, the generator's full shape
			# The generator dates its orders in the past; a shop stamps a
			# new order's post_modified_gmt with the time of the save,
			# after its meta is written, which is what --settle relies on.
			top=$(sql $D "SELECT MAX(ID) FROM wp_posts")
			"$STOREGEN" --socket "$SBX/mysqld.sock" --database $D --orders 5 --seed $((100 + t)) --quiet || return 1
			sql $D "UPDATE wp_posts SET $BUMP WHERE ID > $top AND post_type IN ('shop_order', 'shop_order_refund')" || return 1
			made=$((made + 1))
		fi
		sleep 0.05
	done
	echo "$t $made"
}

shop > "$SBX/tlw.shop" 2> "$SBX/tlw.shop.err" &
shop_pid=$!
runs=0 bad=0 synced=0 retries=0
while kill -0 $shop_pid 2>/dev/null; do
	run hpos $D --json sync --settle 2 --batch-size 200
	runs=$((runs + 1))
	[ "$rc" = 0 ] || { bad=$((bad + 1)); echo "# sync run $runs exited $rc: $(echo "$err" | tail -2)"; }
	n=$(echo "$out" | sed -n 's/.*"event":"done".*"synced":\([0-9]*\).*/\1/p')
	synced=$((synced + ${n:-0}))
	n=$(echo "$out" | sed -n 's/.*"event":"done".*"retries":\([0-9]*\).*/\1/p')
	retries=$((retries + ${n:-0}))
done
wait $shop_pid
assert_eq 0 "$?" "the shop ran without SQL errors $(cat "$SBX/tlw.shop.err")"
read -r ticks batches < "$SBX/tlw.shop"
echo "# shop: $ticks ticks, $((batches * 5)) new orders; $runs sync runs meanwhile, $synced orders synced"
[ "$runs" -ge 3 ] && ok "sync ran $runs times while the shop wrote" || fail "sync ran only $runs times"
assert_eq 0 "$bad" "every sync run beside the live shop exited 0"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_options WHERE option_name = 'wc_posts_to_orders_migration_lock'")" "WooCommerce's migration lock is not left behind"

# The shop has stopped: once its last change is older than the settle
# window (seen in the data, not assumed from a sleep), one more run.
settled() { [ "$(sql $D "SELECT MAX(post_modified_gmt) < UTC_TIMESTAMP() - INTERVAL 3 SECOND FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund')")" = 1 ]; }
wait_until 30 settled || fail "the shop's last change never got older than the settle window"
run hpos $D sync --settle 2
assert_eq 0 "$rc" "final sync exits 0"
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "nothing pending after the final sync"
run hpos $D sync --settle 0
assert_contains "$err" "There are no orders to sync" "a further sync finds nothing to do"

run hpos $D verify_cot_data
assert_eq 0 "$rc" "verify_cot_data finds no difference after the live run: $(echo "$out" | tail -2)"

# The reference: the final posts state synced from scratch.
new_db ${D}_ref
for t in posts postmeta options woocommerce_order_items woocommerce_order_itemmeta; do
	sql ${D}_ref "CREATE TABLE wp_$t LIKE \`$D\`.wp_$t; INSERT INTO wp_$t SELECT * FROM \`$D\`.wp_$t"
done
run hpos ${D}_ref sync --settle 0
assert_eq 0 "$rc" "reference sync exits 0"
assert_eq 0 "$(hpos_diff $D ${D}_ref)" "HPOS after the live run equals a from-scratch sync of the final posts"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders o LEFT JOIN wp_posts p ON p.ID = o.id WHERE p.ID IS NULL")" "no HPOS order whose post was deleted"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE meta_key IN ('_deleted_from', 'deleted_from')")" "every deletion marker was processed"
echo "# summary: kills=0 retries=$retries live_sync_runs=$runs bad_inputs=0"
finish
