/* mapping.c - WooCommerce's posts -> HPOS mapping as a table. */
#include "mapping.h"
#include "util.h"

#include <string.h>

const char *const post_col_name[PC_COUNT] = {
	"ID", "post_status", "post_date_gmt", "post_modified_gmt", "post_parent", "post_type", "post_excerpt",
};

const char *const mig_table[MIG_COUNT] = {
	"wc_orders", "wc_order_addresses", "wc_order_addresses", "wc_order_operational_data",
};
const char *const mig_address_type[MIG_COUNT] = { NULL, "billing", "shipping", NULL };
const char *const mig_name[MIG_COUNT] = {
	"order", "order_address_billing", "order_address_shipping", "order_operational_data",
};

#define POST(m, col, pc, t, vc, tx) { m, col, NULL, pc, t, vc, tx }
#define META(m, col, key, t, vc, tx) { m, col, key, PC_NONE, t, vc, tx }
#define ADDR(m, t) \
	META(m, "first_name", "_" t "_first_name", CT_STRING, 0, 1), \
	META(m, "last_name", "_" t "_last_name", CT_STRING, 0, 1), \
	META(m, "company", "_" t "_company", CT_STRING, 0, 1), \
	META(m, "address_1", "_" t "_address_1", CT_STRING, 0, 1), \
	META(m, "address_2", "_" t "_address_2", CT_STRING, 0, 1), \
	META(m, "city", "_" t "_city", CT_STRING, 0, 1), \
	META(m, "state", "_" t "_state", CT_STRING, 0, 1), \
	META(m, "postcode", "_" t "_postcode", CT_STRING, 0, 1), \
	META(m, "country", "_" t "_country", CT_STRING, 0, 1), \
	META(m, "email", "_" t "_email", CT_STRING, 320, 0), \
	META(m, "phone", "_" t "_phone", CT_STRING, 100, 0)

const struct colmap colmaps[] = {
	/* PostToOrderTableMigrator: core columns, then meta columns. */
	POST(MIG_ORDER, "id", PC_ID, CT_INT, 0, 0),
	POST(MIG_ORDER, "status", PC_STATUS, CT_STRING, 20, 0),
	POST(MIG_ORDER, "date_created_gmt", PC_DATE_GMT, CT_DATE, 0, 0),
	POST(MIG_ORDER, "date_updated_gmt", PC_MODIFIED_GMT, CT_DATE, 0, 0),
	POST(MIG_ORDER, "parent_order_id", PC_PARENT, CT_INT, 0, 0),
	POST(MIG_ORDER, "type", PC_TYPE, CT_STRING, 20, 0),
	POST(MIG_ORDER, "customer_note", PC_EXCERPT, CT_STRING, 0, 1),
	META(MIG_ORDER, "currency", "_order_currency", CT_STRING, 10, 0),
	META(MIG_ORDER, "tax_amount", "_order_tax", CT_DECIMAL, 0, 0),
	META(MIG_ORDER, "total_amount", "_order_total", CT_DECIMAL, 0, 0),
	META(MIG_ORDER, "customer_id", "_customer_user", CT_INT, 0, 0),
	META(MIG_ORDER, "billing_email", "_billing_email", CT_STRING, 320, 0),
	META(MIG_ORDER, "payment_method", "_payment_method", CT_STRING, 100, 0),
	META(MIG_ORDER, "payment_method_title", "_payment_method_title", CT_STRING, 0, 1),
	META(MIG_ORDER, "ip_address", "_customer_ip_address", CT_STRING, 100, 0),
	META(MIG_ORDER, "user_agent", "_customer_user_agent", CT_STRING, 0, 1),
	META(MIG_ORDER, "transaction_id", "_transaction_id", CT_STRING, 100, 0),
	/* PostToOrderAddressTableMigrator, billing then shipping. */
	POST(MIG_BILLING, "order_id", PC_ID, CT_INT, 0, 0),
	ADDR(MIG_BILLING, "billing"),
	POST(MIG_SHIPPING, "order_id", PC_ID, CT_INT, 0, 0),
	ADDR(MIG_SHIPPING, "shipping"),
	/* PostToOrderOpTableMigrator. */
	POST(MIG_OPDATA, "order_id", PC_ID, CT_INT, 0, 0),
	META(MIG_OPDATA, "created_via", "_created_via", CT_STRING, 100, 0),
	META(MIG_OPDATA, "woocommerce_version", "_order_version", CT_STRING, 20, 0),
	META(MIG_OPDATA, "prices_include_tax", "_prices_include_tax", CT_BOOL, 0, 0),
	META(MIG_OPDATA, "coupon_usages_are_counted", "_recorded_coupon_usage_counts", CT_BOOL, 0, 0),
	META(MIG_OPDATA, "download_permission_granted", "_download_permissions_granted", CT_BOOL, 0, 0),
	META(MIG_OPDATA, "cart_hash", "_cart_hash", CT_STRING, 100, 0),
	META(MIG_OPDATA, "new_order_email_sent", "_new_order_email_sent", CT_BOOL, 0, 0),
	META(MIG_OPDATA, "order_key", "_order_key", CT_STRING, 100, 0),
	META(MIG_OPDATA, "order_stock_reduced", "_order_stock_reduced", CT_BOOL, 0, 0),
	META(MIG_OPDATA, "date_paid_gmt", "_date_paid", CT_EPOCH, 0, 0),
	META(MIG_OPDATA, "date_completed_gmt", "_date_completed", CT_EPOCH, 0, 0),
	META(MIG_OPDATA, "shipping_tax_amount", "_order_shipping_tax", CT_DECIMAL, 0, 0),
	META(MIG_OPDATA, "shipping_total_amount", "_order_shipping", CT_DECIMAL, 0, 0),
	META(MIG_OPDATA, "discount_tax_amount", "_cart_discount_tax", CT_DECIMAL, 0, 0),
	META(MIG_OPDATA, "discount_total_amount", "_cart_discount", CT_DECIMAL, 0, 0),
	META(MIG_OPDATA, "recorded_sales", "_recorded_sales", CT_BOOL, 0, 0),
};
const unsigned ncolmaps = sizeof(colmaps) / sizeof(colmaps[0]);

unsigned mapping_lookup(const char *key, size_t len, unsigned idx[2])
{
	unsigned n = 0;

	/* Every mapped key starts with '_'; most meta rows of an order are
	 * mapped, so a linear scan over ~50 short keys costs less than it
	 * seems, but reject the common non-matches cheaply first. */
	if (len < 4 || key[0] != '_')
		return 0;
	for (unsigned i = 0; i < ncolmaps && n < 2; i++) {
		const char *k = colmaps[i].meta_key;

		if (k && k[1] == key[1] && strlen(k) == len && !memcmp(k, key, len))
			idx[n++] = i;
	}
	return n;
}

int mapping_find(enum mig m, const char *column)
{
	for (unsigned i = 0; i < ncolmaps; i++)
		if (colmaps[i].mig == m && !strcmp(colmaps[i].column, column))
			return (int)i;
	return -1;
}

const char *mapping_null_reads_as(const struct colmap *c, const struct null_ctx *ctx, size_t *len)
{
	*len = 0;
	if (c->mig == MIG_ORDER && !strcmp(c->column, "currency")) {
		const char *cur = ctx && ctx->currency ? ctx->currency : "";

		*len = strlen(cur);
		return cur;
	}
	if (c->mig == MIG_ORDER && !strcmp(c->column, "date_updated_gmt")) {
		if (!ctx || !ctx->created)
			return NULL;
		*len = ctx->created_len;
		return ctx->created;
	}
	switch (c->type) {
	case CT_STRING:
		return "";
	case CT_INT:
	case CT_BOOL:
	case CT_DECIMAL:
		*len = 1;
		return "0";
	default:
		return NULL;
	}
}

void mapping_address_index(enum mig m, const char *(*get)(const void *ctx, unsigned ci, size_t *len), const void *ctx,
			   struct strbuf *sb)
{
	static const char *const fields[] = { "first_name", "last_name", "company", "address_1", "address_2",
					      "city", "state", "postcode", "country", "email", "phone" };
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int ci;
		size_t len = 0;
		const char *v;

		if (m == MIG_SHIPPING && !strcmp(fields[i], "email"))
			continue; /* get_address('shipping') has no email */
		if (n++)
			sb_addc(sb, ' ');
		ci = mapping_find(m, fields[i]);
		if (ci >= 0 && (v = get(ctx, (unsigned)ci, &len)) != NULL)
			sb_add(sb, v, len);
	}
	sb_adds(sb, "");
}
