/* backfill_plan.c - what WooCommerce would write back, HPOS -> posts.
 *
 * From one read of both stores (backfill.c), the end state of each
 * order's post row and postmeta: the write rule of every mapped column,
 * the site settings that shape dates and prices, the property values as
 * WooCommerce's setters normalise them, the meta planning (custom keys
 * replaced, stale keys deleted, property meta when changed or missing,
 * address indexes, flags), slugs, titles and guids.  Nothing here writes
 * (the slug lookups only read). */
#include "hposctl.h"
#include "backfill.h"
#include "backfill_int.h"
#include "convert.h"
#include "mapping.h"
#include "orderconv.h"
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

/* In the order WooCommerce writes them. */
const struct bf_rule_ent rules[] = {
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

int rule_ci[ARRAY_SIZE(rules)]; /* colmaps index of each rule */
static int rules_ready;

/* Resolve each rule's column to its colmaps index (once). */
void rules_init(void)
{
	if (rules_ready)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rule_ci[i] = mapping_find(rules[i].mig, rules[i].column);
	rules_ready = 1;
}

/* Contract in backfill.h. */
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

/* The rule of WooCommerce property prop, or -1 (refund properties have
 * none: see refund_props). */
int find_rule(const char *prop)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].prop && !strcmp(rules[i].prop, prop))
			return (int)i;
	return -1;
}

const char *const refund_props[4] = { "amount", "refunded_by", "refunded_payment", "reason" };
const char *const refund_keys[4] = { "_refund_amount", "_refunded_by", "_refunded_payment", "_refund_reason" };

/* Contract in backfill.h. */
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

/* Contract in backfill.h. */
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

/* *yes: whether the WordPress table prefix+suffix exists.  0, or -1. */
static int table_exists(struct db *db, const char *suffix, int *yes, struct herr *err)
{
	uint64_t n;

	if (db_get_u64(db, &n, NULL, err, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
		       "AND TABLE_NAME = '%s%s'", db_prefix(db), suffix) < 0)
		return -1;
	*yes = n > 0;
	return 0;
}

/* Read the site settings backfill needs into *s (the strings are owned
 * by s: site_release()).  With a named timezone, TZ is set for the
 * process until site_release() puts it back.  0, or -1 with err set. */
int site_load(struct db *db, struct site *s, struct herr *err)
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

/* Undo site_load(): TZ as it was, the strings freed, *s zeroed. */
void site_release(struct site *s)
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
/* "Y-m-d H:i:s" (v[0..len), at least 19 bytes) into *tm as mktime()
 * takes it (years since 1900, months from 0).  1, or 0 if it is not one. */
static int scan_datetime(const char *v, size_t len, struct tm *tm)
{
	char buf[32];

	if (!v || len < 19 || len >= sizeof(buf))
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	memset(tm, 0, sizeof(*tm));
	if (sscanf(buf, "%d-%d-%d %d:%d:%d", &tm->tm_year, &tm->tm_mon, &tm->tm_mday, &tm->tm_hour, &tm->tm_min,
		   &tm->tm_sec) != 6 || tm->tm_year < 1 || tm->tm_mon < 1)
		return 0;
	tm->tm_year -= 1900;
	tm->tm_mon -= 1;
	return 1;
}

int parse_gmt(const char *v, size_t len, int64_t *t)
{
	struct tm tm;

	if (!scan_datetime(v, len, &tm))
		return 0;
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
void epoch_local(const struct site *s, int64_t t, char out[20])
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

	if (!s->use_tz) {
		if (!parse_gmt(v, len, t))
			return 0;
		*t -= s->offset;
		return 1;
	}
	if (!scan_datetime(v, len, &tm))
		return 0;
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

/* Mark order o skipped with a reason (printf format, kept in o->reason);
 * the first reason stays. */
void bskip(struct bord *o, const char *fmt, ...)
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

/* A new, zeroed postmeta row at the end of o->pm (to be inserted unless
 * the caller gives it a meta_id).  The pointer is valid until the next
 * pm_add() on o. */
struct pmv *pm_add(struct bord *o)
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

/* Give row v a new value (copied, owned by v) and mark it changed, unless
 * it already holds it. */
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
int meta_update(struct bord *o, const char *key, const char *val)
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

/* delete_post_meta(): every live row of key dies.  Whether there was one. */
int meta_delete(struct bord *o, const char *key, size_t kl)
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
int meta_update_or_delete(struct bord *o, const char *key, const char *val)
{
	if (!*val)
		return meta_delete(o, key, strlen(key));
	return meta_update(o, key, val);
}

/* The value format of rule r's property (from its column type; total and
 * order_key have their own). */
enum pkind prop_kind(const struct bf_rule_ent *r, const struct colmap *c)
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

/* The property value of colmaps[ci] as WooCommerce holds it after
 * reading the HPOS order (NULL -> the property's default), in format k:
 * the string update_post_meta would store ('' = delete).  Allocated;
 * the caller frees it. */
char *hpos_prop(const struct site *s, const struct bord *o, unsigned ci, enum pkind k)
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

/* The first HPOS meta row of key for order o, or NULL. */
const struct hmr *hm_first(const struct bbatch *b, const struct bord *o, const char *key)
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

/* mapping_address_index()'s field reader over an order's HPOS values
 * (ctx a struct bord); NULL for SQL NULL. */
static const char *index_field(const void *ctx, unsigned ci, size_t *len)
{
	const struct bord *o = ctx;

	if (!o->h[ci] && (int)ci == mapping_find(MIG_BILLING, "email"))
		ci = (unsigned)mapping_find(MIG_ORDER, "billing_email"); /* the order's email stays */
	*len = o->h[ci] ? o->hl[ci] : 0;
	return o->h[ci];
}

/* The _billing/_shipping_address_index value of address m, appended to sb. */
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

/* qsort comparators of index arrays into sort_hm / sort_pm (set by the
 * caller): by key, then by position. */
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

/* The checks WooCommerce's backfill needs of the HPOS order: a wc_orders
 * row, a type, a creation date (*created).  0, or -1 with o skipped. */
static int plan_can_backfill(struct bord *o, int64_t *created)
{
	int ci_type = mapping_find(MIG_ORDER, "type"), ci_created = mapping_find(MIG_ORDER, "date_created_gmt");

	if (!o->h) {
		bskip(o, "the order is not in wc_orders");
		return -1;
	}
	if (!o->h[ci_type] || !*o->h[ci_type]) {
		bskip(o, "wc_orders.type is empty");
		return -1;
	}
	if (!parse_gmt(o->h[ci_created], o->hl[ci_created], created)) {
		bskip(o, "wc_orders.date_created_gmt is %s: WooCommerce cannot backfill an order without a creation date",
		      o->h[ci_created] ? o->h[ci_created] : "NULL");
		return -1;
	}
	return 0;
}

/* The post row's fields from the HPOS order: type, status, parent, excerpt
 * (the customer note; none for refunds), post_date and post_modified in
 * GMT and site-local (no date_updated_gmt: the creation date).  The
 * strings point into o->h. */
static void plan_post_fields(const struct site *s, struct bord *o, int64_t created)
{
	int ci_status = mapping_find(MIG_ORDER, "status"), ci_type = mapping_find(MIG_ORDER, "type");
	int ci_updated = mapping_find(MIG_ORDER, "date_updated_gmt"), ci_parent = mapping_find(MIG_ORDER, "parent_order_id");
	int ci_note = mapping_find(MIG_ORDER, "customer_note");
	size_t ul;
	const char *u;
	int64_t modified;

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
	u = null_read(s, o, (unsigned)ci_updated, &ul); /* NULL: the creation date */
	if (parse_gmt(u, ul, &modified)) {
		memcpy(o->mod_gmt, u, 19);
		o->mod_gmt[19] = '\0';
	} else {
		modified = created;
		epoch_gmt(modified, o->mod_gmt);
	}
	epoch_local(s, modified, o->mod);
}

/* Key-sorted indexes of one order's two meta sides: hs[0..nh) the custom
 * keys of its HPOS meta (positions in b->hm), ps[0..np) its original
 * postmeta rows (positions in o->pm).  Owned by the caller: meta_idx_free(). */
struct meta_idx {
	size_t *hs, nh, *ps, np;
};

/* Build both indexes of order o (before anything is added to o->pm). */
static void meta_idx_build(const struct bbatch *b, const struct bord *o, struct meta_idx *x)
{
	x->nh = x->np = 0;
	x->hs = xcalloc(o->hm_hi - o->hm_lo + 1, sizeof(*x->hs));
	x->ps = xcalloc(o->npm + 1, sizeof(*x->ps));
	for (size_t i = o->hm_lo; i < o->hm_hi; i++)
		if (hpos_custom_key(b->hm[i].key, b->hm[i].klen, o->refund))
			x->hs[x->nh++] = i;
	for (size_t i = 0; i < o->npm; i++)
		if (o->pm[i].meta_id)
			x->ps[x->np++] = i;
	sort_hm = b->hm;
	qsort(x->hs, x->nh, sizeof(*x->hs), hm_idx_cmp);
	sort_pm = o->pm;
	qsort(x->ps, x->np, sizeof(*x->ps), pm_idx_cmp);
}

static void meta_idx_free(struct meta_idx *x)
{
	free(x->hs);
	free(x->ps);
}

/* 1. Each custom key of the HPOS order replaces the post's: all the
 * post's rows of the key die, all the order's values are added (in id
 * order; keys in order of first appearance).  The added rows point into
 * b->hm. */
static void replace_custom_keys(const struct bbatch *b, struct bord *o, const struct meta_idx *x)
{
	for (size_t i = o->hm_lo; i < o->hm_hi; i++) {
		const struct hmr *h = &b->hm[i];
		size_t lo = hm_lower(b->hm, x->hs, x->nh, h->key, h->klen), plo;

		if (lo >= x->nh || x->hs[lo] != i)
			continue; /* not custom, or not the key's first row */
		plo = pm_lower(o->pm, x->ps, x->np, h->key, h->klen);
		for (; plo < x->np && key_eq(o->pm[x->ps[plo]].key, o->pm[x->ps[plo]].klen, h->key, h->klen); plo++)
			o->pm[x->ps[plo]].dead = 1;
		for (size_t j = lo; j < x->nh && key_eq(b->hm[x->hs[j]].key, b->hm[x->hs[j]].klen, h->key, h->klen); j++) {
			const struct hmr *src = &b->hm[x->hs[j]];
			struct pmv *v = pm_add(o);

			v->key = src->key;
			v->klen = src->klen;
			v->val = src->val;
			v->vlen = src->vlen;
		}
	}
}

/* 2. Keys the order no longer has are deleted from the first norig
 * (original) postmeta rows, except the posts store's internal keys and
 * deletion markers. */
static void delete_stale_keys(const struct bbatch *b, struct bord *o, const struct meta_idx *x, size_t norig)
{
	for (size_t i = 0; i < norig; i++) {
		struct pmv *v = &o->pm[i];
		size_t lo;

		if (v->dead || !v->meta_id || cpt_internal_key(v->key, v->klen, o->refund) || is_marker_key(v->key, v->klen))
			continue;
		lo = hm_lower(b->hm, x->hs, x->nh, v->key, v->klen);
		if (!(lo < x->nh && key_eq(b->hm[x->hs[lo]].key, b->hm[x->hs[lo]].klen, v->key, v->klen)))
			v->dead = 1;
	}
}

/* Steps 1 and 2 through key-sorted indexes of the two sides, so that an
 * order with 100k meta rows costs n log n, not n * m. */
static void plan_custom_meta(const struct bbatch *b, struct bord *o)
{
	size_t norig = o->npm;
	struct meta_idx x;

	meta_idx_build(b, o, &x);
	replace_custom_keys(b, o, &x);
	delete_stale_keys(b, o, &x, norig);
	meta_idx_free(&x);
}

/* Which property writes happened (they gate steps 4 and 5). */
struct prop_updates {
	int billing, shipping, paid, completed;
};

/* 3. Property meta (BF_PROP, BF_ABS; refunds only BF_ABS): written when
 * the value changed or the key is missing; '' deletes.  *u records which
 * writes WordPress would report as updates. */
static void plan_prop_meta(const struct site *s, struct bord *o, struct prop_updates *u)
{
	memset(u, 0, sizeof(*u));
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
			u->billing |= upd && c->mig == MIG_BILLING;
			u->shipping |= upd && c->mig == MIG_SHIPPING;
			u->paid |= upd && !strcmp(c->meta_key, "_date_paid");
			u->completed |= upd && !strcmp(c->meta_key, "_date_completed");
		}
		free(want);
		free(have);
	}
}

/* 4. Address index keys: when the address changed or the key is missing. */
static void plan_address_indexes(struct bord *o, const struct prop_updates *u)
{
	struct strbuf sb = STRBUF_INIT;

	if (u->billing || pm_live_count(o, "_billing_address_index") == 0) {
		address_index(o, MIG_BILLING, &sb);
		meta_update(o, "_billing_address_index", sb.buf ? sb.buf : "");
	}
	sb_reset(&sb);
	if (u->shipping || pm_live_count(o, "_shipping_address_index") == 0) {
		address_index(o, MIG_SHIPPING, &sb);
		meta_update(o, "_shipping_address_index", sb.buf ? sb.buf : "");
	}
	sb_release(&sb);
}

/* A pre-3.0 date key (site-local; '' without a date) from a GMT column. */
static void legacy_date(const struct site *s, struct bord *o, const char *column, const char *key)
{
	int ci = mapping_find(MIG_OPDATA, column);
	char buf[20];
	int64_t t;

	buf[0] = '\0';
	if (parse_gmt(o->h[ci], o->hl[ci], &t))
		epoch_local(s, t, buf);
	meta_update(o, key, buf);
}

/* 6. The data-store flags, always: yes/no, or true/false (BF_FLAG_TF). */
static void plan_flags(struct bord *o)
{
	for (size_t r = 0; r < ARRAY_SIZE(rules); r++) {
		int ci = rule_ci[r], on;

		if (rules[r].rule != BF_FLAG && rules[r].rule != BF_FLAG_TF)
			continue;
		on = o->h[ci] && conv_bool(o->h[ci], o->hl[ci]);
		meta_update(o, colmaps[ci].meta_key, rules[r].rule == BF_FLAG ? (on ? "yes" : "no") : (on ? "true" : "false"));
	}
}

/* Compute the end state of one order's post row and postmeta in o, in
 * the order WooCommerce's backfill writes them: custom meta, trash slug,
 * property meta, then for orders the address indexes, pre-3.0 dates and
 * flags (refunds: their four properties).  An order WooCommerce cannot
 * backfill is skipped (o->skip, o->reason).  Nothing is read or written
 * here; the slug, title and guid come after (plan_post_row). */
void plan_order(const struct site *s, const struct bbatch *b, struct bord *o)
{
	struct prop_updates u;
	int64_t created;

	if (plan_can_backfill(o, &created) < 0)
		return;
	plan_post_fields(s, o, created);
	plan_custom_meta(b, o);
	/* The post row goes through wp_update_post(): trash and untrash. */
	plan_trash(o);
	plan_prop_meta(s, o, &u);
	if (o->refund) {
		plan_refund_props(b, o);
		return;
	}
	plan_address_indexes(o, &u);
	/* 5. The pre-3.0 keys, site-local, when the date was written. */
	if (u.paid)
		legacy_date(s, o, "date_paid_gmt", "_paid_date");
	if (u.completed)
		legacy_date(s, o, "date_completed_gmt", "_completed_date");
	plan_flags(o);
}

/* Whether order o is to be written now: not deferred, not skipped, not
 * held back (write_one_by_one()). */
int live_order(const struct bord *o)
{
	return !o->deferred && !o->skip && !o->hold;
}

/* The guid WordPress gives a new post of type for order o, appended to
 * sb (not yet re-escaped). */
void guid(const struct site *s, const struct bord *o, const char *type, struct strbuf *sb)
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
int plan_post_row(struct db *db, const struct site *s, struct bbatch *b, unsigned oi, struct herr *err)
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
