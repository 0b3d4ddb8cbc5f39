/* SPDX-License-Identifier: GPL-2.0 */
/*
 * experiment: the repetitions of one load on one built topology, with the
 * probes (when attached) snapshotted after each, into a result: throughput
 * per pair and repetition, their aggregates, and the profile of the whole.
 * `netstage run` runs one; `netstage sweep` one per point of its matrix.
 */
#ifndef NETSTAGE_EXPERIMENT_H
#define NETSTAGE_EXPERIMENT_H

#include "user/traffic.h"
#include "user/probes.h"
#include "user/metrics_server.h"
#include "topo/topo.h"
#include "analysis/result.h"

struct experiment {
	struct load_spec load;
	int streams_total; /* split evenly over the pairs; 0: load.streams per pair */
	int repeat;
	const char *cmd; /* "run", "sweep": the name notes carry */
	/* Called about once a second while a repetition (1-based) runs. */
	void (*progress)(void *ctx, int rep, int repeat, int elapsed_s, int duration_s);
	void *ctx;
	/*
	 * --listen: the probes are snapshotted about once a second too, not only after
	 * each repetition, and every snapshot goes into r through the server's lock.
	 */
	struct metrics_server *metrics;
	int metrics_interval; /* seconds between those snapshots; 0 is 1 */
};

/* Defaults: 10 s, 1 repetition, 1 stream per pair, TCP. */
void experiment__defaults(struct experiment *e);
/* Streams of pair i when total streams are split over n pairs (the first ones get the rest). */
int experiment__streams(int total, int n, int i);

/* The load's part of r->config (kind, mode, MTU and layout come from the topology spec). */
void experiment__config(const struct experiment *e, const struct topo_spec *spec, struct result *r);

/*
 * Run the repetitions. With l, the probes' window starts here and each
 * repetition's snapshot is added to r's profile. 0 when every repetition
 * ran (pairs may have failed: see r->throughput), -EINTR when stopped
 * (r then holds the repetitions that finished, the stopped one's figures up
 * to the stop, the probes' profile of both, and r->stop says what is
 * missing), or another -errno.
 */
int experiment__run(const struct experiment *e, const struct topo *t, struct probes *l,
		    struct result *r);

/* Wire-sized segments in a receiving interface's count (GSO packets carry several). */
double experiment__segments(double packets, double bytes, bool udp, int mtu);

#endif /* NETSTAGE_EXPERIMENT_H */
