/* cmd_config.c - `config show` and `config check`. */
#include "hposctl.h"
#include "output.h"

#include <stdio.h>
#include <string.h>

static int run_config(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct strbuf sb = STRBUF_INIT;
	int rc = command_opts(&cmd_config, &argc, argv, &err);

	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc != 1 || (strcmp(argv[0], "show") && strcmp(argv[0], "check"))) {
		herr_set(&err, HX_USAGE, "config: expected 'show' or 'check'");
		return report(&err);
	}
	if (ctx_config(c, &err) < 0)
		return report(&err);
	if (!strcmp(argv[0], "show")) {
		config_show(&c->cfg, &sb);
		fputs(sb_str(&sb), stdout);
		sb_release(&sb);
		return HX_OK;
	}
	if (ctx_connect(c, &err) < 0)
		return report(&err);
	out_success("Configuration is valid and the database answers (%s, prefix %s).",
		    db_name(c->db), db_prefix(c->db));
	return HX_OK;
}

const struct command cmd_config = {
	.name = "config",
	.fn = run_config,
	.summary = "Show the effective configuration (secrets redacted) or check it",
	.synopsis = "hposctl config show|check",
	.args = "show|check",
	.description = "show   print the effective configuration after config file, wp-config.php\n"
		       "       and flags are applied; the password is never printed\n"
		       "check  validate the configuration and connect to the database",
};
