/* opts.h - a small table-driven option parser (wp-cli style):
 * --name=value, --name value, -x value, --flag, --no-flag, "--" ends options.
 * Options may appear anywhere among the positional arguments. */
#ifndef HPOS_OPTS_H
#define HPOS_OPTS_H

#include "util.h"

enum opt_type {
	OPT_END = 0,
	OPT_FLAG,      /* int: 1 when given, 0 with --no-name */
	OPT_STR,       /* const char *: points into argv */
	OPT_UINT,      /* uint64_t */
	OPT_DURATION,  /* double seconds: "90", "15m", "1h30m" */
	OPT_REJECT,    /* always an error, with help as the reason */
	OPT_LIST,      /* struct opt_list: repeatable, every value in order */
};

/* Values of a repeatable option (OPT_LIST); v points into argv. */
struct opt_list {
	const char **v;
	unsigned n;
};

struct opt {
	const char *name;    /* long name without "--" */
	char short_name;     /* 0 for none */
	enum opt_type type;
	void *dst;
	const char *argname; /* for help: "N", "FILE" */
	const char *help;
	int *seen;           /* optional: set to 1 when given */
};

/* Parse opts out of argv[0..*argc).  Recognised options are removed and
 * the remaining arguments are compacted in place (*argc updated).  With
 * keep_unknown, unknown options are left in place (for a later pass);
 * otherwise they are HX_USAGE errors with a "Did you mean" suggestion. */
int opts_parse(const struct opt *opts, int *argc, char **argv, int keep_unknown,
	       struct herr *err);

/* Append "  --name=ARG   help" lines for the table. */
void opts_help(const struct opt *opts, struct strbuf *sb);

/* Levenshtein distance, for suggestions. */
unsigned edit_distance(const char *a, const char *b);

#endif
