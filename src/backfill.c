/* backfill.c - HPOS -> posts, the way WooCommerce's backfill writes it.
 *
 * WooCommerce (OrdersTableDataStore::backfill_post_record, 10.x) works on
 * PHP objects: it creates the post if it is missing (a placeholder first,
 * with the order's ID), replaces every custom meta key of the order in
 * postmeta, deletes postmeta keys the order no longer has (except the
 * posts store's internal keys), writes the property meta through
 * WC_Order_Data_Store_CPT::update_post_meta (only for properties that
 * changed or whose key is missing; '' deletes), writes the five data-store
 * flags with their setters, and updates the post row with
 * post_modified_gmt = date_updated_gmt.  This file computes the same end
 * state in C from one read of both stores and writes it per batch:
 *
 *   1. placeholder posts for orders without a post (so the ID is taken);
 *   2. postmeta deletes, in-place updates (meta_ids kept) and inserts;
 *   3. the wp_posts row last, so that until it is written the order stays
 *      pending (date_updated_gmt > post_modified_gmt, or a placeholder).
 *
 * Values are copied as bytes.  WordPress's add_post_meta() unslashes
 * values, so WooCommerce loses backslashes in custom meta on the way back;
 * hposctl keeps them (docs/hposctl.1, BACKFILL). */
#include "hposctl.h"
#include "backfill.h"
#include "convert.h"
#include "mapping.h"
#include "orderconv.h"
#include "orderread.h"
#include "output.h"
#include "throttle.h"
#include "syncstate.h"
#include "wprules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REFUND_TYPE "shop_order_refund"

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

/* In the order WooCommerce writes them. */
static const struct bf_rule_ent rules[] = {
	{ MIG_ORDER, "id", "id", BF_POST },
	{ MIG_ORDER, "status", "status", BF_POST },
	{ MIG_ORDER, "date_created_gmt", "date_created", BF_POST },
	{ MIG_ORDER, "date_updated_gmt", "date_modified", BF_POST },
	{ MIG_ORDER, "parent_order_id", "parent_id", BF_POST },
	{ MIG_ORDER, "type", "type", BF_POST },
	{ MIG_ORDER, "customer_note", "customer_note", BF_POST },
	{ MIG_OPDATA, "order_key", "order_key", BF_PROP },
	{ MIG_ORDER, "customer_id", "customer_id", BF_PROP },
	{ MIG_ORDER, "payment_method", "payment_method", BF_PROP },
	{ MIG_ORDER, "payment_method_title", "payment_method_title", BF_PROP },
	{ MIG_ORDER, "transaction_id", "transaction_id", BF_PROP },
	{ MIG_ORDER, "ip_address", "customer_ip_address", BF_PROP },
	{ MIG_ORDER, "user_agent", "customer_user_agent", BF_PROP },
	{ MIG_OPDATA, "created_via", "created_via", BF_PROP },
	{ MIG_OPDATA, "date_completed_gmt", "date_completed", BF_PROP },
	{ MIG_OPDATA, "date_paid_gmt", "date_paid", BF_PROP },
	{ MIG_OPDATA, "cart_hash", "cart_hash", BF_PROP },
	{ MIG_BILLING, "first_name", "billing_first_name", BF_PROP },
	{ MIG_BILLING, "last_name", "billing_last_name", BF_PROP },
	{ MIG_BILLING, "company", "billing_company", BF_PROP },
	{ MIG_BILLING, "address_1", "billing_address_1", BF_PROP },
	{ MIG_BILLING, "address_2", "billing_address_2", BF_PROP },
	{ MIG_BILLING, "city", "billing_city", BF_PROP },
	{ MIG_BILLING, "state", "billing_state", BF_PROP },
	{ MIG_BILLING, "postcode", "billing_postcode", BF_PROP },
	{ MIG_BILLING, "country", "billing_country", BF_PROP },
	{ MIG_BILLING, "email", "billing_email", BF_PROP },
	{ MIG_BILLING, "phone", "billing_phone", BF_PROP },
	{ MIG_SHIPPING, "first_name", "shipping_first_name", BF_PROP },
	{ MIG_SHIPPING, "last_name", "shipping_last_name", BF_PROP },
	{ MIG_SHIPPING, "company", "shipping_company", BF_PROP },
	{ MIG_SHIPPING, "address_1", "shipping_address_1", BF_PROP },
	{ MIG_SHIPPING, "address_2", "shipping_address_2", BF_PROP },
	{ MIG_SHIPPING, "city", "shipping_city", BF_PROP },
	{ MIG_SHIPPING, "state", "shipping_state", BF_PROP },
	{ MIG_SHIPPING, "postcode", "shipping_postcode", BF_PROP },
	{ MIG_SHIPPING, "country", "shipping_country", BF_PROP },
	{ MIG_SHIPPING, "phone", "shipping_phone", BF_PROP },
	{ MIG_ORDER, "currency", "currency", BF_ABS },
	{ MIG_OPDATA, "discount_total_amount", "discount_total", BF_ABS },
	{ MIG_OPDATA, "discount_tax_amount", "discount_tax", BF_ABS },
	{ MIG_OPDATA, "shipping_total_amount", "shipping_total", BF_ABS },
	{ MIG_OPDATA, "shipping_tax_amount", "shipping_tax", BF_ABS },
	{ MIG_ORDER, "tax_amount", "cart_tax", BF_ABS },
	{ MIG_ORDER, "total_amount", "total", BF_ABS },
	{ MIG_OPDATA, "woocommerce_version", "version", BF_ABS },
	{ MIG_OPDATA, "prices_include_tax", "prices_include_tax", BF_ABS },
	{ MIG_OPDATA, "download_permission_granted", "download_permissions_granted", BF_FLAG },
	{ MIG_OPDATA, "recorded_sales", "recorded_sales", BF_FLAG },
	{ MIG_OPDATA, "coupon_usages_are_counted", "recorded_coupon_usage_counts", BF_FLAG },
	{ MIG_OPDATA, "order_stock_reduced", "order_stock_reduced", BF_FLAG },
	{ MIG_OPDATA, "new_order_email_sent", "new_order_email_sent", BF_FLAG_TF },
	/* The billing address row's email is the property's source (it is
	 * read last); the shipping email is no property at all. */
	{ MIG_ORDER, "billing_email", NULL, BF_NONE },
	{ MIG_SHIPPING, "email", NULL, BF_NONE },
	{ MIG_BILLING, "order_id", NULL, BF_NONE },
	{ MIG_SHIPPING, "order_id", NULL, BF_NONE },
	{ MIG_OPDATA, "order_id", NULL, BF_NONE },
};

static int rule_ci[ARRAY_SIZE(rules)]; /* colmaps index of each rule */
static int rules_ready;

static void rules_init(void)
{
	if (rules_ready)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rule_ci[i] = mapping_find(rules[i].mig, rules[i].column);
	rules_ready = 1;
}

unsigned backfill_rules_check(void)
{
	unsigned bad = 0;

	rules_init();
	for (unsigned ci = 0; ci < ncolmaps; ci++) {
		unsigned n = 0;

		for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
			n += rule_ci[i] == (int)ci;
		bad += n != 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		bad += rule_ci[i] < 0;
	return bad;
}

static int find_rule(const char *prop)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].prop && !strcmp(rules[i].prop, prop))
			return (int)i;
	return -1;
}

static const char *const refund_props[] = { "amount", "refunded_by", "refunded_payment", "reason" };
static const char *const refund_keys[] = { "_refund_amount", "_refunded_by", "_refunded_payment", "_refund_reason" };

int backfill_prop_known(const char *prop)
{
	if (find_rule(prop) >= 0)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(refund_props); i++)
		if (!strcmp(prop, refund_props[i]))
			return 1;
	return 0;
}

/* OrdersTableDataStore::$internal_meta_keys (not copied back as meta;
 * the two address index keys are let through by filter_raw_meta_data). */
static const char *const hpos_internal[] = {
	"_customer_user", "_order_key", "_order_currency", "_billing_first_name", "_billing_last_name",
	"_billing_company", "_billing_address_1", "_billing_address_2", "_billing_city", "_billing_state",
	"_billing_postcode", "_billing_country", "_billing_email", "_billing_phone", "_shipping_first_name",
	"_shipping_last_name", "_shipping_company", "_shipping_address_1", "_shipping_address_2",
	"_shipping_city", "_shipping_state", "_shipping_postcode", "_shipping_country", "_shipping_phone",
	"_completed_date", "_paid_date", "_edit_last", "_cart_discount", "_cart_discount_tax",
	"_order_shipping", "_order_shipping_tax", "_order_tax", "_order_total", "_payment_method",
	"_payment_method_title", "_transaction_id", "_customer_ip_address", "_customer_user_agent",
	"_created_via", "_order_version", "_prices_include_tax", "_date_completed", "_date_paid",
	"_payment_tokens", "_recorded_sales", "_recorded_coupon_usage_counts",
	"_download_permissions_granted", "_order_stock_reduced", "_new_order_email_sent", "_cogs_total_value",
};

/* WC_Order_Data_Store_CPT::$internal_meta_keys plus the keys of its
 * internal_data_store_key_getters: never deleted as stale meta. */
static const char *const cpt_order_internal[] = {
	"_customer_user", "_order_key", "_order_currency", "_billing_first_name", "_billing_last_name",
	"_billing_company", "_billing_address_1", "_billing_address_2", "_billing_city", "_billing_state",
	"_billing_postcode", "_billing_country", "_billing_email", "_billing_phone", "_shipping_first_name",
	"_shipping_last_name", "_shipping_company", "_shipping_address_1", "_shipping_address_2",
	"_shipping_city", "_shipping_state", "_shipping_postcode", "_shipping_country", "_shipping_phone",
	"_completed_date", "_paid_date", "_edit_lock", "_edit_last", "_cart_discount", "_cart_discount_tax",
	"_order_shipping", "_order_shipping_tax", "_order_tax", "_order_total", "_payment_method",
	"_payment_method_title", "_transaction_id", "_customer_ip_address", "_customer_user_agent",
	"_created_via", "_order_version", "_prices_include_tax", "_date_completed", "_date_paid",
	"_payment_tokens", "_billing_address_index", "_shipping_address_index", "_recorded_sales",
	"_recorded_coupon_usage_counts", "_download_permissions_granted", "_order_stock_reduced",
	"_new_order_email_sent",
};

/* WC_Order_Refund_Data_Store_CPT::$internal_meta_keys. */
static const char *const cpt_refund_internal[] = {
	"_order_currency", "_cart_discount", "_refund_amount", "_refunded_by", "_refunded_payment",
	"_refund_reason", "_cart_discount_tax", "_order_shipping", "_order_shipping_tax", "_order_tax",
	"_order_total", "_order_version", "_prices_include_tax", "_payment_tokens",
};

static int in_list(const char *const *list, size_t n, const char *key, size_t klen)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == klen && !memcmp(list[i], key, klen))
			return 1;
	return 0;
}

static int is_marker_key(const char *k, size_t n)
{
	return n == 13 && !memcmp(k, "_deleted_from", 13); /* wcstore.c: wc_marker_condition() */
}

/* Custom meta of an HPOS order, i.e. what WooCommerce copies back as meta. */
static int hpos_custom_key(const char *k, size_t n, int refund)
{
	if (n >= 3 && !strncasecmp(k, "wp_", 3))
		return 0; /* WC_Data_Store_WP::exclude_internal_meta_keys */
	if (is_marker_key(k, n))
		return 0;
	if ((n == 22 && !memcmp(k, "_billing_address_index", 22)) || (n == 23 && !memcmp(k, "_shipping_address_index", 23)))
		return 1;
	if (refund && in_list(refund_keys, ARRAY_SIZE(refund_keys), k, n))
		return 0;
	return !in_list(hpos_internal, ARRAY_SIZE(hpos_internal), k, n);
}

static int cpt_internal_key(const char *k, size_t n, int refund)
{
	return refund ? in_list(cpt_refund_internal, ARRAY_SIZE(cpt_refund_internal), k, n)
		      : in_list(cpt_order_internal, ARRAY_SIZE(cpt_order_internal), k, n);
}

int backfill_internal_key(const char *key)
{
	size_t n = strlen(key);
	unsigned idx[2];

	return mapping_lookup(key, n, idx) > 0 || in_list(hpos_internal, ARRAY_SIZE(hpos_internal), key, n) ||
	       in_list(cpt_order_internal, ARRAY_SIZE(cpt_order_internal), key, n) ||
	       in_list(refund_keys, ARRAY_SIZE(refund_keys), key, n);
}

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

static int table_exists(struct db *db, const char *suffix, int *yes, struct herr *err)
{
	uint64_t n;

	if (db_get_u64(db, &n, NULL, err, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
		       "AND TABLE_NAME = '%s%s'", db_prefix(db), suffix) < 0)
		return -1;
	*yes = n > 0;
	return 0;
}

static int site_load(struct db *db, struct site *s, struct herr *err)
{
	char *tzs = NULL, *off = NULL, *dp = NULL, *pit = NULL;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (wc_option_get(db, "timezone_string", &tzs, err) < 0 || wc_option_get(db, "gmt_offset", &off, err) < 0 ||
	    wc_option_get(db, "woocommerce_price_num_decimals", &dp, err) < 0 ||
	    wc_option_get(db, "woocommerce_prices_include_tax", &pit, err) < 0 ||
	    wc_option_get(db, "home", &s->home, err) < 0 ||
	    wc_option_get(db, "woocommerce_currency", &s->currency, err) < 0 ||
	    wc_option_get(db, "default_comment_status", &s->comment_status, err) < 0 ||
	    wc_compat_mode(db, &s->compat, err) < 0 ||
	    table_exists(db, "comments", &s->have_comments, err) < 0 ||
	    table_exists(db, "term_relationships", &s->have_terms, err) < 0)
		goto out;
	/* wc_timezone_string(): timezone_string, else the gmt_offset hours. */
	if (tzs && *tzs && strcmp(tzs, "UTC") && strncmp(tzs, "UTC+", 4) && strncmp(tzs, "UTC-", 4)) {
		const char *cur = getenv("TZ");

		s->had_tz = cur != NULL;
		s->saved_tz = cur ? xstrdup(cur) : NULL;
		setenv("TZ", tzs, 1);
		tzset();
		s->use_tz = 1;
	} else if (tzs && (!strncmp(tzs, "UTC+", 4) || !strncmp(tzs, "UTC-", 4))) {
		s->offset = (long)lround(strtod(tzs + 3, NULL) * 3600.0);
	} else if (!(tzs && *tzs) && off && *off) {
		s->offset = (long)lround(strtod(off, NULL) * 3600.0);
	}
	s->price_dp = conv_price_decimals(dp);
	s->prices_include_tax = pit && !strcmp(pit, "yes");
	if (!s->home)
		s->home = xstrdup("");
	if (!s->comment_status)
		s->comment_status = xstrdup("open");
	if (!s->currency)
		s->currency = xstrdup("");
	rc = 0;
out:
	free(tzs);
	free(off);
	free(dp);
	free(pit);
	return rc;
}

static void site_release(struct site *s)
{
	if (s->use_tz) {
		if (s->had_tz)
			setenv("TZ", s->saved_tz, 1);
		else
			unsetenv("TZ");
		tzset();
	}
	free(s->saved_tz);
	free(s->home);
	free(s->currency);
	free(s->comment_status);
	memset(s, 0, sizeof(*s));
}

/* "Y-m-d H:i:s" (UTC) -> epoch; 0 when it is not a usable date. */
static int parse_gmt(const char *v, size_t len, int64_t *t)
{
	struct tm tm;
	char buf[32];

	if (!v || len < 19 || len >= sizeof(buf))
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	if (sscanf(buf, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) != 6 || tm.tm_year < 1 || tm.tm_mon < 1)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = (int64_t)timegm(&tm);
	return 1;
}

static void fmt_tm(const struct tm *tm, char out[20])
{
	char buf[80];

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday,
		 tm->tm_hour, tm->tm_min, tm->tm_sec);
	memcpy(out, buf, 19);
	out[19] = '\0';
}

static void epoch_gmt(int64_t t, char out[20])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	fmt_tm(&tm, out);
}

/* The site's local time of epoch t (getOffsetTimestamp()). */
static void epoch_local(const struct site *s, int64_t t, char out[20])
{
	time_t tt;
	struct tm tm;

	if (s->use_tz) {
		tt = (time_t)t;
		localtime_r(&tt, &tm);
	} else {
		tt = (time_t)(t + s->offset);
		gmtime_r(&tt, &tm);
	}
	fmt_tm(&tm, out);
}

/* A site-local "Y-m-d H:i:s" -> epoch (WC_Data::set_date_prop on a string). */
static int parse_local(const struct site *s, const char *v, size_t len, int64_t *t)
{
	struct tm tm;
	char buf[32];

	if (!v || len < 19 || len >= sizeof(buf))
		return 0;
	if (!s->use_tz) {
		if (!parse_gmt(v, len, t))
			return 0;
		*t -= s->offset;
		return 1;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	if (sscanf(buf, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) != 6 || tm.tm_year < 1 || tm.tm_mon < 1)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	*t = (int64_t)mktime(&tm);
	return 1;
}

/* ------------------------------------------------------------------ */
/* PHP value normalisation (the order setters).                       */

/* wc_format_decimal($v) on a string, no rounding, no trimming. */
static char *wc_decimal(const char *v, size_t len)
{
	return wc_format_decimal_str(v, len, 0);
}

/* number_format(floatval($v), dp, '.', '') as PHP 8 does it (half away
 * from zero, no negative zero). */
static char *number_format(const char *v, size_t len, int dp)
{
	char *clean = wc_decimal(v, len), buf[CONV_PRICE_DECIMALS_MAX + 330], pre[64];
	double d = conv_php_floatval(clean, strlen(clean)), f = pow(10.0, dp), x;
	int zero = 1;

	free(clean);
	x = d * f;
	if (!isfinite(d)) {
		x = 0;
	} else if (!isfinite(x) || fabs(x) >= 1e15) {
		x = d;  /* round(): beyond the double's precision, left as it is */
	} else {
		snprintf(pre, sizeof(pre), "%.15e", x); /* PHP's pre-rounding */
		x = round(strtod(pre, NULL)) / f;
		if (!isfinite(x))
			x = 0;
	}
	snprintf(buf, sizeof(buf), "%.*f", dp, x);
	for (const char *p = buf; *p; p++)
		if (*p >= '1' && *p <= '9')
			zero = 0;
	return xstrdup(zero && buf[0] == '-' ? buf + 1 : buf);
}

static uint64_t absint(const char *v, size_t len)
{
	int64_t i = 0;

	conv_php_int(v ? v : "", v ? len : 0, &i);
	return (uint64_t)(i < 0 ? -i : i);
}

/* ------------------------------------------------------------------ */
/* One batch.                                                          */

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
	int markers_only;
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

static void bbatch_reset(struct bbatch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];

		for (size_t j = 0; j < o->npm; j++)
			free(o->pm[j].own);
		free(o->pm);
		free(o->h);
		free(o->hl);
		free(o->reason);
		free(o->post_type);
		free(o->post_author);
		free(o->post_excerpt);
		free(o->old_status);
		free(o->old_name);
		free(o->old_guid);
		free(o->old_title);
		free(o->title);
		free(o->name);
		free(o->new_guid);
	}
	free(b->o);
	free(b->hm);
	db_free_result(b->r_orders);
	db_free_result(b->r_hmeta);
	db_free_result(b->r_pm);
	db_free_result(b->r_posts);
	memset(b, 0, sizeof(*b));
}

static void bskip(struct bord *o, const char *fmt, ...) HPOS_PRINTF(2, 3);
static void bskip(struct bord *o, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (o->skip)
		return;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	o->skip = 1;
	o->reason = sb_detach(&sb);
}

static int bfind(const struct bbatch *b, uint64_t id)
{
	unsigned lo = 0, hi = b->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (b->o[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && b->o[lo].id == id ? (int)lo : -1;
}

static const char mig_alias[MIG_COUNT] = { 'o', 'b', 's', 'd' };

/* Pick the batch: pending orders (or the requested ranges) after cursor. */
static int select_ids(struct db *db, const struct sync_opts *so, uint64_t cursor, struct bbatch *b, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT, in = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	int rc;

	typelist_sql(db, so->types, &in);
	/* Within the settle window, or in the future (clock skew), and how
	 * far in the future. */
	sb_addf(&sql, "SELECT o.id, o.date_updated_gmt > UTC_TIMESTAMP() - INTERVAL %.0f SECOND, "
		"TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), o.date_updated_gmt) FROM ", so->settle);
	wc_table(db, &sql, "wc_orders");
	sb_adds(&sql, " o LEFT JOIN ");
	wc_table(db, &sql, "posts");
	sb_addf(&sql, " p ON p.ID = o.id WHERE o.id > %llu", (unsigned long long)cursor);
	if (so->end_at)
		sb_addf(&sql, " AND o.id <= %llu", (unsigned long long)so->end_at);
	if (so->nranges) {
		sb_addf(&sql, " AND o.type IN (%s) AND (", in.buf);
		for (unsigned i = 0; i < so->nranges; i++)
			sb_addf(&sql, "%so.id BETWEEN %llu AND %llu", i ? " OR " : "",
				(unsigned long long)so->ranges[i][0], (unsigned long long)so->ranges[i][1]);
		sb_addc(&sql, ')');
	} else {
		/* DataSynchronizer, HPOS authoritative: (A') missing or
		 * placeholder post, (B') newer date_updated_gmt.  With
		 * skip_cleaned, (A') without the cleaned placeholders. */
		sb_addf(&sql, " AND ((o.type IN (%s) AND o.status NOT IN ('auto-draft') AND (p.ID IS NULL OR (p.post_type = '"
			PLACEHOLDER_TYPE "'", in.buf);
		if (so->skip_cleaned) {
			sb_adds(&sql, " AND NOT ");
			wc_cleaned_sql(db, &sql, "p.", so->cleaned_record);
		}
		sb_addf(&sql, "))) OR (p.post_type IN (%s) AND o.date_updated_gmt > p.post_modified_gmt))", in.buf);
	}
	sb_addf(&sql, " ORDER BY o.id LIMIT %u", so->batch_size);
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	sb_release(&in);
	if (rc < 0)
		return -1;
	b->o = xcalloc(db_num_rows(res) + 1, sizeof(*b->o));
	while (db_fetch(res, &row)) {
		struct bord *o = &b->o[b->n++];

		o->id = strtoull(row.vals[0], NULL, 10);
		o->deferred = so->settle > 0 && !so->nranges && row.vals[1] && row.vals[1][0] == '1';
		if (o->deferred && row.vals[2])
			settle_skew_warning(o->id, row.vals[2]);
		b->last_id = o->id;
	}
	db_free_result(res);
	return 0;
}

static struct pmv *pm_add(struct bord *o)
{
	if (o->npm == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->pm = xrealloc(o->pm, o->cap * sizeof(*o->pm));
	}
	memset(&o->pm[o->npm], 0, sizeof(*o->pm));
	return &o->pm[o->npm++];
}

static int key_eq(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && !memcmp(a, b, an);
}

/* The orders of a batch that load_batch reads: ids[0..n) ascending, the
 * order ids[k] being b->o[at[k]]. */
struct bload {
	const uint64_t *ids;
	const unsigned *at;
	unsigned n;
};

/* The wc_orders rows joined with their address and operational-data rows:
 * o->h / o->hl, in colmaps order, point into b->r_orders.  0, or -1. */
static int load_hpos_rows(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			  struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	sb_reset(sql);
	sb_adds(sql, "SELECT o.id");
	for (unsigned ci = 0; ci < ncolmaps; ci++)
		sb_addf(sql, ", %c.`%s`", mig_alias[colmaps[ci].mig], colmaps[ci].column);
	sb_adds(sql, " FROM ");
	wc_table(db, sql, "wc_orders");
	sb_adds(sql, " o LEFT JOIN ");
	wc_table(db, sql, "wc_order_addresses");
	sb_adds(sql, " b ON b.order_id = o.id AND b.address_type = 'billing' LEFT JOIN ");
	wc_table(db, sql, "wc_order_addresses");
	sb_adds(sql, " s ON s.order_id = o.id AND s.address_type = 'shipping' LEFT JOIN ");
	wc_table(db, sql, "wc_order_operational_data");
	sb_adds(sql, " d ON d.order_id = o.id");
	orderread_in(sql, "o.id", l->ids, l->n);
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_orders = r.res;
	while (orderread_next(&r, &row, &k)) {
		struct bord *o;

		if (k < 0 || b->o[l->at[k]].h)
			continue; /* duplicate address rows cannot exist (unique key) */
		o = &b->o[l->at[k]];
		o->h = xcalloc(ncolmaps, sizeof(*o->h));
		o->hl = xcalloc(ncolmaps, sizeof(*o->hl));
		for (unsigned ci = 0; ci < ncolmaps; ci++) {
			o->h[ci] = row.vals[ci + 1];
			o->hl[ci] = row.lens[ci + 1];
		}
	}
	return 0;
}

/* The wc_orders_meta rows into b->hm, by order and id; each order's are
 * b->hm[o->hm_lo .. o->hm_hi).  0, or -1. */
static int load_hpos_meta(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			  struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	orderread_select(db, sql, "order_id, id, meta_key, meta_value", "wc_orders_meta");
	orderread_in(sql, "order_id", l->ids, l->n);
	sb_adds(sql, " ORDER BY order_id, id");
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_hmeta = r.res;
	b->hm = xcalloc(db_num_rows(b->r_hmeta) + 1, sizeof(*b->hm));
	while (orderread_next(&r, &row, &k)) {
		struct hmr *h = &b->hm[b->nhm++];

		h->order_id = strtoull(row.vals[0], NULL, 10);
		h->id = strtoull(row.vals[1], NULL, 10);
		h->key = row.vals[2] ? row.vals[2] : "";
		h->klen = row.vals[2] ? row.lens[2] : 0;
		h->val = row.vals[3] ? row.vals[3] : "";
		h->vlen = row.vals[3] ? row.lens[3] : 0;
		if (k >= 0) { /* an order's rows are one run (ORDER BY order_id) */
			if (!b->o[l->at[k]].hm_hi)
				b->o[l->at[k]].hm_lo = b->nhm - 1;
			b->o[l->at[k]].hm_hi = b->nhm;
		}
	}
	return 0;
}

/* The posts: whether each order has one, and the columns reverse sync
 * reads back (copied: the order owns them).  0, or -1. */
static int load_post_rows(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			  struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	orderread_select(db, sql, "ID, post_type, post_author, post_excerpt, post_status, post_name, guid, post_title",
			 "posts");
	orderread_in(sql, "ID", l->ids, l->n);
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_posts = r.res;
	while (orderread_next(&r, &row, &k)) {
		struct bord *o;

		if (k < 0)
			continue;
		o = &b->o[l->at[k]];
		o->post_exists = 1;
		o->post_type = xstrdup(row.vals[1] ? row.vals[1] : "");
		o->post_author = xstrdup(row.vals[2] ? row.vals[2] : "0");
		o->post_excerpt = xstrndup(row.vals[3] ? row.vals[3] : "", row.vals[3] ? row.lens[3] : 0);
		o->old_status = xstrdup(row.vals[4] ? row.vals[4] : "");
		o->old_name = xstrndup(row.vals[5] ? row.vals[5] : "", row.vals[5] ? row.lens[5] : 0);
		o->old_guid = xstrndup(row.vals[6] ? row.vals[6] : "", row.vals[6] ? row.lens[6] : 0);
		o->old_title = xstrndup(row.vals[7] ? row.vals[7] : "", row.vals[7] ? row.lens[7] : 0);
	}
	return 0;
}

/* The postmeta, by post and meta_id, into each order's o->pm (values
 * point into b->r_pm).  0, or -1. */
static int load_postmeta(struct db *db, struct bbatch *b, const struct bload *l, struct strbuf *sql,
			 struct herr *err)
{
	struct orderrows r;
	struct db_row row;
	int k;

	orderread_select(db, sql, "post_id, meta_id, meta_key, meta_value", "postmeta");
	orderread_in(sql, "post_id", l->ids, l->n);
	sb_adds(sql, " ORDER BY post_id, meta_id");
	if (orderread_run(db, sql, l->ids, l->n, &r, err) < 0)
		return -1;
	b->r_pm = r.res;
	while (orderread_next(&r, &row, &k)) {
		struct pmv *v;

		if (k < 0 || !row.vals[2])
			continue; /* a NULL meta_key is nobody's key */
		v = pm_add(&b->o[l->at[k]]);
		v->meta_id = strtoull(row.vals[1], NULL, 10);
		v->key = row.vals[2];
		v->klen = row.lens[2];
		v->val = row.vals[3] ? row.vals[3] : "";
		v->vlen = row.vals[3] ? row.lens[3] : 0;
	}
	return 0;
}

/* Read both stores for the batch's orders that are not deferred, each row
 * attached to its order by the shared batch reader (orderread.h): the
 * HPOS rows, the HPOS meta, the post, the postmeta.  Values point into
 * the results kept in b (freed by bbatch_reset()).  0, or -1 with err. */
static int load_batch(struct db *db, struct bbatch *b, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t *ids = xcalloc(b->n + 1, sizeof(*ids));
	unsigned *at = xcalloc(b->n + 1, sizeof(*at));
	struct bload l = { ids, at, 0 };
	int rc;

	rules_init();
	for (unsigned i = 0; i < b->n; i++)
		if (!b->o[i].deferred) {
			at[l.n] = i;
			ids[l.n++] = b->o[i].id;
		}
	rc = load_hpos_rows(db, b, &l, &sql, err);
	if (rc == 0)
		rc = load_hpos_meta(db, b, &l, &sql, err);
	if (rc == 0)
		rc = load_post_rows(db, b, &l, &sql, err);
	if (rc == 0)
		rc = load_postmeta(db, b, &l, &sql, err);
	sb_release(&sql);
	free(ids);
	free(at);
	return rc;
}

/* The first original value of key (get_post_meta($id, $key, true)). */
static const struct pmv *pm_first_orig(const struct bord *o, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < o->npm; i++)
		if (o->pm[i].meta_id && key_eq(o->pm[i].key, o->pm[i].klen, key, kl))
			return &o->pm[i];
	return NULL;
}

/* The first live value of key after the planned changes. */
static const struct pmv *pm_first_live(const struct bord *o, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < o->npm; i++)
		if (!o->pm[i].dead && key_eq(o->pm[i].key, o->pm[i].klen, key, kl))
			return &o->pm[i];
	return NULL;
}

static size_t pm_live_count(const struct bord *o, const char *key)
{
	size_t kl = strlen(key), n = 0;

	for (size_t i = 0; i < o->npm; i++)
		if (!o->pm[i].dead && key_eq(o->pm[i].key, o->pm[i].klen, key, kl))
			n++;
	return n;
}

static void pm_set(struct pmv *v, const char *val, size_t len)
{
	if (v->vlen == len && !memcmp(v->val, val, len))
		return;
	free(v->own);
	v->own = xstrndup(val, len);
	v->val = v->own;
	v->vlen = len;
	v->changed = 1;
}

/* update_post_meta(): every row of key gets val (one is added if there is
 * none).  Returns whether WordPress would report an update. */
static int meta_update(struct bord *o, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val), n = 0;
	int same = 0;

	for (size_t i = 0; i < o->npm; i++) {
		struct pmv *v = &o->pm[i];

		if (v->dead || !key_eq(v->key, v->klen, key, kl))
			continue;
		if (n++ == 0)
			same = v->vlen == vl && !memcmp(v->val, val, vl);
		pm_set(v, val, vl);
	}
	if (n == 0) {
		struct pmv *v = pm_add(o);

		v->key = key;
		v->klen = kl;
		v->own = xstrdup(val);
		v->val = v->own;
		v->vlen = vl;
		return 1;
	}
	return !(n == 1 && same);
}

static int meta_delete(struct bord *o, const char *key, size_t kl)
{
	int any = 0;

	for (size_t i = 0; i < o->npm; i++) {
		struct pmv *v = &o->pm[i];

		if (!v->dead && key_eq(v->key, v->klen, key, kl)) {
			v->dead = 1;
			any = 1;
		}
	}
	return any;
}

/* update_or_delete_post_meta(). */
static int meta_update_or_delete(struct bord *o, const char *key, const char *val)
{
	if (!*val)
		return meta_delete(o, key, strlen(key));
	return meta_update(o, key, val);
}

/* The property value WooCommerce holds for a mapped column, from HPOS
 * (NULL -> the property's default) or from postmeta (missing -> '').
 * Returns an allocated string; kind tells the format. */
enum pkind { PK_STRING, PK_INT, PK_DECIMAL, PK_TOTAL, PK_BOOL, PK_DATE, PK_KEY };

static enum pkind prop_kind(const struct bf_rule_ent *r, const struct colmap *c)
{
	if (!strcmp(r->prop, "total"))
		return PK_TOTAL;
	if (!strcmp(r->prop, "order_key"))
		return PK_KEY;
	switch (c->type) {
	case CT_INT: return PK_INT;
	case CT_DECIMAL: return PK_DECIMAL;
	case CT_BOOL: return PK_BOOL;
	case CT_EPOCH: case CT_DATE: return PK_DATE;
	default: return PK_STRING;
	}
}

/* HPOS side, as the string update_post_meta would store ('' = delete). */
static const char *null_read(const struct site *s, const struct bord *o, unsigned ci, size_t *len)
{
	int cc = mapping_find(MIG_ORDER, "date_created_gmt");
	struct null_ctx nx = { s->currency, o->h[cc], o->h[cc] ? o->hl[cc] : 0 };

	if (o->h[ci]) {
		*len = o->hl[ci];
		return o->h[ci];
	}
	return mapping_null_reads_as(&colmaps[ci], &nx, len);
}

static char *hpos_prop(const struct site *s, const struct bord *o, unsigned ci, enum pkind k)
{
	size_t len;
	const char *v;
	char buf[32];
	int64_t t;

	/* no billing address email (or no row): the order's billing_email
	 * stays, as WooCommerce skips the NULL when it reads the order */
	if (!o->h[ci] && (int)ci == mapping_find(MIG_BILLING, "email"))
		ci = (unsigned)mapping_find(MIG_ORDER, "billing_email");
	v = null_read(s, o, ci, &len);

	switch (k) {
	case PK_STRING:
		return xstrndup(v ? v : "", len);
	case PK_KEY: /* WC_Order::set_order_key() keeps 22 characters */
		return xstrndup(v ? v : "", len > 22 ? 22 : len);
	case PK_INT:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)absint(v, len));
		return xstrdup(buf);
	case PK_DECIMAL: /* the setters: wc_format_decimal($v, false, true) */
		return v ? wc_format_decimal_str(v, len, 1) : xstrdup("0");
	case PK_TOTAL:
		return number_format(v ? v : "0", v ? len : 1, s->price_dp);
	case PK_BOOL:
		return xstrdup(v && conv_bool(v, len) ? "yes" : "no");
	case PK_DATE:
		if (!parse_gmt(v, len, &t))
			return xstrdup("");
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
		return xstrdup(buf);
	}
	return xstrdup("");
}

/* Posts side, read as WC_Order_Data_Store_CPT::read() would, in the same
 * format as hpos_prop() so that equal means "not changed". */
static char *post_prop(const struct site *s, const struct bord *o, const struct colmap *c, enum pkind k)
{
	const struct pmv *m = pm_first_orig(o, c->meta_key);
	const char *v = m ? m->val : "";
	size_t len = m ? m->vlen : 0;
	char buf[32];
	int64_t t;

	switch (k) {
	case PK_STRING:
		return xstrndup(v, len);
	case PK_KEY:
		return xstrndup(v, len > 22 ? 22 : len);
	case PK_INT:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)absint(v, len));
		return xstrdup(buf);
	case PK_DECIMAL:
		return wc_format_decimal_str(v, len, 1);
	case PK_TOTAL:
		return number_format(v, len, s->price_dp);
	case PK_BOOL:
		if (!m)
			return xstrdup(s->prices_include_tax ? "yes" : "no");
		return xstrdup(len == 3 && !memcmp(v, "yes", 3) ? "yes" : "no");
	case PK_DATE:
		/* _date_paid, falling back to the pre-3.0 _paid_date (local). */
		if (!m || len == 0 || (len == 1 && v[0] == '0')) {
			const char *legacy = !strcmp(c->meta_key, "_date_paid") ? "_paid_date" : "_completed_date";

			m = pm_first_orig(o, legacy);
			if (!m || !m->vlen)
				return xstrdup("");
			if (parse_local(s, m->val, m->vlen, &t)) {
				snprintf(buf, sizeof(buf), "%lld", (long long)t);
				return xstrdup(buf);
			}
			v = m->val;
			len = m->vlen;
		}
		{
			int64_t i = 0;

			if (conv_php_int(v, len, &i) != CONV_INVALID && len && strspn(v, "0123456789") == len) {
				snprintf(buf, sizeof(buf), "%lld", (long long)i);
				return xstrdup(buf);
			}
		}
		if (parse_local(s, v, len, &t)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)t);
			return xstrdup(buf);
		}
		return xstrdup("");
	}
	return xstrdup("");
}

static const struct hmr *hm_first(const struct bbatch *b, const struct bord *o, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = o->hm_lo; i < o->hm_hi; i++)
		if (key_eq(b->hm[i].key, b->hm[i].klen, key, kl))
			return &b->hm[i];
	return NULL;
}

/* The four refund properties (OrdersTableRefundDataStore reads them from
 * wc_orders_meta; WC_Order_Refund_Data_Store_CPT writes them with plain
 * update_post_meta, so '' is stored, not deleted). */
static void plan_refund_props(const struct bbatch *b, struct bord *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(refund_keys); i++) {
		const struct hmr *h = hm_first(b, o, refund_keys[i]);
		const struct pmv *m = pm_first_orig(o, refund_keys[i]);
		const char *hv = h ? h->val : "";
		size_t hl = h ? h->vlen : 0;
		char *want, *have, buf[32];

		switch (i) {
		case 0: /* amount */
			want = wc_decimal(hv, hl);
			have = wc_decimal(m ? m->val : "", m ? m->vlen : 0);
			break;
		case 1: /* refunded_by: absint; the post falls back to post_author */
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)absint(hv, hl));
			want = xstrdup(buf);
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(m ? absint(m->val, m->vlen) :
				 absint(o->post_author ? o->post_author : "0", o->post_author ? strlen(o->post_author) : 1)));
			have = xstrdup(buf);
			break;
		case 2: /* refunded_payment: bool, stored as '1' or '' */
			want = xstrdup(conv_bool(hv, hl) ? "1" : "");
			have = xstrdup(m && conv_bool(m->val, m->vlen) ? "1" : "");
			break;
		default: /* reason: the post falls back to post_excerpt */
			want = xstrndup(hv, hl);
			have = m ? xstrndup(m->val, m->vlen) : xstrdup(o->post_excerpt ? o->post_excerpt : "");
			break;
		}
		if ((o->post_exists && strcmp(want, have)) || pm_live_count(o, refund_keys[i]) == 0)
			meta_update(o, refund_keys[i], want);
		free(want);
		free(have);
	}
}

static const char *index_field(const void *ctx, unsigned ci, size_t *len)
{
	const struct bord *o = ctx;

	if (!o->h[ci] && (int)ci == mapping_find(MIG_BILLING, "email"))
		ci = (unsigned)mapping_find(MIG_ORDER, "billing_email"); /* the order's email stays */
	*len = o->h[ci] ? o->hl[ci] : 0;
	return o->h[ci];
}

static void address_index(const struct bord *o, enum mig m, struct strbuf *sb)
{
	mapping_address_index(m, index_field, o, sb);
}

/* Key order (bytes, then length) for the per-order meta indexes; ties
 * by position, so that a key's rows stay in id / meta_id order. */
static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : an < bn ? -1 : an > bn;
}

static const struct hmr *sort_hm;
static const struct pmv *sort_pm;

static int hm_idx_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = key_cmp(sort_hm[a].key, sort_hm[a].klen, sort_hm[b].key, sort_hm[b].klen);

	return c ? c : a < b ? -1 : a > b;
}

static int pm_idx_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = key_cmp(sort_pm[a].key, sort_pm[a].klen, sort_pm[b].key, sort_pm[b].klen);

	return c ? c : a < b ? -1 : a > b;
}

/* First position in the index idx[0..n) over an array of records (size
 * bytes each, their key pointer at koff and its length at loff) whose key is
 * >= key; hm_lower() and pm_lower() name the two arrays planned here. */
static size_t key_lower(const void *base, size_t size, size_t koff, size_t loff, const size_t *idx, size_t n,
			const char *key, size_t kl)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *rec = (const char *)base + idx[mid] * size, *k;
		size_t l;

		memcpy(&k, rec + koff, sizeof(k));
		memcpy(&l, rec + loff, sizeof(l));
		if (key_cmp(k, l, key, kl) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
#define hm_lower(hm, idx, n, k_, kl_) \
	key_lower(hm, sizeof(struct hmr), offsetof(struct hmr, key), offsetof(struct hmr, klen), idx, n, k_, kl_)
#define pm_lower(pm, idx, n, k_, kl_) \
	key_lower(pm, sizeof(struct pmv), offsetof(struct pmv, key), offsetof(struct pmv, klen), idx, n, k_, kl_)

/* wp_insert_post() on a status change from or to 'trash': trashing keeps
 * the slug in _wp_desired_post_slug and suffixes it with __trashed;
 * untrashing takes the desired slug back and deletes the key. */
static void plan_trash(struct bord *o)
{
	const char *prev = o->post_exists ? o->old_status : "new";
	const char *name = o->old_name ? o->old_name : "";
	int to_trash = !strcmp(o->status, "trash"), was_trash = !strcmp(prev, "trash");

	free(o->name);
	o->name = xstrdup(name);
	if (was_trash && !to_trash) {
		const struct pmv *d = pm_first_live(o, "_wp_desired_post_slug");

		if (d && d->vlen && !(d->vlen == 1 && d->val[0] == '0')) {
			free(o->name);
			o->name = xstrndup(d->val, d->vlen);
			meta_delete(o, "_wp_desired_post_slug", 21);
		}
	}
	if (to_trash && !was_trash) {
		size_t n = strlen(name);

		if (!(n >= 9 && !strcmp(name + n - 9, "__trashed"))) {
			struct pmv *v = pm_add(o);
			char *t = xstrdup(name);

			v->key = "_wp_desired_post_slug";
			v->klen = 21;
			v->own = xstrdup(name);
			v->val = v->own;
			v->vlen = n;
			wp_truncate_slug(t, 191);
			free(o->name);
			o->name = xmalloc(strlen(t) + 10);
			sprintf(o->name, "%s__trashed", t);
			free(t);
		}
	}
}

/* Compute the end state of one order's post and postmeta. */
static void plan_order(const struct site *s, const struct bbatch *b, struct bord *o)
{
	int ci_status = mapping_find(MIG_ORDER, "status"), ci_type = mapping_find(MIG_ORDER, "type");
	int ci_created = mapping_find(MIG_ORDER, "date_created_gmt"), ci_updated = mapping_find(MIG_ORDER, "date_updated_gmt");
	int ci_parent = mapping_find(MIG_ORDER, "parent_order_id"), ci_note = mapping_find(MIG_ORDER, "customer_note");
	int updated_billing = 0, updated_shipping = 0, updated_paid = 0, updated_completed = 0;
	int64_t created, modified;

	if (!o->h) {
		bskip(o, "the order is not in wc_orders");
		return;
	}
	if (!o->h[ci_type] || !*o->h[ci_type]) {
		bskip(o, "wc_orders.type is empty");
		return;
	}
	if (!parse_gmt(o->h[ci_created], o->hl[ci_created], &created)) {
		bskip(o, "wc_orders.date_created_gmt is %s: WooCommerce cannot backfill an order without a creation date",
		      o->h[ci_created] ? o->h[ci_created] : "NULL");
		return;
	}
	o->type = o->h[ci_type];
	o->refund = !strcmp(o->type, REFUND_TYPE);
	/* get_post_status(): the HPOS column already holds the stored form. */
	o->status = o->h[ci_status] && *o->h[ci_status] ? o->h[ci_status] : "wc-pending";
	o->parent = o->h[ci_parent] ? strtoull(o->h[ci_parent], NULL, 10) : 0;
	if (o->refund || !o->h[ci_note]) {
		o->excerpt = "";
		o->excerpt_len = 0;
	} else {
		o->excerpt = o->h[ci_note];
		o->excerpt_len = o->hl[ci_note];
	}
	epoch_gmt(created, o->date_gmt);
	epoch_local(s, created, o->date);
	{
		size_t ul;
		const char *u = null_read(s, o, (unsigned)ci_updated, &ul); /* NULL: the creation date */

		if (parse_gmt(u, ul, &modified)) {
			memcpy(o->mod_gmt, u, 19);
			o->mod_gmt[19] = '\0';
		} else {
			modified = created;
			epoch_gmt(modified, o->mod_gmt);
		}
	}
	epoch_local(s, modified, o->mod);

	/* 1. Custom meta: each key of the HPOS order replaces the post's
	 * (all its values, in id order, keys in order of first appearance).
	 * 2. Keys the order no longer has are deleted, except the store's
	 * internal ones.  Both through key-sorted indexes of the two sides, so
	 * an order with 100k meta rows costs n log n, not n * m. */
	{
		size_t nh = 0, np = 0, norig = o->npm;
		size_t *hs = xcalloc(o->hm_hi - o->hm_lo + 1, sizeof(*hs));
		size_t *ps = xcalloc(norig + 1, sizeof(*ps));

		for (size_t i = o->hm_lo; i < o->hm_hi; i++)
			if (hpos_custom_key(b->hm[i].key, b->hm[i].klen, o->refund))
				hs[nh++] = i;
		for (size_t i = 0; i < norig; i++)
			if (o->pm[i].meta_id)
				ps[np++] = i;
		sort_hm = b->hm;
		qsort(hs, nh, sizeof(*hs), hm_idx_cmp);
		sort_pm = o->pm;
		qsort(ps, np, sizeof(*ps), pm_idx_cmp);
		for (size_t i = o->hm_lo; i < o->hm_hi; i++) {
			const struct hmr *h = &b->hm[i];
			size_t lo = hm_lower(b->hm, hs, nh, h->key, h->klen), plo;

			if (lo >= nh || hs[lo] != i)
				continue; /* not custom, or not the key's first row */
			plo = pm_lower(o->pm, ps, np, h->key, h->klen);
			for (; plo < np && key_eq(o->pm[ps[plo]].key, o->pm[ps[plo]].klen, h->key, h->klen); plo++)
				o->pm[ps[plo]].dead = 1;
			for (size_t j = lo; j < nh && key_eq(b->hm[hs[j]].key, b->hm[hs[j]].klen, h->key, h->klen); j++) {
				const struct hmr *src = &b->hm[hs[j]];
				struct pmv *v = pm_add(o);

				v->key = src->key;
				v->klen = src->klen;
				v->val = src->val;
				v->vlen = src->vlen;
			}
		}
		for (size_t i = 0; i < norig; i++) {
			struct pmv *v = &o->pm[i];
			size_t lo;

			if (v->dead || !v->meta_id || cpt_internal_key(v->key, v->klen, o->refund) ||
			    is_marker_key(v->key, v->klen))
				continue;
			lo = hm_lower(b->hm, hs, nh, v->key, v->klen);
			if (!(lo < nh && key_eq(b->hm[hs[lo]].key, b->hm[hs[lo]].klen, v->key, v->klen)))
				v->dead = 1;
		}
		free(hs);
		free(ps);
	}
	/* The post row goes through wp_update_post(): trash and untrash. */
	plan_trash(o);
	/* 3. Property meta: written when changed or missing. */
	for (size_t r = 0; r < ARRAY_SIZE(rules); r++) {
		const struct colmap *c;
		enum pkind k;
		char *want, *have;
		int upd;

		if (rules[r].rule != BF_PROP && rules[r].rule != BF_ABS)
			continue;
		if (o->refund && rules[r].rule != BF_ABS)
			continue;
		c = &colmaps[rule_ci[r]];
		k = prop_kind(&rules[r], c);
		want = hpos_prop(s, o, (unsigned)rule_ci[r], k);
		have = post_prop(s, o, c, k);
		if ((o->post_exists && strcmp(want, have)) || pm_live_count(o, c->meta_key) == 0) {
			upd = meta_update_or_delete(o, c->meta_key, want);
			if (upd && c->mig == MIG_BILLING)
				updated_billing = 1;
			if (upd && c->mig == MIG_SHIPPING)
				updated_shipping = 1;
			if (upd && !strcmp(c->meta_key, "_date_paid"))
				updated_paid = 1;
			if (upd && !strcmp(c->meta_key, "_date_completed"))
				updated_completed = 1;
		}
		free(want);
		free(have);
	}
	if (o->refund) {
		plan_refund_props(b, o);
	} else {
		struct strbuf sb = STRBUF_INIT;
		int ci;
		int64_t t;
		char buf[20];

		/* 4. Address index keys: when the address changed or the key is missing. */
		if (updated_billing || pm_live_count(o, "_billing_address_index") == 0) {
			address_index(o, MIG_BILLING, &sb);
			meta_update(o, "_billing_address_index", sb.buf ? sb.buf : "");
		}
		sb_reset(&sb);
		if (updated_shipping || pm_live_count(o, "_shipping_address_index") == 0) {
			address_index(o, MIG_SHIPPING, &sb);
			meta_update(o, "_shipping_address_index", sb.buf ? sb.buf : "");
		}
		sb_release(&sb);
		/* 5. The pre-3.0 keys, site-local, when the date was written. */
		ci = mapping_find(MIG_OPDATA, "date_paid_gmt");
		if (updated_paid) {
			buf[0] = '\0';
			if (parse_gmt(o->h[ci], o->hl[ci], &t))
				epoch_local(s, t, buf);
			meta_update(o, "_paid_date", buf);
		}
		ci = mapping_find(MIG_OPDATA, "date_completed_gmt");
		if (updated_completed) {
			buf[0] = '\0';
			if (parse_gmt(o->h[ci], o->hl[ci], &t))
				epoch_local(s, t, buf);
			meta_update(o, "_completed_date", buf);
		}
		/* 6. The data-store flags, always. */
		for (size_t r = 0; r < ARRAY_SIZE(rules); r++) {
			const char *v;

			if (rules[r].rule != BF_FLAG && rules[r].rule != BF_FLAG_TF)
				continue;
			ci = rule_ci[r];
			v = o->h[ci] && conv_bool(o->h[ci], o->hl[ci]) ? (rules[r].rule == BF_FLAG ? "yes" : "true")
									 : (rules[r].rule == BF_FLAG ? "no" : "false");
			meta_update(o, colmaps[ci].meta_key, v);
		}
	}
}

static int live_order(const struct bord *o)
{
	return !o->deferred && !o->skip && !o->hold;
}

static void guid(const struct site *s, const struct bord *o, const char *type, struct strbuf *sb)
{
	sb_addf(sb, "%s/?post_type=%s&#038;p=%llu", s->home, type, (unsigned long long)o->id);
}

/* Is slug taken for order oi (wp_unique_post_slug(), flat post types:
 * the same name and post type on another post)?  Posts of this batch that
 * come earlier count with their new names, as WordPress writes one order
 * after the other. */
static int slug_taken(struct db *db, const struct bbatch *b, unsigned oi, const char *slug, int *taken,
		      struct herr *err)
{
	static const char *const reserved[] = { "feed", "rdf", "rss", "rss2", "atom", "embed" };
	const struct bord *o = &b->o[oi];
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	int rc;

	*taken = 0;
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (!strcmp(slug, reserved[i]))
			*taken = 1;
	for (unsigned j = 0; j < oi && !*taken; j++)
		if (live_order(&b->o[j]) && b->o[j].name && !strcmp(b->o[j].type, o->type) &&
		    !strcasecmp(b->o[j].name, slug))
			*taken = 1;
	if (*taken)
		return 0;
	sb_adds(&sql, "SELECT ID FROM ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " WHERE post_name = ");
	db_quote(db, &sql, slug, strlen(slug));
	sb_adds(&sql, " AND post_type = ");
	db_quote(db, &sql, o->type, strlen(o->type));
	sb_addf(&sql, " AND ID <> %llu LIMIT 100", (unsigned long long)o->id);
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	while (db_fetch(res, &row)) {
		int j = bfind(b, strtoull(row.vals[0], NULL, 10));

		/* an earlier order of this batch that leaves the name frees it */
		if (j >= 0 && (unsigned)j < oi && live_order(&b->o[j]) && b->o[j].name && strcasecmp(b->o[j].name, slug))
			continue;
		*taken = 1;
	}
	db_free_result(res);
	return 0;
}

/* wp_unique_post_slug() for a flat post type: slug, else slug-2, -3... */
static int unique_slug(struct db *db, const struct bbatch *b, unsigned oi, char **slug, struct herr *err)
{
	int taken;

	if (slug_taken(db, b, oi, *slug, &taken, err) < 0)
		return -1;
	for (unsigned suffix = 2; taken; suffix++) {
		char num[16], *alt;

		snprintf(num, sizeof(num), "%u", suffix);
		alt = xmalloc(strlen(*slug) + strlen(num) + 2);
		strcpy(alt, *slug);
		wp_truncate_slug(alt, 200 - (strlen(num) + 1));
		strcat(alt, "-");
		strcat(alt, num);
		if (slug_taken(db, b, oi, alt, &taken, err) < 0) {
			free(alt);
			return -1;
		}
		if (!taken) {
			free(*slug);
			*slug = alt;
		} else {
			free(alt);
		}
	}
	return 0;
}

/* The post row's title, name and guid as wp_update_post() leaves them
 * (update_order_from_object): WooCommerce titles shop_order posts from
 * their date; the name is the old one (sanitized, or the untrash/trash
 * form from plan_trash()), else the sanitized title, else the ID; a name
 * that changes is made unique; the guid is re-escaped. */
static int plan_post_row(struct db *db, const struct site *s, struct bbatch *b, unsigned oi, struct herr *err)
{
	struct bord *o = &b->o[oi];
	const char *old_name = o->old_name ? o->old_name : "";
	int quiet = !strcmp(o->status, "draft") || !strcmp(o->status, "pending") || !strcmp(o->status, "auto-draft");
	char *name;

	free(o->title);
	o->title = !strcmp(o->type, "shop_order") ? wp_order_title(o->date) : NULL;
	name = o->name && *o->name ? wp_sanitize_title(o->name, strlen(o->name)) : NULL;
	if (!name && !quiet && o->old_title && *o->old_title) {
		name = wp_sanitize_title(o->old_title, strlen(o->old_title));
		if (!*name) {
			free(name);
			name = NULL;
		}
	}
	if (!name && !quiet) {
		const char *t = o->title ? o->title : o->old_title ? o->old_title : "";
		char num[24];

		name = wp_sanitize_title(t, strlen(t));
		if (!*name) {
			free(name);
			snprintf(num, sizeof(num), "%llu", (unsigned long long)o->id);
			name = xstrdup(num);
		}
	}
	if (!name)
		name = xstrdup("");
	if (*name && !quiet && strcmp(name, old_name) && unique_slug(db, b, oi, &name, err) < 0) {
		free(name);
		return -1;
	}
	free(o->name);
	o->name = name;
	free(o->new_guid);
	if (o->post_exists) {
		o->new_guid = wp_guid_reescape(o->old_guid ? o->old_guid : "", o->old_guid ? strlen(o->old_guid) : 0);
	} else {
		struct strbuf g = STRBUF_INIT;

		guid(s, o, s->compat ? o->type : PLACEHOLDER_TYPE, &g);
		o->new_guid = wp_guid_reescape(g.buf, g.len);
		sb_release(&g);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

enum batt { B_OK, B_RETRY, B_LOST, B_DATA, B_FATAL };

static size_t packet_budget = 4u << 20;
#define UPDATE_CHUNK 500u

static enum batt classify(struct db *db)
{
	switch (db_errclass(db)) {
	case DBE_RETRY: return B_RETRY;
	case DBE_LOST: return B_LOST;
	case DBE_ACCESS: return B_FATAL;
	default: return B_DATA;
	}
}

static enum batt run_write(struct db *db, struct strbuf *sql, struct herr *err)
{
	int w;

	if (db_run(db, DB_WRITE, sql->buf, sql->len, NULL, err) < 0)
		return classify(db);
	/* Data-altering warnings would have damaged the order (db_data_warnings()). */
	if ((w = db_data_warnings(db, err)) != 0)
		return w < 0 ? classify(db) : B_DATA;
	return B_OK;
}

static enum batt write_batch(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			     unsigned *written, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT, upd = STRBUF_INIT, ids = STRBUF_INIT;
	enum batt a = B_OK;
	unsigned good = 0, nins = 0, nupd = 0, ndel = 0;

	*written = 0;
	for (unsigned i = 0; i < b->n; i++)
		good += live_order(&b->o[i]);
	if (!good)
		return B_OK;
	if (so->isolation && db_begin(db, so->isolation, err) < 0)
		return db_errclass(db) == DBE_LOST ? B_LOST : B_FATAL;
	/* 1. maybe_create_backup_post(): the ID is taken by a placeholder
	 * (or, with compatibility mode on, a draft of the real type). */
	sb_adds(&sql, "INSERT INTO ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, "
		"comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt, "
		"post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count) VALUES ");
	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];
		const char *t;

		if (!live_order(o) || o->post_exists)
			continue;
		t = s->compat ? o->type : PLACEHOLDER_TYPE;
		sb_addf(&sql, "%s(%llu, 0, '%s', '%s', '', '', '', 'draft', '%s', 'closed', '', '', '', '', '%s', '%s', '', %llu, ",
			nins ? "," : "", (unsigned long long)o->id, o->date, o->date_gmt,
			!strcmp(t, "shop_order") && !strcmp(s->comment_status, "open") ? "open" : "closed",
			o->date, o->date_gmt, (unsigned long long)o->parent);
		sb_reset(&upd);
		guid(s, o, t, &upd);
		db_quote(db, &sql, upd.buf, upd.len);
		sb_adds(&sql, ", 0, ");
		db_quote(db, &sql, t, strlen(t));
		sb_adds(&sql, ", '', 0)");
		nins++;
	}
	if (nins)
		a = run_write(db, &sql, err);
	/* 2. postmeta: deletes, in-place updates, inserts. */
	sb_reset(&sql);
	sb_adds(&sql, "DELETE FROM ");
	wc_table(db, &sql, "postmeta");
	sb_adds(&sql, " WHERE meta_id IN (");
	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];

		if (!live_order(o))
			continue;
		for (size_t j = 0; j < o->npm; j++) {
			struct pmv *v = &o->pm[j];

			if (v->meta_id && v->dead)
				sb_addf(&sql, "%s%llu", ndel++ ? "," : "", (unsigned long long)v->meta_id);
		}
	}
	sb_addc(&sql, ')');
	if (a == B_OK && ndel)
		a = run_write(db, &sql, err);
	/* In-place updates: a CASE is evaluated branch by branch for every
	 * row, so one statement carries at most UPDATE_CHUNK of them. */
	for (unsigned i = 0; a == B_OK && i < b->n; i++) {
		struct bord *o = &b->o[i];

		if (!live_order(o))
			continue;
		for (size_t j = 0; a == B_OK && j <= o->npm; j++) {
			struct pmv *v = j < o->npm ? &o->pm[j] : NULL;
			int last = j == o->npm;

			if (v && v->meta_id && !v->dead && v->changed) {
				if (!nupd) {
					sb_reset(&upd);
					sb_reset(&ids);
					sb_adds(&upd, "UPDATE ");
					wc_table(db, &upd, "postmeta");
					sb_adds(&upd, " SET meta_value = CASE meta_id");
				}
				sb_addf(&upd, " WHEN %llu THEN ", (unsigned long long)v->meta_id);
				db_quote(db, &upd, v->val, v->vlen);
				sb_addf(&ids, "%s%llu", nupd++ ? "," : "", (unsigned long long)v->meta_id);
			}
			if (nupd && (nupd >= UPDATE_CHUNK || upd.len >= packet_budget || (last && i + 1 == b->n))) {
				sb_addf(&upd, " END WHERE meta_id IN (%s)", ids.buf);
				a = run_write(db, &upd, err);
				nupd = 0;
			}
		}
	}
	if (a == B_OK && nupd) {
		sb_addf(&upd, " END WHERE meta_id IN (%s)", ids.buf);
		a = run_write(db, &upd, err);
	}
	for (unsigned i = 0; a == B_OK && i < b->n;) {
		unsigned rows = 0;

		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, "postmeta");
		sb_adds(&sql, " (post_id, meta_key, meta_value) VALUES ");
		for (; i < b->n && (rows == 0 || sql.len < packet_budget); i++) {
			struct bord *o = &b->o[i];

			if (!live_order(o))
				continue;
			for (size_t j = 0; j < o->npm; j++) {
				struct pmv *v = &o->pm[j];

				if (v->meta_id || v->dead)
					continue;
				sb_addf(&sql, "%s(%llu,", rows++ ? "," : "", (unsigned long long)o->id);
				db_quote(db, &sql, v->key, v->klen);
				sb_addc(&sql, ',');
				db_quote(db, &sql, v->val, v->vlen);
				sb_addc(&sql, ')');
			}
		}
		if (rows)
			a = run_write(db, &sql, err);
	}
	/* 3. The post rows, last, in one statement per column set: until
	 * post_modified_gmt is written the order stays pending. */
	if (a == B_OK) {
		static const char *const cols[] = { "post_type", "post_status", "post_date", "post_date_gmt", "post_parent",
						    "post_excerpt", "post_modified", "post_modified_gmt", "post_title",
						    "post_name", "guid" };
		unsigned n = 0;

		sb_reset(&sql);
		sb_adds(&sql, "UPDATE ");
		wc_table(db, &sql, "posts");
		sb_adds(&sql, " SET");
		unsigned ntitles = 0;

		for (unsigned i = 0; i < b->n; i++)
			ntitles += live_order(&b->o[i]) && b->o[i].title;
		for (size_t k = 0; k < ARRAY_SIZE(cols); k++) {
			if (k == 8 && !ntitles)
				continue;
			sb_addf(&sql, "%s %s = CASE ID", k ? "," : "", cols[k]);
			for (unsigned i = 0; i < b->n; i++) {
				struct bord *o = &b->o[i];
				char num[24];

				if (!live_order(o) || (k == 8 && !o->title))
					continue;
				sb_addf(&sql, " WHEN %llu THEN ", (unsigned long long)o->id);
				switch (k) {
				case 0: db_quote(db, &sql, o->type, strlen(o->type)); break;
				case 1: db_quote(db, &sql, o->status, strlen(o->status)); break;
				case 2: db_quote(db, &sql, o->date, strlen(o->date)); break;
				case 3: db_quote(db, &sql, o->date_gmt, strlen(o->date_gmt)); break;
				case 4:
					snprintf(num, sizeof(num), "%llu", (unsigned long long)o->parent);
					sb_adds(&sql, num);
					break;
				case 5: db_quote(db, &sql, o->excerpt, o->excerpt_len); break;
				case 6: db_quote(db, &sql, o->mod, strlen(o->mod)); break;
				case 7: db_quote(db, &sql, o->mod_gmt, strlen(o->mod_gmt)); break;
				case 8: db_quote(db, &sql, o->title, strlen(o->title)); break;
				case 9: db_quote(db, &sql, o->name, strlen(o->name)); break;
				default: db_quote(db, &sql, o->new_guid, strlen(o->new_guid)); break;
				}
			}
			sb_addf(&sql, " ELSE %s END", cols[k]);
		}
		sb_adds(&sql, " WHERE ID IN (");
		for (unsigned i = 0; i < b->n; i++)
			if (live_order(&b->o[i]))
				sb_addf(&sql, "%s%llu", n++ ? "," : "", (unsigned long long)b->o[i].id);
		sb_addc(&sql, ')');
		a = run_write(db, &sql, err);
	}
	sb_release(&sql);
	sb_release(&upd);
	sb_release(&ids);
	if (a != B_OK) {
		if (so->isolation)
			db_rollback(db);
		return a;
	}
	if (so->isolation && db_commit(db, err) < 0)
		return db_errclass(db) == DBE_RETRY ? B_RETRY : db_errclass(db) == DBE_LOST ? B_LOST : B_FATAL;
	*written = good;
	return B_OK;
}

static int write_retrying(struct db *db, const struct sync_opts *so, const struct site *s, struct bbatch *b,
			  unsigned *written, struct sync_stats_s *st, struct herr *err)
{
	for (unsigned attempt = 0;; attempt++) {
		enum batt a = write_batch(db, so, s, b, written, err);
		unsigned live = 0, last = 0;

		switch (a) {
		case B_OK:
			return 0;
		case B_RETRY:
		case B_LOST:
			if (attempt >= so->max_retries) {
				herr_prefix(err, "giving up after %u attempts", attempt + 1);
				err->code = HX_TEMPFAIL;
				return -1;
			}
			st->retries++;
			out_event("batch_retried", a == B_RETRY ? "\"reason\":\"lock\"" : "\"reason\":\"connection\"");
			if (a == B_LOST) {
				/* The outcome of a cut-off COMMIT is unknown and the
				 * writes are not idempotent (postmeta inserts): read
				 * the batch again instead of replaying it. */
				if (runlock_reconnect(db, so->runlock_name, 1, so->max_retries, err) < 0)
					return -1;
				return 1;
			}
			retry_backoff(attempt);
			continue;
		case B_DATA:
			for (unsigned i = 0; i < b->n; i++)
				if (live_order(&b->o[i])) {
					live++;
					last = i;
				}
			if (live == 1) {
				bskip(&b->o[last], "the server refused it: %s", err->msg);
				*written = 0;
				return 0;
			}
			/* One at a time, to find the order the server refuses. */
			{
				unsigned total = 0;

				for (unsigned i = 0; i < b->n; i++) {
					unsigned w = 0;

					if (!live_order(&b->o[i]))
						continue;
					for (unsigned j = 0; j < b->n; j++)
						b->o[j].hold = j != i;
					int r = write_retrying(db, so, s, b, &w, st, err);

					if (r != 0) {
						for (unsigned j = 0; j < b->n; j++)
							b->o[j].hold = 0;
						return r;
					}
					total += w;
				}
				for (unsigned j = 0; j < b->n; j++)
					b->o[j].hold = 0;
				*written = total;
			}
			return 0;
		case B_FATAL:
			return -1;
		}
	}
}

struct markers_arg {
	struct db *db;
	const struct sync_opts *so;
	const struct site *s;
	struct sync_stats_s *st;
};
static int process_markers(struct db *db, const struct sync_opts *so, const struct site *s, struct sync_stats_s *st,
			   struct herr *err);
static int markers_once(void *arg, struct herr *err)
{
	struct markers_arg *a = arg;

	return process_markers(a->db, a->so, a->s, a->st, err);
}

/* Deletion markers (`_deleted_from` = `orders_table`), as
 * DataSynchronizer::process_deleted_orders() handles them with HPOS
 * authoritative, with WooCommerce 8.8's guard made a condition: the post
 * is deleted only when the order has no wc_orders row (WooCommerce's
 * maybe_prevent_deletion_of_post() refuses to delete it otherwise).  A
 * marker on an order that still exists in HPOS is left alone, with the
 * order, and reported.  Order posts are deleted as wp_delete_post() does,
 * with WooCommerce's hooks (items, notes); then the markers. */
static int process_markers(struct db *db, const struct sync_opts *so, const struct site *s, struct sync_stats_s *st,
			   struct herr *err)
{
	const struct typelist *mt = so->marker_types ? so->marker_types : so->types;
	struct strbuf sql = STRBUF_INIT;
	uint64_t below = UINT64_MAX, committed = st->deleted;
	int rc = 0;

	for (;;) {
		struct marker_order *m = NULL;
		struct strbuf del = STRBUF_INIT;
		uint64_t *done;
		unsigned n = 0, ndel = 0, ndone = 0;

		/* A sample (--dry-run --sample) measures orders, not markers. */
		if (hpos_interrupted || db_sample(db))
			break;
		if (so->between && so->between(so->arg, st)) {
			st->stop_reason = 3;
			break;
		}
		if (!db_dry_run(db) && so->isolation && (rc = db_begin(db, so->isolation, err)) < 0)
			break;
		/* Read inside the transaction that deletes. */
		if ((rc = wc_marker_orders(db, 1, below, so->batch_size, &m, &n, err)) < 0) {
			if (!db_dry_run(db) && so->isolation)
				db_rollback(db);
			break;
		}
		done = xcalloc(n + 1, sizeof(*done));
		for (unsigned i = 0; i < n; i++) {
			int order_post = 0;

			below = m[i].id;
			for (unsigned t = 0; m[i].in_posts && t < mt->n && !order_post; t++)
				order_post = !strcmp(m[i].post_type, mt->v[t]);
			if (m[i].in_hpos) {
				wc_report_live_marker(&m[i], 1);
				st->markers_left++;
				continue;
			}
			done[ndone++] = m[i].id;
			if (!order_post) {
				out_warning("Order %llu doesn't exist in the backup table, thus it can't be deleted",
					    (unsigned long long)m[i].id);
				continue;
			}
			sb_addf(&del, "%s%llu", ndel++ ? "," : "", (unsigned long long)m[i].id);
			st->deleted++;
		}
		free(m);
		if (!db_dry_run(db) && ndel) {
			/* wp_delete_post(): meta, comments (order notes), terms, the
			 * post; WooCommerce's hooks remove the order items. */
			static const struct { const char *pre, *mid, *post; int need; } stmts[] = {
				{ "DELETE FROM ", "postmeta", " WHERE post_id IN (", 0 },
				{ "DELETE cm FROM ", "commentmeta", NULL, 1 },
				{ "DELETE FROM ", "comments", " WHERE comment_post_ID IN (", 1 },
				{ "DELETE FROM ", "term_relationships", " WHERE object_id IN (", 2 },
				{ "DELETE im FROM ", "woocommerce_order_itemmeta", NULL, 3 },
				{ "DELETE FROM ", "woocommerce_order_items", " WHERE order_id IN (", 0 },
				{ "DELETE FROM ", "posts", " WHERE ID IN (", 0 },
			};
			for (size_t k = 0; rc == 0 && k < ARRAY_SIZE(stmts); k++) {
				if ((stmts[k].need == 1 && !s->have_comments) || (stmts[k].need == 2 && !s->have_terms))
					continue;
				sb_reset(&sql);
				sb_adds(&sql, stmts[k].pre);
				wc_table(db, &sql, stmts[k].mid);
				if (stmts[k].need == 1 && !stmts[k].post) {
					sb_adds(&sql, " cm JOIN ");
					wc_table(db, &sql, "comments");
					sb_adds(&sql, " c ON c.comment_ID = cm.comment_id WHERE c.comment_post_ID IN (");
				} else if (stmts[k].need == 3) {
					sb_adds(&sql, " im JOIN ");
					wc_table(db, &sql, "woocommerce_order_items");
					sb_adds(&sql, " i ON i.order_item_id = im.order_item_id WHERE i.order_id IN (");
				} else {
					sb_adds(&sql, stmts[k].post);
				}
				sb_addf(&sql, "%s)", del.buf);
				rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
			}
		}
		if (rc == 0 && !db_dry_run(db))
			rc = wc_delete_markers(db, 1, done, ndone, err);
		sb_release(&del);
		free(done);
		if (db_dry_run(db) || !so->isolation) {
			if (rc < 0 || !n)
				break;
			continue;
		}
		if (rc < 0) {
			db_rollback(db);
			break;
		}
		if ((rc = db_commit(db, err)) < 0 || !n)
			break;
		committed = st->deleted;
	}
	if (rc < 0)
		st->deleted = committed;        /* a retried batch counts once */
	sb_release(&sql);
	return rc;
}

static void batch_report(struct db *db, struct bbatch *b, unsigned written, struct sync_stats_s *st)
{
	uint64_t *ok = xcalloc(b->n + 1, sizeof(*ok));
	unsigned n = 0;
	struct herr e;

	for (unsigned i = 0; i < b->n; i++) {
		struct bord *o = &b->o[i];
		struct strbuf ev = STRBUF_INIT;

		if (o->deferred)
			continue;
		if (!o->skip) {
			ok[n++] = o->id;
			continue;
		}
		st->skipped++;
		out_warning("Order %llu skipped: %s", (unsigned long long)o->id, o->reason);
		sb_addf(&ev, "\"order_id\":%llu,\"direction\":\"hpos_to_posts\",\"reason\":", (unsigned long long)o->id);
		sb_add_json_str(&ev, o->reason, strlen(o->reason));
		out_event("order_skipped", ev.buf);
		sb_release(&ev);
		if (!db_dry_run(db) && skipped_record(db, o->id, o->reason, &e) < 0)
			out_warning("could not record skipped order %llu: %s", (unsigned long long)o->id, e.msg);
	}
	if (!db_dry_run(db) && skipped_clear(db, ok, n, &e) < 0)
		out_warning("could not clear skipped-order records: %s", e.msg);
	free(ok);
	st->synced += written;
	st->batches++;
}

int sync_to_posts(struct db *db, const struct sync_opts *so, struct sync_stats_s *st, struct herr *err)
{
	uint64_t cursor = so->start_from ? so->start_from - 1 : 0, prev_cursor = 0, produced = 0, maxpkt = 0;
	double start = now_mono();
	unsigned replans = 0, seen_now = 0, deferred_now = 0;
	struct site site;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	rules_init();
	if (backfill_rules_check())
		return herr_set(err, HX_INTERNAL, "backfill: the write rules do not cover the column mapping");
	if (site_load(db, &site, err) < 0)
		return -1;
	if (db_get_u64(db, &maxpkt, NULL, err, "SELECT @@max_allowed_packet") < 0) {
		site_release(&site);
		return -1;
	}
	if (maxpkt > (2u << 20))
		packet_budget = (size_t)(maxpkt / 2 > (16u << 20) ? (16u << 20) : maxpkt / 2);
	srand((unsigned)(now_wall() * 1000));
	for (;;) {
		struct bbatch b;
		unsigned written = 0;
		double t0 = now_mono();

		if (hpos_interrupted) {
			st->stop_reason = 3;
			break;
		}
		if (so->max_runtime > 0 && now_mono() - start >= so->max_runtime) {
			st->stop_reason = 1;
			break;
		}
		if (so->max_batches && produced >= so->max_batches) {
			st->stop_reason = 2;
			break;
		}
		memset(&b, 0, sizeof(b));
		for (unsigned attempt = 0;; attempt++) {
			rc = select_ids(db, so, cursor, &b, err);
			if (rc == 0 && b.n)
				rc = load_batch(db, &b, err);
			if (rc == 0 || attempt >= so->max_retries)
				break;
			if (db_errclass(db) == DBE_LOST) {
				st->retries++;
				bbatch_reset(&b);
				if (runlock_reconnect(db, so->runlock_name, 1, so->max_retries, err) < 0)
					break;
			} else if (db_errclass(db) == DBE_RETRY) {
				st->retries++;
				bbatch_reset(&b);
				retry_backoff(attempt + 1);
			} else {
				break;
			}
		}
		if (rc < 0) {
			bbatch_reset(&b);
			break;
		}
		st->t_read += now_mono() - t0;
		if (b.n == 0) {
			bbatch_reset(&b);
			break;
		}
		prev_cursor = cursor;
		cursor = b.last_id;
		produced++;
		seen_now = b.n;
		deferred_now = 0;
		st->seen += b.n;
		for (unsigned i = 0; i < b.n; i++) {
			if (b.o[i].deferred)
				st->deferred++, deferred_now++;
			else
				plan_order(&site, &b, &b.o[i]);
		}
		for (unsigned i = 0; rc == 0 && i < b.n; i++)
			if (live_order(&b.o[i]))
				rc = plan_post_row(db, &site, &b, i, err);
		if (rc < 0) {
			bbatch_reset(&b);
			break;
		}
		t0 = now_mono();
		if (db_dry_run(db)) {
			for (unsigned i = 0; i < b.n; i++)
				written += live_order(&b.o[i]);
		} else if ((rc = write_retrying(db, so, &site, &b, &written, st, err)) != 0) {
			bbatch_reset(&b);
			if (rc < 0)
				break;
			if (++replans > so->max_retries) {
				rc = herr_set(err, HX_TEMPFAIL, "giving up after %u reconnects in one batch", replans);
				break;
			}
			cursor = prev_cursor;
			produced--;
			st->seen -= seen_now;
			st->deferred -= deferred_now;
			rc = 0;
			continue;
		}
		replans = 0;
		st->t_write += now_mono() - t0;
		batch_report(db, &b, written, st);
		bbatch_reset(&b);
		if (so->between && so->between(so->arg, st)) {
			st->stop_reason = 3;
			break;
		}
	}
	if (rc == 0 && !st->stop_reason && !hpos_interrupted && !so->nranges) {
		struct markers_arg ma = { db, so, &site, st };

		rc = retry_run_end(db, so->runlock_name, so->max_retries, &st->retries, markers_once, &ma, err);
	}
	/* WooCommerce's data store bumps the orders cache version on every
	 * order post it saves or deletes. */
	if (rc == 0 && !db_dry_run(db) && !db_sample(db) && (st->synced || st->deleted) && wc_orders_transient_bump(db, err) < 0)
		rc = -1;
	site_release(&site);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Partial backfill (`hposctl backfill ID --meta-keys/--props`).       */

static int order_source_exists(struct db *db, uint64_t id, int from_hpos, struct herr *err)
{
	uint64_t n;
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, from_hpos ? "wc_orders" : "posts");
	sb_addf(&sql, " WHERE %s = %llu", from_hpos ? "id" : "ID", (unsigned long long)id);
	if (!from_hpos)
		sb_adds(&sql, " AND post_type <> '" PLACEHOLDER_TYPE "'");
	rc = db_get_u64(db, &n, NULL, err, "%s", sql.buf);
	sb_release(&sql);
	return rc < 0 ? -1 : n > 0;
}

/* As sync: a warning from a write means the server altered the data
 * (non-strict truncation, a value cut or zeroed); the order's transaction
 * is rolled back. */
static int no_warnings(struct db *db, const char *what, struct herr *err)
{
	unsigned n = db_warning_count(db);

	if (db_dry_run(db) || !n)
		return 0;
	return herr_set(err, HX_PROBLEM, "the server reported %u warning(s) writing %s (the value would be altered, "
			"e.g. longer than its column); nothing was written", n, what);
}

static int copy_meta_key(struct db *db, uint64_t id, int to_posts, const char *key, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	/* Each listed key is deleted on the destination and re-added from
	 * every source value, in source order. */
	sb_adds(&sql, "DELETE FROM ");
	wc_table(db, &sql, to_posts ? "postmeta" : "wc_orders_meta");
	sb_addf(&sql, " WHERE %s = %llu AND CAST(meta_key AS BINARY) = ", to_posts ? "post_id" : "order_id", (unsigned long long)id);
	db_quote(db, &sql, key, strlen(key));
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	if (rc == 0) {
		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, to_posts ? "postmeta" : "wc_orders_meta");
		sb_addf(&sql, " (%s, meta_key, meta_value) SELECT %s, meta_key, COALESCE(meta_value, '') FROM ",
			to_posts ? "post_id" : "order_id", to_posts ? "order_id" : "post_id");
		wc_table(db, &sql, to_posts ? "wc_orders_meta" : "postmeta");
		sb_addf(&sql, " WHERE %s = %llu AND CAST(meta_key AS BINARY) = ", to_posts ? "order_id" : "post_id", (unsigned long long)id);
		db_quote(db, &sql, key, strlen(key));
		sb_addf(&sql, " ORDER BY %s", to_posts ? "id" : "meta_id");
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		if (rc == 0)
			rc = no_warnings(db, key, err);
	}
	sb_release(&sql);
	return rc;
}

/* HPOS -> posts for one property: its meta key with WooCommerce's format,
 * or its wp_posts column. */
static int prop_to_posts(struct db *db, const struct site *s, struct bbatch *b, struct bord *o, const char *prop,
			 struct herr *err)
{
	int r = find_rule(prop);
	struct strbuf sql = STRBUF_INIT;
	int rc = 0;

	if (r < 0) { /* a refund property */
		for (size_t i = 0; i < ARRAY_SIZE(refund_props); i++) {
			if (strcmp(prop, refund_props[i]))
				continue;
			const struct hmr *h = hm_first(b, o, refund_keys[i]);

			meta_delete(o, refund_keys[i], strlen(refund_keys[i]));
			if (h) {
				struct pmv *v = pm_add(o);

				v->key = refund_keys[i];
				v->klen = strlen(refund_keys[i]);
				v->val = h->val;
				v->vlen = h->vlen;
			}
		}
		return 0;
	}
	if (rules[r].rule == BF_POST) {
		const char *v = o->h[rule_ci[r]];
		size_t vl = v ? o->hl[rule_ci[r]] : 0;
		int64_t t;
		char loc[20];

		sb_adds(&sql, "UPDATE ");
		wc_table(db, &sql, "posts");
		if (!strcmp(prop, "status") || !strcmp(prop, "type") || !strcmp(prop, "customer_note")) {
			sb_addf(&sql, " SET %s = ", !strcmp(prop, "status") ? "post_status" : !strcmp(prop, "type") ?
				"post_type" : "post_excerpt");
			db_quote(db, &sql, v ? v : "", vl);
		} else if (!strcmp(prop, "parent_id")) {
			sb_addf(&sql, " SET post_parent = %llu", v ? strtoull(v, NULL, 10) : 0ULL);
		} else if ((!strcmp(prop, "date_created") || !strcmp(prop, "date_modified")) && parse_gmt(v, vl, &t)) {
			int created = !strcmp(prop, "date_created");

			epoch_local(s, t, loc);
			sb_addf(&sql, " SET %s = '%s', %s = '%.19s'", created ? "post_date" : "post_modified", loc,
				created ? "post_date_gmt" : "post_modified_gmt", v);
		} else {
			sb_release(&sql);
			return herr_set(err, HX_USAGE, "%s cannot be backfilled on its own", prop);
		}
		sb_addf(&sql, " WHERE ID = %llu", (unsigned long long)o->id);
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		sb_release(&sql);
		return rc;
	}
	{
		const struct colmap *c = &colmaps[rule_ci[r]];
		enum pkind k = prop_kind(&rules[r], c);
		char *want;

		if (rules[r].rule == BF_FLAG || rules[r].rule == BF_FLAG_TF) {
			int on = o->h[rule_ci[r]] && conv_bool(o->h[rule_ci[r]], o->hl[rule_ci[r]]);

			meta_update(o, c->meta_key, rules[r].rule == BF_FLAG ? (on ? "yes" : "no") : (on ? "true" : "false"));
			return 0;
		}
		want = hpos_prop(s, o, (unsigned)rule_ci[r], k);
		meta_update_or_delete(o, c->meta_key, want);
		free(want);
	}
	return 0;
}

/* posts -> HPOS for one property: the column, converted as the migration
 * converts it. */
static int prop_to_hpos(struct db *db, uint64_t id, const char *prop, struct herr *err)
{
	int r = find_rule(prop), ci;
	const struct colmap *c;
	struct strbuf sql = STRBUF_INIT, lit = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	const char *v = NULL;
	size_t vl = 0;
	int rc;

	if (r < 0) { /* refund properties live in wc_orders_meta */
		for (size_t i = 0; i < ARRAY_SIZE(refund_props); i++)
			if (!strcmp(prop, refund_props[i]))
				return copy_meta_key(db, id, 0, refund_keys[i], err);
		return herr_set(err, HX_USAGE, "%s is not a valid order property.", prop);
	}
	ci = rule_ci[r];
	c = &colmaps[ci];
	if (rules[r].rule == BF_NONE)
		return herr_set(err, HX_USAGE, "%s is not a valid order property.", prop);
	if (c->meta_key) {
		sb_adds(&sql, "SELECT meta_value FROM ");
		wc_table(db, &sql, "postmeta");
		sb_addf(&sql, " WHERE post_id = %llu AND CAST(meta_key AS BINARY) = ", (unsigned long long)id);
		db_quote(db, &sql, c->meta_key, strlen(c->meta_key));
		sb_adds(&sql, " ORDER BY meta_id LIMIT 1");
	} else {
		sb_addf(&sql, "SELECT %s FROM ", post_col_name[c->post_col]);
		wc_table(db, &sql, "posts");
		sb_addf(&sql, " WHERE ID = %llu", (unsigned long long)id);
	}
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	if (rc == 0 && db_fetch(res, &row)) {
		v = row.vals[0] ? row.vals[0] : "";
		vl = row.vals[0] ? row.lens[0] : 0;
	}
	/* The value WooCommerce's migrator would write (missing -> NULL),
	 * converted and checked as sync does: a value that does not fit is
	 * refused with the converter's reason, never cut or zeroed. */
	if (rc == 0) {
		struct ocv cv;
		int prec;

		if (!v) {
			sb_adds(&lit, "NULL");
		} else if ((rc = wc_rounding_precision(db, &prec, err)) == 0) {
			switch (orderconv((unsigned)ci, v, vl, prec, 0, &cv)) {
			case OCV_BAD:
				rc = herr_set(err, HX_PROBLEM, "%s; nothing was written", cv.why);
				break;
			case OCV_SET:
				if (cv.quote)
					db_quote(db, &lit, cv.s, cv.len);
				else
					sb_add(&lit, cv.s, cv.len);
				break;
			default:
				sb_adds(&lit, "NULL");
			}
		}
	}
	if (rc == 0) {
		sb_reset(&sql);
		if (c->mig == MIG_ORDER) {
			sb_adds(&sql, "UPDATE ");
			wc_table(db, &sql, "wc_orders");
			sb_addf(&sql, " SET `%s` = %s WHERE id = %llu", c->column, lit.buf, (unsigned long long)id);
		} else {
			/* The row may be missing: insert it (upsert on its unique key). */
			sb_adds(&sql, "INSERT INTO ");
			wc_table(db, &sql, mig_table[c->mig]);
			if (mig_address_type[c->mig])
				sb_addf(&sql, " (order_id, address_type, `%s`) VALUES (%llu, '%s', %s)", c->column,
					(unsigned long long)id, mig_address_type[c->mig], lit.buf);
			else
				sb_addf(&sql, " (order_id, `%s`) VALUES (%llu, %s)", c->column, (unsigned long long)id, lit.buf);
			db_upsert_clause(db, &sql);
			db_upsert_set(db, &sql, c->column);
		}
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		if (rc == 0)
			rc = no_warnings(db, prop, err);
	}
	db_free_result(res);
	sb_release(&sql);
	sb_release(&lit);
	return rc;
}

int backfill_partial(struct db *db, uint64_t id, int to_posts, char **meta_keys, unsigned nkeys, char **props,
		     unsigned nprops, struct herr *err)
{
	int rc = order_source_exists(db, id, to_posts, err);

	rules_init();
	if (rc <= 0)
		return rc < 0 ? -1 : 1;
	if (db_begin(db, "READ COMMITTED", err) < 0)
		return -1;
	for (unsigned i = 0; rc >= 0 && i < nkeys; i++)
		rc = copy_meta_key(db, id, to_posts, meta_keys[i], err);
	if (rc >= 0 && nprops && to_posts) {
		struct bbatch b;
		struct site s;

		memset(&b, 0, sizeof(b));
		b.o = xcalloc(1, sizeof(*b.o));
		b.o[0].id = id;
		b.n = 1;
		if (site_load(db, &s, err) < 0) {
			rc = -1;
		} else {
			rc = load_batch(db, &b, err);
			if (rc == 0 && !b.o[0].post_exists) {
				rc = herr_set(err, HX_PROBLEM, "order %llu has no post to backfill into; backfill the whole order first",
					      (unsigned long long)id);
			}
			for (unsigned i = 0; rc == 0 && i < nprops; i++)
				rc = prop_to_posts(db, &s, &b, &b.o[0], props[i], err);
			if (rc == 0) {
				/* Write only the meta changes: no post row, no placeholder. */
				struct bord *o = &b.o[0];
				struct strbuf sql = STRBUF_INIT;

				for (size_t j = 0; rc == 0 && j < o->npm; j++) {
					struct pmv *v = &o->pm[j];

					sb_reset(&sql);
					if (v->meta_id && v->dead) {
						sb_adds(&sql, "DELETE FROM ");
						wc_table(db, &sql, "postmeta");
						sb_addf(&sql, " WHERE meta_id = %llu", (unsigned long long)v->meta_id);
					} else if (v->meta_id && v->changed) {
						sb_adds(&sql, "UPDATE ");
						wc_table(db, &sql, "postmeta");
						sb_adds(&sql, " SET meta_value = ");
						db_quote(db, &sql, v->val, v->vlen);
						sb_addf(&sql, " WHERE meta_id = %llu", (unsigned long long)v->meta_id);
					} else if (!v->meta_id && !v->dead) {
						sb_adds(&sql, "INSERT INTO ");
						wc_table(db, &sql, "postmeta");
						sb_addf(&sql, " (post_id, meta_key, meta_value) VALUES (%llu, ", (unsigned long long)id);
						db_quote(db, &sql, v->key, v->klen);
						sb_addc(&sql, ',');
						db_quote(db, &sql, v->val, v->vlen);
						sb_addc(&sql, ')');
					} else {
						continue;
					}
					rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
				}
				sb_release(&sql);
			}
			site_release(&s);
		}
		bbatch_reset(&b);
	}
	if (rc >= 0 && !to_posts && nprops) {
		int there = order_source_exists(db, id, 1, err);

		if (there == 0)
			rc = herr_set(err, HX_PROBLEM, "order %llu is not in the HPOS tables; backfill the whole order first",
				      (unsigned long long)id);
		else if (there < 0)
			rc = -1;
	}
	for (unsigned i = 0; rc >= 0 && !to_posts && i < nprops; i++)
		rc = prop_to_hpos(db, id, props[i], err);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, err);
}
