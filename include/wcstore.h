/* wcstore.h - the WooCommerce store's state, read and written with SQL:
 * options, the HPOS schema, pending-sync counts, row counts.  Commands use
 * these functions; no SQL lives in the command files. */
#ifndef HPOS_WCSTORE_H
#define HPOS_WCSTORE_H

#include <stdint.h>
#include "db.h"

#define OPT_HPOS_ENABLED "woocommerce_custom_orders_table_enabled"
#define OPT_SYNC_ENABLED "woocommerce_custom_orders_table_data_sync_enabled"
#define OPT_TABLES_CREATED "woocommerce_custom_orders_table_created"
#define OPT_USE_TRANSACTIONS "woocommerce_use_db_transactions_for_custom_orders_table_data_sync"
#define OPT_ISOLATION "woocommerce_db_transactions_isolation_level_for_custom_orders_table_data_sync"
#define PLACEHOLDER_TYPE "shop_order_placehold"
/* hposctl's record of the orders its cleanup emptied (syncstate.c). */
#define CLEANED_TABLE "hposctl_cleaned"

enum hpos_table { T_ORDERS, T_ADDRESSES, T_OPDATA, T_META, T_COUNT };
extern const char *const hpos_table_suffix[T_COUNT];

/* A list of order types, e.g. shop_order,shop_order_refund. */
struct typelist {
	char **v;
	unsigned n;
};
/* Parse "a,b" (each [A-Za-z0-9_-]{1,20}, not the placeholder type). */
int typelist_parse(struct typelist *tl, const char *csv, struct herr *err);
void typelist_release(struct typelist *tl);
/* Add a copy of s (len bytes) unless tl has it already: 1 added, 0 there. */
int typelist_add(struct typelist *tl, const char *s, size_t len);
/* Append "'a','b'" quoted for SQL. */
void typelist_sql(struct db *db, const struct typelist *tl, struct strbuf *sb);

/* Options (the {prefix}options table).  *val is NULL when the row is absent. */
int wc_option_get(struct db *db, const char *name, char **val, struct herr *err);
int wc_option_set(struct db *db, const char *name, const char *val, struct herr *err);

/* Which store is authoritative, and whether compatibility mode is on. */
int wc_hpos_authoritative(struct db *db, int *yes, struct herr *err);
int wc_compat_mode(struct db *db, int *yes, struct herr *err);
/* 1 when WooCommerce's background sync is on (the mode option, or by
 * default with compatibility mode on) and WooCommerce is older than 11.3,
 * whose batches never take the migration lock hposctl honours; *mode and
 * *version (NULL when unknown) for the message, caller frees.  -1 error. */
int wc_background_sync_unlocked(struct db *db, char **mode, char **version, struct herr *err);
/* "major.minor[...]" is at least major.minor (NULL or junk: no). */
int wc_version_at_least(const char *v, unsigned major, unsigned minor);

/* Table existence: bit i set when hpos table i exists. */
int wc_hpos_tables_present(struct db *db, unsigned *mask, struct herr *err);
#define HPOS_ALL_TABLES ((1u << T_COUNT) - 1)
/* The WordPress tables hposctl reads ({prefix}options, posts, postmeta)
 * that the database lacks: their full names, comma-separated, appended to
 * *missing; *n is how many (0: all there). */
int wc_wp_tables_missing(struct db *db, struct strbuf *missing, unsigned *n, struct herr *err);

/* The HPOS schema WooCommerce creates, by release (docs/compatibility.md). */
enum wc_schema {
	WCS_BASE,     /* 8.2 .. 10.5 (as 9.9.5 and 10.0.2 create it) */
	WCS_10_6,     /* + wc_orders KEY customer_id_status (#62874) */
	WCS_10_8_PRE, /* 10.8.0 pre-releases: + KEY transaction_id (#64025), meta_key_value (meta_key(100)) (#63897) */
	WCS_10_8,     /* 10.8.0 on: meta_key_value (meta_key(50), meta_value(20)) (#65146) */
};
#define WCS_NEWEST WCS_10_8
/* The schema of a WooCommerce version string ("10.8.0", "10.8.0-beta.2");
 * *newer = 1 when the version is newer than hposctl knows, or unreadable
 * (then the newest schema). */
enum wc_schema wc_schema_for_version(const char *version, int *newer);
/* The first release of a schema ("10.6.0"). */
const char *wc_schema_name(enum wc_schema s);
/* The store's schema from woocommerce_version (woocommerce_db_version when
 * unset); warns when the version is newer than hposctl knows or missing. */
int wc_store_schema(struct db *db, enum wc_schema *schema, struct herr *err);
/* CREATE TABLE text for one HPOS table as that WooCommerce schema has it. */
void wc_schema_sql(struct db *db, enum hpos_table t, const char *collation, enum wc_schema schema,
		   struct strbuf *sb);
/* Create any missing HPOS table and set woocommerce_custom_orders_table_created. */
int wc_create_tables(struct db *db, unsigned *created_mask, struct herr *err);
/* DataSynchronizer::check_orders_table_exists(): set
 * woocommerce_custom_orders_table_created to 'yes' when all four HPOS
 * tables exist, else 'no' (written only when it differs).  WooCommerce
 * reads the option, not the tables: with 'no' it counts every order post
 * as unsynced.  WooCommerce's sync, compatibility-mode toggle and enable
 * commands refresh it; so do hposctl's. */
int wc_tables_created_refresh(struct db *db, struct herr *err);
/* WC_Cache_Helper::get_transient_version('orders', true), which
 * WooCommerce's posts data store calls whenever it saves or deletes an
 * order post: the transient '_transient_orders-transient-version' becomes
 * the current Unix time, so order caches keyed on it (counts, reports) are
 * rebuilt.  Only an existing row is updated: a missing one is created by
 * WooCommerce with a fresh version on its next read. */
int wc_orders_transient_bump(struct db *db, struct herr *err);

/* Orders pending sync, split as WooCommerce splits them. */
struct pending {
	uint64_t missing;   /* (A) or (A') */
	uint64_t placeholders; /* of (A'), HPOS authoritative: orders whose post is a placeholder */
	uint64_t outdated;  /* (B) or (B') */
	uint64_t markers;   /* (C) or (C'): deletion-marker rows */
	uint64_t cleaned;   /* HPOS authoritative: of `missing`, the orders whose
			     * post is a cleaned placeholder (wc_cleaned_sql) */
	uint64_t markers_live; /* of those, orders that still exist in the
				* authoritative store: left alone (docs/deleting.md) */
	int tables_missing; /* then missing = every order post */
};
int wc_pending(struct db *db, const struct typelist *types, int hpos_auth,
	       struct pending *p, struct herr *err);
static inline uint64_t pending_total(const struct pending *p)
{
	return p->missing + p->outdated + p->markers;
}
/* What `sync` takes up: WooCommerce's count, less the cleaned orders when
 * they are left out (HPOS authoritative, compatibility mode off, no
 * --restore-cleaned: see sync_skips_cleaned()). */
static inline uint64_t pending_for_sync(const struct pending *p, int skip_cleaned)
{
	return pending_total(p) - (skip_cleaned ? p->cleaned : 0);
}
/* Whether sync leaves cleaned orders out: only while HPOS is authoritative
 * and compatibility mode is off, where hposctl's sync is the only writer of
 * the posts tables (with it on, WooCommerce's own background sync rebuilds
 * every placeholder anyway). */
static inline int sync_skips_cleaned(int hpos_auth, int compat, int restore_cleaned)
{
	return hpos_auth && !compat && !restore_cleaned;
}

/* Append the condition "the post p (a LEFT JOINed posts row, alias given
 * with its dot) is a cleaned placeholder": a shop_order_placehold post that
 * hposctl's cleanup recorded in CLEANED_TABLE (with_record: the table
 * exists), or that still has the post_name or post_title of the real order
 * post it was.  Both cleanups (WooCommerce's
 * LegacyDataHandler::cleanup_post_data() and hposctl's) only delete the
 * postmeta and set post_type/post_status, while the placeholder WooCommerce
 * creates for an order saved with compatibility mode off is an empty draft
 * (no title, no name). */
void wc_cleaned_sql(struct db *db, struct strbuf *sql, const char *alias, int with_record);
/* Whether the table {prefix}<suffix> exists. */
int wc_table_exists(struct db *db, const char *suffix, int *yes, struct herr *err);

/* Order types of the store, for `order_types: auto`: shop_order and
 * shop_order_refund always; the known plugin order types present in the
 * posts table or wc_orders; every other type in wc_orders.type; every other
 * post type whose sampled posts carry order meta.  Never the placeholder
 * type.  Reads the post_type index (one dive per distinct type) and a few
 * posts' meta by post_id per unknown type; no wp_postmeta scan. */
int wc_find_order_types(struct db *db, struct typelist *found, struct herr *err);
/* 1-based index in the list of order types known by name, else 0. */
int wc_known_order_type(const char *type);
/* The probe query for one post type (for EXPLAIN in tests and docs). */
void wc_probe_sql(struct db *db, const char *type, struct strbuf *sql);
/* Rows of wc_orders of one type. */
int wc_orders_of_type(struct db *db, const char *type, uint64_t *n, struct herr *err);
/* Rows of wc_orders of one type with an ID in one of the inclusive ranges. */
int wc_orders_of_type_in(struct db *db, const char *type, const uint64_t (*ranges)[2], unsigned n,
			 uint64_t *count, struct herr *err);
/* The type of one wc_orders row (*type NULL when there is no such row). */
int wc_order_type(struct db *db, uint64_t id, char **type, struct herr *err);
/* wc_pending() for each type of the list apart (each[types->n]); the
 * deletion markers, which carry no type, are left at 0 there and counted
 * once in *markers (when not NULL). */
int wc_pending_each(struct db *db, const struct typelist *types, int hpos_auth, struct pending *each,
		    uint64_t *markers, struct herr *err);

/* Append the WHERE condition selecting deletion markers: the only form
 * WooCommerce (8.0.0 and later) writes, meta_key `_deleted_from` with
 * value `posts_table` (posts authoritative) or `orders_table` (HPOS
 * authoritative), byte-exact.  See docs/deleting.md. */
void wc_marker_condition(struct db *db, struct strbuf *sql, const char *alias, int hpos_auth);

/* One order carrying deletion markers for the current authority, and where
 * it still exists. */
struct marker_order {
	uint64_t id;
	int in_hpos;        /* a wc_orders row with this id exists */
	int in_posts;       /* a posts row with this id exists (any type) */
	char post_type[21]; /* its post_type ("" if none; cut at 20) */
};
/* Up to `limit` orders with markers and an id below `below`, highest
 * first.  *out is malloc'd (free it); *n their number. */
int wc_marker_orders(struct db *db, int hpos_auth, uint64_t below, unsigned limit, struct marker_order **out,
		     unsigned *n, struct herr *err);
/* Delete the marker rows (only those) of these orders. */
int wc_delete_markers(struct db *db, int hpos_auth, const uint64_t *ids, unsigned n, struct herr *err);
/* Say that a marker was left alone because its order still exists in the
 * authoritative store (a warning and a `marker_left` event). */
void wc_report_live_marker(const struct marker_order *m, int hpos_auth);

/* For `backfill` into a store: of the orders with an ID in the ranges
 * that exist in both stores (posts of these types), how many exist in the
 * destination (*exist: would be overwritten) and how many of those are
 * newer there than in the source (*newer: by date_updated_gmt vs
 * post_modified_gmt). */
int wc_count_overwrites(struct db *db, const struct typelist *types, int to_hpos, const uint64_t (*ranges)[2],
			unsigned nranges, uint64_t *exist, uint64_t *newer, struct herr *err);

/* Number of rows in an HPOS table (an estimate-free COUNT(*)). */
int wc_table_rows(struct db *db, enum hpos_table t, uint64_t *n, struct herr *err);
/* Order posts of one post type. */
int wc_posts_of_type(struct db *db, const char *type, uint64_t *n, struct herr *err);
/* Orders subject to cleanup (LegacyDataHandler::count_orders_for_cleanup). */
int wc_cleanup_candidates(struct db *db, const struct typelist *types, uint64_t *n, struct herr *err);
/* The same among the posts matching id_filter (an SQL condition on p.ID;
 * NULL for all). */
int wc_cleanup_candidates_in(struct db *db, const struct typelist *types, const char *id_filter,
			     uint64_t *n, struct herr *err);
/* Append " FROM posts p LEFT JOIN wc_orders o ... WHERE <selection>" as
 * LegacyDataHandler::build_sql_query_for_cleanup() builds it. */
void wc_cleanup_from_where(struct db *db, const struct typelist *types, const char *id_filter, struct strbuf *sql);

/* wc_get_rounding_precision(): max(woocommerce_price_num_decimals + 2, 6). */
int wc_rounding_precision(struct db *db, int *prec, struct herr *err);

/* DELETE FROM {prefix}{table} WHERE col IN (ids) [and_where]; nothing
 * is run for no ids. */
int wc_delete_ids(struct db *db, const char *table, const char *col, const uint64_t *ids, unsigned n,
		  const char *and_where, struct herr *err);

/* Delete the address rows of these orders whose address_type is neither
 * billing nor shipping (verify --re-migrate: sync upserts the two real
 * rows but never removes others). */
int wc_delete_extra_addresses(struct db *db, const uint64_t *ids, unsigned n, struct herr *err);

/* Where the postmeta rows matching `where` (" WHERE post_id ...") lie in
 * meta_id order.  An order's meta rows are usually written together, so a
 * run of orders' rows is mostly one dense meta_id range, and scanning that
 * range of the clustered primary key costs about half of looking each row
 * up through the post_id index.  1: every matching row lies in
 * [*lo, *hi] and the range is dense enough to read whole (other posts'
 * rows in it are the caller's to drop); 0: no rows, or too sparse (read
 * with `where`); -1: error. */
int wc_postmeta_span(struct db *db, const char *where, uint64_t *lo, uint64_t *hi, struct herr *err);

/* "{prefix}{suffix}" backtick-quoted, appended to sb. */
void wc_table(struct db *db, struct strbuf *sb, const char *suffix);

#endif
