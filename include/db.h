/* db.h - the only place that talks to libmysqlclient.
 *
 * Every statement goes through db_run(), which times it for --debug,
 * refuses writes under --dry-run, and classifies errors (the table is
 * dialect_errclass() in dialect.c, per server):
 *   DBE_RETRY  deadlock (1213), lock wait timeout (1205), GET_LOCK deadlock
 *              (3058), Group Replication rollback (3101, MySQL): roll back
 *              the batch and retry it
 *   DBE_LOST   server gone (2006) / lost (2013) / connection killed (1927,
 *              MySQL 3169) / idle disconnect (MySQL 4031): reconnect and
 *              redo the batch
 *   DBE_ACCESS access denied (1044, 1045, 1142, 1143, 1227)
 *   DBE_FATAL  everything else
 * The server (MariaDB or MySQL, version) is detected at connect; SQL that
 * differs between servers is written by the dialect functions. */
#ifndef HPOS_DB_H
#define HPOS_DB_H

#include <stdint.h>
#include "config.h"
#include "dialect.h"
#include "util.h"

/* What a statement does: writes are skipped under --dry-run. */
enum db_kind { DB_READ, DB_WRITE, DB_SESSION };

struct db;
struct db_result;

/* A fetched row: vals[i] is NULL for SQL NULL; lens[i] is the byte length. */
struct db_row {
	char **vals;
	unsigned long *lens;
	unsigned n;
};

/* Connect with cfg; sets utf8mb4, WordPress's sql_mode, time_zone +00:00.
 * Errors carry exit classes: HX_NOCONNECT, HX_NOPERM, HX_CONFIG. */
int db_connect(const struct hpos_config *cfg, struct db **dbp, struct herr *err);
/* 1 when the link is private (TLS enforced, or a Unix socket) and an
 * authentication method that sends the password in clear may be used. */
int db_cleartext_auth_allowed(const struct hpos_config *cfg);
void db_close(struct db *db);
/* A second connection with the same settings (and dry-run flag). */
int db_clone(const struct db *db, struct db **out, struct herr *err);
/* Reconnect after DBE_LOST, re-running the session setup; keeps trying
 * for the reconnect window (default 30 s), then fails with HX_TEMPFAIL. */
int db_reconnect(struct db *db, struct herr *err);
void db_set_reconnect_window(struct db *db, double seconds);

void db_set_dry_run(struct db *db, int on);
int db_dry_run(const struct db *db);

/* Sample mode (sync/cleanup --dry-run --sample): the work really runs, but
 * db_commit() rolls back; a data change outside a transaction and every
 * statement that commits implicitly (DDL, LOCK TABLES, a nested START
 * TRANSACTION, autocommit changes) is refused; sql_log_bin is set to 0
 * where the account may.  Clones and reconnects keep the mode. */
void db_set_sample(struct db *db, int on);
int db_sample(const struct db *db);
/* The sample mode's rule for one statement (kw gets its first keyword):
 * 1 allowed, 0 refused.  write: a DB_WRITE statement. */
int db_sample_allows(const char *sql, size_t len, int write, int in_txn, char kw[16]);
/* 1 when SET SESSION sql_log_bin = 0 succeeded on this connection. */
int db_sample_binlog_off(const struct db *db);
/* Totals over every sample connection of the process. */
struct db_sample_totals {
	uint64_t rows;        /* rows changed by the write statements */
	uint64_t statements;  /* write statements run */
	uint64_t rollbacks;   /* transactions ended by db_commit() */
	double rollback_s;    /* time those rollbacks took */
};
void db_sample_totals(struct db_sample_totals *t, int reset);
/* Table prefix from the configuration ("wp_"). */
const char *db_prefix(const struct db *db);
const char *db_name(const struct db *db);
/* Collation of {prefix}posts (the site's), or NULL if unknown. */
const char *db_site_collation(struct db *db);
/* Server thread id of this connection. */
unsigned long db_thread_id(struct db *db);

/* Run one statement.  With res != NULL a result set is stored and returned.
 * Returns 0, or -1 with err filled (err->code = HX_* class); see db_errclass(). */
int db_run(struct db *db, enum db_kind kind, const char *sql, size_t len,
	   struct db_result **res, struct herr *err);
int db_runf(struct db *db, enum db_kind kind, struct db_result **res, struct herr *err,
	    const char *fmt, ...) HPOS_PRINTF(5, 6);

/* One column of a bulk statement: either u64 (one value a row) or s/len
 * (one string a row); null, when set, says per row whether the value is
 * SQL NULL (nonzero; its u64/s entry is then not read). */
struct db_bulk_col {
	const uint64_t *u64;
	const char *const *s;
	const unsigned long *len;
	const char *null;
};
#define DB_BULK_MAX_COLS 64

/* Run one prepared statement (sql with ? placeholders) for nrows rows at
 * once (MariaDB array binding: one round trip, no SQL text to parse).
 * Returns 0, -1 with err filled (errors classified as db_run()'s), or 1
 * when the server cannot run it so (not MariaDB, statement-based binlog):
 * nothing was run, use db_run() with the rows as SQL text. */
int db_run_bulk(struct db *db, const char *sql, size_t len, const struct db_bulk_col *cols,
		unsigned ncols, unsigned nrows, struct herr *err);
/* 1 when db_run_bulk() may run (client and server support it, it has not
 * been refused on this connection, HPOSCTL_NO_BULK is unset); 0: the
 * caller can go straight to SQL text.  db_run_bulk() may still return 1. */
int db_bulk_usable(struct db *db);

/* Class and server errno of the last failed statement. */
enum db_errclass db_errclass(const struct db *db);
unsigned db_errno(const struct db *db);
/* Warnings count of the last statement (raw, any level). */
unsigned db_warning_count(struct db *db);
/* After a write: how many of its warnings altered data (dialect_warning_class()
 * DBW_DATA), read with SHOW WARNINGS.  0: none (deprecations and notes are
 * logged with --debug and ignored); n > 0: err says which (code and the
 * server's message); -1: the warnings could not be read (err set;
 * db_errclass() tells a lost connection, else treat as altered).  This is the one check of a write's warnings.
 *
 * Test hook: HPOSCTL_TEST_WARNING=CODE[:N] makes the next N writes (every
 * write without :N) report one more warning CODE, as if the server had. */
int db_data_warnings(struct db *db, struct herr *err);

/* The server, as detected at connect. */
const struct db_server *db_server(const struct db *db);
/* Upsert SQL for this server (see dialect.h): the clause after the VALUES
 * list, and one "`col` = <new value>" assignment. */
void db_upsert_clause(const struct db *db, struct strbuf *sql);
void db_upsert_set(const struct db *db, struct strbuf *sql, const char *col);
/* Rows changed by the last write. */
uint64_t db_affected_rows(struct db *db);

int db_fetch(struct db_result *res, struct db_row *row); /* 1 row, 0 end */
unsigned db_num_rows(struct db_result *res);
/* Index of the result column called name (case-insensitive), or -1. */
int db_column(struct db_result *res, const char *name);
/* Walk a stored result again from its first row. */
void db_result_rewind(struct db_result *res);
void db_free_result(struct db_result *res);

/* Single-value helpers: first column of the first row.  *found = 0 when no
 * row or NULL. */
int db_get_u64(struct db *db, uint64_t *out, int *found, struct herr *err, const char *fmt, ...) HPOS_PRINTF(5, 6);
int db_get_str(struct db *db, char **out, struct herr *err, const char *fmt, ...) HPOS_PRINTF(4, 5);

/* Append s as a quoted SQL string literal, escaped for this connection. */
void db_quote(struct db *db, struct strbuf *sb, const char *s, size_t len);
/* Append a backtick-quoted identifier (backticks doubled). */
void db_ident(struct strbuf *sb, const char *name);

/* Transactions. */
int db_begin(struct db *db, const char *isolation, struct herr *err);
int db_commit(struct db *db, struct herr *err);
int db_rollback(struct db *db);

#endif
