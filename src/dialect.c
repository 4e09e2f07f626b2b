/* dialect.c - server-dependent SQL and the meaning of errors and warnings
 * (see dialect.h).  Codes are numbers here, not the client library's
 * macros: MariaDB and MySQL number some errors differently (4031 is an
 * idle disconnect on MySQL and a trigger error on MariaDB), and the file
 * must mean the same with either library's headers. */
#include "dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define V(a, b, c) ((a) * 10000u + (b) * 100u + (c))
#define ALIAS "hposctl_new"

void dialect_parse_server(struct db_server *srv, const char *version, const char *comment)
{
	const char *v = version ? version : "";
	unsigned a = 0, b = 0, c = 0;

	memset(srv, 0, sizeof(*srv));
	snprintf(srv->text, sizeof(srv->text), "%s", v);
	snprintf(srv->comment, sizeof(srv->comment), "%s", comment ? comment : "");
	/* The 5.5.5- prefix: MariaDB < 11 in the handshake, for old clients. */
	if (!strncmp(v, "5.5.5-", 6) && strstr(v, "MariaDB"))
		v += 6;
	if (sscanf(v, "%u.%u.%u", &a, &b, &c) < 2)
		a = b = c = 0;
	srv->version = V(a, b, c);
	if (strcasestr(version ? version : "", "mariadb") || (comment && strcasestr(comment, "mariadb")))
		srv->flavor = DBF_MARIADB;
	else if (a)
		srv->flavor = DBF_MYSQL;
	else
		srv->flavor = DBF_UNKNOWN;
}

const char *dialect_describe(const struct db_server *srv, char *buf, size_t len)
{
	snprintf(buf, len, "%s %u.%u.%u",
		 srv->flavor == DBF_MARIADB ? "MariaDB" : srv->flavor == DBF_MYSQL ? "MySQL" : "unknown server",
		 srv->version / 10000, srv->version / 100 % 100, srv->version % 100);
	return buf;
}

int dialect_row_alias(const struct db_server *srv)
{
	return srv && srv->flavor == DBF_MYSQL && srv->version >= V(8, 0, 19);
}

void dialect_upsert_clause(const struct db_server *srv, struct strbuf *sql)
{
	if (dialect_row_alias(srv))
		sb_adds(sql, " AS " ALIAS " ON DUPLICATE KEY UPDATE ");
	else
		sb_adds(sql, " ON DUPLICATE KEY UPDATE ");
}

void dialect_upsert_new(const struct db_server *srv, struct strbuf *sql, const char *col)
{
	if (dialect_row_alias(srv))
		sb_addf(sql, ALIAS ".`%s`", col);
	else
		sb_addf(sql, "VALUES(`%s`)", col);
}

void dialect_upsert_set(const struct db_server *srv, struct strbuf *sql, const char *col)
{
	sb_addf(sql, "`%s` = ", col);
	dialect_upsert_new(srv, sql, col);
}

/* Warnings a write can leave, by code (the numbers are the same on MariaDB
 * and MySQL for all of these). */
static const struct {
	unsigned code;
	enum db_warn_class cls;
	const char *name;
} warnings[] = {
	/* The server stored something else than what was sent. */
	{ 1048, DBW_DATA, "ER_BAD_NULL_ERROR (NULL into NOT NULL)" },
	{ 1062, DBW_DATA, "ER_DUP_ENTRY (row ignored)" },
	{ 1196, DBW_DATA, "ER_WARNING_NOT_COMPLETE_ROLLBACK" },
	{ 1259, DBW_DATA, "ER_ZLIB_Z_DATA_ERROR" },
	{ 1260, DBW_DATA, "ER_CUT_VALUE_GROUP_CONCAT" },
	{ 1261, DBW_DATA, "ER_WARN_TOO_FEW_RECORDS" },
	{ 1262, DBW_DATA, "ER_WARN_TOO_MANY_RECORDS (row truncated)" },
	{ 1263, DBW_DATA, "ER_WARN_NULL_TO_NOTNULL" },
	{ 1264, DBW_DATA, "ER_WARN_DATA_OUT_OF_RANGE" },
	{ 1265, DBW_DATA, "WARN_DATA_TRUNCATED" },
	{ 1292, DBW_DATA, "ER_TRUNCATED_WRONG_VALUE (incorrect value, invalid date)" },
	{ 1300, DBW_DATA, "ER_INVALID_CHARACTER_STRING" },
	{ 1366, DBW_DATA, "ER_TRUNCATED_WRONG_VALUE_FOR_FIELD (incorrect value)" },
	{ 1367, DBW_DATA, "ER_ILLEGAL_VALUE_FOR_TYPE" },
	{ 1406, DBW_DATA, "ER_DATA_TOO_LONG" },
	{ 1411, DBW_DATA, "ER_WRONG_VALUE_FOR_TYPE (incorrect date value)" },
	{ 1441, DBW_DATA, "ER_DATETIME_FUNCTION_OVERFLOW" },
	{ 1452, DBW_DATA, "ER_NO_REFERENCED_ROW_2 (row ignored)" },
	{ 1690, DBW_DATA, "ER_DATA_OUT_OF_RANGE" },
	{ 3751, DBW_DATA, "ER_DATA_TRUNCATED_FUNCTIONAL_INDEX (MySQL)" },
	/* Notes and deprecations: the row is stored as sent. */
	{ 1050, DBW_NOTE, "ER_TABLE_EXISTS_ERROR (IF NOT EXISTS)" },
	{ 1051, DBW_NOTE, "ER_BAD_TABLE_ERROR (IF EXISTS)" },
	{ 1287, DBW_NOTE, "ER_WARN_DEPRECATED_SYNTAX" },
	{ 1305, DBW_NOTE, "ER_SP_DOES_NOT_EXIST (IF EXISTS)" },
	{ 1681, DBW_NOTE, "ER_WARN_DEPRECATED_SYNTAX_NO_REPLACEMENT (integer display width)" },
	{ 1831, DBW_NOTE, "ER_DUPLICATED_INDEX" },
	{ 3090, DBW_NOTE, "ER_WARN_DEPRECATED_SQLMODE_UNSET (MySQL)" },
	{ 3135, DBW_NOTE, "ER_SQL_MODE_MERGED (MySQL: NO_ZERO_DATE etc. without strict mode)" },
	{ 3719, DBW_NOTE, "ER_DEPRECATED_UTF8_ALIAS (MySQL: utf8 is utf8mb3)" },
	{ 3778, DBW_NOTE, "ER_DEPRECATED_UTF8MB3_COLLATION (MySQL)" },
	{ 4119, DBW_NOTE, "ER_DEPRECATED_TLS_VERSION_SESSION (MySQL)" },
};

enum db_warn_class dialect_warning_class(unsigned code, const char *level)
{
	for (size_t i = 0; i < ARRAY_SIZE(warnings); i++)
		if (warnings[i].code == code)
			return warnings[i].cls;
	return level && !strcasecmp(level, "Note") ? DBW_NOTE : DBW_DATA;
}

const char *dialect_warning_name(unsigned code)
{
	for (size_t i = 0; i < ARRAY_SIZE(warnings); i++)
		if (warnings[i].code == code)
			return warnings[i].name;
	return NULL;
}

enum db_errclass dialect_errclass(const struct db_server *srv, unsigned e)
{
	int mysql = srv && srv->flavor == DBF_MYSQL;

	switch (e) {
	case 0:
		return DBE_NONE;
	case 1205: /* ER_LOCK_WAIT_TIMEOUT */
	case 1213: /* ER_LOCK_DEADLOCK */
	case 1020: /* ER_CHECKREAD: record changed since last read */
	case 3058: /* ER_USER_LOCK_DEADLOCK (GET_LOCK) */
		return DBE_RETRY;
	case 2006: /* CR_SERVER_GONE_ERROR */
	case 2013: /* CR_SERVER_LOST */
	case 2003: /* CR_CONN_HOST_ERROR */
	case 2002: /* CR_CONNECTION_ERROR */
	case 2055: /* CR_SERVER_LOST_EXTENDED */
	case 1927: /* ER_CONNECTION_KILLED (MariaDB) */
	case 1053: /* ER_SERVER_SHUTDOWN */
	case 1158: /* ER_NET_READ_ERROR */
	case 1159: /* ER_NET_READ_INTERRUPTED */
	case 1160: /* ER_NET_ERROR_ON_WRITE */
	case 1317: /* ER_QUERY_INTERRUPTED (KILL QUERY, or KILL on MySQL) */
		return DBE_LOST;
	case 1044: /* ER_DBACCESS_DENIED_ERROR */
	case 1045: /* ER_ACCESS_DENIED_ERROR */
	case 1142: /* ER_TABLEACCESS_DENIED_ERROR */
	case 1143: /* ER_COLUMNACCESS_DENIED_ERROR */
	case 1227: /* ER_SPECIFIC_ACCESS_DENIED_ERROR */
		return DBE_ACCESS;
	}
	if (mysql) {
		switch (e) {
		case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT: idle connection closed (8.0.24+) */
		case 3169: /* ER_SESSION_WAS_KILLED */
			return DBE_LOST;
		case 3101: /* ER_TRANSACTION_ROLLBACK_DURING_COMMIT: Group Replication
			    * certification conflict, the transaction was rolled back */
			return DBE_RETRY;
		}
	}
	return DBE_FATAL;
}

const char *const *dialect_replica_status_sql(const struct db_server *srv)
{
	/* MariaDB: SHOW REPLICA STATUS shows only the default connection;
	 * SHOW ALL ... STATUS lists every named one (10.5.1 has the REPLICAS
	 * spelling).  MySQL 8.0.22+ spells it REPLICA and lists every
	 * channel; older MySQL only knows SLAVE.  MySQL 8.4 removed SHOW
	 * SLAVE STATUS, which is why it is never the first try. */
	static const char *const mariadb[] = { "SHOW ALL REPLICAS STATUS", "SHOW ALL SLAVES STATUS", NULL };
	static const char *const mariadb_old[] = { "SHOW ALL SLAVES STATUS", NULL };
	static const char *const mysql[] = { "SHOW REPLICA STATUS", "SHOW SLAVE STATUS", NULL };
	static const char *const mysql_old[] = { "SHOW SLAVE STATUS", NULL };

	if (srv && srv->flavor == DBF_MARIADB)
		return srv->version >= V(10, 5, 1) ? mariadb : mariadb_old;
	if (srv && srv->flavor == DBF_MYSQL && srv->version && srv->version < V(8, 0, 22))
		return mysql_old;
	return mysql;
}

const char *dialect_replica_privilege(const struct db_server *srv)
{
	if (srv && srv->flavor == DBF_MARIADB)
		return srv->version >= V(10, 5, 9) ? "REPLICA MONITOR (also spelt SLAVE MONITOR)" :
		       srv->version >= V(10, 5, 0) ? "REPLICATION SLAVE ADMIN" : "REPLICATION CLIENT";
	return "REPLICATION CLIENT";
}

void dialect_processlist_sql(const struct db_server *srv, struct strbuf *sql, unsigned long long id)
{
	/* MySQL 8.0.22+ deprecates information_schema.PROCESSLIST in favour
	 * of performance_schema.processlist (performance_schema is on by
	 * default); MariaDB has only the former. */
	if (srv && srv->flavor == DBF_MYSQL && srv->version >= V(8, 0, 22))
		sb_addf(sql, "SELECT USER, HOST, TIME FROM performance_schema.processlist WHERE ID = %llu", id);
	else
		sb_addf(sql, "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = %llu", id);
}

int dialect_has_bulk(const struct db_server *srv)
{
	return srv && srv->flavor == DBF_MARIADB && srv->version >= V(10, 2, 0);
}

int dialect_has_delete_returning(const struct db_server *srv)
{
	return srv && srv->flavor == DBF_MARIADB && srv->version >= V(10, 0, 5);
}
