/* markers.c - the deletion-marker phase of a sync run, one loop for both
 * directions (markers.h). */
#include <stdlib.h>

#include "hposctl.h"
#include "markers.h"
#include "output.h"
#include "syncstate.h"
#include "util.h"

/* The markers of one batch, sorted by the engine's verdict. */
struct mbatch {
	uint64_t *del, *gone;
	unsigned n, ndel, ngone, left;
	uint64_t lowest; /* the cursor: the next batch reads below it */
};

/* Read up to so->batch_size marked orders below *below and sort them:
 * left alone (reported, counted in mb->left), gone, to delete.
 * The arrays of mb are malloc'd (mbatch_release()).  0, or -1. */
static int read_sorted(struct db *db, const struct sync_opts *so, const struct marker_pass *p, uint64_t below, struct mbatch *mb, struct herr *err)
{
	struct marker_order *m = NULL;

	if (wc_marker_orders(db, p->hpos_auth, below, so->batch_size, &m, &mb->n, err) < 0)
		return -1;
	mb->del = xcalloc(mb->n + 1, sizeof(*mb->del));
	mb->gone = xcalloc(mb->n + 1, sizeof(*mb->gone));
	mb->lowest = below;
	for (unsigned i = 0; i < mb->n; i++) {
		mb->lowest = m[i].id;
		switch (p->sort(&m[i], p->ctx)) {
		case MARKER_LEFT:
			wc_report_live_marker(&m[i], p->hpos_auth);
			mb->left++;
			break;
		case MARKER_GONE:
			out_warning("Order %llu doesn't exist in the backup table, thus it can't be deleted",
				    (unsigned long long)m[i].id);
			mb->gone[mb->ngone++] = m[i].id;
			break;
		case MARKER_DELETE:
			mb->del[mb->ndel++] = m[i].id;
			break;
		}
	}
	free(m);
	return 0;
}

static void mbatch_release(struct mbatch *mb)
{
	free(mb->del);
	free(mb->gone);
}

/* One batch: begin, read and sort (inside the transaction that deletes,
 * so that what is deleted is what was just seen), remove, commit.  The
 * batch's deletions are counted once committed.  1 when there may be
 * more, 0 when the markers are done, -1 on error (rolled back; nothing
 * counted, so a retried batch counts once). */
static int one_batch(struct db *db, const struct sync_opts *so, struct sync_stats_s *st,
		     const struct marker_pass *p, uint64_t *below, struct herr *err)
{
	int txn = !db_dry_run(db) && so->isolation;
	struct mbatch mb = { 0 };
	int rc = 0;

	if (txn && db_begin(db, so->isolation, err) < 0)
		return -1;
	rc = read_sorted(db, so, p, *below, &mb, err);
	if (rc == 0 && !db_dry_run(db) && mb.n)
		rc = p->remove(db, mb.del, mb.ndel, mb.gone, mb.ngone, p->ctx, err);
	if (rc < 0) {
		if (txn)
			db_rollback(db);
	} else if (txn) {
		rc = db_commit(db, err);
	}
	if (rc == 0) {
		st->deleted += mb.ndel;
		st->markers_left += mb.left;
		*below = mb.lowest;
	}
	rc = rc < 0 ? -1 : mb.n != 0;
	mbatch_release(&mb);
	return rc;
}

/* The whole phase once (for retry_run_end(): a retry reads again from
 * the top; the batches already committed have no markers left). */
struct markers_try {
	struct db *db;
	const struct sync_opts *so;
	struct sync_stats_s *st;
	const struct marker_pass *p;
};

static int markers_once(void *arg, struct herr *err)
{
	const struct markers_try *t = arg;
	uint64_t below = UINT64_MAX;
	int rc;

	for (;;) {
		/* A sample (--dry-run --sample) measures orders, not markers. */
		if (hpos_interrupted || db_sample(t->db))
			return 0;
		if (t->so->between && t->so->between(t->so->arg, t->st)) {
			t->st->stop_reason = 3;
			return 0;
		}
		if ((rc = one_batch(t->db, t->so, t->st, t->p, &below, err)) <= 0)
			return rc;
	}
}

int markers_run(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, const struct marker_pass *p,
		struct herr *err)
{
	struct markers_try t = { db, so, st, p };

	return retry_run_end(db, so->runlock_name, so->max_retries, &st->retries, markers_once, &t, err);
}
