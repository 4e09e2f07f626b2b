/* cmd_diff.c - `hposctl diff ORDER_ID`: every property and meta key of one
 * order, posts side (what sync would write) vs HPOS side, differences
 * marked.  The comparison is verify's (verify.h), for one order. */
#include "hposctl.h"
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

/* One table cell: a value list as text (NULL shown as NULL, several
 * values as a JSON list), cut to CELL_MAX characters. */
static void cell(struct strbuf *sb, const struct vval *v, unsigned n, int list)
{
	struct strbuf t = STRBUF_INIT;

	if (list) {
		sb_addc(&t, '[');
		for (unsigned i = 0; i < n; i++) {
			if (i)
				sb_addc(&t, ',');
			if (v[i].s)
				sb_add_json_str(&t, v[i].s, v[i].len);
			else
				sb_adds(&t, "null");
		}
		sb_addc(&t, ']');
	} else if (!n || !v[0].s) {
		sb_adds(&t, "NULL");
	} else {
		sb_add(&t, v[0].s, v[0].len);
	}
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

static void add_row(struct row **rows, unsigned *n, const struct ventry *e)
{
	struct strbuf p = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	struct row *r;

	switch (e->kind) {
	case VE_COLUMN:
	case VE_UNMIGRATABLE:
		if (!strcmp(e->table, "wc_order_addresses"))
			sb_addf(&p, "%s.%s", e->source[1] == 'b' ? "billing" : "shipping", e->column);
		else
			sb_addf(&p, "%s.%s", table_short(e->table), e->column);
		if (strcmp(e->source, e->column))
			sb_addf(&p, " (%s)", e->source);
		cell(&a, e->orig, e->norig, 0);
		cell(&b, e->new, e->nnew, 0);
		if (e->kind == VE_UNMIGRATABLE)
			sb_adds(&a, " [cannot be migrated]");
		break;
	case VE_META:
		sb_adds(&p, "meta ");
		sb_add_json_str(&p, e->key.s ? e->key.s : "", e->key.len);
		cell(&a, e->orig, e->norig, e->norig != 1 || e->nnew != 1);
		cell(&b, e->new, e->nnew, e->norig != 1 || e->nnew != 1);
		break;
	case VE_ROW_MISSING:
		sb_addf(&p, "%s row%s%s", e->table, e->key.s ? " " : "", e->key.s ? e->key.s : "");
		sb_adds(&a, "(expected)");
		sb_adds(&b, "(missing)");
		break;
	case VE_ROW_EXTRA:
		sb_addf(&p, "%s row %s", e->table, e->key.s ? e->key.s : "NULL");
		sb_adds(&a, "(none)");
		sb_addf(&b, "(%u extra)", e->count);
		break;
	case VE_ROW_DUPLICATE:
		sb_addf(&p, "%s rows%s%s", e->table, e->key.s ? " " : "", e->key.s ? e->key.s : "");
		sb_adds(&a, "1");
		sb_addf(&b, "%u", e->count);
		break;
	case VE_NOT_IN_HPOS:
		sb_adds(&p, "order");
		sb_adds(&a, "(exists)");
		sb_adds(&b, "(missing)");
		break;
	case VE_ORPHAN_ROWS:
		sb_addf(&p, "%s rows", e->table);
		sb_adds(&a, "(no order)");
		sb_addf(&b, "%u", e->count);
		break;
	case VE_REMIGRATE_FAILED:
		sb_adds(&p, "re-migration");
		sb_adds(&a, "-");
		sb_adds(&b, "failed");
		break;
	case VE_NOT_IN_POSTS:
		sb_adds(&p, "order");
		if (e->key.s)
			sb_addf(&a, "(%s post)", e->key.s);
		else
			sb_adds(&a, "(missing)");
		sb_adds(&b, "(exists)");
		break;
	}
	r = &(*rows)[(*n)++];   /* the caller made room for every entry */
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
	if (n > 1) {
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
	} else if (n == 1 && v[0].s) {
		sb_add(sb, v[0].s, v[0].len);
	}
}

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

static int run_diff(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	struct verify_opts vo;
	struct vresult res = { NULL, 0, 0 };
	uint64_t id;
	unsigned mask, ndiff = 0;
	int rc, exit_code = HX_OK, json, items;

	rc = command_opts(&cmd_diff, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc != 1 || parse_u64(argv[0], &id) < 0 || id == 0) {
		herr_set(&err, HX_USAGE, argc == 1 ? "Please provide a valid order ID." : "usage: hposctl diff ORDER_ID");
		return report(&err);
	}
	if (opt_format && strcmp(opt_format, "table") && strcmp(opt_format, "json") && strcmp(opt_format, "csv") &&
	    strcmp(opt_format, "yaml")) {
		herr_set(&err, HX_USAGE, "--format must be table, csv, json or yaml, not '%s'", opt_format);
		return report(&err);
	}
	json = opt_format && !strcmp(opt_format, "json");
	items = opt_format && (!strcmp(opt_format, "csv") || !strcmp(opt_format, "yaml"));
	if (ctx_connect(c, &err) < 0)
		return report(&err);
	if (order_types_for(c->db, c->cfg.order_types, 0, &types, &err) < 0)
		return report(&err);
	memset(&vo, 0, sizeof(vo));
	vo.batch_size = 1;
	vo.types = &types;
	vo.all = 1;
	if (wc_hpos_tables_present(c->db, &mask, &err) < 0 || wc_hpos_authoritative(c->db, &vo.hpos_auth, &err) < 0 ||
	    wc_compat_mode(c->db, &vo.compat, &err) < 0 || wc_rounding_precision(c->db, &vo.precision, &err) < 0)
		goto fail;
	if (mask != HPOS_ALL_TABLES) {
		out_error("Orders table does not exist.");
		exit_code = HX_PROBLEM;
		goto out;
	}
	if (verify_orders(c->db, &vo, &id, 1, 0, &res, &err) < 0)
		goto fail;
	if (!res.n) {
		out_error("Order %llu was not found in the posts store or in HPOS (auto-drafts are never migrated).",
			  (unsigned long long)id);
		exit_code = HX_PROBLEM;
		goto out;
	}
	for (unsigned k = 0; k < res.o[0].n; k++)
		ndiff += !res.o[0].e[k].same;
	if (items) {
		/* wp wc hpos diff: "Success: No differences found." alone, or
		 * the warning and the differing properties. */
		struct item *it = xcalloc(ndiff + 1, sizeof(*it));
		unsigned n = 0;

		for (unsigned k = 0; k < res.o[0].n; k++) {
			struct row *r = xcalloc(1, sizeof(*r)); /* add_row() fills the caller's room */
			unsigned nr = 0;

			if (res.o[0].e[k].same) {
				free(r);
				continue;
			}
			add_row(&r, &nr, &res.o[0].e[k]);
			item_of(&it[n++], &res.o[0].e[k], r);
			free(r->prop);
			free(r->posts);
			free(r->hpos);
			free(r);
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
	} else if (json) {
		struct strbuf sb = STRBUF_INIT;

		sb_addf(&sb, "{\"order_id\":%llu,\"differences\":%u,\"properties\":[", (unsigned long long)id, ndiff);
		for (unsigned k = 0; k < res.o[0].n; k++) {
			const struct ventry *e = &res.o[0].e[k];

			if (k)
				sb_addc(&sb, ',');
			ventry_json(&sb, id, e, 0, 0, 1);
		}
		sb_adds(&sb, "]}");
		out_line("%s", sb.buf);
		sb_release(&sb);
	} else {
		struct row *rows = xcalloc(res.o[0].n + 1, sizeof(*rows));
		unsigned n = 0;

		for (unsigned k = 0; k < res.o[0].n; k++)
			add_row(&rows, &n, &res.o[0].e[k]);
		if (ndiff)
			out_warning("Differences found for order %llu (marked *): %u.", (unsigned long long)id, ndiff);
		print_table(rows, n);
		for (unsigned i = 0; i < n; i++) {
			free(rows[i].prop);
			free(rows[i].posts);
			free(rows[i].hpos);
		}
		free(rows);
		if (!ndiff)
			out_success("No differences found.");
	}
	if (ndiff)
		exit_code = HX_PROBLEM;
	goto out;
fail:
	exit_code = report(&err);
out:
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
