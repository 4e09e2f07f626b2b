/* backfill.h - the reverse direction: HPOS -> posts, as WooCommerce's
 * OrdersTableDataStore::backfill_post_record() writes it, plus the
 * per-order partial backfills of `hposctl backfill --meta-keys/--props`.
 *
 * The column list comes from mapping.c's colmaps[]; this module only adds,
 * per mapped column, how WooCommerce's posts data store writes it back
 * (which property, gated or always, yes/no or true/false). */
#ifndef HPOS_BACKFILL_H
#define HPOS_BACKFILL_H

#include <stdint.h>
#include "db.h"
#include "migrate.h"

/* HPOS -> posts.  With o->nranges == 0: every order pending sync while
 * HPOS is authoritative (missing or placeholder post, newer
 * date_updated_gmt, deletion markers `orders_table`).  With ranges: those
 * orders of wc_orders, pending or not, and no deletion markers.  Same
 * guarantees as sync_to_hpos(): batches in transactions (o->isolation),
 * retries on deadlocks and lost connections, skipped orders recorded,
 * o->between called between batches, nothing written under --dry-run
 * (st->synced then counts what would be written). */
int sync_to_posts(struct db *db, const struct sync_opts *o, struct sync_stats_s *st, struct herr *err);

/* Partial backfill of one order.  to_posts: HPOS -> posts, else posts ->
 * HPOS.  Meta keys: every value of the key is replaced by the source's.
 * Props: WooCommerce property names (billing_first_name, status, total...).
 * Returns 0, 1 when the order is missing in the source, -1 on error. */
int backfill_partial(struct db *db, uint64_t id, int to_posts, char **meta_keys, unsigned nkeys,
		     char **props, unsigned nprops, struct herr *err);

/* For argument checks: a key WooCommerce treats as internal (use --props),
 * and a known property name. */
int backfill_internal_key(const char *key);
int backfill_prop_known(const char *prop);

/* The write rule of every colmaps[] entry (for the unit test): returns the
 * number of colmaps entries without exactly one rule (0 = complete). */
unsigned backfill_rules_check(void);

#endif
