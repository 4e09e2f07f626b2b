/* cleanup.h - removing legacy order data from wp_posts/wp_postmeta once
 * HPOS is authoritative (WooCommerce's LegacyDataHandler::cleanup_post_data),
 * in batches, with a restorable SQL backup of everything deleted or changed.
 *
 * Per order, in one transaction per batch:
 *   - a post with no HPOS row is refused (WooCommerce would delete it);
 *   - an HPOS row whose type is not an order type is refused (WooCommerce
 *     cannot load it: "not a valid order ID");
 *   - a post that looks newer than its HPOS order is skipped unless force;
 *   - otherwise every postmeta row of the post is deleted and the post
 *     becomes a placeholder (post_type shop_order_placehold, post_status
 *     draft), dates untouched.
 * The backup chunk for a batch is written and fsynced before it commits. */
#ifndef HPOS_CLEANUP_H
#define HPOS_CLEANUP_H

#include <pthread.h>
#include <stdint.h>
#include "db.h"
#include "wcstore.h"

/* The restore file. */
struct backup {
	int fd;
	char *path;
	char *charset;     /* character set of the values read (results) */
	uint64_t bytes;    /* written by this run */
	uint64_t chunks;
	pthread_mutex_t mu;  /* writers append whole chunks one at a time */
};

/* Open (create or append to) a backup file, never through a symbolic link.
 * must_be_new: fail if it exists.  An existing file must be a regular file
 * owned by the effective user, not writable by group or others, and a
 * hposctl cleanup backup whose every section matches its checksum; an incomplete
 * last chunk (a run killed while writing it, before that batch committed)
 * is cut off.  A header naming the database is appended. */
int backup_open(struct backup *b, struct db *db, const char *path, int must_be_new, struct herr *err);
/* Every statement of a backup file is at most this many bytes (the
 * server's and client's default max_allowed_packet is 16 MB). */
#define BACKUP_STMT_MAX (2u << 20)

/* Backup rows of postmeta: REPLACE statements under BACKUP_STMT_MAX; a long
 * value is built first in a user variable from pieces. vals/lens: meta_id,
 * post_id, meta_key, meta_value (key and value may be NULL). */
struct backup_stmt {
	size_t start;   /* where the open REPLACE starts */
	int open;
};
void backup_add_meta(struct strbuf *chunk, struct backup_stmt *bs, const char *table, const char *cs,
		     const char *const vals[4], const size_t lens[4]);
void backup_end_meta(struct strbuf *chunk, struct backup_stmt *bs);

/* A chunk's integrity line: "-- hposctl: end of WHAT, checksum H" where H
 * is backup_checksum() of chunk[start..) in hex. */
uint64_t backup_checksum(const char *p, size_t n);
void backup_seal(struct strbuf *chunk, size_t start, const char *what);
/* Check a whole backup file image: sections, each with a matching
 * checksum.  Returns the length up to the end of the last complete section
 * (what follows is an incomplete section), or -1 with *why. */
long long backup_validate(const char *buf, size_t len, char *why, size_t whysz);

/* The default path: ./hposctl-cleanup-<db>-<UTC timestamp>.sql */
char *backup_default_path(struct db *db);
void backup_close(struct backup *b);

struct cleanup_stats {
	uint64_t cleaned;        /* orders whose post is now a placeholder without meta */
	uint64_t meta_rows;      /* postmeta rows deleted */
	uint64_t posts_changed;  /* posts whose type/status changed */
	uint64_t skipped_newer;  /* post newer than the HPOS order (no --force) */
	uint64_t refused;        /* no HPOS row, or an HPOS row that is not an order */
	uint64_t seen;
	uint64_t batches;
	uint64_t retries;
	double t_select, t_backup, t_write;
	int stop_reason;         /* 0 done, 1 max-runtime, 3 callback */
};

struct cleanup_opts {
	unsigned batch_size;
	const struct typelist *types;
	const char *id_filter;      /* SQL condition on p.ID; NULL = all */
	int force;
	int returning;              /* server has DELETE ... RETURNING (MariaDB) */
	unsigned max_retries;
	unsigned jobs;              /* connections deleting in parallel (1..16) */
	double max_runtime;         /* 0 = none */
	const char *runlock_name;
	struct backup *backup;      /* NULL: no backup */
	/* Called after each batch (never inside a transaction), one worker at
	 * a time; nonzero stops the run.  May sleep (throttling). */
	int (*between)(void *arg, const struct cleanup_stats *st);
	void *arg;
};

/* Build the SQL condition on p.ID for "all", "ID" and "A-B" arguments
 * (*all set for "all").  Unknown forms are HX_USAGE errors. */
int cleanup_filter_parse(int argc, char **argv, struct strbuf *sql, int *all, struct herr *err);

/* Append a value for the backup: NULL, a plain '...' literal for printable
 * ASCII without quote or backslash, else CONVERT(X'<hex>' USING charset),
 * which restores the same characters whatever the client's character set
 * and sql_mode (NO_BACKSLASH_ESCAPES included). */
void cleanup_sql_value(struct strbuf *sb, const char *charset, const char *v, size_t len);

/* Append to sql a condition on col that selects exactly the ids
 * id[from..n) (ascending, no duplicates): runs of consecutive ids as
 * "col BETWEEN a AND b" (every value in such a range is one of the ids, so
 * no other row can match it), the other ids in one "col IN (...)", joined
 * by OR in parentheses.  Stops before the condition grows past about
 * max_len bytes (one run at least is always taken) and returns the index of
 * the first id it does not cover (n when all are).  from >= n: "(1=0)". */
size_t cleanup_id_cond(struct strbuf *sql, const char *col, const uint64_t *id, size_t from, size_t n, size_t max_len);

/* What a cleanup would do, counted with plain reads. */
struct cleanup_plan {
	uint64_t selected;       /* WooCommerce's count_orders_for_cleanup */
	uint64_t no_hpos;        /* refused: no HPOS row */
	uint64_t bad_type;       /* refused: HPOS row of a non-order type */
	uint64_t newer;          /* post newer than HPOS (skipped unless force) */
	uint64_t meta_rows;      /* postmeta rows of the orders that would be cleaned */
};
int cleanup_plan(struct db *db, const struct cleanup_opts *o, int with_meta, struct cleanup_plan *p, struct herr *err);

/* DELETE ... RETURNING is available (MariaDB >= 10.0.5; hposctl needs
 * newer anyway).  HPOSCTL_NO_RETURNING=1 forces the portable path. */
int cleanup_has_returning(struct db *db, int *yes, struct herr *err);

int cleanup_run(struct db *db, const struct cleanup_opts *o, struct cleanup_stats *st, struct herr *err);

#endif
