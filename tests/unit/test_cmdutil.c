/* test_cmdutil.c - the steps the commands share (cmdutil.h): the step
 * runner (cmd_run), isolation level names, argument and stop checks, the engines'
 * common options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmdutil.h"
#include "migrate.h"
#include "throttle.h"

_Atomic int hpos_interrupted;

/* main.c's, which the library does not hold: record what was reported. */
static char reported[sizeof(((struct herr *)0)->msg)];
int report(const struct herr *err)
{
	snprintf(reported, sizeof(reported), "%s", err->msg);
	return err->code ? err->code : HX_INTERNAL;
}

/* command_opts() as main.c has it, told what to answer: 1 --help was
 * printed, -1 a bad option, 0 parsed. */
static int opts_answer;
int command_opts(const struct command *cmd, int *argc, char **argv, struct herr *err)
{
	(void)cmd;
	(void)argc;
	(void)argv;
	if (opts_answer < 0)
		return herr_set(err, HX_USAGE, "bad option");
	return opts_answer;
}

int ctx_connect(struct ctx *c, struct herr *err)
{
	(void)c;
	return herr_set(err, HX_NOCONNECT, "no server in unit tests");
}

/* A run whose check and steps log their order and end as told. */
struct fake_run {
	char log[16];
	int end_at;          /* the step that ends: STEP_END, or STEP_FAIL with fail_at */
	int fail_at;         /* 0 is the check */
	int exit_code;
};

static const struct command fake_cmd = { .name = "frobnicate" };

static int check(int argc, char **argv, void *arg, struct herr *err)
{
	struct fake_run *r = arg;

	(void)argv;
	strcat(r->log, "c");
	if (r->fail_at == 0)
		return herr_set(err, HX_USAGE, "frobnicate: %d arguments", argc);
	return 0;
}

static int step(struct fake_run *r, int n, struct herr *err)
{
	size_t len = strlen(r->log);

	r->log[len] = (char)('0' + n);
	r->log[len + 1] = '\0';
	if (n == r->fail_at)
		return herr_set(err, HX_CONFIG, "step %d failed", n), STEP_FAIL;
	if (n == r->end_at) {
		r->exit_code = HX_PROBLEM;
		return STEP_END;
	}
	return STEP_ON;
}

static int step1(void *arg, struct herr *err) { return step(arg, 1, err); }
static int step2(void *arg, struct herr *err) { return step(arg, 2, err); }
static int step3(void *arg, struct herr *err) { return step(arg, 3, err); }

static cmd_step_fn *const steps[] = { step1, step2, step3 };

static int run(struct fake_run *r)
{
	char a0[] = "x", *argv[] = { a0, NULL };

	reported[0] = '\0';
	return cmd_run(&fake_cmd, 1, argv, check, steps, ARRAY_SIZE(steps), r, &r->exit_code);
}

static void test_steps_all_on(void **state)
{
	struct fake_run r = { "", 0, -1, HX_OK };

	(void)state;
	opts_answer = 0;
	assert_int_equal(run(&r), HX_OK);
	assert_string_equal(r.log, "c123");
	assert_int_equal(r.exit_code, HX_OK);
	assert_string_equal(reported, "");
}

static void test_steps_end_stops(void **state)
{
	struct fake_run r = { "", 2, -1, HX_OK };

	(void)state;
	opts_answer = 0;
	assert_int_equal(run(&r), HX_PROBLEM);
	assert_string_equal(r.log, "c12");         /* step 3 never runs */
	assert_int_equal(r.exit_code, HX_PROBLEM); /* the code the step set */
	assert_string_equal(reported, "");
}

static void test_steps_fail_reports(void **state)
{
	struct fake_run r = { "", 0, 1, HX_OK };

	(void)state;
	opts_answer = 0;
	assert_int_equal(run(&r), HX_CONFIG);
	assert_string_equal(r.log, "c1");
	assert_int_equal(r.exit_code, HX_CONFIG);
	assert_string_equal(reported, "step 1 failed");
}

/* --help, a bad option, bad arguments: no step runs. */
static void test_before_steps(void **state)
{
	struct fake_run help = { "", 0, -1, HX_PROBLEM }, bad = { "", 0, -1, HX_OK }, args = { "", 0, 0, HX_OK };

	(void)state;
	opts_answer = 1;
	assert_int_equal(run(&help), HX_OK);
	assert_string_equal(help.log, "");
	assert_string_equal(reported, "");
	opts_answer = -1;
	assert_int_equal(run(&bad), HX_USAGE);
	assert_string_equal(bad.log, "");
	assert_string_equal(reported, "bad option");
	opts_answer = 0;
	assert_int_equal(run(&args), HX_USAGE);
	assert_string_equal(args.log, "c");
	assert_string_equal(reported, "frobnicate: 1 arguments");
}

static void test_isolation_names(void **state)
{
	(void)state;
	assert_string_equal(cmd_isolation_name("read committed"), "READ COMMITTED");
	assert_string_equal(cmd_isolation_name("Serializable"), "SERIALIZABLE");
	assert_string_equal(cmd_isolation_name("READ UNCOMMITTED"), "READ UNCOMMITTED");
	assert_null(cmd_isolation_name("READ-COMMITTED"));
	assert_null(cmd_isolation_name(""));
	assert_null(cmd_isolation_name(NULL));
}

static void test_no_args(void **state)
{
	struct herr err = { 0, "" };
	char a0[] = "extra", *argv[] = { a0, NULL };

	(void)state;
	assert_int_equal(cmd_no_args(&fake_cmd, 0, argv, &err), 0);
	assert_int_equal(cmd_no_args(&fake_cmd, 1, argv, &err), -1);
	assert_int_equal(err.code, HX_USAGE);
	assert_string_equal(err.msg, "frobnicate: unexpected argument 'extra'");
}

static void test_stops(void **state)
{
	struct throttle t;

	(void)state;
	memset(&t, 0, sizeof(t));
	hpos_interrupted = 0;
	assert_int_equal(cmd_run_stopped(&t, "sync"), HX_OK);
	assert_int_equal(cmd_sample_stopped(&t), HX_OK);
	hpos_interrupted = SIGINT;
	assert_int_equal(cmd_signal_exit(), HX_SIGINT);
	assert_int_equal(cmd_run_stopped(&t, "sync"), HX_SIGINT);
	hpos_interrupted = SIGTERM;
	assert_int_equal(cmd_run_stopped(&t, "cleanup"), HX_SIGTERM);
	/* a throttle stop wins over a signal */
	t.critical_hit = 1;
	snprintf(t.critical_msg, sizeof(t.critical_msg), "Threads_running 90 > 50");
	assert_int_equal(cmd_run_stopped(&t, "sync"), HX_TEMPFAIL);
	assert_int_equal(cmd_sample_stopped(&t), HX_TEMPFAIL);
	hpos_interrupted = 0;
}

static void test_sync_opts(void **state)
{
	struct ctx c;
	struct typelist types = { NULL, 0 };
	struct sync_opts so;
	char lock[] = "hposctl_test";

	(void)state;
	memset(&c, 0, sizeof(c));
	c.cfg.max_retries = 7;
	c.cfg.lock_name = lock;
	memset(&so, 0xff, sizeof(so));
	cmd_sync_opts(&so, &c, 250, &types);
	assert_int_equal(so.batch_size, 250);
	assert_ptr_equal(so.types, &types);
	assert_int_equal(so.max_retries, 7);
	assert_true(so.wclock_wait == 15.0);
	assert_int_equal(so.jobs, 1);
	assert_string_equal(so.runlock_name, "hposctl_test");
	/* everything else zero: no ranges, no callback, no limits */
	assert_null(so.ranges);
	assert_null(so.between);
	assert_null(so.isolation);
	assert_int_equal(so.max_batches, 0);
	assert_int_equal(so.skip_cleaned, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps_all_on),
		cmocka_unit_test(test_steps_end_stops),
		cmocka_unit_test(test_steps_fail_reports),
		cmocka_unit_test(test_before_steps),
		cmocka_unit_test(test_isolation_names),
		cmocka_unit_test(test_no_args),
		cmocka_unit_test(test_stops),
		cmocka_unit_test(test_sync_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
