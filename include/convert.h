/* convert.h - WooCommerce's value conversions, posts -> HPOS, as pure C.
 *
 * Each function reproduces what WooCommerce's migrator (PHP 8) would send
 * to MySQL for one postmeta/post value, and says where the result would not
 * fit its HPOS column (WooCommerce then truncates or clips silently; hposctl
 * skips the order and reports it).
 */
#ifndef HPOS_CONVERT_H
#define HPOS_CONVERT_H

#include <stddef.h>
#include <stdint.h>

enum conv_result {
	CONV_OK = 0,
	CONV_INVALID = -1,     /* WooCommerce's migrator would fail (e.g. DateTime throws) */
	CONV_OUT_OF_RANGE = -2 /* would be clipped/truncated by MySQL in non-strict mode */
};

#define CONV_DECIMAL_MAX 64
#define CONV_DATE_MAX 32

/* decimal: wc_format_decimal(floatval(v), false, true) printed with %F.
 * precision is wc_get_rounding_precision() (max(price_decimals + 2, 6)).
 * out receives e.g. "12.370000", "0.000000", "-0.000000".  CONV_OUT_OF_RANGE
 * when the value does not fit decimal(26,8) (|v| >= 1e18, inf, nan); out
 * still receives WooCommerce's string. */
int conv_decimal(const char *s, size_t len, int precision, char *out, size_t outsz);

/* PHP floatval() of a string (leading numeric prefix, else 0). */
double conv_php_floatval(const char *s, size_t len);

/* PHP (int) cast of a string, 64-bit.  *out receives PHP's result.
 * CONV_OUT_OF_RANGE when the result is negative or the text's value exceeds
 * what PHP can represent exactly (the column is bigint unsigned). */
int conv_php_int(const char *s, size_t len, int64_t *out);

/* wc_string_to_bool(): 1 for 'yes'/'true' (ASCII case-insensitive) or '1'. */
int conv_bool(const char *s, size_t len);

/* date_epoch: new DateTime("@" . v) formatted 'Y-m-d H:i:s' (UTC).
 * CONV_INVALID when PHP would throw; CONV_OUT_OF_RANGE when the year is
 * outside 0001..9999 (MySQL datetime).  Empty input is the caller's job
 * (empty -> NULL). */
int conv_epoch(const char *s, size_t len, char out[CONV_DATE_MAX]);

#endif
