/* SPDX-License-Identifier: GPL-2.0 */
/* Summary statistics of repeated measurements. */
#ifndef NETSTAGE_STATS_H
#define NETSTAGE_STATS_H

struct summary {
	int n;
	double mean;
	double stddev;	    /* sample standard deviation (n - 1); 0 when n < 2 */
	double stderr_mean; /* standard error of the mean: stddev / sqrt(n) */
	double min, max;
};

struct summary stats__summarize(const double *v, int n);

#endif /* NETSTAGE_STATS_H */
