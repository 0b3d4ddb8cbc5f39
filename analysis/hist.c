// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>
#include "analysis/hist.h"

static unsigned int msb64(__u64 v)
{
	return 63 - __builtin_clzll(v);
}

unsigned int hist__bucket(__u64 v)
{
	unsigned int e;

	if (v < NS_HIST_SUB)
		return v;
	e = msb64(v);
	if (e >= NS_HIST_MAX_EXP)
		return NS_HIST_BUCKETS - 1;
	return ((e - NS_HIST_SUB_BITS + 1) << NS_HIST_SUB_BITS) +
	       ((v >> (e - NS_HIST_SUB_BITS)) & (NS_HIST_SUB - 1));
}

__u64 hist__bucket_low(unsigned int i)
{
	unsigned int e, sub;

	if (i < NS_HIST_SUB)
		return i;
	e = (i >> NS_HIST_SUB_BITS) + NS_HIST_SUB_BITS - 1;
	sub = i & (NS_HIST_SUB - 1);
	return (__u64)(NS_HIST_SUB + sub) << (e - NS_HIST_SUB_BITS);
}

__u64 hist__bucket_high(unsigned int i)
{
	if (i + 1 >= NS_HIST_BUCKETS)
		return UINT64_MAX;
	return hist__bucket_low(i + 1);
}

void hist__add(struct ns_hist *h, __u64 v)
{
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->buckets[hist__bucket(v)]++;
}

void hist__merge(struct ns_hist *dst, const struct ns_hist *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	dst->probe_ns += src->probe_ns;
	dst->segs += src->segs;
	dst->cross_cpu += src->cross_cpu;
	if (src->hop > dst->hop)
		dst->hop = src->hop;
	for (unsigned int i = 0; i < NS_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

double hist__mean(const struct ns_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

double hist__quantile(const struct ns_hist *h, double q)
{
	__u64 total = 0, seen = 0;
	double rank, lo, hi, v;
	unsigned int i;

	for (i = 0; i < NS_HIST_BUCKETS; i++)
		total += h->buckets[i];
	if (total == 0)
		return 0.0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = q * (double)total;
	for (i = 0; i < NS_HIST_BUCKETS; i++) {
		if (h->buckets[i] == 0)
			continue;
		if ((double)(seen + h->buckets[i]) >= rank)
			break;
		seen += h->buckets[i];
	}
	if (i == NS_HIST_BUCKETS)
		return h->max;
	/* The extreme buckets are only filled up to the exact min and max the kernel kept. */
	lo = (double)hist__bucket_low(i);
	hi = (double)hist__bucket_high(i);
	if (lo < (double)h->min)
		lo = (double)h->min;
	if (hi > (double)h->max + 1)
		hi = (double)h->max + 1;
	v = lo + (hi - lo) * (rank - (double)seen) / (double)h->buckets[i];
	if (v > (double)h->max)
		v = h->max;
	return v;
}

void hist__print(const struct ns_hist *h, const char *unit, FILE *out)
{
	const int width = 40;
	unsigned int first = NS_HIST_BUCKETS, last = 0, i;
	__u64 peak = 0;
	char stars[41];

	for (i = 0; i < NS_HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		if (first == NS_HIST_BUCKETS)
			first = i;
		last = i;
		if (h->buckets[i] > peak)
			peak = h->buckets[i];
	}
	if (first == NS_HIST_BUCKETS) {
		fprintf(out, "     (no samples)\n");
		return;
	}
	fprintf(out, "%24s : %-10s distribution\n", unit, "count");
	for (i = first; i <= last; i++) {
		int n = (int)(h->buckets[i] * width / peak);
		unsigned long long hi = hist__bucket_high(i);

		memset(stars, '*', n);
		stars[n] = '\0';
		if (hi == UINT64_MAX)
			fprintf(out, "%10llu -> %-11s : %-10llu |%-*s|\n",
				(unsigned long long)hist__bucket_low(i), "inf",
				(unsigned long long)h->buckets[i], width, stars);
		else
			fprintf(out, "%10llu -> %-11llu : %-10llu |%-*s|\n",
				(unsigned long long)hist__bucket_low(i), hi - 1,
				(unsigned long long)h->buckets[i], width, stars);
	}
}
