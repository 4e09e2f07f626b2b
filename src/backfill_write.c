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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

enum batt { B_OK, B_RETRY, B_LOST, B_DATA, B_FATAL };

size_t packet_budget = 4u << 20;
#define UPDATE_CHUNK 500u

static enum batt classify(struct db *db)
{
	switch (db_errclass(db)) {
	case DBE_RETRY: return B_RETRY;
	case DBE_LOST: return B_LOST;
	case DBE_ACCESS: return B_FATAL;
	default: return B_DATA;
	}
}

static enum batt run_write(struct db *db, struct strbuf *sql, struct herr *err)
{
	int w;

	if (db_run(db, DB_WRITE, sql->buf, sql->len, NULL, err) < 0)
		return classify(db);
	/* Data-altering warnings would have damaged the order (db_data_warnings()). */
	if ((w = db_data_warnings(db, err)) != 0)
		return w < 0 ? classify(db) : B_DATA;
	return B_OK;
}

static enum batt write_batch(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			     unsigned *written, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT, upd = STRBUF_INIT, ids = STRBUF_INIT;
	enum batt a = B_OK;
	unsigned good = 0, nins = 0, nupd = 0, ndel = 0;

	*written = 0;
	for (unsigned i = 0; i < b->n; i++)
		good += live_order(&b->o[i]);
	if (!good)
		return B_OK;
	if (so->isolation && db_begin(db, so->isolation, err) < 0)
		return db_errclass(db) == DBE_LOST ? B_LOST : B_FATAL;
	/* 1. maybe_create_backup_post(): the ID is taken by a placeholder
	 * (or, with compatibility mode on, a draft of the real type). */
	sb_adds(&sql, "INSERT INTO ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, "
		"comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt, "
		"post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count) VALUES ");
	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];
		const char *t;

		if (!live_order(o) || o->post_exists)
			continue;
		t = s->compat ? o->type : PLACEHOLDER_TYPE;
		sb_addf(&sql, "%s(%llu, 0, '%s', '%s', '', '', '', 'draft', '%s', 'closed', '', '', '', '', '%s', '%s', '', %llu, ",
			nins ? "," : "", (unsigned long long)o->id, o->date, o->date_gmt,
			!strcmp(t, "shop_order") && !strcmp(s->comment_status, "open") ? "open" : "closed",
			o->date, o->date_gmt, (unsigned long long)o->parent);
		sb_reset(&upd);
		guid(s, o, t, &upd);
		db_quote(db, &sql, upd.buf, upd.len);
		sb_adds(&sql, ", 0, ");
		db_quote(db, &sql, t, strlen(t));
		sb_adds(&sql, ", '', 0)");
		nins++;
	}
	if (nins)
		a = run_write(db, &sql, err);
	/* 2. postmeta: deletes, in-place updates, inserts. */
	sb_reset(&sql);
	sb_adds(&sql, "DELETE FROM ");
	wc_table(db, &sql, "postmeta");
	sb_adds(&sql, " WHERE meta_id IN (");
	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];

		if (!live_order(o))
			continue;
		for (size_t j = 0; j < o->npm; j++) {
			struct pmv *v = &o->pm[j];

			if (v->meta_id && v->dead)
				sb_addf(&sql, "%s%llu", ndel++ ? "," : "", (unsigned long long)v->meta_id);
		}
	}
	sb_addc(&sql, ')');
	if (a == B_OK && ndel)
		a = run_write(db, &sql, err);
	/* In-place updates: a CASE is evaluated branch by branch for every
	 * row, so one statement carries at most UPDATE_CHUNK of them. */
	for (unsigned i = 0; a == B_OK && i < b->n; i++) {
		struct bord *o = &b->o[i];

		if (!live_order(o))
			continue;
		for (size_t j = 0; a == B_OK && j <= o->npm; j++) {
			struct pmv *v = j < o->npm ? &o->pm[j] : NULL;
			int last = j == o->npm;

			if (v && v->meta_id && !v->dead && v->changed) {
				if (!nupd) {
					sb_reset(&upd);
					sb_reset(&ids);
					sb_adds(&upd, "UPDATE ");
					wc_table(db, &upd, "postmeta");
					sb_adds(&upd, " SET meta_value = CASE meta_id");
				}
				sb_addf(&upd, " WHEN %llu THEN ", (unsigned long long)v->meta_id);
				db_quote(db, &upd, v->val, v->vlen);
				sb_addf(&ids, "%s%llu", nupd++ ? "," : "", (unsigned long long)v->meta_id);
			}
			if (nupd && (nupd >= UPDATE_CHUNK || upd.len >= packet_budget || (last && i + 1 == b->n))) {
				sb_addf(&upd, " END WHERE meta_id IN (%s)", ids.buf);
				a = run_write(db, &upd, err);
				nupd = 0;
			}
		}
	}
	if (a == B_OK && nupd) {
		sb_addf(&upd, " END WHERE meta_id IN (%s)", ids.buf);
		a = run_write(db, &upd, err);
	}
	for (unsigned i = 0; a == B_OK && i < b->n;) {
		unsigned rows = 0;

		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, "postmeta");
		sb_adds(&sql, " (post_id, meta_key, meta_value) VALUES ");
		for (; i < b->n && (rows == 0 || sql.len < packet_budget); i++) {
			struct bord *o = &b->o[i];

			if (!live_order(o))
				continue;
			for (size_t j = 0; j < o->npm; j++) {
				struct pmv *v = &o->pm[j];

				if (v->meta_id || v->dead)
					continue;
				sb_addf(&sql, "%s(%llu,", rows++ ? "," : "", (unsigned long long)o->id);
				db_quote(db, &sql, v->key, v->klen);
				sb_addc(&sql, ',');
				db_quote(db, &sql, v->val, v->vlen);
				sb_addc(&sql, ')');
			}
		}
		if (rows)
			a = run_write(db, &sql, err);
	}
	/* 3. The post rows, last, in one statement per column set: until
	 * post_modified_gmt is written the order stays pending. */
	if (a == B_OK) {
		static const char *const cols[] = { "post_type", "post_status", "post_date", "post_date_gmt", "post_parent",
						    "post_excerpt", "post_modified", "post_modified_gmt", "post_title",
						    "post_name", "guid" };
		unsigned n = 0;

		sb_reset(&sql);
		sb_adds(&sql, "UPDATE ");
		wc_table(db, &sql, "posts");
		sb_adds(&sql, " SET");
		unsigned ntitles = 0;

		for (unsigned i = 0; i < b->n; i++)
			ntitles += live_order(&b->o[i]) && b->o[i].title;
		for (size_t k = 0; k < ARRAY_SIZE(cols); k++) {
			if (k == 8 && !ntitles)
				continue;
			sb_addf(&sql, "%s %s = CASE ID", k ? "," : "", cols[k]);
			for (unsigned i = 0; i < b->n; i++) {
				struct bord *o = &b->o[i];
				char num[24];

				if (!live_order(o) || (k == 8 && !o->title))
					continue;
				sb_addf(&sql, " WHEN %llu THEN ", (unsigned long long)o->id);
				switch (k) {
				case 0: db_quote(db, &sql, o->type, strlen(o->type)); break;
				case 1: db_quote(db, &sql, o->status, strlen(o->status)); break;
				case 2: db_quote(db, &sql, o->date, strlen(o->date)); break;
				case 3: db_quote(db, &sql, o->date_gmt, strlen(o->date_gmt)); break;
				case 4:
					snprintf(num, sizeof(num), "%llu", (unsigned long long)o->parent);
					sb_adds(&sql, num);
					break;
				case 5: db_quote(db, &sql, o->excerpt, o->excerpt_len); break;
				case 6: db_quote(db, &sql, o->mod, strlen(o->mod)); break;
				case 7: db_quote(db, &sql, o->mod_gmt, strlen(o->mod_gmt)); break;
				case 8: db_quote(db, &sql, o->title, strlen(o->title)); break;
				case 9: db_quote(db, &sql, o->name, strlen(o->name)); break;
				default: db_quote(db, &sql, o->new_guid, strlen(o->new_guid)); break;
				}
			}
			sb_addf(&sql, " ELSE %s END", cols[k]);
		}
		sb_adds(&sql, " WHERE ID IN (");
		for (unsigned i = 0; i < b->n; i++)
			if (live_order(&b->o[i]))
				sb_addf(&sql, "%s%llu", n++ ? "," : "", (unsigned long long)b->o[i].id);
		sb_addc(&sql, ')');
		a = run_write(db, &sql, err);
	}
	sb_release(&sql);
	sb_release(&upd);
	sb_release(&ids);
	if (a != B_OK) {
		if (so->isolation)
			db_rollback(db);
		return a;
	}
	if (so->isolation && db_commit(db, err) < 0)
		return db_errclass(db) == DBE_RETRY ? B_RETRY : db_errclass(db) == DBE_LOST ? B_LOST : B_FATAL;
	*written = good;
	return B_OK;
}

int write_retrying(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			  unsigned *written, struct sync_stats_s *st, struct herr *err)
{
	for (unsigned attempt = 0;; attempt++) {
		enum batt a = write_batch(db, so, s, b, written, err);
		unsigned live = 0, last = 0;

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
			continue;
		case B_DATA:
			for (unsigned i = 0; i < b->n; i++)
				if (live_order(&b->o[i])) {
					live++;
					last = i;
				}
			if (live == 1) {
				bskip(&b->o[last], "the server refused it: %s", err->msg);
				*written = 0;
				return 0;
			}
			/* One at a time, to find the order the server refuses. */
			{
				unsigned total = 0;

				for (unsigned i = 0; i < b->n; i++) {
					unsigned w = 0;

					if (!live_order(&b->o[i]))
						continue;
					for (unsigned j = 0; j < b->n; j++)
						b->o[j].hold = j != i;
					int r = write_retrying(db, so, s, b, &w, st, err);

					if (r != 0) {
						for (unsigned j = 0; j < b->n; j++)
							b->o[j].hold = 0;
						return r;
					}
					total += w;
				}
				for (unsigned j = 0; j < b->n; j++)
					b->o[j].hold = 0;
				*written = total;
			}
			return 0;
		case B_FATAL:
			return -1;
		}
	}
}
