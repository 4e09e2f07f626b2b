/* rowwriter.h - the one way the engines write rows into a table.
 *
 * An engine (forward sync, reverse sync, backfill) names a table and its
 * columns, adds rows cell by cell, and asks for them to be written.  The
 * writer chooses how:
 *   - array binding (MariaDB's bulk execution: one prepared INSERT, the
 *     values sent as they are, nothing for the server to parse) where the
 *     server and client support it (db_bulk_usable());
 *   - else, or with HPOSCTL_NO_BULK=1, multi-row INSERT text, the values
 *     quoted for the connection; text is built only then.
 * Either way the rows go in statements of at most about `budget` bytes
 * (rw_packet_limits()), and with RW_UPSERT the dialect's upsert form
 * (db_upsert_clause()/db_upsert_set(), every column set from the new row).
 * The outcome comes back in one classified form, enum rw_result, that each
 * engine maps onto its own retry logic.  All SQL still runs through db.c.
 *
 * Ownership: the writer owns its rows; rw_str() copies the bytes,
 * rw_str_ref() keeps only the pointer (the caller keeps the bytes alive and
 * unchanged until rw_reset()/rw_free()).  Rows stay in the writer after
 * rw_write() until rw_reset(), so a caller can write them again (after a
 * retry, as an upsert). */
#ifndef HPOS_ROWWRITER_H
#define HPOS_ROWWRITER_H

#include <stddef.h>
#include <stdint.h>
#include "db.h"

/* The outcome of a write, the same for every engine. */
enum rw_result {
	RW_OK = 0,
	RW_RETRY,  /* deadlock or lock wait timeout (DBE_RETRY): roll back, retry */
	RW_LOST,   /* the connection was lost (DBE_LOST): reconnect, redo */
	RW_DATA,   /* the server refused a row, or altered a value (a data-altering
		    * warning, db_data_warnings(), unless RW_ALLOW_TRUNCATION) */
	RW_DUP,    /* a plain INSERT (no RW_UPSERT) met an existing key (1062) */
	RW_FATAL,  /* access denied and the like: retrying cannot help */
};

/* One column.  fixed == NULL: every row carries a cell for it.  fixed set:
 * that SQL text (e.g. "'draft'", "0") is written in every row as it is,
 * and rows carry no cell for the column. */
struct rw_col {
	const char *name;
	const char *fixed;
};

/* rw_write() flags. */
enum {
	RW_UPSERT = 1,            /* add the dialect's ON DUPLICATE KEY UPDATE, every column */
	RW_ALLOW_TRUNCATION = 2,  /* data-altering warnings are not an error */
	RW_TEXT = 4,              /* never array binding (this call) */
};

struct rowwriter;

/* A writer for table suffix `table` (wc_table(): the prefix is added) and
 * ncols columns, on db.  Names and fixed texts are copied.  Never NULL;
 * free with rw_free(). */
struct rowwriter *rw_new(struct db *db, const char *table, const struct rw_col *cols, unsigned ncols);
/* Free the writer and its rows (NULL is fine). */
void rw_free(struct rowwriter *w);
/* Drop every row; the table and columns stay. */
void rw_reset(struct rowwriter *w);
/* Statement size: rows are grouped into statements of about budget bytes
 * (default 8 MiB); a statement may pass it by one row. */
void rw_set_budget(struct rowwriter *w, size_t budget);

/* Append one cell to the current row, in column order (columns with
 * `fixed` are skipped); a row ends when it has a cell for every other
 * column.  rw_str: bytes, quoted in text, bound as a string; s == NULL
 * gives SQL NULL.  rw_str_ref: the same without copying (see above).
 * rw_num: a number already as text (e.g. "12.500000", "-3"), bound as a
 * string, written unquoted in text; the caller vouches that it is a valid
 * SQL number.  rw_lit: any SQL literal or expression, as it is: a
 * statement with one goes as text. */
void rw_u64(struct rowwriter *w, uint64_t v);
void rw_str(struct rowwriter *w, const char *s, size_t len);
void rw_str_ref(struct rowwriter *w, const char *s, size_t len);
void rw_num(struct rowwriter *w, const char *s, size_t len);
void rw_null(struct rowwriter *w);
void rw_lit(struct rowwriter *w, const char *sql, size_t len);

/* Complete rows added so far. */
size_t rw_rows(const struct rowwriter *w);

/* Write every row (none: RW_OK, nothing run).  Statement by statement;
 * stops at the first that does not succeed and returns its class, err
 * filled (rows of earlier statements are written: the caller's transaction
 * or idempotent redo covers them).  Under --dry-run nothing runs. */
enum rw_result rw_write(struct rowwriter *w, unsigned flags, struct herr *err);

/* Run one text write (a DELETE, an UPDATE) and classify it as rw_write()
 * does (flags: RW_UPSERT, RW_ALLOW_TRUNCATION). */
enum rw_result rw_run_sql(struct db *db, const char *sql, size_t len, unsigned flags, struct herr *err);
/* Classify the failure of the last statement on db (RW_DUP only without
 * RW_UPSERT in flags). */
enum rw_result rw_classify(struct db *db, unsigned flags);

/* Read @@max_allowed_packet and derive the statement budget and the
 * largest one row (or one order's rows) may be: each half of the packet
 * less room for the statement's head, the budget at most 16 MiB.  Leaves
 * the outputs unchanged when the server reports 0.  0, or -1 (err). */
int rw_packet_limits(struct db *db, size_t *budget, size_t *row_limit, struct herr *err);

/* Pure helpers (unit-tested). */
/* The end (exclusive) of the statement that starts at row `from`: at least
 * one row, then rows while the bytes so far are below budget. */
size_t rw_split(const size_t *row_bytes, size_t nrows, size_t from, size_t budget);
/* Bytes of s as a quoted SQL string literal: the quotes plus one escape
 * for each byte that needs one (NUL, newline, CR, backslash, quotes,
 * Ctrl-Z), as db_quote() writes it with backslash escapes. */
size_t rw_quoted_len(const char *s, size_t len);

#endif
