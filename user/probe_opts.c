// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <netinet/in.h>
#include "user/probe_opts.h"

#define DEFAULT_RAW_SAMPLE 16

int probe_opts__handle(const struct cli_parser *p, int id, struct probe_opts *o)
{
	long v;

	switch (id) {
	case PROBE_OPT_STAGES:
		o->stages = loader__stage_set(p->arg);
		if (o->stages < 0) {
			cli__error(p->cmd, "--stages: '%s' is not a stage set; use all or hops",
				   p->arg);
			return -1;
		}
		return 1;
	case PROBE_OPT_DUTY:
		if (cli__int(p, 1, 100, &v))
			return -1;
		o->duty = v;
		return 1;
	case PROBE_OPT_DUTY_PERIOD:
		if (cli__int(p, 10, 60000, &v))
			return -1;
		o->duty_period_ms = v;
		return 1;
	case PROBE_OPT_MAP_MEMORY:
		if (cli__int(p, 1, 1 << 20, &v))
			return -1;
		o->map_memory_mb = v;
		return 1;
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

void probe_opts__init(struct probe_opts *o, int default_stages)
{
	memset(o, 0, sizeof(*o));
	o->stages = default_stages;
}

void probe_opts__apply(const struct probe_opts *o, struct loader_opts *lo)
{
	lo->stage_set = o->stages < 0 ? NS_SET_ALL : o->stages;
	lo->duty_pct = o->duty;
	lo->duty_period_ms = o->duty_period_ms;
	lo->memory_limit = o->map_memory_mb << 20;
	lo->sample_every = o->sample;
	lo->filter_proto = o->protocol;
	lo->filter_port = o->port;
	if (o->raw) {
		/*
		 * Raw events are of followed packets only: the probes pick 1 in M of
		 * the tags below a threshold, so any M at least the sampling's N
		 * picks a subset of the packets it follows.
		 */
		unsigned int raw = o->raw_sample ? o->raw_sample : DEFAULT_RAW_SAMPLE;

		lo->raw_every = raw > o->sample ? raw : (o->sample ? o->sample : 1);
	}
}
