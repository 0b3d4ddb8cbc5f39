/* SPDX-License-Identifier: GPL-2.0 */
/*
 * experiment: the repetitions of one load on one built topology, with the
 * probes (when attached) snapshotted after each, into a result: throughput
 * per pair and repetition, their aggregates, and the profile of the whole.
 * `netstage run` runs one; `netstage sweep` one per point of its matrix.
 */
#ifndef NETSTAGE_EXPERIMENT_H
#define NETSTAGE_EXPERIMENT_H

#include "user/cli/cli.h"
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

/* Options of the load that `run` and `sweep` share; put EXPERIMENT_OPTS in the option table. */
enum {
	EXP_OPT_DURATION = 'd',
	EXP_OPT_STREAMS = 400,
	EXP_OPT_STREAMS_TOTAL,
	EXP_OPT_BITRATE,
	EXP_OPT_BLKSIZE,
	EXP_OPT_REVERSE,
	EXP_OPT_REPEAT,
	EXP_OPT_NO_PROBES,
	EXP_OPT_NO_PIN,
};

/* One option per entry: clang-format would fold the macro into one ragged list. */
/* clang-format off */
#define EXPERIMENT_OPTS                                                                            \
	{ EXP_OPT_DURATION, "duration", 'd', "S",                                                  \
	  "seconds of load per repetition, 1 to 3600 (default 10)" },                               \
	{ EXP_OPT_REPEAT, "repeat", 0, "R",                                                        \
	  "repetitions on the same topology, 1 to 100 (default 1)" },                               \
	{ EXP_OPT_STREAMS, "streams", 0, "N",                                                      \
	  "parallel iperf3 streams per pair, 1 to 128 (default 1)" },                               \
	{ EXP_OPT_STREAMS_TOTAL, "streams-total", 0, "N",                                          \
	  "streams in all, split evenly over the pairs (the paper: 128)" },                         \
	{ EXP_OPT_BITRATE, "bitrate", 0, "RATE",                                                   \
	  "target per stream in bit/s, e.g. 500M; 0 = as fast as possible (default)" },             \
	{ EXP_OPT_BLKSIZE, "blksize", 0, "BYTES",                                                  \
	  "bytes per write (default: iperf3's 128 KiB for TCP, MTU - 28 for UDP)" },                \
	{ EXP_OPT_REVERSE, "reverse", 0, NULL, "the server sends, the client receives" },          \
	{ EXP_OPT_NO_PROBES, "no-probes", 0, NULL,                                                 \
	  "throughput only: do not attach the stage probes (they cost throughput)" },               \
	{ EXP_OPT_NO_PIN, "no-pin", 0, NULL,                                                       \
	  "leave CPUs to the scheduler (default: each pair's client and server on CPUs apart)" }
/* clang-format on */

/* Defaults: 10 s, 1 repetition, 1 stream per pair, TCP. */
void experiment__defaults(struct experiment *e);
/* 1 if id was one of EXPERIMENT_OPTS (handled), 0 if not, -1 after an error message. */
int experiment__handle_opt(const struct cli_parser *p, int id, struct experiment *e,
			   bool *no_probes);
/* Can the streams be split over this many pairs? 0, or -1 after an error message. */
int experiment__check_pairs(const struct cli_cmd *cmd, const struct experiment *e, int pairs);

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
