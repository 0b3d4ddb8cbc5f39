// SPDX-License-Identifier: GPL-2.0
/*
 * collect: snapshots of the probes' statistics. The programs fill one half
 * of every statistics map; a snapshot flips them to the other half, waits
 * until no program can still be writing the old one, then reads it into a
 * result and clears it. Nothing is lost or counted twice between snapshots.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "user/collect.h"
#include "analysis/hist.h"
#include "stages.skel.h"

/*
 * tp_btf programs run inside an RCU read-side section; MEMBARRIER_CMD_GLOBAL
 * waits for an RCU grace period, after which no program can still hold the
 * old half. Where membarrier is unavailable, programs last microseconds.
 */
static void wait_for_programs(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		usleep(20000);
}

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

static const char *netns_name(const struct loader *l, __u32 inum)
{
	for (int i = 0; i < l->topo->n_ns; i++)
		if (l->topo->ns[i].inum == inum)
			return l->topo->ns[i].name[0] ? l->topo->ns[i].name : l->topo->ns[i].path;
	return "?";
}

/*
 * Read the entries [base, base + n) of a per-CPU histogram array, add the
 * non-empty ones to the result through add(), and clear them.
 */
static int take_hists(const struct loader *l, int fd, __u32 base, __u32 n, __u32 per_slot,
		      int n_groups, struct stage_stat *(*add)(struct result *), struct result *r,
		      void (*name)(struct stage_stat *s, __u32 i))
{
	struct ns_hist *vals = calloc(l->n_cpus, sizeof(*vals));
	struct ns_hist *zeros = calloc(l->n_cpus, sizeof(*zeros));
	int rc = 0;

	if (!vals || !zeros) {
		rc = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < n; i++) {
		__u32 key = base + i;
		struct ns_hist sum = { 0 };
		struct stage_stat *s;

		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < l->n_cpus; c++)
			hist__merge(&sum, &vals[c]);
		if (!sum.count)
			continue;
		bpf_map_update_elem(fd, &key, zeros, BPF_ANY);
		s = add(r);
		if (!s) {
			rc = -ENOMEM;
			goto out;
		}
		s->hop = sum.hop;
		s->hist = sum;
		/* Laid out as [group][slot][per_slot]. */
		describe_slot(l, (i / per_slot) % l->n_slots, s);
		s->path = n_groups > 1 ? (int)(i / (per_slot * l->n_slots)) : RESULT_PATH_ANY;
		name(s, i % per_slot);
	}
out:
	free(vals);
	free(zeros);
	return rc;
}

static void name_edge(struct stage_stat *s, __u32 edge)
{
	s->stage = edge / NS_STAGE_COUNT;
	s->from = edge % NS_STAGE_COUNT;
}

static void name_span(struct stage_stat *s, __u32 span)
{
	(void)span; /* NS_SPAN_XMIT is the only span */
	s->stage = NS_STAGE_TX_DONE;
	s->from = NS_STAGE_TX_START;
}

static int take_counters(const struct loader *l, __u32 half, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.counters);
	__u64 *vals = calloc(l->n_cpus, sizeof(*vals)), *zeros = calloc(l->n_cpus, sizeof(*zeros));

	if (!vals || !zeros) {
		free(vals);
		free(zeros);
		return -ENOMEM;
	}
	for (__u32 k = 0; k < NS_CNT_COUNT; k++) {
		__u32 key = half * NS_CNT_COUNT + k;

		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < l->n_cpus; c++)
			r->counters[k] += vals[c];
		bpf_map_update_elem(fd, &key, zeros, BPF_ANY);
	}
	free(vals);
	free(zeros);
	return 0;
}

/* /proc/net/softnet_stat: per CPU, hex columns; 2nd is dropped, 3rd time_squeeze. */
static int read_softnet(unsigned long long *out, int n_cpus)
{
	FILE *f = fopen("/proc/net/softnet_stat", "r");
	char line[512];
	int cpu = 0;

	if (!f)
		return -errno;
	memset(out, 0, sizeof(*out) * 2 * n_cpus);
	while (cpu < n_cpus && fgets(line, sizeof(line), f)) {
		unsigned int processed, dropped, squeeze;

		if (sscanf(line, "%x %x %x", &processed, &dropped, &squeeze) == 3) {
			out[2 * cpu] = dropped;
			out[2 * cpu + 1] = squeeze;
		}
		cpu++;
	}
	fclose(f);
	return 0;
}

static int take_softirq(const struct loader *l, __u32 half, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.softirqs);
	struct ns_softirq *vals = calloc(l->n_cpus, sizeof(*vals));
	struct ns_softirq *zeros = calloc(l->n_cpus, sizeof(*zeros));
	unsigned long long *softnet = calloc(2 * l->n_cpus, sizeof(*softnet));
	struct softirq_stat *s = &r->softirq;
	int rc = 0;

	s->per_cpu = calloc(l->n_cpus, sizeof(*s->per_cpu));
	if (!vals || !zeros || !softnet || !s->per_cpu) {
		rc = -ENOMEM;
		goto out;
	}
	s->n_cpus = l->n_cpus;
	if (bpf_map_lookup_elem(fd, &half, vals) == 0) {
		bpf_map_update_elem(fd, &half, zeros, BPF_ANY);
		for (int c = 0; c < l->n_cpus; c++) {
			struct cpu_softirq *p = &s->per_cpu[c];
			const struct ns_softirq *v = &vals[c];

			/* When only some runs were timed (sampling), the time of all, estimated. */
			p->net_tx_ns = v->timed[0] ? v->time_ns[0] * v->count[0] / v->timed[0] : 0;
			p->net_rx_ns = v->timed[1] ? v->time_ns[1] * v->count[1] / v->timed[1] : 0;
			p->net_tx_count = v->count[0];
			p->net_rx_count = v->count[1];
			p->net_tx_raise_delay_ns = v->raise_delay_ns[0];
			p->net_rx_raise_delay_ns = v->raise_delay_ns[1];
			for (int b = 0; b < NS_LOG2_SLOTS; b++)
				p->net_rx_raises += v->raise_delay_log2[1][b];
			p->napi_polls = v->napi_polls;
			p->napi_work = v->napi_work;
			p->napi_budget_hits = v->napi_budget_hits;
			for (int vec = 0; vec < 2; vec++)
				for (int i = 0; i < NS_LOG2_SLOTS; i++)
					s->raise_delay_log2[vec][i] += v->raise_delay_log2[vec][i];
		}
	}
	/* Covered time is a monotonic per-CPU count: the window's share is a difference. */
	{
		struct ns_cpu *cpus = calloc(l->n_cpus, sizeof(*cpus));
		__u32 zero = 0;

		if (cpus && l->covered_base &&
		    bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.cpus), &zero, cpus) == 0) {
			/* Sampled packets stand for the others: their CPU time, scaled. */
			__u32 every = l->skel->rodata->sample_every ? l->skel->rodata->sample_every : 1;

			for (int c = 0; c < l->n_cpus; c++) {
				s->per_cpu[c].net_rx_covered_ns =
					(cpus[c].covered_ns - l->covered_base[c]) * every;
				l->covered_base[c] = cpus[c].covered_ns;
			}
		}
		free(cpus);
	}
	/* Backlog drops and squeezes over the same window, from the kernel's own counters. */
	if (l->softnet_base && read_softnet(softnet, l->n_cpus) == 0) {
		for (int c = 0; c < l->n_cpus; c++) {
			s->per_cpu[c].backlog_drops = softnet[2 * c] - l->softnet_base[2 * c];
			s->per_cpu[c].time_squeeze = softnet[2 * c + 1] - l->softnet_base[2 * c + 1];
		}
		memcpy(l->softnet_base, softnet, sizeof(*softnet) * 2 * l->n_cpus);
	}
	memset(&s->total, 0, sizeof(s->total));
	for (int c = 0; c < l->n_cpus; c++) {
		const __u64 *src = (const __u64 *)&s->per_cpu[c];
		__u64 *dst = (__u64 *)&s->total;

		for (size_t i = 0; i < sizeof(s->total) / sizeof(__u64); i++)
			dst[i] += src[i];
	}
out:
	free(vals);
	free(zeros);
	free(softnet);
	return rc;
}

static int take_drops(const struct loader *l, __u32 half, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.drops);
	struct ns_drop_key key, next, *prev = NULL;
	__u64 *vals = calloc(l->n_cpus, sizeof(*vals));
	struct ns_drop_key *done = NULL;
	int n_done = 0;

	if (!vals)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct stage_stat where = { 0 };
		struct drop_stat *d;
		__u64 n = 0;

		key = next;
		prev = &key;
		if (key.half != half || bpf_map_lookup_elem(fd, &key, vals))
			continue;
		/* Delete after the walk: deleting under get_next_key restarts it. */
		done = realloc(done, sizeof(*done) * (n_done + 1));
		if (!done)
			break;
		done[n_done++] = key;
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
		d->path = l->n_groups > 1 ? key.group : RESULT_PATH_ANY;
		d->dev_kind = where.dev_kind;
		snprintf(d->ifname, sizeof(d->ifname), "%s", where.ifname);
		d->count = n;
	}
	for (int i = 0; i < n_done; i++)
		bpf_map_delete_elem(fd, &done[i]);
	free(done);
	free(vals);
	return 0;
}

/* The sockets of a half: one entry per socket, its counts summed over CPUs and places. */
static int take_socks(const struct loader *l, __u32 half, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.socks);
	struct ns_sock *vals = calloc(l->n_cpus, sizeof(*vals));
	struct ns_sock *zeros = calloc(l->n_cpus, sizeof(*zeros));
	__u64 *seen = NULL; /* socket address of each result entry */
	int rc = 0;

	if (!vals || !zeros) {
		rc = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < NS_SOCK_SLOTS; i++) {
		__u32 key = half * NS_SOCK_SLOTS + i;
		bool used = false;

		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < l->n_cpus; c++) {
			const struct ns_sock *v = &vals[c];
			struct sock_stat *k = NULL;
			int at;

			if (!v->sk)
				continue;
			used = true;
			for (at = 0; at < r->n_socks; at++)
				if (seen[at] == v->sk)
					break;
			if (at == r->n_socks) {
				__u64 *more = realloc(seen, sizeof(*seen) * (r->n_socks + 1));

				k = result__add_sock(r);
				if (!more || !k) {
					free(more ? more : seen);
					seen = NULL;
					rc = -ENOMEM;
					goto out;
				}
				seen = more;
				seen[at] = v->sk;
				snprintf(k->netns, sizeof(k->netns), "%.127s", netns_name(l, v->netns));
				k->protocol = v->protocol;
				k->port = v->port;
			}
			k = &r->socks[at];
			k->delivered += v->delivered;
			k->bytes += v->bytes;
			k->data_ready += v->data_ready;
			k->rcvq_full += v->rcvq_full;
			k->queue_fail += v->queue_fail;
		}
		if (used)
			bpf_map_update_elem(fd, &key, zeros, BPF_ANY);
	}
out:
	free(seen);
	free(vals);
	free(zeros);
	return rc;
}

int collect__begin(struct loader *l)
{
	l->softnet_base = calloc(2 * l->n_cpus, sizeof(*l->softnet_base));
	l->covered_base = calloc(l->n_cpus, sizeof(*l->covered_base));
	if (!l->softnet_base || !l->covered_base)
		return -ENOMEM;
	return read_softnet(l->softnet_base, l->n_cpus);
}

int collect__snapshot(struct loader *l, struct result *r)
{
	struct stages_bpf *skel = l->skel;
	__u32 old = skel->bss->active_half & (NS_HALVES - 1);
	__u32 hist_half = skel->rodata->hist_half, span_half = skel->rodata->span_half;
	int rc;

	skel->bss->active_half = old ^ 1;
	wait_for_programs();
	rc = take_hists(l, bpf_map__fd(skel->maps.hists), old * hist_half, hist_half,
			NS_EDGE_COUNT, l->n_groups, result__add_stage, r, name_edge);
	if (!rc)
		rc = take_hists(l, bpf_map__fd(skel->maps.spans), old * span_half, span_half,
				NS_SPAN_COUNT, 1, result__add_span, r, name_span);
	if (!rc)
		rc = take_counters(l, old, r);
	if (!rc)
		rc = take_softirq(l, old, r);
	if (!rc)
		rc = take_drops(l, old, r);
	if (!rc)
		rc = take_socks(l, old, r);
	return rc;
}
