# Warnings are classified by code, not counted: the db layer's test hook
# (HPOSCTL_TEST_WARNING) makes every write report one more warning, as the
# server would.  1287 (MySQL >= 8.0.20's deprecation of VALUES() in an
# upsert) leaves every order written; 1265 (data truncated) skips every
# order, reported, with nothing written.
. "$TOP/tests/integration/lib.sh"

load_reference dw_ref

# 1287: a deprecation is a note; the orders are written exactly.  The
# second run goes through the upsert (orders already in HPOS, outdated),
# which is what MySQL answered with 1287 before the row-alias form.
load_fixture dw_note
HPOSCTL_TEST_WARNING=1287 run hpos dw_note --debug sync
assert_eq 0 "$rc" "1287 on every write: sync exits 0"
assert_contains "$out" "Success: 221 orders were synced" "1287: all 221 orders written"
assert_eq 0 "$(hpos_diff dw_note dw_ref)" "1287: HPOS tables equal WooCommerce's"
assert_contains "$err$out" "server note ignored: Warning 1287" "1287 is logged with --debug"
sql dw_note "UPDATE wp_posts SET post_modified_gmt = UTC_TIMESTAMP() - INTERVAL 1 HOUR WHERE ID IN (SELECT id FROM wp_wc_orders) ORDER BY ID LIMIT 5"
HPOSCTL_TEST_WARNING=1287 run hpos dw_note sync
assert_eq 0 "$rc" "1287 on the upsert of outdated orders: sync exits 0"
assert_contains "$out" "Success: 5 orders were synced" "1287: the 5 outdated orders are upserted, not skipped"
assert_eq 0 "$(sql dw_note "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='dw_note' AND TABLE_NAME='wp_hposctl_skipped'")" "1287: no order recorded as skipped"

# 1265: data truncated; every order would be damaged: skipped, reported,
# recorded, and nothing written.
load_fixture dw_data
HPOSCTL_TEST_WARNING=1265 run hpos dw_data sync
assert_eq 1 "$rc" "1265 on every write: sync exits 1 (orders skipped)"
assert_contains "$err$out" "1265" "1265: the report names the warning code"
assert_eq 0 "$(sql dw_data "SELECT COUNT(*) FROM wp_wc_orders")" "1265: no order written"
assert_eq 221 "$(sql dw_data "SELECT COUNT(*) FROM wp_hposctl_skipped")" "1265: all 221 orders recorded as skipped"
assert_contains "$(sql dw_data "SELECT reason FROM wp_hposctl_skipped LIMIT 1")" "1265" "1265: the recorded reason names the code"

# Without the hook the same store migrates (the hook, not the data, did it).
run hpos dw_data sync
assert_eq 0 "$rc" "without the hook: sync exits 0"
assert_eq 0 "$(hpos_diff dw_data dw_ref)" "without the hook: HPOS tables equal WooCommerce's"
finish
