/* SPDX-License-Identifier: GPL-2.0 */
/* Options that shape the probes, shared by `run` and `profile`. */
#ifndef NETSTAGE_PROBE_OPTS_H
#define NETSTAGE_PROBE_OPTS_H

#include "user/cli.h"
#include "user/loader.h"

enum {
	PROBE_OPT_SAMPLE = 300,
	PROBE_OPT_RAW,
	PROBE_OPT_RAW_SAMPLE,
	PROBE_OPT_PROTOCOL,
	PROBE_OPT_PORT,
};

#define PROBE_OPTS_SAMPLING                                                                        \
	{ PROBE_OPT_SAMPLE, "sample", 0, "N",                                                      \
	  "follow 1 packet in N (default 1: every packet); less overhead, same stages" },          \
	{ PROBE_OPT_RAW, "raw", 0, "FILE.gz",                                                      \
	  "also write per-packet stage events, gzip (docs/RAW.md); read with report --raw" },      \
	{ PROBE_OPT_RAW_SAMPLE, "raw-sample", 0, "N",                                              \
	  "raw events of 1 packet in N (default 16)" }

#define PROBE_OPTS_FILTERS                                                                         \
	{ PROBE_OPT_PROTOCOL, "protocol", 0, "tcp|udp", "follow only this protocol's packets" },   \
	{ PROBE_OPT_PORT, "port", 0, "PORT", "follow only packets with this source or destination port" }

struct probe_opts {
	unsigned int sample;
	const char *raw;
	unsigned int raw_sample;
	int protocol;
	int port;
};

/* 1 if id was a probe option (handled), 0 if not, -1 after an error message. */
int probe_opts__handle(const struct cli_parser *p, int id, struct probe_opts *o);
void probe_opts__apply(const struct probe_opts *o, struct loader_opts *lo);

#endif /* NETSTAGE_PROBE_OPTS_H */
