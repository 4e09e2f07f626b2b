/* dialect.h - what differs between the servers WooCommerce runs on
 * (MariaDB 10.4-11.x, MySQL 8.0/8.4 and its forks), in one place.
 *
 * Pure functions of the server's identity: the db layer detects the server
 * at connect (db_server()) and asks here which SQL to write and how to read
 * an error or a warning.  No engine chooses SQL by server on its own. */
#ifndef HPOS_DIALECT_H
#define HPOS_DIALECT_H

#include "util.h"

enum db_flavor { DBF_UNKNOWN = 0, DBF_MARIADB, DBF_MYSQL };

struct db_server {
	enum db_flavor flavor;
	unsigned version;   /* major * 10000 + minor * 100 + patch, e.g. 80036 */
	char text[96];      /* VERSION() as reported, for messages */
	char comment[96];   /* @@version_comment ("MySQL Community Server - GPL",
			     * "Percona Server (GPL), ...", "mariadb.org binary distribution") */
};

/* Fill srv from VERSION() and @@version_comment.  MariaDB says so in its
 * version string ("10.11.6-MariaDB-0+deb12u1", or behind the "5.5.5-"
 * prefix older releases put in the handshake); everything else that speaks
 * the protocol (MySQL, Percona Server, Aurora MySQL, ...) is MySQL. */
void dialect_parse_server(struct db_server *srv, const char *version, const char *comment);
/* "MariaDB 10.11.6" / "MySQL 8.0.36" into buf. */
const char *dialect_describe(const struct db_server *srv, char *buf, size_t len);

/* Upserts.  MySQL >= 8.0.20 deprecates VALUES(col) in ON DUPLICATE KEY
 * UPDATE (warning 1287) in favour of a row alias (8.0.19+); MariaDB knows
 * only VALUES(col).  An upsert is written as
 *   INSERT INTO t (a, b) VALUES (...), (...)
 *   <dialect_upsert_clause()> <dialect_upsert_set(a)>, <dialect_upsert_set(b)>
 * and nothing else may follow the VALUES list in between. */
int dialect_row_alias(const struct db_server *srv);
void dialect_upsert_clause(const struct db_server *srv, struct strbuf *sql);
/* "`col` = <new value of col>" */
void dialect_upsert_set(const struct db_server *srv, struct strbuf *sql, const char *col);
/* "<new value of col>" alone, for expressions. */
void dialect_upsert_new(const struct db_server *srv, struct strbuf *sql, const char *col);

/* Warnings.  What a warning left by a write means for the row written. */
enum db_warn_class {
	DBW_NOTE = 0,  /* deprecation, "already exists", ...: logged with --debug, ignored */
	DBW_DATA,      /* the server stored something other than what was sent */
};
/* Classify one warning by its code and level ("Note", "Warning", "Error";
 * NULL when unknown).  Known data-altering codes are DBW_DATA; known notes
 * and deprecations are DBW_NOTE; any other code is DBW_NOTE at level Note
 * and DBW_DATA otherwise (an unknown warning is not taken for harmless). */
enum db_warn_class dialect_warning_class(unsigned code, const char *level);
/* Short name of a known warning code, or NULL. */
const char *dialect_warning_name(unsigned code);

/* Errors: what to do after a statement failed with server/client errno e. */
enum db_errclass { DBE_NONE = 0, DBE_RETRY, DBE_LOST, DBE_ACCESS, DBE_FATAL };
enum db_errclass dialect_errclass(const struct db_server *srv, unsigned e);

/* Replication status statements in the order to try them, for this server:
 * each NULL-terminated list names statements that return one row per
 * replication channel (MariaDB's multi-source SHOW ALL ... STATUS; MySQL's
 * SHOW REPLICA STATUS lists every channel). */
const char *const *dialect_replica_status_sql(const struct db_server *srv);
/* The privilege that lets a user read the replication status. */
const char *dialect_replica_privilege(const struct db_server *srv);

/* Append the SELECT of USER, HOST, TIME of connection id from the process
 * list table that is not deprecated on this server. */
void dialect_processlist_sql(const struct db_server *srv, struct strbuf *sql, unsigned long long id);

/* Whether the server can execute an array-bound statement (MariaDB's
 * COM_STMT_BULK_EXECUTE, 10.2+).  MySQL cannot. */
int dialect_has_bulk(const struct db_server *srv);
/* DELETE ... RETURNING (MariaDB 10.0.5+; MySQL has none). */
int dialect_has_delete_returning(const struct db_server *srv);

#endif
