/* backfill.c - HPOS -> posts, the way WooCommerce's backfill writes it.
 *
 * WooCommerce (OrdersTableDataStore::backfill_post_record, 10.x) works on
 * PHP objects: it creates the post if it is missing (a placeholder first,
 * with the order's ID), replaces every custom meta key of the order in
 * postmeta, deletes postmeta keys the order no longer has (except the
 * posts store's internal keys), writes the property meta through
 * WC_Order_Data_Store_CPT::update_post_meta (only for properties that
 * changed or whose key is missing; '' deletes), writes the five data-store
 * flags with their setters, and updates the post row with
 * post_modified_gmt = date_updated_gmt.  hposctl computes the same end
 * state in C from one read of both stores and writes it per batch.  This
 * file runs the batches: read (select_ids, load_batch), plan
 * (backfill_plan.c), write (backfill_write.c):
 *
 *   1. placeholder posts for orders without a post (so the ID is taken);
 *   2. postmeta deletes, in-place updates (meta_ids kept) and inserts;
 *   3. the wp_posts row last, so that until it is written the order stays
 *      pending (date_updated_gmt > post_modified_gmt, or a placeholder);
 *
 * then reports each batch, and at the end processes the deletion markers.
 * backfill_partial.c is `hposctl backfill ID --meta-keys/--props`.
 *
 * Values are copied as bytes.  WordPress's add_post_meta() unslashes
 * values, so WooCommerce loses backslashes in custom meta on the way back;
 * hposctl keeps them (docs/hposctl.1, BACKFILL). */
#include "hposctl.h"
#include "backfill.h"
#include "backfill_int.h"
#include "convert.h"
#include "mapping.h"
#include "orderconv.h"
#include "markers.h"
#include "orderread.h"
#include "output.h"
#include "throttle.h"
#include "syncstate.h"
#include "util.h"
#include "wprules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Reading one batch.                                                  */

/* Free everything batch b owns (its orders' strings and plans, the
 * result sets their values point into) and zero it for reuse. */
void bbatch_reset(struct bbatch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];

		for (size_t j = 0; j < o->npm; j++)
			free(o->pm[j].own);
		free(o->pm);
		free(o->h);
		free(o->hl);
		free(o->reason);
		free(o->post_type);
		free(o->post_author);
		free(o->post_excerpt);
		free(o->old_status);
		free(o->old_name);
		free(o->old_guid);
		free(o->old_title);
		free(o->title);
		free(o->name);
		free(o->new_guid);
	}
	free(b->o);
	free(b->hm);
	db_free_result(b->r_orders);
	db_free_result(b->r_hmeta);
	db_free_result(b->r_pm);
	db_free_result(b->r_posts);
	memset(b, 0, sizeof(*b));
}

/* The index of order id in b (ordered by ID), or -1. */
int bfind(const struct bbatch *b, uint64_t id)
{
	return find_by_id(b->o, b->n, sizeof(*b->o), offsetof(struct bord, id), id);
}

static const char mig_alias[MIG_COUNT] = { 'o', 'b', 's', 'd' };

/* Pick the batch: up to limit pending orders (or of the requested ranges)
 * after cursor, into b->o.  0, or -1 with err set. */
static int select_ids(struct db *db, const struct sync_opts *so, uint64_t cursor, unsigned limit, struct bbatch *b,
		      struct herr *err)
{
	struct strbuf sql = STRBUF_INIT, in = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	int rc;

	typelist_sql(db, so->types, &in);
	/* Within the settle window, or in the future (clock skew), and how
	 * far in the future. */
	sb_addf(&sql, "SELECT o.id, o.date_updated_gmt > UTC_TIMESTAMP() - INTERVAL %.0f SECOND, "
		"TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), o.date_updated_gmt) FROM ", so->settle);
	wc_table(db, &sql, "wc_orders");
	sb_adds(&sql, " o LEFT JOIN ");
	wc_table(db, &sql, "posts");
	sb_addf(&sql, " p ON p.ID = o.id WHERE o.id > %llu", (unsigned long long)cursor);
	if (so->end_at)
		sb_addf(&sql, " AND o.id <= %llu", (unsigned long long)so->end_at);
	if (so->nranges) {
		sb_addf(&sql, " AND o.type IN (%s) AND (", in.buf);
		for (unsigned i = 0; i < so->nranges; i++)
			sb_addf(&sql, "%so.id BETWEEN %llu AND %llu", i ? " OR " : "",
				(unsigned long long)so->ranges[i][0], (unsigned long long)so->ranges[i][1]);
		sb_addc(&sql, ')');
	} else {
		/* DataSynchronizer, HPOS authoritative: (A') missing or
		 * placeholder post, (B') newer date_updated_gmt.  With
		 * skip_cleaned, (A') without the cleaned placeholders. */
		sb_addf(&sql, " AND ((o.type IN (%s) AND o.status NOT IN ('auto-draft') AND (p.ID IS NULL OR (p.post_type = '"
			PLACEHOLDER_TYPE "'", in.buf);
		if (so->skip_cleaned) {
			sb_adds(&sql, " AND NOT ");
			wc_cleaned_sql(db, &sql, "p.", so->cleaned_record);
		}
		sb_addf(&sql, "))) OR (p.post_type IN (%s) AND o.date_updated_gmt > p.post_modified_gmt))", in.buf);
	}
	sb_addf(&sql, " ORDER BY o.id LIMIT %u", limit);
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	sb_release(&in);
	if (rc < 0)
		return -1;
	b->o = xcalloc(db_num_rows(res) + 1, sizeof(*b->o));
	while (db_fetch(res, &row)) {
		struct bord *o = &b->o[b->n++];

		o->id = strtoull(row.vals[0], NULL, 10);
		o->deferred = so->settle > 0 && !so->nranges && row.vals[1] && row.vals[1][0] == '1';
		if (o->deferred && row.vals[2])
			settle_skew_warning(o->id, row.vals[2]);
		b->last_id = o->id;
	}
	db_free_result(res);
	return 0;
}

/* The orders of a batch that load_batch reads: ids[0..n) ascending, the
 * order ids[k] being b->o[at[k]]. */
struct bload {
	const uint64_t *ids;
	const unsigned *at;
	unsigned n;
};

/* The wc_orders rows joined with their address and operational-data rows:
 * o->h / o->hl, in colmaps order, point into b->r_orders.  0, or -1. */
static int load_hpos_rows(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			  struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	sb_reset(sql);
	sb_adds(sql, "SELECT o.id");
	for (unsigned ci = 0; ci < ncolmaps; ci++)
		sb_addf(sql, ", %c.`%s`", mig_alias[colmaps[ci].mig], colmaps[ci].column);
	sb_adds(sql, " FROM ");
	wc_table(db, sql, "wc_orders");
	sb_adds(sql, " o LEFT JOIN ");
	wc_table(db, sql, "wc_order_addresses");
	sb_adds(sql, " b ON b.order_id = o.id AND b.address_type = 'billing' LEFT JOIN ");
	wc_table(db, sql, "wc_order_addresses");
	sb_adds(sql, " s ON s.order_id = o.id AND s.address_type = 'shipping' LEFT JOIN ");
	wc_table(db, sql, "wc_order_operational_data");
	sb_adds(sql, " d ON d.order_id = o.id");
	orderread_in(sql, "o.id", l->ids, l->n);
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_orders = r.res;
	while (orderread_next(&r, &row, &k)) {
		struct bord *o;

		if (k < 0 || b->o[l->at[k]].h)
			continue; /* duplicate address rows cannot exist (unique key) */
		o = &b->o[l->at[k]];
		o->h = xcalloc(ncolmaps, sizeof(*o->h));
		o->hl = xcalloc(ncolmaps, sizeof(*o->hl));
		for (unsigned ci = 0; ci < ncolmaps; ci++) {
			o->h[ci] = row.vals[ci + 1];
			o->hl[ci] = row.lens[ci + 1];
		}
	}
	return 0;
}

/* The wc_orders_meta rows into b->hm, by order and id; each order's are
 * b->hm[o->hm_lo .. o->hm_hi).  0, or -1. */
static int load_hpos_meta(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			  struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	orderread_select(db, sql, "order_id, id, meta_key, meta_value", "wc_orders_meta");
	orderread_in(sql, "order_id", l->ids, l->n);
	sb_adds(sql, " ORDER BY order_id, id");
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_hmeta = r.res;
	b->hm = xcalloc(db_num_rows(b->r_hmeta) + 1, sizeof(*b->hm));
	while (orderread_next(&r, &row, &k)) {
		struct hmr *h = &b->hm[b->nhm++];

		h->order_id = strtoull(row.vals[0], NULL, 10);
		h->id = strtoull(row.vals[1], NULL, 10);
		h->key = row.vals[2] ? row.vals[2] : "";
		h->klen = row.vals[2] ? row.lens[2] : 0;
		h->val = row.vals[3] ? row.vals[3] : "";
		h->vlen = row.vals[3] ? row.lens[3] : 0;
		if (k >= 0) { /* an order's rows are one run (ORDER BY order_id) */
			if (!b->o[l->at[k]].hm_hi)
				b->o[l->at[k]].hm_lo = b->nhm - 1;
			b->o[l->at[k]].hm_hi = b->nhm;
		}
	}
	return 0;
}

/* The posts: whether each order has one, and the columns reverse sync
 * reads back (copied: the order owns them).  0, or -1. */
static int load_post_rows(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			  struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	orderread_select(db, sql, "ID, post_type, post_author, post_excerpt, post_status, post_name, guid, post_title",
			 "posts");
	orderread_in(sql, "ID", l->ids, l->n);
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_posts = r.res;
	while (orderread_next(&r, &row, &k)) {
		struct bord *o;

		if (k < 0)
			continue;
		o = &b->o[l->at[k]];
		o->post_exists = 1;
		o->post_type = xstrdup(row.vals[1] ? row.vals[1] : "");
		o->post_author = xstrdup(row.vals[2] ? row.vals[2] : "0");
		o->post_excerpt = xstrndup(row.vals[3] ? row.vals[3] : "", row.vals[3] ? row.lens[3] : 0);
		o->old_status = xstrdup(row.vals[4] ? row.vals[4] : "");
		o->old_name = xstrndup(row.vals[5] ? row.vals[5] : "", row.vals[5] ? row.lens[5] : 0);
		o->old_guid = xstrndup(row.vals[6] ? row.vals[6] : "", row.vals[6] ? row.lens[6] : 0);
		o->old_title = xstrndup(row.vals[7] ? row.vals[7] : "", row.vals[7] ? row.lens[7] : 0);
	}
	return 0;
}

/* The postmeta, by post and meta_id, into each order's o->pm (values
 * point into b->r_pm).  0, or -1. */
static int load_postmeta(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			 struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	orderread_select(db, sql, "post_id, meta_id, meta_key, meta_value", "postmeta");
	orderread_in(sql, "post_id", l->ids, l->n);
	sb_adds(sql, " ORDER BY post_id, meta_id");
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_pm = r.res;
	while (orderread_next(&r, &row, &k)) {
		struct pmv *v;

		if (k < 0 || !row.vals[2])
			continue; /* a NULL meta_key is nobody's key */
		v = pm_add(&b->o[l->at[k]]);
		v->meta_id = strtoull(row.vals[1], NULL, 10);
		v->key = row.vals[2];
		v->klen = row.lens[2];
		v->val = row.vals[3] ? row.vals[3] : "";
		v->vlen = row.vals[3] ? row.lens[3] : 0;
	}
	return 0;
}

/* Read both stores for the batch's orders that are not deferred, each row
 * attached to its order by the shared batch reader (orderread.h): the
 * HPOS rows, the HPOS meta, the post, the postmeta.  Values point into
 * the results kept in b (freed by bbatch_reset()).  0, or -1 with err. */
int load_batch(struct db *db, struct bbatch *b, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t *ids = xcalloc(b->n + 1, sizeof(*ids));
	unsigned *at = xcalloc(b->n + 1, sizeof(*at));
	struct bload l = { ids, at, 0 };
	int rc;

	rules_init();
	for (unsigned i = 0; i < b->n; i++)
		if (!b->o[i].deferred) {
			at[l.n] = i;
			ids[l.n++] = b->o[i].id;
		}
	rc = load_hpos_rows(db, b, &l, &sql, err);
	if (rc == 0)
		rc = load_hpos_meta(db, b, &l, &sql, err);
	if (rc == 0)
		rc = load_post_rows(db, b, &l, &sql, err);
	if (rc == 0)
		rc = load_postmeta(db, b, &l, &sql, err);
	sb_release(&sql);
	free(ids);
	free(at);
	return rc;
}

/* The reverse marker phase's context: the site and the order types whose
 * posts a marker may delete. */
struct rmarkers {
	const struct site *s;
	const struct typelist *types;
};

/* Deletion markers (`_deleted_from` = `orders_table`), as
 * DataSynchronizer::process_deleted_orders() handles them with HPOS
 * authoritative, with WooCommerce 8.8's guard made a condition: the post
 * is deleted only when the order has no wc_orders row (WooCommerce's
 * maybe_prevent_deletion_of_post() refuses to delete it otherwise).  A
 * marker on an order that still exists in HPOS is left alone, with the
 * order, and reported; one on a post of another type (or none) only goes
 * itself. */
static enum marker_verdict rmarker_sort(const struct marker_order *m, void *ctx)
{
	const struct rmarkers *r = ctx;

	if (m->in_hpos)
		return MARKER_LEFT;
	for (unsigned t = 0; m->in_posts && t < r->types->n; t++)
		if (!strcmp(m->post_type, r->types->v[t]))
			return MARKER_DELETE;
	return MARKER_GONE;
}

/* Delete the order posts del[] as wp_delete_post() does, with
 * WooCommerce's hooks: meta, comments (order notes), terms, order items,
 * the post; then the markers of del[] and gone[]. */
static int rmarker_remove(struct db *db, const uint64_t *del, unsigned ndel, const uint64_t *gone, unsigned ngone,
			  void *ctx, struct herr *err)
{
	static const struct { const char *pre, *mid, *post; int need; } stmts[] = {
		{ "DELETE FROM ", "postmeta", " WHERE post_id IN (", 0 },
		{ "DELETE cm FROM ", "commentmeta", NULL, 1 },
		{ "DELETE FROM ", "comments", " WHERE comment_post_ID IN (", 1 },
		{ "DELETE FROM ", "term_relationships", " WHERE object_id IN (", 2 },
		{ "DELETE im FROM ", "woocommerce_order_itemmeta", NULL, 3 },
		{ "DELETE FROM ", "woocommerce_order_items", " WHERE order_id IN (", 0 },
		{ "DELETE FROM ", "posts", " WHERE ID IN (", 0 },
	};
	const struct site *s = ((const struct rmarkers *)ctx)->s;
	struct strbuf sql = STRBUF_INIT;
	int rc = 0;

	for (size_t k = 0; ndel && rc == 0 && k < ARRAY_SIZE(stmts); k++) {
		if ((stmts[k].need == 1 && !s->have_comments) || (stmts[k].need == 2 && !s->have_terms))
			continue;
		sb_reset(&sql);
		sb_adds(&sql, stmts[k].pre);
		wc_table(db, &sql, stmts[k].mid);
		if (stmts[k].need == 1 && !stmts[k].post) {
			sb_adds(&sql, " cm JOIN ");
			wc_table(db, &sql, "comments");
			sb_adds(&sql, " c ON c.comment_ID = cm.comment_id WHERE c.comment_post_ID IN (");
		} else if (stmts[k].need == 3) {
			sb_adds(&sql, " im JOIN ");
			wc_table(db, &sql, "woocommerce_order_items");
			sb_adds(&sql, " i ON i.order_item_id = im.order_item_id WHERE i.order_id IN (");
		} else {
			sb_adds(&sql, stmts[k].post);
		}
		sb_add_ids(&sql, del, ndel);
		sb_addc(&sql, ')');
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	}
	sb_release(&sql);
	if (rc == 0)
		rc = wc_delete_markers(db, 1, del, ndel, err);
	if (rc == 0)
		rc = wc_delete_markers(db, 1, gone, ngone, err);
	return rc;
}

/* After a batch is written (or counted, --dry-run): report and record
 * its skipped orders (wp_hposctl_skipped), clear the records of its
 * orders that went through, and count it in st. */
static void batch_report(struct db *db, struct bbatch *b, unsigned written, struct sync_stats_s *st)
{
	uint64_t *ok = xcalloc(b->n + 1, sizeof(*ok));
	unsigned n = 0;
	struct herr e;

	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];
		struct strbuf ev = STRBUF_INIT;

		if (o->deferred)
			continue;
		if (!o->skip) {
			ok[n++] = o->id;
			continue;
		}
		st->skipped++;
		out_warning("Order %llu skipped: %s", (unsigned long long)o->id, o->reason);
		sb_addf(&ev, "\"order_id\":%llu,\"direction\":\"hpos_to_posts\",\"reason\":", (unsigned long long)o->id);
		sb_add_json_str(&ev, o->reason, strlen(o->reason));
		out_event("order_skipped", ev.buf);
		sb_release(&ev);
		if (!db_dry_run(db) && skipped_record(db, o->id, o->reason, &e) < 0)
			out_warning("could not record skipped order %llu: %s", (unsigned long long)o->id, e.msg);
	}
	if (!db_dry_run(db) && skipped_clear(db, ok, n, &e) < 0)
		out_warning("could not clear skipped-order records: %s", e.msg);
	free(ok);
	st->synced += written;
	st->batches++;
}

/* ------------------------------------------------------------------ */
/* The batch loop: read, plan, write, report.                          */

/* Where the batch loop stands. */
struct bloop {
	uint64_t cursor;        /* the last order ID of the batch read last */
	uint64_t prev_cursor;   /* the cursor before it (to read it again) */
	uint64_t produced;      /* batches read (for --max-batches) */
	double start;
	uint64_t singles_to;    /* up to this ID, batches of one order */
	unsigned replans;       /* reconnects in a row for the same batch */
	unsigned seen_now, deferred_now; /* counted for the batch in hand */
};

/* Whether to stop before the next batch: 0 to go on, else the stop
 * reason (3 interrupted, 1 --max-runtime, 2 --max-batches). */
static int stop_before_batch(const struct sync_opts *so, const struct bloop *l)
{
	if (hpos_interrupted)
		return 3;
	if (so->max_runtime > 0 && now_mono() - l->start >= so->max_runtime)
		return 1;
	if (so->max_batches && l->produced >= so->max_batches)
		return 2;
	return 0;
}

/* Read the next batch after cursor into b (zeroed here; at most limit
 * orders): pick the IDs, then load both stores.  Deadlocks and lost connections are retried up
 * to so->max_retries (counted in st).  0 (b->n == 0: nothing left), or
 * -1 with err set and b released. */
static int read_batch(struct db *db, const struct sync_opts *so, uint64_t cursor, unsigned limit, struct bbatch *b,
		      struct sync_stats_s *st, struct herr *err)
{
	int rc;

	memset(b, 0, sizeof(*b));
	for (unsigned attempt = 0;; attempt++) {
		rc = select_ids(db, so, cursor, limit, b, err);
		if (rc == 0 && b->n)
			rc = load_batch(db, b, err);
		if (rc == 0 || attempt >= so->max_retries)
			break;
		if (db_errclass(db) == DBE_LOST) {
			st->retries++;
			bbatch_reset(b);
			if (runlock_reconnect(db, so->runlock_name, 1, so->max_retries, err) < 0)
				break;
		} else if (db_errclass(db) == DBE_RETRY) {
			st->retries++;
			bbatch_reset(b);
			retry_backoff(attempt + 1);
		} else {
			break;
		}
	}
	if (rc < 0)
		bbatch_reset(b);
	return rc;
}

/* Move the loop past batch b and count its orders as seen. */
static void loop_advance(struct bloop *l, const struct bbatch *b, struct sync_stats_s *st)
{
	l->prev_cursor = l->cursor;
	l->cursor = b->last_id;
	l->produced++;
	l->seen_now = b->n;
	st->seen += b->n;
}

/* The batch must be read and planned again (write_retrying() returned 1:
 * the connection was lost, or without transactions a statement failed
 * after others were written; 2: without transactions, the server refused
 * an order: read its orders again one at a time).  Takes the loop back,
 * the batch uncounted.  -1 (err set) after more than so->max_retries
 * replans in a row. */
static int loop_rewind(struct bloop *l, const struct sync_opts *so, int why, struct sync_stats_s *st, struct herr *err)
{
	if (why == 2)
		l->singles_to = l->cursor;
	else if (++l->replans > so->max_retries)
		return herr_set(err, HX_TEMPFAIL, "giving up after %u reconnects in one batch", l->replans);
	l->cursor = l->prev_cursor;
	l->produced--;
	st->seen -= l->seen_now;
	st->deferred -= l->deferred_now;
	return 0;
}

/* Plan every order of b: orders in the settle window are counted as
 * deferred (*deferred, st) and left alone, the others planned
 * (plan_order), then the post rows of those still live (plan_post_row,
 * which looks slugs up in the database).  0, or -1 with err set. */
static int plan_batch(struct db *db, const struct site *s, struct bbatch *b, struct sync_stats_s *st,
		      unsigned *deferred, struct herr *err)
{
	int rc = 0;

	*deferred = 0;
	for (unsigned i = 0; i < b->n; i++) {
		if (b->o[i].deferred)
			st->deferred++, (*deferred)++;
		else
			plan_order(s, b, &b->o[i]);
	}
	for (unsigned i = 0; rc == 0 && i < b->n; i++)
		if (live_order(&b->o[i]))
			rc = plan_post_row(db, s, b, i, err);
	return rc;
}

/* Write planned batch b, or under --dry-run count what would be written.
 * Returns as write_retrying(). */
static int write_planned(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			 unsigned *written, struct sync_stats_s *st, struct herr *err)
{
	if (!db_dry_run(db))
		return write_retrying(db, so, s, b, written, st, err);
	for (unsigned i = 0; i < b->n; i++)
		*written += live_order(&b->o[i]);
	return 0;
}

/* The batches, from so->start_from to the end (or a stop reason, set in
 * st->stop_reason): read, plan, write, report; so->between is called
 * after each.  0, or -1 with err set. */
static int run_batches(struct db *db, const struct sync_opts *so, const struct site *s, struct sync_stats_s *st,
		       struct herr *err)
{
	struct bloop l = { .cursor = so->start_from ? so->start_from - 1 : 0, .start = now_mono() };
	int rc = 0;

	for (;;) {
		struct bbatch b;
		unsigned written = 0;
		double t0 = now_mono();

		if ((st->stop_reason = stop_before_batch(so, &l)) != 0)
			break;
		if ((rc = read_batch(db, so, l.cursor, l.cursor < l.singles_to ? 1 : so->batch_size, &b, st, err)) < 0)
			break;
		st->t_read += now_mono() - t0;
		if (b.n == 0) {
			bbatch_reset(&b);
			break;
		}
		loop_advance(&l, &b, st);
		rc = plan_batch(db, s, &b, st, &l.deferred_now, err);
		t0 = now_mono();
		if (rc == 0)
			rc = write_planned(db, so, s, &b, &written, st, err);
		if (rc != 0) {
			bbatch_reset(&b);
			if (rc < 0 || (rc = loop_rewind(&l, so, rc, st, err)) < 0)
				break;
			continue;
		}
		l.replans = 0;
		st->t_write += now_mono() - t0;
		batch_report(db, &b, written, st);
		bbatch_reset(&b);
		if (so->between && so->between(so->arg, st)) {
			st->stop_reason = 3;
			break;
		}
	}
	return rc;
}

/* Contract in backfill.h: setup (write rules, site, statement size),
 * the batches, the deletion markers, the orders cache bump. */
int sync_to_posts(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err)
{
	struct site site;
	int rc;

	memset(st, 0, sizeof(*st));
	rules_init();
	if (backfill_rules_check())
		return herr_set(err, HX_INTERNAL, "backfill: the write rules do not cover the column mapping");
	if (site_load(db, &site, err) < 0)
		return -1;
	if (bwrite_setup(db, err) < 0) {
		site_release(&site);
		return -1;
	}
	srand((unsigned)(now_wall() * 1000));
	rc = run_batches(db, so, &site, st, err);
	if (rc == 0 && !st->stop_reason && !hpos_interrupted && !so->nranges) {
		struct rmarkers rm = { &site, so->marker_types ? so->marker_types : so->types };
		struct marker_pass mp = { 1, rmarker_sort, rmarker_remove, &rm };

		rc = markers_run(db, so, st, &mp, err);
	}
	/* WooCommerce's data store bumps the orders cache version on every
	 * order post it saves or deletes. */
	if (rc == 0 && !db_dry_run(db) && !db_sample(db) && (st->synced || st->deleted) && wc_orders_transient_bump(db, err) < 0)
		rc = -1;
	site_release(&site);
	return rc;
}
