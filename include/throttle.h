/* throttle.h - gh-ost style throttling between batches, shared by the
 * batch commands: --max-load VAR=N pauses while the global status variable
 * exceeds N, --critical-load VAR=N stops, --pause-file PATH pauses while the
 * file exists.  Checked only between batches, never inside a transaction. */
#ifndef HPOS_THROTTLE_H
#define HPOS_THROTTLE_H

#include <stdint.h>
#include "db.h"

struct loadspec {
	char name[65];
	uint64_t limit;
	int set;
};

struct throttle {
	struct loadspec max_load, critical;
	const char *pause_file;   /* NULL: none */
	int critical_hit;
	char critical_msg[256];
	/* A further reason to pause, e.g. replica lag (NULL: none): returns
	 * the reason (written to buf) or NULL; may set critical_hit and
	 * critical_msg to stop instead.  paused_for: seconds this wait has
	 * lasted so far. */
	const char *(*extra)(void *arg, struct throttle *t, double paused_for, char *buf, size_t n);
	void *extra_arg;
	/* While paused, check every second (which also keeps the connection
	 * from idling into wait_timeout) that this run still holds its run
	 * lock on the connection given to throttle_wait(); if not, stop with
	 * critical_hit set.  keep_lock 0: no check. */
	int keep_lock;
	const char *lock_name;    /* runlock name override (NULL: default) */
};

/* Parse "VAR=N" for --<flag>; NULL s leaves l unset.  HX_USAGE errors. */
int throttle_parse_load(const char *s, const char *flag, struct loadspec *l, struct herr *err);

/* Set up t from the three option values (any may be NULL). */
int throttle_init(struct throttle *t, const char *max_load, const char *critical_load,
		  const char *pause_file, struct herr *err);

/* Wait while throttled.  Returns 0 to go on, 1 to stop: interrupted by a
 * signal, or the critical load was exceeded (t->critical_hit set, reason in
 * t->critical_msg). */
int throttle_wait(struct db *db, struct throttle *t);

/* Sleep for s seconds (fractions allowed). */
void sleep_seconds(double s);

/* Jittered exponential backoff before retry number `attempt` (capped at 5 s). */
void retry_backoff(unsigned attempt);

#endif
