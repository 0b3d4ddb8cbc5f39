/* SPDX-License-Identifier: GPL-2.0 */
/* The load's options that `run` and `sweep` share, into a struct experiment. */
#ifndef NETSTAGE_EXPERIMENT_ARGS_H
#define NETSTAGE_EXPERIMENT_ARGS_H

#include "user/cli/cli.h"
#include "user/experiment.h"

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

/* 1 if id was one of EXPERIMENT_OPTS (handled), 0 if not, -1 after an error message. */
int experiment_args__handle(const struct cli_parser *p, int id, struct experiment *e,
			    bool *no_probes);
/* Can the streams be split over this many pairs? 0, or -1 after an error message. */
int experiment_args__check_pairs(const struct cli_cmd *cmd, const struct experiment *e, int pairs);

#endif /* NETSTAGE_EXPERIMENT_ARGS_H */
