/* hposctl.h - what every subcommand gets: the effective configuration, a
 * lazily opened connection, and the interrupt flag. */
#ifndef HPOS_HPOSCTL_H
#define HPOS_HPOSCTL_H

#include <signal.h>
#include <stdatomic.h>
#include "config.h"
#include "db.h"
#include "opts.h"
#include "util.h"
#include "wcstore.h"

#define HPOSCTL_VERSION "0.1.0"

struct ctx {
	struct hpos_config cfg;
	struct db *db;
	int config_loaded;
	/* Global command-line values, applied over the config files. */
	const char *opt_config, *opt_wp_config, *opt_defaults_file;
	const char *opt_host, *opt_socket, *opt_user, *opt_dbname, *opt_prefix, *opt_charset;
	uint64_t opt_port;
	int port_given;
};

/* Set by the SIGINT/SIGTERM handler: the signal number.  Atomic, not
 * volatile sig_atomic_t: the writer threads read it too (a lock-free
 * atomic is also safe to write from a signal handler). */
extern _Atomic int hpos_interrupted;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may write only a lock-free atomic");

/* Load configuration (once) and connect (once). */
int ctx_config(struct ctx *c, struct herr *err);
int ctx_connect(struct ctx *c, struct herr *err);

struct command {
	const char *name;
	const char *aliases[3];
	int (*fn)(int argc, char **argv, struct ctx *c);
	const char *summary;
	const char *synopsis;   /* "hposctl status [--format=table|json]" */
	const char *description;
	const struct opt *opts; /* per-command options, for help */
	const char *args;       /* fixed first arguments, "enable|disable" (completion) */
};

/* The command table and the global options (main.c), for completion. */
const struct command *const *hpos_commands(size_t *n);
const struct opt *hpos_global_opts(void);

/* Print a command's help to stdout. */
void command_help(const struct command *cmd);
/* Parse per-command options; handles --help.  Returns 0, 1 when help was
 * printed (caller returns HX_OK), or -1 with err. */
int command_opts(const struct command *cmd, int *argc, char **argv, struct herr *err);
/* Report err as "Error: ..." and return its exit code. */
int report(const struct herr *err);

extern const struct command cmd_install, cmd_status, cmd_count_unmigrated, cmd_config,
	cmd_sync, cmd_verify, cmd_diff, cmd_switch_authority, cmd_compat_mode, cmd_backfill,
	cmd_cleanup, cmd_completion;

#endif
