/* cmd_compat_mode.c - `hposctl compat-mode enable|disable` (alias
 * compatibility-mode): the option woocommerce_custom_orders_table_data_sync_enabled,
 * with the checks and messages of `wp wc hpos compatibility-mode`. */
#include "cmdutil.h"
#include "ordertypes.h"
#include "output.h"

#include <stdlib.h>
#include <string.h>

static int opt_dry_run;
static const char *opt_order_types;

static const struct opt compat_opts[] = {
	{ "dry-run", 0, OPT_FLAG, &opt_dry_run, NULL, "say what would change; write nothing", NULL },
	CMD_OPT_ORDER_TYPES(&opt_order_types),
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

static int run_compat(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	struct pending p;
	unsigned mask, created;
	int enable, compat, hpos_auth, rc, exit_code = HX_OK;

	rc = command_opts(&cmd_compat_mode, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc != 1 || (strcmp(argv[0], "enable") && strcmp(argv[0], "disable"))) {
		herr_set(&err, HX_USAGE, "compat-mode: expected enable or disable");
		return report(&err);
	}
	enable = !strcmp(argv[0], "enable");
	if (ctx_connect(c, &err) < 0)
		return report(&err);
	if (order_types_for(c->db, opt_order_types ? opt_order_types : c->cfg.order_types, 0, &types, &err) < 0)
		return report(&err);
	if (wc_hpos_tables_present(c->db, &mask, &err) < 0 || wc_compat_mode(c->db, &compat, &err) < 0 ||
	    wc_hpos_authoritative(c->db, &hpos_auth, &err) < 0)
		goto fail;
	if (mask != HPOS_ALL_TABLES) {
		if (!enable) {
			out_error("HPOS tables do not exist.");
			exit_code = HX_PROBLEM;
			goto out;
		}
		if (opt_dry_run) {
			out_log("Dry run: the HPOS tables would be created.");
		} else {
			if (wc_create_tables(c->db, &created, &err) < 0)
				goto fail;
			out_log("HPOS tables created.");
		}
	}
	if (!opt_dry_run && wc_tables_created_refresh(c->db, &err) < 0)
		goto fail;
	if (compat == enable) {
		out_warning(enable ? "Compatibility mode is already enabled." : "Compatibility mode is already disabled.");
		goto out;
	}
	if (opt_dry_run) {
		out_log("Dry run: would set %s = %s. Nothing was changed.", OPT_SYNC_ENABLED, enable ? "yes" : "no");
		goto out;
	}
	if (wc_option_set(c->db, OPT_SYNC_ENABLED, enable ? "yes" : "no", &err) < 0)
		goto fail;
	out_success(enable ? "Compatibility mode enabled." : "Compatibility mode disabled.");
	if (enable && mask == HPOS_ALL_TABLES) {
		if (wc_pending(c->db, &types, hpos_auth, &p, &err) < 0)
			goto fail;
		if (pending_total(&p))
			out_log("%llu orders are pending sync towards the %s tables; run `hposctl sync` to bring them up to date "
				"(hposctl does not schedule WooCommerce's background sync).",
				(unsigned long long)pending_total(&p), hpos_auth ? "posts" : "HPOS");
	} else if (!enable && hpos_auth) {
		out_log("WooCommerce no longer writes the posts tables on save; `hposctl sync` (e.g. from cron) still "
			"backfills them, so you can fall back (docs/runbook.md, phase 4).");
	}
	out_log("Reminder: hposctl wrote the options table directly, so WooCommerce's hooks did not run. "
		"If the site uses a persistent object cache (Redis, Memcached), flush it now (e.g. `wp cache flush`).");
	goto out;
fail:
	exit_code = report(&err);
out:
	typelist_release(&types);
	return exit_code;
}

const struct command cmd_compat_mode = {
	.name = "compat-mode",
	.aliases = { "compatibility-mode" },
	.args = "enable|disable",
	.fn = run_compat,
	.summary = "Switch compatibility mode (posts <-> HPOS sync) on or off",
	.synopsis = "hposctl compat-mode enable|disable [--dry-run]",
	.description = "Sets woocommerce_custom_orders_table_data_sync_enabled. `enable` creates missing HPOS\n"
		       "tables first; `disable` fails when they do not exist. The option tells WooCommerce\n"
		       "whether to write both stores on every save. With HPOS authoritative, `hposctl sync`\n"
		       "backfills the posts tables either way (as `wp wc hpos sync` does); with it off,\n"
		       "orders a cleanup emptied stay placeholders unless `sync --restore-cleaned`.",
	.opts = compat_opts,
};
