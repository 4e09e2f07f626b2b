/* cmd_switch_authority.c - `hposctl switch-authority --to hpos|posts`:
 * WooCommerce's pre-checks (tables exist, nothing pending sync for the
 * current authority) plus hposctl's own (no skipped orders, no other run),
 * each printed as it passes or fails, and only then the option
 * woocommerce_custom_orders_table_enabled.  A refusal changes nothing. */
#include "cmdutil.h"
#include "ordertypes.h"
#include "verify.h"
#include "output.h"
#include "syncstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *opt_to, *opt_order_types;
static int opt_dry_run, opt_yes, opt_with_compat, opt_verify;

static const struct opt switch_opts[] = {
	{ "to", 0, OPT_STR, &opt_to, "hpos|posts", "the store that becomes authoritative (required)", NULL },
	{ "with-compat-mode", 0, OPT_FLAG, &opt_with_compat, NULL, "also switch compatibility mode (sync) on", NULL },
	{ "dry-run", 0, OPT_FLAG, &opt_dry_run, NULL, "run the checks and say what would change; write nothing", NULL },
	{ "yes", 'y', OPT_FLAG, &opt_yes, NULL, "do not ask for confirmation", NULL },
	{ "verify", 0, OPT_FLAG, &opt_verify, NULL, "also compare every order, posts vs HPOS (verify_cot_data), before switching", NULL },
	CMD_OPT_ORDER_TYPES(&opt_order_types),
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

static void check_ok(const char *msg)
{
	out_log("[OK] %s", msg);
}

/* Ask on the terminal; 1 yes. */
static int confirm(const char *question)
{
	char line[16];

	if (!isatty(STDIN_FILENO))
		return -1;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* --verify: every order compared as verify_cot_data compares it; the
 * number of orders that differ, their first IDs in ids. */
struct differing {
	int64_t n;
	struct strbuf *ids;
};

/* verify_store()'s callback for --verify: counts, keeps the first IDs. */
static int count_differing(void *arg, struct vresult *res, struct herr *err)
{
	struct differing *d = arg;

	for (unsigned i = 0; i < res->n; i++, d->n++)
		if (d->n < 5)
			sb_addf(d->ids, "%s%llu", d->n ? ", " : "", (unsigned long long)res->o[i].id);
	vresult_release(res);
	return 0;
}

/* Compare every order of types as verify_cot_data does: the number that
 * differ (their first five IDs in ids), or -1 with err. */
static int64_t verify_all(struct ctx *c, const struct typelist *types, int hpos_auth, int compat,
			  struct strbuf *ids, struct herr *err)
{
	struct verify_opts vo;
	struct differing d = { 0, ids };
	uint64_t verified = 0;

	memset(&vo, 0, sizeof(vo));
	vo.batch_size = 500;
	vo.types = types;
	vo.hpos_auth = hpos_auth;
	vo.compat = compat;
	if (wc_rounding_precision(c->db, &vo.precision, err) < 0 ||
	    verify_store(c->db, &vo, &verified, count_differing, &d, err) < 0)
		return -1;
	return d.n;
}

/* WooCommerce's guard: nothing pending for the current authority (without
 * the tables, every order post is pending), for every order type of the
 * store, each type with orders pending named.  1: the check failed, 0:
 * passed, -1: error. */
static int pending_check(struct db *db, const struct typelist *types, const struct typelist *left_out,
			 int hpos_auth, struct herr *err)
{
	struct pending *each = xcalloc(types->n, sizeof(*each)), sum;
	struct strbuf named = STRBUF_INIT, cleaned = STRBUF_INIT;
	uint64_t markers, total;
	int unlisted = 0, noreverse = 0, rc = 0;

	if (wc_pending_each(db, types, hpos_auth, each, &markers, err) < 0) {
		free(each);
		return -1;
	}
	memset(&sum, 0, sizeof(sum));
	sum.markers = markers;
	for (unsigned i = 0; i < types->n; i++) {
		uint64_t n = pending_total(&each[i]);
		int out_of_list = 0;

		sum.missing += each[i].missing;
		sum.outdated += each[i].outdated;
		sum.cleaned += each[i].cleaned;
		if (!n)
			continue;
		for (unsigned j = 0; j < left_out->n; j++)
			out_of_list |= !strcmp(left_out->v[j], types->v[i]);
		unlisted |= out_of_list;
		noreverse |= hpos_auth && !ordertype_reversible(types->v[i]);
		sb_addf(&named, "%s%s: %llu%s", named.len ? ", " : "", types->v[i], (unsigned long long)n,
			out_of_list ? " (not in the order types list)" : "");
	}
	total = pending_total(&sum);
	if (total) {
		if (markers)
			sb_addf(&named, "%sdeletion markers: %llu", named.len ? ", " : "", (unsigned long long)markers);
		if (hpos_auth && sum.cleaned)
			sb_addf(&cleaned, " %llu of them %s emptied by a cleanup: `hposctl sync --restore-cleaned` rebuilds %s.",
				(unsigned long long)sum.cleaned, sum.cleaned == 1 ? "was" : "were", sum.cleaned == 1 ? "it" : "them");
		out_warning("[Failed] There %s %llu %s pending sync (%llu missing, %llu outdated, %llu deletion markers) "
			    "by order type: %s. Please run `hposctl sync`%s to sync pending orders.%s%s",
			    total == 1 ? "is" : "are", (unsigned long long)total, total == 1 ? "order" : "orders",
			    (unsigned long long)sum.missing, (unsigned long long)sum.outdated, (unsigned long long)markers,
			    named.buf, unlisted ? " --order-types auto" : "",
			    noreverse ? " hposctl does not write subscriptions or plugin order types back to the posts "
					"tables (see `hposctl sync`); WooCommerce's own sync (compatibility mode) must." : "",
			    cleaned.len ? cleaned.buf : "");
		rc = 1;
	} else {
		check_ok("No orders are pending sync.");
	}
	sb_release(&named);
	sb_release(&cleaned);
	free(each);
	return rc;
}

/* Everything one switch holds, from the options checked to the lock
 * released (switch_release()). */
struct sw {
	struct ctx *c;
	struct db *db;
	int to_hpos;               /* --to hpos */
	const char *store;         /* "HPOS" or "posts", for messages */
	struct ordertypes ot;
	struct typelist types;     /* every order type of the store */
	int hpos_auth, compat;     /* as they are now */
	int locked;
	unsigned mask;             /* HPOS tables present */
	int exit_code;
};

/* The arguments: none, and --to hpos|posts.  0, or -1 with HX_USAGE. */
static int check_options(int argc, char **argv, void *arg, struct herr *err)
{
	struct sw *s = arg;

	if (cmd_no_args(&cmd_switch_authority, argc, argv, err) < 0)
		return -1;
	if (!opt_to || (strcmp(opt_to, "hpos") && strcmp(opt_to, "posts")))
		return herr_set(err, HX_USAGE, "switch-authority: --to must be hpos or posts");
	s->to_hpos = !strcmp(opt_to, "hpos");
	s->store = s->to_hpos ? "HPOS" : "posts";
	return 0;
}

/* Connect; every order type found in the store counts, listed or not: a
 * type left behind would be lost to the shop once the authority moves.
 * Then the two switches as they are. */
static int open_switch(void *arg, struct herr *err)
{
	struct sw *s = arg;
	struct ctx *c = s->c;

	if (ctx_connect(c, err) < 0)
		return STEP_FAIL;
	s->db = c->db;
	if (ordertypes_resolve(c->db, opt_order_types ? opt_order_types : c->cfg.order_types, &s->ot, err) < 0)
		return STEP_FAIL;
	s->types = s->ot.use;
	s->ot.use.v = NULL;
	s->ot.use.n = 0;
	for (unsigned i = 0; i < s->ot.left_out.n; i++) {
		s->types.v = xrealloc(s->types.v, sizeof(*s->types.v) * (s->types.n + 1));
		s->types.v[s->types.n++] = xstrdup(s->ot.left_out.v[i]);
	}
	if (wc_hpos_authoritative(c->db, &s->hpos_auth, err) < 0 || wc_compat_mode(c->db, &s->compat, err) < 0)
		return STEP_FAIL;
	return STEP_ON;
}

/* No other hposctl run: it could be writing either store right now.
 * Then the HPOS tables exist.  The number of checks failed, or -1. */
static int lock_and_tables_check(struct sw *s, struct herr *err)
{
	struct strbuf holder = STRBUF_INIT;
	int rc, failed = 0;

	rc = runlock_take(s->db, s->c->cfg.lock_name, &holder, err);
	if (rc == 1) {
		out_warning("[Failed] Another hposctl run is active (%s).", holder.buf);
		failed++;
	} else if (rc == 0) {
		s->locked = 1;
		check_ok("No other hposctl run holds the lock.");
	}
	sb_release(&holder);
	if (rc < 0 || wc_hpos_tables_present(s->db, &s->mask, err) < 0)
		return -1;
	if (s->mask != HPOS_ALL_TABLES) {
		out_warning("[Failed] The orders tables do not exist. Please run `hposctl sync` to create and fill them.");
		failed++;
	} else {
		check_ok("The HPOS tables exist.");
	}
	return failed;
}

/* hposctl's own: no order skipped by an earlier sync.  1 failed, 0
 * passed, -1 error. */
static int skipped_check(struct db *db, struct herr *err)
{
	struct skipped_list sk;
	struct strbuf ids = STRBUF_INIT;

	memset(&sk, 0, sizeof(sk));
	if (skipped_load(db, 5, &sk, err) < 0) {
		skipped_release(&sk);
		return -1;
	}
	if (!sk.total) {
		check_ok("No orders were skipped by earlier syncs.");
		skipped_release(&sk);
		return 0;
	}
	for (unsigned i = 0; i < sk.n; i++)
		sb_addf(&ids, "%s%llu", i ? ", " : "", (unsigned long long)sk.v[i].order_id);
	out_warning("[Failed] %llu %s skipped by an earlier sync and %s not in the other store (%s%s); "
		    "see `hposctl status`.", (unsigned long long)sk.total, sk.total == 1 ? "order was" : "orders were",
		    sk.total == 1 ? "is" : "are", ids.buf, sk.total > sk.n ? ", ..." : "");
	sb_release(&ids);
	skipped_release(&sk);
	return 1;
}

/* --verify (with the tables there): every order compared.  1 failed,
 * 0 passed or not asked for, -1 error. */
static int verify_check(struct sw *s, struct herr *err)
{
	struct strbuf ids = STRBUF_INIT;
	int64_t differ;

	if (!opt_verify || s->mask != HPOS_ALL_TABLES)
		return 0;
	differ = verify_all(s->c, &s->types, s->hpos_auth, s->compat, &ids, err);
	if (differ > 0)
		out_warning("[Failed] verify_cot_data: %lld %s differ between posts and HPOS (%s%s); "
			    "see `hposctl verify_cot_data --verbose`.", (long long)differ,
			    differ == 1 ? "order" : "orders", ids.buf, differ > 5 ? ", ..." : "");
	else if (differ == 0)
		check_ok("verify_cot_data: posts and HPOS hold the same orders.");
	sb_release(&ids);
	return differ < 0 ? -1 : differ > 0;
}

/* Every pre-switch check, each said as it passes or fails; any failure
 * ends the run with exit 1, nothing changed. */
static int pre_checks(void *arg, struct herr *err)
{
	struct sw *s = arg;
	int rc, failed;

	out_log("Running pre-switch checks...");
	failed = lock_and_tables_check(s, err);
	if (failed < 0)
		return STEP_FAIL;
	/* WooCommerce's guard: nothing pending for the current authority
	 * (without the tables, every order post is pending). */
	rc = pending_check(s->db, &s->types, &s->ot.left_out, s->hpos_auth, err);
	if (rc < 0)
		return STEP_FAIL;
	failed += rc;
	rc = skipped_check(s->db, err);
	if (rc < 0)
		return STEP_FAIL;
	failed += rc;
	rc = verify_check(s, err);
	if (rc < 0)
		return STEP_FAIL;
	if (failed + rc == 0)
		return STEP_ON;
	out_error("Pre-switch checks failed, please see the errors above. Nothing was changed.");
	s->exit_code = HX_PROBLEM;
	return STEP_END;
}

/* Nothing to write (already so), or --dry-run: say so and end. */
static int nothing_to_do(void *arg, struct herr *err)
{
	struct sw *s = arg;
	int compat_to_set = opt_with_compat && !s->compat;

	(void)err;
	if (s->hpos_auth == s->to_hpos) {
		out_warning(s->to_hpos ? "HPOS is already enabled." : "HPOS is already disabled.");
		if (!compat_to_set)
			return STEP_END;
	}
	if (!opt_dry_run)
		return STEP_ON;
	if (s->hpos_auth != s->to_hpos)
		out_log("Dry run: would set %s = %s (%s becomes authoritative).", OPT_HPOS_ENABLED,
			s->to_hpos ? "yes" : "no", s->store);
	if (compat_to_set)
		out_log("Dry run: would set %s = yes (compatibility mode on).", OPT_SYNC_ENABLED);
	out_log("Dry run: nothing was changed.");
	return STEP_END;
}

/* Without --yes, ask before moving the authority (off a terminal: a usage
 * error); then look again right before writing: a shop still taking
 * orders may have made one pending since the check. */
static int confirm_and_recheck(void *arg, struct herr *err)
{
	struct sw *s = arg;
	struct pending p;
	char q[160];
	int rc;

	if (s->hpos_auth == s->to_hpos)
		return STEP_ON;
	if (!opt_yes) {
		snprintf(q, sizeof(q), "Make %s the authoritative order store?", s->store);
		rc = confirm(q);
		if (rc < 0) {
			herr_set(err, HX_USAGE, "switch-authority: standard input is not a terminal; pass --yes to confirm");
			return STEP_FAIL;
		}
		if (rc == 0) {
			out_log("Not confirmed. Nothing was changed.");
			s->exit_code = HX_PROBLEM;
			return STEP_END;
		}
	}
	if (wc_pending(s->db, &s->types, s->hpos_auth, &p, err) < 0)
		return STEP_FAIL;
	if (!pending_total(&p))
		return STEP_ON;
	out_warning("[Failed] %llu orders became pending sync during the checks. Please run `hposctl sync`.",
		    (unsigned long long)pending_total(&p));
	out_error("Pre-switch checks failed, please see the errors above. Nothing was changed.");
	s->exit_code = HX_PROBLEM;
	return STEP_END;
}

/* Write the options: the tables-created flag (WooCommerce's enable command
 * refreshes it first; CustomOrdersTableController refuses the switch
 * without it), compatibility mode, then the authority. */
static int write_switch(void *arg, struct herr *err)
{
	struct sw *s = arg;

	if (wc_tables_created_refresh(s->db, err) < 0)
		return STEP_FAIL;
	if (opt_with_compat && !s->compat) {
		if (wc_option_set(s->db, OPT_SYNC_ENABLED, "yes", err) < 0)
			return STEP_FAIL;
		out_success("Compatibility mode enabled.");
	}
	if (s->hpos_auth != s->to_hpos) {
		if (wc_option_set(s->db, OPT_HPOS_ENABLED, s->to_hpos ? "yes" : "no", err) < 0)
			return STEP_FAIL;
		out_success(s->to_hpos ? "HPOS enabled." : "HPOS disabled.");
		if (s->to_hpos && !s->compat && !opt_with_compat)
			out_log("Compatibility mode is off: new orders get placeholder posts and the posts tables are no longer "
				"updated. `hposctl compat-mode enable` keeps them backfilled for a fallback.");
	}
	cmd_cache_reminder();
	return STEP_END;
}

static void switch_release(struct sw *s)
{
	if (s->locked)
		runlock_release(s->db, s->c->cfg.lock_name);
	typelist_release(&s->types);
	ordertypes_release(&s->ot);
}

/* A switch after its options, in order (cmd_run()). */
static cmd_step_fn *const switch_steps[] = {
	open_switch, pre_checks, nothing_to_do, confirm_and_recheck, write_switch,
};

/* `hposctl switch-authority`: parse, check, then the steps in order until
 * one ends the run.  Returns the exit code (docs/exit-codes.md). */
static int run_switch(int argc, char **argv, struct ctx *c)
{
	struct sw s;

	memset(&s, 0, sizeof(s));
	s.c = c;
	cmd_run(&cmd_switch_authority, argc, argv, check_options, switch_steps, ARRAY_SIZE(switch_steps), &s, &s.exit_code);
	switch_release(&s);
	return s.exit_code;
}

const struct command cmd_switch_authority = {
	.name = "switch-authority",
	.fn = run_switch,
	.summary = "Make HPOS or the posts tables the authoritative order store, after checks",
	.synopsis = "hposctl switch-authority --to=hpos|posts [--with-compat-mode] [--dry-run] [--yes]",
	.description = "Runs WooCommerce's pre-checks (the HPOS tables exist; no order is pending sync for the\n"
		       "current authority) and hposctl's own (no order skipped by an earlier sync, no other\n"
		       "hposctl run), printing each as [OK] or [Failed]. Only when all pass is\n"
		       "woocommerce_custom_orders_table_enabled set. A refused switch changes nothing and\n"
		       "exits 1. Flush a persistent object cache afterwards: WooCommerce's hooks do not run.",
	.opts = switch_opts,
};
