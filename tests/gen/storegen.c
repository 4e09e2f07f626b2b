/* storegen.c - generate a WooCommerce store with orders in the legacy
 * (wp_posts / wp_postmeta) storage, for testing and benchmarking hposctl.
 *
 * The shape of the rows follows a store made by real WooCommerce 9.9.5
 * (see tests/gen/README.md).  Everything is derived from --seed through a
 * private splitmix64 generator and explicit row IDs, so the same seed and
 * order count give byte-identical tables.
 *
 * One thread generates SQL (multi-row INSERTs of about 2 MB); a small pool
 * of connections, each in its own thread, executes them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "util.h"

#define EX_USAGE_ 64
#define EX_NOCONN_ 69
#define EX_SQL_ 70

#define FLUSH_BYTES (4u * 1024u * 1024u)
#define QUEUE_MAX 8
#define MAX_CONNS 8

/* ------------------------------------------------------------------ */
/* options */

struct opts {
	const char *socket;
	const char *host;
	unsigned port;
	const char *user;
	const char *password;
	const char *database;
	const char *prefix;
	uint64_t orders;
	uint64_t seed;
	int create;
	int edge;
	const char *tz;
	int quiet;
	int conns;
};

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64 */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	if (n <= 1)
		return 0;
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Uniform in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo + 1));
}

/* True with probability permille/1000. */
static int rng_pm(struct rng *r, unsigned permille)
{
	return rng_below(r, 1000) < permille;
}

#define PICK(r, arr) ((arr)[rng_below((r), ARRAY_SIZE(arr))])

/* ------------------------------------------------------------------ */
/* time zone */

static int tz_named;        /* 1: use localtime_r (TZ set) */
static long tz_fixed_off;   /* seconds east of UTC when !tz_named */

static void to_local_tm(int64_t gmt, struct tm *out)
{
	time_t t;

	if (tz_named) {
		t = (time_t)gmt;
		localtime_r(&t, out);
	} else {
		t = (time_t)(gmt + tz_fixed_off);
		gmtime_r(&t, out);
	}
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD HH:MM:SS" into buf[20]. */
static void fmt_tm(const struct tm *tm, char *buf)
{
	int y = tm->tm_year + 1900;

	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	put2(buf + 5, tm->tm_mon + 1);
	buf[7] = '-';
	put2(buf + 8, tm->tm_mday);
	buf[10] = ' ';
	put2(buf + 11, tm->tm_hour);
	buf[13] = ':';
	put2(buf + 14, tm->tm_min);
	buf[16] = ':';
	put2(buf + 17, tm->tm_sec);
	buf[19] = '\0';
}

static void fmt_gmt(int64_t t, char *buf)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	fmt_tm(&tm, buf);
}

static void fmt_local(int64_t t, char *buf)
{
	struct tm tm;

	to_local_tm(t, &tm);
	fmt_tm(&tm, buf);
}

static const char *const MON_ABBR[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const MON_LOWER[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

/* WooCommerce names orders with PHP's date('M d, Y @ h:i A') of the creation
 * time in PHP's default time zone, which WordPress sets to UTC. */
static void title_and_slug(int64_t gmt, const char *word, const char *slugword,
			   char *title, size_t tlen, char *slug, size_t slen)
{
	struct tm tm;
	time_t tt = (time_t)gmt;
	int h12;

	gmtime_r(&tt, &tm);
	h12 = tm.tm_hour % 12;
	if (h12 == 0)
		h12 = 12;
	snprintf(title, tlen, "%s &ndash; %s %02d, %d @ %02d:%02d %s", word,
		 MON_ABBR[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, h12, tm.tm_min,
		 tm.tm_hour < 12 ? "AM" : "PM");
	snprintf(slug, slen, "%s-%s-%02d-%d-%02d%02d-%s", slugword,
		 MON_LOWER[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, h12, tm.tm_min,
		 tm.tm_hour < 12 ? "am" : "pm");
}

/* ------------------------------------------------------------------ */
/* SQL text helpers */

static void add_u64(struct strbuf *sb, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_grow(sb, (size_t)n);
	while (n)
		sb->buf[sb->len++] = tmp[--n];
	sb->buf[sb->len] = '\0';
}

static void add_i64(struct strbuf *sb, int64_t v)
{
	if (v < 0) {
		sb_addc(sb, '-');
		add_u64(sb, (uint64_t)0 - (uint64_t)v);
	} else {
		add_u64(sb, (uint64_t)v);
	}
}

/* Append s[0..len) as a quoted SQL string literal (backslash escapes; the
 * session's sql_mode is set without NO_BACKSLASH_ESCAPES). */
static void add_sqlstr(struct strbuf *sb, const char *s, size_t len)
{
	char *p;
	size_t i;

	sb_grow(sb, 2 * len + 2);
	p = sb->buf + sb->len;
	*p++ = '\'';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case 0: *p++ = '\\'; *p++ = '0'; break;
		case '\n': *p++ = '\\'; *p++ = 'n'; break;
		case '\r': *p++ = '\\'; *p++ = 'r'; break;
		case '\\': *p++ = '\\'; *p++ = '\\'; break;
		case '\'': *p++ = '\\'; *p++ = '\''; break;
		case 26: *p++ = '\\'; *p++ = 'Z'; break;
		default: *p++ = (char)c; break;
		}
	}
	*p++ = '\'';
	sb->len = (size_t)(p - sb->buf);
	sb->buf[sb->len] = '\0';
}

static void add_sqls(struct strbuf *sb, const char *s)
{
	if (!s)
		sb_adds(sb, "NULL");
	else
		add_sqlstr(sb, s, strlen(s));
}

/* wc_format_decimal() of an amount in cents: no trailing zeros. */
static void fmt_dec(int64_t cents, char *buf, size_t len)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	const char *sign = cents < 0 ? "-" : "";

	if (a % 100 == 0)
		snprintf(buf, len, "%s%" PRIu64, sign, a / 100);
	else if (a % 10 == 0)
		snprintf(buf, len, "%s%" PRIu64 ".%" PRIu64, sign, a / 100, a % 100 / 10);
	else
		snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64, sign, a / 100, a % 100);
}

/* Always two decimals (how _order_total is stored). */
static void fmt_dec2(int64_t cents, char *buf, size_t len)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", a / 100,
		 a % 100);
}

/* ------------------------------------------------------------------ */
/* work queue and writer connections */

struct job {
	char *sql;        /* an INSERT, or the data for load */
	size_t len;
	const char *load; /* LOAD DATA statement, or NULL */
	struct job *next;
};

/* One queue per writer connection. */
struct queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty;
	pthread_cond_t space;
	struct job *head, *tail;
	int count;
	int closed;
};

static int dry_run;       /* STOREGEN_DRY_RUN=1: generate, do not execute */
static int verbose;       /* STOREGEN_VERBOSE=1: phase timings on stderr */
static int one_txn;       /* commit once at the end instead of per statement */

/* The first failure of any writer; all writers then drop their work. */
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_failed;
static char g_err[1024];

static int any_failed(void)
{
	return __atomic_load_n(&g_failed, __ATOMIC_ACQUIRE);
}

struct writer {
	pthread_t th;
	MYSQL *db;
	struct queue q;
	double busy;
};

static void set_failed(const char *fmt, ...) HPOS_PRINTF(1, 2);
static void set_failed(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_mu);
	if (!g_failed) {
		va_start(ap, fmt);
		vsnprintf(g_err, sizeof(g_err), fmt, ap);
		va_end(ap);
		__atomic_store_n(&g_failed, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&fail_mu);
}

static void q_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	pthread_cond_init(&q->space, NULL);
}

static void q_destroy(struct queue *q)
{
	struct job *j = q->head;

	while (j) {
		struct job *n = j->next;

		free(j->sql);
		free(j);
		j = n;
	}
	q->head = q->tail = NULL;
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->space);
}

static void q_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
}

/* LOAD DATA LOCAL INFILE reads the job's buffer through these callbacks. */
struct infile {
	const char *data;
	size_t len, pos;
};

static int inf_init(void **ptr, const char *name, void *userdata)
{
	struct infile *f = userdata;

	f->pos = 0;
	*ptr = f;
	return 0;
}

static int inf_read(void *ptr, char *buf, unsigned int len)
{
	struct infile *f = ptr;
	size_t n = f->len - f->pos;

	if (n > len)
		n = len;
	memcpy(buf, f->data + f->pos, n);
	f->pos += n;
	return (int)n;
}

static void inf_end(void *ptr)
{
}

static int inf_error(void *ptr, char *msg, unsigned int len)
{
	snprintf(msg, len, "storegen: infile error");
	return 2000;
}

static void writer_run(struct writer *w, const struct job *j)
{
	double t = now_mono();

	if (j->load) {
		struct infile f = { j->sql, j->len, 0 };

		mysql_set_local_infile_handler(w->db, inf_init, inf_read, inf_end,
					       inf_error, &f);
		if (mysql_real_query(w->db, j->load, (unsigned long)strlen(j->load))) {
			set_failed("SQL failed: %s (%.120s)", mysql_error(w->db), j->load);
		} else if (mysql_warning_count(w->db)) {
			char msg[512] = "";
			MYSQL_RES *res;

			if (!mysql_query(w->db, "SHOW WARNINGS LIMIT 1") &&
			    (res = mysql_store_result(w->db))) {
				MYSQL_ROW row = mysql_fetch_row(res);

				if (row && row[2])
					snprintf(msg, sizeof(msg), "%s", row[2]);
				mysql_free_result(res);
			}
			set_failed("LOAD DATA gave warnings: %s (%.120s)", msg, j->load);
		}
	} else if (mysql_real_query(w->db, j->sql, (unsigned long)j->len)) {
		set_failed("SQL failed: %s (statement %.100s...)", mysql_error(w->db), j->sql);
	}
	if (!one_txn && !any_failed() && mysql_commit(w->db))
		set_failed("COMMIT failed: %s", mysql_error(w->db));
	w->busy += now_mono() - t;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct queue *q = &w->q;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&q->mu);
		while (!q->head && !q->closed)
			pthread_cond_wait(&q->nonempty, &q->mu);
		j = q->head;
		if (!j) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		q->count--;
		pthread_cond_signal(&q->space);
		pthread_mutex_unlock(&q->mu);
		if (!any_failed() && !dry_run)
			writer_run(w, j);
		free(j->sql);
		free(j);
	}
	if (!any_failed() && !dry_run && one_txn) {
		double t = now_mono();

		if (mysql_commit(w->db))
			set_failed("COMMIT failed: %s", mysql_error(w->db));
		w->busy += now_mono() - t;
	}
	return NULL;
}

/* Hand a statement over (takes ownership of sql); 0, or -1 if a writer failed. */
static int q_push(struct queue *q, char *sql, size_t len, const char *load)
{
	struct job *j;

	if (any_failed()) {
		free(sql);
		return -1;
	}
	j = xmalloc(sizeof(*j));
	j->sql = sql;
	j->len = len;
	j->load = load;
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	while (q->count >= QUEUE_MAX)
		pthread_cond_wait(&q->space, &q->mu);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->count++;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* ------------------------------------------------------------------ */
/* connections */

static MYSQL *db_connect(const struct opts *o, const char *dbname, struct herr *e)
{
	MYSQL *m = mysql_init(NULL);
	const char *host = o->host;
	const char *sock = o->host ? NULL : o->socket;

	if (!m)
		return herr_set(e, EX_NOCONN_, "mysql_init failed"), NULL;
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	{
		unsigned int one = 1;

		mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &one);
	}
	if (!mysql_real_connect(m, host, o->user, o->password, dbname, o->port, sock, 0)) {
		herr_set(e, EX_NOCONN_, "cannot connect to %s: %s",
			 host ? host : (sock ? sock : "default socket"), mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

static int db_exec(MYSQL *m, const char *sql, struct herr *e)
{
	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)))
		return herr_set(e, EX_SQL_, "SQL failed: %s (statement: %.200s)",
				mysql_error(m), sql);
	return 0;
}

static int db_session(MYSQL *m, struct herr *e)
{
	if (db_exec(m, "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_520_ci", e) ||
	    db_exec(m, "SET SESSION sql_mode='STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'", e) ||
	    db_exec(m, "SET SESSION unique_checks=0", e) ||
	    db_exec(m, "SET SESSION foreign_key_checks=0", e))
		return -1;
	/* Needs SUPER / BINLOG ADMIN; harmless without. */
	if (mysql_query(m, "SET SESSION sql_log_bin=0"))
		(void)0;
	return 0;
}

/* One integer from a query ("NULL" gives 0). */
static int db_u64(MYSQL *m, const char *sql, uint64_t *out, struct herr *e)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (db_exec(m, sql, e))
		return -1;
	res = mysql_store_result(m);
	if (!res)
		return herr_set(e, EX_SQL_, "SQL failed: %s", mysql_error(m));
	row = mysql_fetch_row(res);
	*out = (row && row[0]) ? strtoull(row[0], NULL, 10) : 0;
	mysql_free_result(res);
	return 0;
}

/* ------------------------------------------------------------------ */
/* table buffers */

enum { T_POSTS, T_POSTMETA, T_ITEMS, T_ITEMMETA, T_COMMENTS, T_COMMENTMETA, T_N };

struct tbuf {
	struct strbuf sb;
	char *head;     /* INSERT INTO ... VALUES */
	char *load;     /* LOAD DATA LOCAL INFILE ... */
	uint64_t rows;
	uint64_t total;
};

struct gen {
	const struct opts *o;
	struct rng r;
	struct writer *w;         /* the writer connections */
	int nw;
	struct tbuf t[T_N];
	uint64_t next_post, next_pm, next_item, next_im, next_comment, next_cm;
	/* counters for the summary */
	uint64_t n_orders, n_refunds, n_posts;
	int failed;
	/* catalogue */
	uint64_t product_id[16];
	size_t n_products;
	uint64_t last_page;
	/* slug uniqueness among neighbours */
	char last_slug[64];
	unsigned slug_dup;
	/* pending refunds */
	struct refund_req *pend;
	size_t n_pend, cap_pend;
	/* scratch */
	struct strbuf tmp;
};

/* Row format: multi-row INSERT values, or tab-separated text for
 * LOAD DATA LOCAL INFILE (fields escaped with backslash, NULL as \N). */
static int use_load;

static void tb_begin_row(struct gen *g, int t)
{
	struct tbuf *b = &g->t[t];

	if (use_load)
		return;
	if (b->rows == 0)
		sb_adds(&b->sb, b->head);
	else
		sb_addc(&b->sb, ',');
	sb_addc(&b->sb, '(');
}

/* Each table is loaded by one connection (two connections appending to the
 * same table contend for its last page): postmeta has one of its own, item
 * meta the next, the small tables share the last. */
static struct queue *pick_writer(struct gen *g, int t)
{
	int k;

	switch (t) {
	case T_POSTMETA: k = 0; break;
	case T_ITEMMETA: k = 1; break;
	default: k = 2; break;
	}
	if (k >= g->nw)
		k = g->nw - 1;
	return &g->w[k].q;
}

static void tb_flush(struct gen *g, int t)
{
	struct tbuf *b = &g->t[t];
	size_t len;
	char *sql;

	if (b->rows == 0)
		return;
	len = b->sb.len;
	sql = sb_detach(&b->sb);
	b->rows = 0;
	if (q_push(pick_writer(g, t), sql, len, use_load ? b->load : NULL))
		g->failed = 1;
}

static void tb_end_row(struct gen *g, int t)
{
	struct tbuf *b = &g->t[t];

	sb_addc(&b->sb, use_load ? '\n' : ')');
	b->rows++;
	b->total++;
	if (b->sb.len >= FLUSH_BYTES)
		tb_flush(g, t);
}

/* field helpers for both formats */
static void f_sep(struct strbuf *sb)
{
	sb_addc(sb, use_load ? '\t' : ',');
}

static void f_str(struct strbuf *sb, const char *s, size_t len)
{
	char *p;
	size_t i;

	if (!s) {
		sb_adds(sb, use_load ? "\\N" : "NULL");
		return;
	}
	if (!use_load) {
		add_sqlstr(sb, s, len);
		return;
	}
	sb_grow(sb, 2 * len);
	p = sb->buf + sb->len;
	for (i = 0; i < len; i++) {
		char c = s[i];

		switch (c) {
		case '\0': *p++ = '\\'; *p++ = '0'; break;
		case '\t': *p++ = '\\'; *p++ = 't'; break;
		case '\n': *p++ = '\\'; *p++ = 'n'; break;
		case '\r': *p++ = '\\'; *p++ = 'r'; break;
		case '\\': *p++ = '\\'; *p++ = '\\'; break;
		default: *p++ = c; break;
		}
	}
	sb->len = (size_t)(p - sb->buf);
	sb->buf[sb->len] = '\0';
}

static void f_strs(struct strbuf *sb, const char *s)
{
	f_str(sb, s, s ? strlen(s) : 0);
}

/* A constant needing no escaping (dates, fixed words). */
static void f_lit(struct strbuf *sb, const char *s)
{
	if (!use_load)
		sb_addc(sb, '\'');
	sb_adds(sb, s);
	if (!use_load)
		sb_addc(sb, '\'');
}

/* ------------------------------------------------------------------ */
/* row emitters */

struct postrow {
	uint64_t id, author, parent;
	int64_t date_gmt, mod_gmt;
	int date_gmt_zero;
	const char *content, *title, *excerpt, *status, *comment_status,
		*ping_status, *password, *name, *guid, *type, *mime;
	int64_t comment_count;
	int menu_order;
};

static void emit_post(struct gen *g, const struct postrow *p)
{
	struct strbuf *sb = &g->t[T_POSTS].sb;
	char d[24];

	tb_begin_row(g, T_POSTS);
	add_u64(sb, p->id);
	f_sep(sb);
	add_u64(sb, p->author);
	f_sep(sb);
	fmt_local(p->date_gmt, d);
	f_lit(sb, d);
	f_sep(sb);
	if (p->date_gmt_zero)
		f_lit(sb, "0000-00-00 00:00:00");
	else {
		fmt_gmt(p->date_gmt, d);
		f_lit(sb, d);
	}
	f_sep(sb);
	f_strs(sb, p->content ? p->content : "");
	f_sep(sb);
	f_strs(sb, p->title ? p->title : "");
	f_sep(sb);
	f_strs(sb, p->excerpt ? p->excerpt : "");
	f_sep(sb);
	f_strs(sb, p->status);
	f_sep(sb);
	f_strs(sb, p->comment_status);
	f_sep(sb);
	f_strs(sb, p->ping_status);
	f_sep(sb);
	f_strs(sb, p->password ? p->password : "");
	f_sep(sb);
	f_strs(sb, p->name ? p->name : "");
	f_sep(sb);
	f_lit(sb, "");          /* to_ping */
	f_sep(sb);
	f_lit(sb, "");          /* pinged */
	f_sep(sb);
	fmt_local(p->mod_gmt, d);
	f_lit(sb, d);
	f_sep(sb);
	fmt_gmt(p->mod_gmt, d);
	f_lit(sb, d);
	f_sep(sb);
	f_lit(sb, "");          /* post_content_filtered */
	f_sep(sb);
	add_u64(sb, p->parent);
	f_sep(sb);
	f_strs(sb, p->guid);
	f_sep(sb);
	add_i64(sb, p->menu_order);
	f_sep(sb);
	f_strs(sb, p->type);
	f_sep(sb);
	f_strs(sb, p->mime ? p->mime : "");
	f_sep(sb);
	add_i64(sb, p->comment_count);
	tb_end_row(g, T_POSTS);
	g->n_posts++;
}

/* Meta rows of posts, order items and comments: (id, owner, key, value). */
static void emit_meta(struct gen *g, int t, uint64_t owner, const char *k, size_t klen,
		      const char *v, size_t vlen)
{
	struct strbuf *sb = &g->t[t].sb;
	uint64_t id = t == T_POSTMETA ? g->next_pm++ :
		      t == T_ITEMMETA ? g->next_im++ : g->next_cm++;

	tb_begin_row(g, t);
	add_u64(sb, id);
	f_sep(sb);
	add_u64(sb, owner);
	f_sep(sb);
	f_str(sb, k, klen);
	f_sep(sb);
	f_str(sb, v, vlen);
	tb_end_row(g, t);
}

static void pmeta(struct gen *g, uint64_t post, const char *k, const char *v)
{
	emit_meta(g, T_POSTMETA, post, k, strlen(k), v, strlen(v));
}

static void imeta(struct gen *g, uint64_t item, const char *k, const char *v)
{
	emit_meta(g, T_ITEMMETA, item, k, strlen(k), v, strlen(v));
}

static void imetaf(struct gen *g, uint64_t item, const char *k, const char *fmt, ...)
	HPOS_PRINTF(4, 5);
static void imetaf(struct gen *g, uint64_t item, const char *k, const char *fmt, ...)
{
	va_list ap;

	sb_reset(&g->tmp);
	va_start(ap, fmt);
	sb_vaddf(&g->tmp, fmt, ap);
	va_end(ap);
	emit_meta(g, T_ITEMMETA, item, k, strlen(k), g->tmp.buf, g->tmp.len);
}

static uint64_t emit_item(struct gen *g, uint64_t order, const char *name, const char *type)
{
	struct strbuf *sb = &g->t[T_ITEMS].sb;
	uint64_t id = g->next_item++;

	tb_begin_row(g, T_ITEMS);
	add_u64(sb, id);
	f_sep(sb);
	f_strs(sb, name);
	f_sep(sb);
	f_strs(sb, type);
	f_sep(sb);
	add_u64(sb, order);
	tb_end_row(g, T_ITEMS);
	return id;
}

static void emit_comment(struct gen *g, uint64_t id, uint64_t post, int64_t gmt,
			 const char *content, const char *approved)
{
	struct strbuf *sb = &g->t[T_COMMENTS].sb;
	char d[24];

	tb_begin_row(g, T_COMMENTS);
	add_u64(sb, id);
	f_sep(sb);
	add_u64(sb, post);
	f_sep(sb);
	f_lit(sb, "WooCommerce");
	f_sep(sb);
	f_lit(sb, "woocommerce@localhost");
	f_sep(sb);
	f_lit(sb, "");
	f_sep(sb);
	f_lit(sb, "");
	f_sep(sb);
	fmt_local(gmt, d);
	f_lit(sb, d);
	f_sep(sb);
	fmt_gmt(gmt, d);
	f_lit(sb, d);
	f_sep(sb);
	f_strs(sb, content);
	f_sep(sb);
	sb_addc(sb, '0');
	f_sep(sb);
	f_strs(sb, approved);
	f_sep(sb);
	f_lit(sb, "WooCommerce");
	f_sep(sb);
	f_lit(sb, "order_note");
	f_sep(sb);
	sb_addc(sb, '0');
	f_sep(sb);
	sb_addc(sb, '0');
	tb_end_row(g, T_COMMENTS);
}

/* ------------------------------------------------------------------ */
/* order meta list: built in memory so edge cases can rewrite it */

#define NOSTR ((size_t)-1)

struct kv {
	size_t k, klen, v, vlen;
};

struct mlist {
	struct kv *a;
	size_t n, cap;
	struct strbuf arena;
};

static size_t ml_str(struct mlist *m, const char *s, size_t len)
{
	size_t off;

	if (!s)
		return NOSTR;
	off = m->arena.len;
	sb_add(&m->arena, s, len);
	return off;
}

static void ml_reset(struct mlist *m)
{
	m->n = 0;
	sb_reset(&m->arena);
}

static void ml_insert_n(struct mlist *m, size_t at, const char *k, size_t klen,
			const char *v, size_t vlen)
{
	struct kv kv;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->a = xrealloc(m->a, m->cap * sizeof(*m->a));
	}
	kv.k = ml_str(m, k, klen);
	kv.klen = klen;
	kv.v = ml_str(m, v, vlen);
	kv.vlen = vlen;
	if (at > m->n)
		at = m->n;
	memmove(m->a + at + 1, m->a + at, (m->n - at) * sizeof(*m->a));
	m->a[at] = kv;
	m->n++;
}

static void ml_insert(struct mlist *m, size_t at, const char *k, const char *v)
{
	ml_insert_n(m, at, k, k ? strlen(k) : 0, v, v ? strlen(v) : 0);
}

static void ml_add(struct mlist *m, const char *k, const char *v)
{
	ml_insert(m, m->n, k, v);
}

static void ml_addf(struct mlist *m, const char *k, const char *fmt, ...) HPOS_PRINTF(3, 4);
static void ml_addf(struct mlist *m, const char *k, const char *fmt, ...)
{
	va_list ap;
	size_t koff, voff;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->a = xrealloc(m->a, m->cap * sizeof(*m->a));
	}
	koff = ml_str(m, k, strlen(k));
	voff = m->arena.len;
	va_start(ap, fmt);
	sb_vaddf(&m->arena, fmt, ap);
	va_end(ap);
	m->a[m->n].k = koff;
	m->a[m->n].klen = strlen(k);
	m->a[m->n].v = voff;
	m->a[m->n].vlen = m->arena.len - voff;
	m->n++;
}

static int ml_find(const struct mlist *m, const char *k)
{
	size_t i, kl = strlen(k);

	for (i = 0; i < m->n; i++)
		if (m->a[i].k != NOSTR && m->a[i].klen == kl &&
		    !memcmp(m->arena.buf + m->a[i].k, k, kl))
			return (int)i;
	return -1;
}

/* Replace the value of the first row with key k (append if missing). */
static void ml_set(struct mlist *m, const char *k, const char *v)
{
	int i = ml_find(m, k);

	if (i < 0) {
		ml_add(m, k, v);
		return;
	}
	m->a[i].v = ml_str(m, v, v ? strlen(v) : 0);
	m->a[i].vlen = v ? strlen(v) : 0;
}

static void ml_del(struct mlist *m, const char *k)
{
	int i;

	while ((i = ml_find(m, k)) >= 0) {
		memmove(m->a + i, m->a + i + 1, (m->n - (size_t)i - 1) * sizeof(*m->a));
		m->n--;
	}
}

static void ml_emit(struct gen *g, const struct mlist *m, uint64_t post)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct kv *kv = &m->a[i];

		emit_meta(g, T_POSTMETA, post,
			  kv->k == NOSTR ? NULL : m->arena.buf + kv->k, kv->klen,
			  kv->v == NOSTR ? NULL : m->arena.buf + kv->v, kv->vlen);
	}
}

static void ml_release(struct mlist *m)
{
	free(m->a);
	m->a = NULL;
	m->n = m->cap = 0;
	sb_release(&m->arena);
}

/* ------------------------------------------------------------------ */
/* store content */

struct product {
	const char *name, *sku;
	int64_t price;
};

static const struct product PRODUCTS[] = {
	{ "Hoodie with Logo", "woo-hoodie-with-logo", 4500 },
	{ "Beanie", "woo-beanie", 2000 },
	{ "Long Sleeve Tee", "woo-long-sleeve-tee", 2500 },
	{ "Sunglasses", "woo-sunglasses", 9000 },
	{ "Hoodie with Zipper", "woo-hoodie-with-zipper", 4500 },
	{ "Cap", "woo-cap", 1800 },
	{ "Belt", "woo-belt", 6500 },
	{ "T-Shirt", "woo-tshirt", 1800 },
	{ "Polo", "woo-polo", 2000 },
	{ "Album", "woo-album", 1500 },
	{ "Single", "woo-single", 300 },
	{ "Café au lait mug ☕", "mug-cafe", 1250 },
};

struct place {
	const char *country, *state, *city, *postcode, *phone, *tax_label;
	int tax_bp; /* basis points */
};

static const struct place PLACES[] = {
	{ "US", "NY", "New York", "10001", "+1 555 ", "NY Tax", 888 },
	{ "US", "CA", "San Francisco", "94110", "+1 555 ", "CA Tax", 863 },
	{ "US", "TX", "Austin", "78701", "+1 555 ", "TX Tax", 825 },
	{ "US", "NJ", "Princeton", "08540", "+1 609 ", "NJ Tax", 663 },
	{ "CA", "QC", "Montréal", "H2X 1Y4", "+1 514 ", "GST", 500 },
	{ "CA", "ON", "Toronto", "M5V 2T6", "+1 416 ", "HST", 1300 },
	{ "GB", "", "London", "SW1A 1AA", "+44 20 7946 ", "VAT", 2000 },
	{ "DE", "", "München", "80331", "+49 89 ", "MwSt.", 1900 },
	{ "DE", "", "Köln", "50667", "+49 221 ", "MwSt.", 1900 },
	{ "FR", "", "Paris", "75001", "+33 1 ", "TVA", 2000 },
	{ "JP", "JP13", "東京", "100-0001", "+81 3 ", "消費税", 1000 },
	{ "NG", "LA", "Lagos", "100001", "+234 1 ", "VAT", 750 },
	{ "IN", "MH", "Mumbai", "400001", "+91 22 ", "GST", 1800 },
};

static const char *const FIRST[] = {
	"John", "Jane", "Chloé", "Zoë", "Øyvind", "Li", "Aarav", "José", "Jürgen",
	"Amélie", "Søren", "Priya", "Wei", "Fatima", "Oliver", "Emma", "Yuki",
	"María", "François", "陽翔", "Ольга", "Noah",
};
static const char *const LAST[] = {
	"Smith", "Ångström", "D'Angelo", "García-López", "Wang", "Müller", "O'Brien",
	"Nguyễn", "山田", "Schröder", "Dubois", "Kowalski", "Patel", "Johnson",
	"Rossi", "Иванова",
};
static const char *const COMPANY[] = {
	"Umbrella \"Corp\"", "Acme & Sons", "Société Générale", "Müller GmbH",
	"株式会社テスト", "Initech", "Globex 🚀 Ltd",
};
static const char *const STREET[] = {
	"Elm Ave", "Main St", "High Street", "Rue de la Paix", "Hauptstraße",
	"Calle Mayor", "Bahnhofstraße", "銀座通り",
};
static const char *const ADDR2[] = { "Apt %d", "Suite %d", "🏠 Unit %d", "Étage %d" };

struct gateway {
	const char *id, *title;
};
static const struct gateway GATEWAYS[] = {
	{ "stripe", "Credit Card (Stripe)" },
	{ "stripe", "Credit Card (Stripe)" },
	{ "ppcp-gateway", "PayPal" },
	{ "ppcp-gateway", "PayPal" },
	{ "cod", "Cash on delivery" },
	{ "bacs", "Direct bank transfer" },
	{ "cheque", "Check payments" },
};
static const char *const AGENTS[] = {
	"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"WooCommerce iOS/19.1",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
};
static const char *const NOTES_EXCERPT[] = {
	"Please leave at the door.",
	"Bitte nicht klingeln – Baby schläft.",
	"Call me \"before\" delivery; thanks!\nSecond line.",
	"配達前に電話してください",
	"Gift 🎁 — please don't include the invoice",
};
static const char *const GIFT[] = {
	"Joyeux Noël", "Happy birthday! 🎂", "Alles Gute zum Geburtstag", "お誕生日おめでとう",
	"<b>Love</b> you & \"thanks\"", "Line one\nLine two",
};
static const char *const STATUS_LABEL[] = {
	"Pending payment", "Processing", "On hold", "Completed", "Cancelled", "Failed", "Refunded",
};

enum ost {
	S_COMPLETED, S_PROCESSING, S_ONHOLD, S_PENDING, S_CANCELLED, S_FAILED,
	S_REFUNDED, S_CHECKOUT_DRAFT, S_DRAFT, S_TRASH, S_AUTODRAFT,
};

static const char *const STATUS_NAME[] = {
	"wc-completed", "wc-processing", "wc-on-hold", "wc-pending", "wc-cancelled",
	"wc-failed", "wc-refunded", "wc-checkout-draft", "draft", "trash", "auto-draft",
};

static enum ost pick_status(struct rng *r)
{
	static const unsigned cum[] = { 550, 700, 750, 800, 850, 880, 910, 940, 960, 980, 1000 };
	uint64_t x = rng_below(r, 1000);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cum); i++)
		if (x < cum[i])
			return (enum ost)i;
	return S_COMPLETED;
}

/* ------------------------------------------------------------------ */
/* order generation */

struct line {
	uint64_t item_id, product_id;
	const char *name;
	int qty;
	int64_t sub, sub_tax, total, tax;
};

struct refund_req {
	uint64_t order_id;
	uint64_t due;
	int64_t when;
	int full;
	int tax_rate_id;
	char currency[8];
	int nlines;
	struct line line[5];
	uint64_t ship_item;
	int64_t ship, ship_tax;
	int64_t cart_tax;
	int64_t total;
};

struct addr {
	char first[64], last[64], company[64], a1[64], a2[64], city[64], state[16],
		postcode[16], country[8], email[80], phone[32];
};

static void make_addr(struct rng *r, struct addr *a, const char *email)
{
	const struct place *pl = &PICK(r, PLACES);

	memset(a, 0, sizeof(*a));
	snprintf(a->first, sizeof(a->first), "%s", PICK(r, FIRST));
	snprintf(a->last, sizeof(a->last), "%s", PICK(r, LAST));
	if (rng_pm(r, 150))
		snprintf(a->company, sizeof(a->company), "%s", PICK(r, COMPANY));
	snprintf(a->a1, sizeof(a->a1), "%d %s", (int)rng_range(r, 1, 9999), PICK(r, STREET));
	if (rng_pm(r, 250)) {
		const char *f = PICK(r, ADDR2);

		/* the format strings are the fixed ADDR2 table */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(a->a2, sizeof(a->a2), f, (int)rng_range(r, 1, 500));
#pragma GCC diagnostic pop
	}
	snprintf(a->city, sizeof(a->city), "%s", pl->city);
	snprintf(a->state, sizeof(a->state), "%s", pl->state);
	snprintf(a->postcode, sizeof(a->postcode), "%s", pl->postcode);
	snprintf(a->country, sizeof(a->country), "%s", pl->country);
	if (email)
		snprintf(a->email, sizeof(a->email), "%s", email);
	if (rng_pm(r, 780))
		snprintf(a->phone, sizeof(a->phone), "%s%07d", pl->phone,
			 (int)rng_below(r, 10000000));
}

static const struct place *place_of(const char *country, const char *city)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(PLACES); i++)
		if (!strcmp(PLACES[i].country, country) && !strcmp(PLACES[i].city, city))
			return &PLACES[i];
	return &PLACES[0];
}

static void add_addr_meta(struct mlist *m, const char *pfx, const struct addr *a, int billing)
{
	char k[40];
#define AM(field, name)                                            \
	do {                                                       \
		if (a->field[0]) {                                 \
			snprintf(k, sizeof(k), "_%s_%s", pfx, name); \
			ml_add(m, k, a->field);                    \
		}                                                  \
	} while (0)
	AM(first, "first_name");
	AM(last, "last_name");
	AM(company, "company");
	AM(a1, "address_1");
	AM(a2, "address_2");
	AM(city, "city");
	AM(state, "state");
	AM(postcode, "postcode");
	AM(country, "country");
	if (billing)
		AM(email, "email");
	AM(phone, "phone");
#undef AM
}

static void addr_index(struct mlist *m, const char *key, const struct addr *a, int billing)
{
	if (billing)
		ml_addf(m, key, "%s %s %s %s %s %s %s %s %s %s %s", a->first, a->last,
			a->company, a->a1, a->a2, a->city, a->state, a->postcode, a->country,
			a->email, a->phone);
	else
		ml_addf(m, key, "%s %s %s %s %s %s %s %s %s %s", a->first, a->last,
			a->company, a->a1, a->a2, a->city, a->state, a->postcode, a->country,
			a->phone);
}

static void rand_alnum(struct rng *r, char *buf, size_t n)
{
	static const char A[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = A[rng_below(r, sizeof(A) - 1)];
	buf[n] = '\0';
}

static void rand_hex(struct rng *r, char *buf, size_t n)
{
	static const char H[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = H[rng_below(r, 16)];
	buf[n] = '\0';
}

/* PHP serialize() of a string. */
static void ser_str(struct strbuf *sb, const char *s)
{
	sb_addf(sb, "s:%zu:\"%s\";", strlen(s), s);
}

static void tax_data(struct strbuf *sb, int rate, int64_t total, int64_t sub, int with_sub)
{
	char a[32], b[32];

	sb_reset(sb);
	if (!rate) {
		sb_adds(sb, with_sub ? "a:2:{s:5:\"total\";a:0:{}s:8:\"subtotal\";a:0:{}}"
				     : "a:1:{s:5:\"total\";a:0:{}}");
		return;
	}
	fmt_dec(total, a, sizeof(a));
	fmt_dec(sub, b, sizeof(b));
	sb_addf(sb, "a:%d:{s:5:\"total\";a:1:{i:%d;", with_sub ? 2 : 1, rate);
	ser_str(sb, a);
	sb_adds(sb, "}");
	if (with_sub) {
		sb_addf(sb, "s:8:\"subtotal\";a:1:{i:%d;", rate);
		ser_str(sb, b);
		sb_adds(sb, "}");
	}
	sb_adds(sb, "}");
}

static int64_t pct(int64_t cents, int bp)
{
	return (cents * bp + 5000) / 10000;
}

static void guid_for(char *buf, size_t len, const char *type, uint64_t id, int raw_amp)
{
	snprintf(buf, len, "http://localhost/?post_type=%s%sp=%" PRIu64, type,
		 raw_amp ? "&" : "&#038;", id);
}

static void unique_slug(struct gen *g, char *slug, size_t len)
{
	if (!strcmp(slug, g->last_slug)) {
		size_t l = strlen(slug);

		g->slug_dup++;
		snprintf(slug + l, len - l, "-%u", g->slug_dup + 1);
	} else {
		snprintf(g->last_slug, sizeof(g->last_slug), "%s", slug);
		g->slug_dup = 0;
	}
}

/* Edge case hook: called with the order's meta list and post row before
 * they are written. */
struct edge;
typedef void (*edge_fn)(struct gen *g, struct mlist *m, struct postrow *p);

struct edge {
	const char *name;
	int bad;
	edge_fn fn;
};

static void refund_emit(struct gen *g, const struct refund_req *rq, uint64_t parent_override);

static void queue_refund(struct gen *g, const struct refund_req *rq)
{
	if (g->n_pend == g->cap_pend) {
		g->cap_pend = g->cap_pend ? 2 * g->cap_pend : 16;
		g->pend = xrealloc(g->pend, g->cap_pend * sizeof(*g->pend));
	}
	g->pend[g->n_pend++] = *rq;
}

static void flush_refunds(struct gen *g, uint64_t now_index, int all)
{
	size_t i = 0;

	while (i < g->n_pend) {
		if (all || g->pend[i].due <= now_index) {
			struct refund_req rq = g->pend[i];

			memmove(g->pend + i, g->pend + i + 1,
				(g->n_pend - i - 1) * sizeof(*g->pend));
			g->n_pend--;
			refund_emit(g, &rq, 0);
		} else {
			i++;
		}
	}
}

#define T_START 1672531200LL /* 2023-01-01 00:00:00 UTC */
#define T_SPAN (1767225600LL - T_START - 86400LL * 40)

static struct mlist g_ml;

static void gen_order(struct gen *g, uint64_t index, uint64_t count, const struct edge *edge)
{
	struct rng *r = &g->r;
	struct mlist *m = &g_ml;
	struct postrow p;
	enum ost st, eff;
	uint64_t id = g->next_post++;
	int64_t created, paid = 0, completed = 0, modified, trash_time = 0;
	int guest, has_ship_addr, sparse, paid_flag, completed_flag, n_notes = 0;
	uint64_t customer = 0, comment0 = 0;
	char key[32], title[96], slug[96], guid[96], buf[4096], ip[48], txn[48], d[24];
	struct addr bill, ship;
	const struct gateway *gw;
	const struct place *pl;
	struct line lines[5];
	int nlines, i, rate = 0, taxed;
	int64_t ship_cost = 0, ship_tax = 0, discount = 0, discount_tax = 0, fee = 0,
		fee_tax = 0, cart_tax = 0, total = 0;
	int has_shipping_line, has_coupon, has_fee, stock_reduced;
	const char *created_via, *currency;
	struct refund_req rq;
	int want_refund = 0;
	int64_t refund_when = 0;

	ml_reset(m);
	memset(&p, 0, sizeof(p));
	st = edge ? (!strcmp(edge->name, "zero-post-date") ? S_DRAFT : S_COMPLETED)
		  : pick_status(r);
	eff = st;
	if (st == S_TRASH) {
		static const enum ost prev[] = { S_COMPLETED, S_COMPLETED, S_CANCELLED,
						 S_PENDING, S_FAILED };
		eff = PICK(r, prev);
	}

	/* dates: ascending over 2023-2025 with jitter */
	created = T_START + (int64_t)((unsigned __int128)index * (uint64_t)T_SPAN / (count ? count : 1));
	created += (int64_t)rng_below(r, (uint64_t)(T_SPAN / (int64_t)(count ? count : 1)) + 1);
	modified = created + rng_range(r, 0, 600);

	rand_alnum(r, key + 9, 13);
	memcpy(key, "wc_order_", 9);

	if (st == S_AUTODRAFT) {
		snprintf(guid, sizeof(guid), "http://localhost/?post_type=shop_order&p=%" PRIu64, id);
		snprintf(buf, sizeof(buf), "%" PRId64 ":1", modified);
		ml_add(m, "_edit_lock", buf);
		p.id = id;
		p.author = 1;
		p.date_gmt = created;
		p.mod_gmt = modified;
		p.title = "AUTO-DRAFT";
		p.status = "auto-draft";
		p.comment_status = "closed";
		p.ping_status = "closed";
		p.guid = guid;
		p.type = "shop_order";
		if (edge && edge->fn)
			edge->fn(g, m, &p);
		emit_post(g, &p);
		ml_emit(g, m, id);
		g->n_orders++;
		return;
	}

	guest = rng_pm(r, 350);
	sparse = rng_pm(r, 40) && !edge;
	if (!guest)
		customer = 2 + rng_below(r, 5000);
	{
		/* a customer has a stable identity derived from the seed */
		struct rng cr = { g->o->seed * 0x9E3779B97F4A7C15ull + customer * 7919 };
		char email[80];

		if (guest)
			snprintf(email, sizeof(email), "guest%u@example.org",
				 (unsigned)rng_below(r, 1000000));
		else
			snprintf(email, sizeof(email), "customer%" PRIu64 "@example.com", customer);
		make_addr(guest ? r : &cr, &bill, email);
	}
	has_ship_addr = !sparse && (!rng_pm(r, 200) || edge);
	if (has_ship_addr) {
		if (rng_pm(r, 700)) {
			ship = bill;
			ship.email[0] = '\0';
		} else {
			make_addr(r, &ship, NULL);
		}
	} else {
		memset(&ship, 0, sizeof(ship));
	}
	if (sparse) {
		char e[80];

		snprintf(e, sizeof(e), "%s", bill.email);
		memset(&bill, 0, sizeof(bill));
		snprintf(bill.email, sizeof(bill.email), "%s", e);
	}
	pl = bill.country[0] ? place_of(bill.country, bill.city) : &PLACES[0];
	gw = &PICK(r, GATEWAYS);
	currency = rng_pm(r, 50) ? "EUR" : "USD";
	switch (st) {
	case S_CHECKOUT_DRAFT: created_via = "store-api"; break;
	case S_DRAFT: created_via = "admin"; break;
	default: {
		static const char *const via[] = { "checkout", "checkout", "checkout",
						   "store-api", "store-api", "admin", "rest-api" };

		created_via = sparse ? "admin" : PICK(r, via);
	}
	}

	paid_flag = eff == S_COMPLETED || eff == S_PROCESSING || eff == S_REFUNDED;
	completed_flag = eff == S_COMPLETED || (eff == S_REFUNDED && rng_pm(r, 500));
	stock_reduced = paid_flag || eff == S_ONHOLD;
	if (paid_flag)
		paid = created + rng_range(r, 5, 900);
	if (completed_flag) {
		completed = (paid ? paid : created) + rng_range(r, 3600, 86400 * 6);
		modified = completed;
	} else if (paid) {
		modified = paid + rng_range(r, 0, 60);
	}
	if (edge && st == S_COMPLETED && !paid) {
		paid_flag = 1;
		paid = created + 60;
	}

	/* items */
	{
		static const int nl_w[] = { 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5 };

		nlines = PICK(r, nl_w);
	}
	taxed = rng_pm(r, 750);
	rate = taxed ? (int)(1 + (pl - PLACES)) : 0;
	has_coupon = rng_pm(r, 250);
	has_fee = rng_pm(r, 150);
	has_shipping_line = rng_pm(r, has_ship_addr ? 950 : 500);
	for (i = 0; i < nlines; i++) {
		size_t pi = rng_below(r, ARRAY_SIZE(PRODUCTS));
		struct line *l = &lines[i];

		l->product_id = g->n_products ? g->product_id[pi % g->n_products] : 10 + pi;
		l->name = PRODUCTS[pi].name;
		l->qty = (int)rng_range(r, 1, 4);
		l->sub = PRODUCTS[pi].price * l->qty;
		l->total = has_coupon ? l->sub - pct(l->sub, 1000) : l->sub;
		l->sub_tax = taxed ? pct(l->sub, pl->tax_bp) : 0;
		l->tax = taxed ? pct(l->total, pl->tax_bp) : 0;
		discount += l->sub - l->total;
		discount_tax += l->sub_tax - l->tax;
		cart_tax += l->tax;
		total += l->total;
	}
	if (has_shipping_line) {
		static const int64_t costs[] = { 1000, 1234, 500, 0, 1000 };

		ship_cost = PICK(r, costs);
		ship_tax = taxed ? pct(ship_cost, pl->tax_bp) : 0;
	}
	if (has_fee) {
		fee = 350;
		fee_tax = taxed ? pct(fee, pl->tax_bp) : 0;
		cart_tax += fee_tax;
		total += fee;
	}
	total += ship_cost + ship_tax + cart_tax;

	/* ---- post meta, in WooCommerce's order ---- */
	ml_add(m, "_order_key", key);
	ml_addf(m, "_customer_user", "%" PRIu64, customer);
	if (!sparse) {
		ml_add(m, "_payment_method", gw->id);
		ml_add(m, "_payment_method_title", gw->title);
		if (rng_pm(r, 850))
			snprintf(ip, sizeof(ip), "203.0.113.%d", (int)rng_range(r, 1, 254));
		else
			snprintf(ip, sizeof(ip), "2001:db8::%x", (unsigned)rng_below(r, 65536));
		ml_add(m, "_customer_ip_address", ip);
		ml_add(m, "_customer_user_agent", PICK(r, AGENTS));
	}
	ml_add(m, "_created_via", created_via);
	if (st == S_CHECKOUT_DRAFT || (!strcmp(created_via, "checkout") && rng_pm(r, 300))) {
		rand_hex(r, buf, 32);
		ml_add(m, "_cart_hash", buf);
	}
	ml_add(m, "_download_permissions_granted", paid_flag ? "yes" : "no");
	ml_add(m, "_recorded_sales", paid_flag || eff == S_ONHOLD ? "yes" : "no");
	ml_add(m, "_recorded_coupon_usage_counts", paid_flag || eff == S_ONHOLD ? "yes" : "no");
	ml_add(m, "_new_order_email_sent", (paid_flag || eff == S_ONHOLD) && rng_pm(r, 900) ? "true" : "false");
	ml_add(m, "_order_stock_reduced", stock_reduced ? "yes" : "no");
	add_addr_meta(m, "billing", &bill, 1);
	add_addr_meta(m, "shipping", &ship, 0);
	ml_add(m, "_order_currency", currency);
	fmt_dec(discount, buf, sizeof(buf));
	ml_add(m, "_cart_discount", buf);
	fmt_dec(discount_tax, buf, sizeof(buf));
	ml_add(m, "_cart_discount_tax", buf);
	fmt_dec(ship_cost, buf, sizeof(buf));
	ml_add(m, "_order_shipping", buf);
	fmt_dec(ship_tax, buf, sizeof(buf));
	ml_add(m, "_order_shipping_tax", buf);
	fmt_dec(cart_tax, buf, sizeof(buf));
	ml_add(m, "_order_tax", buf);
	fmt_dec2(total, buf, sizeof(buf));
	ml_add(m, "_order_total", buf);
	ml_add(m, "_order_version", "9.9.5");
	ml_add(m, "_prices_include_tax", "no");
	addr_index(m, "_billing_address_index", &bill, 1);
	addr_index(m, "_shipping_address_index", &ship, 0);

	/* custom and plugin meta */
	if ((eff == S_COMPLETED || eff == S_PROCESSING) && rng_pm(r, 400)) {
		static const char *const carriers[] = { "UPS", "USPS", "DHL", "La Poste" };
		const char *c = PICK(r, carriers);
		char num[16];

		rand_alnum(r, num, 12);
		sb_reset(&g->tmp);
		sb_adds(&g->tmp, "a:3:{s:7:\"carrier\";");
		ser_str(&g->tmp, c);
		sb_adds(&g->tmp, "s:6:\"number\";");
		ser_str(&g->tmp, num);
		sb_adds(&g->tmp, "s:5:\"items\";a:2:{i:0;i:1;i:1;i:2;}}");
		ml_add(m, "_tracking", g->tmp.buf);
	}
	if (rng_pm(r, 220)) {
		/* a multi-valued key */
		ml_add(m, "utm_source", "newsletter");
		ml_add(m, "utm_source", "google");
		if (rng_pm(r, 300))
			ml_add(m, "utm_source", "facebook");
	}
	if (rng_pm(r, 300)) {
		static const char *const src[] = { "utm", "referral", "typein", "organic" };
		const char *s = PICK(r, src);

		ml_add(m, "_wc_order_attribution_source_type", s);
		if (!strcmp(s, "referral"))
			ml_add(m, "_wc_order_attribution_referrer", "https://www.example.net/blog/");
		if (!strcmp(s, "utm")) {
			ml_add(m, "_wc_order_attribution_utm_source", "newsletter");
			ml_add(m, "_wc_order_attribution_utm_medium", "email");
		}
		fmt_gmt(created - rng_range(r, 60, 3600), d);
		ml_add(m, "_wc_order_attribution_session_entry", "http://localhost/shop/");
		ml_add(m, "_wc_order_attribution_session_start_time", d);
		ml_addf(m, "_wc_order_attribution_session_pages", "%d", (int)rng_range(r, 1, 20));
		ml_addf(m, "_wc_order_attribution_session_count", "%d", (int)rng_range(r, 1, 5));
		ml_add(m, "_wc_order_attribution_user_agent", PICK(r, AGENTS));
		ml_add(m, "_wc_order_attribution_device_type", rng_pm(r, 500) ? "Desktop" : "Mobile");
	}
	if (rng_pm(r, 400))
		ml_add(m, "gift_message", PICK(r, GIFT));
	if (rng_pm(r, 80))
		ml_add(m, "is_vat_exempt", rng_pm(r, 300) ? "yes" : "no");
	if (rng_pm(r, 60))
		ml_add(m, "empty_value_meta", "");
	if (rng_pm(r, 15)) {
		memset(buf, 'x', 3000);
		buf[3000] = '\0';
		memcpy(buf, "Ünïcödé ", 12);
		ml_add(m, "big_meta", buf);
	}
	if (paid_flag && strcmp(gw->id, "cod") && rng_pm(r, 950)) {
		rand_hex(r, txn + 4, 16);
		memcpy(txn, !strcmp(gw->id, "stripe") ? "pi_3" : "txn_", 4);
		ml_add(m, "_transaction_id", txn);
	}
	if (paid) {
		ml_addf(m, "_date_paid", "%" PRId64, paid);
		fmt_local(paid, d);
		ml_add(m, "_paid_date", d);
	}
	if (completed) {
		ml_addf(m, "_date_completed", "%" PRId64, completed);
		fmt_local(completed, d);
		ml_add(m, "_completed_date", d);
	}

	/* order notes */
	if (st != S_CHECKOUT_DRAFT && st != S_DRAFT && rng_pm(r, 550))
		n_notes = (int)rng_range(r, 1, 3);
	comment0 = g->next_comment;
	g->next_comment += (uint64_t)n_notes;

	/* refund decision; refunding updates the order */
	if (!edge && (eff == S_REFUNDED ||
		      ((eff == S_COMPLETED || eff == S_PROCESSING) && st != S_TRASH &&
		       rng_pm(r, 70)))) {
		want_refund = 1;
		refund_when = (completed ? completed : paid ? paid : created) +
			      rng_range(r, 600, 86400 * 20);
		if (refund_when > modified)
			modified = refund_when;
	}

	if (st == S_TRASH) {
		trash_time = modified + rng_range(r, 3600, 86400 * 30);
		ml_add(m, "_wp_trash_meta_status", STATUS_NAME[eff]);
		ml_addf(m, "_wp_trash_meta_time", "%" PRId64, trash_time);
	}

	/* ---- post row ---- */
	title_and_slug(created, "Order", "order", title, sizeof(title), slug, sizeof(slug));
	unique_slug(g, slug, sizeof(slug));
	if (st == S_TRASH) {
		ml_add(m, "_wp_desired_post_slug", slug);
		if (n_notes) {
			sb_reset(&g->tmp);
			sb_addf(&g->tmp, "a:%d:{", n_notes);
			for (i = 0; i < n_notes; i++)
				sb_addf(&g->tmp, "i:%" PRIu64 ";s:1:\"1\";", comment0 + (uint64_t)i);
			sb_adds(&g->tmp, "}");
			ml_add(m, "_wp_trash_meta_comments_status", g->tmp.buf);
		}
		strcat(slug, "__trashed");
		modified = trash_time;
	}
	guid_for(guid, sizeof(guid), "shop_order", id,
		 st == S_PENDING || st == S_DRAFT);
	p.id = id;
	p.author = 1;
	p.date_gmt = created;
	p.mod_gmt = modified;
	p.title = title;
	p.excerpt = rng_pm(r, 80) ? PICK(r, NOTES_EXCERPT) : "";
	p.status = STATUS_NAME[st];
	p.comment_status = "open";
	p.ping_status = "closed";
	p.password = key;
	p.name = slug;
	p.guid = guid;
	p.type = "shop_order";
	p.comment_count = st == S_TRASH ? 0 : n_notes;

	if (edge) {
		ml_add(m, "_hposctl_edge_case", edge->name);
		if (edge->bad)
			ml_add(m, "_hposctl_bad", "1");
		if (edge->fn)
			edge->fn(g, m, &p);
	}
	emit_post(g, &p);
	ml_emit(g, m, id);
	g->n_orders++;

	/* ---- order items ---- */
	for (i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		char a[32];

		l->item_id = emit_item(g, id, l->name, "line_item");
		snprintf(a, sizeof(a), "%" PRIu64, l->product_id);
		imeta(g, l->item_id, "_product_id", a);
		imeta(g, l->item_id, "_variation_id", "0");
		imetaf(g, l->item_id, "_qty", "%d", l->qty);
		imeta(g, l->item_id, "_tax_class", "");
		fmt_dec(l->sub, a, sizeof(a));
		imeta(g, l->item_id, "_line_subtotal", a);
		fmt_dec(l->sub_tax, a, sizeof(a));
		imeta(g, l->item_id, "_line_subtotal_tax", a);
		fmt_dec(l->total, a, sizeof(a));
		imeta(g, l->item_id, "_line_total", a);
		fmt_dec(l->tax, a, sizeof(a));
		imeta(g, l->item_id, "_line_tax", a);
		tax_data(&g->tmp, rate, l->tax, l->sub_tax, 1);
		imeta(g, l->item_id, "_line_tax_data", g->tmp.buf);
	}
	{
		uint64_t ship_item = 0;

		if (has_shipping_line) {
			char a[32];

			ship_item = emit_item(g, id, ship_cost ? "Flat rate" : "Free shipping", "shipping");
			imeta(g, ship_item, "method_id", ship_cost ? "flat_rate" : "free_shipping");
			imeta(g, ship_item, "instance_id", ship_cost ? "1" : "2");
			fmt_dec2(ship_cost, a, sizeof(a));
			imeta(g, ship_item, "cost", a);
			fmt_dec(ship_tax, a, sizeof(a));
			imeta(g, ship_item, "total_tax", a);
			tax_data(&g->tmp, rate, ship_tax, 0, 0);
			imeta(g, ship_item, "taxes", g->tmp.buf);
			sb_reset(&g->tmp);
			for (i = 0; i < nlines; i++)
				sb_addf(&g->tmp, "%s%s &times; %d", i ? ", " : "", lines[i].name,
					lines[i].qty);
			imeta(g, ship_item, "Items", g->tmp.buf);
		}
		if (has_fee) {
			uint64_t it = emit_item(g, id, "Gift wrap", "fee");
			char a[32];

			imeta(g, it, "_fee_amount", "3.50");
			imeta(g, it, "_tax_class", "");
			imeta(g, it, "_tax_status", "taxable");
			imeta(g, it, "_line_total", "3.50");
			fmt_dec(fee_tax, a, sizeof(a));
			imeta(g, it, "_line_tax", a);
			tax_data(&g->tmp, rate, fee_tax, 0, 0);
			imeta(g, it, "_line_tax_data", g->tmp.buf);
		}
		if (has_coupon) {
			uint64_t it = emit_item(g, id, "summer10", "coupon");
			char a[32];

			fmt_dec(discount, a, sizeof(a));
			imeta(g, it, "discount_amount", a);
			fmt_dec(discount_tax, a, sizeof(a));
			imeta(g, it, "discount_amount_tax", a);
			imetaf(g, it, "coupon_info", "[%d,\"summer10\",\"percent\",10,false]", 27);
		}
		if (rate) {
			uint64_t it;
			char a[32], name[48];

			snprintf(name, sizeof(name), "%s-%s%sTAX-1", pl->country, pl->state,
				 pl->state[0] ? "-" : "");
			it = emit_item(g, id, name, "tax");
			imetaf(g, it, "rate_id", "%d", rate);
			imeta(g, it, "label", pl->tax_label);
			imeta(g, it, "compound", "");
			fmt_dec(cart_tax, a, sizeof(a));
			imeta(g, it, "tax_amount", a);
			fmt_dec(ship_tax, a, sizeof(a));
			imeta(g, it, "shipping_tax_amount", a);
			imetaf(g, it, "rate_percent", "%g", pl->tax_bp / 100.0);
		}
		if (stock_reduced)
			for (i = 0; i < nlines; i++)
				imetaf(g, lines[i].item_id, "_reduced_stock", "%d", lines[i].qty);

		if (want_refund) {
			memset(&rq, 0, sizeof(rq));
			rq.order_id = id;
			rq.full = eff == S_REFUNDED;
			rq.when = refund_when;
			rq.due = index + 1 + rng_below(r, 8);
			rq.tax_rate_id = rate;
			snprintf(rq.currency, sizeof(rq.currency), "%s", currency);
			rq.nlines = nlines;
			memcpy(rq.line, lines, sizeof(lines));
			rq.ship_item = ship_item;
			rq.ship = ship_cost;
			rq.ship_tax = ship_tax;
			rq.total = total;
			rq.cart_tax = cart_tax;
			queue_refund(g, &rq);
		}
	}

	/* ---- order notes ---- */
	for (i = 0; i < n_notes; i++) {
		int64_t t = created + 30 + i * rng_range(r, 60, 7200);
		const char *appr = st == S_TRASH ? "post-trashed" : "1";
		uint64_t cid = comment0 + (uint64_t)i;

		if (t > modified)
			t = modified;
		if (i == 0 && paid_flag) {
			snprintf(buf, sizeof(buf), "Order status changed from %s to %s.",
				 STATUS_LABEL[0], eff == S_PROCESSING ? "Processing" : "Completed");
		} else if (i == 1 && stock_reduced && nlines) {
			snprintf(buf, sizeof(buf), "Stock levels reduced: %s (%s) %d&rarr;%d",
				 lines[0].name, "sku", 40, 40 - lines[0].qty);
		} else if (i == 2) {
			snprintf(buf, sizeof(buf), "Your order is on its way — Tracking: 1Z%010u",
				 (unsigned)rng_below(r, 1000000000));
		} else {
			snprintf(buf, sizeof(buf), "Order status changed from %s to %s.",
				 STATUS_LABEL[0], STATUS_LABEL[1 + rng_below(r, 6)]);
		}
		emit_comment(g, cid, id, t, buf, appr);
		if (i == 2)
			emit_meta(g, T_COMMENTMETA, cid, "is_customer_note", 16, "1", 1);
	}
}

static void refund_emit(struct gen *g, const struct refund_req *rq, uint64_t parent_override)
{
	struct rng *r = &g->r;
	uint64_t id = g->next_post++;
	struct postrow p;
	char key[32], title[96], slug[96], guid[96], a[48];
	int64_t amount = 0, ship = 0, ship_tax = 0, tax = 0;
	int i, nl;
	uint64_t items[6];
	const char *reason;

	memset(&p, 0, sizeof(p));
	rand_alnum(r, key + 9, 13);
	memcpy(key, "wc_order_", 9);
	title_and_slug(rq->when, "Refund", "refund", title, sizeof(title), slug, sizeof(slug));
	unique_slug(g, slug, sizeof(slug));
	guid_for(guid, sizeof(guid), "shop_order_refund", id, 1);
	p.id = id;
	p.author = 1;
	p.parent = parent_override ? parent_override : rq->order_id;
	p.date_gmt = rq->when;
	p.mod_gmt = rq->when;
	p.title = title;
	p.status = "wc-completed";
	p.comment_status = "closed";
	p.ping_status = "closed";
	p.password = key;
	p.name = slug;
	p.guid = guid;
	p.type = "shop_order_refund";
	emit_post(g, &p);
	g->n_refunds++;

	nl = rq->full ? rq->nlines : 1;
	for (i = 0; i < nl; i++) {
		const struct line *l = &rq->line[i];
		int64_t t = rq->full ? l->total : l->total / l->qty;
		int64_t tx = rq->full ? l->tax : l->tax / l->qty;

		amount += t + tx;
		tax += tx;
	}
	if (rq->full && rq->ship_item) {
		ship = rq->ship;
		ship_tax = rq->ship_tax;
	}
	if (rq->full)
		amount = rq->total;
	reason = rq->full ? (rng_pm(r, 500) ? "Order fully refunded" : "")
			  : (rng_pm(r, 600) ? "Wrong size" : "Damaged in transit – sorry ☹");

	pmeta(g, id, "_order_currency", rq->currency);
	pmeta(g, id, "_cart_discount", "0");
	pmeta(g, id, "_cart_discount_tax", "0");
	fmt_dec(-ship, a, sizeof(a));
	pmeta(g, id, "_order_shipping", a);
	fmt_dec(-ship_tax, a, sizeof(a));
	pmeta(g, id, "_order_shipping_tax", a);
	fmt_dec(-(rq->full ? rq->cart_tax : tax), a, sizeof(a));
	pmeta(g, id, "_order_tax", a);
	fmt_dec2(-amount, a, sizeof(a));
	pmeta(g, id, "_order_total", a);
	pmeta(g, id, "_order_version", "9.9.5");
	pmeta(g, id, "_prices_include_tax", "no");
	fmt_dec2(amount, a, sizeof(a));
	pmeta(g, id, "_refund_amount", a);
	pmeta(g, id, "_refunded_by", "1");
	pmeta(g, id, "_refunded_payment", rng_pm(r, 500) ? "1" : "");
	pmeta(g, id, "_refund_reason", reason);

	for (i = 0; i < nl; i++) {
		const struct line *l = &rq->line[i];
		int q = rq->full ? l->qty : 1;
		int64_t sub = rq->full ? l->sub : l->sub / l->qty;
		int64_t t = rq->full ? l->total : l->total / l->qty;
		int64_t tx = rq->full ? l->tax : l->tax / l->qty;
		int64_t stx = rq->full ? l->sub_tax : l->sub_tax / l->qty;

		items[i] = emit_item(g, id, l->name, "line_item");
		snprintf(a, sizeof(a), "%" PRIu64, l->product_id);
		imeta(g, items[i], "_product_id", a);
		imeta(g, items[i], "_variation_id", "0");
		imetaf(g, items[i], "_qty", "%d", -q);
		imeta(g, items[i], "_tax_class", "");
		fmt_dec(-sub, a, sizeof(a));
		imeta(g, items[i], "_line_subtotal", a);
		fmt_dec(-stx, a, sizeof(a));
		imeta(g, items[i], "_line_subtotal_tax", a);
		fmt_dec(-t, a, sizeof(a));
		imeta(g, items[i], "_line_total", a);
		fmt_dec(-tx, a, sizeof(a));
		imeta(g, items[i], "_line_tax", a);
		tax_data(&g->tmp, rq->tax_rate_id, -tx, -stx, 1);
		imeta(g, items[i], "_line_tax_data", g->tmp.buf);
		imetaf(g, items[i], "_refunded_item_id", "%" PRIu64, l->item_id);
	}
	if (rq->full && rq->ship_item) {
		uint64_t it = emit_item(g, id, rq->ship ? "Flat rate" : "Free shipping", "shipping");

		imeta(g, it, "method_id", rq->ship ? "flat_rate" : "free_shipping");
		imeta(g, it, "instance_id", rq->ship ? "1" : "2");
		fmt_dec(-rq->ship, a, sizeof(a));
		imeta(g, it, "cost", a);
		fmt_dec(-rq->ship_tax, a, sizeof(a));
		imeta(g, it, "total_tax", a);
		tax_data(&g->tmp, rq->tax_rate_id, -rq->ship_tax, 0, 0);
		imeta(g, it, "taxes", g->tmp.buf);
		imetaf(g, it, "_refunded_item_id", "%" PRIu64, rq->ship_item);
	}
	/* restocking adds a row to the original item */
	if (rq->nlines && rng_pm(r, 600))
		imetaf(g, rq->line[0].item_id, "_restock_refunded_items", "%d",
		       rq->full ? rq->line[0].qty : 1);
}

/* A non-order post between orders: product, page or revision. */
static void gen_other_post(struct gen *g, int64_t when)
{
	struct rng *r = &g->r;
	uint64_t id = g->next_post++;
	struct postrow p;
	char title[96], name[96], guid[96];
	unsigned kind = (unsigned)rng_below(r, 3);

	memset(&p, 0, sizeof(p));
	p.id = id;
	p.author = 1;
	p.date_gmt = when;
	p.mod_gmt = when + rng_range(r, 0, 86400);
	p.ping_status = "closed";
	if (kind == 2 && !g->last_page)
		kind = 1;
	if (kind == 0) {
		const struct product *pr = &PICK(r, PRODUCTS);
		char a[32];

		snprintf(title, sizeof(title), "%s %" PRIu64, pr->name, id);
		snprintf(name, sizeof(name), "%s-%" PRIu64, pr->sku, id);
		snprintf(guid, sizeof(guid), "http://localhost/?post_type=product&#038;p=%" PRIu64, id);
		p.title = title;
		p.name = name;
		p.guid = guid;
		p.status = "publish";
		p.comment_status = "open";
		p.type = "product";
		p.content = "<p>A product made by storegen. «Qualität» 💯</p>";
		p.excerpt = "Short description.";
		emit_post(g, &p);
		fmt_dec(pr->price, a, sizeof(a));
		pmeta(g, id, "_sku", name);
		pmeta(g, id, "_regular_price", a);
		pmeta(g, id, "_price", a);
		pmeta(g, id, "_stock_status", "instock");
		pmeta(g, id, "total_sales", "0");
	} else if (kind == 1) {
		snprintf(title, sizeof(title), "Page %" PRIu64, id);
		snprintf(name, sizeof(name), "page-%" PRIu64, id);
		snprintf(guid, sizeof(guid), "http://localhost/?page_id=%" PRIu64, id);
		p.title = title;
		p.name = name;
		p.guid = guid;
		p.status = "publish";
		p.comment_status = "closed";
		p.type = "page";
		p.content = "<!-- wp:paragraph -->\n<p>Hello from storegen.</p>\n<!-- /wp:paragraph -->";
		emit_post(g, &p);
		pmeta(g, id, "_edit_last", "1");
		g->last_page = id;
	} else {
		snprintf(title, sizeof(title), "Page %" PRIu64, g->last_page);
		snprintf(name, sizeof(name), "%" PRIu64 "-revision-v1", g->last_page);
		snprintf(guid, sizeof(guid), "http://localhost/?p=%" PRIu64, id);
		p.title = title;
		p.name = name;
		p.guid = guid;
		p.parent = g->last_page;
		p.status = "inherit";
		p.comment_status = "closed";
		p.type = "revision";
		p.content = "<!-- wp:paragraph -->\n<p>Hello from storegen (edited).</p>\n<!-- /wp:paragraph -->";
		emit_post(g, &p);
	}
}

/* ------------------------------------------------------------------ */
/* edge cases */

static void e_exp(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_order_tax", "7.1054273576E-15");
	ml_set(m, "_order_total", "12E-2");
	ml_set(m, "_cart_discount_tax", "1237E-2");
}
static void e_negzero(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_order_tax", "-7.1E-15");
}
static void e_manydec(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_order_total", "1.23456789");
}
static void e_leadblank(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_order_total", " 12.5");
}
static void e_junknum(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_order_total", "1,234.50");
}
static void e_dupkey(struct gen *g, struct mlist *m, struct postrow *p)
{
	char key[32];

	rand_alnum(&g->r, key + 9, 13);
	memcpy(key, "wc_order_", 9);
	ml_add(m, "_order_key", key);
}
static void e_dupempty(struct gen *g, struct mlist *m, struct postrow *p)
{
	int i;

	ml_del(m, "_billing_city");
	i = ml_find(m, "_billing_address_1");
	ml_insert(m, i < 0 ? m->n : (size_t)i + 1, "_billing_city", "");
	ml_add(m, "_billing_city", "Paris");
}
static void e_missing(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_del(m, "_order_currency");
	ml_del(m, "_download_permissions_granted");
	ml_del(m, "_recorded_sales");
	ml_del(m, "_recorded_coupon_usage_counts");
	ml_del(m, "_new_order_email_sent");
	ml_del(m, "_order_stock_reduced");
	ml_del(m, "_prices_include_tax");
}
static void e_boolvar(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_download_permissions_granted", "YES");
	ml_set(m, "_recorded_sales", "True");
	ml_set(m, "_recorded_coupon_usage_counts", "1");
	ml_set(m, "_new_order_email_sent", "on");
	ml_set(m, "_order_stock_reduced", " yes");
	ml_set(m, "_prices_include_tax", "2");
}
static void e_paidzero(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_date_paid", "0");
}
static void e_epochfrac(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_date_paid", "1705314600.5");
	ml_set(m, "_paid_date", "2024-01-15 10:30:00");
}
static void e_casekeys(struct gen *g, struct mlist *m, struct postrow *p)
{
	int i = ml_find(m, "_billing_city");

	if (i < 0) {
		ml_add(m, "_billing_city", "Lyon");
		i = ml_find(m, "_billing_city");
	}
	ml_insert(m, (size_t)i, "_Billing_city", "UPPER");
	ml_insert(m, (size_t)i + 2, "_billing_city ", "TRAILING");
}
static void e_casevals(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_add(m, "multi", "value");
	ml_add(m, "multi", "Value");
	ml_add(m, "multi", "value ");
}
static void e_nullval(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_add(m, "custom_null_value", NULL);
	ml_set(m, "_billing_phone", NULL);
}
static void e_nullkey(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_insert_n(m, m->n, NULL, 0, "value of a NULL key", 19);
}
static void e_zerodate(struct gen *g, struct mlist *m, struct postrow *p)
{
	p->date_gmt_zero = 1;
}
static void e_postcode(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_billing_postcode", "08544");
	ml_set(m, "_billing_country", "US");
	ml_set(m, "_billing_state", "NJ");
	ml_set(m, "_billing_city", "Princeton");
	ml_set(m, "_shipping_postcode", "08544");
}
static void e_emoji(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_billing_first_name", "🦄 Ünïcörn");
	ml_set(m, "_billing_last_name", "漢字テスト");
	ml_set(m, "_billing_address_1", "1 Emoji Way 🏠🚀");
	ml_set(m, "_billing_address_2", "Étage 𝄞 (4-byte)");
	ml_set(m, "_shipping_address_1", "🎁 Geschenkstraße 5");
}
static void e_legacydates(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_del(m, "_date_paid");
	ml_del(m, "_date_completed");
	if (ml_find(m, "_paid_date") < 0)
		ml_add(m, "_paid_date", "2024-03-01 09:15:00");
	if (ml_find(m, "_completed_date") < 0)
		ml_add(m, "_completed_date", "2024-03-02 17:45:00");
}
static void e_baddatepaid(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_date_paid", "2024-01-01 10:00:00");
}
static void e_hugemeta(struct gen *g, struct mlist *m, struct postrow *p)
{
	char *v = xmalloc(70001);

	memset(v, 'h', 70000);
	v[70000] = '\0';
	ml_add(m, "huge_custom_value", v);
	free(v);
}
static void e_longtxn(struct gen *g, struct mlist *m, struct postrow *p)
{
	char v[151];

	memset(v, 'T', 150);
	v[150] = '\0';
	ml_set(m, "_transaction_id", v);
}
static void e_longcur(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_order_currency", "USDOLLARSXYZ");
}
static void e_overflow(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_order_total", "1e20");
}
static void e_negcust(struct gen *g, struct mlist *m, struct postrow *p)
{
	ml_set(m, "_customer_user", "-5");
}

static const struct edge EDGES[] = {
	{ "exp-notation", 0, e_exp },
	{ "neg-zero", 0, e_negzero },
	{ "many-decimals", 0, e_manydec },
	{ "leading-blank", 0, e_leadblank },
	{ "junk-number", 0, e_junknum },
	{ "dup-order-key", 0, e_dupkey },
	{ "dup-empty-first", 0, e_dupempty },
	{ "missing-mapped", 0, e_missing },
	{ "bool-variants", 0, e_boolvar },
	{ "date-paid-zero", 0, e_paidzero },
	{ "epoch-fraction", 0, e_epochfrac },
	{ "case-keys", 0, e_casekeys },
	{ "case-values", 0, e_casevals },
	{ "null-meta-value", 0, e_nullval },
	{ "null-meta-key", 0, e_nullkey },
	{ "zero-post-date", 0, e_zerodate },
	{ "postcode-08544", 0, e_postcode },
	{ "emoji-address", 0, e_emoji },
	{ "refund-missing-parent", 0, NULL },
	{ "legacy-dates-only", 0, e_legacydates },
	{ "bad-date-paid", 1, e_baddatepaid },
	{ "huge-meta", 1, e_hugemeta },
	{ "long-transaction-id", 1, e_longtxn },
	{ "long-currency", 1, e_longcur },
	{ "decimal-overflow", 1, e_overflow },
	{ "negative-customer", 1, e_negcust },
};

static void gen_edges(struct gen *g)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(EDGES); i++) {
		const struct edge *e = &EDGES[i];

		if (!strcmp(e->name, "refund-missing-parent")) {
			/* a refund whose parent order does not exist */
			struct refund_req rq;
			uint64_t rid = g->next_post;

			memset(&rq, 0, sizeof(rq));
			rq.order_id = 999999999;
			rq.full = 0;
			rq.when = T_START + T_SPAN + 86400;
			snprintf(rq.currency, sizeof(rq.currency), "USD");
			rq.nlines = 1;
			rq.line[0].product_id = g->n_products ? g->product_id[0] : 10;
			rq.line[0].name = PRODUCTS[0].name;
			rq.line[0].qty = 1;
			rq.line[0].sub = rq.line[0].total = PRODUCTS[0].price;
			rq.line[0].item_id = 999999999;
			rq.total = PRODUCTS[0].price;
			refund_emit(g, &rq, 999999999);
			pmeta(g, rid, "_hposctl_edge_case", e->name);
			continue;
		}
		gen_order(g, i, ARRAY_SIZE(EDGES), e);
	}
}

/* ------------------------------------------------------------------ */
/* schema */

static const char *const TBL_POSTS =
	"CREATE TABLE `%sposts` (\n"
	"  `ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `post_author` bigint(20) unsigned NOT NULL DEFAULT 0,\n"
	"  `post_date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',\n"
	"  `post_date_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',\n"
	"  `post_content` longtext NOT NULL,\n"
	"  `post_title` text NOT NULL,\n"
	"  `post_excerpt` text NOT NULL,\n"
	"  `post_status` varchar(20) NOT NULL DEFAULT 'publish',\n"
	"  `comment_status` varchar(20) NOT NULL DEFAULT 'open',\n"
	"  `ping_status` varchar(20) NOT NULL DEFAULT 'open',\n"
	"  `post_password` varchar(255) NOT NULL DEFAULT '',\n"
	"  `post_name` varchar(200) NOT NULL DEFAULT '',\n"
	"  `to_ping` text NOT NULL,\n"
	"  `pinged` text NOT NULL,\n"
	"  `post_modified` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',\n"
	"  `post_modified_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',\n"
	"  `post_content_filtered` longtext NOT NULL,\n"
	"  `post_parent` bigint(20) unsigned NOT NULL DEFAULT 0,\n"
	"  `guid` varchar(255) NOT NULL DEFAULT '',\n"
	"  `menu_order` int(11) NOT NULL DEFAULT 0,\n"
	"  `post_type` varchar(20) NOT NULL DEFAULT 'post',\n"
	"  `post_mime_type` varchar(100) NOT NULL DEFAULT '',\n"
	"  `comment_count` bigint(20) NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY (`ID`)%s\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";
/* Secondary keys: "early" ones are created with the table even when the
 * others are deferred, because rows arrive in their order (cheap to
 * maintain); "late" ones are added by ALTER TABLE after a bulk load. */
static const char *const IDX_POSTS_LATE =
	",\n  KEY `post_name` (`post_name`(191)),\n"
	"  KEY `type_status_date` (`post_type`,`post_status`,`post_date`,`ID`),\n"
	"  KEY `post_parent` (`post_parent`),\n"
	"  KEY `post_author` (`post_author`)";
static const char *const ADD_POSTS_LATE =
	"ADD KEY `post_name` (`post_name`(191)), "
	"ADD KEY `type_status_date` (`post_type`,`post_status`,`post_date`,`ID`), "
	"ADD KEY `post_parent` (`post_parent`), ADD KEY `post_author` (`post_author`)";

static const char *const TBL_POSTMETA =
	"CREATE TABLE `%spostmeta` (\n"
	"  `meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `post_id` bigint(20) unsigned NOT NULL DEFAULT 0,\n"
	"  `meta_key` varchar(255) DEFAULT NULL,\n"
	"  `meta_value` longtext DEFAULT NULL,\n"
	"  PRIMARY KEY (`meta_id`)%s\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";
static const char *const IDX_POSTMETA_EARLY = ",\n  KEY `post_id` (`post_id`)";
static const char *const ADD_POSTMETA_EARLY = "ADD KEY `post_id` (`post_id`)";
static const char *const IDX_POSTMETA_LATE = ",\n  KEY `meta_key` (`meta_key`(191))";
static const char *const ADD_POSTMETA_LATE = "ADD KEY `meta_key` (`meta_key`(191))";

static const char *const TBL_OPTIONS =
	"CREATE TABLE `%soptions` (\n"
	"  `option_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `option_name` varchar(191) NOT NULL DEFAULT '',\n"
	"  `option_value` longtext NOT NULL,\n"
	"  `autoload` varchar(20) NOT NULL DEFAULT 'yes',\n"
	"  PRIMARY KEY (`option_id`),\n"
	"  UNIQUE KEY `option_name` (`option_name`),\n"
	"  KEY `autoload` (`autoload`)%s\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";

static const char *const TBL_ITEMS =
	"CREATE TABLE `%swoocommerce_order_items` (\n"
	"  `order_item_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `order_item_name` text NOT NULL,\n"
	"  `order_item_type` varchar(200) NOT NULL DEFAULT '',\n"
	"  `order_id` bigint(20) unsigned NOT NULL,\n"
	"  PRIMARY KEY (`order_item_id`)%s\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";
static const char *const IDX_ITEMS_EARLY = ",\n  KEY `order_id` (`order_id`)";
static const char *const ADD_ITEMS_EARLY = "ADD KEY `order_id` (`order_id`)";

static const char *const TBL_ITEMMETA =
	"CREATE TABLE `%swoocommerce_order_itemmeta` (\n"
	"  `meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `order_item_id` bigint(20) unsigned NOT NULL,\n"
	"  `meta_key` varchar(255) DEFAULT NULL,\n"
	"  `meta_value` longtext DEFAULT NULL,\n"
	"  PRIMARY KEY (`meta_id`)%s\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";
static const char *const IDX_ITEMMETA_EARLY = ",\n  KEY `order_item_id` (`order_item_id`)";
static const char *const ADD_ITEMMETA_EARLY = "ADD KEY `order_item_id` (`order_item_id`)";
static const char *const IDX_ITEMMETA_LATE = ",\n  KEY `meta_key` (`meta_key`(32))";
static const char *const ADD_ITEMMETA_LATE = "ADD KEY `meta_key` (`meta_key`(32))";

static const char *const TBL_COMMENTS =
	"CREATE TABLE `%scomments` (\n"
	"  `comment_ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `comment_post_ID` bigint(20) unsigned NOT NULL DEFAULT 0,\n"
	"  `comment_author` tinytext NOT NULL,\n"
	"  `comment_author_email` varchar(100) NOT NULL DEFAULT '',\n"
	"  `comment_author_url` varchar(200) NOT NULL DEFAULT '',\n"
	"  `comment_author_IP` varchar(100) NOT NULL DEFAULT '',\n"
	"  `comment_date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',\n"
	"  `comment_date_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',\n"
	"  `comment_content` text NOT NULL,\n"
	"  `comment_karma` int(11) NOT NULL DEFAULT 0,\n"
	"  `comment_approved` varchar(20) NOT NULL DEFAULT '1',\n"
	"  `comment_agent` varchar(255) NOT NULL DEFAULT '',\n"
	"  `comment_type` varchar(20) NOT NULL DEFAULT 'comment',\n"
	"  `comment_parent` bigint(20) unsigned NOT NULL DEFAULT 0,\n"
	"  `user_id` bigint(20) unsigned NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY (`comment_ID`)%s\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";
static const char *const IDX_COMMENTS_EARLY = ",\n  KEY `comment_post_ID` (`comment_post_ID`)";
static const char *const ADD_COMMENTS_EARLY = "ADD KEY `comment_post_ID` (`comment_post_ID`)";
static const char *const IDX_COMMENTS_LATE =
	",\n  KEY `comment_approved_date_gmt` (`comment_approved`,`comment_date_gmt`),\n"
	"  KEY `comment_date_gmt` (`comment_date_gmt`),\n"
	"  KEY `comment_parent` (`comment_parent`),\n"
	"  KEY `comment_author_email` (`comment_author_email`(10))";
static const char *const ADD_COMMENTS_LATE =
	"ADD KEY `comment_approved_date_gmt` (`comment_approved`,`comment_date_gmt`), "
	"ADD KEY `comment_date_gmt` (`comment_date_gmt`), "
	"ADD KEY `comment_parent` (`comment_parent`), "
	"ADD KEY `comment_author_email` (`comment_author_email`(10))";

static const char *const TBL_COMMENTMETA =
	"CREATE TABLE `%scommentmeta` (\n"
	"  `meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
	"  `comment_id` bigint(20) unsigned NOT NULL DEFAULT 0,\n"
	"  `meta_key` varchar(255) DEFAULT NULL,\n"
	"  `meta_value` longtext DEFAULT NULL,\n"
	"  PRIMARY KEY (`meta_id`)%s\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";
static const char *const IDX_COMMENTMETA_EARLY = ",\n  KEY `comment_id` (`comment_id`)";
static const char *const ADD_COMMENTMETA_EARLY = "ADD KEY `comment_id` (`comment_id`)";
static const char *const IDX_COMMENTMETA_LATE = ",\n  KEY `meta_key` (`meta_key`(191))";
static const char *const ADD_COMMENTMETA_LATE = "ADD KEY `meta_key` (`meta_key`(191))";

struct tdef {
	const char *create, *idx_early, *idx_late, *add_early, *add_late, *name;
};

static const struct tdef TDEFS[] = {
	{ TBL_POSTS, "", IDX_POSTS_LATE, "", ADD_POSTS_LATE, "posts" },
	{ TBL_POSTMETA, IDX_POSTMETA_EARLY, IDX_POSTMETA_LATE, ADD_POSTMETA_EARLY,
	  ADD_POSTMETA_LATE, "postmeta" },
	{ TBL_ITEMS, IDX_ITEMS_EARLY, "", ADD_ITEMS_EARLY, "", "woocommerce_order_items" },
	{ TBL_ITEMMETA, IDX_ITEMMETA_EARLY, IDX_ITEMMETA_LATE, ADD_ITEMMETA_EARLY,
	  ADD_ITEMMETA_LATE, "woocommerce_order_itemmeta" },
	{ TBL_COMMENTS, IDX_COMMENTS_EARLY, IDX_COMMENTS_LATE, ADD_COMMENTS_EARLY,
	  ADD_COMMENTS_LATE, "comments" },
	{ TBL_COMMENTMETA, IDX_COMMENTMETA_EARLY, IDX_COMMENTMETA_LATE,
	  ADD_COMMENTMETA_EARLY, ADD_COMMENTMETA_LATE, "commentmeta" },
};

/* STOREGEN_DEFER_INDEXES: 0 = every key at CREATE TABLE; 1 = the late keys
 * after the load; all (default, fastest here) = every secondary key after
 * the load. */
static int defer_mode(void)
{
	const char *s = getenv("STOREGEN_DEFER_INDEXES");

	if (!s || !strcmp(s, "all"))
		return 2;
	if (!strcmp(s, "1"))
		return 1;
	return 0;
}

static int defer_indexes(void)
{
	return defer_mode() != 0;
}

/* The ALTER TABLE that completes table t's keys after a bulk load, or NULL. */
static char *alter_for(const char *prefix, int t)
{
	struct strbuf sb = STRBUF_INIT;
	const struct tdef *d = &TDEFS[t];
	int all = defer_mode() == 2;

	if (!d->add_late[0] && !(all && d->add_early[0]))
		return NULL;
	sb_addf(&sb, "ALTER TABLE `%s%s` ", prefix, d->name);
	if (all && d->add_early[0])
		sb_addf(&sb, "%s%s", d->add_early, d->add_late[0] ? ", " : "");
	sb_adds(&sb, d->add_late);
	return sb_detach(&sb);
}

static int exec_fmt(MYSQL *m, struct herr *e, const char *fmt, ...) HPOS_PRINTF(3, 4);
static int exec_fmt(MYSQL *m, struct herr *e, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	rc = db_exec(m, sb_str(&sb), e);
	sb_release(&sb);
	return rc;
}

static int create_schema(MYSQL *m, const struct opts *o, struct herr *e)
{
	size_t i;
	int mode = defer_mode();

	if (exec_fmt(m, e, "DROP DATABASE IF EXISTS `%s`", o->database) ||
	    exec_fmt(m, e, "CREATE DATABASE `%s` DEFAULT CHARACTER SET utf8mb4 "
			   "COLLATE utf8mb4_unicode_520_ci", o->database))
		return -1;
	if (mysql_select_db(m, o->database))
		return herr_set(e, EX_SQL_, "cannot use database %s: %s", o->database,
				mysql_error(m));
	for (i = 0; i < ARRAY_SIZE(TDEFS); i++) {
		struct strbuf sb = STRBUF_INIT;
		int rc;

		struct strbuf keys = STRBUF_INIT;

		if (mode != 2)
			sb_adds(&keys, TDEFS[i].idx_early);
		if (mode == 0)
			sb_adds(&keys, TDEFS[i].idx_late);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		sb_addf(&sb, TDEFS[i].create, o->prefix, sb_str(&keys));
#pragma GCC diagnostic pop
		sb_release(&keys);
		rc = db_exec(m, sb_str(&sb), e);
		sb_release(&sb);
		if (rc)
			return -1;
	}
	{
		struct strbuf sb = STRBUF_INIT;
		int rc;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		sb_addf(&sb, TBL_OPTIONS, o->prefix, "");
#pragma GCC diagnostic pop
		rc = db_exec(m, sb_str(&sb), e);
		sb_release(&sb);
		if (rc)
			return -1;
	}
	return 0;
}

static void tz_option_values(const struct opts *o, char *tzs, size_t tzlen, char *off,
			     size_t offlen)
{
	long secs;

	if (tz_named) {
		struct tm tm;
		time_t t = (time_t)1735689600; /* 2025-01-01 */

		localtime_r(&t, &tm);
		secs = tm.tm_gmtoff;
		snprintf(tzs, tzlen, "%s", o->tz);
	} else {
		secs = tz_fixed_off;
		snprintf(tzs, tzlen, "%s", secs == 0 && !strcmp(o->tz, "UTC") ? "UTC" : "");
	}
	if (secs % 3600 == 0)
		snprintf(off, offlen, "%ld", secs / 3600);
	else
		snprintf(off, offlen, "%g", secs / 3600.0);
}

static int insert_options(MYSQL *m, const struct opts *o, struct herr *e)
{
	char tzs[64], off[32];
	struct strbuf sb = STRBUF_INIT;
	int rc;
	size_t i;
	struct {
		const char *name, *value, *autoload;
	} opt[] = {
		{ "siteurl", "http://localhost", "on" },
		{ "home", "http://localhost", "on" },
		{ "blogname", "storegen test store", "on" },
		{ "gmt_offset", NULL, "on" },
		{ "db_version", "60421", "on" },
		{ "timezone_string", NULL, "on" },
		{ "woocommerce_custom_orders_table_enabled", "no", "auto" },
		{ "woocommerce_custom_orders_table_data_sync_enabled", "no", "auto" },
		{ "woocommerce_currency", "USD", "on" },
		{ "woocommerce_price_num_decimals", "2", "on" },
		{ "woocommerce_version", "9.9.5", "auto" },
		{ "woocommerce_db_version", "9.9.5", "auto" },
		{ "woocommerce_custom_orders_table_created", "no", "auto" },
	};

	tz_option_values(o, tzs, sizeof(tzs), off, sizeof(off));
	opt[3].value = off;
	opt[5].value = tzs;
	sb_addf(&sb, "INSERT INTO `%soptions` (option_name, option_value, autoload) VALUES ",
		o->prefix);
	for (i = 0; i < ARRAY_SIZE(opt); i++) {
		sb_adds(&sb, i ? ",(" : "(");
		add_sqls(&sb, opt[i].name);
		sb_addc(&sb, ',');
		add_sqls(&sb, opt[i].value);
		sb_addc(&sb, ',');
		add_sqls(&sb, opt[i].autoload);
		sb_addc(&sb, ')');
	}
	rc = db_exec(m, sb_str(&sb), e);
	sb_release(&sb);
	return rc;
}

/* The store's fixed content made with --create: a post, pages, products. */
static void gen_base_content(struct gen *g)
{
	struct postrow p;
	char guid[96], name[96];
	size_t i;
	int64_t t0 = T_START - 86400 * 30;

	memset(&p, 0, sizeof(p));
	p.author = 1;
	p.ping_status = "open";
	p.comment_status = "open";
	p.id = g->next_post++;
	p.date_gmt = p.mod_gmt = t0;
	p.title = "Hello world!";
	p.name = "hello-world";
	p.content = "<!-- wp:paragraph -->\n<p>Welcome to WordPress.</p>\n<!-- /wp:paragraph -->";
	p.status = "publish";
	snprintf(guid, sizeof(guid), "http://localhost/?p=%" PRIu64, p.id);
	p.guid = guid;
	p.type = "post";
	emit_post(g, &p);
	{
		static const char *const pages[][2] = {
			{ "Shop", "shop" }, { "Cart", "cart" }, { "Checkout", "checkout" },
			{ "My account", "my-account" },
		};

		for (i = 0; i < ARRAY_SIZE(pages); i++) {
			memset(&p, 0, sizeof(p));
			p.author = 1;
			p.id = g->next_post++;
			p.date_gmt = p.mod_gmt = t0 + 60;
			p.title = pages[i][0];
			p.name = pages[i][1];
			p.status = "publish";
			p.comment_status = "closed";
			p.ping_status = "closed";
			snprintf(guid, sizeof(guid), "http://localhost/?page_id=%" PRIu64, p.id);
			p.guid = guid;
			p.type = "page";
			emit_post(g, &p);
			g->last_page = p.id;
		}
	}
	for (i = 0; i < ARRAY_SIZE(PRODUCTS); i++) {
		const struct product *pr = &PRODUCTS[i];
		char a[32];

		memset(&p, 0, sizeof(p));
		p.author = 1;
		p.id = g->next_post++;
		p.date_gmt = p.mod_gmt = t0 + 120 + (int64_t)i;
		p.title = pr->name;
		snprintf(name, sizeof(name), "%s", pr->sku);
		p.name = name;
		p.content = "<p>A product.</p>";
		p.status = "publish";
		p.comment_status = "open";
		p.ping_status = "closed";
		snprintf(guid, sizeof(guid), "http://localhost/?post_type=product&#038;p=%" PRIu64,
			 p.id);
		p.guid = guid;
		p.type = "product";
		emit_post(g, &p);
		g->product_id[g->n_products++] = p.id;
		fmt_dec(pr->price, a, sizeof(a));
		pmeta(g, p.id, "_sku", pr->sku);
		pmeta(g, p.id, "_regular_price", a);
		pmeta(g, p.id, "_price", a);
		pmeta(g, p.id, "_stock_status", "instock");
		pmeta(g, p.id, "_manage_stock", "yes");
		pmeta(g, p.id, "_stock", "40");
		pmeta(g, p.id, "total_sales", "0");
	}
}

/* Existing products (append mode) for line items. */
static int load_products(MYSQL *m, struct gen *g, struct herr *e)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (exec_fmt(m, e, "SELECT ID FROM `%sposts` WHERE post_type='product' "
			   "ORDER BY ID LIMIT %zu", g->o->prefix, ARRAY_SIZE(PRODUCTS)))
		return -1;
	res = mysql_store_result(m);
	if (!res)
		return herr_set(e, EX_SQL_, "SQL failed: %s", mysql_error(m));
	while ((row = mysql_fetch_row(res)) && g->n_products < ARRAY_SIZE(g->product_id))
		if (row[0])
			g->product_id[g->n_products++] = strtoull(row[0], NULL, 10);
	mysql_free_result(res);
	return 0;
}

static int load_next_ids(MYSQL *m, struct gen *g, struct herr *e)
{
	static const struct {
		const char *col, *tbl;
	} q[] = {
		{ "ID", "posts" }, { "meta_id", "postmeta" },
		{ "order_item_id", "woocommerce_order_items" },
		{ "meta_id", "woocommerce_order_itemmeta" },
		{ "comment_ID", "comments" }, { "meta_id", "commentmeta" },
	};
	uint64_t *dst[] = { &g->next_post, &g->next_pm, &g->next_item, &g->next_im,
			    &g->next_comment, &g->next_cm };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(q); i++) {
		char sql[256];
		uint64_t v = 0;

		snprintf(sql, sizeof(sql), "SELECT MAX(`%s`) FROM `%s%s`", q[i].col,
			 g->o->prefix, q[i].tbl);
		if (db_u64(m, sql, &v, e))
			return -1;
		*dst[i] = v + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* main */

static void usage(FILE *f)
{
	fputs("usage: storegen --socket PATH [--host H --port N] [--user U] [--password P]\n"
	      "                --database DB [--prefix wp_] --orders N [--seed S]\n"
	      "                [--create] [--edge-cases] [--timezone UTC|+05:30|Area/City]\n"
	      "                [--quiet]\n", f);
}

static int parse_tz(const char *s)
{
	if (!strcmp(s, "UTC") || !strcmp(s, "Z")) {
		tz_named = 0;
		tz_fixed_off = 0;
		return 0;
	}
	if ((s[0] == '+' || s[0] == '-') && strlen(s) <= 6) {
		int h = 0, mi = 0;
		char extra;

		if (sscanf(s + 1, "%d:%d%c", &h, &mi, &extra) == 2 ||
		    (sscanf(s + 1, "%d%c", &h, &extra) == 1 && (mi = 0, 1))) {
			if (h > 14 || mi < 0 || mi > 59)
				return -1;
			tz_fixed_off = (h * 3600L + mi * 60L) * (s[0] == '-' ? -1 : 1);
			tz_named = 0;
			return 0;
		}
		return -1;
	}
	{
		char path[512];

		if (strstr(s, "..") || s[0] == '/' || strlen(s) > 100)
			return -1;
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", s);
		if (access(path, R_OK))
			return -1;
		if (setenv("TZ", s, 1))
			return -1;
		tzset();
		tz_named = 1;
	}
	return 0;
}

static int valid_ident(const char *s, int allow_empty)
{
	if (!*s)
		return allow_empty;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '$'))
			return 0;
	return 1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "database", required_argument, NULL, 'd' },
		{ "prefix", required_argument, NULL, 'x' },
		{ "orders", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "create", no_argument, NULL, 'c' },
		{ "edge-cases", no_argument, NULL, 'e' },
		{ "timezone", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_orders = 0;
	uint64_t v = 0;

	memset(o, 0, sizeof(*o));
	o->user = "root";
	o->prefix = "wp_";
	o->seed = 1;
	o->tz = "UTC";
	o->conns = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'S': o->socket = optarg; break;
		case 'h': o->host = optarg; break;
		case 'P':
			if (parse_u64(optarg, &v) || v == 0 || v > 65535) {
				fprintf(stderr, "storegen: bad --port '%s'\n", optarg);
				return -1;
			}
			o->port = (unsigned)v;
			break;
		case 'u': o->user = optarg; break;
		case 'p': o->password = optarg; break;
		case 'd': o->database = optarg; break;
		case 'x': o->prefix = optarg; break;
		case 'n':
			if (parse_u64(optarg, &o->orders) || o->orders > 100000000ull) {
				fprintf(stderr, "storegen: bad --orders '%s'\n", optarg);
				return -1;
			}
			have_orders = 1;
			break;
		case 's':
			if (parse_u64(optarg, &o->seed)) {
				fprintf(stderr, "storegen: bad --seed '%s'\n", optarg);
				return -1;
			}
			break;
		case 'c': o->create = 1; break;
		case 'e': o->edge = 1; break;
		case 't': o->tz = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'H': usage(stdout); exit(0);
		default:
			fprintf(stderr, "storegen: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "storegen: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->database || !valid_ident(o->database, 0)) {
		fprintf(stderr, "storegen: --database NAME ([A-Za-z0-9_$]) is required\n");
		return -1;
	}
	if (!valid_ident(o->prefix, 1)) {
		fprintf(stderr, "storegen: bad --prefix '%s'\n", o->prefix);
		return -1;
	}
	if (!have_orders) {
		fprintf(stderr, "storegen: --orders N is required\n");
		return -1;
	}
	if (!o->socket && !o->host) {
		fprintf(stderr, "storegen: --socket PATH or --host H is required\n");
		return -1;
	}
	if (parse_tz(o->tz)) {
		fprintf(stderr, "storegen: bad --timezone '%s' (UTC, +HH:MM or Area/City)\n",
			o->tz);
		return -1;
	}
	{
		const char *s = getenv("STOREGEN_CONNS");

		if (s && (parse_u64(s, &v) || v < 1 || v > MAX_CONNS)) {
			fprintf(stderr, "storegen: bad STOREGEN_CONNS '%s'\n", s);
			return -1;
		}
		if (s)
			o->conns = (int)v;
	}
	return 0;
}

static const char *const TBL_HEAD_FMT[T_N] = {
	"INSERT INTO `%sposts` (ID,post_author,post_date,post_date_gmt,post_content,"
	"post_title,post_excerpt,post_status,comment_status,ping_status,post_password,"
	"post_name,to_ping,pinged,post_modified,post_modified_gmt,post_content_filtered,"
	"post_parent,guid,menu_order,post_type,post_mime_type,comment_count) VALUES ",
	"INSERT INTO `%spostmeta` (meta_id,post_id,meta_key,meta_value) VALUES ",
	"INSERT INTO `%swoocommerce_order_items` (order_item_id,order_item_name,"
	"order_item_type,order_id) VALUES ",
	"INSERT INTO `%swoocommerce_order_itemmeta` (meta_id,order_item_id,meta_key,"
	"meta_value) VALUES ",
	"INSERT INTO `%scomments` (comment_ID,comment_post_ID,comment_author,"
	"comment_author_email,comment_author_url,comment_author_IP,comment_date,"
	"comment_date_gmt,comment_content,comment_karma,comment_approved,comment_agent,"
	"comment_type,comment_parent,user_id) VALUES ",
	"INSERT INTO `%scommentmeta` (meta_id,comment_id,meta_key,meta_value) VALUES ",
};

static int start_writers(struct writer *w, int nw, struct herr *e)
{
	int i;

	for (i = 0; i < nw; i++) {
		q_init(&w[i].q);
		if (pthread_create(&w[i].th, NULL, writer_main, &w[i])) {
			herr_set(e, EX_SQL_, "cannot start a thread");
			while (i-- > 0) {
				q_close(&w[i].q);
				pthread_join(w[i].th, NULL);
				q_destroy(&w[i].q);
			}
			return -1;
		}
	}
	return 0;
}

static void stop_writers(struct writer *w, int nw)
{
	int i;

	for (i = 0; i < nw; i++)
		q_close(&w[i].q);
	for (i = 0; i < nw; i++) {
		pthread_join(w[i].th, NULL);
		q_destroy(&w[i].q);
	}
}

/* Deferred keys: each table's ALTER TABLE goes to the queue of the
 * connection that loads it, right after its last rows, so the big tables'
 * indexes are built while other tables are still loading. */
static void queue_alters(struct gen *g)
{
	int t;

	for (t = 0; t < T_N; t++) {
		char *sql = alter_for(g->o->prefix, t);

		if (sql && q_push(pick_writer(g, t), sql, strlen(sql), NULL))
			break;
	}
}

/* "INSERT INTO `t` (cols) VALUES " -> the LOAD DATA statement for t. */
static char *load_stmt(const char *head)
{
	struct strbuf sb = STRBUF_INIT;
	const char *t = head + strlen("INSERT INTO ");
	const char *cols = strchr(t, '(');
	const char *end = strstr(head, ") VALUES");

	sb_adds(&sb, "LOAD DATA LOCAL INFILE 'storegen.tsv' INTO TABLE ");
	sb_add(&sb, t, (size_t)(cols - 1 - t));
	sb_adds(&sb, " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\'"
		     " LINES TERMINATED BY '\\n' ");
	sb_add(&sb, cols, (size_t)(end + 1 - cols));
	return sb_detach(&sb);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct herr e = { 0, "" };
	struct gen g;
	struct writer w[MAX_CONNS];
	int nw = 0, i, rc = 0;
	MYSQL *main_db = NULL;
	double t0, secs;
	uint64_t k;
	const char *env;

	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return EX_USAGE_;
	}
	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "storegen: cannot initialise the client library\n");
		return EX_SQL_;
	}
	dry_run = (env = getenv("STOREGEN_DRY_RUN")) && !strcmp(env, "1");
	verbose = (env = getenv("STOREGEN_VERBOSE")) && !strcmp(env, "1");
	env = getenv("STOREGEN_TXN");
	one_txn = env && !strcmp(env, "all");
	t0 = now_mono();
	memset(&g, 0, sizeof(g));
	memset(w, 0, sizeof(w));
	g.o = &o;
	g.r.s = o.seed ^ 0x5DEECE66Dull;
	for (i = 0; i < T_N; i++) {
		struct strbuf sb = STRBUF_INIT;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		sb_addf(&sb, TBL_HEAD_FMT[i], o.prefix);
#pragma GCC diagnostic pop
		g.t[i].head = sb_detach(&sb);
		g.t[i].load = load_stmt(g.t[i].head);
	}

	main_db = db_connect(&o, o.create ? NULL : o.database, &e);
	if (!main_db) {
		rc = e.code;
		goto out;
	}
	if (db_session(main_db, &e))
		goto fail;
	env = getenv("STOREGEN_METHOD");
	if (env && strcmp(env, "load") && strcmp(env, "insert")) {
		herr_set(&e, EX_USAGE_, "STOREGEN_METHOD must be load or insert");
		goto fail;
	}
	if (!env || !strcmp(env, "load")) {
		uint64_t li = 0;

		if (db_u64(main_db, "SELECT @@GLOBAL.local_infile", &li, &e))
			goto fail;
		use_load = li != 0;
		if (!li && env)
			fprintf(stderr, "storegen: the server has local_infile=OFF; using INSERT\n");
	}
	if (o.create) {
		if (create_schema(main_db, &o, &e) || insert_options(main_db, &o, &e))
			goto fail;
		g.next_post = g.next_pm = g.next_item = g.next_im = g.next_comment = g.next_cm = 1;
	} else {
		if (load_next_ids(main_db, &g, &e) || load_products(main_db, &g, &e))
			goto fail;
	}

	for (i = 0; i < o.conns; i++) {
		w[i].db = db_connect(&o, o.database, &e);
		if (!w[i].db) {
			rc = e.code;
			goto out;
		}
		nw++;
		if (db_session(w[i].db, &e) || db_exec(w[i].db, "SET autocommit=0", &e))
			goto fail;
	}
	g.w = w;
	g.nw = nw;
	if (start_writers(w, nw, &e))
		goto fail;

	if (o.create)
		gen_base_content(&g);
	for (k = 0; k < o.orders && !g.failed; k++) {
		if (k > 0 && rng_pm(&g.r, 50))
			gen_other_post(&g, T_START + (int64_t)((unsigned __int128)k * (uint64_t)T_SPAN / o.orders));
		gen_order(&g, k, o.orders, NULL);
		if (g.n_pend)
			flush_refunds(&g, k, 0);
	}
	if (!g.failed)
		flush_refunds(&g, 0, 1);
	if (o.edge && !g.failed)
		gen_edges(&g);
	for (i = 0; i < T_N && !g.failed; i++)
		tb_flush(&g, i);
	if (o.create && defer_indexes() && !g.failed)
		queue_alters(&g);
	stop_writers(w, nw);
	if (verbose) {
		for (i = 0; i < nw; i++)
			fprintf(stderr, "storegen: writer %d busy %.2f s\n", i, w[i].busy);
		fprintf(stderr, "storegen: done after %.2f s\n", now_mono() - t0);
	}
	if (rc)
		goto out;
	if (any_failed()) {
		fprintf(stderr, "storegen: %s\n", g_err);
		rc = EX_SQL_;
		goto out;
	}
	secs = now_mono() - t0;
	if (!o.quiet)
		printf("storegen: %" PRIu64 " orders (%" PRIu64 " refunds), %" PRIu64
		       " posts, %" PRIu64 " postmeta rows in %.2f s (%.0f orders/s)\n",
		       g.n_orders, g.n_refunds, g.n_posts, g.t[T_POSTMETA].total, secs,
		       secs > 0 ? (double)g.n_orders / secs : 0.0);
	goto out;

fail:
	rc = e.code ? e.code : EX_SQL_;
out:
	if (rc && e.msg[0])
		fprintf(stderr, "storegen: %s\n", e.msg);
	if (main_db)
		mysql_close(main_db);
	for (i = 0; i < T_N; i++) {
		sb_release(&g.t[i].sb);
		free(g.t[i].head);
		free(g.t[i].load);
	}
	sb_release(&g.tmp);
	free(g.pend);
	ml_release(&g_ml);
	for (i = 0; i < nw; i++)
		mysql_close(w[i].db);
	mysql_library_end();
	return rc;
}
