// SPDX-License-Identifier: GPL-2.0
/* Summary statistics against values computed by hand. */
#include <criterion/criterion.h>
#include "analysis/stats.h"

Test(stats, mean_stddev_and_standard_error_of_a_known_sample)
{
	/* Sample standard deviation sqrt(32/7) = 2.13809; stderr = that / sqrt(8). */
	const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
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
	const double v[] = { 17.5 };
	struct summary s = stats__summarize(v, 1);

	cr_assert_float_eq(s.mean, 17.5, 1e-12);
	cr_assert_float_eq(s.stddev, 0, 1e-12);
	cr_assert_float_eq(s.stderr_mean, 0, 1e-12);
}

Test(stats, large_close_values_keep_their_precision)
{
	/* Throughputs in bit/s: a one-pass formula would cancel catastrophically. */
	const double v[] = { 18e9 + 1, 18e9 + 2, 18e9 + 3 };
	struct summary s = stats__summarize(v, 3);

	cr_assert_float_eq(s.stddev, 1.0, 1e-6);
}

Test(stats, no_values)
{
	struct summary s = stats__summarize(NULL, 0);

	cr_assert_eq(s.n, 0);
	cr_assert_float_eq(s.mean, 0, 1e-12);
}
