# backfill: WooCommerce's per-order repair command, both directions, whole
# orders, ranges, --meta-keys and --props, and its argument errors.
. "$TOP/tests/integration/lib.sh"

load_fixture fx_bf
load_reference fx_bf_ref
run hpos fx_bf sync
assert_eq 0 "$rc" "sync exits 0"

# Argument checks, with WooCommerce's messages.
run hpos fx_bf backfill 0 --from hpos --to posts
assert_eq 64 "$rc" "order 0 is a usage error"
assert_contains "$err" "Please provide a valid order ID." "order 0 message"
run hpos fx_bf backfill 33 --from cpt --to posts
assert_contains "$err" "'cpt' is not a valid datastore." "bad datastore message"
run hpos fx_bf backfill 33 --from posts --to posts
assert_contains "$err" "Please use different source (--from) and destination (--to) datastores." "same datastore message"
run hpos fx_bf backfill 33 --from hpos --to posts --meta-keys _order_total
assert_contains "$err" "_order_total is an internal meta key. Use --props to set it." "internal meta key refused"
run hpos fx_bf backfill 33 --from hpos --to posts --props bogus
assert_contains "$err" "bogus is not a valid order property." "unknown property refused"
run hpos fx_bf backfill 999999 --from hpos --to posts --yes
assert_eq 1 "$rc" "a missing order exits 1"
assert_contains "$err" "An error occurred while backfilling order 999999 from hpos to posts" "missing order message"

# HPOS -> posts, single keys and properties (posts authoritative, sync off:
# backfill works whatever the authority).
sql fx_bf "UPDATE wp_wc_orders_meta SET meta_value = 'from HPOS' WHERE order_id = 44 AND meta_key = 'gift_message';
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES (44, 'utm_source', 'bing');
	UPDATE wp_wc_order_addresses SET first_name = 'Hpos' WHERE order_id = 44 AND address_type = 'billing';
	UPDATE wp_wc_orders SET status = 'wc-on-hold' WHERE id = 44"
run hpos fx_bf backfill 44 --from hpos --to posts --meta-keys gift_message,utm_source --yes
assert_eq 0 "$rc" "backfill --meta-keys exits 0"
assert_contains "$out" "Success: Order 44 backfilled from hpos to posts." "meta-keys success message"
assert_eq "from HPOS" "$(sql fx_bf "SELECT meta_value FROM wp_postmeta WHERE post_id = 44 AND meta_key = 'gift_message'")" "meta key copied"
assert_eq "newsletter google bing" "$(sql fx_bf "SELECT GROUP_CONCAT(meta_value ORDER BY meta_id SEPARATOR ' ') FROM wp_postmeta WHERE post_id = 44 AND meta_key = 'utm_source'")" \
	"every value of a multi-valued key copied, in order"
assert_eq "Li" "$(sql fx_bf "SELECT meta_value FROM wp_postmeta WHERE post_id = 44 AND meta_key = '_billing_first_name'")" "properties untouched by --meta-keys"
# billing_phone: its meta key is missing on the post, so the row is inserted.
sql fx_bf "UPDATE wp_wc_order_addresses SET phone = '555 0144' WHERE order_id = 44 AND address_type = 'billing';
	DELETE FROM wp_postmeta WHERE post_id = 44 AND meta_key = '_billing_phone'"
run hpos fx_bf backfill 44 --from hpos --to posts --props billing_first_name,status,billing_phone --yes
assert_eq 0 "$rc" "backfill --props exits 0"
assert_eq "555 0144" "$(sql fx_bf "SELECT GROUP_CONCAT(meta_value) FROM wp_postmeta WHERE post_id = 44 AND meta_key = '_billing_phone'")" \
	"a property meta key missing on the post is inserted, once"
assert_eq "Hpos" "$(sql fx_bf "SELECT meta_value FROM wp_postmeta WHERE post_id = 44 AND meta_key = '_billing_first_name'")" "property meta copied"
assert_eq "wc-on-hold" "$(sql fx_bf "SELECT post_status FROM wp_posts WHERE ID = 44")" "status property copied to the post"

# posts -> HPOS, a property and whole orders over a range.
sql fx_bf "UPDATE wp_postmeta SET meta_value = 'Lisboa' WHERE post_id = 45 AND meta_key = '_billing_city'"
run hpos fx_bf backfill 45 --from posts --to hpos --props billing_city
assert_eq 0 "$rc" "posts->hpos --props exits 0"
assert_eq "Lisboa" "$(sql fx_bf "SELECT city FROM wp_wc_order_addresses WHERE order_id = 45 AND address_type = 'billing'")" "property copied to HPOS"
# Whole orders 33-45 from posts: HPOS becomes WooCommerce's migration again
# (except for the changes just made on the posts side, 44 and 45).
sql fx_bf "UPDATE wp_wc_orders SET total_amount = 1 WHERE id = 40; DELETE FROM wp_wc_orders_meta WHERE order_id = 41"
run hpos fx_bf backfill 33-45 --from posts --to hpos
assert_eq 0 "$rc" "posts->hpos range exits 0"
assert_contains "$out" "Success: 13 orders backfilled from posts to hpos." "range count"
assert_eq "$(sql fx_bf_ref "SELECT total_amount FROM wp_wc_orders WHERE id = 40")" "$(sql fx_bf "SELECT total_amount FROM wp_wc_orders WHERE id = 40")" "order 40 re-migrated"
assert_eq "$(sql fx_bf_ref "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = 41")" "$(sql fx_bf "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = 41")" "order 41 meta restored"
assert_eq "Hpos" "$(sql fx_bf "SELECT first_name FROM wp_wc_order_addresses WHERE order_id = 44 AND address_type = 'billing'")" "order 44: posts value (now Hpos) migrated"
sql fx_bf "UPDATE wp_postmeta SET meta_value = 'Li' WHERE post_id = 44 AND meta_key = '_billing_first_name'"
run hpos fx_bf backfill 44 --from posts --to hpos
assert_eq 0 "$rc" "single whole order posts->hpos exits 0"
assert_contains "$out" "Success: Order 44 backfilled from posts to hpos." "single whole order message"

# backfill all --dry-run writes nothing.
before=$(hpos_checksum fx_bf)
run hpos fx_bf backfill all --from posts --to hpos --dry-run
assert_eq 0 "$rc" "backfill all --dry-run exits 0"
assert_contains "$out" "Dry run: 221 orders would be backfilled from posts to hpos" "dry run counts every order"
assert_eq "$before" "$(hpos_checksum fx_bf)" "dry run writes nothing"
finish
