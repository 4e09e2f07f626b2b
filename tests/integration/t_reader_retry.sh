# The reader thread retries a batch read while a writer thread retries its
# batch: both count into the same retries counter, under the engine mutex.
# `make check` runs this test under the ThreadSanitizer build too
# (build-tsan/, halt_on_error): a count taken outside the mutex is reported
# there as a data race and the run exits 66.
#
# Every fault is placed on an observed event:
#   1. sync (--jobs 2, batches of 20) is held at its first batch boundary
#      (--pause-file, its "Paused:" line) and the writer with batch 1 is held
#      in its wc_orders INSERT (stall_order, its session seen in the trigger);
#   2. another session locks wp_postmeta; the pause ends; the reader's read
#      of batch 2 fails 3 times with a deadlock the server raises
#      (HPOSCTL_FAULT_READ=2:3), counting 3 retries, then its real read
#      waits for the table lock (seen in PROCESSLIST): the reader is inside
#      its retry loop;
#   3. the held writer's connection is killed: the writer counts its retry
#      now, while the reader is still inside its own; it reconnects and is
#      held again in the trigger (seen);
#   4. everything is let go; the run finishes.
. "$TOP/tests/integration/lib.sh"

db=fx_rr
READS=3
load_fixture $db
run hpos $db install
assert_eq 0 "$rc" "install"

# Sessions on $db: the held writer (inside the stall trigger of its
# wc_orders INSERT, where PROCESSLIST shows the trigger's DO SLEEP) and the
# reader waiting for the table lock.
held_writer() { sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '$db' AND INFO LIKE 'DO SLEEP(0.05)%' LIMIT 1"; }
writer_held() { writer=$(held_writer); [ -n "$writer" ]; } # sets $writer
writer_held_not() { _w=$(held_writer); [ -n "$_w" ] && [ "$_w" != "$1" ]; }
reader_waits() { [ "$(sql_root "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '$db' AND STATE LIKE 'Waiting for table metadata lock%' AND INFO LIKE '%wp_postmeta%'")" -ge 1 ]; }

# or_ended CMD...: CMD succeeded, or sync has ended (no use waiting then).
or_ended() { "$@" || ! running $pid; }

stall_order $db "$(nth_order $db 0)"
rm -f "$SBX"/rr.*
pause="$SBX/rr.pause"
touch "$pause"
HPOSCTL_FAULT_READ=2:$READS hpos $db --json sync --metrics-file "$SBX/rr.prom" --settle 0 --batch-size 20 --jobs 2 \
	--pause-file "$pause" > "$SBX/rr.out" 2> "$SBX/rr.err" &
pid=$!
wait_until 120 or_ended has_line "$SBX/rr.out" "Paused: pause file" && running $pid || fail "sync never paused: $(tail -3 "$SBX/rr.out" "$SBX/rr.err")"
wait_until 60 or_ended writer_held && running $pid && ok "the writer of batch 1 is held in its wc_orders INSERT" || fail "no writer held in the trigger"

# The table lock: a session that holds it until killed.
mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B $db \
	-e "LOCK TABLES wp_postmeta WRITE; SELECT SLEEP(600)" >/dev/null 2>&1 &
locker=$!
locker_sleeps() { [ -n "$(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '$db' AND INFO LIKE 'SELECT SLEEP(600)%'")" ]; }
wait_until 30 locker_sleeps || fail "wp_postmeta not locked within 30 s"
rm -f "$pause"
wait_until 60 or_ended reader_waits && running $pid && ok "the reader's read of batch 2 failed and now waits for wp_postmeta" ||
	fail "the reader never waited for wp_postmeta: $(tail -3 "$SBX/rr.err")"
sql_root "KILL CONNECTION $writer" 2>/dev/null
wait_until 60 or_ended writer_held_not "$writer" && running $pid && ok "the writer reconnected and retries batch 1" ||
	fail "the writer did not come back: $(tail -3 "$SBX/rr.err")"
sql_root "KILL $(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '$db' AND INFO LIKE 'SELECT SLEEP(600)%'")" 2>/dev/null
{ wait $locker; } 2>/dev/null
unstall $db
wait $pid; rc=$?

if grep -q 'ThreadSanitizer' "$SBX/rr.err"; then
	fail "ThreadSanitizer: $(grep -m1 -A14 'WARNING: ThreadSanitizer' "$SBX/rr.err")"
else
	ok "no ThreadSanitizer report"
fi
assert_eq 0 "$rc" "sync finishes (exit 0)"
want=$((READS + 1))
got=$(sed -n 's/.*"event":"done".*"retries":\([0-9]*\).*/\1/p' "$SBX/rr.out")
assert_eq "$want" "$got" \
	"the done event counts $READS reader retries and 1 writer retry"
assert_eq "$want" "$(sed -n 's/^hposctl_batch_retries{command="sync"} //p' "$SBX/rr.prom")" \
	"--metrics-file counts them too"
assert_eq 1 "$(grep -c '"event":"batch_retried"' "$SBX/rr.out")" "one batch_retried event (the writer's)"
run hpos $db verify
assert_eq 0 "$rc" "verify: HPOS matches posts"
assert_eq 0 "$(hpos $db count_unmigrated --porcelain)" "nothing left pending"

# The reader giving up on its read: the error, never "Sync completed." or
# "Success" before it.
sql $db "UPDATE wp_posts SET post_modified_gmt = post_modified_gmt + INTERVAL 1 DAY WHERE ID = (SELECT MIN(id) FROM wp_wc_orders)"
HPOSCTL_FAULT_READ=1:5 run hpos $db sync --settle 0 --max-retries 2 --jobs 2
assert_eq 75 "$rc" "the reader gives up after --max-retries: exit 75"
assert_not_contains "$out$err" "Sync completed" "... not said to be completed"
assert_not_contains "$out$err" "Success" "... no Success line"
assert_contains "$out$err" "Sync stopped by the error below" "... said to be stopped by the error"
echo "# summary: kills=0 conn_kills=1 retries=${got:-0} bad_inputs=1"
finish
