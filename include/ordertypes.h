/* ordertypes.h - which order types a command works on.
 *
 * `order_types: auto` (the default) and `--order-types auto` take every
 * order type found in the store (wc_find_order_types()); an explicit list
 * ("a,b") takes exactly those, and the types found in the store but left
 * out of it are kept apart so that commands can name them in a warning and
 * switch-authority can refuse while they are behind.  "auto,a" adds a to
 * what is found. */
#ifndef HPOS_ORDERTYPES_H
#define HPOS_ORDERTYPES_H

#include "wcstore.h"

struct ordertypes {
	struct typelist use;      /* what the command works on */
	struct typelist found;    /* order types found in the store */
	struct typelist left_out; /* found, but not in an explicit list */
	int automatic;            /* the list said auto */
};

/* Find the store's order types and plan with them. */
int ordertypes_resolve(struct db *db, const char *spec, struct ordertypes *ot, struct herr *err);
/* The pure part: spec and the types found -> use and left_out.  found is
 * copied. */
int ordertypes_plan(const char *spec, const struct typelist *found, struct ordertypes *ot, struct herr *err);
void ordertypes_release(struct ordertypes *ot);
/* For commands: resolve spec, warn about left-out types when warn, and
 * hand the list to work on to *types (typelist_release() it). */
int order_types_for(struct db *db, const char *spec, int warn, struct typelist *types, struct herr *err);
/* "Warning: order types present in the store but not in --order-types /
 * sync.order_types: a, b (...)", when there are any. */
void ordertypes_warn(const struct ordertypes *ot);
/* Join a list as "a, b" into sb. */
void typelist_join(const struct typelist *tl, const char *sep, struct strbuf *sb);
/* 1 when hposctl writes this type back to the posts tables exactly as
 * WooCommerce does (shop_order, shop_order_refund).  Other types are
 * written to posts by their plugin's own data store (Subscriptions'
 * WCS_Subscription_Data_Store_CPT adds props orders do not have), so
 * reverse sync and backfill --to posts refuse them. */
int ordertype_reversible(const char *type);
/* Split a list into the reversible types and the others (both copies). */
void typelist_split_reversible(const struct typelist *in, struct typelist *ok, struct typelist *refused);
/* HPOS -> posts (reverse sync, backfill --to posts): the reversible
 * types of the list into *ok; for every other type with orders pending
 * towards posts, an error naming the type, the count and the reason
 * ("...were not <what>"); their total in *refused_pending. */
int reverse_types(struct db *db, const struct typelist *types, const char *what, struct typelist *ok,
		  uint64_t *refused_pending, struct herr *err);
/* Why a type is refused, for messages. */
const char *ordertype_refusal_reason(const char *type);

#endif
