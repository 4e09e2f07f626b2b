/* cleanup.c - legacy order data cleanup and its backup file (cleanup.h). */
#include "cleanup.h"
#include "hposctl.h"
#include "output.h"
#include "syncstate.h"
#include "throttle.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKUP_MAGIC "-- hposctl cleanup backup"
#define CHUNK_END "-- hposctl: end of "
#define CHECKSUM_TAG ", checksum "
/* No statement of a backup is longer than BACKUP_STMT_MAX bytes, far below
 * the client's and server's default max_allowed_packet of 16 MB: a REPLACE
 * takes rows while it stays under the bound, and a value longer than
 * VALUE_PIECE bytes is built in a user variable, VALUE_PIECE bytes (twice
 * that in hex) per statement. */
#define VALUE_PIECE (256u << 10)
#define ROW_OVERHEAD 256u

/* ---------------------------------------------------------------- filter */

int cleanup_filter_parse(int argc, char **argv, struct strbuf *sql, int *all, struct herr *err)
{
	struct strbuf ids = STRBUF_INIT, ranges = STRBUF_INIT;

	*all = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *dash = strchr(a, '-');
		uint64_t x, y;

		if (!strcmp(a, "all")) {
			*all = 1;
		} else if (parse_u64(a, &x) == 0) {
			sb_addf(&ids, "%s%llu", ids.len ? "," : "", (unsigned long long)x);
		} else if (dash && dash != a) {
			char *lo = xstrndup(a, (size_t)(dash - a));
			int bad = parse_u64(lo, &x) < 0 || parse_u64(dash + 1, &y) < 0;

			free(lo);
			if (bad)
				goto bad;
			sb_addf(&ranges, "%s(p.ID >= %llu AND p.ID <= %llu)", ranges.len ? " OR " : "",
				(unsigned long long)x, (unsigned long long)y);
		} else {
			goto bad;
		}
		continue;
bad:
		sb_release(&ids);
		sb_release(&ranges);
		return herr_set(err, HX_USAGE, "cleanup: '%s' is not 'all', an order ID or a range A-B", a);
	}
	if (!*all) {
		if (ids.len)
			sb_addf(&ranges, "%sp.ID IN (%s)", ranges.len ? " OR " : "", ids.buf);
		sb_addf(sql, "(%s)", ranges.len ? ranges.buf : "1=0");
	}
	sb_release(&ids);
	sb_release(&ranges);
	return 0;
}

/* ------------------------------------------------------------ SQL pieces */

/* LegacyDataHandler::is_order_newer_than_post(): the HPOS order's
 * date_modified (else date_created) must not be before the post's
 * post_modified_gmt (a zero date counts as 0); placeholders always pass.
 * Never NULL. */
static void newer_ok_sql(struct strbuf *sql)
{
	sb_adds(sql, "(p.post_type = '" PLACEHOLDER_TYPE "' OR p.post_modified_gmt = '0000-00-00 00:00:00' OR "
		"IFNULL(COALESCE(o.date_updated_gmt, o.date_created_gmt) >= p.post_modified_gmt, 0))");
}

/* wc_get_order() loads the HPOS row only when its type is an order type. */
static void type_ok_sql(struct db *db, const struct typelist *types, struct strbuf *sql)
{
	sb_adds(sql, "IFNULL(CAST(o.type AS BINARY) IN (");
	typelist_sql(db, types, sql);
	sb_adds(sql, "), 0)");
}

/* Run a counting SELECT (sql) and put its first row's first nv columns in
 * v (NULL or no row: 0).  Returns 0, or -1 with err set. */
static int run_count(struct db *db, struct strbuf *sql, uint64_t *v, unsigned nv, struct herr *err)
{
	struct db_result *res;
	struct db_row row;

	memset(v, 0, sizeof(*v) * nv);
	if (db_run(db, DB_READ, sql->buf, sql->len, &res, err) < 0)
		return -1;
	if (db_fetch(res, &row))
		for (unsigned i = 0; i < nv && i < row.n; i++)
			v[i] = row.vals[i] ? strtoull(row.vals[i], NULL, 10) : 0;
	db_free_result(res);
	return 0;
}

/* See cleanup.h: one SELECT of counts over WooCommerce's selection, and with
 * with_meta a second that counts the postmeta rows of the orders that would
 * be cleaned (the same checks as read_batch's). */
int cleanup_plan(struct db *db, const struct cleanup_opts *o, int with_meta, struct cleanup_plan *p, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t v[4];
	int rc = -1;

	memset(p, 0, sizeof(*p));
	sb_adds(&sql, "SELECT COUNT(*), SUM(o.id IS NULL), SUM(o.id IS NOT NULL AND NOT ");
	type_ok_sql(db, o->types, &sql);
	sb_adds(&sql, "), SUM(o.id IS NOT NULL AND ");
	type_ok_sql(db, o->types, &sql);
	sb_adds(&sql, " AND NOT ");
	newer_ok_sql(&sql);
	sb_addc(&sql, ')');
	wc_cleanup_from_where(db, o->types, o->id_filter, &sql);
	if (run_count(db, &sql, v, 4, err) < 0)
		goto out;
	p->selected = v[0];
	p->no_hpos = v[1];
	p->bad_type = v[2];
	p->newer = v[3];
	if (with_meta) {
		sb_reset(&sql);
		sb_adds(&sql, "SELECT COUNT(*) FROM ");
		wc_table(db, &sql, "postmeta");
		sb_adds(&sql, " m JOIN (SELECT p.ID");
		wc_cleanup_from_where(db, o->types, o->id_filter, &sql);
		sb_adds(&sql, " AND o.id IS NOT NULL AND ");
		type_ok_sql(db, o->types, &sql);
		if (!o->force) {
			sb_adds(&sql, " AND ");
			newer_ok_sql(&sql);
		}
		sb_adds(&sql, ") x ON m.post_id = x.ID");
		if (run_count(db, &sql, &p->meta_rows, 1, err) < 0)
			goto out;
	}
	rc = 0;
out:
	sb_release(&sql);
	return rc;
}

/* ---------------------------------------------------------------- backup */

static void add_hex(struct strbuf *sb, const char *v, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	sb_grow(sb, len * 2);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		sb->buf[sb->len++] = hex[c >> 4];
		sb->buf[sb->len++] = hex[c & 15];
	}
	sb->buf[sb->len] = '\0';
}

/* A value as an SQL expression that gives back exactly these characters
 * whatever the restoring client's character set and sql_mode: printable
 * ASCII (no quote or backslash) as a plain literal, anything else as the
 * bytes in hex converted from the character set they were read in. */
void cleanup_sql_value(struct strbuf *sb, const char *charset, const char *v, size_t len)
{
	size_t i;

	if (!v) {
		sb_adds(sb, "NULL");
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c > 0x7e || c == '\'' || c == '\\')
			break;
	}
	if (i == len) {
		sb_addc(sb, '\'');
		sb_add(sb, v, len);
		sb_addc(sb, '\'');
		return;
	}
	sb_addf(sb, "CONVERT(X'");
	add_hex(sb, v, len);
	sb_addf(sb, "' USING %s)", charset);
}

/* See cleanup.h.  A value longer than VALUE_PIECE closes the open REPLACE and
 * goes through @hposctl_v; chunk is appended to, bs tracks the open REPLACE. */
void backup_add_meta(struct strbuf *chunk, struct backup_stmt *bs, const char *table, const char *cs,
		     const char *const vals[4], const size_t lens[4])
{
	int big = vals[3] && lens[3] > VALUE_PIECE;
	size_t est = ROW_OVERHEAD + 2 * lens[2] + (big ? 0 : 2 * lens[3]);

	if (bs->open && (big || chunk->len - bs->start + est > BACKUP_STMT_MAX)) {
		sb_adds(chunk, ";\n");
		bs->open = 0;
	}
	if (big) {
		/* Built in a binary user variable piece by piece, so that no
		 * statement is longer than the bound; converted as a whole. */
		for (size_t off = 0; off < lens[3]; off += VALUE_PIECE) {
			size_t n = lens[3] - off < VALUE_PIECE ? lens[3] - off : VALUE_PIECE;

			sb_adds(chunk, off ? "SET @hposctl_v = CONCAT(@hposctl_v, X'" : "SET @hposctl_v = X'");
			add_hex(chunk, vals[3] + off, n);
			sb_adds(chunk, off ? "');\n" : "';\n");
		}
	}
	if (!bs->open) {
		bs->start = chunk->len;
		sb_addf(chunk, "REPLACE INTO %s (meta_id, post_id, meta_key, meta_value) VALUES\n(", table);
		bs->open = 1;
	} else {
		sb_adds(chunk, ",\n(");
	}
	sb_addf(chunk, "%s,%s,", vals[0], vals[1]);
	cleanup_sql_value(chunk, cs, vals[2], lens[2]);
	sb_addc(chunk, ',');
	if (big)
		sb_addf(chunk, "CONVERT(@hposctl_v USING %s)", cs);
	else
		cleanup_sql_value(chunk, cs, vals[3], lens[3]);
	sb_addc(chunk, ')');
	if (big) {
		/* the variable holds one value at a time */
		sb_adds(chunk, ";\nSET @hposctl_v = NULL;\n");
		bs->open = 0;
	}
}

void backup_end_meta(struct strbuf *chunk, struct backup_stmt *bs)
{
	if (bs->open)
		sb_adds(chunk, ";\n");
	bs->open = 0;
}

uint64_t backup_checksum(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a, 64 bits */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void backup_seal(struct strbuf *chunk, size_t start, const char *what)
{
	uint64_t h = backup_checksum(chunk->buf + start, chunk->len - start);

	sb_addf(chunk, CHUNK_END "%s" CHECKSUM_TAG "%016llx\n", what, (unsigned long long)h);
}

/* Is buf[0..n) a line "-- hposctl: end of WHAT, checksum HEX"?  Then *h. */
static int end_line(const char *buf, size_t n, uint64_t *h)
{
	const size_t tl = strlen(CHECKSUM_TAG), ml = strlen(CHUNK_END);
	char hex[17];

	if (n < ml + tl + 16 || memcmp(buf, CHUNK_END, ml) || memcmp(buf + n - 16 - tl, CHECKSUM_TAG, tl))
		return 0;
	memcpy(hex, buf + n - 16, 16);
	hex[16] = '\0';
	for (int i = 0; i < 16; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return 0;
	*h = strtoull(hex, NULL, 16);
	return 1;
}

long long backup_validate(const char *buf, size_t len, char *why, size_t whysz)
{
	size_t pos = 0, chunk = 0, line_no = 1, ml = strlen(CHUNK_END);
	unsigned nchunks = 0;

	if (len < strlen(BACKUP_MAGIC) || memcmp(buf, BACKUP_MAGIC, strlen(BACKUP_MAGIC))) {
		snprintf(why, whysz, "it is not a hposctl cleanup backup");
		return -1;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end;
		uint64_t h;

		if (!nl)
			break;          /* an incomplete last line: the tail */
		end = (size_t)(nl - buf);
		if (end - pos >= ml && !memcmp(buf + pos, CHUNK_END, ml)) {
			if (!end_line(buf + pos, end - pos, &h)) {
				snprintf(why, whysz, "line %zu ends a section without a checksum (written by an older "
					 "hposctl, or edited)", line_no);
				return -1;
			}
			if (h != backup_checksum(buf + chunk, pos - chunk)) {
				snprintf(why, whysz, "the section ending at line %zu does not match its checksum", line_no);
				return -1;
			}
			chunk = end + 1;
			nchunks++;
		}
		pos = end + 1;
		line_no++;
	}
	if (!nchunks) {
		snprintf(why, whysz, "no complete section");
		return -1;
	}
	return (long long)chunk;
}

/* Check what an existing backup file is before appending to it: a regular
 * file of ours that nobody else can write, every section intact.  Returns
 * the length to keep (an incomplete last section is cut), or -1. */
static off_t check_existing(int fd, const char *path, const struct stat *st, struct herr *err)
{
	char why[160];
	long long keep;
	void *map;

	if (!S_ISREG(st->st_mode))
		return herr_set(err, HX_PROBLEM, "%s exists and is not a regular file; not appending to it", path);
	if (st->st_uid != geteuid())
		return herr_set(err, HX_PROBLEM, "%s exists and belongs to another user (uid %u); not appending to it",
				path, (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return herr_set(err, HX_PROBLEM, "%s can be written by other users (mode %03o); not appending to it",
				path, (unsigned)(st->st_mode & 0777));
	if (st->st_size == 0)
		return 0;
	map = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return herr_set(err, HX_PROBLEM, "reading %s: %s", path, strerror(errno));
	keep = backup_validate(map, (size_t)st->st_size, why, sizeof(why));
	munmap(map, (size_t)st->st_size);
	if (keep < 0)
		return herr_set(err, HX_PROBLEM, "%s: %s; not appending to it (name a new --backup-file)", path, why);
	return (off_t)keep;
}


char *backup_default_path(struct db *db)
{
	struct strbuf sb = STRBUF_INIT;
	time_t t = time(NULL);
	struct tm tm;
	char ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	sb_addf(&sb, "hposctl-cleanup-%s-%s.sql", db_name(db), ts);
	return sb_detach(&sb);
}

/* Open path for the backup into b->fd, never through a symbolic link: a new
 * file (mode 0600), or, unless must_be_new, the existing one (*existed set).
 * Returns 0, or -1 with err set (b->fd stays -1). */
static int backup_open_file(struct backup *b, const char *path, int must_be_new, int *existed, struct herr *err)
{
	*existed = 0;
	b->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (b->fd < 0 && errno == EEXIST && !must_be_new) {
		b->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		*existed = 1;
	}
	if (b->fd < 0 && errno == ELOOP)
		return herr_set(err, HX_PROBLEM, "%s is a symbolic link; not writing the backup through it", path);
	if (b->fd < 0)
		return herr_set(err, HX_PROBLEM, "cannot open the backup file %s: %s", path, strerror(errno));
	return 0;
}

/* An existing backup file: check it (check_existing), cut off an
 * incomplete last chunk, leave the offset at its end.  A new file: just the
 * offset.  Returns 0, or -1 with err set. */
static int backup_prepare_end(struct backup *b, const char *path, int existed, struct herr *err)
{
	struct stat st;

	if (fstat(b->fd, &st) < 0)
		return herr_set(err, HX_PROBLEM, "%s: %s", path, strerror(errno));
	if (existed) {
		off_t keep = check_existing(b->fd, path, &st, err);

		if (keep < 0)
			return -1;
		if (keep < st.st_size) {
			out_warning("%s: cutting off an incomplete last batch (%lld bytes) left by an interrupted run; "
				    "that batch was not committed.", path, (long long)(st.st_size - keep));
			if (ftruncate(b->fd, keep) < 0)
				return herr_set(err, HX_PROBLEM, "%s: %s", path, strerror(errno));
		}
	}
	if (lseek(b->fd, 0, SEEK_END) < 0)
		return herr_set(err, HX_PROBLEM, "%s: %s", path, strerror(errno));
	return 0;
}

/* Append the run's sealed header (magic, version, database, prefix, start
 * time, how to restore, USE `db`) and fsync it.  Returns 0, or -1 with err. */
static int backup_write_header(struct backup *b, struct db *db, const char *path, struct herr *err)
{
	struct strbuf hdr = STRBUF_INIT;
	time_t t = time(NULL);
	struct tm tm;
	char ts[32];
	int rc = 0;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sb_addf(&hdr, BACKUP_MAGIC " (hposctl " HPOSCTL_VERSION "), database `%s`, prefix %s, run started %s.\n"
		"-- Restores the postmeta rows that cleanup deleted and the post_type/post_status it changed:\n"
		"--   mariadb [connection options] < FILE\n"
		"-- Several backup files: restore them oldest first.  The USE line names the database.\n",
		db_name(db), db_prefix(db), ts);
	sb_adds(&hdr, "USE ");
	db_ident(&hdr, db_name(db));
	sb_adds(&hdr, ";\n");
	backup_seal(&hdr, 0, "header");
	if (xwrite_all(b->fd, hdr.buf, hdr.len) < 0 || fsync(b->fd) < 0)
		rc = herr_set(err, HX_PROBLEM, "writing %s: %s", path, strerror(errno));
	else
		b->bytes += hdr.len;
	sb_release(&hdr);
	return rc;
}

/* Make a new file's directory entry durable: fsync its directory (best
 * effort; a failure here is not worth stopping the run for). */
static void fsync_parent_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int dfd;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
}

/* See cleanup.h.  The steps: the character set values are read in, the
 * file (never through a link), an existing file checked and trimmed, the
 * header appended, a new file's directory entry made durable.  On failure
 * b is closed (backup_close) and -1 returned with err set. */
int backup_open(struct backup *b, struct db *db, const char *path, int must_be_new, struct herr *err)
{
	char *cs = NULL;
	int existed = 0;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	pthread_mutex_init(&b->mu, NULL);
	if (db_get_str(db, &cs, err, "SELECT @@character_set_results") < 0)
		return -1;
	b->charset = cs && *cs ? cs : (free(cs), xstrdup("utf8mb4"));
	if (backup_open_file(b, path, must_be_new, &existed, err) < 0)
		goto fail;
	b->path = xstrdup(path);
	if (backup_prepare_end(b, path, existed, err) < 0 || backup_write_header(b, db, path, err) < 0)
		goto fail;
	if (!existed)
		fsync_parent_dir(path);
	return 0;
fail:
	backup_close(b);
	return -1;
}

/* Append a chunk and fsync it; on failure cut the file back. */
static int backup_write(struct backup *b, const struct strbuf *chunk, struct herr *err)
{
	off_t at;
	int rc = 0;

	pthread_mutex_lock(&b->mu);
	at = lseek(b->fd, 0, SEEK_END);
	if (at < 0 || xwrite_all(b->fd, chunk->buf, chunk->len) < 0 || fsync(b->fd) < 0) {
		int e = errno;

		if (at >= 0 && ftruncate(b->fd, at) == 0)
			lseek(b->fd, at, SEEK_SET);
		rc = herr_set(err, HX_PROBLEM, "writing the backup file %s: %s; the batch was not committed",
			      b->path, strerror(e));
	} else {
		b->bytes += chunk->len;
		b->chunks++;
	}
	pthread_mutex_unlock(&b->mu);
	return rc;
}

/* Close the file and free what b holds; b can be opened again. */
void backup_close(struct backup *b)
{
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	free(b->charset);
	pthread_mutex_destroy(&b->mu);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

/* ----------------------------------------------------------------- batch */

enum verdict { V_CLEAN = 0, V_NO_HPOS, V_BAD_TYPE, V_NEWER };

struct cand {
	uint64_t id;
	char *type, *status, *hpos_type;
	enum verdict v;
	int change_post;  /* type or status differ from the placeholder's */
};

/* The candidates of a batch in ID order; c and its strings are owned here
 * (batch_clear frees the strings, keeps c for the next batch). */
struct batch {
	struct cand *c;
	unsigned n, cap;
};

static void batch_clear(struct batch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		free(b->c[i].type);
		free(b->c[i].status);
		free(b->c[i].hpos_type);
	}
	b->n = 0;
}

enum attempt { ATT_OK, ATT_RETRY, ATT_LOST, ATT_FATAL };

/* What the last failed statement on db means for the attempt. */
static enum attempt classify(struct db *db)
{
	switch (db_errclass(db)) {
	case DBE_RETRY: return ATT_RETRY;
	case DBE_LOST: return ATT_LOST;
	default: return ATT_FATAL;
	}
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = *(const struct cand *const *)a, *y = *(const struct cand *const *)b;
	int r = strcmp(x->type, y->type);

	if (!r)
		r = strcmp(x->status, y->status);
	if (!r)
		r = x->id < y->id ? -1 : x->id > y->id;
	return r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Append the IDs of the batch's orders to clean (only_change: of those
 * whose post changes), comma-separated. */
static void id_list(struct strbuf *sql, const struct batch *b, int only_change)
{
	int first = 1;

	for (unsigned i = 0; i < b->n; i++) {
		if (b->c[i].v != V_CLEAN || (only_change && !b->c[i].change_post))
			continue;
		sb_addf(sql, "%s%llu", first ? "" : ",", (unsigned long long)b->c[i].id);
		first = 0;
	}
}

/* Is id one of the batch's orders to clean?  (b is in ID order.) */
static int batch_cleans(const struct batch *b, uint64_t id)
{
	unsigned lo = 0, hi = b->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (b->c[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && b->c[lo].id == id && b->c[lo].v == V_CLEAN;
}

/* See cleanup.h.  The IN list is built aside and appended last, so that the
 * ids before the returned index are all covered whichever way. */
size_t cleanup_id_cond(struct strbuf *sql, const char *col, const uint64_t *id, size_t from, size_t n, size_t max_len)
{
	struct strbuf in = STRBUF_INIT;
	size_t i = from, start = sql->len;
	int ranges = 0;

	if (from >= n) {
		sb_adds(sql, "(1=0)");
		return n;
	}
	sb_addc(sql, '(');
	while (i < n) {
		size_t j = i + 1;

		while (j < n && id[j] == id[j - 1] + 1)
			j++;
		if (i > from && sql->len - start + in.len + strlen(col) + 48 > max_len)
			break;
		if (j - i >= 2)
			sb_addf(sql, "%s%s BETWEEN %llu AND %llu", ranges++ ? " OR " : "", col,
				(unsigned long long)id[i], (unsigned long long)id[j - 1]);
		else
			sb_addf(&in, "%s%llu", in.len ? "," : "", (unsigned long long)id[i]);
		i = j;
	}
	if (in.len)
		sb_addf(sql, "%s%s IN (%s)", ranges ? " OR " : "", col, in.buf);
	sb_addc(sql, ')');
	sb_release(&in);
	return i;
}

/* The text of one DELETE of proven meta rows stays under this: far below
 * max_allowed_packet, and few enough ranges for the server's range
 * optimizer to keep them in its memory budget (beyond it, MySQL and
 * MariaDB fall back to scanning the table). */
#define DELETE_COND_MAX (64u << 10)

/* One attempt at one batch: what its steps share.  Inside one transaction:
 * read the posts (locked) and judge them → prove which postmeta rows the
 * orders to clean own (their meta_ids) → back up and delete exactly those
 * rows → turn the posts into placeholders → commit.  Steps return ATT_OK or
 * what their failure means for the attempt, with *err set. */
struct pass {
	struct db *db;
	const struct cleanup_opts *o;
	struct batch *b;            /* the candidates, judged by read_batch */
	uint64_t lo, hi;            /* the batch: lo < ID <= hi */
	unsigned n_clean, n_change; /* orders to clean; of them, posts to change */
	uint64_t *meta;             /* meta_ids proven to be theirs, ascending */
	size_t n_meta, cap_meta;
	struct db_result *rows;     /* without RETURNING: those rows, locked */
	struct strbuf sql;          /* the statement being built */
	struct strbuf postmeta;     /* the quoted postmeta table */
	struct strbuf chunk;        /* the backup chunk being built */
	size_t chunk_start;
	struct backup_stmt bs;
	struct cleanup_stats *st;   /* this attempt's timings */
	struct herr *err;
};

/* Fill c from a row of read_batch's SELECT (ID, post_type, post_status,
 * has an HPOS row, its type is an order type, the post is not newer, HPOS
 * type) and judge it: the checks of cleanup.h, in WooCommerce's order. */
static void judge(struct cand *c, const struct db_row *row, int force)
{
	memset(c, 0, sizeof(*c));
	c->id = strtoull(row->vals[0], NULL, 10);
	c->type = xstrdup(row->vals[1] ? row->vals[1] : "");
	c->status = xstrdup(row->vals[2] ? row->vals[2] : "");
	c->hpos_type = row->vals[6] ? xstrdup(row->vals[6]) : NULL;
	if (!row->vals[3] || strcmp(row->vals[3], "1"))
		c->v = V_NO_HPOS;
	else if (!row->vals[4] || strcmp(row->vals[4], "1"))
		c->v = V_BAD_TYPE;
	else if (!force && (!row->vals[5] || strcmp(row->vals[5], "1")))
		c->v = V_NEWER;
	else
		c->v = V_CLEAN;
	if (c->v == V_CLEAN)
		c->change_post = strcmp(c->type, PLACEHOLDER_TYPE) || strcmp(c->status, "draft");
}

/* Read the batch's candidates with their posts locked (FOR UPDATE), so that
 * they cannot change before the backup is written and the batch commits;
 * judge each.  Fills p->b, p->n_clean, p->n_change. */
static enum attempt read_batch(struct pass *p)
{
	struct db_result *res;
	struct db_row row;

	sb_reset(&p->sql);
	sb_adds(&p->sql, "SELECT p.ID, p.post_type, p.post_status, o.id IS NOT NULL, ");
	type_ok_sql(p->db, p->o->types, &p->sql);
	sb_adds(&p->sql, ", ");
	newer_ok_sql(&p->sql);
	sb_adds(&p->sql, ", o.type");
	wc_cleanup_from_where(p->db, p->o->types, p->o->id_filter, &p->sql);
	sb_addf(&p->sql, " AND p.ID > %llu AND p.ID <= %llu ORDER BY p.ID FOR UPDATE", (unsigned long long)p->lo,
		(unsigned long long)p->hi);
	if (db_run(p->db, DB_READ, p->sql.buf, p->sql.len, &res, p->err) < 0)
		return classify(p->db);
	if (db_num_rows(res) > p->b->cap) {
		p->b->cap = db_num_rows(res);
		p->b->c = xrealloc(p->b->c, sizeof(*p->b->c) * p->b->cap);
	}
	while (db_fetch(res, &row)) {
		struct cand *c = &p->b->c[p->b->n++];

		judge(c, &row, p->o->force);
		p->n_clean += c->v == V_CLEAN;
		p->n_change += c->change_post != 0;
	}
	db_free_result(res);
	return ATT_OK;
}

/* Which postmeta rows the orders to clean own: their meta_ids, sorted, in
 * p->meta.  With RETURNING a plain read of the post_id index: the DELETE
 * checks every row it removes (delete_returning).  Without, the whole rows
 * (meta_id only without a backup) read FOR UPDATE and kept in p->rows, so
 * that none can change or move to another post before the DELETE. */
static enum attempt prove_meta(struct pass *p)
{
	int locked = !p->o->returning, unsorted = 0;
	struct db_result *res;
	struct db_row row;

	sb_reset(&p->sql);
	sb_addf(&p->sql, "SELECT %s FROM %s WHERE post_id IN (",
		locked && p->o->backup ? "meta_id, post_id, meta_key, meta_value" : "meta_id", p->postmeta.buf);
	id_list(&p->sql, p->b, 0);
	sb_adds(&p->sql, locked ? ") FOR UPDATE" : ")");
	if (db_run(p->db, DB_READ, p->sql.buf, p->sql.len, &res, p->err) < 0)
		return classify(p->db);
	if (db_num_rows(res) > p->cap_meta) {
		p->cap_meta = db_num_rows(res);
		p->meta = xrealloc(p->meta, sizeof(*p->meta) * p->cap_meta);
	}
	while (db_fetch(res, &row)) {
		p->meta[p->n_meta] = strtoull(row.vals[0], NULL, 10);
		unsorted |= p->n_meta && p->meta[p->n_meta] < p->meta[p->n_meta - 1];
		p->n_meta++;
	}
	if (unsorted)   /* rows of posts written at the same time interleave */
		qsort(p->meta, p->n_meta, sizeof(*p->meta), cmp_u64);
	if (locked) {
		db_result_rewind(res);
		p->rows = res;
	} else {
		db_free_result(res);
	}
	return ATT_OK;
}

/* Start the batch's backup chunk: what it is, and START TRANSACTION. */
static void chunk_begin(struct pass *p)
{
	p->chunk_start = p->chunk.len;
	sb_addf(&p->chunk, "-- batch: %u orders after ID %llu, %llu postmeta rows\nSTART TRANSACTION;\n", p->n_clean,
		(unsigned long long)p->lo, (unsigned long long)p->n_meta);
}

/* Statements that give the changed posts back their type and status: one
 * UPDATE per original (type, status), each under BACKUP_STMT_MAX, touching
 * only posts that are still the placeholders this cleanup made. */
static void chunk_placeholders(struct pass *p)
{
	const char *cs = p->o->backup->charset;
	struct strbuf *ch = &p->chunk;
	struct cand **v;
	unsigned m = 0;
	size_t ustart = ch->len;

	if (!p->n_change)
		return;
	v = xmalloc(sizeof(*v) * p->n_change);
	for (unsigned i = 0; i < p->b->n; i++)
		if (p->b->c[i].v == V_CLEAN && p->b->c[i].change_post)
			v[m++] = &p->b->c[i];
	qsort(v, m, sizeof(*v), cmp_cand);
	for (unsigned i = 0; i < m; i++) {
		if (i == 0 || strcmp(v[i]->type, v[i - 1]->type) || strcmp(v[i]->status, v[i - 1]->status) ||
		    ch->len - ustart > BACKUP_STMT_MAX - 64) {
			if (i)
				sb_adds(ch, ");\n");
			ustart = ch->len;
			sb_adds(ch, "UPDATE ");
			wc_table(p->db, ch, "posts");
			sb_adds(ch, " SET post_type = ");
			cleanup_sql_value(ch, cs, v[i]->type, strlen(v[i]->type));
			sb_adds(ch, ", post_status = ");
			cleanup_sql_value(ch, cs, v[i]->status, strlen(v[i]->status));
			sb_addf(ch, " WHERE post_type = '" PLACEHOLDER_TYPE "' AND ID IN (%llu", (unsigned long long)v[i]->id);
		} else {
			sb_addf(ch, ",%llu", (unsigned long long)v[i]->id);
		}
	}
	sb_adds(ch, ");\n");
	free(v);
}

/* Finish the chunk (placeholder statements, COMMIT, the checksum line) and
 * write it, on disk before the batch commits.  ATT_FATAL if it cannot be. */
static enum attempt chunk_write(struct pass *p)
{
	char what[64];

	backup_end_meta(&p->chunk, &p->bs);
	chunk_placeholders(p);
	sb_adds(&p->chunk, "COMMIT;\n");
	snprintf(what, sizeof(what), "batch after ID %llu", (unsigned long long)p->lo);
	backup_seal(&p->chunk, p->chunk_start, what);
	return backup_write(p->o->backup, &p->chunk, p->err) < 0 ? ATT_FATAL : ATT_OK;
}

/* One postmeta row (meta_id, post_id, meta_key, meta_value) into the chunk. */
static void chunk_add_row(struct pass *p, const struct db_row *row)
{
	backup_add_meta(&p->chunk, &p->bs, p->postmeta.buf, p->o->backup->charset, (const char *const *)row->vals,
			row->lens);
}

/* "DELETE FROM postmeta WHERE <meta_ids p->meta[from..)>"; returns the index
 * of the first id the statement does not cover. */
static size_t delete_sql(struct pass *p, size_t from)
{
	size_t next;

	sb_reset(&p->sql);
	sb_addf(&p->sql, "DELETE FROM %s WHERE ", p->postmeta.buf);
	next = cleanup_id_cond(&p->sql, "meta_id", p->meta, from, p->n_meta, DELETE_COND_MAX);
	return next;
}

/* The delete removed another number of rows than were proven: ATT_RETRY. */
static enum attempt meta_changed(struct pass *p, uint64_t deleted)
{
	herr_set(p->err, HX_TEMPFAIL, "postmeta changed during the batch (%llu rows deleted, %llu backed up)",
		 (unsigned long long)deleted, (unsigned long long)p->n_meta);
	return ATT_RETRY;
}

/* MariaDB: delete the proven rows by meta_id (consecutive ids as primary-key
 * ranges, cheaper for the server than the post_id index) and have them
 * returned, straight into the backup chunk: the backup holds exactly what
 * was deleted.  Every returned row must belong to an order being cleaned
 * and there must be as many as proven; otherwise postmeta changed since the
 * proof (a row deleted, or moved to another post) and the attempt is
 * rolled back (ATT_RETRY): a row of another post is never deleted for good. */
static enum attempt delete_returning(struct pass *p)
{
	uint64_t got = 0;
	size_t i = 0;

	while (i < p->n_meta) {
		struct db_result *res;
		struct db_row row;
		int foreign = 0;

		i = delete_sql(p, i);
		sb_adds(&p->sql, p->o->backup ? " RETURNING meta_id, post_id, meta_key, meta_value" : " RETURNING post_id");
		if (db_run(p->db, DB_WRITE, p->sql.buf, p->sql.len, &res, p->err) < 0)
			return classify(p->db);
		while (db_fetch(res, &row)) {
			const char *post = row.vals[p->o->backup ? 1 : 0];

			foreign |= !post || !batch_cleans(p->b, strtoull(post, NULL, 10));
			if (p->o->backup)
				chunk_add_row(p, &row);
			got++;
		}
		db_free_result(res);
		if (foreign) {
			herr_set(p->err, HX_TEMPFAIL, "postmeta changed during the batch (a deleted row no longer "
				 "belonged to an order of the batch); rolled back");
			return ATT_RETRY;
		}
	}
	return got == p->n_meta ? ATT_OK : meta_changed(p, got);
}

/* Without RETURNING: the locked rows of prove_meta into the backup chunk. */
static void chunk_locked_rows(struct pass *p)
{
	struct db_row row;

	while (db_fetch(p->rows, &row))
		chunk_add_row(p, &row);
}

/* Without RETURNING: delete the rows prove_meta locked, by meta_id.  Every
 * id of every range is a locked row of an order being cleaned, so nothing
 * else can be in them; the count is checked all the same. */
static enum attempt delete_locked(struct pass *p)
{
	uint64_t deleted = 0;

	for (size_t i = 0; i < p->n_meta;) {
		i = delete_sql(p, i);
		if (db_run(p->db, DB_WRITE, p->sql.buf, p->sql.len, NULL, p->err) < 0)
			return classify(p->db);
		deleted += db_affected_rows(p->db);
	}
	return deleted == p->n_meta ? ATT_OK : meta_changed(p, deleted);
}

/* Back up and delete the proven meta rows, in the order the server allows:
 * with RETURNING, delete (rows into the chunk) then write the chunk; without,
 * write the chunk of the locked rows, then delete.  Timings: the deletes
 * count as writing, the chunk as backup. */
static enum attempt backup_and_delete(struct pass *p)
{
	enum attempt a = ATT_OK;
	double t = now_mono();

	if (p->o->backup)
		chunk_begin(p);
	if (p->o->returning) {
		a = delete_returning(p);
		p->st->t_write += now_mono() - t;
		t = now_mono();
	} else if (p->o->backup) {
		chunk_locked_rows(p);
	}
	if (a == ATT_OK && p->o->backup)
		a = chunk_write(p);
	p->st->t_backup += now_mono() - t;
	if (a == ATT_OK && !p->o->returning) {
		t = now_mono();
		a = delete_locked(p);
		p->st->t_write += now_mono() - t;
	}
	return a;
}

/* Turn the changed posts into placeholders (their rows are locked since
 * read_batch) and record them, so that sync does not rebuild them as if
 * they had no post yet. */
static enum attempt make_placeholders(struct pass *p)
{
	uint64_t *ids;
	unsigned m = 0;
	int rc;

	sb_reset(&p->sql);
	sb_adds(&p->sql, "UPDATE ");
	wc_table(p->db, &p->sql, "posts");
	sb_adds(&p->sql, " SET post_type = '" PLACEHOLDER_TYPE "', post_status = 'draft' WHERE ID IN (");
	id_list(&p->sql, p->b, 1);
	sb_addc(&p->sql, ')');
	if (db_run(p->db, DB_WRITE, p->sql.buf, p->sql.len, NULL, p->err) < 0)
		return classify(p->db);
	if (db_affected_rows(p->db) != p->n_change) {
		herr_set(p->err, HX_TEMPFAIL, "posts changed during the batch (%llu updated, %u expected)",
			 (unsigned long long)db_affected_rows(p->db), p->n_change);
		return ATT_RETRY;
	}
	ids = xmalloc(sizeof(*ids) * p->n_change);
	for (unsigned i = 0; i < p->b->n; i++)
		if (p->b->c[i].v == V_CLEAN && p->b->c[i].change_post)
			ids[m++] = p->b->c[i].id;
	rc = cleaned_record(p->db, ids, m, p->err);
	free(ids);
	return rc < 0 ? classify(p->db) : ATT_OK;
}

/* The steps after the batch was read, for a batch with orders to clean. */
static enum attempt clean_batch(struct pass *p)
{
	enum attempt a;
	double t = now_mono();

	a = prove_meta(p);
	p->st->t_write += now_mono() - t;
	if (a == ATT_OK)
		a = backup_and_delete(p);
	if (a == ATT_OK && p->n_change) {
		t = now_mono();
		a = make_placeholders(p);
		p->st->t_write += now_mono() - t;
	}
	return a;
}

/* One attempt at the batch of candidates with lo < ID <= hi, in one
 * transaction, committed on ATT_OK (b then holds the verdicts, *meta_deleted
 * and *posts_changed the counts) and rolled back otherwise (err says why).
 * Timings go to st (the caller's own). */
static enum attempt do_batch(struct db *db, const struct cleanup_opts *o, uint64_t lo, uint64_t hi, struct batch *b,
			     uint64_t *meta_deleted, uint64_t *posts_changed, struct cleanup_stats *st, struct herr *err)
{
	struct pass p = { .db = db, .o = o, .b = b, .lo = lo, .hi = hi, .st = st, .err = err };
	enum attempt a;
	double t;

	batch_clear(b);
	*meta_deleted = *posts_changed = 0;
	if (db_begin(db, "READ COMMITTED", err) < 0)
		return classify(db);
	wc_table(db, &p.postmeta, "postmeta");
	t = now_mono();
	a = read_batch(&p);
	st->t_select += now_mono() - t;
	if (a == ATT_OK && p.n_clean)
		a = clean_batch(&p);
	t = now_mono();
	if (a == ATT_OK && db_commit(db, err) < 0)
		a = classify(db);
	st->t_write += now_mono() - t;
	if (a == ATT_OK && p.n_clean) {
		*meta_deleted = p.n_meta;
		*posts_changed = p.n_change;
	}
	if (a != ATT_OK)
		db_rollback(db);
	db_free_result(p.rows);
	free(p.meta);
	sb_release(&p.sql);
	sb_release(&p.postmeta);
	sb_release(&p.chunk);
	return a;
}

/* Why a candidate was left alone, in words for the operator (in sb). */
static const char *verdict_text(const struct cand *c, struct strbuf *sb)
{
	sb_reset(sb);
	switch (c->v) {
	case V_NO_HPOS:
		if (!strcmp(c->type, PLACEHOLDER_TYPE))
			sb_adds(sb, "a placeholder post with no order in the HPOS tables; WooCommerce would delete it "
				"and its postmeta. Left alone: check why the order is missing from HPOS.");
		else
			sb_addf(sb, "the order is not in the HPOS tables; WooCommerce would delete its post (%s) and its "
				"data for good. Left alone: migrate it first (hposctl sync while posts are authoritative) "
				"or remove it yourself.", c->type);
		break;
	case V_BAD_TYPE:
		sb_addf(sb, "its HPOS row has type '%s', which is not an order type; WooCommerce cannot load it "
			"(\"is not a valid order ID\"). Left alone.", c->hpos_type ? c->hpos_type : "");
		break;
	case V_NEWER:
		sb_addf(sb, "Data in posts table appears to be more recent than in HPOS tables. Compare order data "
			"with `wp wc hpos diff %1$llu` and use `wp wc hpos backfill %1$llu --from=posts --to=hpos` to fix "
			"(or pass --force to clean it up anyway).", (unsigned long long)c->id);
		break;
	default:
		break;
	}
	return sb_str(sb);
}

/* Shared state of a run: the claim cursor and the totals, under mu. */
struct engine {
	pthread_mutex_t mu;
	struct db *main;            /* holds the run lock; claims go through it */
	const struct cleanup_opts *o;
	struct cleanup_stats *st;
	uint64_t cursor;            /* every candidate <= cursor is claimed */
	int stop;                   /* 1 done or stopping, 2 error */
	struct herr err;            /* the first error */
	double t0;
};

struct worker {
	struct engine *e;
	struct db *db;
	int is_main;
	pthread_t th;
};

/* Claim the next range (lo, hi] of up to batch_size candidates, under mu.
 * Returns 1 with a range, 0 when nothing is left, -1 on error. */
static int claim(struct engine *e, uint64_t *lo, uint64_t *hi, struct herr *err)
{
	const struct cleanup_opts *o = e->o;
	struct strbuf sql = STRBUF_INIT;
	int found = 0, rc = -1, auth = 0, compat = 1;

	sb_adds(&sql, "SELECT MAX(ID) FROM (SELECT p.ID AS ID");
	wc_cleanup_from_where(e->main, o->types, o->id_filter, &sql);
	sb_addf(&sql, " AND p.ID > %llu ORDER BY p.ID LIMIT %u) x", (unsigned long long)e->cursor, o->batch_size);
	for (unsigned attempt = 0;; attempt++) {
		/* The preconditions must hold for every batch, not just at the
		 * start: if authority or compatibility mode is switched, stop. */
		if (wc_hpos_authoritative(e->main, &auth, err) == 0 && wc_compat_mode(e->main, &compat, err) == 0) {
			if (!auth || compat) {
				herr_set(err, HX_PROBLEM, "HPOS stopped being authoritative or compatibility mode was "
					 "switched on during the run; stopped before the next batch");
				goto out;
			}
			if (db_get_u64(e->main, hi, &found, err, "%s", sql.buf) == 0)
				break;
		}
		if (db_errclass(e->main) == DBE_FATAL || db_errclass(e->main) == DBE_ACCESS ||
		    attempt >= o->max_retries)
			goto out;
		if (db_errclass(e->main) == DBE_LOST) {
			if (runlock_reconnect(e->main, o->runlock_name, 1, o->max_retries, err) < 0)
				goto out;
		} else {
			retry_backoff(attempt + 1);
		}
	}
	rc = 0;
	if (found) {
		*lo = e->cursor;
		e->cursor = *hi;
		rc = 1;
	}
out:
	sb_release(&sql);
	return rc;
}

/* Record the run's first error and stop it.  Under e->mu. */
static void fail_run(struct engine *e, const struct herr *err)
{
	if (e->stop != 2) {
		e->err = *err;
		e->stop = 2;
	}
}

/* Claim the worker's next batch (lo, hi] under e->mu.  Returns 1 with a
 * batch; 0 when the run is over (nothing left, stopping, or an error,
 * recorded in e). */
static int next_batch(struct engine *e, uint64_t *lo, uint64_t *hi)
{
	struct herr err = { 0, "" };
	int c;

	pthread_mutex_lock(&e->mu);
	c = e->stop ? 0 : claim(e, lo, hi, &err);
	if (c < 0)
		fail_run(e, &err);
	else if (c == 0 && !e->stop)
		e->stop = 1;
	pthread_mutex_unlock(&e->mu);
	return c > 0;
}

/* Clean the batch (lo, hi], retrying a deadlock, lock wait or lost
 * connection (reconnecting, the run lock retaken by the main connection)
 * up to max_retries times.  Returns ATT_OK or ATT_FATAL (err says why). */
static enum attempt batch_with_retries(struct worker *w, uint64_t lo, uint64_t hi, struct batch *b, uint64_t *meta,
				       uint64_t *changed, struct cleanup_stats *times, struct herr *err)
{
	struct engine *e = w->e;
	const struct cleanup_opts *o = e->o;
	unsigned attempt = 0;
	enum attempt a;

	for (;;) {
		a = do_batch(w->db, o, lo, hi, b, meta, changed, times, err);
		if (a == ATT_OK || a == ATT_FATAL)
			return a;
		if (attempt++ >= o->max_retries) {
			herr_prefix(err, "giving up after %u attempts", attempt);
			err->code = HX_TEMPFAIL;
			return ATT_FATAL;
		}
		pthread_mutex_lock(&e->mu);
		e->st->retries++;
		pthread_mutex_unlock(&e->mu);
		out_event("batch_retried", a == ATT_RETRY ? "\"reason\":\"lock\"" : "\"reason\":\"connection\"");
		out_debug("cleanup batch after %llu: %s; retrying (%u)", (unsigned long long)lo, err->msg, attempt);
		if (a == ATT_LOST) {
			if (runlock_reconnect(w->db, o->runlock_name, w->is_main, o->max_retries, err) < 0)
				return ATT_FATAL;
		} else {
			retry_backoff(attempt);
		}
	}
}

/* Warn about and report (order_skipped event) a candidate left alone;
 * msg and ev are the caller's scratch buffers. */
static void report_skipped(const struct cand *cd, struct strbuf *msg, struct strbuf *ev)
{
	out_warning("An error occurred while cleaning up order %llu: %s", (unsigned long long)cd->id,
		    verdict_text(cd, msg));
	sb_reset(ev);
	sb_addf(ev, "\"order_id\":%llu,\"reason\":\"%s\"", (unsigned long long)cd->id,
		cd->v == V_NEWER ? "post_newer" : cd->v == V_NO_HPOS ? "not_in_hpos" : "not_an_order_type");
	out_event("order_skipped", ev->buf);
}

/* Add a committed batch to the run's totals and report what it left
 * alone.  Under e->mu. */
static void tally(struct engine *e, const struct batch *b, uint64_t meta, uint64_t changed,
		  const struct cleanup_stats *times, struct strbuf *msg, struct strbuf *ev)
{
	struct cleanup_stats *st = e->st;

	st->t_select += times->t_select;
	st->t_backup += times->t_backup;
	st->t_write += times->t_write;
	st->batches++;
	st->seen += b->n;
	st->meta_rows += meta;
	st->posts_changed += changed;
	for (unsigned i = 0; i < b->n; i++) {
		const struct cand *cd = &b->c[i];

		if (cd->v == V_CLEAN) {
			st->cleaned++;
			continue;
		}
		if (cd->v == V_NEWER)
			st->skipped_newer++;
		else
			st->refused++;
		report_skipped(cd, msg, ev);
	}
}

/* Between batches, one worker at a time (under e->mu): stop at the
 * runtime limit or when the caller's callback says so (progress,
 * throttling; a pause here holds the others at their next claim). */
static void between_batches(struct engine *e)
{
	const struct cleanup_opts *o = e->o;

	if (e->stop)
		return;
	if (o->max_runtime > 0 && now_mono() - e->t0 >= o->max_runtime) {
		e->st->stop_reason = 1;
		e->stop = 1;
	} else if (o->between && o->between(o->arg, e->st)) {
		e->st->stop_reason = 3;
		e->stop = 1;
	}
}

/* A worker (thread, or the caller with --jobs 1): claims batches and
 * cleans them on its own connection until the run is over. */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct engine *e = w->e;
	struct batch b = { NULL, 0, 0 };
	struct strbuf msg = STRBUF_INIT, ev = STRBUF_INIT;
	struct herr err = { 0, "" };
	uint64_t lo = 0, hi = 0;

	while (next_batch(e, &lo, &hi)) {
		struct cleanup_stats times;
		uint64_t meta = 0, changed = 0;
		enum attempt a;

		memset(&times, 0, sizeof(times));
		a = batch_with_retries(w, lo, hi, &b, &meta, &changed, &times, &err);
		pthread_mutex_lock(&e->mu);
		if (a == ATT_FATAL) {
			fail_run(e, &err);
			pthread_mutex_unlock(&e->mu);
			break;
		}
		tally(e, &b, meta, changed, &times, &msg, &ev);
		between_batches(e);
		pthread_mutex_unlock(&e->mu);
	}
	batch_clear(&b);
	free(b.c);
	sb_release(&msg);
	sb_release(&ev);
	return NULL;
}

/* --jobs N: start N workers, each on its own connection (a clone of
 * e->main) and thread, and wait for them all; close their connections.
 * A worker that cannot be started fails the run (in e); those started
 * see it at their next claim. */
static void run_threads(struct engine *e, struct worker *w, unsigned jobs, struct herr *err)
{
	unsigned started = 0;

	for (unsigned i = 0; i < jobs; i++) {
		w[i].e = e;
		if (db_clone(e->main, &w[i].db, err) < 0) {
			pthread_mutex_lock(&e->mu);
			fail_run(e, err);
			pthread_mutex_unlock(&e->mu);
			break;
		}
		if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0) {
			db_close(w[i].db);
			w[i].db = NULL;
			herr_set(err, HX_INTERNAL, "cannot start a worker thread");
			pthread_mutex_lock(&e->mu);
			fail_run(e, err);
			pthread_mutex_unlock(&e->mu);
			break;
		}
		started++;
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	for (unsigned i = 0; i < jobs; i++)
		if (w[i].db)
			db_close(w[i].db);
}

/* See cleanup.h: --jobs 1 runs the worker on db itself; otherwise each
 * worker gets its own connection (db_clone) and thread, db keeps the run
 * lock and serves the claims.  The first error of any worker ends the run
 * (returned in err, -1); st holds the totals either way. */
int cleanup_run(struct db *db, const struct cleanup_opts *o, struct cleanup_stats *st, struct herr *err)
{
	struct engine e;
	unsigned jobs = o->jobs ? o->jobs : 1;
	struct worker *w = xcalloc(jobs, sizeof(*w));
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (cleaned_ensure(db, err) < 0) {
		free(w);
		return -1;
	}
	memset(&e, 0, sizeof(e));
	pthread_mutex_init(&e.mu, NULL);
	e.main = db;
	e.o = o;
	e.st = st;
	e.t0 = now_mono();
	if (jobs == 1) {
		w[0].e = &e;
		w[0].db = db;
		w[0].is_main = 1;
		work(&w[0]);
	} else {
		run_threads(&e, w, jobs, err);
	}
	if (e.stop == 2) {
		*err = e.err;
		rc = -1;
	}
	pthread_mutex_destroy(&e.mu);
	free(w);
	return rc;
}

int cleanup_has_returning(struct db *db, int *yes, struct herr *err)
{
	const char *env = getenv("HPOSCTL_NO_RETURNING"); /* test knob: the MySQL path */

	*yes = dialect_has_delete_returning(db_server(db)) && !(env && *env == '1');
	return 0;
}
