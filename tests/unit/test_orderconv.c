/* test_orderconv.c - the shared value conversion (src/orderconv.c) that
 * sync quotes into SQL and verify compares with HPOS: one case per column
 * type, NULL/empty semantics, and the refusals sync skips orders for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mapping.h"
#include "orderconv.h"

static unsigned col(enum mig m, const char *name)
{
	int ci = mapping_find(m, name);

	assert_true(ci >= 0);
	return (unsigned)ci;
}

static void expect(enum mig m, const char *name, const char *raw, int res, const char *val, int quote)
{
	struct ocv v;
	int r = orderconv(col(m, name), raw, raw ? strlen(raw) : 0, 6, 0, &v);

	assert_int_equal(r, res);
	if (res == OCV_SET) {
		assert_int_equal(v.len, strlen(val));
		assert_memory_equal(v.s, val, v.len);
		assert_int_equal(v.quote, quote);
	}
}

static void test_types(void **state)
{
	(void)state;
	/* decimal: round(floatval, 6) printed with 6 decimals */
	expect(MIG_ORDER, "total_amount", "12.37", OCV_SET, "12.370000", 0);
	expect(MIG_ORDER, "total_amount", "7.1054273576E-15", OCV_SET, "0.000000", 0);
	expect(MIG_ORDER, "total_amount", "", OCV_SET, "0.000000", 0);
	expect(MIG_ORDER, "total_amount", NULL, OCV_SET, "0.000000", 0);
	/* int from meta: PHP (int) */
	expect(MIG_ORDER, "customer_id", "12abc", OCV_SET, "12", 0);
	expect(MIG_ORDER, "customer_id", "", OCV_SET, "0", 0);
	/* int from a post column: verbatim */
	expect(MIG_ORDER, "parent_order_id", "0", OCV_SET, "0", 0);
	/* bool */
	expect(MIG_OPDATA, "prices_include_tax", "yes", OCV_SET, "1", 0);
	expect(MIG_OPDATA, "prices_include_tax", "no", OCV_SET, "0", 0);
	expect(MIG_OPDATA, "prices_include_tax", NULL, OCV_SET, "0", 0);
	/* string: verbatim, quoted; NULL stays NULL, '' stays '' */
	expect(MIG_BILLING, "city", "Köln ", OCV_SET, "Köln ", 1);
	expect(MIG_BILLING, "city", "", OCV_SET, "", 1);
	expect(MIG_BILLING, "city", NULL, OCV_NULL, NULL, 0);
	/* date (post column): '' -> NULL; the zero date passes */
	expect(MIG_ORDER, "date_created_gmt", "2024-04-04 15:32:27", OCV_SET, "2024-04-04 15:32:27", 1);
	expect(MIG_ORDER, "date_created_gmt", "", OCV_NULL, NULL, 0);
	expect(MIG_ORDER, "date_created_gmt", "0000-00-00 00:00:00", OCV_SET, "0000-00-00 00:00:00", 1);
	/* epoch: '' -> NULL (a later duplicate may set it), else a UTC date */
	expect(MIG_OPDATA, "date_paid_gmt", "0", OCV_SET, "1970-01-01 00:00:00", 1);
	expect(MIG_OPDATA, "date_paid_gmt", "1712244747", OCV_SET, "2024-04-04 15:32:27", 1);
	expect(MIG_OPDATA, "date_paid_gmt", "", OCV_NULL, NULL, 0);
}

static void test_refusals(void **state)
{
	struct ocv v;
	char big[130];

	(void)state;
	/* a non-numeric timestamp: WooCommerce's DateTime throws */
	assert_int_equal(orderconv(col(MIG_OPDATA, "date_paid_gmt"), "2020-01-01", 10, 6, 0, &v), OCV_BAD);
	assert_non_null(strstr(v.why, "_date_paid"));
	/* varchar(10) currency: refused, unless truncation is allowed */
	assert_int_equal(orderconv(col(MIG_ORDER, "currency"), "ABCDEFGHIJK", 11, 6, 0, &v), OCV_BAD);
	assert_non_null(strstr(v.why, "varchar(10)"));
	assert_int_equal(orderconv(col(MIG_ORDER, "currency"), "ABCDEFGHIJK", 11, 6, 1, &v), OCV_SET);
	/* 10 characters of two bytes each fit varchar(10) */
	assert_int_equal(orderconv(col(MIG_ORDER, "currency"), "éééééééééé", 20, 6, 0, &v), OCV_SET);
	/* a decimal beyond decimal(26,8) */
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(orderconv(col(MIG_ORDER, "total_amount"), big, strlen(big), 6, 0, &v), OCV_BAD);
	/* a negative customer id does not fit bigint unsigned */
	assert_int_equal(orderconv(col(MIG_ORDER, "customer_id"), "-5", 2, 6, 0, &v), OCV_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
