// SPDX-License-Identifier: GPL-2.0
/* Summary statistics against values computed by hand. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "analysis/stats.h"

Test(stats, mean_stddev_and_standard_error_of_a_known_sample)
{
	/* Sample standard deviation sqrt(32/7) = 2.13809; stderr = that / sqrt(8). */
	const double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
	struct summary s = stats__summarize(v, 8);

	cr_assert_eq(s.n, 8);
	cr_assert_float_eq(s.mean, 5.0, 1e-12);
	cr_assert_float_eq(s.stddev, 2.13808993529939, 1e-9);
	cr_assert_float_eq(s.stderr_mean, 0.75592894601845, 1e-9);
	cr_assert_float_eq(s.min, 2, 1e-12);
	cr_assert_float_eq(s.max, 9, 1e-12);
}

Test(stats, one_value_has_no_spread)
{
	const double v[] = {17.5};
	struct summary s = stats__summarize(v, 1);

	cr_assert_float_eq(s.mean, 17.5, 1e-12);
	cr_assert_float_eq(s.stddev, 0, 1e-12);
	cr_assert_float_eq(s.stderr_mean, 0, 1e-12);
}

Test(stats, large_close_values_keep_their_precision)
{
	/* Throughputs in bit/s: a one-pass formula would cancel catastrophically. */
	const double v[] = {18e9 + 1, 18e9 + 2, 18e9 + 3};
	struct summary s = stats__summarize(v, 3);

	cr_assert_float_eq(s.stddev, 1.0, 1e-6);
}

Test(stats, no_values)
{
	struct summary s = stats__summarize(NULL, 0);

	cr_assert_eq(s.n, 0);
	cr_assert_float_eq(s.mean, 0, 1e-12);
}

/* A table computed apart (Python's statistics.stdev, / sqrt(n)): repeats as netstage keeps them. */
struct known {
	int n;
	double v[10];
	double mean, stddev, stderr_mean;
};

ParameterizedTestParameters(stats, known_table)
{
	static struct known table[] = {
	    {2, {10, 12}, 11, 1.4142135623730951, 1.0},
	    {3, {1.5, 2.5, 2.0}, 2.0, 0.5, 0.2886751345948129},
	    {10,
	     {17.6, 18.3, 17.9, 18.1, 17.2, 18.0, 17.7, 18.2, 17.8, 18.4},
	     17.92,
	     0.3614784456460255,
	     0.1143095213298816},
	    {3, {4e9, 4e9, 4e9}, 4e9, 0, 0},
	};
	return cr_make_param_array(struct known, table, sizeof(table) / sizeof(table[0]));
}

ParameterizedTest(struct known *k, stats, known_table)
{
	struct summary s = stats__summarize(k->v, k->n);

	cr_assert_eq(s.n, k->n);
	cr_assert_float_eq(s.mean, k->mean, 1e-12 * (1 + k->mean));
	cr_assert_float_eq(s.stddev, k->stddev, 1e-12 * (1 + k->mean));
	cr_assert_float_eq(s.stderr_mean, k->stderr_mean, 1e-12 * (1 + k->mean));
}
