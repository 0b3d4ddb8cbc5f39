/* SPDX-License-Identifier: GPL-2.0 */
/* The one clock the load, the experiment and the sweep pace themselves by. */
#ifndef NETSTAGE_CLOCK_H
#define NETSTAGE_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <errno.h>
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

/* A condition whose timed waits run on CLOCK_MONOTONIC (clock__deadline's clock). */
static inline void clock__cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

/*
 * A worker thread's sleep of ms, lock held, that *stop (set under the lock,
 * then cond signalled) ends early: true if stopped.
 */
static inline bool clock__nap(pthread_cond_t *cond, pthread_mutex_t *lock, const bool *stop,
			      unsigned int ms)
{
	struct timespec ts;

	clock__deadline(&ts, ms);
	while (!*stop && pthread_cond_timedwait(cond, lock, &ts) != ETIMEDOUT)
		;
	return *stop;
}

#endif /* NETSTAGE_CLOCK_H */
