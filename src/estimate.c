/* estimate.c - measured estimates: the real work for a sample of the
 * pending orders, rolled back, and a projection for all of them (estimate.h).
 *
 * The sample is a few slices of the ID range, each worked on as one batch
 * of the real engine (sync_to_hpos, sync_to_posts, cleanup_run) on a
 * connection in sample mode, so that what is measured is what a run does:
 * the same statements, the same locks, the same conversion.  Only the end
 * differs: each transaction is rolled back instead of committed, and the
 * rollback is timed apart from the work. */
#include "hposctl.h"
#include "estimate.h"
#include "backfill.h"
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const unsigned est_jobs[EST_NJOBS] = { 1, 2, 4 };

void estimate_fmt_duration(char *buf, size_t n, double s)
{
	unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;

	if (t >= 86400)
		snprintf(buf, n, "%lud%02luh", t / 86400, t / 3600 % 24);
	else if (t >= 3600)
		snprintf(buf, n, "%luh%02lum", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, n, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(buf, n, "%lus", t);
}

/* Seconds per order of the engine's model with j connections, given a
 * free core for each, when a commit costs `commit` times the rollback. */
static double per_order(const struct est_input *in, unsigned j, double commit)
{
	double n = (double)in->sampled, r = in->t_read, w = in->t_write + commit * in->t_rollback;

	switch (in->model) {
	case EST_PIPELINE:
		/* The reader converts the next batch while writers write. */
		return (r > w / j ? r : w / j) / n;
	case EST_WORKERS:
		return (r + w) / j / n;
	case EST_SERIAL:
	default:
		return (r + w) / n;
	}
}

void estimate_project(const struct est_input *in, struct est_projection out[EST_NJOBS])
{
	double mean, pend = (double)in->pending;

	memset(out, 0, sizeof(*out) * EST_NJOBS);
	for (unsigned k = 0; k < EST_NJOBS; k++)
		out[k].jobs = est_jobs[k];
	if (!in->sampled || in->t_read + in->t_write <= 0)
		return;
	/* Slices faster or slower than the mean, as one serial connection
	 * saw them: the spread of the store's orders. */
	mean = (in->t_read + in->t_write) / (double)in->sampled;
	for (unsigned k = 0; k < EST_NJOBS; k++) {
		double fast = in->fast > 0 && in->fast < mean ? in->fast / mean : 1.0;
		double slow = in->slow > mean ? in->slow / mean : 1.0;
		/* A commit is taken to cost half what the rollback did: on the
		 * bench, committing inserts costs less than rolling them back,
		 * committing deletions about as much. */
		double c = per_order(in, est_jobs[k], 0.5);

		out[k].secs = pend * c;
		out[k].rate = c > 0 ? 1.0 / c : 0;
		out[k].low = pend * per_order(in, est_jobs[k], 0) * fast;
		out[k].high = pend * per_order(in, 1, 1.0) * slow;
		if (out[k].low > out[k].secs)
			out[k].low = out[k].secs;
		if (out[k].high < out[k].secs)
			out[k].high = out[k].secs;
	}
}

/* ------------------------------------------------------------ server */

/* The tables a sample writes: present, InnoDB (a rollback undoes them),
 * no triggers (which could write elsewhere).  Refusals are HX_PROBLEM. */
static int check_tables(struct db *db, const char *const *suffix, unsigned n, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT, in = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	unsigned found = 0;
	uint64_t triggers = 0;
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		struct strbuf name = STRBUF_INIT;

		sb_addf(&name, "%s%s", db_prefix(db), suffix[i]);
		if (i)
			sb_addc(&in, ',');
		db_quote(db, &in, name.buf, name.len);
		sb_release(&name);
	}
	sb_addf(&sql, "SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
		"AND TABLE_NAME IN (%s)", in.buf);
	if (db_run(db, DB_READ, sql.buf, sql.len, &res, err) < 0) {
		rc = -1;
		goto out;
	}
	while (db_fetch(res, &row)) {
		found++;
		if (!row.vals[1] || strcasecmp(row.vals[1], "InnoDB")) {
			rc = herr_set(err, HX_PROBLEM, "table %s uses the %s engine, which cannot roll a change back; "
				      "a sample would leave its writes behind, so none is taken. Nothing was changed.",
				      row.vals[0], row.vals[1] ? row.vals[1] : "(no)");
			goto out;
		}
	}
	if (found < n) {
		rc = herr_set(err, HX_PROBLEM, "%u of the %u tables this sample writes do not exist; a sample creates "
			      "no tables (that would be DDL, which commits). Create them first (hposctl install) or use "
			      "--dry-run without --sample. Nothing was changed.", n - found, n);
		goto out;
	}
	sb_reset(&sql);
	sb_addf(&sql, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() "
		"AND EVENT_OBJECT_TABLE IN (%s)", in.buf);
	if (db_get_u64(db, &triggers, NULL, err, "%s", sql.buf) < 0) {
		rc = -1;
		goto out;
	}
	if (triggers)
		rc = herr_set(err, HX_PROBLEM, "the tables this sample writes have %llu trigger(s), which may write "
			      "where a rollback cannot reach; no sample taken. Nothing was changed.",
			      (unsigned long long)triggers);
out:
	db_free_result(res);
	sb_release(&sql);
	sb_release(&in);
	return rc;
}

/* The server's counters the report shows. */
struct load {
	uint64_t threads_running, lock_waits, disk_reads, read_requests;
	int ok;
};

/* The server's global counters the report shows into *l (l->ok = 0 when
 * SHOW GLOBAL STATUS fails: the report then leaves them out). */
static void load_read(struct db *db, struct load *l)
{
	struct db_result *res = NULL;
	struct db_row row;
	struct herr e;
	static const char q[] = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_running', "
		"'Innodb_row_lock_waits', 'Innodb_buffer_pool_reads', 'Innodb_buffer_pool_read_requests')";

	memset(l, 0, sizeof(*l));
	if (db_run(db, DB_READ, q, sizeof(q) - 1, &res, &e) < 0) {
		out_debug("sample: server status not readable: %s", e.msg);
		return;
	}
	while (db_fetch(res, &row)) {
		uint64_t v = row.vals[1] ? strtoull(row.vals[1], NULL, 10) : 0;

		if (!strcasecmp(row.vals[0], "Threads_running"))
			l->threads_running = v;
		else if (!strcasecmp(row.vals[0], "Innodb_row_lock_waits"))
			l->lock_waits = v;
		else if (!strcasecmp(row.vals[0], "Innodb_buffer_pool_reads"))
			l->disk_reads = v;
		else if (!strcasecmp(row.vals[0], "Innodb_buffer_pool_read_requests"))
			l->read_requests = v;
	}
	l->ok = 1;
	db_free_result(res);
}

/* -------------------------------------------------------------- sample */

struct sampler {
	struct db *db;
	const char *command;    /* "sync", "cleanup" */
	const char *direction;  /* posts_to_hpos, hpos_to_posts, cleanup */
	enum est_model model;
	uint64_t pending, target, lo, hi;
	unsigned batch_size, slices;
	/* measured */
	uint64_t seen, worked /* orders written */, skipped, deferred, batches, rows, slices_hit;
	double t_read, t_write, t_rollback, fast, slow;
	struct load before, after;
	uint64_t threads_max;
	/* the run's own between-batch hook (throttling, pause file, replica
	 * lag): a sample obeys them too */
	int (*sync_hook)(void *arg, const struct sync_stats_s *st);
	int (*cleanup_hook)(void *arg, const struct cleanup_stats *st);
	void *hook_arg;
	uint64_t *starts;       /* first ID of each slice (spread by rank) */
	int one_batch;          /* slices of one batch each (else: everything) */
	int interrupted;
};

/* Note the server's threads running now, keeping the highest seen. */
static void sampler_poll(struct sampler *s)
{
	struct load l;

	load_read(s->db, &l);
	if (l.ok && l.threads_running > s->threads_max)
		s->threads_max = l.threads_running;
}

/* One slice done: its totals.  r and w: its read and write seconds, the
 * rollbacks included in w (taken out here). */
static void sampler_slice(struct sampler *s, uint64_t seen, uint64_t worked, double r, double w)
{
	struct db_sample_totals t;
	double cost;

	db_sample_totals(&t, 1);
	s->rows += t.rows;
	s->t_rollback += t.rollback_s;
	w -= t.rollback_s;
	if (w < 0)
		w = 0;
	if (!seen)
		return;
	s->slices_hit++;
	s->seen += seen;
	s->worked += worked;
	s->t_read += r;
	s->t_write += w;
	cost = (r + w) / (double)seen;
	if (s->fast == 0 || cost < s->fast)
		s->fast = cost;
	if (cost > s->slow)
		s->slow = cost;
}

/* Slice k: from its start ID to the next slice's. */
static void slice_range(const struct sampler *s, unsigned k, uint64_t *a, uint64_t *b)
{
	*a = s->starts[k];
	*b = k + 1 == s->slices ? s->hi : s->starts[k + 1] - 1;
}

/* Slice starts spread by rank, not by value: IDs are rarely even (a shop
 * that imported its history, refunds beside their orders), and slices of
 * equal width would fall into gaps.  col and from_where select the
 * candidate IDs; `total` of them.  Slices that would start at the same
 * ID are merged. */
static int slice_starts(struct sampler *s, const char *col, const char *from_where, uint64_t total,
			struct herr *err)
{
	unsigned k, n = 0;

	s->starts = xcalloc(s->slices + 1, sizeof(*s->starts));
	for (k = 0; k < s->slices; k++) {
		uint64_t id = 0, off = total * k / s->slices;
		int found = 0;

		if (k == 0) {
			id = s->lo;
			found = 1;
		} else if (db_get_u64(s->db, &id, &found, err, "SELECT %s%s ORDER BY %s LIMIT 1 OFFSET %llu", col,
				      from_where, col, (unsigned long long)off) < 0) {
			return -1;
		}
		if (found && (n == 0 || id > s->starts[n - 1]))
			s->starts[n++] = id;
	}
	s->slices = n;
	return 0;
}

/* Plan the sample of target orders out of pending over IDs lo..hi:
 * everything in one pass when pending <= target, else slices of one batch
 * (of at most batch orders) each; then put db into sample mode and read the
 * counters before. Returns 0. */
static int sampler_setup(struct sampler *s, struct db *db, uint64_t pending, uint64_t target, unsigned batch,
			 uint64_t lo, uint64_t hi)
{
	s->db = db;
	s->pending = pending;
	s->target = target;
	s->lo = lo;
	s->hi = hi;
	/* Small stores: everything pending is the sample. */
	if (pending <= target) {
		s->one_batch = 0;
		s->slices = 1;
		s->batch_size = batch;
	} else {
		s->one_batch = 1;
		s->batch_size = (unsigned)(target < batch ? target : batch);
		s->slices = (unsigned)((target + s->batch_size - 1) / s->batch_size);
		if (hi - lo + 1 < s->slices)
			s->slices = (unsigned)(hi - lo + 1);
	}
	if (s->batch_size < batch)
		out_warning("The sample's batches hold %u orders, the run's %u: per-batch costs weigh more in the "
			    "estimate; give --sample at least --batch-size.", s->batch_size, batch);
	db_set_sample(db, 1);
	db_sample_totals(&(struct db_sample_totals){ 0, 0, 0, 0 }, 1);
	load_read(db, &s->before);
	s->threads_max = s->before.threads_running;
	return 0;
}

/* End the sample: free the slice starts, read the counters after, leave
 * sample mode, note an interruption. */
static void sampler_finish(struct sampler *s)
{
	free(s->starts);
	s->starts = NULL;
	load_read(s->db, &s->after);
	db_set_sample(s->db, 0);
	s->interrupted = hpos_interrupted != 0;
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

/* What the report derives from the sample's totals. */
struct derived {
	double rows_per;  /* rows written per order worked */
	double disk_per;  /* buffer pool disk reads per order seen */
	double secs;      /* read and write seconds */
	uint64_t waits;   /* row lock waits while sampling */
	int binlog_off;
};

/* The report as one JSON object line. */
static void report_json(const struct sampler *s, const struct derived *dv, const struct est_projection *pr)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "{\"command\":\"%s\",\"direction\":\"%s\",\"pending\":%llu,\"sampled\":%llu,"
		"\"worked\":%llu,\"skipped\":%llu,\"deferred\":%llu,\"batches\":%llu,\"batch_size\":%u,"
		"\"slices\":%u,\"id_range\":[%llu,%llu],\"seconds\":{\"read\":%.3f,\"write\":%.3f,"
		"\"rollback\":%.3f},\"orders_per_second\":%.1f,\"rows_per_order\":%.2f,"
		"\"server\":{\"threads_running_before\":%llu,\"threads_running_max\":%llu,"
		"\"row_lock_waits\":%llu,\"disk_reads_per_order\":%.2f},\"binlog\":\"%s\",\"kept\":false,"
		"\"interrupted\":%s,\"projection\":[",
		s->command, s->direction, ull(s->pending), ull(s->seen), ull(s->worked), ull(s->skipped),
		ull(s->deferred), ull(s->batches), s->batch_size, s->slices, ull(s->lo), ull(s->hi), s->t_read,
		s->t_write, s->t_rollback, dv->secs > 0 ? (double)s->seen / dv->secs : 0.0, dv->rows_per,
		ull(s->before.threads_running), ull(s->threads_max), ull(dv->waits), dv->disk_per,
		dv->binlog_off ? "off" : "on_rolled_back_not_logged", s->interrupted ? "true" : "false");
	for (unsigned k = 0; k < EST_NJOBS; k++)
		sb_addf(&sb, "%s{\"jobs\":%u,\"seconds\":%.1f,\"low\":%.1f,\"high\":%.1f,\"orders_per_second\":%.1f}",
			k ? "," : "", pr[k].jobs, pr[k].secs, pr[k].low, pr[k].high, pr[k].rate);
	sb_adds(&sb, "]}");
	out_line("%s", sb.buf);
	sb_release(&sb);
}

/* The report as text lines: what was sampled and measured, the server's
 * load, the projection for --jobs 1, 2 and 4. */
static void report_text(const struct sampler *s, const struct derived *dv, const struct est_projection *pr)
{
	char d[32], lo[32], hi[32];

	out_line("Sample: %llu of %llu pending orders in %llu batch%s of up to %u over IDs %llu-%llu, every "
		 "transaction rolled back; nothing was kept.", ull(s->seen), ull(s->pending), ull(s->batches),
		 s->batches == 1 ? "" : "es", s->batch_size, ull(s->lo), ull(s->hi));
	if (!s->seen) {
		out_line("No pending order was found in the sampled slices; no projection.");
		return;
	}
	out_line("Measured: %.0f orders/s on one connection (read and convert %.2f s, write %.2f s; the rollbacks' "
		 "%.2f s not counted); %.1f rows written per order.", dv->secs > 0 ? (double)s->seen / dv->secs : 0.0,
		 s->t_read, s->t_write, s->t_rollback, dv->rows_per);
	if (s->skipped || s->deferred)
		out_line("In the sample: %llu orders would be skipped (see the warnings), %llu left for a later run "
			 "(modified within --settle).", ull(s->skipped), ull(s->deferred));
	if (s->before.ok)
		out_line("Server while sampling: Threads_running %llu before, up to %llu; %llu row lock waits; %.1f "
			 "buffer pool disk reads per order.", ull(s->before.threads_running), ull(s->threads_max),
			 ull(dv->waits), dv->disk_per);
	out_line("Projection for %llu orders (%s):", ull(s->pending),
		 !strcmp(s->direction, "posts_to_hpos") ? "sync posts -> HPOS" :
		 !strcmp(s->direction, "hpos_to_posts") ? "sync HPOS -> posts" : "cleanup");
	for (unsigned k = 0; k < EST_NJOBS; k++) {
		estimate_fmt_duration(d, sizeof(d), pr[k].secs);
		estimate_fmt_duration(lo, sizeof(lo), pr[k].low);
		estimate_fmt_duration(hi, sizeof(hi), pr[k].high);
		out_line("  --jobs %u: %s (range %s to %s), %.0f orders/s%s", pr[k].jobs, d, lo, hi, pr[k].rate,
			 s->model == EST_SERIAL && k ? " (this direction uses one connection)" : "");
	}
	out_line("Expected: commits at half the rollbacks' cost, a free core per connection. Range: low at the "
		 "fastest slice's pace, commits free; high at the slowest's, one connection's pace, commits as slow as "
		 "the rollbacks.");
	if (s->interrupted)
		out_warning("Interrupted: the sample is smaller than asked for.");
}

/* Print the sample's measurements and the projection for --jobs 1, 2 and
 * 4: one JSON object (json), or text lines. */
static void print_report(const struct sampler *s, int json)
{
	struct est_input in = { s->model, s->pending, s->seen, s->t_read, s->t_write, s->t_rollback, s->fast, s->slow };
	struct est_projection pr[EST_NJOBS];
	struct derived dv = { s->worked ? (double)s->rows / (double)s->worked : 0, 0, s->t_read + s->t_write, 0,
			      db_sample_binlog_off(s->db) };

	estimate_project(&in, pr);
	if (s->before.ok && s->after.ok && s->seen) {
		dv.disk_per = (double)(s->after.disk_reads - s->before.disk_reads) / (double)s->seen;
		dv.waits = s->after.lock_waits - s->before.lock_waits;
	}
	if (json)
		report_json(s, &dv, pr);
	else
		report_text(s, &dv, pr);
}

/* ---------------------------------------------------------------- sync */

/* Run sql_min_max (SELECT MIN(id), MAX(id), COUNT(*) ...) into *lo, *hi and
 * *n (all 0 when nothing matches). 0, or -1 with err. */
static int id_range(struct db *db, const char *sql_min_max, uint64_t *lo, uint64_t *hi, uint64_t *n,
		    struct herr *err)
{
	struct db_result *res = NULL;
	struct db_row row;

	*lo = *hi = *n = 0;
	if (db_run(db, DB_READ, sql_min_max, strlen(sql_min_max), &res, err) < 0)
		return -1;
	if (db_fetch(res, &row) && row.vals[0] && row.vals[1]) {
		*lo = strtoull(row.vals[0], NULL, 10);
		*hi = strtoull(row.vals[1], NULL, 10);
		*n = row.vals[2] ? strtoull(row.vals[2], NULL, 10) : 0;
	}
	db_free_result(res);
	return 0;
}

/* The sync engine's between-batch hook during a sample: poll the server's
 * load, then the run's own hook. Nonzero stops the slice. */
static int sync_between(void *arg, const struct sync_stats_s *st)
{
	struct sampler *s = arg;

	sampler_poll(s);
	if (s->sync_hook && s->sync_hook(s->hook_arg, st))
		return 1;
	return hpos_interrupted != 0;
}

/* A sampler for command's sample in direction, measured by model. */
static void sampler_begin(struct sampler *s, const char *command, const char *direction, enum est_model model)
{
	memset(s, 0, sizeof(*s));
	s->command = command;
	s->direction = direction;
	s->model = model;
}

/* Append " FROM <table> WHERE <type> IN (...)" and so's ID bounds: the
 * orders a sync sample may take (col: the ID column). */
static void sync_from_where(struct db *db, const struct sync_opts *so, int hpos_auth, const char *col,
			    struct strbuf *fw)
{
	sb_adds(fw, " FROM ");
	wc_table(db, fw, hpos_auth ? "wc_orders" : "posts");
	sb_addf(fw, " WHERE %s IN (", hpos_auth ? "type" : "post_type");
	typelist_sql(db, so->types, fw);
	sb_addc(fw, ')');
	if (so->start_from)
		sb_addf(fw, " AND %s >= %llu", col, ull(so->start_from));
	if (so->end_at)
		sb_addf(fw, " AND %s <= %llu", col, ull(so->end_at));
}

/* Sync slice k of the sample with the run's options so narrowed to it
 * (one batch, one connection, no time limit), its totals added to s.
 * 0, or -1 with err. */
static int sync_slice(struct db *db, struct sampler *s, const struct sync_opts *so, int hpos_auth, unsigned k,
		      struct herr *err)
{
	struct sync_opts o = *so;
	struct sync_stats_s st;
	uint64_t a, b;
	int rc;

	slice_range(s, k, &a, &b);
	o.batch_size = s->batch_size;
	o.start_from = s->one_batch ? a : so->start_from;
	o.end_at = s->one_batch ? b : so->end_at;
	o.max_batches = s->one_batch ? 1 : 0;
	o.max_runtime = 0;
	o.jobs = 1;
	/* The run's transactions, or WooCommerce's default level when
	 * the run would have none: a sample must roll back. */
	if (!o.isolation)
		o.isolation = "READ UNCOMMITTED";
	o.between = sync_between;
	o.arg = s;
	memset(&st, 0, sizeof(st));
	rc = hpos_auth ? sync_to_posts(db, &o, &st, err) : sync_to_hpos(db, &o, &st, err);
	sampler_slice(s, st.seen, st.synced, st.t_read, st.t_write);
	s->skipped += st.skipped;
	s->deferred += st.deferred;
	s->batches += st.batches;
	return rc;
}

int estimate_sync(struct db *db, const struct sync_opts *so, int hpos_auth, uint64_t pending, uint64_t sample_n,
		  int json, struct herr *err)
{
	static const char *const fwd[] = { "wc_orders", "wc_order_addresses", "wc_order_operational_data",
					   "wc_orders_meta" };
	static const char *const rev[] = { "posts", "postmeta" };
	struct strbuf sql = STRBUF_INIT, fw = STRBUF_INIT;
	const char *col = hpos_auth ? "id" : "ID";
	struct sampler s;
	uint64_t lo, hi, total;
	int rc = 0;

	sampler_begin(&s, "sync", hpos_auth ? "hpos_to_posts" : "posts_to_hpos", hpos_auth ? EST_SERIAL : EST_PIPELINE);
	s.sync_hook = so->between;
	s.hook_arg = so->arg;
	if (check_tables(db, hpos_auth ? rev : fwd, hpos_auth ? 2 : 4, err) < 0)
		return -1;
	sync_from_where(db, so, hpos_auth, col, &fw);
	sb_addf(&sql, "SELECT MIN(%s), MAX(%s), COUNT(*)%s", col, col, fw.buf);
	rc = id_range(db, sql.buf, &lo, &hi, &total, err);
	sb_release(&sql);
	if (rc == 0) {
		sampler_setup(&s, db, pending, sample_n, so->batch_size, lo, hi);
		rc = hi ? slice_starts(&s, col, fw.buf, total, err) : 0;
	}
	sb_release(&fw);
	if (rc < 0) {
		sampler_finish(&s);
		return -1;
	}
	for (unsigned k = 0; hi && k < s.slices && !hpos_interrupted && rc == 0; k++)
		rc = sync_slice(db, &s, so, hpos_auth, k, err);
	sampler_finish(&s);
	if (rc < 0) {
		herr_prefix(err, "sample (rolled back)");
		return -1;
	}
	print_report(&s, json);
	return 0;
}

/* ------------------------------------------------------------- cleanup */

/* The cleanup engine's between-batch hook during a sample: as
 * sync_between(), and a one-batch slice stops after its batch. */
static int cleanup_between(void *arg, const struct cleanup_stats *st)
{
	struct sampler *s = arg;

	sampler_poll(s);
	if (s->cleanup_hook && s->cleanup_hook(s->hook_arg, st))
		return 1;
	return hpos_interrupted || s->one_batch;
}

/* Cleanup slice k of the sample with the run's options co narrowed to it
 * (filter: scratch space for its ID filter), writing the sample backup bk
 * (NULL: none); its totals added to s.  0, or -1 with err. */
static int cleanup_slice(struct db *db, struct sampler *s, const struct cleanup_opts *co, struct backup *bk,
			 struct strbuf *filter, unsigned k, struct herr *err)
{
	struct cleanup_opts o = *co;
	struct cleanup_stats st;
	uint64_t a, b;
	int rc;

	slice_range(s, k, &a, &b);
	sb_reset(filter);
	if (co->id_filter)
		sb_addf(filter, "(%s) AND ", co->id_filter);
	sb_addf(filter, "p.ID BETWEEN %llu AND %llu", ull(a), ull(b));
	o.batch_size = s->batch_size;
	o.id_filter = s->one_batch ? filter->buf : co->id_filter;
	o.jobs = 1;
	o.max_runtime = 0;
	o.backup = bk;
	o.between = cleanup_between;
	o.arg = s;
	rc = cleanup_run(db, &o, &st, err);
	sampler_slice(s, st.seen, st.cleaned, st.t_select, st.t_backup + st.t_write);
	s->skipped += st.skipped_newer + st.refused;
	s->batches += st.batches;
	return rc;
}

/* The backup costs writing and an fsync per batch: a sample writes one,
 * beside where the real one would go (backup_dir), to path (set here;
 * the caller releases it) and deletes it after (sample_backup_drop()).
 * 0, or -1 with err. */
static int sample_backup_open(struct backup *bk, struct db *db, const char *backup_dir, struct strbuf *path,
			      struct herr *err)
{
	sb_addf(path, "%s/.hposctl-sample-%ld.sql", backup_dir, (long)getpid());
	if (backup_open(bk, db, path->buf, 1, err) < 0)
		return herr_prefix(err, "sample backup file");
	return 0;
}

/* Close and delete the sample's backup file at path (a failure to delete
 * is a warning). */
static void sample_backup_drop(struct backup *bk, const char *path)
{
	backup_close(bk);
	if (unlink(path) < 0 && errno != ENOENT)
		out_warning("could not remove the sample's backup file %s: %s", path, strerror(errno));
}

int estimate_cleanup(struct db *db, const struct cleanup_opts *co, uint64_t pending, uint64_t sample_n,
		     const char *backup_dir, int json, struct herr *err)
{
	static const char *const tabs[] = { "posts", "postmeta" };
	struct strbuf sql = STRBUF_INIT, filter = STRBUF_INIT, path = STRBUF_INIT, fw = STRBUF_INIT;
	struct backup bk;
	struct sampler s;
	uint64_t lo, hi, total;
	int rc, bk_open = 0;

	sampler_begin(&s, "cleanup", "cleanup", EST_WORKERS);
	memset(&bk, 0, sizeof(bk));
	bk.fd = -1;
	s.cleanup_hook = co->between;
	s.hook_arg = co->arg;
	if (check_tables(db, tabs, 2, err) < 0)
		return -1;
	wc_cleanup_from_where(db, co->types, co->id_filter, &fw);
	sb_addf(&sql, "SELECT MIN(p.ID), MAX(p.ID), COUNT(*)%s", fw.buf);
	rc = id_range(db, sql.buf, &lo, &hi, &total, err);
	sb_release(&sql);
	if (rc == 0 && backup_dir) {
		rc = sample_backup_open(&bk, db, backup_dir, &path, err);
		bk_open = rc == 0;
	}
	if (rc < 0) {
		sb_release(&path);
		sb_release(&fw);
		return -1;
	}
	sampler_setup(&s, db, pending, sample_n, co->batch_size, lo, hi);
	rc = hi ? slice_starts(&s, "p.ID", fw.buf, total, err) : 0;
	sb_release(&fw);
	for (unsigned k = 0; rc == 0 && hi && k < s.slices && !hpos_interrupted; k++)
		rc = cleanup_slice(db, &s, co, bk_open ? &bk : NULL, &filter, k, err);
	sampler_finish(&s);
	if (bk_open)
		sample_backup_drop(&bk, path.buf);
	sb_release(&path);
	sb_release(&filter);
	if (rc < 0) {
		herr_prefix(err, "sample (rolled back)");
		return -1;
	}
	print_report(&s, json);
	return 0;
}
