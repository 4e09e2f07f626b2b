/* cmd_verify.c - `hposctl verify_cot_data` (verify, verify_data): compare
 * every order in range, posts store vs HPOS tables, WooCommerce's output
 * with no blind spots; --re-migrate rewrites the orders that differ. */
#include "hposctl.h"
#include "ordertypes.h"
#include "migrate.h"
#include "output.h"
#include "syncstate.h"
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint64_t opt_batch_size = 500, opt_start_from, opt_end_at, opt_max_diff;
static const char *opt_order_types, *opt_format;
static int opt_verbose, opt_remigrate;

static const struct opt verify_opts_table[] = {
	{ "batch-size", 0, OPT_UINT, &opt_batch_size, "N", "orders per batch (default 500; 0 means 500)", NULL },
	{ "start-from", 0, OPT_UINT, &opt_start_from, "ID", "first order ID to verify", NULL },
	{ "end-at", 0, OPT_UINT, &opt_end_at, "ID", "last order ID to verify", NULL },
	{ "order-types", 0, OPT_STR, &opt_order_types, "auto|A,B", "order types (default from config: auto, every order type found in the store)", NULL },
	{ "verbose", 0, OPT_FLAG, &opt_verbose, NULL, "print each batch's differences as they are found", NULL },
	{ "re-migrate", 0, OPT_FLAG, &opt_remigrate, NULL, "re-sync the orders that differ, then verify them again", NULL },
	{ "format", 0, OPT_STR, &opt_format, "text|json", "output format (default text)", NULL },
	{ "max-differences", 0, OPT_UINT, &opt_max_diff, "N", "stop after N orders with differences", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

/* Every differing order kept for the summary. */
struct found {
	struct vorder *o;
	unsigned n, cap;
};

static void found_take(struct found *f, struct vresult *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 64;
			f->o = xrealloc(f->o, f->cap * sizeof(*f->o));
		}
		f->o[f->n++] = r->o[i];
	}
	r->n = 0;
	vresult_release(r);
}

static void found_release(struct found *f)
{
	struct vresult r = { f->o, f->n, 0 };

	vresult_release(&r);
	memset(f, 0, sizeof(*f));
}

static void errors_found(const char *fmt_tail, const struct vorder *o, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;

	vorders_json(&sb, o, n, 1);
	out_warning("%u %s found: %s%s. Please review the %s above.", n, n == 1 ? "error" : "errors", sb.buf,
		    fmt_tail, n == 1 ? "error" : "errors");
	sb_release(&sb);
}

/* Transactions for --re-migrate: WooCommerce's own options. */
static const char *isolation_level(struct db *db)
{
	static const char *const levels[] = { "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE" };
	struct herr e;
	char *use = NULL, *lvl = NULL;
	const char *r = "READ UNCOMMITTED";

	if (wc_option_get(db, OPT_USE_TRANSACTIONS, &use, &e) == 0 && use && strcmp(use, "yes"))
		r = NULL;
	if (r && wc_option_get(db, OPT_ISOLATION, &lvl, &e) == 0 && lvl)
		for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
			if (!strcasecmp(lvl, levels[i]))
				r = levels[i];
	free(use);
	free(lvl);
	return r;
}

/* Re-sync the re-migratable orders of res and verify them again; res is
 * replaced by what still differs. */
static int remigrate(struct ctx *c, const struct verify_opts *vo, struct vresult *res, int text,
		     uint64_t *resynced, struct herr *err)
{
	uint64_t *ids = xcalloc(res->n + 1, sizeof(*ids));
	uint64_t (*ranges)[2];
	int rc;
	struct vresult again, keep;
	struct sync_opts so;
	struct sync_stats_s st;
	unsigned n = 0;

	for (unsigned i = 0; i < res->n; i++)
		if (res->o[i].remigratable)
			ids[n++] = res->o[i].id;
	if (!n) {
		free(ids);
		return 0;
	}
	if (text && opt_verbose)
		out_warning("Attempting to remigrate...");
	memset(&so, 0, sizeof(so));
	so.batch_size = vo->batch_size;
	so.types = vo->types;
	ranges = xcalloc(n, sizeof(*ranges));
	for (unsigned i = 0; i < n; i++)
		ranges[i][0] = ranges[i][1] = ids[i];
	so.ranges = (const uint64_t(*)[2])ranges;
	so.nranges = n;
	so.isolation = isolation_level(c->db);
	so.max_retries = c->cfg.max_retries;
	so.rounding_precision = vo->precision;
	so.wclock_wait = 15.0;
	so.jobs = 1;
	so.runlock_name = c->cfg.lock_name;
	rc = sync_to_hpos(c->db, &so, &st, err);
	free(ranges);
	if (rc == 0) {
		/* Address rows of another type: sync writes the two real ones
		 * but leaves others; with posts authoritative they go. */
		uint64_t *extra = xcalloc(n + 1, sizeof(*extra));
		unsigned ne = 0;

		for (unsigned i = 0; i < res->n; i++)
			for (unsigned k = 0; res->o[i].remigratable && k < res->o[i].n; k++)
				if (res->o[i].e[k].kind == VE_ROW_EXTRA) {
					extra[ne++] = res->o[i].id;
					break;
				}
		rc = wc_delete_extra_addresses(c->db, extra, ne, err);
		free(extra);
	}
	if (rc < 0) {
		free(ids);
		return -1;
	}
	*resynced += st.synced;
	if (verify_orders(c->db, vo, ids, n, 0, &again, err) < 0) {
		free(ids);
		return -1;
	}
	/* As WooCommerce marks them (without --verbose). */
	for (unsigned j = 0; j < again.n; j++)
		vorder_add(&again.o[j], VE_REMIGRATE_FAILED, "wc_orders");
	/* What still differs: the orders sync could not touch, then the
	 * re-verified ones, in ID order. */
	memset(&keep, 0, sizeof(keep));
	keep.o = xcalloc(res->n + again.n + 1, sizeof(*keep.o));
	for (unsigned i = 0, j = 0; i < res->n || j < again.n;) {
		if (i < res->n && res->o[i].remigratable) {
			vorder_release(&res->o[i]); /* replaced by its re-verification */
			i++;
			continue;
		}
		if (j < again.n && (i >= res->n || again.o[j].id < res->o[i].id))
			keep.o[keep.n++] = again.o[j++];
		else
			keep.o[keep.n++] = res->o[i++];
	}
	if (text && opt_verbose) {
		if (again.n)
			errors_found(" when re-migrating orders", again.o, again.n);
		else
			out_warning("Re-migration successful.");
	}
	free(again.o);
	free(res->o);
	*res = keep;
	free(ids);
	return 0;
}

/* What verify_store() hands each window's result to. */
struct window_state {
	struct ctx *c;
	const struct verify_opts *vo;
	struct found *f;
	struct progress *bar;
	int text;
	const uint64_t *verified;
	uint64_t *resynced;
	int stopped; /* 1 interrupted, 2 --max-differences reached */
};

static int on_window(void *arg, struct vresult *res, struct herr *err)
{
	struct window_state *ws = arg;

	if (res->n && ws->text && opt_verbose)
		errors_found("", res->o, res->n);
	if (res->n && opt_remigrate && remigrate(ws->c, ws->vo, res, ws->text, ws->resynced, err) < 0) {
		vresult_release(res);
		return -1;
	}
	if (res->n)
		found_take(ws->f, res);
	else
		vresult_release(res);
	progress_update(ws->bar, *ws->verified);
	if (hpos_interrupted)
		ws->stopped = 1;
	else if (opt_max_diff && ws->f->n >= opt_max_diff)
		ws->stopped = 2;
	return ws->stopped;
}

static int run_verify(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	struct verify_opts vo;
	struct found f = { NULL, 0, 0 };
	struct progress bar;
	uint64_t verified = 0, resynced = 0;
	unsigned mask;
	double t0;
	int rc, text = 1, locked = 0, exit_code = HX_OK, stopped = 0;

	rc = command_opts(&cmd_verify, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc > 0) {
		herr_set(&err, HX_USAGE, "verify_cot_data: unexpected argument '%s'", argv[0]);
		return report(&err);
	}
	if (opt_format && strcmp(opt_format, "text") && strcmp(opt_format, "json")) {
		herr_set(&err, HX_USAGE, "--format must be text or json, not '%s'", opt_format);
		return report(&err);
	}
	text = !opt_format || !strcmp(opt_format, "text");
	if (opt_batch_size == 0)
		opt_batch_size = 500;
	if (opt_batch_size > 100000) {
		herr_set(&err, HX_USAGE, "verify_cot_data: --batch-size must be at most 100000");
		return report(&err);
	}
	if (opt_end_at && opt_start_from > opt_end_at) {
		herr_set(&err, HX_USAGE, "verify_cot_data: --start-from %llu is after --end-at %llu",
			 (unsigned long long)opt_start_from, (unsigned long long)opt_end_at);
		return report(&err);
	}
	if (ctx_connect(c, &err) < 0)
		return report(&err);
	if (order_types_for(c->db, opt_order_types ? opt_order_types : c->cfg.order_types, 0, &types, &err) < 0)
		return report(&err);

	memset(&vo, 0, sizeof(vo));
	vo.batch_size = (unsigned)opt_batch_size;
	vo.types = &types;
	vo.start_from = opt_start_from;
	vo.end_at = opt_end_at;
	if (wc_hpos_tables_present(c->db, &mask, &err) < 0 || wc_hpos_authoritative(c->db, &vo.hpos_auth, &err) < 0 ||
	    wc_compat_mode(c->db, &vo.compat, &err) < 0 || wc_rounding_precision(c->db, &vo.precision, &err) < 0)
		goto fail;
	if (mask != HPOS_ALL_TABLES) {
		out_error("Orders table does not exist.");
		exit_code = HX_PROBLEM;
		goto out;
	}
	if (opt_remigrate) {
		if (vo.hpos_auth) {
			out_error("HPOS is the authoritative store: re-migrating would copy HPOS -> posts, which this "
				  "version does not do yet. Run without --re-migrate.");
			exit_code = HX_PROBLEM;
			goto out;
		}
		rc = runlock_enter(c->db, c->cfg.lock_name, &err);
		if (rc < 0)
			goto fail;
		if (rc == 1) {
			exit_code = HX_TEMPFAIL;
			goto out;
		}
		locked = 1;
	}

	{
		uint64_t total = 0;

		if (text && verify_count(c->db, &vo, &total, &err) < 0)
			goto fail;
		progress_start(&bar, "Order Data Verification", total);
		if (!text)
			bar.mode = 0; /* one JSON document on stdout, nothing else */
	}
	t0 = now_mono();
	{
		struct window_state ws = { c, &vo, &f, &bar, text, &verified, &resynced, 0 };

		if (verify_store(c->db, &vo, &verified, on_window, &ws, &err) < 0)
			goto fail_bar;
		stopped = ws.stopped;
	}
	progress_finish(&bar);
	{
		double secs = now_mono() - t0;
		unsigned k = f.n;

		if (!text) {
			struct strbuf sb = STRBUF_INIT;

			sb_addf(&sb, "{\"verified\":%llu,\"seconds\":%.3f,\"orders_per_second\":%.0f,\"differences\":%u,"
				"\"authoritative_store\":\"%s\",\"complete\":%s,\"re_migrated\":%llu,\"errors\":",
				(unsigned long long)verified, secs, secs > 0 ? (double)verified / secs : 0.0, k,
				vo.hpos_auth ? "hpos" : "posts", stopped ? "false" : "true", (unsigned long long)resynced);
			vorders_json(&sb, f.o, f.n, 0);
			sb_adds(&sb, "}");
			out_line("%s", sb.buf);
			sb_release(&sb);
		} else if (verified == 0 && !stopped) {
			out_warning("There are no orders to verify, aborting.");
		} else {
			out_log("Verification completed.");
			if (stopped == 2)
				out_warning("Stopped after %u orders with differences (--max-differences).", k);
			if (!k) {
				out_success("%llu %s verified in %d seconds.", (unsigned long long)verified,
					    verified == 1 ? "order was" : "orders were", (int)secs);
			} else if (opt_verbose) {
				out_error("%llu %s verified in %d seconds. Please review the errors above.",
					  (unsigned long long)verified, verified == 1 ? "order was" : "orders were", (int)secs);
			} else {
				struct strbuf sb = STRBUF_INIT;

				vorders_json(&sb, f.o, f.n, 1);
				out_error("%llu %s verified in %d seconds. %u %s found: %s. Please review the %s above.",
					  (unsigned long long)verified, verified == 1 ? "order was" : "orders were", (int)secs,
					  k, k == 1 ? "error" : "errors", sb.buf, k == 1 ? "error" : "errors");
				sb_release(&sb);
			}
		}
		if (k)
			exit_code = HX_PROBLEM;
		if (stopped == 1) {
			out_warning("Interrupted by signal %d; the verification is incomplete.", (int)hpos_interrupted);
			exit_code = hpos_interrupted == SIGINT ? HX_SIGINT : HX_SIGTERM;
		}
	}
	goto out;
fail_bar:
	progress_finish(&bar);
fail:
	exit_code = report(&err);
out:
	if (locked)
		runlock_release(c->db, c->cfg.lock_name);
	found_release(&f);
	typelist_release(&types);
	return exit_code;
}

const struct command cmd_verify = {
	.name = "verify_cot_data",
	.aliases = { "verify", "verify_data", NULL },
	.fn = run_verify,
	.summary = "Compare every order, posts store vs HPOS tables; report each difference",
	.synopsis = "hposctl verify_cot_data [--verbose] [--re-migrate] [--start-from=ID] [--end-at=ID]\n"
		    "                    [--batch-size=N] [--order-types=A,B] [--format=text|json]\n"
		    "                    [--max-differences=N]",
	.description = "Compares every migrated column of wc_orders, both address rows, the operational-data\n"
		       "row and every meta row of each order with what sync would write from the posts\n"
		       "store (one mapping, one set of conversions). Also reports missing or extra rows,\n"
		       "HPOS orders without a post, duplicated meta and meta keys differing only in case\n"
		       "or trailing space. Reads in ID windows, each in one consistent snapshot, no locks.\n"
		       "Exit 0 when identical, 1 when differences were found.",
	.opts = verify_opts_table,
};
