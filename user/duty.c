// SPDX-License-Identifier: GPL-2.0
/*
 * Time sampling: the stage probes attached for duty_pct % of every period
 * and detached between, so that a hook costs nothing most of the time. A
 * window closes in two steps: new packets stop starting (window_open = 0),
 * the packets in flight finish during a short drain, then the programs are
 * detached. A window opens a little after they are attached again, once the
 * packets that were in flight while detached have passed. Every packet followed in a window is so
 * followed to its end, and each window's counts add up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "user/clock.h"
#include "user/probes.h"
#include "stages.skel.h"

struct probes_duty {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool started, stop;
	unsigned int pct;		/* as asked */
	struct probes_duty_split split; /* the period (the default filled in) and its parts */
	unsigned long long windows;	/* windows opened */
	int error;			/* -errno of a failed attach, which ends the sampling */
};

/* Sleep ms unless told to stop; true if stopped. Called with the lock held. */
static bool nap(struct probes_duty *d, unsigned int ms)
{
	return clock__nap(&d->wake, &d->lock, &d->stop, ms);
}

static void *duty_loop(void *arg)
{
	struct probes *l = arg;
	struct probes_duty *d = l->duty;
	volatile __u32 *open = &l->skel->bss->window_open;

	pthread_mutex_lock(&d->lock);
	/* The first window: probes__start attached the programs already. */
	for (;;) {
		/*
		 * Packets whose earlier stages ran while detached must pass before
		 * the window opens, or they would start midway in it.
		 */
		if (nap(d, d->split.settle_ms))
			break;
		*open = 1;
		d->windows++;
		if (nap(d, d->split.on_ms))
			break;
		*open = 0;
		if (nap(d, d->split.drain_ms))
			break;
		stages_bpf__detach(l->skel);
		if (nap(d, d->split.off_ms))
			break;
		d->error = stages_bpf__attach(l->skel);
		if (d->error)
			break;
	}
	*open = 0;
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Packets in flight while detached pass before a window opens; a trip takes microseconds. */
#define DUTY_SETTLE_MS 2
/*
 * The drain: a quarter of the attached time within these, long enough for a
 * packet's trip, even one that waits in a socket's queue behind a slow reader.
 */
#define DUTY_DRAIN_MIN_MS 5
#define DUTY_DRAIN_MAX_MS 50

int probes__duty_split(unsigned int pct, unsigned int period_ms, struct probes_duty_split *s,
		       char *err, size_t errlen)
{
	unsigned int period = period_ms ? period_ms : 1000, attached, drain;

	if (pct == 0 || pct >= 100 || period < 10) {
		snprintf(err, errlen,
			 "time sampling needs a duty of 1 to 99 %% and a period of "
			 "10 ms or more");
		return -EINVAL;
	}
	/*
	 * The settle and the drain are attached time too: the hooks cost the
	 * same then. They come out of the duty, so that --duty 10 costs a tenth.
	 */
	attached = (unsigned int)((unsigned long long)period * pct / 100);
	drain = attached / 4;
	drain = drain < DUTY_DRAIN_MIN_MS   ? DUTY_DRAIN_MIN_MS
		: drain > DUTY_DRAIN_MAX_MS ? DUTY_DRAIN_MAX_MS
					    : drain;
	if (attached < DUTY_SETTLE_MS + drain + 1) {
		snprintf(err, errlen,
			 "time sampling: %u %% of %u ms is %u ms attached, too short for a "
			 "window after the %d ms settle and the %u ms drain; raise --duty or "
			 "--duty-period (%u ms attached at least)",
			 pct, period, attached, DUTY_SETTLE_MS, drain,
			 DUTY_SETTLE_MS + DUTY_DRAIN_MIN_MS + 1);
		return -EINVAL;
	}
	s->period_ms = period;
	s->settle_ms = DUTY_SETTLE_MS;
	s->drain_ms = drain;
	s->on_ms = attached - DUTY_SETTLE_MS - drain;
	s->off_ms = period - attached;
	return 0;
}

int probes__duty_prepare(struct probes *l, unsigned int pct, unsigned int period_ms, char *err,
			 size_t errlen)
{
	struct probes_duty_split s;
	struct probes_duty *d;
	int rc;

	rc = probes__duty_split(pct, period_ms, &s, err, errlen);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "time sampling: out of memory");
		return -ENOMEM;
	}
	d->pct = pct;
	d->split = s;
	pthread_mutex_init(&d->lock, NULL);
	clock__cond_init(&d->wake);
	l->duty = d;
	return 0;
}

int probes__duty_start(struct probes *l, char *err, size_t errlen)
{
	struct probes_duty *d = l->duty;
	int rc;

	rc = pthread_create(&d->thread, NULL, duty_loop, l);
	if (rc) {
		snprintf(err, errlen, "time sampling: starting its thread failed: %s",
			 strerror(rc));
		return -rc;
	}
	d->started = true;
	return 0;
}

void probes__duty_config(const struct probes *l, int *pct, int *period_ms)
{
	*pct = l->duty ? (int)l->duty->pct : 0;
	*period_ms = l->duty ? (int)l->duty->split.period_ms : 0;
}

unsigned long long probes__duty_windows(const struct probes *l)
{
	unsigned long long n;

	if (!l->duty)
		return 0;
	pthread_mutex_lock(&l->duty->lock);
	n = l->duty->windows;
	pthread_mutex_unlock(&l->duty->lock);
	return n;
}

void probes__duty_stop(struct probes *l)
{
	struct probes_duty *d = l ? l->duty : NULL;

	if (!d)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->wake);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
	}
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d);
	l->duty = NULL;
}
