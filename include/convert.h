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
 * still receives WooCommerce's string (for inf that is "0.000000"; values
 * of 1e56 and more are cut to outsz - 1 bytes, still >= 1e18 for MySQL).
 * '' and a NULL meta_value both give "0.000000", as in PHP. */
int conv_decimal(const char *s, size_t len, int precision, char *out, size_t outsz);

/* PHP floatval() of a string (leading numeric prefix, else 0). */
double conv_php_floatval(const char *s, size_t len);

/* PHP (int) cast of a string, 64-bit.  *out receives PHP's result.
 * CONV_OUT_OF_RANGE when the result is negative or the text's value exceeds
 * what PHP can represent exactly (the column is bigint unsigned): PHP then
 * saturates to INT64_MAX/INT64_MIN, or gives 0 for an infinite double
 * ("1e400").  '' and a NULL meta_value both give 0. */
int conv_php_int(const char *s, size_t len, int64_t *out);

/* wc_get_price_decimals() from the option woocommerce_price_num_decimals
 * (NULL: missing, 2): absint(intval()), then clamped to
 * CONV_PRICE_DECIMALS_MAX, the most decimals PHP ever prints
 * (php_conv_fp() caps any precision at NDIG - 2 = 318; round() with more
 * places leaves a value as it is), so that a hostile setting can neither
 * overflow an int nor make a formatter print millions of digits. */
#define CONV_PRICE_DECIMALS_MAX 318
int conv_price_decimals(const char *opt);

/* wc_string_to_bool(): 1 for 'yes'/'true' (ASCII case-insensitive) or '1',
 * exactly (no trimming); 0 otherwise, and for s == NULL. */
int conv_bool(const char *s, size_t len);

/* date_epoch: new DateTime("@" . v) formatted 'Y-m-d H:i:s' (UTC).
 * CONV_INVALID when PHP would throw, and also for the rare values with text
 * after the number that PHP parses in ways not reproduced here ("123 UTC",
 * "123 +1 day"); CONV_OUT_OF_RANGE when the year is outside 0001..9999
 * (MySQL datetime), out then holds PHP's text.  Empty input is the caller's
 * job (empty -> NULL); len 0 is treated as PHP treats "@" (a NULL
 * meta_value): CONV_INVALID. */
int conv_epoch(const char *s, size_t len, char out[CONV_DATE_MAX]);
/* The same; on CONV_INVALID *php_throws (may be NULL) is 1 when PHP's
 * DateTime would certainly throw (WooCommerce then fails the whole batch),
 * 0 when the value is only outside what hposctl reproduces. */
int conv_epoch_ex(const char *s, size_t len, char out[CONV_DATE_MAX], int *php_throws);

#endif
