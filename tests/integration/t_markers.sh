# Deletion markers never delete a live order (issue 19, docs/deleting.md).
#
# WooCommerce (8.0 and later) writes one marker form, `_deleted_from` =
# `posts_table` / `orders_table`, and only after it deleted the order from
# one store.  hposctl acts on it only when the order really is gone from the
# authoritative store; `deleted_from` (no underscore) and every other value
# is ordinary meta.  Each live order below carries one marker form, as a
# custom field on the post (what any shop manager can add) and as a
# wc_orders_meta row, and must keep its post, postmeta, line items, item
# meta, order notes and HPOS rows through sync, reverse sync and
# verify --re-migrate.  A genuinely deleted order's marker still removes it
# from the other store, as WooCommerce does.
. "$TOP/tests/integration/lib.sh"

KEYS="_deleted_from deleted_from"
VALUES="posts_table orders_table wp_posts wp_wc_orders"

# Order notes live in wp_comments, which the fixture does not have.
add_notes_tables() {
	sql "$1" "CREATE TABLE wp_comments (comment_ID bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
		comment_post_ID bigint unsigned NOT NULL DEFAULT 0, comment_content text NOT NULL,
		comment_type varchar(20) NOT NULL DEFAULT 'comment', KEY comment_post_ID (comment_post_ID));
	CREATE TABLE wp_commentmeta (meta_id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
		comment_id bigint unsigned NOT NULL DEFAULT 0, meta_key varchar(255), meta_value longtext, KEY comment_id (comment_id));
	INSERT INTO wp_comments (comment_post_ID, comment_content, comment_type)
		SELECT ID, CONCAT('Order status changed, order ', ID), 'order_note' FROM wp_posts WHERE post_type = 'shop_order';
	INSERT INTO wp_commentmeta (comment_id, meta_key, meta_value) SELECT comment_ID, 'is_customer_note', '0' FROM wp_comments"
}
# Eight completed orders with line items, one per (key, value) form.
pick_orders() {
	sql "$1" "SELECT p.ID FROM wp_posts p WHERE p.post_type = 'shop_order' AND p.post_status = 'wc-completed'
		AND EXISTS (SELECT 1 FROM wp_woocommerce_order_items i WHERE i.order_id = p.ID)
		AND NOT EXISTS (SELECT 1 FROM wp_posts r WHERE r.post_parent = p.ID) ORDER BY p.ID LIMIT 9" | tr '\n' ' '
}
# Everything of one order except its postmeta and HPOS meta, as one line.
shared_of() {
	sql "$1" "SELECT CONCAT_WS(' ', (SELECT COUNT(*) FROM wp_posts WHERE ID = $2 AND post_type = 'shop_order'),
		(SELECT COUNT(*) FROM wp_woocommerce_order_items WHERE order_id = $2),
		(SELECT COUNT(*) FROM wp_woocommerce_order_itemmeta im JOIN wp_woocommerce_order_items i USING (order_item_id) WHERE i.order_id = $2),
		(SELECT COUNT(*) FROM wp_comments WHERE comment_post_ID = $2),
		(SELECT COUNT(*) FROM wp_commentmeta cm JOIN wp_comments c ON c.comment_ID = cm.comment_id WHERE c.comment_post_ID = $2))"
}
pm_count() { sql "$1" "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = $2"; }
pm_sum() { sql "$1" "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS(0x1f, post_id, meta_key, meta_value))), 0) FROM wp_postmeta WHERE post_id IN ($2)" | tr '\t' ' '; }
# Give each of the eight orders one marker form: custom field (postmeta).
mark_posts() { # DB "ids"
	set -- "$1" $2
	db=$1; shift
	for k in $KEYS; do for v in $VALUES; do
		sql $db "INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES ($1, '$k', '$v')"
		shift
	done; done
}
mark_hpos() { # DB "ids": the same forms as wc_orders_meta rows
	set -- "$1" $2
	db=$1; shift
	for k in $KEYS; do for v in $VALUES; do
		sql $db "INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($1, '$k', '$v')"
		shift
	done; done
}
check_live() { # DB TAG "ids" SHARED_BEFORE...: every order whole in both stores
	db=$1; tag=$2; ids=$3; shift 3
	for id in $ids; do
		[ $# -gt 0 ] || break
		assert_eq "$1" "$(shared_of $db $id)" "$tag: order $id keeps its post, items, item meta, notes, note meta"
		assert_eq "1 1" "$(sql $db "SELECT CONCAT((SELECT COUNT(*) FROM wp_wc_orders WHERE id = $id), ' ', (SELECT COUNT(*) FROM wp_wc_order_operational_data WHERE order_id = $id))")" \
			"$tag: order $id keeps its HPOS rows"
		shift
	done
}

# ---------------------------------------------------------------------------
# A. Posts authoritative (forward sync).
# ---------------------------------------------------------------------------
D=mk_fwd
load_fixture $D
add_notes_tables $D
set -- $(pick_orders $D)
LIVE="$1 $2 $3 $4 $5 $6 $7 $8"; GONE=$9
csv=$(echo $LIVE | tr ' ' ',')
mark_posts $D "$LIVE"
shared=""; for id in $LIVE; do shared="$shared|$(shared_of $D $id)"; done
shared_list() { echo "$shared" | tr '|' '\n' | sed 1d; }
pm_before=$(pm_sum $D "$csv")

run hpos $D sync
assert_eq 0 "$rc" "A: sync with marker-like custom fields on live orders exits 0"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE BINARY meta_key = '_deleted_from'")" \
	"A: the migration does not copy _deleted_from (it would create the marker it acts on)"
assert_eq 4 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE BINARY meta_key = 'deleted_from' AND order_id IN ($csv)")" \
	"A: 'deleted_from' (no underscore) is an ordinary custom field and is migrated"
eval "check_live $D A1 \"\$LIVE\" $(shared_list | sed 's/.*/"&"/' | tr '\n' ' ')"
assert_eq "$pm_before" "$(pm_sum $D "$csv")" "A1: their postmeta is untouched"
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "A1: nothing pending after the sync"
run hpos $D sync
assert_contains "$out" "There are 0 orders to be synced." "A1: a second sync finds nothing: no marker was created"

# Marker rows in wc_orders_meta of live orders (stale, restored, or copied
# by WooCommerce's own migration): every form.
mark_hpos $D "$LIVE"
assert_eq 1 "$(hpos $D count_unmigrated --porcelain)" "A2: the WooCommerce form counts as pending, as WooCommerce counts it"
run hpos $D status
assert_contains "$out" "Deletion markers on orders that still exist (left alone, see docs/deleting.md): 1" "A2: status shows the marker on a live order"
run hpos $D --json sync
assert_eq 1 "$rc" "A2: sync exits 1 when it leaves a marker on a live order alone"
assert_contains "$out$err" "carries a deletion marker (_deleted_from = posts_table) but its post (shop_order) still exists" \
	"A2: the marker on a live order is reported"
assert_contains "$out" '"event":"marker_left"' "A2: ... with a marker_left event"
assert_contains "$err" "1 deletion marker on orders that still exist in the posts store was left alone" "A2: ... and summed up"
eval "check_live $D A2 \"\$LIVE\" $(shared_list | sed 's/.*/"&"/' | tr '\n' ' ')"
assert_eq "$pm_before" "$(pm_sum $D "$csv")" "A2: their postmeta is untouched"
assert_eq 12 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE meta_key IN ('_deleted_from', 'deleted_from') AND order_id IN ($csv)")" \
	"A2: the marker rows (and the 4 migrated custom fields) are left alone too"

run hpos $D verify --re-migrate
eval "check_live $D A3 \"\$LIVE\" $(shared_list | sed 's/.*/"&"/' | tr '\n' ' ')"
assert_eq "$pm_before" "$(pm_sum $D "$csv")" "A3: verify --re-migrate leaves their postmeta alone"

# A genuine deletion (WooCommerce deleted the post with sync off and wrote
# the marker) still removes the HPOS copy, and the items it left.
sql $D "DELETE FROM wp_postmeta WHERE post_id = $GONE; DELETE FROM wp_posts WHERE ID = $GONE;
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($GONE, '_deleted_from', 'posts_table')"
run hpos $D sync
assert_contains "$out" "1 orders deleted from posts were removed from HPOS." "A4: a genuine deletion is processed"
assert_eq "0 0 0" "$(rowcounts $D $GONE)" "A4: the deleted order's HPOS rows are gone"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = $GONE")" "A4: ... its meta and marker"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_woocommerce_order_items WHERE order_id = $GONE")" "A4: ... and its items (it exists nowhere now)"
eval "check_live $D A4 \"\$LIVE\" $(shared_list | sed 's/.*/"&"/' | tr '\n' ' ')"

# ---------------------------------------------------------------------------
# B. HPOS authoritative, compatibility mode on (reverse sync).
# ---------------------------------------------------------------------------
D=mk_rev
load_fixture $D
add_notes_tables $D
set -- $(pick_orders $D)
LIVE="$1 $2 $3 $4 $5 $6 $7 $8"; GONE=$9
csv=$(echo $LIVE | tr ' ' ',')
mark_posts $D "$LIVE"
run hpos $D sync
assert_eq 0 "$rc" "B: forward sync exits 0"
run hpos $D switch-authority --to hpos --with-compat-mode --yes
assert_eq 0 "$rc" "B: switch to HPOS (no marker was created by the migration)"
shared=""; for id in $LIVE; do shared="$shared|$(shared_of $D $id)"; done
mark_hpos $D "$LIVE"
# Changed in HPOS, so that reverse sync rewrites these posts too.
sql $D "UPDATE wp_wc_orders SET date_updated_gmt = date_updated_gmt + INTERVAL 1 DAY WHERE id IN ($csv)"
pm_del_before=$(sql $D "SELECT COUNT(*) FROM wp_postmeta WHERE BINARY meta_key = '_deleted_from' AND post_id IN ($csv)")
assert_eq 9 "$(hpos $D count_unmigrated --porcelain)" "B: 8 outdated + 1 marker of the WooCommerce form pending"
run hpos $D status --format json
assert_contains "$out" '"deletion_markers":1,"markers_on_live_orders":1' "B: status --format json counts the marker on a live order"
run hpos $D sync
assert_eq 1 "$rc" "B1: reverse sync exits 1 when it leaves a marker on a live order alone"
assert_contains "$err" "carries a deletion marker (_deleted_from = orders_table) but its HPOS order still exists" \
	"B1: the marker on a live order is reported"
assert_contains "$out" "8 orders were synced" "B1: the eight orders were written to posts"
eval "check_live $D B1 \"\$LIVE\" $(shared_list | sed 's/.*/"&"/' | tr '\n' ' ')"
assert_eq "$pm_del_before" "$(sql $D "SELECT COUNT(*) FROM wp_postmeta WHERE BINARY meta_key = '_deleted_from' AND post_id IN ($csv)")" \
	"B1: _deleted_from custom fields on the posts are not deleted as stale meta"
assert_eq 1 "$(sql $D "SELECT COUNT(*) FROM wp_postmeta WHERE BINARY meta_key = '_deleted_from' AND BINARY meta_value = 'orders_table' AND post_id IN ($csv)")" \
	"B1: reverse sync does not copy a marker into postmeta (the one there is order 2's own custom field)"
assert_eq 12 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE meta_key IN ('_deleted_from', 'deleted_from') AND order_id IN ($csv)")" \
	"B1: the marker rows (and the 4 migrated custom fields) are left alone"
for id in $LIVE; do n=$(pm_count $D $id); [ "$n" -gt 20 ] || fail "B1: order $id has only $n postmeta rows"; done
run hpos $D verify --re-migrate
eval "check_live $D B2 \"\$LIVE\" $(shared_list | sed 's/.*/"&"/' | tr '\n' ' ')"

# A genuine deletion: gone from HPOS with sync off, marker written.
gone_shared=$(shared_of $D $GONE)
sql $D "DELETE FROM wp_wc_orders WHERE id = $GONE; DELETE FROM wp_wc_order_addresses WHERE order_id = $GONE;
	DELETE FROM wp_wc_order_operational_data WHERE order_id = $GONE; DELETE FROM wp_wc_orders_meta WHERE order_id = $GONE;
	INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES ($GONE, '_deleted_from', 'orders_table')"
run hpos $D sync
assert_contains "$out" "1 orders deleted from HPOS were removed from posts." "B3: a genuine deletion is processed"
assert_eq "0 0 0 0 0" "$(shared_of $D $GONE)" "B3: its post, items, item meta, notes and note meta are gone (were: $gone_shared)"
assert_eq 0 "$(pm_count $D $GONE)" "B3: ... and its postmeta"
assert_eq 0 "$(sql $D "SELECT COUNT(*) FROM wp_wc_orders_meta WHERE order_id = $GONE")" "B3: ... and its marker"
eval "check_live $D B3 \"\$LIVE\" $(shared_list | sed 's/.*/"&"/' | tr '\n' ' ')"

finish
