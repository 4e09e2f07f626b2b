# switch-authority and compat-mode: WooCommerce's pre-checks plus hposctl's,
# refusals that change nothing, and the options they set.
. "$TOP/tests/integration/lib.sh"

opt() { sql "$1" "SELECT option_value FROM wp_options WHERE option_name = '$2'"; }

load_fixture fx_auth
load_reference fx_auth_ref

# 1. The fixture before any sync: refused, each failed check listed.
run hpos fx_auth switch-authority --to hpos --yes
assert_eq 1 "$rc" "switch before sync exits 1"
assert_contains "$err" "[Failed] The orders tables do not exist." "missing tables are a failed check"
assert_contains "$err" "[Failed] There are 221 orders pending sync" "pending orders are a failed check"
assert_contains "$err" "Nothing was changed." "the refusal says nothing changed"
assert_contains "$out" "[OK] No other hposctl run holds the lock." "passing checks are listed too"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "authority option unchanged"

# Tables but nothing synced yet: still refused, on the pending check only.
run hpos fx_auth install
run hpos fx_auth switch-authority --to hpos --yes
assert_eq 1 "$rc" "switch with empty tables exits 1"
assert_contains "$out" "[OK] The HPOS tables exist." "tables check passes after install"
assert_contains "$err" "[Failed] There are 221 orders pending sync (221 missing" "pending check fails"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "option still unchanged"

# 2. After sync and a clean comparison with WooCommerce's own output.
run hpos fx_auth sync
assert_eq 0 "$rc" "sync exits 0"
assert_eq 0 "$(hpos_diff fx_auth fx_auth_ref)" "clean: HPOS equals WooCommerce's migration"

# An order skipped by an earlier sync blocks the switch.
sql fx_auth "CREATE TABLE wp_hposctl_skipped (order_id bigint(20) unsigned NOT NULL PRIMARY KEY, reason text NOT NULL, first_seen_gmt datetime NOT NULL, last_seen_gmt datetime NOT NULL, attempts int unsigned NOT NULL DEFAULT 1); INSERT INTO wp_hposctl_skipped VALUES (77, 'test', UTC_TIMESTAMP(), UTC_TIMESTAMP(), 1)"
run hpos fx_auth switch-authority --to hpos --yes
assert_eq 1 "$rc" "skipped order: switch exits 1"
assert_contains "$err" "[Failed] 1 order was skipped by an earlier sync" "skipped orders are a failed check"
assert_contains "$err" "(77)" "the skipped order is named"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "option unchanged (skipped)"
sql fx_auth "DELETE FROM wp_hposctl_skipped"

# Another hposctl run (its lock held by another session) blocks the switch.
hold_lock 'hposctl:fx_auth:wp_'
run hpos fx_auth switch-authority --to hpos --yes
assert_eq 1 "$rc" "lock held: switch exits 1"
assert_contains "$err" "[Failed] Another hposctl run is active" "the lock is a failed check"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "option unchanged (lock)"
release_lock 'hposctl:fx_auth:wp_'

# Without --yes and without a terminal: usage error, nothing changed.
run hpos fx_auth switch-authority --to hpos </dev/null
assert_eq 64 "$rc" "no --yes and no terminal exits 64"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "option unchanged (not confirmed)"

# --dry-run passes the checks and writes nothing.
run hpos fx_auth switch-authority --to hpos --dry-run
assert_eq 0 "$rc" "dry run exits 0"
assert_contains "$out" "Dry run: would set woocommerce_custom_orders_table_enabled = yes" "dry run says what it would do"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "dry run changes nothing"

# --verify: an HPOS value that differs from what sync would write is a
# failed check (nothing pending: the posts side was not touched).
id=$(sql fx_auth "SELECT MIN(id) FROM wp_wc_orders WHERE type = 'shop_order'")
sql fx_auth "UPDATE wp_wc_order_addresses SET city = 'Nowhere' WHERE order_id = $id AND address_type = 'billing'"
run hpos fx_auth switch-authority --to hpos --verify --yes
assert_eq 1 "$rc" "--verify with a differing order: switch exits 1"
assert_contains "$err" "[Failed] verify_cot_data: 1 order differ" "--verify lists the failed comparison"
assert_contains "$err" "($id)" "--verify names the order"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "option unchanged (verify)"
run hpos fx_auth verify_cot_data --re-migrate
assert_eq 0 "$rc" "verify --re-migrate repairs it"
run hpos fx_auth switch-authority --to hpos --verify --dry-run
assert_eq 0 "$rc" "--verify on identical stores passes"
assert_contains "$out" "[OK] verify_cot_data: posts and HPOS hold the same orders." "--verify check printed"

run hpos fx_auth switch-authority --to hpos --yes
assert_eq 0 "$rc" "clean switch exits 0"
assert_contains "$out" "Success: HPOS enabled." "success message"
assert_contains "$out" "persistent object cache" "object-cache reminder"
assert_eq "yes" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "HPOS is authoritative"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_data_sync_enabled)" "compatibility mode untouched"

run hpos fx_auth switch-authority --to hpos --yes
assert_eq 0 "$rc" "switching to the current authority exits 0"
assert_contains "$err" "HPOS is already enabled." "already enabled warning"

# 3. Back to posts is refused while an order only has a placeholder post.
sql fx_auth "UPDATE wp_posts SET post_type = 'shop_order_placehold', post_status = 'draft' WHERE ID = 40"
run hpos fx_auth switch-authority --to posts --yes
assert_eq 1 "$rc" "switch to posts with a placeholder exits 1"
assert_contains "$err" "[Failed] There is 1 order pending sync (1 missing" "the placeholder order is pending"
assert_eq "yes" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "still HPOS after the refusal"
sql fx_auth "UPDATE wp_posts SET post_type = 'shop_order', post_status = 'wc-completed' WHERE ID = 40"

# 4. compat-mode enable/disable, with WooCommerce's messages.
run hpos fx_auth compat-mode enable
assert_eq 0 "$rc" "compat-mode enable exits 0"
assert_contains "$out" "Success: Compatibility mode enabled." "enable message"
assert_eq "yes" "$(opt fx_auth woocommerce_custom_orders_table_data_sync_enabled)" "sync option yes"
run hpos fx_auth compatibility-mode enable
assert_eq 0 "$rc" "alias compatibility-mode works"
assert_contains "$err" "Compatibility mode is already enabled." "already enabled"
run hpos fx_auth compat-mode disable --dry-run
assert_eq "yes" "$(opt fx_auth woocommerce_custom_orders_table_data_sync_enabled)" "compat-mode --dry-run changes nothing"
run hpos fx_auth compat-mode disable
assert_contains "$out" "Success: Compatibility mode disabled." "disable message"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_data_sync_enabled)" "sync option no"
run hpos fx_auth compat-mode sideways
assert_eq 64 "$rc" "compat-mode with a bad argument exits 64"

# --with-compat-mode switches it on together with the authority.
run hpos fx_auth switch-authority --to posts --with-compat-mode --yes
assert_eq 0 "$rc" "switch back to posts with compat mode exits 0"
assert_eq "no" "$(opt fx_auth woocommerce_custom_orders_table_enabled)" "posts authoritative again"
assert_eq "yes" "$(opt fx_auth woocommerce_custom_orders_table_data_sync_enabled)" "compat mode switched on"

# Without tables, disable fails and enable creates them.
load_fixture fx_auth2
run hpos fx_auth2 compat-mode disable
assert_eq 1 "$rc" "disable without tables exits 1"
assert_contains "$err" "HPOS tables do not exist." "disable without tables message"
run hpos fx_auth2 compat-mode enable
assert_eq 0 "$rc" "enable without tables exits 0"
assert_eq 4 "$(sql fx_auth2 "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'fx_auth2' AND TABLE_NAME LIKE 'wp\_wc\_order%'")" "enable created the four tables"
finish
