/* mapping.h - the posts/postmeta -> HPOS column mapping, written once as
 * data and read by sync, verify, backfill and cleanup alike.
 *
 * It mirrors WooCommerce's four migrators (PostToOrderTableMigrator,
 * PostToOrderAddressTableMigrator for billing and shipping,
 * PostToOrderOpTableMigrator); every meta key named here is kept out of
 * wc_orders_meta, every other key is copied there verbatim. */
#ifndef HPOS_MAPPING_H
#define HPOS_MAPPING_H

#include <stddef.h>

/* The migrators, in the order WooCommerce runs them. */
enum mig { MIG_ORDER, MIG_BILLING, MIG_SHIPPING, MIG_OPDATA, MIG_COUNT };

/* Value types (MetaToCustomTableMigrator::validate_data). */
enum ctype { CT_INT, CT_DECIMAL, CT_STRING, CT_BOOL, CT_DATE, CT_EPOCH };

/* wp_posts columns the migration reads. */
enum post_col { PC_NONE = -1, PC_ID, PC_STATUS, PC_DATE_GMT, PC_MODIFIED_GMT, PC_PARENT,
		PC_TYPE, PC_EXCERPT, PC_COUNT };
extern const char *const post_col_name[PC_COUNT];

struct colmap {
	enum mig mig;
	const char *column;    /* destination column */
	const char *meta_key;  /* source meta key, or NULL for a post column */
	enum post_col post_col;
	enum ctype type;
	unsigned varchar;      /* varchar(N) limit in characters; 0 = see text */
	unsigned text;         /* 1: TEXT column, 65,535 bytes */
};

extern const struct colmap colmaps[];
extern const unsigned ncolmaps;

/* Destination table of each migrator (suffix after the prefix), and the
 * literal address_type for the address migrators (NULL otherwise). */
extern const char *const mig_table[MIG_COUNT];
extern const char *const mig_address_type[MIG_COUNT];
extern const char *const mig_name[MIG_COUNT]; /* WooCommerce's names, for messages */

/* Look a meta key up byte-exactly (no collation games).  Fills up to two
 * colmap indexes (_billing_email feeds two columns) and returns how many;
 * 0 means the key is not mapped and belongs in wc_orders_meta. */
unsigned mapping_lookup(const char *key, size_t len, unsigned idx[2]);

/* Index of the colmap entry for (mig, column), or -1. */
int mapping_find(enum mig m, const char *column);

/* The one NULL rule (docs/backfill.md, "NULL reads as the default"),
 * shared by verify, diff and the reverse planner: WooCommerce skips a NULL
 * HPOS column when it reads an order, so the property keeps its default,
 * and a missing postmeta key reads as ''.  mapping_null_reads_as() gives
 * the value a NULL (or a missing row, or a missing key) of column c stands
 * for: '' for text, "0" for numbers and flags, the store currency for
 * wc_orders.currency, the creation date for date_updated_gmt (what the
 * backfill writes as post_modified_gmt); NULL for the other dates, which
 * have no default.  Everything else (case, whitespace, '0.00' vs '0' in
 * text columns, duplicates, extra rows) still counts as a difference. */
struct null_ctx {
	const char *currency;          /* woocommerce_currency option ('' if unset) */
	const char *created;           /* the order's date_created_gmt, or NULL */
	size_t created_len;
};
const char *mapping_null_reads_as(const struct colmap *c, const struct null_ctx *ctx, size_t *len);

/* _billing_address_index / _shipping_address_index as WooCommerce builds
 * them: the address fields (no email for shipping) joined by spaces.
 * get(ctx, colmaps index, &len) returns a field's value or NULL ('').
 * The result goes into sb (always NUL-terminated). */
struct strbuf;
void mapping_address_index(enum mig m, const char *(*get)(const void *ctx, unsigned ci, size_t *len), const void *ctx,
			   struct strbuf *sb);

#endif
