/* backfill_partial.c - `hposctl backfill ID --meta-keys/--props`: one
 * order, some meta keys or properties, HPOS -> posts (with the property
 * formats of backfill_plan.c) or posts -> HPOS (converted as the
 * migration converts). */
#include "hposctl.h"
#include "backfill.h"
#include "backfill_int.h"
#include "convert.h"
#include "mapping.h"
#include "orderconv.h"
#include "output.h"
#include "throttle.h"
#include "syncstate.h"
#include "wprules.h"
#include "rowwriter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Partial backfill (`hposctl backfill ID --meta-keys/--props`).       */

/* Whether order id is in the source store: wc_orders (from_hpos), else a
 * wp_posts row that is no placeholder.  1, 0, or -1 with err set. */
static int order_source_exists(struct db *db, uint64_t id, int from_hpos, struct herr *err)
{
	uint64_t n;
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, from_hpos ? "wc_orders" : "posts");
	sb_addf(&sql, " WHERE %s = %llu", from_hpos ? "id" : "ID", (unsigned long long)id);
	if (!from_hpos)
		sb_adds(&sql, " AND post_type <> '" PLACEHOLDER_TYPE "'");
	rc = db_get_u64(db, &n, NULL, err, "%s", sql.buf);
	sb_release(&sql);
	return rc < 0 ? -1 : n > 0;
}

/* As sync: a warning from a write means the server altered the data
 * (non-strict truncation, a value cut or zeroed); the order's transaction
 * is rolled back. */
static int no_warnings(struct db *db, const char *what, struct herr *err)
{
	unsigned n = db_warning_count(db);

	if (db_dry_run(db) || !n)
		return 0;
	return herr_set(err, HX_PROBLEM, "the server reported %u warning(s) writing %s (the value would be altered, "
			"e.g. longer than its column); nothing was written", n, what);
}

/* --meta-keys: every value of key on the destination is replaced by the
 * source's (to_posts: HPOS -> posts).  0, or -1 with err set. */
static int copy_meta_key(struct db *db, uint64_t id, int to_posts, const char *key, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	/* Each listed key is deleted on the destination and re-added from
	 * every source value, in source order. */
	sb_adds(&sql, "DELETE FROM ");
	wc_table(db, &sql, to_posts ? "postmeta" : "wc_orders_meta");
	sb_addf(&sql, " WHERE %s = %llu AND CAST(meta_key AS BINARY) = ", to_posts ? "post_id" : "order_id", (unsigned long long)id);
	db_quote(db, &sql, key, strlen(key));
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	if (rc == 0) {
		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, to_posts ? "postmeta" : "wc_orders_meta");
		sb_addf(&sql, " (%s, meta_key, meta_value) SELECT %s, meta_key, COALESCE(meta_value, '') FROM ",
			to_posts ? "post_id" : "order_id", to_posts ? "order_id" : "post_id");
		wc_table(db, &sql, to_posts ? "wc_orders_meta" : "postmeta");
		sb_addf(&sql, " WHERE %s = %llu AND CAST(meta_key AS BINARY) = ", to_posts ? "order_id" : "post_id", (unsigned long long)id);
		db_quote(db, &sql, key, strlen(key));
		sb_addf(&sql, " ORDER BY %s", to_posts ? "id" : "meta_id");
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		if (rc == 0)
			rc = no_warnings(db, key, err);
	}
	sb_release(&sql);
	return rc;
}

/* A refund property, HPOS -> posts: its meta key is planned in o to hold
 * the first HPOS value (which it points at), or none when HPOS has none. */
static void refund_prop_to_posts(const struct bbatch *b, struct bord *o, const char *prop)
{
	for (size_t i = 0; i < ARRAY_SIZE(refund_props); i++) {
		const struct hmr *h;

		if (strcmp(prop, refund_props[i]))
			continue;
		h = hm_first(b, o, refund_keys[i]);
		meta_delete(o, refund_keys[i], strlen(refund_keys[i]));
		if (h) {
			struct pmv *v = pm_add(o);

			v->key = refund_keys[i];
			v->klen = strlen(refund_keys[i]);
			v->val = h->val;
			v->vlen = h->vlen;
		}
	}
}

/* A property kept in a wp_posts column (rule r), HPOS -> posts: one
 * UPDATE of the post row, written now.  0, or -1 with err set (HX_USAGE
 * for a property that cannot be backfilled on its own, e.g. id). */
static int post_col_to_posts(struct db *db, const struct site *s, const struct bord *o, int r, const char *prop,
			     struct herr *err)
{
	const char *v = o->h[rule_ci[r]];
	size_t vl = v ? o->hl[rule_ci[r]] : 0;
	struct strbuf sql = STRBUF_INIT;
	int64_t t;
	char loc[20];
	int rc;

	sb_adds(&sql, "UPDATE ");
	wc_table(db, &sql, "posts");
	if (!strcmp(prop, "status") || !strcmp(prop, "type") || !strcmp(prop, "customer_note")) {
		sb_addf(&sql, " SET %s = ", !strcmp(prop, "status") ? "post_status" : !strcmp(prop, "type") ?
			"post_type" : "post_excerpt");
		db_quote(db, &sql, v ? v : "", vl);
	} else if (!strcmp(prop, "parent_id")) {
		sb_addf(&sql, " SET post_parent = %llu", v ? strtoull(v, NULL, 10) : 0ULL);
	} else if ((!strcmp(prop, "date_created") || !strcmp(prop, "date_modified")) && parse_gmt(v, vl, &t)) {
		int created = !strcmp(prop, "date_created");

		epoch_local(s, t, loc);
		sb_addf(&sql, " SET %s = '%s', %s = '%.19s'", created ? "post_date" : "post_modified", loc,
			created ? "post_date_gmt" : "post_modified_gmt", v);
	} else {
		sb_release(&sql);
		return herr_set(err, HX_USAGE, "%s cannot be backfilled on its own", prop);
	}
	sb_addf(&sql, " WHERE ID = %llu", (unsigned long long)o->id);
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	return rc;
}

/* A property kept in postmeta (rule r), HPOS -> posts, planned in o: a
 * data-store flag always (yes/no or true/false), the others in
 * WooCommerce's format ('' deletes the key). */
static void meta_prop_to_posts(const struct site *s, struct bord *o, int r)
{
	const struct colmap *c = &colmaps[rule_ci[r]];
	char *want;

	if (rules[r].rule == BF_FLAG || rules[r].rule == BF_FLAG_TF) {
		int on = o->h[rule_ci[r]] && conv_bool(o->h[rule_ci[r]], o->hl[rule_ci[r]]);

		meta_update(o, c->meta_key, rules[r].rule == BF_FLAG ? (on ? "yes" : "no") : (on ? "true" : "false"));
		return;
	}
	want = hpos_prop(s, o, (unsigned)rule_ci[r], prop_kind(&rules[r], c));
	meta_update_or_delete(o, c->meta_key, want);
	free(want);
}

/* HPOS -> posts for one property of order o (loaded as batch b): a post
 * column is written at once; meta is planned in o for
 * write_meta_changes().  0, or -1 with err set. */
static int prop_to_posts(struct db *db, const struct site *s, struct bbatch *b, struct bord *o, const char *prop,
			 struct herr *err)
{
	int r = find_rule(prop);

	if (r < 0) {
		refund_prop_to_posts(b, o, prop);
		return 0;
	}
	if (rules[r].rule == BF_POST)
		return post_col_to_posts(db, s, o, r, prop, err);
	meta_prop_to_posts(s, o, r);
	return 0;
}

/* The posts store's value of column c for order id: the first meta row of
 * its key, or its wp_posts column.  *v is NULL when there is none, else
 * points into *res, which the caller frees.  0, or -1 with err set. */
static int read_posts_value(struct db *db, uint64_t id, const struct colmap *c, struct db_result **res,
			    const char **v, size_t *vl, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_row row;
	int rc;

	*v = NULL;
	*vl = 0;
	if (c->meta_key) {
		sb_adds(&sql, "SELECT meta_value FROM ");
		wc_table(db, &sql, "postmeta");
		sb_addf(&sql, " WHERE post_id = %llu AND CAST(meta_key AS BINARY) = ", (unsigned long long)id);
		db_quote(db, &sql, c->meta_key, strlen(c->meta_key));
		sb_adds(&sql, " ORDER BY meta_id LIMIT 1");
	} else {
		sb_addf(&sql, "SELECT %s FROM ", post_col_name[c->post_col]);
		wc_table(db, &sql, "posts");
		sb_addf(&sql, " WHERE ID = %llu", (unsigned long long)id);
	}
	rc = db_run(db, DB_READ, sql.buf, sql.len, res, err);
	if (rc == 0 && db_fetch(*res, &row)) {
		*v = row.vals[0] ? row.vals[0] : "";
		*vl = row.vals[0] ? row.lens[0] : 0;
	}
	sb_release(&sql);
	return rc;
}

/* The value WooCommerce's migrator would write for colmaps[ci] (missing
 * -> NULL), converted and checked as sync does, appended to lit as an SQL
 * literal: a value that does not fit is refused with the converter's
 * reason (HX_PROBLEM), never cut or zeroed.  0, or -1 with err set. */
static int hpos_literal(struct db *db, unsigned ci, const char *v, size_t vl, struct strbuf *lit, struct herr *err)
{
	struct ocv cv;
	int prec;

	if (!v) {
		sb_adds(lit, "NULL");
		return 0;
	}
	if (wc_rounding_precision(db, &prec, err) < 0)
		return -1;
	switch (orderconv(ci, v, vl, prec, 0, &cv)) {
	case OCV_BAD:
		return herr_set(err, HX_PROBLEM, "%s; nothing was written", cv.why);
	case OCV_SET:
		if (cv.quote)
			db_quote(db, lit, cv.s, cv.len);
		else
			sb_add(lit, cv.s, cv.len);
		break;
	default:
		sb_adds(lit, "NULL");
	}
	return 0;
}

/* Set column c of order id's HPOS row to the literal lit: an UPDATE of
 * wc_orders, or an upsert of the address or operational-data row (which
 * may be missing).  A data-altering warning fails it.  0, or -1. */
static int write_hpos_column(struct db *db, uint64_t id, const struct colmap *c, const char *lit, const char *prop,
			     struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	if (c->mig == MIG_ORDER) {
		sb_adds(&sql, "UPDATE ");
		wc_table(db, &sql, "wc_orders");
		sb_addf(&sql, " SET `%s` = %s WHERE id = %llu", c->column, lit, (unsigned long long)id);
	} else {
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, mig_table[c->mig]);
		if (mig_address_type[c->mig])
			sb_addf(&sql, " (order_id, address_type, `%s`) VALUES (%llu, '%s', %s)", c->column,
				(unsigned long long)id, mig_address_type[c->mig], lit);
		else
			sb_addf(&sql, " (order_id, `%s`) VALUES (%llu, %s)", c->column, (unsigned long long)id, lit);
		db_upsert_clause(db, &sql);
		db_upsert_set(db, &sql, c->column);
	}
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	if (rc == 0)
		rc = no_warnings(db, prop, err);
	sb_release(&sql);
	return rc;
}

/* posts -> HPOS for one property of order id: its column, converted as
 * the migration converts it (refund properties: their wc_orders_meta
 * key).  0, or -1 with err set (HX_USAGE: not a property). */
static int prop_to_hpos(struct db *db, uint64_t id, const char *prop, struct herr *err)
{
	int r = find_rule(prop);
	const struct colmap *c;
	struct strbuf lit = STRBUF_INIT;
	struct db_result *res = NULL;
	const char *v;
	size_t vl;
	int rc;

	if (r < 0) { /* refund properties live in wc_orders_meta */
		for (size_t i = 0; i < ARRAY_SIZE(refund_props); i++)
			if (!strcmp(prop, refund_props[i]))
				return copy_meta_key(db, id, 0, refund_keys[i], err);
		return herr_set(err, HX_USAGE, "%s is not a valid order property.", prop);
	}
	c = &colmaps[rule_ci[r]];
	if (rules[r].rule == BF_NONE)
		return herr_set(err, HX_USAGE, "%s is not a valid order property.", prop);
	rc = read_posts_value(db, id, c, &res, &v, &vl, err);
	if (rc == 0)
		rc = hpos_literal(db, (unsigned)rule_ci[r], v, vl, &lit, err);
	if (rc == 0)
		rc = write_hpos_column(db, id, c, lit.buf, prop, err);
	db_free_result(res);
	sb_release(&lit);
	return rc;
}

/* The new postmeta rows of order o's plan, through the row writer.  0,
 * or -1 with err set (a refused row or a data-altering warning). */
static int insert_meta_rows(struct db *db, const struct bord *o, struct herr *err)
{
	struct rowwriter *w = new_meta_writer(db);
	size_t budget = 4u << 20, row_limit = 0;
	int rc = 0;

	add_new_meta(w, o);
	if (rw_rows(w) && (rc = rw_packet_limits(db, &budget, &row_limit, err)) == 0) {
		rw_set_budget(w, budget);
		if (rw_write(w, 0, err) != RW_OK)
			rc = -1;
	}
	rw_free(w);
	return rc;
}

/* The planned meta changes of order o (a partial backfill: no post row,
 * no placeholder): deletes of dead rows and updates of changed ones, row
 * by row, then the new rows.  0, or -1 with err set. */
static int write_meta_changes(struct db *db, const struct bord *o, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc = 0;

	for (size_t j = 0; rc == 0 && j < o->npm; j++) {
		const struct pmv *v = &o->pm[j];

		sb_reset(&sql);
		if (v->meta_id && v->dead) {
			sb_adds(&sql, "DELETE FROM ");
			wc_table(db, &sql, "postmeta");
			sb_addf(&sql, " WHERE meta_id = %llu", (unsigned long long)v->meta_id);
		} else if (v->meta_id && v->changed) {
			sb_adds(&sql, "UPDATE ");
			wc_table(db, &sql, "postmeta");
			sb_adds(&sql, " SET meta_value = ");
			db_quote(db, &sql, v->val, v->vlen);
			sb_addf(&sql, " WHERE meta_id = %llu", (unsigned long long)v->meta_id);
		} else {
			continue;
		}
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	}
	sb_release(&sql);
	return rc == 0 ? insert_meta_rows(db, o, err) : rc;
}

/* --props HPOS -> posts: order id read as a one-order batch (it needs a
 * post), each property planned or written, then its meta changes.  0, or
 * -1 with err set. */
static int props_to_posts(struct db *db, uint64_t id, char **props, unsigned nprops, struct herr *err)
{
	struct bbatch b;
	struct site s;
	int rc;

	memset(&b, 0, sizeof(b));
	b.o = xcalloc(1, sizeof(*b.o));
	b.o[0].id = id;
	b.n = 1;
	if (site_load(db, &s, err) < 0) {
		bbatch_reset(&b);
		return -1;
	}
	rc = load_batch(db, &b, err);
	if (rc == 0 && !b.o[0].post_exists)
		rc = herr_set(err, HX_PROBLEM, "order %llu has no post to backfill into; backfill the whole order first",
			      (unsigned long long)id);
	for (unsigned i = 0; rc == 0 && i < nprops; i++)
		rc = prop_to_posts(db, &s, &b, &b.o[0], props[i], err);
	if (rc == 0)
		rc = write_meta_changes(db, &b.o[0], err);
	site_release(&s);
	bbatch_reset(&b);
	return rc;
}

/* --props posts -> HPOS: the order must be in wc_orders already; then
 * each property's column.  0, or -1 with err set. */
static int props_to_hpos(struct db *db, uint64_t id, char **props, unsigned nprops, struct herr *err)
{
	int rc = order_source_exists(db, id, 1, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return herr_set(err, HX_PROBLEM, "order %llu is not in the HPOS tables; backfill the whole order first",
				(unsigned long long)id);
	rc = 0;
	for (unsigned i = 0; rc >= 0 && i < nprops; i++)
		rc = prop_to_hpos(db, id, props[i], err);
	return rc;
}

/* Contract in backfill.h.  One transaction: the meta keys, then the
 * properties in the requested direction. */
int backfill_partial(struct db *db, uint64_t id, int to_posts, char **meta_keys, unsigned nkeys, char **props,
		     unsigned nprops, struct herr *err)
{
	int rc = order_source_exists(db, id, to_posts, err);

	rules_init();
	if (rc <= 0)
		return rc < 0 ? -1 : 1;
	if (db_begin(db, "READ COMMITTED", err) < 0)
		return -1;
	for (unsigned i = 0; rc >= 0 && i < nkeys; i++)
		rc = copy_meta_key(db, id, to_posts, meta_keys[i], err);
	if (rc >= 0 && nprops)
		rc = to_posts ? props_to_posts(db, id, props, nprops, err) : props_to_hpos(db, id, props, nprops, err);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, err);
}
