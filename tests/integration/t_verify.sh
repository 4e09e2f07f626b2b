# verify_cot_data: no false positives on WooCommerce's own migration, every
# single mutation reported with its order id and column/meta key, and
# --re-migrate repairing what the posts side can repair.
. "$TOP/tests/integration/lib.sh"

DB=fx_ver
O=33   # a processing order with both addresses, meta and operational data

# The store as WooCommerce left it: posts and WooCommerce's HPOS tables.
load_fixture $DB
zcat "$FIXTURE/after-woocommerce.sql.gz" | mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot $DB

TABLES="wp_posts wp_postmeta wp_wc_orders wp_wc_order_addresses wp_wc_order_operational_data wp_wc_orders_meta"
new_db ${DB}_bak
for t in $TABLES; do
	sql_root "CREATE TABLE ${DB}_bak.$t LIKE $DB.$t; INSERT INTO ${DB}_bak.$t SELECT * FROM $DB.$t"
done
restore() {
	s=""
	for _t in $TABLES; do s="$s DELETE FROM $DB.$_t; INSERT INTO $DB.$_t SELECT * FROM ${DB}_bak.$_t;"; done
	sql_root "$s"
}

# ---- the fixture as WooCommerce migrated it: nothing to report ----------
run hpos $DB verify_cot_data
assert_eq 0 "$rc" "fixture with WooCommerce's HPOS tables: exit 0"
assert_contains "$out" "Verification completed." "prints Verification completed."
assert_contains "$out" "Success: 221 orders were verified in" "221 orders verified"
assert_eq "" "$err" "nothing on stderr"
for alias in verify verify_data; do
	run hpos $DB $alias --batch-size 7 --verbose
	assert_eq 0 "$rc" "alias $alias with --batch-size 7 --verbose: exit 0"
done
run hpos $DB verify --format json
assert_eq 0 "$rc" "--format json: exit 0"
assert_contains "$out" '"verified":221,' "json: verified count"
assert_contains "$out" '"differences":0,' "json: no differences"
run hpos $DB verify --start-from 40 --end-at 49
assert_contains "$out" "Success: 10 orders were verified" "--start-from/--end-at restrict the range"

# ---- not false positives ------------------------------------------------
expect_clean() { # expect_clean DESCRIPTION  (after a mutation that is no difference)
	run hpos $DB verify --format json
	assert_eq 0 "$rc" "no false positive: $1 (exit)"
	assert_contains "$out" '"differences":0,' "no false positive: $1"
	restore
}
sql $DB "UPDATE wp_postmeta SET meta_value='-0' WHERE post_id=$O AND meta_key='_cart_discount'"
expect_clean "-0 in a decimal meta"
sql $DB "UPDATE wp_postmeta SET meta_value='7.1054273576E-15' WHERE post_id=$O AND meta_key='_cart_discount'"
expect_clean "7.1054273576E-15 against 0"
sql $DB "UPDATE wp_postmeta SET meta_value='14.9100000001' WHERE post_id=$O AND meta_key='_order_tax'"
expect_clean "more decimals than sync keeps"
# A duplicated mapped key whose first value is empty: sync takes the later one.
sql $DB "INSERT INTO wp_postmeta (post_id, meta_key, meta_value) SELECT post_id, meta_key, meta_value FROM wp_postmeta WHERE post_id=$O AND meta_key='_date_paid'; UPDATE wp_postmeta SET meta_value='' WHERE post_id=$O AND meta_key='_date_paid' ORDER BY meta_id LIMIT 1"
expect_clean "duplicated _date_paid whose first value is empty"
sql $DB "INSERT INTO wp_posts (ID, post_type, post_status, post_date_gmt, post_modified_gmt, post_content, post_title, post_excerpt, to_ping, pinged, post_content_filtered) VALUES (99990, 'shop_order', 'auto-draft', NOW(), NOW(), '', '', '', '', '', '')"
expect_clean "an auto-draft order post without HPOS rows"
sql $DB "UPDATE wp_wc_orders_meta SET meta_value='2001-01-01 00:00:00' WHERE order_id=$O AND meta_key='_paid_date'; INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($O, '_edit_lock', '1700000000:1'), ($O, '_completed_date', 'x')"
expect_clean "_paid_date, _completed_date, _edit_lock drift"

# ---- the mutation suite -------------------------------------------------
ntests=0
expect_diff() { # expect_diff ID TOKEN DESCRIPTION [remigrate-fixes: 1|0]
	ntests=$((ntests + 1))
	run hpos $DB verify --format json
	if [ "$rc" = 1 ] && case "$out" in *"\"$1\":["*) true ;; *) false ;; esac &&
	   case "$out" in *"$2"*) true ;; *) false ;; esac &&
	   case "$out" in *'"differences":1,'*) true ;; *) false ;; esac; then
		ok "mutation: $3 -> order $1, $2"
	else
		fail "mutation: $3: expected exit 1, order $1 and $2 only; got rc=$rc out=$out err=$err"
	fi
	if [ "${4:-1}" = 1 ]; then
		run hpos $DB verify --re-migrate --format json
		r1=$rc
		run hpos $DB verify --format json
		if [ "$r1" = 0 ] && [ "$rc" = 0 ]; then
			ok "re-migrate repairs: $3"
		else
			fail "re-migrate repairs: $3: rc=$r1 then $rc: $out $err"
		fi
	fi
	restore
}

# Every column of every HPOS table, changed in HPOS.
src_of() { # HPOS table, column -> the source WooCommerce names in its reports
	case "$1.$2" in
	wc_orders.status) echo post_status ;; wc_orders.type) echo post_type ;;
	wc_orders.date_created_gmt) echo post_date_gmt ;; wc_orders.date_updated_gmt) echo post_modified_gmt ;;
	wc_orders.parent_order_id) echo post_parent ;; wc_orders.customer_note) echo post_excerpt ;;
	wc_orders.currency) echo _order_currency ;; wc_orders.tax_amount) echo _order_tax ;;
	wc_orders.total_amount) echo _order_total ;; wc_orders.customer_id) echo _customer_user ;;
	wc_orders.billing_email) echo _billing_email ;; wc_orders.payment_method) echo _payment_method ;;
	wc_orders.payment_method_title) echo _payment_method_title ;; wc_orders.transaction_id) echo _transaction_id ;;
	wc_orders.ip_address) echo _customer_ip_address ;; wc_orders.user_agent) echo _customer_user_agent ;;
	wc_order_operational_data.created_via) echo _created_via ;;
	wc_order_operational_data.woocommerce_version) echo _order_version ;;
	wc_order_operational_data.prices_include_tax) echo _prices_include_tax ;;
	wc_order_operational_data.coupon_usages_are_counted) echo _recorded_coupon_usage_counts ;;
	wc_order_operational_data.download_permission_granted) echo _download_permissions_granted ;;
	wc_order_operational_data.cart_hash) echo _cart_hash ;;
	wc_order_operational_data.new_order_email_sent) echo _new_order_email_sent ;;
	wc_order_operational_data.order_key) echo _order_key ;;
	wc_order_operational_data.order_stock_reduced) echo _order_stock_reduced ;;
	wc_order_operational_data.date_paid_gmt) echo _date_paid ;;
	wc_order_operational_data.date_completed_gmt) echo _date_completed ;;
	wc_order_operational_data.shipping_tax_amount) echo _order_shipping_tax ;;
	wc_order_operational_data.shipping_total_amount) echo _order_shipping ;;
	wc_order_operational_data.discount_tax_amount) echo _cart_discount_tax ;;
	wc_order_operational_data.discount_total_amount) echo _cart_discount ;;
	wc_order_operational_data.recorded_sales) echo _recorded_sales ;;
	*) echo "?" ;;
	esac
}
change() { # SQL expression that changes column $1 of type $2, NULL included
	case "$2" in
	decimal) echo "COALESCE($1,0)+1" ;;
	bigint) echo "COALESCE($1,0)+1" ;;
	tinyint) echo "IF($1=1,0,1)" ;;
	datetime) echo "COALESCE($1,'2020-01-01 00:00:00') + INTERVAL 1 SECOND" ;;
	*) echo "CONCAT(COALESCE($1,''),'x')" ;;
	esac
}
for t in wc_orders wc_order_addresses wc_order_operational_data; do
	sql $DB "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='$DB' AND TABLE_NAME='wp_$t' AND COLUMN_NAME NOT IN ('id','order_id','address_type') ORDER BY ORDINAL_POSITION" >"$SBX/cols.$t"
	while read -r col type; do
		if [ $t = wc_order_addresses ]; then
			for at in billing shipping; do
				sql $DB "UPDATE wp_$t SET \`$col\` = $(change "\`$col\`" "$type") WHERE order_id=$O AND address_type='$at'"
				expect_diff $O "\"column\":\"_${at}_$col\"" "$t.$col ($at)"
			done
		else
			k=order_id; [ $t = wc_orders ] && k=id
			sql $DB "UPDATE wp_$t SET \`$col\` = $(change "\`$col\`" "$type") WHERE $k=$O"
			expect_diff $O "\"column\":\"$(src_of $t "$col")\"" "$t.$col"
		fi
	done <"$SBX/cols.$t"
done

# Posts-side changes.
sql $DB "UPDATE wp_posts SET post_status='wc-on-hold' WHERE ID=$O"
expect_diff $O '"column":"post_status"' "posts: status changed"
sql $DB "UPDATE wp_posts SET post_date_gmt = post_date_gmt - INTERVAL 1 DAY WHERE ID=$O"
expect_diff $O '"column":"post_date_gmt"' "posts: date changed"
sql $DB "UPDATE wp_postmeta SET meta_value='999.99' WHERE post_id=$O AND meta_key='_order_total'"
expect_diff $O '"column":"_order_total"' "posts: mapped meta changed"
sql $DB "UPDATE wp_postmeta SET meta_value='4' WHERE post_id=$O AND meta_key='_peer_seq'"
expect_diff $O '"meta_key":"_peer_seq"' "posts: other meta changed"
sql $DB "DELETE FROM wp_postmeta WHERE post_id=$O AND meta_key='_peer_seq'"
expect_diff $O '"meta_key":"_peer_seq","orig_meta_values":[],' "posts: meta row deleted"

# Rows.
sql $DB "DELETE FROM wp_wc_order_addresses WHERE order_id=$O AND address_type='billing'"
expect_diff $O '"kind":"row_missing","order_id":33,"table":"wc_order_addresses","address_type":"billing"' "billing address row deleted"
sql $DB "DELETE FROM wp_wc_order_addresses WHERE order_id=$O AND address_type='shipping'"
expect_diff $O '"address_type":"shipping"' "shipping address row deleted"
sql $DB "DELETE FROM wp_wc_order_operational_data WHERE order_id=$O"
expect_diff $O '"kind":"row_missing","order_id":33,"table":"wc_order_operational_data"' "operational-data row deleted"
sql $DB "INSERT INTO wp_wc_order_addresses (order_id, address_type, city) VALUES ($O, 'billing2', 'X')"
expect_diff $O '"kind":"row_extra"' "extra address row"
sql $DB "DELETE FROM wp_wc_orders WHERE id=$O"
expect_diff $O '"kind":"missing_in_hpos"' "wc_orders row deleted"
sql $DB "INSERT INTO wp_wc_orders (id, status, type, currency) VALUES (99999, 'wc-completed', 'shop_order', 'USD')"
expect_diff 99999 '"kind":"missing_in_posts"' "an HPOS-only order" 0
sql $DB "INSERT INTO wp_posts (ID, post_type, post_status, post_content, post_title, post_excerpt, to_ping, pinged, post_content_filtered) VALUES (99998, 'shop_order_placehold', 'draft', '', '', '', '', '', ''); INSERT INTO wp_wc_orders (id, status, type) VALUES (99998, 'wc-completed', 'shop_order')"
expect_diff 99998 '"post_type":"shop_order_placehold"' "an HPOS order with only a placeholder post" 0

# Child rows of an order that exists in neither store (mid-range and past the end).
sql $DB "DELETE FROM wp_posts WHERE ID=100; DELETE FROM wp_postmeta WHERE post_id=100; DELETE FROM wp_wc_orders WHERE id=100"
expect_diff 100 '"kind":"orphan_rows","order_id":100,"table":"wc_orders_meta"' "orphan HPOS rows of a deleted order" 0
sql $DB "INSERT INTO wp_wc_order_addresses (order_id, address_type, city) VALUES (424242, 'billing', 'X')"
expect_diff 424242 '"kind":"orphan_rows","order_id":424242,"table":"wc_order_addresses","rows":1' "an orphan address row past the last order" 0
# Another order type's rows are not orphans when the type is left out of
# an explicit list; with order_types: auto the type (present in wc_orders)
# is verified, and an HPOS-only subscription is missing in posts.
sql $DB "INSERT INTO wp_wc_orders (id, status, type) VALUES (99995, 'wc-active', 'shop_subscription'); INSERT INTO wp_wc_order_addresses (order_id, address_type) VALUES (99995, 'billing'); INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (99995, '_x', 'y')"
run hpos $DB verify --format json --order-types shop_order,shop_order_refund
assert_eq 0 "$rc" "no false positive: an HPOS order of a type left out of the list (exit)"
assert_contains "$out" '"differences":0,' "no false positive: an HPOS order of a type left out of the list"
expect_diff 99995 '"kind":"missing_in_posts","order_id":99995,"table":"wc_orders","post_type":null' "an HPOS-only order of a type found in wc_orders" 0

# wc_orders_meta.
sql $DB "INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) SELECT order_id, meta_key, meta_value FROM wp_wc_orders_meta WHERE order_id=$O AND meta_key='_peer_seq'"
expect_diff $O '"meta_key":"_peer_seq","orig_meta_values":["3"],"new_meta_values":["3","3"]' "duplicated meta row"
sql $DB "UPDATE wp_wc_orders_meta SET meta_value=UPPER(meta_value) WHERE order_id=$O AND meta_key='_billing_address_index'"
expect_diff $O '"meta_key":"_billing_address_index"' "meta value changed in case"
sql $DB "UPDATE wp_wc_orders_meta SET meta_value=CONCAT(meta_value, ' ') WHERE order_id=$O AND meta_key='_peer_seq'"
expect_diff $O '"new_meta_values":["3 "]' "meta value with a trailing space"
sql $DB "UPDATE wp_wc_orders_meta SET meta_key='_Peer_seq' WHERE order_id=$O AND meta_key='_peer_seq'"
expect_diff $O '"meta_key":"_Peer_seq"' "meta key changed in case"
sql $DB "UPDATE wp_wc_orders_meta SET meta_key='_peer_seq ' WHERE order_id=$O AND meta_key='_peer_seq'"
expect_diff $O '"meta_key":"_peer_seq "' "meta key with a trailing space"
sql $DB "DELETE FROM wp_wc_orders_meta WHERE order_id=$O AND meta_key='big_meta'"
expect_diff $O '"meta_key":"big_meta"' "meta row deleted in HPOS"
sql $DB "INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($O, '_order_total', '196.34')"
expect_diff $O '"meta_key":"_order_total"' "a mapped key copied into wc_orders_meta"
sql $DB "UPDATE wp_wc_orders_meta SET meta_value=NULL WHERE order_id=$O AND meta_key='_peer_seq'"
expect_diff $O '"new_meta_values":[null]' "meta value turned NULL"

# A value sync cannot migrate: reported; --re-migrate cannot repair it.
sql $DB "UPDATE wp_postmeta SET meta_value='ABCDEFGHIJKL' WHERE post_id=$O AND meta_key='_order_currency'"
expect_diff $O '"kind":"unmigratable","order_id":33,"table":"wc_orders","column":"_order_currency"' "a value longer than its varchar" 0
sql $DB "UPDATE wp_postmeta SET meta_value='ABCDEFGHIJKL' WHERE post_id=$O AND meta_key='_order_currency'"
run hpos $DB verify --re-migrate --format json
assert_eq 1 "$rc" "--re-migrate of an unmigratable order: exit 1"
assert_contains "$out" '{"remigrate_failed":true}' "... marked remigrate_failed as WooCommerce does"
assert_contains "$err" "Order $O skipped" "... sync's skip warning"
restore

# NULL vs '': the one NULL rule (docs/backfill.md).  WooCommerce reads a
# NULL column, a missing row or a missing postmeta key as the property's
# default, so NULL against that default is no difference, on either side
# and whichever store is authoritative...
sql $DB "UPDATE wp_wc_order_addresses SET company='' WHERE order_id=$O AND address_type='billing'"
expect_clean "NULL rule: an absent _billing_company against ''"
sql $DB "UPDATE wp_wc_orders SET customer_note=NULL WHERE id=$O"
expect_clean "NULL rule: post_excerpt '' against a NULL customer_note"
sql $DB "UPDATE wp_wc_order_operational_data SET recorded_sales=NULL, order_stock_reduced=NULL WHERE order_id=$O; UPDATE wp_postmeta SET meta_value='no' WHERE post_id=$O AND meta_key IN ('_recorded_sales','_order_stock_reduced')"
expect_clean "NULL rule: flags 'no' against NULL"
sql $DB "UPDATE wp_wc_order_operational_data SET discount_tax_amount=NULL WHERE order_id=$O; UPDATE wp_postmeta SET meta_value='0' WHERE post_id=$O AND meta_key='_cart_discount_tax'"
expect_clean "NULL rule: decimal 0 against NULL"
# ... but only the default: a space, a '0' in a text column, a 'yes' flag,
# a non-zero amount, a different case against NULL still count.
sql $DB "UPDATE wp_wc_order_addresses SET company=' ' WHERE order_id=$O AND address_type='billing'"
expect_diff $O '"column":"_billing_company","original_value":null,"new_value":" "' "NULL rule: a space is not ''"
sql $DB "UPDATE wp_wc_order_addresses SET company='0' WHERE order_id=$O AND address_type='billing'"
expect_diff $O '"column":"_billing_company","original_value":null,"new_value":"0"' "NULL rule: '0' in a text column is not ''"
sql $DB "UPDATE wp_wc_order_operational_data SET recorded_sales=NULL WHERE order_id=$O"
expect_diff $O '"column":"_recorded_sales","original_value":"1","new_value":null' "NULL rule: NULL is not 'yes'"
sql $DB "UPDATE wp_wc_order_operational_data SET shipping_total_amount=NULL WHERE order_id=$O"
expect_diff $O '"column":"_order_shipping"' "NULL rule: NULL is not a non-zero amount"

# Several tables of one order: all reported, not only the first.
sql $DB "UPDATE wp_wc_orders SET currency='EUR' WHERE id=$O; UPDATE wp_wc_order_addresses SET city='Paris' WHERE order_id=$O AND address_type='shipping'; UPDATE wp_wc_order_operational_data SET order_key='k' WHERE order_id=$O; DELETE FROM wp_wc_orders_meta WHERE order_id=$O AND meta_key='_peer_seq'"
run hpos $DB verify --format json
for tok in '"column":"_order_currency"' '"column":"_shipping_city"' '"column":"_order_key"' '"meta_key":"_peer_seq"'; do
	assert_contains "$out" "$tok" "several tables of one order: $tok reported"
done
# The text form: WooCommerce's summary, PHP's pretty JSON.
run hpos $DB verify
assert_eq 1 "$rc" "text: exit 1"
assert_contains "$out" "Verification completed." "text: Verification completed."
assert_contains "$err" "Error: 221 orders were verified in 0 seconds. 1 error found: {" "text: WooCommerce's error line"
assert_contains "$err" '            "column": "_order_currency",' "text: PHP pretty print"
assert_contains "$err" "}. Please review the error above." "text: closing sentence"
run hpos $DB verify --verbose
assert_eq 1 "$rc" "verbose: exit 1"
assert_contains "$err" "Warning: 1 error found: {" "verbose: batch warning"
assert_contains "$err" "Error: 221 orders were verified in 0 seconds. Please review the errors above." "verbose: summary"
run hpos $DB verify --verbose --re-migrate
assert_eq 0 "$rc" "verbose --re-migrate: exit 0"
assert_contains "$err" "Attempting to remigrate..." "verbose --re-migrate: announces it"
assert_contains "$err" "Re-migration successful." "verbose --re-migrate: success"
restore

# Decimals are shown as WooCommerce shows them; slashes escaped as PHP does.
sql $DB "UPDATE wp_wc_orders SET tax_amount=0 WHERE id=$O; UPDATE wp_wc_orders_meta SET meta_value='a/b' WHERE order_id=$O AND meta_key='_peer_seq'"
run hpos $DB verify
assert_contains "$err" '            "original_value": "14.91",
            "new_value": "0",' "decimals shown as 14.91 and 0"
assert_contains "$err" '"a\/b"' "slashes escaped as PHP's json_encode does"
restore

# --max-differences stops early.
sql $DB "UPDATE wp_wc_orders SET currency='EUR' WHERE id IN (33, 34, 35, 36)"
run hpos $DB verify --format json --max-differences 2 --batch-size 1
assert_eq 1 "$rc" "--max-differences: exit 1"
assert_contains "$out" '"differences":2,' "--max-differences 2 stops at 2"
assert_contains "$out" '"complete":false' "--max-differences: marked incomplete"
restore

echo "# $ntests single mutations"
[ "$ntests" -ge 30 ] && ok "at least 30 single mutations ($ntests)" || fail "only $ntests mutations"

# ---- diff ORDER_ID ----------------------------------------------------
run hpos $DB diff $O
assert_eq 0 "$rc" "diff of an identical order: exit 0"
assert_contains "$out" "Success: No differences found." "diff: no differences"
assert_contains "$out" "  order.currency (_order_currency)" "diff lists every property"
assert_contains "$out" '  meta "_peer_seq"' "diff lists every meta key"
sql $DB "UPDATE wp_wc_orders SET currency='EUR' WHERE id=$O; UPDATE wp_wc_orders_meta SET meta_value='9' WHERE order_id=$O AND meta_key='_peer_seq'"
run hpos $DB diff $O
assert_eq 1 "$rc" "diff of a differing order: exit 1"
assert_contains "$out" "* order.currency (_order_currency)" "diff marks the differing column"
assert_contains "$out" '* meta "_peer_seq"' "diff marks the differing meta key"
assert_contains "$err" "Differences found for order $O (marked *): 2." "diff counts the differences"
run hpos $DB diff $O --format json
assert_contains "$out" '{"differs":true,"column":"_order_currency","original_value":"USD","new_value":"EUR"' "diff --format json"
run hpos $DB diff 424242
assert_eq 1 "$rc" "diff of an unknown order: exit 1"
run hpos $DB diff abc
assert_eq 64 "$rc" "diff with a bad id: usage error"
restore

# ---- HPOS authoritative: placeholders are the posts side -----------------
sql $DB "UPDATE wp_options SET option_value='yes' WHERE option_name='woocommerce_custom_orders_table_enabled'"
sql $DB "UPDATE wp_options SET option_value='no' WHERE option_name='woocommerce_custom_orders_table_data_sync_enabled'"
run hpos $DB verify
assert_eq 0 "$rc" "HPOS authoritative, posts in step: exit 0"
sql $DB "UPDATE wp_posts SET post_type='shop_order_placehold' WHERE ID=$O; DELETE FROM wp_posts WHERE ID=34"
run hpos $DB verify
assert_eq 0 "$rc" "HPOS authoritative, sync off: placeholders and missing posts are no difference"
sql $DB "UPDATE wp_options SET option_value='yes' WHERE option_name='woocommerce_custom_orders_table_data_sync_enabled'"
run hpos $DB verify --format json
assert_eq 1 "$rc" "HPOS authoritative, sync on: a missing post is a difference"
assert_contains "$out" '"34":[{"kind":"missing_in_posts"' "... reported for order 34"
run hpos $DB verify --re-migrate
assert_eq 1 "$rc" "--re-migrate refuses the HPOS -> posts direction"
sql $DB "UPDATE wp_options SET option_value='no' WHERE option_name='woocommerce_custom_orders_table_data_sync_enabled'; UPDATE wp_posts SET post_type='shop_order_placehold' WHERE post_type IN ('shop_order','shop_order_refund')"
run hpos $DB verify --batch-size 7
assert_eq 0 "$rc" "HPOS authoritative, only placeholders, small batches: exit 0"
assert_contains "$out" "Success: 221 orders were verified" "... every HPOS order counted once"
sql $DB "UPDATE wp_options SET option_value='no' WHERE option_name LIKE 'woocommerce_custom_orders_table_%enabled'"
restore

# ---- after hposctl's own sync -----------------------------------------
load_fixture fx_ver_sync
run hpos fx_ver_sync verify
assert_eq 1 "$rc" "no HPOS tables: exit 1"
assert_contains "$err" "Orders table does not exist." "no HPOS tables: WooCommerce's message"
run hpos fx_ver_sync sync
run hpos fx_ver_sync verify
assert_eq 0 "$rc" "after hposctl sync: exit 0"
assert_contains "$out" "Success: 221 orders were verified" "after hposctl sync: 221 verified"
run hpos fx_ver_sync verify --order-types shop_order_refund
assert_contains "$out" "Success: 21 orders were verified" "--order-types shop_order_refund"
finish
