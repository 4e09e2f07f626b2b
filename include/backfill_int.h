/* backfill_int.h - shared between the files of the reverse direction
 * (HPOS -> posts): backfill.c runs the batches (read, plan, write,
 * report), backfill_plan.c computes what WooCommerce would write,
 * backfill_write.c writes it, backfill_partial.c is `hposctl backfill
 * ID --meta-keys/--props`.  Not for use outside these files. */
#ifndef HPOS_BACKFILL_INT_H
#define HPOS_BACKFILL_INT_H

#include <stddef.h>
#include <stdint.h>
#include "hposctl.h"
#include "backfill.h"
#include "mapping.h"

/* ------------------------------------------------------------------ */
/* How the posts data store writes each mapped column back.            */

enum bf_rule {
	BF_POST,    /* a wp_posts column, written with the post row */
	BF_NONE,    /* not written back (order_id columns, shipping email, orders.billing_email) */
	BF_PROP,    /* WC_Order_Data_Store_CPT::update_post_meta: changed or missing; '' deletes */
	BF_ABS,     /* Abstract_WC_Order_Data_Store_CPT::update_post_meta (orders and refunds) */
	BF_FLAG,    /* data-store setter, always written, 'yes'/'no' (orders only) */
	BF_FLAG_TF, /* the same with 'true'/'false' (_new_order_email_sent) */
};

struct bf_rule_ent {
	enum mig mig;
	const char *column;
	const char *prop;   /* WooCommerce property name */
	enum bf_rule rule;
};

/* In the order WooCommerce writes them (backfill_plan.c). */
extern const struct bf_rule_ent rules[];
extern int rule_ci[]; /* colmaps index of each rule */
void rules_init(void);
int find_rule(const char *prop);

/* The four refund properties and their meta keys. */
extern const char *const refund_props[4];
extern const char *const refund_keys[4];

/* ------------------------------------------------------------------ */
/* The site: timezone, price decimals, defaults.                      */

struct site {
	int use_tz;            /* TZ set to timezone_string */
	long offset;           /* seconds east of UTC otherwise */
	char *saved_tz;
	int had_tz;
	int price_dp;
	int prices_include_tax;
	int compat;
	char *home;
	char *currency;        /* woocommerce_currency: the store currency */
	char *comment_status;  /* default_comment_status */
	int have_comments, have_terms;
};

int site_load(struct db *db, struct site *s, struct herr *err);
void site_release(struct site *s);
int parse_gmt(const char *v, size_t len, int64_t *t);
void epoch_local(const struct site *s, int64_t t, char out[20]);

/* ------------------------------------------------------------------ */
/* One batch.                                                          */

/* A batch owns everything its orders point at: the four result sets of
 * load_batch() (o->h, b->hm and the original postmeta rows point into
 * them), the orders' strings, the plans.  bbatch_reset() frees it all.
 * A planned postmeta row points either into a result set, at a constant
 * key, or at its own copy (own). */
struct pmv {                /* a postmeta row, as it will be */
	uint64_t meta_id;   /* 0: to be inserted */
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
	char *own;          /* val when it is ours */
	int dead;
	int changed;
};

struct bord {
	uint64_t id;
	int deferred, skip, hold;
	char *reason;
	char **h;               /* HPOS values per colmaps index (NULL = SQL NULL) */
	unsigned long *hl;
	size_t hm_lo, hm_hi;    /* its rows in batch->hm */
	int post_exists;
	char *post_type, *post_author, *post_excerpt;
	char *old_status, *old_name, *old_guid, *old_title; /* the post as it is */
	char *title;            /* post_title to write (NULL: keep) */
	char *name;             /* post_name to write */
	char *new_guid;         /* guid to write */
	struct pmv *pm;
	size_t npm, cap;
	/* the post row to write */
	int refund;
	char date[20], date_gmt[20], mod[20], mod_gmt[20];
	uint64_t parent;
	const char *status, *type, *excerpt;
	size_t excerpt_len;
};

struct hmr {
	uint64_t order_id, id;
	const char *key, *val;
	size_t klen, vlen;
};

struct bbatch {
	struct bord *o;
	unsigned n;
	struct hmr *hm;
	size_t nhm;
	struct db_result *r_orders, *r_hmeta, *r_pm, *r_posts;
	uint64_t last_id;
};

/* backfill.c: the batch and reading it. */
void bbatch_reset(struct bbatch *b);
int bfind(const struct bbatch *b, uint64_t id);
int load_batch(struct db *db, struct bbatch *b, struct herr *err);

/* backfill_plan.c: the planned postmeta of one order. */
void bskip(struct bord *o, const char *fmt, ...) HPOS_PRINTF(2, 3);
struct pmv *pm_add(struct bord *o);
int meta_update(struct bord *o, const char *key, const char *val);
int meta_delete(struct bord *o, const char *key, size_t kl);
int meta_update_or_delete(struct bord *o, const char *key, const char *val);
const struct hmr *hm_first(const struct bbatch *b, const struct bord *o, const char *key);

/* The property value WooCommerce holds for a mapped column, from HPOS
 * (NULL -> the property's default) or from postmeta (missing -> '').
 * Returns an allocated string; kind tells the format. */
enum pkind { PK_STRING, PK_INT, PK_DECIMAL, PK_TOTAL, PK_BOOL, PK_DATE, PK_KEY };
enum pkind prop_kind(const struct bf_rule_ent *r, const struct colmap *c);
char *hpos_prop(const struct site *s, const struct bord *o, unsigned ci, enum pkind k);

void plan_order(const struct site *s, const struct bbatch *b, struct bord *o);
int plan_post_row(struct db *db, const struct site *s, struct bbatch *b, unsigned oi, struct herr *err);
int live_order(const struct bord *o);
void guid(const struct site *s, const struct bord *o, const char *type, struct strbuf *sb);

struct rowwriter;

/* ------------------------------------------------------------------ */
/* Writing (backfill_write.c).                                         */

/* Read the server's max_allowed_packet and size the multi-row statements
 * from it (rw_packet_limits(); 4 MiB when the server reports none).  0,
 * or -1 with err set. */
int bwrite_setup(struct db *db, struct herr *err);

/* A row writer for new postmeta rows (post_id, meta_key, meta_value);
 * the caller frees it (rw_free(), or through the write). */
struct rowwriter *new_meta_writer(struct db *db);
/* Add order o's new postmeta rows (planned, no meta_id, not dead) to w,
 * in plan order; the values stay o's (borrowed until written). */
void add_new_meta(struct rowwriter *w, const struct bord *o);

/* Write planned batch b (its live orders) in a transaction, retried on
 * deadlocks and lock waits up to so->max_retries; a data error is narrowed
 * down to the order the server refuses, which is skipped (bskip) and the
 * others written.  Returns 0 (*written = orders written), 1 when the
 * batch must be read and planned again (the connection was lost and
 * re-established: the outcome of a cut-off COMMIT is unknown; or, without
 * transactions, a retryable failure came after other statements were
 * written), 2 when without transactions the server refused a batch of
 * several orders (read them again one at a time: a plan is not written
 * twice, as its inserts are not idempotent), -1 on error (err set).
 * Counts retries in st. */
int write_retrying(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
		   unsigned *written, struct sync_stats_s *st, struct herr *err);

#endif
