/* fuzz_config.c - libFuzzer target for the YAML config loader (src/config.c).
 *
 * Each input is loaded as a config file over the built-in defaults.  Beyond
 * "no crash, no leak, no undefined behaviour" the target checks what
 * config.h promises:
 *   - a refused file leaves the configuration exactly as it was and says why
 *     (HX_CONFIG, a message that starts with the file name);
 *   - an accepted file's `config show` output loads back, and showing that
 *     gives the same text again (the output is valid YAML for our schema);
 *   - config_validate() never crashes on whatever the file set.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define NAME "fuzz.yml"

static void die(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_config: %s\n--- 1 ---\n%s\n--- 2 ---\n%s\n", what, a, b ? b : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpos_config cfg, back;
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT, again = STRBUF_INIT;
	struct herr err = { 0, "" };

	config_init(&cfg);
	config_show(&cfg, &before);
	if (config_load_yaml_buf(&cfg, NAME, (const char *)data, size, &err) < 0) {
		if (err.code != HX_CONFIG && err.code != HX_INTERNAL)
			die("unexpected error class", err.msg, NULL);
		if (strncmp(err.msg, NAME, strlen(NAME)) != 0)
			die("error message does not name the file", err.msg, NULL);
		config_show(&cfg, &after);
		if (strcmp(sb_str(&before), sb_str(&after)) != 0)
			die("a refused file changed the configuration", sb_str(&before), sb_str(&after));
		goto out;
	}
	(void)config_validate(&cfg, &err);
	config_show(&cfg, &after);
	config_init(&back);
	if (config_load_yaml_buf(&back, NAME, sb_str(&after), after.len, &err) < 0)
		die(err.msg, sb_str(&after), NULL);
	config_show(&back, &again);
	if (strcmp(sb_str(&after), sb_str(&again)) != 0)
		die("config show output does not round-trip", sb_str(&after), sb_str(&again));
	config_release(&back);
out:
	config_release(&cfg);
	sb_release(&before);
	sb_release(&after);
	sb_release(&again);
	return 0;
}
