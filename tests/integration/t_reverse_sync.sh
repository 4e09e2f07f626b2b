# Reverse sync (HPOS -> posts) and the round trip of the large-store guide:
# sync, switch to HPOS, change orders on the HPOS side as WooCommerce does
# with compatibility mode off, sync back, switch back to posts.
#
# Rules of WooCommerce's backfill (OrdersTableDataStore::backfill_post_record
# with WC_Order_Data_Store_CPT, 10.x) that these checks rely on:
#  R1 the post row gets post_type, post_status (the HPOS column, already
#     prefixed), post_date = date_created_gmt in the site's timezone,
#     post_date_gmt, post_parent, post_excerpt = customer_note ('' for
#     refunds), post_modified_gmt = date_updated_gmt exactly;
#  R2 property meta is written only when the property changed or its key is
#     missing; '' deletes (update_or_delete_post_meta); decimals are written
#     as the setters format them, trailing zeros trimmed ('10', '1.5'),
#     except _order_total, which is rounded to the price decimals ('21.50');
#  R3 the five data-store flags are always written, yes/no, and
#     _new_order_email_sent true/false; refunds get none of them;
#  R4 _billing/_shipping_address_index: the address joined by spaces when
#     the address changed or the key is missing; otherwise the HPOS meta;
#  R5 _paid_date / _completed_date: site-local, when the date was written;
#  R6 every custom meta key of the HPOS order replaces the post's (all
#     values, in order); post keys the order no longer has are deleted,
#     except the posts store's internal keys;
#  R7 refunds: _refund_amount/_refunded_by/_refunded_payment/_refund_reason
#     with plain update_post_meta ('' stored as '');
#  R8 a deletion marker `orders_table` deletes the post and its meta.
# One deliberate difference: meta values are copied byte for byte, so the
# backslashes of `path` survive (WordPress's add_post_meta() unslashes them).
. "$TOP/tests/integration/lib.sh"

opt() { sql "$1" "SELECT option_value FROM wp_options WHERE option_name = '$2'"; }
# Checksum of the order posts and all postmeta: "the posts side is untouched".
posts_sum() {
	sql "$1" "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS(0x1f, ID, post_type, post_status, post_date, post_date_gmt, post_modified, post_modified_gmt, post_parent, post_excerpt))), 0) FROM wp_posts"
	sql "$1" "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS(0x1f, post_id, meta_key, meta_value))), 0) FROM wp_postmeta"
}
# (key, value) rows of one post, sorted, one per line.
pm_of() { sql "$1" "SELECT CONCAT(meta_key, '=', meta_value) FROM wp_postmeta WHERE post_id = $2 ORDER BY BINARY meta_key, BINARY meta_value"; }
decimal_keys="'_cart_discount','_cart_discount_tax','_order_shipping','_order_shipping_tax','_order_tax'"

# ---- A. Strong round trip: cleanup-style placeholders rebuilt from HPOS.
load_fixture fx_rt
run hpos fx_rt sync
assert_eq 0 "$rc" "A: forward sync exits 0"
sql fx_rt "CREATE TABLE snap_pm AS SELECT pm.post_id, pm.meta_key, pm.meta_value FROM wp_postmeta pm JOIN wp_posts p ON p.ID = pm.post_id WHERE p.post_type IN ('shop_order','shop_order_refund');
	CREATE TABLE snap_p AS SELECT * FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund')"
run hpos fx_rt switch-authority --to hpos --yes
assert_eq 0 "$rc" "A: switch to HPOS after a clean sync"
# What `wp wc hpos cleanup` does: all postmeta deleted, posts made placeholders.
sql fx_rt "DELETE pm FROM wp_postmeta pm JOIN wp_posts p ON p.ID = pm.post_id WHERE p.post_type IN ('shop_order','shop_order_refund');
	UPDATE wp_posts SET post_type = 'shop_order_placehold', post_status = 'draft' WHERE post_type IN ('shop_order','shop_order_refund');
	DELETE FROM wp_posts WHERE ID = 60"
before=$(posts_sum fx_rt)
run hpos fx_rt sync --dry-run
assert_eq 0 "$rc" "A: sync --dry-run with HPOS authoritative and compatibility mode off exits 0"
assert_contains "$out" "There is 1 order to be synced." "A: compatibility mode off: only the order without a post counts"
assert_contains "$out" "220 orders whose posts were emptied by a cleanup are left as placeholders" "A: the cleaned orders are left out"
assert_eq "$before" "$(posts_sum fx_rt)" "A: --dry-run: posts side untouched"
run hpos fx_rt compat-mode enable
run hpos fx_rt sync --dry-run
assert_eq 0 "$rc" "A: reverse --dry-run exits 0"
assert_eq "$before" "$(posts_sum fx_rt)" "A: reverse --dry-run writes nothing"
run hpos fx_rt sync
assert_eq 0 "$rc" "A: reverse sync exits 0"
assert_contains "$out" "There are 221 orders to be synced." "A: every placeholder order is pending"
assert_contains "$out" "Success: 221 orders were synced" "A: 221 orders backfilled"
assert_eq 0 "$(sql fx_rt "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "A: no placeholder left"
assert_eq "shop_order" "$(sql fx_rt "SELECT post_type FROM wp_posts WHERE ID = 60")" "A: a missing post is recreated with the order's ID"
assert_eq 0 "$(sql fx_rt "SELECT COUNT(*) FROM snap_p s JOIN wp_posts p ON p.ID = s.ID WHERE BINARY s.post_type <> BINARY p.post_type OR BINARY s.post_status <> BINARY p.post_status OR s.post_date <> p.post_date OR s.post_date_gmt <> p.post_date_gmt OR s.post_modified <> p.post_modified OR s.post_modified_gmt <> p.post_modified_gmt OR s.post_parent <> p.post_parent OR BINARY s.post_excerpt <> BINARY p.post_excerpt")" \
	"A: R1 post rows equal the originals (type, status, dates, parent, excerpt)"
assert_eq "$(sql fx_rt "SELECT COUNT(*) FROM snap_pm")" "$(sql fx_rt "SELECT COUNT(*) FROM wp_postmeta pm JOIN wp_posts p ON p.ID = pm.post_id WHERE p.post_type IN ('shop_order','shop_order_refund')")" \
	"A: as many postmeta rows as before"
assert_eq 0 "$(sql fx_rt "SELECT COUNT(*) FROM (SELECT post_id, BINARY meta_key, BINARY meta_value FROM snap_pm WHERE meta_key NOT IN ($decimal_keys) EXCEPT ALL SELECT post_id, BINARY meta_key, BINARY meta_value FROM wp_postmeta) d")" \
	"A: R2-R7 every other postmeta row is restored byte for byte"
assert_eq 0 "$(sql fx_rt "SELECT COUNT(*) FROM snap_pm s LEFT JOIN wp_postmeta m ON m.post_id = s.post_id AND BINARY m.meta_key = BINARY s.meta_key WHERE s.meta_key IN ($decimal_keys) AND (m.meta_id IS NULL OR CAST(m.meta_value AS DECIMAL(26,8)) <> CAST(s.meta_value AS DECIMAL(26,8)))")" \
	"A: R2 the five decimal keys are equal as numbers"
assert_eq "10" "$(sql fx_rt "SELECT meta_value FROM wp_postmeta WHERE post_id = 32 AND meta_key = '_order_shipping'")" \
	"A: R2 decimals come back in WooCommerce's format (trailing zeros trimmed)"
run hpos fx_rt sync
assert_contains "$out" "There are 0 orders to be synced." "A: second reverse sync finds nothing"
hsum=$(hpos_checksum fx_rt)
run hpos fx_rt switch-authority --to posts --yes
assert_eq 0 "$rc" "A: switch back to posts succeeds"
run hpos fx_rt sync
assert_contains "$out" "There are 0 orders to be synced." "A: forward sync agrees: nothing pending"
assert_eq "$hsum" "$(hpos_checksum fx_rt)" "A: forward sync leaves HPOS unchanged"
run hpos fx_rt verify_cot_data
assert_eq 0 "$rc" "A: verify_cot_data after the round trip exits 0: $(echo "$out" | tail -1)"

# ---- B. Orders changed on the HPOS side, WooCommerce-style, sync off.
load_fixture fx_rt2
run hpos fx_rt2 sync
run hpos fx_rt2 switch-authority --to hpos --yes
assert_eq 0 "$rc" "B: switch to HPOS"
sql fx_rt2 "UPDATE wp_options SET option_value = 'Asia/Kolkata' WHERE option_name = 'timezone_string'"
items37=$(sql fx_rt2 "SELECT COUNT(*) FROM wp_woocommerce_order_items WHERE order_id = 37")
# b1. A new order: its placeholder post reserves the ID (maybe_create_backup_post).
new=$(sql fx_rt2 "INSERT INTO wp_posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count)
	VALUES (0, '2026-11-21 01:30:00', '2026-11-20 20:00:00', '', '', '', 'draft', 'closed', 'closed', '', '', '', '', '2026-11-21 01:30:00', '2026-11-20 20:00:00', '', 0, 'http://localhost/?post_type=shop_order_placehold&#038;p=0', 0, 'shop_order_placehold', '', 0);
	SELECT LAST_INSERT_ID()")
sql fx_rt2 "INSERT INTO wp_wc_orders VALUES ($new, 'wc-processing', 'EUR', 'shop_order', 1.5, 21.5, 0, 'new@example.com', '2026-11-20 20:00:00', '2026-11-20 20:05:00', 0, 'bacs', 'Direct bank transfer', NULL, '198.51.100.7', NULL, 'Ring twice');
	INSERT INTO wp_wc_order_addresses (order_id, address_type, first_name, last_name, company, address_1, address_2, city, state, postcode, country, email, phone)
	VALUES ($new, 'billing', 'Ana', 'Silva', NULL, 'Rua 1', NULL, 'Porto', NULL, '4000-001', 'PT', 'new@example.com', '+351 1'),
	       ($new, 'shipping', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	INSERT INTO wp_wc_order_operational_data (order_id, created_via, woocommerce_version, prices_include_tax, coupon_usages_are_counted, download_permission_granted, cart_hash, new_order_email_sent, order_key, order_stock_reduced, date_paid_gmt, date_completed_gmt, shipping_tax_amount, shipping_total_amount, discount_tax_amount, discount_total_amount, recorded_sales)
	VALUES ($new, 'checkout', '9.9.5', 0, 1, 0, 'abc123', 1, 'wc_order_NEWxyz7890123', 1, '2026-11-20 20:05:00', NULL, 0, 5, 0, 0, 1);
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES
	  ($new, '_billing_address_index', 'Ana Silva  Rua 1  Porto  4000-001 PT new@example.com +351 1'),
	  ($new, '_shipping_address_index', '         '),
	  ($new, 'gift_message', 'Olá'), ($new, 'multi', 'b'), ($new, 'multi', 'a'),
	  ($new, 'path', 'C:\\\\orders\\\\new'), ($new, 'ser', 'a:1:{i:0;s:1:\"x\";}')"
# b2. Order 33: completed, new total, completion date.
sql fx_rt2 "UPDATE wp_wc_orders SET status = 'wc-completed', total_amount = 99.5, date_updated_gmt = '2026-11-22 10:00:00' WHERE id = 33;
	UPDATE wp_wc_order_operational_data SET date_completed_gmt = '2026-11-22 10:00:00' WHERE order_id = 33"
# b3. Order 34: billing first name changed and meta added; order 35: meta deleted.
# (WooCommerce's HPOS save rewrites the address index meta with the address.)
sql fx_rt2 "UPDATE wp_wc_order_addresses SET first_name = 'Lee' WHERE order_id = 34 AND address_type = 'billing';
	UPDATE wp_wc_orders_meta SET meta_value = CONCAT('Lee', SUBSTRING(meta_value, LOCATE(' ', meta_value)))
	 WHERE order_id = 34 AND meta_key = '_billing_address_index';
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (34, 'gift_message', 'Added in HPOS');
	UPDATE wp_wc_orders SET date_updated_gmt = '2026-11-22 10:01:00' WHERE id = 34;
	DELETE FROM wp_wc_orders_meta WHERE order_id = 35 AND meta_key = 'utm_source';
	UPDATE wp_wc_orders SET date_updated_gmt = '2026-11-22 10:02:00' WHERE id = 35"
# b4. Order 36 trashed (OrdersTableDataStore::trash_order).
sql fx_rt2 "UPDATE wp_wc_orders SET status = 'trash', date_updated_gmt = '2026-11-22 10:03:00' WHERE id = 36;
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (36, '_wp_trash_meta_status', 'wc-completed'), (36, '_wp_trash_meta_time', '1795341780')"
# b5. Order 37 deleted: its HPOS rows and items go, a deletion marker stays.
sql fx_rt2 "DELETE FROM wp_wc_orders WHERE id = 37; DELETE FROM wp_wc_order_addresses WHERE order_id = 37;
	DELETE FROM wp_wc_order_operational_data WHERE order_id = 37; DELETE FROM wp_wc_orders_meta WHERE order_id = 37;
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (37, '_deleted_from', 'orders_table')"
# b6. A refund of order 38 created in HPOS (no address rows, as HPOS creates them).
ref=$(sql fx_rt2 "INSERT INTO wp_posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count)
	VALUES (0, '2026-11-22 15:30:00', '2026-11-22 10:00:00', '', '', '', 'draft', 'closed', 'closed', '', '', '', '', '2026-11-22 15:30:00', '2026-11-22 10:00:00', '', 38, '', 0, 'shop_order_placehold', '', 0);
	SELECT LAST_INSERT_ID()")
sql fx_rt2 "INSERT INTO wp_wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id, billing_email, date_created_gmt, date_updated_gmt, parent_order_id, customer_note)
	VALUES ($ref, 'wc-completed', 'USD', 'shop_order_refund', 0, -5, NULL, NULL, '2026-11-22 10:00:00', '2026-11-22 10:00:00', 38, NULL);
	INSERT INTO wp_wc_order_operational_data (order_id, woocommerce_version, prices_include_tax, shipping_tax_amount, shipping_total_amount, discount_tax_amount, discount_total_amount)
	VALUES ($ref, '9.9.5', 0, 0, 0, 0, 0);
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($ref, '_refund_amount', '5.00'), ($ref, '_refunded_by', '1'), ($ref, '_refunded_payment', ''), ($ref, '_refund_reason', 'Damaged')"

# Compatibility mode off: sync --dry-run writes nothing; backfill does what it is asked.
before=$(posts_sum fx_rt2)
run hpos fx_rt2 sync --dry-run
assert_eq 0 "$rc" "B: sync --dry-run with compatibility mode off exits 0"
assert_eq "$before" "$(posts_sum fx_rt2)" "B: compatibility mode off: posts side untouched by sync --dry-run"
st34=$(sql fx_rt2 "SELECT post_status, post_modified_gmt FROM wp_posts WHERE ID = 34")
run hpos fx_rt2 backfill 33 --from hpos --to posts
assert_eq 0 "$rc" "B: backfill 33 hpos->posts exits 0"
assert_contains "$out" "Success: Order 33 backfilled from hpos to posts." "B: backfill message"
assert_eq "wc-completed	2026-11-22 10:00:00" "$(sql fx_rt2 "SELECT post_status, post_modified_gmt FROM wp_posts WHERE ID = 33")" "B: backfill wrote order 33"
assert_eq "$st34" "$(sql fx_rt2 "SELECT post_status, post_modified_gmt FROM wp_posts WHERE ID = 34")" "B: backfill left order 34 alone"

run hpos fx_rt2 compat-mode enable
run hpos fx_rt2 sync
assert_eq 0 "$rc" "B: reverse sync exits 0"
assert_contains "$out" "There are 6 orders to be synced." "B: 2 missing + 3 outdated + 1 marker pending"
assert_contains "$out" "1 orders deleted from HPOS were removed from posts." "B: the deletion marker was processed"

# b1: the new order's post and meta.
assert_eq "shop_order	wc-processing	2026-11-21 01:30:00	2026-11-20 20:00:00	2026-11-21 01:35:00	2026-11-20 20:05:00	0	Ring twice" \
	"$(sql fx_rt2 "SELECT post_type, post_status, post_date, post_date_gmt, post_modified, post_modified_gmt, post_parent, post_excerpt FROM wp_posts WHERE ID = $new")" \
	"B: R1 new order: real post, Asia/Kolkata local dates, modified = date_updated_gmt"
paid=$(date -u -d '2026-11-20 20:05:00' +%s)
expected_new=$(printf '%s\n' "_billing_address_1=Rua 1" "_billing_address_index=Ana Silva  Rua 1  Porto  4000-001 PT new@example.com +351 1" \
	"_billing_city=Porto" "_billing_country=PT" "_billing_email=new@example.com" "_billing_first_name=Ana" "_billing_last_name=Silva" \
	"_billing_phone=+351 1" "_billing_postcode=4000-001" "_cart_discount=0" "_cart_discount_tax=0" "_cart_hash=abc123" \
	"_created_via=checkout" "_customer_ip_address=198.51.100.7" "_customer_user=0" "_date_paid=$paid" "_download_permissions_granted=no" \
	"_new_order_email_sent=true" "_order_currency=EUR" "_order_key=wc_order_NEWxyz7890123" "_order_shipping=5" \
	"_order_shipping_tax=0" "_order_stock_reduced=yes" "_order_tax=1.5" "_order_total=21.50" "_order_version=9.9.5" \
	"_paid_date=2026-11-21 01:35:00" "_payment_method=bacs" "_payment_method_title=Direct bank transfer" "_prices_include_tax=no" \
	"_recorded_coupon_usage_counts=yes" "_recorded_sales=yes" "_shipping_address_index=         " "gift_message=Olá" "multi=a" "multi=b" \
	'path=C:\\orders\\new' 'ser=a:1:{i:0;s:1:"x";}')
assert_eq "$expected_new" "$(pm_of fx_rt2 $new)" "B: R2-R6 new order: exactly the postmeta WooCommerce's backfill writes"
assert_eq "b a" "$(sql fx_rt2 "SELECT GROUP_CONCAT(meta_value ORDER BY meta_id SEPARATOR ' ') FROM wp_postmeta WHERE post_id = $new AND meta_key = 'multi'")" \
	"B: R6 multi-valued meta keeps the HPOS order"
# b2: order 33.
assert_eq "wc-completed	2026-01-10 16:38:08	2026-01-10 11:08:08	2026-11-22 10:00:00" \
	"$(sql fx_rt2 "SELECT post_status, post_date, post_date_gmt, post_modified_gmt FROM wp_posts WHERE ID = 33")" \
	"B: R1 order 33: status, local creation date, modified date"
assert_eq "99.50" "$(sql fx_rt2 "SELECT meta_value FROM wp_postmeta WHERE post_id = 33 AND meta_key = '_order_total'")" "B: R2 new total, rounded to the price decimals"
assert_eq "$(date -u -d '2026-11-22 10:00:00' +%s)	2026-11-22 15:30:00" \
	"$(sql fx_rt2 "SELECT (SELECT meta_value FROM wp_postmeta WHERE post_id = 33 AND meta_key = '_date_completed'), (SELECT meta_value FROM wp_postmeta WHERE post_id = 33 AND meta_key = '_completed_date')")" \
	"B: R2/R5 completion date as epoch and as site-local legacy key"
assert_eq "1" "$(sql fx_rt2 "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = 33 AND meta_key = '_order_key'")" "B: unchanged properties are not duplicated"
# b3: orders 34 and 35.
assert_eq "Lee" "$(sql fx_rt2 "SELECT meta_value FROM wp_postmeta WHERE post_id = 34 AND meta_key = '_billing_first_name'")" "B: billing change written"
assert_contains "$(sql fx_rt2 "SELECT meta_value FROM wp_postmeta WHERE post_id = 34 AND meta_key = '_billing_address_index'")" "Lee " "B: R4 billing index recomputed"
assert_eq "Added in HPOS" "$(sql fx_rt2 "SELECT meta_value FROM wp_postmeta WHERE post_id = 34 AND meta_key = 'gift_message'")" "B: R6 added meta written"
assert_eq 0 "$(sql fx_rt2 "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = 35 AND meta_key = 'utm_source'")" "B: R6 deleted meta removed from posts"
assert_eq 1 "$(sql fx_rt2 "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = 35 AND meta_key = 'gift_message'")" "B: R6 other meta of order 35 kept"
# b4: order 36 trashed.
assert_eq "trash	2026-11-22 10:03:00" "$(sql fx_rt2 "SELECT post_status, post_modified_gmt FROM wp_posts WHERE ID = 36")" "B: trashed order's post"
assert_eq "wc-completed" "$(sql fx_rt2 "SELECT meta_value FROM wp_postmeta WHERE post_id = 36 AND meta_key = '_wp_trash_meta_status'")" "B: trash meta written"
# b5: order 37 deleted.
assert_eq "0 0 0" "$(sql fx_rt2 "SELECT CONCAT_WS(' ', (SELECT COUNT(*) FROM wp_posts WHERE ID = 37), (SELECT COUNT(*) FROM wp_postmeta WHERE post_id = 37), (SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = 37))")" \
	"B: R8 deleted order: post, postmeta and marker gone"
[ "$items37" -gt 0 ] && assert_eq 0 "$(sql fx_rt2 "SELECT COUNT(*) FROM wp_woocommerce_order_items WHERE order_id = 37")" "B: R8 its order items gone"
# b6: the refund.
assert_eq "shop_order_refund	wc-completed	38		2026-11-22 10:00:00" \
	"$(sql fx_rt2 "SELECT post_type, post_status, post_parent, post_excerpt, post_modified_gmt FROM wp_posts WHERE ID = $ref")" "B: R1 refund post"
expected_ref=$(printf '%s\n' "_cart_discount=0" "_cart_discount_tax=0" "_order_currency=USD" "_order_shipping=0" \
	"_order_shipping_tax=0" "_order_tax=0" "_order_total=-5.00" "_order_version=9.9.5" "_prices_include_tax=no" \
	"_refund_amount=5.00" "_refund_reason=Damaged" "_refunded_by=1" "_refunded_payment=")
assert_eq "$expected_ref" "$(pm_of fx_rt2 $ref)" "B: R3/R7 refund: exactly its properties, no flags, no address index"
# Unchanged orders were not touched.
assert_eq "$(sql fx_rt "SELECT COUNT(*) FROM snap_pm WHERE post_id = 40")" "$(sql fx_rt2 "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = 40")" "B: unchanged order 40 keeps its postmeta"

run hpos fx_rt2 sync
assert_contains "$out" "There are 0 orders to be synced." "B: second reverse sync finds nothing"
hsum=$(hpos_checksum fx_rt2)
run hpos fx_rt2 switch-authority --to posts --yes
assert_eq 0 "$rc" "B: switch back to posts succeeds after the reverse sync"
run hpos fx_rt2 sync
assert_contains "$out" "There are 0 orders to be synced." "B: forward sync: posts and HPOS agree"
assert_eq "$hsum" "$(hpos_checksum fx_rt2)" "B: forward sync leaves HPOS unchanged"
run hpos fx_rt2 verify_cot_data
assert_eq 0 "$rc" "B: verify_cot_data after the round trip exits 0: $(echo "$out" | tail -1)"

# ---- C. An order WooCommerce cannot backfill is skipped and remembered;
# the rest of its batch goes on, and the way back stays closed.
load_fixture fx_rt3
run hpos fx_rt3 sync
run hpos fx_rt3 switch-authority --to hpos --with-compat-mode --yes
assert_eq "yes" "$(opt fx_rt3 woocommerce_custom_orders_table_data_sync_enabled)" "C: switched with compatibility mode on"
sql fx_rt3 "UPDATE wp_wc_orders SET date_created_gmt = NULL, date_updated_gmt = '2026-11-23 00:00:00' WHERE id = 50;
	UPDATE wp_wc_orders SET status = 'wc-cancelled', date_updated_gmt = '2026-11-23 00:00:01' WHERE id = 52"
run hpos fx_rt3 sync --batch-size 10
assert_eq 1 "$rc" "C: a skipped order makes sync exit 1"
assert_contains "$err" "Order 50 skipped: wc_orders.date_created_gmt is NULL" "C: the skip is reported with its reason"
assert_eq "wc-cancelled" "$(sql fx_rt3 "SELECT post_status FROM wp_posts WHERE ID = 52")" "C: the other order of the batch was backfilled"
assert_eq "50" "$(sql fx_rt3 "SELECT order_id FROM wp_hposctl_skipped")" "C: the skipped order is remembered"
run hpos fx_rt3 switch-authority --to posts --yes
assert_eq 1 "$rc" "C: switch back refused"
assert_contains "$err" "[Failed] 1 order was skipped" "C: refused because of the skipped order"
assert_contains "$err" "[Failed] There is 1 order pending sync" "C: and because it is still pending"
assert_eq "yes" "$(opt fx_rt3 woocommerce_custom_orders_table_enabled)" "C: still HPOS"

# ---- D. An order the server refuses (a trigger here) is skipped with the
# server's reason; every other order of its batch, before and after the
# refused one, is written in the same run, once: with transactions the
# batch is rolled back and its plan written one order at a time; without,
# what the failed batch wrote stays, so its orders are read and planned
# again one at a time (a plan written twice would duplicate its new
# postmeta rows).
refused_store() {
	load_fixture $1
	hpos $1 sync >/dev/null 2>&1
	hpos $1 switch-authority --to hpos --with-compat-mode --yes >/dev/null 2>&1
	d1=$(nth_order $1 0) d2=$(nth_order $1 1) d3=$(nth_order $1 2)
	sql $1 "UPDATE wp_wc_orders SET status = 'wc-cancelled', date_updated_gmt = '2026-11-24 00:00:00' WHERE id IN ($d1, $d2, $d3);
		INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($d1, 'gift_note', 'one'), ($d3, 'gift_note', 'three')"
	mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot $1 <<-EOF
	DELIMITER //
	CREATE TRIGGER refuse_d2 BEFORE UPDATE ON wp_posts FOR EACH ROW
	BEGIN
	  IF NEW.ID = $d2 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF;
	END //
	DELIMITER ;
	EOF
}
for mode in tx no-tx; do
	D=fx_rt4_$(echo $mode | tr - _)
	refused_store $D
	if [ $mode = tx ]; then run hpos $D sync --batch-size 10; else run hpos $D sync --batch-size 10 --no-transactions; fi
	assert_eq 1 "$rc" "D $mode: a refused order makes sync exit 1"
	assert_contains "$err" "Order $d2 skipped: the server refused it" "D $mode: the refused order is reported"
	assert_eq "wc-cancelled" "$(sql $D "SELECT post_status FROM wp_posts WHERE ID = $d1")" "D $mode: the order before it is written"
	assert_eq "wc-cancelled	2026-11-24 00:00:00" "$(sql $D "SELECT post_status, post_modified_gmt FROM wp_posts WHERE ID = $d3")" \
		"D $mode: the order after it is written in the same run"
	assert_eq "$d1 one
$d3 three" "$(sql $D "SELECT CONCAT(post_id, ' ', meta_value) FROM wp_postmeta WHERE meta_key = 'gift_note' ORDER BY post_id, meta_id")" \
		"D $mode: the new meta rows of the other orders written once"
	assert_eq "$d2" "$(sql $D "SELECT order_id FROM wp_hposctl_skipped")" "D $mode: only the refused order is remembered"
done
finish
