/* wpconfig.c - read DB settings from wp-config.php without running PHP.
 *
 * wp-config.php is PHP, and hposctl will not run PHP.  Real files are
 * almost always a list of define() calls with string literals, so we
 * tokenize the file the way PHP would (tags, comments, the three string
 * syntaxes) and then look for exactly these statements:
 *
 *   define( 'DB_NAME', 'value' );            also \define, DEFINE, "..."
 *   defined( 'X' ) || define( 'X', 'v' );    the guard is just skipped
 *   const DB_NAME = 'value';
 *   $table_prefix = 'wp_';
 *
 * Anything else in the value position (getenv(), a variable, '.' ...) is
 * recorded as "unsupported" and never guessed at.  Working on tokens means
 * commented-out defines and strings full of // # ; ) cannot fool us.
 *
 * parse_db_host() reproduces wpdb::parse_db_host() (class-wpdb.php,
 * WordPress 6.x) on plain bytes; see the comments there.
 */
#include "wpconfig.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tokens ---------------------------------------------------------- */

enum tok_type {
	T_STRING,       /* '...' or "..." */
	T_NUMBER,
	T_IDENT,        /* names, keywords; may contain '\' (namespaces) */
	T_VAR,          /* $name */
	T_PUNCT,        /* operators; "?>" ends a statement like ';' */
	T_OTHER         /* heredoc, `shell`, stray '$' */
};

struct tok {
	enum tok_type type;
	const char *s;          /* raw text, inside the caller's buffer */
	size_t len;
	int line;
	char quote;             /* T_STRING: '\'' or '"' */
	char interp;            /* T_STRING: "..." with $var or {$ inside */
};

struct lexer {
	const char *name;
	const char *p, *end;
	int line;
	struct tok *toks;
	size_t n, alloc;
	struct herr *err;
};

static int lex_error(struct lexer *lx, int line, const char *what)
{
	return herr_set(lx->err, HX_CONFIG, "%s:%d: %s", lx->name, line, what);
}

/* Append a token of type at s (len bytes, on line) to lx->toks, growing the
 * array; returns it (valid until the next push). */
static struct tok *push(struct lexer *lx, enum tok_type type, const char *s,
			size_t len, int line)
{
	struct tok *t;

	if (lx->n == lx->alloc) {
		lx->alloc = lx->alloc ? lx->alloc * 2 : 64;
		lx->toks = xrealloc(lx->toks, lx->alloc * sizeof(*lx->toks));
	}
	t = &lx->toks[lx->n++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->s = s;
	t->len = len;
	t->line = line;
	return t;
}

static int is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static size_t left(const struct lexer *lx)
{
	return (size_t)(lx->end - lx->p);
}

/* Advance over n bytes, counting newlines. */
static void advance(struct lexer *lx, size_t n)
{
	for (; n && lx->p < lx->end; n--, lx->p++)
		if (*lx->p == '\n')
			lx->line++;
}

/*
 * Outside <?php ... ?> everything is output text (a BOM, say).  Returns 1
 * when an open tag was found, 0 at the end of the input.
 */
static int skip_html(struct lexer *lx)
{
	while (left(lx) >= 2) {
		if (lx->p[0] == '<' && lx->p[1] == '?') {
			if (left(lx) >= 3 && lx->p[2] == '=') {
				advance(lx, 3);
				return 1;
			}
			/* "<?php" must be followed by white space or the end */
			if (left(lx) >= 5 && !strncasecmp(lx->p + 2, "php", 3) &&
			    (left(lx) == 5 || is_space((unsigned char)lx->p[5]))) {
				advance(lx, 5);
				return 1;
			}
		}
		advance(lx, 1);
	}
	advance(lx, left(lx));
	return 0;
}

/* "//" and "#" comments end at a newline or at "?>", which still counts. */
static void skip_line_comment(struct lexer *lx)
{
	while (lx->p < lx->end && *lx->p != '\n') {
		if (left(lx) >= 2 && lx->p[0] == '?' && lx->p[1] == '>')
			return;
		lx->p++;
	}
}

/* Skip a block comment starting at lx->p. 0, or -1 with an HX_CONFIG err
 * when it is never closed. */
static int skip_block_comment(struct lexer *lx)
{
	int line = lx->line;

	advance(lx, 2);
	while (left(lx) >= 2) {
		if (lx->p[0] == '*' && lx->p[1] == '/') {
			advance(lx, 2);
			return 0;
		}
		advance(lx, 1);
	}
	return lex_error(lx, line, "unterminated /* comment");
}

/* '...', "..." and `...`: find the closing quote, noting interpolation. */
static int lex_quoted(struct lexer *lx)
{
	const char *start = lx->p;
	char q = *lx->p;
	int line = lx->line, interp = 0;
	struct tok *t;

	advance(lx, 1);
	while (lx->p < lx->end && *lx->p != q) {
		if (*lx->p == '\\' && left(lx) >= 2) {
			advance(lx, 2);
			continue;
		}
		if (q != '\'' && left(lx) >= 2 &&
		    ((lx->p[0] == '$' && (is_name_start((unsigned char)lx->p[1]) || lx->p[1] == '{')) ||
		     (lx->p[0] == '{' && lx->p[1] == '$')))
			interp = 1;
		advance(lx, 1);
	}
	if (lx->p >= lx->end)
		return lex_error(lx, line, "unterminated string");
	advance(lx, 1);
	t = push(lx, q == '`' ? T_OTHER : T_STRING, start, (size_t)(lx->p - start), line);
	t->quote = q;
	t->interp = (char)interp;
	return 0;
}

/*
 * <<<ID / <<<"ID" / <<<'ID' up to a line whose first non-blank text is ID
 * (PHP 7.3 flexible syntax).  Only skipped: a heredoc value is never a
 * plain literal for our purposes.
 */
static int lex_heredoc(struct lexer *lx)
{
	const char *start = lx->p, *id, *q;
	int line = lx->line;
	size_t idlen;
	char quote = 0;

	advance(lx, 3);
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
		lx->p++;
	if (lx->p < lx->end && (*lx->p == '"' || *lx->p == '\''))
		quote = *lx->p++;
	id = lx->p;
	while (lx->p < lx->end && is_name_char((unsigned char)*lx->p))
		lx->p++;
	idlen = (size_t)(lx->p - id);
	if (quote && lx->p < lx->end && *lx->p == quote)
		lx->p++;
	if (!idlen || lx->p >= lx->end || (*lx->p != '\n' && *lx->p != '\r'))
		return lex_error(lx, line, "malformed heredoc");
	for (;;) {
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
		if (lx->p >= lx->end)
			return lex_error(lx, line, "unterminated heredoc");
		advance(lx, 1);
		q = lx->p;
		while (q < lx->end && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(lx->end - q) >= idlen && !memcmp(q, id, idlen) &&
		    (q + idlen == lx->end || !is_name_char((unsigned char)q[idlen]))) {
			lx->p = q + idlen;
			push(lx, T_OTHER, start, (size_t)(lx->p - start), line);
			return 0;
		}
	}
}

/* One token of type: the byte at lx->p and the run of bytes after it that
 * ok() accepts. */
static void lex_run(struct lexer *lx, enum tok_type type, int (*ok)(unsigned char))
{
	const char *start = lx->p;

	lx->p++;
	while (lx->p < lx->end && ok((unsigned char)*lx->p))
		lx->p++;
	push(lx, type, start, (size_t)(lx->p - start), lx->line);
}

static int is_ident_char(unsigned char c)
{
	return is_name_char(c) || c == '\\';
}

static int is_number_char(unsigned char c)
{
	return is_name_char(c) || c == '.';
}

/* Multi-character operators that matter for telling "=" from "==" etc. */
static const char *const long_ops[] = {
	"===", "!==", "<=>", "**=", "...", "<<=", ">>=", "?\?=", "?->",
	"->", "::", "=>", "==", "!=", "<>", "<=", ">=", "&&", "||", "??",
	".=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "++", "--",
	"<<", ">>", "**",
};

/* One punctuation token at lx->p: the longest operator of long_ops[] that
 * matches, else one byte. */
static void lex_punct(struct lexer *lx)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(long_ops); i++) {
		n = strlen(long_ops[i]);
		if (left(lx) >= n && !memcmp(lx->p, long_ops[i], n)) {
			push(lx, T_PUNCT, lx->p, n, lx->line);
			lx->p += n;
			return;
		}
	}
	push(lx, T_PUNCT, lx->p, 1, lx->line);
	lx->p++;
}

/* One token (or comment, or white space) of PHP code. */
static int lex_one(struct lexer *lx, int *in_php)
{
	unsigned char c = (unsigned char)lx->p[0];
	unsigned char d = left(lx) >= 2 ? (unsigned char)lx->p[1] : 0;

	if (is_space(c)) {
		advance(lx, 1);
	} else if (c == '#' || (c == '/' && d == '/')) {
		skip_line_comment(lx);
	} else if (c == '/' && d == '*') {
		return skip_block_comment(lx);
	} else if (c == '?' && d == '>') {
		/* a close tag ends the statement, and eats one newline */
		push(lx, T_PUNCT, lx->p, 2, lx->line);
		advance(lx, 2);
		if (left(lx) && *lx->p == '\n')
			advance(lx, 1);
		*in_php = 0;
	} else if (c == '\'' || c == '"' || c == '`') {
		return lex_quoted(lx);
	} else if (c == '<' && left(lx) >= 3 && d == '<' && lx->p[2] == '<') {
		return lex_heredoc(lx);
	} else if (c == '$' && is_name_start(d)) {
		lex_run(lx, T_VAR, is_name_char);
	} else if (is_digit(c) || (c == '.' && is_digit(d))) {
		lex_run(lx, T_NUMBER, is_number_char);
	} else if (is_name_start(c) || c == '\\') {
		lex_run(lx, T_IDENT, is_ident_char);
	} else if (c == '$') {
		push(lx, T_OTHER, lx->p, 1, lx->line);
		lx->p++;
	} else {
		lex_punct(lx);
	}
	return 0;
}

/* Split the whole input into lx->toks (PHP code only; the text outside
 * <?php ... ?> is skipped). 0, or -1 with an HX_CONFIG err for an
 * unterminated string or comment. */
static int tokenize(struct lexer *lx)
{
	int in_php = 0;

	while (lx->p < lx->end) {
		if (!in_php) {
			if (!skip_html(lx))
				break;
			in_php = 1;
			continue;
		}
		if (lex_one(lx, &in_php) < 0)
			return -1;
	}
	return 0;
}

/* ---- string literals -------------------------------------------------- */

/* The value of hex digit c, or -1. */
static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append code point cp as UTF-8 (PHP's \u{...} escape). */
static void add_utf8(struct strbuf *sb, unsigned long cp)
{
	if (cp < 0x80) {
		sb_addc(sb, (char)cp);
	} else if (cp < 0x800) {
		sb_addc(sb, (char)(0xC0 | (cp >> 6)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		sb_addc(sb, (char)(0xE0 | (cp >> 12)));
		sb_addc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3F)));
	} else {
		sb_addc(sb, (char)(0xF0 | (cp >> 18)));
		sb_addc(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
		sb_addc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3F)));
	}
}

/* \u{1F600}: returns bytes consumed after the backslash, 0 if malformed
 * (PHP refuses such a file; we then keep the text as it is). */
static size_t unicode_escape(const char *s, const char *end, struct strbuf *sb)
{
	const char *p = s + 2;
	unsigned long cp = 0;
	int digits = 0;

	if (end - s < 3 || s[1] != '{')
		return 0;
	for (; p < end && hexval((unsigned char)*p) >= 0 && digits < 8; p++, digits++)
		cp = cp * 16 + (unsigned long)hexval((unsigned char)*p);
	if (!digits || p >= end || *p != '}' || cp > 0x10FFFF)
		return 0;
	add_utf8(sb, cp);
	return (size_t)(p + 1 - s);
}

/* One escape in a double-quoted string; s points after the backslash.
 * Returns the number of bytes used from s. */
static size_t dq_escape(const char *s, const char *end, struct strbuf *sb)
{
	static const char simple_in[] = "ntrvef\\$\"";
	static const char simple_out[] = "\n\t\r\v\033\f\\$\"";
	const char *hit = strchr(simple_in, *s);
	unsigned v = 0;
	size_t n = 0;

	if (hit && *s) {
		sb_addc(sb, simple_out[hit - simple_in]);
		return 1;
	}
	if (*s >= '0' && *s <= '7') {
		for (; n < 3 && s + n < end && s[n] >= '0' && s[n] <= '7'; n++)
			v = v * 8 + (unsigned)(s[n] - '0');
		sb_addc(sb, (char)(v & 0xFF));   /* PHP wraps \400 and up */
		return n;
	}
	if (*s == 'x' && s + 1 < end && hexval((unsigned char)s[1]) >= 0) {
		for (n = 1; n < 3 && s + n < end && hexval((unsigned char)s[n]) >= 0; n++)
			v = v * 16 + (unsigned)hexval((unsigned char)s[n]);
		sb_addc(sb, (char)v);
		return n;
	}
	if (*s == 'u' && (n = unicode_escape(s, end, sb)) > 0)
		return n;
	sb_addc(sb, '\\');   /* unknown escapes stay as written */
	return 0;
}

/* The value of a non-interpolating string token. */
static void decode_string(const struct tok *t, struct strbuf *sb)
{
	const char *p = t->s + 1, *end = t->s + t->len - 1;

	while (p < end) {
		if (*p != '\\' || p + 1 >= end) {
			sb_addc(sb, *p++);
		} else if (t->quote == '\'') {
			/* only \\ and \' are escapes in single quotes */
			if (p[1] == '\\' || p[1] == '\'')
				p++;
			sb_addc(sb, *p++);
		} else {
			p++;
			p += dq_escape(p, end, sb);
		}
	}
}

/* ---- statements --------------------------------------------------------- */

static const struct {
	const char *php;
	const char *yaml;
	size_t off;
} fields[WPC_NFIELDS] = {
	[WPC_DB_NAME] = { "DB_NAME", "database.name", offsetof(struct wp_config, db_name) },
	[WPC_DB_USER] = { "DB_USER", "database.user", offsetof(struct wp_config, db_user) },
	[WPC_DB_PASSWORD] = { "DB_PASSWORD", "database.password", offsetof(struct wp_config, db_password) },
	[WPC_DB_HOST] = { "DB_HOST", "database.host", offsetof(struct wp_config, db_host) },
	[WPC_DB_CHARSET] = { "DB_CHARSET", "database.charset", offsetof(struct wp_config, db_charset) },
	[WPC_DB_COLLATE] = { "DB_COLLATE", "database.collation", offsetof(struct wp_config, db_collate) },
	[WPC_TABLE_PREFIX] = { "$table_prefix", "database.table_prefix", offsetof(struct wp_config, table_prefix) },
};

static char **field_ptr(struct wp_config *wc, enum wpc_field f)
{
	return (char **)(void *)((char *)wc + fields[f].off);
}

const char *wpconfig_field_name(enum wpc_field f)
{
	return (unsigned)f < WPC_NFIELDS ? fields[f].php : "?";
}

struct parser {
	const struct tok *t;
	size_t n;
	struct wp_config *out;
	struct lexer *lx;
};

static int tok_is(const struct tok *t, enum tok_type type, const char *s)
{
	return t->type == type && t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

/* Function names and keywords are case-insensitive; "\define" is the same
 * function as "define". */
static int ident_is(const struct tok *t, const char *name)
{
	const char *s = t->s;
	size_t len = t->len;

	if (t->type != T_IDENT)
		return 0;
	if (len && *s == '\\')
		s++, len--;
	return len == strlen(name) && !strncasecmp(s, name, len);
}

static int is_stmt_end(const struct tok *t)
{
	return tok_is(t, T_PUNCT, ";") || tok_is(t, T_PUNCT, "?>");
}

/*
 * The index of the first token from a on that is one of the single
 * characters in stops at bracket depth 0, n when the input ends first, or
 * the index of a statement end met on the way (a syntax error we report).
 */
static size_t expr_end(const struct parser *ps, size_t a, const char *stops)
{
	int depth = 0;
	size_t i;

	for (i = a; i < ps->n; i++) {
		const struct tok *t = &ps->t[i];

		if (t->type != T_PUNCT)
			continue;
		if (depth == 0 && t->len == 1 && strchr(stops, t->s[0]))
			return i;
		if (is_stmt_end(t))
			return i;
		if (t->len == 1 && strchr("([{", t->s[0]))
			depth++;
		else if (t->len == 1 && strchr(")]}", t->s[0]) && depth > 0)
			depth--;
	}
	return ps->n;
}

/* Drop parentheses around the whole expression: ('x') is 'x'. */
static void strip_parens(const struct parser *ps, size_t *a, size_t *b)
{
	while (*b - *a >= 2 && tok_is(&ps->t[*a], T_PUNCT, "(") &&
	       tok_is(&ps->t[*b - 1], T_PUNCT, ")") &&
	       expr_end(ps, *a + 1, ")") == *b - 1)
		(*a)++, (*b)--;
}

/* What tokens [a, b) are, for an error message.  Never their text where it
 * may be the secret itself (secret: describing DB_PASSWORD). */
static void describe(const struct parser *ps, size_t a, size_t b, int secret, char *buf, size_t size)
{
	const struct tok *t = &ps->t[a];
	size_t i;

	if (a == b) {
		snprintf(buf, size, "no value");
		return;
	}
	if (t->type == T_IDENT && a + 1 < b && tok_is(&t[1], T_PUNCT, "(")) {
		int skip = t->s[0] == '\\';

		snprintf(buf, size, "%.*s(...)", (int)(t->len - (size_t)skip), t->s + skip);
		return;
	}
	if (t->type == T_VAR) {
		snprintf(buf, size, "%.*s%s", (int)t->len, t->s,
			 a + 1 < b && tok_is(&t[1], T_PUNCT, "[") ? "[...]" : "");
		return;
	}
	for (i = a; i < b; i++) {
		if (tok_is(&ps->t[i], T_PUNCT, ".")) {
			snprintf(buf, size, "a concatenation");
			return;
		}
	}
	if (t->type == T_STRING && t->interp)
		snprintf(buf, size, "a double-quoted string with $variables");
	else if (t->type == T_IDENT && b == a + 1 && secret)
		snprintf(buf, size, "a constant");
	else if (t->type == T_IDENT && b == a + 1)
		snprintf(buf, size, "the constant %.*s", (int)t->len, t->s);
	else if (t->type == T_OTHER && t->s[0] == '<')
		snprintf(buf, size, "a heredoc");
	else if (t->type == T_NUMBER && secret)
		snprintf(buf, size, "a number that is not a plain decimal integer");
	else if (t->type == T_NUMBER)
		snprintf(buf, size, "the number %.*s", (int)t->len, t->s);
	else
		snprintf(buf, size, "an expression");
}

/* A decimal integer literal: PHP prints it back as the same digits. */
static int plain_int(const struct tok *t)
{
	size_t i;

	if (t->type != T_NUMBER || (t->len > 1 && t->s[0] == '0'))
		return 0;
	for (i = 0; i < t->len; i++)
		if (!is_digit((unsigned char)t->s[i]))
			return 0;
	return 1;
}

/* The literal value of tokens [a, b), or NULL (then *why is filled). */
static char *literal(const struct parser *ps, size_t a, size_t b, int secret, char *why, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	const struct tok *t;

	strip_parens(ps, &a, &b);
	t = &ps->t[a];
	if (b == a + 1 && plain_int(t))
		return xstrndup(t->s, t->len);
	if (b != a + 1 || t->type != T_STRING || t->interp) {
		describe(ps, a, b, secret, why, size);
		return NULL;
	}
	decode_string(t, &sb);
	if (memchr(sb_str(&sb), '\0', sb.len)) {
		snprintf(why, size, "a string with a NUL byte");
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

/* Record field f as defined at line by tokens [a, b). */
static void set_field(struct parser *ps, enum wpc_field f, int line, size_t a, size_t b)
{
	struct wp_config *wc = ps->out;
	char **slot = field_ptr(wc, f);
	char why[WPC_EXPR_MAX];

	free(*slot);
	*slot = literal(ps, a, b, f == WPC_DB_PASSWORD, why, sizeof(why));
	wc->line[f] = line;
	if (*slot) {
		wc->unsupported &= ~(1u << f);
		wc->expr[f][0] = '\0';
	} else {
		wc->unsupported |= 1u << f;
		memcpy(wc->expr[f], why, sizeof(why));
	}
}

/* The field (WPC_*) of the constant named by the tokens a..b (one plain
 * string literal, e.g. 'DB_NAME'), or -1 when they name none of hposctl's. */
static int constant_field(const struct parser *ps, size_t a, size_t b)
{
	struct strbuf sb = STRBUF_INIT;
	const struct tok *t = &ps->t[a];
	int f, found = -1;

	if (b != a + 1 || t->type != T_STRING || t->interp)
		return -1;
	decode_string(t, &sb);
	for (f = 0; f < WPC_TABLE_PREFIX; f++)
		if (!strcmp(sb_str(&sb), fields[f].php))
			found = f;
	sb_release(&sb);
	return found;
}

static int syntax_error(struct parser *ps, const struct tok *t, const char *what)
{
	return lex_error(ps->lx, t->line, what);
}

/* define( NAME, VALUE [, case_insensitive] ) with toks[i] = "define". */
static int do_define(struct parser *ps, size_t i)
{
	size_t a = i + 2, comma, b;
	int f;

	comma = expr_end(ps, a, ",)");
	if (comma >= ps->n)
		return syntax_error(ps, &ps->t[i], "unterminated define() call");
	if (!tok_is(&ps->t[comma], T_PUNCT, ","))
		return 0;       /* define('X') alone is PHP's problem */
	f = constant_field(ps, a, comma);
	if (f < 0)
		return 0;
	b = expr_end(ps, comma + 1, ",)");
	if (b >= ps->n || is_stmt_end(&ps->t[b]))
		return syntax_error(ps, &ps->t[i], "unterminated define() call");
	/* PHP keeps the first definition of a constant and warns on others */
	if (!ps->out->line[f])
		set_field(ps, (enum wpc_field)f, ps->t[comma + 1 < b ? comma + 1 : i].line, comma + 1, b);
	return 0;
}

/* const NAME = VALUE; at toks[i] = "const".  Only the simple one-name form. */
static int do_const(struct parser *ps, size_t i)
{
	const struct tok *name = &ps->t[i + 1];
	size_t b;
	int f;

	for (f = 0; f < WPC_TABLE_PREFIX; f++)
		if (name->len == strlen(fields[f].php) && !memcmp(name->s, fields[f].php, name->len))
			break;
	if (f == WPC_TABLE_PREFIX)
		return 0;
	b = expr_end(ps, i + 3, ";,");
	if (b >= ps->n)
		return syntax_error(ps, name, "unterminated const statement");
	if (!ps->out->line[f])
		set_field(ps, (enum wpc_field)f, name->line, i + 3, b);
	return 0;
}

/* $table_prefix = VALUE; at toks[i].  Variables: the last assignment wins. */
static int do_assign(struct parser *ps, size_t i)
{
	size_t b = expr_end(ps, i + 2, ";");

	if (b >= ps->n)
		return syntax_error(ps, &ps->t[i], "unterminated $table_prefix assignment");
	set_field(ps, WPC_TABLE_PREFIX, ps->t[i].line, i + 2, b);
	return 0;
}

/* "->define(", "::define(" and "function define(" are not the builtin. */
static int is_member(const struct parser *ps, size_t i)
{
	const struct tok *p;

	if (i == 0)
		return 0;
	p = &ps->t[i - 1];
	return tok_is(p, T_PUNCT, "->") || tok_is(p, T_PUNCT, "?->") ||
	       tok_is(p, T_PUNCT, "::") || ident_is(p, "function");
}

/* Walk the tokens for define('DB_*', ...), const DB_* = ... and
 * $table_prefix = ..., filling ps->out (member calls like $x->define() are
 * not these).  0, or -1 with an HX_CONFIG err for an unterminated
 * define(), const or $table_prefix assignment. */
static int parse_tokens(struct parser *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		const struct tok *t = &ps->t[i];
		int rc = 0;

		if (i + 1 >= ps->n || is_member(ps, i))
			continue;
		if (ident_is(t, "define") && tok_is(&t[1], T_PUNCT, "("))
			rc = do_define(ps, i);
		else if (ident_is(t, "const") && i + 2 < ps->n && t[1].type == T_IDENT &&
			 tok_is(&t[2], T_PUNCT, "="))
			rc = do_const(ps, i);
		else if (tok_is(t, T_VAR, "$table_prefix") && tok_is(&t[1], T_PUNCT, "="))
			rc = do_assign(ps, i);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int wpconfig_scan(const char *name, const char *buf, size_t len,
		  struct wp_config *out, struct herr *err)
{
	struct lexer lx = { .name = name, .p = buf, .end = buf + len, .line = 1, .err = err };
	struct parser ps = { .out = out, .lx = &lx };
	int rc;

	memset(out, 0, sizeof(*out));
	out->file = xstrdup(name);
	rc = tokenize(&lx);
	if (!rc) {
		ps.t = lx.toks;
		ps.n = lx.n;
		rc = parse_tokens(&ps);
	}
	free(lx.toks);
	if (rc < 0)
		wpconfig_release(out);
	return rc;
}

int wpconfig_unsupported_error(const struct wp_config *wc, enum wpc_field f,
			       struct herr *err)
{
	return herr_set(err, HX_CONFIG,
			"%s:%d: %s is set by an expression hposctl does not evaluate (%s); "
			"set %s in the YAML config instead",
			wc->file ? wc->file : "wp-config.php", wc->line[f], fields[f].php,
			wc->expr[f], fields[f].yaml);
}

int wpconfig_parse(const char *name, const char *buf, size_t len,
		   struct wp_config *out, struct herr *err)
{
	int f, first = -1;

	if (wpconfig_scan(name, buf, len, out, err) < 0)
		return -1;
	for (f = 0; f < WPC_NFIELDS; f++)
		if ((out->unsupported & (1u << f)) &&
		    (first < 0 || out->line[f] < out->line[first]))
			first = f;
	if (first < 0)
		return 0;
	wpconfig_unsupported_error(out, (enum wpc_field)first, err);
	wpconfig_release(out);
	return -1;
}

/* Run reader (wpconfig_scan or wpconfig_parse) on the file at path. */
static int on_file(const char *path, struct wp_config *out, struct herr *err,
		   int (*reader)(const char *, const char *, size_t, struct wp_config *, struct herr *))
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if (read_file_all("wp-config file", path, &sb, err) < 0)
		return -1;
	rc = reader(path, sb_str(&sb), sb.len, out, err);
	sb_release(&sb);
	return rc;
}

int wpconfig_scan_file(const char *path, struct wp_config *out, struct herr *err)
{
	return on_file(path, out, err, wpconfig_scan);
}

int wpconfig_parse_file(const char *path, struct wp_config *out, struct herr *err)
{
	return on_file(path, out, err, wpconfig_parse);
}

void wpconfig_release(struct wp_config *wc)
{
	int f;

	if (!wc)
		return;
	for (f = 0; f < WPC_NFIELDS; f++)
		free(*field_ptr(wc, (enum wpc_field)f));
	free(wc->file);
	memset(wc, 0, sizeof(*wc));
}

/* ---- DB_HOST ----------------------------------------------------------- */

static int is_hex(unsigned char c)
{
	return hexval(c) >= 0;
}

/*
 * WordPress's absint() of a digit run: PHP's intval() saturates, and
 * empty("0") is true, so "0" means no port at all.
 */
static unsigned port_value(const char *d, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		v = v * 10 + (unsigned)(d[i] - '0');
		if (v > UINT_MAX)
			return UINT_MAX;
	}
	return (unsigned)v;
}

/*
 * wpdb::parse_db_host(), rewritten without regular expressions:
 *  - a socket is everything after the first ":/" (from the "/" on);
 *  - more than one ":" in the rest means IPv6, matched as
 *    ^\[?([0-9a-fA-F:]+)(\]:(\d+))?  (fails when no hex digit/colon leads);
 *  - otherwise ^([^:/]*)(:(\d+))?  which always matches.
 * Neither pattern is anchored at the end, so trailing text is ignored, and
 * a port that is not a digit string is silently dropped.  PHP's empty()
 * turns a host of "0" into '' and a port of "0" into null.
 */
int parse_db_host(const char *s, struct db_host *out)
{
	const char *sock = strstr(s, ":/");
	const char *end = sock ? sock : s + strlen(s);
	const char *p = s, *h, *he, *d = NULL, *de = NULL;
	size_t colons = 0;

	memset(out, 0, sizeof(*out));
	for (h = s; h < end; h++)
		colons += *h == ':';
	if (colons > 1) {
		if (p < end && *p == '[')
			p++;
		for (h = p; p < end && (is_hex((unsigned char)*p) || *p == ':'); p++)
			;
		if (p == h)
			return -1;
		he = p;
		if (end - p >= 3 && p[0] == ']' && p[1] == ':' && is_digit((unsigned char)p[2]))
			d = p + 2;
		out->is_ipv6 = 1;
	} else {
		for (h = p; p < end && *p != ':' && *p != '/'; p++)
			;
		he = p;
		if (end - p >= 2 && p[0] == ':' && is_digit((unsigned char)p[1]))
			d = p + 1;
	}
	if (d)
		for (de = d; de < end && is_digit((unsigned char)*de); de++)
			;
	if (he - h == 1 && *h == '0')
		he = h;
	out->host = xstrndup(h, (size_t)(he - h));
	if (d && !(de - d == 1 && *d == '0'))
		out->port = port_value(d, (size_t)(de - d));
	if (sock)
		out->socket = xstrdup(sock + 1);
	return 0;
}

void db_host_release(struct db_host *h)
{
	if (!h)
		return;
	free(h->host);
	free(h->socket);
	memset(h, 0, sizeof(*h));
}
