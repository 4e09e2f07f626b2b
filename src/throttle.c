/* throttle.c - pausing and stopping between batches (see throttle.h). */
#include "throttle.h"
#include "hposctl.h"
#include "output.h"
#include "syncstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int throttle_parse_load(const char *s, const char *flag, struct loadspec *l, struct herr *err)
{
	const char *eq;
	size_t n;

	if (!s)
		return 0;
	eq = strchr(s, '=');
	n = eq ? (size_t)(eq - s) : 0;
	if (!eq || n == 0 || n >= sizeof(l->name) || parse_u64(eq + 1, &l->limit) < 0)
		return herr_set(err, HX_USAGE, "--%s expects VAR=N, e.g. Threads_running=25, got \"%s\"", flag, s);
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return herr_set(err, HX_USAGE, "--%s: \"%.*s\" is not a status variable name", flag, (int)n, s);
	memcpy(l->name, s, n);
	l->name[n] = '\0';
	l->set = 1;
	return 0;
}

int throttle_init(struct throttle *t, const char *max_load, const char *critical_load,
		  const char *pause_file, struct herr *err)
{
	memset(t, 0, sizeof(*t));
	t->pause_file = pause_file;
	if (throttle_parse_load(max_load, "max-load", &t->max_load, err) < 0 ||
	    throttle_parse_load(critical_load, "critical-load", &t->critical, err) < 0)
		return -1;
	return 0;
}

/* The global status variable name into *v.  0, or -1 when it cannot be
 * read or does not exist (the limit is then not checked). */
static int status_value(struct db *db, const char *name, uint64_t *v)
{
	struct db_result *res = NULL;
	struct db_row row;
	struct herr e;
	int found = 0;

	if (db_runf(db, DB_READ, &res, &e, "SHOW GLOBAL STATUS LIKE '%s'", name) < 0)
		return -1;
	if (db_fetch(res, &row) && row.vals[1]) {
		*v = strtoull(row.vals[1], NULL, 10);
		found = 1;
	}
	db_free_result(res);
	return found ? 0 : -1;
}

void sleep_seconds(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

void retry_backoff(unsigned attempt)
{
	double base = 0.05 * (double)(1u << (attempt < 7 ? attempt : 7));
	double jitter = (double)(rand() % 1000) / 1000.0;
	double s = base * (0.5 + jitter);

	sleep_seconds(s > 5 ? 5 : s);
}

/* Why to pause now, written to buf (n bytes): the pause file, --max-load
 * exceeded, or t->extra's reason; NULL to go on.  Sets t->critical_hit
 * (reason in t->critical_msg) when the run must stop instead: the critical
 * load exceeded, or t->extra said so; then *stop = 1.  paused_at: when
 * this wait began. */
static const char *pause_reason(struct db *db, struct throttle *t, double paused_at, char *buf, size_t n,
				int *stop)
{
	struct stat sb;
	const char *why;
	uint64_t v;

	*stop = 0;

	if (t->critical.set && status_value(db, t->critical.name, &v) == 0 && v > t->critical.limit) {
		snprintf(t->critical_msg, sizeof(t->critical_msg), "critical load: %s = %llu exceeds %llu",
			 t->critical.name, (unsigned long long)v, (unsigned long long)t->critical.limit);
		t->critical_hit = 1;
		*stop = 1;
		return NULL;
	}
	if (t->pause_file && stat(t->pause_file, &sb) == 0) {
		snprintf(buf, n, "pause file %s exists", t->pause_file);
		return buf;
	}
	if (t->max_load.set && status_value(db, t->max_load.name, &v) == 0 && v > t->max_load.limit) {
		snprintf(buf, n, "%s = %llu exceeds --max-load %llu", t->max_load.name,
			 (unsigned long long)v, (unsigned long long)t->max_load.limit);
		return buf;
	}
	if (!t->extra)
		return NULL;
	why = t->extra(t->extra_arg, t, now_mono() - paused_at, buf, n);
	*stop = t->critical_hit;
	return why;
}

/* While paused with t->keep_lock: 0 when this run still holds its run lock
 * (taken back after a lost connection), else 1 with t->critical_hit set. */
static int lock_lost(struct db *db, struct throttle *t)
{
	struct herr e;
	int held = runlock_held(db, t->lock_name, &e);

	/* The connection was closed (a KILL, a server restart),
	 * and the lock with it: reconnect and take it back, as
	 * after any lost connection, unless another run has it. */
	if (held < 0 && db_errclass(db) == DBE_LOST && runlock_reconnect(db, t->lock_name, 1, 3, &e) == 0)
		held = 1;
	if (held == 1)
		return 0;
	snprintf(t->critical_msg, sizeof(t->critical_msg),
		 "the run lock was lost while paused (%.150s); another run may have started",
		 held < 0 ? e.msg : "no longer held by this connection");
	t->critical_hit = 1;
	return 1;
}

/* Log "Paused: why." and the JSON event "paused". */
static void announce_pause(const char *why)
{
	struct strbuf ev = STRBUF_INIT;

	out_log("Paused: %s.", why);
	sb_adds(&ev, "\"reason\":");
	sb_add_json_str(&ev, why, strlen(why));
	out_event("paused", ev.buf);
	sb_release(&ev);
}

/* Log the resumption and the JSON event "resumed", paused since paused_at. */
static void announce_resume(double paused_at)
{
	char ev[64];

	out_log("Resumed after %.0f s.", now_mono() - paused_at);
	snprintf(ev, sizeof(ev), "\"paused_seconds\":%.1f", now_mono() - paused_at);
	out_event("resumed", ev);
}

int throttle_wait(struct db *db, struct throttle *t)
{
	int announced = 0;
	double paused_at = now_mono();

	for (;;) {
		const char *why;
		char buf[160];
		int stop;

		if (hpos_interrupted)
			return 1;
		why = pause_reason(db, t, paused_at, buf, sizeof(buf), &stop);
		if (stop)
			return 1;
		if (!why)
			break;
		if (t->keep_lock && lock_lost(db, t))
			return 1;
		if (!announced)
			announce_pause(why);
		announced = 1;
		sleep_seconds(1.0);
	}
	if (announced)
		announce_resume(paused_at);
	return 0;
}
