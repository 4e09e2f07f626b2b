/* cmd_count_unmigrated.c - WooCommerce's pending-sync count. */
#include "cmdutil.h"
#include "ordertypes.h"
#include "output.h"

#include <stdlib.h>

static int opt_porcelain, opt_restore_cleaned;
static const char *opt_order_types;

static const struct opt count_opts[] = {
	{ "porcelain", 0, OPT_FLAG, &opt_porcelain, NULL, "print only the number", NULL },
	{ "restore-cleaned", 0, OPT_FLAG, &opt_restore_cleaned, NULL, "count as `sync --restore-cleaned` would (cleaned orders included)", NULL },
	CMD_OPT_ORDER_TYPES(&opt_order_types),
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

/* `hposctl count_unmigrated`: the orders `sync` (with the same
 * --restore-cleaned) would take up, in WooCommerce's words or alone
 * (--porcelain).  HX_OK, or the exit code of the error reported. */
static int run_count(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types;
	struct pending p;
	uint64_t n;
	int hpos_auth, compat = 0, skip, rc = command_opts(&cmd_count_unmigrated, &argc, argv, &err);

	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (cmd_no_args(&cmd_count_unmigrated, argc, argv, &err) < 0)
		return report(&err);
	if (cmd_connect_types(c, opt_order_types, 1, &types, &err) < 0)
		return report(&err);
	rc = wc_hpos_authoritative(c->db, &hpos_auth, &err);
	if (rc == 0 && hpos_auth)
		rc = wc_compat_mode(c->db, &compat, &err);
	if (rc == 0)
		rc = wc_pending(c->db, &types, hpos_auth, &p, &err);
	typelist_release(&types);
	if (rc < 0)
		return report(&err);
	/* What `sync` (with the same --restore-cleaned) would take up. */
	skip = sync_skips_cleaned(hpos_auth, compat, opt_restore_cleaned);
	n = pending_for_sync(&p, skip);
	if (opt_porcelain)
		out_line("%llu", (unsigned long long)n);
	else if (n == 1)
		out_log("There is 1 order to be synced.");
	else
		out_log("There are %llu orders to be synced.", (unsigned long long)n);
	if (!opt_porcelain && skip && p.cleaned)
		out_log("Not counted: %llu %s emptied by a cleanup, which sync leaves as placeholders "
			"(`hposctl sync --restore-cleaned` rebuilds them; WooCommerce counts them: %llu).",
			(unsigned long long)p.cleaned, p.cleaned == 1 ? "order whose post was" : "orders whose posts were",
			(unsigned long long)pending_total(&p));
	return HX_OK;
}

const struct command cmd_count_unmigrated = {
	.name = "count_unmigrated",
	.aliases = { "count-unmigrated" },
	.fn = run_count,
	.summary = "Count the orders pending sync, as WooCommerce counts them",
	.synopsis = "hposctl count_unmigrated [--porcelain] [--restore-cleaned] [--order-types=A,B]",
	.description = "Pending = order posts missing from wc_orders (auto-drafts excluded) + orders\n"
		       "whose date_updated_gmt differs from the authoritative side + deletion markers.\n"
		       "When the HPOS tables do not exist yet, every order post counts. With HPOS\n"
		       "authoritative and compatibility mode off, orders whose posts a cleanup emptied are\n"
		       "not counted (sync leaves them out) unless --restore-cleaned is given.",
	.opts = count_opts,
};
