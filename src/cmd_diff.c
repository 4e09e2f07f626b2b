/* cmd_diff.c - `hposctl diff ORDER_ID`: every property and meta key of one
 * order, posts side (what sync would write) vs HPOS side, differences
 * marked.  The comparison is verify's (verify.h), for one order. */
#include "cmdutil.h"
#include "ordertypes.h"
#include "output.h"
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt_format;

static const struct opt diff_opts[] = {
	{ "format", 0, OPT_STR, &opt_format, "table|csv|json|yaml", "output format (default table); csv and yaml as `wp wc hpos diff`", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

#define CELL_MAX 60

/* Values as a JSON list, NULL as null: ["a",null]. */
static void vals_list(struct strbuf *sb, const struct vval *v, unsigned n)
{
	sb_addc(sb, '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			sb_addc(sb, ',');
		if (v[i].s)
			sb_add_json_str(sb, v[i].s, v[i].len);
		else
			sb_adds(sb, "null");
	}
	sb_addc(sb, ']');
}

/* One table cell: a value list as text (NULL shown as NULL, several
 * values as a JSON list), cut to CELL_MAX characters. */
static void cell(struct strbuf *sb, const struct vval *v, unsigned n, int list)
{
	struct strbuf t = STRBUF_INIT;

	if (list)
		vals_list(&t, v, n);
	else if (!n || !v[0].s)
		sb_adds(&t, "NULL");
	else
		sb_add(&t, v[0].s, v[0].len);
	for (size_t i = 0; i < t.len; i++)
		if (t.buf[i] == '\n' || t.buf[i] == '\r' || t.buf[i] == '\t')
			t.buf[i] = ' ';
	if (utf8_chars(t.buf, t.len) > CELL_MAX) {
		size_t cut = 0, chars = 0;

		while (cut < t.len && chars < CELL_MAX - 3) {
			cut++;
			while (cut < t.len && ((unsigned char)t.buf[cut] & 0xC0) == 0x80)
				cut++;
			chars++;
		}
		t.len = cut;
		sb_add(&t, "...", 3);
		t.len = cut + 3;
		t.buf[t.len] = '\0';
	}
	sb_add(sb, t.buf, t.len);
	sb_release(&t);
}

struct row {
	char *prop, *posts, *hpos;
	int differs;
};

static void row_release(struct row *r)
{
	free(r->prop);
	free(r->posts);
	free(r->hpos);
}

static const char *table_short(const char *t)
{
	return !strcmp(t, "wc_orders") ? "order" : !strcmp(t, "wc_order_operational_data") ? "operational_data" :
	       !strcmp(t, "wc_orders_meta") ? "meta" : "address";
}

/* A cell for the terminal: control characters of database strings
 * escaped, newlines too (one row, one line). */
static char *safe_detach(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;

	sb_add_term_safe(&out, sb_str(sb), sb->len, 0);
	sb_release(sb);
	return sb_detach(&out);
}

/* The property column of e: table.column (billing./shipping. for an
 * address, with the postmeta key when it differs), the meta key, or the
 * row or order an entry of another kind is about. */
static void prop_of(struct strbuf *p, const struct ventry *e)
{
	const char *key = e->key.s;

	switch (e->kind) {
	case VE_COLUMN:
	case VE_UNMIGRATABLE:
		if (!strcmp(e->table, "wc_order_addresses"))
			sb_addf(p, "%s.%s", e->source[1] == 'b' ? "billing" : "shipping", e->column);
		else
			sb_addf(p, "%s.%s", table_short(e->table), e->column);
		if (strcmp(e->source, e->column))
			sb_addf(p, " (%s)", e->source);
		break;
	case VE_META:
		sb_adds(p, "meta ");
		sb_add_json_str(p, key ? key : "", e->key.len);
		break;
	case VE_ROW_MISSING:
	case VE_ROW_DUPLICATE:
		sb_addf(p, "%s row%s%s%s", e->table, e->kind == VE_ROW_DUPLICATE ? "s" : "", key ? " " : "", key ? key : "");
		break;
	case VE_ROW_EXTRA:
		sb_addf(p, "%s row %s", e->table, key ? key : "NULL");
		break;
	case VE_ORPHAN_ROWS:
		sb_addf(p, "%s rows", e->table);
		break;
	case VE_REMIGRATE_FAILED:
		sb_adds(p, "re-migration");
		break;
	case VE_NOT_IN_HPOS:
	case VE_NOT_IN_POSTS:
		sb_adds(p, "order");
		break;
	}
}

/* What each side has for an entry that is not a value: the posts column,
 * and the hpos column (around e->count when counted). */
static const struct {
	enum ventry_kind kind;
	const char *posts, *hpos, *hpos_after;
	int counted;
} row_said[] = {
	{ VE_ROW_MISSING, "(expected)", "(missing)", "", 0 },
	{ VE_ROW_EXTRA, "(none)", "(", " extra)", 1 },
	{ VE_ROW_DUPLICATE, "1", "", "", 1 },
	{ VE_NOT_IN_HPOS, "(exists)", "(missing)", "", 0 },
	{ VE_ORPHAN_ROWS, "(no order)", "", "", 1 },
	{ VE_REMIGRATE_FAILED, "-", "failed", "", 0 },
	{ VE_NOT_IN_POSTS, "(missing)", "(exists)", "", 0 },
};

/* The posts and hpos columns of e: the values (a list for meta with other
 * than one value a side), or what each side has. */
static void values_of(struct strbuf *a, struct strbuf *b, const struct ventry *e)
{
	int list = e->kind == VE_META && (e->norig != 1 || e->nnew != 1);

	if (e->kind == VE_COLUMN || e->kind == VE_UNMIGRATABLE || e->kind == VE_META) {
		cell(a, e->orig, e->norig, list);
		cell(b, e->new, e->nnew, list);
		if (e->kind == VE_UNMIGRATABLE)
			sb_adds(a, " [cannot be migrated]");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(row_said); i++) {
		if (row_said[i].kind != e->kind)
			continue;
		if (e->kind == VE_NOT_IN_POSTS && e->key.s)
			sb_addf(a, "(%s post)", e->key.s);
		else
			sb_adds(a, row_said[i].posts);
		sb_adds(b, row_said[i].hpos);
		if (row_said[i].counted)
			sb_addf(b, "%u", e->count);
		sb_adds(b, row_said[i].hpos_after);
	}
}

/* Append e as a row of the table to (*rows)[*n] (the caller made room for
 * every entry); the row owns its three strings (row_release()). */
static void add_row(struct row **rows, unsigned *n, const struct ventry *e)
{
	struct strbuf p = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	struct row *r;

	prop_of(&p, e);
	values_of(&a, &b, e);
	r = &(*rows)[(*n)++];
	r->prop = safe_detach(&p);
	r->posts = safe_detach(&a);
	r->hpos = safe_detach(&b);
	r->differs = !e->same;
}

/* wp wc hpos diff's items for csv and yaml: the differing properties only,
 * columns property, hpos, post; NULL shown as ''. */
struct item {
	char *prop, *hpos, *post;
};

static void item_vals(struct strbuf *sb, const struct vval *v, unsigned n)
{
	if (n > 1)
		vals_list(sb, v, n);
	else if (n == 1 && v[0].s)
		sb_add(sb, v[0].s, v[0].len);
}

/* e as a csv/yaml item (the owner frees its three strings): the property
 * as WooCommerce names it, the raw values, '' for NULL; for entries that
 * are not values, the table row r's words. */
static void item_of(struct item *it, const struct ventry *e, const struct row *r)
{
	struct strbuf p = STRBUF_INIT, h = STRBUF_INIT, o = STRBUF_INIT;

	switch (e->kind) {
	case VE_COLUMN:
	case VE_UNMIGRATABLE:
		if (!strcmp(e->table, "wc_order_addresses"))
			sb_addf(&p, "%s_%s", e->source[1] == 'b' ? "billing" : "shipping", e->column);
		else
			sb_adds(&p, e->column);
		item_vals(&h, e->new, e->nnew);
		item_vals(&o, e->orig, e->norig);
		break;
	case VE_META:
		sb_add(&p, e->key.s ? e->key.s : "", e->key.s ? e->key.len : 0);
		item_vals(&h, e->new, e->nnew);
		item_vals(&o, e->orig, e->norig);
		break;
	default:
		sb_adds(&p, r->prop);
		sb_adds(&h, r->hpos);
		sb_adds(&o, r->posts);
		break;
	}
	it->prop = sb_detach(&p);
	it->hpos = sb_detach(&h);
	it->post = sb_detach(&o);
}

/* A CSV field the way PHP's fputcsv() writes it. */
static void csv_field(struct strbuf *sb, const char *s)
{
	if (!strpbrk(s, ",\"\\\n\r\t ")) {
		sb_adds(sb, s);
		return;
	}
	sb_addc(sb, '"');
	for (; *s; s++) {
		if (*s == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *s);
	}
	sb_addc(sb, '"');
}

/* A YAML scalar: plain when that reads back as the same string, else
 * double-quoted. */
static void yaml_scalar(struct strbuf *sb, const char *s)
{
	static const char *const words[] = { "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False",
					     "FALSE", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off",
					     "Off", "OFF" };
	size_t len = strlen(s);
	int quote = len == 0 || s[0] == ' ' || s[len - 1] == ' ' || strpbrk(s, ":#-?,[]{}!*&|>'\"%@`\\\n\r\t") ||
		    strspn(s, "0123456789.+-eE") == len;

	for (size_t i = 0; !quote && i < ARRAY_SIZE(words); i++)
		quote = !strcmp(s, words[i]);
	if (!quote) {
		sb_adds(sb, s);
		return;
	}
	sb_addc(sb, '"');
	for (; *s; s++) {
		switch (*s) {
		case '"': sb_adds(sb, "\\\""); break;
		case '\\': sb_adds(sb, "\\\\"); break;
		case '\n': sb_adds(sb, "\\n"); break;
		case '\r': sb_adds(sb, "\\r"); break;
		case '\t': sb_adds(sb, "\\t"); break;
		default: sb_addc(sb, *s);
		}
	}
	sb_addc(sb, '"');
}

/* The items on stdout as csv (PHP's fputcsv) or yaml, with the header
 * `wp wc hpos diff` prints. */
static void print_items(const struct item *it, unsigned n, int yaml)
{
	struct strbuf sb = STRBUF_INIT;

	if (yaml) {
		sb_adds(&sb, "---\n");
		for (unsigned i = 0; i < n; i++) {
			sb_adds(&sb, "- \n  property: ");
			yaml_scalar(&sb, it[i].prop);
			sb_adds(&sb, "\n  hpos: ");
			yaml_scalar(&sb, it[i].hpos);
			sb_adds(&sb, "\n  post: ");
			yaml_scalar(&sb, it[i].post);
			sb_addc(&sb, '\n');
		}
	} else {
		sb_adds(&sb, "property,hpos,post\n");
		for (unsigned i = 0; i < n; i++) {
			csv_field(&sb, it[i].prop);
			sb_addc(&sb, ',');
			csv_field(&sb, it[i].hpos);
			sb_addc(&sb, ',');
			csv_field(&sb, it[i].post);
			sb_addc(&sb, '\n');
		}
	}
	fputs(sb.buf, stdout);
	sb_release(&sb);
}

/* rows as an aligned table on stdout (widths in characters, not bytes),
 * a '*' before each row that differs. */
static void print_table(struct row *rows, unsigned n)
{
	size_t w[3] = { strlen("property"), strlen("posts"), strlen("hpos") };

	for (unsigned i = 0; i < n; i++) {
		size_t l[3] = { utf8_chars(rows[i].prop, strlen(rows[i].prop)), utf8_chars(rows[i].posts, strlen(rows[i].posts)),
				utf8_chars(rows[i].hpos, strlen(rows[i].hpos)) };

		for (int k = 0; k < 3; k++)
			if (l[k] > w[k])
				w[k] = l[k];
	}
	out_line("  %-*s | %-*s | %s", (int)w[0], "property", (int)w[1], "posts", "hpos");
	{
		struct strbuf sep = STRBUF_INIT;

		for (size_t k = 0; k < w[0] + w[1] + w[2] + 8; k++)
			sb_addc(&sep, '-');
		out_line("%s", sep.buf);
		sb_release(&sep);
	}
	for (unsigned i = 0; i < n; i++) {
		/* pad by characters, not bytes */
		int p0 = (int)(w[0] - utf8_chars(rows[i].prop, strlen(rows[i].prop)));
		int p1 = (int)(w[1] - utf8_chars(rows[i].posts, strlen(rows[i].posts)));

		out_line("%c %s%*s | %s%*s | %s", rows[i].differs ? '*' : ' ', rows[i].prop, p0, "", rows[i].posts, p1, "",
			 rows[i].hpos);
	}
}

/* The differing entries of o as wp wc hpos diff prints them (--format csv
 * or yaml): "Success: No differences found." alone, or the warning and
 * the differing properties. */
static void print_diff_items(uint64_t id, const struct vorder *o, unsigned ndiff)
{
	struct item *it = xcalloc(ndiff + 1, sizeof(*it));
	unsigned n = 0;

	for (unsigned k = 0; k < o->n; k++) {
		struct row r;
		struct row *rp = &r;
		unsigned nr = 0;

		if (o->e[k].same)
			continue;
		add_row(&rp, &nr, &o->e[k]);
		item_of(&it[n++], &o->e[k], &r);
		row_release(&r);
	}
	if (n) {
		out_warning("Differences found for order %llu:", (unsigned long long)id);
		print_items(it, n, !strcmp(opt_format, "yaml"));
	} else {
		out_success("No differences found.");
	}
	for (unsigned i = 0; i < n; i++) {
		free(it[i].prop);
		free(it[i].hpos);
		free(it[i].post);
	}
	free(it);
}

/* --format json: every entry of o, equal or not, in one object. */
static void print_diff_json(uint64_t id, const struct vorder *o, unsigned ndiff)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "{\"order_id\":%llu,\"differences\":%u,\"properties\":[", (unsigned long long)id, ndiff);
	for (unsigned k = 0; k < o->n; k++) {
		if (k)
			sb_addc(&sb, ',');
		ventry_json(&sb, id, &o->e[k], 0, 0, 1);
	}
	sb_adds(&sb, "]}");
	out_line("%s", sb.buf);
	sb_release(&sb);
}

/* The table (default): every entry of o, differences marked. */
static void print_diff_table(uint64_t id, const struct vorder *o, unsigned ndiff)
{
	struct row *rows = xcalloc(o->n + 1, sizeof(*rows));
	unsigned n = 0;

	for (unsigned k = 0; k < o->n; k++)
		add_row(&rows, &n, &o->e[k]);
	if (ndiff)
		out_warning("Differences found for order %llu (marked *): %u.", (unsigned long long)id, ndiff);
	print_table(rows, n);
	for (unsigned i = 0; i < n; i++)
		row_release(&rows[i]);
	free(rows);
	if (!ndiff)
		out_success("No differences found.");
}

/* The arguments: one order ID, a known --format.  0, or -1 with HX_USAGE. */
static int check_options(int argc, char **argv, uint64_t *id, struct herr *err)
{
	if (argc != 1 || parse_u64(argv[0], id) < 0 || *id == 0)
		return herr_set(err, HX_USAGE, argc == 1 ? "Please provide a valid order ID." : "usage: hposctl diff ORDER_ID");
	if (opt_format && strcmp(opt_format, "table") && strcmp(opt_format, "json") && strcmp(opt_format, "csv") &&
	    strcmp(opt_format, "yaml"))
		return herr_set(err, HX_USAGE, "--format must be table, csv, json or yaml, not '%s'", opt_format);
	return 0;
}

/* Compare order id (every entry, equal ones too) into *res: 0 found,
 * 1 said why not (no HPOS tables, no such order; exit 1), -1 with err. */
static int compare_order(struct ctx *c, uint64_t id, struct typelist *types, struct vresult *res, struct herr *err)
{
	struct verify_opts vo;
	unsigned mask;

	if (cmd_connect_types(c, NULL, 0, types, err) < 0)
		return -1;
	memset(&vo, 0, sizeof(vo));
	vo.batch_size = 1;
	vo.types = types;
	vo.all = 1;
	if (cmd_verify_state(c->db, &vo, &mask, err) < 0)
		return -1;
	if (mask != HPOS_ALL_TABLES) {
		out_error("Orders table does not exist.");
		return 1;
	}
	if (verify_orders(c->db, &vo, &id, 1, 0, res, err) < 0)
		return -1;
	if (!res->n) {
		out_error("Order %llu was not found in the posts store or in HPOS (auto-drafts are never migrated).",
			  (unsigned long long)id);
		return 1;
	}
	return 0;
}

/* `hposctl diff ORDER_ID`: parse, check, compare, print.  Exit 0 when the
 * order is the same in both stores, 1 when not (or not found). */
static int run_diff(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	struct vresult res = { NULL, 0, 0 };
	const struct vorder *o;
	uint64_t id;
	unsigned ndiff = 0;
	int rc, exit_code;

	rc = command_opts(&cmd_diff, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (check_options(argc, argv, &id, &err) < 0)
		return report(&err);
	rc = compare_order(c, id, &types, &res, &err);
	if (rc == 0) {
		o = &res.o[0];
		for (unsigned k = 0; k < o->n; k++)
			ndiff += !o->e[k].same;
		if (opt_format && (!strcmp(opt_format, "csv") || !strcmp(opt_format, "yaml")))
			print_diff_items(id, o, ndiff);
		else if (opt_format && !strcmp(opt_format, "json"))
			print_diff_json(id, o, ndiff);
		else
			print_diff_table(id, o, ndiff);
	}
	exit_code = rc < 0 ? report(&err) : rc > 0 || ndiff ? HX_PROBLEM : HX_OK;
	vresult_release(&res);
	typelist_release(&types);
	return exit_code;
}

const struct command cmd_diff = {
	.name = "diff",
	.fn = run_diff,
	.summary = "Show one order's properties and meta, posts side vs HPOS side",
	.synopsis = "hposctl diff ORDER_ID [--format=table|csv|json|yaml]",
	.description = "Lists every migrated property, address field, operational-data field and meta key\n"
		       "of the order: the value sync would write from the posts store, and the value in\n"
		       "the HPOS tables. Differences are marked with '*'. Exit 0 when identical, 1 otherwise.\n"
		       "--format=csv|yaml print what `wp wc hpos diff` prints: the differing properties\n"
		       "only, as property, hpos, post.",
	.opts = diff_opts,
};
