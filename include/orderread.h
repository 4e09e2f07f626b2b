/* orderread.h - the rows of one table for a batch of orders, each handed
 * back with the order it belongs to.
 *
 * The engines that compare or rewrite orders a batch at a time (verify,
 * reverse sync) read each table once per batch: "SELECT <order ID>, ...
 * FROM <table> WHERE <order ID column> IN (<the batch>)" (or a range the
 * caller writes), then walk the rows, each attached to its order by a
 * binary search on the batch's sorted IDs.  This is that read, written
 * once; what a row means stays with the caller. */
#ifndef HPOS_ORDERREAD_H
#define HPOS_ORDERREAD_H

#include <stdint.h>
#include "db.h"

/* An open read: the rows of one table and the batch they are matched to. */
struct orderrows {
	struct db_result *res;   /* the rows: the caller owns it (db_free_result),
				  * and the row values live until it is freed */
	const uint64_t *ids;     /* the batch, ascending; borrowed */
	unsigned n;
};

/* Reset sql to "SELECT cols FROM <prefixed table>" (wc_table()); cols
 * names the order ID first. */
void orderread_select(struct db *db, struct strbuf *sql, const char *cols, const char *table);

/* Append " WHERE key IN (ids[0..n))". */
void orderread_in(struct strbuf *sql, const char *key, const uint64_t *ids, unsigned n);

/* Run sql, whose first column is the order ID, for the batch ids[0..n)
 * (ascending, borrowed until the walk ends).  n == 0 runs nothing and
 * walks no rows.  0, or -1 with err set (r->res NULL). */
int orderread_run(struct db *db, const struct strbuf *sql, const uint64_t *ids, unsigned n,
		  struct orderrows *r, struct herr *err);

/* The next row: 1 with *row set and *k the index of its order in ids, or
 * -1 when the row belongs to no order of the batch (a NULL order ID, or a
 * read by range that reaches other orders' rows); 0 at the end. */
int orderread_next(struct orderrows *r, struct db_row *row, int *k);

/* Index of id in ids[0..n) (ascending), or -1. */
int orderread_find(const uint64_t *ids, unsigned n, uint64_t id);

#endif
