# Security: passwords never appear in output (--debug SQL logs, --json,
# error messages, config show); a config file that holds a password and is
# readable by others is warned about; TLS modes against a sandbox server
# with TLS enabled and certificates made here with openssl.
. "$TOP/tests/integration/lib.sh"

PW='Pw-Zq81-unique-7Hx'
WRONG='Wr0ng-Pw-unique-3Kd'
load_fixture sec_a
sql_root "CREATE USER IF NOT EXISTS 'shop'@'localhost' IDENTIFIED BY '$PW'; GRANT ALL ON sec_a.* TO 'shop'@'localhost'"
cfg="$SBX/sec.yml"
printf 'database:\n  socket: %s\n  user: shop\n  password: "%s"\n  name: sec_a\n' "$SBX/mysqld.sock" "$PW" > "$cfg"

# -- permissions of the config file ---------------------------------------
chmod 600 "$cfg"
run "$HPOSCTL" -c "$cfg" config check
assert_eq 0 "$rc" "the password in the config file works"
assert_eq "" "$err" "mode 600: no warning"
chmod 644 "$cfg"
run "$HPOSCTL" -c "$cfg" config check
assert_eq 0 "$rc" "mode 644: still runs"
assert_contains "$err" "contains a password and can be read by other users" "mode 644: warned"
assert_contains "$err" "chmod 600 $cfg" "the warning says how to fix it"
chmod 640 "$cfg"
run "$HPOSCTL" -c "$cfg" config check
assert_contains "$err" "can be read by other users" "mode 640 (group): warned"
nopw="$SBX/nopw.yml"
printf 'database:\n  socket: %s\n  user: root\n  name: sec_a\n' "$SBX/mysqld.sock" > "$nopw"
chmod 644 "$nopw"
run "$HPOSCTL" -c "$nopw" config check
assert_eq "" "$err" "mode 644 without a password: no warning"
emptypw="$SBX/emptypw.yml"
printf 'database:\n  socket: %s\n  user: root\n  password: ""\n  name: sec_a\n' "$SBX/mysqld.sock" > "$emptypw"
chmod 644 "$emptypw"
run "$HPOSCTL" -c "$emptypw" config check
assert_eq 0 "$rc" "password: \"\" (root over the socket): runs"
assert_eq "" "$err" "mode 644 with password: \"\": no warning (an empty password is no secret)"
chmod 600 "$cfg"

# -- the password never appears in any output ------------------------------
all="$SBX/sec-all.out"
: > "$all"
for args in "config show" "config check" "status" "count_unmigrated" "sync --dry-run" "sync --batch-size 50" "status" \
	"--json sync" "--json status"; do
	# shellcheck disable=SC2086
	"$HPOSCTL" -c "$cfg" --debug $args >> "$all" 2>&1
done
assert_eq 221 "$(sql sec_a 'SELECT COUNT(*) FROM wp_wc_orders')" "the runs with --debug did their work (221 orders)"
n=$(grep -c '^Debug: .*SELECT' "$all")
[ "$n" -gt 20 ] && ok "--debug logged SQL ($n statements)" || fail "--debug logged no SQL ($n)"
assert_eq 0 "$(grep -c -- "$PW" "$all")" "the password appears nowhere in --debug / --json / config output"

# a wrong password: error message and debug log without either password
bad="$SBX/bad.yml"
printf 'database:\n  socket: %s\n  user: shop\n  password: "%s"\n  name: sec_a\n' "$SBX/mysqld.sock" "$WRONG" > "$bad"
chmod 600 "$bad"
run "$HPOSCTL" -c "$bad" --debug sync
assert_eq 77 "$rc" "wrong password: exit 77"
assert_contains "$err" "Access denied" "wrong password: says access denied"
case "$out$err" in *"$WRONG"*|*"$PW"*) fail "a password appears in the error output" ;; *) ok "no password in the access-denied output" ;; esac

# wp-config.php and MYSQL_PWD as the source
wpc="$SBX/wp-config.php"
printf "<?php\ndefine('DB_NAME', 'sec_a');\ndefine('DB_USER', 'shop');\ndefine('DB_PASSWORD', '%s');\ndefine('DB_HOST', 'localhost:%s');\n\$table_prefix = 'wp_';\n" \
	"$PW" "$SBX/mysqld.sock" > "$wpc"
run "$HPOSCTL" --wp-config "$wpc" --debug status
assert_eq 0 "$rc" "wp-config.php password works"
case "$out$err" in *"$PW"*) fail "wp-config.php password leaked" ;; *) ok "wp-config.php password not shown with --debug" ;; esac
run "$HPOSCTL" --wp-config "$wpc" config show
case "$out$err" in *"$PW"*) fail "config show leaked the wp-config.php password" ;; *) ok "config show redacts the wp-config.php password" ;; esac
MYSQL_PWD="$PW" run "$HPOSCTL" --socket "$SBX/mysqld.sock" --user shop --dbname sec_a --debug status
assert_eq 0 "$rc" "MYSQL_PWD works"
case "$out$err" in *"$PW"*) fail "MYSQL_PWD leaked" ;; *) ok "MYSQL_PWD not shown with --debug" ;; esac
run "$HPOSCTL" --password="$PW" --socket "$SBX/mysqld.sock" --user shop --dbname sec_a status
assert_eq 64 "$rc" "--password=... is refused"
case "$out$err" in *"$PW"*) fail "the refused --password value was echoed" ;; *) ok "the refused --password value is not echoed" ;; esac

# -- TLS -----------------------------------------------------------------
if ! command -v openssl >/dev/null 2>&1; then
	echo "# openssl not installed: TLS checks skipped"; finish
fi
T="$SBX/tls"; mkdir -p "$T/ca" "$T/ca2" "$T/srv"
mkca() { openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hposctl test $1" \
	-keyout "$T/$1/ca-key.pem" -out "$T/$1/ca.pem" 2>/dev/null; }
mkcert() { # mkcert NAME SAN: a server certificate signed by ca
	openssl req -newkey rsa:2048 -nodes -subj "/CN=hposctl test server" -keyout "$T/$1-key.pem" -out "$T/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$2" > "$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca/ca.pem" -CAkey "$T/ca/ca-key.pem" -CAcreateserial -days 2 \
		-extfile "$T/$1.ext" -out "$T/$1-cert.pem" 2>/dev/null
}
mkca ca && mkca ca2 && mkcert right "IP:127.0.0.1" && mkcert wrongname "DNS:db.invalid" ||
	{ fail "openssl could not make certificates"; finish; }
cp "$T/ca/ca.pem" "$T/srv/ca.pem"
cp "$T/right-cert.pem" "$T/srv/server-cert.pem"; cp "$T/right-key.pem" "$T/srv/server-key.pem"
S="$SBX/tlss"
trap '"$TOP/tests/sandbox.sh" stop "$S" >/dev/null 2>&1' EXIT
SANDBOX_BUFFER_POOL=64M "$TOP/tests/sandbox.sh" start "$S" --tcp --ssl "$T/srv" 2>/dev/null || { fail "TLS sandbox did not start"; finish; }
port=$(cat "$S/port")
ssql() { mariadb --no-defaults --socket="$S/mysqld.sock" -uroot -N -B "$@"; }
assert_eq YES "$(ssql -e "SELECT @@have_ssl")" "the sandbox serves TLS"
ssql -e "CREATE DATABASE sec_t CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
	CREATE USER 'tls'@'%' IDENTIFIED BY '$PW' REQUIRE SSL; GRANT ALL ON sec_t.* TO 'tls'@'%';
	CREATE USER 'tls'@'localhost' IDENTIFIED BY '$PW' REQUIRE SSL; GRANT ALL ON sec_t.* TO 'tls'@'localhost'"
zcat "$FIXTURE/before.sql.gz" | mariadb --no-defaults --socket="$S/mysqld.sock" -uroot sec_t
tcfg="$SBX/tls.yml"
tls() { # tls MODE [CA-FILE]: write the config for a TLS connection over TCP
	printf 'database:\n  host: 127.0.0.1\n  port: %s\n  user: tls\n  password: "%s"\n  name: sec_t\n  tls:\n    mode: %s\n' \
		"$port" "$PW" "$1" > "$tcfg"
	[ -n "${2:-}" ] && printf '    ca: %s\n' "$2" >> "$tcfg"
	chmod 600 "$tcfg"
}
tls disabled;                 run "$HPOSCTL" -c "$tcfg" config check
assert_eq 77 "$rc" "mode disabled against a REQUIRE SSL account: refused (77)"
tls required;                 run "$HPOSCTL" -c "$tcfg" config check
assert_eq 0 "$rc" "mode required: connects over TLS"
tls verify_ca;                run "$HPOSCTL" -c "$tcfg" config check
assert_eq 78 "$rc" "mode verify_ca without a CA: configuration error (78)"
tls verify_ca "$T/ca/ca.pem"; run "$HPOSCTL" -c "$tcfg" config check
assert_eq 0 "$rc" "verify_ca with the signing CA: connects"
tls verify_ca "$T/ca2/ca.pem"; run "$HPOSCTL" -c "$tcfg" config check
assert_eq 69 "$rc" "verify_ca with another CA: refused (69)"
assert_contains "$err" "TLS/SSL error" "the message says it is a TLS failure"
tls verify_identity "$T/ca/ca.pem"; run "$HPOSCTL" -c "$tcfg" --debug sync
assert_eq 0 "$rc" "verify_identity (certificate names 127.0.0.1): a whole sync over TLS"
assert_eq 221 "$(ssql sec_t -e 'SELECT COUNT(*) FROM wp_wc_orders')" "221 orders synced over TLS"
case "$out$err" in *"$PW"*) fail "password leaked in the TLS --debug run" ;; *) ok "no password in the TLS --debug run" ;; esac
# Now a certificate signed by the same CA for another name.
cp "$T/wrongname-cert.pem" "$T/srv/server-cert.pem"; cp "$T/wrongname-key.pem" "$T/srv/server-key.pem"
ssql -e "FLUSH SSL"
tls verify_ca "$T/ca/ca.pem"; run "$HPOSCTL" -c "$tcfg" config check
assert_eq 0 "$rc" "verify_ca ignores the certificate's name (chain only)"
tls verify_identity "$T/ca/ca.pem"; run "$HPOSCTL" -c "$tcfg" config check
assert_eq 69 "$rc" "verify_identity refuses a certificate for another name (69)"
finish
