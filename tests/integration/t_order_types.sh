# Every order type WooCommerce migrates: subscriptions (the recorded
# WooCommerce Subscriptions store) and a plugin order type found by its
# order meta; explicit lists that leave a type out; the HPOS -> posts
# direction refusing the types it cannot write as their plugin would.
. "$TOP/tests/integration/lib.sh"

WCS=$FIXTURES/wcs-subscriptions
load_wcs() { # load_wcs DB [before|after-woocommerce]
	new_db "$1"
	zcat "$WCS/${2:-before}.sql.gz" | mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot "$1"
}
opt() { sql "$1" "SELECT option_value FROM wp_options WHERE option_name='$2'"; }

# --- 1. Subscriptions forward: a default sync writes what WooCommerce wrote.
load_wcs ot_wcs
load_wcs ot_wcs_ref after-woocommerce
run hpos ot_wcs count_unmigrated
assert_contains "$out" "There are 288 orders to be synced." "default count_unmigrated counts the 32 subscriptions (288, as WooCommerce)"
assert_eq "" "$err" "no warning with order_types: auto"
# Finding the types reads the post_type index only: the statement hposctl
# ran, as its --debug output shows it, is a loose index scan.
run hpos ot_wcs --debug count_unmigrated
q=$(printf '%s\n' "$err" | sed -n 's/^Debug: SQL \(SELECT post_type FROM .* GROUP BY post_type\) in .*/\1/p' | head -1)
assert_contains "$q" "GROUP BY post_type" "--debug shows the post type query"
assert_contains "$(sql ot_wcs "EXPLAIN $q")" "Using index for group-by" "post types come from a loose scan of the type_status_date index"
assert_contains "$err" "order types (auto): shop_order,shop_order_refund,shop_subscription " "auto finds the three order types"
run hpos ot_wcs sync
assert_eq 0 "$rc" "default sync exits 0"
assert_contains "$out" "288 orders were synced" "default sync migrates orders, refunds and subscriptions"
assert_eq 0 "$(hpos_diff ot_wcs ot_wcs_ref)" "subscriptions store: HPOS tables equal WooCommerce's, row for row"
assert_eq 32 "$(sql ot_wcs "SELECT COUNT(*) FROM wp_wc_orders WHERE type='shop_subscription'")" "32 shop_subscription rows in wc_orders"
for t in wc_orders wc_order_addresses wc_order_operational_data wc_orders_meta; do
	assert_eq "$(sql ot_wcs_ref "SELECT COUNT(*) FROM wp_$t")" "$(sql ot_wcs "SELECT COUNT(*) FROM wp_$t")" "row count of wp_$t"
done
before=$(hpos_checksum ot_wcs)
run hpos ot_wcs sync
assert_contains "$out" "There are 0 orders to be synced." "second sync finds nothing pending"
assert_eq "$before" "$(hpos_checksum ot_wcs)" "second sync changes nothing"
run hpos ot_wcs verify_cot_data
assert_eq 0 "$rc" "verify_cot_data exits 0"
assert_contains "$out" "288 orders were verified" "verify_cot_data covers the subscriptions"
run hpos ot_wcs diff 314
assert_eq 0 "$rc" "diff of a subscription: no difference"
run hpos ot_wcs status
assert_contains "$out" "Order posts (shop_subscription): 32, HPOS orders: 32, pending: 0" "status: a line per order type"
run hpos ot_wcs status --format json
assert_contains "$out" '"shop_subscription":{"posts":32,"hpos_orders":32,"pending":0,"in_list":true}' "status json: per order type"

# --- 2. An explicit list that leaves the subscriptions out.
load_wcs ot_expl
run hpos ot_expl sync --order-types shop_order,shop_order_refund
assert_eq 0 "$rc" "sync with an explicit list exits 0"
assert_contains "$err" "Warning: Order type found in the store but left out of the order types list (--order-types / sync.order_types): shop_subscription." "sync warns, naming the left-out type"
assert_eq 0 "$(sql ot_expl "SELECT COUNT(*) FROM wp_wc_orders WHERE type='shop_subscription'")" "the explicit list is obeyed"
run hpos ot_expl count_unmigrated --order-types shop_order,shop_order_refund
assert_contains "$out" "There are 0 orders to be synced." "count_unmigrated counts the listed types"
assert_contains "$err" "left out of the order types list (--order-types / sync.order_types): shop_subscription." "count_unmigrated warns, naming it"
run hpos ot_expl count_unmigrated --porcelain
assert_eq 32 "$out" "the default (auto) counts the 32 subscriptions left behind"
run hpos ot_expl status --order-types shop_order,shop_order_refund
assert_contains "$err" "shop_subscription" "status warns, naming it"
assert_contains "$out" "Order posts (shop_subscription, not in the order types list): 32, HPOS orders: 0, pending: 32" "status shows the left-out type and its pending orders"
for types in "" "--order-types shop_order,shop_order_refund"; do
	# shellcheck disable=SC2086
	run hpos ot_expl switch-authority --to hpos --yes $types
	assert_eq 1 "$rc" "switch-authority ${types:-(auto)} refuses with subscriptions pending (exit 1)"
	assert_contains "$err" "by order type: shop_subscription: 32" "switch-authority ${types:-(auto)} names the pending type"
	assert_eq no "$(opt ot_expl woocommerce_custom_orders_table_enabled)" "switch-authority ${types:-(auto)}: option unchanged"
done
assert_contains "$err" "(not in the order types list)" "switch-authority says the type was left out of the list"
run hpos ot_expl sync
assert_contains "$out" "32 orders were synced" "a default sync then migrates the subscriptions"
run hpos ot_expl switch-authority --to hpos --yes
assert_eq 0 "$rc" "switch-authority passes once every type is synced"

# --- 3. A plugin order type found by its order meta, migrated by default;
# a post type with one stray order meta key and placeholder posts are not.
load_fixture ot_plug
load_reference ot_plug_ref
sql ot_plug "UPDATE wp_posts SET post_type='acme_order' WHERE ID IN (37, 38, 39);
	INSERT INTO wp_posts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status,
	  post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_type)
	  VALUES (90001, 1, NOW(), UTC_TIMESTAMP(), '', 'note', '', 'publish', 'note', '', '', NOW(), UTC_TIMESTAMP(), '', 'acme_note'),
	         (90002, 1, NOW(), UTC_TIMESTAMP(), '', 'ph', '', 'draft', 'ph', '', '', NOW(), UTC_TIMESTAMP(), '', 'shop_order_placehold');
	INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES (90001, '_order_total', '5'),
	  (90002, '_order_key', 'wc_order_x'), (90002, '_order_currency', 'USD'), (90002, '_order_total', '1')"
sql ot_plug_ref "UPDATE wp_wc_orders SET type='acme_order' WHERE id IN (37, 38, 39)"
run hpos ot_plug count_unmigrated --porcelain
assert_eq 221 "$out" "count_unmigrated counts the plugin type, not the stray meta post or the placeholder"
run hpos ot_plug count_unmigrated --porcelain --order-types shop_order,shop_order_refund
assert_eq 218 "$out" "an explicit list leaves the plugin type out"
assert_contains "$err" "acme_order" "... and the warning names it"
run hpos ot_plug sync
assert_eq 0 "$rc" "sync exits 0"
assert_eq 3 "$(sql ot_plug "SELECT COUNT(*) FROM wp_wc_orders WHERE type='acme_order'")" "the plugin order type is migrated by default"
assert_eq 0 "$(sql ot_plug "SELECT COUNT(*) FROM wp_wc_orders WHERE id IN (90001, 90002)")" "neither the stray meta post nor the placeholder is migrated"
assert_eq 0 "$(hpos_diff ot_plug ot_plug_ref)" "plugin-type orders migrated as WooCommerce migrates any order"
run hpos ot_plug verify_cot_data
assert_eq 0 "$rc" "verify_cot_data covers the plugin type"
assert_contains "$out" "221 orders were verified" "221 verified"
run hpos ot_plug status --format json
assert_contains "$out" '"acme_order":{"posts":3,"hpos_orders":3,"pending":0,"in_list":true}' "status lists the plugin type"

# --- 4. HPOS -> posts: subscriptions and plugin types are refused, named,
# exit 1; ordinary orders go ahead; deletion markers apply to every type.
run hpos ot_wcs switch-authority --to hpos --with-compat-mode --yes
assert_eq 0 "$rc" "switch to HPOS with compatibility mode"
sub=314; ord=$(sql ot_wcs "SELECT MIN(id) FROM wp_wc_orders WHERE type='shop_order'")
assert_eq shop_subscription "$(sql ot_wcs "SELECT type FROM wp_wc_orders WHERE id=$sub")" "order $sub is a subscription"
subsum="SELECT CONCAT_WS(' ', COUNT(*), SUM(CRC32(CONCAT_WS(0x1f, meta_id, meta_key, meta_value))), (SELECT CONCAT(post_modified_gmt, post_status) FROM wp_posts WHERE ID=$sub)) FROM wp_postmeta WHERE post_id=$sub"
subpost=$(sql ot_wcs "$subsum")
sql ot_wcs "UPDATE wp_wc_orders SET total_amount=77, date_updated_gmt='2026-01-01 00:00:00' + INTERVAL 2 YEAR WHERE id IN ($sub, $ord)"
run hpos ot_wcs sync --settle 0
assert_eq 1 "$rc" "reverse sync with a subscription pending exits 1"
assert_contains "$err" "1 shop_subscription order pending sync to the posts tables was not synced: hposctl does not write shop_subscription to posts" "reverse sync names the refused type"
assert_contains "$err" "WCS_Subscription_Data_Store_CPT" "... and says why"
assert_contains "$out" "1 order was synced" "the ordinary order is synced back all the same"
assert_eq 77.00 "$(sql ot_wcs "SELECT meta_value FROM wp_postmeta WHERE post_id=$ord AND meta_key='_order_total'")" "the order's post has the new total"
assert_eq "$subpost" "$(sql ot_wcs "$subsum")" "the subscription's post is left untouched"
run hpos ot_wcs switch-authority --to posts --yes
assert_eq 1 "$rc" "switch-authority --to posts refuses while the subscription is pending"
assert_contains "$err" "shop_subscription: 1" "... naming it"
assert_eq yes "$(opt ot_wcs woocommerce_custom_orders_table_enabled)" "... option unchanged"
run hpos ot_wcs backfill $sub --from hpos --to posts
assert_eq 1 "$rc" "backfill --to posts of a subscription exits 1"
assert_contains "$err" "1 shop_subscription order was not backfilled from hpos to posts" "backfill names the refused type"
run hpos ot_wcs backfill $sub --from hpos --to posts --meta-keys _billing_period
assert_eq 1 "$rc" "backfill --meta-keys --to posts of a subscription exits 1"
assert_eq "$subpost" "$(sql ot_wcs "$subsum")" "the subscription's post is still untouched"
run hpos ot_wcs backfill $ord --from hpos --to posts
assert_eq 0 "$rc" "backfill --to posts of an ordinary order still works"
sql ot_wcs "UPDATE wp_wc_orders SET total_amount=88 WHERE id=$ord"
run hpos ot_wcs backfill $sub $ord --from hpos --to posts
assert_eq 1 "$rc" "backfill --to posts of a subscription and an ordinary order exits 1"
assert_contains "$err" "1 shop_subscription order was not backfilled from hpos to posts" "... naming the subscription"
assert_eq 88.00 "$(sql ot_wcs "SELECT meta_value FROM wp_postmeta WHERE post_id=$ord AND meta_key='_order_total'")" "... and the ordinary order is backfilled all the same"
assert_eq "$subpost" "$(sql ot_wcs "$subsum")" "... the subscription's post untouched"
# a subscription deleted in HPOS: WooCommerce deletes the post of any order type
sql ot_wcs "UPDATE wp_wc_orders SET date_updated_gmt=(SELECT post_modified_gmt FROM wp_posts WHERE ID=$sub) WHERE id=$sub"
del=$(sql ot_wcs "SELECT MAX(id) FROM wp_wc_orders WHERE type='shop_subscription'")
sql ot_wcs "DELETE FROM wp_wc_orders WHERE id=$del; DELETE FROM wp_wc_order_addresses WHERE order_id=$del;
	DELETE FROM wp_wc_order_operational_data WHERE order_id=$del; DELETE FROM wp_wc_orders_meta WHERE order_id=$del;
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($del, '_deleted_from', 'orders_table')"
run hpos ot_wcs sync --settle 0
assert_eq 0 "$rc" "reverse sync of a deletion marker exits 0"
assert_eq 0 "$(sql ot_wcs "SELECT COUNT(*) FROM wp_posts WHERE ID=$del")" "the deleted subscription's post is deleted"
assert_eq 0 "$(sql ot_wcs "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=$del")" "the marker is gone"
finish
