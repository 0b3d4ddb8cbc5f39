// SPDX-License-Identifier: GPL-2.0
/* Histogram maths: buckets, their bounds, quantiles, merging, printing. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include "analysis/hist.h"

/* The BPF side's bucket function, compiled here to check both sides agree. */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "bits.bpf.h"

Test(hist, small_values_have_a_bucket_each)
{
	for (__u64 v = 0; v < NS_HIST_SUB; v++)
		cr_assert_eq(hist__bucket(v), v);
}

Test(hist, sub_buckets_split_each_power_of_two_in_four)
{
	/* [4,5) [5,6) [6,7) [7,8) then [8,10) [10,12) [12,14) [14,16) */
	cr_assert_eq(hist__bucket(4), 4);
	cr_assert_eq(hist__bucket(7), 7);
	cr_assert_eq(hist__bucket(8), 8);
	cr_assert_eq(hist__bucket(9), 8);
	cr_assert_eq(hist__bucket(10), 9);
	cr_assert_eq(hist__bucket(15), 11);
	cr_assert_eq(hist__bucket(16), 12);
	cr_assert_eq(hist__bucket_low(9), 10);
	cr_assert_eq(hist__bucket_high(9), 12);
	cr_assert_eq(hist__bucket_low(12), 16);
}

Test(hist, every_value_lies_inside_its_bucket_bounds)
{
	for (__u64 v = 0; v < (1ULL << 36); v = v * 3 / 2 + 1) {
		unsigned int b = hist__bucket(v);

		cr_assert(hist__bucket_low(b) <= v, "v=%llu bucket %u low %llu",
			  (unsigned long long)v, b, (unsigned long long)hist__bucket_low(b));
		cr_assert(v < hist__bucket_high(b), "v=%llu bucket %u high %llu",
			  (unsigned long long)v, b, (unsigned long long)hist__bucket_high(b));
		/* Relative width at most one sub-bucket: 25 % of the power of two. */
		if (v >= 8)
			cr_assert(hist__bucket_high(b) - hist__bucket_low(b) <= v / 4 + 1);
	}
}

Test(hist, huge_values_land_in_the_last_bucket)
{
	cr_assert_eq(hist__bucket(1ULL << 36), NS_HIST_BUCKETS - 1);
	cr_assert_eq(hist__bucket(UINT64_MAX), NS_HIST_BUCKETS - 1);
	cr_assert_eq(hist__bucket_high(NS_HIST_BUCKETS - 1), UINT64_MAX);
}

Test(hist, the_bpf_side_puts_every_value_in_the_same_bucket)
{
	for (__u64 v = 0; v < (1ULL << 40); v = v * 5 / 4 + 1)
		cr_assert_eq(ns_hist_bucket(v), hist__bucket(v), "v=%llu", (unsigned long long)v);
}

Test(hist, quantiles_of_a_uniform_distribution)
{
	struct ns_hist h = {0};

	for (__u64 v = 1; v <= 10000; v++)
		hist__add(&h, v);
	cr_assert_eq(h.count, 10000);
	cr_assert_eq(h.min, 1);
	cr_assert_eq(h.max, 10000);
	/* Linear interpolation inside a bucket is exact for a uniform distribution. */
	cr_assert_float_eq(hist__quantile(&h, 0.5), 5000, 50);
	cr_assert_float_eq(hist__quantile(&h, 0.99), 9900, 99);
	cr_assert_float_eq(hist__mean(&h), 5000.5, 1e-9);
}

Test(hist, quantiles_stay_within_min_and_max)
{
	struct ns_hist h = {0};

	for (int i = 0; i < 100; i++)
		hist__add(&h, 1000);
	cr_assert_float_eq(hist__quantile(&h, 0.5), 1000, 1e-9);
	cr_assert_float_eq(hist__quantile(&h, 0.99), 1000, 1e-9);
	cr_assert_float_eq(hist__quantile(&h, 0.0), 1000, 1e-9);
}

Test(hist, quantile_of_a_bimodal_distribution_picks_the_right_mode)
{
	struct ns_hist h = {0};

	for (int i = 0; i < 900; i++)
		hist__add(&h, 100);
	for (int i = 0; i < 100; i++)
		hist__add(&h, 50000);
	cr_assert_lt(hist__quantile(&h, 0.5), 128);
	cr_assert_gt(hist__quantile(&h, 0.95), 40000);
}

Test(hist, empty_histogram_has_zero_quantiles)
{
	struct ns_hist h = {0};

	cr_assert_float_eq(hist__quantile(&h, 0.5), 0, 1e-9);
	cr_assert_float_eq(hist__mean(&h), 0, 1e-9);
}

Test(hist, merge_adds_counts_and_keeps_extremes)
{
	struct ns_hist a = {0}, b = {0}, empty = {0};

	hist__add(&a, 10);
	hist__add(&a, 20);
	hist__add(&b, 5);
	hist__add(&b, 1000);
	b.hop = 2;
	a.segs = 2;
	b.segs = 90; /* GSO packets: the wire segments add up too */
	hist__merge(&a, &b);
	hist__merge(&a, &empty);
	cr_assert_eq(a.count, 4);
	cr_assert_eq(a.sum, 1035);
	cr_assert_eq(a.min, 5);
	cr_assert_eq(a.max, 1000);
	cr_assert_eq(a.hop, 2);
	cr_assert_eq(a.segs, 92);
	cr_assert_eq(a.buckets[hist__bucket(1000)], 1);
}

Test(hist, print_draws_bars_proportional_to_counts)
{
	struct ns_hist h = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (int i = 0; i < 40; i++)
		hist__add(&h, 100);
	for (int i = 0; i < 20; i++)
		hist__add(&h, 200);
	hist__print(&h, "ns", f);
	fclose(f);
	cr_assert(strstr(buf, "96 -> 111"), "%s", buf);
	cr_assert(strstr(buf, "|****************************************|"), "%s", buf);
	cr_assert(strstr(buf, "|********************                    |"), "%s", buf);
	free(buf);
}
