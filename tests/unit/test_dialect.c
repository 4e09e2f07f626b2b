/* Unit tests for dialect.c: server detection, the upsert SQL per server,
 * the warning classifier, the retryable-error table, replica status SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dialect.h"
#include "util.h"
#include "wcstore.h"

static void test_parse_server(void **state)
{
	static const struct {
		const char *version, *comment;
		enum db_flavor flavor;
		unsigned v;
	} t[] = {
		{ "10.11.6-MariaDB-0+deb12u1", "Debian 12", DBF_MARIADB, 101106 },
		{ "5.5.5-10.4.32-MariaDB-log", "MariaDB Server", DBF_MARIADB, 100432 },
		{ "11.4.2-MariaDB", "mariadb.org binary distribution", DBF_MARIADB, 110402 },
		{ "8.0.36", "MySQL Community Server - GPL", DBF_MYSQL, 80036 },
		{ "8.4.3", "MySQL Community Server - GPL", DBF_MYSQL, 80403 },
		{ "8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2", DBF_MYSQL, 80035 },
		{ "8.0.mysql_aurora.3.05.2", "Source distribution", DBF_MYSQL, 80000 },
		{ "8.0.18", "MySQL Community Server - GPL", DBF_MYSQL, 80018 },
		{ "", NULL, DBF_UNKNOWN, 0 },
	};
	struct db_server s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		dialect_parse_server(&s, t[i].version, t[i].comment);
		assert_int_equal(s.flavor, t[i].flavor);
		assert_int_equal(s.version, t[i].v);
	}
}

static void upsert(const char *version, const char *comment, struct strbuf *sb)
{
	struct db_server s;

	dialect_parse_server(&s, version, comment);
	sb_reset(sb);
	sb_adds(sb, "INSERT INTO t (a, b) VALUES (1, 2)");
	dialect_upsert_clause(&s, sb);
	dialect_upsert_set(&s, sb, "a");
	sb_adds(sb, ", ");
	dialect_upsert_set(&s, sb, "b");
}

static void test_upsert_sql(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *values = "INSERT INTO t (a, b) VALUES (1, 2) ON DUPLICATE KEY UPDATE `a` = VALUES(`a`), `b` = VALUES(`b`)";
	const char *alias = "INSERT INTO t (a, b) VALUES (1, 2) AS hposctl_new ON DUPLICATE KEY UPDATE "
			    "`a` = hposctl_new.`a`, `b` = hposctl_new.`b`";

	(void)state;
	upsert("10.11.6-MariaDB", "", &sb);     /* MariaDB rejects the alias form */
	assert_string_equal(sb.buf, values);
	upsert("11.4.2-MariaDB", "", &sb);
	assert_string_equal(sb.buf, values);
	upsert("8.0.18", "MySQL Community Server - GPL", &sb); /* before row aliases */
	assert_string_equal(sb.buf, values);
	upsert("8.0.19", "MySQL Community Server - GPL", &sb);
	assert_string_equal(sb.buf, alias);
	upsert("8.0.36", "MySQL Community Server - GPL", &sb); /* VALUES() would warn 1287 */
	assert_string_equal(sb.buf, alias);
	upsert("8.4.3", "MySQL Community Server - GPL", &sb);
	assert_string_equal(sb.buf, alias);
	upsert("8.0.35-27", "Percona Server (GPL)", &sb);
	assert_string_equal(sb.buf, alias);
	sb_release(&sb);
}

static void test_warning_classes(void **state)
{
	static const struct {
		unsigned code;
		const char *level;
		enum db_warn_class cls;
	} t[] = {
		/* data-altering */
		{ 1048, "Warning", DBW_DATA }, /* NULL into NOT NULL */
		{ 1263, "Warning", DBW_DATA }, /* NULL supplied to NOT NULL column */
		{ 1264, "Warning", DBW_DATA }, /* out of range */
		{ 1265, "Warning", DBW_DATA }, /* data truncated */
		{ 1265, "Note", DBW_DATA },    /* known codes are classed by code, not level */
		{ 1292, "Warning", DBW_DATA }, /* incorrect datetime value */
		{ 1366, "Warning", DBW_DATA }, /* incorrect integer/string value */
		{ 1406, "Warning", DBW_DATA }, /* data too long */
		{ 1262, "Warning", DBW_DATA }, /* row truncated */
		{ 1300, "Warning", DBW_DATA }, /* invalid character string */
		{ 1062, "Warning", DBW_DATA }, /* duplicate ignored */
		/* deprecations and notes */
		{ 1287, "Warning", DBW_NOTE }, /* VALUES() in ON DUPLICATE KEY UPDATE, MySQL 8.0.20+ */
		{ 1681, "Warning", DBW_NOTE }, /* integer display width */
		{ 3135, "Warning", DBW_NOTE }, /* NO_ZERO_DATE etc. without strict mode */
		{ 3719, "Warning", DBW_NOTE }, /* utf8 alias */
		{ 1050, "Note", DBW_NOTE },    /* table exists (IF NOT EXISTS) */
		/* unknown: by level */
		{ 9999, "Note", DBW_NOTE },
		{ 9999, "Warning", DBW_DATA },
		{ 9999, "Error", DBW_DATA },
		{ 9999, NULL, DBW_DATA },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		assert_int_equal(dialect_warning_class(t[i].code, t[i].level), t[i].cls);
	assert_non_null(dialect_warning_name(1287));
	assert_null(dialect_warning_name(9999));
}

static void test_errclass(void **state)
{
	struct db_server my, maria;
	static const struct {
		unsigned e;
		enum db_errclass mysql, mariadb;
	} t[] = {
		{ 0, DBE_NONE, DBE_NONE },
		{ 1213, DBE_RETRY, DBE_RETRY },  /* deadlock */
		{ 1205, DBE_RETRY, DBE_RETRY },  /* lock wait timeout */
		{ 3058, DBE_RETRY, DBE_RETRY },  /* GET_LOCK deadlock */
		{ 3101, DBE_RETRY, DBE_FATAL },  /* Group Replication rollback (MySQL only) */
		{ 2006, DBE_LOST, DBE_LOST },    /* server gone */
		{ 2013, DBE_LOST, DBE_LOST },    /* lost during query */
		{ 1927, DBE_LOST, DBE_LOST },    /* connection killed */
		{ 1053, DBE_LOST, DBE_LOST },    /* shutdown */
		{ 4031, DBE_LOST, DBE_FATAL },   /* MySQL: idle disconnect; MariaDB: a trigger error */
		{ 3169, DBE_LOST, DBE_FATAL },   /* MySQL: session killed */
		{ 1045, DBE_ACCESS, DBE_ACCESS },
		{ 1142, DBE_ACCESS, DBE_ACCESS },
		{ 1227, DBE_ACCESS, DBE_ACCESS },
		{ 1062, DBE_FATAL, DBE_FATAL },  /* duplicate key: the caller decides */
		{ 1146, DBE_FATAL, DBE_FATAL },
	};

	(void)state;
	dialect_parse_server(&my, "8.0.36", "MySQL Community Server - GPL");
	dialect_parse_server(&maria, "10.11.6-MariaDB", "");
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		assert_int_equal(dialect_errclass(&my, t[i].e), t[i].mysql);
		assert_int_equal(dialect_errclass(&maria, t[i].e), t[i].mariadb);
	}
}

static void test_replica_and_processlist(void **state)
{
	struct db_server s;
	struct strbuf sb = STRBUF_INIT;
	const char *const *q;

	(void)state;
	dialect_parse_server(&s, "10.11.6-MariaDB", "");
	q = dialect_replica_status_sql(&s);
	assert_string_equal(q[0], "SHOW ALL REPLICAS STATUS");
	assert_string_equal(q[1], "SHOW ALL SLAVES STATUS");
	assert_null(q[2]);
	assert_non_null(strstr(dialect_replica_privilege(&s), "REPLICA MONITOR"));
	assert_true(dialect_has_bulk(&s));
	assert_true(dialect_has_delete_returning(&s));
	dialect_processlist_sql(&s, &sb, 7);
	assert_string_equal(sb.buf, "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = 7");

	dialect_parse_server(&s, "10.4.32-MariaDB", "");
	assert_string_equal(dialect_replica_status_sql(&s)[0], "SHOW ALL SLAVES STATUS");
	assert_string_equal(dialect_replica_privilege(&s), "REPLICATION CLIENT");

	dialect_parse_server(&s, "8.4.3", "MySQL Community Server - GPL");
	q = dialect_replica_status_sql(&s);
	assert_string_equal(q[0], "SHOW REPLICA STATUS");
	assert_string_equal(dialect_replica_privilege(&s), "REPLICATION CLIENT");
	assert_false(dialect_has_bulk(&s));
	assert_false(dialect_has_delete_returning(&s));
	sb_reset(&sb);
	dialect_processlist_sql(&s, &sb, 7);
	assert_string_equal(sb.buf, "SELECT USER, HOST, TIME FROM performance_schema.processlist WHERE ID = 7");

	dialect_parse_server(&s, "8.0.21", "MySQL Community Server - GPL");
	assert_string_equal(dialect_replica_status_sql(&s)[0], "SHOW SLAVE STATUS");
	sb_reset(&sb);
	dialect_processlist_sql(&s, &sb, 7);
	assert_string_equal(sb.buf, "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = 7");
	sb_release(&sb);
}

static void test_wc_schema_versions(void **state)
{
	static const struct {
		const char *v;
		enum wc_schema s;
		int newer;
	} t[] = {
		{ "8.2.0", WCS_BASE, 0 },
		{ "9.9.5", WCS_BASE, 0 },
		{ "10.0.2", WCS_BASE, 0 },
		{ "10.5.3", WCS_BASE, 0 },
		{ "10.6.0", WCS_10_6, 0 },     /* #62874 */
		{ "10.6.0-beta.1", WCS_10_6, 0 },
		{ "10.7.1", WCS_10_6, 0 },
		{ "10.8.0-beta.1", WCS_10_8_PRE, 0 }, /* #64025, #63897 */
		{ "10.8.0-rc.1", WCS_10_8_PRE, 0 },
		{ "10.8.0", WCS_10_8, 0 },     /* #65146 */
		{ "10.8.1", WCS_10_8, 0 },
		{ "10.9", WCS_10_8, 0 },
		{ "11.3.0", WCS_10_8, 0 },
		{ "11.4.0", WCS_NEWEST, 1 },   /* newer than known: newest + warning */
		{ "12.0.0", WCS_NEWEST, 1 },
		{ "", WCS_NEWEST, 1 },
		{ "garbage", WCS_NEWEST, 1 },
	};
	int newer;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		assert_int_equal(wc_schema_for_version(t[i].v, &newer), t[i].s);
		assert_int_equal(newer, t[i].newer);
	}
	assert_int_equal(wc_schema_for_version(NULL, &newer), WCS_NEWEST);
	assert_int_equal(newer, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_server),
		cmocka_unit_test(test_upsert_sql),
		cmocka_unit_test(test_warning_classes),
		cmocka_unit_test(test_errclass),
		cmocka_unit_test(test_replica_and_processlist),
		cmocka_unit_test(test_wc_schema_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
