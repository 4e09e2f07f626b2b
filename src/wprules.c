/* wprules.c - WordPress / WooCommerce text rules for the backfill (see
 * wprules.h).  Each function follows the PHP function named in its comment,
 * limited to what an order post can hold; the limits are in
 * docs/backfill.md. */
#include "hposctl.h"
#include "wprules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *wp_order_title(const char *post_date)
{
	static const char *const months[] = { "January", "February", "March",     "April",   "May",      "June",
					      "July",    "August",   "September", "October", "November", "December" };
	int y, mo, d, h, mi, s;
	char buf[96];

	if (!post_date || sscanf(post_date, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6 || mo < 1 || mo > 12 ||
	    d < 1 || y < 1)
		return xstrdup("Order");
	snprintf(buf, sizeof(buf), "Order &ndash; %s %d, %d @ %02d:%02d %s", months[mo - 1], d, y,
		 h % 12 == 0 ? 12 : h % 12, mi, h < 12 ? "AM" : "PM");
	return xstrdup(buf);
}

/* seems_utf8(). */
static int seems_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], k;

		if (c < 0x80)
			k = 0;
		else if ((c & 0xE0) == 0xC0)
			k = 1;
		else if ((c & 0xF0) == 0xE0)
			k = 2;
		else if ((c & 0xF8) == 0xF0)
			k = 3;
		else if ((c & 0xFC) == 0xF8)
			k = 4;
		else if ((c & 0xFE) == 0xFC)
			k = 5;
		else
			return 0;
		i++;
		for (unsigned j = 0; j < k; j++, i++)
			if (i >= n || (s[i] & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

static int is_hex(int c)
{
	return isxdigit((unsigned char)c) != 0;
}

static void replace_all(struct strbuf *sb, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	struct strbuf out = STRBUF_INIT;
	const char *p;

	if (!sb->buf)
		return;
	p = sb->buf;
	for (;;) {
		const char *q = strstr(p, from);

		if (!q) {
			sb_adds(&out, p);
			break;
		}
		sb_add(&out, p, (size_t)(q - p));
		sb_add(&out, to, tl);
		p = q + fl;
	}
	sb_release(sb);
	*sb = out;
	if (!sb->buf)
		sb_adds(sb, "");
}

char *wp_sanitize_title(const char *title, size_t len)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t i;

	/* strip_tags() */
	for (i = 0; i < len; i++) {
		if (title[i] == '<') {
			while (i < len && title[i] != '>')
				i++;
			continue;
		}
		sb_addc(&a, title[i]);
	}
	sb_adds(&a, "");
	/* '%' only as part of an octet */
	for (i = 0; i < a.len; i++) {
		if (a.buf[i] == '%') {
			if (i + 2 < a.len && is_hex(a.buf[i + 1]) && is_hex(a.buf[i + 2])) {
				sb_add(&b, a.buf + i, 3);
				i += 2;
			}
			continue;
		}
		sb_addc(&b, a.buf[i]);
	}
	sb_adds(&b, "");
	sb_reset(&a);
	/* utf8_uri_encode() when it is UTF-8, then strtolower() */
	if (seems_utf8((const unsigned char *)b.buf, b.len)) {
		for (i = 0; i < b.len; i++) {
			unsigned char c = (unsigned char)b.buf[i];

			if (c >= 0x80)
				sb_addf(&a, "%%%02x", c);
			else
				sb_addc(&a, (char)tolower(c));
		}
	} else {
		for (i = 0; i < b.len; i++)
			sb_addc(&a, (char)tolower((unsigned char)b.buf[i]));
	}
	sb_adds(&a, "");
	/* the 'save' context: nbsp, ndash, mdash and '/' become '-', the
	 * multiplication sign 'x' */
	replace_all(&a, "%c2%a0", "-");
	replace_all(&a, "%e2%80%93", "-");
	replace_all(&a, "%e2%80%94", "-");
	replace_all(&a, "&nbsp;", "-");
	replace_all(&a, "&#160;", "-");
	replace_all(&a, "&ndash;", "-");
	replace_all(&a, "&#8211;", "-");
	replace_all(&a, "&mdash;", "-");
	replace_all(&a, "&#8212;", "-");
	replace_all(&a, "/", "-");
	replace_all(&a, "%c3%97", "x");
	/* remove the remaining entities ('&.+?;'), '.' -> '-', keep
	 * [%a-z0-9 _-], whitespace runs and dash runs -> one '-', trim '-' */
	sb_reset(&b);
	for (i = 0; i < a.len; i++) {
		char c = a.buf[i];

		if (c == '&') {
			const char *semi = i + 2 < a.len ? memchr(a.buf + i + 2, ';', a.len - i - 2) : NULL;

			if (semi) {
				i = (size_t)(semi - a.buf);
				continue;
			}
		}
		if (c == '.')
			c = '-';
		if (c == '%' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' || c == '-')
			sb_addc(&b, c == ' ' ? '-' : c);
	}
	sb_reset(&a);
	for (i = 0; i < b.len; i++) {
		if (b.buf[i] == '-' && a.len && a.buf[a.len - 1] == '-')
			continue;
		sb_addc(&a, b.buf[i]);
	}
	sb_release(&b);
	sb_adds(&a, "");
	{
		char *s = a.buf, *e;

		while (*s == '-')
			s++;
		e = s + strlen(s);
		while (e > s && e[-1] == '-')
			e--;
		*e = '\0';
		s = xstrdup(s);
		sb_release(&a);
		return s;
	}
}

void wp_truncate_slug(char *slug, size_t length)
{
	size_t n = strlen(slug);

	if (n > length)
		slug[n = length] = '\0';
	while (n > 0 && slug[n - 1] == '-')
		slug[--n] = '\0';
}

/* valid_unicode() of wp_kses_normalize_entities2/3. */
static int valid_unicode(unsigned long i)
{
	return i == 0x9 || i == 0xa || i == 0xd || (i >= 0x20 && i <= 0xd7ff) || (i >= 0xe000 && i <= 0xfffd) ||
	       (i >= 0x10000 && i <= 0x10ffff);
}

/* The named entities kses lets through (a subset of its list: the ones a
 * URL can plausibly carry; any other name stays escaped). */
static int allowed_entity(const char *name, size_t n)
{
	static const char *const names[] = { "amp", "lt", "gt", "quot", "nbsp", "apos", "copy", "reg", "trade",
					     "ndash", "mdash", "hellip", "euro", "pound", "yen", "cent", "sect",
					     "deg", "laquo", "raquo", "middot", "times", "divide" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && !memcmp(names[i], name, n))
			return 1;
	return 0;
}

/* wp_kses_normalize_entities() on s (html context). */
static void kses_normalize_entities(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (s[i] != '&') {
			sb_addc(out, s[i]);
			continue;
		}
		/* &NAME; with [A-Za-z]{2,8}[0-9]{0,2} */
		j = i + 1;
		while (j < n && j - i - 1 < 8 && isalpha((unsigned char)s[j]))
			j++;
		if (j - i - 1 >= 2) {
			size_t k = j;

			while (k < n && k - j < 2 && isdigit((unsigned char)s[k]))
				k++;
			if (k < n && s[k] == ';') {
				if (allowed_entity(s + i + 1, k - i - 1))
					sb_add(out, s + i, k - i + 1);
				else {
					sb_adds(out, "&amp;");
					sb_add(out, s + i + 1, k - i);
				}
				i = k;
				continue;
			}
		}
		/* &#NNN; (0*[0-9]{1,7}) and &#xHHH; (0*[0-9A-Fa-f]{1,6}) */
		if (i + 2 < n && s[i + 1] == '#') {
			int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
			size_t d0 = i + 2 + (size_t)hex, z = d0, k;

			while (z < n && s[z] == '0')
				z++;
			k = z;
			while (k < n && (hex ? is_hex(s[k]) : isdigit((unsigned char)s[k])) && k - z < (hex ? 6u : 7u))
				k++;
			if (k < n && s[k] == ';' && (k > d0)) {
				char num[16];
				unsigned long v;

				snprintf(num, sizeof(num), "%.*s", (int)(k - z), s + z);
				v = strtoul(k > z ? num : "0", NULL, hex ? 16 : 10);
				if (!valid_unicode(v)) {
					sb_adds(out, "&amp;#");
					if (hex)
						sb_addc(out, 'x');
					sb_add(out, s + d0, k - d0 + 1);
				} else if (hex) {
					sb_adds(out, "&#x");
					sb_add(out, s + z, k - z);
					sb_addc(out, ';');
				} else {
					sb_addf(out, "&#%03lu;", v);
				}
				i = k;
				continue;
			}
		}
		sb_adds(out, "&amp;");
	}
}

static int url_char_ok(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || strchr("-~+_.?#=!&;,/:%@$|*'()[]", c) != NULL;
}

/* esc_url($url, null, $context): display = 1 for the 'display' context. */
static char *esc_url(const char *in, size_t n, int display)
{
	static const char *const protocols[] = { "http",  "https", "ftp",  "ftps",   "mailto", "news", "irc",
						 "irc6",  "ircs",  "gopher", "nntp", "feed",   "telnet", "mms",
						 "rtsp",  "sms",   "svn",  "tel",    "fax",    "xmpp",   "webcal", "urn" };
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t i = 0;
	char *colon;

	while (i < n && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r' || in[i] == '\0' || in[i] == '\v'))
		i++;
	for (; i < n; i++) {
		if (in[i] == ' ')
			sb_adds(&a, "%20");
		else if (url_char_ok((unsigned char)in[i]))
			sb_addc(&a, in[i]);
	}
	if (!a.len) {
		sb_release(&a);
		return xstrdup("");
	}
	if (strncasecmp(a.buf, "mailto:", 7)) {
		int again = 1;

		while (again) {
			again = 0;
			for (i = 0; i + 3 <= a.len; i++)
				if (a.buf[i] == '%' && a.buf[i + 1] == '0' && (a.buf[i + 2] == 'd' || a.buf[i + 2] == 'a' ||
									    a.buf[i + 2] == 'D' || a.buf[i + 2] == 'A')) {
					memmove(a.buf + i, a.buf + i + 3, a.len - i - 3 + 1);
					a.len -= 3;
					again = 1;
					break;
				}
		}
	}
	replace_all(&a, ";//", "://");
	if (!strchr(a.buf, ':') && !strchr("/#?", a.buf[0])) {
		size_t k = 0;

		while (isalnum((unsigned char)a.buf[k]) || a.buf[k] == '-')
			k++;
		if (!(k > 0 && !strncasecmp(a.buf + k, ".php", 4))) {
			sb_adds(&b, "http://");
			sb_add(&b, a.buf, a.len);
			sb_release(&a);
			a = b;
			memset(&b, 0, sizeof(b));
		}
	}
	if (display) {
		kses_normalize_entities(&b, a.buf, a.len);
		sb_adds(&b, "");
		sb_release(&a);
		a = b;
		memset(&b, 0, sizeof(b));
		replace_all(&a, "&amp;", "&#038;");
		replace_all(&a, "'", "&#039;");
	}
	/* wp_kses_bad_protocol(): a scheme before the first ':' (unless a
	 * "/?" precedes it) must be an allowed one; it comes back lower case. */
	if (a.buf[0] != '/' && (colon = strchr(a.buf, ':')) != NULL) {
		size_t sl = (size_t)(colon - a.buf);
		int ok = 0;
		char *pre = xstrndup(a.buf, sl);

		if (strstr(pre, "/?")) {
			ok = 1;
		} else {
			for (i = 0; i < ARRAY_SIZE(protocols) && !ok; i++)
				if (strlen(protocols[i]) == sl && !strncasecmp(protocols[i], a.buf, sl)) {
					ok = 1;
					for (size_t k = 0; k < sl; k++)
						a.buf[k] = (char)tolower((unsigned char)a.buf[k]);
				}
		}
		free(pre);
		if (!ok) {
			sb_release(&a);
			return xstrdup("");
		}
	}
	return sb_detach(&a);
}

char *wp_guid_reescape(const char *guid, size_t len)
{
	char *shown = esc_url(guid, len, 1), *saved;
	struct strbuf k = STRBUF_INIT;

	/* pre_post_guid: wp_strip_all_tags (nothing left to strip),
	 * sanitize_url() (esc_url, db context), wp_filter_kses(). */
	saved = esc_url(shown, strlen(shown), 0);
	free(shown);
	kses_normalize_entities(&k, saved, strlen(saved));
	free(saved);
	sb_adds(&k, "");
	return sb_detach(&k);
}

char *wc_format_decimal_str(const char *v, size_t len, int trim)
{
	struct strbuf sb = STRBUF_INIT;
	const char *last = NULL;

	for (size_t i = 0; v && i < len; i++)
		if (v[i] == '.')
			last = v + i;
	if (last && last == v + len - 1)
		last = NULL;
	for (size_t i = 0; v && i < len; i++) {
		char ch = v[i];

		if ((ch >= '0' && ch <= '9') || ch == '-' || (ch == '.' && v + i == last))
			sb_addc(&sb, ch);
	}
	sb_adds(&sb, "");
	if (trim && strchr(sb.buf, '.')) {
		while (sb.len && sb.buf[sb.len - 1] == '0')
			sb.buf[--sb.len] = '\0';
		if (sb.len && sb.buf[sb.len - 1] == '.')
			sb.buf[--sb.len] = '\0';
	}
	return sb_detach(&sb);
}
