# install writes the HPOS schema of the store's WooCommerce version
# (woocommerce_version, else woocommerce_db_version), before and after each
# 2026 schema change (docs/compatibility.md):
#   10.6.0       wc_orders KEY customer_id_status (customer_id, status)   #62874
#   10.8.0-beta  wc_orders KEY transaction_id (transaction_id(20))        #64025
#                wc_orders_meta meta_key_value (meta_key(100))            #63897
#   10.8.0       wc_orders_meta meta_key_value (meta_key(50), meta_value(20))  #65146
# The expected tables are WooCommerce 9.9.5's own (recorded in the fixture)
# with each change applied by ALTER TABLE; key order differs between CREATE
# and ALTER, so the SHOW CREATE TABLE lines are compared sorted.  A version
# newer than hposctl knows gets the newest schema and a warning.
. "$TOP/tests/integration/lib.sh"

TABLES="wc_orders wc_order_addresses wc_order_operational_data wc_orders_meta"

expected() { # expected DB ALTER...: WooCommerce 9.9.5's tables, altered
	new_db "$1"
	for t in $TABLES; do
		sql fx_iv_ref "SHOW CREATE TABLE wp_$t" | cut -f2- | sed 's/\\n/\n/g' | sql "$1" "$(cat)"
	done
	[ -n "$2" ] && sql "$1" "$2"
}

lines() { # lines DB TABLE: SHOW CREATE TABLE, one sorted definition a line
	sql "$1" "SHOW CREATE TABLE wp_$2" | cut -f2- | sed 's/ AUTO_INCREMENT=[0-9]*//; s/\\n/\n/g' |
		sed 's/,$//' | sort
}

load_reference fx_iv_ref
expected iv_base ""
expected iv_106 "ALTER TABLE wp_wc_orders ADD KEY customer_id_status (customer_id, status)"
expected iv_108pre "ALTER TABLE wp_wc_orders ADD KEY customer_id_status (customer_id, status), ADD KEY transaction_id (transaction_id(20));
	ALTER TABLE wp_wc_orders_meta DROP KEY meta_key_value, ADD KEY meta_key_value (meta_key(100))"
expected iv_108 "ALTER TABLE wp_wc_orders ADD KEY customer_id_status (customer_id, status), ADD KEY transaction_id (transaction_id(20));
	ALTER TABLE wp_wc_orders_meta DROP KEY meta_key_value, ADD KEY meta_key_value (meta_key(50), meta_value(20))"

load_fixture fx_iv
check() { # check VERSION EXPECTED_DB LABEL [db_version]
	sql fx_iv "DROP TABLE IF EXISTS wp_wc_orders, wp_wc_order_addresses, wp_wc_order_operational_data, wp_wc_orders_meta;
		DELETE FROM wp_options WHERE option_name IN ('woocommerce_version', 'woocommerce_db_version')"
	[ -n "$1" ] && sql fx_iv "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('woocommerce_version', '$1', 'auto')"
	[ -n "${4:-}" ] && sql fx_iv "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('woocommerce_db_version', '$4', 'auto')"
	run hpos fx_iv install
	assert_eq 0 "$rc" "$3: install exits 0"
	for t in $TABLES; do
		assert_eq "$(lines "$2" $t)" "$(lines fx_iv $t)" "$3: SHOW CREATE TABLE wp_$t"
	done
}

check 10.5.3 iv_base "10.5.3 (before #62874)"
assert_eq "" "$err" "10.5.3: no warning"
check 10.6.0 iv_106 "10.6.0 (after #62874)"
check 10.7.1 iv_106 "10.7.1 (before #64025, #63897)"
check 10.8.0-beta.2 iv_108pre "10.8.0-beta.2 (after #64025, #63897; before #65146)"
check 10.8.0 iv_108 "10.8.0 (after #65146)"
check 11.3.0 iv_108 "11.3.0"
assert_eq "" "$err" "11.3.0: no warning"
check 12.1.0 iv_108 "12.1.0 (newer than known: the newest schema)"
assert_contains "$err" "WooCommerce 12.1.0, newer than hposctl knows" "12.1.0: install warns"
check "" iv_106 "woocommerce_db_version 10.6.0 alone" 10.6.0
# The base schema is also byte-identical to WooCommerce 9.9.5's recording.
check 9.9.5 iv_base "9.9.5"
for t in $TABLES; do
	assert_eq "$(sql fx_iv_ref "SHOW CREATE TABLE wp_$t" | cut -f2- | sed 's/ AUTO_INCREMENT=[0-9]*//')" \
		"$(sql fx_iv "SHOW CREATE TABLE wp_$t" | cut -f2- | sed 's/ AUTO_INCREMENT=[0-9]*//')" "9.9.5: wp_$t exactly as WooCommerce created it"
done
finish
