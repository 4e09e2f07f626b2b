/* rowwriter.c - rows into a table: array binding or multi-row text,
 * statements sized to the packet, one classified outcome (rowwriter.h). */
#include "rowwriter.h"
#include "wcstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ER_DUP_ENTRY_ERRNO 1062u

enum cell_kind { K_U64, K_STR, K_REF, K_NUM, K_NULL, K_LIT };

/* One value.  K_STR/K_NUM/K_LIT: bytes at data.buf + off; K_REF: at p. */
struct cell {
	unsigned char kind;
	unsigned long len;
	union {
		uint64_t u;
		size_t off;
		const char *p;
	} v;
};

struct rowwriter {
	struct db *db;
	char *table;
	struct rw_col *cols;      /* names and fixed texts owned */
	unsigned ncols, nvar;     /* nvar: columns with a cell in each row */
	struct cell *cells;       /* row-major, nvar a row */
	size_t ncells, cellcap;
	struct strbuf data;       /* copied bytes */
	size_t *rowbytes;         /* per complete row: bytes it takes bound */
	size_t nrows, rowcap;
	size_t cur_bytes;         /* of the row being added */
	int has_lit;              /* a rw_lit() cell: text only */
	size_t budget;
	struct strbuf sql;        /* scratch, reused */
};

/* See rowwriter.h (all public functions are described there). */
struct rowwriter *rw_new(struct db *db, const char *table, const struct rw_col *cols, unsigned ncols)
{
	struct rowwriter *w = xcalloc(1, sizeof(*w));

	w->db = db;
	w->table = xstrdup(table);
	w->cols = xcalloc(ncols + 1, sizeof(*w->cols));
	w->ncols = ncols;
	for (unsigned i = 0; i < ncols; i++) {
		w->cols[i].name = xstrdup(cols[i].name);
		w->cols[i].fixed = cols[i].fixed ? xstrdup(cols[i].fixed) : NULL;
		w->nvar += !cols[i].fixed;
	}
	w->budget = 8u << 20;
	return w;
}

void rw_reset(struct rowwriter *w)
{
	w->ncells = 0;
	w->nrows = 0;
	w->cur_bytes = 0;
	w->has_lit = 0;
	sb_reset(&w->data);
}

void rw_free(struct rowwriter *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->ncols; i++) {
		free((char *)(uintptr_t)w->cols[i].name);
		free((char *)(uintptr_t)w->cols[i].fixed);
	}
	free(w->cols);
	free(w->table);
	free(w->cells);
	free(w->rowbytes);
	sb_release(&w->data);
	sb_release(&w->sql);
	free(w);
}

void rw_set_budget(struct rowwriter *w, size_t budget)
{
	w->budget = budget ? budget : 1;
}

size_t rw_rows(const struct rowwriter *w)
{
	return w->nrows;
}

/* Append a cell of `bytes` bound bytes; close the row when it is full. */
static struct cell *add_cell(struct rowwriter *w, enum cell_kind kind, size_t bytes)
{
	struct cell *c;

	if (w->ncells == w->cellcap) {
		w->cellcap = w->cellcap ? w->cellcap * 2 : 256;
		w->cells = xrealloc(w->cells, w->cellcap * sizeof(*w->cells));
	}
	c = &w->cells[w->ncells++];
	c->kind = (unsigned char)kind;
	c->len = 0;
	/* A bound value costs its bytes plus a length prefix. */
	w->cur_bytes += bytes + 4;
	if (w->nvar && w->ncells % w->nvar == 0) {
		if (w->nrows == w->rowcap) {
			w->rowcap = w->rowcap ? w->rowcap * 2 : 256;
			w->rowbytes = xrealloc(w->rowbytes, w->rowcap * sizeof(*w->rowbytes));
		}
		w->rowbytes[w->nrows++] = w->cur_bytes;
		w->cur_bytes = 0;
	}
	return c;
}

/* Append a cell whose bytes the writer copies into w->data. */
static void add_copy(struct rowwriter *w, enum cell_kind kind, const char *s, size_t len)
{
	size_t off = w->data.len;
	struct cell *c;

	sb_add(&w->data, s, len);
	c = add_cell(w, kind, len);
	c->v.off = off;
	c->len = (unsigned long)len;
}

void rw_u64(struct rowwriter *w, uint64_t v)
{
	add_cell(w, K_U64, 8)->v.u = v;
}

void rw_str(struct rowwriter *w, const char *s, size_t len)
{
	if (!s)
		rw_null(w);
	else
		add_copy(w, K_STR, s, len);
}

void rw_str_ref(struct rowwriter *w, const char *s, size_t len)
{
	struct cell *c;

	if (!s) {
		rw_null(w);
		return;
	}
	c = add_cell(w, K_REF, len);
	c->v.p = s;
	c->len = (unsigned long)len;
}

void rw_num(struct rowwriter *w, const char *s, size_t len)
{
	add_copy(w, K_NUM, s, len);
}

void rw_null(struct rowwriter *w)
{
	add_cell(w, K_NULL, 0);
}

void rw_lit(struct rowwriter *w, const char *sql, size_t len)
{
	w->has_lit = 1;
	add_copy(w, K_LIT, sql, len);
}

/* Where the bytes of a string, number or literal cell are. */
static const char *cell_bytes(const struct rowwriter *w, const struct cell *c)
{
	return c->kind == K_REF ? c->v.p : w->data.buf + c->v.off;
}

size_t rw_split(const size_t *row_bytes, size_t nrows, size_t from, size_t budget)
{
	size_t end = from, bytes = 0;

	while (end < nrows && (end == from || bytes < budget))
		bytes += row_bytes[end++];
	return end;
}

size_t rw_quoted_len(const char *s, size_t len)
{
	size_t n = len + 2;

	for (size_t i = 0; i < len; i++)
		switch (s[i]) {
		case '\0': case '\n': case '\r': case '\\': case '\'': case '"': case '\032':
			n++;
			break;
		default:
			break;
		}
	return n;
}

enum rw_result rw_classify(struct db *db, unsigned flags)
{
	switch (db_errclass(db)) {
	case DBE_RETRY: return RW_RETRY;
	case DBE_LOST: return RW_LOST;
	case DBE_ACCESS: return RW_FATAL;
	default:
		return !(flags & RW_UPSERT) && db_errno(db) == ER_DUP_ENTRY_ERRNO ? RW_DUP : RW_DATA;
	}
}

/* After a statement ran: its data-altering warnings make it RW_DATA
 * (unless truncation is allowed); deprecations and notes do not count. */
static enum rw_result check_warnings(struct db *db, unsigned flags, struct herr *err)
{
	int n;

	if (db_dry_run(db) || (flags & RW_ALLOW_TRUNCATION) || (n = db_data_warnings(db, err)) == 0)
		return RW_OK;
	return n < 0 ? rw_classify(db, flags) : RW_DATA;
}

enum rw_result rw_run_sql(struct db *db, const char *sql, size_t len, unsigned flags, struct herr *err)
{
	if (db_run(db, DB_WRITE, sql, len, NULL, err) < 0)
		return rw_classify(db, flags);
	return check_warnings(db, flags, err);
}

/* "INSERT INTO t (`a`, `b`) VALUES " into w->sql. */
static void statement_head(struct rowwriter *w)
{
	sb_reset(&w->sql);
	sb_adds(&w->sql, "INSERT INTO ");
	wc_table(w->db, &w->sql, w->table);
	sb_adds(&w->sql, " (");
	for (unsigned i = 0; i < w->ncols; i++)
		sb_addf(&w->sql, "%s`%s`", i ? ", " : "", w->cols[i].name);
	sb_adds(&w->sql, ") VALUES ");
}

/* The dialect's upsert tail: every column takes the new row's value. */
static void statement_tail(struct rowwriter *w, unsigned flags)
{
	if (!(flags & RW_UPSERT))
		return;
	db_upsert_clause(w->db, &w->sql);
	for (unsigned i = 0; i < w->ncols; i++) {
		if (i)
			sb_adds(&w->sql, ", ");
		db_upsert_set(w->db, &w->sql, w->cols[i].name);
	}
}

/* Row r as an SQL tuple "(v, ...)": u64 in decimal, strings quoted,
 * numbers and literals as they are. */
static void append_tuple(struct rowwriter *w, size_t r)
{
	const struct cell *c = &w->cells[r * w->nvar];

	sb_addc(&w->sql, '(');
	for (unsigned i = 0; i < w->ncols; i++) {
		if (i)
			sb_addc(&w->sql, ',');
		if (w->cols[i].fixed) {
			sb_adds(&w->sql, w->cols[i].fixed);
			continue;
		}
		switch (c->kind) {
		case K_U64: sb_addf(&w->sql, "%llu", (unsigned long long)c->v.u); break;
		case K_NULL: sb_adds(&w->sql, "NULL"); break;
		case K_STR:
		case K_REF: db_quote(w->db, &w->sql, cell_bytes(w, c), c->len); break;
		default: sb_add(&w->sql, cell_bytes(w, c), c->len); break;
		}
		c++;
	}
	sb_addc(&w->sql, ')');
}

/* Rows from *from on as one multi-row text statement of about budget
 * bytes (measured as it grows); *from moves past them. */
static enum rw_result write_text(struct rowwriter *w, unsigned flags, size_t *from, struct herr *err)
{
	size_t r = *from;

	statement_head(w);
	for (; r < w->nrows && (r == *from || w->sql.len < w->budget); r++) {
		if (r != *from)
			sb_addc(&w->sql, ',');
		append_tuple(w, r);
	}
	statement_tail(w, flags);
	*from = r;
	return rw_run_sql(w->db, w->sql.buf, w->sql.len, flags, err);
}

/* The column arrays of one bulk statement (rows [from, end)). */
struct bulk_arrays {
	struct db_bulk_col col[DB_BULK_MAX_COLS];
	uint64_t *u64;            /* nvar * n */
	const char **s;           /* nvar * n */
	unsigned long *len;       /* nvar * n */
	char *null;               /* nvar * n */
	char (*numtxt)[24];       /* nvar * n, u64 cells of a string column as text; lazily */
};

/* A column binds as BIGINT UNSIGNED when all its values are u64 or NULL. */
static int column_is_u64(const struct rowwriter *w, unsigned vi, size_t from, size_t end)
{
	for (size_t r = from; r < end; r++) {
		unsigned char k = w->cells[r * w->nvar + vi].kind;

		if (k != K_U64 && k != K_NULL)
			return 0;
	}
	return 1;
}

/* Fill column vi's arrays for rows [from, end). */
static void fill_column(const struct rowwriter *w, struct bulk_arrays *a, unsigned vi, size_t from, size_t end)
{
	size_t n = end - from, base = vi * n;
	int as_u64 = column_is_u64(w, vi, from, end), nulls = 0;

	for (size_t r = from; r < end; r++) {
		const struct cell *c = &w->cells[r * w->nvar + vi];
		size_t i = base + (r - from);

		a->null[i] = c->kind == K_NULL;
		nulls |= c->kind == K_NULL;
		a->s[i] = "";
		a->len[i] = 0;
		a->u64[i] = 0;
		if (c->kind == K_NULL)
			continue;
		if (as_u64) {
			a->u64[i] = c->v.u;
		} else if (c->kind == K_U64) {
			if (!a->numtxt)
				a->numtxt = xcalloc(w->nvar * n, sizeof(*a->numtxt));
			a->len[i] = (unsigned long)snprintf(a->numtxt[i], sizeof(a->numtxt[i]), "%llu",
							    (unsigned long long)c->v.u);
			a->s[i] = a->numtxt[i];
		} else {
			a->s[i] = cell_bytes(w, c);
			a->len[i] = c->len;
		}
	}
	a->col[vi].u64 = as_u64 ? a->u64 + base : NULL;
	a->col[vi].s = as_u64 ? NULL : a->s + base;
	a->col[vi].len = as_u64 ? NULL : a->len + base;
	a->col[vi].null = nulls ? a->null + base : NULL;
}

/* Build the arrays for rows [from, end). */
static void bulk_arrays_fill(const struct rowwriter *w, struct bulk_arrays *a, size_t from, size_t end)
{
	size_t n = (end - from) * w->nvar;

	memset(a, 0, sizeof(*a));
	a->u64 = xcalloc(n, sizeof(*a->u64));
	a->s = xcalloc(n, sizeof(*a->s));
	a->len = xcalloc(n, sizeof(*a->len));
	a->null = xcalloc(n, 1);
	for (unsigned vi = 0; vi < w->nvar; vi++)
		fill_column(w, a, vi, from, end);
}

/* Free what bulk_arrays_fill() allocated (not the cells' bytes). */
static void bulk_arrays_free(struct bulk_arrays *a)
{
	free(a->u64);
	free((void *)a->s);
	free(a->len);
	free(a->null);
	free(a->numtxt);
}

/* Rows from *from on as one array-bound statement of about budget bytes.
 * *text set (and *from unchanged) when the server cannot take it so. */
static enum rw_result write_bulk(struct rowwriter *w, unsigned flags, size_t *from, int *text, struct herr *err)
{
	size_t end = rw_split(w->rowbytes, w->nrows, *from, w->budget);
	struct bulk_arrays a;
	int rc;

	statement_head(w);
	sb_addc(&w->sql, '(');
	for (unsigned i = 0; i < w->ncols; i++) {
		if (i)
			sb_adds(&w->sql, ", ");
		sb_adds(&w->sql, w->cols[i].fixed ? w->cols[i].fixed : "?");
	}
	sb_addc(&w->sql, ')');
	statement_tail(w, flags);
	bulk_arrays_fill(w, &a, *from, end);
	rc = db_run_bulk(w->db, w->sql.buf, w->sql.len, a.col, w->nvar, (unsigned)(end - *from), err);
	bulk_arrays_free(&a);
	if (rc > 0) {
		*text = 1;
		return RW_OK;
	}
	if (rc < 0)
		return rw_classify(w->db, flags);
	*from = end;
	return check_warnings(w->db, flags, err);
}

enum rw_result rw_write(struct rowwriter *w, unsigned flags, struct herr *err)
{
	int text = (flags & RW_TEXT) || w->has_lit || w->nvar == 0 || w->nvar > DB_BULK_MAX_COLS ||
		   !db_bulk_usable(w->db);
	size_t from = 0;
	enum rw_result r = RW_OK;

	while (r == RW_OK && from < w->nrows) {
		if (!text)
			r = write_bulk(w, flags, &from, &text, err);
		else
			r = write_text(w, flags, &from, err);
	}
	return r;
}

int rw_packet_limits(struct db *db, size_t *budget, size_t *row_limit, struct herr *err)
{
	uint64_t maxpkt = 0;
	size_t half;

	if (db_get_u64(db, &maxpkt, NULL, err, "SELECT @@max_allowed_packet") < 0)
		return -1;
	if (!maxpkt)
		return 0;
	/* A statement is at most the budget plus one row (or one order's
	 * rows), and both halves leave room for the statement's head and
	 * the protocol. */
	half = (size_t)(maxpkt / 2);
	*row_limit = half > 2048 ? half - 1024 : half / 2;
	*budget = *row_limit < (16u << 20) ? *row_limit : 16u << 20;
	return 0;
}
