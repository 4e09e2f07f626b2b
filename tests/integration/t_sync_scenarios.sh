# sync on small hand-built stores: WooCommerce's own migration scenarios
# (reference woocommerce-hpos.md §12.1/§12.2, §2, §4.4-4.9, §12.9, §14),
# with the exact column values WooCommerce 9.9.5 writes.
#
# Each scenario builds its own database (tss_<n>) with the fixture's schema
# and wp_options, inserts wp_posts/wp_postmeta rows, runs `hposctl sync` and
# reads the HPOS tables back.  Every value is compared as text, with NULL
# shown as <NULL>, so NULL and '' and 0 are told apart.
. "$TOP/tests/integration/lib.sh"

# ---- helpers (kept in this file: lib.sh is shared) ------------------------
# The 47 keys WooCommerce maps to columns (§2.5); none may reach wc_orders_meta.
MAPPED_KEY_LIST="_order_currency _order_tax _order_total _customer_user _billing_email _payment_method
 _payment_method_title _customer_ip_address _customer_user_agent _transaction_id
 _billing_first_name _billing_last_name _billing_company _billing_address_1 _billing_address_2
 _billing_city _billing_state _billing_postcode _billing_country _billing_phone
 _shipping_first_name _shipping_last_name _shipping_company _shipping_address_1 _shipping_address_2
 _shipping_city _shipping_state _shipping_postcode _shipping_country _shipping_email _shipping_phone
 _created_via _order_version _prices_include_tax _recorded_coupon_usage_counts
 _download_permissions_granted _cart_hash _new_order_email_sent _order_key _order_stock_reduced
 _date_paid _date_completed _order_shipping_tax _order_shipping _cart_discount_tax _cart_discount
 _recorded_sales"
MAPPED_KEYS=$(for k in $MAPPED_KEY_LIST; do printf "'%s'," "$k"; done | sed 's/,$//')
ORDER_COLS="id,status,currency,type,tax_amount,total_amount,customer_id,billing_email,date_created_gmt,date_updated_gmt,parent_order_id,payment_method,payment_method_title,transaction_id,ip_address,user_agent,customer_note"
ADDR_COLS="first_name,last_name,company,address_1,address_2,city,state,postcode,country,email,phone"
OP_COLS="created_via,woocommerce_version,prices_include_tax,coupon_usages_are_counted,download_permission_granted,cart_hash,new_order_email_sent,order_key,order_stock_reduced,date_paid_gmt,date_completed_gmt,shipping_tax_amount,shipping_total_amount,discount_tax_amount,discount_total_amount,recorded_sales"
ALLNULL_ADDR="<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>"

# CONCAT_WS('|', IFNULL(CAST(c AS CHAR),'<NULL>'), ...) over a column list
rowexpr() { echo "$1" | awk -F, '{ for (i = 1; i <= NF; i++) printf "%sIFNULL(CAST(%s AS CHAR),\"<NULL>\")", (i > 1 ? "," : ""), $i }'; }
orow() { sql "$1" "SELECT CONCAT_WS('|',$(rowexpr "$ORDER_COLS")) FROM wp_wc_orders WHERE id=$2"; }
arow() { sql "$1" "SELECT CONCAT_WS('|',$(rowexpr "$ADDR_COLS")) FROM wp_wc_order_addresses WHERE order_id=$2 AND address_type='$3'"; }
oprow() { sql "$1" "SELECT CONCAT_WS('|',$(rowexpr "$OP_COLS")) FROM wp_wc_order_operational_data WHERE order_id=$2"; }
metarows() { sql "$1" "SELECT CONCAT(meta_key,'=',IFNULL(meta_value,'<NULL>')) FROM wp_wc_orders_meta WHERE order_id=$2 ORDER BY id" | tr '\n' ';'; }

post() { # post DB ID TYPE STATUS DATE_GMT MODIFIED_GMT PARENT EXCERPT
	pd=$5; [ "$5" = "0000-00-00 00:00:00" ] && pd="2024-03-01 08:00:00"
	sql "$1" "INSERT INTO wp_posts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt,
	 post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified,
	 post_modified_gmt, post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count)
	 VALUES ($2, 1, '$pd', '$5', '', 'Order', $(q "$8"), '$4', 'closed', 'closed', 'wc_order_x', 'order-$2', '', '',
	 '$6', '$6', '', $7, '', 0, '$3', '', 1)"
}
MS=""
meta_begin() { MS=""; }
m() { MS="$MS${MS:+,}($1,$(q "$2"),$(q "$3"))"; } # m ID KEY VALUE (meta_id in call order)
meta_flush() { sql "$1" "INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES $MS"; MS=""; }
simple_order() { # simple_order DB ID DATE_GMT: 9 mapped keys, 4 unmapped rows
	post "$1" "$2" shop_order wc-processing "$3" "$3" 0 ''
	meta_begin
	m "$2" _order_key "wc_order_$2"
	m "$2" _customer_user 3
	m "$2" _order_currency USD
	m "$2" _order_total 25.00
	m "$2" _billing_first_name Ann
	m "$2" _billing_email ann@example.com
	m "$2" _shipping_first_name Albert
	m "$2" _shipping_city Bern
	m "$2" _date_paid 1705314600
	m "$2" _billing_address_index "Ann ann@example.com"
	m "$2" _shipping_address_index "Albert Bern"
	m "$2" multi x
	m "$2" multi y
	meta_flush "$1"
}
# ----------------------------------------------------------------------------

store_init tss_fx

# --------------------------------------------------------------------------
# 1. The complex order of OrderHelper::create_complex_wp_post_order()
#    (§12.1, expectations of §12.2 #1, #2).
# --------------------------------------------------------------------------
D=tss_1
mkstore $D
post $D 1001 shop_order wc-completed '2024-01-15 10:30:00' '2024-01-15 10:35:00' 0 'Please be careful'
meta_begin
m 1001 _order_key wc_order_AbC123xYz9QkL
m 1001 _customer_user 7
m 1001 _payment_method mock
m 1001 _payment_method_title 'Direct bank transfer'
m 1001 _transaction_id mock1
m 1001 _customer_ip_address 1.1.1.1
m 1001 _customer_user_agent wc_unit_tests
m 1001 _created_via unit_tests
m 1001 _cart_hash 1234
m 1001 _order_currency INR
m 1001 _cart_discount 0
m 1001 _cart_discount_tax 0
m 1001 _order_shipping 10
m 1001 _order_shipping_tax 0
m 1001 _order_tax 0
m 1001 _order_total 50.00
m 1001 _order_version 9.9.5
m 1001 _prices_include_tax yes
m 1001 _billing_first_name Jeroen
m 1001 _billing_last_name Sormani
m 1001 _billing_company WooCompany
m 1001 _billing_address_1 WooAddress
m 1001 _billing_city WooCity
m 1001 _billing_state NY
m 1001 _billing_postcode 123456
m 1001 _billing_country US
m 1001 _billing_email user7@example.com
m 1001 _billing_phone 555-32123
m 1001 _shipping_first_name Albert
m 1001 _shipping_last_name Einstein
m 1001 _shipping_company 'The Olympia Academy'
m 1001 _shipping_address_1 '112 Mercer Street'
m 1001 _shipping_address_2 Princeton
m 1001 _shipping_city 'New Jersey'
m 1001 _shipping_postcode 08544
m 1001 _shipping_country US
m 1001 _shipping_phone 299792458
m 1001 _billing_address_index 'Jeroen Sormani WooCompany WooAddress  WooCity NY 123456 US user7@example.com 555-32123'
m 1001 _shipping_address_index 'Albert Einstein The Olympia Academy 112 Mercer Street Princeton New Jersey  08544 US 299792458'
m 1001 _download_permissions_granted yes
m 1001 _recorded_sales yes
m 1001 _recorded_coupon_usage_counts yes
m 1001 _new_order_email_sent true
m 1001 _order_stock_reduced yes
m 1001 _date_paid 1705314600
m 1001 _date_completed 1705315200
m 1001 _paid_date '2024-01-15 10:30:00'
m 1001 _completed_date '2024-01-15 10:40:00'
m 1001 _edit_lock 1705314600:1
m 1001 unique_key_1 unique_value_1
m 1001 non_unique_key_1 non_unique_value_1
m 1001 non_unique_key_1 non_unique_value_2
meta_flush $D

run hpos $D sync
assert_eq 0 "$rc" "1: sync exits 0"
assert_contains "$out" "There is 1 order to be synced." "1: one order pending"
assert_eq "1001|wc-completed|INR|shop_order|0.00000000|50.00000000|7|user7@example.com|2024-01-15 10:30:00|2024-01-15 10:35:00|0|mock|Direct bank transfer|mock1|1.1.1.1|wc_unit_tests|Please be careful" \
	"$(orow $D 1001)" "1: wc_orders row, every column"
assert_eq "Jeroen|Sormani|WooCompany|WooAddress|<NULL>|WooCity|NY|123456|US|user7@example.com|555-32123" \
	"$(arow $D 1001 billing)" "1: billing address row (absent address_2 is NULL)"
assert_eq "Albert|Einstein|The Olympia Academy|112 Mercer Street|Princeton|New Jersey|<NULL>|08544|US|<NULL>|299792458" \
	"$(arow $D 1001 shipping)" "1: shipping address row (postcode keeps its leading zero, no state, no email)"
assert_eq "unit_tests|9.9.5|1|1|1|1234|1|wc_order_AbC123xYz9QkL|1|2024-01-15 10:30:00|2024-01-15 10:40:00|0.00000000|10.00000000|0.00000000|0.00000000|1" \
	"$(oprow $D 1001)" "1: operational data row, every column (epochs in UTC)"
assert_eq "_billing_address_index=Jeroen Sormani WooCompany WooAddress  WooCity NY 123456 US user7@example.com 555-32123;_shipping_address_index=Albert Einstein The Olympia Academy 112 Mercer Street Princeton New Jersey  08544 US 299792458;_paid_date=2024-01-15 10:30:00;_completed_date=2024-01-15 10:40:00;_edit_lock=1705314600:1;unique_key_1=unique_value_1;non_unique_key_1=non_unique_value_1;non_unique_key_1=non_unique_value_2;" \
	"$(metarows $D 1001)" "1: wc_orders_meta = the unmapped keys, in meta_id order"
assert_eq 1 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1001 AND meta_key='unique_key_1' AND meta_value='unique_value_1'")" "1: exactly one unique_key_1"
assert_eq "non_unique_value_1,non_unique_value_2" "$(sql $D "SELECT GROUP_CONCAT(meta_value ORDER BY id) FROM wp_wc_orders_meta WHERE order_id=1001 AND meta_key='non_unique_key_1'")" "1: two non_unique_key_1, in order"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE BINARY meta_key IN ($MAPPED_KEYS)")" "1: no mapped key in wc_orders_meta"
assert_eq "1 2 1" "$(rowcounts $D 1001)" "1: one wc_orders row, two address rows, one op row"

# --------------------------------------------------------------------------
# 2. Exponent notation (§12.2 #17, §2.1): floatval() then %F.
# --------------------------------------------------------------------------
D=tss_2
mkstore $D
post $D 1101 shop_order wc-processing '2024-01-15 10:30:00' '2024-01-15 10:30:01' 0 ''
meta_begin
m 1101 _order_key wc_order_exp
m 1101 _order_tax 7.1054273576E-15
m 1101 _order_total 12E-2
m 1101 _cart_discount_tax 1237E-2
m 1101 _cart_discount 1.5e1
m 1101 _order_shipping 2.5E+1
meta_flush $D
run hpos $D sync
assert_eq 0 "$rc" "2: sync exits 0"
assert_eq "0.00000000" "$(sql $D "SELECT CAST(tax_amount AS CHAR) FROM wp_wc_orders WHERE id=1101")" "2: _order_tax 7.1054273576E-15 -> 0.00000000"
assert_eq "0.12000000" "$(sql $D "SELECT CAST(total_amount AS CHAR) FROM wp_wc_orders WHERE id=1101")" "2: _order_total 12E-2 -> 0.12000000"
assert_eq "12.37000000" "$(sql $D "SELECT CAST(discount_tax_amount AS CHAR) FROM wp_wc_order_operational_data WHERE order_id=1101")" "2: _cart_discount_tax 1237E-2 -> 12.37000000"
assert_eq "15.00000000|25.00000000" "$(sql $D "SELECT CONCAT_WS('|',discount_total_amount,shipping_total_amount) FROM wp_wc_order_operational_data WHERE order_id=1101")" "2: 1.5e1 -> 15, 2.5E+1 -> 25"

# --------------------------------------------------------------------------
# 3. Duplicated mapped keys: the first row by meta_id wins (§2.8, §12.2 #14),
#    except that a first value that converts to NULL (NULL meta_value, ''
#    epoch) is overwritten by a later one (PHP isset()).
# --------------------------------------------------------------------------
D=tss_3
mkstore $D
post $D 1201 shop_order wc-processing '2024-01-15 10:30:00' '2024-01-15 10:30:01' 0 ''
sql $D "INSERT INTO wp_postmeta (meta_id, post_id, meta_key, meta_value) VALUES
 (10, 1201, '_order_key', 'wc_order_original'),
 (11, 1201, '_billing_city', NULL),
 (12, 1201, '_date_paid', ''),
 (13, 1201, '_billing_company', ''),
 (14, 1201, '_order_total', '10.50'),
 (20, 1201, '_order_key', 'second_order_key_should_be_ignored'),
 (21, 1201, '_billing_city', 'Later City'),
 (22, 1201, '_date_paid', '1705314600'),
 (23, 1201, '_billing_company', 'Later Company'),
 (24, 1201, '_order_total', '99.00'),
 (25, 1201, '_billing_city', 'Third City')"
run hpos $D sync
assert_eq 0 "$rc" "3: sync exits 0"
assert_eq "wc_order_original" "$(sql $D "SELECT order_key FROM wp_wc_order_operational_data WHERE order_id=1201")" "3: the first _order_key wins"
assert_eq "Later City" "$(sql $D "SELECT IFNULL(city,'<NULL>') FROM wp_wc_order_addresses WHERE order_id=1201 AND address_type='billing'")" "3: a NULL first _billing_city is replaced by the next value"
assert_eq "2024-01-15 10:30:00" "$(sql $D "SELECT IFNULL(CAST(date_paid_gmt AS CHAR),'<NULL>') FROM wp_wc_order_operational_data WHERE order_id=1201")" "3: an empty first _date_paid is replaced by the later epoch"
assert_eq "" "$(sql $D "SELECT IFNULL(company,'<NULL>') FROM wp_wc_order_addresses WHERE order_id=1201 AND address_type='billing'")" "3: an empty first _billing_company ('' is set) wins"
assert_eq "10.50000000" "$(sql $D "SELECT CAST(total_amount AS CHAR) FROM wp_wc_orders WHERE id=1201")" "3: the first _order_total wins"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1201")" "3: no duplicate of a mapped key lands in wc_orders_meta"

# --------------------------------------------------------------------------
# 4. Missing keys -> NULL; present but empty values (§2.1, §2.7, §13.3).
# --------------------------------------------------------------------------
D=tss_4
mkstore $D
post $D 1301 shop_order wc-pending '2024-01-15 10:30:00' '2024-01-15 10:30:01' 0 ''
post $D 1302 shop_order wc-pending '2024-01-15 11:30:00' '2024-01-15 11:30:01' 0 ''
meta_begin
for k in $MAPPED_KEY_LIST; do m 1302 "$k" ''; done
meta_flush $D
run hpos $D sync
assert_eq 0 "$rc" "4: sync exits 0"
assert_eq "1301|wc-pending|<NULL>|shop_order|<NULL>|<NULL>|<NULL>|<NULL>|2024-01-15 10:30:00|2024-01-15 10:30:01|0|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|" \
	"$(orow $D 1301)" "4: no meta at all: every meta column NULL, customer_note '' from the empty excerpt"
assert_eq "$ALLNULL_ADDR" "$(arow $D 1301 billing)" "4: no meta: billing row exists, all NULL"
assert_eq "$ALLNULL_ADDR" "$(arow $D 1301 shipping)" "4: no meta: shipping row exists, all NULL"
assert_eq "<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>" \
	"$(oprow $D 1301)" "4: no meta: op row exists, flags NULL (not 0), decimals NULL"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1301")" "4: no meta rows"
assert_eq "1302|wc-pending||shop_order|0.00000000|0.00000000|0||2024-01-15 11:30:00|2024-01-15 11:30:01|0||||||" \
	"$(orow $D 1302)" "4: empty values: strings '', decimals 0.00000000, customer_id 0"
assert_eq "||||||||||" "$(arow $D 1302 billing)" "4: empty values: billing columns ''"
assert_eq "||||||||||" "$(arow $D 1302 shipping)" "4: empty values: shipping columns '' (incl. _shipping_email)"
assert_eq "||0|0|0||0||0|<NULL>|<NULL>|0.00000000|0.00000000|0.00000000|0.00000000|0" \
	"$(oprow $D 1302)" "4: empty values: flags 0, epochs NULL, decimals 0.00000000"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1302")" "4: empty mapped keys are not copied to meta"

# --------------------------------------------------------------------------
# 5. Migrating twice; partly migrated orders are completed (§12.2 #2, §14.16).
# --------------------------------------------------------------------------
D=tss_5
mkstore $D
simple_order $D 1401 '2024-01-15 10:30:00'
simple_order $D 1402 '2024-01-15 10:40:00'
run hpos $D sync
assert_eq 0 "$rc" "5: first sync exits 0"
meta1401=$(metarows $D 1401)
row1401=$(orow $D 1401)
sql $D "DELETE FROM wp_wc_orders WHERE id=1401"
assert_eq 1 "$(hpos $D count_unmigrated --porcelain)" "5: an order without its wc_orders row is pending"
run hpos $D sync
assert_eq 0 "$rc" "5: second sync exits 0"
assert_eq "1 2 1" "$(rowcounts $D 1401)" "5: after re-migration: 1 wc_orders row, 2 address rows, 1 op row"
assert_eq 1 "$(sql $D "SELECT COUNT(*) FROM wp_wc_order_addresses WHERE order_id=1401 AND address_type='billing'")" "5: one billing row"
assert_eq "$meta1401" "$(metarows $D 1401)" "5: meta not duplicated"
assert_eq "$row1401" "$(orow $D 1401)" "5: wc_orders row restored exactly"
assert_eq 2 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1401 AND meta_key='multi'")" "5: the two-valued key still has two rows"
ship1402=$(arow $D 1402 shipping)
sql $D "DELETE FROM wp_wc_order_addresses WHERE order_id=1402 AND address_type='shipping'"
sql $D "UPDATE wp_posts SET post_modified_gmt='2024-01-16 08:00:00', post_modified='2024-01-16 08:00:00' WHERE ID=1402"
run hpos $D sync
assert_eq 0 "$rc" "5: third sync exits 0"
assert_contains "$out" "There is 1 order to be synced." "5: the modified order is pending"
assert_eq "1 2 1" "$(rowcounts $D 1402)" "5: the missing shipping row is recreated, nothing duplicated"
assert_eq "$ship1402" "$(arow $D 1402 shipping)" "5: shipping row has its values again"
assert_eq "2024-01-16 08:00:00" "$(sql $D "SELECT CAST(date_updated_gmt AS CHAR) FROM wp_wc_orders WHERE id=1402")" "5: date_updated_gmt follows post_modified_gmt"
assert_eq 4 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1402")" "5: meta of 1402 not duplicated"

# --------------------------------------------------------------------------
# 6. Refunds, with and without their parent (§4.8, §12.9, §13.2).
# --------------------------------------------------------------------------
D=tss_6
mkstore $D
simple_order $D 1501 '2024-01-15 10:30:00'
post $D 1502 shop_order_refund wc-completed '2024-01-16 09:00:00' '2024-01-16 09:00:00' 1501 ''
post $D 1503 shop_order_refund wc-completed '2024-01-16 09:10:00' '2024-01-16 09:10:00' 999999 'Old refund reason'
meta_begin
for id in 1502 1503; do
	m $id _order_currency USD
	m $id _cart_discount 0
	m $id _cart_discount_tax 0
	m $id _order_shipping 0
	m $id _order_shipping_tax 0
	m $id _order_tax 0
	m $id _order_total -10.00
	m $id _order_version 9.9.5
	m $id _prices_include_tax no
	m $id _refund_amount 10
	m $id _refund_reason Test
	m $id _refunded_by 1
	m $id _refunded_payment ''
done
meta_flush $D
run hpos $D sync
assert_eq 0 "$rc" "6: sync exits 0"
assert_contains "$out" "There are 3 orders to be synced." "6: refunds count as orders"
assert_eq "1502|wc-completed|USD|shop_order_refund|0.00000000|-10.00000000|<NULL>|<NULL>|2024-01-16 09:00:00|2024-01-16 09:00:00|1501|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|" \
	"$(orow $D 1502)" "6: refund: parent_order_id = post_parent, negative total, NULL customer and email"
assert_eq "$ALLNULL_ADDR" "$(arow $D 1502 billing)" "6: refund: billing row, all NULL"
assert_eq "$ALLNULL_ADDR" "$(arow $D 1502 shipping)" "6: refund: shipping row, all NULL"
assert_eq "<NULL>|9.9.5|0|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|0.00000000|0.00000000|0.00000000|0.00000000|<NULL>" \
	"$(oprow $D 1502)" "6: refund: op row present, NULL created_via/order_key/flags"
assert_eq "_refund_amount=10;_refund_reason=Test;_refunded_by=1;_refunded_payment=;" "$(metarows $D 1502)" "6: refund keys in wc_orders_meta"
assert_eq "1503|wc-completed|USD|shop_order_refund|0.00000000|-10.00000000|<NULL>|<NULL>|2024-01-16 09:10:00|2024-01-16 09:10:00|999999|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|Old refund reason" \
	"$(orow $D 1503)" "6: refund with a missing parent: parent_order_id 999999 copied verbatim"
assert_eq "1 2 1" "$(rowcounts $D 1503)" "6: orphan refund: all four tables"

# --------------------------------------------------------------------------
# 7. Unmapped meta is copied byte for byte (§2.5, appendix "collation trap").
# --------------------------------------------------------------------------
D=tss_7
mkstore $D
post $D 1601 shop_order wc-on-hold '2024-01-15 10:30:00' '2024-01-15 10:30:01' 0 ''
sql $D "INSERT INTO wp_postmeta (meta_id, post_id, meta_key, meta_value) VALUES
 (105, 1601, 'multi', 'zulu'),
 (101, 1601, '_Billing_city', 'Upper Key City'),
 (102, 1601, '_billing_city ', 'Trailing Space City'),
 (103, 1601, '_billing_city', 'Real City'),
 (104, 1601, '_order_key', 'wc_order_bytes'),
 (107, 1601, 'multi', 'mike'),
 (106, 1601, 'multi', 'alpha'),
 (108, 1601, 'case_key', 'value'),
 (109, 1601, 'case_key', 'Value'),
 (110, 1601, 'case_key', 'value '),
 (111, 1601, 'null_value_key', NULL),
 (112, 1601, NULL, 'value of a NULL key'),
 (113, 1601, 'utf8_key', 'Zoë \"quoted\" \\\\ back\\\\slash\nnewline')"
run hpos $D sync
assert_eq 0 "$rc" "7: sync exits 0"
assert_eq "Real City" "$(sql $D "SELECT IFNULL(city,'<NULL>') FROM wp_wc_order_addresses WHERE order_id=1601 AND address_type='billing'")" "7: only the byte-exact _billing_city feeds the column"
assert_eq "5f42696c6c696e675f63697479=Upper Key City;5f62696c6c696e675f6369747920=Trailing Space City;" \
	"$(sql $D "SELECT CONCAT(LOWER(HEX(meta_key)),'=',meta_value) FROM wp_wc_orders_meta WHERE order_id=1601 AND meta_key LIKE '%illing%' ORDER BY id" | tr '\n' ';')" \
	"7: '_Billing_city' and '_billing_city ' are ordinary meta, keys byte-exact"
assert_eq "zulu,alpha,mike" "$(sql $D "SELECT GROUP_CONCAT(meta_value ORDER BY id) FROM wp_wc_orders_meta WHERE order_id=1601 AND meta_key='multi'")" "7: three values of a key kept in meta_id order"
assert_eq "76616c7565,56616c7565,76616c756520" "$(sql $D "SELECT LOWER(GROUP_CONCAT(HEX(meta_value) ORDER BY id)) FROM wp_wc_orders_meta WHERE order_id=1601 AND meta_key='case_key'")" "7: 'value','Value','value ' kept as three rows, byte-exact"
assert_eq "" "$(sql $D "SELECT IFNULL(meta_value,'<NULL>') FROM wp_wc_orders_meta WHERE order_id=1601 AND meta_key='null_value_key'")" "7: a NULL meta_value is copied as ''"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE meta_key IS NULL OR meta_value='value of a NULL key'")" "7: a NULL meta_key row is not copied"
assert_eq "$(sql $D "SELECT HEX(meta_value) FROM wp_postmeta WHERE meta_id=113")" "$(sql $D "SELECT HEX(meta_value) FROM wp_wc_orders_meta WHERE order_id=1601 AND meta_key='utf8_key'")" "7: unicode, quotes, backslashes, newline copied byte for byte"
assert_eq 10 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1601")" "7: exactly 10 meta rows (13 postmeta - _billing_city - _order_key - NULL key)"

# --------------------------------------------------------------------------
# 8. Statuses copied verbatim; auto-drafts are not migrated (§2.2, §3.1).
# --------------------------------------------------------------------------
D=tss_8
mkstore $D
post $D 1701 shop_order trash '2024-01-15 10:30:00' '2024-01-15 10:31:00' 0 ''
post $D 1702 shop_order draft '2024-01-15 10:32:00' '2024-01-15 10:33:00' 0 ''
post $D 1703 shop_order wc-checkout-draft '2024-01-15 10:34:00' '2024-01-15 10:35:00' 0 ''
post $D 1704 shop_order auto-draft '2024-01-15 10:36:00' '2024-01-15 10:37:00' 0 ''
meta_begin
m 1701 _order_key wc_order_trash
m 1701 _wp_trash_meta_status wc-processing
m 1701 _wp_trash_meta_time 1705314660
m 1702 _order_key wc_order_draft
m 1703 _order_key wc_order_checkout
m 1704 _order_key wc_order_auto
meta_flush $D
hpos $D install >/dev/null 2>&1
assert_eq 3 "$(hpos $D count_unmigrated --porcelain)" "8: count_unmigrated ignores the auto-draft (tables present)"
run hpos $D sync
assert_eq 0 "$rc" "8: sync exits 0"
assert_eq "1701=trash;1702=draft;1703=wc-checkout-draft;" "$(sql $D "SELECT CONCAT(id,'=',status) FROM wp_wc_orders ORDER BY id" | tr '\n' ';')" "8: statuses verbatim; the auto-draft is not migrated"
assert_eq "_wp_trash_meta_status=wc-processing;_wp_trash_meta_time=1705314660;" "$(metarows $D 1701)" "8: trash meta copied"
assert_eq "0 0 0" "$(rowcounts $D 1704)" "8: no HPOS row at all for the auto-draft"
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "8: nothing pending afterwards"

# --------------------------------------------------------------------------
# 9. Zero dates and epoch 0 (§2.1 "The zero date", §12.9).
# --------------------------------------------------------------------------
D=tss_9
mkstore $D
post $D 1801 shop_order draft '0000-00-00 00:00:00' '2024-03-01 09:00:00' 0 ''
meta_begin
m 1801 _order_key wc_order_zero
m 1801 _date_paid 0
m 1801 _date_completed ''
meta_flush $D
run hpos $D sync
assert_eq 0 "$rc" "9: sync exits 0"
assert_eq "0000-00-00 00:00:00|2024-03-01 09:00:00" "$(sql $D "SELECT CONCAT_WS('|',IFNULL(CAST(date_created_gmt AS CHAR),'<NULL>'),IFNULL(CAST(date_updated_gmt AS CHAR),'<NULL>')) FROM wp_wc_orders WHERE id=1801")" \
	"9: zero post_date_gmt -> date_created_gmt '0000-00-00 00:00:00', as WooCommerce 9.9.5 writes"
assert_eq "1970-01-01 00:00:00|<NULL>" "$(sql $D "SELECT CONCAT_WS('|',IFNULL(CAST(date_paid_gmt AS CHAR),'<NULL>'),IFNULL(CAST(date_completed_gmt AS CHAR),'<NULL>')) FROM wp_wc_order_operational_data WHERE order_id=1801")" \
	"9: _date_paid '0' -> 1970-01-01 00:00:00, empty _date_completed -> NULL"
run hpos $D sync
assert_contains "$out" "There are 0 orders to be synced." "9: the zero-dated order is not pending again"

# --------------------------------------------------------------------------
# 10. A changed order is re-migrated (§4.5, §4.6 10.4+, §12.2 #3).
# --------------------------------------------------------------------------
D=tss_10
mkstore $D
simple_order $D 1901 '2024-01-15 10:30:00'
meta_begin
m 1901 stale_key stale
m 1901 keep_key keep
meta_flush $D
run hpos $D sync
assert_eq 0 "$rc" "10: first sync exits 0"
assert_eq "Albert" "$(sql $D "SELECT first_name FROM wp_wc_order_addresses WHERE order_id=1901 AND address_type='shipping'")" "10: shipping first name Albert after the first sync"
sql $D "UPDATE wp_postmeta SET meta_value='John' WHERE post_id=1901 AND meta_key='_shipping_first_name';
 UPDATE wp_postmeta SET meta_value='99.99' WHERE post_id=1901 AND meta_key='_order_total';
 DELETE FROM wp_postmeta WHERE post_id=1901 AND meta_key='stale_key';
 DELETE FROM wp_postmeta WHERE post_id=1901 AND meta_key='multi';
 INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES (1901,'multi','p'),(1901,'multi','q'),(1901,'multi','r');
 UPDATE wp_posts SET post_modified_gmt='2024-02-01 12:00:07', post_modified='2024-02-01 12:00:07' WHERE ID=1901"
run hpos $D sync
assert_eq 0 "$rc" "10: second sync exits 0"
assert_contains "$out" "There is 1 order to be synced." "10: the changed order is pending"
assert_eq "John" "$(sql $D "SELECT first_name FROM wp_wc_order_addresses WHERE order_id=1901 AND address_type='shipping'")" "10: shipping first name is now John"
assert_eq "99.99000000" "$(sql $D "SELECT CAST(total_amount AS CHAR) FROM wp_wc_orders WHERE id=1901")" "10: total_amount updated"
assert_eq "2024-02-01 12:00:07" "$(sql $D "SELECT CAST(date_updated_gmt AS CHAR) FROM wp_wc_orders WHERE id=1901")" "10: date_updated_gmt = the new post_modified_gmt exactly"
assert_eq "keep_key=keep;multi=p;multi=q;multi=r;" "$(sql $D "SELECT CONCAT(meta_key,'=',meta_value) FROM wp_wc_orders_meta WHERE order_id=1901 AND meta_key IN ('stale_key','keep_key','multi') ORDER BY meta_key, id" | tr '\n' ';')" \
	"10: stale key gone, multi-valued key replaced in order, nothing duplicated"
assert_eq "$(sql $D "SELECT COUNT(*) FROM wp_postmeta WHERE post_id=1901 AND BINARY meta_key NOT IN ($MAPPED_KEYS)")" "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=1901")" "10: wc_orders_meta has exactly the unmapped postmeta rows"
assert_eq "1 2 1" "$(rowcounts $D 1901)" "10: still one row per table"
before=$(hpos_checksum $D)
run hpos $D sync
assert_eq 0 "$rc" "10: third sync exits 0"
assert_contains "$out" "There are 0 orders to be synced." "10: third sync finds nothing pending"
assert_eq "$before" "$(hpos_checksum $D)" "10: third sync changes nothing"

# --------------------------------------------------------------------------
# 11. Deletion markers (§4.9).
# --------------------------------------------------------------------------
D=tss_11
mkstore $D
simple_order $D 2001 '2024-01-15 10:30:00'
simple_order $D 2002 '2024-01-15 10:40:00'
sql $D "INSERT INTO wp_woocommerce_order_items (order_item_id, order_item_name, order_item_type, order_id) VALUES (501,'Item A','line_item',2001),(502,'Item B','line_item',2002);
 INSERT INTO wp_woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES (501,'_qty','1'),(502,'_qty','2')"
run hpos $D sync
assert_eq 0 "$rc" "11: first sync exits 0"
keep=$(orow $D 2002)
sql $D "DELETE FROM wp_postmeta WHERE post_id=2001; DELETE FROM wp_posts WHERE ID=2001;
 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (2001,'_deleted_from','posts_table'),(777777,'_deleted_from','posts_table')"
assert_eq 2 "$(hpos $D count_unmigrated --porcelain)" "11: markers count as pending"
run hpos $D sync
assert_eq 0 "$rc" "11: sync exits 0"
assert_eq "0 0 0" "$(rowcounts $D 2001)" "11: the deleted order is gone from wc_orders, addresses, op data"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id IN (2001,777777)")" "11: its meta and both markers are gone"
assert_eq "0 0" "$(sql $D "SELECT COUNT(*), (SELECT COUNT(*) FROM wp_woocommerce_order_itemmeta WHERE order_item_id=501) FROM wp_woocommerce_order_items WHERE order_id=2001" | tr '\t' ' ')" "11: its order items and item meta are deleted"
assert_contains "$err" "Order 777777 doesn't exist in the backup table, thus it can't be deleted" "11: a marker for an order not in HPOS warns"
assert_eq "$keep" "$(orow $D 2002)" "11: the other order is untouched"
assert_eq "1 2 1" "$(rowcounts $D 2002)" "11: the other order keeps its rows"
assert_eq 1 "$(sql $D "SELECT COUNT(*) FROM wp_woocommerce_order_items WHERE order_id=2002")" "11: the other order keeps its items"
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "11: nothing pending afterwards"
# 'deleted_from' without the underscore (= the posts table's name) is not a
# marker: no released WooCommerce wrote it (the form appeared only in a
# development-branch test helper; docs/deleting.md), WooCommerce 8.0+ reads
# only '_deleted_from', and it is an ordinary custom field anyone can add.
# It neither counts as pending nor deletes anything, even here where the
# post is really gone; the WooCommerce form then does.
sql $D "DELETE FROM wp_postmeta WHERE post_id=2002; DELETE FROM wp_posts WHERE ID=2002;
 INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (2002,'deleted_from','wp_posts')"
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "11b: 'deleted_from' (no underscore) is not a pending marker"
run hpos $D sync
assert_eq 0 "$rc" "11b: sync with only 'deleted_from' exits 0"
assert_eq "1 2 1" "$(rowcounts $D 2002)" "11b: 'deleted_from' (no underscore) deletes nothing"
sql $D "INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (2002,'_deleted_from','posts_table')"
run hpos $D sync
assert_eq 0 "$rc" "11b: sync with the WooCommerce marker exits 0"
assert_eq "0 0 0" "$(rowcounts $D 2002)" "11b: the WooCommerce marker on an order gone from posts removes it"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id=2002")" "11b: ... and its meta and both meta rows"

# --------------------------------------------------------------------------
# 12. Orders modified in the last few seconds, or in the future (a web
#     server whose clock runs ahead), are left for the next run.
# --------------------------------------------------------------------------
D=tss_12
mkstore $D
simple_order $D 2101 '2024-01-15 10:30:00'
simple_order $D 2102 '2024-01-15 10:40:00'
simple_order $D 2103 '2024-01-15 10:50:00'
sql $D "UPDATE wp_posts SET post_modified_gmt = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE ID=2101;
 UPDATE wp_posts SET post_modified_gmt = UTC_TIMESTAMP() + INTERVAL 1 DAY WHERE ID=2102"
run hpos $D sync
assert_eq 0 "$rc" "12: sync exits 0"
assert_contains "$out" "There are 3 orders to be synced." "12: all three are pending"
assert_contains "$out" "were left for the next run" "12: the deferred orders are reported"
assert_eq "0 0 0" "$(rowcounts $D 2101)" "12: the order modified 1 s ago is not synced (default settle)"
assert_eq "0 0 0" "$(rowcounts $D 2102)" "12: the order modified in the future is not synced either"
assert_contains "$err" "order 2102 was modified" "12: the future modification time is warned about"
assert_contains "$err" "clock may run ahead" "12: ... as clock skew"
assert_eq "1 2 1" "$(rowcounts $D 2103)" "12: the old order is synced"
sql $D "UPDATE wp_posts SET post_modified_gmt = UTC_TIMESTAMP() - INTERVAL 100 SECOND WHERE ID=2101"
run hpos $D sync --settle 600
assert_eq "0 0 0" "$(rowcounts $D 2101)" "12: --settle 600 defers an order modified 100 s ago"
run hpos $D sync --settle 0
assert_eq 0 "$rc" "12: sync --settle 0 exits 0"
assert_eq "1 2 1" "$(rowcounts $D 2101)" "12: --settle 0 syncs it"
assert_eq "1 2 1" "$(rowcounts $D 2102)" "12: --settle 0 syncs the order modified in the future"
assert_eq "$(sql $D "SELECT CAST(post_modified_gmt AS CHAR) FROM wp_posts WHERE ID=2102")" "$(sql $D "SELECT CAST(date_updated_gmt AS CHAR) FROM wp_wc_orders WHERE id=2102")" "12: future date copied exactly"
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "12: nothing pending afterwards"
finish
