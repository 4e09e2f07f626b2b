/* cmdutil.h - the steps the commands (src/cmd_*.c) share, written once:
 * connect and list the order types, take the run lock, read the store's
 * switches, WooCommerce's transaction options, the engines' common
 * options, and the words and exit codes at the end of a batch run.
 * Nothing here is an engine: it only strings the layers below together. */
#ifndef HPOS_CMDUTIL_H
#define HPOS_CMDUTIL_H

#include "hposctl.h"
#include "ordertypes.h"

struct throttle;
struct sync_opts;
struct verify_opts;

/* The --order-types option of every command that reads orders. */
#define CMD_OPT_ORDER_TYPES(dst) \
	{ "order-types", 0, OPT_STR, (dst), "auto|A,B", \
	  "order types (default from config: auto, every order type found in the store)", NULL }

/* The throttling options of the batch commands (throttle.h). */
#define CMD_OPTS_THROTTLE(max_load, critical_load, pause_file) \
	{ "max-load", 0, OPT_STR, (max_load), "VAR=N", "pause between batches while the global status VAR exceeds N", NULL }, \
	{ "critical-load", 0, OPT_STR, (critical_load), "VAR=N", "stop (exit 75) when the global status VAR exceeds N", NULL }, \
	{ "pause-file", 0, OPT_STR, (pause_file), "PATH", "pause between batches while this file exists", NULL }

/* A command's run as a list of steps over its own state (a struct of the
 * command's file): each step returns STEP_ON to go on, STEP_END to end the
 * run with the exit code it set, or STEP_FAIL with err. */
enum { STEP_ON = 0, STEP_END = 1, STEP_FAIL = -1 };
typedef int cmd_step_fn(void *run, struct herr *err);
/* The arguments and options among themselves, before anything is opened:
 * 0, or -1 with err (HX_USAGE). */
typedef int cmd_check_fn(int argc, char **argv, void *run, struct herr *err);

/* A command's run: its options parsed (--help printed: HX_OK), check() on
 * the arguments left, then steps[0..n) on run in order until one does not
 * return STEP_ON.  An error is reported ("Error: ...") and its exit code
 * stored in *exit_code.  Returns *exit_code.  The caller zeroes run before
 * and releases what it holds after, whatever happened. */
int cmd_run(const struct command *cmd, int argc, char **argv, cmd_check_fn *check, cmd_step_fn *const *steps,
	    size_t n, void *run, int *exit_code);

/* A command that takes no arguments: 0 when argc is 0, else -1 with the
 * HX_USAGE error "NAME: unexpected argument 'ARG'". */
int cmd_no_args(const struct command *cmd, int argc, char **argv, struct herr *err);

/* Connect (once, ctx_connect()) and hand the order types to work on to
 * *types: spec when given, else the configuration's list; warn as
 * order_types_for() does.  0, or -1 with err; the caller releases *types
 * (also after an error). */
int cmd_connect_types(struct ctx *c, const char *spec, int warn, struct typelist *types, struct herr *err);

/* Take the run lock (one hposctl run per database and prefix), as a step:
 * STEP_ON with *locked set when taken (the caller releases it with
 * runlock_release()); else STEP_END with *exit_code HX_TEMPFAIL when
 * another run holds it (said on stderr), or the error reported and its
 * exit code.  With thr, the throttle keeps checking while paused that the
 * lock is still held. */
int cmd_lock(struct ctx *c, struct throttle *thr, int *locked, int *exit_code);

/* The exit code for a stop by the signal in hpos_interrupted. */
int cmd_signal_exit(void);

/* After the last batch of `hposctl NAME`: a --critical-load (or replica
 * lag) stop or a signal, said, and its exit code; HX_OK when neither. */
int cmd_run_stopped(const struct throttle *thr, const char *name);

/* After a --dry-run --sample: HX_TEMPFAIL, said, when the throttle stopped
 * it, else HX_OK. */
int cmd_sample_stopped(const struct throttle *thr);

/* "Batches retried after ...: N." when n is not 0. */
void cmd_say_retries(uint64_t n);

/* After writing WooCommerce's options directly: remind to flush a
 * persistent object cache (WooCommerce's hooks did not run). */
void cmd_cache_reminder(void);

/* The isolation level s names (any case), spelt as SQL spells it; NULL
 * when s names none. */
const char *cmd_isolation_name(const char *s);

/* WooCommerce's transaction options: *level NULL when they are turned off,
 * else the isolation level they name (READ UNCOMMITTED when unset).  An
 * unknown level name is an HX_CONFIG error with strict, READ UNCOMMITTED
 * without.  0, or -1 with err. */
int cmd_wc_isolation(struct db *db, int strict, const char **level, struct herr *err);

/* *so for the sync engines with what every command sets alike: the batch
 * size, the types (borrowed), the configured retries, WooCommerce's lock
 * wait, one job, the run lock name; everything else zero. */
void cmd_sync_opts(struct sync_opts *so, const struct ctx *c, unsigned batch_size, const struct typelist *types);

/* The store as the verify engine needs it, into vo: HPOS authoritative,
 * compatibility mode, rounding precision; and which HPOS tables exist
 * (*mask, HPOS_ALL_TABLES when all).  0, or -1 with err. */
int cmd_verify_state(struct db *db, struct verify_opts *vo, unsigned *mask, struct herr *err);

#endif
