#!/bin/sh
# A private, throwaway MariaDB server for tests, the demo and benchmarks.
#
#   tests/sandbox.sh start DIR [--tcp] [--server-id N] [--log-bin] [--ssl CERTDIR]
#                                        initialise DIR/data, start mariadbd on
#                                        DIR/mysqld.sock (and a free loopback
#                                        port with --tcp), wait until it answers;
#                                        --log-bin writes a binary log (a
#                                        replication primary); --ssl serves TLS
#                                        with CERTDIR/{ca,server-cert,server-key}.pem
#   tests/sandbox.sh replicate DIR PRIMARY_DIR
#                                        make the sandbox in DIR a replica of the
#                                        one in PRIMARY_DIR (started with --tcp
#                                        --log-bin, distinct --server-id): binlog
#                                        replication over its loopback TCP port,
#                                        from the primary's current position
#   tests/sandbox.sh stop DIR            stop that server by its own pid
#   tests/sandbox.sh crash DIR           SIGKILL it (a crash)
#   tests/sandbox.sh resume DIR          start it again on the same datadir
#   tests/sandbox.sh sql DIR [ARGS...]   run the mariadb client against it
#   tests/sandbox.sh env DIR             print SANDBOX_SOCKET=... lines
#
# Never touches a system service or /var/lib/mysql: everything lives in DIR,
# so two sandboxes in two directories do not collide.  Root connects over the
# socket without a password (the datadir is private and thrown away).
set -eu

die() { echo "sandbox: $*" >&2; exit 1; }

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|crash|resume|sql|env DIR [--tcp]"
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
start|resume)
	tcp=0; extra=""
	while [ $# -gt 0 ]; do
		case $1 in
		--tcp) tcp=1 ;;
		--server-id) extra="$extra --server-id=$2"; shift ;;
		--log-bin) binlog=1 ;;
		--ssl) extra="$extra --ssl-ca=$2/ca.pem --ssl-cert=$2/server-cert.pem --ssl-key=$2/server-key.pem"; shift ;;
		*) die "start: unknown option $1" ;;
		esac
		shift
	done
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/mysqld.pid" ] && kill -0 "$(cat "$dir/mysqld.pid")" 2>/dev/null &&
		die "a server already runs for $dir (pid $(cat "$dir/mysqld.pid"))"
	[ ${#dir} -lt 90 ] || die "$dir is too long for a Unix socket path"
	installdb=$(find_bin mariadb-install-db mysql_install_db) || die "mariadb-install-db not found (apt-get install mariadb-server)"
	mariadbd=$(find_bin mariadbd mysqld) || die "mariadbd not found (apt-get install mariadb-server)"
	user=$(id -un)
	if [ "$cmd" = start ]; then
		rm -rf "$dir/data" "$dir/tmp"
		mkdir -p "$dir/tmp"
		"$installdb" --no-defaults --datadir="$dir/data" --user="$user" \
			--auth-root-authentication-method=normal --skip-test-db \
			> "$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
		printf '%s\n%s\n' "$extra" "${binlog:-0}" > "$dir/server.args"
	else
		# The server comes back as it was started (binlog, TLS, server id).
		[ -d "$dir/data/mysql" ] || die "no datadir to resume in $dir"
		[ "$(cat "$dir/port" 2>/dev/null || echo 0)" != 0 ] && tcp=1
		extra=$(sed -n 1p "$dir/server.args" 2>/dev/null)
		binlog=$(sed -n 2p "$dir/server.args" 2>/dev/null)
	fi
	net="--skip-networking"
	port=0
	if [ "$tcp" = 1 ] && [ "$cmd" = resume ]; then
		port=$(cat "$dir/port")
		net="--bind-address=127.0.0.1 --port=$port"
	elif [ "$tcp" = 1 ]; then
		port=$(free_port)
		net="--bind-address=127.0.0.1 --port=$port"
	fi
	# A private tmpdir: servers in other PID namespaces sharing /tmp can
	# name their temporary tables alike (#sql-temptable-<pid>-...) and
	# delete each other's files.
	mkdir -p "$dir/tmp"
	# shellcheck disable=SC2086
	"$mariadbd" --no-defaults --datadir="$dir/data" --user="$user" \
		--socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
		--log-error="$dir/error.log" --tmpdir="$dir/tmp" $net \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_520_ci \
		--innodb-buffer-pool-size="${SANDBOX_BUFFER_POOL:-512M}" \
		--innodb-log-file-size=256M --innodb-flush-log-at-trx-commit=2 \
		--max-allowed-packet=256M --max-connections=200 \
		$(if [ "${binlog:-0}" = 1 ]; then echo "--log-bin=$dir/data/binlog --binlog-format=MIXED"; else echo --skip-log-bin; fi) \
		$extra ${SANDBOX_EXTRA_ARGS:-} \
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
crash)
	# SIGKILL the server, as a crash or an OOM kill would; `resume` starts
	# it again on the same datadir (InnoDB recovers what was committed).
	[ -f "$dir/mysqld.pid" ] || exit 0
	pid=$(cat "$dir/mysqld.pid")
	kill -9 "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$dir/mysqld.pid"
	;;
replicate)
	primary=${1:-}
	[ -n "$primary" ] && [ -S "$primary/mysqld.sock" ] || die "replicate: no sandbox running in '$primary'"
	pport=$(cat "$primary/port" 2>/dev/null || echo 0)
	[ "$pport" != 0 ] || die "replicate: the primary must be started with --tcp"
	pcli() { mariadb --no-defaults --socket="$primary/mysqld.sock" -uroot "$@"; }
	pcli -e "CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
		GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'"
	pos=$(pcli -N -B -e 'SHOW MASTER STATUS')
	[ -n "$pos" ] || die "replicate: the primary has no binary log (start it with --log-bin)"
	file=$(echo "$pos" | cut -f1); off=$(echo "$pos" | cut -f2)
	client -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pport, MASTER_USER='repl',
		MASTER_PASSWORD='repl', MASTER_LOG_FILE='$file', MASTER_LOG_POS=$off, MASTER_CONNECT_RETRY=1;
		START SLAVE"
	i=0
	until [ "$(client -N -B -e 'SHOW SLAVE STATUS' | cut -f11,12)" = "$(printf 'Yes\tYes')" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { client -e 'SHOW SLAVE STATUS\G' >&2; die "replication did not start"; }
		sleep 0.1
	done
	echo "sandbox: $dir replicates from $primary (port $pport, $file:$off)" >&2
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
