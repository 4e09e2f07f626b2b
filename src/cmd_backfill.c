/* cmd_backfill.c - `hposctl backfill <ID|A-B|all>... --from --to`:
 * WooCommerce's per-order repair command (`wp wc hpos backfill`), with
 * ranges and `all`.  Whole orders go through the sync engines (posts ->
 * HPOS: the migration; HPOS -> posts: the backfill), whatever the
 * authority and compatibility mode; --meta-keys / --props copy only those. */
#include "cmdutil.h"
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
	CMD_OPT_ORDER_TYPES(&opt_order_types),
	{ "dry-run", 0, OPT_FLAG, &opt_dry_run, NULL, "count what would be backfilled; write nothing", NULL },
	{ "yes", 'y', OPT_FLAG, &opt_yes, NULL, "into the authoritative store: do not ask (required when stdin is not a terminal)", NULL },
	{ "force", 0, OPT_FLAG, &opt_force, NULL, "into the authoritative store: allow `all` and ranges", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

struct csv {
	char **v;
	unsigned n;
};

/* "a,b,,c" as its non-empty parts (out owns them; csv_release()). */
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

/* Everything one backfill run holds, from the arguments checked to the
 * lock released (backfill_release()). */
struct run {
	struct ctx *c;
	struct db *db;
	const char *from, *to;     /* "posts" or "hpos" */
	int to_posts;
	uint64_t (*ranges)[2];     /* the orders named, inclusive */
	unsigned nranges;
	struct csv keys, props;    /* --meta-keys, --props */
	struct typelist types;     /* the order types to backfill */
	struct typelist no;        /* to posts: types not written back */
	uint64_t refused;          /* orders of those types in the ranges */
	int locked;
	int exit_code;
};

static const uint64_t (*cranges(const struct run *r))[2]
{
	return (const uint64_t(*)[2])r->ranges;
}

/* One order named, not a range or `all`. */
static int single_order(const struct run *r)
{
	return r->nranges == 1 && r->ranges[0][0] == r->ranges[0][1];
}

/* The arguments and options, before anything is opened: the stores, the
 * orders named, the keys and properties.  0, or -1 with an HX_USAGE error. */
static int check_options(int argc, char **argv, void *arg, struct herr *err)
{
	struct run *r = arg;

	if (argc == 0)
		return herr_set(err, HX_USAGE, "backfill: give order IDs, ranges A-B or all");
	r->from = valid_store(opt_from);
	r->to = valid_store(opt_to);
	if (!r->from || !r->to)
		return herr_set(err, HX_USAGE, "'%s' is not a valid datastore.",
				!r->from ? (opt_from ? opt_from : "") : opt_to ? opt_to : "");
	if (!strcmp(r->from, r->to))
		return herr_set(err, HX_USAGE, "Please use different source (--from) and destination (--to) datastores.");
	r->to_posts = !strcmp(r->to, "posts");
	r->ranges = xcalloc((size_t)argc, sizeof(*r->ranges));
	r->nranges = (unsigned)argc;
	for (int i = 0; i < argc; i++)
		if (parse_target(argv[i], r->ranges[i], err) < 0)
			return -1;
	csv_split(opt_meta_keys, &r->keys);
	csv_split(opt_props, &r->props);
	for (unsigned i = 0; i < r->keys.n; i++)
		if (backfill_internal_key(r->keys.v[i]))
			return herr_set(err, HX_USAGE, "%s is an internal meta key. Use --props to set it.", r->keys.v[i]);
	for (unsigned i = 0; i < r->props.n; i++)
		if (!backfill_prop_known(r->props.v[i]))
			return herr_set(err, HX_USAGE, "%s is not a valid order property.", r->props.v[i]);
	if (opt_batch_size == 0)
		opt_batch_size = 500;
	return 0;
}

/* Connect, resolve the order types, take the run lock; the HPOS tables
 * must exist. */
static int open_run(void *arg, struct herr *err)
{
	struct run *r = arg;
	unsigned mask;

	if (cmd_connect_types(r->c, opt_order_types, 0, &r->types, err) < 0)
		return STEP_FAIL;
	r->db = r->c->db;
	if (cmd_lock(r->c, NULL, &r->locked, &r->exit_code) != STEP_ON)
		return STEP_END;
	if (wc_hpos_tables_present(r->db, &mask, err) < 0)
		return STEP_FAIL;
	if (mask != HPOS_ALL_TABLES) {
		herr_set(err, HX_PROBLEM, "The HPOS tables do not exist; run `hposctl sync` first.");
		return STEP_FAIL;
	}
	return STEP_ON;
}

/* To posts: only the types hposctl writes back exactly as WooCommerce
 * does (ordertypes.h); the others are named with their orders in the
 * ranges, left alone, and make the run exit 1.  The other types' orders
 * go ahead; STEP_END when none is left. */
static int leave_out_types(void *arg, struct herr *err)
{
	struct run *r = arg;
	struct typelist ok;
	int rc = 0;

	if (!r->to_posts)
		return STEP_ON;
	typelist_split_reversible(&r->types, &ok, &r->no);
	for (unsigned i = 0; i < r->no.n && rc >= 0; i++) {
		const char *type = r->no.v[i];
		uint64_t n = 0;

		rc = wc_orders_of_type_in(r->db, type, cranges(r), r->nranges, &n, err);
		if (rc == 0 && n) {
			out_error("%llu %s order%s not backfilled from %s to %s: hposctl does not write %s to posts, "
				  "because %s.", (unsigned long long)n, type, n == 1 ? " was" : "s were", r->from, r->to,
				  type, ordertype_refusal_reason(type));
			r->refused += n;
		}
	}
	typelist_release(&r->types);
	r->types = ok;
	if (rc < 0)
		return STEP_FAIL;
	if (r->refused)
		r->exit_code = HX_PROBLEM;
	return r->types.n ? STEP_ON : STEP_END;
}

/* guard_authoritative() as a step: it ends the run when it refused or
 * was not confirmed.  An exit code set before (orders of types left out)
 * does not stop the other types' orders. */
static int guard(void *arg, struct herr *err)
{
	struct run *r = arg;
	int code = HX_OK;

	if (guard_authoritative(r->db, &r->types, r->to_posts, cranges(r), r->nranges, &code, err) < 0)
		return STEP_FAIL;
	if (code == HX_OK)
		return STEP_ON;
	r->exit_code = code;
	return STEP_END;
}

/* Whole orders said: how many (would be) backfilled, or for one order
 * named, that it was or why not. */
static void say_whole(struct run *r, const struct sync_stats_s *st)
{
	unsigned long long id = (unsigned long long)r->ranges[0][0];
	const char *orders = st->synced == 1 ? "order" : "orders";

	if (opt_dry_run) {
		out_log("Dry run: %llu %s would be backfilled from %s to %s; nothing was written.",
			(unsigned long long)st->synced, orders, r->from, r->to);
	} else if (single_order(r)) {
		if (st->synced == 1)
			out_success("Order %llu backfilled from %s to %s.", id, r->from, r->to);
		else if (!st->skipped && !r->refused)
			out_error("An error occurred while backfilling order %llu from %s to %s: the order does not exist "
				  "in %s.", id, r->from, r->to, r->from);
	} else {
		out_success("%llu %s backfilled from %s to %s.", (unsigned long long)st->synced, orders, r->from, r->to);
	}
	if (st->skipped || (!opt_dry_run && single_order(r) && st->synced != 1))
		r->exit_code = HX_PROBLEM;
}

/* Whole orders, through the sync engines, in WooCommerce's transaction
 * settings; --dry-run writes nothing. */
static int backfill_whole(struct run *r, struct herr *err)
{
	struct sync_opts so;
	struct sync_stats_s st;
	int rc;

	cmd_sync_opts(&so, r->c, (unsigned)opt_batch_size, &r->types);
	so.ranges = cranges(r);
	so.nranges = r->nranges;
	if (cmd_wc_isolation(r->db, 0, &so.isolation, err) < 0)
		return STEP_FAIL;
	if (opt_dry_run)
		db_set_dry_run(r->db, 1);
	if (r->to_posts) {
		rc = sync_to_posts(r->db, &so, &st, err);
	} else {
		if (wc_rounding_precision(r->db, &so.rounding_precision, err) < 0)
			return STEP_FAIL;
		rc = sync_to_hpos(r->db, &so, &st, err);
	}
	if (rc < 0)
		return STEP_FAIL;
	say_whole(r, &st);
	return STEP_END;
}

/* To posts, --meta-keys/--props: 1 when order id is of a type hposctl
 * does not write back (named unless its type was named already; exit 1),
 * 0 to go on, -1 with err. */
static int refused_type(struct run *r, uint64_t id, struct herr *err)
{
	char *type = NULL;
	int named = 0;

	if (wc_order_type(r->db, id, &type, err) < 0)
		return -1;
	if (!type || ordertype_reversible(type)) {
		free(type);
		return 0;
	}
	for (unsigned k = 0; k < r->no.n; k++)
		named |= !strcmp(r->no.v[k], type);
	if (!named)
		out_error("Order %llu (%s) was not backfilled from %s to %s: hposctl does not write %s "
			  "to posts, because %s.", (unsigned long long)id, type, r->from, r->to, type,
			  ordertype_refusal_reason(type));
	r->exit_code = HX_PROBLEM;
	free(type);
	return 1;
}

/* One order's --meta-keys/--props, in one transaction, said; a failure
 * is said and makes the run exit 1 (the next order goes ahead). */
static void backfill_one(struct run *r, uint64_t id, int single)
{
	struct herr err = { 0, "" };
	int rc = backfill_partial(r->db, id, r->to_posts, r->keys.v, r->keys.n, r->props.v, r->props.n, &err);

	if (rc < 0) {
		out_error("An error occurred while backfilling order %llu from %s to %s: %s",
			  (unsigned long long)id, r->from, r->to, err.msg);
		r->exit_code = HX_PROBLEM;
	} else if (rc == 0) {
		out_success("Order %llu backfilled from %s to %s.", (unsigned long long)id, r->from, r->to);
	} else if (single) {
		out_error("An error occurred while backfilling order %llu from %s to %s: the order does not "
			  "exist in %s.", (unsigned long long)id, r->from, r->to, r->from);
		r->exit_code = HX_PROBLEM;
	}
}

/* --meta-keys / --props: order by order over each range (at most 100000
 * IDs), each in one transaction. */
static int backfill_partial_all(struct run *r, struct herr *err)
{
	if (opt_dry_run) {
		out_log("Dry run: nothing was written.");
		return STEP_END;
	}
	for (unsigned i = 0; i < r->nranges; i++) {
		uint64_t lo = r->ranges[i][0], hi = r->ranges[i][1];

		if (hi - lo > 100000 || lo > hi) {
			herr_set(err, HX_USAGE, "--meta-keys/--props take order IDs or ranges of at most 100000 IDs");
			return STEP_FAIL;
		}
		for (uint64_t id = lo;; id++) {
			int rc = r->to_posts ? refused_type(r, id, err) : 0;

			if (rc < 0)
				return STEP_FAIL;
			if (rc == 0)
				backfill_one(r, id, lo == hi);
			if (id == hi)
				break;
		}
	}
	return STEP_END;
}

/* Release the lock and everything r owns. */
static void backfill_release(struct run *r)
{
	if (r->locked)
		runlock_release(r->db, r->c->cfg.lock_name);
	free(r->ranges);
	csv_release(&r->keys);
	csv_release(&r->props);
	typelist_release(&r->types);
	typelist_release(&r->no);
}

/* Whole orders, or only --meta-keys/--props. */
static int backfill_orders(void *arg, struct herr *err)
{
	struct run *r = arg;

	return r->keys.n || r->props.n ? backfill_partial_all(r, err) : backfill_whole(r, err);
}

/* A backfill run after its arguments, in order (cmd_run()). */
static cmd_step_fn *const backfill_steps[] = {
	open_run, leave_out_types, guard, backfill_orders,
};

/* `hposctl backfill`: parse, check, then the steps in order until one
 * ends the run.  Returns the exit code (docs/exit-codes.md). */
static int run_backfill(int argc, char **argv, struct ctx *c)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.c = c;
	cmd_run(&cmd_backfill, argc, argv, check_options, backfill_steps, ARRAY_SIZE(backfill_steps), &r, &r.exit_code);
	backfill_release(&r);
	return r.exit_code;
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
