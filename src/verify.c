/* verify.c - posts store vs HPOS tables, order by order (see verify.h). */
#include "verify.h"
#include "mapping.h"
#include "orderconv.h"
#include "orderread.h"

#include "wcstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys WooCommerce leaves out of verification (get_ignored_order_props()):
 * they legitimately drift between the stores. */
/* _deleted_from: deletion markers, never copied by sync (docs/deleting.md). */
static const char *const ignored_keys[] = { "_edit_lock", "_paid_date", "_completed_date", "_deleted_from",
	/* WordPress's record of a trashed post's slug: wp_update_post() adds
	 * and removes it on the posts side only (HPOS has no slug). */
	"_wp_desired_post_slug" };

enum { POST_NONE = 0, POST_ORDER, POST_PLACEHOLDER, POST_OTHER };

/* A fetched value: pointers into a stored result (stable until freed). */
struct fv {
	const char *s;
	unsigned long len;
};

struct mrow {
	unsigned oi;
	struct fv key, val;
};

/* Expected value of one column. */
struct xcol {
	int state;           /* OCV_NULL, OCV_SET, OCV_BAD */
	struct fv v;         /* the value (OCV_SET) */
	struct fv raw;       /* the source value it came from */
	char *why;           /* OCV_BAD */
};

struct word {
	uint64_t id;
	int post;
	int auto_draft;
	struct fv post_type;
	struct fv pc[PC_COUNT];
	struct xcol *x;         /* ncolmaps */
	struct fv *h;           /* ncolmaps: HPOS values */
	unsigned rows[MIG_COUNT];
	unsigned extra_addr;
	struct fv extra_type;
	size_t pm0, pmn, hm0, hmn;  /* meta row ranges, after sorting */
};

/* A pool of stable strings (never moved): converted values. */
struct pool {
	char **blocks;
	unsigned n;
	size_t used;
};
#define POOL_BLOCK 65536

/* A copy of s[0..len), NUL-terminated, that stays put until
 * pool_release(): blocks are only ever added, never moved. */
static const char *pool_add(struct pool *p, const char *s, size_t len)
{
	char *d;

	if (!p->n || p->used + len + 1 > POOL_BLOCK) {
		size_t sz = len + 1 > POOL_BLOCK ? len + 1 : POOL_BLOCK;

		p->blocks = xgrow(p->blocks, p->n, sizeof(*p->blocks));
		p->blocks[p->n++] = xmalloc(sz);
		p->used = sz > POOL_BLOCK ? POOL_BLOCK : len + 1; /* an oversized block is used once */
		d = p->blocks[p->n - 1];
	} else {
		d = p->blocks[p->n - 1] + p->used;
		p->used += len + 1;
	}
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static void pool_release(struct pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->blocks[i]);
	free(p->blocks);
	memset(p, 0, sizeof(*p));
}

static const char *source_name(const struct colmap *c)
{
	if (c->meta_key)
		return c->meta_key;
	return c->post_col >= 0 && c->post_col < PC_COUNT ? post_col_name[c->post_col] : "?";
}

static int fv_eq(struct fv a, const char *s, size_t len)
{
	return a.s && a.len == len && !memcmp(a.s, s, len);
}

/* 1 when the meta key k[0..len) is one verification leaves out. */
static int is_ignored(const char *k, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(ignored_keys); i++)
		if (strlen(ignored_keys[i]) == len && !memcmp(ignored_keys[i], k, len))
			return 1;
	return 0;
}


/* " WHERE col ..." for a window: a range when the IDs are dense
 * (the optimizer then uses the order_id index, where an IN list of
 * hundreds makes it scan the table), else the list; rows of orders
 * outside the window are dropped by the caller. */
static void id_range(struct strbuf *sql, const char *col, const uint64_t *ids, unsigned n)
{
	if (ids_close(ids[0], ids[n - 1], n)) {
		sb_addf(sql, " WHERE %s BETWEEN %llu AND %llu", col, (unsigned long long)ids[0],
			(unsigned long long)ids[n - 1]);
	} else {
		sb_addf(sql, " WHERE %s IN (", col);
		sb_add_ids(sql, ids, n);
		sb_addc(sql, ')');
	}
}

/* Run sql, a list of IDs in its first column, into *v[0..*n) (the
 * caller frees *v).  0, or -1 with err set. */
static int ids_query(struct db *db, struct strbuf *sql, uint64_t **v, unsigned *n, struct herr *err)
{
	struct db_result *res = NULL;
	struct db_row row;

	if (db_run(db, DB_READ, sql->buf, sql->len, &res, err) < 0)
		return -1;
	*v = xcalloc(db_num_rows(res) + 1, sizeof(**v));
	*n = 0;
	while (db_fetch(res, &row))
		(*v)[(*n)++] = strtoull(row.vals[0], NULL, 10);
	db_free_result(res);
	return 0;
}

/* The next batch_size HPOS order IDs after cursor (to end_at), so that
 * orders without a post are seen too.  *b is the caller's to free. */
static int hpos_window_ids(struct db *db, const struct verify_opts *o, uint64_t cursor, uint64_t **b, unsigned *nb,
			   struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT id FROM ");
	wc_table(db, &sql, "wc_orders");
	sb_addf(&sql, " WHERE id > %llu", (unsigned long long)cursor);
	if (o->end_at)
		sb_addf(&sql, " AND id <= %llu", (unsigned long long)o->end_at);
	sb_adds(&sql, " AND type IN (");
	typelist_sql(db, o->types, &sql);
	sb_addf(&sql, ") ORDER BY id LIMIT %u", o->batch_size);
	rc = ids_query(db, &sql, b, nb, err);
	sb_release(&sql);
	return rc;
}

/* The next batch_size order post IDs after cursor (auto-drafts are never
 * migrated), no further than the HPOS list b[0..nb) reached when it is
 * full: where posts hold only placeholders the scan must not run to the
 * end of wp_posts for every window.  *a is the caller's to free. */
static int post_window_ids(struct db *db, const struct verify_opts *o, uint64_t cursor, const uint64_t *b,
			   unsigned nb, uint64_t **a, unsigned *na, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT ID FROM ");
	wc_table(db, &sql, "posts");
	sb_addf(&sql, " WHERE ID > %llu", (unsigned long long)cursor);
	if (nb == o->batch_size && nb)
		sb_addf(&sql, " AND ID <= %llu", (unsigned long long)b[nb - 1]);
	else if (o->end_at)
		sb_addf(&sql, " AND ID <= %llu", (unsigned long long)o->end_at);
	sb_adds(&sql, " AND post_type IN (");
	typelist_sql(db, o->types, &sql);
	sb_addf(&sql, ") AND post_status <> 'auto-draft' ORDER BY ID LIMIT %u", o->batch_size);
	rc = ids_query(db, &sql, a, na, err);
	sb_release(&sql);
	return rc;
}

/* Merge the two ascending lists into ids (room for na + nb), each ID
 * once, up to where the first full list ends.  Returns the count. */
static unsigned merge_window(const struct verify_opts *o, const uint64_t *a, unsigned na, const uint64_t *b,
			     unsigned nb, uint64_t *ids)
{
	uint64_t hi = UINT64_MAX;
	unsigned k = 0;

	if (na == o->batch_size && na)
		hi = a[na - 1];
	if (nb == o->batch_size && nb && b[nb - 1] < hi)
		hi = b[nb - 1];
	for (unsigned i = 0, j = 0; i < na || j < nb;) {
		uint64_t v;

		if (j >= nb || (i < na && a[i] < b[j]))
			v = a[i++];
		else if (i >= na || b[j] < a[i])
			v = b[j++];
		else {
			v = a[i++];
			j++;
		}
		if (v > hi)
			break;
		ids[k++] = v;
	}
	return k;
}

int verify_window(struct db *db, const struct verify_opts *o, uint64_t *cursor, uint64_t **ids,
		  unsigned *n, struct herr *err)
{
	uint64_t *a = NULL, *b = NULL;
	unsigned na = 0, nb = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	rc = hpos_window_ids(db, o, *cursor, &b, &nb, err);
	if (rc == 0)
		rc = post_window_ids(db, o, *cursor, b, nb, &a, &na, err);
	if (rc == 0) {
		*ids = xcalloc(na + nb + 1, sizeof(**ids));
		*n = merge_window(o, a, na, b, nb, *ids);
		if (*n)
			*cursor = (*ids)[*n - 1];
	}
	free(a);
	free(b);
	return rc < 0 ? -1 : 0;
}

int verify_count(struct db *db, const struct verify_opts *o, uint64_t *n, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	int rc;

	*n = 0;
	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, "posts");
	sb_addf(&sql, " WHERE post_type IN (");
	typelist_sql(db, o->types, &sql);
	sb_addf(&sql, ") AND post_status <> 'auto-draft' AND ID >= %llu", (unsigned long long)o->start_from);
	if (o->end_at)
		sb_addf(&sql, " AND ID <= %llu", (unsigned long long)o->end_at);
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc == 0 && db_fetch(res, &row) && row.vals[0])
		*n = strtoull(row.vals[0], NULL, 10);
	db_free_result(res);
	return rc;
}

/* ---- reading one window ---------------------------------------------- */

/* HPOS child rows whose order is neither in wc_orders nor a post. */
struct orphan {
	uint64_t id;
	enum hpos_table t;
};

/* One window as read: an entry per order (w[i] is the order ids[i]), the
 * stored results the fv values point into, both meta lists and the
 * orphan candidates.  Owned by the caller; chunk_release() frees it all. */
struct chunk {
	struct word *w;
	unsigned n;
	struct db_result *posts, *pmeta, *orders, *addr, *opdata, *hmeta;
	struct mrow *pm, *hm;
	size_t npm, nhm, cap_pm, cap_hm;
	struct pool pool;
	uint64_t lo;            /* window start (0: not a whole window) */
	struct orphan *orph;    /* child rows of no order in the window */
	size_t norph, caporph;
};

/* Free everything c holds, results included; c is left zeroed. */
static void chunk_release(struct chunk *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		if (c->w[i].x)
			for (unsigned ci = 0; ci < ncolmaps; ci++)
				free(c->w[i].x[ci].why);
		free(c->w[i].x);
		free(c->w[i].h);
	}
	free(c->w);
	db_free_result(c->posts);
	db_free_result(c->pmeta);
	db_free_result(c->orders);
	db_free_result(c->addr);
	db_free_result(c->opdata);
	db_free_result(c->hmeta);
	free(c->pm);
	free(c->hm);
	free(c->orph);
	pool_release(&c->pool);
	memset(c, 0, sizeof(*c));
}

/* An entry per order of ids[0..n), with room for the expected (x) and the
 * HPOS (h) value of every mapped column. */
static void chunk_init(struct chunk *c, const uint64_t *ids, unsigned n)
{
	c->w = xcalloc(n + 1, sizeof(*c->w));
	c->n = n;
	for (unsigned i = 0; i < n; i++) {
		c->w[i].id = ids[i];
		c->w[i].x = xcalloc(ncolmaps, sizeof(*c->w[i].x));
		c->w[i].h = xcalloc(ncolmaps, sizeof(*c->w[i].h));
	}
}

static void column_list(struct strbuf *sql, enum mig m)
{
	for (unsigned ci = 0; ci < ncolmaps; ci++)
		if (colmaps[ci].mig == m && colmaps[ci].post_col != PC_ID)
			sb_addf(sql, ", `%s`", colmaps[ci].column);
}

/* sql = "SELECT first, <the mapped columns of m> FROM <table>". */
static void select_mapped(struct db *db, struct strbuf *sql, const char *first, enum mig m, const char *table)
{
	struct strbuf cols = STRBUF_INIT;

	sb_adds(&cols, first);
	column_list(&cols, m);
	orderread_select(db, sql, cols.buf, table);
	sb_release(&cols);
}

/* Point w's HPOS values of table m at row, whose mapped columns (in
 * column_list() order) start at field first. */
static void fill_hpos(struct word *w, enum mig m, const struct db_row *row, unsigned first)
{
	unsigned f = first;

	for (unsigned ci = 0; ci < ncolmaps; ci++)
		if (colmaps[ci].mig == m && colmaps[ci].post_col != PC_ID) {
			w->h[ci].s = row->vals[f];
			w->h[ci].len = row->lens[f];
			f++;
		}
}

static void push_mrow(struct mrow **v, size_t *n, size_t *cap, struct mrow r)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = r;
}

/* Byte order of two values, NULL first. */
static int fvcmp(struct fv a, struct fv b)
{
	size_t l = a.len < b.len ? a.len : b.len;
	int r;

	if (!a.s || !b.s)
		return (a.s != NULL) - (b.s != NULL);
	r = l ? memcmp(a.s, b.s, l) : 0;
	if (r)
		return r;
	return a.len < b.len ? -1 : a.len > b.len;
}

/* qsort() order of meta rows: by order, then key, then value. */
static int mrow_cmp(const void *pa, const void *pb)
{
	const struct mrow *a = pa, *b = pb;
	int r;

	if (a->oi != b->oi)
		return a->oi < b->oi ? -1 : 1;
	if ((r = fvcmp(a->key, b->key)))
		return r;
	return fvcmp(a->val, b->val);
}

/* The value sync would write into column ci from the source raw[0..len)
 * (NULL: SQL NULL), kept in w->x[ci]: raw points into a stored result, a
 * converted value is copied into the chunk's pool. */
static void set_expected(struct chunk *c, struct word *w, unsigned ci, const char *raw, size_t len,
			 const struct verify_opts *o)
{
	struct ocv v;
	int r = orderconv(ci, raw, len, o->precision, 0, &v);
	struct xcol *x = &w->x[ci];

	x->raw.s = raw;
	x->raw.len = raw ? len : 0;
	if (r == OCV_BAD) {
		if (!x->why)
			x->why = xstrdup(v.why);
		x->state = OCV_BAD;
		return;
	}
	if (r != OCV_SET)
		return;
	x->state = OCV_SET;
	x->v.s = v.s == raw ? raw : pool_add(&c->pool, v.s, v.len);
	x->v.len = v.len;
}

/* " WHERE order_id ..." for a child table.  A whole window: its ID range,
 * as every child row in it belongs to one of its orders or to none (an
 * orphan, reported); else id_range() of the orders. */
static void child_range(const struct chunk *c, struct strbuf *sql, const uint64_t *ids, unsigned n)
{
	if (c->lo)
		sb_addf(sql, " WHERE order_id BETWEEN %llu AND %llu", (unsigned long long)c->lo,
			(unsigned long long)ids[n - 1]);
	else
		id_range(sql, "order_id", ids, n);
}

static int orphan_cmp(const void *pa, const void *pb)
{
	const struct orphan *a = pa, *b = pb;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (int)a->t - (int)b->t;
}

/* Note a child row of table t whose order (id, a decimal string; NULL
 * reads as 0) is in neither store, when reading a whole window. */
static void orphan_add(struct chunk *c, const char *id, enum hpos_table t)
{
	if (!c->lo)
		return;
	if (c->norph == c->caporph) {
		c->caporph = c->caporph ? c->caporph * 2 : 16;
		c->orph = xrealloc(c->orph, c->caporph * sizeof(*c->orph));
	}
	c->orph[c->norph++] = (struct orphan){ id ? strtoull(id, NULL, 10) : 0, t };
}

/* Set exists[k] for each of ids[0..n) (ascending) that has a wc_orders
 * row or a post of any type.  0, or -1 with err set. */
static int mark_existing(struct db *db, const uint64_t *ids, unsigned n, char *exists, struct herr *err)
{
	static const char *const key[2] = { "id", "ID" }, *const table[2] = { "wc_orders", "posts" };
	struct strbuf sql = STRBUF_INIT;
	int rc = 0;

	for (int t = 0; t < 2 && rc == 0; t++) {
		struct orderrows r;
		struct db_row row;
		int k;

		orderread_select(db, &sql, key[t], table[t]);
		orderread_in(&sql, key[t], ids, n);
		if ((rc = orderread_run(db, &sql, ids, n, &r, err)) < 0)
			break;
		while (orderread_next(&r, &row, &k))
			if (k >= 0)
				exists[k] = 1;
		db_free_result(r.res);
	}
	sb_release(&sql);
	return rc;
}

/* Orphan candidates whose order does exist (wc_orders or wp_posts, any
 * type: another order type, an auto-draft) are no orphans: drop them
 * from c->orph, which is left sorted by (id, table).  0, or -1. */
static int orphans_confirm(struct db *db, struct chunk *c, struct herr *err)
{
	uint64_t *ids;
	char *exists;
	size_t nid = 0, keep = 0;
	int rc;

	if (!c->norph)
		return 0;
	qsort(c->orph, c->norph, sizeof(*c->orph), orphan_cmp);
	ids = xcalloc(c->norph, sizeof(*ids));
	exists = xcalloc(c->norph, 1);
	for (size_t r = 0; r < c->norph; r++)
		if (!nid || ids[nid - 1] != c->orph[r].id)
			ids[nid++] = c->orph[r].id;
	rc = mark_existing(db, ids, (unsigned)nid, exists, err);
	for (size_t r = 0; rc == 0 && r < c->norph; r++)
		if (!exists[orderread_find(ids, (unsigned)nid, c->orph[r].id)])
			c->orph[keep++] = c->orph[r];
	if (rc == 0)
		c->norph = keep;
	free(ids);
	free(exists);
	return rc;
}

/* A row handed to a taker: k is the index of its order in the chunk, -1
 * for a row of none of them. */
typedef void take_fn(struct chunk *c, const struct verify_opts *o, int k, const struct db_row *row);

/* Run sql for the chunk's orders ids[0..n), keep the result in *keep (the
 * chunk's: the values stay pointed at until chunk_release()) and hand
 * every row to take.  0, or -1 with err set. */
static int read_rows(struct db *db, const struct strbuf *sql, const uint64_t *ids, unsigned n,
		     struct db_result **keep, take_fn *take, struct chunk *c, const struct verify_opts *o,
		     struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	if (orderread_run(db, sql, ids, n, &r, err) < 0)
		return -1;
	*keep = r.res;
	while (orderread_next(&r, &row, &k))
		take(c, o, k, &row);
	return 0;
}

/* A wp_posts row: what kind of post the order is, and the values sync
 * would write from its columns. */
static void take_post(struct chunk *c, const struct verify_opts *o, int k, const struct db_row *row)
{
	struct word *w;
	int is_type = 0;

	if (k < 0)
		return;
	w = &c->w[k];
	for (unsigned t = 0; t < o->types->n; t++)
		if (fv_eq((struct fv){ row->vals[PC_TYPE], row->lens[PC_TYPE] }, o->types->v[t], strlen(o->types->v[t])))
			is_type = 1;
	w->post_type = (struct fv){ row->vals[PC_TYPE], row->lens[PC_TYPE] };
	w->post = is_type ? POST_ORDER :
		  fv_eq(w->post_type, PLACEHOLDER_TYPE, strlen(PLACEHOLDER_TYPE)) ? POST_PLACEHOLDER : POST_OTHER;
	w->auto_draft = fv_eq((struct fv){ row->vals[PC_STATUS], row->lens[PC_STATUS] }, "auto-draft", 10);
	for (int pc = 0; pc < PC_COUNT; pc++)
		w->pc[pc] = (struct fv){ row->vals[pc], row->lens[pc] };
	if (w->post != POST_ORDER)
		return;
	for (unsigned ci = 0; ci < ncolmaps; ci++) {
		enum post_col pc = colmaps[ci].post_col;

		if (pc != PC_NONE)
			set_expected(c, w, ci, row->vals[pc], row->lens[pc], o);
	}
}

/* A postmeta row (post_id, meta_key, meta_value) of an order post: a
 * mapped key sets the expected column value (the first that does not
 * convert to NULL wins, as in sync), any other key not ignored is kept
 * for the meta comparison (a NULL value as '', as wpdb::prepare()). */
static void take_postmeta(struct chunk *c, const struct verify_opts *o, int k, const struct db_row *row)
{
	struct word *w;
	unsigned idx[2], nidx;

	if (k < 0 || !row->vals[1])
		return; /* a NULL meta_key is never copied */
	w = &c->w[k];
	if (w->post != POST_ORDER)
		return;
	nidx = mapping_lookup(row->vals[1], row->lens[1], idx);
	if (nidx) {
		for (unsigned j = 0; j < nidx; j++)
			if (w->x[idx[j]].state != OCV_SET)
				set_expected(c, w, idx[j], row->vals[2], row->lens[2], o);
		return;
	}
	if (is_ignored(row->vals[1], row->lens[1]))
		return;
	push_mrow(&c->pm, &c->npm, &c->cap_pm, (struct mrow){ (unsigned)k, { row->vals[1], row->lens[1] },
			  { row->vals[2] ? row->vals[2] : "", row->vals[2] ? row->lens[2] : 0 } });
}

/* No wc_orders row and no order post: a child row of such an order is
 * an orphan candidate. */
static int orderless(const struct chunk *c, int k)
{
	return k < 0 || (!c->w[k].rows[MIG_ORDER] && c->w[k].post != POST_ORDER);
}

/* A wc_orders row (id, mapped columns). */
static void take_order(struct chunk *c, const struct verify_opts *o, int k, const struct db_row *row)
{
	if (k < 0)
		return;
	c->w[k].rows[MIG_ORDER]++;
	fill_hpos(&c->w[k], MIG_ORDER, row, 1);
}

/* A wc_order_addresses row (order_id, address_type, mapped columns): the
 * first billing and shipping row give the values; other types are
 * counted as extra rows. */
static void take_address(struct chunk *c, const struct verify_opts *o, int k, const struct db_row *row)
{
	struct fv t = { row->vals[1], row->lens[1] };
	struct word *w;
	enum mig m;

	if (orderless(c, k))
		orphan_add(c, row->vals[0], T_ADDRESSES);
	if (k < 0)
		return;
	w = &c->w[k];
	if (fv_eq(t, "billing", 7))
		m = MIG_BILLING;
	else if (fv_eq(t, "shipping", 8))
		m = MIG_SHIPPING;
	else {
		if (!w->extra_addr++)
			w->extra_type = t;
		return;
	}
	if (!w->rows[m]++)
		fill_hpos(w, m, row, 2);
}

/* A wc_order_operational_data row (order_id, mapped columns). */
static void take_opdata(struct chunk *c, const struct verify_opts *o, int k, const struct db_row *row)
{
	if (orderless(c, k))
		orphan_add(c, row->vals[0], T_OPDATA);
	if (k < 0)
		return;
	if (!c->w[k].rows[MIG_OPDATA]++)
		fill_hpos(&c->w[k], MIG_OPDATA, row, 1);
}

/* A wc_orders_meta row (order_id, meta_key, meta_value), kept for the
 * meta comparison unless its key is ignored. */
static void take_hpos_meta(struct chunk *c, const struct verify_opts *o, int k, const struct db_row *row)
{
	if (orderless(c, k))
		orphan_add(c, row->vals[0], T_META);
	if (k < 0)
		return;
	if (row->vals[1] && is_ignored(row->vals[1], row->lens[1]))
		return;
	push_mrow(&c->hm, &c->nhm, &c->cap_hm, (struct mrow){ (unsigned)k, { row->vals[1], row->lens[1] },
			  { row->vals[2], row->lens[2] } });
}

/* The order posts of the window, by ID. */
static int read_posts(struct db *db, const struct verify_opts *o, const uint64_t *ids, unsigned n,
		      struct chunk *c, struct strbuf *sql, struct herr *err)
{
	orderread_select(db, sql, "ID, post_status, post_date_gmt, post_modified_gmt, post_parent, post_type, post_excerpt",
			 "posts");
	orderread_in(sql, "ID", ids, n);
	return read_rows(db, sql, ids, n, &c->posts, take_post, c, o, err);
}

/* Postmeta in meta_id order within each post: read by primary-key range
 * where the window's rows are dense, as sync reads them (rows of other
 * posts in the range are dropped by take_postmeta()), else by post_id. */
static int read_postmeta(struct db *db, const struct verify_opts *o, const uint64_t *ids, unsigned n,
			 struct chunk *c, struct strbuf *sql, struct herr *err)
{
	struct strbuf where = STRBUF_INIT;
	uint64_t lo, hi;
	int rc;

	id_range(&where, "post_id", ids, n);
	rc = wc_postmeta_span(db, where.buf, &lo, &hi, err);
	orderread_select(db, sql, "post_id, meta_key, meta_value", "postmeta");
	if (rc > 0)
		sb_addf(sql, " WHERE meta_id BETWEEN %llu AND %llu", (unsigned long long)lo, (unsigned long long)hi);
	else
		sb_addf(sql, "%s ORDER BY post_id, meta_id", where.buf);
	sb_release(&where);
	if (rc < 0)
		return rc;
	return read_rows(db, sql, ids, n, &c->pmeta, take_postmeta, c, o, err);
}

/* The HPOS side: wc_orders by ID, then the three child tables over the
 * window's range (child_range()), which also finds their orphan rows. */
static int read_hpos(struct db *db, const struct verify_opts *o, const uint64_t *ids, unsigned n,
		     struct chunk *c, struct strbuf *sql, struct herr *err)
{
	select_mapped(db, sql, "id", MIG_ORDER, "wc_orders");
	orderread_in(sql, "id", ids, n);
	if (read_rows(db, sql, ids, n, &c->orders, take_order, c, o, err) < 0)
		return -1;
	select_mapped(db, sql, "order_id, address_type", MIG_BILLING, "wc_order_addresses");
	child_range(c, sql, ids, n);
	if (read_rows(db, sql, ids, n, &c->addr, take_address, c, o, err) < 0)
		return -1;
	select_mapped(db, sql, "order_id", MIG_OPDATA, "wc_order_operational_data");
	child_range(c, sql, ids, n);
	if (read_rows(db, sql, ids, n, &c->opdata, take_opdata, c, o, err) < 0)
		return -1;
	orderread_select(db, sql, "order_id, meta_key, meta_value", "wc_orders_meta");
	child_range(c, sql, ids, n);
	return read_rows(db, sql, ids, n, &c->hmeta, take_hpos_meta, c, o, err);
}

/* Group both meta lists per order, sorted by (key, value): each order's
 * rows are pm[pm0 .. pm0 + pmn) and hm[hm0 .. hm0 + hmn). */
static void group_meta(struct chunk *c)
{
	if (c->npm)
		qsort(c->pm, c->npm, sizeof(*c->pm), mrow_cmp);
	if (c->nhm)
		qsort(c->hm, c->nhm, sizeof(*c->hm), mrow_cmp);
	for (size_t r = c->npm; r-- > 0;) {
		c->w[c->pm[r].oi].pm0 = r;
		c->w[c->pm[r].oi].pmn++;
	}
	for (size_t r = c->nhm; r-- > 0;) {
		c->w[c->hm[r].oi].hm0 = r;
		c->w[c->hm[r].oi].hmn++;
	}
}

/* Read both stores for the orders ids[0..n) (ascending, n > 0) into c
 * (zeroed, c->lo set; the caller releases it, also on error): posts,
 * postmeta, the four HPOS tables, then the orphan check.  0, or -1. */
static int load_chunk(struct db *db, const struct verify_opts *o, const uint64_t *ids, unsigned n,
		      struct chunk *c, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	chunk_init(c, ids, n);
	rc = read_posts(db, o, ids, n, c, &sql, err);
	if (rc == 0)
		rc = read_postmeta(db, o, ids, n, c, &sql, err);
	if (rc == 0)
		rc = read_hpos(db, o, ids, n, c, &sql, err);
	if (rc == 0)
		rc = orphans_confirm(db, c, err);
	if (rc == 0)
		group_meta(c);
	sb_release(&sql);
	return rc;
}

/* ---- comparing ------------------------------------------------------- */

/* A plain decimal number, normalised: no sign for zero, no leading or
 * trailing zeros.  -1 when s is not one. */
static int dec_norm(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0, ib, ie, fb, fe;
	int neg = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	ib = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	ie = i;
	fb = fe = i;
	if (i < len && s[i] == '.') {
		fb = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		fe = i;
	}
	if (i != len || (ie == ib && fe == fb))
		return -1;
	while (ib < ie && s[ib] == '0')
		ib++;
	while (fe > fb && s[fe - 1] == '0')
		fe--;
	if ((ie - ib) + (fe - fb) + 4 > outsz)
		return -1;
	if (neg && (ie > ib || fe > fb))
		out[o++] = '-';
	if (ie == ib)
		out[o++] = '0';
	memcpy(out + o, s + ib, ie - ib);
	o += ie - ib;
	if (fe > fb) {
		out[o++] = '.';
		memcpy(out + o, s + fb, fe - fb);
		o += fe - fb;
	}
	out[o] = '\0';
	return 0;
}

/* Equal as decimal numbers, or byte for byte where either is none. */
static int dec_eq(const char *a, size_t al, const char *b, size_t bl)
{
	char x[96], y[96];

	if (dec_norm(a, al, x, sizeof(x)) < 0 || dec_norm(b, bl, y, sizeof(y)) < 0)
		return al == bl && !memcmp(a, b, al);
	return !strcmp(x, y);
}

/* Show v normalised when it is a decimal number ("74.00" as "74"). */
static void dec_show(struct vval *v)
{
	char n[96];

	if (v->s && dec_norm(v->s, v->len, n, sizeof(n)) == 0) {
		free(v->s);
		v->s = xstrdup(n);
		v->len = strlen(n);
	}
}

static int ci_created = -1, ci_order_email = -1, ci_billing_email = -1;

static void verify_ci_init(void)
{
	if (ci_created >= 0)
		return;
	ci_created = mapping_find(MIG_ORDER, "date_created_gmt");
	ci_order_email = mapping_find(MIG_ORDER, "billing_email");
	ci_billing_email = mapping_find(MIG_BILLING, "email");
}

/* The one NULL rule (mapping_null_reads_as()) applied to a value. */
static struct fv null_read(const struct colmap *c, struct fv v, const char *currency, struct fv created)
{
	struct null_ctx nx = { currency, created.s, created.len };
	size_t len;
	const char *d;

	if ((c->type == CT_DATE || c->type == CT_EPOCH) && fv_eq(v, "0000-00-00 00:00:00", 19))
		v.s = NULL;
	if (v.s)
		return v;
	d = mapping_null_reads_as(c, &nx, &len);
	return (struct fv){ d, d ? len : 0 };
}

/* The HPOS value of column ci as WooCommerce reads it: the billing address
 * row's email is read after wc_orders.billing_email and a NULL is skipped,
 * so a NULL (or missing) address email leaves the order's. */
static struct fv hpos_value(const struct word *w, unsigned ci)
{
	if ((int)ci == ci_billing_email && !w->h[ci].s)
		return w->h[ci_order_email];
	return w->h[ci];
}

/* A refund WooCommerce writes straight into HPOS has no address rows and a
 * NULL customer_note, where migrating its post gives empty rows and '':
 * both read the same under the NULL rule, as any other order's would. */
static int col_equal(unsigned ci, const struct word *w, const char *currency)
{
	const struct colmap *c = &colmaps[ci];
	const struct xcol *x = &w->x[ci];
	struct fv e = x->state == OCV_SET ? x->v : (struct fv){ NULL, 0 };
	struct fv h = hpos_value(w, ci);
	struct fv xc = w->x[ci_created].state == OCV_SET ? w->x[ci_created].v : (struct fv){ NULL, 0 };

	e = null_read(c, e, currency, xc);
	h = null_read(c, h, currency, w->h[ci_created]);
	if (!e.s || !h.s)
		return !e.s && !h.s;
	if (c->type == CT_DECIMAL || c->type == CT_INT) {
		if (dec_eq(e.s, e.len, h.s, h.len))
			return 1;
		/* A source already in the column's own form (more decimals
		 * than sync's rounding keeps) is not a difference either. */
		return x->raw.s && dec_eq(x->raw.s, x->raw.len, h.s, h.len);
	}
	return e.len == h.len && !memcmp(e.s, h.s, e.len);
}

static struct vval vv(struct fv v)
{
	struct vval r = { NULL, 0 };

	if (v.s) {
		r.s = xstrndup(v.s, v.len);
		r.len = v.len;
	}
	return r;
}

struct ventry *vorder_add(struct vorder *vo, enum ventry_kind k, const char *table)
{
	struct ventry *e;

	vo->e = xgrow(vo->e, vo->n, sizeof(*vo->e));
	e = &vo->e[vo->n++];
	memset(e, 0, sizeof(*e));
	e->kind = k;
	e->table = table;
	return e;
}

/* Append a copy of f (NULL stays NULL) to the list *v[0..*n). */
static void add_vals(struct vval **v, unsigned *n, struct fv f)
{
	*v = xgrow(*v, *n, sizeof(**v));
	(*v)[(*n)++] = vv(f);
}

/* Sync writes both address rows and the operational-data row, even when
 * all their values are NULL.  A missing row reads as all NULL, so it is
 * no difference when every value the posts side holds for it reads the
 * same (the one NULL rule): 1 then. */
static int missing_row_reads_same(const struct word *w, enum mig m, const char *currency)
{
	for (unsigned ci = 0; ci < ncolmaps; ci++)
		if (colmaps[ci].mig == m && colmaps[ci].post_col == PC_NONE &&
		    (w->x[ci].state == OCV_BAD || !col_equal(ci, w, currency)))
			return 0;
	return 1;
}

/* An entry about table m's row itself, naming the address type. */
static struct ventry *row_entry(struct vorder *vo, enum ventry_kind k, enum mig m)
{
	struct ventry *e = vorder_add(vo, k, mig_table[m]);

	if (mig_address_type[m])
		e->key = vv((struct fv){ mig_address_type[m], strlen(mig_address_type[m]) });
	return e;
}

/* Column ci of the order: an entry when its source cannot be migrated,
 * or when the two stores read differently (every column with opts.all;
 * decimals shown as WooCommerce shows them: "74", "567.25"). */
static void compare_column(const struct verify_opts *o, const struct word *w, unsigned ci, struct vorder *vo,
			   const char *currency)
{
	const struct colmap *c = &colmaps[ci];
	const struct xcol *x = &w->x[ci];
	struct ventry *e;
	int same;

	if (x->state == OCV_BAD) {
		e = vorder_add(vo, VE_UNMIGRATABLE, mig_table[c->mig]);
		e->column = c->column;
		e->source = source_name(c);
		e->reason = xstrdup(x->why);
		add_vals(&e->orig, &e->norig, x->raw);
		add_vals(&e->new, &e->nnew, w->h[ci]);
		return;
	}
	same = col_equal(ci, w, currency);
	if (same && !o->all)
		return;
	e = vorder_add(vo, VE_COLUMN, mig_table[c->mig]);
	e->same = same;
	e->column = c->column;
	e->source = source_name(c);
	add_vals(&e->orig, &e->norig, x->state == OCV_SET ? x->v : (struct fv){ NULL, 0 });
	add_vals(&e->new, &e->nnew, w->h[ci]);
	if (c->type == CT_DECIMAL) {
		dec_show(&e->orig[0]);
		dec_show(&e->new[0]);
	}
}

/* The mapped columns of the order, table by table, into vo: missing,
 * duplicate and extra rows, then column by column.  With opts.all a
 * missing row's columns are listed too. */
static void compare_columns(const struct verify_opts *o, struct word *w, struct vorder *vo, const char *currency)
{
	for (int m = 0; m < MIG_COUNT; m++) {
		if (!w->rows[m]) {
			if (m != MIG_ORDER && !missing_row_reads_same(w, (enum mig)m, currency))
				row_entry(vo, VE_ROW_MISSING, (enum mig)m);
			if (!o->all)
				continue;
		}
		if (w->rows[m] > 1)
			row_entry(vo, VE_ROW_DUPLICATE, (enum mig)m)->count = w->rows[m];
		for (unsigned ci = 0; ci < ncolmaps; ci++)
			if (colmaps[ci].mig == (enum mig)m && colmaps[ci].post_col != PC_ID)
				compare_column(o, w, ci, vo, currency);
	}
	if (w->extra_addr) {
		struct ventry *e = vorder_add(vo, VE_ROW_EXTRA, "wc_order_addresses");

		e->key = vv(w->extra_type);
		e->count = w->extra_addr;
	}
}

/* mapping_address_index() source: the value sync would write into
 * column ci (ctx: the struct word), NULL when none. */
static const char *posts_field(const void *ctx, unsigned ci, size_t *len)
{
	const struct word *w = ctx;

	*len = w->x[ci].state == OCV_SET ? w->x[ci].v.len : 0;
	return w->x[ci].state == OCV_SET ? w->x[ci].v.s : NULL;
}

/* The address index keys are derived data: WooCommerce writes them into
 * postmeta whenever it writes the address, and into wc_orders_meta only
 * when it saves the order in HPOS.  A posts-only index (one row) that is
 * exactly the index of the order's posts address is no difference; any
 * other value, a second row or an HPOS-only row still is. */
static int derived_index_only_in_posts(const struct word *w, struct fv key, size_t npm, size_t nhm, struct fv val)
{
	enum mig m;
	struct strbuf sb = STRBUF_INIT;
	int same;

	if (npm != 1 || nhm != 0)
		return 0;
	if (fv_eq(key, "_billing_address_index", 22))
		m = MIG_BILLING;
	else if (fv_eq(key, "_shipping_address_index", 23))
		m = MIG_SHIPPING;
	else
		return 0;
	mapping_address_index(m, posts_field, w, &sb);
	same = sb.len == val.len && !memcmp(sb.buf, val.s, val.len);
	sb_release(&sb);
	return same;
}

/* The order's meta (non-mapped postmeta vs wc_orders_meta), key by key
 * over both sorted lists: a key differs when its multisets of values do
 * (an address index only in posts excepted).  An entry per differing key
 * (per key with opts.all) into vo. */
static void compare_meta(const struct verify_opts *o, const struct chunk *c, const struct word *w,
			 struct vorder *vo)
{
	size_t i = w->pm0, ie = w->pm0 + w->pmn, j = w->hm0, je = w->hm0 + w->hmn;

	if (!w->pmn)
		i = ie = 0;
	if (!w->hmn)
		j = je = 0;
	while (i < ie || j < je) {
		struct fv key;
		size_t i2 = i, j2 = j;
		int same = 1;
		struct ventry *e;

		if (j >= je || (i < ie && fvcmp(c->pm[i].key, c->hm[j].key) <= 0))
			key = c->pm[i].key;
		else
			key = c->hm[j].key;
		while (i2 < ie && !fvcmp(c->pm[i2].key, key))
			i2++;
		while (j2 < je && !fvcmp(c->hm[j2].key, key))
			j2++;
		if (i2 - i != j2 - j)
			same = 0;
		for (size_t k = 0; same && k < i2 - i; k++)
			if (fvcmp(c->pm[i + k].val, c->hm[j + k].val))
				same = 0;
		if (!same && i2 > i && derived_index_only_in_posts(w, key, i2 - i, j2 - j, c->pm[i].val))
			same = 1;
		if (!same || o->all) {
			e = vorder_add(vo, VE_META, "wc_orders_meta");
			e->same = same;
			e->key = vv(key);
			for (size_t k = i; k < i2; k++)
				add_vals(&e->orig, &e->norig, c->pm[k].val);
			for (size_t k = j; k < j2; k++)
				add_vals(&e->new, &e->nnew, c->hm[k].val);
		}
		i = i2;
		j = j2;
	}
}

static int vorder_cmp(const void *pa, const void *pb)
{
	const struct vorder *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

/* Child rows of orders that exist nowhere: one entry per table. */
static void add_orphans(struct chunk *c, struct vresult *res)
{
	if (!c->norph)
		return;
	qsort(c->orph, c->norph, sizeof(*c->orph), orphan_cmp);
	{
		/* room for one more order per distinct ID, at once */
		size_t ids = 0;

		for (size_t r = 0; r < c->norph; r++)
			ids += r == 0 || c->orph[r].id != c->orph[r - 1].id;
		res->o = xrealloc(res->o, (res->n + ids + 1) * sizeof(*res->o));
	}
	for (size_t r = 0; r < c->norph;) {
		uint64_t id = c->orph[r].id;
		struct vorder *vo;

		vo = &res->o[res->n++];
		memset(vo, 0, sizeof(*vo));
		vo->id = id;
		while (r < c->norph && c->orph[r].id == id) {
			enum hpos_table t = c->orph[r].t;
			struct ventry *e = vorder_add(vo, VE_ORPHAN_ROWS, hpos_table_suffix[t]);

			while (r < c->norph && c->orph[r].id == id && c->orph[r].t == t) {
				e->count++;
				r++;
			}
		}
	}
	qsort(res->o, res->n, sizeof(*res->o), vorder_cmp);
}

/* Both comparisons of one order: the mapped columns, then the meta. */
static void compare_order(const struct verify_opts *o, const struct chunk *c, struct word *w, struct vorder *vo,
			  const char *currency)
{
	compare_columns(o, w, vo, currency);
	compare_meta(o, c, w, vo);
}

/* An order post with no wc_orders row: listed (auto-drafts are never
 * migrated: not counted, not listed), with every comparison under
 * opts.all.  1 when vo is to be kept. */
static int verify_not_in_hpos(const struct verify_opts *o, const struct chunk *c, struct word *w,
			      struct vorder *vo, const char *currency, uint64_t *verified)
{
	if (w->auto_draft)
		return 0; /* never migrated */
	(*verified)++;
	vorder_add(vo, VE_NOT_IN_HPOS, "wc_orders");
	vo->remigratable = !o->hpos_auth;
	if (o->all)
		compare_order(o, c, w, vo, currency);
	return 1;
}

/* A wc_orders row with no order post (none, a placeholder or a post of
 * another type).  Placeholders are the posts side of HPOS-authoritative
 * orders; a missing post matters there only with sync on.  1 when vo is
 * to be kept. */
static int verify_not_in_posts(const struct verify_opts *o, const struct chunk *c, struct word *w,
			       struct vorder *vo, const char *currency)
{
	if (!(o->hpos_auth && (w->post == POST_PLACEHOLDER || (w->post == POST_NONE && !o->compat)))) {
		struct ventry *e = vorder_add(vo, VE_NOT_IN_POSTS, "wc_orders");

		if (w->post != POST_NONE)
			e->key = vv(w->post_type);
	} else if (!o->all) {
		return 0;
	}
	if (o->all)
		compare_order(o, c, w, vo, currency);
	return 1;
}

/* Verify one order of the chunk into vo (uninitialised: set here),
 * counting it in *verified when it is one.  1 when vo is to be kept (it
 * lists differences, or everything with opts.all), 0 when not: the
 * caller then reuses the slot (vo holds no entries). */
static int verify_one(const struct verify_opts *o, const struct chunk *c, struct word *w, struct vorder *vo,
		      const char *currency, uint64_t *verified)
{
	int in_hpos = w->rows[MIG_ORDER] > 0;

	memset(vo, 0, sizeof(*vo));
	vo->id = w->id;
	if (w->post == POST_ORDER && !in_hpos)
		return verify_not_in_hpos(o, c, w, vo, currency, verified);
	if (!in_hpos)
		return 0;
	(*verified)++;
	if (w->post != POST_ORDER)
		return verify_not_in_posts(o, c, w, vo, currency);
	compare_order(o, c, w, vo, currency);
	if (!vo->n)
		return 0;
	vo->remigratable = !o->hpos_auth;
	return 1;
}

/* Read the window's orders ids[0..n) (n > 0) into c inside one
 * REPEATABLE READ transaction: a consistent snapshot, no rows locked.
 * lo is the window's first ID (0: not a whole window).  0, or -1 with
 * err set (the transaction ended; the caller releases c). */
static int load_snapshot(struct db *db, const struct verify_opts *o, const uint64_t *ids, unsigned n, uint64_t lo,
			 struct chunk *c, struct herr *err)
{
	if (db_begin(db, "REPEATABLE READ", err) < 0)
		return -1;
	c->lo = lo && lo <= ids[0] ? lo : 0;
	if (load_chunk(db, o, ids, n, c, err) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, err) < 0 ? -1 : 0;
}

/* The store's currency ('' when unset), for the NULL rule; caller frees. */
static int read_currency(struct db *db, char **currency, struct herr *err)
{
	*currency = NULL;
	if (wc_option_get(db, "woocommerce_currency", currency, err) < 0)
		return -1;
	if (!*currency)
		*currency = xstrdup("");
	return 0;
}

int verify_orders(struct db *db, const struct verify_opts *o, const uint64_t *ids, unsigned n,
		  uint64_t lo, struct vresult *res, struct herr *err)
{
	struct chunk c;
	char *currency = NULL;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	if (!n)
		return 0;
	if (load_snapshot(db, o, ids, n, lo, &c, err) < 0) {
		chunk_release(&c);
		return -1;
	}
	verify_ci_init();
	if (read_currency(db, &currency, err) < 0) {
		chunk_release(&c);
		return -1;
	}
	res->o = xcalloc(n + 1, sizeof(*res->o));
	for (unsigned i = 0; i < n; i++)
		res->n += verify_one(o, &c, &c.w[i], &res->o[res->n], currency, &res->verified);
	add_orphans(&c, res);
	chunk_release(&c);
	free(currency);
	return 0;
}

int verify_tail(struct db *db, const struct verify_opts *o, uint64_t cursor, struct vresult *res,
		struct herr *err)
{
	static const enum hpos_table tabs[] = { T_ADDRESSES, T_OPDATA, T_META };
	struct strbuf sql = STRBUF_INIT;
	struct chunk c;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.lo = cursor + 1;
	if (o->end_at && cursor >= o->end_at)
		return 0;
	if (db_begin(db, "REPEATABLE READ", err) < 0)
		return -1;
	for (size_t k = 0; rc == 0 && k < ARRAY_SIZE(tabs); k++) {
		struct db_result *r = NULL;
		struct db_row row;

		sb_reset(&sql);
		sb_adds(&sql, "SELECT order_id FROM ");
		wc_table(db, &sql, hpos_table_suffix[tabs[k]]);
		sb_addf(&sql, " WHERE order_id > %llu", (unsigned long long)cursor);
		if (o->end_at)
			sb_addf(&sql, " AND order_id <= %llu", (unsigned long long)o->end_at);
		sb_adds(&sql, " ORDER BY order_id LIMIT 10000");
		if ((rc = db_run(db, DB_READ, sql.buf, sql.len, &r, err)) < 0)
			break;
		while (db_fetch(r, &row))
			orphan_add(&c, row.vals[0], tabs[k]);
		db_free_result(r);
	}
	if (rc == 0)
		rc = orphans_confirm(db, &c, err);
	if (rc < 0)
		db_rollback(db);
	else
		rc = db_commit(db, err);
	if (rc == 0)
		add_orphans(&c, res);
	sb_release(&sql);
	chunk_release(&c);
	return rc;
}

static void vval_free(struct vval *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i].s);
	free(v);
}

void vorder_release(struct vorder *o)
{
	for (unsigned k = 0; k < o->n; k++) {
		struct ventry *e = &o->e[k];

		vval_free(e->orig, e->norig);
		vval_free(e->new, e->nnew);
		free(e->key.s);
		free(e->reason);
	}
	free(o->e);
	o->e = NULL;
	o->n = 0;
}

void vresult_release(struct vresult *res)
{
	for (unsigned i = 0; i < res->n; i++)
		vorder_release(&res->o[i]);
	free(res->o);
	memset(res, 0, sizeof(*res));
}

/* ---- JSON ------------------------------------------------------------ */

/* PHP json_encode() string: "/" as "\/", non-ASCII as \uXXXX. */
static void php_json_str(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_addc(sb, '"');
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		unsigned cp, need;

		if (c < 0x80) {
			switch (c) {
			case '"': sb_adds(sb, "\\\""); break;
			case '\\': sb_adds(sb, "\\\\"); break;
			case '/': sb_adds(sb, "\\/"); break;
			case '\n': sb_adds(sb, "\\n"); break;
			case '\r': sb_adds(sb, "\\r"); break;
			case '\t': sb_adds(sb, "\\t"); break;
			case '\b': sb_adds(sb, "\\b"); break;
			case '\f': sb_adds(sb, "\\f"); break;
			default:
				if (c < 0x20)
					sb_addf(sb, "\\u%04x", c);
				else
					sb_addc(sb, (char)c);
			}
			i++;
			continue;
		}
		need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		cp = need == 3 ? (c & 7) : need == 2 ? (c & 15) : (c & 31);
		if (need && i + need < len)
			for (unsigned k = 1; k <= need; k++)
				if ((p[i + k] & 0xC0) != 0x80)
					need = 0;
		if (!need || i + need >= len) {
			sb_adds(sb, "\\ufffd"); /* invalid UTF-8 */
			i++;
			continue;
		}
		for (unsigned k = 1; k <= need; k++)
			cp = (cp << 6) | (p[i + k] & 63);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			sb_addf(sb, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
		} else {
			sb_addf(sb, "\\u%04x", cp);
		}
		i += need + 1;
	}
	sb_addc(sb, '"');
}

static void jstr(struct strbuf *sb, const char *s, size_t len, int php)
{
	if (php)
		php_json_str(sb, s, len);
	else
		sb_add_json_str(sb, s, len);
}

static void jval(struct strbuf *sb, const struct vval *v, int php)
{
	if (v->s)
		jstr(sb, v->s, v->len, php);
	else
		sb_adds(sb, "null");
}

static const char *const kind_name[] = {
	"column", "meta", "row_missing", "row_extra", "row_duplicate", "missing_in_hpos", "missing_in_posts",
	"unmigratable", "remigrate_failed", "orphan_rows",
};

/* A tiny writer for PHP's pretty print and compact JSON alike. */
struct jw {
	struct strbuf *sb;
	int php, indent, first;
};

static void jw_nl(struct jw *j)
{
	if (j->php) {
		sb_addc(j->sb, '\n');
		for (int i = 0; i < j->indent; i++)
			sb_adds(j->sb, "    ");
	}
}

/* The next member's "k": (after a comma unless first). */
static void jw_key(struct jw *j, const char *k)
{
	if (!j->first)
		sb_addc(j->sb, ',');
	j->first = 0;
	jw_nl(j);
	jstr(j->sb, k, strlen(k), j->php);
	sb_adds(j->sb, j->php ? ": " : ":");
}

/* A JSON array of the values v[0..n), one per line when pretty. */
static void jw_vals(struct jw *j, const struct vval *v, unsigned n)
{
	if (!n) {
		sb_adds(j->sb, "[]");
		return;
	}
	sb_addc(j->sb, '[');
	j->indent++;
	for (unsigned i = 0; i < n; i++) {
		if (i)
			sb_addc(j->sb, ',');
		jw_nl(j);
		jval(j->sb, &v[i], j->php);
	}
	j->indent--;
	jw_nl(j);
	sb_addc(j->sb, ']');
}

static const struct vval null_v = { NULL, 0 };

/* The first of n values, or null. */
static const struct vval *first_val(const struct vval *v, unsigned n)
{
	return n ? &v[0] : &null_v;
}

/* "k": "s" */
static void jw_str(struct jw *j, const char *k, const char *s)
{
	jw_key(j, k);
	jstr(j->sb, s, strlen(s), j->php);
}

/* "k": the value v, or null */
static void jw_val(struct jw *j, const char *k, const struct vval *v)
{
	jw_key(j, k);
	jval(j->sb, v, j->php);
}

/* "k": n */
static void jw_u64(struct jw *j, const char *k, uint64_t n)
{
	jw_key(j, k);
	sb_addf(j->sb, "%llu", (unsigned long long)n);
}

/* A column difference: the three fields WooCommerce's verify prints
 * (column, original_value, new_value), then the HPOS table and column. */
static void json_column(struct jw *j, const struct ventry *e)
{
	jw_str(j, "column", e->source);
	jw_val(j, "original_value", first_val(e->orig, e->norig));
	jw_val(j, "new_value", first_val(e->new, e->nnew));
	jw_str(j, "table", e->table);
	jw_str(j, "hpos_column", e->column);
}

/* A meta difference: both stores' values of one key. */
static void json_meta(struct jw *j, uint64_t order_id, const struct ventry *e)
{
	jw_u64(j, "order_id", order_id);
	jw_val(j, "meta_key", &e->key);
	jw_key(j, "orig_meta_values");
	jw_vals(j, e->orig, e->norig);
	jw_key(j, "new_meta_values");
	jw_vals(j, e->new, e->nnew);
}

/* The entries of hposctl's own kinds: "kind", the order and table, then
 * the fields of that kind. */
static void json_kind(struct jw *j, uint64_t order_id, const struct ventry *e)
{
	jw_str(j, "kind", kind_name[e->kind]);
	jw_u64(j, "order_id", order_id);
	jw_str(j, "table", e->table);
	if (e->kind == VE_ORPHAN_ROWS)
		jw_u64(j, "rows", e->count);
	if (e->kind == VE_ROW_MISSING || e->kind == VE_ROW_EXTRA || e->kind == VE_ROW_DUPLICATE) {
		if (e->key.s || e->kind == VE_ROW_EXTRA)
			jw_val(j, "address_type", &e->key);
		if (e->count)
			jw_u64(j, "rows", e->count);
	}
	if (e->kind == VE_NOT_IN_POSTS)
		jw_val(j, "post_type", &e->key);
	if (e->kind == VE_UNMIGRATABLE) {
		jw_str(j, "column", e->source);
		jw_val(j, "original_value", first_val(e->orig, e->norig));
		jw_val(j, "new_value", first_val(e->new, e->nnew));
		jw_str(j, "reason", e->reason);
	}
}

void ventry_json(struct strbuf *sb, uint64_t order_id, const struct ventry *e, int php, int indent, int with_same)
{
	struct jw j = { sb, php, indent + 1, 1 };

	sb_addc(sb, '{');
	if (e->kind == VE_REMIGRATE_FAILED) {
		jw_key(&j, "remigrate_failed");
		sb_adds(sb, "true");
	} else {
		if (with_same) {
			jw_key(&j, "differs");
			sb_adds(sb, e->same ? "false" : "true");
		}
		if (e->kind == VE_COLUMN)
			json_column(&j, e);
		else if (e->kind == VE_META)
			json_meta(&j, order_id, e);
		else
			json_kind(&j, order_id, e);
	}
	j.indent--;
	jw_nl(&j);
	sb_addc(sb, '}');
}

void vorders_json(struct strbuf *sb, const struct vorder *o, unsigned n, int php)
{
	struct jw j = { sb, php, 1, 1 };

	if (!n) {
		sb_adds(sb, php ? "[]" : "{}");
		return;
	}
	sb_addc(sb, '{');
	for (unsigned i = 0; i < n; i++) {
		char k[32];

		snprintf(k, sizeof(k), "%llu", (unsigned long long)o[i].id);
		jw_key(&j, k);
		sb_addc(sb, '[');
		j.indent++;
		for (unsigned e = 0; e < o[i].n; e++) {
			if (e)
				sb_addc(sb, ',');
			jw_nl(&j);
			ventry_json(sb, o[i].id, &o[i].e[e], php, j.indent, 0);
		}
		j.indent--;
		jw_nl(&j);
		sb_addc(sb, ']');
	}
	j.indent--;
	jw_nl(&j);
	sb_addc(sb, '}');
}

int verify_store(struct db *db, const struct verify_opts *o, uint64_t *verified,
		 int (*cb)(void *arg, struct vresult *res, struct herr *err), void *arg, struct herr *err)
{
	uint64_t cursor = o->start_from ? o->start_from - 1 : 0;

	for (;;) {
		uint64_t *ids = NULL, lo = cursor + 1;
		unsigned n = 0;
		struct vresult res;
		int rc;

		if (verify_window(db, o, &cursor, &ids, &n, err) < 0)
			return -1;
		if (!n) {
			free(ids);
			/* Orphan rows beyond the last order. */
			if (verify_tail(db, o, cursor, &res, err) < 0)
				return -1;
			rc = cb(arg, &res, err);
			return rc < 0 ? -1 : 0;
		}
		rc = verify_orders(db, o, ids, n, lo, &res, err);
		free(ids);
		if (rc < 0)
			return -1;
		*verified += res.verified;
		rc = cb(arg, &res, err);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
}
