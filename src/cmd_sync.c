/* cmd_sync.c - `hposctl sync`: bring HPOS up to date with the posts store. */
#include "cmdutil.h"
#include "backfill.h"
#include "convert.h"
#include "estimate.h"
#include "metrics.h"
#include "migrate.h"
#include "output.h"
#include "replica.h"
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* Measured on the 2-core reference machine with the server at rest:
 * 7,275 orders/s on a 1M-order generated store, 7,900-8,600 on 100k; the
 * larger store's figure is the one to plan with.  Used only to print an
 * estimate with --dry-run.  See README.md. */
#define ESTIMATE_ORDERS_PER_SEC 7000.0
/* HPOS -> posts (t_reverse_faults' store on the same machine, busy). */
#define ESTIMATE_BACKFILL_PER_SEC 1000.0

static uint64_t opt_batch_size = 500, opt_start_from, opt_end_at, opt_max_batches, opt_max_retries, opt_jobs = 2;
static const char *opt_order_types, *opt_isolation, *opt_max_load, *opt_critical_load, *opt_pause_file;
static const char *opt_metrics_file, *opt_format;
static uint64_t opt_sample;
static int sample_given;
static struct opt_list opt_replicas;
static double opt_max_lag = 10, opt_max_lag_wait;
static int max_lag_given;
static int opt_dry_run, opt_no_transactions, opt_allow_truncation, settle_given, retries_given, opt_restore_cleaned;
static double opt_max_runtime, opt_settle;

static const struct opt sync_opts_table[] = {
	{ "batch-size", 0, OPT_UINT, &opt_batch_size, "N", "orders per batch (default 500; 0 means 500, as in WooCommerce)", NULL },
	CMD_OPT_ORDER_TYPES(&opt_order_types),
	{ "start-from", 0, OPT_UINT, &opt_start_from, "ID", "first order ID to consider", NULL },
	{ "end-at", 0, OPT_UINT, &opt_end_at, "ID", "last order ID to consider", NULL },
	{ "max-runtime", 0, OPT_DURATION, &opt_max_runtime, "DURATION", "stop at the next batch boundary after this long (e.g. 14m)", NULL },
	{ "max-batches", 0, OPT_UINT, &opt_max_batches, "N", "stop after N batches", NULL },
	{ "dry-run", 0, OPT_FLAG, &opt_dry_run, NULL, "report what would be synced and how long it would take; write nothing", NULL },
	{ "sample", 0, OPT_UINT, &opt_sample, "N", "with --dry-run: really sync N pending orders (0: 4 batches) spread over the IDs, roll back, and project", &sample_given },
	{ "format", 0, OPT_STR, &opt_format, "table|json", "with --dry-run: the estimate as table (default) or json", NULL },
	{ "isolation-level", 0, OPT_STR, &opt_isolation, "LEVEL", "READ UNCOMMITTED|READ COMMITTED|REPEATABLE READ|SERIALIZABLE", NULL },
	{ "no-transactions", 0, OPT_FLAG, &opt_no_transactions, NULL, "write without transactions (each order stays pending until whole)", NULL },
	{ "settle", 0, OPT_DURATION, &opt_settle, "SECONDS", "leave orders modified this recently for the next run (default 5)", &settle_given },
	{ "allow-truncation", 0, OPT_FLAG, &opt_allow_truncation, NULL, "write values that do not fit the way WooCommerce does (MySQL cuts them)", NULL },
	{ "max-retries", 0, OPT_UINT, &opt_max_retries, "N", "retries per batch after deadlocks, lock waits, lost connections (default 10)", &retries_given },
	{ "jobs", 'j', OPT_UINT, &opt_jobs, "N", "writer connections working in parallel (default 2, 1..16)", NULL },
	CMD_OPTS_THROTTLE(&opt_max_load, &opt_critical_load, &opt_pause_file),
	{ "replica", 0, OPT_LIST, &opt_replicas, "DSN", "a replica to watch with --max-lag (repeatable): h=HOST,P=PORT,S=SOCKET,u=USER,D=DB,F=FILE", NULL },
	{ "max-lag", 0, OPT_DURATION, &opt_max_lag, "SECONDS", "pause between batches while a --replica lags more (default 10)", &max_lag_given },
	{ "max-lag-wait", 0, OPT_DURATION, &opt_max_lag_wait, "DURATION", "stop (exit 75) when replica lag keeps sync paused this long (default: wait)", NULL },
	{ "restore-cleaned", 0, OPT_FLAG, &opt_restore_cleaned, NULL, "HPOS authoritative, compatibility mode off: also rebuild the posts of orders a cleanup emptied", NULL },
	{ "metrics-file", 0, OPT_STR, &opt_metrics_file, "PATH", "write node_exporter textfile metrics here at the end of the run (atomically)", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

/* Everything one sync run holds, from the options checked to the lock
 * released (sync_release()). */
struct run {
	struct ctx *c;
	struct db *db;
	struct progress bar;
	uint64_t base_done;
	struct throttle thr;
	struct replica *rep;
	unsigned nrep;
	double lag_ok_at;          /* when every replica was last seen in time */
	int lag_warned;
	int watch;                 /* re-read the two options between batches */
	int hpos_auth, compat;     /* their values when the run started */
	int changed;               /* one of them changed: stop */
	char changed_msg[200];
	int json;                  /* --format json: stdout carries one JSON object */
	int locked;                /* this run holds the run lock */
	struct typelist types;     /* the order types asked for */
	struct typelist rtypes;    /* HPOS authoritative: those written back */
	uint64_t refused_n;        /* orders of types not written back: exit 1 */
	unsigned mask;             /* HPOS tables present */
	struct sync_opts so;
	struct sync_stats_s st;
	struct pending p;
	uint64_t pending_n;
	double secs;               /* the batches' wall-clock time */
	int exit_code;
};

/* WooCommerce's admin screen or another tool may switch authority or
 * compatibility mode while a long run goes on: re-read both between
 * batches (as cleanup does) and stop before writing in the old direction.
 * 0 unchanged, 1 changed (r->changed_msg says how).  A failed read is
 * retried at the next boundary: the batch loop itself reports lost
 * connections. */
static int options_changed(struct run *r)
{
	struct herr e;
	int auth, compat;

	if (!r->watch || r->changed)
		return r->changed;
	if (wc_hpos_authoritative(r->db, &auth, &e) < 0 || wc_compat_mode(r->db, &compat, &e) < 0)
		return 0;
	if (auth != r->hpos_auth)
		snprintf(r->changed_msg, sizeof(r->changed_msg), "the authoritative store was switched to %s during the run",
			 auth ? "HPOS" : "posts");
	else if (compat != r->compat)
		snprintf(r->changed_msg, sizeof(r->changed_msg), "compatibility mode was switched %s during the run",
			 compat ? "on" : "off");
	else
		return 0;
	r->changed = 1;
	return 1;
}

/* The throttle's extra check: NULL when every replica is within
 * --max-lag, else why not (in buf); past --max-lag-wait, stop.  Checked
 * at most once a second while all is well. */
static const char *replica_lagging(void *arg, struct throttle *t, double paused_for, char *buf, size_t n)
{
	struct run *r = arg;
	double now = now_mono(), lag;
	const char *why = NULL;

	if (!r->nrep || (r->lag_ok_at > 0 && now - r->lag_ok_at < 1.0))
		return NULL;
	for (unsigned i = 0; i < r->nrep && !why; i++) {
		if (replica_lag(&r->rep[i], &lag, buf, n)) {
			/* unknown lag counts as too much; say so once per episode */
			if (!r->lag_warned)
				out_warning("%s; pausing as if it lagged.", buf);
			r->lag_warned = 1;
			why = buf;
		} else if (lag > opt_max_lag) {
			snprintf(buf, n, "replica %s lags %.0f s, more than --max-lag %.0f s", r->rep[i].label, lag, opt_max_lag);
			why = buf;
		}
	}
	if (!why) {
		r->lag_ok_at = now;
		r->lag_warned = 0;
	} else if (opt_max_lag_wait > 0 && paused_for >= opt_max_lag_wait) {
		snprintf(t->critical_msg, sizeof(t->critical_msg),
			 "replica lag did not clear within --max-lag-wait %.0f s (%s)", opt_max_lag_wait, why);
		t->critical_hit = 1;
	}
	return why;
}

/* Between batches, outside any transaction: progress, then throttling. */
static int between(void *arg, const struct sync_stats_s *st)
{
	struct run *r = arg;

	progress_update(&r->bar, r->base_done + st->seen);
	if (throttle_wait(r->db, &r->thr))
		return 1;
	return options_changed(r);
}

/* Transactions: --no-transactions / --isolation-level, else WooCommerce's
 * own options (default yes, READ UNCOMMITTED).  *level NULL: none.  0, or
 * -1 with err (HX_USAGE for a bad --isolation-level, HX_CONFIG for a bad
 * option value). */
static int choose_isolation(struct db *db, const char **level, struct herr *err)
{
	*level = NULL;
	if (opt_no_transactions)
		return 0;
	if (!opt_isolation)
		return cmd_wc_isolation(db, 1, level, err);
	*level = cmd_isolation_name(opt_isolation);
	if (!*level)
		return herr_set(err, HX_USAGE, "Invalid database transaction isolation level name %s", opt_isolation);
	return 0;
}

/* s seconds as 45s, 12m05s or 3h07m. */
static void fmt_duration(char *buf, size_t n, double s)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, n, "%luh%02lum", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, n, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(buf, n, "%lus", t);
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* What the run did, for --metrics-file (filled as the run goes). */
static struct {
	struct sync_stats_s st;
	int have_pending;
	uint64_t pending;
	int have_cleaned;
	uint64_t cleaned_left;     /* cleaned orders left as placeholders */
} last_run;

/* Say what happens to the cleaned orders (placeholders whose legacy data a
 * cleanup removed), when there are any. */
static void report_cleaned(const struct pending *p, int skip, int compat)
{
	unsigned long long n = (unsigned long long)p->cleaned;

	if (!n)
		return;
	if (skip)
		out_log("%llu %s emptied by a cleanup %s left as %s (not counted above); `hposctl sync --restore-cleaned` "
			"rebuilds %s.", n, n == 1 ? "order whose post was" : "orders whose posts were", n == 1 ? "is" : "are",
			n == 1 ? "a placeholder" : "placeholders", n == 1 ? "it" : "them");
	else if (compat)
		out_log("%llu of them %s emptied by a cleanup; compatibility mode is on, so they are rebuilt "
			"(WooCommerce's own background sync would rebuild them too).", n, n == 1 ? "was" : "were");
	else
		out_log("%llu of them %s emptied by a cleanup; --restore-cleaned: they are rebuilt.", n, n == 1 ? "was" : "were");
}

/* The options among themselves, before anything is opened: 0, or -1 with
 * an HX_USAGE error.  Fills in the defaults (--batch-size 0, --sample 0)
 * and sets up r's throttle. */
static int check_options(int argc, char **argv, void *arg, struct herr *err)
{
	struct run *r = arg;

	if (cmd_no_args(&cmd_sync, argc, argv, err) < 0)
		return -1;
	if (opt_metrics_file && metrics_check_path(opt_metrics_file, err) < 0)
		return -1;
	if (throttle_init(&r->thr, opt_max_load, opt_critical_load, opt_pause_file, err) < 0)
		return -1;
	r->thr.extra = replica_lagging;
	r->thr.extra_arg = r;
	if (opt_end_at && opt_start_from > opt_end_at)
		return herr_set(err, HX_USAGE, "sync: --start-from %llu is after --end-at %llu",
				(unsigned long long)opt_start_from, (unsigned long long)opt_end_at);
	if (opt_batch_size == 0)
		opt_batch_size = 500; /* WooCommerce: 0 means the default */
	if (opt_batch_size > 100000)
		return herr_set(err, HX_USAGE, "sync: --batch-size must be at most 100000");
	if (opt_jobs < 1 || opt_jobs > 16)
		return herr_set(err, HX_USAGE, "sync: --jobs must be between 1 and 16");
	if (max_lag_given && !opt_replicas.n)
		return herr_set(err, HX_USAGE, "sync: --max-lag needs at least one --replica DSN to watch");
	if ((sample_given || opt_format) && !opt_dry_run)
		return herr_set(err, HX_USAGE, "sync: --sample and --format go with --dry-run");
	if (opt_format && strcmp(opt_format, "table") && strcmp(opt_format, "json"))
		return herr_set(err, HX_USAGE, "sync: --format must be table or json, not '%s'", opt_format);
	if (sample_given && opt_no_transactions)
		return herr_set(err, HX_USAGE, "sync: --sample rolls every batch back, which needs transactions; drop --no-transactions");
	if (sample_given && opt_metrics_file)
		return herr_set(err, HX_USAGE, "sync: a --sample run writes nothing, no --metrics-file either");
	if (sample_given && opt_sample == 0)
		opt_sample = 4 * (opt_batch_size ? opt_batch_size : 500);
	r->json = opt_format && !strcmp(opt_format, "json");
	if (r->json)
		outst.quiet = 1; /* stdout carries the JSON object alone; errors still go to stderr */
	return 0;
}

/* Open every --replica (r->nrep counts the ones to close, the failed one
 * too).  0, or -1 with err. */
static int open_replicas(struct run *r, struct herr *err)
{
	if (!opt_replicas.n)
		return 0;
	r->rep = xcalloc(opt_replicas.n, sizeof(*r->rep));
	for (; r->nrep < opt_replicas.n; r->nrep++)
		if (replica_parse(&r->rep[r->nrep], opt_replicas.v[r->nrep], &r->c->cfg, err) < 0 ||
		    replica_open(&r->rep[r->nrep], err) < 0) {
			r->nrep++;
			return -1;
		}
	return 0;
}

/* The engine's options from the command line and the configuration; the
 * order types stay r->types unless HPOS is authoritative (choose_reverse_types()). */
static void fill_sync_opts(struct run *r)
{
	struct sync_opts *so = &r->so;

	cmd_sync_opts(so, r->c, (unsigned)opt_batch_size, &r->types);
	so->start_from = opt_start_from;
	so->end_at = opt_end_at;
	so->max_batches = opt_max_batches;
	so->max_runtime = opt_max_runtime;
	so->settle = settle_given ? opt_settle : r->c->cfg.settle_seconds;
	so->allow_truncation = opt_allow_truncation;
	if (retries_given)
		so->max_retries = (unsigned)opt_max_retries;
	/* A lost connection is retried for 3 s per allowed retry (30 s by
	 * default), long enough for a server restart or a failover. */
	db_set_reconnect_window(r->db, 3.0 * so->max_retries);
	so->jobs = (unsigned)opt_jobs;
	so->between = between;
	so->arg = r;
}

/* Connect, open the replicas, resolve the order types, take the run lock
 * and wait for the replicas to catch up before the first batch. */
static int open_run(void *arg, struct herr *err)
{
	struct run *r = arg;
	struct ctx *c = r->c;

	if (ctx_connect(c, err) < 0)
		return STEP_FAIL;
	r->db = c->db;
	if (open_replicas(r, err) < 0)
		return STEP_FAIL;
	if (cmd_connect_types(c, opt_order_types, 1, &r->types, err) < 0)
		return STEP_FAIL;
	fill_sync_opts(r);
	/* One run at a time per database and prefix. */
	if (cmd_lock(c, &r->thr, &r->locked, &r->exit_code) != STEP_ON)
		return STEP_END;
	warn_background_sync(c->db);
	/* Do not start while a replica lags either. */
	if (r->nrep && between(r, &r->st)) {
		if (r->thr.critical_hit) {
			out_error("Stopped before the first batch: %s. Run sync again later.", r->thr.critical_msg);
			r->exit_code = HX_TEMPFAIL;
		} else {
			out_warning("Interrupted by signal %d before the first batch.", (int)hpos_interrupted);
			r->exit_code = cmd_signal_exit();
		}
		return STEP_END;
	}
	return STEP_ON;
}

/* Authority, compatibility mode (watched from now on), what happens to
 * cleaned orders, transactions and rounding. */
static int read_switches(void *arg, struct herr *err)
{
	struct run *r = arg;
	struct db *db = r->db;

	if (wc_hpos_authoritative(db, &r->hpos_auth, err) < 0)
		return STEP_FAIL;
	/* HPOS authoritative: posts are backfilled whether compatibility mode
	 * is on or off, as `wp wc hpos sync` does; the option is only read.
	 * It decides once, here, whether cleaned orders are left out. */
	if (wc_compat_mode(db, &r->compat, err) < 0)
		return STEP_FAIL;
	r->so.skip_cleaned = sync_skips_cleaned(r->hpos_auth, r->compat, opt_restore_cleaned);
	if (r->so.skip_cleaned && wc_table_exists(db, CLEANED_TABLE, &r->so.cleaned_record, err) < 0)
		return STEP_FAIL;
	r->watch = 1;
	if (choose_isolation(db, &r->so.isolation, err) < 0)
		return STEP_FAIL;
	if (wc_rounding_precision(db, &r->so.rounding_precision, err) < 0)
		return STEP_FAIL;
	return STEP_ON;
}

/* The HPOS tables: refuse without them when HPOS is authoritative or for
 * a sample; else create them (said only, with --dry-run). */
static int ensure_tables(void *arg, struct herr *err)
{
	struct run *r = arg;
	unsigned created;

	if (wc_hpos_tables_present(r->db, &r->mask, err) < 0)
		return STEP_FAIL;
	if (r->mask == HPOS_ALL_TABLES)
		return STEP_ON;
	if (r->hpos_auth) {
		herr_set(err, HX_PROBLEM, "HPOS is authoritative but its tables do not exist.");
		return STEP_FAIL;
	}
	if (sample_given) {
		herr_set(err, HX_PROBLEM, "the HPOS tables do not exist and a sample creates none (DDL commits); "
			 "run `hposctl install` first, or --dry-run without --sample. Nothing was changed.");
		return STEP_FAIL;
	}
	out_warning("Custom order tables does not exist, creating...");
	if (opt_dry_run) {
		out_log("Dry run: the tables would be created; counting every order post as pending.");
		return STEP_ON;
	}
	if (wc_create_tables(r->db, &created, err) < 0) {
		herr_prefix(err, "Custom order tables could not be created");
		return STEP_FAIL;
	}
	out_success("Custom order tables were created successfully.");
	return STEP_ON;
}

/* HPOS authoritative: only the types hposctl writes back exactly as
 * WooCommerce does; the others are named and make the run exit 1.
 * Deletion markers are carried out for every type (WooCommerce deletes
 * any order's post the same way). */
static int choose_reverse_types(void *arg, struct herr *err)
{
	struct run *r = arg;

	if (!r->hpos_auth)
		return STEP_ON;
	if (reverse_types(r->db, &r->types, "synced", &r->rtypes, &r->refused_n, err) < 0)
		return STEP_FAIL;
	r->so.types = &r->rtypes;
	r->so.marker_types = &r->types;
	if (r->rtypes.n)
		return STEP_ON;
	if (!r->refused_n)
		out_warning("There are no orders to sync, aborting.");
	return STEP_END;
}

/* Count and say what is pending; end the run when nothing is (except for
 * a JSON estimate, which reports the zero). */
static int count_pending(void *arg, struct herr *err)
{
	struct run *r = arg;

	if (!opt_dry_run && wc_tables_created_refresh(r->db, err) < 0)
		return STEP_FAIL;
	if (wc_pending(r->db, r->so.types, r->hpos_auth, &r->p, err) < 0)
		return STEP_FAIL;
	r->pending_n = pending_for_sync(&r->p, r->so.skip_cleaned);
	if (r->pending_n == 1)
		out_log("There is 1 order to be synced.");
	else
		out_log("There are %llu orders to be synced.", (unsigned long long)r->pending_n);
	if (r->so.skip_cleaned) {
		last_run.cleaned_left = r->p.cleaned;
		last_run.have_cleaned = 1;
	}
	report_cleaned(&r->p, r->so.skip_cleaned, r->hpos_auth && r->compat);
	if (r->pending_n == 0 && !r->json) {
		out_warning("There are no orders to sync, aborting.");
		return STEP_END;
	}
	return STEP_ON;
}

/* --dry-run without --sample: the estimate from the reference rate, as a
 * line or a JSON object; STEP_ON when the dry run goes on through the
 * engine (writing nothing). */
static int dry_run_estimate(struct run *r)
{
	const struct pending *p = &r->p;
	double rate = r->hpos_auth ? ESTIMATE_BACKFILL_PER_SEC : ESTIMATE_ORDERS_PER_SEC;
	char buf[64];

	fmt_duration(buf, sizeof(buf), (double)r->pending_n / rate);
	if (r->json) {
		out_line("{\"command\":\"sync\",\"direction\":\"%s\",\"pending\":%llu,\"missing\":%llu,"
			 "\"outdated\":%llu,\"markers\":%llu,\"orders_per_second\":%.0f,\"rate_source\":\"reference\","
			 "\"seconds\":%.1f}", r->hpos_auth ? "hpos_to_posts" : "posts_to_hpos",
			 (unsigned long long)r->pending_n, (unsigned long long)p->missing,
			 (unsigned long long)p->outdated, (unsigned long long)p->markers, rate,
			 (double)r->pending_n / rate);
		return STEP_END;
	}
	out_log("Dry run: %llu missing, %llu outdated, %llu deletion markers. Estimated time at %.0f orders/s "
		"(%s): %s. That rate is a reference figure from our test machine, not yours: "
		"--dry-run --sample measures this server.",
		(unsigned long long)(p->missing - (r->so.skip_cleaned ? p->cleaned : 0)), (unsigned long long)p->outdated,
		(unsigned long long)p->markers, rate, r->hpos_auth ? "HPOS -> posts, measured on a 2-core test machine" :
		"measured by `make bench` on a 2-core test machine", buf);
	if (r->mask != HPOS_ALL_TABLES)
		return STEP_END;
	db_set_dry_run(r->db, 1);
	return STEP_ON;
}

/* --dry-run: with --sample, real work rolled back (estimate.h); without,
 * the reference estimate. */
static int dry_run(void *arg, struct herr *err)
{
	struct run *r = arg;

	if (sample_given) {
		if (estimate_sync(r->db, &r->so, r->hpos_auth, r->pending_n, opt_sample, r->json, err) < 0)
			return STEP_FAIL;
		r->exit_code = cmd_sample_stopped(&r->thr);
		return STEP_END;
	}
	return opt_dry_run ? dry_run_estimate(r) : STEP_ON;
}

/* The batches, between the "start" and "done" events and the progress
 * bar.  Returns the engine's 0 or -1 (with err); r->st and r->secs hold
 * what it did. */
static int run_batches(struct run *r, struct herr *err)
{
	struct strbuf ev = STRBUF_INIT;
	const struct sync_stats_s *st = &r->st;
	double t0;
	int rc;

	sb_addf(&ev, "\"pending\":%llu,\"batch_size\":%u,\"dry_run\":%s,\"isolation\":\"%s\",\"cleaned_left\":%llu",
		(unsigned long long)r->pending_n, r->so.batch_size, opt_dry_run ? "true" : "false",
		r->so.isolation ? r->so.isolation : "none", (unsigned long long)(r->so.skip_cleaned ? r->p.cleaned : 0));
	out_event("start", ev.buf);
	progress_start(&r->bar, "Order Data Sync", r->pending_n);
	t0 = now_mono();
	rc = r->hpos_auth ? sync_to_posts(r->db, &r->so, &r->st, err) : sync_to_hpos(r->db, &r->so, &r->st, err);
	r->secs = now_mono() - t0;
	progress_update(&r->bar, st->seen);
	progress_finish(&r->bar);
	out_debug("time in phases: read+convert %.2fs, write %.2fs; %llu batches, %llu meta rows",
		  st->t_read, st->t_write, (unsigned long long)st->batches, (unsigned long long)st->meta_rows);
	sb_reset(&ev);
	sb_addf(&ev, "\"synced\":%llu,\"skipped\":%llu,\"retries\":%llu,\"deferred\":%llu,\"deleted\":%llu,"
		"\"markers_left\":%llu,\"seconds\":%.3f,\"t_read\":%.3f,\"t_write\":%.3f,\"peak_rss_kb\":%ld,\"exit\":\"%s\"",
		(unsigned long long)st->synced, (unsigned long long)st->skipped,
		(unsigned long long)st->retries, (unsigned long long)st->deferred, (unsigned long long)st->deleted,
		(unsigned long long)st->markers_left, r->secs, st->t_read, st->t_write, peak_rss_kb(), rc < 0 ? "error" : "ok");
	out_event("done", ev.buf);
	sb_release(&ev);
	return rc;
}

/* What the batches did, in words: synced, deferred, deleted, retried. */
static void say_done(const struct run *r, int rc)
{
	const struct sync_stats_s *st = &r->st;
	unsigned long long n = (unsigned long long)st->synced;

	if (rc < 0)
		out_log("Sync stopped by the error below.");
	else if (st->synced == 0)
		out_warning("No orders were synced.");
	else
		out_log("Sync completed.");
	if (st->deferred)
		out_log("%llu orders modified in the last %.0f seconds were left for the next run.",
			(unsigned long long)st->deferred, r->so.settle);
	if (st->deleted)
		out_log(r->hpos_auth ? "%llu orders deleted from HPOS were removed from posts." :
			"%llu orders deleted from posts were removed from HPOS.", (unsigned long long)st->deleted);
	cmd_say_retries(st->retries);
	if (n && rc == 0)
		out_success("%llu %s synced in %.0f seconds (%.0f orders/s).", n, n == 1 ? "order was" : "orders were",
			    r->secs, r->secs > 0 ? (double)n / r->secs : 0.0);
	else if (n) /* never "Success" and then an error */
		out_log("%llu %s synced before the error below; they are kept.", n, n == 1 ? "order was" : "orders were");
}

/* Why the run stopped early, and what it left behind, as the exit code:
 * a switch of authority or compatibility mode, a throttle stop, a signal;
 * else deletion markers left alone or skipped orders (exit 1). */
static int run_outcome(const struct run *r)
{
	const struct sync_stats_s *st = &r->st;
	int exit_code = HX_OK;

	if (r->changed) {
		out_error("Stopped: %s; nothing more was written in the old direction. Check the store's settings, "
			  "then run sync again.", r->changed_msg);
		return HX_PROBLEM;
	}
	exit_code = cmd_run_stopped(&r->thr, "sync");
	if (exit_code != HX_OK)
		return exit_code;
	if (st->stop_reason == 1 || st->stop_reason == 2)
		out_log("Stopped at the %s limit; run sync again to continue.", st->stop_reason == 1 ? "--max-runtime" : "--max-batches");
	if (st->markers_left) {
		out_error("%llu deletion %s on orders that still exist in the %s store %s left alone; see the warnings "
			  "above and docs/deleting.md.", (unsigned long long)st->markers_left,
			  st->markers_left == 1 ? "marker" : "markers", r->hpos_auth ? "HPOS" : "posts",
			  st->markers_left == 1 ? "was" : "were");
		return HX_PROBLEM;
	}
	if (st->skipped) {
		out_error("%llu %s skipped because %s values that cannot be migrated without damage; see the warnings "
			  "above and `hposctl status`.", (unsigned long long)st->skipped,
			  st->skipped == 1 ? "order was" : "orders were", st->skipped == 1 ? "it has" : "they have");
		return HX_PROBLEM;
	}
	return HX_OK;
}

/* Run the batches and say how it went. */
static int sync_orders(void *arg, struct herr *err)
{
	struct run *r = arg;
	int rc = run_batches(r, err);

	if (opt_dry_run) {
		out_log("Dry run: %llu orders would be synced, %llu skipped; nothing was written.",
			(unsigned long long)r->st.synced, (unsigned long long)r->st.skipped);
		if (r->st.skipped)
			r->exit_code = HX_PROBLEM;
		return STEP_END;
	}
	say_done(r, rc);
	if (rc < 0)
		return STEP_FAIL;
	r->exit_code = run_outcome(r);
	return STEP_END;
}

/* The end of every run that got past its options: the figures for
 * --metrics-file (with one more scan, so the metrics show what is left),
 * exit 1 for orders of refused types, then the lock, the replicas and the
 * lists released. */
static void sync_release(struct run *r)
{
	struct herr e2;

	last_run.st = r->st;
	if (opt_metrics_file && r->locked && !opt_dry_run && db_errclass(r->db) != DBE_LOST) {
		if (wc_pending(r->db, &r->types, r->hpos_auth, &r->p, &e2) == 0) {
			last_run.pending = pending_for_sync(&r->p, r->so.skip_cleaned);
			last_run.have_pending = 1;
			if (r->so.skip_cleaned)
				last_run.cleaned_left = r->p.cleaned;
		} else {
			out_debug("metrics: pending count not available: %s", e2.msg);
		}
	}
	if (r->refused_n && r->exit_code == HX_OK)
		r->exit_code = HX_PROBLEM; /* named above: orders left behind */
	if (r->locked)
		runlock_release(r->db, r->c->cfg.lock_name);
	for (unsigned i = 0; i < r->nrep; i++)
		replica_close(&r->rep[i]);
	free(r->rep);
	typelist_release(&r->types);
	typelist_release(&r->rtypes);
}

/* A sync run after its options, in order (cmd_run()). */
static cmd_step_fn *const sync_steps[] = {
	open_run, read_switches, ensure_tables, choose_reverse_types, count_pending, dry_run, sync_orders,
};

/* `hposctl sync`: parse, check, then the steps in order until one ends
 * the run.  Returns the exit code (docs/exit-codes.md). */
static int sync_main(int argc, char **argv, struct ctx *c)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.c = c;
	cmd_run(&cmd_sync, argc, argv, check_options, sync_steps, ARRAY_SIZE(sync_steps), &r, &r.exit_code);
	sync_release(&r);
	return r.exit_code;
}

/* The run, then its metrics: written on every exit once the options parsed. */
static int run_sync(int argc, char **argv, struct ctx *c)
{
	double t0 = now_mono();
	int exit_code = sync_main(argc, argv, c);
	struct metrics mx;
	struct herr err;

	if (!opt_metrics_file || exit_code == HX_USAGE)
		return exit_code;
	metrics_init(&mx, "sync");
	metrics_run(&mx, opt_metrics_file, now_mono() - t0, exit_code);
	metrics_set(&mx, "orders_synced", "Orders written to the HPOS tables by the last run.", (double)last_run.st.synced);
	metrics_set(&mx, "orders_skipped", "Orders the last run refused to migrate (values that cannot be migrated without damage).",
		    (double)last_run.st.skipped);
	metrics_set(&mx, "orders_deferred", "Orders left for the next run because they were modified within --settle.",
		    (double)last_run.st.deferred);
	metrics_set(&mx, "orders_deleted", "Orders removed from HPOS by deletion markers in the last run.", (double)last_run.st.deleted);
	metrics_set(&mx, "batch_retries", "Batches the last run retried after deadlocks, lock waits or lost connections.",
		    (double)last_run.st.retries);
	metrics_set(&mx, "batches", "Batches the last run completed.", (double)last_run.st.batches);
	if (last_run.have_pending)
		metrics_set(&mx, "orders_pending", "Orders still to be synced when the last run ended.", (double)last_run.pending);
	if (last_run.have_cleaned)
		metrics_set(&mx, "orders_cleaned_left", "Orders emptied by a cleanup that the last run left as placeholders "
			    "(HPOS authoritative, compatibility mode off, no --restore-cleaned).", (double)last_run.cleaned_left);
	if (metrics_write(opt_metrics_file, &mx, &err) < 0) {
		report(&err);
		if (exit_code == HX_OK)
			exit_code = HX_TEMPFAIL;
	}
	return exit_code;
}

const struct command cmd_sync = {
	.name = "sync",
	.fn = run_sync,
	.summary = "Copy pending orders to the other store (posts -> HPOS, or back when HPOS is authoritative)",
	.synopsis = "hposctl sync [--batch-size=N] [--order-types=A,B] [--start-from=ID] [--end-at=ID]\n"
		    "                    [--max-runtime=DURATION] [--max-batches=N] [--dry-run]\n"
		    "                    [--isolation-level=LEVEL] [--no-transactions] [--settle=SECONDS]\n"
		    "                    [--allow-truncation] [--max-load=VAR=N] [--critical-load=VAR=N] [--pause-file=PATH]\n"
		    "                    [--restore-cleaned] [--dry-run [--sample=N] [--format=table|json]]",
	.description = "Writes what WooCommerce's own migration writes, row for row; when HPOS is\n"
		       "authoritative it backfills the posts tables as WooCommerce's backfill does, with\n"
		       "compatibility mode on or off (`wp wc hpos sync` follows the authority too). With\n"
		       "it off, orders whose posts a cleanup emptied stay placeholders (counted) unless\n"
		       "--restore-cleaned is given. Orders whose values\n"
		       "would be truncated or cannot be converted are skipped and reported (exit 1); the\n"
		       "rest of their batch is migrated. Each batch is one transaction; deadlocks and lost\n"
		       "connections are retried. Only one run per database and prefix (others exit 75).\n"
		       "SIGINT/SIGTERM stop after the current batch (exit 130/143); run again to continue.\n"
		       "--dry-run --sample N really syncs N pending orders spread over the ID range, rolls\n"
		       "every batch back, and projects the whole run from the measured rate (--jobs 1/2/4).",
	.opts = sync_opts_table,
};
