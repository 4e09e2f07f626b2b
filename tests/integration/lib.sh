# Helpers for integration tests.  Sourced by each t_*.sh, which runs with:
#   HPOSCTL   path to the hposctl binary under test
#   SBX       sandbox directory (server socket at $SBX/mysqld.sock)
#   FIXTURE   tests/fixtures/wc-9.9.5-store200 (the forward-migration store)
#   FIXTURES  tests/fixtures (every recorded WooCommerce store)
#   TOP       repository top
# A test prints "ok - ..." / "not ok - ..." lines and exits non-zero on failure.

failures=0

sql() { # sql DB "statement"  -> tab-separated rows, no headers
	mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B "$1" -e "$2"
}

sql_root() { mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B -e "$1"; }

hpos() { # hpos DB [args...]  (global connection flags first)
	db=$1; shift
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname "$db" "$@"
}

new_db() { # new_db NAME: (re)create an empty database
	sql_root "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
}

load_fixture() { # load_fixture DB: the 200-order WooCommerce store, before migration
	new_db "$1"
	zcat "$FIXTURE/before.sql.gz" | mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot "$1"
}

load_reference() { # load_reference DB: WooCommerce's own migration output
	new_db "$1"
	zcat "$FIXTURE/after-woocommerce.sql.gz" | mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot "$1"
}

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }

assert_eq() { # assert_eq EXPECTED ACTUAL MESSAGE
	if [ "$1" = "$2" ]; then ok "$3"; else fail "$3: expected [$1], got [$2]"; fi
}

assert_contains() { # assert_contains HAYSTACK NEEDLE MESSAGE
	case "$1" in *"$2"*) ok "$3" ;; *) fail "$3: [$2] not found in [$1]" ;; esac
}

assert_not_contains() { # assert_not_contains HAYSTACK NEEDLE MESSAGE
	case "$1" in *"$2"*) fail "$3: [$2] found in [$1]" ;; *) ok "$3" ;; esac
}

run() { # run CMD...: sets $rc, $out (stdout), $err (stderr)
	_o=$(mktemp); _e=$(mktemp)
	"$@" >"$_o" 2>"$_e"; rc=$?
	out=$(cat "$_o"); err=$(cat "$_e")
	rm -f "$_o" "$_e"
}

# Column lists without the surrogate ids, cast to bytes so that collation
# (case, trailing spaces) cannot hide a difference.
hpos_cols() {
	case "$1" in
	wc_orders) echo "id,status,currency,type,CAST(tax_amount AS CHAR),CAST(total_amount AS CHAR),customer_id,billing_email,CAST(date_created_gmt AS CHAR),CAST(date_updated_gmt AS CHAR),parent_order_id,payment_method,payment_method_title,transaction_id,ip_address,user_agent,customer_note" ;;
	wc_order_addresses) echo "order_id,address_type,first_name,last_name,company,address_1,address_2,city,state,postcode,country,email,phone" ;;
	wc_order_operational_data) echo "order_id,created_via,woocommerce_version,prices_include_tax,coupon_usages_are_counted,download_permission_granted,cart_hash,new_order_email_sent,order_key,order_stock_reduced,CAST(date_paid_gmt AS CHAR),CAST(date_completed_gmt AS CHAR),CAST(shipping_tax_amount AS CHAR),CAST(shipping_total_amount AS CHAR),CAST(discount_tax_amount AS CHAR),CAST(discount_total_amount AS CHAR),recorded_sales" ;;
	wc_orders_meta) echo "order_id,meta_key,meta_value" ;;
	esac
}

binary_cols() { # wrap each column in BINARY(...)
	echo "$1" | awk -F, '{ for (i = 1; i <= NF; i++) printf "%sBINARY(%s)", (i > 1 ? "," : ""), $i }'
}

# hpos_diff A B [PREFIX]: number of rows that differ between the HPOS tables
# of databases A and B, compared as multisets (0 = identical).
hpos_diff() {
	p=${3:-wp_}; total=0
	for t in wc_orders wc_order_addresses wc_order_operational_data wc_orders_meta; do
		c=$(binary_cols "$(hpos_cols $t)")
		n=$(sql_root "SELECT COUNT(*) FROM ((SELECT $c FROM \`$1\`.${p}$t EXCEPT ALL SELECT $c FROM \`$2\`.${p}$t) UNION ALL (SELECT $c FROM \`$2\`.${p}$t EXCEPT ALL SELECT $c FROM \`$1\`.${p}$t)) d")
		[ "$n" != 0 ] && echo "  $t: $n rows differ" >&2
		total=$((total + n))
	done
	echo "$total"
}

# Checksum of every HPOS row (ids aside) in DB, to detect "nothing changed".
hpos_checksum() {
	p=${2:-wp_}; s=""
	for t in wc_orders wc_order_addresses wc_order_operational_data wc_orders_meta; do
		c=$(binary_cols "$(hpos_cols $t)")
		s="$s $(sql_root "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS(0x1f,$c))),0) FROM \`$1\`.${p}$t")"
	done
	echo "$s"
}

# retried TEXT: N from sync's "Batches retried ...: N." line, else 0.
retried() {
	_n=$(printf '%s\n' "$1" | sed -n 's/.*Batches retried after deadlocks, lock waits or lost connections: \([0-9]*\)\..*/\1/p' | head -1)
	echo "${_n:-0}"
}

# -- Faults on observed events, never after a fixed sleep ------------------
# wait_until SECONDS CMD...: run CMD every 0.05 s until it succeeds; returns
# 1 if it never did within SECONDS (a bound against hanging, not a timing).
wait_until() {
	_wt=$1; shift; _wi=0
	until "$@"; do
		_wi=$((_wi + 1))
		[ $_wi -gt $((_wt * 20)) ] && return 1
		sleep 0.05
	done
}
has_line() { grep -q -- "$2" "$1" 2>/dev/null; }           # has_line FILE TEXT
running() { kill -0 "$1" 2>/dev/null; }                    # running PID
at_least() { [ "$(sql "$1" "$2" 2>/dev/null || echo 0)" -ge "$3" ] 2>/dev/null; } # at_least DB "SELECT n" N
# One batch is written and the process is still held (or still running).
batch_written() { running "$1" && at_least "$2" "SELECT COUNT(*) FROM wp_wc_orders" "$3"; }
# sleeping DB: the id of a session on DB inside SLEEP() (a trigger or a
# holder), empty when there is none.
sleeping() { sql_root "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '$1' AND STATE = 'User sleep' AND ID <> CONNECTION_ID() LIMIT 1"; }
is_sleeping() { [ -n "$(sleeping "$1")" ]; }
# no_session DB: nobody but us is connected to DB (a killed client's last
# statement has ended on the server).
no_session() { [ "$(sql_root "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '$1' AND ID <> CONNECTION_ID()")" = 0 ]; }
row_lock_waits() { sql_root "SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_waits'" | cut -f2; }

# hold_lock NAME: another session holds the user lock NAME (as a running
# hposctl would), until release_lock NAME.  Returns once the lock is taken.
hold_lock() {
	mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B \
		-e "SELECT GET_LOCK('$1', 0); SELECT SLEEP(600)" >/dev/null 2>&1 &
	holder=$!
	wait_until 30 lock_taken "$1" || echo "# hold_lock: $1 not taken within 30 s" >&2
}
lock_taken() { [ "$(sql_root "SELECT IS_USED_LOCK('$1') IS NOT NULL")" = 1 ]; }
release_lock() {
	_h=$(sql_root "SELECT IS_USED_LOCK('$1')")
	[ "$_h" != NULL ] && [ -n "$_h" ] && sql_root "KILL $_h" 2>/dev/null
	{ wait $holder; } 2>/dev/null
	return 0
}
# hold_rows DB "SELECT ... FOR UPDATE": another session holds those row
# locks in an open transaction until release_rows DB.  Returns once the
# locks are held (the session has reached its SLEEP).
hold_rows() {
	mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B "$1" \
		-e "START TRANSACTION; $2; SELECT SLEEP(600); ROLLBACK" >/dev/null 2>&1 &
	holder=$!
	wait_until 30 is_sleeping "$1" || echo "# hold_rows: no lock holder on $1 within 30 s" >&2
	holder_id=$(sleeping "$1")
}
release_rows() {
	[ -n "$holder_id" ] && sql_root "KILL $holder_id" 2>/dev/null
	{ wait $holder; } 2>/dev/null
	return 0
}

# sync_beside_row_lock LABEL DB LOCKSQL [SYNC ARGS...]: another session holds
# the rows of LOCKSQL (a SELECT ... FOR UPDATE) with innodb_lock_wait_timeout
# = 1 until the sync has timed out on them and come back for them (the
# server's second row lock wait, an observed event), then releases them.
# Sets rc (the sync's exit status) and out (its stdout).
sync_beside_row_lock() {
	_label=$1; _db=$2; _lock=$3; shift 3
	hold_rows "$_db" "$_lock"
	sql_root "SET GLOBAL innodb_lock_wait_timeout = 1"
	_w0=$(row_lock_waits)
	hpos "$_db" sync "$@" > "$SBX/rowlock.out" 2> "$SBX/rowlock.err" &
	_pid=$!
	_waited_twice() { [ "$(row_lock_waits)" -ge $((_w0 + 2)) ] || ! running $_pid; }
	wait_until 120 _waited_twice
	running $_pid && ok "$_label timed out on the held row lock and is waiting for it again" ||
		fail "$_label ended while the row lock was held"
	release_rows
	wait $_pid; rc=$?
	out=$(cat "$SBX/rowlock.out")
	sql_root "SET GLOBAL innodb_lock_wait_timeout = 50"
}
# stall_order DB ID [TABLE EVENT KEY]: a trigger holds the INSERT of HPOS
# order ID into wc_orders (inside that batch's transaction, the order's
# other rows written; or the EVENT, INSERT or UPDATE, of the TABLE row
# whose KEY column is ID) while a session of ours holds the user lock "hpos_stall:DB": a
# run can be faulted at a known point of its work.  A lock, not a table
# row, so that reading it takes no row lock; a crash lets go of it too.
# The HPOS tables must exist (install).  unstall_soon DB releases the held
# statement (it goes on normally); unstall DB also drops the trigger.
stall_order() {
	mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot -N -B \
		-e "SELECT GET_LOCK('hpos_stall:$1', 0); SELECT SLEEP(600)" >/dev/null 2>&1 &
	stall_holder=$!
	wait_until 30 lock_taken "hpos_stall:$1" || echo "# stall_order: lock not taken within 30 s" >&2
	mariadb --no-defaults --socket="$SBX/mysqld.sock" -uroot "$1" <<-EOF
	DROP TRIGGER IF EXISTS hpos_stall_trg;
	DELIMITER //
	CREATE TRIGGER hpos_stall_trg BEFORE ${4:-INSERT} ON ${3:-wp_wc_orders} FOR EACH ROW
	BEGIN
	  IF NEW.${5:-id} = $2 THEN
	    WHILE IS_USED_LOCK('hpos_stall:$1') IS NOT NULL DO DO SLEEP(0.05); END WHILE;
	  END IF;
	END //
	DELIMITER ;
	EOF
}
unstall_soon() {
	_h=$(sql_root "SELECT IS_USED_LOCK('hpos_stall:$1')")
	[ "$_h" != NULL ] && [ -n "$_h" ] && sql_root "KILL $_h" 2>/dev/null
	{ wait $stall_holder; } 2>/dev/null
	return 0
}
unstall() {
	unstall_soon "$1"
	wait_until 30 no_sleeper "$1"
	sql "$1" "DROP TRIGGER IF EXISTS hpos_stall_trg"
}
no_sleeper() { ! is_sleeping "$1"; }
# nth_order DB N: the ID of the Nth order (0-based, ID order) of the types sync migrates.
nth_order() { sql "$1" "SELECT ID FROM wp_posts WHERE post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft' ORDER BY ID LIMIT 1 OFFSET $2"; }

# Hand-built stores (t_sync_*): rows of one order, an empty store with the
# fixture's schema and options, SQL string literals.
rowcounts() { # "orders addresses opdata" row counts of one order
	sql "$1" "SELECT CONCAT_WS(' ',(SELECT COUNT(*) FROM wp_wc_orders WHERE id=$2),(SELECT COUNT(*) FROM wp_wc_order_addresses WHERE order_id=$2),(SELECT COUNT(*) FROM wp_wc_order_operational_data WHERE order_id=$2))"
}
FXDB=""
store_init() { load_fixture "$1"; FXDB=$1; } # the fixture: schema and options source
mkstore() { # mkstore DB: empty store (fixture schema, options), no HPOS tables
	new_db "$1"
	for t in posts postmeta options woocommerce_order_items woocommerce_order_itemmeta; do
		sql "$1" "CREATE TABLE wp_$t LIKE \`$FXDB\`.wp_$t"
	done
	sql "$1" "INSERT INTO wp_options SELECT * FROM \`$FXDB\`.wp_options"
}
q() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"; } # SQL literal

finish() {
	[ "$failures" = 0 ]
	exit $?
}
