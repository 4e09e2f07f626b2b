# diff --format=table|csv|json|yaml: csv and yaml print what
# `wp wc hpos diff` prints (WooCommerce's CLIRunner::diff through wp-cli's
# format_items): only the differing properties, columns property, hpos,
# post, NULL as ''; with no difference "Success: No differences found."
. "$TOP/tests/integration/lib.sh"

load_fixture dfmt
run hpos dfmt sync
assert_eq 0 "$rc" "sync exits 0"
O=$(sql dfmt "SELECT MIN(id) FROM wp_wc_orders WHERE type = 'shop_order'")
for f in csv yaml; do
	run hpos dfmt diff "$O" --format $f
	assert_eq 0 "$rc" "$f: identical order exits 0"
	assert_eq "Success: No differences found." "$out" "$f: identical order says so, as wp does"
done
sql dfmt "UPDATE wp_wc_orders SET currency = 'EUR', customer_note = 'a, \"b\"' WHERE id = $O;
	UPDATE wp_wc_order_addresses SET city = 'New York' WHERE order_id = $O AND address_type = 'billing'"
post_city=$(sql dfmt "SELECT meta_value FROM wp_postmeta WHERE post_id = $O AND meta_key = '_billing_city'")
run hpos dfmt diff "$O" --format csv
assert_eq 1 "$rc" "csv: a differing order exits 1"
assert_contains "$err" "Warning: Differences found for order $O:" "csv: wp's warning on stderr"
assert_eq "property,hpos,post" "$(printf '%s\n' "$out" | head -1)" "csv: wp's header"
assert_eq 4 "$(printf '%s\n' "$out" | wc -l)" "csv: header and the three differing properties only"
assert_contains "$out" "currency,EUR,$(sql dfmt "SELECT meta_value FROM wp_postmeta WHERE post_id = $O AND meta_key = '_order_currency'")" "csv: currency row"
assert_contains "$out" 'customer_note,"a, ""b""",' "csv: a field with a comma and quotes is quoted as fputcsv does"
assert_contains "$out" "billing_city,\"New York\",$post_city" "csv: a field with a space is quoted"
run hpos dfmt diff "$O" --format yaml
assert_eq 1 "$rc" "yaml: exit 1"
assert_eq "---" "$(printf '%s\n' "$out" | head -1)" "yaml: a document"
assert_contains "$out" "- 
  property: currency
  hpos: EUR" "yaml: a list of property/hpos/post maps"
assert_contains "$out" '  hpos: "a, \"b\""' "yaml: a value with a comma and quotes is double-quoted"
assert_eq 3 "$(printf '%s\n' "$out" | grep -c '^  property: ')" "yaml: the three differing properties only"
run hpos dfmt diff "$O" --format json
assert_contains "$out" '"differences":3,' "json: hposctl's own shape is kept"
run hpos dfmt diff "$O"
assert_contains "$out" "* order.currency" "table: hposctl's own table is kept"
run hpos dfmt diff "$O" --format xml
assert_eq 64 "$rc" "an unknown format is a usage error"
finish
