/* verify.h - compare the posts store with the HPOS tables, order by order,
 * with the mapping (mapping.h) and conversions (orderconv.h) sync uses: a
 * value sync would write identically is never a difference.
 *
 * The store is read in windows of IDs (keyset on both wp_posts and
 * wc_orders, so HPOS-only orders are seen too); each window is read inside
 * one REPEATABLE READ transaction (a consistent snapshot, no locks) and
 * compared in C, byte for byte (decimals by value). */
#ifndef HPOS_VERIFY_H
#define HPOS_VERIFY_H

#include <stdint.h>
#include "db.h"
#include "wcstore.h"

struct verify_opts {
	unsigned batch_size;
	const struct typelist *types;
	uint64_t start_from;    /* inclusive */
	uint64_t end_at;        /* inclusive; 0 = none */
	int hpos_auth;          /* HPOS is authoritative: compare loosely, placeholders are fine */
	int compat;             /* compatibility mode (sync) on */
	int precision;          /* wc_get_rounding_precision() */
	int all;                /* also emit entries for equal values (diff) */
};

enum ventry_kind {
	VE_COLUMN,         /* a migrated column differs */
	VE_META,           /* wc_orders_meta differs for one key (multiset) */
	VE_ROW_MISSING,    /* an address / operational-data row is missing */
	VE_ROW_EXTRA,      /* an address row of another type */
	VE_ROW_DUPLICATE,  /* more than one row where there must be one */
	VE_NOT_IN_HPOS,    /* an order post with no wc_orders row */
	VE_NOT_IN_POSTS,   /* a wc_orders row with no order post (or a placeholder) */
	VE_UNMIGRATABLE,   /* sync would refuse the order: a value does not fit */
	VE_REMIGRATE_FAILED, /* still differs after --re-migrate: {"remigrate_failed": true} */
	VE_ORPHAN_ROWS,    /* HPOS child rows of an order that exists in neither store */
};

struct vval {
	char *s;      /* NULL: SQL NULL / absent */
	size_t len;
};

struct ventry {
	enum ventry_kind kind;
	int same;            /* only with opts.all: the values are equal */
	const char *table;   /* HPOS table suffix ("wc_orders") */
	const char *column;  /* HPOS column, or NULL */
	const char *source;  /* wp_posts column or meta key, or NULL */
	struct vval key;     /* meta key, address_type or post type */
	struct vval *orig, *new;
	unsigned norig, nnew;
	unsigned count;      /* rows, for VE_ROW_DUPLICATE */
	char *reason;
};

struct vorder {
	uint64_t id;
	int remigratable;    /* a posts-side order sync can rewrite */
	struct ventry *e;
	unsigned n;
};

/* The results of one window: the orders with differences (or, with
 * opts.all, every order). */
struct vresult {
	struct vorder *o;
	unsigned n;
	uint64_t verified;   /* orders compared (auto-drafts without HPOS rows excluded) */
};

/* The next window after *cursor: fills ids (caller frees) with up to about
 * 2 * batch_size IDs and moves *cursor.  *n = 0 at the end. */
int verify_window(struct db *db, const struct verify_opts *o, uint64_t *cursor, uint64_t **ids,
		  unsigned *n, struct herr *err);

/* Order posts in range (auto-drafts excluded), for the progress bar. */
int verify_count(struct db *db, const struct verify_opts *o, uint64_t *n, struct herr *err);

/* Compare the orders ids[0..n) (ascending).  lo: the first ID of the
 * window they are the whole of (HPOS child rows in [lo, ids[n-1]] of no
 * order are then reported as orphans), or 0 for a mere list of orders. */
int verify_orders(struct db *db, const struct verify_opts *o, const uint64_t *ids, unsigned n,
		  uint64_t lo, struct vresult *res, struct herr *err);
/* After the last window (cursor = its last ID): HPOS child rows of no
 * order beyond it (up to 10,000 rows per table). */
int verify_tail(struct db *db, const struct verify_opts *o, uint64_t cursor, struct vresult *res,
		struct herr *err);
/* The whole range: every window (verify_window + verify_orders) and then
 * the tail, each window's result handed to cb, which owns it (release or
 * keep it).  cb returns nonzero to stop early.  Orders compared are added
 * to *verified. */
int verify_store(struct db *db, const struct verify_opts *o, uint64_t *verified,
		 int (*cb)(void *arg, struct vresult *res, struct herr *err), void *arg, struct herr *err);
void vresult_release(struct vresult *res);
void vorder_release(struct vorder *o);
/* Append an empty entry of kind k to o. */
struct ventry *vorder_add(struct vorder *o, enum ventry_kind k, const char *table);

/* JSON of one entry.  php: PHP json_encode(JSON_PRETTY_PRINT) style
 * (slashes and non-ASCII escaped) at the given indent; else compact.
 * with_same: lead with "differs": true|false. */
void ventry_json(struct strbuf *sb, uint64_t order_id, const struct ventry *e, int php, int indent, int with_same);
/* {"<id>": [entries], ...} for a set of orders. */
void vorders_json(struct strbuf *sb, const struct vorder *o, unsigned n, int php);

#endif
