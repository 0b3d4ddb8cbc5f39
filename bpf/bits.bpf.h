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

/* The same bucket in the probes' narrower histogram: the last takes everything above. */
static __always_inline __u32 ns_khist_bucket(__u64 v)
{
	__u64 e;

	if (v < NS_HIST_SUB)
		return v;
	e = ns_log2l(v);
	if (e >= NS_KHIST_MAX_EXP)
		return NS_KHIST_BUCKETS - 1;
	return ((e - NS_HIST_SUB_BITS + 1) << NS_HIST_SUB_BITS) +
	       ((v >> (e - NS_HIST_SUB_BITS)) & (NS_HIST_SUB - 1));
}

/*
 * Add a value to a per-CPU histogram: no other CPU writes it, so no atomics.
 * Its header (sum, max, segs, hop) shares one cache line with the first
 * buckets; a bucket is one more line at most.
 */
static __always_inline void ns_khist_add(struct ns_khist *h, __u64 v, __u16 segs, __u8 hop,
					 bool cross_cpu)
{
	__u32 b = ns_khist_bucket(v);
	__u32 v32 = v > 0xffffffffULL ? 0xffffffffU : (__u32)v;

	if (v32 > h->max)
		h->max = v32;
	h->sum += v;
	h->segs += segs;
	if (hop > h->hop)
		h->hop = hop;
	if (cross_cpu)
		h->cross_cpu++;
	if (b < NS_KHIST_BUCKETS)
		h->buckets[b]++;
}

/* Packet layout the programs read (uapi's if_ether.h, ip.h, ipv6.h). */
#define NS_ETH_P_IP	    0x0800
#define NS_ETH_P_IPV6	    0x86DD
#define NS_IPV4_HDR_LEN	    20
#define NS_IPV6_HDR_LEN	    40
#define NS_IPV4_PROTO_OFF   9  /* iphdr.protocol */
#define NS_IPV6_NEXTHDR_OFF 6  /* ipv6hdr.nexthdr */
#define NS_IPV4_SADDR_LAST  15 /* last byte of iphdr.saddr */
#define NS_IPV6_SADDR_LAST  23 /* last byte of ipv6hdr.saddr */

#endif /* NETSTAGE_BITS_BPF_H */
