/* syncstate.h - what hposctl remembers between runs: the orders it had to
 * skip (table {prefix}hposctl_skipped), and the locks that keep two runs
 * (or hposctl and WooCommerce's own background sync) apart. */
#ifndef HPOS_SYNCSTATE_H
#define HPOS_SYNCSTATE_H

#include <stdint.h>
#include "db.h"

struct skipped_entry {
	uint64_t order_id;
	char *reason;
	char *last_seen;
};
struct skipped_list {
	struct skipped_entry *v;
	unsigned n;
	uint64_t total;
};

/* Load up to `limit` skipped orders (lowest ids first) and the total.
 * An absent table means none. */
int skipped_load(struct db *db, unsigned limit, struct skipped_list *out, struct herr *err);
void skipped_release(struct skipped_list *l);
/* Record (or refresh) a skipped order with its reason. */
int skipped_record(struct db *db, uint64_t order_id, const char *reason, struct herr *err);
/* Forget skipped entries for orders that have now been migrated. */
int skipped_clear(struct db *db, const uint64_t *ids, unsigned n, struct herr *err);

/* The orders hposctl's cleanup emptied ({prefix}hposctl_cleaned: order_id,
 * cleaned_gmt), so that sync can tell them from orders that have no post
 * yet.  cleaned_ensure() creates the table (outside any transaction);
 * cleaned_record() adds the IDs, inside the cleanup's batch transaction. */
int cleaned_ensure(struct db *db, struct herr *err);
int cleaned_record(struct db *db, const uint64_t *ids, unsigned n, struct herr *err);

/* Single-instance lock: GET_LOCK('hposctl:<db>:<prefix>', 0).  Returns 0
 * when taken, 1 when another session holds it (who is described in
 * `holder`), -1 on error. */
/* The run lock's name: override, else "hposctl:DB:PREFIX"; at most 64
 * bytes, cut at a UTF-8 character boundary. */
void runlock_name_for(const char *override, const char *dbname, const char *prefix, struct strbuf *sb);
int runlock_take(struct db *db, const char *name_override, struct strbuf *holder, struct herr *err);
void runlock_release(struct db *db, const char *name_override);
/* 1 this connection holds the run lock, 0 it does not, -1 error (e.g. the
 * connection was closed, which released the lock). */
int runlock_held(struct db *db, const char *name_override, struct herr *err);
/* runlock_take() for a command: 1 (another run holds the lock) is said as
 * "Another hposctl run is active (...); exiting." on stderr. */
int runlock_enter(struct db *db, const char *name_override, struct herr *err);
/* Warn when WooCommerce's background sync is on and WooCommerce is older
 * than 11.3 (wc_background_sync_unlocked()): nothing keeps the two apart. */
void warn_background_sync(struct db *db);
/* The statements at the end of a run (deletion markers), retried as batch
 * reads are: fn(arg) again after a deadlock or lock wait (with backoff) or
 * a lost connection (reconnected, run lock retaken), up to max_retries
 * times; *retries counts them.  Only the main thread may call it. */
int retry_run_end(struct db *db, const char *name_override, unsigned max_retries, uint64_t *retries,
		  int (*fn)(void *arg, struct herr *err), void *arg, struct herr *err);
/* After a lost connection: reconnect (db_reconnect() waits out a
 * restarting server) and, with retake, take the run lock again, waiting
 * with backoff (up to max_retries times) for the old session, which the
 * server may still be ending, to let it go.  HX_TEMPFAIL errors. */
int runlock_reconnect(struct db *db, const char *name_override, int retake, unsigned max_retries,
		      struct herr *err);

/* WooCommerce 11.3's migration lock, the option row
 * wc_posts_to_orders_migration_lock holding "<expiry unix time %.6f>". */
struct wclock {
	char **mine;       /* every expiry value this process wrote */
	unsigned n;
	int held;
};
/* Take it, waiting up to wait_s seconds (50 ms polls); 0 taken, 1 not. */
int wclock_take(struct db *db, struct wclock *l, double wait_s, struct herr *err);
/* Refresh; 0 still ours, 1 lost (someone else took it). */
int wclock_refresh(struct db *db, struct wclock *l, struct herr *err);
void wclock_release(struct db *db, struct wclock *l);

#endif
