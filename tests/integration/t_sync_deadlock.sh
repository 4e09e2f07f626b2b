# Real InnoDB deadlocks (error 1213) against a running forward sync.
#
# A second session (the "shop") locks the tables in the opposite order to
# sync's batch transaction: sync writes wc_orders_meta, the address rows,
# the operational data and wc_orders last; the shop first takes
# wc_orders (SELECT ... FOR UPDATE on every row and the gap above them, so
# sync's INSERT INTO wc_orders waits for it), waits until sync is blocked
# on it, and then asks for the address rows that sync's open batch holds.
# That closes the cycle.  InnoDB rolls back the lighter transaction, so the
# shop first makes itself heavy (it updates a ballast table of 30,000
# rows): sync's batch is the victim, gets error 1213, and must retry it.
#
# Checks: every round really produced a deadlock (Innodb_deadlocks grows,
# SHOW ENGINE INNODB STATUS has a LATEST DETECTED DEADLOCK naming the
# wc_orders/wc_order_addresses locks, and sync's --debug output shows the
# 1213 message), sync exits 0, its "Batches retried" line and its --json
# batch_retried events count the retries, and the HPOS tables equal those
# of an undisturbed sync.  DL_ROUNDS (default 3) sets the deadlocks per run.
. "$TOP/tests/integration/lib.sh"

ORDERS=${DL_ORDERS:-1500} ROUNDS=${DL_ROUNDS:-3}
SYNC="sync --settle 0 --batch-size 10"
if [ ! -x "${STOREGEN:-}" ]; then fail "storegen not built"; finish; fi
"$STOREGEN" --socket "$SBX/mysqld.sock" --database dl_ref --create --orders $ORDERS --seed 9 --quiet
run hpos dl_ref $SYNC
assert_eq 0 "$rc" "reference sync exits 0"
total=$(sql dl_ref "SELECT COUNT(*) FROM wp_wc_orders")

deadlocks() { sql_root "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'" | cut -f2; }

# One deadlock, from the shop's side.  Prints "victim" when the shop's own
# transaction was rolled back instead (then it did not count), "ok" when
# the shop got its locks after sync's batch was rolled back.
shop_deadlock() { # shop_deadlock DB
	mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B "$1" 2>&1 <<-EOF
	SET SESSION innodb_lock_wait_timeout = 30;
	START TRANSACTION;
	UPDATE dl_ballast SET v = v + 1;
	SELECT COUNT(*) INTO @n FROM wp_wc_orders WHERE id >= 0 FOR UPDATE;
	DELIMITER //
	BEGIN NOT ATOMIC
	  DECLARE i INT DEFAULT 0;
	  DECLARE c INT DEFAULT 0;
	  -- (INNODB_TRX is a cache refreshed only when it was not read for 0.1 s)
	  WHILE i < 50 AND c = 0 DO
	    DO SLEEP(0.12); SET i = i + 1;
	    SELECT COUNT(*) INTO c FROM information_schema.INNODB_TRX
	     WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id <> CONNECTION_ID();
	  END WHILE;
	  SELECT i INTO @waited;
	END //
	DELIMITER ;
	SELECT COUNT(*) INTO @a FROM wp_wc_order_addresses FOR UPDATE;
	ROLLBACK;
	SELECT IF(@waited < 50, 'ok', 'sync never waited');
	EOF
}

# sync_with_deadlocks DB TAG [sync args]: ROUNDS deadlocks during one run.
sync_with_deadlocks() {
	db=$1 tag=$2; shift 2
	"$STOREGEN" --socket "$SBX/mysqld.sock" --database $db --create --orders $ORDERS --seed 9 --quiet
	sql $db "CREATE TABLE dl_ballast (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO dl_ballast SELECT seq, 0 FROM seq_1_to_30000"
	d0=$(deadlocks)
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname $db --json --debug $SYNC "$@" > "$SBX/dl.out" 2> "$SBX/dl.err" &
	pid=$!
	won=0 lost=0 r=0 i=0
	# Start once sync has created the tables and written a first batch.
	until [ "$(sql $db "SELECT COUNT(*) FROM wp_wc_orders" 2>/dev/null || echo 0)" -gt 0 ] || [ $i -ge 200 ]; do
		sleep 0.05; i=$((i + 1))
	done
	while [ $r -lt $ROUNDS ] && kill -0 $pid 2>/dev/null; do
		r=$((r + 1))
		o=$(shop_deadlock $db)
		case $o in
		*1213*|*Deadlock*) lost=$((lost + 1)) ;; # the shop was the victim
		ok) won=$((won + 1)) ;;
		*) echo "# shop round $r: $o" ;;
		esac
		sleep 0.1
	done
	wait $pid; src=$?
	d1=$(deadlocks)
	# The deadlock section of the monitor output, up to the next section.
	status=$(sql_root "SHOW ENGINE INNODB STATUS" | tr '\t' '\n' | sed -n '/LATEST DETECTED DEADLOCK/,/^TRANSACTIONS$/p' | head -60)
	echo "# $tag: $won deadlocks with sync as the victim, $lost with the shop as the victim; Innodb_deadlocks $d0 -> $d1"
	assert_eq 0 "$src" "$tag: sync exits 0 after its batches were chosen as deadlock victims"
	[ $src = 0 ] || tail -5 "$SBX/dl.err"
	[ "$won" -ge 1 ] && ok "$tag: $won rounds ended with sync's batch rolled back" || fail "$tag: no round made sync the deadlock victim"
	[ $((d1 - d0)) -ge "$won" ] && [ "$won" -ge 1 ] && ok "$tag: the server counted $((d1 - d0)) deadlocks (Innodb_deadlocks)" \
		|| fail "$tag: Innodb_deadlocks grew by $((d1 - d0)), $won expected"
	assert_contains "$status" "LATEST DETECTED DEADLOCK" "$tag: SHOW ENGINE INNODB STATUS reports a deadlock"
	assert_contains "$status" "wc_order_addresses" "$tag: the deadlock involves the address rows sync holds"
	n1213=$(grep -c 'Deadlock found when trying to get lock' "$SBX/dl.err")
	[ "$n1213" -ge "$won" ] && ok "$tag: sync's --debug output shows $n1213 deadlock errors (1213)" \
		|| fail "$tag: sync's --debug output shows $n1213 deadlock errors, $won expected"
	ev=$(grep -c '"event":"batch_retried".*"reason":"lock"' "$SBX/dl.out")
	[ "$ev" -ge "$won" ] && ok "$tag: $ev batch_retried events (reason lock)" || fail "$tag: $ev batch_retried events, $won expected"
	nret=$(sed -n 's/.*"event":"done".*"retries":\([0-9]*\).*/\1/p' "$SBX/dl.out")
	[ -z "$nret" ] && nret=$ev
	assert_eq "$ev" "$nret" "$tag: the run's retry count matches its events"
	assert_eq "$total" "$(sql $db "SELECT COUNT(*) FROM wp_wc_orders")" "$tag: every order migrated"
	assert_eq 0 "$(hpos_diff $db dl_ref)" "$tag: result equals an undisturbed sync"
	assert_eq 0 "$(hpos $db count_unmigrated --porcelain)" "$tag: nothing pending"
	retries=$((retries + ev))
}

retries=0
sync_with_deadlocks dl_one "--jobs 1" --jobs 1
sync_with_deadlocks dl_two "--jobs 2" --jobs 2
# The text output's summary line counts them too.
"$STOREGEN" --socket "$SBX/mysqld.sock" --database dl_txt --create --orders 1000 --seed 9 --quiet
sql dl_txt "CREATE TABLE dl_ballast (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO dl_ballast SELECT seq, 0 FROM seq_1_to_30000"
hpos dl_txt $SYNC --jobs 1 --batch-size 5 > "$SBX/dl_txt.out" 2>&1 &
pid=$!
i=0
until [ "$(sql dl_txt "SELECT COUNT(*) FROM wp_wc_orders" 2>/dev/null || echo 0)" -gt 0 ] || [ $i -ge 200 ]; do
	sleep 0.05; i=$((i + 1))
done
o=$(shop_deadlock dl_txt)
wait $pid; src=$?
assert_eq 0 "$src" "text output: sync exits 0"
assert_eq ok "$o" "text output: sync's batch was the deadlock victim"
assert_contains "$(cat "$SBX/dl_txt.out")" "Batches retried after deadlocks, lock waits or lost connections: 1." "text output: one retried batch reported"
retries=$((retries + $(retried "$(cat "$SBX/dl_txt.out")")))
echo "# summary: kills=0 retries=$retries bad_inputs=0"
finish
