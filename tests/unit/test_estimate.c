/* test_estimate.c - the projection of `--dry-run --sample` (estimate.c):
 * the engines' models, the range, durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "db.h"
#include "estimate.h"

_Atomic int hpos_interrupted;

#define NEAR(a, b) assert_true((a) > (b) * 0.999 && (a) < (b) * 1.001)

/* posts -> HPOS: one reader beside the writers.  1000 orders sampled, 1 s
 * reading, 3.5 s writing and 1 s rolling back (a commit counts as half:
 * 4 s).  One writer is bound by the writes (4 ms/order); two halve them;
 * four would write faster than the reader reads, so the reader's 1 ms/order
 * bounds it. */
static void test_pipeline(void **state)
{
	struct est_input in = { EST_PIPELINE, 100000, 1000, 1.0, 3.5, 1.0, 0.0036, 0.0054 };
	struct est_projection p[EST_NJOBS];

	(void)state;
	estimate_project(&in, p);
	assert_int_equal(p[0].jobs, 1);
	assert_int_equal(p[2].jobs, 4);
	NEAR(p[0].secs, 400.0);
	NEAR(p[1].secs, 200.0);
	NEAR(p[2].secs, 100.0);
	NEAR(p[0].rate, 250.0);
	NEAR(p[2].rate, 1000.0);
	/* low: commits free (3.5 ms/order), at the fastest slice's pace
	 * (3.6 ms against a mean of 4.5 ms: 0.8) */
	NEAR(p[0].low, 100000 * 0.0035 * 0.8);
	NEAR(p[1].low, 100000 * 0.00175 * 0.8);
	/* high: one writer, commits as slow as the rollbacks (4.5 ms), at the
	 * slowest slice's pace (5.4 / 4.5 = 1.2) - for every --jobs */
	NEAR(p[0].high, 100000 * 0.0045 * 1.2);
	NEAR(p[2].high, p[0].high);
	for (int k = 0; k < EST_NJOBS; k++)
		assert_true(p[k].low <= p[k].secs && p[k].secs <= p[k].high);
}

/* HPOS -> posts runs on one connection whatever --jobs says. */
static void test_serial(void **state)
{
	struct est_input in = { EST_SERIAL, 5000, 500, 0.5, 0.5, 0, 0.002, 0.002 };
	struct est_projection p[EST_NJOBS];

	(void)state;
	estimate_project(&in, p);
	NEAR(p[0].secs, 10.0);
	NEAR(p[1].secs, 10.0);
	NEAR(p[2].secs, 10.0);
	NEAR(p[0].low, 10.0);
	NEAR(p[0].high, 10.0);
}

/* cleanup: each worker reads and writes its own batch. */
static void test_workers(void **state)
{
	struct est_input in = { EST_WORKERS, 8000, 800, 0.2, 0.6, 0, 0.001, 0.001 };
	struct est_projection p[EST_NJOBS];

	(void)state;
	estimate_project(&in, p);
	NEAR(p[0].secs, 8.0);
	NEAR(p[1].secs, 4.0);
	NEAR(p[2].secs, 2.0);
	NEAR(p[2].high, 8.0);
}

/* Nothing sampled: no projection, not a division by zero. */
static void test_empty(void **state)
{
	struct est_input in = { EST_PIPELINE, 100, 0, 0, 0, 0, 0, 0 };
	struct est_projection p[EST_NJOBS];

	(void)state;
	estimate_project(&in, p);
	assert_int_equal(p[1].jobs, 2);
	assert_true(p[0].secs == 0 && p[0].rate == 0 && p[0].high == 0);
}

static void test_duration(void **state)
{
	char b[32];

	(void)state;
	estimate_fmt_duration(b, sizeof(b), 44.6);
	assert_string_equal(b, "45s");
	estimate_fmt_duration(b, sizeof(b), 725);
	assert_string_equal(b, "12m05s");
	estimate_fmt_duration(b, sizeof(b), 3 * 3600 + 7 * 60);
	assert_string_equal(b, "3h07m");
	estimate_fmt_duration(b, sizeof(b), 2 * 86400 + 4 * 3600 + 100);
	assert_string_equal(b, "2d04h");
	estimate_fmt_duration(b, sizeof(b), -1);
	assert_string_equal(b, "0s");
}

static int allows(const char *sql, int write, int in_txn)
{
	char kw[16];

	return db_sample_allows(sql, strlen(sql), write, in_txn, kw);
}

/* The sample mode's guard: data changes only inside a transaction, never
 * a statement that commits implicitly. */
static void test_sample_guard(void **state)
{
	(void)state;
	assert_true(allows("INSERT INTO wp_wc_orders VALUES (1)", 1, 1));
	assert_false(allows("INSERT INTO wp_wc_orders VALUES (1)", 1, 0));
	assert_false(allows("  delete from wp_postmeta", 0, 0));   /* DML as a session statement */
	assert_true(allows("DELETE FROM wp_postmeta WHERE post_id IN (1) RETURNING meta_id", 1, 1));
	assert_false(allows("CREATE TABLE IF NOT EXISTS wp_hposctl_skipped (x int)", 1, 1));
	assert_false(allows("ALTER TABLE wp_wc_orders ENGINE=InnoDB", 0, 1));
	assert_false(allows("TRUNCATE wp_wc_orders", 1, 1));
	assert_false(allows("LOCK TABLES wp_posts WRITE", 0, 1));
	assert_false(allows("COMMIT", 0, 1));
	assert_false(allows("START TRANSACTION", 0, 1));      /* would commit the open one */
	assert_true(allows("START TRANSACTION", 0, 0));
	assert_false(allows("SET AutoCommit = 1", 0, 1));
	assert_true(allows("SET TRANSACTION ISOLATION LEVEL READ COMMITTED", 0, 0));
	assert_true(allows("ROLLBACK", 0, 1));
	assert_true(allows("SELECT 1", 0, 0));
	assert_true(allows("(SELECT ID FROM wp_posts) FOR UPDATE", 0, 1));
	assert_true(allows("DO RELEASE_LOCK('x')", 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_sample_guard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
