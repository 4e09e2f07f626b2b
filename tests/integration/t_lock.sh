# A second concurrent run exits 75 at once and names the holder.
. "$TOP/tests/integration/lib.sh"

load_fixture fx_lock
# Hold the run lock from another session, as a running hposctl would.
hold_lock 'hposctl:fx_lock:wp_'
start=$(date +%s)
run hpos fx_lock sync
assert_eq 75 "$rc" "a second sync exits 75"
assert_contains "$err" "Another hposctl run is active" "and says why"
assert_contains "$err" "held by connection" "and names the holder"
[ $(( $(date +%s) - start )) -le 3 ] && ok "it exits at once" || fail "it waited"
assert_eq 0 "$(sql fx_lock "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='fx_lock' AND TABLE_NAME='wp_wc_orders'")" "it changed nothing"
run hpos fx_lock sync --quiet
assert_eq 75 "$rc" "--quiet: still exits 75"
assert_eq "" "$err$out" "--quiet: prints nothing"
release_lock 'hposctl:fx_lock:wp_'
run hpos fx_lock sync
assert_eq 0 "$rc" "after the holder is gone, sync runs"
finish
