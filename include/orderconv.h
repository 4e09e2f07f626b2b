/* orderconv.h - the value one postmeta/post value becomes in its HPOS
 * column, as text, shared by sync (which quotes it into SQL) and verify
 * (which compares it with what HPOS holds).  The mapping is colmaps[]
 * (mapping.h); the conversions are convert.h's. */
#ifndef HPOS_ORDERCONV_H
#define HPOS_ORDERCONV_H

#include <stddef.h>
#include "convert.h"

enum ocv_result {
	OCV_NULL = 0,  /* the column gets NULL; a later duplicate meta row may still set it */
	OCV_SET = 1,   /* v->s/v->len hold the value */
	OCV_BAD = -1,  /* sync refuses the order; v->why says why */
};

struct ocv {
	const char *s;     /* the value (into raw or into buf) */
	size_t len;
	int quote;         /* 1: a string/date literal; 0: a number */
	char buf[CONV_DECIMAL_MAX];
	char why[256];
};

/* Convert raw (NULL = SQL NULL meta_value) for colmaps[ci], WooCommerce's
 * way.  precision is wc_get_rounding_precision(); allow_truncation keeps
 * values that do not fit (as WooCommerce does) instead of OCV_BAD. */
int orderconv(unsigned ci, const char *raw, size_t len, int precision, int allow_truncation, struct ocv *v);

#endif
