# Hardening (issue 20): credentials never go where they should not, the
# backup file cannot be planted or poisoned and restores with the server's
# default packet size, database strings cannot drive the terminal, a
# connection charset narrower than the tables is refused.
. "$TOP/tests/integration/lib.sh"

PW='Hx-Clear-unique-9Qp'
FAKE="$TOP/tests/integration/fake_auth_server.py"

fake_start() { # fake_start NAME [native]: a fake server; sets $fport once it listens
	rm -f "$SBX/$1.port" "$SBX/$1.log"
	python3 "$FAKE" "$SBX/$1.port" "$SBX/$1.log" ${2:-} &
	fpid=$!
	i=0; while [ ! -s "$SBX/$1.port" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	fport=$(cat "$SBX/$1.port")
}

# -- a server asking for mysql_clear_password over plain TCP gets nothing --
fake_start clear
run env MYSQL_PWD="$PW" "$HPOSCTL" --host 127.0.0.1 --port "$fport" --user shop --dbname x status
wait "$fpid"
assert_eq 69 "$rc" "clear-text authentication over plain TCP refused (69)"
case "$(cat "$SBX/clear.log")" in *"$PW"*) fail "the password went to the server in clear text" ;;
	*) ok "the password was not sent in clear text" ;; esac
case "$err" in *"$PW"*) fail "the password is in the message" ;; *) ok "no password in the message" ;; esac

# -- --replica: the primary's password stays with the primary unless asked --
load_fixture hd_a
sql_root "CREATE USER IF NOT EXISTS 'hdshop'@'localhost' IDENTIFIED BY '$PW'; GRANT ALL ON hd_a.* TO 'hdshop'@'localhost'"
fake_start rep native
run env MYSQL_PWD="$PW" "$HPOSCTL" --socket "$SBX/mysqld.sock" --user hdshop --dbname hd_a sync --dry-run \
	--replica "h=127.0.0.1,P=$fport" --max-lag 5
wait "$fpid"
assert_eq 0 "$(cat "$SBX/rep.log")" "no password sent to the replica by default"
fake_start rep2 native
run env MYSQL_PWD="$PW" "$HPOSCTL" --socket "$SBX/mysqld.sock" --user hdshop --dbname hd_a sync --dry-run \
	--replica "h=127.0.0.1,P=$fport,p=@primary" --max-lag 5
wait "$fpid"
assert_eq 20 "$(cat "$SBX/rep2.log")" "p=@primary sends the primary's password (a 20-byte scramble)"

# -- an unknown option is named, its value never printed -------------------
run "$HPOSCTL" --db-password="$PW" status
assert_eq 64 "$rc" "unknown global option: exit 64"
assert_contains "$err" "unknown option --db-password" "the option is named"
case "$err" in *"$PW"*) fail "the unknown option's value is printed" ;; *) ok "the unknown option's value is not printed" ;; esac
run hpos hd_a sync --db-pasword="$PW"
assert_eq 64 "$rc" "unknown command option: exit 64"
case "$err" in *"$PW"*) fail "the unknown command option's value is printed" ;; *) ok "the unknown command option's value is not printed" ;; esac

finish
