/* Unit tests for pure logic: option parsing, the mapping table, util. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"
#include "opts.h"
#include "orderread.h"
#include "syncstate.h"
#include "util.h"

#include <signal.h>
#include <sys/prctl.h>

_Atomic int hpos_interrupted;

static void test_opts_forms(void **state)
{
	uint64_t n = 0;
	const char *s = NULL;
	int flag = 0, neg = 1, seen = 0;
	double d = 0;
	const struct opt opts[] = {
		{ "batch-size", 0, OPT_UINT, &n, "N", "", &seen },
		{ "name", 'n', OPT_STR, &s, "S", "", NULL },
		{ "dry-run", 0, OPT_FLAG, &flag, NULL, "", NULL },
		{ "transactions", 0, OPT_FLAG, &neg, NULL, "", NULL },
		{ "max-runtime", 0, OPT_DURATION, &d, "D", "", NULL },
		{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
	};
	char a0[] = "pos1", a1[] = "--batch-size=25", a2[] = "-n", a3[] = "x y", a4[] = "--dry-run",
	     a5[] = "--no-transactions", a6[] = "--max-runtime", a7[] = "1h30m", a8[] = "--", a9[] = "--dry-run";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL };
	int argc = 10;
	struct herr err;

	(void)state;
	assert_int_equal(opts_parse(opts, &argc, argv, 0, &err), 0);
	assert_int_equal(n, 25);
	assert_int_equal(seen, 1);
	assert_string_equal(s, "x y");
	assert_int_equal(flag, 1);
	assert_int_equal(neg, 0);
	assert_true(d == 5400.0);
	/* positionals kept in order; "--dry-run" after "--" is positional */
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "pos1");
	assert_string_equal(argv[1], "--dry-run");
}

static void test_opts_errors(void **state)
{
	uint64_t n = 0;
	int flag = 0;
	const struct opt opts[] = {
		{ "batch-size", 0, OPT_UINT, &n, "N", "", NULL },
		{ "dry-run", 0, OPT_FLAG, &flag, NULL, "", NULL },
		{ "dbpass", 0, OPT_REJECT, NULL, NULL, "never on the command line", NULL },
		{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
	};
	struct herr err;
	char b1[] = "--batch-sise=3", b2[] = "--batch-size=-1", b3[] = "--batch-size", b4[] = "--dry-run=yes",
	     b5[] = "--dbpass", b6[] = "--x";
	char *v1[] = { b1, NULL }, *v2[] = { b2, NULL }, *v3[] = { b3, NULL }, *v4[] = { b4, NULL },
	     *v5[] = { b5, NULL }, *v6[] = { b6, NULL };
	int c;

	(void)state;
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v1, 0, &err), -1);
	assert_int_equal(err.code, HX_USAGE);
	assert_string_equal(err.msg, "unknown option --batch-sise. Did you mean '--batch-size'?");
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v2, 0, &err), -1);
	assert_string_equal(err.msg, "--batch-size expects a non-negative integer, got \"-1\"");
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v3, 0, &err), -1);
	assert_string_equal(err.msg, "--batch-size requires a value");
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v4, 0, &err), -1);
	assert_string_equal(err.msg, "--dry-run does not take a value");
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v5, 0, &err), -1);
	assert_string_equal(err.msg, "--dbpass is not supported: never on the command line");
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v6, 1, &err), 0); /* keep_unknown */
	assert_int_equal(c, 1);
	assert_string_equal(v6[0], "--x");
}

/* An unknown option is named, its value never echoed (it may be a password). */
static void test_opts_unknown_hides_value(void **state)
{
	int flag = 0;
	const struct opt opts[] = {
		{ "db-password-file", 0, OPT_FLAG, &flag, NULL, "", NULL },
		{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
	};
	struct herr err;
	char b1[] = "--db-password=hunter2secret", b2[] = "--zzzzzzzzzzzz=hunter2secret", b3[] = "-phunter2secret";
	char *v1[] = { b1, NULL }, *v2[] = { b2, NULL }, *v3[] = { b3, NULL };
	int c;

	(void)state;
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v1, 0, &err), -1);
	assert_null(strstr(err.msg, "hunter2"));
	assert_non_null(strstr(err.msg, "--db-password"));
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v2, 0, &err), -1);
	assert_string_equal(err.msg, "unknown option --zzzzzzzzzzzz");
	c = 1;
	assert_int_equal(opts_parse(opts, &c, v3, 0, &err), -1);
	assert_string_equal(err.msg, "unknown option -p");
}

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(edit_distance("sync", "sync"), 0);
	assert_int_equal(edit_distance("sycn", "sync"), 2);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("status", "stats"), 1);
}

/* Every meta key WooCommerce maps to a column, and only those, must be kept
 * out of wc_orders_meta: 47 distinct keys, _billing_email feeding two. */
static void test_mapping_keys(void **state)
{
	static const char *const mapped[] = {
		"_order_currency", "_order_tax", "_order_total", "_customer_user", "_billing_email",
		"_payment_method", "_payment_method_title", "_customer_ip_address", "_customer_user_agent",
		"_transaction_id", "_billing_first_name", "_billing_last_name", "_billing_company",
		"_billing_address_1", "_billing_address_2", "_billing_city", "_billing_state",
		"_billing_postcode", "_billing_country", "_billing_phone", "_shipping_first_name",
		"_shipping_last_name", "_shipping_company", "_shipping_address_1", "_shipping_address_2",
		"_shipping_city", "_shipping_state", "_shipping_postcode", "_shipping_country",
		"_shipping_email", "_shipping_phone", "_created_via", "_order_version", "_prices_include_tax",
		"_recorded_coupon_usage_counts", "_download_permissions_granted", "_cart_hash",
		"_new_order_email_sent", "_order_key", "_order_stock_reduced", "_date_paid", "_date_completed",
		"_order_shipping_tax", "_order_shipping", "_cart_discount_tax", "_cart_discount", "_recorded_sales",
	};
	static const char *const unmapped[] = {
		"_paid_date", "_completed_date", "_billing_address_index", "_shipping_address_index",
		"_edit_lock", "_edit_last", "_payment_tokens", "_refund_amount", "_refund_reason",
		"_wp_trash_meta_status", "is_vat_exempt", "_Billing_city", "_billing_city ", "_ORDER_KEY",
		"_order_key\n", "billing_city", "", "_",
	};
	unsigned idx[2], total = 0;

	(void)state;
	assert_int_equal(ARRAY_SIZE(mapped), 47);
	for (size_t i = 0; i < ARRAY_SIZE(mapped); i++) {
		unsigned n = mapping_lookup(mapped[i], strlen(mapped[i]), idx);

		assert_true(n >= 1);
		assert_string_equal(colmaps[idx[0]].meta_key, mapped[i]);
		total += n;
	}
	assert_int_equal(total, 48); /* _billing_email twice */
	assert_int_equal(mapping_lookup("_billing_email", 14, idx), 2);
	assert_string_equal(colmaps[idx[0]].column, "billing_email");
	assert_int_equal(colmaps[idx[1]].mig, MIG_BILLING);
	assert_string_equal(colmaps[idx[1]].column, "email");
	for (size_t i = 0; i < ARRAY_SIZE(unmapped); i++)
		assert_int_equal(mapping_lookup(unmapped[i], strlen(unmapped[i]), idx), 0);
	/* every meta-sourced entry is reachable by lookup */
	for (unsigned i = 0; i < ncolmaps; i++)
		if (colmaps[i].meta_key)
			assert_true(mapping_lookup(colmaps[i].meta_key, strlen(colmaps[i].meta_key), idx) >= 1);
}

static void test_mapping_columns(void **state)
{
	int i;

	(void)state;
	i = mapping_find(MIG_ORDER, "currency");
	assert_true(i >= 0);
	assert_int_equal(colmaps[i].varchar, 10);
	i = mapping_find(MIG_OPDATA, "date_paid_gmt");
	assert_int_equal(colmaps[i].type, CT_EPOCH);
	i = mapping_find(MIG_ORDER, "customer_note");
	assert_int_equal(colmaps[i].post_col, PC_EXCERPT);
	assert_int_equal(colmaps[i].text, 1);
	i = mapping_find(MIG_SHIPPING, "postcode");
	assert_int_equal(colmaps[i].type, CT_STRING);
	assert_int_equal(mapping_find(MIG_ORDER, "no_such_column"), -1);
	assert_string_equal(mig_table[MIG_SHIPPING], "wc_order_addresses");
	assert_string_equal(mig_address_type[MIG_SHIPPING], "shipping");
}

/* The default run-lock name is cut at 64 bytes on a character boundary. */
static void test_runlock_name_utf8(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	/* "hposctl:" (8) + 27 x "é" (54) = 62 bytes, then ":" and the prefix */
	char db[64] = "";

	(void)state;
	for (int i = 0; i < 27; i++)
		strcat(db, "\xc3\xa9");
	runlock_name_for(NULL, db, "wp_", &sb);
	assert_int_equal(sb.len, 64);
	sb_reset(&sb);
	/* "hposctl:x" (9) + 27 x "é" = 63 bytes: a 64-byte cut would split an é */
	db[0] = 'x';
	db[1] = '\0';
	for (int i = 0; i < 28; i++)
		strcat(db, "\xc3\xa9");
	runlock_name_for(NULL, db, "wp_", &sb);
	assert_int_equal(sb.len, 63);
	assert_int_equal((unsigned char)sb.buf[sb.len - 1], 0xa9);
	sb_release(&sb);
	assert_int_equal(utf8_cut("ab\xe2\x82\xac", 5, 4), 2);
	assert_int_equal(utf8_cut("ab\xe2\x82\xac", 5, 5), 5);
	assert_int_equal(utf8_cut("abc", 3, 2), 2);
}

/* Which connection charsets can carry which column charsets. */
static void test_charset_covers(void **state)
{
	(void)state;
	assert_true(charset_covers("utf8mb4", "latin1"));
	assert_true(charset_covers("utf8mb4", "utf8mb4"));
	assert_true(charset_covers("latin1", "latin1"));
	assert_true(charset_covers("latin1", "ascii"));
	assert_true(charset_covers("utf8mb3", "latin1"));
	assert_true(charset_covers("utf8", "utf8mb3"));
	assert_false(charset_covers("latin1", "utf8mb4"));
	assert_false(charset_covers("utf8mb3", "utf8mb4"));
	assert_false(charset_covers("latin1", "cp1251"));
	assert_false(charset_covers("ascii", "latin1"));
}

/* Database strings shown on a terminal lose their control characters. */
static void test_term_safe(void **state)
{
	char *s;

	(void)state;
	s = term_safe("Jane\x1b]0;pwned\x07 Doe\r\n\tx\x7f \xc2\x9b" "2J caf\xc3\xa9");
	assert_string_equal(s, "Jane\\x1b]0;pwned\\x07 Doe\\x0d\\n\\tx\\x7f \\u{9b}2J caf\xc3\xa9");
	free(s);
	assert_null(term_safe(NULL));
}

/* The process that holds the password is not dumpable. */
static void test_process_harden(void **state)
{
	(void)state;
	assert_int_equal(process_harden(), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

static void test_util(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t v;
	double d;

	(void)state;
	sb_add_json_str(&sb, "a\"b\\c\n\x01", 7);
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\n\\u0001\"");
	sb_release(&sb);
	/* DEL and C1 controls (UTF-8) escaped too; other UTF-8 as is */
	sb_add_json_str(&sb, "\x7f\xc2\x9b\xc3\xa9", 5);
	assert_string_equal(sb.buf, "\"\\u007f\\u009b\xc3\xa9\"");
	sb_release(&sb);
	{
		const uint64_t ids[] = { 7, 18446744073709551615ull, 0 };

		sb_add_ids(&sb, ids, 0);
		assert_string_equal(sb_str(&sb), "");
		sb_add_ids(&sb, ids, 3);
		assert_string_equal(sb.buf, "7,18446744073709551615,0");
		sb_release(&sb);
	}
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &v), -1);
	assert_int_equal(parse_u64("12a", &v), -1);
	assert_int_equal(parse_u64("", &v), -1);
	assert_int_equal(parse_duration("90", &d), 0);
	assert_true(d == 90);
	assert_int_equal(parse_duration("14m", &d), 0);
	assert_true(d == 840);
	assert_int_equal(parse_duration("2h", &d), 0);
	assert_true(d == 7200);
	assert_int_equal(parse_duration("5x", &d), -1);
	assert_int_equal(parse_duration("-5", &d), -1);
	assert_int_equal(utf8_chars("h\xc3\xa9\xf0\x9f\x98\x80", 7), 3);
}

/* The batch read's order lookup and IN clause (orderread.h): a row is
 * attached to its order's index, a row of no listed order to -1. */
static void test_orderread(void **state)
{
	static const uint64_t ids[] = { 3, 7, 8, 100, 18446744073709551615ULL };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(orderread_find(ids, 5, 3), 0);
	assert_int_equal(orderread_find(ids, 5, 8), 2);
	assert_int_equal(orderread_find(ids, 5, 100), 3);
	assert_int_equal(orderread_find(ids, 5, 18446744073709551615ULL), 4);
	assert_int_equal(orderread_find(ids, 5, 1), -1);
	assert_int_equal(orderread_find(ids, 5, 9), -1);
	assert_int_equal(orderread_find(ids, 4, 18446744073709551615ULL), -1);
	assert_int_equal(orderread_find(ids, 0, 3), -1);
	sb_adds(&sb, "SELECT order_id FROM t");
	orderread_in(&sb, "order_id", ids, 3);
	assert_string_equal(sb.buf, "SELECT order_id FROM t WHERE order_id IN (3,7,8)");
	sb_release(&sb);
}

/* find_by_id() on records with the ID not first (the engines' order
 * structs), and the one "close enough for BETWEEN" rule. */
static void test_find_by_id(void **state)
{
	static const struct rec { int pad; uint64_t id; } recs[] = { { 0, 2 }, { 0, 5 }, { 0, 9 }, { 0, 11 } };

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(find_by_id(recs, 4, sizeof(recs[0]), offsetof(struct rec, id), recs[i].id), (int)i);
	assert_int_equal(find_by_id(recs, 4, sizeof(recs[0]), offsetof(struct rec, id), 10), -1);
	assert_int_equal(find_by_id(recs, 4, sizeof(recs[0]), offsetof(struct rec, id), 12), -1);
	assert_int_equal(find_by_id(recs, 0, sizeof(recs[0]), offsetof(struct rec, id), 2), -1);
	assert_true(ids_close(1000, 1000 + 4 * 500 + 1000, 500));
	assert_false(ids_close(1000, 1000 + 4 * 500 + 1001, 500));
	assert_true(ids_close(7, 7, 1));
	assert_false(ids_close(7, 7, 0));
	assert_false(ids_close(9, 7, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_forms),
		cmocka_unit_test(test_opts_errors),
		cmocka_unit_test(test_opts_unknown_hides_value),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_mapping_keys),
		cmocka_unit_test(test_mapping_columns),
		cmocka_unit_test(test_util),
		cmocka_unit_test(test_runlock_name_utf8),
		cmocka_unit_test(test_term_safe),
		cmocka_unit_test(test_charset_covers),
		cmocka_unit_test(test_process_harden),
		cmocka_unit_test(test_orderread),
		cmocka_unit_test(test_find_by_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
