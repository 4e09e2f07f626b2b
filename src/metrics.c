/* metrics.c - node_exporter textfile metrics, written atomically. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void metrics_init(struct metrics *mx, const char *command)
{
	memset(mx, 0, sizeof(*mx));
	mx->command = command;
}

void metrics_set(struct metrics *mx, const char *name, const char *help, double value)
{
	unsigned i;

	for (i = 0; i < mx->n; i++)
		if (!strcmp(mx->m[i].name, name))
			break;
	if (i == METRICS_MAX)
		return; /* a programming error; the table is sized for every command */
	if (i == mx->n)
		mx->n++;
	mx->m[i].name = name;
	mx->m[i].help = help;
	mx->m[i].value = value;
}

/* Append v as Prometheus text: "NaN", an integer when it is one, else
 * three decimals. */
static void add_value(struct strbuf *out, double v)
{
	if (isnan(v))
		sb_adds(out, "NaN");
	else if (v == floor(v) && fabs(v) < 1e15)
		sb_addf(out, "%.0f", v);
	else
		sb_addf(out, "%.3f", v);
}

void metrics_format(const struct metrics *mx, struct strbuf *out)
{
	for (unsigned i = 0; i < mx->n; i++) {
		sb_addf(out, "# HELP hposctl_%s %s\n# TYPE hposctl_%s gauge\nhposctl_%s{command=\"%s\"} ",
			mx->m[i].name, mx->m[i].help, mx->m[i].name, mx->m[i].name, mx->command);
		add_value(out, mx->m[i].value);
		sb_addc(out, '\n');
	}
}

/* dirname() may modify its argument and return static storage. */
static char *dir_of(const char *path)
{
	char *copy = xstrdup(path), *d = xstrdup(dirname(copy));

	free(copy);
	return d;
}

int metrics_check_path(const char *path, struct herr *err)
{
	struct stat st;
	char *dir;
	int rc = 0;

	if (!*path)
		return herr_set(err, HX_USAGE, "--metrics-file: empty path");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return herr_set(err, HX_USAGE, "--metrics-file %s: is a directory", path);
	dir = dir_of(path);
	if (stat(dir, &st) < 0)
		rc = herr_set(err, HX_USAGE, "--metrics-file %s: directory %s: %s", path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = herr_set(err, HX_USAGE, "--metrics-file %s: %s is not a directory", path, dir);
	else if (access(dir, W_OK | X_OK) < 0)
		rc = herr_set(err, HX_USAGE, "--metrics-file %s: directory %s is not writable: %s", path, dir,
			      strerror(errno));
	free(dir);
	return rc;
}

int metrics_read_previous(const char *path, const char *command, const char *name, double *value)
{
	char line[512], want[256];
	FILE *fp = fopen(path, "r");
	int rc = -1;

	if (!fp)
		return -1;
	snprintf(want, sizeof(want), "hposctl_%s{command=\"%s\"} ", name, command);
	while (fgets(line, sizeof(line), fp)) {
		char *end;
		double v;

		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		v = strtod(line + strlen(want), &end);
		if (end != line + strlen(want)) {
			*value = v;
			rc = 0;
		}
	}
	fclose(fp);
	return rc;
}

int metrics_write(const char *path, const struct metrics *mx, struct herr *err)
{
	struct strbuf body = STRBUF_INIT, tmp = STRBUF_INIT;
	char *dir = NULL;
	int fd, dfd, e, rc = -1;

	metrics_format(mx, &body);
	sb_addf(&tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		e = errno;
		herr_set(err, HX_TEMPFAIL, "cannot write metrics file %s: %s", path, strerror(e));
		goto out;
	}
	if (fchmod(fd, 0644) < 0 || xwrite_all(fd, body.buf, body.len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp.buf);
		herr_set(err, HX_TEMPFAIL, "cannot write metrics file %s: %s", path, strerror(e));
		goto out;
	}
	if (close(fd) < 0 || rename(tmp.buf, path) < 0) {
		e = errno;
		unlink(tmp.buf);
		herr_set(err, HX_TEMPFAIL, "cannot write metrics file %s: %s", path, strerror(e));
		goto out;
	}
	/* make the rename itself durable */
	dir = dir_of(path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(dir);
	sb_release(&body);
	sb_release(&tmp);
	return rc;
}

void metrics_run(struct metrics *mx, const char *path, double duration, int exit_code)
{
	double now = now_wall(), last_ok = NAN;

	metrics_set(mx, "last_run_timestamp_seconds", "Unix time the last run ended.", floor(now));
	metrics_set(mx, "last_run_duration_seconds", "Wall-clock duration of the last run.", duration);
	metrics_set(mx, "last_run_exit_code", "Exit status of the last run (0 ok, 1 problem, 75 temporary; see docs/exit-codes.md).",
		    (double)exit_code);
	if (exit_code == 0)
		last_ok = floor(now);
	else if (metrics_read_previous(path, mx->command, "last_success_timestamp_seconds", &last_ok) < 0)
		last_ok = NAN;
	if (!isnan(last_ok))
		metrics_set(mx, "last_success_timestamp_seconds", "Unix time of the last run that exited 0.", last_ok);
}
