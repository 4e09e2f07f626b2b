/* cmd_status.c - where the store stands: authority, compatibility mode,
 * tables, order posts, HPOS rows, pending sync, skipped orders. */
#include "cmdutil.h"
#include "ordertypes.h"
#include "output.h"
#include "syncstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt_format;
static const char *opt_order_types;

static const struct opt status_opts[] = {
	{ "format", 0, OPT_STR, &opt_format, "table|json", "output format (default table)", NULL },
	CMD_OPT_ORDER_TYPES(&opt_order_types),
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

struct status {
	int hpos_auth, compat;
	unsigned tables;
	struct pending pending;
	int skip_cleaned;  /* sync leaves pending.cleaned out */
	uint64_t cleanup;
	/* per order type: the types worked on, then those left out of an
	 * explicit list (all.n = types->n + left_out) */
	struct typelist all;
	uint64_t *posts, *hpos;
	struct pending *tp;
	uint64_t placeholders;
	uint64_t rows[T_COUNT];
	struct skipped_list skipped;
};

/* Everything status shows, into *s (zeroed by the caller; the type names
 * in s->all are borrowed from ot): the switches, the tables, pending sync
 * per type and in all, posts and HPOS orders per type, placeholders, row
 * counts, cleanup candidates, skipped orders.  0, or -1 with err; s is
 * released by the caller either way. */
static int gather(struct db *db, const struct ordertypes *ot, struct status *s, struct herr *err)
{
	uint64_t markers = 0;

	if (wc_hpos_authoritative(db, &s->hpos_auth, err) < 0 ||
	    wc_compat_mode(db, &s->compat, err) < 0 ||
	    wc_hpos_tables_present(db, &s->tables, err) < 0)
		return -1;
	s->skip_cleaned = sync_skips_cleaned(s->hpos_auth, s->compat, 0);
	s->all.v = xcalloc(ot->use.n + ot->left_out.n, sizeof(*s->all.v));
	for (unsigned i = 0; i < ot->use.n; i++)
		s->all.v[s->all.n++] = ot->use.v[i];
	for (unsigned i = 0; i < ot->left_out.n; i++)
		s->all.v[s->all.n++] = ot->left_out.v[i];
	s->posts = xcalloc(s->all.n, sizeof(*s->posts));
	s->hpos = xcalloc(s->all.n, sizeof(*s->hpos));
	s->tp = xcalloc(s->all.n, sizeof(*s->tp));
	/* pending per type; the total over the types worked on is their sum
	 * (the types part the posts) plus the deletion markers */
	if (wc_pending_each(db, &s->all, s->hpos_auth, s->tp, &markers, err) < 0)
		return -1;
	for (unsigned i = 0; i < ot->use.n; i++) {
		s->pending.missing += s->tp[i].missing;
		s->pending.outdated += s->tp[i].outdated;
		s->pending.cleaned += s->tp[i].cleaned;
		s->pending.placeholders += s->tp[i].placeholders;
		s->pending.tables_missing = s->tp[i].tables_missing;
	}
	s->pending.markers = markers;
	if (s->all.n) /* markers carry no type: each type's count is the same */
		s->pending.markers_live = s->tp[0].markers_live;
	for (unsigned i = 0; i < s->all.n; i++) {
		if (wc_posts_of_type(db, s->all.v[i], &s->posts[i], err) < 0)
			return -1;
		if ((s->tables & (1u << T_ORDERS)) && wc_orders_of_type(db, s->all.v[i], &s->hpos[i], err) < 0)
			return -1;
	}
	if (wc_posts_of_type(db, PLACEHOLDER_TYPE, &s->placeholders, err) < 0)
		return -1;
	for (int t = 0; t < T_COUNT; t++)
		if ((s->tables & (1u << t)) && wc_table_rows(db, (enum hpos_table)t, &s->rows[t], err) < 0)
			return -1;
	/* WooCommerce reports cleanup candidates only when HPOS is
	 * authoritative and compatibility mode is off. */
	if (s->hpos_auth && !s->compat && (s->tables & (1u << T_ORDERS)) &&
	    wc_cleanup_candidates(db, &ot->use, &s->cleanup, err) < 0)
		return -1;
	return skipped_load(db, 20, &s->skipped, err);
}

/* --format json: s as one object on stdout (types: the types worked on,
 * the first entries of s->all). */
static void print_json(const struct typelist *types, const struct status *s)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "{\"hpos_enabled\":%s,\"compatibility_mode_enabled\":%s,\"unsynced_orders\":%llu,"
		"\"orders_subject_to_cleanup\":%llu,\"authoritative_store\":\"%s\",\"tables\":{",
		s->hpos_auth ? "true" : "false", s->compat ? "true" : "false",
		(unsigned long long)pending_total(&s->pending), (unsigned long long)s->cleanup,
		s->hpos_auth ? "hpos" : "posts");
	for (int t = 0; t < T_COUNT; t++)
		sb_addf(&sb, "%s\"%s\":%s", t ? "," : "", hpos_table_suffix[t],
			(s->tables & (1u << t)) ? "true" : "false");
	sb_adds(&sb, "},\"order_posts\":{");
	for (unsigned i = 0; i < types->n; i++) {
		if (i)
			sb_addc(&sb, ',');
		sb_add_json_str(&sb, types->v[i], strlen(types->v[i]));
		sb_addf(&sb, ":%llu", (unsigned long long)s->posts[i]);
	}
	sb_adds(&sb, "},\"order_types\":{");
	for (unsigned i = 0; i < s->all.n; i++) {
		if (i)
			sb_addc(&sb, ',');
		sb_add_json_str(&sb, s->all.v[i], strlen(s->all.v[i]));
		sb_addf(&sb, ":{\"posts\":%llu,\"hpos_orders\":%llu,\"pending\":%llu,\"in_list\":%s}",
			(unsigned long long)s->posts[i], (unsigned long long)s->hpos[i],
			(unsigned long long)pending_total(&s->tp[i]), i < types->n ? "true" : "false");
	}
	sb_addf(&sb, "},\"placeholder_posts\":%llu,\"hpos_rows\":{", (unsigned long long)s->placeholders);
	for (int t = 0; t < T_COUNT; t++)
		sb_addf(&sb, "%s\"%s\":%llu", t ? "," : "", hpos_table_suffix[t], (unsigned long long)s->rows[t]);
	sb_addf(&sb, "},\"pending\":{\"missing\":%llu,\"outdated\":%llu,\"deletion_markers\":%llu,\"markers_on_live_orders\":%llu,\"tables_missing\":%s,"
		"\"cleaned\":%llu,\"cleaned_left_by_sync\":%s,\"sync_would_process\":%llu,\"placeholders\":%llu,\"placeholders_note\":",
		(unsigned long long)(s->pending.missing - (s->skip_cleaned ? s->pending.cleaned : 0)),
		(unsigned long long)s->pending.outdated, (unsigned long long)s->pending.markers,
		(unsigned long long)s->pending.markers_live,
		s->pending.tables_missing ? "true" : "false", (unsigned long long)s->pending.cleaned,
		s->skip_cleaned ? "true" : "false", (unsigned long long)pending_for_sync(&s->pending, s->skip_cleaned),
		(unsigned long long)(s->hpos_auth ? s->pending.placeholders : 0));
	if (s->hpos_auth && s->pending.placeholders)
		sb_adds(&sb, "\"placeholder posts of orders HPOS holds in full (cleaned up, or created while compatibility mode "
			"was off); pending only for a return to posts\"},");
	else
		sb_adds(&sb, "null},");
	sb_addf(&sb, "\"skipped_orders\":%llu,\"skipped\":[", (unsigned long long)s->skipped.total);
	for (unsigned i = 0; i < s->skipped.n; i++) {
		const struct skipped_entry *e = &s->skipped.v[i];

		sb_addf(&sb, "%s{\"order_id\":%llu,\"reason\":", i ? "," : "", (unsigned long long)e->order_id);
		sb_add_json_str(&sb, e->reason, strlen(e->reason));
		sb_adds(&sb, ",\"last_seen_gmt\":");
		sb_add_json_str(&sb, e->last_seen, strlen(e->last_seen));
		sb_addc(&sb, '}');
	}
	sb_adds(&sb, "]}");
	out_line("%s", sb.buf);
	sb_release(&sb);
}

/* The default table: WooCommerce's four lines verbatim, then hposctl's. */
static void print_table(const struct typelist *types, const struct status *s)
{
	/* WooCommerce's four lines first, verbatim. */
	out_line("HPOS enabled?: %s", s->hpos_auth ? "yes" : "no");
	out_line("Compatibility mode enabled?: %s", s->compat ? "yes" : "no");
	out_line("Unsynced orders: %llu", (unsigned long long)pending_total(&s->pending));
	/* WooCommerce counts placeholders (every order after a cleanup) as
	 * unsynced; its users take that for lost orders.  Say what they are. */
	if (s->hpos_auth && !s->pending.tables_missing && s->pending.placeholders)
		out_line("  (%llu of them: placeholder posts of orders HPOS holds in full, cleaned up or created while "
			 "compatibility mode was off; pending only for a return to posts)",
			 (unsigned long long)s->pending.placeholders);
	out_line("Orders subject to cleanup: %llu", (unsigned long long)s->cleanup);
	out_line("Authoritative store: %s", s->hpos_auth ? "hpos" : "posts");
	if (s->pending.tables_missing)
		out_line("Pending sync: HPOS tables missing, every order post counts");
	else
		out_line("Pending sync: %llu missing, %llu outdated, %llu deletion markers",
			 (unsigned long long)(s->pending.missing - (s->skip_cleaned ? s->pending.cleaned : 0)),
			 (unsigned long long)s->pending.outdated, (unsigned long long)s->pending.markers);
	if (s->pending.cleaned)
		out_line("Cleaned orders: %llu (placeholders a cleanup emptied; %s)", (unsigned long long)s->pending.cleaned,
			 s->skip_cleaned ? "sync leaves them out, `sync --restore-cleaned` rebuilds them" :
			 "compatibility mode is on: sync rebuilds them");
	if (s->pending.markers_live)
		out_line("Deletion markers on orders that still exist (left alone, see docs/deleting.md): %llu",
			 (unsigned long long)s->pending.markers_live);
	for (unsigned i = 0; i < s->all.n; i++)
		out_line("Order posts (%s%s): %llu, HPOS orders: %llu, pending: %llu", s->all.v[i],
			 i < types->n ? "" : ", not in the order types list", (unsigned long long)s->posts[i],
			 (unsigned long long)s->hpos[i], (unsigned long long)pending_total(&s->tp[i]));
	out_line("Placeholder posts: %llu", (unsigned long long)s->placeholders);
	for (int t = 0; t < T_COUNT; t++) {
		if (s->tables & (1u << t))
			out_line("Table %s: %llu rows", hpos_table_suffix[t], (unsigned long long)s->rows[t]);
		else
			out_line("Table %s: missing", hpos_table_suffix[t]);
	}
	out_line("Skipped orders: %llu", (unsigned long long)s->skipped.total);
	for (unsigned i = 0; i < s->skipped.n; i++)
		out_line("  order %llu: %s (last tried %s)", (unsigned long long)s->skipped.v[i].order_id,
			 s->skipped.v[i].reason, s->skipped.v[i].last_seen);
	if (s->skipped.total > s->skipped.n)
		out_line("  ... and %llu more (hposctl status --format=json lists them)",
			 (unsigned long long)(s->skipped.total - s->skipped.n));
}

/* `hposctl status`: parse, check, gather, print.  HX_OK, or the exit code
 * of the error reported. */
static int run_status(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct ordertypes ot;
	struct status s;
	int rc = command_opts(&cmd_status, &argc, argv, &err);

	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	opt_format = opt_format ? opt_format : "table";
	if (strcmp(opt_format, "table") && strcmp(opt_format, "json")) {
		herr_set(&err, HX_USAGE, "status: --format must be table or json, not '%s'", opt_format);
		return report(&err);
	}
	if (cmd_no_args(&cmd_status, argc, argv, &err) < 0)
		return report(&err);
	memset(&s, 0, sizeof(s));
	if (ctx_connect(c, &err) < 0 ||
	    ordertypes_resolve(c->db, opt_order_types ? opt_order_types : c->cfg.order_types, &ot, &err) < 0)
		return report(&err);
	ordertypes_warn(&ot);
	rc = gather(c->db, &ot, &s, &err);
	if (rc == 0) {
		if (!strcmp(opt_format, "json"))
			print_json(&ot.use, &s);
		else
			print_table(&ot.use, &s);
	}
	free(s.posts);
	free(s.hpos);
	free(s.tp);
	free(s.all.v); /* the strings are ot's */
	skipped_release(&s.skipped);
	ordertypes_release(&ot);
	return rc < 0 ? report(&err) : HX_OK;
}

const struct command cmd_status = {
	.name = "status",
	.fn = run_status,
	.summary = "Show authority, compatibility mode, tables, pending and skipped orders",
	.synopsis = "hposctl status [--format=table|json] [--order-types=auto|A,B]",
	.description = "WooCommerce's four `wp wc hpos status` lines come first, verbatim; when HPOS is\n"
		       "authoritative and placeholders count as unsynced, an indented line right after\n"
		       "'Unsynced orders' says what they are. The rest are hposctl's. Every count is a\n"
		       "keyed query; none scans wp_postmeta.",
	.opts = status_opts,
};
