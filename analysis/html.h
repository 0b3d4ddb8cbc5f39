/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTML report: one self-contained page (inline CSS and SVG, no script,
 * nothing fetched) with the attribution table, the lost-throughput
 * findings, a stacked bar of CPU per byte by stage for each run, a latency
 * histogram per stage, and for sweeps the throughput figures. The plots
 * come from plot.c (gnuplot); this file only writes the page.
 */
#ifndef NETSTAGE_HTML_H
#define NETSTAGE_HTML_H

#include <stddef.h>
#include "analysis/anomaly.h"
#include "analysis/attribution.h"
#include "analysis/result.h"
#include "analysis/series.h"

struct html_input {
	const struct attribution *at;
	int n_runs;			     /* sides: 1, or 2 (A against B) */
	const struct result *const *runs[2]; /* the results of each side */
	int n_per[2];
	const char *names[2]; /* what the user gave for each side */
	const struct anomaly *anomalies[2];
	const struct result *tcp_ref[2];
};

/* Write the page of one or two results. 0, or -errno with err naming the file and the cause. */
int html__write_report(const struct html_input *in, const char *path, char *err, size_t errlen);

/* Write the page of a sweep: a figure and a table per protocol/MTU/layout panel. */
int html__write_sweep(const struct series_set *set, const struct result *runs, int n,
		      const char *path, char *err, size_t errlen);

#endif /* NETSTAGE_HTML_H */
