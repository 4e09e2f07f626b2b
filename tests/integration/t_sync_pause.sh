# A paused sync (--pause-file) and what may happen while it waits (issue 19):
#  A. authority switched to HPOS: the forward sync stops, writes nothing more;
#  B. compatibility mode switched off: the reverse sync stops likewise;
#  C. wait_timeout shorter than the pause: the run keeps its connection and
#     its run lock (same holder before and after);
#  D. the lock's connection killed and the lock taken by another session:
#     the run stops (exit 75) instead of going on without it.
# Every step waits for an observed event (the "Paused:" line, a row count,
# a lock holder), never for a fixed time, except C, whose subject is time.
. "$TOP/tests/integration/lib.sh"

pause="$SBX/sp.pause"
logf="$SBX/sp.out"
opt_set() { sql "$1" "UPDATE wp_options SET option_value = '$3' WHERE option_name = '$2'"; }
wait_for() { # wait_for WHAT CMD...: poll (0.1 s) until CMD succeeds, at most 60 s
	what=$1; shift; i=0
	until "$@"; do
		i=$((i + 1)); [ $i -ge 600 ] && { fail "timed out waiting for $what"; return 1; }
		sleep 0.1
	done
}
stopped() { ! kill -0 "$1" 2>/dev/null; }
wait_run() { # wait_run PID: its exit status in $rc; a run still paused after 60 s is killed (rc 999)
	if wait_for "the run to stop by itself" stopped "$1"; then wait "$1"; rc=$?; else kill "$1"; wait "$1"; rc=999; fi
}
paused() { grep -q "Paused: pause file" "$logf"; }
count_is() { [ "$(sql "$1" "$2")" = "$3" ]; }
orders() { sql "$1" "SELECT COUNT(*) FROM wp_wc_orders"; }
lock_holder() { sql_root "SELECT IFNULL(IS_USED_LOCK('hposctl:$1:wp_'), 0)"; }

# ---- A. Forward sync paused; authority switched to HPOS meanwhile.
D=sp_fwd
load_fixture $D
touch "$pause"
: >"$logf" # no stale "Paused:" line from the part before
hpos $D sync --batch-size 20 --jobs 1 --settle 0 --pause-file "$pause" >"$logf" 2>&1 &
pid=$!
wait_for "A: the pause" paused
wait_for "A: the first batch written" count_is $D "SELECT COUNT(*) FROM wp_wc_orders" 20
opt_set $D woocommerce_custom_orders_table_enabled yes
rm -f "$pause"
wait $pid; rc=$?
assert_eq 1 "$rc" "A: the sync stops (exit 1) when authority changes while it is paused"
assert_contains "$(cat "$logf")" "the authoritative store was switched to HPOS during the run" "A: ... and says why"
assert_eq 20 "$(orders $D)" "A: nothing more was written in the old direction"

# ---- B. Reverse sync paused; compatibility mode switched off meanwhile.
D=sp_rev
load_fixture $D
run hpos $D sync
run hpos $D switch-authority --to hpos --with-compat-mode --yes
assert_eq 0 "$rc" "B: HPOS authoritative with compatibility mode"
# Every order changed in HPOS: all pending for the reverse sync.
sql $D "UPDATE wp_wc_orders SET customer_note = CONCAT('changed in HPOS ', id), date_updated_gmt = date_updated_gmt + INTERVAL 1 DAY"
notes() { sql "$1" "SELECT COUNT(*) FROM wp_posts WHERE post_excerpt LIKE 'changed in HPOS %'"; }
touch "$pause"
: >"$logf" # no stale "Paused:" line from the part before
hpos $D sync --batch-size 20 --settle 0 --pause-file "$pause" >"$logf" 2>&1 &
pid=$!
wait_for "B: the pause" paused
done1=$(notes $D)
opt_set $D woocommerce_custom_orders_table_data_sync_enabled no
rm -f "$pause"
wait $pid; rc=$?
assert_eq 1 "$rc" "B: the reverse sync stops (exit 1) when compatibility mode is switched off while it is paused"
assert_contains "$(cat "$logf")" "compatibility mode was switched off during the run" "B: ... and says why"
assert_eq "$done1" "$(notes $D)" "B: no post was written after the change ($done1 before the pause)"
[ "$done1" -gt 0 ] && [ "$done1" -le 20 ] && ok "B: exactly the first batch was written ($done1)" || fail "B: first batch: $done1"

# ---- C. A pause longer than wait_timeout: the run lock is kept.
D=sp_lock
load_fixture $D
sql_root "SET GLOBAL wait_timeout = 2"
touch "$pause"
: >"$logf" # no stale "Paused:" line from the part before
hpos $D sync --batch-size 20 --jobs 1 --settle 0 --pause-file "$pause" >"$logf" 2>&1 &
pid=$!
wait_for "C: the pause" paused
h1=$(lock_holder $D)
[ "$h1" != 0 ] && ok "C: the paused run holds its lock (connection $h1)" || fail "C: no lock holder while paused"
sleep 5 # the subject of this check: more than twice wait_timeout passes while paused
h2=$(lock_holder $D)
assert_eq "$h1" "$h2" "C: after 5 s paused with wait_timeout = 2 the same connection still holds the lock"
run hpos $D sync
assert_eq 75 "$rc" "C: a second run meanwhile is refused"
rm -f "$pause"
wait $pid; rc=$?
sql_root "SET GLOBAL wait_timeout = 28800"
assert_eq 0 "$rc" "C: the paused run finishes normally"
case "$(cat "$logf")" in *"lock was lost"*) fail "C: the lock was lost" ;; *) ok "C: no lost lock reported" ;; esac
assert_eq 0 "$(hpos $D count_unmigrated --porcelain)" "C: everything synced"

# ---- D. The lock's connection is killed and another session takes the lock.
D=sp_steal
load_fixture $D
touch "$pause"
: >"$logf" # no stale "Paused:" line from the part before
hpos $D sync --batch-size 20 --jobs 1 --settle 0 --pause-file "$pause" >"$logf" 2>&1 &
pid=$!
wait_for "D: the pause" paused
wait_for "D: the first batch written" count_is $D "SELECT COUNT(*) FROM wp_wc_orders" 20
h=$(lock_holder $D)
# The thief waits for the lock, gets it when the holder dies, keeps it.
mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B -e \
	"SELECT GET_LOCK('hposctl:$D:wp_', 60); DO SLEEP(60)" >"$SBX/sp.thief" 2>&1 &
thief=$!
wait_for "D: the thief waiting" count_is $D "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK(%'" 1
sql_root "KILL CONNECTION $h"
wait_run $pid
assert_eq 75 "$rc" "D: the run stops (exit 75) when its lock was taken while it was paused"
assert_contains "$(cat "$logf")" "the run lock was lost while paused" "D: ... and says why"
assert_eq 20 "$(orders $D)" "D: nothing more was written"
kill $thief 2>/dev/null
tid=$(sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(60)%' AND ID <> CONNECTION_ID()")
[ -n "$tid" ] && sql_root "KILL CONNECTION $tid"
wait $thief 2>/dev/null
rm -f "$pause"

finish
