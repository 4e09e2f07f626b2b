/* cmd_install.c - create the four HPOS tables as WooCommerce defines them. */
#include "cmdutil.h"
#include "output.h"

#include <stdio.h>

static int opt_dry_run;

static const struct opt install_opts[] = {
	{ "dry-run", 0, OPT_FLAG, &opt_dry_run, NULL, "show what would be created; change nothing", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

/* `hposctl install`: create the HPOS tables that are missing (--dry-run:
 * name them only).  HX_OK, or the exit code of the error reported. */
static int run_install(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	unsigned before, created;
	int rc = command_opts(&cmd_install, &argc, argv, &err);

	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (cmd_no_args(&cmd_install, argc, argv, &err) < 0)
		return report(&err);
	if (ctx_connect(c, &err) < 0 || wc_hpos_tables_present(c->db, &before, &err) < 0)
		return report(&err);
	if (before == HPOS_ALL_TABLES) {
		out_success("The HPOS tables already exist.");
		return HX_OK;
	}
	db_set_dry_run(c->db, opt_dry_run);
	if (wc_create_tables(c->db, &created, &err) < 0)
		return report(&err);
	for (int t = 0; t < T_COUNT; t++)
		if (created & (1u << t))
			out_log("%s %s%s", opt_dry_run ? "Would create" : "Created",
				db_prefix(c->db), hpos_table_suffix[t]);
	if (opt_dry_run)
		return HX_OK;
	out_success("Custom order tables were created successfully.");
	return HX_OK;
}

const struct command cmd_install = {
	.name = "install",
	.aliases = { "create-tables" },
	.fn = run_install,
	.summary = "Create the HPOS tables (wc_orders, addresses, operational data, meta) if missing",
	.synopsis = "hposctl install [--dry-run]",
	.description = "Creates any of the four HPOS tables that is missing, exactly as the store's\n"
		       "WooCommerce version (woocommerce_version, else woocommerce_db_version) defines\n"
		       "them (site charset and collation), and sets the option\n"
		       "woocommerce_custom_orders_table_created to 'yes'. A version newer than hposctl\n"
		       "knows gets the newest schema it knows, with a warning. Safe to run again.",
	.opts = install_opts,
};
