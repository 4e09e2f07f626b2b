/* config.c - effective configuration: YAML file, wp-config.php, flags.
 *
 * The YAML schema is a table (struct key) per mapping; loading, config_set()
 * and config_show() all walk the same tables, so a key added there is
 * parsed, settable and shown at once.
 *
 * libyaml's event parser does no type resolution: every value arrives as
 * a string with a style, and we decide here what is an integer or null.
 * A file is loaded into a copy of the configuration that replaces the
 * caller's only when the whole file was accepted, so a bad file never
 * leaves half its settings behind.
 */
#include "config.h"
#include "wpconfig.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define DEFAULT_TABLE_PREFIX "wp_"
#define DEFAULT_CHARSET "utf8mb4"
#define DEFAULT_ORDER_TYPES "auto"
#define DEFAULT_BATCH_SIZE 500
#define DEFAULT_SETTLE 5.0
#define DEFAULT_MAX_RETRIES 10
#define ORDER_TYPE_MAX 20
#define LOCK_NAME_MAX 64        /* GET_LOCK() refuses longer names */
#define PATH_MAX_KEY 48         /* room for the longest dotted key */
#define QBUF 256                /* a value quoted for a message: 40 bytes, escaped */

enum ktype {
	K_SECTION,      /* nested mapping */
	K_STR,          /* any string */
	K_PATH,         /* non-empty string */
	K_IDENT,        /* [A-Za-z0-9_]+ (prefix, charset, collation) */
	K_UINT,         /* decimal integer in [min, max] */
	K_SECONDS,      /* seconds >= 0 or a duration ("30s", "2m") */
	K_TYPES,        /* order types: "a,b" or a sequence */
	K_SSLMODE,
};

struct key {
	const char *name;
	enum ktype type;
	size_t off;
	unsigned min, max;      /* K_UINT range */
	int zero_unset;         /* K_UINT: 0 in the struct means "not set" */
	unsigned explicit_bit;  /* CFG_EXPLICIT_* to set when given */
	const struct key *sub;  /* K_SECTION: table ended by a NULL name */
};

#define OFF(f) offsetof(struct hpos_config, f)
#define STR(n, t, f) { .name = n, .type = t, .off = OFF(f) }
#define UINT(n, f, lo, hi, z) { .name = n, .type = K_UINT, .off = OFF(f), .min = lo, .max = hi, .zero_unset = z }
#define SECTION(n, s) { .name = n, .type = K_SECTION, .sub = s }
#define END { .name = NULL }

static const struct key tls_keys[] = {
	STR("mode", K_SSLMODE, ssl_mode),
	STR("ca", K_PATH, ssl_ca),
	STR("capath", K_PATH, ssl_capath),
	STR("cert", K_PATH, ssl_cert),
	STR("key", K_PATH, ssl_key),
	STR("cipher", K_STR, ssl_cipher),
	END,
};

static const struct key db_keys[] = {
	STR("host", K_STR, host),
	UINT("port", port, 1, 65535, 1),
	STR("socket", K_PATH, socket),
	STR("user", K_STR, user),
	STR("password", K_STR, password),
	STR("name", K_STR, name),
	{ .name = "table_prefix", .type = K_IDENT, .off = OFF(table_prefix),
	  .explicit_bit = CFG_EXPLICIT_TABLE_PREFIX },
	{ .name = "charset", .type = K_IDENT, .off = OFF(charset),
	  .explicit_bit = CFG_EXPLICIT_CHARSET },
	STR("collation", K_IDENT, collation),
	STR("wp_config", K_PATH, wp_config),
	STR("defaults_file", K_PATH, defaults_file),
	UINT("connect_timeout", connect_timeout, 1, 86400, 1),
	UINT("read_timeout", read_timeout, 1, 86400, 1),
	UINT("write_timeout", write_timeout, 1, 86400, 1),
	SECTION("tls", tls_keys),
	END,
};

static const struct key sync_keys[] = {
	UINT("batch_size", batch_size, 1, 100000, 0),
	STR("order_types", K_TYPES, order_types),
	STR("settle", K_SECONDS, settle_seconds),
	UINT("max_retries", max_retries, 0, 1000, 0),
	STR("lock_name", K_STR, lock_name),
	END,
};

static const struct key top_keys[] = {
	SECTION("database", db_keys),
	SECTION("sync", sync_keys),
	END,
};

static const char *const ssl_modes[] = {
	"disabled", "preferred", "required", "verify_ca", "verify_identity",
};

/* Every string member, for copying and freeing. */
static const size_t str_fields[] = {
	OFF(host), OFF(socket), OFF(user), OFF(password), OFF(name),
	OFF(table_prefix), OFF(charset), OFF(collation), OFF(wp_config),
	OFF(defaults_file), OFF(ssl_mode), OFF(ssl_ca), OFF(ssl_capath),
	OFF(ssl_cert), OFF(ssl_key), OFF(ssl_cipher), OFF(order_types),
	OFF(lock_name), OFF(source_file),
};

static char **str_at(struct hpos_config *cfg, size_t off)
{
	return (char **)(void *)((char *)cfg + off);
}

static char *const *cstr_at(const struct hpos_config *cfg, size_t off)
{
	return (char *const *)(const void *)((const char *)cfg + off);
}

static void set_str(struct hpos_config *cfg, size_t off, const char *v)
{
	char **slot = str_at(cfg, off);

	free(*slot);
	*slot = v ? xstrdup(v) : NULL;
}

void config_init(struct hpos_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->table_prefix = xstrdup(DEFAULT_TABLE_PREFIX);
	cfg->charset = xstrdup(DEFAULT_CHARSET);
	cfg->batch_size = DEFAULT_BATCH_SIZE;
	cfg->order_types = xstrdup(DEFAULT_ORDER_TYPES);
	cfg->settle_seconds = DEFAULT_SETTLE;
	cfg->max_retries = DEFAULT_MAX_RETRIES;
}

void config_release(struct hpos_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < ARRAY_SIZE(str_fields); i++)
		free(*str_at(cfg, str_fields[i]));
	memset(cfg, 0, sizeof(*cfg));
}

/* A deep copy of src into dst: every string field duplicated (dst owns
 * them; release with config_release()). */
static void config_copy(struct hpos_config *dst, const struct hpos_config *src)
{
	size_t i;

	*dst = *src;
	for (i = 0; i < ARRAY_SIZE(str_fields); i++) {
		char **slot = str_at(dst, str_fields[i]);

		if (*slot)
			*slot = xstrdup(*slot);
	}
}

/* ---- value checks shared by YAML, config_set() and config_validate() --- */

/* 1 when s is a non-empty run of ASCII letters, digits and '_' (a table
 * prefix, charset or collation name), else 0. */
static int ident_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int config_check_prefix(const char *prefix)
{
	return ident_ok(prefix) ? 0 : -1;
}

/* 1 when s (len bytes) is an order type hposctl accepts: 1..ORDER_TYPE_MAX
 * of [A-Za-z0-9_-]. */
static int order_type_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > ORDER_TYPE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* A value for messages: "abc" with JSON escapes, cut after 40 bytes. */
static const char *quoted(const char *s, size_t len, char *buf, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	const size_t max = 40;

	if (len > max) {
		size_t cut = max;

		while (cut && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;  /* do not split a UTF-8 character */
		sb_add_json_str(&sb, s, cut);
		sb.buf[--sb.len] = '\0';
		sb_adds(&sb, "...\"");
	} else {
		sb_add_json_str(&sb, s, len);
	}
	snprintf(buf, size, "%s", sb_str(&sb));
	sb_release(&sb);
	return buf;
}

/* Optimal string alignment distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned char d[PATH_MAX_KEY + 1][PATH_MAX_KEY + 1];

	if (la > PATH_MAX_KEY || lb > PATH_MAX_KEY)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	}
	return d[la][lb];
}

/* The candidate nearest to s within distance 2, or NULL. */
static const char *nearest(const char *s, const char *const *cand, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, i;

	for (i = 0; i < n; i++) {
		size_t dist = edit_distance(s, cand[i]);

		if (dist < best_d && dist < strlen(s)) {
			best = cand[i];
			best_d = dist;
		}
	}
	return best;
}

/* The name in the key table keys closest to s, for a "did you mean" hint,
 * or NULL when none is within edit distance 2. */
static const char *nearest_key(const char *s, const struct key *keys)
{
	const char *names[32];
	size_t n = 0;

	for (; keys->name && n < ARRAY_SIZE(names); keys++)
		names[n++] = keys->name;
	return nearest(s, names, n);
}

/* The entry of keys named exactly name (len bytes), or NULL. */
static const struct key *find_key(const struct key *keys, const char *name, size_t len)
{
	for (; keys->name; keys++)
		if (strlen(keys->name) == len && !memcmp(keys->name, name, len))
			return keys;
	return NULL;
}

/* Parse v, the value at path, as an integer in min..max into *out. 0, or -1
 * with an HX_CONFIG err naming path. */
static int parse_uint(const char *path, const char *v, unsigned min, unsigned max,
		      unsigned *out, struct herr *err)
{
	const char *digits = v + (*v == '-');
	uint64_t n = 0;
	char q[QBUF];

	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return herr_set(err, HX_CONFIG, "%s: expected an integer, got %s", path,
				quoted(v, strlen(v), q, sizeof(q)));
	if (parse_u64(digits, &n) < 0 || (*v == '-' && n) || n < min || n > max)
		return herr_set(err, HX_CONFIG, "%s: %s is out of range %u..%u", path, v, min, max);
	*out = (unsigned)n;
	return 0;
}

/* Parse v, the value at path, as seconds (a number or a duration like "2m",
 * not negative) into *out. 0, or -1 with an HX_CONFIG err. */
static int parse_seconds(const char *path, const char *v, double *out, struct herr *err)
{
	double d;
	char q[QBUF];

	if (*v == '-' && parse_duration(v + 1, &d) == 0 && d > 0)
		return herr_set(err, HX_CONFIG, "%s: %s is negative; expected 0 or more seconds",
				path, v);
	if (parse_duration(v, &d) < 0 || !isfinite(d))
		return herr_set(err, HX_CONFIG,
				"%s: expected a number of seconds or a duration like \"30s\" or \"2m\", got %s",
				path, quoted(v, strlen(v), q, sizeof(q)));
	*out = d;
	return 0;
}

/* The value v at path must be a non-empty identifier (ident_ok()). 0, or -1
 * with an HX_CONFIG err. */
static int check_ident(const char *path, const char *v, struct herr *err)
{
	char q[QBUF];

	if (!*v)
		return herr_set(err, HX_CONFIG, "%s: must not be empty", path);
	if (!ident_ok(v))
		return herr_set(err, HX_CONFIG, "%s: %s may contain only letters, digits and underscores",
				path, quoted(v, strlen(v), q, sizeof(q)));
	return 0;
}

/* ssl modes are case-insensitive (MySQL writes them in capitals); out,
 * when not NULL, receives the lower-case spelling. */
static int parse_sslmode(const char *path, const char *v, char **out, struct herr *err)
{
	char lower[32], q[QBUF], hint[48] = "";
	const char *near;
	size_t i, len = strlen(v);

	if (len < sizeof(lower)) {
		for (i = 0; i <= len; i++)
			lower[i] = (char)((v[i] >= 'A' && v[i] <= 'Z') ? v[i] - 'A' + 'a' : v[i]);
		for (i = 0; i < ARRAY_SIZE(ssl_modes); i++) {
			if (!strcmp(lower, ssl_modes[i])) {
				if (out)
					*out = xstrdup(ssl_modes[i]);
				return 0;
			}
		}
		near = nearest(lower, ssl_modes, ARRAY_SIZE(ssl_modes));
		if (near)
			snprintf(hint, sizeof(hint), " (did you mean \"%s\"?)", near);
	}
	return herr_set(err, HX_CONFIG,
			"%s: %s is not one of disabled, preferred, required, verify_ca, verify_identity%s",
			path, quoted(v, len, q, sizeof(q)), hint);
}

/*
 * Append one order type (surrounding blanks trimmed) to list, comma
 * separated.  The message quotes the item as written.
 */
static int add_order_type(struct strbuf *list, const char *path, const char *s,
			  size_t len, struct herr *err)
{
	char q[QBUF];

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return herr_set(err, HX_CONFIG, "%s: empty order type", path);
	if (!order_type_ok(s, len))
		return herr_set(err, HX_CONFIG,
				"%s: %s is not an order type (1 to 20 letters, digits, '_' or '-')",
				path, quoted(s, len, q, sizeof(q)));
	if (list->len)
		sb_addc(list, ',');
	sb_add(list, s, len);
	return 0;
}

/* Check the comma-separated order types v at path, appending each to list
 * ("a,b"). 0, or -1 with an HX_CONFIG err for the first bad one. */
static int parse_order_types(const char *path, const char *v, struct strbuf *list,
			     struct herr *err)
{
	const char *comma;

	for (;;) {
		comma = strchr(v, ',');
		if (add_order_type(list, path, v, comma ? (size_t)(comma - v) : strlen(v), err) < 0)
			return -1;
		if (!comma)
			return 0;
		v = comma + 1;
	}
}

/*
 * Set key k (path is its dotted name) from the text v of len bytes.  The
 * message names path but no location; the YAML loader adds one.
 */
static int set_scalar(struct hpos_config *cfg, const struct key *k, const char *path,
		      const char *v, size_t len, struct herr *err)
{
	struct strbuf list = STRBUF_INIT;
	char *mode = NULL;

	if (memchr(v, '\0', len))
		return herr_set(err, HX_CONFIG, "%s: contains a NUL character", path);
	switch (k->type) {
	case K_SECTION:
		return herr_set(err, HX_CONFIG, "%s: is a section, not a value", path);
	case K_PATH:
		if (!*v)
			return herr_set(err, HX_CONFIG, "%s: must not be empty", path);
		/* fall through */
	case K_STR:
		set_str(cfg, k->off, v);
		break;
	case K_IDENT:
		if (check_ident(path, v, err) < 0)
			return -1;
		set_str(cfg, k->off, v);
		break;
	case K_UINT:
		return parse_uint(path, v, k->min, k->max,
				  (unsigned *)(void *)((char *)cfg + k->off), err);
	case K_SECONDS:
		return parse_seconds(path, v, (double *)(void *)((char *)cfg + k->off), err);
	case K_TYPES:
		if (parse_order_types(path, v, &list, err) < 0) {
			sb_release(&list);
			return -1;
		}
		free(*str_at(cfg, k->off));
		*str_at(cfg, k->off) = sb_detach(&list);
		break;
	case K_SSLMODE:
		if (parse_sslmode(path, v, &mode, err) < 0)
			return -1;
		free(*str_at(cfg, k->off));
		*str_at(cfg, k->off) = mode;
		break;
	}
	cfg->explicit_mask |= k->explicit_bit;
	return 0;
}

/* What a key of type t expects, for messages ("an integer"). */
static const char *type_name(enum ktype t)
{
	switch (t) {
	case K_SECTION: return "a mapping";
	case K_UINT: return "an integer";
	case K_SECONDS: return "a number of seconds";
	case K_TYPES: return "a string or a list of strings";
	default: return "a string";
	}
}

/* ---- YAML --------------------------------------------------------------- */

struct yl {
	yaml_parser_t parser;
	yaml_event_t ev;
	int have_ev;
	const char *name;
	const char *buf;
	size_t len;
	struct herr *err;
};

static int yl_at(struct yl *y, yaml_mark_t m, const char *fmt, ...) HPOS_PRINTF(3, 4);

/* Set y->err to an HX_CONFIG error at position m of the file
 * ("NAME:LINE:COLUMN: message"). Returns -1. */
static int yl_at(struct yl *y, yaml_mark_t m, const char *fmt, ...)
{
	char msg[HERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return herr_set(y->err, HX_CONFIG, "%s:%zu:%zu: %s", y->name,
			(size_t)m.line + 1, (size_t)m.column + 1, msg);
}

static size_t bom_len(const char *buf, size_t len)
{
	return len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

static int is_break(const char *p, const char *end, size_t *n)
{
	*n = (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
	return *p == '\n' || *p == '\r';
}

/* The byte at a libyaml mark (0-based line, column in characters). */
static const char *mark_byte(const struct yl *y, yaml_mark_t m)
{
	const char *p = y->buf + bom_len(y->buf, y->len), *end = y->buf + y->len;
	size_t line = 0, col = 0, n;

	while (p < end && line < m.line) {
		if (is_break(p, end, &n))
			line++;
		else
			n = 1;
		p += n;
	}
	while (p < end && col < m.column) {
		p++;
		while (p < end && ((unsigned char)*p & 0xC0) == 0x80)
			p++;
		col++;
	}
	return p < end ? p : NULL;
}

/* Reader errors carry a byte offset instead of a mark. */
static yaml_mark_t offset_mark(const struct yl *y, size_t off)
{
	const char *p = y->buf + bom_len(y->buf, y->len), *end = y->buf + off;
	yaml_mark_t m = { 0, 0, 0 };
	size_t n;

	if (off > y->len)
		end = y->buf + y->len;
	while (p < end) {
		if (is_break(p, end, &n)) {
			m.line++;
			m.column = 0;
		} else {
			n = 1;
			if (((unsigned char)*p & 0xC0) != 0x80)
				m.column++;
		}
		p += n;
	}
	return m;
}

/* The parser's error as an herr with the file position and the likely cause
 * (a tab in the indentation, the open context). Returns -1. */
static int yl_syntax_error(struct yl *y)
{
	yaml_parser_t *p = &y->parser;
	const char *at;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return herr_set(y->err, HX_INTERNAL, "%s: out of memory while parsing", y->name);
	case YAML_READER_ERROR:
		if (p->problem_value != -1)
			return yl_at(y, offset_mark(y, p->problem_offset), "%s (byte 0x%02X)",
				     p->problem, (unsigned)p->problem_value);
		return yl_at(y, offset_mark(y, p->problem_offset), "%s", p->problem);
	default:
		break;
	}
	at = mark_byte(y, p->problem_mark);
	if (at && *at == '\t')
		return yl_at(y, p->problem_mark, "tab character where YAML wants spaces (indent with spaces only)");
	if (p->context)
		return yl_at(y, p->problem_mark, "%s (%s at line %zu, column %zu)",
			     p->problem ? p->problem : "syntax error", p->context,
			     (size_t)p->context_mark.line + 1, (size_t)p->context_mark.column + 1);
	return yl_at(y, p->problem_mark, "%s", p->problem ? p->problem : "syntax error");
}

/* Advance to the next YAML event (in y->ev, owned by y; the previous one is
 * freed). 0, or -1 with y->err. */
static int yl_next(struct yl *y)
{
	if (y->have_ev) {
		yaml_event_delete(&y->ev);
		y->have_ev = 0;
	}
	if (!yaml_parser_parse(&y->parser, &y->ev))
		return yl_syntax_error(y);
	y->have_ev = 1;
	return 0;
}

/* libyaml leaves type resolution to us: these plain scalars are null. */
static int is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* "a mapping", "a sequence", "null" or the quoted scalar, for messages. */
static const char *got(const yaml_event_t *ev, char *buf, size_t size)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT: return "a mapping";
	case YAML_SEQUENCE_START_EVENT: return "a sequence";
	case YAML_ALIAS_EVENT: return "an alias";
	default: break;
	}
	if (is_null(ev))
		return "null";
	return quoted((const char *)ev->data.scalar.value, ev->data.scalar.length, buf, size);
}

static int load_map(struct yl *y, struct hpos_config *cfg, const struct key *keys,
		    const char *path);

static int check_alias(struct yl *y)
{
	if (y->ev.type == YAML_ALIAS_EVENT)
		return yl_at(y, y->ev.start_mark, "YAML aliases (*%s) are not supported",
			     (const char *)y->ev.data.alias.anchor);
	return 0;
}

/* sync.order_types: [a, b]; the sequence start is the current event. */
static int load_types_seq(struct yl *y, struct hpos_config *cfg, const struct key *k,
			  const char *path)
{
	struct strbuf list = STRBUF_INIT;
	yaml_mark_t start = y->ev.start_mark;
	char g[QBUF];

	for (;;) {
		if (yl_next(y) < 0 || check_alias(y) < 0)
			goto fail;
		if (y->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (y->ev.type != YAML_SCALAR_EVENT || is_null(&y->ev)) {
			yl_at(y, y->ev.start_mark, "%s: expected an order type, got %s", path,
			      got(&y->ev, g, sizeof(g)));
			goto fail;
		}
		if (add_order_type(&list, path, (const char *)y->ev.data.scalar.value,
				   y->ev.data.scalar.length, y->err) < 0) {
			herr_prefix(y->err, "%s:%zu:%zu", y->name,
				    (size_t)y->ev.start_mark.line + 1, (size_t)y->ev.start_mark.column + 1);
			goto fail;
		}
	}
	if (!list.len) {
		yl_at(y, start, "%s: the list of order types is empty", path);
		goto fail;
	}
	free(*str_at(cfg, k->off));
	*str_at(cfg, k->off) = sb_detach(&list);
	return 0;
fail:
	sb_release(&list);
	return -1;
}

/* The value of key k; its first event is the current one. */
static int load_value(struct yl *y, struct hpos_config *cfg, const struct key *k,
		      const char *path)
{
	yaml_event_t *ev = &y->ev;
	char g[QBUF];

	if (check_alias(y) < 0)
		return -1;
	if (ev->type == YAML_MAPPING_START_EVENT && k->type == K_SECTION)
		return load_map(y, cfg, k->sub, path);
	if (ev->type == YAML_SEQUENCE_START_EVENT && k->type == K_TYPES)
		return load_types_seq(y, cfg, k, path);
	if (ev->type == YAML_SCALAR_EVENT && is_null(ev))
		return 0;       /* null: keep what the layers below said */
	if (ev->type != YAML_SCALAR_EVENT || k->type == K_SECTION)
		return yl_at(y, ev->start_mark, "%s: expected %s, got %s", path,
			     type_name(k->type), got(ev, g, sizeof(g)));
	if (set_scalar(cfg, k, path, (const char *)ev->data.scalar.value,
		       ev->data.scalar.length, y->err) < 0)
		return herr_prefix(y->err, "%s:%zu:%zu", y->name,
				   (size_t)ev->start_mark.line + 1, (size_t)ev->start_mark.column + 1);
	return 0;
}

/* The error for the current scalar event, a key not in keys under path (""
 * at the top level), with the nearest known key as a hint. Returns -1. */
static int unknown_key(struct yl *y, const struct key *keys, const char *path)
{
	const char *name = (const char *)y->ev.data.scalar.value;
	const char *hint = nearest_key(name, keys);
	char q[QBUF], where[PATH_MAX_KEY + 8] = "";

	quoted(name, y->ev.data.scalar.length, q, sizeof(q));
	if (*path)
		snprintf(where, sizeof(where), " in %s", path);
	if (hint)
		return yl_at(y, y->ev.start_mark, "unknown %s %s%s (did you mean \"%s\"?)",
			     *path ? "key" : "section", q, where, hint);
	return yl_at(y, y->ev.start_mark, "unknown %s %s%s", *path ? "key" : "section", q, where);
}

/* A mapping whose start is the current event, keys from the table keys. */
static int load_map(struct yl *y, struct hpos_config *cfg, const struct key *keys,
		    const char *path)
{
	size_t first_line[32] = { 0 };
	char child[PATH_MAX_KEY], g[QBUF];
	const struct key *k;

	for (;;) {
		if (yl_next(y) < 0 || check_alias(y) < 0)
			return -1;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (y->ev.type != YAML_SCALAR_EVENT)
			return yl_at(y, y->ev.start_mark, "expected a key%s%s, got %s",
				     *path ? " in " : "", path, got(&y->ev, g, sizeof(g)));
		k = find_key(keys, (const char *)y->ev.data.scalar.value, y->ev.data.scalar.length);
		if (!k)
			return unknown_key(y, keys, path);
		if (first_line[k - keys])
			return yl_at(y, y->ev.start_mark, "duplicate %s \"%s\"%s%s (first on line %zu)",
				     *path ? "key" : "section", k->name, *path ? " in " : "", path,
				     first_line[k - keys]);
		first_line[k - keys] = (size_t)y->ev.start_mark.line + 1;
		snprintf(child, sizeof(child), "%s%s%s", path, *path ? "." : "", k->name);
		if (yl_next(y) < 0 || load_value(y, cfg, k, child) < 0)
			return -1;
	}
}

/* The document's root (the current event): a mapping of the top-level
 * sections into cfg, or null (no settings). 0, or -1 with y->err. */
static int load_document(struct yl *y, struct hpos_config *cfg)
{
	char g[QBUF];

	if (check_alias(y) < 0)
		return -1;
	if (y->ev.type == YAML_MAPPING_START_EVENT)
		return load_map(y, cfg, top_keys, "");
	if (is_null(&y->ev))
		return 0;       /* "---" alone or "~": no settings */
	return yl_at(y, y->ev.start_mark,
		     "the top level must be a mapping with \"database:\" and \"sync:\" sections, got %s",
		     got(&y->ev, g, sizeof(g)));
}

/* The whole YAML stream into cfg: nothing, or exactly one document. 0, or
 * -1 with y->err. */
static int load_stream(struct yl *y, struct hpos_config *cfg)
{
	if (yl_next(y) < 0 || yl_next(y) < 0)   /* stream start, then ... */
		return -1;
	if (y->ev.type == YAML_STREAM_END_EVENT)
		return 0;       /* empty file, or only comments */
	if (yl_next(y) < 0 || load_document(y, cfg) < 0)
		return -1;
	if (yl_next(y) < 0 || yl_next(y) < 0)   /* document end, then ... */
		return -1;
	if (y->ev.type == YAML_DOCUMENT_START_EVENT)
		return yl_at(y, y->ev.start_mark, "only one YAML document is allowed");
	return 0;
}

int config_load_yaml_buf(struct hpos_config *cfg, const char *name,
			 const char *buf, size_t len, struct herr *err)
{
	struct yl y = { .name = name, .buf = buf, .len = len, .err = err };
	struct hpos_config tmp;
	int rc;

	if (!yaml_parser_initialize(&y.parser))
		return herr_set(err, HX_INTERNAL, "%s: cannot initialize the YAML parser", name);
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)buf, len);
	config_copy(&tmp, cfg);
	rc = load_stream(&y, &tmp);
	if (y.have_ev)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.parser);
	if (rc < 0) {
		config_release(&tmp);
		return -1;
	}
	set_str(&tmp, OFF(source_file), name);
	config_release(cfg);
	*cfg = tmp;
	return 0;
}

int config_load_yaml(struct hpos_config *cfg, const char *path, struct herr *err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = read_file_all("config file", path, &sb, err);

	if (!rc)
		rc = config_load_yaml_buf(cfg, path, sb_str(&sb), sb.len, err);
	sb_release(&sb);
	return rc;
}

int config_file_exposed(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

/* ---- locating the file -------------------------------------------------- */

/* 1: exists, 0: does not, -1: cannot tell (err set). */
static int file_exists(const char *path, struct herr *err)
{
	struct stat st;

	if (!stat(path, &st))
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return herr_set(err, HX_CONFIG, "config file %s: %s", path, strerror(errno));
}

int config_locate(const char *explicit_path, char **found, struct herr *err)
{
	static const char *const fallback[] = { "hposctl.yml", "/etc/hposctl.yml" };
	const char *env = getenv("HPOSCTL_CONFIG");
	size_t i;
	int rc;

	*found = NULL;
	if (explicit_path) {
		rc = file_exists(explicit_path, err);
		if (rc == 0)
			herr_set(err, HX_CONFIG, "config file %s: %s", explicit_path, strerror(ENOENT));
		if (rc <= 0)
			return -1;
		*found = xstrdup(explicit_path);
		return 0;
	}
	if (env && *env) {
		rc = file_exists(env, err);
		if (rc == 0)
			herr_set(err, HX_CONFIG, "config file %s (from $HPOSCTL_CONFIG): %s",
				 env, strerror(ENOENT));
		if (rc <= 0)
			return -1;
		*found = xstrdup(env);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(fallback); i++) {
		rc = file_exists(fallback[i], err);
		if (rc < 0)
			return -1;
		if (rc) {
			*found = xstrdup(fallback[i]);
			return 0;
		}
	}
	return 0;
}

/* ---- config_set() ------------------------------------------------------- */

/* Collect the dotted paths of all leaf keys under keys (prefixed by prefix)
 * into names[*n..max), the strings kept in store; *n counts them. */
static void all_paths(const struct key *keys, const char *prefix, const char **names,
		      char store[][PATH_MAX_KEY], size_t *n, size_t max)
{
	for (; keys->name && *n < max; keys++) {
		snprintf(store[*n], PATH_MAX_KEY, "%s%s%s", prefix, *prefix ? "." : "", keys->name);
		if (keys->type == K_SECTION) {
			char sub[PATH_MAX_KEY];

			memcpy(sub, store[*n], PATH_MAX_KEY);
			all_paths(keys->sub, sub, names, store, n, max);
		} else {
			names[*n] = store[*n];
			(*n)++;
		}
	}
}

/* The key named by a dotted path ("sync.batch_size", or a section's
 * "sync"), or NULL when there is none. */
static const struct key *resolve(const char *dotted)
{
	const struct key *keys = top_keys, *k = NULL;
	const char *p = dotted, *dot;

	for (;;) {
		dot = strchr(p, '.');
		k = find_key(keys, p, dot ? (size_t)(dot - p) : strlen(p));
		if (!k || !dot)
			return k;
		if (k->type != K_SECTION)
			return NULL;
		keys = k->sub;
		p = dot + 1;
	}
}

int config_set(struct hpos_config *cfg, const char *key, const char *value,
	       struct herr *err)
{
	const struct key *k = resolve(key);
	char store[40][PATH_MAX_KEY];
	const char *names[40], *hint;
	size_t n = 0;

	if (!k || k->type == K_SECTION) {
		all_paths(top_keys, "", names, store, &n, ARRAY_SIZE(names));
		hint = nearest(key, names, n);
		if (hint)
			return herr_set(err, HX_CONFIG, "unknown setting \"%s\" (did you mean \"%s\"?)",
					key, hint);
		return herr_set(err, HX_CONFIG, "unknown setting \"%s\"", key);
	}
	if (!value)
		return 0;
	if (k->type == K_TYPES && !*value)
		return herr_set(err, HX_CONFIG, "%s: the list of order types is empty", key);
	return set_scalar(cfg, k, key, value, strlen(value), err);
}

/* ---- wp-config.php -------------------------------------------------------- */

/* Which wp-config.php settings cfg still lacks (bit 1u << WPC_*). */
static unsigned wp_needed(const struct hpos_config *cfg)
{
	unsigned need = 0;
	int creds = cfg->defaults_file != NULL;

	if (!cfg->name)
		need |= 1u << WPC_DB_NAME;
	if (!cfg->user && !creds)
		need |= 1u << WPC_DB_USER;
	if (!cfg->password && !creds && !getenv("MYSQL_PWD"))
		need |= 1u << WPC_DB_PASSWORD;
	/* host, port and socket are one setting: never mix two layers */
	if (!cfg->host && !cfg->port && !cfg->socket && !creds)
		need |= 1u << WPC_DB_HOST;
	if (!(cfg->explicit_mask & CFG_EXPLICIT_CHARSET)) {
		need |= 1u << WPC_DB_CHARSET;
		if (!cfg->collation)
			need |= 1u << WPC_DB_COLLATE;
	}
	if (!(cfg->explicit_mask & CFG_EXPLICIT_TABLE_PREFIX))
		need |= 1u << WPC_TABLE_PREFIX;
	return need;
}

/* Complain about the first (by line) needed value we could not read. */
static int wp_check_unsupported(const struct wp_config *wc, unsigned need, struct herr *err)
{
	unsigned bad = wc->unsupported & need;
	int f, first = -1;

	for (f = 0; f < WPC_NFIELDS; f++)
		if ((bad & (1u << f)) && (first < 0 || wc->line[f] < wc->line[first]))
			first = f;
	if (first < 0)
		return 0;
	return wpconfig_unsupported_error(wc, (enum wpc_field)first, err);
}

/* A wp-config.php value v of field f (NULL or empty: not set) must be an
 * identifier. 0, or -1 with an HX_CONFIG err citing the file and line. */
static int wp_check_ident(const struct wp_config *wc, enum wpc_field f, const char *v,
			  struct herr *err)
{
	char q[QBUF];

	if (!v || !*v || ident_ok(v))
		return 0;
	return herr_set(err, HX_CONFIG, "%s:%d: %s %s may contain only letters, digits and underscores",
			wc->file, wc->line[f], wpconfig_field_name(f), quoted(v, strlen(v), q, sizeof(q)));
}

/* "utf8" is utf8mb4 to wpdb::determine_charset(), collations to match. */
static char *wp_collation(const char *charset, const char *collate)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = collate, *hit;

	if (strcmp(charset, "utf8mb4"))
		return xstrdup(collate);
	if (!strcmp(collate, "utf8_general_ci"))
		return xstrdup("utf8mb4_unicode_ci");
	while ((hit = strstr(p, "utf8_")) != NULL) {
		sb_add(&sb, p, (size_t)(hit - p));
		sb_adds(&sb, "utf8mb4_");
		p = hit + 5;
	}
	sb_adds(&sb, p);
	return sb_detach(&sb);
}

/* Check the wp-config.php settings named in need (a mask of 1u << WPC_*)
 * before they are used: none set by an unevaluated expression, identifiers
 * where one is required, a DB_HOST port in range (dh may be NULL). 0, or -1
 * with an HX_CONFIG err. */
static int wp_check(const struct wp_config *wc, unsigned need, const struct db_host *dh,
		    struct herr *err)
{
	const char *prefix = wc->table_prefix;
	char q[QBUF];

	if (wp_check_unsupported(wc, need, err) < 0)
		return -1;
	if ((need & (1u << WPC_TABLE_PREFIX)) && prefix && !ident_ok(prefix))
		return herr_set(err, HX_CONFIG, "%s:%d: $table_prefix %s may contain only letters, digits and underscores",
				wc->file, wc->line[WPC_TABLE_PREFIX],
				quoted(prefix, strlen(prefix), q, sizeof(q)));
	if (((need & (1u << WPC_DB_CHARSET)) &&
	     wp_check_ident(wc, WPC_DB_CHARSET, wc->db_charset, err) < 0) ||
	    ((need & (1u << WPC_DB_COLLATE)) &&
	     wp_check_ident(wc, WPC_DB_COLLATE, wc->db_collate, err) < 0))
		return -1;
	if (dh && dh->port > 65535)
		return herr_set(err, HX_CONFIG, "%s:%d: DB_HOST port %u is out of range 1..65535",
				wc->file, wc->line[WPC_DB_HOST], dh->port);
	return 0;
}

/* Set the string field at off to v, unless v is NULL (or "" with
 * empty_is_unset). */
static void take(struct hpos_config *cfg, size_t off, const char *v, int empty_is_unset)
{
	if (v && (*v || !empty_is_unset))
		set_str(cfg, off, v);
}

/* Copy the wp-config.php settings named in need into cfg, with the host,
 * port and socket from dh (NULL: DB_HOST not needed); charset "utf8" and
 * its collations become utf8mb4's as wpdb does. */
static void wp_fill(struct hpos_config *cfg, const struct wp_config *wc, unsigned need,
		    const struct db_host *dh)
{
	if (need & (1u << WPC_DB_NAME))
		take(cfg, OFF(name), wc->db_name, 1);
	if (need & (1u << WPC_DB_USER))
		take(cfg, OFF(user), wc->db_user, 1);
	if (need & (1u << WPC_DB_PASSWORD))
		take(cfg, OFF(password), wc->db_password, 0);  /* '' is a password */
	if (dh) {
		take(cfg, OFF(host), dh->host, 1);
		cfg->port = dh->port;
		take(cfg, OFF(socket), dh->socket, 1);
	}
	if ((need & (1u << WPC_DB_CHARSET)) && wc->db_charset && *wc->db_charset)
		set_str(cfg, OFF(charset), strcmp(wc->db_charset, "utf8") ? wc->db_charset : "utf8mb4");
	if ((need & (1u << WPC_DB_COLLATE)) && wc->db_collate && *wc->db_collate) {
		free(cfg->collation);
		cfg->collation = wp_collation(cfg->charset ? cfg->charset : "", wc->db_collate);
	}
	if (need & (1u << WPC_TABLE_PREFIX))
		take(cfg, OFF(table_prefix), wc->table_prefix, 0);
}

int config_apply_wp_config(struct hpos_config *cfg, const char *path, struct herr *err)
{
	struct wp_config wc;
	struct db_host dh = { NULL, 0, NULL, 0 };
	unsigned need = wp_needed(cfg);
	int have_host = 0, rc = -1;

	if (wpconfig_scan_file(path, &wc, err) < 0)
		return -1;
	if ((need & (1u << WPC_DB_HOST)) && wc.db_host && !(wc.unsupported & (1u << WPC_DB_HOST))) {
		if (parse_db_host(wc.db_host, &dh) < 0) {
			char q[QBUF];

			herr_set(err, HX_CONFIG,
				 "%s:%d: DB_HOST %s cannot be split into host, port and socket (wpdb::parse_db_host() fails on it)",
				 wc.file, wc.line[WPC_DB_HOST],
				 quoted(wc.db_host, strlen(wc.db_host), q, sizeof(q)));
			goto out;
		}
		have_host = 1;
	}
	if (wp_check(&wc, need, have_host ? &dh : NULL, err) < 0)
		goto out;
	wp_fill(cfg, &wc, need, have_host ? &dh : NULL);
	if (!cfg->wp_config)
		cfg->wp_config = xstrdup(path);
	rc = 0;
out:
	db_host_release(&dh);
	wpconfig_release(&wc);
	return rc;
}

/* ---- validation and display ---------------------------------------------- */

/* Check the value of leaf key k (at path) in cfg against its type's rules.
 * 0, or -1 with an HX_CONFIG err naming path. */
static int validate_key(const struct hpos_config *cfg, const struct key *k, const char *path,
			struct herr *err)
{
	const char *s = k->type == K_UINT || k->type == K_SECONDS ? NULL : *cstr_at(cfg, k->off);
	unsigned u;
	double d;
	struct strbuf list = STRBUF_INIT;
	int rc;

	switch (k->type) {
	case K_UINT:
		u = *(const unsigned *)(const void *)((const char *)cfg + k->off);
		if ((u || !k->zero_unset) && (u < k->min || u > k->max))
			return herr_set(err, HX_CONFIG, "%s: %u is out of range %u..%u", path, u, k->min, k->max);
		return 0;
	case K_SECONDS:
		d = *(const double *)(const void *)((const char *)cfg + k->off);
		if (!isfinite(d) || d < 0)
			return herr_set(err, HX_CONFIG, "%s: %g is out of range (0 or more seconds)", path, d);
		return 0;
	case K_IDENT:
		return s ? check_ident(path, s, err) : 0;
	case K_TYPES:
		if (!s)
			return herr_set(err, HX_CONFIG, "%s: no order types set", path);
		rc = parse_order_types(path, s, &list, err);
		sb_release(&list);
		return rc;
	case K_SSLMODE:
		return s ? parse_sslmode(path, s, NULL, err) : 0;
	default:
		return 0;
	}
}

/* validate_key() on every leaf under keys, recursively (prefix: the dotted
 * path of keys). 0, or -1 at the first bad one. */
static int validate_keys(const struct hpos_config *cfg, const struct key *keys,
			 const char *prefix, struct herr *err)
{
	char path[PATH_MAX_KEY];

	for (; keys->name; keys++) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", keys->name);
		if (keys->type == K_SECTION ? validate_keys(cfg, keys->sub, path, err) < 0
					    : validate_key(cfg, keys, path, err) < 0)
			return -1;
	}
	return 0;
}

int config_validate(const struct hpos_config *cfg, struct herr *err)
{
	if (!cfg->table_prefix)
		return herr_set(err, HX_CONFIG, "database.table_prefix: not set");
	if (validate_keys(cfg, top_keys, "", err) < 0)
		return -1;
	if (cfg->lock_name && (!*cfg->lock_name || strlen(cfg->lock_name) > LOCK_NAME_MAX))
		return herr_set(err, HX_CONFIG, "sync.lock_name: must be 1 to %d bytes long (MySQL's GET_LOCK() limit)",
				LOCK_NAME_MAX);
	/* The client library verifies a certificate chain only against a CA
	 * it is given; without one, verify_* would check nothing. */
	if (cfg->ssl_mode && !strncmp(cfg->ssl_mode, "verify_", 7) && !cfg->ssl_ca && !cfg->ssl_capath)
		return herr_set(err, HX_CONFIG, "database.tls.mode: %s needs database.tls.ca or database.tls.capath",
				cfg->ssl_mode);
	return 0;
}

/* Shortest %g form that reads back as the same double. */
static void add_number(struct strbuf *out, double d)
{
	char buf[64];
	int prec;

	for (prec = 6; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, d);
	sb_adds(out, buf);
}

/* A double-quoted YAML scalar: JSON's escaping, plus the three Unicode line
 * breaks (NEL, LS, PS) that a YAML reader folds written as \N, \L, \P, so
 * that `config show` output always loads back as the same value. */
static void add_yaml_str(struct strbuf *out, const char *s, size_t len)
{
	struct strbuf j = STRBUF_INIT;

	sb_add_json_str(&j, s, len);
	for (size_t i = 0; i < j.len; i++) {
		const unsigned char *c = (const unsigned char *)j.buf + i;

		if (c[0] == '\\' && i + 5 < j.len && !memcmp(c + 1, "u0085", 5)) {
			sb_adds(out, "\\N");  /* sb_add_json_str() escapes NEL (a C1 control) */
			i += 5;
		} else if (c[0] == '\\' && i + 1 < j.len) {
			sb_add(out, j.buf + i, 2);      /* an escape pair stays whole */
			i += 1;
		} else if (c[0] == 0xE2 && i + 2 < j.len && c[1] == 0x80 && (c[2] == 0xA8 || c[2] == 0xA9)) {
			sb_adds(out, c[2] == 0xA8 ? "\\L" : "\\P");
			i += 2;
		} else {
			sb_addc(out, j.buf[i]);
		}
	}
	sb_release(&j);
}

/* Append the value of leaf key k in cfg as YAML (~ when unset; the password
 * masked). */
static void show_value(const struct hpos_config *cfg, const struct key *k, struct strbuf *out)
{
	const char *s = NULL, *p, *comma;
	unsigned u;

	if (k->type != K_UINT && k->type != K_SECONDS)
		s = *cstr_at(cfg, k->off);
	switch (k->type) {
	case K_UINT:
		u = *(const unsigned *)(const void *)((const char *)cfg + k->off);
		if (u || !k->zero_unset)
			sb_addf(out, "%u", u);
		else
			sb_adds(out, "~");
		return;
	case K_SECONDS:
		add_number(out, *(const double *)(const void *)((const char *)cfg + k->off));
		return;
	case K_TYPES:
		if (!s)
			break;
		sb_addc(out, '[');
		for (p = s; ; p = comma + 1) {
			comma = strchr(p, ',');
			add_yaml_str(out, p, comma ? (size_t)(comma - p) : strlen(p));
			if (!comma)
				break;
			sb_adds(out, ", ");
		}
		sb_addc(out, ']');
		return;
	default:
		if (!s)
			break;
		if (k->off == OFF(password))
			sb_adds(out, "\"********\"");
		else
			add_yaml_str(out, s, strlen(s));
		return;
	}
	sb_adds(out, "~");
	/* the library prefers an option file's password to $MYSQL_PWD */
	if (k->off == OFF(password) && !cfg->defaults_file && getenv("MYSQL_PWD"))
		sb_adds(out, "   # the connection uses $MYSQL_PWD");
}

/* Append the keys under keys and their values as indented YAML (depth:
 * nesting level). */
static void show_keys(const struct hpos_config *cfg, const struct key *keys, int depth,
		      struct strbuf *out)
{
	for (; keys->name; keys++) {
		sb_addf(out, "%*s%s:", depth * 2, "", keys->name);
		if (keys->type == K_SECTION) {
			sb_addc(out, '\n');
			show_keys(cfg, keys->sub, depth + 1, out);
			continue;
		}
		sb_addc(out, ' ');
		show_value(cfg, keys, out);
		sb_addc(out, '\n');
	}
}

/* A comment line may hold anything but a line break. */
static void add_comment(struct strbuf *out, const char *label, const char *v)
{
	sb_addf(out, "# %s: ", label);
	for (; v && *v; v++)
		sb_addc(out, *v == '\n' || *v == '\r' ? '?' : *v);
	if (!v)
		sb_adds(out, "none");
	sb_addc(out, '\n');
}

void config_show(const struct hpos_config *cfg, struct strbuf *out)
{
	sb_adds(out, "# hposctl effective configuration (password redacted)\n");
	add_comment(out, "config file", cfg->source_file);
	add_comment(out, "wp-config.php", cfg->wp_config);
	show_keys(cfg, top_keys, 0, out);
}
