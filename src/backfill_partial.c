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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Partial backfill (`hposctl backfill ID --meta-keys/--props`).       */

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

/* HPOS -> posts for one property: its meta key with WooCommerce's format,
 * or its wp_posts column. */
static int prop_to_posts(struct db *db, const struct site *s, struct bbatch *b, struct bord *o, const char *prop,
			 struct herr *err)
{
	int r = find_rule(prop);
	struct strbuf sql = STRBUF_INIT;
	int rc = 0;

	if (r < 0) { /* a refund property */
		for (size_t i = 0; i < ARRAY_SIZE(refund_props); i++) {
			if (strcmp(prop, refund_props[i]))
				continue;
			const struct hmr *h = hm_first(b, o, refund_keys[i]);

			meta_delete(o, refund_keys[i], strlen(refund_keys[i]));
			if (h) {
				struct pmv *v = pm_add(o);

				v->key = refund_keys[i];
				v->klen = strlen(refund_keys[i]);
				v->val = h->val;
				v->vlen = h->vlen;
			}
		}
		return 0;
	}
	if (rules[r].rule == BF_POST) {
		const char *v = o->h[rule_ci[r]];
		size_t vl = v ? o->hl[rule_ci[r]] : 0;
		int64_t t;
		char loc[20];

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
	{
		const struct colmap *c = &colmaps[rule_ci[r]];
		enum pkind k = prop_kind(&rules[r], c);
		char *want;

		if (rules[r].rule == BF_FLAG || rules[r].rule == BF_FLAG_TF) {
			int on = o->h[rule_ci[r]] && conv_bool(o->h[rule_ci[r]], o->hl[rule_ci[r]]);

			meta_update(o, c->meta_key, rules[r].rule == BF_FLAG ? (on ? "yes" : "no") : (on ? "true" : "false"));
			return 0;
		}
		want = hpos_prop(s, o, (unsigned)rule_ci[r], k);
		meta_update_or_delete(o, c->meta_key, want);
		free(want);
	}
	return 0;
}

/* posts -> HPOS for one property: the column, converted as the migration
 * converts it. */
static int prop_to_hpos(struct db *db, uint64_t id, const char *prop, struct herr *err)
{
	int r = find_rule(prop), ci;
	const struct colmap *c;
	struct strbuf sql = STRBUF_INIT, lit = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	const char *v = NULL;
	size_t vl = 0;
	int rc;

	if (r < 0) { /* refund properties live in wc_orders_meta */
		for (size_t i = 0; i < ARRAY_SIZE(refund_props); i++)
			if (!strcmp(prop, refund_props[i]))
				return copy_meta_key(db, id, 0, refund_keys[i], err);
		return herr_set(err, HX_USAGE, "%s is not a valid order property.", prop);
	}
	ci = rule_ci[r];
	c = &colmaps[ci];
	if (rules[r].rule == BF_NONE)
		return herr_set(err, HX_USAGE, "%s is not a valid order property.", prop);
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
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	if (rc == 0 && db_fetch(res, &row)) {
		v = row.vals[0] ? row.vals[0] : "";
		vl = row.vals[0] ? row.lens[0] : 0;
	}
	/* The value WooCommerce's migrator would write (missing -> NULL),
	 * converted and checked as sync does: a value that does not fit is
	 * refused with the converter's reason, never cut or zeroed. */
	if (rc == 0) {
		struct ocv cv;
		int prec;

		if (!v) {
			sb_adds(&lit, "NULL");
		} else if ((rc = wc_rounding_precision(db, &prec, err)) == 0) {
			switch (orderconv((unsigned)ci, v, vl, prec, 0, &cv)) {
			case OCV_BAD:
				rc = herr_set(err, HX_PROBLEM, "%s; nothing was written", cv.why);
				break;
			case OCV_SET:
				if (cv.quote)
					db_quote(db, &lit, cv.s, cv.len);
				else
					sb_add(&lit, cv.s, cv.len);
				break;
			default:
				sb_adds(&lit, "NULL");
			}
		}
	}
	if (rc == 0) {
		sb_reset(&sql);
		if (c->mig == MIG_ORDER) {
			sb_adds(&sql, "UPDATE ");
			wc_table(db, &sql, "wc_orders");
			sb_addf(&sql, " SET `%s` = %s WHERE id = %llu", c->column, lit.buf, (unsigned long long)id);
		} else {
			/* The row may be missing: insert it (upsert on its unique key). */
			sb_adds(&sql, "INSERT INTO ");
			wc_table(db, &sql, mig_table[c->mig]);
			if (mig_address_type[c->mig])
				sb_addf(&sql, " (order_id, address_type, `%s`) VALUES (%llu, '%s', %s)", c->column,
					(unsigned long long)id, mig_address_type[c->mig], lit.buf);
			else
				sb_addf(&sql, " (order_id, `%s`) VALUES (%llu, %s)", c->column, (unsigned long long)id, lit.buf);
			db_upsert_clause(db, &sql);
			db_upsert_set(db, &sql, c->column);
		}
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		if (rc == 0)
			rc = no_warnings(db, prop, err);
	}
	db_free_result(res);
	sb_release(&sql);
	sb_release(&lit);
	return rc;
}

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
	if (rc >= 0 && nprops && to_posts) {
		struct bbatch b;
		struct site s;

		memset(&b, 0, sizeof(b));
		b.o = xcalloc(1, sizeof(*b.o));
		b.o[0].id = id;
		b.n = 1;
		if (site_load(db, &s, err) < 0) {
			rc = -1;
		} else {
			rc = load_batch(db, &b, err);
			if (rc == 0 && !b.o[0].post_exists) {
				rc = herr_set(err, HX_PROBLEM, "order %llu has no post to backfill into; backfill the whole order first",
					      (unsigned long long)id);
			}
			for (unsigned i = 0; rc == 0 && i < nprops; i++)
				rc = prop_to_posts(db, &s, &b, &b.o[0], props[i], err);
			if (rc == 0) {
				/* Write only the meta changes: no post row, no placeholder. */
				struct bord *o = &b.o[0];
				struct strbuf sql = STRBUF_INIT;

				for (size_t j = 0; rc == 0 && j < o->npm; j++) {
					struct pmv *v = &o->pm[j];

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
					} else if (!v->meta_id && !v->dead) {
						sb_adds(&sql, "INSERT INTO ");
						wc_table(db, &sql, "postmeta");
						sb_addf(&sql, " (post_id, meta_key, meta_value) VALUES (%llu, ", (unsigned long long)id);
						db_quote(db, &sql, v->key, v->klen);
						sb_addc(&sql, ',');
						db_quote(db, &sql, v->val, v->vlen);
						sb_addc(&sql, ')');
					} else {
						continue;
					}
					rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
				}
				sb_release(&sql);
			}
			site_release(&s);
		}
		bbatch_reset(&b);
	}
	if (rc >= 0 && !to_posts && nprops) {
		int there = order_source_exists(db, id, 1, err);

		if (there == 0)
			rc = herr_set(err, HX_PROBLEM, "order %llu is not in the HPOS tables; backfill the whole order first",
				      (unsigned long long)id);
		else if (there < 0)
			rc = -1;
	}
	for (unsigned i = 0; rc >= 0 && !to_posts && i < nprops; i++)
		rc = prop_to_hpos(db, id, props[i], err);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, err);
}
