/* wpconfig.h - read DB settings from wp-config.php without running PHP,
 * and split DB_HOST the way WordPress's wpdb::parse_db_host() does. */
#ifndef HPOS_WPCONFIG_H
#define HPOS_WPCONFIG_H

#include "util.h"

/* The settings hposctl reads, in struct wp_config order. */
enum wpc_field {
	WPC_DB_NAME,
	WPC_DB_USER,
	WPC_DB_PASSWORD,
	WPC_DB_HOST,
	WPC_DB_CHARSET,
	WPC_DB_COLLATE,
	WPC_TABLE_PREFIX,
	WPC_NFIELDS
};

#define WPC_EXPR_MAX 48

struct wp_config {
	char *db_name, *db_user, *db_password, *db_host, *db_charset, *db_collate;
	char *table_prefix;

	/* Filled by wpconfig_scan(): which settings were given by an
	 * expression hposctl does not evaluate (bit 1u << WPC_*), with the
	 * line and a short description ("getenv(...)") of that expression.
	 * line[] is the 1-based line of the definition that counts (0: not
	 * defined at all), for literal and unsupported values alike. */
	unsigned unsupported;
	int line[WPC_NFIELDS];
	char expr[WPC_NFIELDS][WPC_EXPR_MAX];
	char *file;            /* name used in messages */
};

/* Parse the text of a wp-config.php.  Unset constants stay NULL.  A define
 * whose value is not a plain string literal (getenv(), a variable, a
 * concatenation) is an HX_CONFIG error "NAME:LINE: DB_PASSWORD is set by an
 * expression hposctl does not evaluate (getenv(...)); set database.password
 * in the YAML config instead" - never a guess.  With several such
 * constants, the one defined first in the file is reported. */
int wpconfig_parse(const char *name, const char *buf, size_t len,
		   struct wp_config *out, struct herr *err);
int wpconfig_parse_file(const char *path, struct wp_config *out, struct herr *err);

/* Like wpconfig_parse(), but a value hposctl does not evaluate is not an
 * error: its field stays NULL and its bit is set in out->unsupported, so
 * the caller can decide whether it needs that value at all.  Lexical
 * errors (an unterminated string, comment or define() call) still fail. */
int wpconfig_scan(const char *name, const char *buf, size_t len,
		  struct wp_config *out, struct herr *err);
int wpconfig_scan_file(const char *path, struct wp_config *out, struct herr *err);

/* The "... is set by an expression hposctl does not evaluate" error for
 * field f of a scanned file.  Always returns -1. */
int wpconfig_unsupported_error(const struct wp_config *wc, enum wpc_field f,
			       struct herr *err);

/* The PHP spelling of a field: "DB_NAME", ..., "$table_prefix". */
const char *wpconfig_field_name(enum wpc_field f);

/* Free wc's strings (not wc itself) and zero it; NULL is a no-op. */
void wpconfig_release(struct wp_config *wc);

/* Result of wpdb::parse_db_host(). */
struct db_host {
	char *host;     /* may be "" (WordPress returns '' for ":3306") */
	unsigned port;  /* 0 when absent */
	char *socket;   /* NULL when absent */
	int is_ipv6;
};

/* 0 on success, -1 when WordPress would return false.  Port digits that
 * exceed UINT_MAX saturate (WordPress's absint() saturates at PHP_INT_MAX);
 * range checks are the caller's job. */
int parse_db_host(const char *s, struct db_host *out);
void db_host_release(struct db_host *h);

#endif
