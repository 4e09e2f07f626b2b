/* output.h - messages in wp-cli's style.
 *
 *   out_success()  stdout "Success: ..."   (silenced by --quiet)
 *   out_log()      stdout plain line       (silenced by --quiet)
 *   out_line()     stdout plain line       (always: data the user asked for)
 *   out_warning()  stderr "Warning: ..."   (silenced by --quiet)
 *   out_error()    stderr "Error: ..."     (always)
 *   out_debug()    stderr "Debug: ... (0.123s)" (only with --debug)
 *
 * With --json, human messages become line-delimited JSON events on stdout
 * ({"event":"warning","message":"..."}); errors are also written to stderr
 * as text so cron mail still shows them.
 */
#ifndef HPOS_OUTPUT_H
#define HPOS_OUTPUT_H

#include "util.h"

struct out_state {
	int quiet;
	int debug;
	int json;
	int color;        /* colour escape codes on stderr/stdout TTYs */
	int stdout_tty;
	int stderr_tty;
	double t0;        /* monotonic start, for Debug: timings */
};

extern struct out_state outst;

/* Decide colour and TTY state; call once after option parsing.
 * color_opt: -1 auto, 0 never, 1 always. */
void out_setup(int color_opt);

void out_success(const char *fmt, ...) HPOS_PRINTF(1, 2);
void out_log(const char *fmt, ...) HPOS_PRINTF(1, 2);
void out_line(const char *fmt, ...) HPOS_PRINTF(1, 2);
void out_warning(const char *fmt, ...) HPOS_PRINTF(1, 2);
void out_error(const char *fmt, ...) HPOS_PRINTF(1, 2);
void out_debug(const char *fmt, ...) HPOS_PRINTF(1, 2);

/* Emit one JSON event line (only with --json): {"event":name, <fields>}.
 * fields is a JSON fragment without braces ("\"n\":3,\"x\":\"y\"") or NULL. */
void out_event(const char *name, const char *fields);

/* Progress reporting: a bar on a TTY (unless --quiet/--json), otherwise a
 * line every `interval` seconds (unless --quiet), JSON progress events with
 * --json.  total may be 0 when unknown. */
struct progress {
	const char *label;
	uint64_t total, done;
	double start, last_draw;
	double interval;
	int mode; /* 0 none, 1 bar, 2 lines, 3 json */
};
/* Start p for `total` orders (0: unknown) under label (not copied: it must
 * outlive p); the mode follows --quiet, --json and whether stdout is a
 * terminal. */
void progress_start(struct progress *p, const char *label, uint64_t total);
/* done orders so far: redrawn at most every 0.1 s (the bar) or every
 * p->interval seconds (lines, JSON; 5 s unless the caller sets it). */
void progress_update(struct progress *p, uint64_t done);
/* The last drawing: the bar's final state and its line ended; the
 * summary line when the run lasted at least one interval. */
void progress_finish(struct progress *p);

#endif
