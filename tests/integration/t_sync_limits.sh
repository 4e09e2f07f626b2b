# sync's limits and throttles: --max-batches, --critical-load, --pause-file,
# --json events, --quiet.
. "$TOP/tests/integration/lib.sh"

load_fixture fx_lim
run hpos fx_lim sync --batch-size 10 --max-batches 2 --jobs 1
assert_eq 0 "$rc" "--max-batches: exits 0"
assert_contains "$out" "Stopped at the --max-batches limit" "--max-batches: says where it stopped"
assert_eq 20 "$(sql fx_lim "SELECT COUNT(*) FROM wp_wc_orders")" "--max-batches 2 x 10: exactly 20 orders"
assert_eq 201 "$(hpos fx_lim count_unmigrated --porcelain)" "the rest stays pending"

run hpos fx_lim sync --batch-size 10 --critical-load Uptime=0
assert_eq 75 "$rc" "--critical-load exceeded: exits 75"
assert_contains "$err" "critical load: Uptime" "--critical-load names the variable"
n=$(sql fx_lim "SELECT COUNT(*) FROM wp_wc_orders")
[ "$n" -lt 221 ] && ok "--critical-load stopped early ($n orders)" || fail "--critical-load did not stop"

run hpos fx_lim sync --max-load Uptime=abc
assert_eq 64 "$rc" "--max-load with a bad value exits 64"

pause="$SBX/pause.flag"
touch "$pause"
n0=$(sql fx_lim "SELECT COUNT(*) FROM wp_wc_orders")
hpos fx_lim sync --batch-size 10 --jobs 1 --pause-file "$pause" > "$SBX/lim.out" 2>&1 &
pid=$!
# Held after its first batch: it says so, that batch (10 orders) is
# written, and nothing more is, while the file exists.
wait_until 60 has_line "$SBX/lim.out" "Paused: pause file" || fail "--pause-file: never said it paused"
wait_until 60 batch_written $pid fx_lim $((n0 + 10))
kill -0 $pid 2>/dev/null && ok "--pause-file: still running while paused" || fail "--pause-file: exited while paused"
assert_eq $((n0 + 10)) "$(sql fx_lim "SELECT COUNT(*) FROM wp_wc_orders")" "--pause-file: no progress past the batch read before the pause"
rm -f "$pause"
wait $pid; rc=$?
assert_eq 0 "$rc" "--pause-file: completes once the file is gone"
assert_contains "$(cat "$SBX/lim.out")" "Paused: pause file" "--pause-file: says it paused"
assert_eq 221 "$(sql fx_lim "SELECT COUNT(*) FROM wp_wc_orders")" "--pause-file: all orders synced in the end"

load_fixture fx_json
run hpos fx_json --json sync
assert_eq 0 "$rc" "--json: exits 0"
assert_eq "" "$(echo "$out" | grep -v '^{"event":"[a-z_]*","time":[0-9.]*.*}$')" "--json: every stdout line is a JSON event"
assert_contains "$out" '"event":"start"' "--json: start event"
assert_contains "$out" '"event":"done","time":' "--json: done event"
assert_contains "$out" '"synced":221' "--json: done event counts 221 orders"

load_fixture fx_quiet
run hpos fx_quiet sync --quiet
assert_eq 0 "$rc" "--quiet: exits 0"
assert_eq "" "$out$err" "--quiet: prints nothing on success"
finish
