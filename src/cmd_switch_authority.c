/* cmd_switch_authority.c - `hposctl switch-authority --to hpos|posts`:
 * WooCommerce's pre-checks (tables exist, nothing pending sync for the
 * current authority) plus hposctl's own (no skipped orders, no other run),
 * each printed as it passes or fails, and only then the option
 * woocommerce_custom_orders_table_enabled.  A refusal changes nothing. */
#include "hposctl.h"
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
	{ "order-types", 0, OPT_STR, &opt_order_types, "A,B", "order types (default from config)", NULL },
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

static void cache_reminder(void)
{
	out_log("Reminder: hposctl wrote the options table directly, so WooCommerce's hooks did not run. "
		"If the site uses a persistent object cache (Redis, Memcached), flush it now (e.g. `wp cache flush`).");
}

/* --verify: every order compared as verify_cot_data compares it; the
 * number of orders that differ, their first IDs in ids. */
struct differing {
	int64_t n;
	struct strbuf *ids;
};

static int count_differing(void *arg, struct vresult *res, struct herr *err)
{
	struct differing *d = arg;

	for (unsigned i = 0; i < res->n; i++, d->n++)
		if (d->n < 5)
			sb_addf(d->ids, "%s%llu", d->n ? ", " : "", (unsigned long long)res->o[i].id);
	vresult_release(res);
	return 0;
}

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

static int run_switch(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	struct strbuf holder = STRBUF_INIT;
	struct skipped_list sk;
	struct pending p;
	unsigned mask;
	int to_hpos, hpos_auth, compat, rc, locked = 0, failed = 0, exit_code = HX_OK;
	const char *store;

	memset(&sk, 0, sizeof(sk));
	rc = command_opts(&cmd_switch_authority, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc > 0) {
		herr_set(&err, HX_USAGE, "switch-authority: unexpected argument '%s'", argv[0]);
		return report(&err);
	}
	if (!opt_to || (strcmp(opt_to, "hpos") && strcmp(opt_to, "posts"))) {
		herr_set(&err, HX_USAGE, "switch-authority: --to must be hpos or posts");
		return report(&err);
	}
	to_hpos = !strcmp(opt_to, "hpos");
	store = to_hpos ? "HPOS" : "posts";
	if (ctx_connect(c, &err) < 0)
		return report(&err);
	if (typelist_parse(&types, opt_order_types ? opt_order_types : c->cfg.order_types, &err) < 0)
		return report(&err);
	if (wc_hpos_authoritative(c->db, &hpos_auth, &err) < 0 || wc_compat_mode(c->db, &compat, &err) < 0)
		goto fail;

	out_log("Running pre-switch checks...");
	/* No other hposctl run: it could be writing either store right now. */
	rc = runlock_take(c->db, c->cfg.lock_name, &holder, &err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		out_warning("[Failed] Another hposctl run is active (%s).", holder.buf);
		failed++;
	} else {
		locked = 1;
		check_ok("No other hposctl run holds the lock.");
	}
	if (wc_hpos_tables_present(c->db, &mask, &err) < 0)
		goto fail;
	if (mask != HPOS_ALL_TABLES) {
		out_warning("[Failed] The orders tables do not exist. Please run `hposctl sync` to create and fill them.");
		failed++;
	} else {
		check_ok("The HPOS tables exist.");
	}
	/* WooCommerce's guard: nothing pending for the current authority
	 * (without the tables, every order post is pending). */
	if (wc_pending(c->db, &types, hpos_auth, &p, &err) < 0)
		goto fail;
	if (pending_total(&p)) {
		out_warning("[Failed] There %s %llu %s pending sync (%llu missing, %llu outdated, %llu deletion markers). "
			    "Please run `hposctl sync` to sync pending orders.", pending_total(&p) == 1 ? "is" : "are",
			    (unsigned long long)pending_total(&p), pending_total(&p) == 1 ? "order" : "orders",
			    (unsigned long long)p.missing, (unsigned long long)p.outdated, (unsigned long long)p.markers);
		failed++;
	} else {
		check_ok("No orders are pending sync.");
	}
	if (skipped_load(c->db, 5, &sk, &err) < 0)
		goto fail;
	if (sk.total) {
		struct strbuf ids = STRBUF_INIT;

		for (unsigned i = 0; i < sk.n; i++)
			sb_addf(&ids, "%s%llu", i ? ", " : "", (unsigned long long)sk.v[i].order_id);
		out_warning("[Failed] %llu %s skipped by an earlier sync and %s not in the other store (%s%s); "
			    "see `hposctl status`.", (unsigned long long)sk.total, sk.total == 1 ? "order was" : "orders were",
			    sk.total == 1 ? "is" : "are", ids.buf, sk.total > sk.n ? ", ..." : "");
		sb_release(&ids);
		failed++;
	} else {
		check_ok("No orders were skipped by earlier syncs.");
	}
	if (opt_verify && mask == HPOS_ALL_TABLES) {
		struct strbuf ids = STRBUF_INIT;
		int64_t differ = verify_all(c, &types, hpos_auth, compat, &ids, &err);

		if (differ < 0) {
			sb_release(&ids);
			goto fail;
		}
		if (differ) {
			out_warning("[Failed] verify_cot_data: %lld %s differ between posts and HPOS (%s%s); "
				    "see `hposctl verify_cot_data --verbose`.", (long long)differ,
				    differ == 1 ? "order" : "orders", ids.buf, differ > 5 ? ", ..." : "");
			failed++;
		} else {
			check_ok("verify_cot_data: posts and HPOS hold the same orders.");
		}
		sb_release(&ids);
	}
	if (failed) {
		out_error("Pre-switch checks failed, please see the errors above. Nothing was changed.");
		exit_code = HX_PROBLEM;
		goto out;
	}
	if (hpos_auth == to_hpos) {
		out_warning(to_hpos ? "HPOS is already enabled." : "HPOS is already disabled.");
		if (!(opt_with_compat && !compat))
			goto out;
	}
	if (opt_dry_run) {
		if (hpos_auth != to_hpos)
			out_log("Dry run: would set %s = %s (%s becomes authoritative).", OPT_HPOS_ENABLED,
				to_hpos ? "yes" : "no", store);
		if (opt_with_compat && !compat)
			out_log("Dry run: would set %s = yes (compatibility mode on).", OPT_SYNC_ENABLED);
		out_log("Dry run: nothing was changed.");
		goto out;
	}
	if (!opt_yes && hpos_auth != to_hpos) {
		char q[160];

		snprintf(q, sizeof(q), "Make %s the authoritative order store?", store);
		rc = confirm(q);
		if (rc < 0) {
			herr_set(&err, HX_USAGE, "switch-authority: standard input is not a terminal; pass --yes to confirm");
			goto fail;
		}
		if (rc == 0) {
			out_log("Not confirmed. Nothing was changed.");
			exit_code = HX_PROBLEM;
			goto out;
		}
	}
	/* Look again right before writing: a shop still taking orders may have
	 * made one pending since the check. */
	if (hpos_auth != to_hpos) {
		if (wc_pending(c->db, &types, hpos_auth, &p, &err) < 0)
			goto fail;
		if (pending_total(&p)) {
			out_warning("[Failed] %llu orders became pending sync during the checks. Please run `hposctl sync`.",
				    (unsigned long long)pending_total(&p));
			out_error("Pre-switch checks failed, please see the errors above. Nothing was changed.");
			exit_code = HX_PROBLEM;
			goto out;
		}
	}
	/* WooCommerce's enable command refreshes the tables-created option
	 * first; CustomOrdersTableController refuses the switch without it. */
	if (wc_tables_created_refresh(c->db, &err) < 0)
		goto fail;
	if (opt_with_compat && !compat) {
		if (wc_option_set(c->db, OPT_SYNC_ENABLED, "yes", &err) < 0)
			goto fail;
		out_success("Compatibility mode enabled.");
	}
	if (hpos_auth != to_hpos) {
		if (wc_option_set(c->db, OPT_HPOS_ENABLED, to_hpos ? "yes" : "no", &err) < 0)
			goto fail;
		out_success(to_hpos ? "HPOS enabled." : "HPOS disabled.");
		if (to_hpos && !compat && !opt_with_compat)
			out_log("Compatibility mode is off: new orders get placeholder posts and the posts tables are no longer "
				"updated. `hposctl compat-mode enable` keeps them backfilled for a fallback.");
	}
	cache_reminder();
	goto out;
fail:
	exit_code = report(&err);
out:
	if (locked)
		runlock_release(c->db, c->cfg.lock_name);
	skipped_release(&sk);
	sb_release(&holder);
	typelist_release(&types);
	return exit_code;
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
