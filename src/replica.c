/* replica.c - replication lag of replicas, for sync's --max-lag. */
#include "replica.h"
#include "dialect.h"
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Keep a dead or hung replica from stalling the run on every check. */
#define REPLICA_CONNECT_TIMEOUT 5
#define REPLICA_READ_TIMEOUT 10

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Replace the string *field (freed) with a copy of the n bytes at v. */
static void set(char **field, const char *v, size_t n)
{
	free(*field);
	*field = xstrndup(v, n);
}

/* Start c as a copy of the primary's connection settings (base), with the
 * replica's own shorter timeouts.  The primary's password and option file
 * are not copied: they go to a replica only on p=@primary (take_primary_login()). */
static void inherit_primary(struct hpos_config *c, const struct hpos_config *base)
{
	free(c->table_prefix);
	free(c->charset);
	c->host = dup_or_null(base->host);
	c->port = base->port;
	c->socket = dup_or_null(base->socket);
	c->user = dup_or_null(base->user);
	c->no_env_password = 1;
	c->name = dup_or_null(base->name);
	c->table_prefix = dup_or_null(base->table_prefix);
	c->charset = dup_or_null(base->charset);
	c->ssl_mode = dup_or_null(base->ssl_mode);
	c->ssl_ca = dup_or_null(base->ssl_ca);
	c->ssl_capath = dup_or_null(base->ssl_capath);
	c->ssl_cert = dup_or_null(base->ssl_cert);
	c->ssl_key = dup_or_null(base->ssl_key);
	c->ssl_cipher = dup_or_null(base->ssl_cipher);
	c->connect_timeout = base->connect_timeout && base->connect_timeout < REPLICA_CONNECT_TIMEOUT
			     ? base->connect_timeout : REPLICA_CONNECT_TIMEOUT;
	c->read_timeout = REPLICA_READ_TIMEOUT;
	c->write_timeout = REPLICA_READ_TIMEOUT;
}

/* What the pairs seen so far have set (replica_parse()). */
struct dsn_state {
	int where;      /* h=, P= or S= seen: the primary's host/port/socket dropped */
	int login;      /* u= seen */
	int reuse;      /* p=@primary seen */
	int file;       /* F= seen */
};

/* h=, S= or P= (key) with value v of vn bytes: the first of them drops the
 * primary's host, port and socket (they are one setting).  0, or -1 with an
 * HX_USAGE err for a bad port. */
static int dsn_where(struct hpos_config *c, struct dsn_state *st, char key, const char *v, size_t vn,
		     struct herr *err)
{
	uint64_t port;
	char *tmp;

	if (!st->where) {
		FREE_AND_NULL(c->host);
		FREE_AND_NULL(c->socket);
		c->port = 0;
		st->where = 1;
	}
	if (key == 'h') {
		set(&c->host, v, vn);
	} else if (key == 'S') {
		set(&c->socket, v, vn);
	} else {
		tmp = xstrndup(v, vn);
		if (parse_u64(tmp, &port) < 0 || port < 1 || port > 65535) {
			free(tmp);
			return herr_set(err, HX_USAGE, "--replica: P= must be a port number 1..65535");
		}
		free(tmp);
		c->port = (unsigned)port;
	}
	return 0;
}

/* One KEY=VALUE pair, p pointing at the key and n its length up to the
 * next comma (pair counts from 1, for the message).  Applies it to c and
 * st; 0, or -1 with an HX_USAGE err that never repeats the value (it may
 * be a mistyped password). */
static int dsn_pair(struct hpos_config *c, struct dsn_state *st, const char *p, size_t n, unsigned pair,
		    struct herr *err)
{
	const char *v = p + 2;
	size_t vn;

	if (n < 2 || p[1] != '=') /* not repeated: it may be a password */
		return herr_set(err, HX_USAGE, "--replica: pair %u is not KEY=VALUE with a one-letter KEY "
				"(h=, P=, S=, u=, D=, F=)", pair);
	vn = n - 2;
	if (vn == 0 && p[0] != 'D')
		return herr_set(err, HX_USAGE, "--replica: %c= needs a value", p[0]);
	switch (p[0]) {
	case 'h':
	case 'S':
	case 'P':
		return dsn_where(c, st, p[0], v, vn, err);
	case 'u':
		set(&c->user, v, vn);
		st->login = 1;
		return 0;
	case 'D':
		if (vn == 0)
			return herr_set(err, HX_USAGE, "--replica: D= needs a value");
		set(&c->name, v, vn);
		return 0;
	case 'F':
		set(&c->defaults_file, v, vn);
		st->file = 1;
		if (!st->login)
			FREE_AND_NULL(c->user);
		FREE_AND_NULL(c->password);
		return 0;
	case 'p':
		if (vn == 8 && !memcmp(v, "@primary", 8)) {
			st->reuse = 1;
			return 0;
		}
		/* do not repeat the DSN: it holds the password */
		return herr_set(err, HX_USAGE, "--replica: p= is refused, passwords are never taken on the command line "
				"(visible in ps); name an option file with F=, or send the primary's password with p=@primary");
	default:
		return herr_set(err, HX_USAGE, "--replica: unknown key %c= (use h=, P=, S=, u=, D=, F=)", p[0]);
	}
}

/* p=@primary: the primary's password and option file go to the replica
 * too, and its $MYSQL_PWD rule with them. */
static void take_primary_login(struct hpos_config *c, const struct hpos_config *base)
{
	c->password = dup_or_null(base->password);
	c->defaults_file = dup_or_null(base->defaults_file);
	c->no_env_password = base->no_env_password;
}

int replica_parse(struct replica *r, const char *dsn, const struct hpos_config *base,
		  struct herr *err)
{
	struct hpos_config *c = &r->cfg;
	struct dsn_state st = { 0, 0, 0, 0 };
	const char *p = dsn;
	unsigned pair = 0;

	memset(r, 0, sizeof(*r));
	config_init(c);
	inherit_primary(c, base);
	r->label = xstrdup(dsn);
	if (!*dsn)
		goto bad_empty;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (dsn_pair(c, &st, p, n, ++pair, err) < 0)
			return -1;
		p += n;
		if (*p == ',' && !*++p)
			goto bad_empty;
	}
	if (st.reuse && st.file)
		return herr_set(err, HX_USAGE, "--replica: F= and p=@primary exclude each other (one source of credentials)");
	if (st.reuse)
		take_primary_login(c, base);
	return 0;
bad_empty:
	return herr_set(err, HX_USAGE, "--replica: empty DSN or empty pair (e.g. h=10.0.0.2,P=3306 or S=/path/to.sock)");
}

/* Replication status, one row per channel (dialect_replica_status_sql()):
 * 0 and *res with at least one row, 1 when it is empty (not a replica), -1
 * on error. */
static int status(struct db *db, struct db_result **res, struct herr *err)
{
	const char *const *q = dialect_replica_status_sql(db_server(db));
	int rc = -1;

	for (; *q; q++) {
		rc = db_run(db, DB_READ, *q, strlen(*q), res, err);
		/* The next spelling only when the server did not know this one. */
		if (rc == 0 || db_errclass(db) == DBE_LOST || db_errclass(db) == DBE_ACCESS)
			break;
	}
	if (rc < 0)
		return -1;
	if (db_num_rows(*res) == 0) {
		db_free_result(*res);
		*res = NULL;
		return 1;
	}
	return 0;
}

/* The value of column a (MariaDB's / the older name) or else b (MySQL's
 * newer name) in row, or NULL when neither is there or it is SQL NULL. */
static const char *column(struct db_result *res, struct db_row *row, const char *a, const char *b)
{
	int i = db_column(res, a);

	if (i < 0)
		i = db_column(res, b);
	return i >= 0 && (unsigned)i < row->n ? row->vals[i] : NULL;
}

int replica_open(struct replica *r, struct herr *err)
{
	struct db_result *res = NULL;
	int rc;

	if (db_connect(&r->cfg, &r->db, err) < 0)
		return herr_prefix(err, "replica %s", r->label);
	rc = status(r->db, &res, err);
	if (rc < 0 && db_errclass(r->db) == DBE_ACCESS) {
		char d[64];

		return herr_set(err, HX_NOPERM, "replica %s: the user may not read the replication status; on this "
				"server (%s) grant it %s", r->label,
				dialect_describe(db_server(r->db), d, sizeof(d)), dialect_replica_privilege(db_server(r->db)));
	}
	if (rc < 0)
		return herr_prefix(err, "replica %s", r->label);
	db_free_result(res);
	if (rc == 1)
		return herr_set(err, HX_USAGE, "replica %s: this server is not a replica (SHOW REPLICA STATUS is empty)",
				r->label);
	return 0;
}

/* One channel's row of the replication status: 0 with *lag its
 * Seconds_Behind_Master, or 1 with why saying which thread is not
 * running (or that the lag is NULL).  label names the replica. */
static int channel_lag(struct db_result *res, struct db_row *row, const char *label, double *lag,
		       char *why, size_t whylen)
{
	const char *ch = column(res, row, "Connection_name", "Channel_Name");
	const char *sql = column(res, row, "Slave_SQL_Running", "Replica_SQL_Running");
	const char *io = column(res, row, "Slave_IO_Running", "Replica_IO_Running");
	const char *sbm = column(res, row, "Seconds_Behind_Master", "Seconds_Behind_Source");
	const char *lerr = column(res, row, "Last_SQL_Error", "Last_Error");
	char chname[80];

	snprintf(chname, sizeof(chname), "%s%s%s", ch && *ch ? " channel '" : "", ch && *ch ? ch : "",
		 ch && *ch ? "'" : "");
	if (!sql || strcasecmp(sql, "Yes")) {
		snprintf(why, whylen, "replica %s%s: the replication SQL thread is not running%s%s", label,
			 chname, lerr && *lerr ? ": " : "", lerr && *lerr ? lerr : "");
		return 1;
	}
	if (!io || strcasecmp(io, "Yes")) {
		snprintf(why, whylen, "replica %s%s: the replication IO thread is not running (%s)", label,
			 chname, io ? io : "unknown");
		return 1;
	}
	if (!sbm) {
		snprintf(why, whylen, "replica %s%s: Seconds_Behind_Master is NULL", label, chname);
		return 1;
	}
	*lag = strtod(sbm, NULL);
	return 0;
}

int replica_lag(struct replica *r, double *lag, char *why, size_t whylen)
{
	struct db_result *res = NULL;
	struct db_row row;
	struct herr e;
	unsigned channels = 0;
	int rc;

	if (!r->db && db_connect(&r->cfg, &r->db, &e) < 0) {
		snprintf(why, whylen, "replica %s is unreachable: %s", r->label, e.msg);
		return 1;
	}
	rc = status(r->db, &res, &e);
	if (rc < 0) {
		snprintf(why, whylen, "replica %s: %s", r->label, e.msg);
		if (db_errclass(r->db) == DBE_LOST) {
			db_close(r->db);
			r->db = NULL;
		}
		return 1;
	}
	if (rc == 1) {
		snprintf(why, whylen, "replica %s has no replication status any more", r->label);
		return 1;
	}
	/* Every channel counts (a multi-source replica): the largest lag, or
	 * the first channel that is not replicating. */
	*lag = 0;
	why[0] = '\0';
	rc = 0;
	while (rc == 0 && db_fetch(res, &row)) {
		double l;

		channels++;
		rc = channel_lag(res, &row, r->label, &l, why, whylen);
		if (rc == 0 && l > *lag)
			*lag = l;
	}
	if (rc == 0 && !channels) {
		snprintf(why, whylen, "replica %s has no replication status any more", r->label);
		rc = 1;
	}
	db_free_result(res);
	return rc;
}

void replica_close(struct replica *r)
{
	db_close(r->db);
	r->db = NULL;
	config_release(&r->cfg);
	FREE_AND_NULL(r->label);
}
