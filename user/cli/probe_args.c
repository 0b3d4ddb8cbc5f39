// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <netinet/in.h>
#include "user/cli/probe_args.h"
#include "analysis/stage.h"
#include "user/probe_memory.h"
#include "user/session.h"
#include "stages.skel.h"

#define DEFAULT_RAW_SAMPLE 16

int probe_args__handle(const struct cli_parser *p, int id, struct probe_args *o)
{
	long v;

	switch (id) {
	case PROBE_OPT_STAGES:
		o->stages = stage_set__parse(p->arg);
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
	case PROBE_OPT_NO_CALIBRATE:
		o->no_calibrate = true;
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

void probe_args__init(struct probe_args *o, int default_stages)
{
	memset(o, 0, sizeof(*o));
	o->stages = default_stages;
}

void probe_args__apply(const struct probe_args *o, struct probes_opts *lo)
{
	lo->stage_set = o->stages < 0 ? NS_SET_ALL : o->stages;
	lo->duty_pct = o->duty;
	lo->duty_period_ms = o->duty_period_ms;
	lo->memory_limit = o->map_memory_mb * 1000000ULL; /* MB as the messages print them */
	lo->no_calibrate = o->no_calibrate;
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

int probe_args__check_plan(const struct probe_args *o, const struct topo_spec *spec, char *err,
			   size_t errlen)
{
	struct probes_opts lo = {0};
	struct probe_memory m;
	struct topo_err terr;
	struct topo *t;
	int rc;

	if (topo__plan(spec, &t, &terr))
		return 0; /* the build says what is wrong with the spec */
	t->owned = true;
	lo.topo = t;
	probe_args__apply(o, &lo);
	rc = probes__plan(&lo, &m, err, errlen);
	topo__free_plan(t);
	return rc;
}

void probe_args__announce(const char *cmd, const struct probes *l)
{
	unsigned int every = l->skel->rodata->cfg.sample_every;
	char mem[32], sample[32] = "every packet";

	if (every > 1)
		snprintf(sample, sizeof(sample), "1 packet in %u", every);
	session__note(cmd, "probes: stages %s, %s%s; maps %s for %d possible CPUs",
		      stage_set__name(l->stage_set), sample, l->duty ? ", time-sampled" : "",
		      probe_memory__fmt(l->memory, mem, sizeof(mem)), l->n_cpus);
}
