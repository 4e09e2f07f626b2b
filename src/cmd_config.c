/* cmd_config.c - `config show` and `config check`. */
#include "hposctl.h"
#include "output.h"
#include "wcstore.h"

#include <stdio.h>
#include <string.h>

/* `hposctl config show|check`: print the effective configuration (no
 * connection), or connect and check the WordPress tables are there with
 * the configured prefix (HX_CONFIG when not). */
static int run_config(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct strbuf sb = STRBUF_INIT;
	unsigned missing = 0;
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
	/* Connecting is not enough: the database must be WordPress's, with
	 * the configured table prefix. */
	if (wc_wp_tables_missing(c->db, &sb, &missing, &err) < 0)
		return report(&err);
	if (missing) {
		herr_set(&err, HX_CONFIG, "database %s has no WordPress table%s %s (table prefix \"%s\"): is this the "
			 "WordPress database, and is the table prefix right? (database.table_prefix, $table_prefix "
			 "in wp-config.php, --prefix)", db_name(c->db), missing > 1 ? "s" : "", sb_str(&sb),
			 db_prefix(c->db));
		sb_release(&sb);
		return report(&err);
	}
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
		       "check  validate the configuration, connect to the database and make sure\n"
		       "       it holds the WordPress tables ({prefix}options, posts, postmeta)",
};
