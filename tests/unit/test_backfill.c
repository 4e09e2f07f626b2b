/* Unit tests for the reverse direction's rules: every column of the one
 * mapping has exactly one write-back rule; argument checks of backfill. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <signal.h>

#include "backfill.h"
#include "mapping.h"

/* Defined by main.c in the program. */
_Atomic int hpos_interrupted;

static void test_rules_cover_mapping(void **state)
{
	(void)state;
	assert_int_equal(backfill_rules_check(), 0);
}

static void test_props(void **state)
{
	static const char *const known[] = { "status", "billing_first_name", "shipping_phone", "total", "cart_tax",
					     "order_key", "date_paid", "new_order_email_sent", "amount", "reason",
					     "refunded_by", "refunded_payment", "customer_note", "parent_id" };
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_true(backfill_prop_known(known[i]));
	assert_false(backfill_prop_known("shipping_email")); /* no such property */
	assert_false(backfill_prop_known("bogus"));
	assert_false(backfill_prop_known("Status"));
}

static void test_internal_keys(void **state)
{
	(void)state;
	/* Every mapped key is internal... */
	for (unsigned i = 0; i < ncolmaps; i++)
		if (colmaps[i].meta_key)
			assert_true(backfill_internal_key(colmaps[i].meta_key));
	/* ...and so are the store's own keys; custom meta is not. */
	assert_true(backfill_internal_key("_billing_address_index"));
	assert_true(backfill_internal_key("_paid_date"));
	assert_true(backfill_internal_key("_refund_amount"));
	assert_false(backfill_internal_key("gift_message"));
	assert_false(backfill_internal_key("_wp_trash_meta_status"));
	assert_false(backfill_internal_key("_Order_total")); /* byte-exact */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_cover_mapping),
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_internal_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
