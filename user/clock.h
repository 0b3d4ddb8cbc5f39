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

/* ms from now on CLOCK_MONOTONIC, for pthread_cond_timedwait on a condition made with that clock.
 */
static inline void clock__deadline(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

#endif /* NETSTAGE_CLOCK_H */
