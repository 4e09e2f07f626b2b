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
#include "output.h"

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
	char *reason;
	struct mcol *cols;        /* ncolmaps */
	size_t meta_off, meta_len; /* tuples in batch->meta */
	unsigned nmeta;
};

struct batch {
	struct morder *o;
	unsigned n;
	struct strbuf lit;
	struct strbuf meta;
	uint64_t last_id;  /* highest ID selected (cursor after this batch) */
};

/* Outcome of one attempt at a batch. */
enum attempt { ATT_OK = 0, ATT_RETRY, ATT_LOST, ATT_DATA, ATT_FATAL, ATT_LOCK_LOST };

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
}

static void batch_release(struct batch *b)
{
	batch_reset(b);
	sb_release(&b->lit);
	sb_release(&b->meta);
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

static const char *source_name(const struct colmap *c)
{
	if (c->meta_key)
		return c->meta_key;
	return c->post_col >= 0 && c->post_col < PC_COUNT ? post_col_name[c->post_col] : "?";
}

/* Convert one raw value for column c of order o, WooCommerce's way, and
 * store its SQL literal.  NULL raw = SQL NULL meta_value.  Returns
 * COL_SET, or COL_UNSET when the value converts to NULL (a later duplicate
 * row may then still set the column, as PHP's isset() allows). */
static int convert(struct db *db, const struct sync_opts *so, struct batch *b,
		   struct morder *o, unsigned ci, const char *raw, size_t len)
{
	const struct colmap *c = &colmaps[ci];
	struct mcol *m = &o->cols[ci];
	size_t start = b->lit.len;
	char buf[CONV_DECIMAL_MAX];
	int64_t iv;
	int r;

	switch (c->type) {
	case CT_INT:
		if (c->post_col != PC_NONE) {
			sb_add(&b->lit, raw, len); /* a bigint unsigned column */
			break;
		}
		r = conv_php_int(raw ? raw : "", raw ? len : 0, &iv);
		if (r == CONV_OUT_OF_RANGE && !so->allow_truncation) {
			skip_order(o, "column %s (%s): value \"%.40s\" (%zu bytes) does not fit bigint unsigned",
				   c->column, source_name(c), raw ? raw : "", len);
			return COL_UNSET;
		}
		sb_addf(&b->lit, "%lld", (long long)iv);
		break;
	case CT_DECIMAL:
		r = conv_decimal(raw ? raw : "", raw ? len : 0, so->rounding_precision, buf, sizeof(buf));
		if (r == CONV_OUT_OF_RANGE && !so->allow_truncation) {
			skip_order(o, "column %s (%s): value \"%.40s\" (%zu bytes) does not fit decimal(26,8)",
				   c->column, source_name(c), raw ? raw : "", len);
			return COL_UNSET;
		}
		sb_adds(&b->lit, buf);
		break;
	case CT_BOOL:
		sb_addc(&b->lit, raw && conv_bool(raw, len) ? '1' : '0');
		break;
	case CT_STRING:
		if (!raw)
			return COL_UNSET;
		if (!so->allow_truncation) {
			if (c->varchar && utf8_chars(raw, len) > c->varchar) {
				skip_order(o, "column %s (%s): value of %zu characters is longer than varchar(%u)",
					   c->column, source_name(c), utf8_chars(raw, len), c->varchar);
				return COL_UNSET;
			}
			if (c->text && len > TEXT_MAX_BYTES) {
				skip_order(o, "column %s (%s): value of %zu bytes is longer than TEXT (65535 bytes)",
					   c->column, source_name(c), len);
				return COL_UNSET;
			}
		}
		db_quote(db, &b->lit, raw, len);
		break;
	case CT_DATE:
		/* Post columns are MySQL datetimes already; PHP's round trip
		 * through DateTime leaves them unchanged ('0000-00-00 00:00:00'
		 * becomes '-0001-11-30', which MySQL stores as the zero date). */
		if (!raw || !len)
			return COL_UNSET;
		db_quote(db, &b->lit, raw, len);
		break;
	case CT_EPOCH: {
		char d[CONV_DATE_MAX];

		if (raw && len == 0)
			return COL_UNSET;
		r = raw ? conv_epoch(raw, len, d) : CONV_INVALID;
		if (r == CONV_INVALID) {
			skip_order(o, "column %s (%s): value \"%.40s\" (%zu bytes) is not a Unix timestamp",
				   c->column, source_name(c), raw ? raw : "NULL", raw ? len : 0);
			return COL_UNSET;
		}
		if (r == CONV_OUT_OF_RANGE && !so->allow_truncation) {
			skip_order(o, "column %s (%s): timestamp \"%.40s\" is outside the datetime range",
				   c->column, source_name(c), raw);
			return COL_UNSET;
		}
		db_quote(db, &b->lit, d, strlen(d));
		break;
	}
	}
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

/* Step 1: choose the batch. */
static int select_batch(struct db *db, const struct sync_opts *so, uint64_t cursor,
			unsigned limit, struct batch *b, struct db_result **posts, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_row row;
	int rc;

	sb_adds(&sql, "SELECT p.ID, p.post_status, p.post_date_gmt, p.post_modified_gmt, p.post_parent, "
		"p.post_type, p.post_excerpt, o.id IS NOT NULL, ");
	/* Modified within the settle window (and not in the future): the shop
	 * may be in the middle of saving it. */
	sb_addf(&sql, "p.post_modified_gmt > UTC_TIMESTAMP() - INTERVAL %.0f SECOND AND p.post_modified_gmt <= UTC_TIMESTAMP() FROM ",
		so->settle);
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " p LEFT JOIN ");
	wc_table(db, &sql, "wc_orders");
	sb_addf(&sql, " o ON o.id = p.ID WHERE p.ID > %llu", (unsigned long long)cursor);
	if (so->end_at)
		sb_addf(&sql, " AND p.ID <= %llu", (unsigned long long)so->end_at);
	sb_adds(&sql, " AND p.post_type IN (");
	typelist_sql(db, so->types, &sql);
	sb_addf(&sql, ") AND ((o.id IS NULL AND p.post_status <> 'auto-draft') OR o.date_updated_gmt < p.post_modified_gmt)"
		" ORDER BY p.ID LIMIT %u", limit);
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
		o->cols = xcalloc(ncolmaps, sizeof(*o->cols));
		b->last_id = o->id;
	}
	return 0;
}

/* Step 2+3: post columns, then meta rows in meta_id order. */
static int load_and_convert(struct db *db, const struct sync_opts *so, struct batch *b,
			    struct db_result *posts, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *meta = NULL;
	struct db_row row;
	unsigned i = 0, any = 0;

	/* Post columns, straight from the posts result (same row order). */
	for (unsigned k = 0; k < b->n; k++)
		if (!b->o[k].deferred)
			any = 1;
	if (!any)
		return 0;
	i = 0;
	/* Rewind: db_fetch walks the stored result once more. */
	{
		unsigned k = 0;

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
	}
	sb_adds(&sql, "SELECT post_id, meta_key, meta_value FROM ");
	wc_table(db, &sql, "postmeta");
	sb_adds(&sql, " WHERE post_id IN (");
	add_in_list(&sql, b, 0);
	sb_adds(&sql, ") ORDER BY post_id, meta_id");
	if (db_run(db, DB_READ, sql.buf, sql.len, &meta, err) < 0) {
		sb_release(&sql);
		return -1;
	}
	sb_release(&sql);
	i = 0;
	while (db_fetch(meta, &row)) {
		uint64_t pid = strtoull(row.vals[0], NULL, 10);
		const char *key = row.vals[1], *val = row.vals[2];
		size_t klen = row.lens[1], vlen = row.lens[2];
		struct morder *o;
		unsigned idx[2], nidx;

		while (i < b->n && (b->o[i].id < pid || b->o[i].deferred))
			i++;
		if (i >= b->n || b->o[i].id != pid)
			continue;
		o = &b->o[i];
		if (!key)
			continue; /* a NULL meta_key is never copied (NULL NOT IN (...)) */
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
		if (o->nmeta == 0)
			o->meta_off = b->meta.len;
		else if (o->meta_off + o->meta_len != b->meta.len)
			abort(); /* meta rows arrive grouped by post_id */
		sb_addf(&b->meta, "%s(%llu,", b->meta.len == o->meta_off ? "" : ",", (unsigned long long)o->id);
		db_quote(db, &b->meta, key, klen);
		sb_addc(&b->meta, ',');
		db_quote(db, &b->meta, val ? val : "", val ? vlen : 0);
		sb_addc(&b->meta, ')');
		o->meta_len = b->meta.len - o->meta_off;
		o->nmeta++;
	}
	db_free_result(meta);
	return 0;
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

static void column_list(enum mig m, struct strbuf *sql, int update_clause)
{
	int first = 1;

	for (unsigned ci = 0; ci < ncolmaps; ci++) {
		const struct colmap *c = &colmaps[ci];

		if (c->mig != m)
			continue;
		if (update_clause)
			sb_addf(sql, "%s`%s` = VALUES(`%s`)", first ? "" : ", ", c->column, c->column);
		else
			sb_addf(sql, "%s`%s`", first ? "" : ", ", c->column);
		first = 0;
		if (mig_address_type[m] && c->post_col == PC_ID)
			sb_adds(sql, update_clause ? ", `address_type` = VALUES(`address_type`)" : ", `address_type`");
	}
}

/* Run one write; map its failure to an attempt outcome.  Statements that
 * leave warnings would have damaged data (MySQL's non-strict truncation):
 * treat them as a data error unless truncation is allowed. */
static enum attempt write_stmt(struct db *db, const struct sync_opts *so, struct strbuf *sql, struct herr *err)
{
	if (db_run(db, DB_WRITE, sql->buf, sql->len, NULL, err) < 0) {
		switch (db_errclass(db)) {
		case DBE_RETRY: return ATT_RETRY;
		case DBE_LOST: return ATT_LOST;
		case DBE_ACCESS: return ATT_FATAL;
		default: return ATT_DATA;
		}
	}
	if (!db_dry_run(db) && !so->allow_truncation && db_warning_count(db) > 0) {
		herr_set(err, HX_INTERNAL, "the server reported %u warning(s) writing the batch (data would be altered)",
			 db_warning_count(db));
		return ATT_DATA;
	}
	return ATT_OK;
}

static size_t packet_budget = 8u << 20;

/* Step 4: write every good order of the batch. */
static enum attempt write_batch(struct db *db, const struct sync_opts *so, struct batch *b,
				struct wclock *wl, unsigned *written, uint64_t *meta_rows, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	enum attempt a = ATT_OK;
	unsigned good = 0;

	*written = 0;
	for (unsigned i = 0; i < b->n; i++)
		if (!b->o[i].deferred && !b->o[i].skip)
			good++;
	if (!good)
		return ATT_OK;

	if (wl && wclock_refresh(db, wl, err) != 0)
		return ATT_LOCK_LOST;
	if (so->isolation && db_begin(db, so->isolation, err) < 0)
		return db_errclass(db) == DBE_LOST ? ATT_LOST : ATT_FATAL;

	/* wc_orders_meta: replace the orders' rows (WooCommerce >= 10.4:
	 * stale keys deleted, multi-valued keys replaced). */
	sb_adds(&sql, "DELETE FROM ");
	wc_table(db, &sql, "wc_orders_meta");
	sb_adds(&sql, " WHERE order_id IN (");
	add_in_list(&sql, b, 1);
	sb_addc(&sql, ')');
	a = write_stmt(db, so, &sql, err);
	for (unsigned i = 0; a == ATT_OK && i < b->n;) {
		int rows = 0;

		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, "wc_orders_meta");
		sb_adds(&sql, " (`order_id`, `meta_key`, `meta_value`) VALUES ");
		for (; i < b->n && (rows == 0 || sql.len < packet_budget); i++) {
			const struct morder *o = &b->o[i];

			if (o->deferred || o->skip || !o->nmeta)
				continue;
			if (rows)
				sb_addc(&sql, ',');
			sb_add(&sql, b->meta.buf + o->meta_off, o->meta_len);
			rows += (int)o->nmeta;
		}
		if (rows) {
			a = write_stmt(db, so, &sql, err);
			*meta_rows += (uint64_t)rows;
		}
	}
	/* Addresses, operational data, then wc_orders last. */
	static const enum mig order[] = { MIG_BILLING, MIG_SHIPPING, MIG_OPDATA, MIG_ORDER };
	for (unsigned k = 0; a == ATT_OK && k < ARRAY_SIZE(order); k++) {
		enum mig m = order[k];
		int first = 1;

		if (wl && wclock_refresh(db, wl, err) != 0) {
			a = ATT_LOCK_LOST;
			break;
		}
		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, mig_table[m]);
		sb_adds(&sql, " (");
		column_list(m, &sql, 0);
		sb_adds(&sql, ") VALUES ");
		for (unsigned i = 0; i < b->n; i++) {
			const struct morder *o = &b->o[i];

			if (o->deferred || o->skip)
				continue;
			if (!first)
				sb_addc(&sql, ',');
			first = 0;
			append_tuple(b, o, m, &sql);
		}
		sb_adds(&sql, " ON DUPLICATE KEY UPDATE ");
		column_list(m, &sql, 1);
		a = write_stmt(db, so, &sql, err);
	}
	sb_release(&sql);
	if (a == ATT_OK && wl && wclock_refresh(db, wl, err) != 0)
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
	return ATT_OK;
}

static void backoff(unsigned attempt)
{
	double base = 0.05 * (double)(1u << (attempt < 7 ? attempt : 7));
	double jitter = (double)(rand() % 1000) / 1000.0;
	double s = base * (0.5 + jitter);
	struct timespec ts;

	if (s > 5)
		s = 5;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void report_skips(struct db *db, struct batch *b, struct sync_stats_s *st)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct morder *o = &b->o[i];
		struct strbuf ev = STRBUF_INIT;
		struct herr e;

		if (!o->skip)
			continue;
		st->skipped++;
		out_warning("Order %llu skipped: %s", (unsigned long long)o->id, o->reason);
		sb_addf(&ev, "\"order_id\":%llu,\"reason\":", (unsigned long long)o->id);
		sb_add_json_str(&ev, o->reason, strlen(o->reason));
		out_event("order_skipped", ev.buf);
		sb_release(&ev);
		if (skipped_record(db, o->id, o->reason, &e) < 0)
			out_warning("could not record skipped order %llu: %s", (unsigned long long)o->id, e.msg);
	}
}

static int reconnect(struct db *db, const struct sync_opts *so, struct herr *err)
{
	struct strbuf holder = STRBUF_INIT;
	int rc;

	out_warning("Lost the database connection; reconnecting.");
	for (unsigned i = 0;; i++) {
		if (db_reconnect(db, err) == 0)
			break;
		if (i >= so->max_retries)
			return herr_prefix(err, "reconnecting failed");
		backoff(i + 3);
	}
	/* The advisory lock died with the old session: take it again. */
	rc = runlock_take(db, so->runlock_name, &holder, err);
	if (rc == 1)
		herr_set(err, HX_TEMPFAIL, "after reconnecting, another run holds the lock: %s", holder.buf);
	sb_release(&holder);
	return rc == 0 ? 0 : -1;
}

/* Process the batch after `cursor`; on success advance *cursor.  limit 1
 * is the isolation mode used after a data error. */
static int one_batch(struct db *db, const struct sync_opts *so, uint64_t *cursor, unsigned limit,
		     struct sync_stats_s *st, int *empty, uint64_t *isolate_to, struct herr *err)
{
	struct batch b;
	unsigned attempt = 0;

	memset(&b, 0, sizeof(b));
	for (;;) {
		struct db_result *posts = NULL;
		struct wclock wl;
		enum attempt a;
		unsigned written = 0;
		uint64_t meta_rows = 0;
		double t0 = now_mono(), t1;
		int rc;

		memset(&wl, 0, sizeof(wl));
		batch_reset(&b);
		*isolate_to = 0;
		rc = select_batch(db, so, *cursor, limit, &b, &posts, err);
		if (rc == 0 && b.n)
			rc = load_and_convert(db, so, &b, posts, err);
		db_free_result(posts);
		t1 = now_mono();
		st->t_read += t1 - t0;
		if (rc < 0) {
			if (db_errclass(db) == DBE_LOST && attempt++ < so->max_retries) {
				st->retries++;
				if (reconnect(db, so, err) < 0)
					break;
				continue;
			}
			if (db_errclass(db) == DBE_RETRY && attempt++ < so->max_retries) {
				st->retries++;
				backoff(attempt);
				continue;
			}
			break;
		}
		if (b.n == 0) {
			*empty = 1;
			batch_release(&b);
			return 0;
		}
		*empty = 0;
		if (!db_dry_run(db)) {
			int got = wclock_take(db, &wl, so->wclock_wait, err);

			if (got < 0) {
				rc = -1;
				if (db_errclass(db) == DBE_LOST && attempt++ < so->max_retries) {
					st->retries++;
					if (reconnect(db, so, err) < 0)
						break;
					continue;
				}
				break;
			}
			if (got == 1) {
				herr_set(err, HX_TEMPFAIL, "WooCommerce's migration lock (wc_posts_to_orders_migration_lock) "
					 "is held by another process for more than %.0f s; leaving the batch pending", so->wclock_wait);
				rc = -1;
				break;
			}
		}
		a = write_batch(db, so, &b, db_dry_run(db) ? NULL : &wl, &written, &meta_rows, err);
		wclock_release(db, &wl);
		st->t_write += now_mono() - t1;
		switch (a) {
		case ATT_OK: {
			uint64_t *ids = xcalloc(b.n, sizeof(*ids));
			unsigned n = 0;
			struct herr e;

			for (unsigned i = 0; i < b.n; i++) {
				if (b.o[i].deferred)
					st->deferred++;
				else if (!b.o[i].skip)
					ids[n++] = b.o[i].id;
			}
			if (skipped_clear(db, ids, n, &e) < 0)
				out_warning("could not clear skipped-order records: %s", e.msg);
			free(ids);
			report_skips(db, &b, st);
			st->synced += written;
			st->meta_rows += meta_rows;
			st->seen += b.n;
			st->batches++;
			*cursor = b.last_id;
			batch_release(&b);
			return 0;
		}
		case ATT_RETRY:
			if (attempt++ >= so->max_retries) {
				herr_prefix(err, "batch after ID %llu failed %u times", (unsigned long long)*cursor, attempt);
				err->code = HX_TEMPFAIL;
				goto fail;
			}
			st->retries++;
			out_event("batch_retried", "\"reason\":\"lock\"");
			out_debug("batch after ID %llu: %s; retrying (%u)", (unsigned long long)*cursor, err->msg, attempt);
			backoff(attempt);
			continue;
		case ATT_LOST:
			if (attempt++ >= so->max_retries) {
				err->code = HX_TEMPFAIL;
				goto fail;
			}
			st->retries++;
			out_event("batch_retried", "\"reason\":\"connection\"");
			if (reconnect(db, so, err) < 0)
				goto fail;
			continue;
		case ATT_LOCK_LOST:
			herr_set(err, HX_TEMPFAIL, "WooCommerce's migration lock was taken over by another process; "
				 "the batch was rolled back and stays pending");
			goto fail;
		case ATT_DATA:
			if (limit > 1) {
				/* Find the culprit: redo these orders one at a time. */
				out_debug("batch after ID %llu failed (%s); isolating its orders", (unsigned long long)*cursor, err->msg);
				*isolate_to = b.last_id;
				batch_release(&b);
				return 0;
			}
			/* A single order the server refuses: skip it, go on. */
			for (unsigned i = 0; i < b.n; i++)
				if (!b.o[i].deferred && !b.o[i].skip)
					skip_order(&b.o[i], "the server refused it: %s", err->msg);
			report_skips(db, &b, st);
			st->seen += b.n;
			*cursor = b.last_id;
			batch_release(&b);
			return 0;
		case ATT_FATAL:
			goto fail;
		}
	}
fail:
	batch_release(&b);
	return -1;
}

/* Deletion markers: _deleted_from = posts_table (and the older
 * deleted_from = <posts table name>) in wc_orders_meta. */
static int process_markers(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT, posts_tbl = STRBUF_INIT;
	int rc = 0;

	sb_addf(&posts_tbl, "%sposts", db_prefix(db));
	for (;;) {
		struct db_result *res = NULL;
		struct db_row row;
		uint64_t *ids = NULL;
		unsigned n = 0;

		if (hpos_interrupted)
			break;
		sb_reset(&sql);
		sb_adds(&sql, "SELECT DISTINCT m.order_id, o.id IS NOT NULL FROM ");
		wc_table(db, &sql, "wc_orders_meta");
		sb_adds(&sql, " m LEFT JOIN ");
		wc_table(db, &sql, "wc_orders");
		sb_adds(&sql, " o ON o.id = m.order_id WHERE (m.meta_key = '_deleted_from' AND m.meta_value = 'posts_table')"
			" OR (m.meta_key = 'deleted_from' AND m.meta_value = ");
		db_quote(db, &sql, posts_tbl.buf, posts_tbl.len);
		sb_addf(&sql, ") ORDER BY m.order_id DESC LIMIT %u", so->batch_size);
		if ((rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err)) < 0)
			break;
		ids = xcalloc(db_num_rows(res) + 1, sizeof(*ids));
		while (db_fetch(res, &row)) {
			ids[n] = strtoull(row.vals[0], NULL, 10);
			if (row.vals[1][0] != '1')
				out_warning("Order %llu doesn't exist in the backup table, thus it can't be deleted",
					    (unsigned long long)ids[n]);
			else
				st->deleted++;
			n++;
		}
		db_free_result(res);
		if (!n || db_dry_run(db)) {
			free(ids);
			break;
		}
		if (so->isolation && (rc = db_begin(db, so->isolation, err)) < 0) {
			free(ids);
			break;
		}
		/* delete_order_data_from_custom_order_tables(): the four HPOS
		 * tables and the order's items; the markers go with the meta. */
		static const struct { const char *t; const char *col; } dels[] = {
			{ "wc_orders", "id" }, { "wc_order_addresses", "order_id" },
			{ "wc_order_operational_data", "order_id" }, { "wc_orders_meta", "order_id" },
		};
		for (unsigned k = 0; rc == 0 && k < ARRAY_SIZE(dels); k++) {
			sb_reset(&sql);
			sb_adds(&sql, "DELETE FROM ");
			wc_table(db, &sql, dels[k].t);
			sb_addf(&sql, " WHERE %s IN (", dels[k].col);
			for (unsigned i = 0; i < n; i++)
				sb_addf(&sql, "%s%llu", i ? "," : "", (unsigned long long)ids[i]);
			sb_addc(&sql, ')');
			rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		}
		if (rc == 0) {
			sb_reset(&sql);
			sb_adds(&sql, "DELETE im FROM ");
			wc_table(db, &sql, "woocommerce_order_itemmeta");
			sb_adds(&sql, " im JOIN ");
			wc_table(db, &sql, "woocommerce_order_items");
			sb_adds(&sql, " i ON i.order_item_id = im.order_item_id WHERE i.order_id IN (");
			for (unsigned i = 0; i < n; i++)
				sb_addf(&sql, "%s%llu", i ? "," : "", (unsigned long long)ids[i]);
			sb_addc(&sql, ')');
			rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		}
		if (rc == 0) {
			sb_reset(&sql);
			sb_adds(&sql, "DELETE FROM ");
			wc_table(db, &sql, "woocommerce_order_items");
			sb_adds(&sql, " WHERE order_id IN (");
			for (unsigned i = 0; i < n; i++)
				sb_addf(&sql, "%s%llu", i ? "," : "", (unsigned long long)ids[i]);
			sb_addc(&sql, ')');
			rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		}
		free(ids);
		if (rc < 0) {
			if (so->isolation)
				db_rollback(db);
			break;
		}
		if (so->isolation && (rc = db_commit(db, err)) < 0)
			break;
	}
	sb_release(&sql);
	sb_release(&posts_tbl);
	return rc;
}

int sync_to_hpos(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err)
{
	uint64_t cursor = so->start_from ? so->start_from - 1 : 0;
	uint64_t isolate_until = 0;
	double start = now_mono();
	uint64_t maxpkt = 0;

	memset(st, 0, sizeof(*st));
	srand((unsigned)(now_wall() * 1000));
	if (db_get_u64(db, &maxpkt, NULL, err, "SELECT @@max_allowed_packet") < 0)
		return -1;
	if (maxpkt > (1u << 20)) {
		/* Leave room for the largest single tuple (TEXT, escaped). */
		packet_budget = (size_t)(maxpkt / 2) > (size_t)(maxpkt - (300u << 10)) ? (size_t)(maxpkt - (300u << 10))
										    : (size_t)(maxpkt / 2);
		if (packet_budget > (16u << 20))
			packet_budget = 16u << 20;
	}
	for (;;) {
		int empty = 0;
		uint64_t isolate_to = 0;
		unsigned limit = cursor < isolate_until ? 1 : so->batch_size;

		if (hpos_interrupted) {
			st->stop_reason = 3;
			break;
		}
		if (so->max_runtime > 0 && now_mono() - start >= so->max_runtime) {
			st->stop_reason = 1;
			break;
		}
		if (so->max_batches && st->batches >= so->max_batches) {
			st->stop_reason = 2;
			break;
		}
		if (one_batch(db, so, &cursor, limit, st, &empty, &isolate_to, err) < 0)
			return -1;
		if (empty)
			break;
		if (isolate_to) {
			/* Redo the failed batch's orders one at a time. */
			isolate_until = isolate_to;
			continue;
		}
		if (so->between && so->between(so->arg, st)) {
			st->stop_reason = 3;
			break;
		}
	}
	if (!st->stop_reason && process_markers(db, so, st, err) < 0)
		return -1;
	return 0;
}
