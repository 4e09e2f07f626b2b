#!/bin/sh
# A private, throwaway MariaDB server for tests, the demo and benchmarks.
#
#   tests/sandbox.sh start DIR [--tcp]   initialise DIR/data, start mariadbd on
#                                        DIR/mysqld.sock (and a free loopback
#                                        port with --tcp), wait until it answers
#   tests/sandbox.sh stop DIR            stop that server by its own pid
#   tests/sandbox.sh sql DIR [ARGS...]   run the mariadb client against it
#   tests/sandbox.sh env DIR             print SANDBOX_SOCKET=... lines
#
# Never touches a system service or /var/lib/mysql: everything lives in DIR,
# so two sandboxes in two directories do not collide.  Root connects over the
# socket without a password (the datadir is private and thrown away).
set -eu

die() { echo "sandbox: $*" >&2; exit 1; }

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|sql|env DIR [--tcp]"
shift 2

find_bin() {
	for b in "$@"; do
		if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
		for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
			[ -x "$d/$b" ] && { echo "$d/$b"; return 0; }
		done
	done
	return 1
}

free_port() {
	# Ask the kernel for an unused loopback port.
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null && return 0
	p=$(( 20000 + $$ % 20000 ))
	while (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}

client() {
	mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot "$@"
}

case "$cmd" in
start)
	tcp=0
	[ "${1:-}" = "--tcp" ] && tcp=1
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/mysqld.pid" ] && kill -0 "$(cat "$dir/mysqld.pid")" 2>/dev/null &&
		die "a server already runs for $dir (pid $(cat "$dir/mysqld.pid"))"
	[ ${#dir} -lt 90 ] || die "$dir is too long for a Unix socket path"
	installdb=$(find_bin mariadb-install-db mysql_install_db) || die "mariadb-install-db not found (apt-get install mariadb-server)"
	mariadbd=$(find_bin mariadbd mysqld) || die "mariadbd not found (apt-get install mariadb-server)"
	user=$(id -un)
	rm -rf "$dir/data"
	"$installdb" --no-defaults --datadir="$dir/data" --user="$user" \
		--auth-root-authentication-method=normal --skip-test-db \
		> "$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
	net="--skip-networking"
	port=0
	if [ "$tcp" = 1 ]; then
		port=$(free_port)
		net="--bind-address=127.0.0.1 --port=$port"
	fi
	# A private tmpdir: servers in other PID namespaces sharing /tmp can
	# name their temporary tables alike (#sql-temptable-<pid>-...) and
	# delete each other's files.
	mkdir -p "$dir/tmp"
	# shellcheck disable=SC2086
	"$mariadbd" --no-defaults --datadir="$dir/data" --user="$user" \
		--socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --tmpdir="$dir/tmp" \
		--log-error="$dir/error.log" $net \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_520_ci \
		--innodb-buffer-pool-size="${SANDBOX_BUFFER_POOL:-512M}" \
		--innodb-log-file-size=256M --innodb-flush-log-at-trx-commit=2 \
		--max-allowed-packet=256M --skip-log-bin --max-connections=200 \
		${SANDBOX_EXTRA_ARGS:-} \
		> "$dir/mariadbd.out" 2>&1 &
	echo $! > "$dir/mariadbd.launcher"
	i=0
	until client -e 'SELECT 1' >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			tail -20 "$dir/error.log" >&2 || true
			die "server did not answer within 30 s"
		fi
		sleep 0.1
	done
	echo "$port" > "$dir/port"
	echo "sandbox: MariaDB up on $dir/mysqld.sock${port:+ port $port}" >&2
	;;
stop)
	[ -f "$dir/mysqld.pid" ] || exit 0
	pid=$(cat "$dir/mysqld.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		i=0
		while kill -0 "$pid" 2>/dev/null; do
			i=$((i + 1))
			[ $i -gt 600 ] && { kill -9 "$pid" 2>/dev/null || true; break; }
			sleep 0.1
		done
	fi
	rm -f "$dir/mysqld.pid"
	;;
sql)
	client "$@"
	;;
env)
	echo "SANDBOX_SOCKET=$dir/mysqld.sock"
	echo "SANDBOX_PORT=$(cat "$dir/port" 2>/dev/null || echo 0)"
	;;
*)
	die "unknown command $cmd"
	;;
esac
