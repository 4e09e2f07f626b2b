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

/* CREATE TABLE text for one HPOS table in WooCommerce 9.9.5's shape. */
void wc_schema_sql(struct db *db, enum hpos_table t, const char *collation, struct strbuf *sb);
/* Create any missing HPOS table and set woocommerce_custom_orders_table_created. */
int wc_create_tables(struct db *db, unsigned *created_mask, struct herr *err);

/* Orders pending sync, split as WooCommerce splits them. */
struct pending {
	uint64_t missing;   /* (A) or (A') */
	uint64_t outdated;  /* (B) or (B') */
	uint64_t markers;   /* (C) or (C'): deletion-marker rows */
	int tables_missing; /* then missing = every order post */
};
int wc_pending(struct db *db, const struct typelist *types, int hpos_auth,
	       struct pending *p, struct herr *err);
static inline uint64_t pending_total(const struct pending *p)
{
	return p->missing + p->outdated + p->markers;
}

/* Append the WHERE condition selecting deletion markers (both the current
 * and the pre-8.x form) of the non-authoritative side; alias is "m." or "". */
void wc_marker_condition(struct db *db, struct strbuf *sql, const char *alias, int hpos_auth);

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
