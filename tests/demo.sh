#!/bin/sh
# make demo: a guided tour on a throwaway MariaDB with a generated store.
set -eu
O=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
HPOSCTL=$(cd "$O" && pwd)/hposctl
STOREGEN=$(cd "$O" && pwd)/storegen
ORDERS=${DEMO_ORDERS:-50000}
SBX=$(mktemp -d /tmp/hposctl-demo.XXXXXX)
cleanup() { "$TOP/tests/sandbox.sh" stop "$SBX" >/dev/null 2>&1; rm -rf "$SBX"; }
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
hp() { echo "\$ hposctl $*"; "$HPOSCTL" --socket "$SBX/mysqld.sock" --user root --dbname shop "$@"; }
secs() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }

step "1. A private MariaDB server (its own datadir and socket under $SBX)"
"$TOP/tests/sandbox.sh" start "$SBX"

step "2. A WooCommerce-shaped store with $ORDERS orders in wp_posts/wp_postmeta"
t0=$(date +%s.%N)
"$STOREGEN" --socket "$SBX/mysqld.sock" --database shop --create --orders "$ORDERS" --seed 1
t1=$(date +%s.%N)
echo "(generated in $(secs "$t0" "$t1") s)"

step "3. Where the store stands: posts are authoritative, HPOS tables do not exist yet"
hp status

step "4. What a sync would do, without writing anything"
hp sync --dry-run

step "5. The migration itself: every order copied into the four HPOS tables"
t0=$(date +%s.%N)
hp sync --settle 0
t1=$(date +%s.%N)
sync_s=$(secs "$t0" "$t1")

step "6. Afterwards: nothing pending, one row per order in wc_orders"
hp status

step "7. Run it again, as cron would: nothing to do, nothing changed"
t0=$(date +%s.%N)
hp sync
t1=$(date +%s.%N)

if "$HPOSCTL" help verify >/dev/null 2>&1; then
	step "8. Verify every order against the posts store"
	hp verify
fi

step "Timing"
echo "sync of $ORDERS orders: $sync_s s; no-op re-run: $(secs "$t0" "$t1") s"
echo "The sandbox is removed now. Next: README.md, 'man docs/hposctl.1', 'make check'."
