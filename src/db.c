/* db.c - connection, session setup, the statement choke point, errors. */
#include "db.h"
#include "output.h"

#include <ctype.h>
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct db {
	MYSQL *m;
	const struct hpos_config *cfg;
	char *prefix;
	char *name;
	char *collation;
	int collation_looked_up;
	int dry_run;
	unsigned last_errno;
	enum db_errclass last_class;
	double reconnect_window; /* seconds db_reconnect() keeps trying */
	int bulk_off;            /* the server refused array binding once */
	unsigned bulk_warnings;  /* warnings of the last db_run_bulk() */
	int last_was_bulk;
	struct db_server server; /* detected at connect */
	/* The last write's warnings, read when it left any (collect_warnings()). */
	unsigned data_warnings;  /* data-altering ones */
	int warnings_unread;     /* SHOW WARNINGS failed */
	int warnings_read;       /* the last statement was a write: raw_warnings is its count */
	unsigned raw_warnings;
	char warn_desc[320];     /* the first data-altering one */
	int sample;              /* db_set_sample(): every transaction rolls back */
	int in_txn;              /* between db_begin() and commit/rollback */
	int binlog_off;          /* sample: SET SESSION sql_log_bin = 0 worked */
};

/* Connector/C (LIBMARIADB) has calls Oracle's libmysqlclient 8 lacks:
 * mariadb_get_infov(), array binding (STMT_ATTR_ARRAY_SIZE), my_bool and
 * MYSQL_OPT_SSL_ENFORCE; Oracle's has MYSQL_OPT_SSL_MODE instead. */
#if defined(LIBMARIADB) && defined(MARIADB_PACKAGE_VERSION_ID)
#if MARIADB_PACKAGE_VERSION_ID >= 30000
#define HAVE_BULK 1
#endif
#endif
#ifndef HAVE_BULK
#define HAVE_BULK 0
#endif

/* What the sample connections wrote and rolled back (all of them). */
static struct {
	pthread_mutex_t mu;
	struct db_sample_totals t;
} sample_acc = { PTHREAD_MUTEX_INITIALIZER, { 0, 0, 0, 0 } };

struct db_result {
	MYSQL_RES *res;
	unsigned nfields;
};

/* Modes WordPress's wpdb removes from the session sql_mode. */
static const char *const wp_incompatible_modes[] = {
	"NO_ZERO_DATE", "ONLY_FULL_GROUP_BY", "STRICT_TRANS_TABLES",
	"STRICT_ALL_TABLES", "TRADITIONAL", "ANSI",
};

static enum db_errclass classify(const struct db *db, unsigned e)
{
	return dialect_errclass(&db->server, e);
}

/* The exit status (HX_*) of an error of class c. */
static int class_to_exit(enum db_errclass c)
{
	switch (c) {
	case DBE_RETRY:
	case DBE_LOST:
		return HX_TEMPFAIL;
	case DBE_ACCESS:
		return HX_NOPERM;
	default:
		return HX_INTERNAL;
	}
}

/* Record the connection's last error on db (errno, class) and fill err with
 * it, prefixed by what. Returns -1. */
static int set_error(struct db *db, struct herr *err, const char *what)
{
	db->last_errno = mysql_errno(db->m);
	db->last_class = classify(db, db->last_errno);
	return herr_set(err, class_to_exit(db->last_class), "%s: %s (%u)", what,
			mysql_error(db->m), db->last_errno);
}

/* Read the server's session sql_mode (into *mode, allocated, NULL when
 * unknown) and its version (db->server), in one round trip.  0, or -1
 * with err. */
static int read_server(struct db *db, char **mode, struct herr *err)
{
	struct db_result *res;
	struct db_row row;

	*mode = NULL;
	if (db_run(db, DB_READ, "SELECT @@SESSION.sql_mode, VERSION(), @@version_comment", 56, &res, err) < 0)
		return -1;
	if (db_fetch(res, &row) && row.n >= 3) {
		if (row.vals[0])
			*mode = xstrndup(row.vals[0], row.lens[0]);
		dialect_parse_server(&db->server, row.vals[1], row.vals[2]);
	}
	db_free_result(res);
#if defined(LIBMARIADB) && defined(CLIENT_MYSQL)
	/* A proxy may rewrite the version string; MariaDB servers
	 * leave the CLIENT_MYSQL capability bit clear. */
	if (db->server.flavor == DBF_UNKNOWN) {
		unsigned long caps = 0;

		if (!mariadb_get_infov(db->m, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps))
			db->server.flavor = caps & CLIENT_MYSQL ? DBF_MYSQL : DBF_MARIADB;
	}
#endif
	return 0;
}

/* Append to sql the modes of mode (comma-separated; modified by
 * strtok_r) without those WordPress strips, as wpdb::set_sql_mode()
 * (WordPress 6.8: the same six, compared by exact name). */
static void add_wp_sql_mode(struct strbuf *sql, char *mode)
{
	char *tok, *save = NULL;
	int first = 1;

	for (tok = strtok_r(mode, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int drop = 0;

		for (size_t i = 0; i < ARRAY_SIZE(wp_incompatible_modes); i++)
			if (!strcasecmp(tok, wp_incompatible_modes[i]))
				drop = 1;
		if (drop)
			continue;
		if (!first)
			sb_addc(sql, ',');
		sb_adds(sql, tok);
		first = 0;
	}
}

/* The session as WordPress has it: the server detected, WordPress's
 * sql_mode, time zone UTC, the configured collation.  0, or -1 with err. */
static int setup_session(struct db *db, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	char *mode;
	int rc;

	if (read_server(db, &mode, err) < 0)
		return -1;
	sb_adds(&sql, "SET SESSION sql_mode = '");
	if (mode)
		add_wp_sql_mode(&sql, mode);
	sb_adds(&sql, "', time_zone = '+00:00'");
	free(mode);
	rc = db_run(db, DB_SESSION, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	if (db->cfg->collation && *db->cfg->collation &&
	    db_runf(db, DB_SESSION, NULL, err, "SET collation_connection = '%s'", db->cfg->collation) < 0)
		return -1;
	return 0;
}

/* A sample connection keeps its (rolled-back) transactions out of the
 * binary log where the account may say so (SUPER / BINLOG ADMIN).  Where
 * it may not, nothing changes: the server writes a transaction to the
 * binary log only when it commits, and these never do. */
static void sample_session(struct db *db)
{
	struct herr e;

	db->binlog_off = db_run(db, DB_SESSION, "SET SESSION sql_log_bin = 0", 27, NULL, &e) == 0;
	if (!db->binlog_off)
		out_debug("sample: sql_log_bin stays on (%s); rolled-back transactions are not logged anyway", e.msg);
}

/* The authentication methods that never put the password on the wire in
 * clear text.  mysql_clear_password and dialog (PAM) do; they are allowed
 * only where nobody can read the link: TLS enforced (the certificate is
 * checked as ssl_mode says) or a Unix socket. */
#define SAFE_AUTH_PLUGINS "mysql_native_password,client_ed25519,parsec,caching_sha2_password,sha256_password,auth_gssapi_client"

int db_cleartext_auth_allowed(const struct hpos_config *cfg)
{
	const char *m = cfg->ssl_mode;

	if (m && (!strcasecmp(m, "required") || !strcasecmp(m, "verify_ca") || !strcasecmp(m, "verify_identity")))
		return 1;
	/* No host, or "localhost": Connector/C takes the Unix socket. */
	return !cfg->host || !*cfg->host || !strcmp(cfg->host, "localhost");
}

/* Where the link is not private (db_cleartext_auth_allowed()), allow only
 * the authentication methods of SAFE_AUTH_PLUGINS on m. */
static void restrict_auth(MYSQL *m, const struct hpos_config *cfg)
{
	if (db_cleartext_auth_allowed(cfg))
		return;
#if defined(MARIADB_PACKAGE_VERSION_ID) && MARIADB_PACKAGE_VERSION_ID >= 30301
	mysql_options(m, MARIADB_OPT_RESTRICTED_AUTH, SAFE_AUTH_PLUGINS);
#else
	/* Older Connector/C has no list; MySQL's libmysqlclient refuses
	 * mysql_clear_password unless MYSQL_ENABLE_CLEARTEXT_PLUGIN is set. */
	(void)m;
#endif
}

/* The client options of a new handle m from cfg: character set, the
 * connect/read/write timeouts, the option file (group [hposctl]). */
static void set_client_options(MYSQL *m, const struct hpos_config *cfg)
{
	unsigned int t;

	mysql_options(m, MYSQL_SET_CHARSET_NAME, cfg->charset ? cfg->charset : "utf8mb4");
	if (cfg->connect_timeout) {
		t = cfg->connect_timeout;
		mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	}
	if (cfg->read_timeout) {
		t = cfg->read_timeout;
		mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
	}
	if (cfg->write_timeout) {
		t = cfg->write_timeout;
		mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &t);
	}
	if (cfg->defaults_file) {
		mysql_options(m, MYSQL_READ_DEFAULT_FILE, cfg->defaults_file);
		mysql_options(m, MYSQL_READ_DEFAULT_GROUP, "hposctl");
	}
}

/* TLS as cfg->ssl_mode says (disabled, preferred, required, verify_ca,
 * verify_identity; unset: the library's default), with cfg's key,
 * certificate, CA and cipher settings. */
static void set_tls_options(MYSQL *m, const struct hpos_config *cfg)
{
	if (!cfg->ssl_mode || !strcasecmp(cfg->ssl_mode, "disabled"))
		return;
#ifdef LIBMARIADB
	my_bool on = 1;

	mysql_ssl_set(m, cfg->ssl_key, cfg->ssl_cert, cfg->ssl_ca, cfg->ssl_capath, cfg->ssl_cipher);
	if (strcasecmp(cfg->ssl_mode, "preferred"))
		mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
	/* Given a CA, the library always verifies the chain (verify_ca);
	 * this option adds the host name check (verify_identity). */
	if (!strcasecmp(cfg->ssl_mode, "verify_identity"))
		mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
#else
	/* Oracle's libmysqlclient 8: one option names the mode. */
	unsigned int mode = !strcasecmp(cfg->ssl_mode, "preferred") ? SSL_MODE_PREFERRED :
			    !strcasecmp(cfg->ssl_mode, "verify_identity") ? SSL_MODE_VERIFY_IDENTITY :
			    !strcasecmp(cfg->ssl_mode, "verify_ca") ? SSL_MODE_VERIFY_CA : SSL_MODE_REQUIRED;

	if (cfg->ssl_key)
		mysql_options(m, MYSQL_OPT_SSL_KEY, cfg->ssl_key);
	if (cfg->ssl_cert)
		mysql_options(m, MYSQL_OPT_SSL_CERT, cfg->ssl_cert);
	if (cfg->ssl_ca)
		mysql_options(m, MYSQL_OPT_SSL_CA, cfg->ssl_ca);
	if (cfg->ssl_capath)
		mysql_options(m, MYSQL_OPT_SSL_CAPATH, cfg->ssl_capath);
	if (cfg->ssl_cipher)
		mysql_options(m, MYSQL_OPT_SSL_CIPHER, cfg->ssl_cipher);
	mysql_options(m, MYSQL_OPT_SSL_MODE, &mode);
#endif
}

/* The password to log in with: the configured one; else $MYSQL_PWD unless
 * that is turned off (no_env_password), then "" - or NULL when an option
 * file may supply it.  Not a copy: the caller must not free it. */
static const char *login_password(const struct hpos_config *cfg)
{
	if (cfg->password)
		return cfg->password;
	if (!cfg->no_env_password)
		return getenv("MYSQL_PWD");
	if (!cfg->defaults_file)
		return "";      /* Connector/C would read $MYSQL_PWD for NULL */
	return NULL;
}

/* After mysql_real_connect() failed: record the error on db, fill err with
 * its exit class (HX_NOPERM refused login, HX_CONFIG unknown database,
 * HX_NOCONNECT anything else), close the handle.  Returns -1. */
static int connect_failed(struct db *db, struct herr *err)
{
	unsigned e = mysql_errno(db->m);

	db->last_errno = e;
	db->last_class = classify(db, e);
	if (e == ER_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR || e == ER_ACCESS_DENIED_NO_PASSWORD_ERROR)
		herr_set(err, HX_NOPERM, "cannot connect to the database: %s (%u)", mysql_error(db->m), e);
	else if (e == ER_BAD_DB_ERROR)
		herr_set(err, HX_CONFIG, "cannot use database: %s (%u)", mysql_error(db->m), e);
	else
		herr_set(err, HX_NOCONNECT, "cannot connect to the database server: %s (%u)", mysql_error(db->m), e);
	mysql_close(db->m);
	db->m = NULL;
	return -1;
}

/* Open db->m with db->cfg (options, TLS, the allowed authentication
 * methods, the login) and set the session up.  db->m is NULL on entry;
 * on failure it is NULL again (or the open handle whose session setup
 * failed, closed by db_close()/db_reconnect()).  0, or -1 with err. */
static int do_connect(struct db *db, struct herr *err)
{
	const struct hpos_config *cfg = db->cfg;

	db->m = mysql_init(NULL);
	if (!db->m)
		return herr_set(err, HX_INTERNAL, "mysql_init failed");
	set_client_options(db->m, cfg);
	set_tls_options(db->m, cfg);
	restrict_auth(db->m, cfg);
	if (!mysql_real_connect(db->m, cfg->host, cfg->user, login_password(cfg), cfg->name, cfg->port,
				cfg->socket, 0))
		return connect_failed(db, err);
	db->in_txn = 0;
	if (setup_session(db, err) < 0)
		return -1;
	if (db->sample)
		sample_session(db);
	return 0;
}

/* Refuse a connection character set that cannot hold the characters of
 * the tables hposctl reads and writes: the server would turn them into '?'
 * on the way, silently. */
static int check_charset(struct db *db, struct herr *err)
{
	static const char *const tables[] = { "posts", "postmeta", "options", "wc_orders", "wc_order_addresses",
					      "wc_order_operational_data", "wc_orders_meta" };
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	int rc = 0;

	sb_adds(&sql, "SELECT @@character_set_client, c.CHARACTER_SET_NAME, MIN(CONCAT(c.TABLE_NAME, '.', c.COLUMN_NAME)) "
		"FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = DATABASE() AND c.CHARACTER_SET_NAME IS NOT NULL "
		"AND c.TABLE_NAME IN (");
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		sb_addf(&sql, "%s'%s%s'", i ? "," : "", db->prefix, tables[i]);
	sb_adds(&sql, ") GROUP BY c.CHARACTER_SET_NAME");
	if (db_run(db, DB_SESSION, sql.buf, sql.len, &res, err) < 0) {
		sb_release(&sql);
		return -1;
	}
	while (rc == 0 && db_fetch(res, &row)) {
		if (!row.vals[0] || !row.vals[1] || charset_covers(row.vals[0], row.vals[1]))
			continue;
		rc = herr_set(err, HX_CONFIG, "the connection character set %s cannot hold every character of the %s "
			      "columns (e.g. %s): they would be read and written as '?'.  Use utf8mb4 "
			      "(database.charset, DB_CHARSET or --charset).", row.vals[0], row.vals[1],
			      row.vals[2] ? row.vals[2] : "?");
	}
	db_free_result(res);
	sb_release(&sql);
	return rc;
}

int db_connect(const struct hpos_config *cfg, struct db **dbp, struct herr *err)
{
	struct db *db = xcalloc(1, sizeof(*db));

	db->cfg = cfg;
	db->reconnect_window = 30;
	db->prefix = xstrdup(cfg->table_prefix ? cfg->table_prefix : "wp_");
	db->name = xstrdup(cfg->name ? cfg->name : "");
	if (!cfg->name || !*cfg->name) {
		db_close(db);
		return herr_set(err, HX_CONFIG, "no database name configured (set database.name, DB_NAME in wp-config.php, or --dbname)");
	}
	if (do_connect(db, err) < 0 || check_charset(db, err) < 0) {
		db_close(db);
		return -1;
	}
	if (outst.debug) {
		char d[64];

		out_debug("connected to %s (%s, %s) as thread %lu", mysql_get_host_info(db->m),
			  dialect_describe(&db->server, d, sizeof(d)), db->server.text, mysql_thread_id(db->m));
	}
	*dbp = db;
	return 0;
}

int db_clone(const struct db *db, struct db **dbp, struct herr *err)
{
	if (db_connect(db->cfg, dbp, err) < 0)
		return -1;
	(*dbp)->dry_run = db->dry_run;
	(*dbp)->reconnect_window = db->reconnect_window;
	if (db->sample)
		db_set_sample(*dbp, 1);
	return 0;
}

void db_set_reconnect_window(struct db *db, double seconds)
{
	db->reconnect_window = seconds;
}

/* A server that restarts (a crash, a failover) refuses connections for a
 * while: keep trying, with growing pauses, for the reconnect window.  A
 * connection that worked and cannot be had back is a temporary failure
 * (exit 75), not a configuration problem; refused credentials stay what
 * they are. */
int db_reconnect(struct db *db, struct herr *err)
{
	double deadline = now_mono() + db->reconnect_window, pause = 0.2;

	for (;;) {
		struct timespec ts;

		if (db->m)
			mysql_close(db->m);
		db->m = NULL;
		if (do_connect(db, err) == 0)
			return 0;
		if (err->code != HX_NOCONNECT && db->last_class != DBE_LOST)
			return -1;
		if (now_mono() + pause > deadline)
			break;
		ts.tv_sec = (time_t)pause;
		ts.tv_nsec = (long)((pause - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		pause = pause * 2 > 2.0 ? 2.0 : pause * 2;
	}
	herr_prefix(err, "the connection was lost and could not be re-established within %.0f s",
		    db->reconnect_window);
	err->code = HX_TEMPFAIL;
	return -1;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->m)
		mysql_close(db->m);
	free(db->prefix);
	free(db->name);
	free(db->collation);
	free(db);
}

void db_set_dry_run(struct db *db, int on) { db->dry_run = on; }

void db_set_sample(struct db *db, int on)
{
	db->sample = on;
	if (on && db->m)
		sample_session(db);
}
int db_sample(const struct db *db) { return db->sample; }
int db_sample_binlog_off(const struct db *db) { return db->binlog_off; }

void db_sample_totals(struct db_sample_totals *t, int reset)
{
	pthread_mutex_lock(&sample_acc.mu);
	*t = sample_acc.t;
	if (reset)
		memset(&sample_acc.t, 0, sizeof(sample_acc.t));
	pthread_mutex_unlock(&sample_acc.mu);
}

/* The statement's first keyword, upper-cased, in kw (at most n-1 chars). */
static void first_word(const char *sql, size_t len, char *kw, size_t n)
{
	size_t i = 0, k = 0;

	while (i < len && (isspace((unsigned char)sql[i]) || sql[i] == '('))
		i++;
	while (i < len && k + 1 < n && isalpha((unsigned char)sql[i]))
		kw[k++] = (char)toupper((unsigned char)sql[i++]);
	kw[k] = '\0';
}

/* 1 when w occurs anywhere in sql[0..len), in any case. */
static int has_word_ci(const char *sql, size_t len, const char *w)
{
	size_t n = strlen(w);

	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp(sql + i, w, n))
			return 1;
	return 0;
}

int db_sample_allows(const char *sql, size_t len, int write, int in_txn, char kw[16])
{
	static const char *const dml[] = { "INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD" };
	static const char *const implicit_commit[] = { "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME",
						       "COMMIT", "LOCK", "UNLOCK", "GRANT", "REVOKE",
						       "OPTIMIZE", "ANALYZE", "REPAIR", "FLUSH", "BEGIN" };

	first_word(sql, len, kw, 16);
	for (size_t i = 0; i < ARRAY_SIZE(implicit_commit); i++)
		if (!strcmp(kw, implicit_commit[i]))
			return 0;
	if (write && !in_txn)
		return 0;
	/* A second START TRANSACTION, or autocommit switched, commits. */
	if ((!strcmp(kw, "START") && in_txn) || (!strcmp(kw, "SET") && has_word_ci(sql, len, "autocommit")))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(dml); i++)
		if (!strcmp(kw, dml[i]) && !in_txn)
			return 0;
	return 1;
}

/* A sample connection runs data changes only inside a transaction (which
 * db_commit() rolls back) and never a statement that commits implicitly. 0
 * allowed, -1 refused with an HX_INTERNAL err. */
static int sample_guard(struct db *db, int write, const char *sql, size_t len, struct herr *err)
{
	char kw[16];

	if (db_sample_allows(sql, len, write, db->in_txn, kw))
		return 0;
	db->last_errno = 0;
	db->last_class = DBE_FATAL;
	return herr_set(err, HX_INTERNAL, "sample run: refusing a statement that would outlive the rollback "
			"(%s%s); nothing was written", kw, db->in_txn ? "" : " outside a transaction");
}

int db_dry_run(const struct db *db) { return db->dry_run; }
const char *db_prefix(const struct db *db) { return db->prefix; }
const char *db_name(const struct db *db) { return db->name; }
unsigned long db_thread_id(struct db *db) { return db->m ? mysql_thread_id(db->m) : 0; }
enum db_errclass db_errclass(const struct db *db) { return db->last_class; }
unsigned db_errno(const struct db *db) { return db->last_errno; }
unsigned db_warning_count(struct db *db)
{
	if (db->warnings_read)
		return db->raw_warnings;
	if (db->last_was_bulk)
		return db->bulk_warnings;
	return db->m ? mysql_warning_count(db->m) : 0;
}
const struct db_server *db_server(const struct db *db) { return &db->server; }
void db_upsert_clause(const struct db *db, struct strbuf *sql) { dialect_upsert_clause(&db->server, sql); }
void db_upsert_set(const struct db *db, struct strbuf *sql, const char *col) { dialect_upsert_set(&db->server, sql, col); }
uint64_t db_affected_rows(struct db *db) { return db->m ? (uint64_t)mysql_affected_rows(db->m) : 0; }

const char *db_site_collation(struct db *db)
{
	struct herr e;

	if (!db->collation_looked_up) {
		db->collation_looked_up = 1;
		if (db_get_str(db, &db->collation, &e,
			       "SELECT TABLE_COLLATION FROM information_schema.TABLES "
			       "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%sposts'", db->prefix) < 0)
			db->collation = NULL;
	}
	return db->collation;
}

/* With --debug: log the statement (cut after 400 bytes) and how long it
 * took, under tag. */
static void debug_sql(const char *tag, const char *sql, size_t len, double secs)
{
	const size_t max = 400;

	if (!outst.debug)
		return;
	if (len > max)
		out_debug("%s %.*s... [%zu bytes] in %.4fs", tag, (int)max, sql, len, secs);
	else
		out_debug("%s %.*s in %.4fs", tag, (int)len, sql, secs);
}

/* Every statement, text or bulk, passes here first: the last error is
 * cleared, --dry-run keeps writes from running (0: logged, not run), and
 * without a connection nothing is sent.  1: run it. */
static int stmt_begin(struct db *db, int write, const char *tag, const char *sql, size_t len,
		      struct herr *err)
{
	db->last_errno = 0;
	db->last_class = DBE_NONE;
	db->last_was_bulk = 0;
	db->data_warnings = 0;
	db->warnings_unread = 0;
	db->warnings_read = 0;
	db->raw_warnings = 0;
	db->warn_desc[0] = '\0';
	if (write && db->dry_run) {
		debug_sql(tag, sql, len, 0);
		return 0;
	}
	if (db->sample && sample_guard(db, write, sql, len, err) < 0)
		return -1;
	if (!db->m) {
		db->last_class = DBE_LOST;
		return herr_set(err, HX_TEMPFAIL, "not connected to the database");
	}
	return 1;
}

/* HPOSCTL_TEST_WARNING=CODE[:N]: pretend the next N writes (all without
 * :N) also left warning CODE.  For the tests of the warning classifier. */
static pthread_mutex_t test_warning_mu = PTHREAD_MUTEX_INITIALIZER;

/* The warning code HPOSCTL_TEST_WARNING injects into this write (counting
 * down its :N), or 0. */
static unsigned test_warning(void)
{
	static int init;
	static unsigned code;
	static long left = -1; /* -1: unlimited */
	unsigned rc = 0;
	const char *v;
	char *end;

	pthread_mutex_lock(&test_warning_mu); /* sync's writer threads share it */
	if (!init) {
		init = 1;
		v = getenv("HPOSCTL_TEST_WARNING");
		if (v && *v) {
			code = (unsigned)strtoul(v, &end, 10);
			if (*end == ':')
				left = strtol(end + 1, NULL, 10);
		}
	}
	if (code && left != 0) {
		if (left > 0)
			left--;
		rc = code;
	}
	pthread_mutex_unlock(&test_warning_mu);
	return rc;
}

/* Classify one warning of the last write: a data-altering one is counted on
 * db (the first described in warn_desc), any other is logged with --debug. */
static void note_warning(struct db *db, unsigned code, const char *level, const char *msg)
{
	const char *name = dialect_warning_name(code);

	if (dialect_warning_class(code, level) == DBW_DATA) {
		if (!db->data_warnings++)
			snprintf(db->warn_desc, sizeof(db->warn_desc), "%s %u: %s%s%s%s", level ? level : "Warning",
				 code, msg ? msg : "", name ? " [" : "", name ? name : "", name ? "]" : "");
	} else {
		out_debug("server note ignored: %s %u: %s%s%s%s", level ? level : "?", code, msg ? msg : "",
			  name ? " [" : "", name ? name : "", name ? "]" : "");
	}
}

/* After a write that left n warnings (and the test hook's): read and
 * classify them.  Called before anything else runs on the connection. */
static void collect_warnings(struct db *db, unsigned n)
{
	unsigned injected = test_warning();
	MYSQL_RES *r;
	MYSQL_ROW row;

	db->warnings_read = 1;
	db->raw_warnings = n + (injected != 0);
	if (n) {
		if (mysql_real_query(db->m, "SHOW WARNINGS", 13) || !(r = mysql_store_result(db->m))) {
			db->warnings_unread = 1;
			db->data_warnings = n;
			db->last_errno = mysql_errno(db->m);
			db->last_class = classify(db, db->last_errno);
			snprintf(db->warn_desc, sizeof(db->warn_desc), "%u warning(s) that could not be read: %s (%u)", n,
				 mysql_error(db->m), mysql_errno(db->m));
		} else {
			while ((row = mysql_fetch_row(r)) != NULL && mysql_num_fields(r) >= 3)
				note_warning(db, row[1] ? (unsigned)strtoul(row[1], NULL, 10) : 0, row[0], row[2]);
			mysql_free_result(r);
		}
	}
	if (injected)
		note_warning(db, injected, "Warning", "injected by HPOSCTL_TEST_WARNING");
}

int db_data_warnings(struct db *db, struct herr *err)
{
	if (db->warnings_unread) {
		herr_set(err, HX_INTERNAL, "the server reported %s writing the batch", db->warn_desc);
		return -1;
	}
	if (!db->data_warnings)
		return 0;
	herr_set(err, HX_INTERNAL, "the server reported %u data-altering warning(s) writing the batch (data would be "
		 "altered), first: %s", db->data_warnings, db->warn_desc);
	return (int)db->data_warnings;
}

int db_run(struct db *db, enum db_kind kind, const char *sql, size_t len,
	   struct db_result **res, struct herr *err)
{
	double t0;
	int go;

	if (res)
		*res = NULL;
	if ((go = stmt_begin(db, kind == DB_WRITE, "[dry-run, not run]", sql, len, err)) <= 0)
		return go;
	t0 = now_mono();
	if (mysql_real_query(db->m, sql, len)) {
		debug_sql("SQL failed:", sql, len, now_mono() - t0);
		return set_error(db, err, "query failed");
	}
	if (res) {
		MYSQL_RES *r = mysql_store_result(db->m);

		/* A connection lost while the rows arrive leaves no result and,
		 * with Connector/C, no field count either: only the errno tells
		 * it from a statement that has no result set.  Taking it for an
		 * empty result once made sync write orders without their meta. */
		if (!r && (mysql_field_count(db->m) || mysql_errno(db->m)))
			return set_error(db, err, "reading result failed");
		*res = xcalloc(1, sizeof(**res));
		(*res)->res = r;
		(*res)->nfields = r ? mysql_num_fields(r) : 0;
	} else if (mysql_field_count(db->m)) {
		/* A statement that returned rows nobody asked for: drain them. */
		MYSQL_RES *r = mysql_store_result(db->m);

		if (!r && mysql_errno(db->m))
			return set_error(db, err, "reading result failed");
		mysql_free_result(r);
	}
	debug_sql("SQL", sql, len, now_mono() - t0);
	if (db->sample && kind == DB_WRITE) {
		my_ulonglong n = mysql_affected_rows(db->m);

		pthread_mutex_lock(&sample_acc.mu);
		if (n != (my_ulonglong)-1)
			sample_acc.t.rows += (uint64_t)n;
		sample_acc.t.statements++;
		pthread_mutex_unlock(&sample_acc.mu);
	}
	if (kind == DB_WRITE)
		collect_warnings(db, mysql_warning_count(db->m));
	return 0;
}

int db_runf(struct db *db, enum db_kind kind, struct db_result **res, struct herr *err,
	    const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	rc = db_run(db, kind, sb.buf, sb.len, res, err);
	sb_release(&sb);
	return rc;
}

int db_fetch(struct db_result *res, struct db_row *row)
{
	MYSQL_ROW r;

	if (!res || !res->res)
		return 0;
	r = mysql_fetch_row(res->res);
	if (!r)
		return 0;
	row->vals = r;
	row->lens = mysql_fetch_lengths(res->res);
	row->n = res->nfields;
	return 1;
}

int db_column(struct db_result *res, const char *name)
{
	MYSQL_FIELD *f;

	if (!res || !res->res)
		return -1;
	f = mysql_fetch_fields(res->res);
	for (unsigned i = 0; i < res->nfields; i++)
		if (!strcasecmp(f[i].name, name))
			return (int)i;
	return -1;
}

unsigned db_num_rows(struct db_result *res)
{
	return res && res->res ? (unsigned)mysql_num_rows(res->res) : 0;
}

void db_result_rewind(struct db_result *res)
{
	if (res && res->res)
		mysql_data_seek(res->res, 0);
}

void db_free_result(struct db_result *res)
{
	if (!res)
		return;
	if (res->res)
		mysql_free_result(res->res);
	free(res);
}

/* The single-value helpers: run the query fmt/ap and take the first
 * column of its first row as a number into *u64 (0 when no row or SQL
 * NULL; *found, when not NULL, says which) or, with u64 NULL, as a copy
 * into *str (NULL when no row or SQL NULL; the caller frees it).  0, or
 * -1 with err (the outputs untouched). */
static int get_first(struct db *db, uint64_t *u64, int *found, char **str, struct herr *err, const char *fmt,
		     va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	struct db_result *res;
	struct db_row row;
	int rc, null = 1;

	sb_vaddf(&sb, fmt, ap);
	rc = db_run(db, DB_READ, sb.buf, sb.len, &res, err);
	sb_release(&sb);
	if (rc < 0)
		return -1;
	if (db_fetch(res, &row) && row.n > 0 && row.vals[0])
		null = 0;
	if (u64) {
		*u64 = null ? 0 : strtoull(row.vals[0], NULL, 10);
		if (found)
			*found = !null;
	} else {
		*str = null ? NULL : xstrndup(row.vals[0], row.lens[0]);
	}
	db_free_result(res);
	return 0;
}

int db_get_u64(struct db *db, uint64_t *out_v, int *found, struct herr *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = get_first(db, out_v, found, NULL, err, fmt, ap);
	va_end(ap);
	return rc;
}

int db_get_str(struct db *db, char **out_s, struct herr *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = get_first(db, NULL, NULL, out_s, err, fmt, ap);
	va_end(ap);
	return rc;
}

void db_quote(struct db *db, struct strbuf *sb, const char *s, size_t len)
{
	unsigned long n;

	sb_grow(sb, len * 2 + 3);
	sb->buf[sb->len++] = '\'';
	if (db && db->m) {
		n = mysql_real_escape_string(db->m, sb->buf + sb->len, s, (unsigned long)len);
	} else {
		/* No connection (unit tests): escape what MySQL requires. */
		char *d = sb->buf + sb->len;

		for (size_t i = 0; i < len; i++) {
			switch (s[i]) {
			case '\0': *d++ = '\\'; *d++ = '0'; break;
			case '\n': *d++ = '\\'; *d++ = 'n'; break;
			case '\r': *d++ = '\\'; *d++ = 'r'; break;
			case '\\': *d++ = '\\'; *d++ = '\\'; break;
			case '\'': *d++ = '\\'; *d++ = '\''; break;
			case '"': *d++ = '\\'; *d++ = '"'; break;
			case '\032': *d++ = '\\'; *d++ = 'Z'; break;
			default: *d++ = s[i];
			}
		}
		n = (unsigned long)(d - (sb->buf + sb->len));
	}
	sb->len += n;
	sb->buf[sb->len++] = '\'';
	sb->buf[sb->len] = '\0';
}

void db_ident(struct strbuf *sb, const char *name)
{
	sb_addc(sb, '`');
	for (; *name; name++) {
		if (*name == '`')
			sb_addc(sb, '`');
		sb_addc(sb, *name);
	}
	sb_addc(sb, '`');
}

int db_begin(struct db *db, const char *isolation, struct herr *err)
{
	if (isolation && db_runf(db, DB_SESSION, NULL, err, "SET TRANSACTION ISOLATION LEVEL %s", isolation) < 0)
		return -1;
	if (db_run(db, DB_SESSION, "START TRANSACTION", 17, NULL, err) < 0)
		return -1;
	db->in_txn = 1;
	return 0;
}

int db_commit(struct db *db, struct herr *err)
{
	if (db->sample) {
		/* A sample's transaction ends the other way, and how long
		 * that takes is kept apart from the work. */
		double t0 = now_mono();
		int rc = db_run(db, DB_SESSION, "ROLLBACK", 8, NULL, err);

		db->in_txn = 0;
		pthread_mutex_lock(&sample_acc.mu);
		sample_acc.t.rollbacks++;
		sample_acc.t.rollback_s += now_mono() - t0;
		pthread_mutex_unlock(&sample_acc.mu);
		return rc;
	}
	db->in_txn = 0;
	return db_run(db, DB_SESSION, "COMMIT", 6, NULL, err);
}

int db_rollback(struct db *db)
{
	struct herr e;
	unsigned saved = db->last_errno;
	enum db_errclass c = db->last_class;

	if (db->m)
		db_run(db, DB_SESSION, "ROLLBACK", 8, NULL, &e);
	db->in_txn = 0;
	/* Keep the error that caused the rollback visible to the caller. */
	db->last_errno = saved;
	db->last_class = c;
	return 0;
}

#if HAVE_BULK
static int stmt_error(struct db *db, MYSQL_STMT *st, struct herr *err, const char *what)
{
	db->last_errno = mysql_stmt_errno(st);
	db->last_class = classify(db, db->last_errno);
	return herr_set(err, class_to_exit(db->last_class), "%s: %s (%u)", what,
			mysql_stmt_error(st), db->last_errno);
}

/* What MARIADB_STMT_BULK_SUPPORTED() checks, through the public API. */
static int bulk_supported(struct db *db)
{
	unsigned long caps = 0, ext = 0;

	if (mariadb_get_infov(db->m, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps) ||
	    mariadb_get_infov(db->m, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext))
		return 0;
	return !(caps & CLIENT_MYSQL) && (ext & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32));
}

int db_bulk_usable(struct db *db)
{
	/* HPOSCTL_NO_BULK (set, non-empty): always the SQL-text path, for a
	 * proxy that mishandles COM_STMT_BULK_EXECUTE, and for the tests. */
	if (!db->bulk_off && getenv("HPOSCTL_NO_BULK") && *getenv("HPOSCTL_NO_BULK"))
		db->bulk_off = 1;
	if (!dialect_has_bulk(&db->server))
		db->bulk_off = 1; /* MySQL has no bulk execution: the multi-row text path */
	return !db->bulk_off;
}

/* Fill bind[] from cols[] (column-wise arrays, as STMT_ATTR_ARRAY_SIZE
 * wants them): u64 columns as BIGINT UNSIGNED, the others as strings,
 * NULLs through the indicator array. */
static void bulk_bind(MYSQL_BIND *bind, const struct db_bulk_col *cols, unsigned ncols)
{
	memset(bind, 0, ncols * sizeof(*bind));
	for (unsigned i = 0; i < ncols; i++) {
		if (cols[i].u64) {
			bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
			bind[i].buffer = (void *)(uintptr_t)cols[i].u64;
			bind[i].is_unsigned = 1;
		} else {
			bind[i].buffer_type = MYSQL_TYPE_STRING;
			bind[i].buffer = (void *)(uintptr_t)cols[i].s;
			bind[i].length = (unsigned long *)(uintptr_t)cols[i].len;
		}
		if (cols[i].null)
			bind[i].u.indicator = (char *)(uintptr_t)cols[i].null;
	}
}

/* See db.h.  The steps: prepare, check the server's bulk capability, bind
 * the column arrays, execute once; then the warnings, as db_run(). */
int db_run_bulk(struct db *db, const char *sql, size_t len, const struct db_bulk_col *cols,
		unsigned ncols, unsigned nrows, struct herr *err)
{
	MYSQL_BIND bind[DB_BULK_MAX_COLS];
	MYSQL_STMT *st;
	unsigned int size = nrows;
	double t0;
	int rc = 0, go;

	if (!db_bulk_usable(db) || ncols == 0 || ncols > DB_BULK_MAX_COLS || nrows == 0)
		return 1;
	if ((go = stmt_begin(db, 1, "[dry-run, not run] bulk", sql, len, err)) <= 0)
		return go;
	t0 = now_mono();
	if (!(st = mysql_stmt_init(db->m)))
		return set_error(db, err, "preparing a statement failed");
	if (mysql_stmt_prepare(st, sql, (unsigned long)len)) {
		rc = stmt_error(db, st, err, "query failed");
		goto out;
	}
	if (!bulk_supported(db)) {
		db->bulk_off = 1;
		rc = 1;
		goto out;
	}
	bulk_bind(bind, cols, ncols);
	if (mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &size) || mysql_stmt_bind_param(st, bind)) {
		rc = stmt_error(db, st, err, "binding parameters failed");
		goto out;
	}
	if (mysql_stmt_execute(st)) {
		/* A server that logs statement-based binlog refuses bulk
		 * execution before writing anything: use plain statements. */
		if (mysql_stmt_errno(st) == ER_BINLOG_NON_SUPPORTED_BULK) {
			db->bulk_off = 1;
			rc = 1;
		} else {
			debug_sql("SQL failed (bulk):", sql, len, now_mono() - t0);
			rc = stmt_error(db, st, err, "query failed");
		}
		goto out;
	}
	db->bulk_warnings = mysql_warning_count(db->m);
	db->last_was_bulk = 1;
	if (db->sample) {
		my_ulonglong n = mysql_stmt_affected_rows(st);

		pthread_mutex_lock(&sample_acc.mu);
		sample_acc.t.rows += n != (my_ulonglong)-1 ? (uint64_t)n : nrows;
		sample_acc.t.statements++;
		pthread_mutex_unlock(&sample_acc.mu);
	}
	collect_warnings(db, db->bulk_warnings);
	if (outst.debug)
		out_debug("SQL %.*s [%u rows, array-bound] in %.4fs", (int)(len > 400 ? 400 : len), sql, nrows,
			  now_mono() - t0);
out:
	mysql_stmt_close(st);
	return rc;
}
#else
/* A client library without array binding (Oracle's libmysqlclient): the
 * caller always takes the multi-row SQL-text path. */
int db_bulk_usable(struct db *db)
{
	return 0;
}

int db_run_bulk(struct db *db, const char *sql, size_t len, const struct db_bulk_col *cols,
		unsigned ncols, unsigned nrows, struct herr *err)
{
	return 1;
}
#endif
