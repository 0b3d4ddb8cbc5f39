// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <netinet/in.h>
#include "user/probe_opts.h"

#define DEFAULT_RAW_SAMPLE 16

int probe_opts__handle(const struct cli_parser *p, int id, struct probe_opts *o)
{
	long v;

	switch (id) {
	case PROBE_OPT_SAMPLE:
		if (cli__int(p, 1, 1 << 20, &v))
			return -1;
		o->sample = v;
		return 1;
	case PROBE_OPT_RAW:
		o->raw = p->arg;
		return 1;
	case PROBE_OPT_RAW_SAMPLE:
		if (cli__int(p, 1, 1 << 20, &v))
			return -1;
		o->raw_sample = v;
		return 1;
	case PROBE_OPT_PROTOCOL:
		if (strcmp(p->arg, "tcp") && strcmp(p->arg, "udp")) {
			cli__error(p->cmd, "--protocol: '%s' is neither tcp nor udp", p->arg);
			return -1;
		}
		o->protocol = strcmp(p->arg, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
		return 1;
	case PROBE_OPT_PORT:
		if (cli__int(p, 1, 65535, &v))
			return -1;
		o->port = v;
		return 1;
	default:
		return 0;
	}
}

void probe_opts__apply(const struct probe_opts *o, struct loader_opts *lo)
{
	lo->sample_every = o->sample;
	lo->filter_proto = o->protocol;
	lo->filter_port = o->port;
	if (o->raw) {
		/*
		 * Raw events are of sampled packets only: a multiple of the sampling
		 * makes every packet the raw hash picks one the sampling follows.
		 */
		unsigned int raw = o->raw_sample ? o->raw_sample : DEFAULT_RAW_SAMPLE;
		unsigned int sample = o->sample > 1 ? o->sample : 1;

		lo->raw_every = (raw + sample - 1) / sample * sample;
	}
}
