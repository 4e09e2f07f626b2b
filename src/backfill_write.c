/* backfill_write.c - writing a planned batch of the reverse direction:
 * placeholder posts, postmeta deletes, in-place updates and inserts, the
 * post rows last; retried on deadlocks and lost connections, split to
 * one order at a time to find an order the server refuses. */
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
/* One statement: its outcome, classified by the row writer.           */

/* A batch's outcome: B_RETRY retry it (deadlock, lock wait), B_LOST read
 * and plan it again (connection lost), B_DATA find the order the server
 * refuses, B_FATAL give up (access). */
enum batt { B_OK, B_RETRY, B_LOST, B_DATA, B_FATAL };

static size_t packet_budget = 4u << 20;
#define UPDATE_CHUNK 500u

/* The row writer's classified outcome as a batch outcome: a duplicate
 * key (a plain INSERT meeting a row written meanwhile) is a data error,
 * as any other refusal or data-altering warning. */
static enum batt batt_of(enum rw_result r)
{
	switch (r) {
	case RW_OK: return B_OK;
	case RW_RETRY: return B_RETRY;
	case RW_LOST: return B_LOST;
	case RW_FATAL: return B_FATAL;
	default: return B_DATA;
	}
}

/* Run one write statement (sql, not consumed); its outcome. */
static enum batt write_stmt(struct db *db, struct strbuf *sql, struct herr *err)
{
	return batt_of(rw_run_sql(db, sql->buf, sql->len, 0, err));
}

/* Write the rows collected in w (then freed); its outcome. */
static enum batt write_rows(struct rowwriter *w, struct herr *err)
{
	enum batt a = batt_of(rw_write(w, 0, err));

	rw_free(w);
	return a;
}

/* A failed COMMIT: retried on a deadlock, replanned on a lost
 * connection, fatal otherwise (never a data error: the rows went in). */
static enum batt classify_commit(struct db *db)
{
	switch (db_errclass(db)) {
	case DBE_RETRY: return B_RETRY;
	case DBE_LOST: return B_LOST;
	default: return B_FATAL;
	}
}

/* Contract in backfill_int.h. */
int bwrite_setup(struct db *db, struct herr *err)
{
	size_t row_limit = 0;

	return rw_packet_limits(db, &packet_budget, &row_limit, err);
}

/* ------------------------------------------------------------------ */
/* The steps of one batch, in the order they run.                      */

/* 1. maybe_create_backup_post(): each live order without a post gets a
 * placeholder with its ID (or, with compatibility mode on, a draft of
 * the real type), so that the ID is taken. */
static enum batt insert_placeholders(struct db *db, const struct site *s, const struct bbatch *b, struct herr *err)
{
	static const struct rw_col cols[] = {
		{ "ID", NULL }, { "post_author", "0" }, { "post_date", NULL }, { "post_date_gmt", NULL },
		{ "post_content", "''" }, { "post_title", "''" }, { "post_excerpt", "''" }, { "post_status", "'draft'" },
		{ "comment_status", NULL }, { "ping_status", "'closed'" }, { "post_password", "''" }, { "post_name", "''" },
		{ "to_ping", "''" }, { "pinged", "''" }, { "post_modified", NULL }, { "post_modified_gmt", NULL },
		{ "post_content_filtered", "''" }, { "post_parent", NULL }, { "guid", NULL }, { "menu_order", "0" },
		{ "post_type", NULL }, { "post_mime_type", "''" }, { "comment_count", "0" },
	};
	struct rowwriter *w = rw_new(db, "posts", cols, ARRAY_SIZE(cols));
	struct strbuf g = STRBUF_INIT;

	rw_set_budget(w, packet_budget);
	for (unsigned i = 0; i < b->n; i++) {
		const struct bord *o = &b->o[i];
		const char *t, *cs;

		if (!live_order(o) || o->post_exists)
			continue;
		t = s->compat ? o->type : PLACEHOLDER_TYPE;
		cs = !strcmp(t, "shop_order") && !strcmp(s->comment_status, "open") ? "open" : "closed";
		sb_reset(&g);
		guid(s, o, t, &g);
		rw_u64(w, o->id);
		rw_str_ref(w, o->date, strlen(o->date));
		rw_str_ref(w, o->date_gmt, strlen(o->date_gmt));
		rw_str_ref(w, cs, strlen(cs));
		rw_str_ref(w, o->date, strlen(o->date));
		rw_str_ref(w, o->date_gmt, strlen(o->date_gmt));
		rw_u64(w, o->parent);
		rw_str(w, g.buf ? g.buf : "", g.len);
		rw_str_ref(w, t, strlen(t));
	}
	sb_release(&g);
	return write_rows(w, err);
}

/* 2a. The postmeta rows the plan marked dead, in one DELETE by meta_id. */
static enum batt delete_dead_meta(struct db *db, const struct bbatch *b, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	unsigned ndel = 0;
	enum batt a = B_OK;

	sb_adds(&sql, "DELETE FROM ");
	wc_table(db, &sql, "postmeta");
	sb_adds(&sql, " WHERE meta_id IN (");
	for (unsigned i = 0; i < b->n; i++) {
		const struct bord *o = &b->o[i];

		for (size_t j = 0; live_order(o) && j < o->npm; j++)
			if (o->pm[j].meta_id && o->pm[j].dead)
				sb_addf(&sql, "%s%llu", ndel++ ? "," : "", (unsigned long long)o->pm[j].meta_id);
	}
	sb_addc(&sql, ')');
	if (ndel)
		a = write_stmt(db, &sql, err);
	sb_release(&sql);
	return a;
}

/* The UPDATE ... CASE being built by update_changed_meta(). */
struct meta_upd {
	struct strbuf sql, ids;
	unsigned n;
};

/* Close and run the pending CASE statement, if any; empties u. */
static enum batt meta_upd_flush(struct db *db, struct meta_upd *u, struct herr *err)
{
	if (!u->n)
		return B_OK;
	sb_addf(&u->sql, " END WHERE meta_id IN (%s)", u->ids.buf);
	u->n = 0;
	return write_stmt(db, &u->sql, err);
}

/* Add one row's new value to the pending CASE statement. */
static void meta_upd_add(struct db *db, struct meta_upd *u, const struct pmv *v)
{
	if (!u->n) {
		sb_reset(&u->sql);
		sb_reset(&u->ids);
		sb_adds(&u->sql, "UPDATE ");
		wc_table(db, &u->sql, "postmeta");
		sb_adds(&u->sql, " SET meta_value = CASE meta_id");
	}
	sb_addf(&u->sql, " WHEN %llu THEN ", (unsigned long long)v->meta_id);
	db_quote(db, &u->sql, v->val, v->vlen);
	sb_addf(&u->ids, "%s%llu", u->n++ ? "," : "", (unsigned long long)v->meta_id);
}

/* 2b. In-place updates of changed rows (their meta_ids kept).  A CASE is
 * evaluated branch by branch for every row, so one statement carries at
 * most UPDATE_CHUNK of them (and stays within the packet budget). */
static enum batt update_changed_meta(struct db *db, const struct bbatch *b, struct herr *err)
{
	struct meta_upd u = { STRBUF_INIT, STRBUF_INIT, 0 };
	enum batt a = B_OK;

	for (unsigned i = 0; a == B_OK && i < b->n; i++) {
		const struct bord *o = &b->o[i];

		for (size_t j = 0; a == B_OK && live_order(o) && j < o->npm; j++) {
			const struct pmv *v = &o->pm[j];

			if (!v->meta_id || v->dead || !v->changed)
				continue;
			meta_upd_add(db, &u, v);
			if (u.n >= UPDATE_CHUNK || u.sql.len >= packet_budget)
				a = meta_upd_flush(db, &u, err);
		}
	}
	if (a == B_OK)
		a = meta_upd_flush(db, &u, err);
	sb_release(&u.sql);
	sb_release(&u.ids);
	return a;
}

struct rowwriter *new_meta_writer(struct db *db)
{
	static const struct rw_col cols[] = { { "post_id", NULL }, { "meta_key", NULL }, { "meta_value", NULL } };

	return rw_new(db, "postmeta", cols, ARRAY_SIZE(cols));
}

void add_new_meta(struct rowwriter *w, const struct bord *o)
{
	for (size_t j = 0; j < o->npm; j++) {
		const struct pmv *v = &o->pm[j];

		if (v->meta_id || v->dead)
			continue;
		rw_u64(w, o->id);
		rw_str_ref(w, v->key, v->klen);
		rw_str_ref(w, v->val, v->vlen);
	}
}

/* 2c. The new postmeta rows, in plan order (a key's values keep their
 * order), through the row writer. */
static enum batt insert_new_meta(struct db *db, const struct bbatch *b, struct herr *err)
{
	struct rowwriter *w = new_meta_writer(db);

	rw_set_budget(w, packet_budget);
	for (unsigned i = 0; i < b->n; i++)
		if (live_order(&b->o[i]))
			add_new_meta(w, &b->o[i]);
	return write_rows(w, err);
}

/* The wp_posts columns update_post_rows() writes, in statement order. */
enum pw_col { PW_TYPE, PW_STATUS, PW_DATE, PW_DATE_GMT, PW_PARENT, PW_EXCERPT, PW_MOD, PW_MOD_GMT, PW_TITLE,
		PW_NAME, PW_GUID, PW_COUNT };
static const char *const post_cols[PW_COUNT] = { "post_type", "post_status", "post_date", "post_date_gmt", "post_parent",
						 "post_excerpt", "post_modified", "post_modified_gmt", "post_title",
						 "post_name", "guid" };

/* Append order o's planned value of column k, as an SQL literal. */
static void post_col_value(struct db *db, struct strbuf *sql, const struct bord *o, enum pw_col k)
{
	char num[24];

	switch (k) {
	case PW_TYPE: db_quote(db, sql, o->type, strlen(o->type)); break;
	case PW_STATUS: db_quote(db, sql, o->status, strlen(o->status)); break;
	case PW_DATE: db_quote(db, sql, o->date, strlen(o->date)); break;
	case PW_DATE_GMT: db_quote(db, sql, o->date_gmt, strlen(o->date_gmt)); break;
	case PW_PARENT:
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o->parent);
		sb_adds(sql, num);
		break;
	case PW_EXCERPT: db_quote(db, sql, o->excerpt, o->excerpt_len); break;
	case PW_MOD: db_quote(db, sql, o->mod, strlen(o->mod)); break;
	case PW_MOD_GMT: db_quote(db, sql, o->mod_gmt, strlen(o->mod_gmt)); break;
	case PW_TITLE: db_quote(db, sql, o->title, strlen(o->title)); break;
	case PW_NAME: db_quote(db, sql, o->name, strlen(o->name)); break;
	default: db_quote(db, sql, o->new_guid, strlen(o->new_guid)); break;
	}
}

/* 3. The post rows, last, in one UPDATE with a CASE per column: until
 * post_modified_gmt is written the order stays pending.  post_title is
 * set only for orders that have one planned (shop_order). */
static enum batt update_post_rows(struct db *db, const struct bbatch *b, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	unsigned ntitles = 0, n = 0;
	enum batt a;

	for (unsigned i = 0; i < b->n; i++)
		ntitles += live_order(&b->o[i]) && b->o[i].title;
	sb_adds(&sql, "UPDATE ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " SET");
	for (unsigned k = 0; k < PW_COUNT; k++) {
		if (k == PW_TITLE && !ntitles)
			continue;
		sb_addf(&sql, "%s %s = CASE ID", k ? "," : "", post_cols[k]);
		for (unsigned i = 0; i < b->n; i++) {
			const struct bord *o = &b->o[i];

			if (!live_order(o) || (k == PW_TITLE && !o->title))
				continue;
			sb_addf(&sql, " WHEN %llu THEN ", (unsigned long long)o->id);
			post_col_value(db, &sql, o, (enum pw_col)k);
		}
		sb_addf(&sql, " ELSE %s END", post_cols[k]);
	}
	sb_adds(&sql, " WHERE ID IN (");
	for (unsigned i = 0; i < b->n; i++)
		if (live_order(&b->o[i]))
			sb_addf(&sql, "%s%llu", n++ ? "," : "", (unsigned long long)b->o[i].id);
	sb_addc(&sql, ')');
	a = write_stmt(db, &sql, err);
	sb_release(&sql);
	return a;
}

/* The number of orders of b to be written now. */
static unsigned count_live(const struct bbatch *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->n; i++)
		n += live_order(&b->o[i]);
	return n;
}

/* Write the live orders of planned batch b (o->hold set: left out) in
 * one transaction (so->isolation; none: autocommit): placeholders,
 * postmeta deletes, updates, inserts, post rows.  *written is the number
 * of orders written (0 unless B_OK).  The plan in b is not changed.  In a
 * transaction any failure rolls back, so the plan can be written again;
 * without one the statements before the failure stay written, and the
 * batch must be planned again (write_retrying()). */
static enum batt write_batch(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			     unsigned *written, struct herr *err)
{
	unsigned good = count_live(b);
	enum batt a;

	*written = 0;
	if (!good)
		return B_OK;
	if (so->isolation && db_begin(db, so->isolation, err) < 0)
		return db_errclass(db) == DBE_LOST ? B_LOST : B_FATAL;
	a = insert_placeholders(db, s, b, err);
	if (a == B_OK)
		a = delete_dead_meta(db, b, err);
	if (a == B_OK)
		a = update_changed_meta(db, b, err);
	if (a == B_OK)
		a = insert_new_meta(db, b, err);
	if (a == B_OK)
		a = update_post_rows(db, b, err);
	if (a != B_OK) {
		if (so->isolation)
			db_rollback(db);
		return a;
	}
	if (so->isolation && db_commit(db, err) < 0)
		return classify_commit(db);
	*written = good;
	return B_OK;
}

/* ------------------------------------------------------------------ */
/* Retries.                                                            */

/* A data error in a batch of several orders: write them one at a time
 * (the others held back) so that only the order the server refuses is
 * skipped.  *written adds up the orders written; returns as
 * write_retrying(). */
static int write_one_by_one(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			    unsigned *written, struct sync_stats_s *st, struct herr *err)
{
	unsigned total = 0;
	int r = 0;

	for (unsigned i = 0; r == 0 && i < b->n; i++) {
		unsigned w = 0;

		/* Not live_order(): the holds of the previous round are still
		 * set here. */
		if (b->o[i].deferred || b->o[i].skip)
			continue;
		for (unsigned j = 0; j < b->n; j++)
			b->o[j].hold = j != i;
		r = write_retrying(db, so, s, b, &w, st, err);
		total += w;
	}
	for (unsigned j = 0; j < b->n; j++)
		b->o[j].hold = 0;
	*written = total;
	return r;
}

/* A data error: with one live order left, that order is skipped with the
 * server's reason; with more, they are written one by one. */
static int isolate_refused(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			   unsigned *written, struct sync_stats_s *st, struct herr *err)
{
	unsigned live = 0, last = 0;

	for (unsigned i = 0; i < b->n; i++)
		if (live_order(&b->o[i])) {
			live++;
			last = i;
		}
	if (live > 1)
		return write_one_by_one(db, so, s, b, written, st, err);
	bskip(&b->o[last], "the server refused it: %s", err->msg);
	*written = 0;
	return 0;
}

/* Contract in backfill_int.h: write_batch() until it succeeds, the
 * retries run out, or the outcome calls for a replan or the split. */
int write_retrying(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
		   unsigned *written, struct sync_stats_s *st, struct herr *err)
{
	for (unsigned attempt = 0;; attempt++) {
		enum batt a = write_batch(db, so, s, b, written, err);

		switch (a) {
		case B_OK:
			return 0;
		case B_RETRY:
		case B_LOST:
			if (attempt >= so->max_retries) {
				herr_prefix(err, "giving up after %u attempts", attempt + 1);
				err->code = HX_TEMPFAIL;
				return -1;
			}
			st->retries++;
			out_event("batch_retried", a == B_RETRY ? "\"reason\":\"lock\"" : "\"reason\":\"connection\"");
			if (a == B_LOST) {
				/* The outcome of a cut-off COMMIT is unknown and the
				 * writes are not idempotent (postmeta inserts): read
				 * the batch again instead of replaying it. */
				if (runlock_reconnect(db, so->runlock_name, 1, so->max_retries, err) < 0)
					return -1;
				return 1;
			}
			retry_backoff(attempt);
			if (!so->isolation)
				return 1; /* the statements before it stay written: plan again */
			continue;
		case B_DATA:
			if (!so->isolation && count_live(b) > 1)
				return 2; /* the same, one order at a time */
			return isolate_refused(db, so, s, b, written, st, err);
		case B_FATAL:
			return -1;
		}
	}
}
