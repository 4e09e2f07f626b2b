/* util.c - allocation, error values, string buffers, small parsers. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>

int herr_vset(struct herr *e, int code, const char *fmt, va_list ap)
{
	if (e) {
		e->code = code;
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	}
	return -1;
}

int herr_set(struct herr *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	herr_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int herr_prefix(struct herr *e, const char *fmt, ...)
{
	char old[HERR_MSG_MAX], pre[HERR_MSG_MAX];
	va_list ap;

	if (!e)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	{
		/* Truncation of an over-long message is acceptable here. */
		struct strbuf sb = STRBUF_INIT;
		size_t n;

		sb_addf(&sb, "%s: %s", pre, old);
		n = sb.len < sizeof(e->msg) - 1 ? sb.len : sizeof(e->msg) - 1;
		memcpy(e->msg, sb.buf, n);
		e->msg[n] = '\0';
		sb_release(&sb);
	}
	return -1;
}

/* Allocation of n bytes failed: say so and abort() (not recoverable). */
static HPOS_NORETURN void oom(size_t n)
{
	fprintf(stderr, "hposctl: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void sb_grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;

	if (want <= sb->alloc)
		return;
	if (want < sb->alloc * 2)
		want = sb->alloc * 2;
	if (want < 64)
		want = 64;
	sb->buf = xrealloc(sb->buf, want);
	sb->alloc = want;
}

void sb_add(struct strbuf *sb, const void *data, size_t len)
{
	sb_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void sb_add_ids(struct strbuf *sb, const uint64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_addf(sb, "%s%llu", i ? "," : "", (unsigned long long)ids[i]);
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	sb_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->alloc - sb->len) {
		sb_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *sb_detach(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}

void sb_add_json_str(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sb_addc(sb, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': sb_adds(sb, "\\\""); break;
		case '\\': sb_adds(sb, "\\\\"); break;
		case '\n': sb_adds(sb, "\\n"); break;
		case '\r': sb_adds(sb, "\\r"); break;
		case '\t': sb_adds(sb, "\\t"); break;
		default: {
			/* C0 controls, DEL and the C1 controls (as UTF-8) escaped,
			 * so that JSON on a terminal cannot drive it either and
			 * the text filter of output.c finds nothing to change. */
			int c1 = c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
				 (unsigned char)s[i + 1] <= 0x9F;

			if (c1)
				c = (unsigned char)s[++i];
			if (c < 0x20 || c == 0x7f || c1) {
				char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
				sb_adds(sb, u);
			} else {
				sb_addc(sb, (char)c);
			}
		}
		}
	}
	sb_addc(sb, '"');
}

int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_duration(const char *s, double *seconds)
{
	double total = 0;
	int any = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		char *end;
		double v;

		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		errno = 0;
		v = strtod(s, &end);
		if (errno || end == s || v < 0)
			return -1;
		s = end;
		switch (*s) {
		case 'h': v *= 3600; s++; break;
		case 'm': v *= 60; s++; break;
		case 's': s++; break;
		case '\0': break;
		default: return -1;
		}
		total += v;
		any = 1;
	}
	if (!any)
		return -1;
	*seconds = total;
	return 0;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

void *xgrow(void *p, size_t n, size_t size)
{
	/* Room for n elements exists when n is not 0 and not a power of two
	 * (the array holds the next power of two); otherwise double it. */
	if (p && n && (n & (n - 1)))
		return p;
	if (n > SIZE_MAX / 2 / size)
		oom(SIZE_MAX);
	return xrealloc(p, (n ? n * 2 : 1) * size);
}

int charset_covers(const char *conn, const char *table)
{
	/* Character sets with characters outside Unicode's first plane. */
	static const char *const supplementary[] = { "utf8mb4", "utf16", "utf16le", "utf32", "gb18030" };

	if (!strcasecmp(conn, table) || !strcasecmp(table, "ascii") || !strcasecmp(table, "binary"))
		return 1;
	if (!strcasecmp(conn, "utf8mb4"))
		return 1;
	if (!strcasecmp(conn, "utf8mb3") || !strcasecmp(conn, "utf8")) {
		if (!strcasecmp(table, "utf8mb3") || !strcasecmp(table, "utf8"))
			return 1;
		for (size_t i = 0; i < sizeof(supplementary) / sizeof(*supplementary); i++)
			if (!strcasecmp(table, supplementary[i]))
				return 0;
		return 1;       /* every other character set lies within the first plane */
	}
	return 0;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* back to the lead byte of the character that s[max] belongs to */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

void sb_add_term_safe(struct strbuf *sb, const char *s, size_t len, int keep_lines)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c == '\n' || c == '\t') && keep_lines) {
			sb_addc(sb, (char)c);
		} else if (c == '\n') {
			sb_adds(sb, "\\n");
		} else if (c == '\t') {
			sb_adds(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			sb_adds(sb, "\\x");
			sb_addc(sb, hex[c >> 4]);
			sb_addc(sb, hex[c & 15]);
		} else if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9F) {
			c = (unsigned char)s[++i];
			sb_adds(sb, "\\u{");
			sb_addc(sb, hex[c >> 4]);
			sb_addc(sb, hex[c & 15]);
			sb_addc(sb, '}');
		} else {
			sb_addc(sb, (char)c);
		}
	}
}

char *term_safe(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (!s)
		return NULL;
	sb_add_term_safe(&sb, s, strlen(s), 0);
	return sb_detach(&sb);
}

int process_harden(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
#ifdef PR_SET_DUMPABLE
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -1;
#else
	return -1;
#endif
}

int xwrite_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int tty_confirm(const char *question)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return -1;
	fprintf(stderr, "%s [y/n] ", question);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcasecmp(line, "y") || !strcasecmp(line, "yes");
}

int find_by_id(const void *base, unsigned n, size_t stride, size_t off, uint64_t id)
{
	const unsigned char *p = base;
	unsigned lo = 0, hi = n;
	uint64_t v;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		memcpy(&v, p + (size_t)mid * stride + off, sizeof(v));
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n)
		return -1;
	memcpy(&v, p + (size_t)lo * stride + off, sizeof(v));
	return v == id ? (int)lo : -1;
}

/* A range of up to 4 IDs per order plus 1,000 (the orders of a batch
 * interleaved with a few other posts, or a small batch anywhere in a
 * dense stretch) costs less than the list's index dives; a sparser set
 * (--order-types of a rare type, orders scattered among products) reads
 * by list. */
int ids_close(uint64_t first, uint64_t last, unsigned n)
{
	return n && last >= first && last - first <= 4 * (uint64_t)n + 1000;
}

int read_file_all(const char *what, const char *path, struct strbuf *sb, struct herr *err)
{
	char chunk[8192];
	struct stat st;
	FILE *fp = fopen(path, "rb");
	size_t n;
	int e;

	if (!fp)
		return herr_set(err, HX_CONFIG, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return herr_set(err, HX_CONFIG, "%s %s: %s", what, path, strerror(EISDIR));
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sb_add(sb, chunk, n);
	e = ferror(fp) ? errno : 0;
	fclose(fp);
	if (e) {
		sb_release(sb);
		return herr_set(err, HX_CONFIG, "%s %s: %s", what, path, strerror(e));
	}
	return 0;
}
