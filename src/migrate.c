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
 *      Every table is written through the row writer (rowwriter.h: array
 *      binding or multi-row text); converted values stay unquoted until
 *      the writer needs text.
 * In the code: select_batch / load_and_convert (read_batch, the reader
 * thread), write_batch (the writer threads, via write_with_retries),
 * sync_to_hpos (start the writers, produce batches, stop, markers).
 * Deadlocks and lock-wait timeouts roll back and retry the batch with
 * jittered backoff; a lost connection reconnects and redoes it; any other
 * SQL failure re-runs the batch one order at a time so that one bad row
 * cannot hold back the others. */
#include "hposctl.h"
#include "migrate.h"
#include "convert.h"
#include "mapping.h"
#include "markers.h"
#include "orderconv.h"
#include "output.h"
#include "rowwriter.h"
#include "throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEXT_MAX_BYTES 65535u

enum { COL_UNSET = 0, COL_SET };

struct mcol {
	unsigned char state;
	unsigned char quote; /* a string or date (quoted in SQL text); else a number */
	size_t off, len;     /* the value, unquoted, in batch->lit */
};

struct morder {
	uint64_t id;
	int in_hpos;
	int deferred;
	int skip;
	int hold;                 /* left out of the current write attempt */
	char *reason;
	struct mcol *cols;        /* ncolmaps */
	unsigned nmeta;           /* its wc_orders_meta rows: batch->raw[raw_first...] */
	size_t raw_first;
};

/* One wc_orders_meta row: key and value point into batch->meta_res. */
struct mraw {
	const char *k, *v;
	unsigned long klen, vlen;
};

struct batch {
	struct morder *o;
	unsigned n;
	struct strbuf lit;
	struct db_result *meta_res; /* the postmeta rows, kept until the batch is written */
	struct mraw *raw;
	size_t nraw, rawcap;
	uint64_t last_id;  /* highest ID selected (cursor after this batch) */
	int upsert;        /* write with ON DUPLICATE KEY UPDATE even if no order
			    * was in HPOS when read (a plain INSERT met a row) */
};

/* Outcome of one attempt at a batch: the row writer's classes (the same
 * values) and one of the engine's own. */
enum attempt {
	ATT_OK = RW_OK, ATT_RETRY = RW_RETRY, ATT_LOST = RW_LOST, ATT_DATA = RW_DATA, ATT_DUP = RW_DUP,
	ATT_FATAL = RW_FATAL,
	ATT_LOCK_LOST,  /* WooCommerce's migration lock was taken over */
};

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
	db_free_result(b->meta_res);
	b->meta_res = NULL;
	free(b->raw);
	b->raw = NULL;
	b->nraw = b->rawcap = 0;
}

static void batch_release(struct batch *b)
{
	batch_reset(b);
	sb_release(&b->lit);
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
 * (orderconv(), shared with verify), and store the value, unquoted, in
 * b->lit (the row writer quotes it if it writes text).  NULL raw = SQL
 * NULL meta_value.  Returns COL_SET, or COL_UNSET when the value converts
 * to NULL (a later duplicate row may then still set the column, as PHP's
 * isset() allows). */
static int convert(const struct sync_opts *so, struct batch *b, struct morder *o, unsigned ci,
		   const char *raw, size_t len)
{
	struct mcol *m = &o->cols[ci];
	struct ocv v;
	int r;

	r = orderconv(ci, raw, len, so->rounding_precision, so->allow_truncation, &v);
	if (r == OCV_BAD)
		skip_order(o, "%s", v.why);
	if (r != OCV_SET)
		return COL_UNSET;
	m->state = COL_SET;
	m->quote = (unsigned char)v.quote;
	m->off = b->lit.len;
	m->len = v.len;
	sb_add(&b->lit, v.s, v.len);
	return COL_SET;
}

/* The batch's order IDs (deferred ones left out) as an IN list's contents. */
static void add_in_list(struct strbuf *sql, const struct batch *b)
{
	int first = 1;

	for (unsigned i = 0; i < b->n; i++) {
		const struct morder *o = &b->o[i];

		if (o->deferred)
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

/* The index of order id in b (ordered by ID), or -1. */
static int find_order(const struct batch *b, uint64_t id)
{
	return find_by_id(b->o, b->n, sizeof(*b->o), offsetof(struct morder, id), id);
}

/* Read the batch's postmeta: by primary-key range where the batch's rows
 * are dense (wc_postmeta_span()), else through the post_id index. */
static int read_meta(struct db *db, struct batch *b, struct db_result **res, struct herr *err)
{
	struct strbuf where = STRBUF_INIT, sql = STRBUF_INIT;
	uint64_t lo, hi;
	int rc;

	if (b->n && ids_close(b->o[0].id, b->o[b->n - 1].id, b->n)) {
		/* IDs close together (the usual case): one range of the
		 * post_id index costs less than half of 500 separate dives. */
		sb_addf(&where, " WHERE post_id BETWEEN %llu AND %llu", (unsigned long long)b->o[0].id,
			(unsigned long long)b->o[b->n - 1].id);
	} else {
		sb_adds(&where, " WHERE post_id IN (");
		add_in_list(&where, b);
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

/* Statement size (rw_packet_limits()): the row writer's statements grow to
 * packet_budget; one order's rows must fit in row_limit so a statement
 * never passes the server's max_allowed_packet (which would cut the
 * connection, not fail cleanly).  Set once before the writers start. */
static size_t packet_budget = 8u << 20, row_limit = 8u << 20;

/* 1 when some order of the batch is not deferred (there is work). */
static int any_to_convert(const struct batch *b)
{
	for (unsigned k = 0; k < b->n; k++)
		if (!b->o[k].deferred)
			return 1;
	return 0;
}

/* The post columns of each order, straight from the posts result (the
 * batch's orders are its rows, in the same order). */
static void convert_post_columns(const struct sync_opts *so, struct batch *b, struct db_result *posts)
{
	struct db_row row;
	unsigned k = 0;

	db_result_rewind(posts);
	while (db_fetch(posts, &row)) {
		struct morder *o = &b->o[k++];

		if (o->deferred)
			continue;
		for (unsigned ci = 0; ci < ncolmaps; ci++) {
			const struct colmap *c = &colmaps[ci];

			if (c->post_col != PC_NONE)
				convert(so, b, o, ci, row.vals[c->post_col], row.lens[c->post_col]);
		}
	}
}

/* A BIGINT UNSIGNED column's text (digits only, as the server sends it)
 * as a number: cheaper than strtoull() on every postmeta row. */
static uint64_t column_u64(const char *s, unsigned long len)
{
	uint64_t v = 0;

	for (unsigned long i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

/* 1 when rows[0, n) are in (order, meta_id) order already (as a meta_id
 * range of orders written one after the other usually is). */
static int mrows_sorted(const struct mrow *rows, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (mrow_cmp(&rows[i - 1], &rows[i]) > 0)
			return 0;
	return 1;
}

/* The batch's rows of the postmeta result, sorted by (order, meta_id);
 * pointers into meta.  *rows is the caller's to free. */
static size_t sorted_meta_rows(const struct batch *b, struct db_result *meta, struct mrow **rows)
{
	struct db_row row;
	size_t n = 0, cap = 0;
	uint64_t last_id = 0;
	int oi = -1;

	*rows = NULL;
	while (db_fetch(meta, &row)) {
		uint64_t id = column_u64(row.vals[0], row.lens[0]);

		/* a run of one post's rows: looked up once */
		if (oi < 0 || id != last_id)
			oi = find_order(b, id);
		last_id = id;
		if (oi < 0 || b->o[oi].deferred)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			*rows = xrealloc(*rows, cap * sizeof(**rows));
		}
		(*rows)[n++] = (struct mrow){ (unsigned)oi, column_u64(row.vals[1], row.lens[1]),
					      row.vals[2], row.vals[3], row.lens[2], row.lens[3] };
	}
	if (n && !mrows_sorted(*rows, n)) /* *rows is NULL when the range held no row of this batch's orders */
		qsort(*rows, n, sizeof(**rows), mrow_cmp);
	return n;
}

/* An unmapped meta row of order o, for wc_orders_meta: copied verbatim
 * (pointers into the kept postmeta result); a NULL value becomes '' as
 * wpdb::prepare() makes it. */
static void add_meta_row(const struct sync_opts *so, struct batch *b, struct morder *o, const struct mrow *r)
{
	if (r->vlen > TEXT_MAX_BYTES && !so->allow_truncation) {
		skip_order(o, "meta %.*s: value of %lu bytes is longer than wc_orders_meta.meta_value (TEXT, 65535 bytes)",
			   (int)(r->klen > 60 ? 60 : r->klen), r->key, r->vlen);
		return;
	}
	if (o->nmeta == 0)
		o->raw_first = b->nraw;
	if (b->nraw == b->rawcap) {
		b->rawcap = b->rawcap ? b->rawcap * 2 : 1024;
		b->raw = xrealloc(b->raw, b->rawcap * sizeof(*b->raw));
	}
	b->raw[b->nraw++] = (struct mraw){ r->key, r->val ? r->val : "", r->klen, r->val ? r->vlen : 0 };
	o->nmeta++;
}

/* Each meta row, in (order, meta_id) order: a mapped key sets its
 * column(s) unless set already (first value wins), the rest go to
 * wc_orders_meta. */
static void convert_meta_rows(const struct sync_opts *so, struct batch *b, const struct mrow *rows, size_t n)
{
	for (size_t r = 0; r < n; r++) {
		struct morder *o = &b->o[rows[r].oi];
		const char *key = rows[r].key;
		size_t klen = rows[r].klen;
		unsigned idx[2], nidx;

		if (!key)
			continue; /* a NULL meta_key is never copied (NULL NOT IN (...)) */
		if (klen == 13 && !memcmp(key, "_deleted_from", 13))
			continue; /* a deletion marker is a record about a store, not order data: copied, it would
				   * claim that this live order was deleted (WooCommerce copies it; docs/deleting.md) */
		nidx = mapping_lookup(key, klen, idx);
		for (unsigned j = 0; j < nidx; j++)
			if (o->cols[idx[j]].state != COL_SET)
				convert(so, b, o, idx[j], rows[r].val, rows[r].vlen);
		if (!nidx)
			add_meta_row(so, b, o, &rows[r]);
	}
}

/* Bytes one value takes as SQL text: exact, or (exact == 0) the cheap
 * bound of a string whose every byte needs an escape. */
static size_t text_bytes(const char *s, size_t len, int quote, int exact)
{
	if (!quote)
		return len;
	return exact ? rw_quoted_len(s, len) : 2 * len + 2;
}

/* The SQL text order o's rows would take: its wc_orders_meta tuples
 * "(id,'key','value')," and all its columns (NULL as 4 bytes), whichever
 * is more; exact, or a bound that is never below it (exact == 0). */
static size_t order_text_bytes(const struct batch *b, const struct morder *o, int exact)
{
	size_t meta = 0, cols = 0;
	int idlen = exact ? snprintf(NULL, 0, "%llu", (unsigned long long)o->id) : 20;

	for (unsigned q = 0; q < o->nmeta; q++) {
		const struct mraw *m = &b->raw[o->raw_first + q];

		meta += (size_t)idlen + 5 + text_bytes(m->k, m->klen, 1, exact) + text_bytes(m->v, m->vlen, 1, exact);
	}
	for (unsigned ci = 0; ci < ncolmaps; ci++) {
		const struct mcol *c = &o->cols[ci];

		cols += c->state == COL_SET ? text_bytes(b->lit.buf + c->off, c->len, c->quote, exact) : 4;
	}
	return meta > cols ? meta : cols;
}

/* Skip the orders whose rows could not go in one statement (text being
 * the larger form, it decides for array binding too). */
static void check_row_limits(struct batch *b)
{
	for (unsigned k = 0; k < b->n; k++) {
		struct morder *o = &b->o[k];
		size_t bytes;

		if (o->deferred || o->skip || order_text_bytes(b, o, 0) <= row_limit ||
		    (bytes = order_text_bytes(b, o, 1)) <= row_limit)
			continue;
		skip_order(o, "its rows take %zu bytes in one statement, more than the server's max_allowed_packet "
			   "leaves room for (%zu bytes); raise max_allowed_packet", bytes, row_limit);
	}
}

/* Steps 2+3: post columns, then meta rows in (post_id, meta_id) order;
 * the postmeta result stays with the batch (b->meta_res) for the writer. */
static int load_and_convert(struct db *db, const struct sync_opts *so, struct batch *b,
			    struct db_result *posts, struct herr *err)
{
	struct mrow *rows = NULL;
	size_t nrows;

	if (!any_to_convert(b))
		return 0;
	convert_post_columns(so, b, posts);
	if (read_meta(db, b, &b->meta_res, err) < 0)
		return -1;
	nrows = sorted_meta_rows(b, b->meta_res, &rows);
	convert_meta_rows(so, b, rows, nrows);
	free(rows);
	check_row_limits(b);
	return 0;
}

/* An order this write attempt writes. */
static int live(const struct morder *o)
{
	return !o->deferred && !o->skip && !o->hold;
}

/* The row writer's flags for this run (and this attempt). */
static unsigned rw_flags(const struct sync_opts *so, int upsert)
{
	return (so->allow_truncation ? RW_ALLOW_TRUNCATION : 0) | (upsert ? RW_UPSERT : 0);
}

/* The columns migrator m writes, in colmaps[] order, with the literal
 * address_type after order_id for the address migrators.  cols holds
 * MIG_MAX_COLS; returns how many. */
#define MIG_MAX_COLS 40
static unsigned mig_columns(enum mig m, struct rw_col *cols)
{
	unsigned n = 0;

	for (unsigned ci = 0; ci < ncolmaps && n + 2 <= MIG_MAX_COLS; ci++) {
		const struct colmap *c = &colmaps[ci];

		if (c->mig != m)
			continue;
		cols[n++] = (struct rw_col){ c->column, NULL };
		if (mig_address_type[m] && c->post_col == PC_ID)
			cols[n++] = (struct rw_col){ "address_type", NULL };
	}
	return n;
}

/* Order o's row for migrator m, in mig_columns() order: strings and dates
 * by reference into b->lit, numbers as text, unset columns NULL. */
static void add_order_row(struct rowwriter *w, const struct batch *b, const struct morder *o, enum mig m)
{
	for (unsigned ci = 0; ci < ncolmaps; ci++) {
		const struct colmap *c = &colmaps[ci];
		const struct mcol *v = &o->cols[ci];

		if (c->mig != m)
			continue;
		if (v->state != COL_SET)
			rw_null(w);
		else if (v->quote)
			rw_str_ref(w, b->lit.buf + v->off, v->len);
		else
			rw_num(w, b->lit.buf + v->off, v->len);
		if (mig_address_type[m] && c->post_col == PC_ID)
			rw_str_ref(w, mig_address_type[m], strlen(mig_address_type[m]));
	}
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


/* Step 4a: the live orders' IDs that have wc_orders_meta rows already
 * (an index-only probe, far cheaper than a DELETE that finds nothing for
 * the usual brand-new orders), as an IN list into `in`. */
static enum attempt orders_with_meta(struct db *db, const struct batch *b, struct strbuf *in, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	int rc;

	sb_adds(&sql, "SELECT order_id FROM ");
	wc_table(db, &sql, "wc_orders_meta");
	sb_adds(&sql, " WHERE order_id IN (");
	for (unsigned i = 0, n = 0; i < b->n; i++)
		if (live(&b->o[i]))
			sb_addf(&sql, "%s%llu", n++ ? "," : "", (unsigned long long)b->o[i].id);
	sb_adds(&sql, ") GROUP BY order_id");
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc < 0)
		return (enum attempt)rw_classify(db, 0);
	while (db_fetch(res, &row))
		sb_addf(in, "%s%s", in->len ? "," : "", row.vals[0]);
	db_free_result(res);
	return ATT_OK;
}

/* Step 4b: delete the orders' old wc_orders_meta rows (WooCommerce >=
 * 10.4: stale keys deleted, multi-valued keys replaced). */
static enum attempt delete_stale_meta(struct db *db, const struct sync_opts *so, const struct batch *b,
				      struct herr *err)
{
	struct strbuf in = STRBUF_INIT, sql = STRBUF_INIT;
	enum attempt a = orders_with_meta(db, b, &in, err);

	if (a == ATT_OK && in.len) {
		sb_adds(&sql, "DELETE FROM ");
		wc_table(db, &sql, "wc_orders_meta");
		sb_addf(&sql, " WHERE order_id IN (%s)", in.buf);
		a = (enum attempt)rw_run_sql(db, sql.buf, sql.len, rw_flags(so, 0), err);
	}
	sb_release(&in);
	sb_release(&sql);
	return a;
}

/* Step 4c: the live orders' wc_orders_meta rows (array-bound where the
 * server can; a duplicate key cannot happen here, so it is a data error). */
static enum attempt write_meta(struct db *db, const struct sync_opts *so, const struct batch *b,
			       uint64_t *rows, struct herr *err)
{
	static const struct rw_col cols[] = { { "order_id", NULL }, { "meta_key", NULL }, { "meta_value", NULL } };
	struct rowwriter *w = rw_new(db, "wc_orders_meta", cols, ARRAY_SIZE(cols));
	enum attempt a;

	rw_set_budget(w, packet_budget);
	for (unsigned i = 0; i < b->n; i++) {
		const struct morder *o = &b->o[i];

		for (unsigned q = 0; live(o) && q < o->nmeta; q++) {
			const struct mraw *m = &b->raw[o->raw_first + q];

			rw_u64(w, o->id);
			rw_str_ref(w, m->k, m->klen);
			rw_str_ref(w, m->v, m->vlen);
		}
	}
	*rows = rw_rows(w);
	a = (enum attempt)rw_write(w, rw_flags(so, 0), err);
	rw_free(w);
	return a == ATT_DUP ? ATT_DATA : a;
}

/* Step 4d-f: the rows of migrators m1 (and m2 unless MIG_COUNT) for the
 * live orders, one table.  Orders not in wc_orders when read go in with a
 * plain INSERT, cheaper for the server; should a row be there after all
 * (left by an interrupted --no-transactions run, or written by WooCommerce
 * meanwhile), ATT_DUP sends the whole batch round again as an upsert. */
static enum attempt write_table(struct db *db, const struct sync_opts *so, const struct batch *b,
				enum mig m1, enum mig m2, int upsert, struct herr *err)
{
	struct rw_col cols[MIG_MAX_COLS];
	struct rowwriter *w = rw_new(db, mig_table[m1], cols, mig_columns(m1, cols));
	enum attempt a;

	rw_set_budget(w, packet_budget);
	for (unsigned i = 0; i < b->n; i++)
		if (live(&b->o[i]))
			add_order_row(w, b, &b->o[i], m1);
	for (unsigned i = 0; m2 != MIG_COUNT && i < b->n; i++)
		if (live(&b->o[i]))
			add_order_row(w, b, &b->o[i], m2);
	a = (enum attempt)rw_write(w, rw_flags(so, upsert), err);
	rw_free(w);
	return a;
}

/* Start the attempt: touch WooCommerce's lock, open the transaction. */
static enum attempt begin_batch(struct db *db, const struct sync_opts *so, struct wcl_shared *wl,
				struct herr *err)
{
	if (wcl_touch(wl, err) != 0)
		return ATT_LOCK_LOST;
	if (so->isolation && db_begin(db, so->isolation, err) < 0)
		return db_errclass(db) == DBE_LOST ? ATT_LOST : ATT_FATAL;
	return ATT_OK;
}

/* End the attempt: roll back after a failure (a), else touch the lock
 * once more and commit.  A COMMIT cut off by a lost connection has an
 * unknown outcome; redoing the batch is safe either way (idempotent). */
static enum attempt end_batch(struct db *db, const struct sync_opts *so, struct wcl_shared *wl,
			      enum attempt a, struct herr *err)
{
	if (a == ATT_OK && wcl_touch(wl, err) != 0)
		a = ATT_LOCK_LOST;
	if (a != ATT_OK) {
		if (so->isolation)
			db_rollback(db);
		return a;
	}
	if (so->isolation && db_commit(db, err) < 0)
		return db_errclass(db) == DBE_RETRY ? ATT_RETRY : db_errclass(db) == DBE_LOST ? ATT_LOST : ATT_FATAL;
	return ATT_OK;
}

/* Step 4: write every live order of the batch in one transaction: stale
 * meta out, meta in, both address rows, operational data, then wc_orders
 * last (until it is written the order stays pending).  *written: orders
 * written, *meta_rows: wc_orders_meta rows, on ATT_OK. */
static enum attempt write_batch(struct db *db, const struct sync_opts *so, struct batch *b,
				struct wcl_shared *wl, unsigned *written, uint64_t *meta_rows, struct herr *err)
{
	enum attempt a;
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
	if ((a = begin_batch(db, so, wl, err)) != ATT_OK)
		return a;
	a = delete_stale_meta(db, so, b, err);
	if (a == ATT_OK)
		a = write_meta(db, so, b, &rows_meta, err);
	if (a == ATT_OK)
		a = wcl_touch(wl, err) ? ATT_LOCK_LOST : write_table(db, so, b, MIG_BILLING, MIG_SHIPPING, upsert, err);
	if (a == ATT_OK)
		a = wcl_touch(wl, err) ? ATT_LOCK_LOST : write_table(db, so, b, MIG_OPDATA, MIG_COUNT, upsert, err);
	if (a == ATT_OK)
		a = wcl_touch(wl, err) ? ATT_LOCK_LOST : write_table(db, so, b, MIG_ORDER, MIG_COUNT, upsert, err);
	if ((a = end_batch(db, so, wl, a, err)) != ATT_OK)
		return a;
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

static int write_with_retries(struct engine *e, struct db *db, struct batch *b, unsigned *written,
			      uint64_t *meta_rows, struct herr *err);

/* After ATT_RETRY or ATT_LOST: count the retry, then back off or
 * reconnect.  0: try again; -1: retries exhausted or no reconnect (err). */
static int prepare_retry(struct engine *e, struct db *db, const struct batch *b, enum attempt a,
			 unsigned *attempt, struct herr *err)
{
	if ((*attempt)++ >= e->so->max_retries) {
		herr_prefix(err, "giving up after %u attempts", *attempt);
		err->code = HX_TEMPFAIL;
		return -1;
	}
	pthread_mutex_lock(&e->mu);
	e->st->retries++;
	pthread_mutex_unlock(&e->mu);
	out_event("batch_retried", a == ATT_RETRY ? "\"reason\":\"lock\"" : "\"reason\":\"connection\"");
	out_debug("batch at order %llu: %s; retrying (%u)", (unsigned long long)b->o[0].id, err->msg, *attempt);
	if (a == ATT_LOST) {
		out_warning("Lost the database connection; reconnecting.");
		return db_reconnect(db, err) < 0 ? -1 : 0;
	}
	retry_backoff(*attempt);
	return 0;
}

/* After ATT_DATA: the batch (undone where it had no transaction) is
 * narrowed down to the orders the server refuses: one live order left is
 * skipped with the server's reason; more are written one at a time, each
 * with its own retries.  0, or -1 (fatal, err). */
static int write_one_by_one(struct engine *e, struct db *db, struct batch *b, unsigned *written,
			    uint64_t *meta_rows, struct herr *err)
{
	unsigned good = 0, last = 0, total = 0;
	uint64_t total_meta = 0;
	int rc = 0;

	for (unsigned i = 0; i < b->n; i++)
		if (live(&b->o[i])) {
			good++;
			last = i;
		}
	if (!e->so->isolation && undo_partial(db, b, err) < 0)
		return -1;
	if (good == 1) {
		skip_order(&b->o[last], "the server refused it: %s", err->msg);
		*written = 0;
		return 0;
	}
	out_debug("batch at order %llu failed (%s); writing its orders one by one",
		  (unsigned long long)b->o[0].id, err->msg);
	for (unsigned i = 0; rc == 0 && i < b->n; i++) {
		unsigned w = 0;
		uint64_t m = 0;

		/* Not live(): the holds of the previous round are still set here. */
		if (b->o[i].deferred || b->o[i].skip)
			continue;
		for (unsigned j = 0; j < b->n; j++)
			b->o[j].hold = j != i;
		rc = write_with_retries(e, db, b, &w, &m, err);
		total += w;
		total_meta += m;
	}
	for (unsigned j = 0; j < b->n; j++)
		b->o[j].hold = 0;
	if (rc < 0)
		return -1;
	*written = total;
	*meta_rows = total_meta;
	return 0;
}

/* Write one batch with retries (deadlocks, lock waits, lost connections),
 * as an upsert after a duplicate key, narrowed down after a data error.
 * *written / *meta_rows: what was written.  0, or -1 (fatal, err). */
static int write_with_retries(struct engine *e, struct db *db, struct batch *b, unsigned *written,
			      uint64_t *meta_rows, struct herr *err)
{
	unsigned attempt = 0;

	for (;;) {
		enum attempt a;

		if (wcl_enter(&e->wcl, err) < 0)
			return -1;
		a = write_batch(db, e->so, b, &e->wcl, written, meta_rows, err);
		wcl_leave(&e->wcl);
		switch (a) {
		case ATT_OK:
			return 0;
		case ATT_RETRY:
		case ATT_LOST:
			if (prepare_retry(e, db, b, a, &attempt, err) < 0)
				return -1;
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
		case ATT_DATA:
			return write_one_by_one(e, db, b, written, meta_rows, err);
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

/* Deletion markers (`_deleted_from` = `posts_table` in wc_orders_meta),
 * as DataSynchronizer::process_deleted_orders() handles them, with one
 * difference: WooCommerce deletes the HPOS copy on the marker's word alone;
 * here a marker counts only when the order really is gone from the posts
 * table (no posts row with its ID at all).  A marker on an order whose post
 * exists is left alone, with the order, and reported (it stays pending, as
 * WooCommerce counts it). */
static enum marker_verdict fmarker_sort(const struct marker_order *m, void *ctx)
{
	(void)ctx;
	if (m->in_posts)
		return MARKER_LEFT;
	return m->in_hpos ? MARKER_DELETE : MARKER_GONE;
}

/* delete_order_data_from_custom_order_tables(): the four HPOS tables of
 * del[] (their markers go with the meta); then, as
 * OrdersTableDataStore::delete() does, the orders' items, which belong to
 * no order once both copies are gone; then the markers of gone[]. */
static int fmarker_remove(struct db *db, const uint64_t *del, unsigned ndel, const uint64_t *gone, unsigned ngone,
			  void *ctx, struct herr *err)
{
	static const struct { const char *t; const char *col; } dels[] = {
		{ "wc_orders", "id" }, { "wc_order_addresses", "order_id" },
		{ "wc_order_operational_data", "order_id" }, { "wc_orders_meta", "order_id" },
	};
	struct strbuf sql = STRBUF_INIT;
	int rc = 0;

	(void)ctx;
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
	return rc;
}

/* Set up the shared state of a run with jobs writers (queue of 2 a writer). */
static void engine_init(struct engine *e, const struct sync_opts *so, struct sync_stats_s *st, unsigned jobs)
{
	memset(st, 0, sizeof(*st));
	memset(e, 0, sizeof(*e));
	e->so = so;
	e->st = st;
	e->qcap = jobs * 2;
	e->q = xcalloc(e->qcap, sizeof(*e->q));
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->not_empty, NULL);
	pthread_cond_init(&e->not_full, NULL);
	pthread_mutex_init(&e->wcl.mu, NULL);
	e->wcl.wait = so->wclock_wait;
}

/* Release what engine_init() set up, the lock's connection included. */
static void engine_destroy(struct engine *e)
{
	db_close(e->wcl.db);
	free(e->q);
	pthread_mutex_destroy(&e->mu);
	pthread_cond_destroy(&e->not_empty);
	pthread_cond_destroy(&e->not_full);
	pthread_mutex_destroy(&e->wcl.mu);
}

/* The lock's own connection (not under --dry-run or a sample), then one
 * connection and thread per writer.  *started: threads running (to be
 * joined by stop_writers() whatever this returns).  0, or -1 (err). */
static int start_writers(struct engine *e, struct db *db, struct writer *w, unsigned jobs, unsigned *started,
			 struct herr *err)
{
	if (!db_dry_run(db) && !db_sample(db) && db_clone(db, &e->wcl.db, err) < 0)
		return -1;
	for (unsigned i = 0; i < jobs; i++) {
		w[i].e = e;
		if (db_clone(db, &w[i].db, err) < 0)
			return -1;
		if (pthread_create(&w[i].th, NULL, writer_main, &w[i])) {
			herr_set(err, HX_INTERNAL, "cannot start a writer thread");
			db_close(w[i].db);
			w[i].db = NULL;
			return -1;
		}
		(*started)++;
	}
	return 0;
}

/* Tell the writers that no batch follows, wait for them, close their
 * connections; batches left in the queue (after a failure) stay pending. */
static void stop_writers(struct engine *e, struct writer *w, unsigned started, unsigned jobs)
{
	pthread_mutex_lock(&e->mu);
	e->closed = 1;
	pthread_cond_broadcast(&e->not_empty);
	pthread_mutex_unlock(&e->mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	for (unsigned i = 0; i < jobs; i++)
		db_close(w[i].db);
	while (e->qn) {
		batch_release(e->q[e->qhead]);
		free(e->q[e->qhead]);
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qn--;
	}
}

/* Why the reader should stop before the next batch (st->stop_reason set),
 * or 0 to go on. */
static int stop_before_batch(struct engine *e, double start, uint64_t produced)
{
	const struct sync_opts *so = e->so;

	if (hpos_interrupted)
		return e->st->stop_reason = 3;
	if (so->max_runtime > 0 && now_mono() - start >= so->max_runtime)
		return e->st->stop_reason = 1;
	if (so->max_batches && produced >= so->max_batches)
		return e->st->stop_reason = 2;
	return engine_failed(e);
}

/* Hand a read batch to the writers, then ask the caller's between()
 * whether to stop.  1: go on, 0: stop (stop_reason set where due). */
static int hand_over(struct engine *e, struct batch *b)
{
	struct sync_stats_s *st = e->st, snap;

	pthread_mutex_lock(&e->mu);
	st->seen += b->n;
	for (unsigned i = 0; i < b->n; i++)
		st->deferred += b->o[i].deferred;
	pthread_mutex_unlock(&e->mu);
	if (queue_push(e, b) < 0) {
		if (hpos_interrupted)
			st->stop_reason = 3;
		return 0;
	}
	pthread_mutex_lock(&e->mu);
	snap = *st;
	pthread_mutex_unlock(&e->mu);
	if (e->so->between && e->so->between(e->so->arg, &snap)) {
		/* e.g. authority switched while paused: what was read before
		 * stays pending rather than being written now */
		pthread_mutex_lock(&e->mu);
		e->halt = 1;
		pthread_mutex_unlock(&e->mu);
		st->stop_reason = 3;
		return 0;
	}
	return 1;
}

/* The reader: read and convert batch after batch on db, queue each for
 * the writers, until nothing is pending or a limit stops it.  0, or -1
 * (a read failed, err). */
static int produce_batches(struct engine *e, struct db *db, struct herr *err)
{
	const struct sync_opts *so = e->so;
	uint64_t cursor = so->start_from ? so->start_from - 1 : 0, produced = 0;
	double start = now_mono();

	while (!stop_before_batch(e, start, produced)) {
		struct batch *b = xcalloc(1, sizeof(*b));
		double t0 = now_mono();

		if (read_batch(db, so, cursor, b, e->st, &e->mu, err) < 0) {
			batch_release(b);
			free(b);
			return -1;
		}
		pthread_mutex_lock(&e->mu);
		e->st->t_read += now_mono() - t0;
		pthread_mutex_unlock(&e->mu);
		if (b->n == 0) {
			batch_release(b);
			free(b);
			break;
		}
		cursor = b->last_id;
		produced++;
		if (!hand_over(e, b))
			break;
	}
	return 0;
}

/* See migrate.h.  A reader (this thread) and so->jobs writer threads on
 * their own connections, a bounded queue between them; then, when the
 * whole range was done, the deletion markers. */
int sync_to_hpos(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err)
{
	unsigned jobs = so->jobs ? so->jobs : 1, started = 0;
	struct writer *w = xcalloc(jobs, sizeof(*w));
	struct engine e;
	int rc = 0;

	engine_init(&e, so, st, jobs);
	srand((unsigned)(now_wall() * 1000));
	if (rw_packet_limits(db, &packet_budget, &row_limit, err) < 0) {
		rc = -1;
		goto out;
	}
	if (start_writers(&e, db, w, jobs, &started, err) < 0 || produce_batches(&e, db, err) < 0)
		engine_fail(&e, err);
	stop_writers(&e, w, started, jobs);
	if (e.failed) {
		*err = e.err;
		rc = -1;
	} else if (!st->stop_reason && !hpos_interrupted && !so->nranges) {
		/* the workers are gone: st is this thread's alone */
		const struct marker_pass mp = { 0, fmarker_sort, fmarker_remove, NULL };

		rc = markers_run(db, so, st, &mp, err);
	}
	wclock_release(e.wcl.db ? e.wcl.db : db, &e.wcl.lock);
out:
	engine_destroy(&e);
	free(w);
	return rc;
}
