/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Bit tricks and the histogram update, for BPF programs only. */
#ifndef NETSTAGE_BITS_BPF_H
#define NETSTAGE_BITS_BPF_H

#include "netstage.h"

/* Index of the most significant set bit, branch-free (bcc's bits.bpf.h). */
static __always_inline __u64 ns_log2(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 ns_log2l(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return ns_log2(hi) + 32;
	return ns_log2(v);
}

/*
 * The log-linear bucket of a value (netstage.h): exact below NS_HIST_SUB,
 * then NS_HIST_SUB sub-buckets per power of two, clamped to the last bucket.
 * analysis/hist.c holds the inverse (bucket bounds).
 */
static __always_inline __u32 ns_hist_bucket(__u64 v)
{
	__u64 e;

	if (v < NS_HIST_SUB)
		return v;
	e = ns_log2l(v);
	if (e >= NS_HIST_MAX_EXP)
		return NS_HIST_BUCKETS - 1;
	return ((e - NS_HIST_SUB_BITS + 1) << NS_HIST_SUB_BITS) +
	       ((v >> (e - NS_HIST_SUB_BITS)) & (NS_HIST_SUB - 1));
}

/* Add a value to a per-CPU histogram: no other CPU writes it, so no atomics. */
static __always_inline void ns_hist_add(struct ns_hist *h, __u64 v)
{
	__u32 b = ns_hist_bucket(v);

	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	if (b < NS_HIST_BUCKETS)
		h->buckets[b]++;
}

#endif /* NETSTAGE_BITS_BPF_H */
