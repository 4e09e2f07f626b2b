/* test_wpconfig.c - wp-config.php reader, DB_HOST splitting, and
 * config_apply_wp_config() end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "wpconfig.h"

/* ---- DB_HOST ----------------------------------------------------------- */

struct host_case {
	const char *in;
	int fails;              /* WordPress returns false */
	const char *host;
	unsigned port;          /* 0: null */
	const char *socket;     /* NULL: null */
	int is_ipv6;
};

/*
 * Every row of WordPress's data provider for wpdb::parse_db_host()
 * (tests/phpunit/tests/db.php, data_parse_db_host), as facts.
 */
static const struct host_case wp_rows[] = {
	{ "", 0, "", 0, NULL, 0 },
	{ ":3306", 0, "", 3306, NULL, 0 },
	{ ":/tmp/mysql.sock", 0, "", 0, "/tmp/mysql.sock", 0 },
	{ ":/tmp/mysql:with_colon.sock", 0, "", 0, "/tmp/mysql:with_colon.sock", 0 },
	{ "127.0.0.1", 0, "127.0.0.1", 0, NULL, 0 },
	{ "127.0.0.1:port_as_string", 0, "127.0.0.1", 0, NULL, 0 },
	{ "127.0.0.1:3306", 0, "127.0.0.1", 3306, NULL, 0 },
	{ "127.0.0.1:3306:/tmp/mysql:with_colon.sock", 0, "127.0.0.1", 3306,
	  "/tmp/mysql:with_colon.sock", 0 },
	{ "example.com", 0, "example.com", 0, NULL, 0 },
	{ "example.com:port_as_string", 0, "example.com", 0, NULL, 0 },
	{ "example.com:3306", 0, "example.com", 3306, NULL, 0 },
	{ "localhost", 0, "localhost", 0, NULL, 0 },
	{ "localhost:port_as_string", 0, "localhost", 0, NULL, 0 },
	{ "localhost:/tmp/mysql.sock", 0, "localhost", 0, "/tmp/mysql.sock", 0 },
	{ "localhost:/tmp/mysql:with_colon.sock", 0, "localhost", 0,
	  "/tmp/mysql:with_colon.sock", 0 },
	{ "localhost:port_as_string:/tmp/mysql:with_colon.sock", 0, "localhost", 0,
	  "/tmp/mysql:with_colon.sock", 0 },
	{ "0000:0000:0000:0000:0000:0000:0000:0001", 0,
	  "0000:0000:0000:0000:0000:0000:0000:0001", 0, NULL, 1 },
	{ "::1", 0, "::1", 0, NULL, 1 },
	{ "[::1]", 0, "::1", 0, NULL, 1 },
	{ "[::1]:3306", 0, "::1", 3306, NULL, 1 },
	{ "[::1]:port_as_string", 0, "::1", 0, NULL, 1 },
	{ "[::1]:3306:/tmp/mysql:with_colon.sock", 0, "::1", 3306,
	  "/tmp/mysql:with_colon.sock", 1 },
	{ "2001:0db8:0000:0000:0000:ff00:0042:8329", 0,
	  "2001:0db8:0000:0000:0000:ff00:0042:8329", 0, NULL, 1 },
	{ "2001:db8:0:0:0:ff00:42:8329", 0, "2001:db8:0:0:0:ff00:42:8329", 0, NULL, 1 },
	{ "2001:db8::ff00:42:8329", 0, "2001:db8::ff00:42:8329", 0, NULL, 1 },
	{ "?::", 1, NULL, 0, NULL, 0 },
};

/*
 * Further consequences of the same algorithm (unanchored patterns, PHP's
 * empty() and absint()), worked out by hand from class-wpdb.php.
 */
static const struct host_case own_rows[] = {
	{ "0", 0, "", 0, NULL, 0 },                     /* empty("0") */
	{ "db:0", 0, "db", 0, NULL, 0 },                /* port "0" is null */
	{ "db:3306abc", 0, "db", 3306, NULL, 0 },       /* no end anchor */
	{ "localhost:3306/extra", 0, "localhost", 3306, NULL, 0 },
	{ "db/x:3306", 0, "db", 0, NULL, 0 },           /* host stops at '/' */
	{ "p:localhost", 0, "p", 0, NULL, 0 },          /* no persistent prefix */
	{ "db:99999999999999999999", 0, "db", UINT_MAX, NULL, 0 },
	{ "db:70000", 0, "db", 70000, NULL, 0 },        /* range is not its job */
	{ "fe80::1%eth0", 0, "fe80::1", 0, NULL, 1 },
	{ "[::1", 0, "::1", 0, NULL, 1 },
	{ "::1]:3306", 0, "::1", 3306, NULL, 1 },
	{ "[zz::1]", 1, NULL, 0, NULL, 0 },
	{ "[::1]/3306", 0, "::1", 0, NULL, 1 },         /* needs "]:" */
	{ "[::1]:", 0, "::1", 0, NULL, 1 },
	{ ":::/sock", 0, "::", 0, "/sock", 1 },
	{ "host:/", 0, "host", 0, "/", 0 },
	{ "a:b:c", 0, "a:b:c", 0, NULL, 1 },           /* all hex digits */
	{ "db:3306:x", 0, "db:3306:", 0, NULL, 1 },    /* two colons: IPv6 rules */
	{ "host:3306:x", 1, NULL, 0, NULL, 0 },         /* 'h' is no hex digit */
};

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Check every row; a mismatch names the DB_HOST value it came from. */
static void check_host_rows(const struct host_case *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct host_case *c = &rows[i];
		struct db_host h;
		int rc = parse_db_host(c->in, &h);

		if (c->fails) {
			if (rc != -1)
				fail_msg("DB_HOST \"%s\": parsed, WordPress returns false", c->in);
			continue;
		}
		if (rc != 0)
			fail_msg("DB_HOST \"%s\": returned %d", c->in, rc);
		if (!same(h.host, c->host) || h.port != c->port || !same(h.socket, c->socket) ||
		    h.is_ipv6 != c->is_ipv6)
			fail_msg("DB_HOST \"%s\": got host \"%s\" port %u socket %s ipv6 %d; "
				 "expected host \"%s\" port %u socket %s ipv6 %d", c->in,
				 h.host ? h.host : "(null)", h.port, h.socket ? h.socket : "(null)",
				 h.is_ipv6, c->host, c->port, c->socket ? c->socket : "(null)", c->is_ipv6);
		db_host_release(&h);
		assert_null(h.host);
	}
}

static void test_db_host_wordpress_rows(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_SIZE(wp_rows), 26);
	check_host_rows(wp_rows, ARRAY_SIZE(wp_rows));
}

static void test_db_host_edges(void **state)
{
	(void)state;
	check_host_rows(own_rows, ARRAY_SIZE(own_rows));
}

/* ---- wp-config.php parsing ----------------------------------------------- */

static void parse_ok(const char *php, struct wp_config *wc)
{
	struct herr err = { 0, "" };

	if (wpconfig_parse("t.php", php, strlen(php), wc, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
}

static void parse_fails(const char *php, const char *msg)
{
	struct wp_config wc;
	struct herr err = { 0, "" };

	assert_int_equal(wpconfig_parse("t.php", php, strlen(php), &wc, &err), -1);
	assert_int_equal(err.code, HX_CONFIG);
	assert_string_equal(err.msg, msg);
	assert_null(wc.db_name);
	assert_null(wc.file);
}

static void test_typical_file(void **state)
{
	static const char php[] =
		"\xEF\xBB\xBF<?php\n"
		"/**\n"
		" * The base configuration for WordPress\n"
		" * define( 'DB_NAME', 'in_a_docblock' );\n"
		" */\n"
		"// ** Database settings ** //\n"
		"define( 'DB_NAME', 'shop' );\n"
		"define( 'DB_USER', 'shopuser' );\n"
		"define( 'DB_PASSWORD', 's3cret' );\n"
		"define( 'DB_HOST', 'localhost' );\n"
		"define( 'DB_CHARSET', 'utf8mb4' );\n"
		"define( 'DB_COLLATE', '' );\n"
		"define( 'AUTH_KEY', 'put your unique phrase here' );\n"
		"$table_prefix = 'wp_';\n"
		"define( 'WP_DEBUG', false );\n"
		"if ( ! defined( 'ABSPATH' ) ) {\n"
		"\tdefine( 'ABSPATH', __DIR__ . '/' );\n"
		"}\n"
		"require_once ABSPATH . 'wp-settings.php';\n";
	struct wp_config wc;

	(void)state;
	parse_ok(php, &wc);
	assert_string_equal(wc.db_name, "shop");
	assert_string_equal(wc.db_user, "shopuser");
	assert_string_equal(wc.db_password, "s3cret");
	assert_string_equal(wc.db_host, "localhost");
	assert_string_equal(wc.db_charset, "utf8mb4");
	assert_string_equal(wc.db_collate, "");
	assert_string_equal(wc.table_prefix, "wp_");
	assert_int_equal(wc.line[WPC_DB_NAME], 7);
	assert_int_equal(wc.line[WPC_TABLE_PREFIX], 14);
	assert_int_equal(wc.unsupported, 0);
	assert_string_equal(wc.file, "t.php");
	wpconfig_release(&wc);
	assert_null(wc.db_name);
}

static void test_quotes_and_spacing(void **state)
{
	static const char php[] =
		"<?php\n"
		"define(\"DB_HOST\",\"db.example:3307\");\n"
		"define(\n"
		"\t'DB_NAME'   ,\n"
		"\n"
		"     \"multi_line\"\n"
		"\t);\n"
		"define  (  'DB_USER'  ,  'spaced'  ,  true  )  ;\n"
		"DEFINE('DB_CHARSET', 'latin1');\n"
		"\\define('DB_COLLATE', ('latin1_swedish_ci'));\n"
		"define('DB_PASSWORD', 12345);\n";
	struct wp_config wc;

	(void)state;
	parse_ok(php, &wc);
	assert_string_equal(wc.db_host, "db.example:3307");
	assert_string_equal(wc.db_name, "multi_line");
	assert_int_equal(wc.line[WPC_DB_NAME], 6);
	assert_string_equal(wc.db_user, "spaced");
	assert_string_equal(wc.db_charset, "latin1");
	assert_string_equal(wc.db_collate, "latin1_swedish_ci");
	assert_string_equal(wc.db_password, "12345");
	wpconfig_release(&wc);
}

static void test_comments_ignored(void **state)
{
	static const char php[] =
		"<?php\n"
		"// define('DB_NAME','old');\n"
		"# define('DB_USER','old');\n"
		"/* define('DB_PASSWORD','old');\n"
		"   define('DB_HOST','old'); */\n"
		"define('DB_NAME', /* inline */ 'new'); // define('DB_NAME','later')\n"
		"define('DB_USER', 'new' # trailing\n"
		");\n"
		"#define('DB_HOST','old');\n"
		"//define('DB_HOST','old');\n";
	struct wp_config wc;

	(void)state;
	parse_ok(php, &wc);
	assert_string_equal(wc.db_name, "new");
	assert_string_equal(wc.db_user, "new");
	assert_null(wc.db_password);
	assert_null(wc.db_host);
	wpconfig_release(&wc);
}

static void test_tricky_string_contents(void **state)
{
	static const char php[] =
		"<?php\n"
		"define('DB_PASSWORD', 'a//b#c;d)');\n"
		"define('DB_USER', \"x/*y*/z\");\n"
		"define('DB_NAME', 'define(\\'DB_HOST\\', \\'evil\\')');\n"
		"define('DB_HOST', \"?>still php\");\n";
	struct wp_config wc;

	(void)state;
	parse_ok(php, &wc);
	assert_string_equal(wc.db_password, "a//b#c;d)");
	assert_string_equal(wc.db_user, "x/*y*/z");
	assert_string_equal(wc.db_name, "define('DB_HOST', 'evil')");
	assert_string_equal(wc.db_host, "?>still php");
	wpconfig_release(&wc);
}

static void test_single_quote_escapes(void **state)
{
	static const char php[] =
		"<?php\n"
		"define('DB_PASSWORD', 'it\\'s a \\\\ and \\n and \\x41 and \\q');\n"
		"define('DB_USER', '\\\\\\\\');\n";
	struct wp_config wc;

	(void)state;
	parse_ok(php, &wc);
	/* only \\ and \' are escapes inside single quotes */
	assert_string_equal(wc.db_password, "it's a \\ and \\n and \\x41 and \\q");
	assert_string_equal(wc.db_user, "\\\\");
	wpconfig_release(&wc);
}

static void test_double_quote_escapes(void **state)
{
	static const char php[] =
		"<?php\n"
		"define(\"DB_PASSWORD\", \"n\\nt\\tq\\\"b\\\\d\\$x\\x41\\101\\u{e9}\\q\\x\");\n"
		"define(\"DB_USER\", \"\\7\\e\\v\\f\\r\\u{1F600}\\1010$\");\n"
		"define(\"DB_NAME\", \"cost: 5$ {not_a_var}\");\n";
	struct wp_config wc;

	(void)state;
	parse_ok(php, &wc);
	assert_string_equal(wc.db_password, "n\nt\tq\"b\\d$xAA\xC3\xA9\\q\\x");
	/* octal takes at most three digits */
	assert_string_equal(wc.db_user, "\a\033\v\f\r\xF0\x9F\x98\x80" "A0$");
	assert_string_equal(wc.db_name, "cost: 5$ {not_a_var}");
	wpconfig_release(&wc);

	/* "\400" wraps to a NUL byte in PHP, which no C string can carry */
	parse_fails("<?php define(\"DB_USER\", \"a\\400b\");",
		    "t.php:1: DB_USER is set by an expression hposctl does not evaluate "
		    "(a string with a NUL byte); set database.user in the YAML config instead");
}

static void test_utf8_values(void **state)
{
	static const char php[] =
		"<?php\n"
		"define('DB_PASSWORD', 'p\xC3\xA4ssw\xC3\xB6rd\xE2\x9C\x93');\n"
		"define('DB_NAME', \"\xE5\xBA\x97\");\n";
	struct wp_config wc;

	(void)state;
	parse_ok(php, &wc);
	assert_memory_equal(wc.db_password, "p\xC3\xA4ssw\xC3\xB6rd\xE2\x9C\x93", 13);
	assert_int_equal(strlen(wc.db_password), 13);
	assert_string_equal(wc.db_name, "\xE5\xBA\x97");
	wpconfig_release(&wc);
}

static void test_getenv_is_unsupported(void **state)
{
	(void)state;
	parse_fails("<?php\n"
		    "define( 'DB_NAME', 'shop' );\n"
		    "define( 'DB_PASSWORD', getenv('DB_PASSWORD') );\n",
		    "t.php:3: DB_PASSWORD is set by an expression hposctl does not evaluate "
		    "(getenv(...)); set database.password in the YAML config instead");
}

static void test_getenv_docker(void **state)
{
	/* the shape of the official Docker image's wp-config-docker.php */
	static const char php[] =
		"<?php\n"
		"if (!function_exists('getenv_docker')) {\n"
		"\tfunction getenv_docker($env, $default) {\n"
		"\t\tif ($fileEnv = getenv($env . '_FILE')) {\n"
		"\t\t\treturn rtrim(file_get_contents($fileEnv), \"\\r\\n\");\n"
		"\t\t}\n"
		"\t\treturn $default;\n"
		"\t}\n"
		"}\n"
		"define( 'DB_NAME', getenv_docker('WORDPRESS_DB_NAME', 'wordpress') );\n"
		"define( 'DB_USER', getenv_docker('WORDPRESS_DB_USER', 'example username') );\n"
		"define( 'DB_PASSWORD', getenv_docker('WORDPRESS_DB_PASSWORD', 'example password') );\n"
		"define( 'DB_HOST', getenv_docker('WORDPRESS_DB_HOST', 'mysql') );\n"
		"$table_prefix = getenv_docker('WORDPRESS_TABLE_PREFIX', 'wp_');\n";
	struct wp_config wc;
	struct herr err = { 0, "" };

	(void)state;
	parse_fails(php, "t.php:10: DB_NAME is set by an expression hposctl does not evaluate "
			 "(getenv_docker(...)); set database.name in the YAML config instead");

	/* scanning records every one, and never takes the fallback */
	assert_int_equal(wpconfig_scan("t.php", php, strlen(php), &wc, &err), 0);
	assert_int_equal(wc.unsupported, (1u << WPC_DB_NAME) | (1u << WPC_DB_USER) |
			 (1u << WPC_DB_PASSWORD) | (1u << WPC_DB_HOST) | (1u << WPC_TABLE_PREFIX));
	assert_null(wc.db_password);
	assert_null(wc.table_prefix);
	assert_int_equal(wc.line[WPC_DB_PASSWORD], 12);
	assert_string_equal(wc.expr[WPC_DB_PASSWORD], "getenv_docker(...)");
	wpconfig_unsupported_error(&wc, WPC_DB_PASSWORD, &err);
	assert_string_equal(err.msg, "t.php:12: DB_PASSWORD is set by an expression hposctl does not "
			    "evaluate (getenv_docker(...)); set database.password in the YAML config instead");
	wpconfig_unsupported_error(&wc, WPC_TABLE_PREFIX, &err);
	assert_string_equal(err.msg, "t.php:14: $table_prefix is set by an expression hposctl does not "
			    "evaluate (getenv_docker(...)); set database.table_prefix in the YAML config instead");
	wpconfig_release(&wc);
}

static void test_other_expressions(void **state)
{
	(void)state;
	parse_fails("<?php define('DB_NAME', 'a' . 'b');",
		    "t.php:1: DB_NAME is set by an expression hposctl does not evaluate "
		    "(a concatenation); set database.name in the YAML config instead");
	parse_fails("<?php\ndefine('DB_USER', \"user_$suffix\");",
		    "t.php:2: DB_USER is set by an expression hposctl does not evaluate "
		    "(a double-quoted string with $variables); set database.user in the YAML config instead");
	parse_fails("<?php\ndefine('DB_HOST', \"{$host}\");",
		    "t.php:2: DB_HOST is set by an expression hposctl does not evaluate "
		    "(a double-quoted string with $variables); set database.host in the YAML config instead");
	parse_fails("<?php\n\ndefine('DB_HOST', $_ENV['DB_HOST']);",
		    "t.php:3: DB_HOST is set by an expression hposctl does not evaluate "
		    "($_ENV[...]); set database.host in the YAML config instead");
	parse_fails("<?php define('DB_CHARSET', MY_CHARSET);",
		    "t.php:1: DB_CHARSET is set by an expression hposctl does not evaluate "
		    "(the constant MY_CHARSET); set database.charset in the YAML config instead");
	parse_fails("<?php define('DB_PASSWORD', getenv('P') ?: 'fallback');",
		    "t.php:1: DB_PASSWORD is set by an expression hposctl does not evaluate "
		    "(getenv(...)); set database.password in the YAML config instead");
	/* The password's own characters never appear in a message. */
	parse_fails("<?php define('DB_PASSWORD', 0123456);",
		    "t.php:1: DB_PASSWORD is set by an expression hposctl does not evaluate "
		    "(a number that is not a plain decimal integer); set database.password in the YAML config instead");
	parse_fails("<?php define('DB_PASSWORD', 12.5e3);",
		    "t.php:1: DB_PASSWORD is set by an expression hposctl does not evaluate "
		    "(a number that is not a plain decimal integer); set database.password in the YAML config instead");
	parse_fails("<?php define('DB_PASSWORD', hunter2);",
		    "t.php:1: DB_PASSWORD is set by an expression hposctl does not evaluate "
		    "(a constant); set database.password in the YAML config instead");
	parse_fails("<?php define('DB_COLLATE', 0x10);",
		    "t.php:1: DB_COLLATE is set by an expression hposctl does not evaluate "
		    "(the number 0x10); set database.collation in the YAML config instead");
	parse_fails("<?php\n$table_prefix = 'wp_' . 'x';\n",
		    "t.php:2: $table_prefix is set by an expression hposctl does not evaluate "
		    "(a concatenation); set database.table_prefix in the YAML config instead");
	parse_fails("<?php define('DB_NAME', <<<EOT\nshop\nEOT);\n",
		    "t.php:1: DB_NAME is set by an expression hposctl does not evaluate "
		    "(a heredoc); set database.name in the YAML config instead");
}

static void test_first_define_wins(void **state)
{
	struct wp_config wc;

	(void)state;
	parse_ok("<?php\n"
		 "define('DB_NAME', 'first');\n"
		 "define('DB_NAME', 'second');\n"
		 "const DB_NAME = 'third';\n", &wc);
	assert_string_equal(wc.db_name, "first");
	assert_int_equal(wc.line[WPC_DB_NAME], 2);
	wpconfig_release(&wc);

	/* the first one is what PHP keeps, even when we cannot read it */
	parse_fails("<?php\n"
		    "define('DB_HOST', getenv('WP_DB_HOST'));\n"
		    "define('DB_HOST', 'localhost');\n",
		    "t.php:2: DB_HOST is set by an expression hposctl does not evaluate "
		    "(getenv(...)); set database.host in the YAML config instead");
}

static void test_guards_and_const(void **state)
{
	struct wp_config wc;

	(void)state;
	parse_ok("<?php\n"
		 "defined('DB_NAME') || define('DB_NAME', 'guarded');\n"
		 "defined( 'DB_USER' ) or define( 'DB_USER', 'guarded_or' );\n"
		 "if ( ! defined( 'DB_HOST' ) ) {\n"
		 "\tdefine( 'DB_HOST', '127.0.0.1:3306' );\n"
		 "}\n"
		 "const DB_PASSWORD = 'from_const';\n"
		 "$loader->define('DB_CHARSET', 'method');\n"
		 "Foo::define('DB_CHARSET', 'static');\n", &wc);
	assert_string_equal(wc.db_name, "guarded");
	assert_string_equal(wc.db_user, "guarded_or");
	assert_string_equal(wc.db_host, "127.0.0.1:3306");
	assert_string_equal(wc.db_password, "from_const");
	assert_null(wc.db_charset);
	wpconfig_release(&wc);
}

static void test_table_prefix_forms(void **state)
{
	struct wp_config wc;

	(void)state;
	parse_ok("<?php $table_prefix = 'wp_';", &wc);
	assert_string_equal(wc.table_prefix, "wp_");
	wpconfig_release(&wc);

	parse_ok("<?php\n$table_prefix  = \"shop_\";   // Only numbers, letters, and underscores please!\n", &wc);
	assert_string_equal(wc.table_prefix, "shop_");
	assert_int_equal(wc.line[WPC_TABLE_PREFIX], 2);
	wpconfig_release(&wc);

	/* a variable, unlike a constant: the last assignment counts */
	parse_ok("<?php\n$table_prefix = getenv('P');\n$table_prefix = 'last_';\n"
		 "if ($table_prefix == 'x') {}\n$other_prefix = 'no';\n", &wc);
	assert_string_equal(wc.table_prefix, "last_");
	assert_int_equal(wc.line[WPC_TABLE_PREFIX], 3);
	assert_int_equal(wc.unsupported, 0);
	wpconfig_release(&wc);

	parse_ok("<?php // $table_prefix = 'commented';\n", &wc);
	assert_null(wc.table_prefix);
	wpconfig_release(&wc);
}

static void test_missing_constants_stay_null(void **state)
{
	struct wp_config wc;

	(void)state;
	parse_ok("<?php\ndefine('DB_NAME', 'only');\n", &wc);
	assert_string_equal(wc.db_name, "only");
	assert_null(wc.db_user);
	assert_null(wc.db_password);
	assert_null(wc.db_host);
	assert_null(wc.db_charset);
	assert_null(wc.db_collate);
	assert_null(wc.table_prefix);
	assert_int_equal(wc.line[WPC_DB_USER], 0);
	wpconfig_release(&wc);

	parse_ok("", &wc);
	assert_null(wc.db_name);
	wpconfig_release(&wc);
}

static void test_php_tags(void **state)
{
	struct wp_config wc;

	(void)state;
	/* no open tag: the whole file is output text */
	parse_ok("define('DB_NAME', 'text');\n", &wc);
	assert_null(wc.db_name);
	wpconfig_release(&wc);

	/* text after ?> is output, even when a // comment holds the ?> */
	parse_ok("<?php define('DB_NAME', 'code'); ?>\ndefine('DB_USER', 'text');\n"
		 "<?php // note ?> define('DB_HOST', 'text');\n"
		 "<?PHP\ndefine('DB_PASSWORD', 'code_again');\n", &wc);
	assert_string_equal(wc.db_name, "code");
	assert_null(wc.db_user);
	assert_null(wc.db_host);
	assert_string_equal(wc.db_password, "code_again");
	wpconfig_release(&wc);

	/* a // comment ends at ?>, and what follows is output text */
	parse_ok("<?php // note ?>\ndefine('DB_USER', 'text');\n", &wc);
	assert_null(wc.db_user);
	wpconfig_release(&wc);

	/* "<?phpX" is not an open tag */
	parse_ok("<?phpdefine('DB_NAME', 'x');", &wc);
	assert_null(wc.db_name);
	wpconfig_release(&wc);
}

static void test_lexical_errors(void **state)
{
	(void)state;
	parse_fails("<?php\ndefine('DB_NAME', 'shop);\n", "t.php:2: unterminated string");
	parse_fails("<?php\n\n/* define('DB_NAME', 'x');\n", "t.php:3: unterminated /* comment");
	parse_fails("<?php\ndefine('DB_NAME', 'x'\n", "t.php:2: unterminated define() call");
	parse_fails("<?php\ndefine('DB_NAME', ('x';\n", "t.php:2: unterminated define() call");
	parse_fails("<?php\n$x = 1;\n$table_prefix = 'wp_'\n", "t.php:3: unterminated $table_prefix assignment");
	parse_fails("<?php $x = <<<EOT\nabc\n", "t.php:1: unterminated heredoc");
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/hposctl-wpc-XXXXXX";
	struct wp_config wc;
	struct herr err = { 0, "" };
	int fd = mkstemp(path);
	static const char php[] = "<?php\ndefine('DB_NAME', 'from_file');\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, php, sizeof(php) - 1), (ssize_t)(sizeof(php) - 1));
	close(fd);
	assert_int_equal(wpconfig_parse_file(path, &wc, &err), 0);
	assert_string_equal(wc.db_name, "from_file");
	assert_string_equal(wc.file, path);
	wpconfig_release(&wc);
	unlink(path);

	assert_int_equal(wpconfig_parse_file("/nonexistent/wp-config.php", &wc, &err), -1);
	assert_int_equal(err.code, HX_CONFIG);
	assert_string_equal(err.msg, "wp-config file /nonexistent/wp-config.php: No such file or directory");
	assert_null(wc.db_name);
}

/* ---- config_apply_wp_config() ---------------------------------------------- */

struct tmpdir {
	char dir[64];
	char path[128];
};

static void write_wp(struct tmpdir *t, const char *php)
{
	FILE *fp;

	if (!t->dir[0]) {
		strcpy(t->dir, "/tmp/hposctl-apply-XXXXXX");
		assert_non_null(mkdtemp(t->dir));
		snprintf(t->path, sizeof(t->path), "%s/wp-config.php", t->dir);
	}
	fp = fopen(t->path, "w");
	assert_non_null(fp);
	fputs(php, fp);
	fclose(fp);
}

static void remove_wp(struct tmpdir *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

static const char full_wp[] =
	"<?php\n"
	"define( 'DB_NAME', 'shop' );\n"
	"define( 'DB_USER', 'wpuser' );\n"
	"define( 'DB_PASSWORD', 'wp pass' );\n"
	"define( 'DB_HOST', 'db.internal:3307' );\n"
	"define( 'DB_CHARSET', 'utf8' );\n"
	"define( 'DB_COLLATE', '' );\n"
	"$table_prefix = 'shop_';\n";

static void apply_ok(struct hpos_config *cfg, const char *path)
{
	struct herr err = { 0, "" };

	if (config_apply_wp_config(cfg, path, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
}

static void apply_fails(struct hpos_config *cfg, const char *path, const char *msg)
{
	struct herr err = { 0, "" };

	assert_int_equal(config_apply_wp_config(cfg, path, &err), -1);
	assert_int_equal(err.code, HX_CONFIG);
	assert_string_equal(err.msg, msg);
}

static void load_yaml(struct hpos_config *cfg, const char *yaml)
{
	struct herr err = { 0, "" };

	if (config_load_yaml_buf(cfg, "t.yml", yaml, strlen(yaml), &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
}

static void test_apply_fills_unset(void **state)
{
	struct tmpdir t = { "", "" };
	struct hpos_config cfg;

	(void)state;
	unsetenv("MYSQL_PWD");
	write_wp(&t, full_wp);
	config_init(&cfg);
	load_yaml(&cfg, "database:\n  user: yaml_user\n");
	apply_ok(&cfg, t.path);
	assert_string_equal(cfg.name, "shop");
	assert_string_equal(cfg.user, "yaml_user");        /* YAML wins */
	assert_string_equal(cfg.password, "wp pass");
	assert_string_equal(cfg.host, "db.internal");
	assert_int_equal(cfg.port, 3307);
	assert_null(cfg.socket);
	assert_string_equal(cfg.charset, "utf8mb4");        /* as wpdb upgrades it */
	assert_null(cfg.collation);                         /* '' is unset */
	assert_string_equal(cfg.table_prefix, "shop_");     /* beats the default */
	assert_string_equal(cfg.wp_config, t.path);
	assert_string_equal(cfg.source_file, "t.yml");
	config_release(&cfg);
	remove_wp(&t);
}

static void test_apply_explicit_yaml_wins(void **state)
{
	struct tmpdir t = { "", "" };
	struct hpos_config cfg;

	(void)state;
	unsetenv("MYSQL_PWD");
	write_wp(&t, full_wp);
	config_init(&cfg);
	load_yaml(&cfg, "database:\n  table_prefix: wp_\n  charset: latin1\n  port: 3310\n"
		  "  wp_config: /elsewhere/wp-config.php\n");
	apply_ok(&cfg, t.path);
	assert_string_equal(cfg.table_prefix, "wp_");       /* explicit, even if = default */
	assert_string_equal(cfg.charset, "latin1");
	assert_null(cfg.collation);
	/* host, port and socket are one setting: DB_HOST is not mixed in */
	assert_null(cfg.host);
	assert_int_equal(cfg.port, 3310);
	assert_string_equal(cfg.wp_config, "/elsewhere/wp-config.php");
	config_release(&cfg);
	remove_wp(&t);
}

static void test_apply_socket_and_collation(void **state)
{
	struct tmpdir t = { "", "" };
	struct hpos_config cfg;

	(void)state;
	write_wp(&t, "<?php\n"
		 "define('DB_HOST', 'localhost:/run/mysqld/mysqld.sock');\n"
		 "define('DB_CHARSET', 'utf8');\n"
		 "define('DB_COLLATE', 'utf8_general_ci');\n");
	config_init(&cfg);
	apply_ok(&cfg, t.path);
	assert_string_equal(cfg.host, "localhost");
	assert_int_equal(cfg.port, 0);
	assert_string_equal(cfg.socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(cfg.charset, "utf8mb4");
	assert_string_equal(cfg.collation, "utf8mb4_unicode_ci");
	assert_string_equal(cfg.table_prefix, "wp_");       /* no $table_prefix */
	config_release(&cfg);

	write_wp(&t, "<?php\n"
		 "define('DB_HOST', ':3306');\n"
		 "define('DB_COLLATE', 'utf8_swedish_ci');\n");
	config_init(&cfg);
	apply_ok(&cfg, t.path);
	assert_null(cfg.host);                              /* '' is the library default */
	assert_int_equal(cfg.port, 3306);
	assert_string_equal(cfg.collation, "utf8mb4_swedish_ci");
	config_release(&cfg);
	remove_wp(&t);
}

static void test_apply_unsupported_only_when_needed(void **state)
{
	struct tmpdir t = { "", "" };
	struct hpos_config cfg;
	struct herr err = { 0, "" };

	(void)state;
	unsetenv("MYSQL_PWD");
	write_wp(&t, "<?php\n"
		 "define('DB_NAME', 'shop');\n"
		 "define('DB_PASSWORD', getenv('DB_PASSWORD'));\n");

	/* needed and unreadable: an error, and cfg is left alone */
	config_init(&cfg);
	snprintf(err.msg, sizeof(err.msg), "%s:3: DB_PASSWORD is set by an expression hposctl "
		 "does not evaluate (getenv(...)); set database.password in the YAML config instead",
		 t.path);
	apply_fails(&cfg, t.path, err.msg);
	assert_null(cfg.name);
	assert_null(cfg.wp_config);
	config_release(&cfg);

	/* the YAML file already has a password: nothing to evaluate */
	config_init(&cfg);
	load_yaml(&cfg, "database:\n  password: from_yaml\n");
	apply_ok(&cfg, t.path);
	assert_string_equal(cfg.password, "from_yaml");
	assert_string_equal(cfg.name, "shop");
	config_release(&cfg);

	/* MYSQL_PWD will supply it at connect time */
	setenv("MYSQL_PWD", "from_env", 1);
	config_init(&cfg);
	apply_ok(&cfg, t.path);
	assert_null(cfg.password);
	assert_string_equal(cfg.name, "shop");
	config_release(&cfg);
	unsetenv("MYSQL_PWD");
	remove_wp(&t);
}

static void test_apply_defaults_file_keeps_credentials(void **state)
{
	struct tmpdir t = { "", "" };
	struct hpos_config cfg;

	(void)state;
	unsetenv("MYSQL_PWD");
	write_wp(&t, full_wp);
	config_init(&cfg);
	load_yaml(&cfg, "database:\n  defaults_file: /etc/hposctl/my.cnf\n");
	apply_ok(&cfg, t.path);
	/* user, password and host come from the option file instead */
	assert_null(cfg.user);
	assert_null(cfg.password);
	assert_null(cfg.host);
	assert_int_equal(cfg.port, 0);
	assert_string_equal(cfg.name, "shop");
	assert_string_equal(cfg.table_prefix, "shop_");
	config_release(&cfg);
	remove_wp(&t);
}

static void test_apply_errors(void **state)
{
	struct tmpdir t = { "", "" };
	struct hpos_config cfg;
	char msg[512];

	(void)state;
	unsetenv("MYSQL_PWD");
	config_init(&cfg);
	apply_fails(&cfg, "/nonexistent/wp-config.php",
		    "wp-config file /nonexistent/wp-config.php: No such file or directory");

	write_wp(&t, "<?php\ndefine('DB_NAME', 'shop');\n\n$table_prefix = 'wp-';\n");
	snprintf(msg, sizeof(msg), "%s:4: $table_prefix \"wp-\" may contain only letters, "
		 "digits and underscores", t.path);
	apply_fails(&cfg, t.path, msg);
	assert_null(cfg.name);
	assert_string_equal(cfg.table_prefix, "wp_");

	write_wp(&t, "<?php\ndefine('DB_HOST', '?::');\n");
	snprintf(msg, sizeof(msg), "%s:2: DB_HOST \"?::\" cannot be split into host, port and "
		 "socket (wpdb::parse_db_host() fails on it)", t.path);
	apply_fails(&cfg, t.path, msg);

	write_wp(&t, "<?php\ndefine('DB_HOST', 'db:70000');\n");
	snprintf(msg, sizeof(msg), "%s:2: DB_HOST port 70000 is out of range 1..65535", t.path);
	apply_fails(&cfg, t.path, msg);

	write_wp(&t, "<?php\ndefine('DB_COLLATE', \"x'y\");\n");
	snprintf(msg, sizeof(msg), "%s:2: DB_COLLATE \"x'y\" may contain only letters, digits "
		 "and underscores", t.path);
	apply_fails(&cfg, t.path, msg);
	assert_null(cfg.collation);

	/* an explicit prefix means a bad $table_prefix is never looked at */
	write_wp(&t, "<?php\n$table_prefix = 'wp-';\n");
	load_yaml(&cfg, "database:\n  table_prefix: ok_\n");
	apply_ok(&cfg, t.path);
	assert_string_equal(cfg.table_prefix, "ok_");
	config_release(&cfg);
	remove_wp(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_host_wordpress_rows),
		cmocka_unit_test(test_db_host_edges),
		cmocka_unit_test(test_typical_file),
		cmocka_unit_test(test_quotes_and_spacing),
		cmocka_unit_test(test_comments_ignored),
		cmocka_unit_test(test_tricky_string_contents),
		cmocka_unit_test(test_single_quote_escapes),
		cmocka_unit_test(test_double_quote_escapes),
		cmocka_unit_test(test_utf8_values),
		cmocka_unit_test(test_getenv_is_unsupported),
		cmocka_unit_test(test_getenv_docker),
		cmocka_unit_test(test_other_expressions),
		cmocka_unit_test(test_first_define_wins),
		cmocka_unit_test(test_guards_and_const),
		cmocka_unit_test(test_table_prefix_forms),
		cmocka_unit_test(test_missing_constants_stay_null),
		cmocka_unit_test(test_php_tags),
		cmocka_unit_test(test_lexical_errors),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_apply_fills_unset),
		cmocka_unit_test(test_apply_explicit_yaml_wins),
		cmocka_unit_test(test_apply_socket_and_collation),
		cmocka_unit_test(test_apply_unsupported_only_when_needed),
		cmocka_unit_test(test_apply_defaults_file_keeps_credentials),
		cmocka_unit_test(test_apply_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
