/* SPDX-License-Identifier: GPL-2.0 */
/*
 * openmetrics: a result as OpenMetrics text (what `--listen` serves at
 * /metrics): per-stage latency histograms with cumulative `le` buckets from
 * the log-linear sub-buckets, drops by reason and stage, softirq time, and
 * the tracking counters. A pure function of the result: the caller keeps
 * the result from changing while it runs.
 */
#ifndef NETSTAGE_OPENMETRICS_H
#define NETSTAGE_OPENMETRICS_H

#include "analysis/result.h"
#include "analysis/strbuf.h"

/* The media type of the text, for an HTTP Content-Type header. */
#define OPENMETRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Which bucket bounds the histograms show. */
enum openmetrics_buckets {
	OPENMETRICS_SUB,  /* every log-linear sub-bucket bound: 4 per power of two */
	OPENMETRICS_LOG2, /* powers of two only: a quarter of the series, same counts at them */
};

/* Append r's exposition to b, ending with "# EOF". b->oom tells when it ran out of memory. */
void openmetrics__render(const struct result *r, enum openmetrics_buckets buckets,
			 struct strbuf *b);

/* Append s as a label value: backslash, double quote and newline escaped (\\, \", \n). */
void openmetrics__escape(struct strbuf *b, const char *s);

/* The series a histogram has per stage entry: its finite buckets, +Inf, _count, _sum. */
#define OPENMETRICS_SERIES_PER_HIST	 (NS_HIST_BUCKETS + 2)
#define OPENMETRICS_SERIES_PER_HIST_LOG2 (NS_HIST_BUCKETS / NS_HIST_SUB + 2)

#endif /* NETSTAGE_OPENMETRICS_H */
