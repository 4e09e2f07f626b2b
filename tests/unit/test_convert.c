/* test_convert.c - WooCommerce's value conversions (src/convert.c).
 *
 * Every expected value is what WooCommerce's migrator on PHP 8 writes for
 * the input.  Sources of the expectations:
 *  [T]  WooCommerce's own test (PostsToOrdersMigrationControllerTest
 *       test_migration_with_numbers_in_exponential_notation), or the
 *       behaviour observed running WooCommerce (reference appendix);
 *  [S]  read from the source: WooCommerce (wc_format_decimal,
 *       wc_string_to_bool, MetaToCustomTableMigrator::validate_data),
 *       WordPress (wpdb::prepare turns %f into %F), php-src (zend_strtod,
 *       zval_get_long / is_numeric_string, zend_dval_to_lval_cap,
 *       php_conv_fp / __cvt, php_sprintf_appenddouble, timelib's
 *       parse_date.re);
 *  [I]  inferred from that reading where no single line says it; every [S]
 *       and [I] case was also run through a PHP 8.2 binary, which agreed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convert.h"

/* A string literal with its length, so that embedded NULs count. */
#define S(lit) lit, sizeof(lit) - 1

/* Print s with control bytes escaped, for failure messages. */
static void show(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < bufsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

/* ------------------------------------------------------------------ */
/* decimal                                                            */
/* ------------------------------------------------------------------ */

struct dec_case {
	const char *in;
	size_t len;
	int prec;
	const char *want;
	int rc;
};

static const struct dec_case dec_cases[] = {
	/* [T] test #17: exponent notation, floatval first (PR #38561). */
	{ S("7.1054273576E-15"), 6, "0.000000", CONV_OK },
	{ S("12E-2"), 6, "0.120000", CONV_OK },
	{ S("1237E-2"), 6, "12.370000", CONV_OK },
	/* [S] ordinary values: %F prints 6 decimals. */
	{ S("12.37"), 6, "12.370000", CONV_OK },
	{ S("50.00"), 6, "50.000000", CONV_OK },
	{ S("-10.00"), 6, "-10.000000", CONV_OK },
	{ S("0"), 6, "0.000000", CONV_OK },
	/* [S] floatval: no number -> 0; leading number only (§12.9). */
	{ S(""), 6, "0.000000", CONV_OK },
	{ S("abc"), 6, "0.000000", CONV_OK },
	{ S("1,234.50"), 6, "1.000000", CONV_OK },
	{ S("12abc"), 6, "12.000000", CONV_OK },
	{ S("0x1A"), 6, "0.000000", CONV_OK },          /* no hex */
	{ S("inf"), 6, "0.000000", CONV_OK },           /* no inf/nan words */
	{ S("NAN"), 6, "0.000000", CONV_OK },
	{ S("- 3"), 6, "0.000000", CONV_OK },
	{ S("+5"), 6, "5.000000", CONV_OK },
	{ S(".5"), 6, "0.500000", CONV_OK },
	{ S("5."), 6, "5.000000", CONV_OK },
	{ S("1e"), 6, "1.000000", CONV_OK },            /* 'e' without digits is junk */
	{ S("1e+"), 6, "1.000000", CONV_OK },
	{ S("-.5e1x"), 6, "-5.000000", CONV_OK },
	{ S("12\0" "34"), 6, "12.000000", CONV_OK },    /* PHP's strtod stops at NUL */
	/* [S] blanks: PHP skips " \t\n\r\v\f" in front, ignores junk after. */
	{ S(" 12.5"), 6, "12.500000", CONV_OK },
	{ S("\t12.5"), 6, "12.500000", CONV_OK },
	{ S("\n\v\f\r12.5"), 6, "12.500000", CONV_OK },
	{ S("12.5 "), 6, "12.500000", CONV_OK },
	/* [S] rounding: sprintf %.6f rounds the binary value correctly. */
	{ S("1.23456789"), 6, "1.234568", CONV_OK },     /* §12.9 */
	{ S("0.0000005"), 6, "0.000000", CONV_OK },      /* double is 4.99999...e-7 */
	{ S("0.0000015"), 6, "0.000002", CONV_OK },      /* double is 1.50000...04e-6 */
	{ S("2.5e-7"), 6, "0.000000", CONV_OK },
	{ S("1.0000005"), 6, "1.000001", CONV_OK },
	/* [I] exact binary ties go to even (PHP's dtoa, not round()). */
	{ S("0.0078125"), 6, "0.007812", CONV_OK },
	{ S("0.0234375"), 6, "0.023438", CONV_OK },
	/* [S] negative zero: sprintf gives "-0.000000", trimmed to "-0";
	 * %F reads -0.0 back and PHP prints zero without a sign. */
	{ S("-7.1E-15"), 6, "0.000000", CONV_OK },
	{ S("-0"), 6, "0.000000", CONV_OK },
	{ S("-0.0000004"), 6, "0.000000", CONV_OK },
	/* [I] precision 8 (6 price decimals + 2, or WC_ROUNDING_PRECISION 8):
	 * the value survives the first rounding as "-0.0000004", a nonzero
	 * negative that %F rounds to zero and prints with its sign. */
	{ S("-0.0000004"), 8, "-0.000000", CONV_OK },
	/* [I] double rounding at precision 8: "1.00000050" then %F. */
	{ S("1.0000004999"), 8, "1.000001", CONV_OK },
	{ S("1.0000004999"), 6, "1.000000", CONV_OK },
	{ S("0.0000005"), 8, "0.000000", CONV_OK },
	/* [S] precision 0: "%.0f" has no '.', nothing is trimmed. */
	{ S("2.5"), 0, "2.000000", CONV_OK },            /* tie to even */
	{ S("3.5"), 0, "4.000000", CONV_OK },
	/* [S] strtod is correctly rounded: 2^53+1 ties to even, a hair more
	 * goes up. */
	{ S("9007199254740993"), 6, "9007199254740992.000000", CONV_OK },
	{ S("9007199254740993.0000000000000000000000001"), 6, "9007199254740994.000000", CONV_OK },
	/* [S] decimal(26,8) holds 18 integer digits. */
	{ S("999999999999999872"), 6, "999999999999999872.000000", CONV_OK },
	{ S("1e18"), 6, "1000000000000000000.000000", CONV_OUT_OF_RANGE },
	{ S("999999999999999999.99"), 6, "1000000000000000000.000000", CONV_OUT_OF_RANGE },
	{ S("-1e18"), 6, "-1000000000000000000.000000", CONV_OUT_OF_RANGE },
	/* [S] overflow: floatval is INF, sprintf prints "INF" (for -INF too),
	 * which %F reads back as 0. */
	{ S("1e400"), 6, "0.000000", CONV_OUT_OF_RANGE },
	{ S("-1e400"), 6, "0.000000", CONV_OUT_OF_RANGE },
	{ S("1e-400"), 6, "0.000000", CONV_OK },
};

static void test_decimal_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		const struct dec_case *c = &dec_cases[i];
		char out[CONV_DECIMAL_MAX], in[256];
		int rc = conv_decimal(c->in, c->len, c->prec, out, sizeof(out));

		if (strcmp(out, c->want) != 0 || rc != c->rc) {
			show(c->in, c->len, in, sizeof(in));
			print_error("decimal \"%s\" precision %d: got \"%s\" (%d), want \"%s\" (%d)\n",
				    in, c->prec, out, rc, c->want, c->rc);
		}
		assert_string_equal(out, c->want);
		assert_int_equal(rc, c->rc);
	}
}

static void test_decimal_null_and_buffers(void **state)
{
	char out[CONV_DECIMAL_MAX], small[10];

	(void)state;
	/* A NULL meta_value: floatval(null) is 0. */
	assert_int_equal(conv_decimal(NULL, 0, 6, out, sizeof(out)), CONV_OK);
	assert_string_equal(out, "0.000000");
	/* Precision above PHP's 53 is clamped like PHP's sprintf does. */
	assert_int_equal(conv_decimal(S("0.1"), 99, out, sizeof(out)), CONV_OK);
	assert_string_equal(out, "0.100000");
	/* 1e300 is 301 digits: out is cut to the buffer, still >= 1e18. */
	assert_int_equal(conv_decimal(S("1e300"), 6, out, sizeof(out)), CONV_OUT_OF_RANGE);
	assert_int_equal(strlen(out), CONV_DECIMAL_MAX - 1);
	assert_string_equal(out, "100000000000000005250476025520442024870446858110815915491585411");
	/* A too small buffer is never overrun. */
	conv_decimal(S("12345.678"), 6, small, sizeof(small));
	assert_string_equal(small, "12345.678");
}

/* The plain-decimal shortcut in conv_decimal() (no floating point for
 * "12.50" and the like) must give exactly what the general path gives:
 * for plain decimals that is printf's double round trip, computed here
 * independently (strtod, %.Pf, trailing zeros and '.' cut, strtod, %.6f,
 * zero without a sign).  Random inputs around the shortcut's limits:
 * integer parts of 0-12 digits (some with leading zeros), 0-8 decimals,
 * precisions 0-12, either sign. */
static void oracle_decimal(const char *in, int prec, char *out, size_t outsz)
{
	char mid[400];
	double d = strtod(in, NULL);
	size_t n;

	if (d == 0.0)
		d = 0.0;
	snprintf(mid, sizeof(mid), "%.*f", prec, d);
	n = strlen(mid);
	if (strchr(mid, '.')) {
		while (n && mid[n - 1] == '0')
			n--;
		while (n && mid[n - 1] == '.')
			n--;
		mid[n] = '\0';
	}
	d = strtod(mid, NULL);
	if (d == 0.0)
		d = 0.0;
	snprintf(out, outsz, "%.6f", d);
}

static void test_decimal_plain_matches_general(void **state)
{
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		char in[40], want[400], got[CONV_DECIMAL_MAX];
		size_t n = 0;
		int ni, nf, prec;

		seed = seed * 1103515245u + 12345u;
		ni = (int)(seed >> 8) % 13;
		nf = (int)(seed >> 12) % 9;
		prec = (int)(seed >> 16) % 13;
		if ((seed >> 20) & 1)
			in[n++] = '-';
		for (int k = 0; k < ni; k++) {
			seed = seed * 1103515245u + 12345u;
			in[n++] = (char)('0' + (k == 0 && ((seed >> 9) & 3) == 0 ? 0 : (seed >> 16) % 10));
		}
		if (nf || !ni)
			in[n++] = '.';
		for (int k = 0; k < nf; k++) {
			seed = seed * 1103515245u + 12345u;
			in[n++] = (char)('0' + (((seed >> 9) & 3) == 0 ? 0 : (seed >> 16) % 10));
		}
		if (!ni && !nf)
			in[n++] = '0';
		in[n] = '\0';
		oracle_decimal(in, prec, want, sizeof(want));
		conv_decimal(in, n, prec, got, sizeof(got));
		if (strcmp(got, want))
			fail_msg("conv_decimal(\"%s\", %d) = %s, want %s", in, prec, got, want);
	}
}

static void test_floatval(void **state)
{
	double d;

	(void)state;
	assert_true(conv_php_floatval(S("12.37")) == 12.37);
	assert_true(conv_php_floatval(S("  -1.5e3xyz")) == -1500.0);
	d = conv_php_floatval(S("-0"));
	assert_true(d == 0.0 && signbit(d)); /* PHP keeps the sign of -0 */
	d = conv_php_floatval(S("-abc"));
	assert_true(d == 0.0 && !signbit(d)); /* no number: +0 */
	assert_true(conv_php_floatval(S("4.9e-324")) > 0.0); /* subnormal */
	assert_true(conv_php_floatval(S("1e400")) > 1e308);  /* INF */
	/* [S] correct rounding of long inputs: 1 + 2^-53 is the exact tie
	 * between 1 and the next double and goes to even (1); a 1 after 900
	 * more zeros puts it just above the tie (PHP's strtod is exact). */
	{
		static const char tie[] = "1.00000000000000011102230246251565404236316680908203125";
		char big[1000];
		size_t n = sizeof(tie) - 1;

		memcpy(big, tie, n);
		assert_true(conv_php_floatval(big, n) == 1.0);
		memset(big + n, '0', 900);
		big[n + 900] = '1';
		assert_true(conv_php_floatval(big, n + 901) == 1.0 + 0x1p-52);
		assert_true(conv_php_floatval(big, n + 900) == 1.0);
	}
}

/* ------------------------------------------------------------------ */
/* int                                                                */
/* ------------------------------------------------------------------ */

struct int_case {
	const char *in;
	size_t len;
	int64_t want;
	int rc;
};

static const struct int_case int_cases[] = {
	/* [S] reference §2.1 and PHP 8's (int) of a string. */
	{ S("12abc"), 12, CONV_OK },
	{ S("abc"), 0, CONV_OK },
	{ S(""), 0, CONV_OK },
	{ S("1e3"), 1000, CONV_OK },           /* PHP 7.1+: exponent counts */
	{ S(" 12 "), 12, CONV_OK },
	{ S("0x1A"), 0, CONV_OK },             /* no hex */
	{ S("-5"), -5, CONV_OUT_OF_RANGE },    /* bigint unsigned */
	{ S("12.9"), 12, CONV_OK },            /* truncation */
	{ S("-12.9"), -12, CONV_OUT_OF_RANGE },
	{ S("-0.5"), 0, CONV_OK },
	{ S("-0"), 0, CONV_OK },
	{ S("+7"), 7, CONV_OK },
	{ S(".9"), 0, CONV_OK },
	{ S("1.5e3"), 1500, CONV_OK },
	{ S("1e"), 1, CONV_OK },
	{ S("0012"), 12, CONV_OK },            /* no octal */
	{ S("\n\t12"), 12, CONV_OK },
	{ S("12 34"), 12, CONV_OK },
	{ S("1_000"), 1, CONV_OK },
	{ S("inf"), 0, CONV_OK },
	{ S("12\0" "34"), 12, CONV_OK },
	/* [S] 64-bit limits: digits beyond PHP_INT_MAX go through a double
	 * and saturate (zend_dval_to_lval_cap). */
	{ S("9223372036854775807"), INT64_MAX, CONV_OK },
	{ S("9223372036854775808"), INT64_MAX, CONV_OUT_OF_RANGE },
	{ S("99999999999999999999"), INT64_MAX, CONV_OUT_OF_RANGE },
	{ S("9223372036854775808abc"), INT64_MAX, CONV_OUT_OF_RANGE },
	{ S("-9223372036854775808"), INT64_MIN, CONV_OUT_OF_RANGE },
	{ S("-9223372036854775809"), INT64_MIN, CONV_OUT_OF_RANGE },
	{ S("1e19"), INT64_MAX, CONV_OUT_OF_RANGE },
	{ S("-1e19"), INT64_MIN, CONV_OUT_OF_RANGE },
	{ S("9223372036854775806.5"), INT64_MAX, CONV_OUT_OF_RANGE }, /* the double is 2^63 */
	{ S("1e400"), 0, CONV_OUT_OF_RANGE },  /* infinite double -> 0 */
	/* [S] through a double: only 53 bits survive. */
	{ S("9007199254740993.0"), 9007199254740992, CONV_OK },
	{ S("1.9999999999999999"), 2, CONV_OK },
	{ S("00000000000000000000000000012"), 12, CONV_OK },
};

static void test_int_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		const struct int_case *c = &int_cases[i];
		int64_t v = 42;
		char in[256];
		int rc = conv_php_int(c->in, c->len, &v);

		if (v != c->want || rc != c->rc) {
			show(c->in, c->len, in, sizeof(in));
			print_error("int \"%s\": got %lld (%d), want %lld (%d)\n", in,
				    (long long)v, rc, (long long)c->want, c->rc);
		}
		assert_true(v == c->want);
		assert_int_equal(rc, c->rc);
	}
}

static void test_int_null(void **state)
{
	int64_t v = 42;

	(void)state;
	assert_int_equal(conv_php_int(NULL, 0, &v), CONV_OK); /* (int) null */
	assert_true(v == 0);
}

/* ------------------------------------------------------------------ */
/* bool                                                               */
/* ------------------------------------------------------------------ */

struct bool_case {
	const char *in;
	size_t len;
	int want;
};

static const struct bool_case bool_cases[] = {
	/* [S] wc_string_to_bool: 'yes'/'true' after strtolower, or '1'. */
	{ S("yes"), 1 }, { S("YES"), 1 }, { S("Yes"), 1 }, { S("yEs"), 1 },
	{ S("true"), 1 }, { S("TRUE"), 1 }, { S("tRuE"), 1 }, { S("1"), 1 },
	/* everything else, with no trimming (reference §2.1) */
	{ S("no"), 0 }, { S("false"), 0 }, { S("0"), 0 }, { S(""), 0 },
	{ S("on"), 0 }, { S("y"), 0 }, { S("2"), 0 }, { S(" yes"), 0 },
	{ S("yes "), 0 }, { S("yes\n"), 0 }, { S("01"), 0 }, { S("1 "), 0 },
	{ S("1.0"), 0 }, { S("t"), 0 }, { S("yes\0"), 0 }, { S("ye"), 0 },
	{ S("y\xc3\xa9s"), 0 }, { S("truee"), 0 },
};

static void test_bool_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bool_cases) / sizeof(bool_cases[0]); i++) {
		const struct bool_case *c = &bool_cases[i];
		int got = conv_bool(c->in, c->len);
		char in[64];

		if (got != c->want) {
			show(c->in, c->len, in, sizeof(in));
			print_error("bool \"%s\": got %d, want %d\n", in, got, c->want);
		}
		assert_int_equal(got, c->want);
	}
	assert_int_equal(conv_bool(NULL, 0), 0); /* wc_string_to_bool(null) */
}

/* ------------------------------------------------------------------ */
/* date_epoch                                                         */
/* ------------------------------------------------------------------ */

struct epoch_case {
	const char *in;
	size_t len;
	const char *want; /* "" when PHP throws */
	int rc;
	int throws;       /* for CONV_INVALID: PHP certainly throws */
};

static const struct epoch_case epoch_cases[] = {
	/* [T]/[S] reference §2.1, §12.2 #1 */
	{ S("0"), "1970-01-01 00:00:00", CONV_OK, 0 },
	{ S("1705314600"), "2024-01-15 10:30:00", CONV_OK, 0 },
	{ S("-1"), "1969-12-31 23:59:59", CONV_OK, 0 },
	{ S("-0"), "1970-01-01 00:00:00", CONV_OK, 0 },
	/* [I] calendar: leap days, century rule, pre-1970 */
	{ S("951782400"), "2000-02-29 00:00:00", CONV_OK, 0 },
	{ S("4107456000"), "2100-02-28 00:00:00", CONV_OK, 0 },
	{ S("4107542400"), "2100-03-01 00:00:00", CONV_OK, 0 },
	{ S("-2208988800"), "1900-01-01 00:00:00", CONV_OK, 0 },
	/* [S] PHP 8 "@<int>.<1-6 digits>": the fraction is dropped by the
	 * format, i.e. the result is floor(v). */
	{ S("1705314600.5"), "2024-01-15 10:30:00", CONV_OK, 0 },
	{ S("1705314600.999999"), "2024-01-15 10:30:00", CONV_OK, 0 },
	{ S("-0.5"), "1969-12-31 23:59:59", CONV_OK, 0 },
	{ S("-1.5"), "1969-12-31 23:59:58", CONV_OK, 0 },
	{ S("-1.0"), "1969-12-31 23:59:59", CONV_OK, 0 },
	{ S("-0.000000"), "1970-01-01 00:00:00", CONV_OK, 0 },
	/* [S] trailing blanks are dropped; ',' and NUL are stepped over */
	{ S("123 "), "1970-01-01 00:02:03", CONV_OK, 0 },
	{ S("123\n"), "1970-01-01 00:02:03", CONV_OK, 0 },
	{ S("123\r\n"), "1970-01-01 00:02:03", CONV_OK, 0 },
	{ S("123\t\v\f"), "1970-01-01 00:02:03", CONV_OK, 0 },
	{ S("123,"), "1970-01-01 00:02:03", CONV_OK, 0 },
	{ S("123\0"), "1970-01-01 00:02:03", CONV_OK, 0 },
	/* [S] only the first 24 digits are read */
	{ S("00000000000000000001"), "1970-01-01 00:00:01", CONV_OK, 0 },
	{ S("0000000000000000000000001"), "1970-01-01 00:00:00", CONV_OK, 0 },
	/* [S] what throws */
	{ S("abc"), "", CONV_INVALID, 1 },
	{ S("2024-01-01 10:00:00"), "", CONV_INVALID, 1 }, /* [T] appendix: Double timezone specification */
	{ S("2024-01-15"), "", CONV_INVALID, 1 },
	{ S("2024-01-15T10:30:00+00:00"), "", CONV_INVALID, 1 },
	{ S("2024-13-45"), "", CONV_INVALID, 1 },
	{ S("12:00"), "", CONV_INVALID, 1 },               /* §12.9 */
	{ S("1705314600.9999999"), "", CONV_INVALID, 1 },  /* 7th digit is a bare number */
	{ S("1."), "", CONV_INVALID, 1 },                  /* Found unexpected data */
	{ S("1. "), "", CONV_INVALID, 1 },
	{ S(".5"), "", CONV_INVALID, 1 },
	{ S(" 123"), "", CONV_INVALID, 1 },                /* no blank after '@' */
	{ S("\t123"), "", CONV_INVALID, 1 },
	{ S("+5"), "", CONV_INVALID, 1 },
	{ S("- 5"), "", CONV_INVALID, 1 },
	{ S("--5"), "", CONV_INVALID, 1 },
	{ S("@5"), "", CONV_INVALID, 1 },
	{ S("-"), "", CONV_INVALID, 1 },
	{ S(" "), "", CONV_INVALID, 1 },
	{ S("123;"), "", CONV_INVALID, 1 },
	{ S("123\x01"), "", CONV_INVALID, 1 },            /* control byte */
	{ S("123\r5"), "", CONV_INVALID, 1 },             /* \r only counts at the end */
	{ S("123\xc3\xa9"), "", CONV_INVALID, 1 },        /* non-ASCII byte */
	{ S("123\0;"), "", CONV_INVALID, 1 },
	{ S("1 2"), "", CONV_INVALID, 1 },
	{ S("9223372036854775808"), "", CONV_INVALID, 1 },  /* Number out of range */
	{ S("-9223372036854775809"), "", CONV_INVALID, 1 },
	/* [S] accepted or refused by PHP's free-form date grammar in ways not
	 * reproduced: reported as invalid, but not as a certain throw.  PHP
	 * accepts the first two (2024-01-15 10:30:00 and +1 day) and throws
	 * for the next two. */
	{ S("1705314600 UTC"), "", CONV_INVALID, 0 },
	{ S("123 +1 day"), "", CONV_INVALID, 0 },
	{ S("1e3"), "", CONV_INVALID, 0 },
	{ S("0x10"), "", CONV_INVALID, 0 },
	/* PHP gives 00:00:01 here (a 25th digit before a fraction) */
	{ S("0000000000000000000000001.5"), "", CONV_INVALID, 0 },
	/* [S] MySQL datetime holds years 0001..9999; PHP's text otherwise */
	{ S("253402300799"), "9999-12-31 23:59:59", CONV_OK, 0 },
	{ S("-62135596800"), "0001-01-01 00:00:00", CONV_OK, 0 },
	{ S("253402300800"), "10000-01-01 00:00:00", CONV_OUT_OF_RANGE, 0 },
	{ S("-62135596801"), "0000-12-31 23:59:59", CONV_OUT_OF_RANGE, 0 },
	{ S("-62198755200"), "-0001-01-01 00:00:00", CONV_OUT_OF_RANGE, 0 },
	{ S("1705314600000"), "56009-04-08 12:00:00", CONV_OUT_OF_RANGE, 0 }, /* milliseconds */
	{ S("9223372036854775807"), "292277026596-12-04 15:30:07", CONV_OUT_OF_RANGE, 0 },
	{ S("-9223372036854775808"), "-292277022657-01-27 08:29:52", CONV_OUT_OF_RANGE, 0 },
	/* [I] PHP wraps floor(INT64_MIN - 0.5) around to INT64_MAX */
	{ S("-9223372036854775808.5"), "292277026596-12-04 15:30:07", CONV_OUT_OF_RANGE, 0 },
	/* [I] PHP shows 0000-01-30..0000-02-29 as the day before */
	{ S("-62162078400"), "0000-02-28 12:00:00", CONV_OUT_OF_RANGE, 0 },
	{ S("-62164713600"), "0000-01-29 00:00:00", CONV_OUT_OF_RANGE, 0 },
	{ S("-62162035200"), "0000-03-01 00:00:00", CONV_OUT_OF_RANGE, 0 },
};

static void test_epoch_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(epoch_cases) / sizeof(epoch_cases[0]); i++) {
		const struct epoch_case *c = &epoch_cases[i];
		char out[CONV_DATE_MAX], in[256];
		int throws = -1;
		int rc = conv_epoch_ex(c->in, c->len, out, &throws);

		if (strcmp(out, c->want) != 0 || rc != c->rc ||
		    (rc == CONV_INVALID && throws != c->throws)) {
			show(c->in, c->len, in, sizeof(in));
			print_error("epoch \"%s\": got \"%s\" (%d, throws %d), want \"%s\" (%d, throws %d)\n",
				    in, out, rc, throws, c->want, c->rc, c->throws);
		}
		assert_string_equal(out, c->want);
		assert_int_equal(rc, c->rc);
		if (rc == CONV_INVALID)
			assert_int_equal(throws, c->throws);
		/* conv_epoch() agrees with conv_epoch_ex() */
		assert_int_equal(conv_epoch(c->in, c->len, out), c->rc);
	}
}

static void test_epoch_empty(void **state)
{
	char out[CONV_DATE_MAX];
	int throws = -1;

	(void)state;
	/* '' is the caller's (WooCommerce writes NULL without parsing); a
	 * NULL meta_value becomes "@", which PHP refuses. */
	assert_int_equal(conv_epoch_ex("", 0, out, &throws), CONV_INVALID);
	assert_int_equal(throws, 1);
	assert_string_equal(out, "");
	assert_int_equal(conv_epoch(NULL, 0, out), CONV_INVALID);
}

/* woocommerce_price_num_decimals: absint(intval()), clamped. */
static void test_price_decimals(void **state)
{
	(void)state;
	assert_int_equal(conv_price_decimals(NULL), 2);
	assert_int_equal(conv_price_decimals("2"), 2);
	assert_int_equal(conv_price_decimals(" 3"), 3);
	assert_int_equal(conv_price_decimals("-4"), 4);
	assert_int_equal(conv_price_decimals("abc"), 0);
	assert_int_equal(conv_price_decimals(""), 0);
	assert_int_equal(conv_price_decimals("2.9"), 2);
	assert_int_equal(conv_price_decimals("2147483647"), CONV_PRICE_DECIMALS_MAX);
	assert_int_equal(conv_price_decimals("99999999999999999999999"), CONV_PRICE_DECIMALS_MAX);
	assert_int_equal(conv_price_decimals("-9223372036854775808"), CONV_PRICE_DECIMALS_MAX);
	assert_int_equal(conv_price_decimals("1e400"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_table),
		cmocka_unit_test(test_decimal_null_and_buffers),
		cmocka_unit_test(test_decimal_plain_matches_general),
		cmocka_unit_test(test_floatval),
		cmocka_unit_test(test_int_table),
		cmocka_unit_test(test_int_null),
		cmocka_unit_test(test_bool_table),
		cmocka_unit_test(test_epoch_table),
		cmocka_unit_test(test_epoch_empty),
		cmocka_unit_test(test_price_decimals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
