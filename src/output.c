/* output.c - wp-cli style messages, JSON events and progress. */
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct out_state outst;

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_CYAN "\033[36m"
#define C_BLUE "\033[34m"
#define C_RESET "\033[0m"

void out_setup(int color_opt)
{
	const char *term = getenv("TERM");

	outst.stdout_tty = isatty(STDOUT_FILENO);
	outst.stderr_tty = isatty(STDERR_FILENO);
	if (color_opt >= 0)
		outst.color = color_opt;
	else
		outst.color = getenv("NO_COLOR") == NULL && !(term && !strcmp(term, "dumb"));
	if (!outst.t0)
		outst.t0 = now_mono();
}

/* One JSON event line {"event":event,"message":<fmt/ap as a JSON string>}
 * (--json). */
static void emit_json(const char *event, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;

	sb_vaddf(&msg, fmt, ap);
	sb_adds(&line, "\"message\":");
	sb_add_json_str(&line, msg.buf, msg.len);
	out_event(event, line.buf);
	sb_release(&msg);
	sb_release(&line);
}

/* Every human-readable message goes through sb_add_term_safe(): database
 * strings in it (names, meta values, skip reasons, server errors) cannot
 * drive the operator's terminal. */
static void emit(FILE *f, int tty, const char *color, const char *prefix,
		 const char *fmt, va_list ap)
{
	struct strbuf raw = STRBUF_INIT, safe = STRBUF_INIT;

	sb_vaddf(&raw, fmt, ap);
	sb_add_term_safe(&safe, sb_str(&raw), raw.len, 1);
	flockfile(f); /* one message, one line, even from several threads */
	if (prefix) {
		if (outst.color && tty)
			fprintf(f, "%s%s" C_RESET " ", color, prefix);
		else
			fprintf(f, "%s ", prefix);
	}
	fwrite(sb_str(&safe), 1, safe.len, f);
	fputc('\n', f);
	fflush(f);
	funlockfile(f);
	sb_release(&raw);
	sb_release(&safe);
}

#define EMIT_VA(stmt) do { va_list ap; va_start(ap, fmt); stmt; va_end(ap); } while (0)

void out_success(const char *fmt, ...)
{
	if (outst.quiet)
		return;
	if (outst.json)
		EMIT_VA(emit_json("success", fmt, ap));
	else
		EMIT_VA(emit(stdout, outst.stdout_tty, C_GREEN, "Success:", fmt, ap));
}

void out_log(const char *fmt, ...)
{
	if (outst.quiet)
		return;
	if (outst.json)
		EMIT_VA(emit_json("log", fmt, ap));
	else
		EMIT_VA(emit(stdout, 0, NULL, NULL, fmt, ap));
}

void out_line(const char *fmt, ...)
{
	EMIT_VA(emit(stdout, 0, NULL, NULL, fmt, ap));
}

void out_warning(const char *fmt, ...)
{
	if (outst.quiet)
		return;
	if (outst.json)
		EMIT_VA(emit_json("warning", fmt, ap));
	else
		EMIT_VA(emit(stderr, outst.stderr_tty, C_CYAN, "Warning:", fmt, ap));
}

void out_error(const char *fmt, ...)
{
	if (outst.json)
		EMIT_VA(emit_json("error", fmt, ap));
	EMIT_VA(emit(stderr, outst.stderr_tty, C_RED, "Error:", fmt, ap));
}

void out_debug(const char *fmt, ...)
{
	struct strbuf raw = STRBUF_INIT, sb = STRBUF_INIT;

	if (!outst.debug)
		return;
	EMIT_VA(sb_vaddf(&raw, fmt, ap));
	sb_add_term_safe(&sb, sb_str(&raw), raw.len, 1);
	sb_release(&raw);
	if (outst.color && outst.stderr_tty)
		fprintf(stderr, C_BLUE "Debug:" C_RESET " %s (%.3fs)\n", sb_str(&sb), now_mono() - outst.t0);
	else
		fprintf(stderr, "Debug: %s (%.3fs)\n", sb_str(&sb), now_mono() - outst.t0);
	sb_release(&sb);
}

void out_event(const char *name, const char *fields)
{
	struct strbuf sb = STRBUF_INIT;

	if (!outst.json)
		return;
	sb_adds(&sb, "{\"event\":");
	sb_add_json_str(&sb, name, strlen(name));
	sb_addf(&sb, ",\"time\":%.3f", now_wall());
	if (fields && *fields) {
		sb_addc(&sb, ',');
		sb_adds(&sb, fields);
	}
	sb_adds(&sb, "}\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	fflush(stdout);
	sb_release(&sb);
}

/* secs as "MM:SS", or "H:MM:SS" from an hour on, into buf (n bytes). */
static void fmt_clock(char *buf, size_t n, double secs)
{
	unsigned long s = secs > 0 ? (unsigned long)secs : 0;

	if (s >= 3600)
		snprintf(buf, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%02lu:%02lu", s / 60, s % 60);
}

void progress_start(struct progress *p, const char *label, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->total = total;
	p->start = p->last_draw = now_mono();
	p->interval = 5.0;
	if (outst.json)
		p->mode = 3;
	else if (outst.quiet)
		p->mode = 0;
	else if (outst.stdout_tty)
		p->mode = 1;
	else
		p->mode = 2;
}

/* Draw p in its mode: the bar redrawn in place (1; final ends its line), a
 * line of counts, rate and ETA (2), or a JSON progress event (3). */
static void progress_draw(struct progress *p, int final)
{
	double el = now_mono() - p->start;
	double rate = el > 0 ? (double)p->done / el : 0;
	double eta = (rate > 0 && p->total > p->done) ? (double)(p->total - p->done) / rate : 0;
	char e1[32], e2[32];

	fmt_clock(e1, sizeof(e1), el);
	fmt_clock(e2, sizeof(e2), el + eta);
	if (p->mode == 1) {
		struct winsize ws;
		int width = 80, barw, fill, pct;

		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40)
			width = ws.ws_col;
		pct = p->total ? (int)(p->done * 100 / p->total) : 0;
		if (pct > 100)
			pct = 100;
		barw = width - (int)strlen(p->label) - 40;
		if (barw < 10)
			barw = 10;
		fill = barw * pct / 100;
		printf("\r%s  %3d%% [", p->label, pct);
		for (int i = 0; i < barw; i++)
			putchar(i < fill ? '=' : (i == fill ? '>' : ' '));
		printf("] %s / %s %.0f/s", e1, e2, rate);
		if (final)
			putchar('\n');
		fflush(stdout);
	} else if (p->mode == 2) {
		if (p->total)
			printf("%s: %llu/%llu orders (%.1f%%), %.0f orders/s, elapsed %s, ETA %s\n",
			       p->label, (unsigned long long)p->done, (unsigned long long)p->total,
			       p->total ? 100.0 * (double)p->done / (double)p->total : 0.0, rate, e1,
			       eta > 0 ? e2 : "-");
		else
			printf("%s: %llu orders, %.0f orders/s, elapsed %s\n", p->label,
			       (unsigned long long)p->done, rate, e1);
		fflush(stdout);
	} else if (p->mode == 3) {
		char f[256];

		snprintf(f, sizeof(f), "\"label\":\"%s\",\"done\":%llu,\"total\":%llu,\"rate\":%.1f,\"eta_seconds\":%.0f",
			 p->label, (unsigned long long)p->done, (unsigned long long)p->total, rate, eta);
		out_event("progress", f);
	}
}

void progress_update(struct progress *p, uint64_t done)
{
	double t = now_mono();
	double every = p->mode == 1 ? 0.1 : p->interval;

	p->done = done;
	if (p->mode == 0 || t - p->last_draw < every)
		return;
	p->last_draw = t;
	progress_draw(p, 0);
}

void progress_finish(struct progress *p)
{
	if (p->mode == 1 || (p->mode == 2 && now_mono() - p->start >= p->interval))
		progress_draw(p, 1);
}
