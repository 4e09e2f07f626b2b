# Bad input corpus: configs, wp-config.php files, flags and data that must be
# refused.  Each case asserts the exit code, the message, and that the
# database is byte-for-byte what it was (CHECKSUM TABLE of every table).
. "$TOP/tests/integration/lib.sh"

DB=bad_in
load_fixture $DB
D="$SBX/bad"; mkdir -p "$D"

dbsum() { # table list + CHECKSUM TABLE of each
	t=$(sql_root "SELECT GROUP_CONCAT(CONCAT('\`', table_name, '\`') ORDER BY table_name) FROM information_schema.tables WHERE table_schema='$DB'")
	echo "$t"; sql $DB "CHECKSUM TABLE $t EXTENDED" | tr '\n' ' '
}
base=$(dbsum)
cases=0
# tcase NAME RC MESSAGE CMD...: CMD must exit RC, say MESSAGE, write nothing
tcase() {
	name=$1 want=$2 msg=$3; shift 3
	cases=$((cases + 1))
	run "$@"
	assert_eq "$want" "$rc" "$name: exit $want"
	assert_contains "$out$err" "$msg" "$name: message"
	now=$(dbsum)
	if [ "$now" = "$base" ]; then ok "$name: nothing written"; else fail "$name: the database changed"; base=$now; fi
}
H() { hpos $DB "$@"; }
C() { # C NAME 'yaml text': a config file connecting to the sandbox, plus the text
	printf 'database:\n  socket: %s\n  user: root\n  name: %s\n%b' "$SBX/mysqld.sock" "$DB" "$2" > "$D/$1.yml"
	chmod 600 "$D/$1.yml"; echo "$D/$1.yml"
}
W() { # W NAME 'php text': a wp-config.php
	printf '%b' "$2" > "$D/$1.php"; echo "$D/$1.php"
}
C0() { # C0 NAME 'yaml text': only the socket, plus the text
	printf 'database:\n  socket: %s\n%b' "$SBX/mysqld.sock" "$2" > "$D/$1.yml"
	chmod 600 "$D/$1.yml"; echo "$D/$1.yml"
}
HC() { f=$1; shift; "$HPOSCTL" -c "$f" "$@"; }
HW() { f=$1; shift; "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --wp-config "$f" "$@"; }

# -- flags -----------------------------------------------------------------
tcase "batch-size not a number" 64 'expects a non-negative integer, got "abc"' H sync --batch-size abc
tcase "batch-size too big" 64 "--batch-size must be at most 100000" H sync --batch-size 100001
tcase "jobs 0" 64 "--jobs must be between 1 and 16" H sync --jobs 0
tcase "jobs 17" 64 "--jobs must be between 1 and 16" H sync --jobs 17
tcase "start after end" 64 "--start-from 10 is after --end-at 5" H sync --start-from 10 --end-at 5
tcase "bad duration" 64 "expects a duration such as 90, 90s, 15m or 1h30m" H sync --max-runtime 5x
tcase "bad settle" 64 "--settle expects a duration" H sync --settle soon
tcase "negative retries" 64 "--max-retries expects a non-negative integer" H sync --max-retries -1
tcase "isolation level" 64 "Invalid database transaction isolation level name DIRTY" H sync --isolation-level DIRTY
tcase "max-load without =N" 64 "--max-load expects VAR=N" H sync --max-load Threads_running
tcase "critical-load bad name" 64 "is not a status variable name" H sync --critical-load 'a-b=3'
tcase "unknown option" 64 "unknown option --bogus" H sync --bogus
tcase "misspelt option" 64 "Did you mean '--batch-size'?" H sync --batchsize 10
tcase "stray argument" 64 "sync: unexpected argument 'now'" H sync now
tcase "order type with a space" 64 'invalid order type "shop order"' H sync --order-types 'shop_order,shop order'
tcase "placeholder order type" 64 "placeholder type and is never migrated" H sync --order-types shop_order_placehold
tcase "--password on the command line" 64 "passwords are never taken on the command line" H --password=x sync
tcase "--port out of range" 64 "database.port: 70000 is out of range 1..65535" H --port 70000 sync
tcase "--prefix with a dash" 64 "may contain only letters, digits and underscores" H --prefix wp-x sync
tcase "unknown command" 64 "'snyc' is not a hposctl command. Did you mean 'sync'?" H snyc
tcase "metrics dir missing" 64 "--metrics-file $D/none/m.prom: directory $D/none" H sync --metrics-file "$D/none/m.prom"
tcase "replica DSN with a password" 64 "p= is refused" H sync --replica h=127.0.0.1,p=x --max-lag 5
tcase "max-lag without replica" 64 "--max-lag needs at least one --replica" H sync --max-lag 5
tcase "replica that is not a replica" 64 "is not a replica" H sync --replica "S=$SBX/mysqld.sock,u=root" --max-lag 5

# -- configuration files ---------------------------------------------------
tcase "config file missing" 78 "config file $D/none.yml: No such file or directory" HC "$D/none.yml" sync
tcase "config file is a directory" 78 "Is a directory" HC "$D" sync
f=$(C syntax '  port: [1\n'); tcase "YAML syntax error" 78 "$f:" HC "$f" sync
f=$(C unknown '  pasword: x\n'); tcase "unknown key" 78 'unknown key "pasword" in database (did you mean "password"?)' HC "$f" sync
f=$(C port '  port: abc\n'); tcase "port not a number" 78 'database.port: expected an integer, got "abc"' HC "$f" sync
f=$(C port2 '  port: 70000\n'); tcase "port out of range" 78 "database.port: 70000 is out of range 1..65535" HC "$f" sync
f=$(C tls '  tls:\n    mode: sometimes\n'); tcase "tls mode" 78 "is not one of disabled, preferred, required, verify_ca, verify_identity" HC "$f" sync
f=$(C tls2 '  tls:\n    mode: verify_ca\n'); tcase "verify_ca without ca" 78 "verify_ca needs database.tls.ca" HC "$f" sync
f=$(C batch 'sync:\n  batch_size: 0\n'); tcase "batch_size 0" 78 "sync.batch_size: 0 is out of range 1..100000" HC "$f" sync
f=$(C docs '---\n---\n'); tcase "two YAML documents" 78 "only one YAML document is allowed" HC "$f" sync
f=$(C prefix '  table_prefix: "wp-x"\n'); tcase "prefix in YAML" 78 "may contain only letters, digits and underscores" HC "$f" sync
f=$(C0 alias '  user: &u root\n  password: *u\n'); tcase "YAML alias" 78 "YAML aliases (*u) are not supported" HC "$f" sync
f=$(C types 'sync:\n  order_types: []\n'); tcase "empty order types" 78 "order_types" HC "$f" sync
f=$(C lock 'sync:\n  lock_name: "0123456789012345678901234567890123456789012345678901234567890123456789"\n')
tcase "lock name too long" 78 "sync.lock_name: must be 1 to 64 bytes long" HC "$f" sync
f=$(C settle 'sync:\n  settle: -5\n'); tcase "negative settle" 78 "sync.settle" HC "$f" sync
f=$(C seq '  - a\n'); tcase "sequence where a mapping belongs" 78 "$f:" HC "$f" sync
f=$(C0 nodb '  user: root\n  name: no_such_db\n'); tcase "unknown database" 78 "cannot use database" HC "$f" sync
f=$(C0 nul '  name: bad_in\n  user: "ro\\0ot"\n'); tcase "NUL in a value" 78 "contains a NUL character" HC "$f" sync

# -- wp-config.php ---------------------------------------------------------
tcase "wp-config.php missing" 78 "wp-config file $D/none.php" HW "$D/none.php" sync
f=$(W getenv "<?php\ndefine('DB_NAME', '$DB');\ndefine('DB_USER', getenv('WP_USER'));\n")
tcase "DB_USER from getenv" 78 "DB_USER is set by an expression hposctl does not evaluate (getenv(...))" \
	"$HPOSCTL" --socket "$SBX/mysqld.sock" --wp-config "$f" sync
f=$(W unterminated "<?php\ndefine('DB_NAME', '$DB);\n"); tcase "unterminated string" 78 "$f:" HW "$f" sync
f=$(W port "<?php\ndefine('DB_NAME', '$DB');\ndefine('DB_HOST', '127.0.0.1:99999');\n")
tcase "DB_HOST port out of range" 78 "DB_HOST port 99999 is out of range 1..65535" "$HPOSCTL" --user root --wp-config "$f" sync
f=$(W tp "<?php\ndefine('DB_NAME', '$DB');\n\$table_prefix = 'wp-';\n"); tcase "\$table_prefix with a dash" 78 "\$table_prefix" HW "$f" sync
f=$(W comment "<?php\ndefine('DB_NAME', '$DB');\n/* never closed\n"); tcase "unterminated comment" 78 "$f:" HW "$f" sync

# -- data and server state -------------------------------------------------
tcase "prefix with no tables" 78 "database $DB has no table zz_posts: is this the WordPress database" H --prefix zz_ sync
tcase "not a WordPress database" 78 "database mysql has no table wp_posts" "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname mysql status
sql $DB "UPDATE wp_options SET option_value = 'BOGUS' WHERE option_name = 'woocommerce_db_transactions_isolation_level_for_custom_orders_table_data_sync'"
n=$(sql $DB "SELECT COUNT(*) FROM wp_options WHERE option_name = 'woocommerce_db_transactions_isolation_level_for_custom_orders_table_data_sync'")
[ "$n" = 0 ] && sql $DB "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('woocommerce_db_transactions_isolation_level_for_custom_orders_table_data_sync', 'BOGUS', 'no')"
base=$(dbsum)
tcase "bad isolation level in wp_options" 78 "Invalid database transaction isolation level name BOGUS" H sync
sql $DB "DELETE FROM wp_options WHERE option_name = 'woocommerce_db_transactions_isolation_level_for_custom_orders_table_data_sync'"
base=$(dbsum)
hold_lock "hposctl:$DB:wp_"
tcase "another run holds the lock" 75 "Another hposctl run is active" H sync
release_lock "hposctl:$DB:wp_"
tcase "dry run" 0 "Dry run" H sync --dry-run

[ "$cases" -ge 40 ] && ok "$cases bad-input cases" || fail "only $cases cases"
echo "# summary: kills=0 retries=0 bad_inputs=$cases"
finish
