/* SPDX-License-Identifier: GPL-2.0 */
/* The one clock the load, the experiment and the sweep pace themselves by. */
#ifndef NETSTAGE_CLOCK_H
#define NETSTAGE_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC: for intervals and deadlines, never wall time. */
static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* NETSTAGE_CLOCK_H */
