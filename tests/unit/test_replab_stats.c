/*
 * test_replab_stats.c — the statistics of repeated trials (src/common/stats.c):
 * Clopper-Pearson intervals against published values, the one-sided bound
 * of 0 (and n) of n with its rule-of-three text, and nearest-rank
 * percentiles of small sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stats.h"

static double fabs_diff(double a, double b)
{
	return a > b ? a - b : b - a;
}

static void interval_is(long k, long n, double lo, double hi)
{
	double got_lo, got_hi;

	stats_binomial_ci95(k, n, &got_lo, &got_hi);
	if (fabs_diff(got_lo, lo) > 5e-6 || fabs_diff(got_hi, hi) > 5e-6)
		fail_msg("%ld of %ld: [%.6f, %.6f], expected [%.6f, %.6f]", k, n, got_lo, got_hi,
			 lo, hi);
}

static void test_clopper_pearson(void **state)
{
	(void) state;
	interval_is(1, 10, 0.002529, 0.445016);
	interval_is(5, 10, 0.187086, 0.812914);
	interval_is(3, 20, 0.032071, 0.378927);
	interval_is(19, 20, 0.751267, 0.998735);
	interval_is(1, 2, 0.012579, 0.987421);
}

static void test_none_of_n(void **state)
{
	char buf[128];

	(void) state;
	/* 1 - 0.05^(1/n): the rule of three's exact form, under 3/n. */
	interval_is(0, 5, 0, 0.450720);
	interval_is(0, 10, 0, 0.258866);
	interval_is(0, 1000, 0, 0.002991);
	interval_is(10, 10, 0.741134, 1);
	assert_string_equal(stats_ci95_text(0, 20, buf, sizeof(buf)),
			    "0 of 20: below 13.9% at 95% (rule of three: about 3/20)");
	assert_string_equal(stats_ci95_text(0, 5, buf, sizeof(buf)),
			    "0 of 5: below 45.1% at 95% (exact; the rule of three, 3/N, needs 10 "
			    "trials or more)");
	assert_string_equal(stats_ci95_text(1, 10, buf, sizeof(buf)),
			    "1 of 10 (10%): 95% interval 0.3%-44.5%");
}

static void test_bad_counts(void **state)
{
	(void) state;
	interval_is(3, 2, 0, 1);
	interval_is(0, 0, 0, 1);
	interval_is(-1, 5, 0, 1);
}

static void test_percentiles(void **state)
{
	double ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	double one[] = { 42 };
	double four[] = { 4, 1, 3, 2 };
	struct stats_spread s;

	(void) state;
	s = stats_spread(ten, 10);
	assert_true(s.p50 == 5 && s.p90 == 9 && s.p99 == 10 && s.max == 10);
	assert_true(ten[0] == 1 && ten[9] == 10);
	s = stats_spread(one, 1);
	assert_true(s.p50 == 42 && s.p90 == 42 && s.max == 42);
	s = stats_spread(four, 4);
	assert_true(s.p50 == 2 && s.p90 == 4 && s.max == 4);
	assert_true(stats_percentile(four, 4, 25) == 1 && stats_percentile(four, 4, 26) == 2);
	s = stats_spread(NULL, 0);
	assert_true(s.p50 == 0 && s.max == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clopper_pearson),
		cmocka_unit_test(test_none_of_n),
		cmocka_unit_test(test_bad_counts),
		cmocka_unit_test(test_percentiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
