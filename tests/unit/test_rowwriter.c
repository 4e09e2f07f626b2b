/* Unit tests for the row writer's pure logic (src/rowwriter.c): how rows
 * are grouped into statements of about a byte budget, and the bytes a
 * value takes as a quoted SQL string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db.h"
#include "rowwriter.h"
#include "util.h"

/* Statements: at least one row each, rows added while below the budget,
 * every row in exactly one statement, in order. */
static void test_split(void **state)
{
	static const size_t rows[] = { 10, 10, 10, 50, 5, 100, 1, 1 };
	const size_t n = ARRAY_SIZE(rows);
	size_t end;

	(void)state;
	/* Budget 25: 10+10+10 (reached 30 >= 25 after the third). */
	assert_int_equal(rw_split(rows, n, 0, 25), 3);
	/* A row larger than the budget still goes alone. */
	assert_int_equal(rw_split(rows, n, 3, 25), 4);
	assert_int_equal(rw_split(rows, n, 5, 25), 6);
	/* The last statement takes what is left. */
	assert_int_equal(rw_split(rows, n, 6, 25), 8);
	/* Budget 0 or 1: one row a statement. */
	assert_int_equal(rw_split(rows, n, 0, 0), 1);
	assert_int_equal(rw_split(rows, n, 2, 1), 3);
	/* A huge budget: everything in one. */
	assert_int_equal(rw_split(rows, n, 0, (size_t)-1), n);
	/* Nothing left. */
	assert_int_equal(rw_split(rows, n, n, 25), n);
	/* Walking: each row once, statements never empty. */
	for (size_t budget = 0; budget < 200; budget += 7) {
		size_t from = 0, count = 0;

		while (from < n) {
			end = rw_split(rows, n, from, budget);
			assert_true(end > from);
			count += end - from;
			from = end;
		}
		assert_int_equal(count, n);
	}
}

/* The length rw_quoted_len() predicts is what db_quote() writes (without
 * a connection it escapes the same bytes as mysql_real_escape_string()). */
static void test_quoted_len(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} t[] = {
		{ "", 0 }, { "abc", 3 }, { "it's", 4 }, { "a\\b", 3 }, { "\"q\"", 3 }, { "l1\nl2\r", 6 },
		{ "nul\0x", 5 }, { "\032", 1 }, { "\xf0\x9f\x92\xb3 card", 9 }, { "''''", 4 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct strbuf sb = STRBUF_INIT;

		db_quote(NULL, &sb, t[i].s, t[i].len);
		assert_int_equal(rw_quoted_len(t[i].s, t[i].len), sb.len);
		sb_release(&sb);
	}
	/* Every byte value once. */
	{
		char all[256];
		struct strbuf sb = STRBUF_INIT;

		for (int c = 0; c < 256; c++)
			all[c] = (char)c;
		db_quote(NULL, &sb, all, sizeof(all));
		assert_int_equal(rw_quoted_len(all, sizeof(all)), sb.len);
		sb_release(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_quoted_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
