/* SPDX-License-Identifier: GPL-2.0 */
/* Options that shape the probes, shared by `run` and `profile`. */
#ifndef NETSTAGE_PROBE_ARGS_H
#define NETSTAGE_PROBE_ARGS_H

#include "user/cli/cli.h"
#include "user/probes.h"

enum {
	PROBE_OPT_SAMPLE = 300,
	PROBE_OPT_RAW,
	PROBE_OPT_RAW_SAMPLE,
	PROBE_OPT_PROTOCOL,
	PROBE_OPT_PORT,
	PROBE_OPT_STAGES,
	PROBE_OPT_DUTY,
	PROBE_OPT_DUTY_PERIOD,
	PROBE_OPT_MAP_MEMORY,
	PROBE_OPT_NO_CALIBRATE,
};

#define PROBE_OPTS_SAMPLING                                                                        \
	{PROBE_OPT_STAGES, "stages", 0, "all|hops",                                                \
	 "stage set: all (the full split) or hops (device receives, socket, drops: cheaper)"},     \
	    {PROBE_OPT_SAMPLE, "sample", 0, "N",                                                   \
	     "follow 1 packet in N (default 1: every packet); less overhead, same stages"},        \
	    {PROBE_OPT_DUTY, "duty", 0, "PCT",                                                     \
	     "time sampling: probes attached PCT % of each period, 1-100 (default 100: always; 5 " \
	     "keeps 97 % of UDP throughput)"},                                                     \
	    {PROBE_OPT_DUTY_PERIOD, "duty-period", 0, "MS",                                        \
	     "the period of --duty, 10 to 60000 ms (default 1000); PCT % of it 8 ms at least"},    \
	    {PROBE_OPT_MAP_MEMORY, "map-memory", 0, "MB",                                          \
	     "refuse to load probes whose maps take more (default: an eighth of RAM)"},            \
	    {PROBE_OPT_NO_CALIBRATE, "no-calibrate", 0, NULL,                                      \
	     "do not turn bpf_stats on for half a second to estimate the probes' cost"},           \
	    {PROBE_OPT_RAW, "raw", 0, "FILE.gz",                                                   \
	     "also write per-packet stage events, gzip (docs/RAW.md); read with report --raw"},    \
	{                                                                                          \
		PROBE_OPT_RAW_SAMPLE, "raw-sample", 0, "N",                                        \
		    "raw events of 1 packet in N (default 16)"                                     \
	}

#define PROBE_OPTS_FILTERS                                                                         \
	{PROBE_OPT_PROTOCOL, "protocol", 0, "tcp|udp", "follow only this protocol's packets"},     \
	{                                                                                          \
		PROBE_OPT_PORT, "port", 0, "PORT",                                                 \
		    "follow only packets with this source or destination port"                     \
	}

struct probe_args {
	int stages; /* enum ns_stage_set, or -1: the command's default */
	unsigned int duty, duty_period_ms;
	unsigned long long map_memory_mb;
	bool no_calibrate;
	unsigned int sample;
	const char *raw;
	unsigned int raw_sample;
	int protocol;
	int port;
};

/* 1 if id was a probe option (handled), 0 if not, -1 after an error message. */
int probe_args__handle(const struct cli_parser *p, int id, struct probe_args *o);
/*
 * Before anything is built: would the probes' maps for this topology exceed
 * the bound, or the time sampling hold no window? 0, or -E2BIG or -EINVAL
 * with err saying what and which option helps.
 */
int probe_args__check_plan(const struct probe_args *o, const struct topo_spec *spec, char *err,
			   size_t errlen);
/* One line on stderr: the stage set, sampling and map memory the probes run with. */
void probe_args__announce(const char *cmd, const struct probes *l);

/* The options a command starts from: its default stage set, nothing else set. */
void probe_args__init(struct probe_args *o, int default_stages);
void probe_args__apply(const struct probe_args *o, struct probes_opts *lo);

#endif /* NETSTAGE_PROBE_ARGS_H */
