# sync on the real WooCommerce fixture writes exactly what WooCommerce wrote.
. "$TOP/tests/integration/lib.sh"

load_fixture fx_sync
load_reference fx_sync_ref

run hpos fx_sync sync
assert_eq 0 "$rc" "sync exits 0"
assert_contains "$out" "There are 221 orders to be synced." "sync prints the pending count"
assert_contains "$out" "Success: 221 orders were synced" "sync reports 221 orders"
assert_eq 0 "$(hpos_diff fx_sync fx_sync_ref)" "HPOS tables equal WooCommerce's, row for row"
for t in wc_orders wc_order_addresses wc_order_operational_data wc_orders_meta; do
	assert_eq "$(sql fx_sync_ref "SELECT COUNT(*) FROM wp_$t")" "$(sql fx_sync "SELECT COUNT(*) FROM wp_$t")" "row count of wp_$t"
done

before=$(hpos_checksum fx_sync)
run hpos fx_sync sync
assert_eq 0 "$rc" "second sync exits 0"
assert_contains "$out" "There are 0 orders to be synced." "second sync finds nothing pending"
assert_eq "$before" "$(hpos_checksum fx_sync)" "second sync changes nothing"
assert_eq "" "$(sql fx_sync "SELECT option_value FROM wp_options WHERE option_name='wc_posts_to_orders_migration_lock'")" "WooCommerce's migration lock is released"

# Small batches and no transactions give the same result.
load_fixture fx_sync_small
run hpos fx_sync_small sync --batch-size 7 --no-transactions
assert_eq 0 "$rc" "sync --batch-size 7 --no-transactions exits 0"
assert_eq 0 "$(hpos_diff fx_sync_small fx_sync_ref)" "small batches: equal to WooCommerce's"

# --dry-run writes nothing.
load_fixture fx_sync_dry
run hpos fx_sync_dry install
run hpos fx_sync_dry sync --dry-run
assert_eq 0 "$rc" "sync --dry-run exits 0"
assert_contains "$out" "Estimated time" "dry run prints an estimate"
assert_eq 0 "$(sql fx_sync_dry "SELECT COUNT(*) FROM wp_wc_orders")" "dry run writes no order"
finish
