/* cmd_cleanup.c - `hposctl cleanup`: remove legacy order data from
 * wp_posts/wp_postmeta once HPOS is authoritative, with a backup. */
#include "cmdutil.h"
#include "ordertypes.h"
#include "cleanup.h"
#include "estimate.h"
#include "output.h"
#include "syncstate.h"
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static uint64_t opt_batch_size = 500, opt_max_retries, opt_jobs = 1, opt_sample;
static int sample_given;
static const char *opt_format;
static const char *opt_order_types, *opt_backup_file, *opt_max_load, *opt_critical_load, *opt_pause_file;
static int opt_force, opt_dry_run, opt_yes, opt_backup = 1, retries_given, backup_given;
static double opt_max_runtime;

static const struct opt cleanup_opts_table[] = {
	{ "batch-size", 0, OPT_UINT, &opt_batch_size, "N", "orders per batch and transaction (default 500)", NULL },
	{ "force", 0, OPT_FLAG, &opt_force, NULL, "also clean up orders whose post looks newer than the HPOS order", NULL },
	{ "dry-run", 0, OPT_FLAG, &opt_dry_run, NULL, "count what would be deleted, skipped and refused; change nothing", NULL },
	{ "sample", 0, OPT_UINT, &opt_sample, "N", "with --dry-run: really clean N orders (0: 4 batches) spread over the IDs, roll back, and project", &sample_given },
	{ "format", 0, OPT_STR, &opt_format, "table|json", "with --dry-run --sample: the estimate as table (default) or json", NULL },
	{ "yes", 'y', OPT_FLAG, &opt_yes, NULL, "do not ask for confirmation (required when stdin is not a terminal)", NULL },
	{ "backup-file", 0, OPT_STR, &opt_backup_file, "PATH", "write the restore SQL here (appended to if it exists; default ./hposctl-cleanup-<db>-<time>.sql)", &backup_given },
	{ "backup", 0, OPT_FLAG, &opt_backup, NULL, "--no-backup: write no backup file (the deleted data cannot be restored)", NULL },
	CMD_OPT_ORDER_TYPES(&opt_order_types),
	{ "jobs", 'j', OPT_UINT, &opt_jobs, "N", "connections cleaning batches in parallel (default 1, at most 16)", NULL },
	{ "max-runtime", 0, OPT_DURATION, &opt_max_runtime, "DURATION", "stop at the next batch boundary after this long (e.g. 14m)", NULL },
	{ "max-retries", 0, OPT_UINT, &opt_max_retries, "N", "retries per batch after deadlocks, lock waits, lost connections (default 10)", &retries_given },
	CMD_OPTS_THROTTLE(&opt_max_load, &opt_critical_load, &opt_pause_file),
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

/* Everything one cleanup run holds, from the options checked to the lock
 * released (cleanup_release()). */
struct run {
	struct ctx *c;
	struct db *db;
	struct progress bar;
	struct throttle thr;
	struct typelist types;
	struct strbuf filter;      /* the SQL condition for the IDs named */
	int all;                   /* `all` named: no condition */
	int json;                  /* --format json */
	int locked;                /* this run holds the run lock */
	struct cleanup_opts co;
	struct cleanup_plan plan;
	uint64_t left_alone;       /* of plan.selected: orders not cleaned */
	struct backup bk;
	int backup_open;           /* bk is open: close it */
	char *backup_path;         /* NULL: --no-backup */
	struct cleanup_stats st;
	double secs;               /* the batches' wall-clock time */
	int exit_code;
};

/* Between batches, outside any transaction: progress, then throttling.
 * Nonzero stops the run. */
static int between(void *arg, const struct cleanup_stats *st)
{
	struct run *r = arg;

	progress_update(&r->bar, st->seen);
	return throttle_wait(r->db, &r->thr);
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

/* The arguments (the orders named) and the options among themselves,
 * before anything is opened; defaults filled in, the throttle set up.
 * 0, or -1 with an HX_USAGE error. */
static int check_options(int argc, char **argv, void *arg, struct herr *err)
{
	struct run *r = arg;

	if (argc == 0)
		return herr_set(err, HX_USAGE, "cleanup: name the orders: 'all', order IDs or ranges A-B (e.g. cleanup 10-100 314)");
	if (cleanup_filter_parse(argc, argv, &r->filter, &r->all, err) < 0)
		return -1;
	if (opt_batch_size == 0)
		opt_batch_size = 500;
	if (opt_batch_size > 100000)
		return herr_set(err, HX_USAGE, "cleanup: --batch-size must be at most 100000");
	if (opt_jobs < 1 || opt_jobs > 16)
		return herr_set(err, HX_USAGE, "cleanup: --jobs must be between 1 and 16");
	if (!opt_backup && backup_given)
		return herr_set(err, HX_USAGE, "cleanup: --backup-file and --no-backup contradict each other");
	if ((sample_given || opt_format) && !opt_dry_run)
		return herr_set(err, HX_USAGE, "cleanup: --sample and --format go with --dry-run");
	if (opt_format && strcmp(opt_format, "table") && strcmp(opt_format, "json"))
		return herr_set(err, HX_USAGE, "cleanup: --format must be table or json, not '%s'", opt_format);
	if (opt_format && !sample_given)
		return herr_set(err, HX_USAGE, "cleanup: --format goes with --dry-run --sample");
	if (sample_given && opt_sample == 0)
		opt_sample = 4 * opt_batch_size;
	r->json = opt_format && !strcmp(opt_format, "json");
	if (r->json)
		outst.quiet = 1; /* stdout carries the JSON object alone */
	return throttle_init(&r->thr, opt_max_load, opt_critical_load, opt_pause_file, err);
}

/* Connect, resolve the order types, fill in the engine's options, take
 * the run lock. */
static int open_run(void *arg, struct herr *err)
{
	struct run *r = arg;
	struct cleanup_opts *co = &r->co;
	struct ctx *c = r->c;

	if (cmd_connect_types(c, opt_order_types, 0, &r->types, err) < 0)
		return STEP_FAIL;
	r->db = c->db;
	co->batch_size = (unsigned)opt_batch_size;
	co->types = &r->types;
	co->id_filter = r->all ? NULL : r->filter.buf;
	co->force = opt_force;
	co->max_retries = retries_given ? (unsigned)opt_max_retries : c->cfg.max_retries;
	co->max_runtime = opt_max_runtime;
	co->jobs = (unsigned)opt_jobs;
	co->runlock_name = c->cfg.lock_name;
	co->between = between;
	co->arg = r;
	return cmd_lock(c, &r->thr, &r->locked, &r->exit_code);
}

/* HPOS authoritative, compatibility mode off, the tables complete: else
 * refuse (exit 1).  Then plan: count what would be cleaned and left
 * alone, and say it when nothing is to be done or before asking. */
static int check_store(void *arg, struct herr *err)
{
	struct run *r = arg;
	const struct cleanup_plan *pl = &r->plan;
	unsigned mask;
	int hpos_auth, compat;

	if (wc_hpos_authoritative(r->db, &hpos_auth, err) < 0 || wc_compat_mode(r->db, &compat, err) < 0)
		return STEP_FAIL;
	if (!hpos_auth || compat) {
		out_error("Cleanup can only be performed when HPOS is active and compatibility mode is disabled. "
			  "Nothing was changed.");
		r->exit_code = HX_PROBLEM;
		return STEP_END;
	}
	if (wc_hpos_tables_present(r->db, &mask, err) < 0)
		return STEP_FAIL;
	if (mask != HPOS_ALL_TABLES) {
		out_error("The HPOS tables are incomplete although HPOS is authoritative; refusing to clean up. "
			  "Nothing was changed.");
		r->exit_code = HX_PROBLEM;
		return STEP_END;
	}
	if (cleanup_has_returning(r->db, &r->co.returning, err) < 0)
		return STEP_FAIL;
	if (cleanup_plan(r->db, &r->co, opt_dry_run || !opt_yes, &r->plan, err) < 0)
		return STEP_FAIL;
	r->left_alone = pl->no_hpos + pl->bad_type + (opt_force ? 0 : pl->newer);
	if (pl->selected == 0 && !sample_given) {
		out_warning("No orders to cleanup.");
		return STEP_END;
	}
	if (opt_dry_run || !opt_yes)
		out_log("%llu orders selected: %llu would be cleaned up (%llu postmeta rows deleted, posts turned into "
			"placeholders), %llu left alone (%llu not in HPOS, %llu not of an order type in HPOS, %llu with a "
			"post newer than the HPOS order%s).", ull(pl->selected), ull(pl->selected - r->left_alone),
			ull(pl->meta_rows), ull(r->left_alone), ull(pl->no_hpos), ull(pl->bad_type), ull(pl->newer),
			opt_force ? ", cleaned anyway with --force" : "");
	return STEP_ON;
}

/* --dry-run: with --sample, real work rolled back (estimate.h), its backup
 * written beside --backup-file (or in .); without, the plan as an event. */
static int dry_run(void *arg, struct herr *err)
{
	struct run *r = arg;
	const struct cleanup_plan *pl = &r->plan;
	struct strbuf ev = STRBUF_INIT;
	char *dir = NULL;
	int rc;

	if (sample_given) {
		if (opt_backup) {
			const char *slash = opt_backup_file ? strrchr(opt_backup_file, '/') : NULL;

			dir = slash ? xstrndup(opt_backup_file, (size_t)(slash - opt_backup_file) + (slash == opt_backup_file))
				    : xstrdup(".");
		}
		rc = estimate_cleanup(r->db, &r->co, pl->selected, opt_sample, dir, r->json, err);
		free(dir);
		if (rc < 0)
			return STEP_FAIL;
		r->exit_code = cmd_sample_stopped(&r->thr);
		return STEP_END;
	}
	if (!opt_dry_run)
		return STEP_ON;
	sb_addf(&ev, "\"selected\":%llu,\"would_clean\":%llu,\"meta_rows\":%llu,\"not_in_hpos\":%llu,"
		"\"bad_type\":%llu,\"post_newer\":%llu,\"force\":%s", ull(pl->selected),
		ull(pl->selected - r->left_alone), ull(pl->meta_rows), ull(pl->no_hpos), ull(pl->bad_type),
		ull(pl->newer), opt_force ? "true" : "false");
	out_event("dry_run", ev.buf);
	sb_release(&ev);
	out_log("Dry run: nothing was changed.");
	return STEP_END;
}

/* Without --yes: ask on the terminal (refuse off one).  STEP_ON to go on,
 * STEP_END (exit 1) when not confirmed. */
static int confirm(struct run *r)
{
	struct strbuf q = STRBUF_INIT;
	int yes;

	if (opt_yes)
		return STEP_ON;
	if (!isatty(STDIN_FILENO)) {
		out_error("cleanup deletes data: confirm with --yes when stdin is not a terminal. Nothing was changed.");
		r->exit_code = HX_PROBLEM;
		return STEP_END;
	}
	sb_addf(&q, "Delete %llu postmeta rows of %llu orders and turn their posts into placeholders? %s%s",
		ull(r->plan.meta_rows), ull(r->plan.selected - r->left_alone),
		r->backup_path ? "Backup: " : "No backup will be written.", r->backup_path ? r->backup_path : "");
	yes = tty_confirm(q.buf) == 1;
	sb_release(&q);
	if (yes)
		return STEP_ON;
	out_log("Cancelled. Nothing was changed.");
	r->exit_code = HX_PROBLEM;
	return STEP_END;
}

/* Name the backup file, confirm, and open the backup (or say there is
 * none). */
static int confirm_and_backup(void *arg, struct herr *err)
{
	struct run *r = arg;
	int rc;

	if (opt_backup)
		r->backup_path = opt_backup_file ? xstrdup(opt_backup_file) : backup_default_path(r->db);
	rc = confirm(r);
	if (rc != STEP_ON)
		return rc;
	if (!r->backup_path) {
		out_warning("--no-backup: the deleted postmeta cannot be restored by hposctl.");
		return STEP_ON;
	}
	if (backup_open(&r->bk, r->db, r->backup_path, opt_backup_file == NULL, err) < 0)
		return STEP_FAIL;
	r->backup_open = 1;
	r->co.backup = &r->bk;
	out_log("Backup of everything deleted or changed: %s (restore: mariadb < %s).", r->backup_path, r->backup_path);
	return STEP_ON;
}

/* The batches, between the "start" and "done" events and the progress
 * bar.  Returns the engine's 0 or -1 (with err); r->st and r->secs hold
 * what it did. */
static int run_batches(struct run *r, struct herr *err)
{
	const struct cleanup_stats *st = &r->st;
	struct strbuf ev = STRBUF_INIT;
	double t0;
	int rc;

	sb_addf(&ev, "\"orders\":%llu,\"batch_size\":%u,\"jobs\":%u,\"force\":%s,\"backup_file\":", ull(r->plan.selected),
		r->co.batch_size, r->co.jobs, opt_force ? "true" : "false");
	if (r->backup_path)
		sb_add_json_str(&ev, r->backup_path, strlen(r->backup_path));
	else
		sb_adds(&ev, "null");
	out_event("start", ev.buf);
	out_log("Starting cleanup for %llu orders...", ull(r->plan.selected));
	progress_start(&r->bar, "HPOS cleanup", r->plan.selected);
	t0 = now_mono();
	rc = cleanup_run(r->db, &r->co, &r->st, err);
	r->secs = now_mono() - t0;
	progress_update(&r->bar, st->seen);
	progress_finish(&r->bar);
	out_debug("time: select %.2fs, backup %.2fs, delete+update+commit %.2fs; %llu batches",
		  st->t_select, st->t_backup, st->t_write, ull(st->batches));
	sb_reset(&ev);
	sb_addf(&ev, "\"cleaned\":%llu,\"meta_rows\":%llu,\"posts_changed\":%llu,\"skipped_newer\":%llu,"
		"\"refused\":%llu,\"retries\":%llu,\"batches\":%llu,\"backup_bytes\":%llu,\"seconds\":%.3f,"
		"\"t_select\":%.3f,\"t_backup\":%.3f,\"t_write\":%.3f,\"exit\":\"%s\"",
		ull(st->cleaned), ull(st->meta_rows), ull(st->posts_changed), ull(st->skipped_newer), ull(st->refused),
		ull(st->retries), ull(st->batches), ull(r->bk.bytes), r->secs, st->t_select, st->t_backup, st->t_write,
		rc < 0 ? "error" : "ok");
	out_event("done", ev.buf);
	sb_release(&ev);
	return rc;
}

/* Run the batches and say how it went: a throttle stop or a signal, the
 * runtime limit, orders left alone (exit 1), or success. */
static int clean_orders(void *arg, struct herr *err)
{
	struct run *r = arg;
	const struct cleanup_stats *st = &r->st;
	int rc = run_batches(r, err);

	cmd_say_retries(st->retries);
	if (rc < 0)
		return STEP_FAIL;
	r->exit_code = cmd_run_stopped(&r->thr, "cleanup");
	if (r->exit_code != HX_OK)
		return STEP_END;
	if (st->stop_reason == 1)
		out_log("Stopped at the --max-runtime limit; run cleanup again to continue.");
	if (st->skipped_newer + st->refused) {
		out_error("Cleanup completed for %llu orders (%llu postmeta rows deleted in %.1f s); %llu orders were "
			  "left alone. Review errors above.", ull(st->cleaned), ull(st->meta_rows), r->secs,
			  ull(st->skipped_newer + st->refused));
		r->exit_code = HX_PROBLEM;
	} else {
		out_success("Cleanup completed for %llu orders (%llu postmeta rows deleted in %.1f s, %.0f orders/s).",
			    ull(st->cleaned), ull(st->meta_rows), r->secs, r->secs > 0 ? (double)st->cleaned / r->secs : 0.0);
	}
	return STEP_END;
}

/* Close the backup, release the lock and everything r owns. */
static void cleanup_release(struct run *r)
{
	if (r->backup_open)
		backup_close(&r->bk);
	if (r->locked)
		runlock_release(r->db, r->c->cfg.lock_name);
	free(r->backup_path);
	sb_release(&r->filter);
	typelist_release(&r->types);
}

/* A cleanup run after its options, in order (cmd_run()). */
static cmd_step_fn *const cleanup_steps[] = {
	open_run, check_store, dry_run, confirm_and_backup, clean_orders,
};

/* `hposctl cleanup`: parse, check, then the steps in order until one ends
 * the run.  Returns the exit code (docs/exit-codes.md). */
static int run_cleanup(int argc, char **argv, struct ctx *c)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.bk.fd = -1;
	cmd_run(&cmd_cleanup, argc, argv, check_options, cleanup_steps, ARRAY_SIZE(cleanup_steps), &r, &r.exit_code);
	cleanup_release(&r);
	return r.exit_code;
}

const struct command cmd_cleanup = {
	.name = "cleanup",
	.fn = run_cleanup,
	.summary = "Remove legacy order data from posts once HPOS is authoritative, with a backup",
	.synopsis = "hposctl cleanup <all|ID|A-B>... [--batch-size=N] [--jobs=N] [--force] [--dry-run] [--yes]\n"
		    "                    [--backup-file=PATH | --no-backup] [--order-types=A,B] [--max-runtime=DURATION]\n"
		    "                    [--max-load=VAR=N] [--critical-load=VAR=N] [--pause-file=PATH]\n"
		    "                    [--dry-run --sample=N [--format=table|json]]",
	.description = "Requires HPOS authoritative and compatibility mode off. Per order, as WooCommerce does:\n"
		       "deletes all its postmeta and turns its post into a placeholder (shop_order_placehold,\n"
		       "draft), dates untouched. Orders whose post looks newer than the HPOS order are\n"
		       "skipped unless --force; posts with no HPOS order are never deleted (WooCommerce\n"
		       "would). Each batch is one transaction; before it commits, what it deletes or changes\n"
		       "is appended to the backup file as SQL and fsynced: `mariadb < FILE` restores it.\n"
		       "Without --backup-file each run writes a new ./hposctl-cleanup-<db>-<time>.sql.\n"
		       "Asks for confirmation on a terminal; elsewhere --yes is required. Interrupted runs\n"
		       "continue where they stopped when run again. --dry-run --sample N really cleans N orders\n"
		       "spread over the IDs, rolls every batch back, and projects the whole run.",
	.opts = cleanup_opts_table,
};
