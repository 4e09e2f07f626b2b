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

/* Replace every occurrence of from in the NUL-terminated string in sb with
 * to, in place (str_replace(); the string ends at its first NUL after). */
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

/* strip_tags(): s (n bytes) without its <...> runs, into out (terminated). */
static void strip_tags(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<') {
			while (i < n && s[i] != '>')
				i++;
			continue;
		}
		sb_addc(out, s[i]);
	}
	sb_adds(out, "");
}

/* sanitize_title_with_dashes(): a '%' stays only as the start of an octet
 * ("%" and two hex digits); s (n bytes) into out (terminated). */
static void keep_octets(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
				sb_add(out, s + i, 3);
				i += 2;
			}
			continue;
		}
		sb_addc(out, s[i]);
	}
	sb_adds(out, "");
}

/* utf8_uri_encode() when s (n bytes) seems UTF-8 (bytes >= 0x80 as "%xx",
 * lower-case hex), then strtolower(); into out (terminated). */
static void uri_encode_lower(struct strbuf *out, const char *s, size_t n)
{
	int utf8 = seems_utf8((const unsigned char *)s, n);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (utf8 && c >= 0x80)
			sb_addf(out, "%%%02x", c);
		else
			sb_addc(out, (char)tolower(c));
	}
	sb_adds(out, "");
}

/* The 'save' context, in place: nbsp, ndash, mdash (encoded or as
 * entities) and '/' become '-', the multiplication sign 'x'. */
static void save_context(struct strbuf *sb)
{
	static const char *const subst[][2] = {
		{ "%c2%a0", "-" },  { "%e2%80%93", "-" }, { "%e2%80%94", "-" }, { "&nbsp;", "-" },
		{ "&#160;", "-" },  { "&ndash;", "-" },   { "&#8211;", "-" },   { "&mdash;", "-" },
		{ "&#8212;", "-" }, { "/", "-" },         { "%c3%97", "x" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(subst); i++)
		replace_all(sb, subst[i][0], subst[i][1]);
}

/* Remove the remaining entities ('&.+?;'), turn '.' and ' ' into '-', keep
 * only [%a-z0-9_-]; s (n bytes) appended to out (not terminated when
 * nothing is kept). */
static void keep_slug_chars(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '&') {
			const char *semi = i + 2 < n ? memchr(s + i + 2, ';', n - i - 2) : NULL;

			if (semi) {
				i = (size_t)(semi - s);
				continue;
			}
		}
		if (c == '.')
			c = '-';
		if (c == '%' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' || c == '-')
			sb_addc(out, c == ' ' ? '-' : c);
	}
}

/* A run of '-' in s (n bytes) as one, into out (terminated). */
static void squeeze_dashes(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-' && out->len && out->buf[out->len - 1] == '-')
			continue;
		sb_addc(out, s[i]);
	}
	sb_adds(out, "");
}

/* The terminated string in sb without leading and trailing '-', as a new
 * allocation; sb is released. */
static char *trim_dashes(struct strbuf *sb)
{
	char *s = sb->buf, *e;

	while (*s == '-')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == '-')
		e--;
	*e = '\0';
	s = xstrdup(s);
	sb_release(sb);
	return s;
}

/* sanitize_title($title) in the 'save' context: the filters WordPress
 * runs, in order, each from one buffer into the other. */
char *wp_sanitize_title(const char *title, size_t len)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	strip_tags(&a, title, len);
	keep_octets(&b, a.buf, a.len);
	sb_reset(&a);
	uri_encode_lower(&a, b.buf, b.len);
	save_context(&a);
	sb_reset(&b);
	keep_slug_chars(&b, a.buf, a.len);
	sb_reset(&a);
	squeeze_dashes(&a, b.buf, b.len);
	sb_release(&b);
	return trim_dashes(&a);
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

/* At s[i] = '&': a named entity &NAME; (NAME [A-Za-z]{2,8}[0-9]{0,2}) is
 * kept when allowed_entity(), else its '&' escaped.  Returns the index of
 * its ';' (the entity appended to out), or 0 when s[i] starts none. */
static size_t named_entity(struct strbuf *out, const char *s, size_t n, size_t i)
{
	size_t j = i + 1, k;

	while (j < n && j - i - 1 < 8 && isalpha((unsigned char)s[j]))
		j++;
	if (j - i - 1 < 2)
		return 0;
	k = j;
	while (k < n && k - j < 2 && isdigit((unsigned char)s[k]))
		k++;
	if (k >= n || s[k] != ';')
		return 0;
	if (allowed_entity(s + i + 1, k - i - 1)) {
		sb_add(out, s + i, k - i + 1);
	} else {
		sb_adds(out, "&amp;");
		sb_add(out, s + i + 1, k - i);
	}
	return k;
}

/* At s[i] = '&': a numeric entity &#NNN; (0*[0-9]{1,7}) or &#xHHH;
 * (0*[0-9A-Fa-f]{1,6}): decimal ones written with at least 3 digits, hex
 * ones without leading zeros, a code point valid_unicode() refuses with
 * its '&' escaped.  Returns the index of its ';' (the entity appended to
 * out), or 0 when s[i] starts none. */
static size_t numeric_entity(struct strbuf *out, const char *s, size_t n, size_t i)
{
	int hex;
	size_t d0, z, k;
	char num[16];
	unsigned long v;

	if (i + 2 >= n || s[i + 1] != '#')
		return 0;
	hex = s[i + 2] == 'x' || s[i + 2] == 'X';
	d0 = i + 2 + (size_t)hex;
	z = d0;
	while (z < n && s[z] == '0')
		z++;
	k = z;
	while (k < n && (hex ? is_hex(s[k]) : isdigit((unsigned char)s[k])) && k - z < (hex ? 6u : 7u))
		k++;
	if (k >= n || s[k] != ';' || k <= d0)
		return 0;
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
	return k;
}

/* wp_kses_normalize_entities() on s (n bytes, html context), appended to
 * out: entities normalized, every other '&' as "&amp;". */
static void kses_normalize_entities(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t end;

		if (s[i] != '&') {
			sb_addc(out, s[i]);
			continue;
		}
		end = named_entity(out, s, n, i);
		if (!end)
			end = numeric_entity(out, s, n, i);
		if (end)
			i = end;
		else
			sb_adds(out, "&amp;");
	}
}

static int url_char_ok(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || strchr("-~+_.?#=!&;,/:%@$|*'()[]", c) != NULL;
}

/* esc_url()'s first cleaning of in (n bytes): leading whitespace dropped,
 * ' ' as "%20", characters outside its allowed set dropped; into out. */
static void url_keep_chars(struct strbuf *out, const char *in, size_t n)
{
	size_t i = 0;

	while (i < n && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r' || in[i] == '\0' || in[i] == '\v'))
		i++;
	for (; i < n; i++) {
		if (in[i] == ' ')
			sb_adds(out, "%20");
		else if (url_char_ok((unsigned char)in[i]))
			sb_addc(out, in[i]);
	}
}

/* _deep_replace() of %0d, %0a, %0D, %0A in sb, in place, until none is
 * left (a removal can join a new one). */
static void strip_crlf_octets(struct strbuf *sb)
{
	int again = 1;

	while (again) {
		again = 0;
		for (size_t i = 0; i + 3 <= sb->len; i++)
			if (sb->buf[i] == '%' && sb->buf[i + 1] == '0' &&
			    (sb->buf[i + 2] == 'd' || sb->buf[i + 2] == 'a' || sb->buf[i + 2] == 'D' || sb->buf[i + 2] == 'A')) {
				memmove(sb->buf + i, sb->buf + i + 3, sb->len - i - 3 + 1);
				sb->len -= 3;
				again = 1;
				break;
			}
	}
}

/* A URL with no ':' that starts with none of "/#?" gets "http://" in
 * front, unless it names a PHP file ("name.php..."); sb in place. */
static void add_http(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	size_t k = 0;

	if (strchr(sb->buf, ':') || strchr("/#?", sb->buf[0]))
		return;
	while (isalnum((unsigned char)sb->buf[k]) || sb->buf[k] == '-')
		k++;
	if (k > 0 && !strncasecmp(sb->buf + k, ".php", 4))
		return;
	sb_adds(&out, "http://");
	sb_add(&out, sb->buf, sb->len);
	sb_release(sb);
	*sb = out;
}

/* The 'display' context, sb in place: entities normalized, '&' as
 * "&#038;" and "'" as "&#039;". */
static void display_escape(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;

	kses_normalize_entities(&out, sb->buf, sb->len);
	sb_adds(&out, "");
	sb_release(sb);
	*sb = out;
	replace_all(sb, "&amp;", "&#038;");
	replace_all(sb, "'", "&#039;");
}

/* wp_kses_bad_protocol(): a scheme before the first ':' (unless a "/?"
 * precedes it, or the URL starts with '/') must be an allowed one; it is
 * lower-cased in sb.  1 allowed, 0 not (the URL is then emptied). */
static int good_protocol(struct strbuf *sb)
{
	static const char *const protocols[] = { "http",  "https", "ftp",  "ftps",   "mailto", "news", "irc",
						 "irc6",  "ircs",  "gopher", "nntp", "feed",   "telnet", "mms",
						 "rtsp",  "sms",   "svn",  "tel",    "fax",    "xmpp",   "webcal", "urn" };
	char *colon, *pre;
	size_t sl;
	int ok = 0;

	if (sb->buf[0] == '/' || (colon = strchr(sb->buf, ':')) == NULL)
		return 1;
	sl = (size_t)(colon - sb->buf);
	pre = xstrndup(sb->buf, sl);
	if (strstr(pre, "/?"))
		ok = 1;
	for (size_t i = 0; i < ARRAY_SIZE(protocols) && !ok; i++)
		if (strlen(protocols[i]) == sl && !strncasecmp(protocols[i], sb->buf, sl)) {
			ok = 1;
			for (size_t k = 0; k < sl; k++)
				sb->buf[k] = (char)tolower((unsigned char)sb->buf[k]);
		}
	free(pre);
	return ok;
}

/* esc_url($url, null, $context) on in (n bytes): display = 1 for the
 * 'display' context, 0 for 'db'.  Returns an allocated string ("" when
 * nothing is left or the protocol is not allowed). */
static char *esc_url(const char *in, size_t n, int display)
{
	struct strbuf a = STRBUF_INIT;

	url_keep_chars(&a, in, n);
	if (!a.len) {
		sb_release(&a);
		return xstrdup("");
	}
	if (strncasecmp(a.buf, "mailto:", 7))
		strip_crlf_octets(&a);
	replace_all(&a, ";//", "://");
	add_http(&a);
	if (display)
		display_escape(&a);
	if (!good_protocol(&a)) {
		sb_release(&a);
		return xstrdup("");
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
