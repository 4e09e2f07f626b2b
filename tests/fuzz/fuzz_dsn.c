/* fuzz_dsn.c - libFuzzer target for the --replica DSN parser
 * (src/replica.c: replica_parse()).
 *
 * Checks, besides memory safety: errors are HX_USAGE; an error message
 * never repeats a value or a malformed pair (it may be a mistyped
 * password; checked for the canary "Sec..." of the seeds and dictionary);
 * an accepted DSN never sets a password of its own and keeps the label.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica.h"

#define BASE_PW "base-password"

static void die(const char *what, const char *in, const char *msg)
{
	fprintf(stderr, "fuzz_dsn: %s for \"%s\": %s\n", what, in, msg ? msg : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hpos_config base;
	static int ready;
	struct replica r;
	struct herr err = { 0, "" };
	char *in;

	if (!ready) {
		config_init(&base);
		base.host = strdup("primary");
		base.user = strdup("shop");
		base.password = strdup(BASE_PW);
		base.name = strdup("wp");
		ready = 1;
	}
	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (replica_parse(&r, in, &base, &err) < 0) {
		if (err.code != HX_USAGE || strncmp(err.msg, "--replica", 9) != 0)
			die("unexpected error", in, err.msg);
		/* No pair text that looks like our canary password ("Sec...",
		 * in the seeds and the dictionary) may be repeated, whether it is
		 * a value or a whole malformed pair.  The canary keeps chance
		 * overlaps with the fixed message text out of the way. */
		for (char *p = in; *p; ) {
			size_t n = strcspn(p, ","), eq = strcspn(p, "=");
			const char *v = eq < n ? p + eq + 1 : p;
			size_t vn = eq < n ? n - eq - 1 : n;

			if (vn >= 3 && !strncmp(v, "Sec", 3)) {
				char *dup = strndup(v, vn);

				if (dup && strstr(err.msg, dup))
					die("the message repeats a value", in, err.msg);
				free(dup);
			}
			p += n;
			if (*p)
				p++;
		}
	} else {
		if (strcmp(r.label, in) != 0)
			die("label differs from the DSN", in, r.label);
		if (r.cfg.password && strcmp(r.cfg.password, BASE_PW) != 0)
			die("a password that is not the primary's", in, r.cfg.password);
		if (!r.cfg.name || !*r.cfg.name)
			die("no database name", in, NULL);
	}
	replica_close(&r);
	free(in);
	return 0;
}
