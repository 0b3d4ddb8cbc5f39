// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "user/collect.h"
#include "analysis/hist.h"
#include "stages.skel.h"

static void describe_slot(const struct loader *l, int slot, struct stage_stat *s)
{
	const struct topo *t = l->topo;
	const struct topo_dev *d = &t->devs[l->slots[slot].dev];
	const struct topo_ns *ns = &t->ns[d->ns];

	s->dev_kind = d->kind;
	s->master_kind = d->master >= 0 ? (int)t->devs[d->master].kind : -1;
	s->n_devices = l->slots[slot].n_devs;
	snprintf(s->ifname, sizeof(s->ifname), "%s", l->slots[slot].name);
	snprintf(s->netns, sizeof(s->netns), "%.127s", ns->name[0] ? ns->name : ns->path);
}

static int collect_hists(const struct loader *l, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.hists);
	struct ns_hist *vals = calloc(l->n_cpus, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	for (int slot = 0; slot < l->n_slots; slot++) {
		for (__u32 edge = 0; edge < NS_EDGE_COUNT; edge++) {
			__u32 key = slot * NS_EDGE_COUNT + edge;
			struct ns_hist sum = { 0 };
			struct stage_stat *s;

			if (bpf_map_lookup_elem(fd, &key, vals))
				continue;
			for (int c = 0; c < l->n_cpus; c++)
				hist__merge(&sum, &vals[c]);
			if (!sum.count)
				continue;
			s = result__add_stage(r);
			if (!s) {
				free(vals);
				return -ENOMEM;
			}
			s->stage = edge / NS_STAGE_COUNT;
			s->from = edge % NS_STAGE_COUNT;
			s->hop = sum.hop;
			s->hist = sum;
			describe_slot(l, slot, s);
		}
	}
	free(vals);
	return 0;
}

static int collect_counters(const struct loader *l, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.counters);
	__u64 *vals = calloc(l->n_cpus, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < NS_CNT_COUNT; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < l->n_cpus; c++)
			r->counters[k] += vals[c];
	}
	free(vals);
	return 0;
}

static int collect_softirq(const struct loader *l, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.softirqs);
	struct ns_softirq *vals = calloc(l->n_cpus, sizeof(*vals));
	__u32 zero = 0;

	r->softirq.per_cpu = calloc(l->n_cpus, sizeof(*r->softirq.per_cpu));
	if (!vals || !r->softirq.per_cpu) {
		free(vals);
		return -ENOMEM;
	}
	r->softirq.n_cpus = l->n_cpus;
	if (bpf_map_lookup_elem(fd, &zero, vals) == 0) {
		for (int c = 0; c < l->n_cpus; c++) {
			struct cpu_softirq *p = &r->softirq.per_cpu[c];

			p->net_tx_ns = vals[c].time_ns[0];
			p->net_rx_ns = vals[c].time_ns[1];
			p->net_tx_count = vals[c].count[0];
			p->net_rx_count = vals[c].count[1];
			r->softirq.net_tx_ns += p->net_tx_ns;
			r->softirq.net_rx_ns += p->net_rx_ns;
			r->softirq.net_tx_count += p->net_tx_count;
			r->softirq.net_rx_count += p->net_rx_count;
		}
	}
	free(vals);
	return 0;
}

static int collect_drops(const struct loader *l, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.drops);
	struct ns_drop_key key, next, *prev = NULL;
	__u64 *vals = calloc(l->n_cpus, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct stage_stat where = { 0 };
		struct drop_stat *d;
		__u64 n = 0;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < l->n_cpus; c++)
			n += vals[c];
		if (!n || key.slot >= l->n_slots)
			continue;
		d = result__add_drop(r);
		if (!d)
			break;
		describe_slot(l, key.slot, &where);
		loader__drop_reason(l, key.reason, d->reason, sizeof(d->reason));
		d->stage = key.stage;
		d->dev_kind = where.dev_kind;
		snprintf(d->ifname, sizeof(d->ifname), "%s", where.ifname);
		d->count = n;
	}
	free(vals);
	return 0;
}

int collect__result(const struct loader *l, struct result *r)
{
	int rc;

	rc = collect_hists(l, r);
	if (!rc)
		rc = collect_counters(l, r);
	if (!rc)
		rc = collect_softirq(l, r);
	if (!rc)
		rc = collect_drops(l, r);
	return rc;
}
