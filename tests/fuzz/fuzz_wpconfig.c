/* fuzz_wpconfig.c - libFuzzer target for the wp-config.php reader
 * (src/wpconfig.c: wpconfig_scan(), wpconfig_parse()).
 *
 * Checks, besides memory safety:
 *   - scan and parse agree: parse succeeds exactly when scan succeeds with
 *     no unsupported expression, and then both read the same values;
 *   - errors are HX_CONFIG and name the file;
 *   - every unsupported field has a line and a description, and its
 *     error message names the constant;
 *   - a DB_HOST that was read goes through parse_db_host() safely.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpconfig.h"

#define NAME "wp-config.php"

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_wpconfig: %s: %s\n", what, detail ? detail : "");
	abort();
}

static const char *field(const struct wp_config *w, int f)
{
	const char *v[WPC_NFIELDS] = { w->db_name, w->db_user, w->db_password, w->db_host,
				       w->db_charset, w->db_collate, w->table_prefix };
	return v[f];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wp_config scan, parse;
	struct herr e1 = { 0, "" }, e2 = { 0, "" }, e3 = { 0, "" };
	int rs, rp, f;

	rs = wpconfig_scan(NAME, (const char *)data, size, &scan, &e1);
	rp = wpconfig_parse(NAME, (const char *)data, size, &parse, &e2);
	if (rs < 0) {
		if (rp == 0)
			die("parse accepted what scan refused", e1.msg);
		if (e1.code != HX_CONFIG || strncmp(e1.msg, NAME, strlen(NAME)) != 0)
			die("scan error", e1.msg);
		if (strcmp(e1.msg, e2.msg) != 0)
			die("scan and parse report different lexical errors", e2.msg);
		goto out;
	}
	if ((rp == 0) != (scan.unsupported == 0))
		die("parse and scan disagree about unsupported expressions", e2.msg);
	if (rp < 0 && (e2.code != HX_CONFIG || !strstr(e2.msg, "does not evaluate")))
		die("parse error", e2.msg);
	for (f = 0; f < WPC_NFIELDS; f++) {
		const char *v = field(&scan, f);

		if (scan.unsupported & (1u << f)) {
			if (v)
				die("an unsupported field has a value", wpconfig_field_name((enum wpc_field)f));
			if (scan.line[f] <= 0 || !scan.expr[f][0])
				die("an unsupported field has no line or description", wpconfig_field_name((enum wpc_field)f));
			if (wpconfig_unsupported_error(&scan, (enum wpc_field)f, &e3) != -1 ||
			    !strstr(e3.msg, wpconfig_field_name((enum wpc_field)f)))
				die("unsupported error does not name the field", e3.msg);
		} else if (v && scan.line[f] <= 0) {
			die("a value without a line", wpconfig_field_name((enum wpc_field)f));
		}
		if (rp == 0) {
			const char *w = field(&parse, f);

			if ((v == NULL) != (w == NULL) || (v && strcmp(v, w) != 0))
				die("scan and parse read different values", wpconfig_field_name((enum wpc_field)f));
		}
	}
	if (scan.db_host) {
		struct db_host h;

		if (parse_db_host(scan.db_host, &h) == 0 && !h.host)
			die("parse_db_host succeeded without a host", scan.db_host);
		db_host_release(&h);
	}
out:
	wpconfig_release(&scan);
	wpconfig_release(&parse);
	return 0;
}
