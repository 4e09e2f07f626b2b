/* markers.h - the deletion-marker phase that ends a sync run, in either
 * direction.  WooCommerce's DataSynchronizer::process_deleted_orders()
 * reads the orders whose copy in the authoritative store was deleted (a
 * `_deleted_from` row in wc_orders_meta) and deletes the other copy.  The
 * loop, its transactions, counting and retries are the same both ways;
 * what a marker means and what deleting an order takes are the engine's
 * (migrate.c forward, backfill.c reverse). */
#ifndef HPOS_MARKERS_H
#define HPOS_MARKERS_H

#include <stdint.h>
#include "db.h"
#include "migrate.h"
#include "wcstore.h"

/* What the engine makes of one marker. */
enum marker_verdict {
	MARKER_LEFT,   /* the order still exists in the authoritative store: left alone, reported */
	MARKER_GONE,   /* no copy to delete: only the marker goes */
	MARKER_DELETE, /* delete the copy, then the marker */
};

struct marker_pass {
	int hpos_auth; /* 1: `orders_table` markers (HPOS authoritative), 0: `posts_table` */
	/* The verdict on m (pure: no SQL, no output). */
	enum marker_verdict (*sort)(const struct marker_order *m, void *ctx);
	/* Delete the copies of the orders del[0..ndel) and the markers
	 * WooCommerce removes with them; the markers of gone[0..ngone)
	 * always go.  Runs inside the batch's transaction (when there is
	 * one), never in a dry run.  0, or -1 with err set. */
	int (*remove)(struct db *db, const uint64_t *del, unsigned ndel, const uint64_t *gone, unsigned ngone,
		      void *ctx, struct herr *err);
	void *ctx;
};

/* Run the marker phase: batches of so->batch_size markers, highest order
 * first, each read and acted on in one transaction (so->isolation), the
 * whole phase retried as batch reads are (retry_run_end()).  Counts
 * st->deleted once a batch commits and st->markers_left for the markers
 * left alone; stops between batches as the engines do (hpos_interrupted,
 * so->between).  Does nothing in a sample (--dry-run --sample).  0, or -1
 * with err set. */
int markers_run(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, const struct marker_pass *p,
		struct herr *err);

#endif
