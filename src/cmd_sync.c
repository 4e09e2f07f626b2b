/* cmd_sync.c - `hposctl sync`: bring HPOS up to date with the posts store. */
#include "hposctl.h"
#include "ordertypes.h"
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
	{ "order-types", 0, OPT_STR, &opt_order_types, "auto|A,B", "order types (default from config: auto, every order type found in the store)", NULL },
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
	{ "max-load", 0, OPT_STR, &opt_max_load, "VAR=N", "pause between batches while the global status VAR exceeds N", NULL },
	{ "critical-load", 0, OPT_STR, &opt_critical_load, "VAR=N", "stop (exit 75) when the global status VAR exceeds N", NULL },
	{ "pause-file", 0, OPT_STR, &opt_pause_file, "PATH", "pause between batches while this file exists", NULL },
	{ "replica", 0, OPT_LIST, &opt_replicas, "DSN", "a replica to watch with --max-lag (repeatable): h=HOST,P=PORT,S=SOCKET,u=USER,D=DB,F=FILE", NULL },
	{ "max-lag", 0, OPT_DURATION, &opt_max_lag, "SECONDS", "pause between batches while a --replica lags more (default 10)", &max_lag_given },
	{ "max-lag-wait", 0, OPT_DURATION, &opt_max_lag_wait, "DURATION", "stop (exit 75) when replica lag keeps sync paused this long (default: wait)", NULL },
	{ "restore-cleaned", 0, OPT_FLAG, &opt_restore_cleaned, NULL, "HPOS authoritative, compatibility mode off: also rebuild the posts of orders a cleanup emptied", NULL },
	{ "metrics-file", 0, OPT_STR, &opt_metrics_file, "PATH", "write node_exporter textfile metrics here at the end of the run (atomically)", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

struct run {
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

static const char *const levels[] = { "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE" };

static const char *valid_level(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (!strcasecmp(s, levels[i]))
			return levels[i];
	return NULL;
}

/* Transactions: --no-transactions / --isolation-level, else WooCommerce's
 * own options (default yes, READ UNCOMMITTED). */
static int choose_isolation(struct db *db, const char **level, struct herr *err)
{
	char *use = NULL, *lvl = NULL;
	int rc = 0;

	*level = NULL;
	if (opt_no_transactions)
		return 0;
	if (opt_isolation) {
		*level = valid_level(opt_isolation);
		if (!*level)
			return herr_set(err, HX_USAGE, "Invalid database transaction isolation level name %s", opt_isolation);
		return 0;
	}
	if (wc_option_get(db, OPT_USE_TRANSACTIONS, &use, err) < 0 ||
	    wc_option_get(db, OPT_ISOLATION, &lvl, err) < 0) {
		free(use);
		return -1;
	}
	if (!use || !strcmp(use, "yes")) {
		*level = valid_level(lvl ? lvl : "READ UNCOMMITTED");
		if (!*level)
			rc = herr_set(err, HX_CONFIG, "Invalid database transaction isolation level name %s (option %s)",
				      lvl, OPT_ISOLATION);
	}
	free(use);
	free(lvl);
	return rc;
}

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

static int sync_main(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 }, rtypes = { NULL, 0 };
	uint64_t refused_n = 0;
	struct sync_opts so;
	struct sync_stats_s st;
	struct pending p;
	struct run r;
	unsigned mask;
	uint64_t pending_n;
	double t0, secs;
	int hpos_auth = 0, compat = 0, rc, locked = 0, exit_code = HX_OK;
	char buf[64];

	rc = command_opts(&cmd_sync, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc > 0) {
		herr_set(&err, HX_USAGE, "sync: unexpected argument '%s'", argv[0]);
		return report(&err);
	}
	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
	if (opt_metrics_file && metrics_check_path(opt_metrics_file, &err) < 0)
		return report(&err);
	if (throttle_init(&r.thr, opt_max_load, opt_critical_load, opt_pause_file, &err) < 0)
		return report(&err);
	r.thr.extra = replica_lagging;
	r.thr.extra_arg = &r;
	if (opt_end_at && opt_start_from > opt_end_at) {
		herr_set(&err, HX_USAGE, "sync: --start-from %llu is after --end-at %llu",
			 (unsigned long long)opt_start_from, (unsigned long long)opt_end_at);
		return report(&err);
	}
	if (opt_batch_size == 0)
		opt_batch_size = 500; /* WooCommerce: 0 means the default */
	if (opt_batch_size > 100000) {
		herr_set(&err, HX_USAGE, "sync: --batch-size must be at most 100000");
		return report(&err);
	}
	if (opt_jobs < 1 || opt_jobs > 16) {
		herr_set(&err, HX_USAGE, "sync: --jobs must be between 1 and 16");
		return report(&err);
	}
	if (max_lag_given && !opt_replicas.n) {
		herr_set(&err, HX_USAGE, "sync: --max-lag needs at least one --replica DSN to watch");
		return report(&err);
	}
	if ((sample_given || opt_format) && !opt_dry_run) {
		herr_set(&err, HX_USAGE, "sync: --sample and --format go with --dry-run");
		return report(&err);
	}
	if (opt_format && strcmp(opt_format, "table") && strcmp(opt_format, "json")) {
		herr_set(&err, HX_USAGE, "sync: --format must be table or json, not '%s'", opt_format);
		return report(&err);
	}
	if (sample_given && opt_no_transactions) {
		herr_set(&err, HX_USAGE, "sync: --sample rolls every batch back, which needs transactions; drop --no-transactions");
		return report(&err);
	}
	if (sample_given && opt_metrics_file) {
		herr_set(&err, HX_USAGE, "sync: a --sample run writes nothing, no --metrics-file either");
		return report(&err);
	}
	if (sample_given && opt_sample == 0)
		opt_sample = 4 * (opt_batch_size ? opt_batch_size : 500);
	if (opt_format && !strcmp(opt_format, "json"))
		outst.quiet = 1; /* stdout carries the JSON object alone; errors still go to stderr */
	if (ctx_connect(c, &err) < 0)
		goto fail;
	r.db = c->db;
	if (opt_replicas.n) {
		r.rep = xcalloc(opt_replicas.n, sizeof(*r.rep));
		for (; r.nrep < opt_replicas.n; r.nrep++)
			if (replica_parse(&r.rep[r.nrep], opt_replicas.v[r.nrep], &c->cfg, &err) < 0 ||
			    replica_open(&r.rep[r.nrep], &err) < 0) {
				r.nrep++;
				goto fail;
			}
	}
	if (order_types_for(c->db, opt_order_types ? opt_order_types : c->cfg.order_types, 1, &types, &err) < 0)
		goto fail;

	memset(&so, 0, sizeof(so));
	so.batch_size = (unsigned)opt_batch_size;
	so.types = &types;
	so.start_from = opt_start_from;
	so.end_at = opt_end_at;
	so.max_batches = opt_max_batches;
	so.max_runtime = opt_max_runtime;
	so.settle = settle_given ? opt_settle : c->cfg.settle_seconds;
	so.allow_truncation = opt_allow_truncation;
	so.max_retries = retries_given ? (unsigned)opt_max_retries : c->cfg.max_retries;
	/* A lost connection is retried for 3 s per allowed retry (30 s by
	 * default), long enough for a server restart or a failover. */
	db_set_reconnect_window(c->db, 3.0 * so.max_retries);
	so.wclock_wait = 15.0;
	so.jobs = (unsigned)opt_jobs;
	so.runlock_name = c->cfg.lock_name;
	so.between = between;
	so.arg = &r;

	/* One run at a time per database and prefix. */
	rc = runlock_enter(c->db, c->cfg.lock_name, &err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		exit_code = HX_TEMPFAIL;
		goto out;
	}
	locked = 1;
	r.thr.keep_lock = 1;
	r.thr.lock_name = c->cfg.lock_name;
	warn_background_sync(c->db);
	/* Do not start while a replica lags either. */
	if (r.nrep && between(&r, &st)) {
		if (r.thr.critical_hit) {
			out_error("Stopped before the first batch: %s. Run sync again later.", r.thr.critical_msg);
			exit_code = HX_TEMPFAIL;
		} else {
			out_warning("Interrupted by signal %d before the first batch.", (int)hpos_interrupted);
			exit_code = hpos_interrupted == SIGINT ? HX_SIGINT : HX_SIGTERM;
		}
		goto out;
	}

	if (wc_hpos_authoritative(c->db, &hpos_auth, &err) < 0)
		goto fail;
	/* HPOS authoritative: posts are backfilled whether compatibility mode
	 * is on or off, as `wp wc hpos sync` does; the option is only read.
	 * It decides once, here, whether cleaned orders are left out. */
	if (hpos_auth && wc_compat_mode(c->db, &compat, &err) < 0)
		goto fail;
	so.skip_cleaned = sync_skips_cleaned(hpos_auth, compat, opt_restore_cleaned);
	if (so.skip_cleaned && wc_table_exists(c->db, CLEANED_TABLE, &so.cleaned_record, &err) < 0)
		goto fail;
	r.hpos_auth = hpos_auth;
	r.compat = compat;
	if (!hpos_auth && wc_compat_mode(c->db, &r.compat, &err) < 0)
		goto fail;
	r.watch = 1;
	if (choose_isolation(c->db, &so.isolation, &err) < 0)
		goto fail;
	if (wc_rounding_precision(c->db, &so.rounding_precision, &err) < 0)
		goto fail;

	if (wc_hpos_tables_present(c->db, &mask, &err) < 0)
		goto fail;
	if (mask != HPOS_ALL_TABLES && hpos_auth) {
		herr_set(&err, HX_PROBLEM, "HPOS is authoritative but its tables do not exist.");
		goto fail;
	}
	if (mask != HPOS_ALL_TABLES && sample_given) {
		herr_set(&err, HX_PROBLEM, "the HPOS tables do not exist and a sample creates none (DDL commits); "
			 "run `hposctl install` first, or --dry-run without --sample. Nothing was changed.");
		goto fail;
	}
	if (mask != HPOS_ALL_TABLES) {
		unsigned created;

		out_warning("Custom order tables does not exist, creating...");
		if (opt_dry_run) {
			out_log("Dry run: the tables would be created; counting every order post as pending.");
		} else {
			if (wc_create_tables(c->db, &created, &err) < 0) {
				herr_prefix(&err, "Custom order tables could not be created");
				goto fail;
			}
			out_success("Custom order tables were created successfully.");
		}
	}
	if (hpos_auth) {
		/* Only the types hposctl writes back exactly as WooCommerce
		 * does; the others are named and make the run exit 1.  Deletion
		 * markers are carried out for every type (WooCommerce deletes
		 * any order's post the same way). */
		if (reverse_types(c->db, &types, "synced", &rtypes, &refused_n, &err) < 0)
			goto fail;
		so.types = &rtypes;
		so.marker_types = &types;
		if (!rtypes.n) {
			if (!refused_n)
				out_warning("There are no orders to sync, aborting.");
			goto out;
		}
	}
	if (!opt_dry_run && wc_tables_created_refresh(c->db, &err) < 0)
		goto fail;
	if (wc_pending(c->db, so.types, hpos_auth, &p, &err) < 0)
		goto fail;
	pending_n = pending_for_sync(&p, so.skip_cleaned);
	if (pending_n == 1)
		out_log("There is 1 order to be synced.");
	else
		out_log("There are %llu orders to be synced.", (unsigned long long)pending_n);
	if (so.skip_cleaned) {
		last_run.cleaned_left = p.cleaned;
		last_run.have_cleaned = 1;
	}
	report_cleaned(&p, so.skip_cleaned, compat);
	if (pending_n == 0 && !(opt_format && !strcmp(opt_format, "json"))) {
		out_warning("There are no orders to sync, aborting.");
		goto out;
	}
	if (sample_given) {
		/* Real work on a sample, rolled back: see estimate.h. */
		if (estimate_sync(c->db, &so, hpos_auth, pending_n, opt_sample,
				  opt_format && !strcmp(opt_format, "json"), &err) < 0)
			goto fail;
		if (r.thr.critical_hit) {
			out_error("Sample stopped: %s.", r.thr.critical_msg);
			exit_code = HX_TEMPFAIL;
		}
		goto out;
	}
	if (opt_dry_run) {
		double rate = hpos_auth ? ESTIMATE_BACKFILL_PER_SEC : ESTIMATE_ORDERS_PER_SEC;

		fmt_duration(buf, sizeof(buf), (double)pending_n / rate);
		if (opt_format && !strcmp(opt_format, "json")) {
			out_line("{\"command\":\"sync\",\"direction\":\"%s\",\"pending\":%llu,\"missing\":%llu,"
				 "\"outdated\":%llu,\"markers\":%llu,\"orders_per_second\":%.0f,\"rate_source\":\"reference\","
				 "\"seconds\":%.1f}", hpos_auth ? "hpos_to_posts" : "posts_to_hpos",
				 (unsigned long long)pending_n, (unsigned long long)p.missing,
				 (unsigned long long)p.outdated, (unsigned long long)p.markers, rate,
				 (double)pending_n / rate);
			goto out;
		}
		out_log("Dry run: %llu missing, %llu outdated, %llu deletion markers. Estimated time at %.0f orders/s "
			"(%s): %s. That rate is a reference figure from our test machine, not yours: "
			"--dry-run --sample measures this server.", (unsigned long long)(p.missing - (so.skip_cleaned ? p.cleaned : 0)), (unsigned long long)p.outdated,
			(unsigned long long)p.markers, rate, hpos_auth ? "HPOS -> posts, measured on a 2-core test machine" :
			"measured by `make bench` on a 2-core test machine", buf);
		if (mask != HPOS_ALL_TABLES)
			goto out;
		db_set_dry_run(c->db, 1);
	}

	{
		struct strbuf ev = STRBUF_INIT;

		sb_addf(&ev, "\"pending\":%llu,\"batch_size\":%u,\"dry_run\":%s,\"isolation\":\"%s\",\"cleaned_left\":%llu",
			(unsigned long long)pending_n, so.batch_size, opt_dry_run ? "true" : "false",
			so.isolation ? so.isolation : "none", (unsigned long long)(so.skip_cleaned ? p.cleaned : 0));
		out_event("start", ev.buf);
		sb_release(&ev);
	}
	progress_start(&r.bar, "Order Data Sync", pending_n);
	t0 = now_mono();
	rc = hpos_auth ? sync_to_posts(c->db, &so, &st, &err) : sync_to_hpos(c->db, &so, &st, &err);
	secs = now_mono() - t0;
	progress_update(&r.bar, st.seen);
	progress_finish(&r.bar);
	out_debug("time in phases: read+convert %.2fs, write %.2fs; %llu batches, %llu meta rows",
		  st.t_read, st.t_write, (unsigned long long)st.batches, (unsigned long long)st.meta_rows);
	{
		struct strbuf ev = STRBUF_INIT;

		sb_addf(&ev, "\"synced\":%llu,\"skipped\":%llu,\"retries\":%llu,\"deferred\":%llu,\"deleted\":%llu,"
			"\"markers_left\":%llu,\"seconds\":%.3f,\"t_read\":%.3f,\"t_write\":%.3f,\"peak_rss_kb\":%ld,\"exit\":\"%s\"",
			(unsigned long long)st.synced, (unsigned long long)st.skipped,
			(unsigned long long)st.retries, (unsigned long long)st.deferred, (unsigned long long)st.deleted,
			(unsigned long long)st.markers_left, secs, st.t_read, st.t_write, peak_rss_kb(), rc < 0 ? "error" : "ok");
		out_event("done", ev.buf);
		sb_release(&ev);
	}
	if (opt_dry_run) {
		out_log("Dry run: %llu orders would be synced, %llu skipped; nothing was written.",
			(unsigned long long)st.synced, (unsigned long long)st.skipped);
		if (st.skipped)
			exit_code = HX_PROBLEM;
		goto out;
	}
	if (st.synced == 0 && rc == 0)
		out_warning("No orders were synced.");
	else
		out_log("Sync completed.");
	if (st.deferred)
		out_log("%llu orders modified in the last %.0f seconds were left for the next run.",
			(unsigned long long)st.deferred, so.settle);
	if (st.deleted)
		out_log(hpos_auth ? "%llu orders deleted from HPOS were removed from posts." :
			"%llu orders deleted from posts were removed from HPOS.", (unsigned long long)st.deleted);
	if (st.retries)
		out_log("Batches retried after deadlocks, lock waits or lost connections: %llu.", (unsigned long long)st.retries);
	if (st.synced && rc == 0)
		out_success("%llu %s synced in %.0f seconds (%.0f orders/s).", (unsigned long long)st.synced,
			    st.synced == 1 ? "order was" : "orders were", secs, secs > 0 ? (double)st.synced / secs : 0.0);
	else if (st.synced) /* never "Success" and then an error */
		out_log("%llu %s synced before the error below; they are kept.", (unsigned long long)st.synced,
			st.synced == 1 ? "order was" : "orders were");
	if (rc < 0)
		goto fail;
	if (r.changed) {
		out_error("Stopped: %s; nothing more was written in the old direction. Check the store's settings, "
			  "then run sync again.", r.changed_msg);
		exit_code = HX_PROBLEM;
	} else if (r.thr.critical_hit) {
		out_error("Stopped: %s. Progress is kept; run sync again later.", r.thr.critical_msg);
		exit_code = HX_TEMPFAIL;
	} else if (hpos_interrupted) {
		out_warning("Interrupted by signal %d after a complete batch; run sync again to continue.", (int)hpos_interrupted);
		exit_code = hpos_interrupted == SIGINT ? HX_SIGINT : HX_SIGTERM;
	} else if (st.stop_reason == 1 || st.stop_reason == 2) {
		out_log("Stopped at the %s limit; run sync again to continue.", st.stop_reason == 1 ? "--max-runtime" : "--max-batches");
	}
	if (st.markers_left && exit_code == HX_OK) {
		out_error("%llu deletion %s on orders that still exist in the %s store %s left alone; see the warnings "
			  "above and docs/deleting.md.", (unsigned long long)st.markers_left,
			  st.markers_left == 1 ? "marker" : "markers", hpos_auth ? "HPOS" : "posts",
			  st.markers_left == 1 ? "was" : "were");
		exit_code = HX_PROBLEM;
	}
	if (st.skipped && exit_code == HX_OK) {
		out_error("%llu %s skipped because %s values that cannot be migrated without damage; see the warnings "
			  "above and `hposctl status`.", (unsigned long long)st.skipped,
			  st.skipped == 1 ? "order was" : "orders were", st.skipped == 1 ? "it has" : "they have");
		exit_code = HX_PROBLEM;
	}
	goto out;
fail:
	exit_code = report(&err);
out:
	last_run.st = st;
	if (opt_metrics_file && locked && !opt_dry_run && db_errclass(c->db) != DBE_LOST) {
		/* One more scan so the metrics show what is left. */
		struct herr e2;

		if (wc_pending(c->db, &types, hpos_auth, &p, &e2) == 0) {
			last_run.pending = pending_for_sync(&p, so.skip_cleaned);
			last_run.have_pending = 1;
			if (so.skip_cleaned)
				last_run.cleaned_left = p.cleaned;
		} else {
			out_debug("metrics: pending count not available: %s", e2.msg);
		}
	}
	if (refused_n && exit_code == HX_OK)
		exit_code = HX_PROBLEM; /* named above: orders left behind */
	if (locked)
		runlock_release(c->db, c->cfg.lock_name);
	for (unsigned i = 0; i < r.nrep; i++)
		replica_close(&r.rep[i]);
	free(r.rep);
	typelist_release(&types);
	typelist_release(&rtypes);
	return exit_code;
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
