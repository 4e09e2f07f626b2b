/* convert.c - WooCommerce's value conversions, posts -> HPOS, as pure C.
 *
 * WooCommerce's migrator (MetaToCustomTableMigrator::validate_data() and
 * generate_column_clauses()) turns every postmeta string into the value it
 * sends to MySQL with a handful of PHP functions.  This file reproduces what
 * those functions do on PHP 8 (64-bit), byte for byte, without PHP:
 *
 *   decimal     wc_format_decimal(floatval($v), false, true), then
 *               $wpdb->prepare('%f', ...), which WordPress rewrites to '%F'
 *   int         (int) $v, then '%d'
 *   bool        wc_string_to_bool($v), then '%d'
 *   date_epoch  (new DateTime("@$v"))->format('Y-m-d H:i:s'), UTC
 *
 * Each function says which PHP behaviour it follows.  The facts come from
 * reading php-src (Zend/zend_operators.c, Zend/zend_strtod.c, main/snprintf.c,
 * ext/standard/formatted_print.c, ext/date/lib/parse_date.re), WooCommerce
 * (includes/wc-formatting-functions.php, src/Database/Migrations/) and
 * WordPress (wpdb::prepare), and were checked against a PHP 8.2 binary.
 * No code was taken from any of them.
 *
 * Floating point: the code assumes IEEE-754 doubles and the default
 * round-to-nearest mode, as PHP itself does.
 */
#include "convert.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Shared number scanner                                              */
/* ------------------------------------------------------------------ */

/* The bytes PHP skips in front of a number, both in its string-to-double
 * conversion (floatval) and in its numeric-string test ((int) casts):
 * space, \t, \n, \r, \v, \f.  Nothing else (no NUL, no non-ASCII space). */
static int php_lead_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The decimal number at the start of a string, as PHP's strtod (David
 * Gay's) reads it: optional blanks, one optional sign, digits with an
 * optional '.', at least one digit in all, then an optional exponent that
 * counts only if a digit follows 'e'/'E' and its sign.  No hex, no "inf",
 * no "nan", no thousands separators; reading stops at the first byte that
 * does not fit, so "12abc" is 12 and "1,234.50" is 1. */
struct numtext {
	int ok;           /* at least one mantissa digit */
	int neg;          /* a '-' sign was read */
	int has_dot;      /* a '.' belongs to the number */
	int has_exp;      /* an exponent belongs to the number */
	const char *ip;   /* integer digits */
	size_t ni;
	const char *fp;   /* fraction digits */
	size_t nf;
	long exp;         /* explicit exponent, saturated like PHP's (see below) */
};

/* PHP's strtod replaces any exponent above 19999 by 19999 (it only has to
 * be large enough to overflow or underflow); this matters only for absurd
 * inputs such as a fraction with 25000 leading zeros and "e25010". */
#define PHP_EXP_SATURATE 19999L

static void scan_numtext(const char *s, size_t len, struct numtext *nt)
{
	size_t i = 0;

	memset(nt, 0, sizeof(*nt));
	if (!s)
		return;
	while (i < len && php_lead_space((unsigned char)s[i]))
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		nt->neg = s[i] == '-';
		i++;
	}
	nt->ip = s + i;
	while (i < len && is_digit((unsigned char)s[i])) {
		i++;
		nt->ni++;
	}
	if (i < len && s[i] == '.') {
		size_t j = i + 1;

		nt->fp = s + j;
		while (j < len && is_digit((unsigned char)s[j]))
			j++;
		nt->nf = j - (i + 1);
		if (nt->ni || nt->nf) {
			nt->has_dot = 1;
			i = j;
		}
	}
	if (!nt->ni && !nt->nf)
		return; /* "", "abc", "-", ".", "+-3", "- 3": no number at all */
	nt->ok = 1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		int eneg = 0;
		long e = 0;

		if (j < len && (s[j] == '+' || s[j] == '-')) {
			eneg = s[j] == '-';
			j++;
		}
		if (j < len && is_digit((unsigned char)s[j])) {
			while (j < len && is_digit((unsigned char)s[j])) {
				if (e <= PHP_EXP_SATURATE)
					e = e * 10 + (s[j] - '0');
				j++;
			}
			if (e > PHP_EXP_SATURATE)
				e = PHP_EXP_SATURATE;
			nt->exp = eneg ? -e : e;
			nt->has_exp = 1;
		}
		/* else "1e", "1e+": the 'e' is trailing junk, the number is 1 */
	}
}

/* Significant digits kept before the rest is folded into one sticky digit.
 * The decimal expansion of a midpoint between two adjacent doubles has at
 * most 767 significant digits, so keeping 800 (plus a nonzero sticky digit
 * when anything nonzero was cut) never changes which double is nearest. */
#define SIG_DIGITS_MAX 800
/* Beyond 10^±100000 every mantissa of <= 801 digits overflows/underflows. */
#define SCALE_CLAMP 100000

/* The double nearest to the scanned number (ties to even), as PHP's
 * strtod returns it; overflow gives +-INF, underflow +-0.  The digits are
 * handed to the C library's strtod (correctly rounded in glibc and musl) in
 * a form without a decimal point, so the locale cannot interfere. */
static double numtext_value(const struct numtext *nt)
{
	char buf[SIG_DIGITS_MAX + 40];
	size_t n = 0, dropped = 0, k;
	int sticky = 0;
	long long scale;
	int w;

	if (!nt->ok)
		return 0.0; /* PHP returns +0.0 for "no number", even after '-' */
	if (nt->neg)
		buf[n++] = '-';
	for (k = 0; k < nt->ni + nt->nf; k++) {
		char c = k < nt->ni ? nt->ip[k] : nt->fp[k - nt->ni];

		if (n == (size_t)nt->neg && c == '0')
			continue; /* leading zero */
		if (n - (size_t)nt->neg < SIG_DIGITS_MAX) {
			buf[n++] = c;
		} else {
			dropped++;
			if (c != '0')
				sticky = 1;
		}
	}
	if (n == (size_t)nt->neg)
		return nt->neg ? -0.0 : 0.0; /* "-0", "-0.000": PHP keeps the sign */
	scale = (long long)nt->exp - (long long)nt->nf + (long long)dropped;
	if (sticky) {
		buf[n++] = '1';
		scale--;
	}
	if (scale > SCALE_CLAMP)
		scale = SCALE_CLAMP;
	if (scale < -SCALE_CLAMP)
		scale = -SCALE_CLAMP;
	w = snprintf(buf + n, sizeof(buf) - n, "e%lld", scale);
	if (w < 0 || (size_t)w >= sizeof(buf) - n)
		return 0.0; /* cannot happen: the exponent has at most 7 characters */
	return strtod(buf, NULL);
}

/* floatval($s) / (float)$s on a string: PHP hands the string to its strtod
 * (zval_get_double() -> zend_strtod()), i.e. the leading numeric part as
 * described at scan_numtext(), 0 when there is none. */
double conv_php_floatval(const char *s, size_t len)
{
	struct numtext nt;

	scan_numtext(s, len, &nt);
	return numtext_value(&nt);
}

/* ------------------------------------------------------------------ */
/* decimal                                                            */
/* ------------------------------------------------------------------ */

/* PHP's sprintf() refuses precisions above 53 (it warns and uses 53). */
#define PHP_MAX_FLOAT_PRECISION 53
/* "-", 309 integer digits, ".", 53 decimals, NUL, with room to spare. */
#define FIXED_BUF 400

/* PHP's sprintf('%.Nf') / '%F' of a finite double: the decimal value of
 * the double correctly rounded to N places, ties to even (PHP formats with
 * zend_dtoa() mode 3, glibc's printf gives the same digits), except that
 * negative zero prints without a sign (PHP tests value == 0.0 and clears
 * the sign), while a negative number that merely rounds to zero keeps it:
 * -7e-15 prints as "-0.000000". */
static void php_fixed(double d, int prec, char *buf, size_t bufsz)
{
	if (d == 0.0)
		d = 0.0; /* drop the sign of -0.0 */
	snprintf(buf, bufsz, "%.*f", prec, d);
	if (prec > 0 && !strchr(buf, '.')) {
		/* Only if someone switched LC_NUMERIC: PHP's %F and WooCommerce's
		 * str_replace() both end up with a '.'. */
		const char *dp = localeconv()->decimal_point;
		char *at = dp && *dp ? strstr(buf, dp) : NULL;

		if (at) {
			size_t dl = strlen(dp);

			*at = '.';
			memmove(at + 1, at + dl, strlen(at + dl) + 1);
		}
	}
}

/* Number of digits before the '.' (or the end) of a formatted number. */
static size_t int_digits(const char *p)
{
	size_t n = 0;

	if (*p == '-')
		p++;
	while (is_digit((unsigned char)*p++))
		n++;
	return n;
}

/* decimal column value, as WooCommerce's migrator writes it:
 *  1. floatval($v)                                 (conv_php_floatval)
 *  2. wc_format_decimal($f, false, true): with $f a float and $dp false it
 *     prints sprintf('%.' . wc_get_rounding_precision() . 'f', $f) and, the
 *     result containing a '.', strips trailing '0's and then the '.', so
 *     -7e-15 gives "-0" and 50.0 gives "50";
 *  3. $wpdb->prepare('%f') became '%F' in WordPress: PHP's vsprintf reads
 *     that string back as a double (strtod again) and prints 6 decimals.
 * With a precision above 6 this rounds twice (at P places, then at 6),
 * exactly like PHP.  For INF (floatval of "1e400") PHP's sprintf prints
 * "INF" for either sign; that has no '.', stays as it is, and reads back
 * as 0, so WooCommerce writes 0.000000.  The status is CONV_OUT_OF_RANGE
 * for that case and whenever the 6-decimal result has more than 18
 * integer digits (decimal(26,8) holds 18), CONV_OK otherwise. */
/* The usual value ("12.50", "-3", "0.00") without floating point: a plain
 * decimal, no exponent, at most 6 and at most `precision` decimals, and so
 * few integer digits that both printings above (precision places, then 6)
 * show at most 15 significant digits.  A double round-trips 15 decimal
 * digits, so each printing gives back the text's own digits: the result is
 * them with exactly 6 decimals (zero without a sign).  1: fin is set;
 * 0: not such a value, take the general path. */
static int decimal_plain(const struct numtext *nt, int precision, char fin[FIXED_BUF])
{
	const char *ip = nt->ip;
	size_t ni = nt->ni, n = 0;
	int zero = 1;

	if (!nt->ok || nt->has_exp || nt->nf > 6 || nt->nf > (size_t)precision)
		return 0;
	while (ni && *ip == '0') {
		ip++;
		ni--;
	}
	if (ni + (size_t)(precision > 6 ? precision : 6) > 15)
		return 0;
	for (size_t k = 0; k < nt->nf && zero; k++)
		zero = nt->fp[k] == '0';
	if (nt->neg && (ni || !zero))
		fin[n++] = '-';
	if (!ni)
		fin[n++] = '0';
	memcpy(fin + n, ip, ni);
	n += ni;
	fin[n++] = '.';
	for (size_t k = 0; k < 6; k++)
		fin[n++] = k < nt->nf ? nt->fp[k] : '0';
	fin[n] = '\0';
	return 1;
}

int conv_decimal(const char *s, size_t len, int precision, char *out, size_t outsz)
{
	char mid[FIXED_BUF], fin[FIXED_BUF];
	int rc = CONV_OK;
	struct numtext nt;
	double v, back;

	if (precision < 0)
		precision = 0;
	if (precision > PHP_MAX_FLOAT_PRECISION)
		precision = PHP_MAX_FLOAT_PRECISION;

	scan_numtext(s, len, &nt);
	if (decimal_plain(&nt, precision, fin))
		goto done;
	v = numtext_value(&nt);
	if (!isfinite(v)) {
		back = 0.0; /* "INF" read back by strtod */
		rc = CONV_OUT_OF_RANGE;
	} else {
		php_fixed(v, precision, mid, sizeof(mid));
		if (strchr(mid, '.')) {
			size_t n = strlen(mid);

			while (n > 0 && mid[n - 1] == '0')
				n--;
			while (n > 0 && mid[n - 1] == '.')
				n--;
			mid[n] = '\0';
		}
		back = conv_php_floatval(mid, strlen(mid));
	}
	php_fixed(back, 6, fin, sizeof(fin));
done:
	if (int_digits(fin) > 18)
		rc = CONV_OUT_OF_RANGE;
	if (out && outsz) {
		/* Only an out-of-range value (>= 1e56) can be longer than a
		 * CONV_DECIMAL_MAX buffer; it is then cut to fit. */
		size_t n = strlen(fin);

		if (n >= outsz)
			n = outsz - 1;
		memcpy(out, fin, n);
		out[n] = '\0';
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* int                                                                */
/* ------------------------------------------------------------------ */

/* (int)$s in PHP 8 on 64 bits (zval_get_long() -> is_numeric_string with
 * errors allowed, then zend_dval_to_lval_cap() for non-integers):
 *  - the leading number as in scan_numtext(); trailing junk is ignored
 *    ("12abc" -> 12, " 12 " -> 12, "0x1A" -> 0, "abc" -> 0, "" -> 0);
 *  - plain digits (no '.', no exponent) are taken exactly; past the 64-bit
 *    range PHP goes through a double and saturates, which comes to
 *    PHP_INT_MAX / PHP_INT_MIN;
 *  - anything with '.' or an exponent ("12.9", "1e3", "1.5e3") is read as a
 *    double and truncated toward zero (12, 1000, 1500; "-12.9" -> -12);
 *    doubles >= 2^63 give PHP_INT_MAX, below -2^63 PHP_INT_MIN, and an
 *    infinite one ("1e400") gives 0.
 * The column is bigint unsigned: CONV_OUT_OF_RANGE when the result is
 * negative, or PHP saturated or zeroed the value; *out is PHP's result
 * either way (WooCommerce writes it with '%d'). */
int conv_php_int(const char *s, size_t len, int64_t *out)
{
	struct numtext nt;
	int64_t r;
	double d;

	scan_numtext(s, len, &nt);
	if (!nt.ok) {
		*out = 0;
		return CONV_OK;
	}
	if (!nt.has_dot && !nt.has_exp) {
		uint64_t mag = 0, limit = nt.neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
		int over = 0;

		for (size_t k = 0; k < nt.ni; k++) {
			unsigned dig = (unsigned)(nt.ip[k] - '0');

			if (mag > (limit - dig) / 10) {
				over = 1;
				break;
			}
			mag = mag * 10 + dig;
		}
		if (over) {
			*out = nt.neg ? INT64_MIN : INT64_MAX;
			return CONV_OUT_OF_RANGE;
		}
		if (nt.neg)
			r = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
		else
			r = (int64_t)mag;
		*out = r;
		return r < 0 ? CONV_OUT_OF_RANGE : CONV_OK;
	}
	d = numtext_value(&nt);
	if (!isfinite(d)) {
		*out = 0;
		return CONV_OUT_OF_RANGE;
	}
	if (d >= 9223372036854775808.0) {
		*out = INT64_MAX;
		return CONV_OUT_OF_RANGE;
	}
	if (d < -9223372036854775808.0) {
		*out = INT64_MIN;
		return CONV_OUT_OF_RANGE;
	}
	r = (int64_t)d;
	*out = r;
	return r < 0 ? CONV_OUT_OF_RANGE : CONV_OK;
}

/* ------------------------------------------------------------------ */
/* bool                                                               */
/* ------------------------------------------------------------------ */

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int eq_ascii_nocase(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower((unsigned char)s[i]) != (unsigned char)word[i])
			return 0;
	return 1;
}

/* wc_string_to_bool(): true when strtolower($s) is exactly 'yes' or 'true'
 * (strtolower is ASCII-only since PHP 8.2 and the words are ASCII anyway)
 * or $s is exactly '1'.  No trimming: ' yes', 'yes ', 'on', 'y', '2', '',
 * 'no', 'false', '0' are false.  NULL is false too. */
int conv_bool(const char *s, size_t len)
{
	if (!s)
		return 0;
	if (len == 1 && s[0] == '1')
		return 1;
	return eq_ascii_nocase(s, len, "yes") || eq_ascii_nocase(s, len, "true");
}

/* ------------------------------------------------------------------ */
/* date_epoch                                                         */
/* ------------------------------------------------------------------ */

/* C isspace() in the "C" locale: PHP's date parser drops these from both
 * ends of the whole string before scanning.  The string starts with '@',
 * so only the end matters. */
static int c_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Bytes the date scanner steps over between tokens: ' ', '\t', '\n', ',',
 * '.', NUL (not '\v', '\f', '\r', which are errors inside the string). */
static int scan_skip(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ',' || c == '.' || c == '\0';
}

/* Bytes no token of the date grammar can start with; meeting one at a
 * token boundary is the "Unexpected character" error.  Letters, digits,
 * '+', '-', '@', '(' and the skip bytes can start something. */
static int scan_bad(unsigned char c)
{
	if (c >= 0x80 || c == 0x7f)
		return 1;
	if (c < 0x20)
		return !(c == '\t' || c == '\n' || c == '\0');
	return strchr("!\"#$%&')*/:;<=>?[\\]^_`{|}~", c) != NULL;
}

/* "-D-D" or "-DD-DD" (1 or 2 digits each) followed by the end, or by ' ',
 * 'T' or 't' and a digit: the tail of "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS"
 * or "YYYY-MM-DDTHH:MM:SS".  After the "@YYYY" timestamp, PHP reads "-MM"
 * as a timezone offset (the timestamp already set one: a warning) and
 * "-DD" as another (an error, "Double timezone specification"). */
static int date_like_tail(const char *p, const char *e)
{
	for (int part = 0; part < 2; part++) {
		int nd = 0;

		if (p >= e || *p != '-')
			return 0;
		p++;
		while (p < e && nd < 3 && is_digit((unsigned char)*p)) {
			p++;
			nd++;
		}
		if (nd < 1 || nd > 2)
			return 0;
	}
	if (p == e)
		return 1;
	return (*p == ' ' || *p == 'T' || *p == 't') && p + 1 < e && is_digit((unsigned char)p[1]);
}

/* 0000-01-30 and 0000-02-29 as days since 1970-01-01. */
#define PHP_Y0_JAN30 (-719499)
#define PHP_Y0_FEB29 (-719469)

/* Days since 1970-01-01 -> proleptic Gregorian year, month, day, for any
 * int64 day count that a 64-bit second count can produce.  Works in
 * 400-year cycles of 146097 days counted from 0000-03-01, so that the leap
 * day is the last day of each cycle year. */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468; /* days from 0000-03-01 to 1970-01-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                  /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                /* March = 0 */

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* date_epoch: (new DateTime("@$v"))->format('Y-m-d H:i:s') with PHP 8's
 * date parser (timelib), UTC.
 *
 * What PHP accepts, and what this reproduces exactly:
 *  - '@' directly followed by an optional '-' and digits: "0", "-1",
 *    "1705314600".  No '+', no blank, no '.' first: "@ 123", "@+5", "@.5",
 *    "@abc", "@" all throw.  Only the first 24 digits are read ("@" and 25
 *    zeros and a 1 is 0); a value outside int64 throws "Number out of range".
 *  - an optional fraction of 1 to 6 digits: "@1705314600.5".  A '.' with no
 *    digit after it throws ("@1.", "@1. ").  The fraction only moves the
 *    instant inside the second, so the output is floor(v): "-0.5" is
 *    1969-12-31 23:59:59, "-1.5" is 23:59:58.  More than 6 fraction digits
 *    leave the rest to be read as another token.
 *  - then blanks: trailing isspace() bytes are dropped ("123 ", "123\n"),
 *    and ' ', '\t', '\n', ',', '.', NUL are stepped over.
 * What certainly throws (CONV_INVALID, *php_throws = 1): the cases above, a
 * byte no date token can start with right after the number ("12:00" at
 * ':', "123;"), a bare 1-3 digit number at the end ("1 2"), and the
 * date-like tail of "2024-01-01 10:00:00" ("Double timezone
 * specification").  Anything else after the number (a zone name, "+1 day",
 * "tomorrow", a 4-digit "time") is parsed by PHP with results this code
 * does not model: CONV_INVALID with *php_throws = 0, so that the order is
 * skipped rather than migrated with a guessed date.
 * Year outside 0001..9999 (MySQL datetime): CONV_OUT_OF_RANGE, out still
 * holds PHP's text (years have at least 4 digits, '-' before negative
 * ones: "10000-01-01 00:00:00", "0000-12-31 23:59:59").
 * Empty input is the caller's business (WooCommerce writes NULL for ''
 * without calling DateTime); called with len 0 this behaves as PHP does
 * for "@" (what a NULL meta_value becomes): it throws. */
/* The number after '@' in s[0, end): sign, integer digits, fraction. */
struct epoch_num {
	int neg;
	int frac_nonzero;  /* a nonzero digit among the first 6 of the fraction */
	size_t dstart, ndig;
	size_t next;       /* the first byte after the number */
};

/* Read the number (see conv_epoch_ex()).  CONV_OK, or CONV_INVALID with
 * *php_throws saying whether PHP certainly throws. */
static int epoch_scan(const char *s, size_t end, struct epoch_num *n, int *php_throws)
{
	size_t i = 0;

	memset(n, 0, sizeof(*n));
	if (i < end && s[i] == '-') {
		n->neg = 1;
		i++;
	}
	if (i >= end || !is_digit((unsigned char)s[i]))
		return CONV_INVALID; /* '@' cannot start a token */
	n->dstart = i;
	while (i < end && is_digit((unsigned char)s[i]))
		i++;
	n->ndig = i - n->dstart;
	if (i < end && s[i] == '.') {
		size_t j = i + 1, nf;

		while (j < end && is_digit((unsigned char)s[j]))
			j++;
		nf = j - (i + 1);
		if (n->ndig > 24) {
			*php_throws = 0; /* digits past the 24th and a fraction */
			return CONV_INVALID;
		}
		if (nf == 0)
			return CONV_INVALID; /* "Found unexpected data" */
		if (nf > 6)
			nf = 6;
		for (size_t k = 0; k < nf; k++)
			if (s[i + 1 + k] != '0')
				n->frac_nonzero = 1;
		i += 1 + nf;
	}
	n->next = i;
	return CONV_OK;
}

/* What follows the number, up to e: nothing (blanks) is CONV_OK; else
 * CONV_INVALID with *php_throws set (see conv_epoch_ex()). */
static int epoch_tail(const char *p, const char *e, int *php_throws)
{
	const char *q;

	while (p < e && scan_skip((unsigned char)*p))
		p++;
	if (p == e)
		return CONV_OK;
	if (date_like_tail(p, e) || scan_bad((unsigned char)*p))
		return CONV_INVALID;
	q = p;
	while (q < e && is_digit((unsigned char)*q))
		q++;
	if (q > p && q - p <= 3) {
		while (q < e && scan_skip((unsigned char)*q))
			q++;
		if (q == e)
			return CONV_INVALID; /* a bare short number */
	}
	*php_throws = 0; /* valid PHP syntax this code does not model */
	return CONV_INVALID;
}

/* floor(v) of the read number whose first 24 digits make mag.  PHP does
 * this in wrapping 64-bit arithmetic, so "-9223372036854775808.5" comes
 * out as the largest timestamp; done here without signed overflow. */
static int64_t epoch_seconds(const struct epoch_num *n, uint64_t mag)
{
	uint64_t u;

	if (!n->neg)
		return (int64_t)mag;
	u = (uint64_t)0 - mag;
	if (n->frac_nonzero)
		u -= 1; /* a negative value with a fraction: one second earlier */
	return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/* secs as PHP's 'Y-m-d H:i:s' (UTC) into out; CONV_OK for years
 * 0001..9999, else CONV_OUT_OF_RANGE. */
static int epoch_format(int64_t secs, char out[CONV_DATE_MAX])
{
	int64_t days = secs / 86400, sod = secs % 86400, year;
	int mon, mday;

	if (sod < 0) {
		sod += 86400;
		days--;
	}
	/* PHP's own quirk: in year 0 (a leap year) it shows 30 January to 29
	 * February as the day before (29 January twice, no 29 February).
	 * Out of range anyway; copied so that out is PHP's text. */
	if (days >= PHP_Y0_JAN30 && days <= PHP_Y0_FEB29)
		days--;
	civil_from_days(days, &year, &mon, &mday);
	snprintf(out, CONV_DATE_MAX, "%s%04lld-%02d-%02d %02d:%02d:%02d",
		 year < 0 ? "-" : "", (long long)(year < 0 ? -year : year), mon, mday,
		 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	return year >= 1 && year <= 9999 ? CONV_OK : CONV_OUT_OF_RANGE;
}

int conv_epoch_ex(const char *s, size_t len, char out[CONV_DATE_MAX], int *php_throws)
{
	size_t end = len;
	int dummy, rc;
	uint64_t mag = 0, limit;
	struct epoch_num n;

	if (!php_throws)
		php_throws = &dummy;
	*php_throws = 1;
	out[0] = '\0';
	if (!s || !len)
		return CONV_INVALID;
	while (end > 0 && c_space((unsigned char)s[end - 1]))
		end--;
	if ((rc = epoch_scan(s, end, &n, php_throws)) != CONV_OK)
		return rc;
	/* Value of the first 24 digits; beyond int64 PHP refuses it. */
	limit = n.neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	for (size_t k = 0; k < n.ndig && k < 24; k++) {
		unsigned dig = (unsigned)(s[n.dstart + k] - '0');

		if (mag > (limit - dig) / 10)
			return CONV_INVALID; /* "Number out of range" */
		mag = mag * 10 + dig;
	}
	if ((rc = epoch_tail(s + n.next, s + end, php_throws)) != CONV_OK)
		return rc;
	*php_throws = 0;
	return epoch_format(epoch_seconds(&n, mag), out);
}

int conv_epoch(const char *s, size_t len, char out[CONV_DATE_MAX])
{
	return conv_epoch_ex(s, len, out, NULL);
}

/* ------------------------------------------------------------------ */
/* price decimals                                                     */
/* ------------------------------------------------------------------ */

int conv_price_decimals(const char *opt)
{
	int64_t d;

	if (!opt)
		return 2;       /* get_option()'s default */
	conv_php_int(opt, strlen(opt), &d);
	if (d < 0)
		d = d == INT64_MIN ? INT64_MAX : -d;    /* absint() */
	return d > CONV_PRICE_DECIMALS_MAX ? CONV_PRICE_DECIMALS_MAX : (int)d;
}
