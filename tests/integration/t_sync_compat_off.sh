# The large-store guide's last phase: HPOS authoritative, compatibility mode
# off, `sync` run from cron as the fallback copy (what `wp wc hpos sync`
# does: it follows the authority, not the compatibility option).
#  A. fixture -> sync -> switch to HPOS (compat on) -> compat off -> changes
#     on the HPOS side -> sync: the posts side equals what the same sync
#     writes with compatibility mode on (a second database); the option
#     stays 'no'.  A2: the same on WooCommerce's recorded reverse fixture.
#  B. After `cleanup all` (hposctl's, then WooCommerce's recorded one), sync
#     leaves the cleaned orders as placeholders, counts and reports them,
#     and still backfills a new order; --restore-cleaned rebuilds them.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/cleanup_lib.sh"

opt_sync() { sql "$1" "SELECT option_value FROM wp_options WHERE option_name = 'woocommerce_custom_orders_table_data_sync_enabled'"; }
# Rows in one database's posts side and not the other's: wp_posts with every
# column, wp_postmeta as a multiset of (post_id, key, value) (meta_id aside).
pm3="post_id,BINARY IFNULL(meta_key,0x00),BINARY IFNULL(meta_value,0x00),meta_key IS NULL,meta_value IS NULL"
posts_side_diff() {
	n1=$(sql_root "SELECT COUNT(*) FROM ((SELECT $pcols FROM \`$1\`.wp_posts EXCEPT ALL SELECT $pcols FROM \`$2\`.wp_posts) UNION ALL (SELECT $pcols FROM \`$2\`.wp_posts EXCEPT ALL SELECT $pcols FROM \`$1\`.wp_posts)) d")
	n2=$(sql_root "SELECT COUNT(*) FROM ((SELECT $pm3 FROM \`$1\`.wp_postmeta EXCEPT ALL SELECT $pm3 FROM \`$2\`.wp_postmeta) UNION ALL (SELECT $pm3 FROM \`$2\`.wp_postmeta EXCEPT ALL SELECT $pm3 FROM \`$1\`.wp_postmeta)) d")
	echo $((n1 + n2))
}
# placeholder DB ID PARENT DATE_GMT: the empty draft WooCommerce's
# maybe_create_backup_post() makes for an order saved with compat mode off.
placeholder() {
	sql "$1" "INSERT INTO wp_posts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count)
	VALUES ($2, 1, '$4', '$4', '', '', '', 'draft', 'closed', 'closed', '', '', '', '', '$4', '$4', '', $3, 'http://localhost/?post_type=shop_order_placehold&p=$2', 0, 'shop_order_placehold', '', 0)"
}
# new_order DB ID: an order saved in HPOS only (its placeholder, its rows).
new_order() {
	placeholder "$1" "$2" 0 '2026-11-20 20:00:00'
	sql "$1" "INSERT INTO wp_wc_orders VALUES ($2, 'wc-processing', 'EUR', 'shop_order', 1.5, 21.5, 0, 'new$2@example.com', '2026-11-20 20:00:00', '2026-11-20 20:05:00', 0, 'bacs', 'Direct bank transfer', NULL, '198.51.100.7', NULL, 'Ring twice');
	INSERT INTO wp_wc_order_addresses (order_id, address_type, first_name, last_name, company, address_1, address_2, city, state, postcode, country, email, phone)
	VALUES ($2, 'billing', 'Ana', 'Silva', NULL, 'Rua 1', NULL, 'Porto', NULL, '4000-001', 'PT', 'new$2@example.com', '+351 1');
	INSERT INTO wp_wc_order_operational_data (order_id, created_via, woocommerce_version, prices_include_tax, coupon_usages_are_counted, download_permission_granted, cart_hash, new_order_email_sent, order_key, order_stock_reduced, date_paid_gmt, date_completed_gmt, shipping_tax_amount, shipping_total_amount, discount_tax_amount, discount_total_amount, recorded_sales)
	VALUES ($2, 'checkout', '9.9.5', 0, 1, 0, 'abc123', 1, 'wc_order_NEW$2', 1, '2026-11-20 20:05:00', NULL, 0, 5, 0, 0, 1);
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES
	  ($2, '_billing_address_index', 'Ana Silva  Rua 1  Porto  4000-001 PT new$2@example.com +351 1'),
	  ($2, '_shipping_address_index', '         '), ($2, 'gift_message', 'Olá')"
}
# The HPOS-side changes of part A, identical in both databases.
changes() {
	new_order "$1" 9001
	# a refund of order 38 created in HPOS (placeholder with its parent)
	placeholder "$1" 9002 38 '2026-11-22 10:00:00'
	sql "$1" "INSERT INTO wp_wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id, billing_email, date_created_gmt, date_updated_gmt, parent_order_id, customer_note)
	VALUES (9002, 'wc-completed', 'USD', 'shop_order_refund', 0, -5, NULL, NULL, '2026-11-22 10:00:00', '2026-11-22 10:00:01', 38, NULL);
	INSERT INTO wp_wc_order_operational_data (order_id, woocommerce_version, prices_include_tax, shipping_tax_amount, shipping_total_amount, discount_tax_amount, discount_total_amount)
	VALUES (9002, '9.9.5', 0, 0, 0, 0, 0);
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (9002, '_refund_amount', '5.00'), (9002, '_refunded_by', '1'), (9002, '_refunded_payment', ''), (9002, '_refund_reason', 'Damaged')"
	# updates: status and total; an address and meta; a meta deletion
	sql "$1" "UPDATE wp_wc_orders SET status = 'wc-completed', total_amount = 99.5, date_updated_gmt = '2026-11-22 10:00:00' WHERE id = 33;
	UPDATE wp_wc_order_operational_data SET date_completed_gmt = '2026-11-22 10:00:00' WHERE order_id = 33;
	UPDATE wp_wc_order_addresses SET first_name = 'Lee' WHERE order_id = 34 AND address_type = 'billing';
	UPDATE wp_wc_orders_meta SET meta_value = CONCAT('Lee', SUBSTRING(meta_value, LOCATE(' ', meta_value)))
	 WHERE order_id = 34 AND meta_key = '_billing_address_index';
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (34, 'gift_message', 'Added in HPOS');
	UPDATE wp_wc_orders SET date_updated_gmt = '2026-11-22 10:01:00' WHERE id = 34;
	DELETE FROM wp_wc_orders_meta WHERE order_id = 35 AND meta_key = 'utm_source';
	UPDATE wp_wc_orders SET date_updated_gmt = '2026-11-22 10:02:00' WHERE id = 35"
	# a deletion: HPOS rows gone, the marker left for the posts side
	sql "$1" "DELETE FROM wp_wc_orders WHERE id = 37; DELETE FROM wp_wc_order_addresses WHERE order_id = 37;
	DELETE FROM wp_wc_order_operational_data WHERE order_id = 37; DELETE FROM wp_wc_orders_meta WHERE order_id = 37;
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (37, '_deleted_from', 'orders_table')"
}

# ---- A. compatibility mode off vs on: the same posts side.
for db in co_off co_on; do
	load_fixture $db
	hpos $db sync --quiet
	run hpos $db switch-authority --to hpos --with-compat-mode --yes
	assert_eq 0 "$rc" "A ($db): switch to HPOS with compatibility mode on"
	run hpos $db compat-mode disable
	assert_eq "no" "$(opt_sync $db)" "A ($db): compatibility mode off"
	changes $db
done
run hpos co_on compat-mode enable
assert_eq "yes" "$(opt_sync co_on)" "A: the reference database has compatibility mode on again"
run hpos co_off count_unmigrated --porcelain
assert_eq 6 "$out" "A: count_unmigrated with compatibility mode off: 2 placeholders + 3 outdated + 1 marker"
before=$(legacy_fp co_off)
run hpos co_off sync --settle 0 --dry-run
assert_eq 0 "$rc" "A: --dry-run with compatibility mode off exits 0"
assert_eq "$before" "$(legacy_fp co_off)" "A: --dry-run writes nothing"
run hpos co_off sync --settle 0
assert_eq 0 "$rc" "A: sync with HPOS authoritative and compatibility mode off exits 0"
assert_contains "$out" "There are 6 orders to be synced." "A: compat off: 6 orders pending"
assert_contains "$out" "1 orders deleted from HPOS were removed from posts." "A: compat off: the deletion marker was processed"
assert_eq "no" "$(opt_sync co_off)" "A: sync left the compatibility option at 'no'"
run hpos co_on sync --settle 0
assert_eq 0 "$rc" "A: the same sync with compatibility mode on exits 0"
assert_contains "$out" "There are 6 orders to be synced." "A: compat on: the same 6 orders pending"
assert_eq "shop_order wc-completed shop_order_refund 0" \
	"$(sql co_off "SELECT CONCAT_WS(' ', (SELECT post_type FROM wp_posts WHERE ID = 9001), (SELECT post_status FROM wp_posts WHERE ID = 33), (SELECT post_type FROM wp_posts WHERE ID = 9002), (SELECT COUNT(*) FROM wp_posts WHERE ID = 37))")" \
	"A: compat off: new order and refund are real posts, the update and the deletion reached posts"
assert_eq 0 "$(posts_side_diff co_off co_on)" "A: wp_posts (every column) and wp_postmeta (multiset) equal the compat-on sync's"
run hpos co_off count_unmigrated --porcelain
assert_eq 0 "$out" "A: nothing pending afterwards"

# ---- A2. The same on the store WooCommerce itself changed with
# compatibility mode off (the recorded reverse fixture: 11 placeholders, 2
# orders written into HPOS only, 29 updates, 2 deletions).  One difference
# is WooCommerce's own: maybe_create_backup_post() creates a missing post
# as a placeholder while data sync is off, so orders 8801/8802, which had no
# post at all, get the placeholder type in their guid and the placeholder's
# comment_status (closed; shop_order takes default_comment_status); and
# 8802, whose date_updated_gmt is NULL, differs in the volatile
# post_modified.
for db in rv_off rv_on; do
	new_db $db
	zcat "$FIXTURES/wc-9.9.5-reverse/before.sql.gz" | $M $db
done
hpos rv_on compat-mode enable >/dev/null
run hpos rv_off sync --settle 0
assert_eq 0 "$rc" "A2: reverse fixture, compatibility mode off: sync exits 0"
assert_contains "$out" "There are 44 orders to be synced." "A2: WooCommerce's 44 pending orders"
run hpos rv_on sync --settle 0
assert_eq 0 "$rc" "A2: reverse fixture, compatibility mode on: sync exits 0"
assert_eq "no" "$(opt_sync rv_off)" "A2: compatibility option still 'no'"
pc2=$(echo "$pcols" | sed -e 's/,BINARY guid//' -e 's/,BINARY comment_status//' -e 's/,BINARY post_modified,BINARY post_modified_gmt//')
assert_eq 0 "$(sql_root "SELECT COUNT(*) FROM ((SELECT $pcols FROM rv_off.wp_posts WHERE ID NOT IN (8801,8802) EXCEPT ALL SELECT $pcols FROM rv_on.wp_posts WHERE ID NOT IN (8801,8802)) UNION ALL (SELECT $pcols FROM rv_on.wp_posts WHERE ID NOT IN (8801,8802) EXCEPT ALL SELECT $pcols FROM rv_off.wp_posts WHERE ID NOT IN (8801,8802))) d")" \
	"A2: wp_posts equal, every column, apart from 8801/8802"
assert_eq 0 "$(sql_root "SELECT COUNT(*) FROM ((SELECT $pc2 FROM rv_off.wp_posts WHERE ID IN (8801,8802) EXCEPT ALL SELECT $pc2 FROM rv_on.wp_posts WHERE ID IN (8801,8802)) UNION ALL (SELECT $pc2 FROM rv_on.wp_posts WHERE ID IN (8801,8802) EXCEPT ALL SELECT $pc2 FROM rv_off.wp_posts WHERE ID IN (8801,8802))) d")" \
	"A2: 8801/8802 equal apart from guid, comment_status and post_modified"
assert_eq "http://localhost/?post_type=shop_order_placehold&#038;p=8801	closed" "$(sql rv_off "SELECT guid, comment_status FROM wp_posts WHERE ID = 8801")" \
	"A2: compat off: the created post has the placeholder's guid and comment_status, as WooCommerce writes it"
assert_eq 0 "$(sql_root "SELECT COUNT(*) FROM ((SELECT $pm3 FROM rv_off.wp_postmeta EXCEPT ALL SELECT $pm3 FROM rv_on.wp_postmeta) UNION ALL (SELECT $pm3 FROM rv_on.wp_postmeta EXCEPT ALL SELECT $pm3 FROM rv_off.wp_postmeta)) d")" \
	"A2: wp_postmeta equal as a multiset"

# ---- B. after a cleanup: cleaned orders stay placeholders unless asked.
run hpos co_off cleanup all --yes --backup-file "$WORK/b.sql"
assert_eq 0 "$rc" "B: hposctl cleanup all exits 0"
cleaned=$(sql co_off "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")
[ "$cleaned" -gt 200 ] && ok "B: $cleaned orders cleaned" || fail "B: only $cleaned placeholders after cleanup"
# After the cleanup: a new order (its empty placeholder) and an update of a
# cleaned order, both made with compatibility mode off.
new_order co_off 9003
sql co_off "UPDATE wp_wc_orders SET status = 'wc-on-hold', date_updated_gmt = '2026-11-30 08:00:00' WHERE id = 40"
snap=$(sql co_off "SELECT COUNT(*), SUM(CRC32(CONCAT_WS(0x1f,$pcols))) FROM wp_posts WHERE ID <> 9003; SELECT COUNT(*), SUM(CRC32(CONCAT_WS(0x1f,$mcols))) FROM wp_postmeta")
run hpos co_off count_unmigrated
assert_contains "$out" "There is 1 order to be synced." "B: count_unmigrated counts what sync would do: the new order"
assert_contains "$out" "Not counted: $cleaned orders whose posts were emptied by a cleanup" "B: count_unmigrated names the cleaned orders it leaves out"
run hpos co_off count_unmigrated --porcelain --restore-cleaned
assert_eq $((cleaned + 1)) "$out" "B: count_unmigrated --restore-cleaned counts them too"
run hpos co_off status
assert_contains "$out" "Pending sync: 1 missing, 0 outdated, 0 deletion markers" "B: status: what sync would do"
assert_contains "$out" "Cleaned orders: $cleaned (placeholders a cleanup emptied; sync leaves them out" "B: status counts the cleaned orders"
assert_contains "$out" "Unsynced orders: $((cleaned + 1))" "B: status keeps WooCommerce's own count on its line"
run hpos co_off status --format json
assert_contains "$out" "\"cleaned\":$cleaned,\"cleaned_left_by_sync\":true,\"sync_would_process\":1" "B: status --format json has the same counts"
run hpos co_off sync --settle 0 --metrics-file "$WORK/m.prom"
assert_eq 0 "$rc" "B: sync after the cleanup exits 0"
assert_contains "$out" "There is 1 order to be synced." "B: sync takes up only the new order"
assert_contains "$out" "$cleaned orders whose posts were emptied by a cleanup are left as placeholders" "B: sync reports the cleaned orders it leaves out"
assert_contains "$out" "Success: 1 order was synced" "B: one order written"
assert_contains "$(cat "$WORK/m.prom")" "hposctl_orders_cleaned_left{command=\"sync\"} $cleaned" "B: metrics file carries the count"
assert_eq "shop_order" "$(sql co_off "SELECT post_type FROM wp_posts WHERE ID = 9003")" "B: the new order got its post"
assert_eq "$snap" "$(sql co_off "SELECT COUNT(*), SUM(CRC32(CONCAT_WS(0x1f,$pcols))) FROM wp_posts WHERE ID <> 9003; SELECT COUNT(*), SUM(CRC32(CONCAT_WS(0x1f,$mcols))) FROM wp_postmeta WHERE post_id <> 9003")" \
	"B: every cleaned post (also the updated order 40) and all other postmeta untouched"
assert_eq "no" "$(opt_sync co_off)" "B: compatibility option still 'no'"

# WooCommerce's own cleanup (recorded): its placeholders are recognised too.
new_db wc_cl
zcat "$FIXTURES/wc-9.9.5-cleanup/after-woocommerce.sql.gz" | $M wc_cl
wfp=$(legacy_fp wc_cl)
run hpos wc_cl sync --settle 0
assert_eq 0 "$rc" "B: sync after WooCommerce's cleanup exits 0"
assert_contains "$out" "There are 0 orders to be synced." "B: nothing to sync after WooCommerce's cleanup"
assert_contains "$out" "232 orders whose posts were emptied by a cleanup are left as placeholders" "B: WooCommerce's 232 cleaned orders counted"
assert_eq "$wfp" "$(legacy_fp wc_cl)" "B: WooCommerce's cleanup is not undone"

# The way back to posts stays closed while cleaned orders have no data there.
run hpos co_off switch-authority --to posts --yes
assert_eq 1 "$rc" "B: switch back to posts refused while cleaned orders are placeholders"
assert_contains "$err" "$cleaned of them were emptied by a cleanup: \`hposctl sync --restore-cleaned\` rebuilds them." "B: the refusal names the cleaned orders and the option"

# --restore-cleaned: the explicit way back.
run hpos co_off sync --settle 0 --restore-cleaned
assert_eq 0 "$rc" "B: sync --restore-cleaned exits 0"
assert_contains "$out" "There are $cleaned orders to be synced." "B: --restore-cleaned takes up every cleaned order"
assert_contains "$out" "Success: $cleaned orders were synced" "B: --restore-cleaned rebuilt them"
assert_eq 0 "$(sql co_off "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "B: no placeholder left"
assert_eq "wc-on-hold" "$(sql co_off "SELECT post_status FROM wp_posts WHERE ID = 40")" "B: the order updated after the cleanup is rebuilt as HPOS has it"
assert_eq 0 "$(sql co_off "SELECT COUNT(*) FROM wp_wc_orders o WHERE NOT EXISTS (SELECT 1 FROM wp_postmeta m WHERE m.post_id = o.id)")" "B: every order has postmeta again"
run hpos co_off count_unmigrated --porcelain --restore-cleaned
assert_eq 0 "$out" "B: nothing pending after the restore"
run hpos co_off verify_cot_data
assert_eq 0 "$rc" "B: verify_cot_data after the restore exits 0: $(echo "$out" | tail -1)"
assert_eq "no" "$(opt_sync co_off)" "B: compatibility option still 'no' after the restore"
finish
