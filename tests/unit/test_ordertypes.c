/* test_ordertypes.c - order_types: auto / explicit lists, and which types
 * hposctl writes back to posts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ordertypes.h"

static char *joined(const struct typelist *tl)
{
	struct strbuf sb = STRBUF_INIT;

	typelist_join(tl, ",", &sb);
	return sb.buf ? sb_detach(&sb) : strdup("");
}

static void expect_plan(const char *spec, const char *found_csv, const char *use, const char *left_out, int automatic)
{
	struct typelist found = { NULL, 0 };
	struct ordertypes ot;
	struct herr err = { 0, "" };
	char *u, *l;

	if (*found_csv)
		assert_int_equal(typelist_parse(&found, found_csv, &err), 0);
	assert_int_equal(ordertypes_plan(spec, &found, &ot, &err), 0);
	u = joined(&ot.use);
	l = joined(&ot.left_out);
	assert_string_equal(u, use);
	assert_string_equal(l, left_out);
	assert_int_equal(ot.automatic, automatic);
	free(u);
	free(l);
	ordertypes_release(&ot);
	typelist_release(&found);
}

static void test_plan(void **state)
{
	(void)state;
	/* auto: everything found */
	expect_plan("auto", "shop_order,shop_order_refund,shop_subscription",
		    "shop_order,shop_order_refund,shop_subscription", "", 1);
	expect_plan(NULL, "shop_order,shop_order_refund", "shop_order,shop_order_refund", "", 1);
	/* explicit: exactly the list; found types outside it are left out */
	expect_plan("shop_order,shop_order_refund", "shop_order,shop_order_refund,shop_subscription",
		    "shop_order,shop_order_refund", "shop_subscription", 0);
	expect_plan("shop_order", "shop_order,shop_order_refund,acme_order", "shop_order",
		    "shop_order_refund,acme_order", 0);
	/* an explicit type not present is kept (nothing to find there) */
	expect_plan("shop_order,ghost", "shop_order", "shop_order,ghost", "", 0);
	/* auto plus extra types, in either order; duplicates once */
	expect_plan("auto,acme_note", "shop_order,shop_order_refund", "shop_order,shop_order_refund,acme_note", "", 1);
	expect_plan("acme_note,auto,shop_order", "shop_order,shop_order_refund",
		    "shop_order,shop_order_refund,acme_note", "", 1);
}

static void plan_fails(const char *spec, const char *msg)
{
	struct typelist found = { NULL, 0 };
	struct ordertypes ot;
	struct herr err = { 0, "" };

	assert_int_equal(ordertypes_plan(spec, &found, &ot, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.code, HX_USAGE);
	ordertypes_release(&ot);
}

static void test_plan_errors(void **state)
{
	(void)state;
	plan_fails("", "the list of order types is empty");
	plan_fails("auto,", "invalid order type \"\" (expected letters, digits, '_' or '-', at most 20)");
	plan_fails("auto,shop order", "invalid order type \"shop order\" (expected letters, digits, '_' or '-', at most 20)");
	plan_fails("shop_order_placehold", "shop_order_placehold is WooCommerce's placeholder type and is never migrated");
	plan_fails("auto,shop_order_placehold", "shop_order_placehold is WooCommerce's placeholder type and is never migrated");
}

static void test_reversible(void **state)
{
	struct typelist in = { NULL, 0 }, ok, no;
	struct herr err = { 0, "" };
	char *a, *b;

	(void)state;
	assert_true(ordertype_reversible("shop_order"));
	assert_true(ordertype_reversible("shop_order_refund"));
	assert_false(ordertype_reversible("shop_subscription"));
	assert_false(ordertype_reversible("acme_order"));
	assert_non_null(strstr(ordertype_refusal_reason("shop_subscription"), "WCS_Subscription_Data_Store_CPT"));
	assert_int_equal(typelist_parse(&in, "shop_order,shop_subscription,shop_order_refund,acme_order", &err), 0);
	typelist_split_reversible(&in, &ok, &no);
	a = joined(&ok);
	b = joined(&no);
	assert_string_equal(a, "shop_order,shop_order_refund");
	assert_string_equal(b, "shop_subscription,acme_order");
	free(a);
	free(b);
	typelist_release(&in);
	typelist_release(&ok);
	typelist_release(&no);
}

static void test_known(void **state)
{
	(void)state;
	assert_int_equal(wc_known_order_type("shop_order"), 1);
	assert_int_equal(wc_known_order_type("shop_order_refund"), 2);
	assert_true(wc_known_order_type("shop_subscription") > 0);
	assert_int_equal(wc_known_order_type("shop_order_placehold"), 0);
	assert_int_equal(wc_known_order_type("product"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_reversible),
		cmocka_unit_test(test_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
