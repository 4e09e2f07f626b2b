# cleanup deletes postmeta by meta_id (runs of consecutive ids as primary-key
# ranges): hostile meta_id layouts must not make it delete a row of another
# post.  The fixture's postmeta is renumbered so that the rows of all posts
# take turns (row 1 of every post, then row 2 of every post, ...), densely,
# with orphan rows (a post that does not exist) between them: the rows of
# every batch are interleaved with rows of products, of orders outside the
# ID filter, of an order left alone (newer post) and of no post at all.
# Each delete path (DELETE ... RETURNING; SELECT ... FOR UPDATE then DELETE
# with two jobs; RETURNING without backup, two jobs) must leave every other row byte
# for byte, leave the cleaned orders without postmeta, and its backup must
# restore the tables row for row.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/cleanup_lib.sh"

load_fixture fx_il
run hpos fx_il sync --quiet
assert_eq 0 "$rc" "setup: sync exits 0"
set_auth fx_il yes no

# Interleave: new meta_id = position in (row number within its post, post_id)
# order, every 5th position left to an orphan row.
sql fx_il "CREATE TABLE il_map AS SELECT meta_id AS old_id, 20000000 + ROW_NUMBER() OVER (ORDER BY rn, post_id, meta_id) AS pos
	FROM (SELECT meta_id, post_id, ROW_NUMBER() OVER (PARTITION BY post_id ORDER BY meta_id) AS rn FROM wp_postmeta) x"
sql fx_il "UPDATE wp_postmeta m JOIN il_map t ON t.old_id = m.meta_id SET m.meta_id = t.pos + (t.pos DIV 4)"
sql fx_il "INSERT INTO wp_postmeta (meta_id, post_id, meta_key, meta_value)
	SELECT t.pos + (t.pos DIV 4) + 1, 987654321, '_hostile', CONCAT('orphan ', t.pos) FROM il_map t
	WHERE t.pos MOD 4 = 3 AND NOT EXISTS (SELECT 1 FROM wp_postmeta m WHERE m.meta_id = t.pos + (t.pos DIV 4) + 1)"
sql fx_il "DROP TABLE il_map"

# The selection: the lower two thirds of the orders; one of them left alone.
hi=$(sql fx_il "SELECT ID FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft' ORDER BY ID LIMIT 1 OFFSET 130")
newer=$(sql fx_il "SELECT MIN(ID) FROM wp_posts WHERE post_type = 'shop_order' AND post_status = 'wc-completed' AND ID < $hi")
sql fx_il "UPDATE wp_posts p JOIN wp_wc_orders o ON o.id = p.ID SET p.post_modified_gmt = o.date_updated_gmt + INTERVAL 1 HOUR WHERE p.ID = $newer"
sel="p.post_type IN ('shop_order','shop_order_refund') AND p.post_status <> 'auto-draft' AND p.ID <= $hi AND p.ID <> $newer"
copy_db fx_il fx_il_before
pristine=$(legacy_fp fx_il)

# Precondition: the layout is hostile.  Rows that must stay lie inside the
# meta_id span of the rows to go, and of every one of a few batches.
inside=$(sql fx_il "SELECT COUNT(*) FROM wp_postmeta m WHERE m.post_id NOT IN (SELECT p.ID FROM wp_posts p WHERE $sel)
	AND m.meta_id BETWEEN (SELECT MIN(meta_id) FROM wp_postmeta WHERE post_id IN (SELECT p.ID FROM wp_posts p WHERE $sel))
	AND (SELECT MAX(meta_id) FROM wp_postmeta WHERE post_id IN (SELECT p.ID FROM wp_posts p WHERE $sel))")
[ "$inside" -gt 1000 ] && ok "setup: $inside rows of other posts lie between the rows to delete" || fail "setup: the layout is not interleaved ($inside)"
adjacent=$(sql fx_il "SELECT COUNT(*) FROM wp_postmeta a JOIN wp_postmeta b ON b.meta_id = a.meta_id + 1
	WHERE a.post_id IN (SELECT p.ID FROM wp_posts p WHERE $sel) AND b.post_id IN (SELECT p.ID FROM wp_posts p WHERE $sel)")
[ "$adjacent" -gt 1000 ] && ok "setup: $adjacent rows to delete have a neighbour to delete (ranges are used)" || fail "setup: too few consecutive rows to delete ($adjacent)"

# kept DB: fingerprint of every postmeta row not of a cleaned order (the
# cleaned orders are the placeholders of the run's result, read from fx_il).
kept() {
	sql_root "SELECT COUNT(*), SUM(CONV(LEFT(MD5(CONCAT_WS(0x1f,$mcols)),15),16,10)) FROM \`$1\`.wp_postmeta
		WHERE post_id NOT IN (SELECT ID FROM fx_il.wp_posts WHERE post_type = 'shop_order_placehold')" | tr '\t' ' '
}
expect=$(sql fx_il "SELECT COUNT(*) FROM wp_posts p WHERE $sel")
orphans=$(sql fx_il "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = 987654321")
[ "$orphans" -gt 100 ] && ok "setup: $orphans orphan rows between the others" || fail "setup: too few orphan rows ($orphans)"

# check NAME: the result of one run on fx_il.
check() {
	assert_eq 1 "$rc" "$1: exit 1 (the newer order is left alone)"
	assert_contains "$err" "cleaning up order $newer: Data in posts table appears to be more recent" "$1: the newer order is reported"
	assert_eq "$expect" "$(sql fx_il "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "$1: the selected orders are placeholders"
	assert_eq 0 "$(sql fx_il "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id WHERE p.post_type = 'shop_order_placehold'")" "$1: the cleaned orders have no postmeta"
	assert_eq "$(kept fx_il_before)" "$(kept fx_il)" "$1: every row of another post (interleaved) is kept byte for byte"
	assert_eq "$orphans" "$(sql fx_il "SELECT COUNT(*) FROM wp_postmeta WHERE post_id = 987654321")" "$1: the orphan rows are kept"
}

run hpos fx_il cleanup 0-$hi --yes --batch-size 7 --backup-file "$WORK/a.sql"
check "DELETE ... RETURNING"
$M < "$WORK/a.sql"
assert_eq 0 "$(legacy_diff fx_il fx_il_before)" "DELETE ... RETURNING: the backup restores wp_posts and wp_postmeta row for row"

run env HPOSCTL_NO_RETURNING=1 "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname fx_il cleanup 0-$hi --yes --jobs 2 --batch-size 5 --backup-file "$WORK/b.sql"
check "SELECT ... FOR UPDATE, 2 jobs"
$M < "$WORK/b.sql"
assert_eq 0 "$(legacy_diff fx_il fx_il_before)" "SELECT ... FOR UPDATE: the backup restores wp_posts and wp_postmeta row for row"
assert_eq "$pristine" "$(legacy_fp fx_il)" "restored: fingerprints equal"

run hpos fx_il cleanup 0-$hi --yes --jobs 2 --batch-size 11 --no-backup
check "RETURNING without backup, 2 jobs"
finish
