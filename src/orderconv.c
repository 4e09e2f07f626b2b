/* orderconv.c - one source value -> its HPOS column value (see orderconv.h). */
#include "orderconv.h"
#include "mapping.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define TEXT_MAX_BYTES 65535u

static const char *source_name(const struct colmap *c)
{
	if (c->meta_key)
		return c->meta_key;
	return c->post_col >= 0 && c->post_col < PC_COUNT ? post_col_name[c->post_col] : "?";
}

static int bad(struct ocv *v, const char *fmt, ...) HPOS_PRINTF(2, 3);
static int bad(struct ocv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	v->s = NULL;
	v->len = 0;
	return OCV_BAD;
}

static int set(struct ocv *v, const char *s, size_t len, int quote)
{
	v->s = s;
	v->len = len;
	v->quote = quote;
	return OCV_SET;
}

int orderconv(unsigned ci, const char *raw, size_t len, int precision, int allow_truncation, struct ocv *v)
{
	const struct colmap *c = &colmaps[ci];
	int64_t iv;
	int r;

	v->why[0] = '\0';
	switch (c->type) {
	case CT_INT:
		if (c->post_col != PC_NONE)
			return set(v, raw ? raw : "", raw ? len : 0, 0); /* a bigint unsigned column */
		r = conv_php_int(raw ? raw : "", raw ? len : 0, &iv);
		if (r == CONV_OUT_OF_RANGE && !allow_truncation)
			return bad(v, "column %s (%s): value \"%.40s\" (%zu bytes) does not fit bigint unsigned",
				   c->column, source_name(c), raw ? raw : "", len);
		snprintf(v->buf, sizeof(v->buf), "%lld", (long long)iv);
		return set(v, v->buf, strlen(v->buf), 0);
	case CT_DECIMAL:
		r = conv_decimal(raw ? raw : "", raw ? len : 0, precision, v->buf, sizeof(v->buf));
		if (r == CONV_OUT_OF_RANGE && !allow_truncation)
			return bad(v, "column %s (%s): value \"%.40s\" (%zu bytes) does not fit decimal(26,8)",
				   c->column, source_name(c), raw ? raw : "", len);
		return set(v, v->buf, strlen(v->buf), 0);
	case CT_BOOL:
		return set(v, raw && conv_bool(raw, len) ? "1" : "0", 1, 0);
	case CT_STRING:
		if (!raw)
			return OCV_NULL;
		if (!allow_truncation) {
			if (c->varchar && utf8_chars(raw, len) > c->varchar)
				return bad(v, "column %s (%s): value of %zu characters is longer than varchar(%u)",
					   c->column, source_name(c), utf8_chars(raw, len), c->varchar);
			if (c->text && len > TEXT_MAX_BYTES)
				return bad(v, "column %s (%s): value of %zu bytes is longer than TEXT (65535 bytes)",
					   c->column, source_name(c), len);
		}
		return set(v, raw, len, 1);
	case CT_DATE:
		/* Post columns are MySQL datetimes already; PHP's round trip
		 * through DateTime leaves them unchanged ('0000-00-00 00:00:00'
		 * becomes '-0001-11-30', which MySQL stores as the zero date). */
		if (!raw || !len)
			return OCV_NULL;
		return set(v, raw, len, 1);
	case CT_EPOCH:
		if (raw && len == 0)
			return OCV_NULL;
		r = raw ? conv_epoch(raw, len, v->buf) : CONV_INVALID;
		if (r == CONV_INVALID)
			return bad(v, "column %s (%s): value \"%.40s\" (%zu bytes) is not a Unix timestamp",
				   c->column, source_name(c), raw ? raw : "NULL", raw ? len : 0);
		if (r == CONV_OUT_OF_RANGE && !allow_truncation)
			return bad(v, "column %s (%s): timestamp \"%.40s\" is outside the datetime range",
				   c->column, source_name(c), raw);
		return set(v, v->buf, strlen(v->buf), 1);
	}
	return OCV_NULL;
}
