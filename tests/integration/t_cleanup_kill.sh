# cleanup killed and restarted: (A) killed with SIGKILL after a batch's
# backup was fsynced but before it committed, (B) SIGTERM, then SIGKILL at a
# random moment on a generated store.  The restarted run's result equals an
# uninterrupted run, and the backup file (appended to by every run) still
# restores wp_posts/wp_postmeta row for row.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/cleanup_lib.sh"

# The binary itself in the background (so that $! is its pid).
hpos_bg() { d=$1; shift; exec "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname "$d" "$@"; }
# Wait until the server has no session left on DB (a killed client's
# session ends, and its transaction rolls back, when its statement ends).
idle() {
	i=0
	while [ "$(sql_root "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '$1' AND ID <> CONNECTION_ID()")" != 0 ] && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# Wait until FILE holds N complete batches (at most 20 s).
wait_chunks() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | grep -c '^-- hposctl: end of batch')" -lt "$2" ] && [ $i -lt 400 ]; do
		sleep 0.05; i=$((i + 1))
	done
}

# --- A: between fsync and commit -------------------------------------------
load_fixture fx_kill
hpos fx_kill sync --quiet
set_auth fx_kill yes no
copy_db fx_kill fx_kill_before
# The uninterrupted run, for comparison.
load_fixture fx_kill_ref
hpos fx_kill_ref sync --quiet
set_auth fx_kill_ref yes no
run hpos fx_kill_ref cleanup all --yes --no-backup --batch-size 20
assert_eq 0 "$rc" "A: uninterrupted reference run exits 0"

# The 3rd batch's post update sleeps in a trigger: its backup chunk is on
# disk by then, its transaction still open.
x=$(sql fx_kill "SELECT ID FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft' ORDER BY ID LIMIT 45,1")
sql fx_kill "CREATE TRIGGER slow_placeholder BEFORE UPDATE ON wp_posts FOR EACH ROW SET @s = IF(OLD.ID = $x, SLEEP(3), 0)"
B="$WORK/kill_a.sql"
hpos_bg fx_kill cleanup all --yes --batch-size 20 --backup-file "$B" > "$WORK/a.out" 2>&1 &
pid=$!
i=0
until [ "$(sql_root "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = 'fx_kill' AND STATE = 'User sleep'")" = 1 ] || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
assert_eq 3 "$(grep -c '^-- hposctl: end of batch' "$B")" "A: killed with the 3rd batch's backup written"
# The server rolls the open batch back once the sleeping statement ends.
idle fx_kill
sql fx_kill "DROP TRIGGER slow_placeholder"
assert_eq "shop_order" "$(sql fx_kill "SELECT post_type FROM wp_posts WHERE ID = $x" | sed 's/_refund//')" "A: the 3rd batch did not commit"
assert_eq 40 "$(sql fx_kill "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")" "A: the first two batches did"
# Restoring now (into a copy) gives the state before cleanup, although the
# file holds a batch that never committed.
copy_db fx_kill fx_kill_mid
sed 's/^USE `fx_kill`;$/USE `fx_kill_mid`;/' "$B" | $M
assert_eq 0 "$(legacy_diff fx_kill_mid fx_kill_before)" "A: backup of a run killed after fsync, before commit, restores row for row"

run hpos fx_kill cleanup all --yes --batch-size 20 --backup-file "$B"
assert_eq 0 "$rc" "A: the restarted run exits 0"
assert_eq 0 "$(legacy_diff fx_kill fx_kill_ref)" "A: result equals the uninterrupted run, row for row"
assert_eq 2 "$(grep -c '^-- hposctl cleanup backup' "$B")" "A: the restarted run appended to the backup file"
$M < "$B"
assert_eq 0 "$(legacy_diff fx_kill fx_kill_before)" "A: the backup file restores everything, row for row"

# An incomplete last chunk (killed while writing it) is cut off on append.
printf -- "-- batch: 5 orders after ID 9\nSTART TRANSACTION;\nREPLACE INTO wp_postmeta (meta_id, post_id, meta_key, meta_value) VALUES\n(1,2,'x" >> "$B"
set_auth fx_kill yes no
run hpos fx_kill cleanup all --yes --batch-size 20 --backup-file "$B"
assert_eq 0 "$rc" "A: run after a torn backup tail exits 0"
assert_contains "$err" "cutting off an incomplete last batch" "A: the torn tail is reported"
$M < "$B"
assert_eq 0 "$(legacy_diff fx_kill fx_kill_before)" "A: after the repair the file still restores row for row"

# --- C: the server kills the connection mid-batch: reconnect and redo -------
load_fixture fx_lost
hpos fx_lost sync --quiet
set_auth fx_lost yes no
copy_db fx_lost fx_lost_before
x=$(sql fx_lost "SELECT ID FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft' ORDER BY ID LIMIT 65,1")
sql fx_lost "CREATE TRIGGER slow_placeholder BEFORE UPDATE ON wp_posts FOR EACH ROW SET @s = IF(OLD.ID = $x, SLEEP(5), 0)"
B="$WORK/lost.sql"
hpos_bg fx_lost cleanup all --yes --batch-size 20 --backup-file "$B" > "$WORK/c.out" 2>&1 &
pid=$!
i=0
until [ -n "$(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'fx_lost' AND STATE = 'User sleep'")" ] || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1))
done
sql_root "KILL $(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'fx_lost' AND STATE = 'User sleep'")"
# The retried batch sleeps again (5 s) unless the trigger goes first.
sql fx_lost "DROP TRIGGER slow_placeholder"
wait $pid; rc=$?
assert_eq 0 "$rc" "C: connection killed mid-batch: the run still exits 0"
[ "$rc" = 0 ] || sed 's/^/      /' "$WORK/c.out"
assert_contains "$(cat "$WORK/c.out")" "Lost the database connection; reconnecting." "C: it says it reconnected"
assert_eq 0 "$(legacy_diff fx_lost fx_kill_ref)" "C: result equals the uninterrupted run, row for row"
$M < "$B"
assert_eq 0 "$(legacy_diff fx_lost fx_lost_before)" "C: the backup file restores everything, row for row"

# --- B: SIGTERM, then SIGKILL at a random moment ---------------------------
"$STOREGEN" --socket "$SBX/mysqld.sock" --database g_kill --create --orders 3000 --seed 5 --quiet
hpos g_kill sync --quiet --settle 0
set_auth g_kill yes no
copy_db g_kill g_kill_before
"$STOREGEN" --socket "$SBX/mysqld.sock" --database g_kill_ref --create --orders 3000 --seed 5 --quiet
hpos g_kill_ref sync --quiet --settle 0
set_auth g_kill_ref yes no
hpos g_kill_ref cleanup all --yes --no-backup --batch-size 25 --quiet
B="$WORK/kill_b.sql"
n0=$(sql g_kill "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")

hpos_bg g_kill cleanup all --yes --batch-size 25 --backup-file "$B" > "$WORK/b1.out" 2>&1 &
pid=$!
wait_chunks "$B" 4
kill -TERM $pid; wait $pid; rc=$?
n1=$(sql g_kill "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")
if [ "$rc" = 143 ]; then
	ok "B: SIGTERM stops after the batch in hand (exit 143)"
	[ "$n1" -gt "$n0" ] && ok "B: it had made progress ($n1 placeholders)" || fail "B: no progress before SIGTERM"
else
	fail "B: SIGTERM: expected exit 143, got $rc (finished too fast?)"
fi

idle g_kill
hpos_bg g_kill cleanup all --yes --batch-size 25 --backup-file "$B" > "$WORK/b2.out" 2>&1 &
pid=$!
# SIGKILL after a random number (3..22) of further batches.
wait_chunks "$B" $(( $(grep -c '^-- hposctl: end of batch' "$B") + 3 + $(od -An -N1 -tu1 /dev/urandom) % 20 ))
kill -9 $pid; wait $pid 2>/dev/null
n2=$(sql g_kill "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")
total=$(sql g_kill_ref "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")
[ "$n2" -lt "$total" ] && ok "B: SIGKILL mid-run ($n2 of $total placeholders)" || fail "B: the run had finished before SIGKILL"

idle g_kill
run hpos g_kill cleanup all --yes --batch-size 25 --jobs 2 --backup-file "$B"
assert_eq 0 "$rc" "B: the restarted run (--jobs 2) exits 0"
assert_eq 0 "$(legacy_diff g_kill g_kill_ref)" "B: result equals the uninterrupted run, row for row"
assert_eq 3 "$(grep -c '^-- hposctl cleanup backup' "$B")" "B: three runs appended to one backup file"
$M < "$B"
assert_eq 0 "$(legacy_diff g_kill g_kill_before)" "B: the backup file restores everything, row for row"
kills=2 # A and B

# --- D: TCK_KILLS more SIGKILLs at random moments (`make soak`: 20) --------
# Each round starts from the store as it was before cleanup (the previous
# round's backup restored it), kills a run after a random number of
# batches (1..100 of about 125, seen in its backup file), restarts it with the same
# backup file, compares with the uninterrupted run and restores again.
k=0
while [ $k -lt "${TCK_KILLS:-1}" ]; do
	k=$((k + 1))
	B="$WORK/soak_$k.sql"
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	jobs=$((1 + r % 2))
	hpos_bg g_kill cleanup all --yes --batch-size 25 --jobs $jobs --backup-file "$B" > "$WORK/d.out" 2>&1 &
	pid=$!
	# The moment is a point of the work (N batches backed up), never a time.
	at="$((1 + r % 100)) batches"
	wait_chunks "$B" $((1 + r % 100))
	kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; krc=$?
	n2=$(sql g_kill "SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_order_placehold'")
	tag="D$k: SIGKILL after $at (--jobs $jobs)"
	if [ "$krc" = 137 ] && [ "$n2" -lt "$total" ]; then
		kills=$((kills + 1))
		echo "# $tag: $n2 of $total placeholders"
	else
		echo "# note: $tag: the run had ended ($krc, $n2 of $total placeholders)"
	fi
	idle g_kill
	run hpos g_kill cleanup all --yes --batch-size 25 --backup-file "$B"
	assert_eq 0 "$rc" "$tag: the restarted run exits 0"
	assert_eq 0 "$(legacy_diff g_kill g_kill_ref)" "$tag: result equals the uninterrupted run, row for row"
	$M < "$B"
	assert_eq 0 "$(legacy_diff g_kill g_kill_before)" "$tag: the backup file restores everything, row for row"
done
echo "# summary: kills=$kills signals=1 conn_kills=1 retries=0 bad_inputs=0"
finish
