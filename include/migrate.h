/* migrate.h - the posts -> HPOS batch engine. */
#ifndef HPOS_MIGRATE_H
#define HPOS_MIGRATE_H

#include <stdint.h>
#include "db.h"
#include "syncstate.h"
#include "wcstore.h"

struct sync_stats_s;

struct sync_opts {
	unsigned batch_size;
	const struct typelist *types;
	uint64_t start_from;       /* first ID considered (inclusive) */
	uint64_t end_at;           /* last ID considered (inclusive); 0 = none */
	uint64_t max_batches;      /* 0 = unlimited */
	double max_runtime;        /* seconds; 0 = unlimited */
	double settle;             /* leave orders modified this recently, or in the future */
	const char *isolation;     /* NULL: no transactions */
	int allow_truncation;      /* write what WooCommerce writes, let MySQL cut */
	unsigned max_retries;      /* per batch, for deadlocks/lock waits/lost connections */
	int rounding_precision;    /* wc_get_rounding_precision() */
	double wclock_wait;        /* seconds to wait for WooCommerce's lock */
	unsigned jobs;             /* writer connections (threads) */
	const char *runlock_name;  /* advisory lock name override */
	/* Called between batches (never inside a transaction); return nonzero
	 * to stop.  May sleep (throttling). */
	int (*between)(void *arg, const struct sync_stats_s *st);
	void *arg;
	/* When set: only orders with an ID in one of these inclusive ranges,
	 * pending or not, and no deletion markers (`hposctl backfill`,
	 * `verify --re-migrate`). */
	const uint64_t (*ranges)[2];
	unsigned nranges;
	/* HPOS -> posts: the order types whose deletion markers are carried
	 * out (a post of any order type is deleted the same way); NULL: types. */
	const struct typelist *marker_types;
	/* HPOS -> posts without ranges: leave out the orders whose post is a
	 * cleaned placeholder (wc_cleaned_sql()); never changes mid-run. */
	int skip_cleaned;
	int cleaned_record;        /* CLEANED_TABLE exists (read at the start) */
};

struct sync_stats_s {
	uint64_t synced;      /* orders written */
	uint64_t skipped;     /* orders refused (bad values), this run */
	uint64_t deferred;    /* modified within --settle, left for later */
	uint64_t retries;     /* batch retries (deadlock, lock wait, reconnect) */
	uint64_t deleted;     /* orders removed by deletion markers */
	uint64_t markers_left; /* markers on orders that still exist: left alone */
	uint64_t batches;
	uint64_t meta_rows;   /* wc_orders_meta rows written */
	uint64_t seen;        /* orders looked at */
	double t_read, t_convert, t_write, t_commit;
	int stop_reason;      /* 0 done, 1 max-runtime, 2 max-batches, 3 callback */
};

/* Run the posts -> HPOS sync until nothing is pending (or a limit is hit).
 * Errors: HX_TEMPFAIL for retries exhausted / lost connection, others as
 * classified. */
int sync_to_hpos(struct db *db, const struct sync_opts *o, struct sync_stats_s *st, struct herr *err);

/* An order deferred by the settle window: if its modification time
 * (seconds_ahead, TIMESTAMPDIFF from the server's UTC_TIMESTAMP()) lies in
 * the future, warn once per run about clock skew. */
void settle_skew_warning(uint64_t order_id, const char *seconds_ahead);

#endif
