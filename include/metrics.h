/* metrics.h - Prometheus node_exporter "textfile collector" output.
 *
 * A command collects gauges while it runs and writes them once at the end
 * (also on failure exits) with metrics_write(), which replaces the file
 * atomically: a temporary file in the same directory, fsync(), rename(),
 * fsync() of the directory.  node_exporter reads only *.prom files, so the
 * temporary name (PATH.XXXXXX) is never picked up half written.
 *
 * Every sample carries a command="<name>" label, so several commands may
 * write to one directory (one file each) with the same metric names.
 */
#ifndef HPOS_METRICS_H
#define HPOS_METRICS_H

#include "util.h"

#define METRICS_MAX 24

struct metrics {
	const char *command;
	unsigned n;
	struct {
		const char *name;   /* without the "hposctl_" prefix */
		const char *help;
		double value;
	} m[METRICS_MAX];
};

void metrics_init(struct metrics *mx, const char *command);
/* Add (or replace) gauge hposctl_<name>. name and help must stay valid. */
void metrics_set(struct metrics *mx, const char *name, const char *help, double value);
/* The text exposition format, sorted as added. */
void metrics_format(const struct metrics *mx, struct strbuf *out);

/* Check early that path can be written later: its directory exists and is
 * writable, and path itself is not a directory.  HX_USAGE errors. */
int metrics_check_path(const char *path, struct herr *err);

/* Read hposctl_<name>{command="<command>"} from an existing file at path.
 * 0 and *value when found, -1 otherwise (missing file, no such sample). */
int metrics_read_previous(const char *path, const char *command, const char *name, double *value);

/* Write the file atomically (mode 0644).  HX_TEMPFAIL errors naming path. */
int metrics_write(const char *path, const struct metrics *mx, struct herr *err);

/* The common run gauges: last_run_timestamp_seconds (now), duration,
 * exit code, last_success_timestamp_seconds (now when exit_code is 0, else
 * carried over from the previous file at path when it has one). */
void metrics_run(struct metrics *mx, const char *path, double duration, int exit_code);

#endif
