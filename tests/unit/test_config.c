/* test_config.c - YAML loading, config_set(), validation, display and
 * config file lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static void load_ok(struct hpos_config *cfg, const char *yaml)
{
	struct herr err = { 0, "" };

	if (config_load_yaml_buf(cfg, "t.yml", yaml, strlen(yaml), &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
}

/* ---- bad files: exact "FILE:LINE:COL: message" --------------------------- */

struct bad {
	const char *yaml;
	const char *msg;
};

static const struct bad bad_files[] = {
	/* types and ranges */
	{ "database:\n  port: abc\n",
	  "t.yml:2:9: database.port: expected an integer, got \"abc\"" },
	{ "database:\n  port: 70000\n",
	  "t.yml:2:9: database.port: 70000 is out of range 1..65535" },
	{ "database:\n  port: 0\n",
	  "t.yml:2:9: database.port: 0 is out of range 1..65535" },
	{ "database:\n  port: -1\n",
	  "t.yml:2:9: database.port: -1 is out of range 1..65535" },
	{ "database:\n  port: 99999999999999999999999\n",
	  "t.yml:2:9: database.port: 99999999999999999999999 is out of range 1..65535" },
	{ "database:\n  port: 3306.0\n",
	  "t.yml:2:9: database.port: expected an integer, got \"3306.0\"" },
	{ "database:\n  port: 0x10\n",
	  "t.yml:2:9: database.port: expected an integer, got \"0x10\"" },
	{ "database:\n  port: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "t.yml:2:9: database.port: expected an integer, got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"" },
	{ "database:\n  port: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xA9\xC3\xA9\n",
	  "t.yml:2:9: database.port: expected an integer, got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"" },
	{ "database:\n  port: \" 3306\"\n",
	  "t.yml:2:9: database.port: expected an integer, got \" 3306\"" },
	{ "database:\n  connect_timeout: 86401\n",
	  "t.yml:2:20: database.connect_timeout: 86401 is out of range 1..86400" },
	{ "sync:\n  batch_size: 0\n",
	  "t.yml:2:15: sync.batch_size: 0 is out of range 1..100000" },
	{ "sync:\n  batch_size: 100001\n",
	  "t.yml:2:15: sync.batch_size: 100001 is out of range 1..100000" },
	{ "sync:\n  max_retries: 1001\n",
	  "t.yml:2:16: sync.max_retries: 1001 is out of range 0..1000" },
	{ "sync:\n  settle: soon\n",
	  "t.yml:2:11: sync.settle: expected a number of seconds or a duration like \"30s\" or \"2m\", got \"soon\"" },
	{ "sync:\n  settle: -5\n",
	  "t.yml:2:11: sync.settle: -5 is negative; expected 0 or more seconds" },
	/* string rules */
	{ "database:\n  table_prefix: wp-\n",
	  "t.yml:2:17: database.table_prefix: \"wp-\" may contain only letters, digits and underscores" },
	{ "database:\n  table_prefix: ''\n",
	  "t.yml:2:17: database.table_prefix: must not be empty" },
	{ "database:\n  charset: \"utf8; DROP\"\n",
	  "t.yml:2:12: database.charset: \"utf8; DROP\" may contain only letters, digits and underscores" },
	{ "database:\n  defaults_file: \"\"\n",
	  "t.yml:2:18: database.defaults_file: must not be empty" },
	{ "database:\n  host: \"a\\0b\"\n",
	  "t.yml:2:9: database.host: contains a NUL character" },
	{ "database:\n  tls:\n    mode: require\n",
	  "t.yml:3:11: database.tls.mode: \"require\" is not one of disabled, preferred, required, "
	  "verify_ca, verify_identity (did you mean \"required\"?)" },
	{ "database:\n  tls:\n    mode: sometimes\n",
	  "t.yml:3:11: database.tls.mode: \"sometimes\" is not one of disabled, preferred, required, "
	  "verify_ca, verify_identity" },
	{ "sync:\n  order_types: shop_order,shop order\n",
	  "t.yml:2:16: sync.order_types: \"shop order\" is not an order type (1 to 20 letters, digits, '_' or '-')" },
	{ "sync:\n  order_types: \"shop_order,,x\"\n",
	  "t.yml:2:16: sync.order_types: empty order type" },
	{ "sync:\n  order_types:\n    - shop_order\n    - this_is_far_too_long_x\n",
	  "t.yml:4:7: sync.order_types: \"this_is_far_too_long_x\" is not an order type (1 to 20 letters, digits, '_' or '-')" },
	{ "sync:\n  order_types: []\n",
	  "t.yml:2:16: sync.order_types: the list of order types is empty" },
	{ "sync:\n  order_types: [a, ~]\n",
	  "t.yml:2:20: sync.order_types: expected an order type, got null" },
	{ "sync:\n  order_types:\n    - {type: x}\n",
	  "t.yml:3:7: sync.order_types: expected an order type, got a mapping" },
	/* unknown and duplicate keys */
	{ "database:\n  user: u\n  pasword: x\n",
	  "t.yml:3:3: unknown key \"pasword\" in database (did you mean \"password\"?)" },
	{ "database:\n  passwd: x\n",
	  "t.yml:2:3: unknown key \"passwd\" in database (did you mean \"password\"?)" },
	{ "database:\n  tabel_perfix: x\n",       /* two swaps: distance 2 */
	  "t.yml:2:3: unknown key \"tabel_perfix\" in database (did you mean \"table_prefix\"?)" },
	{ "database:\n  hostname: x\n",
	  "t.yml:2:3: unknown key \"hostname\" in database" },
	{ "sync:\n  batch-size: 10\n",
	  "t.yml:2:3: unknown key \"batch-size\" in sync (did you mean \"batch_size\"?)" },
	{ "database:\n  tls:\n    cafile: /x\n",
	  "t.yml:3:5: unknown key \"cafile\" in database.tls" },
	{ "databse:\n  port: 1\n",
	  "t.yml:1:1: unknown section \"databse\" (did you mean \"database\"?)" },
	{ "# comment\nlogging:\n  level: 1\n",
	  "t.yml:2:1: unknown section \"logging\"" },
	{ "database:\n  port: 1\n  port: 2\n",
	  "t.yml:3:3: duplicate key \"port\" in database (first on line 2)" },
	{ "sync:\n  settle: 1\ndatabase: {}\nsync:\n  settle: 2\n",
	  "t.yml:4:1: duplicate section \"sync\" (first on line 1)" },
	/* structure */
	{ "database:\n  host:\n    name: x\n",
	  "t.yml:3:5: database.host: expected a string, got a mapping" },
	{ "database:\n  port: [1, 2]\n",
	  "t.yml:2:9: database.port: expected an integer, got a sequence" },
	{ "database:\n  - host\n",
	  "t.yml:2:3: database: expected a mapping, got a sequence" },
	{ "database: yes\n",
	  "t.yml:1:11: database: expected a mapping, got \"yes\"" },
	{ "database:\n  tls: on\n",
	  "t.yml:2:8: database.tls: expected a mapping, got \"on\"" },
	{ "- database\n- sync\n",
	  "t.yml:1:1: the top level must be a mapping with \"database:\" and \"sync:\" sections, got a sequence" },
	{ "hello\n",
	  "t.yml:1:1: the top level must be a mapping with \"database:\" and \"sync:\" sections, got \"hello\"" },
	{ "? [a]\n: b\n",
	  "t.yml:1:3: expected a key, got a sequence" },
	{ "database:\n  user: &u root\n  name: *u\n",
	  "t.yml:3:9: YAML aliases (*u) are not supported" },
	{ "database: {}\n---\nsync: {}\n",
	  "t.yml:2:1: only one YAML document is allowed" },
	/* syntax, as libyaml reports it */
	{ "database:\n\tport: 1\n",
	  "t.yml:2:1: tab character where YAML wants spaces (indent with spaces only)" },
	{ "database:\n  port: 1\n\thost: x\n",
	  "t.yml:3:1: tab character where YAML wants spaces (indent with spaces only)" },
	{ "database:\n  port: 1\n host: x\n",
	  "t.yml:3:2: did not find expected key (while parsing a block mapping at line 1, column 1)" },
	{ "database:\n  host: \"abc\n",
	  "t.yml:3:1: found unexpected end of stream (while scanning a quoted scalar at line 2, column 9)" },
	{ "database:\n  host: a: b\n",
	  "t.yml:2:10: mapping values are not allowed in this context" },
	{ "database:\n  name: caf\xC3\xA9\n  user: \xFF\n",
	  "t.yml:3:9: invalid leading UTF-8 octet (byte 0xFF)" },
};

static void test_bad_files(void **state)
{
	struct hpos_config cfg;
	size_t i;

	(void)state;
	assert_true(ARRAY_SIZE(bad_files) >= 20);
	for (i = 0; i < ARRAY_SIZE(bad_files); i++) {
		struct herr err = { 0, "" };
		const char *y = bad_files[i].yaml;

		config_init(&cfg);
		assert_int_equal(config_load_yaml_buf(&cfg, "t.yml", y, strlen(y), &err), -1);
		assert_int_equal(err.code, HX_CONFIG);
		assert_string_equal(err.msg, bad_files[i].msg);
		/* a rejected file leaves nothing behind */
		assert_int_equal(cfg.port, 0);
		assert_null(cfg.host);
		assert_null(cfg.user);
		assert_null(cfg.source_file);
		assert_string_equal(cfg.table_prefix, "wp_");
		assert_string_equal(cfg.order_types, "auto");
		assert_int_equal(cfg.explicit_mask, 0);
		config_release(&cfg);
	}
}

static void test_bad_file_keeps_previous_layer(void **state)
{
	static const char bad[] = "database:\n  host: new\n  user: new\n  port: x\n";
	struct hpos_config cfg;
	struct herr err = { 0, "" };

	(void)state;
	config_init(&cfg);
	load_ok(&cfg, "database:\n  host: old\n");
	assert_int_equal(config_load_yaml_buf(&cfg, "u.yml", bad, strlen(bad), &err), -1);
	assert_string_equal(err.msg, "u.yml:4:9: database.port: expected an integer, got \"x\"");
	assert_string_equal(cfg.host, "old");
	assert_null(cfg.user);
	assert_string_equal(cfg.source_file, "t.yml");
	config_release(&cfg);
}

/* ---- good files ------------------------------------------------------------ */

static void test_defaults(void **state)
{
	struct hpos_config cfg;

	(void)state;
	config_init(&cfg);
	assert_null(cfg.host);
	assert_int_equal(cfg.port, 0);
	assert_string_equal(cfg.table_prefix, "wp_");
	assert_string_equal(cfg.charset, "utf8mb4");
	assert_null(cfg.collation);
	assert_int_equal(cfg.batch_size, 500);
	assert_string_equal(cfg.order_types, "auto");
	assert_true(cfg.settle_seconds == 5.0);
	assert_int_equal(cfg.max_retries, 10);
	assert_null(cfg.lock_name);
	assert_int_equal(cfg.explicit_mask, 0);
	assert_int_equal(config_validate(&cfg, NULL), 0);
	config_release(&cfg);
	assert_null(cfg.table_prefix);
}

static void test_empty_files(void **state)
{
	static const char *const empty[] = {
		"", "\n\n", "# only a comment\n", "---\n", "---\n...\n", "~\n", "\xEF\xBB\xBF",
		"database:\nsync: ~\n", "database: {}\nsync: {}\n",
	};
	struct hpos_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(empty); i++) {
		config_init(&cfg);
		load_ok(&cfg, empty[i]);
		assert_string_equal(cfg.source_file, "t.yml");
		assert_null(cfg.host);
		assert_int_equal(cfg.batch_size, 500);
		assert_int_equal(cfg.explicit_mask, 0);
		config_release(&cfg);
	}
}

static const char all_keys[] =
	"# every key\n"
	"database:\n"
	"  host: db.example.com\n"
	"  port: 3307\n"
	"  socket: /run/mysqld/mysqld.sock\n"
	"  user: hpos\n"
	"  password: \"p@ss: #word\"\n"
	"  name: shop\n"
	"  table_prefix: shop_\n"
	"  charset: utf8mb4\n"
	"  collation: utf8mb4_unicode_520_ci\n"
	"  wp_config: /var/www/shop/wp-config.php\n"
	"  defaults_file: /etc/hposctl/my.cnf\n"
	"  connect_timeout: 10\n"
	"  read_timeout: 600\n"
	"  write_timeout: 60\n"
	"  tls:\n"
	"    mode: VERIFY_IDENTITY\n"
	"    ca: /etc/ssl/ca.pem\n"
	"    capath: /etc/ssl/certs\n"
	"    cert: /etc/ssl/client.pem\n"
	"    key: /etc/ssl/client.key\n"
	"    cipher: ECDHE-RSA-AES256-GCM-SHA384\n"
	"sync:\n"
	"  batch_size: 1000\n"
	"  order_types: shop_order, shop_order_refund ,shop_subscription\n"
	"  settle: 1m30s\n"
	"  max_retries: 0\n"
	"  lock_name: hposctl-shop\n";

static void check_all_keys(const struct hpos_config *cfg)
{
	assert_string_equal(cfg->host, "db.example.com");
	assert_int_equal(cfg->port, 3307);
	assert_string_equal(cfg->socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(cfg->user, "hpos");
	assert_string_equal(cfg->password, "p@ss: #word");
	assert_string_equal(cfg->name, "shop");
	assert_string_equal(cfg->table_prefix, "shop_");
	assert_string_equal(cfg->charset, "utf8mb4");
	assert_string_equal(cfg->collation, "utf8mb4_unicode_520_ci");
	assert_string_equal(cfg->wp_config, "/var/www/shop/wp-config.php");
	assert_string_equal(cfg->defaults_file, "/etc/hposctl/my.cnf");
	assert_int_equal(cfg->connect_timeout, 10);
	assert_int_equal(cfg->read_timeout, 600);
	assert_int_equal(cfg->write_timeout, 60);
	assert_string_equal(cfg->ssl_mode, "verify_identity");
	assert_string_equal(cfg->ssl_ca, "/etc/ssl/ca.pem");
	assert_string_equal(cfg->ssl_capath, "/etc/ssl/certs");
	assert_string_equal(cfg->ssl_cert, "/etc/ssl/client.pem");
	assert_string_equal(cfg->ssl_key, "/etc/ssl/client.key");
	assert_string_equal(cfg->ssl_cipher, "ECDHE-RSA-AES256-GCM-SHA384");
	assert_int_equal(cfg->batch_size, 1000);
	assert_string_equal(cfg->order_types, "shop_order,shop_order_refund,shop_subscription");
	assert_true(cfg->settle_seconds == 90.0);
	assert_int_equal(cfg->max_retries, 0);
	assert_string_equal(cfg->lock_name, "hposctl-shop");
}

static void test_all_keys(void **state)
{
	struct hpos_config cfg;

	(void)state;
	config_init(&cfg);
	load_ok(&cfg, all_keys);
	check_all_keys(&cfg);
	assert_int_equal(cfg.explicit_mask, CFG_EXPLICIT_TABLE_PREFIX | CFG_EXPLICIT_CHARSET);
	assert_string_equal(cfg.source_file, "t.yml");
	assert_int_equal(config_validate(&cfg, NULL), 0);
	config_release(&cfg);
}

static void test_order_types_forms(void **state)
{
	struct hpos_config cfg;

	(void)state;
	config_init(&cfg);
	load_ok(&cfg, "sync:\n  order_types:\n    - shop_order\n    - 'shop-custom'\n");
	assert_string_equal(cfg.order_types, "shop_order,shop-custom");
	load_ok(&cfg, "sync:\n  order_types: [shop_order_refund]\n");
	assert_string_equal(cfg.order_types, "shop_order_refund");
	load_ok(&cfg, "sync:\n  order_types: \"a,b\"\n");
	assert_string_equal(cfg.order_types, "a,b");
	load_ok(&cfg, "sync:\n  order_types: 12345678901234567890\n");
	assert_string_equal(cfg.order_types, "12345678901234567890");
	config_release(&cfg);
}

static void test_numbers_and_durations(void **state)
{
	static const struct {
		const char *yaml;
		double settle;
	} cases[] = {
		{ "sync:\n  settle: 0\n", 0 },
		{ "sync:\n  settle: 2.5\n", 2.5 },
		{ "sync:\n  settle: 30s\n", 30 },
		{ "sync:\n  settle: 2m\n", 120 },
		{ "sync:\n  settle: \"1h\"\n", 3600 },
	};
	struct hpos_config cfg;
	size_t i;

	(void)state;
	config_init(&cfg);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		load_ok(&cfg, cases[i].yaml);
		assert_true(cfg.settle_seconds == cases[i].settle);
	}
	/* quoted decimal digits are accepted for integers */
	load_ok(&cfg, "database:\n  port: '3306'\n");
	assert_int_equal(cfg.port, 3306);
	load_ok(&cfg, "database:\n  port: \"3307\"\n");
	assert_int_equal(cfg.port, 3307);
	load_ok(&cfg, "database:\n  port: 65535\nsync:\n  max_retries: 1000\n  batch_size: 1\n");
	assert_int_equal(cfg.port, 65535);
	assert_int_equal(cfg.max_retries, 1000);
	assert_int_equal(cfg.batch_size, 1);
	load_ok(&cfg, "sync:\n  batch_size: 100000\n");
	assert_int_equal(cfg.batch_size, 100000);
	config_release(&cfg);
}

static void test_overlay(void **state)
{
	struct hpos_config cfg;

	(void)state;
	config_init(&cfg);
	load_ok(&cfg, "database:\n  host: first\n  user: first\n  port: 3306\n"
		      "sync:\n  lock_name: first\n");
	{
		struct herr err = { 0, "" };
		static const char second[] = "database:\n  user: second\n  password: second\n";

		assert_int_equal(config_load_yaml_buf(&cfg, "second.yml", second,
						      sizeof(second) - 1, &err), 0);
	}
	assert_string_equal(cfg.host, "first");     /* not in the second file */
	assert_string_equal(cfg.user, "second");    /* replaced, old string freed */
	assert_string_equal(cfg.password, "second");
	assert_int_equal(cfg.port, 3306);
	assert_string_equal(cfg.lock_name, "first");
	assert_int_equal(cfg.batch_size, 500);
	assert_string_equal(cfg.source_file, "second.yml");
	config_release(&cfg);
}

static void test_null_values_keep_previous(void **state)
{
	struct hpos_config cfg;

	(void)state;
	config_init(&cfg);
	load_ok(&cfg, "database:\n  host: h\n  user: u\n  password: p\n  name: n\n  port: 1\n"
		      "  tls:\n    mode: required\nsync:\n  settle: 7\n  order_types: a\n");
	load_ok(&cfg, "database:\n  host: ~\n  user:\n  password: null\n  name: NULL\n  port: ~\n"
		      "  table_prefix: Null\n  tls:\n    mode:\n  collation:\n"
		      "sync:\n  settle: ~\n  order_types:\n");
	assert_string_equal(cfg.host, "h");
	assert_string_equal(cfg.user, "u");
	assert_string_equal(cfg.password, "p");
	assert_string_equal(cfg.name, "n");
	assert_int_equal(cfg.port, 1);
	assert_string_equal(cfg.ssl_mode, "required");
	assert_null(cfg.collation);
	assert_string_equal(cfg.table_prefix, "wp_");
	assert_int_equal(cfg.explicit_mask, 0);      /* null is not "explicit" */
	assert_true(cfg.settle_seconds == 7.0);
	assert_string_equal(cfg.order_types, "a");

	/* but quoted empty or "null" strings are values */
	load_ok(&cfg, "database:\n  password: ''\n  user: \"null\"\n  host: '~'\n");
	assert_string_equal(cfg.password, "");
	assert_string_equal(cfg.user, "null");
	assert_string_equal(cfg.host, "~");
	config_release(&cfg);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/hposctl-cfg-XXXXXX";
	struct hpos_config cfg;
	struct herr err = { 0, "" };
	char msg[256];
	int fd = mkstemp(path);
	static const char yaml[] = "database:\n  name: from_file\n  port: nope\n";
	ssize_t head = strstr(yaml, "  port") - yaml;   /* the first two lines */

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, (size_t)head), head);
	close(fd);
	config_init(&cfg);
	assert_int_equal(config_load_yaml(&cfg, path, &err), 0);
	assert_string_equal(cfg.name, "from_file");
	assert_string_equal(cfg.source_file, path);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, sizeof(yaml) - 1), (ssize_t)(sizeof(yaml) - 1));
	close(fd);
	assert_int_equal(config_load_yaml(&cfg, path, &err), -1);
	snprintf(msg, sizeof(msg), "%s:3:9: database.port: expected an integer, got \"nope\"", path);
	assert_string_equal(err.msg, msg);
	unlink(path);

	assert_int_equal(config_load_yaml(&cfg, "/nonexistent/hposctl.yml", &err), -1);
	assert_int_equal(err.code, HX_CONFIG);
	assert_string_equal(err.msg, "config file /nonexistent/hposctl.yml: No such file or directory");
	assert_int_equal(config_load_yaml(&cfg, "/tmp", &err), -1);
	assert_string_equal(err.msg, "config file /tmp: Is a directory");
	config_release(&cfg);
}

/* config.example.yml must stay loadable (tests run from the source tree). */
static void test_example_file(void **state)
{
	struct hpos_config cfg;
	struct herr err = { 0, "" };

	(void)state;
	if (access("config.example.yml", R_OK) != 0)
		skip();
	config_init(&cfg);
	if (config_load_yaml(&cfg, "config.example.yml", &err) < 0)
		fail_msg("config.example.yml: %s", err.msg);
	assert_int_equal(config_validate(&cfg, &err), 0);
	assert_null(cfg.password);
	assert_string_equal(cfg.order_types, "auto");
	config_release(&cfg);
}

/* ---- config_set(), config_validate() ------------------------------------- */

static void test_config_set(void **state)
{
	struct hpos_config cfg;
	struct herr err = { 0, "" };

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_set(&cfg, "database.port", "3308", &err), 0);
	assert_int_equal(cfg.port, 3308);
	assert_int_equal(config_set(&cfg, "database.tls.mode", "Preferred", &err), 0);
	assert_string_equal(cfg.ssl_mode, "preferred");
	assert_int_equal(config_set(&cfg, "database.table_prefix", "x_", &err), 0);
	assert_int_equal(cfg.explicit_mask, CFG_EXPLICIT_TABLE_PREFIX);
	assert_int_equal(config_set(&cfg, "sync.order_types", "a, b", &err), 0);
	assert_string_equal(cfg.order_types, "a,b");
	assert_int_equal(config_set(&cfg, "sync.settle", "45s", &err), 0);
	assert_true(cfg.settle_seconds == 45.0);
	assert_int_equal(config_set(&cfg, "database.host", NULL, &err), 0);
	assert_null(cfg.host);

	assert_int_equal(config_set(&cfg, "database.port", "abc", &err), -1);
	assert_int_equal(err.code, HX_CONFIG);
	assert_string_equal(err.msg, "database.port: expected an integer, got \"abc\"");
	assert_int_equal(config_set(&cfg, "sync.order_types", "", &err), -1);
	assert_string_equal(err.msg, "sync.order_types: the list of order types is empty");
	assert_int_equal(config_set(&cfg, "database.prot", "1", &err), -1);
	assert_string_equal(err.msg, "unknown setting \"database.prot\" (did you mean \"database.port\"?)");
	assert_int_equal(config_set(&cfg, "database.tls.mdoe", "x", &err), -1);
	assert_string_equal(err.msg, "unknown setting \"database.tls.mdoe\" (did you mean \"database.tls.mode\"?)");
	assert_int_equal(config_set(&cfg, "database", "x", &err), -1);
	assert_string_equal(err.msg, "unknown setting \"database\"");
	assert_int_equal(cfg.port, 3308);
	config_release(&cfg);
}

static void validate_fails(struct hpos_config *cfg, const char *msg)
{
	struct herr err = { 0, "" };

	assert_int_equal(config_validate(cfg, &err), -1);
	assert_int_equal(err.code, HX_CONFIG);
	assert_string_equal(err.msg, msg);
}

static void test_validate(void **state)
{
	struct hpos_config cfg;

	(void)state;
	config_init(&cfg);
	free(cfg.table_prefix);
	cfg.table_prefix = strdup("wp-");
	validate_fails(&cfg, "database.table_prefix: \"wp-\" may contain only letters, digits and underscores");
	config_release(&cfg);

	config_init(&cfg);
	cfg.port = 70000;
	validate_fails(&cfg, "database.port: 70000 is out of range 1..65535");
	cfg.port = 0;   /* the library default */
	cfg.read_timeout = 90000;
	validate_fails(&cfg, "database.read_timeout: 90000 is out of range 1..86400");
	cfg.read_timeout = 0;
	cfg.ssl_mode = strdup("SSL");
	validate_fails(&cfg, "database.tls.mode: \"SSL\" is not one of disabled, preferred, required, "
			     "verify_ca, verify_identity");
	FREE_AND_NULL(cfg.ssl_mode);
	cfg.collation = strdup("x'y");
	validate_fails(&cfg, "database.collation: \"x'y\" may contain only letters, digits and underscores");
	FREE_AND_NULL(cfg.collation);
	cfg.batch_size = 0;
	validate_fails(&cfg, "sync.batch_size: 0 is out of range 1..100000");
	cfg.batch_size = 10;
	cfg.max_retries = 5000;
	validate_fails(&cfg, "sync.max_retries: 5000 is out of range 0..1000");
	cfg.max_retries = 3;
	cfg.settle_seconds = -1;
	validate_fails(&cfg, "sync.settle: -1 is out of range (0 or more seconds)");
	cfg.settle_seconds = 0;
	free(cfg.order_types);
	cfg.order_types = strdup("a,b c");
	validate_fails(&cfg, "sync.order_types: \"b c\" is not an order type (1 to 20 letters, digits, '_' or '-')");
	FREE_AND_NULL(cfg.order_types);
	validate_fails(&cfg, "sync.order_types: no order types set");
	cfg.order_types = strdup("shop_order");
	cfg.lock_name = strdup("01234567890123456789012345678901234567890123456789012345678901234");
	validate_fails(&cfg, "sync.lock_name: must be 1 to 64 bytes long (MySQL's GET_LOCK() limit)");
	cfg.lock_name[64] = '\0';
	assert_int_equal(config_validate(&cfg, NULL), 0);
	/* verify_* without a CA would verify nothing: refused */
	cfg.ssl_mode = strdup("verify_ca");
	validate_fails(&cfg, "database.tls.mode: verify_ca needs database.tls.ca or database.tls.capath");
	free(cfg.ssl_mode);
	cfg.ssl_mode = strdup("verify_identity");
	validate_fails(&cfg, "database.tls.mode: verify_identity needs database.tls.ca or database.tls.capath");
	cfg.ssl_capath = strdup("/etc/ssl/certs");
	assert_int_equal(config_validate(&cfg, NULL), 0);
	FREE_AND_NULL(cfg.ssl_capath);
	cfg.ssl_ca = strdup("/etc/ssl/ca.pem");
	assert_int_equal(config_validate(&cfg, NULL), 0);
	free(cfg.ssl_mode);
	cfg.ssl_mode = strdup("required"); /* no CA needed */
	FREE_AND_NULL(cfg.ssl_ca);
	assert_int_equal(config_validate(&cfg, NULL), 0);
	config_release(&cfg);

	assert_int_equal(config_check_prefix("wp_2"), 0);
	assert_int_equal(config_check_prefix("WP_"), 0);
	assert_int_equal(config_check_prefix(""), -1);
	assert_int_equal(config_check_prefix("wp-"), -1);
	assert_int_equal(config_check_prefix("wp_\xC3\xA9"), -1);
	assert_int_equal(config_check_prefix(NULL), -1);
}

/* ---- config_show() ----------------------------------------------------------- */

/* Found by fuzz_config: YAML's \N, \L and \P escapes give NEL, LS and PS,
 * which a JSON-style emitter leaves raw and a YAML reader then folds. */
static void test_show_round_trips_line_breaks(void **state)
{
	static const char yaml[] = "sync:\n  lock_name: \"\\Nn:.l\\L-\\P\"\n";
	struct hpos_config cfg, back;
	struct strbuf out = STRBUF_INIT, again = STRBUF_INIT;
	struct herr err = { 0, "" };

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_yaml_buf(&cfg, "t.yml", yaml, strlen(yaml), &err), 0);
	assert_string_equal(cfg.lock_name, "\xC2\x85n:.l\xE2\x80\xA8-\xE2\x80\xA9");
	config_show(&cfg, &out);
	assert_non_null(strstr(sb_str(&out), "lock_name: \"\\Nn:.l\\L-\\P\""));
	config_init(&back);
	assert_int_equal(config_load_yaml_buf(&back, "t.yml", sb_str(&out), out.len, &err), 0);
	assert_string_equal(back.lock_name, cfg.lock_name);
	config_show(&back, &again);
	assert_string_equal(sb_str(&again), sb_str(&out));
	config_release(&cfg);
	config_release(&back);
	sb_release(&out);
	sb_release(&again);
}

static void test_show(void **state)
{
	static const char expect[] =
		"# hposctl effective configuration (password redacted)\n"
		"# config file: t.yml\n"
		"# wp-config.php: /var/www/shop/wp-config.php\n"
		"database:\n"
		"  host: \"db.example.com\"\n"
		"  port: 3307\n"
		"  socket: \"/run/mysqld/mysqld.sock\"\n"
		"  user: \"hpos\"\n"
		"  password: \"********\"\n"
		"  name: \"shop\"\n"
		"  table_prefix: \"shop_\"\n"
		"  charset: \"utf8mb4\"\n"
		"  collation: \"utf8mb4_unicode_520_ci\"\n"
		"  wp_config: \"/var/www/shop/wp-config.php\"\n"
		"  defaults_file: \"/etc/hposctl/my.cnf\"\n"
		"  connect_timeout: 10\n"
		"  read_timeout: 600\n"
		"  write_timeout: 60\n"
		"  tls:\n"
		"    mode: \"verify_identity\"\n"
		"    ca: \"/etc/ssl/ca.pem\"\n"
		"    capath: \"/etc/ssl/certs\"\n"
		"    cert: \"/etc/ssl/client.pem\"\n"
		"    key: \"/etc/ssl/client.key\"\n"
		"    cipher: \"ECDHE-RSA-AES256-GCM-SHA384\"\n"
		"sync:\n"
		"  batch_size: 1000\n"
		"  order_types: [\"shop_order\", \"shop_order_refund\", \"shop_subscription\"]\n"
		"  settle: 90\n"
		"  max_retries: 0\n"
		"  lock_name: \"hposctl-shop\"\n";
	struct hpos_config cfg, back;
	struct strbuf out = STRBUF_INIT;
	struct herr err = { 0, "" };

	(void)state;
	config_init(&cfg);
	load_ok(&cfg, all_keys);
	config_show(&cfg, &out);
	assert_string_equal(sb_str(&out), expect);
	assert_null(strstr(sb_str(&out), "p@ss"));

	/* the output is YAML that loads back to the same settings */
	config_init(&back);
	assert_int_equal(config_load_yaml_buf(&back, "show", out.buf, out.len, &err), 0);
	assert_string_equal(back.password, "********");
	free(back.password);
	back.password = strdup("p@ss: #word");
	check_all_keys(&back);
	config_release(&back);
	config_release(&cfg);
	sb_release(&out);
}

static void test_show_defaults(void **state)
{
	static const char expect[] =
		"# hposctl effective configuration (password redacted)\n"
		"# config file: none\n"
		"# wp-config.php: none\n"
		"database:\n"
		"  host: ~\n"
		"  port: ~\n"
		"  socket: ~\n"
		"  user: ~\n"
		"  password: ~   # the connection uses $MYSQL_PWD\n"
		"  name: ~\n"
		"  table_prefix: \"wp_\"\n"
		"  charset: \"utf8mb4\"\n"
		"  collation: ~\n"
		"  wp_config: ~\n"
		"  defaults_file: ~\n"
		"  connect_timeout: ~\n"
		"  read_timeout: ~\n"
		"  write_timeout: ~\n"
		"  tls:\n"
		"    mode: ~\n"
		"    ca: ~\n"
		"    capath: ~\n"
		"    cert: ~\n"
		"    key: ~\n"
		"    cipher: ~\n"
		"sync:\n"
		"  batch_size: 500\n"
		"  order_types: [\"auto\"]\n"
		"  settle: 5\n"
		"  max_retries: 10\n"
		"  lock_name: ~\n";
	struct hpos_config cfg;
	struct strbuf out = STRBUF_INIT;

	(void)state;
	setenv("MYSQL_PWD", "secret-from-env", 1);
	config_init(&cfg);
	config_show(&cfg, &out);
	unsetenv("MYSQL_PWD");
	assert_string_equal(sb_str(&out), expect);
	assert_null(strstr(sb_str(&out), "secret-from-env"));

	/* odd characters stay inside a valid double-quoted scalar */
	sb_reset(&out);
	cfg.host = strdup("a\"b\\c\n");
	cfg.settle_seconds = 0.1;
	config_show(&cfg, &out);
	assert_non_null(strstr(sb_str(&out), "  host: \"a\\\"b\\\\c\\n\"\n"));
	assert_non_null(strstr(sb_str(&out), "  settle: 0.1\n"));
	assert_non_null(strstr(sb_str(&out), "  password: ~\n"));
	config_release(&cfg);
	sb_release(&out);
}

/* ---- config_locate() ----------------------------------------------------------- */

struct locate_env {
	char dir[64];
	char oldcwd[PATH_MAX];
};

static void touch(const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fclose(fp);
}

static void test_locate(void **state)
{
	struct locate_env env;
	struct herr err = { 0, "" };
	char *found = (char *)1, other[128], msg[256];
	struct stat st;
	int etc_exists = stat("/etc/hposctl.yml", &st) == 0;

	(void)state;
	assert_non_null(getcwd(env.oldcwd, sizeof(env.oldcwd)));
	strcpy(env.dir, "/tmp/hposctl-locate-XXXXXX");
	assert_non_null(mkdtemp(env.dir));
	assert_int_equal(chdir(env.dir), 0);
	snprintf(other, sizeof(other), "%s/other.yml", env.dir);
	unsetenv("HPOSCTL_CONFIG");

	/* nothing anywhere (unless this machine has /etc/hposctl.yml) */
	assert_int_equal(config_locate(NULL, &found, &err), 0);
	if (etc_exists)
		assert_string_equal(found, "/etc/hposctl.yml");
	else
		assert_null(found);
	free(found);

	/* ./hposctl.yml */
	touch("hposctl.yml");
	assert_int_equal(config_locate(NULL, &found, &err), 0);
	assert_string_equal(found, "hposctl.yml");
	free(found);

	/* $HPOSCTL_CONFIG beats ./hposctl.yml, and must exist */
	setenv("HPOSCTL_CONFIG", other, 1);
	assert_int_equal(config_locate(NULL, &found, &err), -1);
	assert_null(found);
	assert_int_equal(err.code, HX_CONFIG);
	snprintf(msg, sizeof(msg), "config file %s (from $HPOSCTL_CONFIG): No such file or directory", other);
	assert_string_equal(err.msg, msg);
	touch(other);
	assert_int_equal(config_locate(NULL, &found, &err), 0);
	assert_string_equal(found, other);
	free(found);

	/* an empty $HPOSCTL_CONFIG is as good as unset */
	setenv("HPOSCTL_CONFIG", "", 1);
	assert_int_equal(config_locate(NULL, &found, &err), 0);
	assert_string_equal(found, "hposctl.yml");
	free(found);

	/* the explicit path beats everything, and must exist */
	setenv("HPOSCTL_CONFIG", other, 1);
	assert_int_equal(config_locate("missing.yml", &found, &err), -1);
	assert_null(found);
	assert_string_equal(err.msg, "config file missing.yml: No such file or directory");
	assert_int_equal(config_locate("hposctl.yml", &found, &err), 0);
	assert_string_equal(found, "hposctl.yml");
	free(found);

	unsetenv("HPOSCTL_CONFIG");
	unlink(other);
	unlink("hposctl.yml");
	assert_int_equal(chdir(env.oldcwd), 0);
	rmdir(env.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_file_keeps_previous_layer),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_order_types_forms),
		cmocka_unit_test(test_numbers_and_durations),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_null_values_keep_previous),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_config_set),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_show_round_trips_line_breaks),
		cmocka_unit_test(test_show_defaults),
		cmocka_unit_test(test_locate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
