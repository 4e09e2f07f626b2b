# install creates WooCommerce's exact tables; status and count_unmigrated on
# the fixture before (221 pending) and after (0 pending) WooCommerce's migration.
. "$TOP/tests/integration/lib.sh"

load_fixture fx_is
load_reference fx_is_ref

run hpos fx_is count_unmigrated
assert_eq 0 "$rc" "count_unmigrated exits 0"
assert_eq "There are 221 orders to be synced." "$out" "count_unmigrated before: WooCommerce's message"
run hpos fx_is count-unmigrated --porcelain
assert_eq 221 "$out" "count-unmigrated --porcelain before"

run hpos fx_is status --format json
assert_eq 0 "$rc" "status --format json exits 0"
assert_contains "$out" '"hpos_enabled":false,"compatibility_mode_enabled":false,"unsynced_orders":221,"orders_subject_to_cleanup":0' "status json before: WooCommerce's four keys"
assert_contains "$out" '"order_posts":{"shop_order":200,"shop_order_refund":21}' "status json counts order posts by type"

run hpos fx_is status
assert_eq "HPOS enabled?: no" "$(echo "$out" | sed -n 1p)" "status text line 1"
assert_eq "Unsynced orders: 221" "$(echo "$out" | sed -n 3p)" "status text line 3"

run hpos fx_is install
assert_eq 0 "$rc" "install exits 0"
for t in wc_orders wc_order_addresses wc_order_operational_data wc_orders_meta; do
	mine=$(sql fx_is "SHOW CREATE TABLE wp_$t" | cut -f2- | sed 's/ AUTO_INCREMENT=[0-9]*//')
	ref=$(sql fx_is_ref "SHOW CREATE TABLE wp_$t" | cut -f2- | sed 's/ AUTO_INCREMENT=[0-9]*//')
	assert_eq "$ref" "$mine" "install: SHOW CREATE TABLE wp_$t equals WooCommerce's"
done
assert_eq yes "$(sql fx_is "SELECT option_value FROM wp_options WHERE option_name='woocommerce_custom_orders_table_created'")" "install sets woocommerce_custom_orders_table_created"
run hpos fx_is install
assert_eq 0 "$rc" "install again is harmless"
assert_contains "$out" "already exist" "install again says so"
run hpos fx_is count_unmigrated --porcelain
assert_eq 221 "$out" "with empty tables, 221 orders are missing"

# The after-state: the fixture's posts plus WooCommerce's HPOS tables.
load_fixture fx_is_after
zcat "$FIXTURE/after-woocommerce.sql.gz" | mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot fx_is_after
run hpos fx_is_after count_unmigrated
assert_eq "There are 0 orders to be synced." "$out" "count_unmigrated after WooCommerce's migration"
run hpos fx_is_after status --format json
assert_contains "$out" '"unsynced_orders":0' "status json after: 0 pending"
assert_contains "$out" '"hpos_rows":{"wc_orders":221,"wc_order_addresses":442,"wc_order_operational_data":221,"wc_orders_meta":1240}' "status json after: HPOS row counts"
finish
