/* estimate.h - `sync --dry-run --sample N` and `cleanup --dry-run --sample N`:
 * the real work for a sample of the pending orders, on the operator's own
 * server, in transactions that are rolled back; the measured rate, the
 * server's load meanwhile, and a projection for every pending order.
 *
 * Nothing survives a sample: every write runs inside a transaction that
 * db_commit() rolls back (db_set_sample()); DDL and autocommit writes are
 * refused by the db layer; the tables written must exist, be InnoDB and
 * have no triggers; hposctl's own state (skipped-order table, metrics
 * file) and WooCommerce's migration lock are not touched. */
#ifndef HPOS_ESTIMATE_H
#define HPOS_ESTIMATE_H

#include <stdint.h>
#include "cleanup.h"
#include "db.h"
#include "migrate.h"

/* How the engine spreads work over --jobs. */
enum est_model {
	EST_PIPELINE,  /* one reader, N writers (posts -> HPOS) */
	EST_SERIAL,    /* one connection whatever --jobs says (HPOS -> posts) */
	EST_WORKERS,   /* N workers, each reading and writing its batch (cleanup) */
};

/* What the sample measured (sums over its batches). */
struct est_input {
	enum est_model model;
	uint64_t pending;       /* orders the projection is for */
	uint64_t sampled;       /* orders the sample worked on */
	double t_read;          /* selecting, reading, converting */
	double t_write;         /* writing, rollbacks not included */
	double t_rollback;      /* the rollbacks (stand-in bound for commits) */
	double fast, slow;      /* seconds per order of the fastest / slowest slice */
};

#define EST_NJOBS 3
extern const unsigned est_jobs[EST_NJOBS]; /* 1, 2, 4 */

struct est_projection {
	unsigned jobs;
	double secs, low, high;  /* expected duration and its range */
	double rate;             /* orders/s expected */
};

/* The projection for --jobs 1, 2 and 4 (pure; unit-tested).
 * Expected: the engine's model with a free core per connection, a commit
 * costing half the measured rollback.  Low: the fastest sampled slice's
 * pace, commits free.  High: the slowest slice's pace with no gain from
 * parallel connections, commits as slow as the rollbacks. */
void estimate_project(const struct est_input *in, struct est_projection out[EST_NJOBS]);

/* sync --dry-run --sample: so as the real run would use it. */
int estimate_sync(struct db *db, const struct sync_opts *so, int hpos_auth, uint64_t pending, uint64_t sample_n,
		  int json, struct herr *err);

/* cleanup --dry-run --sample: co as the real run would use it (backup is
 * ignored); backup_dir: where the real backup file would go, for a
 * throwaway file of the same size (NULL: --no-backup). */
int estimate_cleanup(struct db *db, const struct cleanup_opts *co, uint64_t pending, uint64_t sample_n,
		     const char *backup_dir, int json, struct herr *err);

/* Duration as 45s, 12m05s, 3h07m, 2d04h. */
void estimate_fmt_duration(char *buf, size_t n, double s);

#endif
