# A busy shop on the HPOS side (HPOS authoritative, compatibility mode on)
# while reverse sync (HPOS -> posts) runs again and again, as cron would.
# The shop writes as WooCommerce's OrdersTableDataStore does, one
# transaction per change: new orders (a placeholder post reserves the ID,
# then wc_orders, both address rows, operational data, meta), edits that
# bump date_updated_gmt (status, total, meta added or deleted), refunds
# (placeholder post + HPOS rows), trashed orders, and deleted orders (HPOS
# rows gone, an `orders_table` deletion marker left).
# After the shop stops and one last sync: nothing pending, no placeholder
# and no marker left, verify_cot_data exits 0, and the posts side equals a
# from-scratch reverse sync of the final HPOS state.  "From scratch": a copy
# of the final database whose order posts are turned back into placeholders
# without meta (what `wp wc hpos cleanup` leaves), reverse-synced once.
# Compared: every column of wp_posts, and wp_postmeta as a multiset of
# (post_id, meta_key, meta_value), meta_id aside.
# LIVE_SECONDS (default 8) sets how long the shop runs; `make soak` raises it.
. "$TOP/tests/integration/lib.sh"

D=tlh LIVE_SECONDS=${LIVE_SECONDS:-8}
if [ ! -x "${STOREGEN:-}" ]; then fail "storegen not built"; finish; fi
"$STOREGEN" --socket "$SBX/mysqld.sock" --database $D --create --orders 1200 --seed 13 --quiet
hpos $D sync --settle 0 --quiet
run hpos $D switch-authority --to hpos --with-compat-mode --yes
assert_eq 0 "$rc" "switch to HPOS with compatibility mode on"
# Start from placeholders (as after `wp wc hpos cleanup`): every order
# post is then written by reverse sync, here and in the reference.
PLACEHOLD="DELETE pm FROM wp_postmeta pm JOIN wp_posts p ON p.ID = pm.post_id
  WHERE p.post_type IN ('shop_order','shop_order_refund') AND p.ID IN (SELECT id FROM wp_wc_orders);
 UPDATE wp_posts SET post_type = 'shop_order_placehold', post_status = 'draft'
  WHERE post_type IN ('shop_order','shop_order_refund') AND ID IN (SELECT id FROM wp_wc_orders)"
sql $D "$PLACEHOLD"

RANDORDER="SELECT id FROM wp_wc_orders WHERE type = 'shop_order' AND status NOT IN ('trash', 'auto-draft')"
NOW="date_updated_gmt = UTC_TIMESTAMP()"
POSTCOLS="post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, comment_status,
 ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered,
 post_parent, guid, menu_order, post_type, post_mime_type, comment_count"
# placeholder PARENT: the post that reserves a new order's ID; sets @n.
placeholder() {
	echo "INSERT INTO wp_posts ($POSTCOLS) VALUES (1, NOW(), UTC_TIMESTAMP(), '', '', '', 'draft', 'closed', 'closed', '', '', '',
	 '', NOW(), UTC_TIMESTAMP(), '', $1, '', 0, 'shop_order_placehold', '', 0); SET @n := LAST_INSERT_ID();"
}
# txn SQL: one shop transaction.  A shop's request that loses a deadlock
# (or a lock wait) to the running sync is rolled back whole and tried
# again, as a client retrying its request would; any other error fails.
txn() {
	for _try in 1 2 3 4 5; do
		_e=$(sql $D "$1" 2>&1 >/dev/null) && return 0
		case $_e in *"Deadlock found"*|*"Lock wait timeout"*) shop_retries=$((shop_retries + 1)); sleep 0.05 ;; *) echo "$_e" >&2; return 1 ;; esac
	done
	echo "$_e" >&2
	return 1
}
shop_retries=0
shop_tick() { # shop_tick N: one transaction per change
	t=$1
	# An order is edited: status and total, a meta row added.
	txn "START TRANSACTION; SET @id := ($RANDORDER ORDER BY RAND() LIMIT 1);
	 UPDATE wp_wc_orders SET status = ELT(1 + FLOOR(RAND() * 4), 'wc-processing', 'wc-completed', 'wc-on-hold', 'wc-cancelled'),
	  total_amount = ROUND(1 + RAND() * 900, 2), $NOW WHERE id = @id;
	 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (@id, 'live_note', 'tick $t'); COMMIT;" || return 1
	# Meta deleted from another order.
	txn "START TRANSACTION; SET @id := ($RANDORDER ORDER BY RAND() LIMIT 1);
	 DELETE FROM wp_wc_orders_meta WHERE order_id = @id AND meta_key IN ('gift_message', 'utm_source', 'live_note');
	 UPDATE wp_wc_orders SET $NOW WHERE id = @id; COMMIT;" || return 1
	if [ $((t % 3)) = 0 ]; then # a refund of a random order
		txn "START TRANSACTION; SET @p := ($RANDORDER ORDER BY RAND() LIMIT 1); $(placeholder @p)
		 INSERT INTO wp_wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id, billing_email,
		  date_created_gmt, date_updated_gmt, parent_order_id, customer_note)
		  VALUES (@n, 'wc-completed', 'USD', 'shop_order_refund', 0, -1, NULL, NULL, UTC_TIMESTAMP(), UTC_TIMESTAMP(), @p, NULL);
		 INSERT INTO wp_wc_order_operational_data (order_id, woocommerce_version, prices_include_tax, shipping_tax_amount,
		  shipping_total_amount, discount_tax_amount, discount_total_amount) VALUES (@n, '9.9.5', 0, 0, 0, 0, 0);
		 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (@n, '_refund_amount', '1.00'),
		  (@n, '_refunded_by', '1'), (@n, '_refunded_payment', ''), (@n, '_refund_reason', 'live tick $t');
		 UPDATE wp_wc_orders SET $NOW WHERE id = @p; COMMIT;" || return 1
	fi
	if [ $((t % 4)) = 0 ]; then # an order is trashed (OrdersTableDataStore::trash_order)
		txn "START TRANSACTION; SET @id := ($RANDORDER ORDER BY RAND() LIMIT 1);
		 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value)
		  SELECT @id, '_wp_trash_meta_status', status FROM wp_wc_orders WHERE id = @id
		  UNION ALL SELECT @id, '_wp_trash_meta_time', UNIX_TIMESTAMP();
		 UPDATE wp_wc_orders SET status = 'trash', $NOW WHERE id = @id; COMMIT;" || return 1
	fi
	# An order without refunds is deleted for good: a marker stays.  (One
	# whose post is already a real order post: with compatibility mode on
	# WooCommerce writes the post when it creates the order.)
	if [ $((t % 5)) = 0 ]; then
		txn "START TRANSACTION; SET @id := ($RANDORDER AND NOT EXISTS (SELECT 1 FROM wp_wc_orders r WHERE r.parent_order_id = wp_wc_orders.id)
		  AND EXISTS (SELECT 1 FROM wp_posts p WHERE p.ID = wp_wc_orders.id AND p.post_type = 'shop_order') ORDER BY RAND() LIMIT 1);
		 DELETE FROM wp_wc_orders WHERE id = @id; DELETE FROM wp_wc_order_addresses WHERE order_id = @id;
		 DELETE FROM wp_wc_order_operational_data WHERE order_id = @id; DELETE FROM wp_wc_orders_meta WHERE order_id = @id;
		 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (@id, '_deleted_from', 'orders_table'); COMMIT;" || return 1
	fi
	if [ $((t % 2)) = 0 ]; then # a new order from the checkout
		txn "START TRANSACTION; $(placeholder 0)
		 INSERT INTO wp_wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id, billing_email,
		  date_created_gmt, date_updated_gmt, parent_order_id, payment_method, payment_method_title, transaction_id,
		  ip_address, user_agent, customer_note)
		  VALUES (@n, 'wc-processing', 'EUR', 'shop_order', 1.5, ROUND(5 + RAND() * 300, 2), 0, CONCAT('live', @n, '@example.com'),
		  UTC_TIMESTAMP(), UTC_TIMESTAMP(), 0, 'bacs', 'Direct bank transfer', NULL, '198.51.100.7', NULL, 'tick $t');
		 INSERT INTO wp_wc_order_addresses (order_id, address_type, first_name, last_name, company, address_1, address_2,
		  city, state, postcode, country, email, phone)
		  VALUES (@n, 'billing', 'Ana', CONCAT('Live', @n), NULL, 'Rua 1', NULL, 'Porto', NULL, '4000-001', 'PT', CONCAT('live', @n, '@example.com'), '+351 1'),
		         (@n, 'shipping', 'Ana', CONCAT('Live', @n), NULL, 'Rua 1', NULL, 'Porto', NULL, '4000-001', 'PT', NULL, NULL);
		 INSERT INTO wp_wc_order_operational_data (order_id, created_via, woocommerce_version, prices_include_tax,
		  coupon_usages_are_counted, download_permission_granted, cart_hash, new_order_email_sent, order_key,
		  order_stock_reduced, date_paid_gmt, date_completed_gmt, shipping_tax_amount, shipping_total_amount,
		  discount_tax_amount, discount_total_amount, recorded_sales)
		  VALUES (@n, 'checkout', '9.9.5', 0, 1, 0, MD5(@n), 1, CONCAT('wc_order_live', @n), 1, UTC_TIMESTAMP(), NULL, 0, 5, 0, 0, 1);
		 -- The address indexes as WooCommerce writes them: the fields joined
		 -- by spaces (billing ends with email and phone, shipping with phone).
		 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES
		  (@n, '_billing_address_index', CONCAT('Ana Live', @n, '  Rua 1  Porto  4000-001 PT live', @n, '@example.com +351 1')),
		  (@n, '_shipping_address_index', CONCAT('Ana Live', @n, '  Rua 1  Porto  4000-001 PT ')),
		  (@n, 'gift_message', 'Olá $t'), (@n, 'multi', 'b'), (@n, 'multi', 'a'); COMMIT;" || return 1
	fi
}

shop() { # runs LIVE_SECONDS; prints the number of ticks
	end=$(( $(date +%s) + LIVE_SECONDS )) t=0
	while [ "$(date +%s)" -lt $end ]; do
		t=$((t + 1))
		shop_tick $t || { echo "shop tick $t failed" >&2; return 1; }
		sleep 0.05
	done
	echo "$t"
}

shop > "$SBX/tlh.shop" 2> "$SBX/tlh.shop.err" &
shop_pid=$!
runs=0 bad=0 synced=0 deleted=0 retries=0
while kill -0 $shop_pid 2>/dev/null; do
	run hpos $D --json sync --settle 2 --batch-size 100
	runs=$((runs + 1))
	[ "$rc" = 0 ] || { bad=$((bad + 1)); echo "# sync run $runs exited $rc: $(echo "$err" | tail -2)"; }
	done_ev=$(echo "$out" | grep '"event":"done"')
	n=$(echo "$done_ev" | sed -n 's/.*"synced":\([0-9]*\).*/\1/p'); synced=$((synced + ${n:-0}))
	n=$(echo "$done_ev" | sed -n 's/.*"deleted":\([0-9]*\).*/\1/p'); deleted=$((deleted + ${n:-0}))
	n=$(echo "$done_ev" | sed -n 's/.*"retries":\([0-9]*\).*/\1/p'); retries=$((retries + ${n:-0}))
done
wait $shop_pid
assert_eq 0 "$?" "the shop ran without SQL errors $(cat "$SBX/tlh.shop.err")"
ticks=$(cat "$SBX/tlh.shop")
echo "# shop: $ticks ticks, $((ticks / 2)) new orders, $((ticks / 3)) refunds, $((ticks / 5)) deletions; $runs reverse sync runs meanwhile, $synced orders synced, $deleted deleted"
[ "$runs" -ge 3 ] && ok "reverse sync ran $runs times while the shop wrote" || fail "reverse sync ran only $runs times"
assert_eq 0 "$bad" "every reverse sync run beside the live shop exited 0"
[ "$synced" -gt 1200 ] && ok "the runs beside the shop synced $synced orders" || fail "only $synced orders synced beside the shop"

# The shop has stopped: once its last change is older than the settle
# window (seen in the data, not assumed from a sleep), one more run.
settled() { [ "$(sql $D "SELECT MAX(date_updated_gmt) < UTC_TIMESTAMP() - INTERVAL 3 SECOND FROM wp_wc_orders")" = 1 ]; }
wait_until 30 settled || fail "the shop's last change never got older than the settle window"
run hpos $D sync --settle 2
assert_eq 0 "$rc" "final reverse sync exits 0"
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "nothing pending after the final sync"
run hpos $D sync --settle 0
assert_contains "$out$err" "There are 0 orders to be synced." "a further sync finds nothing to do"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "no placeholder post left"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE meta_key IN ('_deleted_from', 'deleted_from')")" "every deletion marker was processed"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_posts p LEFT JOIN wp_wc_orders o ON o.id = p.ID WHERE p.post_type IN ('shop_order', 'shop_order_refund') AND p.post_status <> 'auto-draft' AND o.id IS NULL")" \
	"no order post whose HPOS order was deleted"
run hpos $D verify_cot_data
assert_eq 0 "$rc" "verify_cot_data finds no difference after the live run: $(echo "$out" | tail -1)"

# The reference: the final database, order posts back to placeholders,
# reverse-synced once.
new_db ${D}_ref
for t in $(sql $D "SHOW TABLES"); do
	sql ${D}_ref "CREATE TABLE \`$t\` LIKE \`$D\`.\`$t\`; INSERT INTO \`$t\` SELECT * FROM \`$D\`.\`$t\`"
done
sql ${D}_ref "$PLACEHOLD"
run hpos ${D}_ref sync --settle 0
assert_eq 0 "$rc" "reference reverse sync exits 0"
PCOLS="ID, post_author, BINARY post_date, BINARY post_date_gmt, BINARY post_content, BINARY post_title, BINARY post_excerpt, BINARY post_status, BINARY comment_status, BINARY ping_status, BINARY post_password, BINARY post_name, BINARY to_ping, BINARY pinged, BINARY post_modified, BINARY post_modified_gmt, BINARY post_content_filtered, post_parent, BINARY guid, menu_order, BINARY post_type, BINARY post_mime_type, comment_count"
# _wp_desired_post_slug is WordPress's record of the slug a post had when
# it was trashed (wp_insert_post): an order trashed by a live run gets it,
# while the reference's placeholders already carry the __trashed slug and
# get none.  Compared apart: each such row is the slug of a trashed post.
MCOLS="post_id, BINARY meta_key, BINARY meta_value"
MWHERE="WHERE meta_key <> '_wp_desired_post_slug'"
n1=$(sql_root "SELECT COUNT(*) FROM ((SELECT $PCOLS FROM $D.wp_posts EXCEPT ALL SELECT $PCOLS FROM ${D}_ref.wp_posts) UNION ALL (SELECT $PCOLS FROM ${D}_ref.wp_posts EXCEPT ALL SELECT $PCOLS FROM $D.wp_posts)) d")
n2=$(sql_root "SELECT COUNT(*) FROM ((SELECT $MCOLS FROM $D.wp_postmeta $MWHERE EXCEPT ALL SELECT $MCOLS FROM ${D}_ref.wp_postmeta $MWHERE) UNION ALL (SELECT $MCOLS FROM ${D}_ref.wp_postmeta $MWHERE EXCEPT ALL SELECT $MCOLS FROM $D.wp_postmeta $MWHERE)) d")
assert_eq 0 "$n1" "wp_posts after the live run equals a from-scratch reverse sync of the final HPOS state (every column)"
assert_eq 0 "$n2" "wp_postmeta after the live run equals a from-scratch reverse sync (post_id, key, value multiset; _wp_desired_post_slug apart)"
assert_eq "$(sql ${D}_ref "SELECT COUNT(*) FROM wp_postmeta $MWHERE")" "$(sql $D "SELECT COUNT(*) FROM wp_postmeta $MWHERE")" "as many postmeta rows: none duplicated"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id WHERE m.meta_key = '_wp_desired_post_slug' AND NOT (p.post_status = 'trash' AND BINARY p.post_name = BINARY CONCAT(m.meta_value, '__trashed'))")" \
	"every _wp_desired_post_slug row belongs to a trashed post and holds its slug"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM (SELECT post_id FROM wp_postmeta WHERE meta_key = '_wp_desired_post_slug' GROUP BY post_id HAVING COUNT(*) > 1) d")" \
	"no post has _wp_desired_post_slug twice"
echo "# summary: kills=0 retries=$retries live_sync_runs=$runs bad_inputs=0"
finish
