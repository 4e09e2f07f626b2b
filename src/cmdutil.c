/* cmdutil.c - the steps the commands share (cmdutil.h). */
#include "cmdutil.h"
#include "migrate.h"
#include "output.h"
#include "syncstate.h"
#include "throttle.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cmd_run(const struct command *cmd, int argc, char **argv, cmd_check_fn *check, cmd_step_fn *const *steps,
	    size_t n, void *run, int *exit_code)
{
	struct herr err = { 0, "" };
	int rc = command_opts(cmd, &argc, argv, &err);

	if (rc)
		return *exit_code = rc > 0 ? HX_OK : report(&err);
	if (check(argc, argv, run, &err) < 0)
		return *exit_code = report(&err);
	rc = STEP_ON;
	for (size_t i = 0; i < n && rc == STEP_ON; i++)
		rc = steps[i](run, &err);
	if (rc == STEP_FAIL)
		*exit_code = report(&err);
	return *exit_code;
}

int cmd_no_args(const struct command *cmd, int argc, char **argv, struct herr *err)
{
	if (argc > 0)
		return herr_set(err, HX_USAGE, "%s: unexpected argument '%s'", cmd->name, argv[0]);
	return 0;
}

int cmd_connect_types(struct ctx *c, const char *spec, int warn, struct typelist *types, struct herr *err)
{
	if (ctx_connect(c, err) < 0)
		return -1;
	return order_types_for(c->db, spec ? spec : c->cfg.order_types, warn, types, err);
}

int cmd_lock(struct ctx *c, struct throttle *thr, int *locked, int *exit_code)
{
	struct herr err = { 0, "" };
	int rc = runlock_enter(c->db, c->cfg.lock_name, &err);

	if (rc != 0) {
		*exit_code = rc < 0 ? report(&err) : HX_TEMPFAIL;
		return STEP_END;
	}
	*locked = 1;
	if (thr) {
		thr->keep_lock = 1;
		thr->lock_name = c->cfg.lock_name;
	}
	return STEP_ON;
}

int cmd_signal_exit(void)
{
	return hpos_interrupted == SIGINT ? HX_SIGINT : HX_SIGTERM;
}

int cmd_run_stopped(const struct throttle *thr, const char *name)
{
	if (thr->critical_hit) {
		out_error("Stopped: %s. Progress is kept; run %s again later.", thr->critical_msg, name);
		return HX_TEMPFAIL;
	}
	if (hpos_interrupted) {
		out_warning("Interrupted by signal %d after a complete batch; run %s again to continue.",
			    (int)hpos_interrupted, name);
		return cmd_signal_exit();
	}
	return HX_OK;
}

int cmd_sample_stopped(const struct throttle *thr)
{
	if (!thr->critical_hit)
		return HX_OK;
	out_error("Sample stopped: %s.", thr->critical_msg);
	return HX_TEMPFAIL;
}

void cmd_say_retries(uint64_t n)
{
	if (n)
		out_log("Batches retried after deadlocks, lock waits or lost connections: %llu.", (unsigned long long)n);
}

void cmd_cache_reminder(void)
{
	out_log("Reminder: hposctl wrote the options table directly, so WooCommerce's hooks did not run. "
		"If the site uses a persistent object cache (Redis, Memcached), flush it now (e.g. `wp cache flush`).");
}

static const char *const levels[] = { "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE" };

const char *cmd_isolation_name(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(levels); i++)
		if (!strcasecmp(s, levels[i]))
			return levels[i];
	return NULL;
}

int cmd_wc_isolation(struct db *db, int strict, const char **level, struct herr *err)
{
	char *use = NULL, *lvl = NULL;
	int rc = 0;

	*level = NULL;
	if (wc_option_get(db, OPT_USE_TRANSACTIONS, &use, err) < 0 ||
	    wc_option_get(db, OPT_ISOLATION, &lvl, err) < 0) {
		free(use);
		return -1;
	}
	if (!use || !strcmp(use, "yes")) {
		*level = cmd_isolation_name(lvl ? lvl : levels[0]);
		if (!*level && strict)
			rc = herr_set(err, HX_CONFIG, "Invalid database transaction isolation level name %s (option %s)",
				      lvl, OPT_ISOLATION);
		else if (!*level)
			*level = levels[0];
	}
	free(use);
	free(lvl);
	return rc;
}

void cmd_sync_opts(struct sync_opts *so, const struct ctx *c, unsigned batch_size, const struct typelist *types)
{
	memset(so, 0, sizeof(*so));
	so->batch_size = batch_size;
	so->types = types;
	so->max_retries = c->cfg.max_retries;
	so->wclock_wait = 15.0;
	so->jobs = 1;
	so->runlock_name = c->cfg.lock_name;
}

int cmd_verify_state(struct db *db, struct verify_opts *vo, unsigned *mask, struct herr *err)
{
	if (wc_hpos_tables_present(db, mask, err) < 0 || wc_hpos_authoritative(db, &vo->hpos_auth, err) < 0 ||
	    wc_compat_mode(db, &vo->compat, err) < 0 || wc_rounding_precision(db, &vo->precision, err) < 0)
		return -1;
	return 0;
}
