/* Unit tests for cleanup's argument filter and backup value encoding, the
 * throttle option parser, and when sync leaves cleaned orders out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cleanup.h"
#include "throttle.h"
#include "util.h"
#include "wcstore.h"

#include <signal.h>
/* Defined in main.c, which unit tests do not link. */
volatile sig_atomic_t hpos_interrupted;

static int filter(const char *a, const char *b, const char *c, struct strbuf *sb, int *all)
{
	char x[32], y[32], z[32];
	char *argv[3] = { x, y, z };
	int argc = 0;
	struct herr err;

	if (a) snprintf(argv[argc++], 32, "%s", a);
	if (b) snprintf(argv[argc++], 32, "%s", b);
	if (c) snprintf(argv[argc++], 32, "%s", c);
	sb_reset(sb);
	return cleanup_filter_parse(argc, argv, sb, all, &err);
}

static void test_filter(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int all;

	(void)state;
	assert_int_equal(filter("all", NULL, NULL, &sb, &all), 0);
	assert_int_equal(all, 1);
	assert_int_equal(filter("10-100", "314", NULL, &sb, &all), 0);
	assert_int_equal(all, 0);
	assert_string_equal(sb.buf, "((p.ID >= 10 AND p.ID <= 100) OR p.ID IN (314))");
	assert_int_equal(filter("7", "8", NULL, &sb, &all), 0);
	assert_string_equal(sb.buf, "(p.ID IN (7,8))");
	/* As in WooCommerce, a reversed range matches nothing. */
	assert_int_equal(filter("300-2", NULL, NULL, &sb, &all), 0);
	assert_string_equal(sb.buf, "((p.ID >= 300 AND p.ID <= 2))");
	assert_int_equal(filter("12x", NULL, NULL, &sb, &all), -1);
	assert_int_equal(filter("-5", NULL, NULL, &sb, &all), -1);
	assert_int_equal(filter("1-", NULL, NULL, &sb, &all), -1);
	assert_int_equal(filter("1;DROP", NULL, NULL, &sb, &all), -1);
	sb_release(&sb);
}

static void test_sql_value(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	cleanup_sql_value(&sb, "utf8mb4", NULL, 0);
	assert_string_equal(sb.buf, "NULL");
	sb_reset(&sb);
	cleanup_sql_value(&sb, "utf8mb4", "", 0);
	assert_string_equal(sb.buf, "''");
	sb_reset(&sb);
	cleanup_sql_value(&sb, "utf8mb4", "Umbrella \"Corp\" 12.50", 21);
	assert_string_equal(sb.buf, "'Umbrella \"Corp\" 12.50'");
	sb_reset(&sb);
	cleanup_sql_value(&sb, "utf8mb4", "D'Angelo", 8);
	assert_string_equal(sb.buf, "CONVERT(X'4427416e67656c6f' USING utf8mb4)");
	sb_reset(&sb);
	cleanup_sql_value(&sb, "latin1", "a\\b", 3);
	assert_string_equal(sb.buf, "CONVERT(X'615c62' USING latin1)");
	sb_reset(&sb);
	cleanup_sql_value(&sb, "utf8mb4", "x\0y\n", 4);
	assert_string_equal(sb.buf, "CONVERT(X'7800790a' USING utf8mb4)");
	sb_reset(&sb);
	cleanup_sql_value(&sb, "utf8mb4", "\xc3\xa9", 2);
	assert_string_equal(sb.buf, "CONVERT(X'c3a9' USING utf8mb4)");
	sb_release(&sb);
}

static void test_load_spec(void **state)
{
	struct loadspec l;
	struct herr err;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(throttle_parse_load("Threads_running=25", "max-load", &l, &err), 0);
	assert_string_equal(l.name, "Threads_running");
	assert_int_equal(l.limit, 25);
	assert_int_equal(l.set, 1);
	assert_int_equal(throttle_parse_load("Threads_running", "max-load", &l, &err), -1);
	assert_int_equal(err.code, HX_USAGE);
	assert_int_equal(throttle_parse_load("a'b=3", "max-load", &l, &err), -1);
	assert_int_equal(throttle_parse_load("X=abc", "max-load", &l, &err), -1);
}

/* Cleaned orders are left out only with HPOS authoritative, compatibility
 * mode off and no --restore-cleaned; the count sync shows follows. */
static void test_skip_cleaned(void **state)
{
	struct pending p = { .missing = 10, .outdated = 3, .markers = 2, .cleaned = 7 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(sync_skips_cleaned(1, 0, 0), 1);
	assert_int_equal(sync_skips_cleaned(1, 0, 1), 0);
	assert_int_equal(sync_skips_cleaned(1, 1, 0), 0);
	assert_int_equal(sync_skips_cleaned(0, 0, 0), 0);
	assert_int_equal(sync_skips_cleaned(0, 1, 0), 0);
	assert_int_equal(pending_total(&p), 15);
	assert_int_equal(pending_for_sync(&p, 1), 8);
	assert_int_equal(pending_for_sync(&p, 0), 15);
	/* Without the record table the condition needs no database. */
	wc_cleaned_sql(NULL, &sb, "p.", 0);
	assert_string_equal(sb.buf, "(p.post_type = 'shop_order_placehold' AND (p.post_name <> '' OR p.post_title <> ''))");
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sql_value),
		cmocka_unit_test(test_load_spec),
		cmocka_unit_test(test_skip_cleaned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
