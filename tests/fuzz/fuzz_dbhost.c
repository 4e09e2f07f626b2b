/* fuzz_dbhost.c - libFuzzer target for parse_db_host() (src/wpconfig.c).
 *
 * Differential: the input (up to its first NUL, as a C string) is also split
 * by a direct transcription of wpdb::parse_db_host()'s two regular
 * expressions into POSIX EREs, and the results must agree field by field.
 * The EREs give the same matches as PHP's PCRE here: every group is
 * anchored at the start and each quantified class is followed by a
 * character outside it, so leftmost-longest and greedy coincide.
 */
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpconfig.h"

static regex_t re_v6, re_v4;
static int ready;

static void die(const char *what, const char *in, const struct db_host *h)
{
	fprintf(stderr, "fuzz_dbhost: %s for \"%s\": host=\"%s\" port=%u socket=%s ipv6=%d\n", what, in,
		h->host ? h->host : "(null)", h->port, h->socket ? h->socket : "(null)", h->is_ipv6);
	abort();
}

/* PHP absint() of a digit string, saturating like ours at UINT_MAX. */
static unsigned absint(const char *d, size_t n)
{
	unsigned long long v = 0;

	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (unsigned)(d[i] - '0');
		if (v > UINT_MAX)
			return UINT_MAX;
	}
	return (unsigned)v;
}

/* The reference: WordPress's code, step by step. */
static int reference(const char *in, struct db_host *out)
{
	char *host = strdup(in), *sock = strstr(host, ":/");
	regmatch_t m[4];
	size_t colons = 0;
	const regex_t *re;

	memset(out, 0, sizeof(*out));
	if (sock) {
		out->socket = strdup(sock + 1);
		*sock = '\0';
	}
	for (const char *p = host; *p; p++)
		colons += *p == ':';
	re = colons > 1 ? &re_v6 : &re_v4;
	out->is_ipv6 = colons > 1;
	if (regexec(re, host, 4, m, 0) != 0) {
		free(host);
		free(out->socket);
		out->socket = NULL;
		return -1;
	}
	/* empty($host): '' and '0' give '' */
	if (m[1].rm_eo - m[1].rm_so == 1 && host[m[1].rm_so] == '0')
		out->host = strdup("");
	else
		out->host = strndup(host + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
	/* ! empty($port): "0" is empty, "00" is not (and absint gives 0) */
	if (m[3].rm_so >= 0 && !(m[3].rm_eo - m[3].rm_so == 1 && host[m[3].rm_so] == '0'))
		out->port = absint(host + m[3].rm_so, (size_t)(m[3].rm_eo - m[3].rm_so));
	free(host);
	return 0;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;
	struct db_host got, want;
	int rg, rw;

	if (!ready) {
		if (regcomp(&re_v6, "^\\[?([0-9a-fA-F:]+)(\\]:([0-9]+))?", REG_EXTENDED) ||
		    regcomp(&re_v4, "^([^:/]*)(:([0-9]+))?", REG_EXTENDED))
			abort();
		ready = 1;
	}
	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	rg = parse_db_host(in, &got);
	rw = reference(in, &want);
	if (rg != rw)
		die(rg ? "refused what WordPress accepts" : "accepted what WordPress refuses", in, &got);
	if (rg == 0) {
		if (!same(got.host, want.host))
			die("host differs", in, &got);
		if (got.port != want.port)
			die("port differs", in, &got);
		if (!same(got.socket, want.socket))
			die("socket differs", in, &got);
		if (got.is_ipv6 != want.is_ipv6)
			die("is_ipv6 differs", in, &got);
	}
	db_host_release(&got);
	db_host_release(&want);
	free(in);
	return 0;
}
