/* orderread.c - the per-table read of a batch of orders (see orderread.h). */
#include "orderread.h"
#include "wcstore.h"

#include <stdlib.h>
#include <string.h>

void orderread_select(struct db *db, struct strbuf *sql, const char *cols, const char *table)
{
	sb_reset(sql);
	sb_adds(sql, "SELECT ");
	sb_adds(sql, cols);
	sb_adds(sql, " FROM ");
	wc_table(db, sql, table);
}

void orderread_in(struct strbuf *sql, const char *key, const uint64_t *ids, unsigned n)
{
	sb_adds(sql, " WHERE ");
	sb_adds(sql, key);
	sb_adds(sql, " IN (");
	sb_add_ids(sql, ids, n);
	sb_addc(sql, ')');
}

int orderread_run(struct db *db, const struct strbuf *sql, const uint64_t *ids, unsigned n,
		  struct orderrows *r, struct herr *err)
{
	memset(r, 0, sizeof(*r));
	r->ids = ids;
	r->n = n;
	if (!n)
		return 0;
	if (db_run(db, DB_READ, sql->buf, sql->len, &r->res, err) < 0) {
		r->res = NULL;
		return -1;
	}
	return 0;
}

int orderread_next(struct orderrows *r, struct db_row *row, int *k)
{
	if (!db_fetch(r->res, row))
		return 0;
	*k = row->n && row->vals[0] ? orderread_find(r->ids, r->n, strtoull(row->vals[0], NULL, 10)) : -1;
	return 1;
}

int orderread_find(const uint64_t *ids, unsigned n, uint64_t id)
{
	return find_by_id(ids, n, sizeof(*ids), 0, id);
}
