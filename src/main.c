/* main.c - global options, configuration, and the command table. */
#include "hposctl.h"
#include "output.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Atomic int hpos_interrupted;

static const struct command *const commands[] = {
	&cmd_status,
	&cmd_count_unmigrated,
	&cmd_sync,
	&cmd_verify,
	&cmd_diff,
	&cmd_cleanup,
	&cmd_install,
	&cmd_config,
	&cmd_switch_authority,
	&cmd_compat_mode,
	&cmd_backfill,
	&cmd_completion,
};

static int opt_quiet, opt_debug, opt_json, opt_color = -1, opt_help, opt_version;
static int color_given, opt_allow_root;

static struct ctx the_ctx;

static const struct opt global_opts[] = {
	{ "config", 'c', OPT_STR, &the_ctx.opt_config, "FILE", "YAML configuration file (else $HPOSCTL_CONFIG, ./hposctl.yml, /etc/hposctl.yml)", NULL },
	{ "wp-config", 0, OPT_STR, &the_ctx.opt_wp_config, "FILE", "read DB_* settings and $table_prefix from this wp-config.php", NULL },
	{ "defaults-file", 0, OPT_STR, &the_ctx.opt_defaults_file, "FILE", "MySQL option file for user, password, host", NULL },
	{ "host", 0, OPT_STR, &the_ctx.opt_host, "HOST", "database host (also --dbhost)", NULL },
	{ "dbhost", 0, OPT_STR, &the_ctx.opt_host, "HOST", "same as --host", NULL },
	{ "port", 0, OPT_UINT, &the_ctx.opt_port, "PORT", "database TCP port", &the_ctx.port_given },
	{ "socket", 0, OPT_STR, &the_ctx.opt_socket, "PATH", "database Unix socket", NULL },
	{ "user", 0, OPT_STR, &the_ctx.opt_user, "USER", "database user (also --dbuser)", NULL },
	{ "dbuser", 0, OPT_STR, &the_ctx.opt_user, "USER", "same as --user", NULL },
	{ "dbname", 0, OPT_STR, &the_ctx.opt_dbname, "NAME", "database name (also --database)", NULL },
	{ "database", 0, OPT_STR, &the_ctx.opt_dbname, "NAME", "same as --dbname", NULL },
	{ "prefix", 0, OPT_STR, &the_ctx.opt_prefix, "PREFIX", "WordPress table prefix (also --dbprefix)", NULL },
	{ "dbprefix", 0, OPT_STR, &the_ctx.opt_prefix, "PREFIX", "same as --prefix", NULL },
	{ "charset", 0, OPT_STR, &the_ctx.opt_charset, "CHARSET", "connection character set (default utf8mb4)", NULL },
	{ "password", 0, OPT_REJECT, NULL, NULL, "passwords are never taken on the command line (visible in ps); use database.password in the config, MYSQL_PWD, or --defaults-file", NULL },
	{ "dbpass", 0, OPT_REJECT, NULL, NULL, "passwords are never taken on the command line (visible in ps); use database.password in the config, MYSQL_PWD, or --defaults-file", NULL },
	{ "quiet", 'q', OPT_FLAG, &opt_quiet, NULL, "print only errors", NULL },
	{ "debug", 0, OPT_FLAG, &opt_debug, NULL, "show SQL with timings and other details on stderr", NULL },
	{ "json", 0, OPT_FLAG, &opt_json, NULL, "line-delimited JSON events on stdout", NULL },
	{ "color", 0, OPT_FLAG, &opt_color, NULL, "force colour on/off (--no-color); default: only on a terminal", &color_given },
	{ "help", 'h', OPT_FLAG, &opt_help, NULL, "show help", NULL },
	{ "version", 'V', OPT_FLAG, &opt_version, NULL, "show the version", NULL },
	{ "allow-root", 0, OPT_FLAG, &opt_allow_root, NULL, "accepted for wp-cli compatibility; does nothing", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

const struct command *const *hpos_commands(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}

const struct opt *hpos_global_opts(void)
{
	return global_opts;
}

/* SIGINT/SIGTERM: remember the signal; the commands stop at the next
 * batch boundary.  A second one ends the process at once. */
static void on_signal(int sig)
{
	if (hpos_interrupted) {
		/* Second signal: leave now; the server rolls back the open batch. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	hpos_interrupted = sig;
}

int report(const struct herr *err)
{
	out_error("%s", err->msg);
	return err->code ? err->code : HX_INTERNAL;
}

/* The database flags of the command line (--host, --port, ...) over the
 * configuration read so far, each checked as the config file's value would
 * be.  0, or -1 with an HX_USAGE error. */
static int apply_flags(struct ctx *c, struct herr *err)
{
	static const struct { const char *key; size_t off; } flags[] = {
		{ "database.host", offsetof(struct ctx, opt_host) },
		{ "database.socket", offsetof(struct ctx, opt_socket) },
		{ "database.user", offsetof(struct ctx, opt_user) },
		{ "database.name", offsetof(struct ctx, opt_dbname) },
		{ "database.table_prefix", offsetof(struct ctx, opt_prefix) },
		{ "database.charset", offsetof(struct ctx, opt_charset) },
	};
	char port[32];

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		const char *v = *(const char *const *)((const char *)c + flags[i].off);

		if (v && config_set(&c->cfg, flags[i].key, v, err) < 0) {
			err->code = HX_USAGE;
			return -1;
		}
	}
	if (!c->port_given)
		return 0;
	snprintf(port, sizeof(port), "%llu", (unsigned long long)c->opt_port);
	if (config_set(&c->cfg, "database.port", port, err) < 0) {
		err->code = HX_USAGE;
		return -1;
	}
	return 0;
}

/* The configuration, loaded once: the YAML file (--config, $HPOSCTL_CONFIG,
 * ./hposctl.yml, /etc/hposctl.yml), --defaults-file, wp-config.php, then
 * the flags; validated.  0, or -1 with err (HX_CONFIG, HX_USAGE). */
int ctx_config(struct ctx *c, struct herr *err)
{
	char *path = NULL;
	const char *wpc;

	if (c->config_loaded)
		return 0;
	config_init(&c->cfg);
	if (config_locate(c->opt_config, &path, err) < 0)
		return -1;
	if (path) {
		out_debug("reading configuration %s", path);
		if (config_load_yaml(&c->cfg, path, err) < 0) {
			free(path);
			return -1;
		}
		if (c->cfg.password && *c->cfg.password && config_file_exposed(path)) /* "" is no secret */
			out_warning("%s contains a password and can be read by other users; run: chmod 600 %s", path, path);
		free(path);
	}
	/* An option file named on the command line must be known before
	 * wp-config.php is read: it then supplies the login instead. */
	if (c->opt_defaults_file &&
	    config_set(&c->cfg, "database.defaults_file", c->opt_defaults_file, err) < 0)
		return herr_prefix(err, "--defaults-file");
	wpc = c->opt_wp_config ? c->opt_wp_config : c->cfg.wp_config;
	if (wpc) {
		out_debug("reading %s", wpc);
		if (config_apply_wp_config(&c->cfg, wpc, err) < 0)
			return -1;
	}
	/* Flags override every file, with the config file's checks. */
	if (apply_flags(c, err) < 0)
		return -1;
	if (config_validate(&c->cfg, err) < 0)
		return -1;
	c->config_loaded = 1;
	return 0;
}

int ctx_connect(struct ctx *c, struct herr *err)
{
	if (c->db)
		return 0;
	if (ctx_config(c, err) < 0)
		return -1;
	return db_connect(&c->cfg, &c->db, err);
}

/* `hposctl --help`: usage, the commands, the global options. */
static void global_help(void)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "hposctl " HPOSCTL_VERSION " - move WooCommerce orders from wp_posts/wp_postmeta into HPOS tables\n\n"
		"Usage: hposctl [GLOBAL OPTIONS] <command> [OPTIONS] [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		sb_addf(&sb, "  %-20s %s\n", commands[i]->name, commands[i]->summary);
	sb_adds(&sb, "  help [COMMAND]       show help for a command\n  version              show the version\n\nGlobal options:\n");
	opts_help(global_opts, &sb);
	sb_adds(&sb, "\nExit codes: 0 ok, 1 problem found, 64 usage, 69 cannot connect, 70 internal,\n"
		"75 temporary (lock busy, retries exhausted), 77 access denied, 78 configuration.\n"
		"See 'man hposctl' and docs/ for details.\n");
	fputs(sb.buf, stdout);
	sb_release(&sb);
}

void command_help(const struct command *cmd)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "Usage: %s\n\n%s\n", cmd->synopsis, cmd->summary);
	if (cmd->description)
		sb_addf(&sb, "\n%s\n", cmd->description);
	if (cmd->aliases[0]) {
		sb_adds(&sb, "\nAliases:");
		for (int i = 0; i < 3 && cmd->aliases[i]; i++)
			sb_addf(&sb, " %s", cmd->aliases[i]);
		sb_addc(&sb, '\n');
	}
	if (cmd->opts) {
		sb_adds(&sb, "\nOptions:\n");
		opts_help(cmd->opts, &sb);
	}
	sb_adds(&sb, "\nGlobal options (hposctl --help) may appear anywhere on the line.\n");
	fputs(sb.buf, stdout);
	sb_release(&sb);
}

int command_opts(const struct command *cmd, int *argc, char **argv, struct herr *err)
{
	static const struct opt none[] = { { NULL, 0, OPT_END, NULL, NULL, NULL, NULL } };

	if (opt_help) {
		command_help(cmd);
		return 1;
	}
	if (opts_parse(cmd->opts ? cmd->opts : none, argc, argv, 0, err) < 0) {
		herr_prefix(err, "%s", cmd->name);
		return -1;
	}
	return 0;
}

/* The command named name or one of its aliases, or NULL. */
static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(commands[i]->name, name))
			return commands[i];
		for (int j = 0; j < 3 && commands[i]->aliases[j]; j++)
			if (!strcmp(commands[i]->aliases[j], name))
				return commands[i];
	}
	return NULL;
}

/* Say name is no command (with the nearest one when close); HX_USAGE. */
static int unknown_command(const char *name)
{
	const char *best = NULL;
	unsigned bestd = 4;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		unsigned d = edit_distance(name, commands[i]->name);

		if (d < bestd) {
			bestd = d;
			best = commands[i]->name;
		}
	}
	if (best)
		out_error("'%s' is not a hposctl command. Did you mean '%s'? See 'hposctl --help'.", name, best);
	else
		out_error("'%s' is not a hposctl command. See 'hposctl --help'.", name);
	return HX_USAGE;
}

/* SIGINT/SIGTERM set hpos_interrupted (the commands stop at the next
 * batch boundary); SIGPIPE is ignored (a closed pipe is a write error). */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* `version`, --version, no command, `help [COMMAND]`: printed, and the
 * exit code returned; -1 when args name a command to run. */
static int version_or_help(int n, char **args)
{
	const struct command *cmd;

	if (opt_version || (n > 0 && !strcmp(args[0], "version"))) {
		out_line("hposctl %s", HPOSCTL_VERSION);
		return HX_OK;
	}
	if (n == 0) {
		global_help();
		return opt_help ? HX_OK : HX_USAGE;
	}
	if (strcmp(args[0], "help"))
		return -1;
	if (n < 2) {
		global_help();
		return HX_OK;
	}
	cmd = find_command(args[1]);
	if (!cmd)
		return unknown_command(args[1]);
	command_help(cmd);
	return HX_OK;
}

/* Global options, then the command named (or help), with the signals
 * caught; the connection and configuration closed after it.  Returns its
 * exit code. */
int main(int argc, char **argv)
{
	struct herr err = { 0, "" };
	const struct command *cmd;
	int rc, n = argc - 1;
	char **args = argv + 1;

	outst.t0 = now_mono();
	/* Before any password is read: no core file or ptrace can show it. */
	process_harden();
	if (opts_parse(global_opts, &n, args, 1, &err) < 0) {
		out_setup(-1);
		return report(&err);
	}
	outst.quiet = opt_quiet;
	outst.debug = opt_debug;
	outst.json = opt_json;
	out_setup(color_given ? opt_color : -1);

	rc = version_or_help(n, args);
	if (rc >= 0)
		return rc;
	cmd = find_command(args[0]);
	if (!cmd) {
		if (args[0][0] == '-') {
			/* The name only: the value after '=' may be a password. */
			herr_set(&err, HX_USAGE, "unknown option %.*s. See 'hposctl --help'.",
				 (int)strcspn(args[0], "="), args[0]);
			return report(&err);
		}
		return unknown_command(args[0]);
	}

	catch_signals();
	rc = cmd->fn(n - 1, args + 1, &the_ctx);
	if (the_ctx.db)
		db_close(the_ctx.db);
	if (the_ctx.config_loaded)
		config_release(&the_ctx.cfg);
	return rc;
}
