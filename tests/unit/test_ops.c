/* test_ops.c - operations helpers: replica DSNs, metrics files, the
 * repeatable option type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "metrics.h"
#include "opts.h"
#include "replica.h"

static void base_config(struct hpos_config *b)
{
	config_init(b);
	b->host = strdup("db.primary");
	b->port = 3307;
	b->user = strdup("shop");
	b->password = strdup("pw");
	b->name = strdup("wp");
	b->ssl_mode = strdup("verify_identity");
	b->ssl_ca = strdup("/etc/ssl/ca.pem");
}

static void test_dsn_inherits_and_overrides(void **state)
{
	struct hpos_config b;
	struct replica r;
	struct herr err = { 0, "" };

	(void)state;
	base_config(&b);
	/* nothing but a host: port and socket are dropped with it */
	assert_int_equal(replica_parse(&r, "h=10.0.0.2", &b, &err), 0);
	assert_string_equal(r.cfg.host, "10.0.0.2");
	assert_int_equal(r.cfg.port, 0);
	assert_null(r.cfg.socket);
	assert_string_equal(r.cfg.user, "shop");
	/* the primary's password (or $MYSQL_PWD) is not sent to another host unasked */
	assert_null(r.cfg.password);
	assert_int_equal(r.cfg.no_env_password, 1);
	assert_string_equal(r.cfg.name, "wp");
	assert_string_equal(r.cfg.ssl_mode, "verify_identity");
	assert_string_equal(r.cfg.ssl_ca, "/etc/ssl/ca.pem");
	assert_true(r.cfg.connect_timeout > 0 && r.cfg.connect_timeout <= 5);
	assert_string_equal(r.label, "h=10.0.0.2");
	assert_null(r.db);
	replica_close(&r);

	assert_int_equal(replica_parse(&r, "S=/run/r.sock,u=mon,D=wp2", &b, &err), 0);
	assert_null(r.cfg.host);
	assert_int_equal(r.cfg.port, 0);
	assert_string_equal(r.cfg.socket, "/run/r.sock");
	assert_string_equal(r.cfg.user, "mon");
	assert_string_equal(r.cfg.name, "wp2");
	replica_close(&r);

	assert_int_equal(replica_parse(&r, "P=3310", &b, &err), 0);
	assert_null(r.cfg.host);       /* P alone: localhost's default, new port */
	assert_int_equal(r.cfg.port, 3310);
	replica_close(&r);

	/* F= takes the login from the option file, unless u= is given too */
	assert_int_equal(replica_parse(&r, "h=r1,F=/etc/hposctl/replica.cnf", &b, &err), 0);
	assert_string_equal(r.cfg.defaults_file, "/etc/hposctl/replica.cnf");
	assert_null(r.cfg.user);
	assert_null(r.cfg.password);
	replica_close(&r);
	assert_int_equal(replica_parse(&r, "u=mon,F=/x.cnf", &b, &err), 0);
	assert_string_equal(r.cfg.user, "mon");
	assert_null(r.cfg.password);
	replica_close(&r);
	/* p=@primary asks for the primary's credentials */
	assert_int_equal(replica_parse(&r, "h=r1,p=@primary", &b, &err), 0);
	assert_string_equal(r.cfg.password, "pw");
	assert_int_equal(r.cfg.no_env_password, 0);
	replica_close(&r);
	assert_int_equal(replica_parse(&r, "h=r1,p=@primary,F=/x.cnf", &b, &err), -1);
	assert_int_equal(err.code, HX_USAGE);
	replica_close(&r);
	config_release(&b);
}

static void test_dsn_errors(void **state)
{
	static const struct { const char *dsn, *msg; } bad[] = {
		{ "", "empty DSN" },
		{ "h=a,", "empty DSN or empty pair" },
		{ "h=a,,P=1", "pair 2 is not KEY=VALUE" },
		{ "host=a", "pair 1 is not KEY=VALUE" },
		{ "h=", "h= needs a value" },
		{ "D=", "D= needs a value" },
		{ "P=0", "P= must be a port number 1..65535" },
		{ "P=65536", "P= must be a port number 1..65535" },
		{ "P=12x", "P= must be a port number 1..65535" },
		{ "x=1", "unknown key x=" },
		{ "h=a,p=Secret", "p= is refused" },
	};
	struct hpos_config b;
	struct replica r;
	struct herr err;

	(void)state;
	base_config(&b);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err.code = 0;
		err.msg[0] = '\0';
		assert_int_equal(replica_parse(&r, bad[i].dsn, &b, &err), -1);
		assert_int_equal(err.code, HX_USAGE);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("DSN \"%s\": got \"%s\", want \"%s\"", bad[i].dsn, err.msg, bad[i].msg);
		replica_close(&r);
	}
	/* a password in a refused DSN is never repeated, whichever pair is bad */
	{
		static const char *const leaky[] = { "h=a,p=Secret", "x=1,p=Secret", "p=Secret,h=", "pass=Secret",
						     "h=a,password=Secret", "P=Secret", "p=Secret,,", "h=a,Secret" };

		for (size_t i = 0; i < ARRAY_SIZE(leaky); i++) {
			assert_int_equal(replica_parse(&r, leaky[i], &b, &err), -1);
			if (strstr(err.msg, "Secret"))
				fail_msg("DSN \"%s\": message repeats the value: %s", leaky[i], err.msg);
			replica_close(&r);
		}
	}
	config_release(&b);
}

static void test_metrics_format(void **state)
{
	struct metrics mx;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	metrics_init(&mx, "sync");
	metrics_set(&mx, "orders_synced", "Orders written.", 221);
	metrics_set(&mx, "last_run_duration_seconds", "Duration.", 1.23456);
	metrics_set(&mx, "orders_synced", "Orders written.", 222); /* replaced, not added */
	metrics_format(&mx, &sb);
	assert_string_equal(sb_str(&sb),
		"# HELP hposctl_orders_synced Orders written.\n"
		"# TYPE hposctl_orders_synced gauge\n"
		"hposctl_orders_synced{command=\"sync\"} 222\n"
		"# HELP hposctl_last_run_duration_seconds Duration.\n"
		"# TYPE hposctl_last_run_duration_seconds gauge\n"
		"hposctl_last_run_duration_seconds{command=\"sync\"} 1.235\n");
	sb_release(&sb);
}

static void test_metrics_write_and_carry(void **state)
{
	char dir[] = "/tmp/hposctl-metrics.XXXXXX", path[256], buf[4096];
	struct metrics mx;
	struct herr err = { 0, "" };
	struct stat st;
	double v = 0, ok_ts;
	FILE *fp;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hposctl.prom", dir);
	assert_int_equal(metrics_check_path(path, &err), 0);
	assert_int_equal(metrics_read_previous(path, "sync", "last_success_timestamp_seconds", &v), -1);

	metrics_init(&mx, "sync");
	metrics_run(&mx, path, 2.5, 0);
	assert_int_equal(metrics_write(path, &mx, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(metrics_read_previous(path, "sync", "last_success_timestamp_seconds", &ok_ts), 0);
	assert_true(fabs(ok_ts - now_wall()) < 5);
	assert_int_equal(metrics_read_previous(path, "cleanup", "last_success_timestamp_seconds", &v), -1);

	/* a failed run keeps the last success time */
	sleep(1);
	metrics_init(&mx, "sync");
	metrics_run(&mx, path, 0.5, 75);
	assert_int_equal(metrics_write(path, &mx, &err), 0);
	assert_int_equal(metrics_read_previous(path, "sync", "last_success_timestamp_seconds", &v), 0);
	assert_true(v == ok_ts);
	assert_int_equal(metrics_read_previous(path, "sync", "last_run_exit_code", &v), 0);
	assert_true(v == 75);
	assert_int_equal(metrics_read_previous(path, "sync", "last_run_timestamp_seconds", &v), 0);
	assert_true(v > ok_ts);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, "hposctl_last_run_duration_seconds{command=\"sync\"} 0.500\n"));

	/* refused places; a failed write names the file */
	assert_int_equal(metrics_check_path(dir, &err), -1);
	assert_non_null(strstr(err.msg, "is a directory"));
	snprintf(buf, sizeof(buf), "%s/none/x.prom", dir);
	assert_int_equal(metrics_check_path(buf, &err), -1);
	assert_int_equal(err.code, HX_USAGE);
	assert_int_equal(metrics_write(buf, &mx, &err), -1);
	assert_int_equal(err.code, HX_TEMPFAIL);
	assert_non_null(strstr(err.msg, buf));

	unlink(path);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

static void test_opt_list(void **state)
{
	struct opt_list l = { NULL, 0 };
	const char *one = NULL;
	const struct opt opts[] = {
		{ "replica", 0, OPT_LIST, &l, "DSN", "", NULL },
		{ "one", 0, OPT_STR, &one, "S", "", NULL },
		{ NULL, 0, OPT_END, NULL, NULL, NULL, NULL },
	};
	char a0[] = "--replica", a1[] = "h=a", a2[] = "--one=x", a3[] = "--replica=h=b,P=2", a4[] = "pos";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };
	int argc = 5;
	struct herr err = { 0, "" };

	(void)state;
	assert_int_equal(opts_parse(opts, &argc, argv, 0, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "h=a");
	assert_string_equal(l.v[1], "h=b,P=2");
	assert_string_equal(one, "x");
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], "pos");
	free(l.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn_inherits_and_overrides),
		cmocka_unit_test(test_dsn_errors),
		cmocka_unit_test(test_metrics_format),
		cmocka_unit_test(test_metrics_write_and_carry),
		cmocka_unit_test(test_opt_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
