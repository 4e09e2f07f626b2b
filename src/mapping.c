/* mapping.c - WooCommerce's posts -> HPOS mapping as a table. */
#include "mapping.h"
#include "util.h"

#include <pthread.h>
#include <stdint.h>
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
/* Meta columns by type: each line of the table says only what differs. */
#define VARCHAR(m, col, key, n) META(m, col, key, CT_STRING, n, 0)
#define TEXT(m, col, key) META(m, col, key, CT_STRING, 0, 1)
#define DECIMAL(m, col, key) META(m, col, key, CT_DECIMAL, 0, 0)
#define BIGINT(m, col, key) META(m, col, key, CT_INT, 0, 0)
#define FLAG(m, col, key) META(m, col, key, CT_BOOL, 0, 0)
#define EPOCH(m, col, key) META(m, col, key, CT_EPOCH, 0, 0)
#define ADDR(m, t) \
	TEXT(m, "first_name", "_" t "_first_name"), \
	TEXT(m, "last_name", "_" t "_last_name"), \
	TEXT(m, "company", "_" t "_company"), \
	TEXT(m, "address_1", "_" t "_address_1"), \
	TEXT(m, "address_2", "_" t "_address_2"), \
	TEXT(m, "city", "_" t "_city"), \
	TEXT(m, "state", "_" t "_state"), \
	TEXT(m, "postcode", "_" t "_postcode"), \
	TEXT(m, "country", "_" t "_country"), \
	VARCHAR(m, "email", "_" t "_email", 320), \
	VARCHAR(m, "phone", "_" t "_phone", 100)

const struct colmap colmaps[] = {
	/* PostToOrderTableMigrator: core columns, then meta columns. */
	POST(MIG_ORDER, "id", PC_ID, CT_INT, 0, 0),
	POST(MIG_ORDER, "status", PC_STATUS, CT_STRING, 20, 0),
	POST(MIG_ORDER, "date_created_gmt", PC_DATE_GMT, CT_DATE, 0, 0),
	POST(MIG_ORDER, "date_updated_gmt", PC_MODIFIED_GMT, CT_DATE, 0, 0),
	POST(MIG_ORDER, "parent_order_id", PC_PARENT, CT_INT, 0, 0),
	POST(MIG_ORDER, "type", PC_TYPE, CT_STRING, 20, 0),
	POST(MIG_ORDER, "customer_note", PC_EXCERPT, CT_STRING, 0, 1),
	VARCHAR(MIG_ORDER, "currency", "_order_currency", 10),
	DECIMAL(MIG_ORDER, "tax_amount", "_order_tax"),
	DECIMAL(MIG_ORDER, "total_amount", "_order_total"),
	BIGINT(MIG_ORDER, "customer_id", "_customer_user"),
	VARCHAR(MIG_ORDER, "billing_email", "_billing_email", 320),
	VARCHAR(MIG_ORDER, "payment_method", "_payment_method", 100),
	TEXT(MIG_ORDER, "payment_method_title", "_payment_method_title"),
	VARCHAR(MIG_ORDER, "ip_address", "_customer_ip_address", 100),
	TEXT(MIG_ORDER, "user_agent", "_customer_user_agent"),
	VARCHAR(MIG_ORDER, "transaction_id", "_transaction_id", 100),
	/* PostToOrderAddressTableMigrator, billing then shipping. */
	POST(MIG_BILLING, "order_id", PC_ID, CT_INT, 0, 0),
	ADDR(MIG_BILLING, "billing"),
	POST(MIG_SHIPPING, "order_id", PC_ID, CT_INT, 0, 0),
	ADDR(MIG_SHIPPING, "shipping"),
	/* PostToOrderOpTableMigrator. */
	POST(MIG_OPDATA, "order_id", PC_ID, CT_INT, 0, 0),
	VARCHAR(MIG_OPDATA, "created_via", "_created_via", 100),
	VARCHAR(MIG_OPDATA, "woocommerce_version", "_order_version", 20),
	FLAG(MIG_OPDATA, "prices_include_tax", "_prices_include_tax"),
	FLAG(MIG_OPDATA, "coupon_usages_are_counted", "_recorded_coupon_usage_counts"),
	FLAG(MIG_OPDATA, "download_permission_granted", "_download_permissions_granted"),
	VARCHAR(MIG_OPDATA, "cart_hash", "_cart_hash", 100),
	FLAG(MIG_OPDATA, "new_order_email_sent", "_new_order_email_sent"),
	VARCHAR(MIG_OPDATA, "order_key", "_order_key", 100),
	FLAG(MIG_OPDATA, "order_stock_reduced", "_order_stock_reduced"),
	EPOCH(MIG_OPDATA, "date_paid_gmt", "_date_paid"),
	EPOCH(MIG_OPDATA, "date_completed_gmt", "_date_completed"),
	DECIMAL(MIG_OPDATA, "shipping_tax_amount", "_order_shipping_tax"),
	DECIMAL(MIG_OPDATA, "shipping_total_amount", "_order_shipping"),
	DECIMAL(MIG_OPDATA, "discount_tax_amount", "_cart_discount_tax"),
	DECIMAL(MIG_OPDATA, "discount_total_amount", "_cart_discount"),
	FLAG(MIG_OPDATA, "recorded_sales", "_recorded_sales"),
};
const unsigned ncolmaps = sizeof(colmaps) / sizeof(colmaps[0]);

/* mapping_lookup()'s index: the meta keys of colmaps[] in an open-
 * addressing hash table (a key feeds at most two columns), built once. */
#define KEY_SLOTS 256u  /* a power of two, well over twice the mapped keys */
static struct key_slot {
	const char *key;   /* NULL: empty */
	size_t len;
	unsigned n;
	unsigned idx[2];
} key_slots[KEY_SLOTS];
static pthread_once_t key_slots_once = PTHREAD_ONCE_INIT;

/* A few bytes and the length tell the mapped keys apart well enough
 * (every probe compares the whole key); cheaper than hashing every byte
 * of every postmeta key.  len >= 4. */
static unsigned key_hash(const char *key, size_t len)
{
	const unsigned char *k = (const unsigned char *)key;
	uint32_t h = (uint32_t)len * 0x9e3779b1u;

	h ^= k[1] * 0x85ebca6bu ^ k[len / 2] * 0xc2b2ae35u ^ k[len - 1] * 0x27d4eb2fu ^ k[len - 3] * 0x165667b1u;
	return (h ^ (h >> 15)) & (KEY_SLOTS - 1);
}

/* The slot of key: where it is, or the empty one where it would go. */
static struct key_slot *key_slot(const char *key, size_t len)
{
	unsigned h = key_hash(key, len);

	for (;; h = (h + 1) & (KEY_SLOTS - 1)) {
		struct key_slot *s = &key_slots[h];

		if (!s->key || (s->len == len && !memcmp(s->key, key, len)))
			return s;
	}
}

static void key_slots_build(void)
{
	for (unsigned i = 0; i < ncolmaps; i++) {
		const char *k = colmaps[i].meta_key;
		struct key_slot *s;

		if (!k)
			continue;
		s = key_slot(k, strlen(k));
		s->key = k;
		s->len = strlen(k);
		if (s->n < 2)
			s->idx[s->n++] = i;
	}
}

unsigned mapping_lookup(const char *key, size_t len, unsigned idx[2])
{
	const struct key_slot *s;

	/* Every mapped key starts with '_' and has 4 bytes or more. */
	if (len < 4 || key[0] != '_')
		return 0;
	pthread_once(&key_slots_once, key_slots_build);
	s = key_slot(key, len);
	if (!s->key)
		return 0;
	for (unsigned j = 0; j < s->n; j++)
		idx[j] = s->idx[j];
	return s->n;
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
