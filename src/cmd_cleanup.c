/* cmd_cleanup.c - `hposctl cleanup`: remove legacy order data from
 * wp_posts/wp_postmeta once HPOS is authoritative, with a backup. */
#include "hposctl.h"
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
	{ "order-types", 0, OPT_STR, &opt_order_types, "auto|A,B", "order types (default from config: auto, every order type found in the store)", NULL },
	{ "jobs", 'j', OPT_UINT, &opt_jobs, "N", "connections cleaning batches in parallel (default 1, at most 16)", NULL },
	{ "max-runtime", 0, OPT_DURATION, &opt_max_runtime, "DURATION", "stop at the next batch boundary after this long (e.g. 14m)", NULL },
	{ "max-retries", 0, OPT_UINT, &opt_max_retries, "N", "retries per batch after deadlocks, lock waits, lost connections (default 10)", &retries_given },
	{ "max-load", 0, OPT_STR, &opt_max_load, "VAR=N", "pause between batches while the global status VAR exceeds N", NULL },
	{ "critical-load", 0, OPT_STR, &opt_critical_load, "VAR=N", "stop (exit 75) when the global status VAR exceeds N", NULL },
	{ "pause-file", 0, OPT_STR, &opt_pause_file, "PATH", "pause between batches while this file exists", NULL },
	{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
};

struct run {
	struct db *db;
	struct progress bar;
	struct throttle thr;
};

static int between(void *arg, const struct cleanup_stats *st)
{
	struct run *r = arg;

	progress_update(&r->bar, st->seen);
	return throttle_wait(r->db, &r->thr);
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

static int run_cleanup(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct typelist types = { NULL, 0 };
	struct strbuf filter = STRBUF_INIT, ev = STRBUF_INIT;
	struct cleanup_opts co;
	struct cleanup_stats st;
	struct cleanup_plan plan;
	struct backup bk;
	struct run r;
	char *backup_path = NULL;
	unsigned mask;
	int all, hpos_auth, compat, rc, locked = 0, backup_open_ok = 0, exit_code = HX_OK;
	uint64_t left_alone;
	double t0, secs;

	memset(&bk, 0, sizeof(bk));
	bk.fd = -1;
	rc = command_opts(&cmd_cleanup, &argc, argv, &err);
	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc == 0) {
		herr_set(&err, HX_USAGE, "cleanup: name the orders: 'all', order IDs or ranges A-B (e.g. cleanup 10-100 314)");
		return report(&err);
	}
	if (cleanup_filter_parse(argc, argv, &filter, &all, &err) < 0)
		return report(&err);
	if (opt_batch_size == 0)
		opt_batch_size = 500;
	if (opt_batch_size > 100000) {
		herr_set(&err, HX_USAGE, "cleanup: --batch-size must be at most 100000");
		goto fail_early;
	}
	if (opt_jobs < 1 || opt_jobs > 16) {
		herr_set(&err, HX_USAGE, "cleanup: --jobs must be between 1 and 16");
		goto fail_early;
	}
	if (!opt_backup && backup_given) {
		herr_set(&err, HX_USAGE, "cleanup: --backup-file and --no-backup contradict each other");
		goto fail_early;
	}
	if ((sample_given || opt_format) && !opt_dry_run) {
		herr_set(&err, HX_USAGE, "cleanup: --sample and --format go with --dry-run");
		goto fail_early;
	}
	if (opt_format && strcmp(opt_format, "table") && strcmp(opt_format, "json")) {
		herr_set(&err, HX_USAGE, "cleanup: --format must be table or json, not '%s'", opt_format);
		goto fail_early;
	}
	if (opt_format && !sample_given) {
		herr_set(&err, HX_USAGE, "cleanup: --format goes with --dry-run --sample");
		goto fail_early;
	}
	if (sample_given && opt_sample == 0)
		opt_sample = 4 * opt_batch_size;
	if (opt_format && !strcmp(opt_format, "json"))
		outst.quiet = 1; /* stdout carries the JSON object alone */
	memset(&r, 0, sizeof(r));
	if (throttle_init(&r.thr, opt_max_load, opt_critical_load, opt_pause_file, &err) < 0)
		goto fail_early;
	if (ctx_connect(c, &err) < 0)
		goto fail_early;
	r.db = c->db;
	if (order_types_for(c->db, opt_order_types ? opt_order_types : c->cfg.order_types, 0, &types, &err) < 0)
		goto fail_early;

	memset(&co, 0, sizeof(co));
	co.batch_size = (unsigned)opt_batch_size;
	co.types = &types;
	co.id_filter = all ? NULL : filter.buf;
	co.force = opt_force;
	co.max_retries = retries_given ? (unsigned)opt_max_retries : c->cfg.max_retries;
	co.max_runtime = opt_max_runtime;
	co.jobs = (unsigned)opt_jobs;
	co.runlock_name = c->cfg.lock_name;
	co.between = between;
	co.arg = &r;

	rc = runlock_enter(c->db, c->cfg.lock_name, &err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		exit_code = HX_TEMPFAIL;
		goto out;
	}
	locked = 1;
	r.thr.keep_lock = 1;
	r.thr.lock_name = c->cfg.lock_name;

	if (wc_hpos_authoritative(c->db, &hpos_auth, &err) < 0 || wc_compat_mode(c->db, &compat, &err) < 0)
		goto fail;
	if (!hpos_auth || compat) {
		out_error("Cleanup can only be performed when HPOS is active and compatibility mode is disabled. "
			  "Nothing was changed.");
		exit_code = HX_PROBLEM;
		goto out;
	}
	if (wc_hpos_tables_present(c->db, &mask, &err) < 0)
		goto fail;
	if (mask != HPOS_ALL_TABLES) {
		out_error("The HPOS tables are incomplete although HPOS is authoritative; refusing to clean up. "
			  "Nothing was changed.");
		exit_code = HX_PROBLEM;
		goto out;
	}
	if (cleanup_has_returning(c->db, &co.returning, &err) < 0)
		goto fail;
	if (cleanup_plan(c->db, &co, opt_dry_run || !opt_yes, &plan, &err) < 0)
		goto fail;
	left_alone = plan.no_hpos + plan.bad_type + (opt_force ? 0 : plan.newer);
	if (plan.selected == 0 && !sample_given) {
		out_warning("No orders to cleanup.");
		goto out;
	}
	if (opt_dry_run || !opt_yes) {
		out_log("%llu orders selected: %llu would be cleaned up (%llu postmeta rows deleted, posts turned into "
			"placeholders), %llu left alone (%llu not in HPOS, %llu not of an order type in HPOS, %llu with a "
			"post newer than the HPOS order%s).", ull(plan.selected), ull(plan.selected - left_alone),
			ull(plan.meta_rows), ull(left_alone), ull(plan.no_hpos), ull(plan.bad_type), ull(plan.newer),
			opt_force ? ", cleaned anyway with --force" : "");
	}
	if (sample_given) {
		char *dir = NULL;

		/* Real work on a sample, rolled back: see estimate.h. */
		if (opt_backup) {
			const char *slash = opt_backup_file ? strrchr(opt_backup_file, '/') : NULL;

			dir = slash ? xstrndup(opt_backup_file, (size_t)(slash - opt_backup_file) + (slash == opt_backup_file))
				    : xstrdup(".");
		}
		rc = estimate_cleanup(c->db, &co, plan.selected, opt_sample, dir,
				      opt_format && !strcmp(opt_format, "json"), &err);
		free(dir);
		if (rc < 0)
			goto fail;
		if (r.thr.critical_hit) {
			out_error("Sample stopped: %s.", r.thr.critical_msg);
			exit_code = HX_TEMPFAIL;
		}
		goto out;
	}
	if (opt_dry_run) {
		sb_addf(&ev, "\"selected\":%llu,\"would_clean\":%llu,\"meta_rows\":%llu,\"not_in_hpos\":%llu,"
			"\"bad_type\":%llu,\"post_newer\":%llu,\"force\":%s", ull(plan.selected),
			ull(plan.selected - left_alone), ull(plan.meta_rows), ull(plan.no_hpos), ull(plan.bad_type),
			ull(plan.newer), opt_force ? "true" : "false");
		out_event("dry_run", ev.buf);
		out_log("Dry run: nothing was changed.");
		goto out;
	}
	if (opt_backup)
		backup_path = opt_backup_file ? xstrdup(opt_backup_file) : backup_default_path(c->db);
	if (!opt_yes) {
		struct strbuf q = STRBUF_INIT;
		int yes;

		if (!isatty(STDIN_FILENO)) {
			out_error("cleanup deletes data: confirm with --yes when stdin is not a terminal. Nothing was changed.");
			exit_code = HX_PROBLEM;
			goto out;
		}
		sb_addf(&q, "Delete %llu postmeta rows of %llu orders and turn their posts into placeholders? %s%s",
			ull(plan.meta_rows), ull(plan.selected - left_alone),
			backup_path ? "Backup: " : "No backup will be written.", backup_path ? backup_path : "");
		yes = tty_confirm(q.buf) == 1;
		sb_release(&q);
		if (!yes) {
			out_log("Cancelled. Nothing was changed.");
			exit_code = HX_PROBLEM;
			goto out;
		}
	}
	if (backup_path) {
		if (backup_open(&bk, c->db, backup_path, opt_backup_file == NULL, &err) < 0)
			goto fail;
		backup_open_ok = 1;
		co.backup = &bk;
		out_log("Backup of everything deleted or changed: %s (restore: mariadb < %s).", backup_path, backup_path);
	} else {
		out_warning("--no-backup: the deleted postmeta cannot be restored by hposctl.");
	}

	sb_reset(&ev);
	sb_addf(&ev, "\"orders\":%llu,\"batch_size\":%u,\"jobs\":%u,\"force\":%s,\"backup_file\":", ull(plan.selected),
		co.batch_size, co.jobs, opt_force ? "true" : "false");
	if (backup_path)
		sb_add_json_str(&ev, backup_path, strlen(backup_path));
	else
		sb_adds(&ev, "null");
	out_event("start", ev.buf);
	out_log("Starting cleanup for %llu orders...", ull(plan.selected));
	progress_start(&r.bar, "HPOS cleanup", plan.selected);
	t0 = now_mono();
	rc = cleanup_run(c->db, &co, &st, &err);
	secs = now_mono() - t0;
	progress_update(&r.bar, st.seen);
	progress_finish(&r.bar);
	out_debug("time: select %.2fs, backup %.2fs, delete+update+commit %.2fs; %llu batches",
		  st.t_select, st.t_backup, st.t_write, ull(st.batches));
	sb_reset(&ev);
	sb_addf(&ev, "\"cleaned\":%llu,\"meta_rows\":%llu,\"posts_changed\":%llu,\"skipped_newer\":%llu,"
		"\"refused\":%llu,\"retries\":%llu,\"batches\":%llu,\"backup_bytes\":%llu,\"seconds\":%.3f,"
		"\"t_select\":%.3f,\"t_backup\":%.3f,\"t_write\":%.3f,\"exit\":\"%s\"",
		ull(st.cleaned), ull(st.meta_rows), ull(st.posts_changed), ull(st.skipped_newer), ull(st.refused),
		ull(st.retries), ull(st.batches), ull(bk.bytes), secs, st.t_select, st.t_backup, st.t_write,
		rc < 0 ? "error" : "ok");
	out_event("done", ev.buf);
	if (st.retries)
		out_log("Batches retried after deadlocks, lock waits or lost connections: %llu.", ull(st.retries));
	if (rc < 0)
		goto fail;
	if (r.thr.critical_hit) {
		out_error("Stopped: %s. Progress is kept; run cleanup again later.", r.thr.critical_msg);
		exit_code = HX_TEMPFAIL;
	} else if (hpos_interrupted) {
		out_warning("Interrupted by signal %d after a complete batch; run cleanup again to continue.",
			    (int)hpos_interrupted);
		exit_code = hpos_interrupted == SIGINT ? HX_SIGINT : HX_SIGTERM;
	} else if (st.stop_reason == 1) {
		out_log("Stopped at the --max-runtime limit; run cleanup again to continue.");
	}
	if (st.skipped_newer + st.refused && exit_code == HX_OK) {
		out_error("Cleanup completed for %llu orders (%llu postmeta rows deleted in %.1f s); %llu orders were "
			  "left alone. Review errors above.", ull(st.cleaned), ull(st.meta_rows), secs,
			  ull(st.skipped_newer + st.refused));
		exit_code = HX_PROBLEM;
	} else if (exit_code == HX_OK) {
		out_success("Cleanup completed for %llu orders (%llu postmeta rows deleted in %.1f s, %.0f orders/s).",
			    ull(st.cleaned), ull(st.meta_rows), secs, secs > 0 ? (double)st.cleaned / secs : 0.0);
	}
	goto out;
fail_early:
	exit_code = report(&err);
	goto out;
fail:
	exit_code = report(&err);
out:
	if (backup_open_ok)
		backup_close(&bk);
	if (locked)
		runlock_release(c->db, c->cfg.lock_name);
	free(backup_path);
	sb_release(&filter);
	sb_release(&ev);
	typelist_release(&types);
	return exit_code;
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
