/* SPDX-License-Identifier: GPL-2.0 */
/* Histogram maths over the log-linear buckets of bpf/netstage.h. Pure functions. */
#ifndef NETSTAGE_HIST_H
#define NETSTAGE_HIST_H

#include <stdio.h>
#include <linux/types.h>
#include "netstage.h"

/* The bucket a value lands in (the userspace twin of ns_hist_bucket in bits.bpf.h). */
unsigned int hist__bucket(__u64 v);
/* Smallest value of bucket i. */
__u64 hist__bucket_low(unsigned int i);
/* One past the largest value of bucket i (UINT64_MAX for the last bucket). */
__u64 hist__bucket_high(unsigned int i);

void hist__add(struct ns_hist *h, __u64 v);
void hist__merge(struct ns_hist *dst, const struct ns_hist *src);
double hist__mean(const struct ns_hist *h);
/*
 * The value below which a fraction q (0..1) of the samples lie, interpolated
 * linearly inside its bucket and clamped to [min, max]. 0 for an empty one.
 */
double hist__quantile(const struct ns_hist *h, double q);

/* bcc-style "low -> high : count |****|" lines of the non-empty range. */
void hist__print(const struct ns_hist *h, const char *unit, FILE *out);

#endif /* NETSTAGE_HIST_H */
