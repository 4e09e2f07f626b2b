/* syncstate.c - skipped orders and the run locks. */
#include "syncstate.h"
#include "output.h"
#include "wcstore.h"
#include "throttle.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WC_LOCK_OPTION "wc_posts_to_orders_migration_lock"
#define WC_LOCK_TTL 15.0

/* Whether hposctl_skipped exists, as this process last saw it: -1 not
 * known yet.  Only hposctl creates the table and one run holds the run
 * lock, so after the first look only skipped_record() changes the answer;
 * sync would otherwise ask information_schema once a batch. */
static atomic_int skipped_known = -1;

/* Whether {prefix}hposctl_skipped exists (into *exists).  0, or -1 with err. */
static int skipped_table_exists(struct db *db, int *exists, struct herr *err)
{
	return wc_table_exists(db, "hposctl_skipped", exists, err);
}

int skipped_load(struct db *db, unsigned limit, struct skipped_list *out, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res;
	struct db_row row;
	int exists;

	memset(out, 0, sizeof(*out));
	if (skipped_table_exists(db, &exists, err) < 0)
		return -1;
	if (!exists)
		return 0;
	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, "hposctl_skipped");
	if (db_get_u64(db, &out->total, NULL, err, "%s", sql.buf) < 0) {
		sb_release(&sql);
		return -1;
	}
	sb_reset(&sql);
	sb_adds(&sql, "SELECT order_id, reason, last_seen_gmt FROM ");
	wc_table(db, &sql, "hposctl_skipped");
	sb_addf(&sql, " ORDER BY order_id LIMIT %u", limit);
	if (db_run(db, DB_READ, sql.buf, sql.len, &res, err) < 0) {
		sb_release(&sql);
		return -1;
	}
	sb_release(&sql);
	out->v = xcalloc(db_num_rows(res) + 1, sizeof(*out->v));
	while (db_fetch(res, &row)) {
		struct skipped_entry *e = &out->v[out->n++];

		e->order_id = strtoull(row.vals[0], NULL, 10);
		e->reason = xstrdup(row.vals[1] ? row.vals[1] : "");
		e->last_seen = xstrdup(row.vals[2] ? row.vals[2] : "");
	}
	db_free_result(res);
	return 0;
}

void skipped_release(struct skipped_list *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		free(l->v[i].reason);
		free(l->v[i].last_seen);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int skipped_record(struct db *db, uint64_t order_id, const char *reason, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	if (db_sample(db))
		return 0; /* a sample leaves hposctl's own state alone too */
	sb_adds(&sql, "CREATE TABLE IF NOT EXISTS ");
	wc_table(db, &sql, "hposctl_skipped");
	sb_adds(&sql, " (order_id bigint unsigned NOT NULL PRIMARY KEY, reason text NOT NULL, "
		"first_seen_gmt datetime NOT NULL, last_seen_gmt datetime NOT NULL, "
		"attempts int unsigned NOT NULL DEFAULT 1) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	if (rc == 0) {
		atomic_store(&skipped_known, 1);
		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO ");
		wc_table(db, &sql, "hposctl_skipped");
		sb_addf(&sql, " (order_id, reason, first_seen_gmt, last_seen_gmt) VALUES (%llu, ",
			(unsigned long long)order_id);
		db_quote(db, &sql, reason, strlen(reason));
		sb_adds(&sql, ", UTC_TIMESTAMP(), UTC_TIMESTAMP())");
		db_upsert_clause(db, &sql);
		db_upsert_set(db, &sql, "reason");
		sb_adds(&sql, ", ");
		db_upsert_set(db, &sql, "last_seen_gmt");
		sb_adds(&sql, ", attempts = attempts + 1");
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	}
	sb_release(&sql);
	return rc;
}

int skipped_clear(struct db *db, const uint64_t *ids, unsigned n, struct herr *err)
{
	int exists = atomic_load(&skipped_known);

	if (!n || db_sample(db))
		return 0;
	if (exists < 0) {
		int expect = -1;

		if (skipped_table_exists(db, &exists, err) < 0)
			return -1;
		/* A writer may have created the table meanwhile: keep its 1. */
		if (!atomic_compare_exchange_strong(&skipped_known, &expect, exists))
			exists = expect;
	}
	if (!exists)
		return 0;
	return wc_delete_ids(db, "hposctl_skipped", "order_id", ids, n, NULL, err);
}

/* Whether CLEANED_TABLE is there to record into: set by cleaned_ensure(). */
static atomic_int cleaned_present;

int cleaned_ensure(struct db *db, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc, exists = 0;

	/* A sample (--dry-run --sample) creates no table: it records only where
	 * the table already is, inside the batch that is rolled back. */
	if (db_sample(db)) {
		if (wc_table_exists(db, CLEANED_TABLE, &exists, err) < 0)
			return -1;
		atomic_store(&cleaned_present, exists);
		return 0;
	}
	sb_adds(&sql, "CREATE TABLE IF NOT EXISTS ");
	wc_table(db, &sql, CLEANED_TABLE);
	sb_adds(&sql, " (order_id bigint unsigned NOT NULL PRIMARY KEY, cleaned_gmt datetime NOT NULL) "
		"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	if (rc == 0)
		atomic_store(&cleaned_present, 1);
	return rc;
}

int cleaned_record(struct db *db, const uint64_t *ids, unsigned n, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	if (!n || !atomic_load(&cleaned_present))
		return 0;
	sb_adds(&sql, "INSERT INTO ");
	wc_table(db, &sql, CLEANED_TABLE);
	sb_adds(&sql, " (order_id, cleaned_gmt) VALUES ");
	for (unsigned i = 0; i < n; i++)
		sb_addf(&sql, "%s(%llu, UTC_TIMESTAMP())", i ? "," : "", (unsigned long long)ids[i]);
	db_upsert_clause(db, &sql);
	db_upsert_set(db, &sql, "cleaned_gmt");
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	return rc;
}

void runlock_name_for(const char *override, const char *dbname, const char *prefix, struct strbuf *sb)
{
	if (override)
		sb_adds(sb, override);
	else
		sb_addf(sb, "hposctl:%s:%s", dbname, prefix);
	/* The server caps lock names at 64; never cut a character in two. */
	if (sb->len > 64) {
		sb->len = utf8_cut(sb->buf, sb->len, 64);
		sb->buf[sb->len] = '\0';
	}
}

static void runlock_name(struct db *db, const char *override, struct strbuf *sb)
{
	runlock_name_for(override, db_name(db), db_prefix(db), sb);
}

int runlock_take(struct db *db, const char *name_override, struct strbuf *holder, struct herr *err)
{
	struct strbuf name = STRBUF_INIT, sql = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	uint64_t got, who;
	int found, rc = -1;

	runlock_name(db, name_override, &name);
	sb_adds(&sql, "SELECT GET_LOCK(");
	db_quote(db, &sql, name.buf, name.len);
	sb_adds(&sql, ", 0)");
	if (db_get_u64(db, &got, &found, err, "%s", sql.buf) < 0)
		goto out;
	if (found && got == 1) {
		rc = 0;
		goto out;
	}
	rc = 1;
	sb_reset(&sql);
	sb_adds(&sql, "SELECT IS_USED_LOCK(");
	db_quote(db, &sql, name.buf, name.len);
	sb_addc(&sql, ')');
	if (db_get_u64(db, &who, &found, err, "%s", sql.buf) < 0 || !found) {
		sb_addf(holder, "lock %s is held by another session", name.buf);
		goto out;
	}
	sb_addf(holder, "lock %s is held by connection %llu", name.buf, (unsigned long long)who);
	sb_reset(&sql);
	dialect_processlist_sql(db_server(db), &sql, (unsigned long long)who);
	if (db_run(db, DB_READ, sql.buf, sql.len, &res, err) == 0 && db_fetch(res, &row))
		sb_addf(holder, " (%s@%s, connected for %s s)", row.vals[0] ? row.vals[0] : "?",
			row.vals[1] ? row.vals[1] : "?", row.vals[2] ? row.vals[2] : "?");
	db_free_result(res);
out:
	sb_release(&name);
	sb_release(&sql);
	return rc;
}

int runlock_held(struct db *db, const char *name_override, struct herr *err)
{
	struct strbuf name = STRBUF_INIT, sql = STRBUF_INIT;
	uint64_t mine = 0;
	int found = 0, rc;

	runlock_name(db, name_override, &name);
	sb_adds(&sql, "SELECT IS_USED_LOCK(");
	db_quote(db, &sql, name.buf, name.len);
	sb_adds(&sql, ") <=> CONNECTION_ID()");
	rc = db_get_u64(db, &mine, &found, err, "%s", sql.buf);
	sb_release(&name);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	return found && mine == 1;
}

void runlock_release(struct db *db, const char *name_override)
{
	struct strbuf name = STRBUF_INIT, sql = STRBUF_INIT;
	struct herr e;

	runlock_name(db, name_override, &name);
	sb_adds(&sql, "DO RELEASE_LOCK(");
	db_quote(db, &sql, name.buf, name.len);
	sb_addc(&sql, ')');
	db_run(db, DB_SESSION, sql.buf, sql.len, NULL, &e);
	sb_release(&name);
	sb_release(&sql);
}

/* Remember what we wrote, so refresh and release touch only our own lock.
 * The newest few values suffice: the row holds the last one we wrote unless
 * someone took the lock over. */
#define WCLOCK_KEEP 4
/* Add a copy of v, a lock value this run wrote, to l's list (the oldest
 * dropped beyond WCLOCK_KEEP). */
static void wclock_remember(struct wclock *l, const char *v)
{
	if (l->n == WCLOCK_KEEP) {
		free(l->mine[0]);
		memmove(l->mine, l->mine + 1, sizeof(*l->mine) * (WCLOCK_KEEP - 1));
		l->n--;
	}
	l->mine = xrealloc(l->mine, sizeof(*l->mine) * (l->n + 1));
	l->mine[l->n++] = xstrdup(v);
}

static void wclock_in_list(struct db *db, struct wclock *l, struct strbuf *sb)
{
	for (unsigned i = 0; i < l->n; i++) {
		if (i)
			sb_addc(sb, ',');
		db_quote(db, sb, l->mine[i], strlen(l->mine[i]));
	}
}

/* The lock lives in the options table and is written even under --dry-run
 * only when we actually write; dry runs never take it. */
int wclock_take(struct db *db, struct wclock *l, double wait_s, struct herr *err)
{
	double deadline = now_mono() + wait_s;

	/* A sample writes nothing that lasts; the run lock keeps hposctl
	 * runs apart, and WooCommerce's lock is an options row. */
	if (db_dry_run(db) || db_sample(db))
		return 0;
	for (;;) {
		struct strbuf sql = STRBUF_INIT;
		char expiry[32], now_s[32];
		double now = now_wall();
		int rc;

		snprintf(expiry, sizeof(expiry), "%.6f", now + WC_LOCK_TTL);
		snprintf(now_s, sizeof(now_s), "%.6f", now);
		sb_adds(&sql, "INSERT IGNORE INTO ");
		wc_table(db, &sql, "options");
		sb_addf(&sql, " (option_name, option_value, autoload) VALUES ('" WC_LOCK_OPTION "', '%s', 'no')", expiry);
		rc = db_run(db, DB_SESSION, sql.buf, sql.len, NULL, err);
		if (rc == 0 && db_affected_rows(db) == 0) {
			/* Held: take it over only if it has expired. */
			sb_reset(&sql);
			sb_adds(&sql, "UPDATE ");
			wc_table(db, &sql, "options");
			sb_addf(&sql, " SET option_value = '%s' WHERE option_name = '" WC_LOCK_OPTION
				"' AND option_value < '%s'", expiry, now_s);
			rc = db_run(db, DB_SESSION, sql.buf, sql.len, NULL, err);
		}
		sb_release(&sql);
		if (rc < 0)
			return -1;
		if (db_affected_rows(db) > 0) {
			wclock_remember(l, expiry);
			l->held = 1;
			return 0;
		}
		if (now_mono() >= deadline)
			return 1;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

int wclock_refresh(struct db *db, struct wclock *l, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	char expiry[32];
	int rc;

	if (!l->held || db_dry_run(db))
		return 0;
	snprintf(expiry, sizeof(expiry), "%.6f", now_wall() + WC_LOCK_TTL);
	sb_adds(&sql, "UPDATE ");
	wc_table(db, &sql, "options");
	sb_addf(&sql, " SET option_value = '%s' WHERE option_name = '" WC_LOCK_OPTION "' AND option_value IN (", expiry);
	wclock_in_list(db, l, &sql);
	sb_addc(&sql, ')');
	rc = db_run(db, DB_SESSION, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	if (db_affected_rows(db) == 0) {
		l->held = 0;
		return 1;
	}
	wclock_remember(l, expiry);
	return 0;
}

void wclock_release(struct db *db, struct wclock *l)
{
	struct strbuf sql = STRBUF_INIT;
	struct herr e;

	if (l->held && l->n) {
		sb_adds(&sql, "DELETE FROM ");
		wc_table(db, &sql, "options");
		sb_adds(&sql, " WHERE option_name = '" WC_LOCK_OPTION "' AND option_value IN (");
		wclock_in_list(db, l, &sql);
		sb_addc(&sql, ')');
		db_run(db, DB_SESSION, sql.buf, sql.len, NULL, &e);
	}
	sb_release(&sql);
	for (unsigned i = 0; i < l->n; i++)
		free(l->mine[i]);
	free(l->mine);
	memset(l, 0, sizeof(*l));
}

int runlock_reconnect(struct db *db, const char *name_override, int retake, unsigned max_retries,
		      struct herr *err)
{
	struct strbuf holder = STRBUF_INIT;
	int rc = 0;

	out_warning("Lost the database connection; reconnecting.");
	if (db_reconnect(db, err) < 0)
		return -1;
	for (unsigned i = 0; retake; i++) {
		sb_reset(&holder);
		rc = runlock_take(db, name_override, &holder, err);
		if (rc != 1 || i >= max_retries)
			break;
		retry_backoff(i + 3);
	}
	if (rc == 1)
		herr_set(err, HX_TEMPFAIL, "after reconnecting, another run holds the lock: %s", holder.buf);
	sb_release(&holder);
	return rc == 0 ? 0 : -1;
}

int retry_run_end(struct db *db, const char *name_override, unsigned max_retries, uint64_t *retries,
		  int (*fn)(void *arg, struct herr *err), void *arg, struct herr *err)
{
	for (unsigned attempt = 0;; attempt++) {
		if (fn(arg, err) == 0)
			return 0;
		if (attempt >= max_retries)
			return -1;
		if (db_errclass(db) == DBE_LOST) {
			(*retries)++;
			if (runlock_reconnect(db, name_override, 1, max_retries, err) < 0)
				return -1;
		} else if (db_errclass(db) == DBE_RETRY) {
			(*retries)++;
			retry_backoff(attempt + 1);
		} else {
			return -1;
		}
	}
}

void warn_background_sync(struct db *db)
{
	char *mode = NULL, *version = NULL;
	struct herr e;
	int rc = wc_background_sync_unlocked(db, &mode, &version, &e);

	if (rc < 0)
		out_debug("background sync check: %s", e.msg);
	else if (rc > 0)
		out_warning("WooCommerce's background sync is on (mode %s) and WooCommerce %s takes no migration lock "
			    "(11.3 and later do): its batches and hposctl's can write the same orders at the same time "
			    "(WooCommerce then duplicates wc_orders_meta rows).  Turn compatibility mode off, or set "
			    "woocommerce_custom_orders_table_background_sync_mode to off, while hposctl runs.",
			    mode, version ? version : "(version unknown)");
	free(mode);
	free(version);
}

int runlock_enter(struct db *db, const char *name_override, struct herr *err)
{
	struct strbuf holder = STRBUF_INIT;
	int rc = runlock_take(db, name_override, &holder, err);

	if (rc == 1)
		out_warning("Another hposctl run is active (%s); exiting.", holder.buf);
	sb_release(&holder);
	return rc;
}
