# sync --replica DSN --max-lag SECONDS against a real MariaDB replica: a
# primary (binary log, loopback TCP) and a replica sandbox with binlog
# replication, both started here; lag induced for real.
. "$TOP/tests/integration/lib.sh"

P="$SBX/rp"; R="$SBX/rr"
stop_all() { "$TOP/tests/sandbox.sh" stop "$R" >/dev/null 2>&1; "$TOP/tests/sandbox.sh" stop "$P" >/dev/null 2>&1; }
trap stop_all EXIT
export SANDBOX_BUFFER_POOL=64M
"$TOP/tests/sandbox.sh" start "$P" --tcp --server-id 1 --log-bin 2>/dev/null &&
"$TOP/tests/sandbox.sh" start "$R" --server-id 2 2>/dev/null &&
"$TOP/tests/sandbox.sh" replicate "$R" "$P" 2>/dev/null || { fail "replication sandboxes did not start"; finish; }
ok "primary and replica sandboxes replicate"

psql() { mariadb --no-defaults --socket="$P/mysqld.sock" -uroot -N -B "$@"; }
rsql() { mariadb --no-defaults --socket="$R/mysqld.sock" -uroot -N -B "$@"; }
phpos() { db=$1; shift; "$HPOSCTL" --socket "$P/mysqld.sock" --user root --dbname "$db" "$@"; }
lag() { mariadb --no-defaults --socket="$R/mysqld.sock" -uroot -e 'SHOW SLAVE STATUS\G' | sed -n 's/^ *Seconds_Behind_Master: //p'; }
wait_replica() { # until the replica has applied all the primary has logged so far
	pos=$(psql -e 'SHOW MASTER STATUS')
	rsql -e "SELECT MASTER_POS_WAIT('$(echo "$pos" | cut -f1)', $(echo "$pos" | cut -f2), 60)" >/dev/null
}
load() { # load DB: the fixture, on the primary (so it replicates)
	psql -e "CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
	zcat "$FIXTURE/before.sql.gz" | mariadb --no-defaults --socket="$P/mysqld.sock" -uroot "$1"
	wait_replica "$1"
}
REP="S=$R/mysqld.sock,u=root"

# -- option and DSN errors: refused before anything is written (exit 64) ---
load rl_a
run phpos rl_a sync --max-lag 5
assert_eq 64 "$rc" "--max-lag without --replica: exit 64"
run phpos rl_a sync --replica "h=127.0.0.1,p=Sekr1tPw" --max-lag 5
assert_eq 64 "$rc" "p= in a DSN: exit 64"
case "$out$err" in *Sekr1tPw*) fail "the DSN password was echoed" ;; *) ok "the DSN password is not echoed" ;; esac
run phpos rl_a sync --replica "x=1" --max-lag 5
assert_eq 64 "$rc" "unknown DSN key: exit 64"
assert_contains "$err" "unknown key x=" "unknown DSN key named"
run phpos rl_a sync --replica "h=127.0.0.1,P=99999" --max-lag 5
assert_eq 64 "$rc" "bad port in DSN: exit 64"
run phpos rl_a sync --replica "S=$P/mysqld.sock,u=root" --max-lag 5
assert_eq 64 "$rc" "a server that is not a replica: exit 64"
assert_contains "$err" "is not a replica" "says the server is not a replica"
run phpos rl_a sync --replica "S=$SBX/none.sock" --max-lag 5
assert_eq 69 "$rc" "unreachable replica at start: exit 69"
assert_contains "$err" "replica S=$SBX/none.sock" "the message names the replica"
psql -e "CREATE USER 'mon'@'localhost'; GRANT SELECT ON rl_a.* TO 'mon'@'localhost'"
wait_replica rl_a
run phpos rl_a sync --replica "S=$R/mysqld.sock,u=mon" --max-lag 5
assert_eq 77 "$rc" "replica user without the privilege to read replication status: exit 77"
assert_contains "$err" "grant it REPLICA MONITOR" "says which privilege is missing"
assert_eq 0 "$(psql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='rl_a' AND table_name='wp_wc_orders'")" \
	"refused runs wrote nothing (no HPOS tables)"

# -- a replica in time: sync runs through, and the replica gets it all -----
run phpos rl_a sync --replica "$REP" --replica "h=127.0.0.1,P=1,u=root" --max-lag 5
assert_eq 69 "$rc" "a second, unreachable --replica is checked too"
run phpos rl_a sync --replica "$REP" --max-lag 5
assert_eq 0 "$rc" "replica in time: exit 0"
case "$out" in *Paused*) fail "paused although the replica was in time" ;; *) ok "no pause while the replica is in time" ;; esac
wait_replica rl_a
assert_eq 221 "$(rsql rl_a -e 'SELECT COUNT(*) FROM wp_wc_orders')" "the replica received all 221 synced orders"

# -- a multi-source replica: every channel counts ------------------------
# A second, named replication connection that is configured but not
# running (its source need not exist): the default channel is in time,
# this one is not.  (MariaDB's
# SHOW REPLICA STATUS shows only the default connection; SHOW ALL REPLICAS
# STATUS lists both.)
load rl_m
rsql -e "CHANGE MASTER 'ch2' TO MASTER_HOST='127.0.0.1', MASTER_PORT=1, MASTER_USER='repl', MASTER_PASSWORD='repl'"
run phpos rl_m sync --replica "$REP" --max-lag 5 --max-lag-wait 2 --batch-size 20 --jobs 1
assert_eq 75 "$rc" "multi-source: a stopped second channel holds sync back (exit 75 after --max-lag-wait)"
assert_contains "$out$err" "channel 'ch2'" "multi-source: the pause names the channel"
assert_eq 0 "$(psql rl_m -e 'SELECT COUNT(*) FROM wp_wc_orders' 2>/dev/null || echo 0)" "multi-source: nothing written while a channel is stopped"
rsql -e "RESET SLAVE 'ch2' ALL"
run phpos rl_m sync --replica "$REP" --max-lag 5
assert_eq 0 "$rc" "multi-source: with the channel gone, sync runs through"

# -- SQL thread stopped: counts as lagging, with a warning ----------------
load rl_b
rsql -e 'STOP SLAVE SQL_THREAD'
phpos rl_b --json sync --replica "$REP" --max-lag 2 --batch-size 20 --jobs 1 > "$SBX/rl_b.out" 2> "$SBX/rl_b.err" &
pid=$!
wait_until 60 has_line "$SBX/rl_b.out" '"event":"paused"' || fail "sync never paused"
kill -0 $pid 2>/dev/null && ok "sync waits while the SQL thread is stopped" || fail "sync did not wait"
assert_eq 0 "$(psql rl_b -e 'SELECT COUNT(*) FROM wp_wc_orders' 2>/dev/null || echo 0)" "no order written while the replica is stopped"
assert_contains "$(cat "$SBX/rl_b.out")" '"event":"paused"' "a paused event"
assert_contains "$(cat "$SBX/rl_b.out")" "SQL thread is not running" "the pause names the stopped SQL thread"
assert_contains "$(cat "$SBX/rl_b.out")" '"event":"warning"' "a warning event"
rsql -e 'START SLAVE SQL_THREAD'
wait $pid; rc=$?
assert_eq 0 "$rc" "sync completes once replication runs again"
assert_contains "$(cat "$SBX/rl_b.out")" '"event":"resumed"' "a resumed event"
assert_eq 221 "$(psql rl_b -e 'SELECT COUNT(*) FROM wp_wc_orders')" "all 221 orders synced"

# -- real lag: a replicated statement that takes 6 s on the replica --------
load rl_c
psql rl_c -e "CREATE TABLE lagger (x INT)"
wait_replica rl_c
( psql rl_c -e "SET SESSION binlog_format = STATEMENT; INSERT INTO lagger SELECT SLEEP(6)" 2>/dev/null ) &
slow=$!
wait $slow                      # 6 s on the primary; now the replica replays it
i=0; while [ "$(lag)" -lt 3 ] 2>/dev/null && [ $i -lt 80 ]; do sleep 0.1; i=$((i + 1)); done
l=$(lag)
[ "$l" -ge 3 ] 2>/dev/null && ok "replica lags for real ($l s)" || fail "could not induce lag (Seconds_Behind_Master=$l)"
t0=$(date +%s)
run phpos rl_c sync --replica "$REP" --max-lag 2 --batch-size 20 --jobs 1
t1=$(date +%s)
assert_eq 0 "$rc" "sync under real lag: exit 0"
assert_contains "$out" "lags" "it paused for the lag"
assert_contains "$out" "more than --max-lag 2 s" "the pause names the limit"
assert_contains "$out" "Resumed after" "it resumed once the lag cleared"
[ $((t1 - t0)) -ge 1 ] && ok "it waited ($((t1 - t0)) s)" || fail "did not wait"
assert_eq 221 "$(psql rl_c -e 'SELECT COUNT(*) FROM wp_wc_orders')" "all 221 orders synced after the pause"
l=$(lag)
[ "$l" -le 2 ] 2>/dev/null && ok "replica back in time at the end ($l s)" || fail "replica still lags $l s"

# -- the replica goes away mid-run: lagging, and --max-lag-wait stops -----
load rl_d
rsql -e 'STOP SLAVE SQL_THREAD'
phpos rl_d sync --replica "$REP" --max-lag 2 --max-lag-wait 4 --batch-size 20 --jobs 1 > "$SBX/rl_d.out" 2> "$SBX/rl_d.err" &
pid=$!
# Once it has paused for the stopped SQL thread, the replica goes away.
wait_until 60 has_line "$SBX/rl_d.out" "Paused:" || fail "sync never paused for the stopped SQL thread"
"$TOP/tests/sandbox.sh" stop "$R"
wait $pid; rc=$?
assert_eq 75 "$rc" "--max-lag-wait exceeded: exit 75"
assert_contains "$(cat "$SBX/rl_d.err")" "replica lag did not clear within --max-lag-wait 4 s" "says why it stopped"
assert_eq 0 "$(psql rl_d -e 'SELECT COUNT(*) FROM wp_wc_orders' 2>/dev/null || echo 0)" "nothing written while lagging"
load_ok=$(phpos rl_d count_unmigrated --porcelain)
assert_eq 221 "$load_ok" "every order still pending for the next run"
finish
