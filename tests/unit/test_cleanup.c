/* Unit tests for cleanup's argument filter, backup value encoding and
 * meta_id condition, the throttle option parser, and when sync leaves
 * cleaned orders out. */
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
_Atomic int hpos_interrupted;

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

/* Every statement of a backup stays under BACKUP_STMT_MAX, a long value
 * included, and the pieces give back the value. */
static void test_backup_statement_bound(void **state)
{
	struct strbuf chunk = STRBUF_INIT;
	struct backup_stmt bs = { 0, 0 };
	size_t big = 9600000, mid = 200000;
	char *v = malloc(big);
	const char *vals[4] = { "1", "7", "_k", v };
	size_t lens[4] = { 1, 1, 2, big };
	size_t start, pieces = 0;

	(void)state;
	for (size_t i = 0; i < big; i++)
		v[i] = (char)("\xc3\xa9\n"[i % 3]);
	for (int r = 0; r < 30; r++) {   /* 30 rows of 200 kB: several REPLACEs */
		lens[3] = mid;
		backup_add_meta(&chunk, &bs, "`wp_postmeta`", "utf8mb4", vals, lens);
	}
	lens[3] = big;
	backup_add_meta(&chunk, &bs, "`wp_postmeta`", "utf8mb4", vals, lens);
	lens[3] = 3;
	backup_add_meta(&chunk, &bs, "`wp_postmeta`", "utf8mb4", vals, lens);
	backup_end_meta(&chunk, &bs);
	/* statements end with ";\n" (no literal holds a newline) */
	start = 0;
	for (size_t i = 0; i + 1 < chunk.len; i++) {
		if (chunk.buf[i] == ';' && chunk.buf[i + 1] == '\n') {
			assert_true(i + 1 - start <= BACKUP_STMT_MAX);
			if (!strncmp(chunk.buf + start, "SET @hposctl_v = CONCAT", 23))
				pieces++;
			start = i + 2;
		}
	}
	assert_int_equal(start, chunk.len);
	assert_true(pieces >= 30);
	assert_non_null(strstr(chunk.buf, "CONVERT(@hposctl_v USING utf8mb4)"));
	sb_release(&chunk);
	free(v);
}

/* A backup file is sections each sealed by a checksum; anything else in
 * front of or between them is refused, an incomplete tail is cut. */
static void test_backup_validate(void **state)
{
	struct strbuf f = STRBUF_INIT;
	char why[160];
	size_t one, two;

	(void)state;
	sb_adds(&f, "-- hposctl cleanup backup (test)\nUSE `x`;\n");
	backup_seal(&f, 0, "header");
	one = f.len;
	sb_adds(&f, "START TRANSACTION;\nREPLACE INTO t VALUES (1);\nCOMMIT;\n");
	backup_seal(&f, one, "batch after ID 0");
	two = f.len;
	assert_int_equal(backup_validate(f.buf, f.len, why, sizeof(why)), (long long)two);
	/* an incomplete last section is the tail to cut */
	sb_adds(&f, "START TRANSACTION;\nREPLACE INTO t VAL");
	assert_int_equal(backup_validate(f.buf, f.len, why, sizeof(why)), (long long)two);
	f.len = two;
	/* one byte changed inside a section */
	f.buf[one + 40] ^= 1;
	assert_int_equal(backup_validate(f.buf, f.len, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "checksum"));
	f.buf[one + 40] ^= 1;
	/* a statement planted after the magic line, before the first seal */
	{
		struct strbuf g = STRBUF_INIT;

		sb_adds(&g, "-- hposctl cleanup backup\nGRANT ALL ON *.* TO 'x'@'%';\n");
		sb_add(&g, f.buf + strlen("-- hposctl cleanup backup (test)\n"), f.len - strlen("-- hposctl cleanup backup (test)\n"));
		assert_int_equal(backup_validate(g.buf, g.len, why, sizeof(why)), -1);
		sb_release(&g);
	}
	/* an end line without a checksum (older format, or forged) */
	sb_reset(&f);
	sb_adds(&f, "-- hposctl cleanup backup\nUSE `x`;\n-- hposctl: end of header\n");
	assert_int_equal(backup_validate(f.buf, f.len, why, sizeof(why)), -1);
	/* not a backup at all */
	assert_int_equal(backup_validate("DROP DATABASE x;\n", 17, why, sizeof(why)), -1);
	sb_release(&f);
}

/* Mark in seen[] (ids relative to base) what a cleanup_id_cond condition
 * selects; returns -1 when it selects a value outside [base, base + span). */
static int cond_select(const char *c, uint64_t base, size_t span, unsigned char *seen)
{
	const char *p;
	unsigned long long a, b;
	int n;

	for (p = c; (p = strstr(p, "BETWEEN ")) != NULL; p++) {
		assert_int_equal(sscanf(p, "BETWEEN %llu AND %llu%n", &a, &b, &n), 2);
		for (unsigned long long x = a; x <= b; x++) {
			if (x < base || x - base >= span)
				return -1;
			seen[x - base]++;
		}
	}
	if ((p = strstr(c, " IN (")) != NULL) {
		for (p += 5; sscanf(p, "%llu%n", &a, &n) == 1; p += n + (p[n] == ',')) {
			if (a < base || a - base >= span)
				return -1;
			seen[a - base]++;
		}
	}
	return 0;
}

/* The meta_id condition of cleanup's DELETE selects exactly the proven
 * ids: each consecutive run as one range, nothing between two ids of the
 * set that is not in it; split into pieces that each stay near the bound. */
static void test_id_cond(void **state)
{
	const uint64_t ids[] = { 5, 6, 7, 9, 12, 13, 20 };
	struct strbuf sb = STRBUF_INIT;
	enum { SPAN = 20000 };
	uint64_t *set = malloc(sizeof(*set) * SPAN), base = 1000000;
	unsigned char *in = calloc(SPAN, 1), *seen = calloc(SPAN, 1);
	size_t n = 0, at = 0, pieces = 0;
	uint32_t r = 12345;

	(void)state;
	assert_int_equal(cleanup_id_cond(&sb, "meta_id", ids, 0, 7, 1 << 16), 7);
	assert_string_equal(sb.buf, "(meta_id BETWEEN 5 AND 7 OR meta_id BETWEEN 12 AND 13 OR meta_id IN (9,20))");
	sb_reset(&sb);
	assert_int_equal(cleanup_id_cond(&sb, "meta_id", ids, 6, 7, 1 << 16), 7);
	assert_string_equal(sb.buf, "(meta_id IN (20))");
	sb_reset(&sb);
	assert_int_equal(cleanup_id_cond(&sb, "meta_id", ids, 7, 7, 1 << 16), 7);
	assert_string_equal(sb.buf, "(1=0)");
	/* A hostile mix: runs, single ids, gaps of one (a foreign row between
	 * two of ours), in pieces of about 300 bytes. */
	for (size_t i = 0; i < SPAN; i++) {
		r = r * 1103515245u + 12345u;
		if ((r >> 16) % 3) {
			in[i] = 1;
			set[n++] = base + i;
		}
	}
	while (at < n) {
		size_t next;

		sb_reset(&sb);
		next = cleanup_id_cond(&sb, "meta_id", set, at, n, 300);
		assert_true(next > at);
		assert_true(sb.len <= 300 + 64);
		assert_int_equal(cond_select(sb.buf, base, SPAN, seen), 0);
		at = next;
		pieces++;
	}
	assert_true(pieces > 10);
	for (size_t i = 0; i < SPAN; i++)
		assert_int_equal(seen[i], in[i]);
	sb_release(&sb);
	free(set);
	free(in);
	free(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_statement_bound),
		cmocka_unit_test(test_backup_validate),
		cmocka_unit_test(test_id_cond),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sql_value),
		cmocka_unit_test(test_load_spec),
		cmocka_unit_test(test_skip_cleaned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
