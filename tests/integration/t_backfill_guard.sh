# backfill into the authoritative store overwrites live orders with the
# other store's (possibly older) copy: it says how many destination orders
# are newer than their source, refuses `all` and ranges without --force,
# and needs --yes (or a terminal's "y").  Into the backup store nothing
# changes (issue 19).
. "$TOP/tests/integration/lib.sh"

D=bf_guard
load_fixture $D
run hpos $D sync
assert_eq 0 "$rc" "sync exits 0"
run hpos $D switch-authority --to hpos --with-compat-mode --yes
assert_eq 0 "$rc" "HPOS is authoritative"
# Three orders changed in HPOS since: newer there than their posts.
sql $D "UPDATE wp_wc_orders SET status = 'wc-on-hold', date_updated_gmt = date_updated_gmt + INTERVAL 1 DAY WHERE id IN (33, 44, 45)"
newer=$(sql $D "SELECT COUNT(*) FROM wp_wc_orders o JOIN wp_posts p ON p.ID = o.id WHERE o.date_updated_gmt > p.post_modified_gmt")
assert_eq 3 "$newer" "setup: 3 HPOS orders newer than their posts"
exist=$(sql $D "SELECT COUNT(*) FROM wp_wc_orders o JOIN wp_posts p ON p.ID = o.id WHERE p.post_type IN ('shop_order','shop_order_refund')")
before=$(hpos_checksum $D)

run hpos $D backfill all --from posts --to hpos
assert_eq 1 "$rc" "all into the authoritative store without --force exits 1"
assert_contains "$err" "need --force" "... and says why"
assert_contains "$err" "$exist orders of the selection exist in HPOS and would be overwritten; 3 are newer in HPOS than in posts" \
	"... after saying how many orders would be overwritten and how many are newer"
assert_eq "$before" "$(hpos_checksum $D)" "... and changes nothing"

run hpos $D backfill 33-45 --from posts --to hpos --yes
assert_eq 1 "$rc" "a range into the authoritative store without --force exits 1, even with --yes"
assert_contains "$err" "3 are newer in HPOS than in posts" "... counting the range's newer orders"
assert_eq "$before" "$(hpos_checksum $D)" "... and changes nothing"

run hpos $D backfill all --from posts --to hpos --force </dev/null
assert_eq 1 "$rc" "--force without --yes off a terminal exits 1"
assert_contains "$err" "confirm with --yes" "... and asks for --yes"
assert_eq "$before" "$(hpos_checksum $D)" "... and changes nothing"

run hpos $D backfill 44 --from posts --to hpos </dev/null
assert_eq 1 "$rc" "a single order into the authoritative store without --yes exits 1"
assert_contains "$err" "1 order of the selection exists in HPOS and would be overwritten; 1 is newer" "... saying the order is newer"
assert_eq "$before" "$(hpos_checksum $D)" "... and changes nothing"

# On a terminal it asks; "n" changes nothing.  (script(1) gives it one.)
if command -v script >/dev/null 2>&1; then
	printf 'n\n' | script -qec "'$HPOSCTL' --socket '$SBX/mysqld.sock' --user root --dbname $D backfill 44 --from posts --to hpos" /dev/null >"$SBX/bg.tty" 2>&1
	rc=$?
	assert_eq 1 "$rc" "on a terminal, answering n exits 1"
	assert_contains "$(cat "$SBX/bg.tty")" "Overwrite 1 order in the authoritative store (HPOS) with the posts copy? [y/n]" "... after asking"
	assert_eq "$before" "$(hpos_checksum $D)" "... and changes nothing"
else
	ok "# SKIP script(1) not installed: terminal question not tested"
fi

run hpos $D backfill all --from posts --to hpos --force --dry-run
assert_eq 0 "$rc" "--dry-run exits 0"
assert_eq "$before" "$(hpos_checksum $D)" "--dry-run changes nothing"

# Into the backup store (posts): what backfill is for, no question asked.
run hpos $D backfill 33-45 --from hpos --to posts </dev/null
assert_eq 0 "$rc" "a range into the backup store needs neither --force nor --yes"
assert_eq "$before" "$(hpos_checksum $D)" "... and leaves HPOS alone"

# Now posts are as new as HPOS for 33..45; make one posts copy older again.
sql $D "UPDATE wp_wc_orders SET status = 'wc-cancelled', date_updated_gmt = date_updated_gmt + INTERVAL 1 DAY WHERE id = 44"
run hpos $D backfill 44 --from posts --to hpos --yes
assert_eq 0 "$rc" "a single order with --yes exits 0"
assert_eq "wc-on-hold" "$(sql $D "SELECT status FROM wp_wc_orders WHERE id = 44")" "... and overwrites it with the posts copy"
if command -v script >/dev/null 2>&1; then
	sql $D "UPDATE wp_wc_orders SET status = 'wc-cancelled', date_updated_gmt = date_updated_gmt + INTERVAL 1 DAY WHERE id = 45"
	printf 'y\n' | script -qec "'$HPOSCTL' --socket '$SBX/mysqld.sock' --user root --dbname $D backfill 45 --from posts --to hpos" /dev/null >"$SBX/bg.tty" 2>&1
	assert_eq 0 "$?" "on a terminal, answering y exits 0"
	assert_eq "wc-on-hold" "$(sql $D "SELECT status FROM wp_wc_orders WHERE id = 45")" "... and overwrites the order"
fi
run hpos $D backfill all --from posts --to hpos --force --yes
assert_eq 0 "$rc" "all with --force --yes exits 0"

finish
