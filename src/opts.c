/* opts.c - table-driven option parsing with typo suggestions. */
#include "opts.h"

#include <stdlib.h>
#include <string.h>

unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned *row = xcalloc(lb + 1, sizeof(*row)), res;

	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned sub = prev + (a[i - 1] != b[j - 1]);
			unsigned del = row[j] + 1, ins = row[j - 1] + 1;

			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	res = row[lb];
	free(row);
	return res;
}

/* The entry for long option name[0..len), or for a flag given as --no-NAME
 * (*negated set); NULL when the table has neither. */
static const struct opt *find_long(const struct opt *opts, const char *name, size_t len, int *negated)
{
	*negated = 0;
	for (const struct opt *o = opts; o->type != OPT_END; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	if (len > 3 && !strncmp(name, "no-", 3)) {
		for (const struct opt *o = opts; o->type != OPT_END; o++)
			if (o->type == OPT_FLAG && strlen(o->name) == len - 3 &&
			    !strncmp(o->name, name + 3, len - 3)) {
				*negated = 1;
				return o;
			}
	}
	return NULL;
}

/* The entry for -c, or NULL. */
static const struct opt *find_short(const struct opt *opts, char c)
{
	for (const struct opt *o = opts; o->type != OPT_END; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

/* arg (--name[=value]) is no option of the table: -1 with an HX_USAGE
 * error naming the nearest option when one is close; the value is never
 * repeated (it may be a password). */
static int unknown(const struct opt *opts, const char *arg, struct herr *err)
{
	const char *name = arg + 2;
	size_t len = strcspn(name, "=");
	char *n = xstrndup(name, len);
	const struct opt *best = NULL;
	unsigned bestd = 3;

	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		unsigned d = edit_distance(n, o->name);

		if (d < bestd) {
			bestd = d;
			best = o;
		}
	}
	/* The name only: the value after '=' may be a password. */
	if (best)
		herr_set(err, HX_USAGE, "unknown option --%s. Did you mean '--%s'?", n, best->name);
	else
		herr_set(err, HX_USAGE, "unknown option --%s", n);
	free(n);
	return -1;
}

/* Store val (NULL for a flag) into o's destination as its type says and
 * mark o seen.  0, or -1 with an HX_USAGE error for a value of the wrong
 * form (or an OPT_REJECT option). */
static int store(const struct opt *o, const char *val, int negated, struct herr *err)
{
	if (o->seen)
		*o->seen = 1;
	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->dst = !negated;
		return 0;
	case OPT_STR:
		*(const char **)o->dst = val;
		return 0;
	case OPT_UINT:
		if (parse_u64(val, (uint64_t *)o->dst) < 0)
			return herr_set(err, HX_USAGE, "--%s expects a non-negative integer, got \"%s\"", o->name, val);
		return 0;
	case OPT_DURATION:
		if (parse_duration(val, (double *)o->dst) < 0)
			return herr_set(err, HX_USAGE, "--%s expects a duration such as 90, 90s, 15m or 1h30m, got \"%s\"", o->name, val);
		return 0;
	case OPT_REJECT:
		return herr_set(err, HX_USAGE, "--%s is not supported: %s", o->name, o->help);
	case OPT_LIST: {
		struct opt_list *l = o->dst;

		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = val;
		return 0;
	}
	default:
		return herr_set(err, HX_INTERNAL, "bad option table entry --%s", o->name);
	}
}

int opts_parse(const struct opt *opts, int *argc, char **argv, int keep_unknown, struct herr *err)
{
	int out = 0, i, only_args = 0;

	for (i = 0; i < *argc; i++) {
		char *a = argv[i];
		const struct opt *o;
		const char *val = NULL;
		int negated = 0;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			argv[out++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			if (keep_unknown)
				argv[out++] = a;
			only_args = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(opts, name, len, &negated);
			if (!o) {
				if (keep_unknown) {
					argv[out++] = a;
					continue;
				}
				return unknown(opts, a, err);
			}
			if (eq) {
				if (o->type == OPT_FLAG)
					return herr_set(err, HX_USAGE, "--%s does not take a value", o->name);
				val = eq + 1;
			}
		} else {
			if (a[2] != '\0' || !(o = find_short(opts, a[1]))) {
				if (keep_unknown) {
					argv[out++] = a;
					continue;
				}
				return herr_set(err, HX_USAGE, "unknown option -%c", a[1]);
			}
		}
		if (o->type != OPT_FLAG && o->type != OPT_REJECT && !val) {
			if (i + 1 >= *argc)
				return herr_set(err, HX_USAGE, "--%s requires a value", o->name);
			val = argv[++i];
		}
		if (store(o, val, negated, err) < 0)
			return -1;
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

void opts_help(const struct opt *opts, struct strbuf *sb)
{
	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		struct strbuf left = STRBUF_INIT;

		if (o->type == OPT_REJECT)
			continue;
		if (o->short_name)
			sb_addf(&left, "-%c, ", o->short_name);
		sb_addf(&left, "--%s", o->name);
		if (o->type != OPT_FLAG)
			sb_addf(&left, "=%s", o->argname ? o->argname : "VALUE");
		sb_addf(sb, "  %-28s %s\n", left.buf, o->help ? o->help : "");
		sb_release(&left);
	}
}
