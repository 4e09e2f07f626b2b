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

/* Without the HPOS tables: `enable` creates them (said only, with
 * --dry-run), `disable` refuses (exit 1).  0 go on, 1 end, -1 with err. */
static int compat_tables(struct db *db, unsigned mask, int enable, int *exit_code, struct herr *err)
{
	unsigned created;

	if (mask == HPOS_ALL_TABLES)
		return 0;
	if (!enable) {
		out_error("HPOS tables do not exist.");
		*exit_code = HX_PROBLEM;
		return 1;
	}
	if (opt_dry_run) {
		out_log("Dry run: the HPOS tables would be created.");
		return 0;
	}
	if (wc_create_tables(db, &created, err) < 0)
		return -1;
	out_log("HPOS tables created.");
	return 0;
}

/* After the switch: what is pending towards the store compatibility mode
 * now fills, or that posts are still backfilled by `hposctl sync`. */
static int compat_after(struct db *db, const struct typelist *types, unsigned mask, int enable, int hpos_auth,
			struct herr *err)
{
	struct pending p;

	if (enable && mask == HPOS_ALL_TABLES) {
		if (wc_pending(db, types, hpos_auth, &p, err) < 0)
			return -1;
		if (pending_total(&p))
			out_log("%llu orders are pending sync towards the %s tables; run `hposctl sync` to bring them up to date "
				"(hposctl does not schedule WooCommerce's background sync).",
				(unsigned long long)pending_total(&p), hpos_auth ? "posts" : "HPOS");
	} else if (!enable && hpos_auth) {
		out_log("WooCommerce no longer writes the posts tables on save; `hposctl sync` (e.g. from cron) still "
			"backfills them, so you can fall back (docs/runbook.md, phase 4).");
	}
	return 0;
}

/* `hposctl compat-mode enable|disable`: parse, check the store (tables,
 * the mode as it is), set the option, say what follows.  Returns the exit
 * code (docs/exit-codes.md). */
static int run_compat(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	unsigned mask;
	int enable, compat, hpos_auth, rc, exit_code = HX_OK;

	rc = command_opts(&cmd_compat_mode, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc != 1 || (strcmp(argv[0], "enable") && strcmp(argv[0], "disable"))) {
		herr_set(&err, HX_USAGE, "compat-mode: expected enable or disable");
		return report(&err);
	}
	enable = !strcmp(argv[0], "enable");
	if (cmd_connect_types(c, opt_order_types, 0, &types, &err) < 0)
		goto fail;
	if (wc_hpos_tables_present(c->db, &mask, &err) < 0 || wc_compat_mode(c->db, &compat, &err) < 0 ||
	    wc_hpos_authoritative(c->db, &hpos_auth, &err) < 0)
		goto fail;
	rc = compat_tables(c->db, mask, enable, &exit_code, &err);
	if (rc < 0)
		goto fail;
	if (rc > 0)
		goto out;
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
	if (compat_after(c->db, &types, mask, enable, hpos_auth, &err) < 0)
		goto fail;
	cmd_cache_reminder();
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
