# Command line: help, version, unknown commands and options, refused flags.
. "$TOP/tests/integration/lib.sh"

run "$HPOSCTL" --version
assert_eq 0 "$rc" "--version exits 0"
assert_contains "$out" "hposctl " "--version prints the version"

run "$HPOSCTL" --help
assert_eq 0 "$rc" "--help exits 0"
assert_contains "$out" "count_unmigrated" "--help lists commands"

run "$HPOSCTL" help sync
assert_eq 0 "$rc" "help sync exits 0"
assert_contains "$out" "--batch-size" "help sync lists options"

run "$HPOSCTL" sync --help
assert_eq 0 "$rc" "sync --help exits 0"
assert_contains "$out" "Usage: hposctl sync" "sync --help shows usage"

run "$HPOSCTL" sycn
assert_eq 64 "$rc" "unknown command exits 64"
assert_contains "$err" "Did you mean 'sync'?" "unknown command suggests the nearest"

run "$HPOSCTL" sync --batch-sise 10
assert_eq 64 "$rc" "unknown option exits 64"
assert_contains "$err" "Did you mean '--batch-size'?" "unknown option suggests the nearest"

run "$HPOSCTL" sync --batch-size abc
assert_eq 64 "$rc" "non-numeric --batch-size exits 64"

run "$HPOSCTL" --dbpass secret status
assert_eq 64 "$rc" "--dbpass is refused"
assert_contains "$err" "never taken on the command line" "--dbpass refusal explains why"

run "$HPOSCTL" status --format xml
assert_eq 64 "$rc" "bad --format exits 64"

run "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname no_such_db status
assert_eq 78 "$rc" "unknown database exits 78"

run "$HPOSCTL" --socket "$SBX/nope.sock" --user root --dbname x status
assert_eq 69 "$rc" "unreachable server exits 69"

sql_root "CREATE USER IF NOT EXISTS 'limited'@'localhost' IDENTIFIED BY 'pw1'"
MYSQL_PWD=wrong run "$HPOSCTL" --socket "$SBX/mysqld.sock" --user limited --dbname x status
assert_eq 77 "$rc" "wrong password exits 77"

run "$HPOSCTL" --prefix 'wp-x' --socket "$SBX/mysqld.sock" --user root --dbname mysql status
assert_eq 64 "$rc" "a --prefix outside [A-Za-z0-9_] is refused as a usage error"

cfg=$(mktemp)
printf 'database:\n  socket: %s\n  user: root\n  name: mysql\n  table_prefix: "wp-x"\n' "$SBX/mysqld.sock" > "$cfg"
run "$HPOSCTL" -c "$cfg" status
assert_eq 78 "$rc" "a table_prefix outside [A-Za-z0-9_] in the config file exits 78"
assert_contains "$err" "$cfg:5:" "the message names FILE:LINE"

printf 'database:\n  socket: %s\n  user: root\n  name: mysql\n  pasword: x\n' "$SBX/mysqld.sock" > "$cfg"
run "$HPOSCTL" -c "$cfg" status
assert_eq 78 "$rc" "an unknown config key exits 78"
assert_contains "$err" "did you mean \"password\"" "and suggests the nearest key"

printf 'database:\n  socket: %s\n  user: root\n  name: mysql\n  password: s3cret-value\n' "$SBX/mysqld.sock" > "$cfg"
run "$HPOSCTL" -c "$cfg" config show
assert_eq 0 "$rc" "config show exits 0"
case "$out" in *s3cret-value*) fail "config show leaks the password" ;; *) ok "config show redacts the password" ;; esac
# config check: connecting is not enough, the WordPress tables must be there.
load_fixture fx_cli
printf 'database:\n  socket: %s\n  user: root\n  name: fx_cli\n' "$SBX/mysqld.sock" > "$cfg"
HPOSCTL_CONFIG="$cfg" run "$HPOSCTL" config check
assert_eq 0 "$rc" "\$HPOSCTL_CONFIG is read; config check passes on a WordPress database"
assert_contains "$out" "Configuration is valid and the database answers (fx_cli, prefix wp_)" "config check names the database and prefix"
run "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname mysql config check
assert_eq 78 "$rc" "config check on a database without WordPress tables exits 78"
assert_contains "$err" "database mysql has no WordPress tables wp_options, wp_posts, wp_postmeta (table prefix \"wp_\")" \
	"config check names the missing tables and the prefix"
run "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname fx_cli --prefix zz_ config check
assert_eq 78 "$rc" "config check with a prefix that has no tables exits 78"
assert_contains "$err" "no WordPress tables zz_options, zz_posts, zz_postmeta (table prefix \"zz_\")" "the message uses the configured prefix"
sql fx_cli "DROP TABLE wp_postmeta"
run "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname fx_cli config check
assert_eq 78 "$rc" "config check with one WordPress table missing exits 78"
assert_contains "$err" "database fx_cli has no WordPress table wp_postmeta (table prefix \"wp_\")" "only the missing table is named"
sql_root "DROP DATABASE fx_cli"
rm -f "$cfg"
finish
