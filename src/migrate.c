/* migrate.c - the posts -> HPOS batch engine.
 *
 * One batch:
 *   1. keyset-select up to N pending order posts after the cursor, with
 *      whether each already has a wc_orders row;
 *   2. read their postmeta in (post_id, meta_id) order;
 *   3. pivot and convert in C, keys compared byte-exactly; an order with a
 *      value WooCommerce would damage or choke on is skipped and reported,
 *      the rest of the batch goes on;
 *   4. in one transaction: delete the orders' wc_orders_meta rows, insert
 *      their meta, upsert both address rows and the operational-data row,
 *      and upsert wc_orders last - so that even without transactions an
 *      interrupted order stays pending and is redone whole next time.
 * Deadlocks and lock-wait timeouts roll back and retry the batch with
 * jittered backoff; a lost connection reconnects and redoes it; any other
 * SQL failure re-runs the batch one order at a time so that one bad row
 * cannot hold back the others. */
#include "hposctl.h"
#include "migrate.h"
#include "convert.h"
#include "mapping.h"
#include "orderconv.h"
#include "output.h"
#include "throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEXT_MAX_BYTES 65535u
#define NULL_LIT "NULL"

enum { COL_UNSET = 0, COL_SET };

struct mcol {
	int state;
	size_t off, len;   /* SQL literal in batch->lit */
};

struct morder {
	uint64_t id;
	int in_hpos;
	int deferred;
	int skip;
	int hold;                 /* left out of the current write attempt */
	char *reason;
	struct mcol *cols;        /* ncolmaps */
	size_t meta_off, meta_len; /* tuples in batch->meta */
	unsigned nmeta;
	size_t raw_first;         /* its first row in batch->raw */
};

/* One wc_orders_meta row, unquoted (for array binding): key and value
 * in batch->rawbuf. */
struct mraw {
	size_t koff, voff;
	unsigned long klen, vlen;
};

struct batch {
	struct morder *o;
	unsigned n;
	struct strbuf lit;
	struct strbuf meta;
	struct mraw *raw;
	size_t nraw, rawcap;
	struct strbuf rawbuf;
	uint64_t last_id;  /* highest ID selected (cursor after this batch) */
	int upsert;        /* write with ON DUPLICATE KEY UPDATE even if no order
			    * was in HPOS when read (a plain INSERT met a row) */
};

/* Outcome of one attempt at a batch. */
enum attempt { ATT_OK = 0, ATT_RETRY, ATT_LOST, ATT_DATA, ATT_FATAL, ATT_LOCK_LOST, ATT_DUP };

#define ER_DUP_ENTRY_ERRNO 1062u

static void batch_reset(struct batch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		free(b->o[i].cols);
		free(b->o[i].reason);
	}
	free(b->o);
	b->o = NULL;
	b->n = 0;
	sb_reset(&b->lit);
	sb_reset(&b->meta);
	free(b->raw);
	b->raw = NULL;
	b->nraw = b->rawcap = 0;
	sb_reset(&b->rawbuf);
}

static void batch_release(struct batch *b)
{
	batch_reset(b);
	sb_release(&b->lit);
	sb_release(&b->meta);
	sb_release(&b->rawbuf);
}

static void skip_order(struct morder *o, const char *fmt, ...) HPOS_PRINTF(2, 3);
static void skip_order(struct morder *o, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (o->skip)
		return; /* keep the first reason */
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	o->skip = 1;
	o->reason = sb_detach(&sb);
}

/* Convert one raw value for column c of order o, WooCommerce's way
 * (orderconv(), shared with verify), and store its SQL literal.  NULL raw =
 * SQL NULL meta_value.  Returns COL_SET, or COL_UNSET when the value
 * converts to NULL (a later duplicate row may then still set the column,
 * as PHP's isset() allows). */
static int convert(struct db *db, const struct sync_opts *so, struct batch *b,
		   struct morder *o, unsigned ci, const char *raw, size_t len)
{
	struct mcol *m = &o->cols[ci];
	size_t start = b->lit.len;
	struct ocv v;
	int r;

	r = orderconv(ci, raw, len, so->rounding_precision, so->allow_truncation, &v);
	if (r == OCV_BAD)
		skip_order(o, "%s", v.why);
	if (r != OCV_SET)
		return COL_UNSET;
	if (v.quote)
		db_quote(db, &b->lit, v.s, v.len);
	else
		sb_add(&b->lit, v.s, v.len);
	m->state = COL_SET;
	m->off = start;
	m->len = b->lit.len - start;
	return COL_SET;
}

static void add_in_list(struct strbuf *sql, const struct batch *b, int only_good)
{
	int first = 1;

	for (unsigned i = 0; i < b->n; i++) {
		const struct morder *o = &b->o[i];

		if (o->deferred || (only_good && o->skip))
			continue;
		sb_addf(sql, "%s%llu", first ? "" : ",", (unsigned long long)o->id);
		first = 0;
	}
}

void settle_skew_warning(uint64_t order_id, const char *seconds_ahead)
{
	static int warned;
	long long ahead = strtoll(seconds_ahead, NULL, 10);

	if (ahead <= 0 || __atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		return;
	out_warning("order %llu was modified %lld s in the future of the database server's clock: the web "
		    "server's clock may run ahead.  Orders modified in the future are left for a later run, as "
		    "within --settle; fix the clocks (or use --settle 0 to take them now).",
		    (unsigned long long)order_id, ahead);
}

/* Step 1: choose the batch. */
static int select_batch(struct db *db, const struct sync_opts *so, uint64_t cursor,
			unsigned limit, struct batch *b, struct db_result **posts, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_row row;
	int rc;

	sb_adds(&sql, "SELECT p.ID, p.post_status, p.post_date_gmt, p.post_modified_gmt, p.post_parent, "
		"p.post_type, p.post_excerpt, o.id IS NOT NULL, ");
	/* Modified within the settle window, or in the future (a web server
	 * whose clock runs ahead): the shop may be in the middle of saving it.
	 * Then how far in the future, in seconds. */
	sb_addf(&sql, "p.post_modified_gmt > UTC_TIMESTAMP() - INTERVAL %.0f SECOND, "
		"TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), p.post_modified_gmt) FROM ", so->settle);
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " p LEFT JOIN ");
	wc_table(db, &sql, "wc_orders");
	sb_addf(&sql, " o ON o.id = p.ID WHERE p.ID > %llu", (unsigned long long)cursor);
	if (so->end_at)
		sb_addf(&sql, " AND p.ID <= %llu", (unsigned long long)so->end_at);
	sb_adds(&sql, " AND p.post_type IN (");
	typelist_sql(db, so->types, &sql);
	if (so->nranges) {
		/* Exactly these orders, pending or not (`backfill`, `verify
		 * --re-migrate`): single IDs in one IN list, ranges apart. */
		unsigned singles = 0;

		sb_adds(&sql, ") AND p.post_status <> 'auto-draft' AND (p.ID IN (0");
		for (unsigned i = 0; i < so->nranges; i++)
			if (so->ranges[i][0] == so->ranges[i][1]) {
				sb_addf(&sql, ",%llu", (unsigned long long)so->ranges[i][0]);
				singles++;
			}
		sb_addc(&sql, ')');
		for (unsigned i = 0; singles < so->nranges && i < so->nranges; i++)
			if (so->ranges[i][0] != so->ranges[i][1])
				sb_addf(&sql, " OR p.ID BETWEEN %llu AND %llu", (unsigned long long)so->ranges[i][0],
					(unsigned long long)so->ranges[i][1]);
		sb_addf(&sql, ") ORDER BY p.ID LIMIT %u", limit);
	} else {
		sb_addf(&sql, ") AND ((o.id IS NULL AND p.post_status <> 'auto-draft') OR o.date_updated_gmt < p.post_modified_gmt)"
			" ORDER BY p.ID LIMIT %u", limit);
	}
	rc = db_run(db, DB_READ, sql.buf, sql.len, posts, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	b->o = xcalloc(db_num_rows(*posts) + 1, sizeof(*b->o));
	while (db_fetch(*posts, &row)) {
		struct morder *o = &b->o[b->n++];

		o->id = strtoull(row.vals[PC_ID], NULL, 10);
		o->in_hpos = row.vals[7] && row.vals[7][0] == '1';
		o->deferred = so->settle > 0 && row.vals[8] && row.vals[8][0] == '1';
		if (o->deferred && row.vals[9])
			settle_skew_warning(o->id, row.vals[9]);
		o->cols = xcalloc(ncolmaps, sizeof(*o->cols));
		b->last_id = o->id;
	}
	return 0;
}

/* One postmeta row of the batch; pointers into the stored result. */
struct mrow {
	unsigned oi;       /* index of its order in the batch */
	uint64_t meta_id;
	const char *key, *val;
	unsigned long klen, vlen;
};

static int mrow_cmp(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;

	if (x->oi != y->oi)
		return x->oi < y->oi ? -1 : 1;
	return x->meta_id < y->meta_id ? -1 : x->meta_id > y->meta_id;
}

static int find_order(const struct batch *b, uint64_t id)
{
	unsigned lo = 0, hi = b->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (b->o[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && b->o[lo].id == id ? (int)lo : -1;
}

/* Read the batch's postmeta: by primary-key range where the batch's rows
 * are dense (wc_postmeta_span()), else through the post_id index. */
static int read_meta(struct db *db, struct batch *b, struct db_result **res, struct herr *err)
{
	struct strbuf where = STRBUF_INIT, sql = STRBUF_INIT;
	uint64_t lo, hi;
	int rc;

	if (b->n && b->o[b->n - 1].id - b->o[0].id < 4ull * b->n + 64) {
		/* IDs close together (the usual case): one range of the
		 * post_id index costs less than half of 500 separate dives.
		 * Other posts' rows in the span only widen the range. */
		sb_addf(&where, " WHERE post_id BETWEEN %llu AND %llu", (unsigned long long)b->o[0].id,
			(unsigned long long)b->o[b->n - 1].id);
	} else {
		sb_adds(&where, " WHERE post_id IN (");
		add_in_list(&where, b, 0);
		sb_addc(&where, ')');
	}
	rc = wc_postmeta_span(db, where.buf, &lo, &hi, err);
	if (rc >= 0) {
		sb_adds(&sql, "SELECT post_id, meta_id, meta_key, meta_value FROM ");
		wc_table(db, &sql, "postmeta");
		if (rc)
			sb_addf(&sql, " WHERE meta_id BETWEEN %llu AND %llu", (unsigned long long)lo,
				(unsigned long long)hi);
		else
			sb_add(&sql, where.buf, where.len);
		rc = db_run(db, DB_READ, sql.buf, sql.len, res, err);
	}
	sb_release(&where);
	sb_release(&sql);
	return rc < 0 ? -1 : 0;
}

/* Statement size: multi-row INSERTs grow to packet_budget; one order's
 * rows must fit in row_limit so a statement never passes the server's
 * max_allowed_packet (which would cut the connection, not fail cleanly). */
static size_t packet_budget = 8u << 20, row_limit = 8u << 20;

/* Step 2+3: post columns, then meta rows in (post_id, meta_id) order. */
static int load_and_convert(struct db *db, const struct sync_opts *so, struct batch *b,
			    struct db_result *posts, struct herr *err)
{
	struct db_result *meta = NULL;
	struct db_row row;
	struct mrow *rows = NULL;
	size_t nrows = 0, cap = 0;
	unsigned k = 0, any = 0;

	for (k = 0; k < b->n; k++)
		if (!b->o[k].deferred)
			any = 1;
	if (!any)
		return 0;
	/* Post columns, straight from the posts result (same row order). */
	k = 0;
	db_result_rewind(posts);
	while (db_fetch(posts, &row)) {
		struct morder *o = &b->o[k++];

		if (o->deferred)
			continue;
		for (unsigned ci = 0; ci < ncolmaps; ci++) {
			const struct colmap *c = &colmaps[ci];

			if (c->post_col != PC_NONE)
				convert(db, so, b, o, ci, row.vals[c->post_col], row.lens[c->post_col]);
		}
	}
	if (read_meta(db, b, &meta, err) < 0)
		return -1;
	while (db_fetch(meta, &row)) {
		int oi = find_order(b, strtoull(row.vals[0], NULL, 10));

		if (oi < 0 || b->o[oi].deferred)
			continue;
		if (nrows == cap) {
			cap = cap ? cap * 2 : 4096;
			rows = xrealloc(rows, cap * sizeof(*rows));
		}
		rows[nrows++] = (struct mrow){ (unsigned)oi, strtoull(row.vals[1], NULL, 10),
					       row.vals[2], row.vals[3], row.lens[2], row.lens[3] };
	}
	if (nrows) /* rows is NULL when the range held no row of this batch's orders */
		qsort(rows, nrows, sizeof(*rows), mrow_cmp);
	for (size_t r = 0; r < nrows; r++) {
		struct morder *o = &b->o[rows[r].oi];
		const char *key = rows[r].key, *val = rows[r].val;
		size_t klen = rows[r].klen, vlen = rows[r].vlen;
		unsigned idx[2], nidx;

		if (!key)
			continue; /* a NULL meta_key is never copied (NULL NOT IN (...)) */
		if (klen == 13 && !memcmp(key, "_deleted_from", 13))
			continue; /* a deletion marker is a record about a store, not order data: copied, it would
				   * claim that this live order was deleted (WooCommerce copies it; docs/deleting.md) */
		nidx = mapping_lookup(key, klen, idx);
		if (nidx) {
			for (unsigned j = 0; j < nidx; j++)
				if (o->cols[idx[j]].state != COL_SET)
					convert(db, so, b, o, idx[j], val, vlen);
			continue;
		}
		/* Unmapped: copied verbatim; a NULL value becomes '' as
		 * wpdb::prepare() makes it. */
		if (vlen > TEXT_MAX_BYTES && !so->allow_truncation) {
			skip_order(o, "meta %.*s: value of %zu bytes is longer than wc_orders_meta.meta_value (TEXT, 65535 bytes)",
				   (int)(klen > 60 ? 60 : klen), key, vlen);
			continue;
		}
		if (o->nmeta == 0) {
			o->meta_off = b->meta.len;
			o->raw_first = b->nraw;
		}
		if (b->nraw == b->rawcap) {
			b->rawcap = b->rawcap ? b->rawcap * 2 : 1024;
			b->raw = xrealloc(b->raw, b->rawcap * sizeof(*b->raw));
		}
		b->raw[b->nraw].koff = b->rawbuf.len;
		b->raw[b->nraw].klen = (unsigned long)klen;
		sb_add(&b->rawbuf, key, klen);
		b->raw[b->nraw].voff = b->rawbuf.len;
		b->raw[b->nraw].vlen = val ? (unsigned long)vlen : 0;
		if (val)
			sb_add(&b->rawbuf, val, vlen);
		b->nraw++;
		sb_addf(&b->meta, "%s(%llu,", o->nmeta ? "," : "", (unsigned long long)o->id);
		db_quote(db, &b->meta, key, klen);
		sb_addc(&b->meta, ',');
		db_quote(db, &b->meta, val ? val : "", val ? vlen : 0);
		sb_addc(&b->meta, ')');
		o->meta_len = b->meta.len - o->meta_off;
		o->nmeta++;
	}
	free(rows);
	db_free_result(meta);
	for (k = 0; k < b->n; k++) {
		struct morder *o = &b->o[k];
		size_t cols = 0;

		if (o->deferred || o->skip)
			continue;
		for (unsigned ci = 0; ci < ncolmaps; ci++)
			cols += o->cols[ci].state == COL_SET ? o->cols[ci].len : 4;
		if (o->meta_len > row_limit || cols > row_limit)
			skip_order(o, "its rows take %zu bytes in one statement, more than the server's max_allowed_packet "
				   "leaves room for (%zu bytes); raise max_allowed_packet",
				   o->meta_len > cols ? o->meta_len : cols, row_limit);
	}
	return 0;
}


static int live(const struct morder *o)
{
	return !o->deferred && !o->skip && !o->hold;
}

static void append_tuple(const struct batch *b, const struct morder *o, enum mig m, struct strbuf *sql)
{
	int first = 1;

	sb_addc(sql, '(');
	for (unsigned ci = 0; ci < ncolmaps; ci++) {
		const struct colmap *c = &colmaps[ci];
		const struct mcol *v = &o->cols[ci];

		if (c->mig != m)
			continue;
		if (!first)
			sb_addc(sql, ',');
		first = 0;
		if (v->state == COL_SET)
			sb_add(sql, b->lit.buf + v->off, v->len);
		else
			sb_adds(sql, NULL_LIT);
		if (mig_address_type[m] && c->post_col == PC_ID)
			sb_addf(sql, ",'%s'", mig_address_type[m]);
	}
	sb_addc(sql, ')');
}

static void column_list(struct db *db, enum mig m, struct strbuf *sql, int update_clause)
{
	int first = 1;

	for (unsigned ci = 0; ci < ncolmaps; ci++) {
		const struct colmap *c = &colmaps[ci];

		if (c->mig != m)
			continue;
		if (!first)
			sb_adds(sql, ", ");
		if (update_clause)
			db_upsert_set(db, sql, c->column);
		else
			sb_addf(sql, "`%s`", c->column);
		first = 0;
		if (mig_address_type[m] && c->post_col == PC_ID) {
			sb_adds(sql, ", ");
			if (update_clause)
				db_upsert_set(db, sql, "address_type");
			else
				sb_adds(sql, "`address_type`");
		}
	}
}

static enum attempt classify_failure(struct db *db)
{
	switch (db_errclass(db)) {
	case DBE_RETRY: return ATT_RETRY;
	case DBE_LOST: return ATT_LOST;
	case DBE_ACCESS: return ATT_FATAL;
	default: return ATT_DATA;
	}
}

/* A write's warnings: data-altering ones (non-strict truncation, invalid
 * values, ...) would have damaged the order, a data error unless
 * truncation is allowed; deprecations and notes (MySQL's 1287, ...) are
 * not (db_data_warnings()). */
static enum attempt check_warnings(struct db *db, const struct sync_opts *so, struct herr *err)
{
	int w;

	if (db_dry_run(db) || so->allow_truncation || (w = db_data_warnings(db, err)) == 0)
		return ATT_OK;
	return w < 0 ? classify_failure(db) : ATT_DATA;
}

/* Run one write; map its failure to an attempt outcome. */
static enum attempt write_stmt(struct db *db, const struct sync_opts *so, struct strbuf *sql, struct herr *err)
{
	if (db_run(db, DB_WRITE, sql->buf, sql->len, NULL, err) < 0)
		return classify_failure(db);
	return check_warnings(db, so, err);
}

/* WooCommerce 11.3's migration lock, shared by the writer threads: taken
 * when the first writer starts a batch, refreshed while any batch is being
 * written, released when none is.  It lives on its own autocommit
 * connection, so refreshing it never row-locks the option inside a
 * writer's transaction. */
struct wcl_shared {
	pthread_mutex_t mu;
	struct db *db;    /* NULL: not used (dry run) */
	struct wclock lock;
	unsigned holders;
	double last_refresh;
	double wait;
};

static int wcl_enter(struct wcl_shared *w, struct herr *err)
{
	int rc = 0;

	if (!w->db)
		return 0;
	pthread_mutex_lock(&w->mu);
	if (w->holders == 0) {
		/* The lock's own connection may have been cut: reconnect
		 * (db_reconnect() waits out a restarting server). */
		for (unsigned i = 0; i < 5; i++) {
			rc = wclock_take(w->db, &w->lock, w->wait, err);
			if (rc >= 0 || db_errclass(w->db) != DBE_LOST)
				break;
			out_warning("Lost the database connection; reconnecting.");
			if (db_reconnect(w->db, err) < 0)
				break;
		}
		if (rc == 1)
			herr_set(err, HX_TEMPFAIL, "WooCommerce's migration lock (wc_posts_to_orders_migration_lock) "
				 "is held by another process for more than %.0f s; the orders stay pending", w->wait);
		w->last_refresh = now_mono();
	}
	if (rc == 0)
		w->holders++;
	pthread_mutex_unlock(&w->mu);
	return rc == 0 ? 0 : -1;
}

/* Refresh at most every 2 s (the lock lives 15 s).  1 when it was lost. */
static int wcl_touch(struct wcl_shared *w, struct herr *err)
{
	int rc = 0;

	if (!w->db)
		return 0;
	pthread_mutex_lock(&w->mu);
	if (!w->lock.held)
		rc = 1;
	else if (now_mono() - w->last_refresh >= 2.0) {
		rc = wclock_refresh(w->db, &w->lock, err);
		if (rc < 0 && db_errclass(w->db) == DBE_LOST && db_reconnect(w->db, err) == 0)
			rc = wclock_refresh(w->db, &w->lock, err);
		if (rc < 0)
			rc = 1; /* cannot prove we still hold it: treat as lost */
		w->last_refresh = now_mono();
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static void wcl_leave(struct wcl_shared *w)
{
	if (!w->db)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->holders && --w->holders == 0)
		wclock_release(w->db, &w->lock);
	pthread_mutex_unlock(&w->mu);
}


/* Step 4: write every live order of the batch in one transaction. */
static enum attempt write_batch(struct db *db, const struct sync_opts *so, struct batch *b,
				struct wcl_shared *wl, unsigned *written, uint64_t *meta_rows, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	enum attempt a = ATT_OK;
	unsigned good = 0;
	uint64_t rows_meta = 0;
	int upsert = b->upsert;

	*written = 0;
	for (unsigned i = 0; i < b->n; i++)
		if (live(&b->o[i])) {
			good++;
			upsert |= b->o[i].in_hpos;
		}
	if (!good)
		return ATT_OK;
	if (wcl_touch(wl, err) != 0)
		return ATT_LOCK_LOST;
	if (so->isolation && db_begin(db, so->isolation, err) < 0)
		return db_errclass(db) == DBE_LOST ? ATT_LOST : ATT_FATAL;

	/* wc_orders_meta: replace the orders' rows (WooCommerce >= 10.4:
	 * stale keys deleted, multi-valued keys replaced).  Ask first which
	 * orders have rows at all: an index-only probe, far cheaper than a
	 * DELETE that finds nothing for the (usual) brand-new orders. */
	{
		struct db_result *res = NULL;
		struct db_row row;
		int n = 0, first = 1;

		sb_adds(&sql, "SELECT order_id FROM ");
		wc_table(db, &sql, "wc_orders_meta");
		sb_adds(&sql, " WHERE order_id IN (");
		for (unsigned i = 0; i < b->n; i++)
			if (live(&b->o[i])) {
				sb_addf(&sql, "%s%llu", first ? "" : ",", (unsigned long long)b->o[i].id);
				first = 0;
			}
		sb_adds(&sql, ") GROUP BY order_id");
		if (db_run(db, DB_READ, sql.buf, sql.len, &res, err) < 0) {
			a = classify_failure(db);
		} else {
			sb_reset(&sql);
			sb_adds(&sql, "DELETE FROM ");
			wc_table(db, &sql, "wc_orders_meta");
			sb_adds(&sql, " WHERE order_id IN (");
			while (db_fetch(res, &row))
				sb_addf(&sql, "%s%s", n++ ? "," : "", row.vals[0]);
			sb_addc(&sql, ')');
			db_free_result(res);
			if (n)
				a = write_stmt(db, so, &sql, err);
		}
	}
	for (unsigned i = 0; a == ATT_OK && i < b->n;) {
		unsigned rows = 0, i0 = i;
		size_t bytes = 0;
		int rc = 1;

		/* The orders of one statement, at most packet_budget bytes of
		 * SQL tuples (array-bound rows take about as many). */
		for (; i < b->n && (rows == 0 || bytes < packet_budget); i++) {
			const struct morder *o = &b->o[i];

			if (!live(o) || !o->nmeta)
				continue;
			bytes += o->meta_len + 1;
			rows += o->nmeta;
		}
		if (!rows)
			continue;
		rows_meta += rows;
		/* Array binding: the server skips parsing thousands of
		 * literals (about a fifth less server CPU for this insert). */
		{
			uint64_t *ids = xcalloc(rows, sizeof(*ids));
			const char **ks = xcalloc(rows, sizeof(*ks)), **vs = xcalloc(rows, sizeof(*vs));
			unsigned long *kl = xcalloc(rows, sizeof(*kl)), *vl = xcalloc(rows, sizeof(*vl));
			unsigned r = 0;

			for (unsigned j = i0; j < i; j++) {
				const struct morder *o = &b->o[j];

				if (!live(o))
					continue;
				for (unsigned q = 0; q < o->nmeta; q++, r++) {
					const struct mraw *m = &b->raw[o->raw_first + q];

					ids[r] = o->id;
					ks[r] = b->rawbuf.buf + m->koff;
					kl[r] = m->klen;
					vs[r] = b->rawbuf.buf + m->voff;
					vl[r] = m->vlen;
				}
			}
			const struct db_bulk_col cols[3] = { { ids, NULL, NULL }, { NULL, ks, kl }, { NULL, vs, vl } };

			sb_reset(&sql);
			sb_adds(&sql, "INSERT INTO ");
			wc_table(db, &sql, "wc_orders_meta");
			sb_adds(&sql, " (`order_id`, `meta_key`, `meta_value`) VALUES (?, ?, ?)");
			rc = db_run_bulk(db, sql.buf, sql.len, cols, 3, rows, err);
			free(ids);
			free(ks);
			free(vs);
			free(kl);
			free(vl);
		}
		if (rc < 0) {
			a = classify_failure(db);
		} else if (rc == 0) {
			a = check_warnings(db, so, err);
		} else {
			/* The server cannot: the rows as SQL text. */
			int first = 1;

			sb_reset(&sql);
			sb_adds(&sql, "INSERT INTO ");
			wc_table(db, &sql, "wc_orders_meta");
			sb_adds(&sql, " (`order_id`, `meta_key`, `meta_value`) VALUES ");
			for (unsigned j = i0; j < i; j++) {
				const struct morder *o = &b->o[j];

				if (!live(o) || !o->nmeta)
					continue;
				if (!first)
					sb_addc(&sql, ',');
				first = 0;
				sb_add(&sql, b->meta.buf + o->meta_off, o->meta_len);
			}
			a = write_stmt(db, so, &sql, err);
		}
	}
	/* Both address rows in one statement, operational data, then
	 * wc_orders last: until it is written the order stays pending. */
	static const enum mig steps[][2] = {
		{ MIG_BILLING, MIG_SHIPPING }, { MIG_OPDATA, MIG_COUNT }, { MIG_ORDER, MIG_COUNT },
	};
	for (unsigned k = 0; a == ATT_OK && k < ARRAY_SIZE(steps); k++) {
		enum mig m = steps[k][0];
		int first = 1;

		if (wcl_touch(wl, err) != 0) {
			a = ATT_LOCK_LOST;
			break;
		}
		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, mig_table[m]);
		sb_adds(&sql, " (");
		column_list(db, m, &sql, 0);
		sb_adds(&sql, ") VALUES ");
		for (unsigned j = 0; j < 2 && (j == 0 || steps[k][1] != MIG_COUNT); j++)
			for (unsigned i = 0; i < b->n; i++) {
				if (!live(&b->o[i]))
					continue;
				if (!first)
					sb_addc(&sql, ',');
				first = 0;
				append_tuple(b, &b->o[i], steps[k][j], &sql);
			}
		/* Orders not in wc_orders when read: a plain INSERT, cheaper
		 * for the server.  Should a row be there after all (left by an
		 * interrupted --no-transactions run, or written by WooCommerce
		 * meanwhile), the duplicate-key error sends the whole batch
		 * round again as an upsert. */
		if (upsert) {
			db_upsert_clause(db, &sql);
			column_list(db, m, &sql, 1);
		}
		a = write_stmt(db, so, &sql, err);
		if (a == ATT_DATA && !upsert && db_errno(db) == ER_DUP_ENTRY_ERRNO)
			a = ATT_DUP;
	}
	sb_release(&sql);
	if (a == ATT_OK && wcl_touch(wl, err) != 0)
		a = ATT_LOCK_LOST;
	if (a != ATT_OK) {
		if (so->isolation)
			db_rollback(db);
		return a;
	}
	if (so->isolation && db_commit(db, err) < 0) {
		/* A COMMIT cut off by a lost connection has an unknown outcome;
		 * redoing the batch is safe either way (it is idempotent). */
		return db_errclass(db) == DBE_RETRY ? ATT_RETRY :
		       db_errclass(db) == DBE_LOST ? ATT_LOST : ATT_FATAL;
	}
	*written = good;
	*meta_rows = rows_meta;
	return ATT_OK;
}

/* Shared state of one run. */
struct engine {
	const struct sync_opts *so;
	struct sync_stats_s *st;
	pthread_mutex_t mu;           /* guards st, failed, err, the queue */
	pthread_cond_t not_empty, not_full;
	struct batch **q;
	unsigned qcap, qhead, qn;
	int closed;                   /* the reader has finished */
	int halt;                     /* stopped between batches: queued batches stay pending */
	int failed;                   /* first fatal error is in err */
	struct herr err;
	struct wcl_shared wcl;
};

static void engine_fail(struct engine *e, const struct herr *err)
{
	pthread_mutex_lock(&e->mu);
	if (!e->failed) {
		e->failed = 1;
		e->err = *err;
	}
	pthread_cond_broadcast(&e->not_empty);
	pthread_cond_broadcast(&e->not_full);
	pthread_mutex_unlock(&e->mu);
}

static int engine_failed(struct engine *e)
{
	int f;

	pthread_mutex_lock(&e->mu);
	f = e->failed;
	pthread_mutex_unlock(&e->mu);
	return f;
}

static void report_skips(struct engine *e, struct db *db, struct batch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct morder *o = &b->o[i];
		struct strbuf ev = STRBUF_INIT;
		struct herr err;

		if (!o->skip)
			continue;
		pthread_mutex_lock(&e->mu);
		e->st->skipped++;
		pthread_mutex_unlock(&e->mu);
		out_warning("Order %llu skipped: %s", (unsigned long long)o->id, o->reason);
		sb_addf(&ev, "\"order_id\":%llu,\"reason\":", (unsigned long long)o->id);
		sb_add_json_str(&ev, o->reason, strlen(o->reason));
		out_event("order_skipped", ev.buf);
		sb_release(&ev);
		if (skipped_record(db, o->id, o->reason, &err) < 0)
			out_warning("could not record skipped order %llu: %s", (unsigned long long)o->id, err.msg);
	}
}

/* An order the shop deleted from posts after the batch read it, but before
 * the batch committed: the shop found no HPOS row yet, so it wrote no
 * deletion marker, and the batch has just created one.  Remove such rows
 * again (the four HPOS tables only; the shop deleted the items itself).
 * A deletion after the commit sees the HPOS row and leaves a marker, so
 * checking once after the commit closes the race. */
static void drop_vanished(struct db *db, const uint64_t *ids, unsigned n, struct sync_stats_s *st,
			  pthread_mutex_t *mu)
{
	static const struct { const char *t; const char *col; } tabs[] = {
		{ "wc_orders_meta", "order_id" }, { "wc_order_addresses", "order_id" },
		{ "wc_order_operational_data", "order_id" }, { "wc_orders", "id" },
	};
	struct strbuf sql = STRBUF_INIT, in = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	struct herr err;
	unsigned gone = 0;

	if (!n || db_dry_run(db) || db_sample(db))
		return;
	sb_adds(&sql, "SELECT o.id FROM ");
	wc_table(db, &sql, "wc_orders");
	sb_adds(&sql, " o LEFT JOIN ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " p ON p.ID = o.id WHERE p.ID IS NULL AND o.id IN (");
	sb_add_ids(&sql, ids, n);
	sb_addc(&sql, ')');
	if (db_run(db, DB_READ, sql.buf, sql.len, &res, &err) < 0)
		goto fail;
	while (db_fetch(res, &row))
		sb_addf(&in, "%s%s", gone++ ? "," : "", row.vals[0]);
	db_free_result(res);
	for (unsigned k = 0; gone && k < ARRAY_SIZE(tabs); k++) {
		sb_reset(&sql);
		sb_adds(&sql, "DELETE FROM ");
		wc_table(db, &sql, tabs[k].t);
		sb_addf(&sql, " WHERE %s IN (%s)", tabs[k].col, in.buf);
		if (db_run(db, DB_WRITE, sql.buf, sql.len, NULL, &err) < 0)
			goto fail;
	}
	if (gone) {
		out_debug("orders deleted from posts while being migrated, removed from HPOS again: %s", in.buf);
		pthread_mutex_lock(mu);
		st->deleted += gone;
		st->synced -= gone < st->synced ? gone : st->synced;
		pthread_mutex_unlock(mu);
	}
	goto out;
fail:
	out_warning("could not check for orders deleted while being migrated: %s", err.msg);
out:
	sb_release(&sql);
	sb_release(&in);
}

/* After a batch is committed: forget old skip records, report new skips. */
static void batch_done(struct engine *e, struct db *db, struct batch *b, unsigned written, uint64_t meta_rows)
{
	uint64_t *ids = xcalloc(b->n + 1, sizeof(*ids));
	unsigned n = 0;
	struct herr err;

	for (unsigned i = 0; i < b->n; i++)
		if (!b->o[i].deferred && !b->o[i].skip)
			ids[n++] = b->o[i].id;
	if (!db_dry_run(db) && skipped_clear(db, ids, n, &err) < 0)
		out_warning("could not clear skipped-order records: %s", err.msg);
	report_skips(e, db, b);
	pthread_mutex_lock(&e->mu);
	e->st->synced += written;
	e->st->meta_rows += meta_rows;
	e->st->batches++;
	pthread_mutex_unlock(&e->mu);
	/* Only orders this batch created: one already in HPOS that loses its
	 * post gets a marker or is deleted by the shop itself, and with HPOS
	 * authoritative (backfill --to hpos) its row is the live order. */
	n = 0;
	for (unsigned i = 0; i < b->n; i++)
		if (!b->o[i].deferred && !b->o[i].skip && !b->o[i].in_hpos)
			ids[n++] = b->o[i].id;
	drop_vanished(db, ids, n, e->st, &e->mu);
	free(ids);
}

/* Without a transaction a refused statement may already have stored some
 * rows, and the wc_orders statement itself may have stored a damaged value
 * (the server's warning comes after the row is written).  Make every order
 * of the attempt pending again: drop its wc_orders row, and for orders that
 * were not in HPOS before, the rows the attempt wrote in the other tables.
 * The one-at-a-time redo then rewrites the good ones whole. */
static int undo_partial(struct db *db, const struct batch *b, struct herr *err)
{
	static const char *const tables[] = { "wc_orders_meta", "wc_order_addresses",
					      "wc_order_operational_data", "wc_orders" };
	static const char *const idcol[] = { "order_id", "order_id", "order_id", "id" };

	for (unsigned t = 0; t < ARRAY_SIZE(tables); t++) {
		struct strbuf sql = STRBUF_INIT;
		unsigned n = 0;
		int rc = 0;

		sb_adds(&sql, "DELETE FROM ");
		wc_table(db, &sql, tables[t]);
		sb_addf(&sql, " WHERE %s IN (", idcol[t]);
		for (unsigned i = 0; i < b->n; i++) {
			const struct morder *o = &b->o[i];

			if (!live(o) || (o->in_hpos && t + 1 < ARRAY_SIZE(tables)))
				continue;
			sb_addf(&sql, "%s%llu", n++ ? "," : "", (unsigned long long)o->id);
		}
		sb_addc(&sql, ')');
		if (n)
			rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		sb_release(&sql);
		if (rc < 0)
			return herr_prefix(err, "undoing a partly written batch");
	}
	return 0;
}

/* Write one batch with retries; a data error is narrowed down to the
 * orders the server refuses, which are skipped.  0 or -1 (fatal). */
static int write_with_retries(struct engine *e, struct db *db, struct batch *b, unsigned *written,
			      uint64_t *meta_rows, struct herr *err)
{
	const struct sync_opts *so = e->so;
	unsigned attempt = 0;

	for (;;) {
		enum attempt a;

		if (wcl_enter(&e->wcl, err) < 0)
			return -1;
		a = write_batch(db, so, b, &e->wcl, written, meta_rows, err);
		wcl_leave(&e->wcl);
		switch (a) {
		case ATT_OK:
			return 0;
		case ATT_RETRY:
		case ATT_LOST:
			if (attempt++ >= so->max_retries) {
				herr_prefix(err, "giving up after %u attempts", attempt);
				err->code = HX_TEMPFAIL;
				return -1;
			}
			pthread_mutex_lock(&e->mu);
			e->st->retries++;
			pthread_mutex_unlock(&e->mu);
			out_event("batch_retried", a == ATT_RETRY ? "\"reason\":\"lock\"" : "\"reason\":\"connection\"");
			out_debug("batch at order %llu: %s; retrying (%u)", (unsigned long long)b->o[0].id, err->msg, attempt);
			if (a == ATT_LOST) {
				out_warning("Lost the database connection; reconnecting.");
				if (db_reconnect(db, err) < 0)
					return -1;
			} else {
				retry_backoff(attempt);
			}
			continue;
		case ATT_DUP:
			/* Rolled back (or, without transactions, partly
			 * written: the upsert rewrites it whole). */
			out_debug("batch at order %llu: %s; writing it again as an upsert",
				  (unsigned long long)b->o[0].id, err->msg);
			b->upsert = 1;
			continue;
		case ATT_LOCK_LOST:
			herr_set(err, HX_TEMPFAIL, "WooCommerce's migration lock was taken over by another process; "
				 "the batch was rolled back and stays pending");
			return -1;
		case ATT_DATA: {
			unsigned good = 0, last = 0;
			uint64_t total_meta = 0;
			unsigned total = 0;

			for (unsigned i = 0; i < b->n; i++)
				if (live(&b->o[i])) {
					good++;
					last = i;
				}
			if (!so->isolation && undo_partial(db, b, err) < 0)
				return -1;
			if (good == 1) {
				skip_order(&b->o[last], "the server refused it: %s", err->msg);
				*written = 0;
				return 0;
			}
			/* Find the culprits: write the orders one at a time. */
			out_debug("batch at order %llu failed (%s); writing its orders one by one",
				  (unsigned long long)b->o[0].id, err->msg);
			for (unsigned i = 0; i < b->n; i++) {
				unsigned w = 0;
				uint64_t m = 0;

				/* Not live(): the holds of the previous round are
				 * still set here. */
				if (b->o[i].deferred || b->o[i].skip)
					continue;
				for (unsigned j = 0; j < b->n; j++)
					b->o[j].hold = j != i;
				if (write_with_retries(e, db, b, &w, &m, err) < 0) {
					for (unsigned j = 0; j < b->n; j++)
						b->o[j].hold = 0;
					return -1;
				}
				total += w;
				total_meta += m;
			}
			for (unsigned j = 0; j < b->n; j++)
				b->o[j].hold = 0;
			*written = total;
			*meta_rows = total_meta;
			return 0;
		}
		case ATT_FATAL:
			return -1;
		}
	}
}

struct writer {
	pthread_t th;
	struct engine *e;
	struct db *db;
};

static struct batch *queue_pop(struct engine *e)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&e->mu);
	while (!e->qn && !e->closed && !e->failed)
		pthread_cond_wait(&e->not_empty, &e->mu);
	/* After SIGINT/SIGTERM only the batches being written are finished;
	 * queued ones stay pending for the next run. */
	if (e->qn && !e->failed && !e->halt && !hpos_interrupted) {
		b = e->q[e->qhead];
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qn--;
		pthread_cond_signal(&e->not_full);
	}
	pthread_mutex_unlock(&e->mu);
	return b;
}

/* 0 queued, -1 the run failed or was interrupted meanwhile (the batch is
 * freed).  A signal handler cannot wake a condition variable, and after
 * SIGINT/SIGTERM the writers stop popping, so the wait for room polls the
 * interrupt flag instead of blocking for good. */
static int queue_push(struct engine *e, struct batch *b)
{
	int rc = 0;

	pthread_mutex_lock(&e->mu);
	while (e->qn == e->qcap && !e->failed && !hpos_interrupted) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&e->not_full, &e->mu, &ts);
	}
	if (e->failed || hpos_interrupted) {
		rc = -1;
	} else {
		e->q[(e->qhead + e->qn) % e->qcap] = b;
		e->qn++;
		pthread_cond_signal(&e->not_empty);
	}
	pthread_mutex_unlock(&e->mu);
	if (rc < 0) {
		batch_release(b);
		free(b);
	}
	return rc;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct engine *e = w->e;
	struct batch *b;

	while ((b = queue_pop(e))) {
		struct herr err = { 0, "" };
		unsigned written = 0;
		uint64_t meta_rows = 0;
		double t0 = now_mono();

		if (write_with_retries(e, w->db, b, &written, &meta_rows, &err) < 0)
			engine_fail(e, &err);
		else
			batch_done(e, w->db, b, written, meta_rows);
		pthread_mutex_lock(&e->mu);
		e->st->t_write += now_mono() - t0;
		pthread_mutex_unlock(&e->mu);
		batch_release(b);
		free(b);
	}
	return NULL;
}

/* Test hook HPOSCTL_FAULT_READ=K:N (docs/fault-tests.md): the K-th batch
 * read of the process fails N times with a deadlock (1213) the server
 * raises, before its real statements.  Only the reader thread calls it. */
static int read_fault(struct db *db, unsigned attempt, struct herr *err)
{
	static const char sig[] = "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'HPOSCTL_FAULT_READ'";
	static unsigned reads;
	const char *v = getenv("HPOSCTL_FAULT_READ");
	unsigned k, n;

	reads += attempt == 0;
	if (!v || sscanf(v, "%u:%u", &k, &n) != 2 || reads != k || attempt >= n)
		return 0;
	return db_run(db, DB_READ, sig, sizeof(sig) - 1, NULL, err) < 0 ? -1 : 0;
}

/* Read and convert the next batch after *cursor (with retries). */
static int read_batch(struct db *db, const struct sync_opts *so, uint64_t cursor, struct batch *b,
		      struct sync_stats_s *st, pthread_mutex_t *mu, struct herr *err)
{
	for (unsigned attempt = 0;; attempt++) {
		struct db_result *posts = NULL;
		int rc;

		batch_reset(b);
		rc = read_fault(db, attempt, err);
		if (rc == 0)
			rc = select_batch(db, so, cursor, so->batch_size, b, &posts, err);
		if (rc == 0 && b->n)
			rc = load_and_convert(db, so, b, posts, err);
		db_free_result(posts);
		if (rc == 0)
			return 0;
		if (attempt >= so->max_retries)
			break;
		if (db_errclass(db) == DBE_LOST || db_errclass(db) == DBE_RETRY) {
			/* the writers update st under the same mutex */
			pthread_mutex_lock(mu);
			st->retries++;
			pthread_mutex_unlock(mu);
		}
		if (db_errclass(db) == DBE_LOST) {
			if (runlock_reconnect(db, so->runlock_name, 1, so->max_retries, err) < 0)
				return -1;
		} else if (db_errclass(db) == DBE_RETRY) {
			retry_backoff(attempt + 1);
		} else {
			break;
		}
	}
	return -1;
}

struct markers_arg {
	struct db *db;
	const struct sync_opts *so;
	struct sync_stats_s *st;
};
static int process_markers(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err);
/* One try of the deletion-marker phase, for retry_run_end(). */
static int markers_once(void *arg, struct herr *err)
{
	struct markers_arg *a = arg;

	return process_markers(a->db, a->so, a->st, err);
}

/* Deletion markers (`_deleted_from` = `posts_table` in wc_orders_meta),
 * as DataSynchronizer::process_deleted_orders() handles them, with one
 * difference: WooCommerce deletes the HPOS copy on the marker's word alone;
 * here a marker counts only when the order really is gone from the posts
 * table (no posts row with its ID at all).  A marker on an order whose post
 * exists is left alone, with the order, and reported (it stays pending, as
 * WooCommerce counts it).  Highest order first, as WooCommerce; a cursor
 * keeps left-alone markers from being read again.  Deleted orders are
 * counted once their batch is committed, so a retried phase counts each
 * once. */
static int process_markers(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err)
{
	uint64_t below = UINT64_MAX;
	int rc = 0;

	for (;;) {
		struct marker_order *m = NULL;
		uint64_t *del, *gone;
		unsigned n = 0, ndel = 0, ngone = 0;

		/* A sample (--dry-run --sample) measures orders, not markers. */
		if (hpos_interrupted || db_sample(db))
			break;
		if (so->between && so->between(so->arg, st)) {
			st->stop_reason = 3;
			break;
		}
		if (!db_dry_run(db) && so->isolation && (rc = db_begin(db, so->isolation, err)) < 0)
			break;
		/* Read inside the transaction that deletes, so that what is
		 * deleted is what was just seen absent. */
		if ((rc = wc_marker_orders(db, 0, below, so->batch_size, &m, &n, err)) < 0) {
			if (!db_dry_run(db) && so->isolation)
				db_rollback(db);
			break;
		}
		del = xcalloc(n + 1, sizeof(*del));
		gone = xcalloc(n + 1, sizeof(*gone));
		for (unsigned i = 0; i < n; i++) {
			below = m[i].id;
			if (m[i].in_posts) {
				wc_report_live_marker(&m[i], 0);
				st->markers_left++;
			} else if (!m[i].in_hpos) {
				out_warning("Order %llu doesn't exist in the backup table, thus it can't be deleted",
					    (unsigned long long)m[i].id);
				gone[ngone++] = m[i].id;
			} else {
				del[ndel++] = m[i].id;
			}
		}
		free(m);
		if (!db_dry_run(db) && n) {
			/* delete_order_data_from_custom_order_tables(): the four
			 * HPOS tables (the markers go with the meta); then, as
			 * OrdersTableDataStore::delete() does, the order's items,
			 * which belong to no order once both copies are gone. */
			static const struct { const char *t; const char *col; } dels[] = {
				{ "wc_orders", "id" }, { "wc_order_addresses", "order_id" },
				{ "wc_order_operational_data", "order_id" }, { "wc_orders_meta", "order_id" },
			};
			struct strbuf sql = STRBUF_INIT;

			for (unsigned k = 0; rc == 0 && k < ARRAY_SIZE(dels); k++)
				rc = wc_delete_ids(db, dels[k].t, dels[k].col, del, ndel, NULL, err);
			if (rc == 0 && ndel) {
				sb_adds(&sql, "DELETE im FROM ");
				wc_table(db, &sql, "woocommerce_order_itemmeta");
				sb_adds(&sql, " im JOIN ");
				wc_table(db, &sql, "woocommerce_order_items");
				sb_adds(&sql, " i ON i.order_item_id = im.order_item_id WHERE i.order_id IN (");
				sb_add_ids(&sql, del, ndel);
				sb_addc(&sql, ')');
				rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
			}
			sb_release(&sql);
			if (rc == 0)
				rc = wc_delete_ids(db, "woocommerce_order_items", "order_id", del, ndel, NULL, err);
			if (rc == 0)
				rc = wc_delete_markers(db, 0, gone, ngone, err);
		}
		free(del);
		free(gone);
		if (db_dry_run(db) || !so->isolation) {
			if (rc == 0)
				st->deleted += ndel;
			if (rc < 0 || !n)
				break;
			continue;
		}
		if (rc < 0) {
			db_rollback(db);
			break;
		}
		if ((rc = db_commit(db, err)) < 0)
			break;
		st->deleted += ndel; /* counted once committed */
		if (!n)
			break;
	}
	return rc;
}

int sync_to_hpos(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err)
{
	uint64_t cursor = so->start_from ? so->start_from - 1 : 0, produced = 0, maxpkt = 0;
	unsigned jobs = so->jobs ? so->jobs : 1;
	struct writer *w = xcalloc(jobs, sizeof(*w));
	struct engine e;
	double start = now_mono();
	unsigned started = 0;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	memset(&e, 0, sizeof(e));
	e.so = so;
	e.st = st;
	e.qcap = jobs * 2;
	e.q = xcalloc(e.qcap, sizeof(*e.q));
	pthread_mutex_init(&e.mu, NULL);
	pthread_cond_init(&e.not_empty, NULL);
	pthread_cond_init(&e.not_full, NULL);
	pthread_mutex_init(&e.wcl.mu, NULL);
	e.wcl.wait = so->wclock_wait;
	srand((unsigned)(now_wall() * 1000));

	if (db_get_u64(db, &maxpkt, NULL, err, "SELECT @@max_allowed_packet") < 0)
		goto out;
	if (maxpkt) {
		/* A statement is at most packet_budget plus one order's rows
		 * (row_limit), and both halves leave room for the statement's
		 * head and the protocol. */
		size_t half = (size_t)(maxpkt / 2);

		row_limit = half > 2048 ? half - 1024 : half / 2;
		packet_budget = row_limit < (16u << 20) ? row_limit : 16u << 20;
	}
	if (!db_dry_run(db) && !db_sample(db) && db_clone(db, &e.wcl.db, err) < 0)
		goto out_fail;
	for (unsigned i = 0; i < jobs; i++) {
		w[i].e = &e;
		if (db_clone(db, &w[i].db, err) < 0)
			goto out_fail;
		if (pthread_create(&w[i].th, NULL, writer_main, &w[i])) {
			herr_set(err, HX_INTERNAL, "cannot start a writer thread");
			db_close(w[i].db);
			w[i].db = NULL;
			goto out_fail;
		}
		started++;
	}

	for (;;) {
		struct batch *b;
		struct sync_stats_s snap;
		double t0 = now_mono();

		if (hpos_interrupted) {
			st->stop_reason = 3;
			break;
		}
		if (so->max_runtime > 0 && now_mono() - start >= so->max_runtime) {
			st->stop_reason = 1;
			break;
		}
		if (so->max_batches && produced >= so->max_batches) {
			st->stop_reason = 2;
			break;
		}
		if (engine_failed(&e))
			break;
		b = xcalloc(1, sizeof(*b));
		if (read_batch(db, so, cursor, b, st, &e.mu, err) < 0) {
			batch_release(b);
			free(b);
			goto out_fail;
		}
		pthread_mutex_lock(&e.mu);
		st->t_read += now_mono() - t0;
		pthread_mutex_unlock(&e.mu);
		if (b->n == 0) {
			batch_release(b);
			free(b);
			break;
		}
		cursor = b->last_id;
		produced++;
		pthread_mutex_lock(&e.mu);
		st->seen += b->n;
		for (unsigned i = 0; i < b->n; i++)
			st->deferred += b->o[i].deferred;
		pthread_mutex_unlock(&e.mu);
		if (queue_push(&e, b) < 0) {
			if (hpos_interrupted)
				st->stop_reason = 3;
			break;
		}
		pthread_mutex_lock(&e.mu);
		snap = *st;
		pthread_mutex_unlock(&e.mu);
		if (so->between && so->between(so->arg, &snap)) {
			/* e.g. authority switched while paused: what was read
			 * before stays pending rather than being written now */
			pthread_mutex_lock(&e.mu);
			e.halt = 1;
			pthread_mutex_unlock(&e.mu);
			st->stop_reason = 3;
			break;
		}
	}
	goto out;
out_fail:
	engine_fail(&e, err);
out:
	pthread_mutex_lock(&e.mu);
	e.closed = 1;
	pthread_cond_broadcast(&e.not_empty);
	pthread_mutex_unlock(&e.mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	for (unsigned i = 0; i < jobs; i++)
		db_close(w[i].db);
	/* Batches left in the queue after a failure stay pending. */
	while (e.qn) {
		batch_release(e.q[e.qhead]);
		free(e.q[e.qhead]);
		e.qhead = (e.qhead + 1) % e.qcap;
		e.qn--;
	}
	if (e.failed) {
		*err = e.err;
		rc = -1;
	} else if (!st->stop_reason && !hpos_interrupted && !so->nranges) {
		/* the workers are gone: st is this thread's alone */
		struct markers_arg ma = { db, so, st };

		rc = retry_run_end(db, so->runlock_name, so->max_retries, &st->retries, markers_once, &ma, err);
	}
	wclock_release(e.wcl.db ? e.wcl.db : db, &e.wcl.lock);
	db_close(e.wcl.db);
	free(e.q);
	free(w);
	pthread_mutex_destroy(&e.mu);
	pthread_cond_destroy(&e.not_empty);
	pthread_cond_destroy(&e.not_full);
	pthread_mutex_destroy(&e.wcl.mu);
	return rc;
}
