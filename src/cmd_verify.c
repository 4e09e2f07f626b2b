/* cmd_verify.c - `hposctl verify_cot_data` (verify, verify_data): compare
 * every order in range, posts store vs HPOS tables, WooCommerce's output
 * with no blind spots; --re-migrate rewrites the orders that differ. */
#include "cmdutil.h"
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
	CMD_OPT_ORDER_TYPES(&opt_order_types),
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

/* Move r's orders to the end of f (f owns them now); r is left empty. */
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

/* "N errors found: [...]" as WooCommerce warns it, fmt_tail after the
 * list. */
static void errors_found(const char *fmt_tail, const struct vorder *o, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;

	vorders_json(&sb, o, n, 1);
	out_warning("%u %s found: %s%s. Please review the %s above.", n, n == 1 ? "error" : "errors", sb.buf,
		    fmt_tail, n == 1 ? "error" : "errors");
	sb_release(&sb);
}

/* Re-sync the orders ids[0..n) posts -> HPOS, in WooCommerce's transaction
 * settings; then delete the address rows of another type the orders of
 * res had (sync writes the two real ones but leaves others; with posts
 * authoritative they go).  0, or -1 with err; *resynced counts. */
static int resync(struct ctx *c, const struct verify_opts *vo, const struct vresult *res, const uint64_t *ids,
		  unsigned n, uint64_t *resynced, struct herr *err)
{
	uint64_t (*ranges)[2] = xcalloc(n, sizeof(*ranges));
	uint64_t *extra = xcalloc(n + 1, sizeof(*extra));
	struct herr e;
	struct sync_opts so;
	struct sync_stats_s st;
	unsigned ne = 0;
	int rc;

	cmd_sync_opts(&so, c, vo->batch_size, vo->types);
	for (unsigned i = 0; i < n; i++)
		ranges[i][0] = ranges[i][1] = ids[i];
	so.ranges = (const uint64_t(*)[2])ranges;
	so.nranges = n;
	if (cmd_wc_isolation(c->db, 0, &so.isolation, &e) < 0)
		so.isolation = "READ UNCOMMITTED"; /* WooCommerce's default */
	so.rounding_precision = vo->precision;
	rc = sync_to_hpos(c->db, &so, &st, err);
	for (unsigned i = 0; rc == 0 && i < res->n; i++)
		for (unsigned k = 0; res->o[i].remigratable && k < res->o[i].n; k++)
			if (res->o[i].e[k].kind == VE_ROW_EXTRA) {
				extra[ne++] = res->o[i].id;
				break;
			}
	if (rc == 0)
		rc = wc_delete_extra_addresses(c->db, extra, ne, err);
	if (rc == 0)
		*resynced += st.synced;
	free(extra);
	free(ranges);
	return rc < 0 ? -1 : 0;
}

/* res with its re-migrated orders replaced by their re-verification
 * again (taken over): the orders sync could not touch, then the
 * re-verified ones, in ID order. */
static void merge_reverified(struct vresult *res, struct vresult *again)
{
	struct vresult keep;

	memset(&keep, 0, sizeof(keep));
	keep.o = xcalloc(res->n + again->n + 1, sizeof(*keep.o));
	for (unsigned i = 0, j = 0; i < res->n || j < again->n;) {
		if (i < res->n && res->o[i].remigratable) {
			vorder_release(&res->o[i]); /* replaced by its re-verification */
			i++;
			continue;
		}
		if (j < again->n && (i >= res->n || again->o[j].id < res->o[i].id))
			keep.o[keep.n++] = again->o[j++];
		else
			keep.o[keep.n++] = res->o[i++];
	}
	free(again->o);
	free(res->o);
	*res = keep;
}

/* Re-sync the re-migratable orders of res and verify them again; res is
 * replaced by what still differs.  0, or -1 with err (res untouched). */
static int remigrate(struct ctx *c, const struct verify_opts *vo, struct vresult *res, int text,
		     uint64_t *resynced, struct herr *err)
{
	uint64_t *ids = xcalloc(res->n + 1, sizeof(*ids));
	struct vresult again;
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
	if (resync(c, vo, res, ids, n, resynced, err) < 0 || verify_orders(c->db, vo, ids, n, 0, &again, err) < 0) {
		free(ids);
		return -1;
	}
	free(ids);
	/* As WooCommerce marks them (without --verbose). */
	for (unsigned j = 0; j < again.n; j++)
		vorder_add(&again.o[j], VE_REMIGRATE_FAILED, "wc_orders");
	if (text && opt_verbose) {
		if (again.n)
			errors_found(" when re-migrating orders", again.o, again.n);
		else
			out_warning("Re-migration successful.");
	}
	merge_reverified(res, &again);
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

/* verify_store()'s callback: said (--verbose), re-migrated (--re-migrate),
 * kept in ws->f; nonzero to stop (a signal, --max-differences), -1 with
 * err when re-migrating failed.  Takes res over. */
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

/* Everything one verification holds, from the options checked to the
 * lock released (verify_release()). */
struct vrun {
	struct ctx *c;
	struct typelist types;
	struct verify_opts vo;
	struct found f;            /* every differing order, for the summary */
	struct progress bar;
	uint64_t verified, resynced;
	int text;                  /* --format text (else one JSON document) */
	int locked;                /* --re-migrate holds the run lock */
	int stopped;               /* 1 interrupted, 2 --max-differences reached */
	double secs;
	int exit_code;
};

/* The options among themselves, before anything is opened.  0, or -1 with
 * an HX_USAGE error. */
static int check_options(int argc, char **argv, void *arg, struct herr *err)
{
	struct vrun *v = arg;

	if (cmd_no_args(&cmd_verify, argc, argv, err) < 0)
		return -1;
	if (opt_format && strcmp(opt_format, "text") && strcmp(opt_format, "json"))
		return herr_set(err, HX_USAGE, "--format must be text or json, not '%s'", opt_format);
	v->text = !opt_format || !strcmp(opt_format, "text");
	if (opt_batch_size == 0)
		opt_batch_size = 500;
	if (opt_batch_size > 100000)
		return herr_set(err, HX_USAGE, "verify_cot_data: --batch-size must be at most 100000");
	if (opt_end_at && opt_start_from > opt_end_at)
		return herr_set(err, HX_USAGE, "verify_cot_data: --start-from %llu is after --end-at %llu",
				(unsigned long long)opt_start_from, (unsigned long long)opt_end_at);
	return 0;
}

/* Connect, resolve the order types, read the store; without the HPOS
 * tables say so as WooCommerce does (exit 1).  --re-migrate: refused with
 * HPOS authoritative, else it takes the run lock. */
static int open_verify(void *arg, struct herr *err)
{
	struct vrun *v = arg;
	struct ctx *c = v->c;
	unsigned mask;

	if (cmd_connect_types(c, opt_order_types, 0, &v->types, err) < 0)
		return STEP_FAIL;
	v->vo.batch_size = (unsigned)opt_batch_size;
	v->vo.types = &v->types;
	v->vo.start_from = opt_start_from;
	v->vo.end_at = opt_end_at;
	if (cmd_verify_state(c->db, &v->vo, &mask, err) < 0)
		return STEP_FAIL;
	if (mask != HPOS_ALL_TABLES) {
		out_error("Orders table does not exist.");
		v->exit_code = HX_PROBLEM;
		return STEP_END;
	}
	if (!opt_remigrate)
		return STEP_ON;
	if (v->vo.hpos_auth) {
		out_error("HPOS is the authoritative store: re-migrating would copy HPOS -> posts, which this "
			  "version does not do yet. Run without --re-migrate.");
		v->exit_code = HX_PROBLEM;
		return STEP_END;
	}
	return cmd_lock(c, NULL, &v->locked, &v->exit_code);
}

/* Every window compared (on_window() keeps what differs), under a
 * progress bar counted beforehand (text only: JSON prints nothing else). */
static int verify_all_orders(void *arg, struct herr *err)
{
	struct vrun *v = arg;
	struct window_state ws = { v->c, &v->vo, &v->f, &v->bar, v->text, &v->verified, &v->resynced, 0 };
	uint64_t total = 0;
	double t0;
	int rc;

	if (v->text && verify_count(v->c->db, &v->vo, &total, err) < 0)
		return STEP_FAIL;
	progress_start(&v->bar, "Order Data Verification", total);
	if (!v->text)
		v->bar.mode = 0; /* one JSON document on stdout, nothing else */
	t0 = now_mono();
	rc = verify_store(v->c->db, &v->vo, &v->verified, on_window, &ws, err);
	progress_finish(&v->bar);
	v->secs = now_mono() - t0;
	v->stopped = ws.stopped;
	return rc < 0 ? STEP_FAIL : STEP_ON;
}

/* --format json: the summary and every difference as one object. */
static void print_json(const struct vrun *v)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "{\"verified\":%llu,\"seconds\":%.3f,\"orders_per_second\":%.0f,\"differences\":%u,"
		"\"authoritative_store\":\"%s\",\"complete\":%s,\"re_migrated\":%llu,\"errors\":",
		(unsigned long long)v->verified, v->secs, v->secs > 0 ? (double)v->verified / v->secs : 0.0, v->f.n,
		v->vo.hpos_auth ? "hpos" : "posts", v->stopped ? "false" : "true", (unsigned long long)v->resynced);
	vorders_json(&sb, v->f.o, v->f.n, 0);
	sb_adds(&sb, "}");
	out_line("%s", sb.buf);
	sb_release(&sb);
}

/* The text summary, in WooCommerce's words. */
static void print_text(const struct vrun *v)
{
	unsigned long long n = (unsigned long long)v->verified;
	const char *were = n == 1 ? "order was" : "orders were";
	unsigned k = v->f.n;
	struct strbuf sb = STRBUF_INIT;

	if (n == 0 && !v->stopped) {
		out_warning("There are no orders to verify, aborting.");
		return;
	}
	out_log("Verification completed.");
	if (v->stopped == 2)
		out_warning("Stopped after %u orders with differences (--max-differences).", k);
	if (!k) {
		out_success("%llu %s verified in %d seconds.", n, were, (int)v->secs);
	} else if (opt_verbose) {
		out_error("%llu %s verified in %d seconds. Please review the errors above.", n, were, (int)v->secs);
	} else {
		vorders_json(&sb, v->f.o, v->f.n, 1);
		out_error("%llu %s verified in %d seconds. %u %s found: %s. Please review the %s above.", n, were,
			  (int)v->secs, k, k == 1 ? "error" : "errors", sb.buf, k == 1 ? "error" : "errors");
		sb_release(&sb);
	}
}

/* The summary and the exit code: 1 for differences, 130/143 when a signal
 * cut the verification short. */
static int say_result(void *arg, struct herr *err)
{
	struct vrun *v = arg;

	(void)err;
	if (!v->text)
		print_json(v);
	else
		print_text(v);
	if (v->f.n)
		v->exit_code = HX_PROBLEM;
	if (v->stopped == 1) {
		out_warning("Interrupted by signal %d; the verification is incomplete.", (int)hpos_interrupted);
		v->exit_code = cmd_signal_exit();
	}
	return STEP_END;
}

static void verify_release(struct vrun *v)
{
	if (v->locked)
		runlock_release(v->c->db, v->c->cfg.lock_name);
	found_release(&v->f);
	typelist_release(&v->types);
}

/* A verification after its options, in order (cmd_run()). */
static cmd_step_fn *const verify_steps[] = {
	open_verify, verify_all_orders, say_result,
};

/* `hposctl verify_cot_data`: parse, check, then the steps in order until
 * one ends the run.  Returns the exit code (docs/exit-codes.md). */
static int run_verify(int argc, char **argv, struct ctx *c)
{
	struct vrun v;

	memset(&v, 0, sizeof(v));
	v.c = c;
	cmd_run(&cmd_verify, argc, argv, check_options, verify_steps, ARRAY_SIZE(verify_steps), &v, &v.exit_code);
	verify_release(&v);
	return v.exit_code;
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
