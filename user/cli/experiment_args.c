// SPDX-License-Identifier: GPL-2.0
#include "user/cli/experiment_args.h"

int experiment_args__handle(const struct cli_parser *p, int id, struct experiment *e,
			    bool *no_probes)
{
	long v;

	switch (id) {
	case EXP_OPT_DURATION:
		if (cli__int(p, 1, 3600, &v))
			return -1;
		e->load.duration_s = v;
		return 1;
	case EXP_OPT_REPEAT:
		if (cli__int(p, 1, 100, &v))
			return -1;
		e->repeat = v;
		return 1;
	case EXP_OPT_STREAMS:
		if (cli__int(p, 1, LOAD_MAX_STREAMS, &v))
			return -1;
		e->load.streams = v;
		return 1;
	case EXP_OPT_STREAMS_TOTAL:
		if (cli__int(p, 1, LOAD_MAX_STREAMS * TOPO_MAX_PAIRS, &v))
			return -1;
		e->streams_total = v;
		return 1;
	case EXP_OPT_BITRATE:
		if (cli__rate(p, (unsigned long long *)&e->load.bitrate))
			return -1;
		return 1;
	case EXP_OPT_BLKSIZE:
		if (cli__int(p, 1, 1 << 20, &v))
			return -1;
		e->load.blksize = v;
		return 1;
	case EXP_OPT_REVERSE:
		e->load.reverse = true;
		return 1;
	case EXP_OPT_NO_PROBES:
		*no_probes = true;
		return 1;
	case EXP_OPT_NO_PIN:
		e->load.no_pin = true;
		return 1;
	default:
		return 0;
	}
}

int experiment_args__check_pairs(const struct cli_cmd *cmd, const struct experiment *e, int pairs)
{
	if (!e->streams_total)
		return 0;
	if (e->load.streams > 1) {
		cli__error(cmd,
			   "--streams and --streams-total both say how many streams; give one");
		return -1;
	}
	if (e->streams_total < pairs) {
		cli__error(cmd,
			   "--streams-total %d cannot be split over %d pairs: every pair needs a "
			   "stream; give at least %d",
			   e->streams_total, pairs, pairs);
		return -1;
	}
	if (e->streams_total > LOAD_MAX_STREAMS * pairs) {
		cli__error(cmd,
			   "--streams-total %d over %d pair%s is more than iperf3's %d streams per "
			   "client; give at most %d",
			   e->streams_total, pairs, pairs == 1 ? "" : "s", LOAD_MAX_STREAMS,
			   LOAD_MAX_STREAMS * pairs);
		return -1;
	}
	return 0;
}
