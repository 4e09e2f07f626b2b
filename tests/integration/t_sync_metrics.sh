# sync --metrics-file: node_exporter textfile metrics, written atomically at
# the end of every run, failures included.
. "$TOP/tests/integration/lib.sh"

mdir="$SBX/metrics"; mkdir -p "$mdir"
prom="$mdir/hposctl.prom"
metric() { # metric NAME: value of hposctl_NAME{command="sync"} in $prom
	sed -n "s/^hposctl_$1{command=\"sync\"} //p" "$prom"
}

load_fixture fx_met
before=$(date +%s)
run hpos fx_met sync --batch-size 50 --max-batches 2 --jobs 1 --metrics-file "$prom"
after=$(date +%s)
assert_eq 0 "$rc" "partial run exits 0"
[ -f "$prom" ] && ok "metrics file written" || fail "no metrics file"
assert_eq "" "$(ls "$mdir" | grep -v '^hposctl.prom$')" "no temporary file left behind"
assert_eq 644 "$(stat -c %a "$prom")" "metrics file is world-readable (0644) for node_exporter"
assert_eq 0 "$(metric last_run_exit_code)" "exit code 0 recorded"
assert_eq 100 "$(metric orders_synced)" "2 batches x 50: 100 orders synced"
assert_eq 0 "$(metric orders_skipped)" "0 skipped"
assert_eq 0 "$(metric batch_retries)" "0 retries"
assert_eq 2 "$(metric batches)" "2 batches"
pending=$(hpos fx_met count_unmigrated --porcelain)
assert_eq "$pending" "$(metric orders_pending)" "pending after the run matches count_unmigrated ($pending)"
ts=$(metric last_run_timestamp_seconds)
[ "$ts" -ge "$before" ] && [ "$ts" -le "$after" ] && ok "last_run_timestamp_seconds is the end of the run" ||
	fail "timestamp $ts not in [$before, $after]"
assert_eq "$ts" "$(metric last_success_timestamp_seconds)" "success timestamp = run timestamp on exit 0"
dur=$(metric last_run_duration_seconds)
awk -v d="$dur" 'BEGIN { exit !(d > 0 && d < 120) }' && ok "duration $dur s is plausible" || fail "duration [$dur]"
# Format: HELP and TYPE before every sample, every sample line well formed.
assert_eq "" "$(grep -v '^# HELP hposctl_[a-z_]* .' "$prom" | grep -v '^# TYPE hposctl_[a-z_]* gauge$' |
	grep -v '^hposctl_[a-z_]*{command="sync"} -\{0,1\}[0-9.]*$')" "every line is HELP, TYPE or a sample"
assert_eq "$(grep -c '^# TYPE' "$prom")" "$(grep -c '^hposctl_' "$prom")" "one TYPE line per sample"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics < "$prom" >/dev/null 2>&1 && ok "promtool accepts it" || fail "promtool rejects it"
fi

# The rest, then a run with nothing to do.
run hpos fx_met sync --metrics-file "$prom"
assert_eq 0 "$rc" "second run exits 0"
assert_eq 121 "$(metric orders_synced)" "second run synced the remaining 121"
assert_eq 0 "$(metric orders_pending)" "nothing pending afterwards"
ok_ts=$(metric last_success_timestamp_seconds)

# Failure exits write metrics too.  Lock busy: exit 75, quietly.
hold_lock 'hposctl:fx_met:wp_'
run hpos fx_met sync --quiet --metrics-file "$prom"
assert_eq 75 "$rc" "overlapping run exits 75"
assert_eq "" "$out$err" "overlapping run with --quiet prints nothing"
assert_eq 75 "$(metric last_run_exit_code)" "exit code 75 recorded"
assert_eq "$ok_ts" "$(metric last_success_timestamp_seconds)" "last success timestamp carried over"
assert_eq "" "$(metric orders_pending)" "no pending scan when the run did not take the lock"
release_lock 'hposctl:fx_met:wp_'

# Cannot connect: exit 69, metrics still written.
run "$HPOSCTL" --socket "$SBX/nonexistent.sock" --user root --dbname fx_met sync --metrics-file "$prom"
assert_eq 69 "$rc" "cannot connect: exits 69"
assert_eq 69 "$(metric last_run_exit_code)" "exit code 69 recorded"
assert_eq 0 "$(metric orders_synced)" "0 synced on a failed connect"
assert_eq "$ok_ts" "$(metric last_success_timestamp_seconds)" "success timestamp survives a failure"

# An unwritable place is refused before any work (exit 64, nothing synced).
load_fixture fx_met2
run hpos fx_met2 sync --metrics-file "$SBX/no/such/dir/x.prom"
assert_eq 64 "$rc" "metrics file in a missing directory: exits 64"
assert_contains "$err" "--metrics-file" "message names the flag"
assert_eq 0 "$(sql fx_met2 "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='fx_met2' AND table_name='wp_wc_orders'")" \
	"nothing was done (no HPOS tables created)"
run hpos fx_met2 sync --metrics-file "$mdir"
assert_eq 64 "$rc" "metrics file that is a directory: exits 64"

# Atomic replacement: a reader never sees a partial file.  The file is
# replaced by rename, so its inode changes on every write.
ino1=$(stat -c %i "$prom")
run hpos fx_met sync --metrics-file "$prom"
ino2=$(stat -c %i "$prom")
[ "$ino1" != "$ino2" ] && ok "file replaced by rename (new inode)" || fail "file rewritten in place"
finish
