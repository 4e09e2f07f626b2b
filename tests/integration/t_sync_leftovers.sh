# The rows of all four HPOS tables go in through the row writer as
# array-bound prepared INSERTs (MariaDB's bulk execution); HPOSCTL_NO_BULK=1
# or a server without it gets the same rows as multi-row SQL text.  Orders not in wc_orders are written with plain INSERTs; rows left in the
# other HPOS tables (an interrupted --no-transactions run, WooCommerce's own
# sync) make the batch go round again as an upsert: same rows as
# WooCommerce's, no skipped order, no duplicate.
. "$TOP/tests/integration/lib.sh"

load_reference lo_ref

# "text": with transactions, HPOSCTL_NO_BULK=1 (the upsert as SQL text).
for mode in "" "--no-transactions" "text"; do
	D=lo_sync${mode:+_${mode#--}}
	D=$(echo "$D" | tr -- '-' '_')
	if [ "$mode" = text ]; then export HPOSCTL_NO_BULK=1; mode=""; fi
	load_fixture $D
	run hpos $D sync --batch-size 40 $mode
	assert_eq 0 "$rc" "first sync ${mode:-with transactions} exits 0"
	# Leave what an interrupted run leaves (every table but wc_orders,
	# some values stale, some rows missing), for a third of the orders.
	sql $D "CREATE TABLE gone AS SELECT id FROM wp_wc_orders WHERE id % 3 = 0;
	 DELETE FROM wp_wc_orders WHERE id IN (SELECT id FROM gone);
	 UPDATE wp_wc_order_addresses SET city = 'Stale', phone = NULL WHERE order_id IN (SELECT id FROM gone);
	 UPDATE wp_wc_order_operational_data SET order_key = 'stale' WHERE order_id IN (SELECT id FROM gone);
	 DELETE FROM wp_wc_order_addresses WHERE address_type = 'shipping' AND order_id IN (SELECT id FROM gone WHERE id % 2 = 0);
	 DELETE FROM wp_wc_orders_meta WHERE order_id IN (SELECT id FROM gone WHERE id % 5 = 0)"
	n=$(sql $D "SELECT COUNT(*) FROM gone")
	assert_eq 1 "$([ "$n" -gt 20 ] && echo 1)" "a third of the orders ($n) lost their wc_orders row"
	assert_eq 1 "$([ "$(hpos_diff $D lo_ref 2>/dev/null)" -gt 0 ] && echo 1)" "the leftovers differ from WooCommerce's rows"
	run hpos $D --debug sync --batch-size 40 $mode
	assert_eq 0 "$rc" "second sync ${mode:-with transactions} over leftovers exits 0"
	assert_contains "$out" "Success: $n orders were synced" "second sync rewrites the $n orders"
	assert_contains "$err" "writing it again as an upsert" "a duplicate key sends the batch round as an upsert"
	assert_eq 0 "$(hpos_diff $D lo_ref)" "after the leftovers: HPOS tables equal WooCommerce's"
	assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_hposctl_skipped" 2>/dev/null || echo 0)" "no order skipped"
	assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM (SELECT order_id FROM wp_wc_order_addresses GROUP BY order_id, address_type HAVING COUNT(*) > 1) d")" "no duplicate address row"
	unset HPOSCTL_NO_BULK
done

# The rows of every table: array-bound by default, SQL text with
# HPOSCTL_NO_BULK; both exactly WooCommerce's.
load_fixture lo_bulk
run hpos lo_bulk --debug sync --batch-size 60
assert_eq 0 "$rc" "sync (array binding) exits 0"
for t in wc_orders_meta wc_order_addresses wc_order_operational_data wc_orders; do
	assert_contains "$(printf '%s\n' "$err" | grep "INSERT INTO \`wp_$t\` (")" "rows, array-bound]" "$t rows are array-bound"
done
assert_eq 0 "$(hpos_diff lo_bulk lo_ref)" "array binding: HPOS tables equal WooCommerce's"
load_fixture lo_text
export HPOSCTL_NO_BULK=1
run hpos lo_text --debug sync --batch-size 60
unset HPOSCTL_NO_BULK
assert_eq 0 "$rc" "sync with HPOSCTL_NO_BULK=1 exits 0"
assert_eq "" "$(printf '%s' "$err" | grep 'array-bound')" "HPOSCTL_NO_BULK=1: no array binding"
assert_contains "$err" "INSERT INTO \`wp_wc_orders_meta\` (\`order_id\`, \`meta_key\`, \`meta_value\`) VALUES (" "HPOSCTL_NO_BULK=1: meta rows as SQL text"
assert_contains "$err" "INSERT INTO \`wp_wc_order_addresses\` (\`order_id\`, \`address_type\`, \`first_name\`" "HPOSCTL_NO_BULK=1: address rows as SQL text"
assert_contains "$err" "INSERT INTO \`wp_wc_order_operational_data\` (\`order_id\`, \`created_via\`" "HPOSCTL_NO_BULK=1: operational data as SQL text"
assert_contains "$err" "INSERT INTO \`wp_wc_orders\` (\`id\`, \`status\`" "HPOSCTL_NO_BULK=1: wc_orders rows as SQL text"
assert_eq 0 "$(hpos_diff lo_text lo_ref)" "SQL text: HPOS tables equal WooCommerce's"
finish
