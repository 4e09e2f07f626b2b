/* Unit tests for the WordPress / WooCommerce text rules of the reverse sync
 * (wprules.c) and the one NULL rule (mapping_null_reads_as), each pinned
 * to a value real WooCommerce 9.9.5 / WordPress 6.8 wrote into the
 * wc-9.9.5-reverse fixture or to the PHP function's documented behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <signal.h>

#include "mapping.h"
#include "util.h"
#include "wprules.h"

/* Defined by main.c in the program. */
_Atomic int hpos_interrupted;

static void eq_free(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

static void test_order_title(void **state)
{
	(void)state;
	eq_free(wp_order_title("2026-02-14 09:30:00"), "Order &ndash; February 14, 2026 @ 09:30 AM");
	eq_free(wp_order_title("2026-12-06 01:20:44"), "Order &ndash; December 6, 2026 @ 01:20 AM");
	eq_free(wp_order_title("2025-11-30 23:59:59"), "Order &ndash; November 30, 2025 @ 11:59 PM");
	eq_free(wp_order_title("2026-02-20 12:00:00"), "Order &ndash; February 20, 2026 @ 12:00 PM");
	eq_free(wp_order_title("2026-02-20 00:05:00"), "Order &ndash; February 20, 2026 @ 12:05 AM");
	eq_free(wp_order_title("garbage"), "Order");
}

static void test_sanitize_title(void **state)
{
	const char *t = "Order &ndash; February 14, 2026 @ 09:30 AM";

	(void)state;
	eq_free(wp_sanitize_title(t, strlen(t)), "order-february-14-2026-0930-am");
	eq_free(wp_sanitize_title("order-nov-21-2026-1110-am-116", 29), "order-nov-21-2026-1110-am-116");
	eq_free(wp_sanitize_title("slug__trashed", 13), "slug__trashed");
	eq_free(wp_sanitize_title("  A.b/C <b>x</b> 50% off!", 25), "a-b-c-x-50-off");
	eq_free(wp_sanitize_title("caf\xc3\xa9", 5), "caf%c3%a9");
	eq_free(wp_sanitize_title("en\xe2\x80\x93" "dash", 9), "en-dash");
	eq_free(wp_sanitize_title("%41%zz", 6), "%41zz");
	eq_free(wp_sanitize_title("", 0), "");
}

static void test_guid(void **state)
{
	const char *g = "http://localhost/?post_type=shop_order_placehold&p=252";
	const char *done = "http://localhost/?post_type=shop_order_placehold&#038;p=252";
	const char *odd = "HTTP://x.test/a b?c='d'&amp;e=<f>";
	const char *js = "javascript:alert(1)";

	(void)state;
	eq_free(wp_guid_reescape(g, strlen(g)), done);
	eq_free(wp_guid_reescape(done, strlen(done)), done); /* idempotent */
	eq_free(wp_guid_reescape(odd, strlen(odd)), "http://x.test/a%20b?c=&#039;d&#039;&#038;e=f");
	eq_free(wp_guid_reescape(js, strlen(js)), "");
	eq_free(wp_guid_reescape("x.test/?p=1", 11), "http://x.test/?p=1");
	eq_free(wp_guid_reescape("", 0), "");
}

static void test_decimal(void **state)
{
	(void)state;
	eq_free(wc_format_decimal_str("24.00000000", 11, 1), "24");
	eq_free(wc_format_decimal_str("3.45000000", 10, 1), "3.45");
	eq_free(wc_format_decimal_str("7.50000000", 10, 1), "7.5");
	eq_free(wc_format_decimal_str("0.00000000", 10, 1), "0");
	eq_free(wc_format_decimal_str("-10.00000000", 12, 1), "-10");
	eq_free(wc_format_decimal_str("-4.95000000", 11, 1), "-4.95");
	eq_free(wc_format_decimal_str("100", 3, 1), "100");
	eq_free(wc_format_decimal_str("24.00000000", 11, 0), "24.00000000");
	eq_free(wc_format_decimal_str("1.2.5", 5, 0), "12.5");
}

static void test_null_rule(void **state)
{
	struct null_ctx nx = { "USD", "2025-12-24 18:30:00", 19 };
	size_t len;
	const char *v;

	(void)state;
	v = mapping_null_reads_as(&colmaps[mapping_find(MIG_ORDER, "currency")], &nx, &len);
	assert_non_null(v);
	assert_int_equal(len, 3);
	assert_memory_equal(v, "USD", 3);
	v = mapping_null_reads_as(&colmaps[mapping_find(MIG_ORDER, "date_updated_gmt")], &nx, &len);
	assert_non_null(v);
	assert_memory_equal(v, "2025-12-24 18:30:00", 19);
	v = mapping_null_reads_as(&colmaps[mapping_find(MIG_ORDER, "total_amount")], &nx, &len);
	assert_string_equal(v, "0");
	v = mapping_null_reads_as(&colmaps[mapping_find(MIG_OPDATA, "recorded_sales")], &nx, &len);
	assert_string_equal(v, "0");
	v = mapping_null_reads_as(&colmaps[mapping_find(MIG_BILLING, "company")], &nx, &len);
	assert_string_equal(v, "");
	assert_int_equal(len, 0);
	assert_null(mapping_null_reads_as(&colmaps[mapping_find(MIG_OPDATA, "date_paid_gmt")], &nx, &len));
	assert_null(mapping_null_reads_as(&colmaps[mapping_find(MIG_ORDER, "date_created_gmt")], &nx, &len));
}

static const char *vals_get(const void *ctx, unsigned ci, size_t *len)
{
	const char *const *v = ctx;

	*len = v[ci] ? strlen(v[ci]) : 0;
	return v[ci];
}

static void test_address_index(void **state)
{
	const char **v = calloc(ncolmaps, sizeof(*v));
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	v[mapping_find(MIG_BILLING, "email")] = "customer25@example.com";
	mapping_address_index(MIG_BILLING, vals_get, v, &sb);
	assert_string_equal(sb.buf, "         customer25@example.com "); /* WooCommerce's, order 101 */
	sb_reset(&sb);
	mapping_address_index(MIG_SHIPPING, vals_get, v, &sb);
	assert_string_equal(sb.buf, "         "); /* no email in the shipping index */
	sb_release(&sb);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_title),
		cmocka_unit_test(test_sanitize_title),
		cmocka_unit_test(test_guid),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_null_rule),
		cmocka_unit_test(test_address_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
