/* cmd_backfill.c - `hposctl backfill <ID|A-B|all>... --from --to`:
 * WooCommerce's per-order repair command (`wp wc hpos backfill`), with
 * ranges and `all`.  Whole orders go through the sync engines (posts ->
 * HPOS: the migration; HPOS -> posts: the backfill), whatever the
 * authority and compatibility mode; --meta-keys / --props copy only those. */
#include "hposctl.h"
#include "ordertypes.h"
#include "backfill.h"
#include "migrate.h"
#include "output.h"
#include "syncstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *opt_from, *opt_to, *opt_meta_keys, *opt_props, *opt_order_types;
static int opt_dry_run, opt_yes, opt_force;
static uint64_t opt_batch_size = 500;

static const struct opt backfill_opts[] = {
	{ "from", 0, OPT_STR, &opt_from, "posts|hpos", "source store (required)", NULL },
	{ "to", 0, OPT_STR, &opt_to, "hpos|posts", "destination store (required)", NULL },
	{ "meta-keys", 0, OPT_STR, &opt_meta_keys, "A,B", "copy only these meta keys (all their values)", NULL },
	{ "meta_keys", 0, OPT_STR, &opt_meta_keys, "A,B", "same as --meta-keys (wp-cli spelling)", NULL },
	{ "props", 0, OPT_STR, &opt_props, "A,B", "copy only these order properties (billing_first_name, status, ...)", NULL },
	{ "batch-size", 0, OPT_UINT, &opt_batch_size, "N", "orders per batch for whole orders (default 500)", NULL },
	{ "order-types", 0, OPT_STR, &opt_order_types, "auto|A,B", "order types (default from config: auto, every order type found in the store)", NULL },
	{ "dry-run", 0, OPT_FLAG, &opt_dry_run, NULL, "count what would be backfilled; write nothing", NULL },
	{ "yes", 'y', OPT_FLAG, &opt_yes, NULL, "into the authoritative store: do not ask (required when stdin is not a terminal)", NULL },
	{ "force", 0, OPT_FLAG, &opt_force, NULL, "into the authoritative store: allow `all` and ranges", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

struct csv {
	char **v;
	unsigned n;
};

static void csv_split(const char *s, struct csv *out)
{
	memset(out, 0, sizeof(*out));
	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n) {
			out->v = xrealloc(out->v, sizeof(*out->v) * (out->n + 1));
			out->v[out->n++] = xstrndup(s, n);
		}
		s = e ? e + 1 : NULL;
	}
}

static void csv_release(struct csv *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ID, A-B or all.  Returns 0, or -1 (usage). */
static int parse_target(const char *a, uint64_t r[2], struct herr *err)
{
	const char *dash = strchr(a, '-');

	if (!strcmp(a, "all")) {
		r[0] = 1;
		r[1] = UINT64_MAX;
		return 0;
	}
	if (dash) {
		char lo[32];
		size_t n = (size_t)(dash - a);

		if (n == 0 || n >= sizeof(lo))
			return herr_set(err, HX_USAGE, "'%s' is not an order ID, a range A-B or all", a);
		memcpy(lo, a, n);
		lo[n] = '\0';
		if (parse_u64(lo, &r[0]) < 0 || parse_u64(dash + 1, &r[1]) < 0)
			return herr_set(err, HX_USAGE, "'%s' is not an order ID, a range A-B or all", a);
		return 0; /* A > B matches nothing, as in WooCommerce's cleanup */
	}
	if (parse_u64(a, &r[0]) < 0 || r[0] == 0)
		return herr_set(err, HX_USAGE, "Please provide a valid order ID.");
	r[1] = r[0];
	return 0;
}

static const char *valid_store(const char *s)
{
	if (s && !strcmp(s, "posts"))
		return "posts";
	if (s && !strcmp(s, "hpos"))
		return "hpos";
	return NULL;
}

static int isolation(struct db *db, const char **level, struct herr *err)
{
	static const char *const levels[] = { "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE" };
	char *use = NULL, *lvl = NULL;

	*level = NULL;
	if (wc_option_get(db, OPT_USE_TRANSACTIONS, &use, err) < 0 || wc_option_get(db, OPT_ISOLATION, &lvl, err) < 0) {
		free(use);
		return -1;
	}
	if (!use || !strcmp(use, "yes")) {
		*level = levels[0];
		for (size_t i = 0; lvl && i < ARRAY_SIZE(levels); i++)
			if (!strcasecmp(lvl, levels[i]))
				*level = levels[i];
	}
	free(use);
	free(lvl);
	return 0;
}

/* Backfill into the authoritative store overwrites the live copy with the
 * other store's, which may be older (WooCommerce's own command takes one
 * order and does not ask).  Say how many destination orders would be
 * overwritten and how many are newer than their source; refuse `all` and
 * ranges without --force; ask (or need --yes).  *exit_code is left HX_OK
 * to go on; -1 on a database error. */
static int guard_authoritative(struct db *db, const struct typelist *types, int to_posts, const uint64_t (*ranges)[2],
			       unsigned n, int *exit_code, struct herr *err)
{
	const char *to = to_posts ? "posts" : "HPOS", *from = to_posts ? "HPOS" : "posts";
	uint64_t exist, newer;
	int hpos_auth, wide = 0, yes;

	if (wc_hpos_authoritative(db, &hpos_auth, err) < 0)
		return -1;
	if (hpos_auth == to_posts)
		return 0; /* into the backup store: that is what backfill is for */
	if (wc_count_overwrites(db, types, !to_posts, ranges, n, &exist, &newer, err) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++)
		wide |= ranges[i][0] != ranges[i][1];
	out_warning("%s is the authoritative store: this backfill overwrites its live orders with the %s copy. "
		    "%llu %s of the selection %s in %s and would be overwritten; %llu %s newer in %s than in %s.",
		    to, from, (unsigned long long)exist, exist == 1 ? "order" : "orders", exist == 1 ? "exists" : "exist",
		    to, (unsigned long long)newer, newer == 1 ? "is" : "are", to, from);
	if (opt_dry_run)
		return 0;
	if (wide && !opt_force) {
		out_error("Refused: `all` and ranges into the authoritative store (%s) need --force. Nothing was changed.",
			  to);
		*exit_code = HX_PROBLEM;
		return 0;
	}
	if (opt_yes)
		return 0;
	{
		char q[200];

		snprintf(q, sizeof(q), "Overwrite %llu %s in the authoritative store (%s) with the %s copy?",
			 (unsigned long long)exist, exist == 1 ? "order" : "orders", to, from);
		yes = tty_confirm(q);
	}
	if (yes < 0) {
		out_error("Backfill into the authoritative store (%s) overwrites live data: confirm with --yes when stdin "
			  "is not a terminal. Nothing was changed.", to);
		*exit_code = HX_PROBLEM;
	} else if (!yes) {
		out_log("Cancelled. Nothing was changed.");
		*exit_code = HX_PROBLEM;
	}
	return 0;
}

static int run_backfill(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	struct csv keys, props;
	uint64_t (*ranges)[2] = NULL;
	const char *from, *to;
	int rc, locked = 0, exit_code = HX_OK, to_posts;
	uint64_t refused = 0;
	struct typelist no = { NULL, 0 };

	memset(&keys, 0, sizeof(keys));
	memset(&props, 0, sizeof(props));
	rc = command_opts(&cmd_backfill, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc == 0) {
		herr_set(&err, HX_USAGE, "backfill: give order IDs, ranges A-B or all");
		return report(&err);
	}
	from = valid_store(opt_from);
	to = valid_store(opt_to);
	if (!from || !to) {
		herr_set(&err, HX_USAGE, "'%s' is not a valid datastore.", !from ? (opt_from ? opt_from : "") : opt_to ? opt_to : "");
		return report(&err);
	}
	if (!strcmp(from, to)) {
		herr_set(&err, HX_USAGE, "Please use different source (--from) and destination (--to) datastores.");
		return report(&err);
	}
	to_posts = !strcmp(to, "posts");
	ranges = xcalloc((size_t)argc, sizeof(*ranges));
	for (int i = 0; i < argc; i++)
		if (parse_target(argv[i], ranges[i], &err) < 0)
			goto fail;
	csv_split(opt_meta_keys, &keys);
	csv_split(opt_props, &props);
	for (unsigned i = 0; i < keys.n; i++)
		if (backfill_internal_key(keys.v[i])) {
			herr_set(&err, HX_USAGE, "%s is an internal meta key. Use --props to set it.", keys.v[i]);
			goto fail;
		}
	for (unsigned i = 0; i < props.n; i++)
		if (!backfill_prop_known(props.v[i])) {
			herr_set(&err, HX_USAGE, "%s is not a valid order property.", props.v[i]);
			goto fail;
		}
	if (opt_batch_size == 0)
		opt_batch_size = 500;
	if (ctx_connect(c, &err) < 0)
		goto fail;
	if (order_types_for(c->db, opt_order_types ? opt_order_types : c->cfg.order_types, 0, &types, &err) < 0)
		goto fail;
	rc = runlock_enter(c->db, c->cfg.lock_name, &err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		exit_code = HX_TEMPFAIL;
		goto out;
	}
	locked = 1;
	{
		unsigned mask;

		if (wc_hpos_tables_present(c->db, &mask, &err) < 0)
			goto fail;
		if (mask != HPOS_ALL_TABLES) {
			herr_set(&err, HX_PROBLEM, "The HPOS tables do not exist; run `hposctl sync` first.");
			goto fail;
		}
	}
	if (to_posts) {
		/* Only the types hposctl writes back exactly as WooCommerce
		 * does (ordertypes.h); the others are named, left alone, and
		 * make the run exit 1.  The other types' orders go ahead. */
		struct typelist ok;

		typelist_split_reversible(&types, &ok, &no);
		for (unsigned i = 0; i < no.n && rc >= 0; i++) {
			uint64_t n = 0;

			rc = wc_orders_of_type_in(c->db, no.v[i], (const uint64_t(*)[2])ranges, (unsigned)argc, &n, &err);
			if (rc == 0 && n) {
				out_error("%llu %s order%s not backfilled from %s to %s: hposctl does not write %s to posts, "
					  "because %s.", (unsigned long long)n, no.v[i], n == 1 ? " was" : "s were", from, to,
					  no.v[i], ordertype_refusal_reason(no.v[i]));
				refused += n;
			}
		}
		typelist_release(&types);
		types = ok;
		if (rc < 0)
			goto fail;
		if (refused)
			exit_code = HX_PROBLEM;
		if (!types.n)
			goto out;
	}

	if (guard_authoritative(c->db, &types, to_posts, (const uint64_t(*)[2])ranges, (unsigned)argc, &exit_code,
				&err) < 0)
		goto fail;
	if (exit_code != HX_OK)
		goto out;

	if (!keys.n && !props.n) {
		/* Whole orders, through the engines. */
		struct sync_opts so;
		struct sync_stats_s st;

		memset(&so, 0, sizeof(so));
		so.batch_size = (unsigned)opt_batch_size;
		so.types = &types;
		so.max_retries = c->cfg.max_retries;
		so.wclock_wait = 15.0;
		so.jobs = 1;
		so.runlock_name = c->cfg.lock_name;
		so.ranges = (const uint64_t(*)[2])ranges;
		so.nranges = (unsigned)argc;
		if (isolation(c->db, &so.isolation, &err) < 0)
			goto fail;
		if (opt_dry_run)
			db_set_dry_run(c->db, 1);
		if (to_posts) {
			rc = sync_to_posts(c->db, &so, &st, &err);
		} else {
			if (wc_rounding_precision(c->db, &so.rounding_precision, &err) < 0)
				goto fail;
			rc = sync_to_hpos(c->db, &so, &st, &err);
		}
		if (rc < 0)
			goto fail;
		if (opt_dry_run) {
			out_log("Dry run: %llu %s would be backfilled from %s to %s; nothing was written.",
				(unsigned long long)st.synced, st.synced == 1 ? "order" : "orders", from, to);
		} else if (argc == 1 && ranges[0][0] == ranges[0][1]) {
			if (st.synced == 1)
				out_success("Order %llu backfilled from %s to %s.", (unsigned long long)ranges[0][0], from, to);
			else if (!st.skipped && !refused)
				out_error("An error occurred while backfilling order %llu from %s to %s: the order does not exist "
					  "in %s.", (unsigned long long)ranges[0][0], from, to, from);
		} else {
			out_success("%llu %s backfilled from %s to %s.", (unsigned long long)st.synced,
				    st.synced == 1 ? "order" : "orders", from, to);
		}
		if (st.skipped || (!opt_dry_run && argc == 1 && ranges[0][0] == ranges[0][1] && st.synced != 1))
			exit_code = HX_PROBLEM;
		goto out;
	}
	/* --meta-keys / --props: order by order, each in one transaction. */
	if (opt_dry_run) {
		out_log("Dry run: nothing was written.");
		goto out;
	}
	for (int i = 0; i < argc; i++) {
		if (ranges[i][1] - ranges[i][0] > 100000 || ranges[i][0] > ranges[i][1]) {
			herr_set(&err, HX_USAGE, "--meta-keys/--props take order IDs or ranges of at most 100000 IDs");
			goto fail;
		}
		for (uint64_t id = ranges[i][0];; id++) {
			if (to_posts) {
				char *type = NULL;

				if (wc_order_type(c->db, id, &type, &err) < 0)
					goto fail;
				if (type && !ordertype_reversible(type)) {
					int named = 0;

					for (unsigned k = 0; k < no.n; k++)
						named |= !strcmp(no.v[k], type);
					if (!named)
						out_error("Order %llu (%s) was not backfilled from %s to %s: hposctl does not write %s "
							  "to posts, because %s.", (unsigned long long)id, type, from, to, type,
							  ordertype_refusal_reason(type));
					exit_code = HX_PROBLEM;
					free(type);
					if (id == ranges[i][1])
						break;
					continue;
				}
				free(type);
			}
			rc = backfill_partial(c->db, id, to_posts, keys.v, keys.n, props.v, props.n, &err);
			if (rc < 0) {
				out_error("An error occurred while backfilling order %llu from %s to %s: %s",
					  (unsigned long long)id, from, to, err.msg);
				exit_code = HX_PROBLEM;
			} else if (rc == 0) {
				out_success("Order %llu backfilled from %s to %s.", (unsigned long long)id, from, to);
			} else if (ranges[i][0] == ranges[i][1]) {
				out_error("An error occurred while backfilling order %llu from %s to %s: the order does not "
					  "exist in %s.", (unsigned long long)id, from, to, from);
				exit_code = HX_PROBLEM;
			}
			if (id == ranges[i][1])
				break;
		}
	}
	goto out;
fail:
	exit_code = report(&err);
out:
	if (locked)
		runlock_release(c->db, c->cfg.lock_name);
	free(ranges);
	csv_release(&keys);
	csv_release(&props);
	typelist_release(&types);
	typelist_release(&no);
	return exit_code;
}

const struct command cmd_backfill = {
	.name = "backfill",
	.fn = run_backfill,
	.summary = "Copy single orders (or ranges, or all) from one store to the other",
	.synopsis = "hposctl backfill <ID|A-B|all>... --from=posts|hpos --to=hpos|posts [--meta-keys=A,B] [--props=A,B]\n"
		    "                    [--dry-run] [--batch-size=N] [--yes] [--force]",
	.description = "WooCommerce's `wp wc hpos backfill`. Without --meta-keys/--props the whole order is\n"
		       "copied: posts -> HPOS as the migration writes it, HPOS -> posts as WooCommerce's backfill\n"
		       "writes it (post row, property meta, custom meta). It works whatever the authority and\n"
		       "compatibility mode. --meta-keys replaces every value of those keys; --props copies those\n"
		       "properties only. Into the authoritative store (e.g. --to hpos while HPOS is\n"
		       "authoritative) it first says how many destination orders would be overwritten and how\n"
		       "many are newer than their source, refuses `all` and ranges without --force, and asks\n"
		       "(or needs --yes).",
	.opts = backfill_opts,
};
