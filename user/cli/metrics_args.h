/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OpenMetrics options that run and profile share (--listen,
 * --metrics-buckets, --metrics-interval): their table entries and their
 * parsing, as probe_args.h is for the probe options.
 */
#ifndef NETSTAGE_METRICS_ARGS_H
#define NETSTAGE_METRICS_ARGS_H

#include "user/cli/cli.h"
#include "analysis/openmetrics.h"

enum {
	METRICS_OPT_LISTEN = 600,
	METRICS_OPT_BUCKETS,
	METRICS_OPT_INTERVAL,
};

/* WHEN: "during the run", "while it watches". */
#define METRICS_OPTS(WHEN)                                                                         \
	{METRICS_OPT_LISTEN, "listen", 0, "ADDR:PORT",                                             \
	 "serve the running totals as OpenMetrics at http://ADDR:PORT/metrics " WHEN               \
	 " (ADDR defaults to 127.0.0.1; docs/DEPLOY.md)"},                                         \
	    {METRICS_OPT_BUCKETS, "metrics-buckets", 0, "sub|log2",                                \
	     "histogram bounds served: every sub-bucket (default), or powers of two only (a "      \
	     "quarter of the series)"},                                                            \
	{                                                                                          \
		METRICS_OPT_INTERVAL, "metrics-interval", 0, "S",                                  \
		    "seconds between the snapshots served, 1 to 3600 (default 1; each reads "      \
		    "every "                                                                       \
		    "probe map, so large nodes want about their scrape interval)"                  \
	}

struct metrics_args {
	const char *listen; /* NULL: serve nothing */
	enum openmetrics_buckets buckets;
	int interval_s;
};
#define METRICS_ARGS_DEFAULT                                                                       \
	{                                                                                          \
		.listen = NULL, .buckets = OPENMETRICS_SUB, .interval_s = 1                        \
	}

/* Option id of the parser's current option: 1 taken, 0 not one of these, -1 a bad value (said). */
int metrics_args__handle(const struct cli_parser *p, int id, struct metrics_args *a);

#endif /* NETSTAGE_METRICS_ARGS_H */
