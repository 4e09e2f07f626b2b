/* util.h - allocation, error values and a growable string buffer.
 *
 * Library code reports failures through struct herr and returns -1; only
 * main() turns an herr into an exit status.  Allocation failure is the one
 * thing that is not recoverable: x*alloc() print a message and abort().
 */
#ifndef HPOS_UTIL_H
#define HPOS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses (sysexits.h values where one fits); see docs/exit-codes.md. */
enum hpos_exit {
	HX_OK = 0,
	HX_PROBLEM = 1,     /* the operation found a problem (differences, refused, skipped) */
	HX_USAGE = 64,      /* bad command line */
	HX_NOCONNECT = 69,  /* cannot connect to the server */
	HX_INTERNAL = 70,   /* internal error, unexpected SQL error */
	HX_TEMPFAIL = 75,   /* temporary: lock busy, retries exhausted, lost connection */
	HX_NOPERM = 77,     /* access denied */
	HX_CONFIG = 78,     /* configuration error */
	HX_SIGINT = 130,
	HX_SIGTERM = 143,
};

#define HERR_MSG_MAX 1024

/* An error value: an exit class and a message without trailing newline. */
struct herr {
	int code;
	char msg[HERR_MSG_MAX];
};

#if defined(__GNUC__)
#define HPOS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define HPOS_NORETURN __attribute__((noreturn))
#else
#define HPOS_PRINTF(a, b)
#define HPOS_NORETURN
#endif

/* Fill *e (if not NULL) and return -1, so callers can `return herr_set(...)`. */
int herr_set(struct herr *e, int code, const char *fmt, ...) HPOS_PRINTF(3, 4);
/* The same with a va_list. */
int herr_vset(struct herr *e, int code, const char *fmt, va_list ap);
/* Prefix the existing message: "<prefix>: <old message>". Returns -1. */
int herr_prefix(struct herr *e, const char *fmt, ...) HPOS_PRINTF(2, 3);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* An array p of n elements of size bytes, about to take element n: grown
 * geometrically (capacity: the next power of two), so appending N elements
 * costs O(N).  Only for arrays that every append passes through here.
 * Never returns NULL. */
void *xgrow(void *p, size_t n, size_t size) __attribute__((returns_nonnull));
char *xstrndup(const char *s, size_t n);
/* Free *p and set it to NULL. */
#define FREE_AND_NULL(p) do { free(p); (p) = NULL; } while (0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Growable NUL-terminated buffer (binary-safe: len counts bytes). */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT { NULL, 0, 0 }

/* sb_grow: room for extra more bytes and the NUL.  The sb_add*() appenders
 * keep the buffer NUL-terminated (the strings may still hold NUL bytes:
 * len counts them).  sb_reset: empty, the memory kept; sb_release: freed,
 * back to STRBUF_INIT.  The buffer is the strbuf's until sb_detach(). */
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t len);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
/* Append ids as "1,2,3" (an SQL IN list's contents). */
void sb_add_ids(struct strbuf *sb, const uint64_t *ids, size_t n);
void sb_addf(struct strbuf *sb, const char *fmt, ...) HPOS_PRINTF(2, 3);
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
void sb_release(struct strbuf *sb);
/* Never NULL: "" for an empty, never-grown buffer. */
const char *sb_str(const struct strbuf *sb);
/* Detach the buffer (caller frees); leaves sb empty. */
char *sb_detach(struct strbuf *sb);

/* Append s as a JSON string literal (with quotes), escaping as RFC 8259 wants. */
void sb_add_json_str(struct strbuf *sb, const char *s, size_t len);

/* Parse a non-negative decimal integer that must fill the whole string.
 * Returns 0 on success, -1 on junk or overflow. */
int parse_u64(const char *s, uint64_t *out);
/* Durations: "90", "90s", "15m", "2h", "1h30m". Returns 0 or -1. */
int parse_duration(const char *s, double *seconds);

/* Monotonic and wall clocks in seconds. */
double now_mono(void);
double now_wall(void);

/* Count UTF-8 characters (lead bytes) in s[0..len). */
size_t utf8_chars(const char *s, size_t len);

/* Ask `question [y/n]` on stderr and read the answer from a terminal on
 * stdin: 1 yes ("y"/"yes", any case), 0 anything else, -1 stdin is not a
 * terminal (nothing asked). */
int tty_confirm(const char *question);

/* 1 when every character of character set `table` can be written in
 * character set `conn` (a connection charset narrower than the data turns
 * the rest into '?'). */
int charset_covers(const char *conn, const char *table);

/* The length of the longest prefix of s[0..len) that is at most max bytes
 * and does not end inside a UTF-8 sequence. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* Append s[0..len) for a terminal: C0 controls, DEL and the C1 controls
 * (U+0080..U+009F, as UTF-8) become \n, \t, \xHH or \u{HH};
 * everything else is copied.  So a string from the database can neither
 * move the cursor nor start an escape sequence.  keep_lines: newlines and
 * tabs stay as they are (a whole message of several lines). */
void sb_add_term_safe(struct strbuf *sb, const char *s, size_t len, int keep_lines);
/* A NUL-terminated copy of s made safe as above, newlines and tabs
 * escaped too (one value on one line); NULL stays NULL. */
char *term_safe(const char *s);

/* Make the process non-dumpable (no core file, no ptrace by other users of
 * the same uid): it holds database passwords.  0 when it took effect. */
int process_harden(void);

/* write(2) all of p, retrying short writes and EINTR; -1 with errno. */
int xwrite_all(int fd, const char *p, size_t n);

/* Append the whole file path (not a directory) to sb.  0, or -1 with sb
 * released and an HX_CONFIG err "WHAT PATH: reason" (what: "config file"). */
int read_file_all(const char *what, const char *path, struct strbuf *sb, struct herr *err);

/* Binary search of the records base[0..n) (stride bytes each), sorted
 * ascending by the uint64_t at byte offset off of each, for id: its index,
 * or -1.  The engines' batches and ID lists all find orders this way. */
int find_by_id(const void *base, unsigned n, size_t stride, size_t off, uint64_t id);

/* 1 when n sorted IDs from first to last lie close enough together that
 * one BETWEEN range of an index reads less than n separate lookups (an IN
 * list), counting the other IDs' rows the range also reads, which the
 * caller drops.  The one rule for every batch read by ID. */
int ids_close(uint64_t first, uint64_t last, unsigned n);

#endif
