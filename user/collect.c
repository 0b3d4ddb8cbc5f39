// SPDX-License-Identifier: GPL-2.0
/*
 * collect: snapshots of the probes' statistics. The programs only ever add
 * to their counters (per CPU, never cleared); a snapshot reads them and
 * keeps the difference from the previous read. Nothing is lost or counted
 * twice between snapshots, nothing waits for the programs, and a counter
 * narrower than 64 bits may wrap once between two reads (differences are
 * taken modulo its width).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "user/collect.h"
#include "user/probe_memory.h"
#include "analysis/hist.h"
#include "stages.skel.h"

/* What the previous snapshot read: one block, freed by probes__destroy. */
struct collect_prev {
	struct ns_khist *hists; /* [pool][cpu] */
	struct ns_khist *spans; /* [slot * NS_SPAN_COUNT][cpu] */
	struct ns_cpu *cpus;	/* [cpu] */
	struct ns_sock *socks;	/* [place][cpu] */
	struct ns_drop_key drop_keys[NS_DROP_KEYS];
	__u64 drop_counts[NS_DROP_KEYS];
	int n_drops;
	__u32 hist_pool, n_spans, sock_slots;
	__u32 *pool_key; /* pool index -> (group, slot, edge) key + 1 (0: unused) */
};

static void describe_slot(const struct probes *l, int slot, struct stage_stat *s)
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

static const char *netns_name(const struct probes *l, __u32 inum)
{
	for (int i = 0; i < l->topo->n_ns; i++)
		if (l->topo->ns[i].inum == inum)
			return l->topo->ns[i].name[0] ? l->topo->ns[i].name : l->topo->ns[i].path;
	return "?";
}

/*
 * The window between two reads of a per-CPU histogram, summed over CPUs into
 * the userspace form. Its max: a CPU's cumulative max that grew was reached
 * in the window; otherwise the window's highest bucket bounds it.
 */
static bool khist_window(const struct ns_khist *cur, struct ns_khist *prev, int n_cpus,
			 struct ns_hist *out)
{
	__u64 seen_max = 0;
	int top = -1;

	memset(out, 0, sizeof(*out));
	for (int c = 0; c < n_cpus; c++) {
		const struct ns_khist *k = &cur[c];
		struct ns_khist *p = &prev[c];

		for (int b = 0; b < NS_KHIST_BUCKETS; b++) {
			__u32 d = k->buckets[b] - p->buckets[b];

			out->buckets[b] += d;
			out->count += d;
			if (d && b > top)
				top = b;
		}
		out->sum += k->sum - p->sum;
		out->probe_ns += k->probe_ns - p->probe_ns;
		out->segs += (__u32)(k->segs - p->segs);
		out->cross_cpu += (__u32)(k->cross_cpu - p->cross_cpu);
		if (k->hop > out->hop)
			out->hop = k->hop;
		if (k->max > p->max && k->max > seen_max)
			seen_max = k->max;
		*p = *k;
	}
	if (!out->count)
		return false;
	for (int b = 0; b < NS_HIST_BUCKETS; b++)
		if (out->buckets[b]) {
			out->min = hist__bucket_low(b);
			break;
		}
	out->max = seen_max >= hist__bucket_low(top) ? seen_max : hist__bucket_high(top) - 1;
	if (out->max < out->min)
		out->max = out->min;
	return true;
}

/* Read per-CPU histogram entry key into vals; the window since the last read into *h. */
static int read_khist(const struct probes *l, int fd, __u32 key, struct ns_khist *vals,
		      struct ns_khist *prev, struct ns_hist *h, bool *any)
{
	if (bpf_map_lookup_elem(fd, &key, vals))
		return -errno;
	*any = khist_window(vals, prev, l->n_cpus, h);
	return 0;
}

/* Which (group, slot, edge) each pool entry holds, from the programs' index. */
static void map_pool(const struct probes *l, struct collect_prev *pv)
{
	const __u32 *at = l->skel->bss->hist_at;
	__u32 n = (__u32)l->n_groups * l->n_slots * NS_EDGE_COUNT;

	for (__u32 k = 0; k < n && k < NS_HIST_AT; k++) {
		__u32 idx = at[k];

		if (idx && idx != NS_HIST_FULL && idx <= pv->hist_pool)
			pv->pool_key[idx - 1] = k + 1;
	}
}

static int take_hists(const struct probes *l, struct collect_prev *pv, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.hists);
	struct ns_khist *vals = calloc(l->n_cpus, sizeof(*vals));
	struct ns_hist *h = malloc(sizeof(*h));
	__u32 per_group = (__u32)l->n_slots * NS_EDGE_COUNT;
	int rc = 0;

	if (!vals || !h) {
		rc = -ENOMEM;
		goto out;
	}
	map_pool(l, pv);
	for (__u32 i = 0; i < pv->hist_pool && !rc; i++) {
		__u32 k = pv->pool_key[i];
		struct stage_stat *s;
		bool any = false;

		if (!k--)
			continue;
		rc = read_khist(l, fd, i, vals, &pv->hists[(size_t)i * l->n_cpus], h, &any);
		if (rc || !any)
			continue;
		s = result__add_stage(r);
		if (!s) {
			rc = -ENOMEM;
			break;
		}
		s->hop = h->hop;
		s->hist = *h;
		/* The index is laid out as [group][slot][edge]. */
		describe_slot(l, (k / NS_EDGE_COUNT) % l->n_slots, s);
		s->path = l->n_groups > 1 ? (int)(k / per_group) : RESULT_PATH_ANY;
		s->stage = (k % NS_EDGE_COUNT) / NS_STAGE_COUNT;
		s->from = (k % NS_EDGE_COUNT) % NS_STAGE_COUNT;
	}
out:
	free(vals);
	free(h);
	return rc;
}

static int take_spans(const struct probes *l, struct collect_prev *pv, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.spans);
	struct ns_khist *vals = calloc(l->n_cpus, sizeof(*vals));
	struct ns_hist *h = malloc(sizeof(*h));
	int rc = 0;

	if (!vals || !h) {
		rc = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < pv->n_spans && !rc; i++) {
		struct stage_stat *s;
		bool any = false;

		rc = read_khist(l, fd, i, vals, &pv->spans[(size_t)i * l->n_cpus], h, &any);
		if (rc || !any)
			continue;
		s = result__add_span(r);
		if (!s) {
			rc = -ENOMEM;
			break;
		}
		s->hop = h->hop;
		s->hist = *h;
		describe_slot(l, i / NS_SPAN_COUNT, s);
		s->path = RESULT_PATH_ANY;
		s->stage = NS_STAGE_TX_DONE; /* NS_SPAN_XMIT is the only span */
		s->from = NS_STAGE_TX_START;
	}
out:
	free(vals);
	free(h);
	return rc;
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

/* Softirq and counters: the per-CPU state's cumulative part, as differences. */
static int take_cpus(const struct probes *l, struct collect_prev *pv, struct result *r)
{
	struct ns_cpu *cpus = calloc(l->n_cpus, sizeof(*cpus));
	unsigned long long *softnet = calloc(2 * l->n_cpus, sizeof(*softnet));
	struct softirq_stat *s = &r->softirq;
	/* Sampled packets stand for the others: their CPU time, scaled. */
	__u32 every = l->skel->rodata->cfg.sample_every ? l->skel->rodata->cfg.sample_every : 1;
	__u32 zero = 0;
	int rc = 0;

	s->per_cpu = calloc(l->n_cpus, sizeof(*s->per_cpu));
	if (!cpus || !softnet || !s->per_cpu) {
		rc = -ENOMEM;
		goto out;
	}
	s->n_cpus = l->n_cpus;
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.cpus), &zero, cpus)) {
		rc = -errno;
		goto out;
	}
	for (int c = 0; c < l->n_cpus; c++) {
		const struct ns_softirq *v = &cpus[c].softirq, *o = &pv->cpus[c].softirq;
		struct cpu_softirq *p = &s->per_cpu[c];
		__u64 time[2], count[2], timed[2];

		for (int i = 0; i < 2; i++) {
			time[i] = v->time_ns[i] - o->time_ns[i];
			count[i] = v->count[i] - o->count[i];
			timed[i] = v->timed[i] - o->timed[i];
		}
		/* When only some runs were timed (sampling), the time of all, estimated. */
		p->net_tx_ns = timed[0] ? time[0] * count[0] / timed[0] : 0;
		p->net_rx_ns = timed[1] ? time[1] * count[1] / timed[1] : 0;
		p->net_tx_count = count[0];
		p->net_rx_count = count[1];
		p->net_tx_raise_delay_ns = v->raise_delay_ns[0] - o->raise_delay_ns[0];
		p->net_rx_raise_delay_ns = v->raise_delay_ns[1] - o->raise_delay_ns[1];
		for (int vec = 0; vec < 2; vec++)
			for (int i = 0; i < NS_LOG2_SLOTS; i++) {
				__u64 d = v->raise_delay_log2[vec][i] - o->raise_delay_log2[vec][i];

				s->raise_delay_log2[vec][i] += d;
				if (vec == 1)
					p->net_rx_raises += d;
			}
		p->napi_polls = v->napi_polls - o->napi_polls;
		p->napi_work = v->napi_work - o->napi_work;
		p->napi_budget_hits = v->napi_budget_hits - o->napi_budget_hits;
		p->net_rx_covered_ns = (cpus[c].covered_ns - pv->cpus[c].covered_ns) * every;
		for (int k = 0; k < NS_CNT_COUNT; k++)
			r->counters[k] += cpus[c].counters[k] - pv->cpus[c].counters[k];
		pv->cpus[c] = cpus[c];
	}
	/* Backlog drops and squeezes over the same window, from the kernel's own counters. */
	if (l->softnet_base && read_softnet(softnet, l->n_cpus) == 0) {
		for (int c = 0; c < l->n_cpus; c++) {
			s->per_cpu[c].backlog_drops = softnet[2 * c] - l->softnet_base[2 * c];
			s->per_cpu[c].time_squeeze =
			    softnet[2 * c + 1] - l->softnet_base[2 * c + 1];
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
	free(cpus);
	free(softnet);
	return rc;
}

/* The count a drop key had at the last snapshot (0 if new), and the new one remembered. */
static __u64 drop_window(struct collect_prev *pv, const struct ns_drop_key *k, __u64 now)
{
	__u64 before = 0;
	int i;

	for (i = 0; i < pv->n_drops; i++)
		if (!memcmp(&pv->drop_keys[i], k, sizeof(*k)))
			break;
	if (i < pv->n_drops) {
		before = pv->drop_counts[i];
	} else if (pv->n_drops < NS_DROP_KEYS) {
		pv->drop_keys[pv->n_drops++] = *k;
	} else {
		return 0;
	}
	pv->drop_counts[i] = now;
	return now - before;
}

static int take_drops(const struct probes *l, struct collect_prev *pv, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.drops);
	struct ns_drop_key key, next, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct stage_stat where = {0};
		struct drop_stat *d;
		__u64 total, n;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &total))
			continue;
		n = drop_window(pv, &key, total);
		if (!n || key.slot >= l->n_slots)
			continue;
		d = result__add_drop(r);
		if (!d)
			return -ENOMEM;
		describe_slot(l, key.slot, &where);
		probes__drop_reason(l, key.reason, d->reason, sizeof(d->reason));
		d->stage = key.stage;
		d->path = l->n_groups > 1 ? key.group : RESULT_PATH_ANY;
		d->dev_kind = where.dev_kind;
		snprintf(d->ifname, sizeof(d->ifname), "%s", where.ifname);
		d->count = n;
	}
	return 0;
}

/* The sockets: one entry per socket, its counts since the last snapshot, summed over CPUs. */
static int take_socks(const struct probes *l, struct collect_prev *pv, struct result *r)
{
	int fd = bpf_map__fd(l->skel->maps.socks);
	struct ns_sock *vals = calloc(l->n_cpus, sizeof(*vals));
	__u64 *seen = NULL; /* socket address of each result entry */
	int rc = 0;

	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < pv->sock_slots; i++) {
		struct ns_sock *old = &pv->socks[(size_t)i * l->n_cpus];

		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < l->n_cpus; c++) {
			const struct ns_sock *v = &vals[c];
			struct sock_stat *k = NULL;
			struct ns_sock d;
			int at;

			if (!v->sk)
				continue;
			if (old[c].sk != v->sk)
				memset(&old[c], 0, sizeof(old[c]));
			d.delivered = v->delivered - old[c].delivered;
			d.bytes = v->bytes - old[c].bytes;
			d.data_ready = v->data_ready - old[c].data_ready;
			d.rcvq_full = v->rcvq_full - old[c].rcvq_full;
			d.queue_fail = v->queue_fail - old[c].queue_fail;
			old[c] = *v;
			if (!d.delivered && !d.bytes && !d.data_ready && !d.rcvq_full &&
			    !d.queue_fail)
				continue;
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
				snprintf(k->netns, sizeof(k->netns), "%.127s",
					 netns_name(l, v->netns));
				k->protocol = v->protocol;
				k->port = v->port;
			}
			k = &r->socks[at];
			k->delivered += d.delivered;
			k->bytes += d.bytes;
			k->data_ready += d.data_ready;
			k->rcvq_full += d.rcvq_full;
			k->queue_fail += d.queue_fail;
		}
	}
out:
	free(seen);
	free(vals);
	return rc;
}

/* One allocation for everything the last snapshot read (probes__destroy frees it). */
static struct collect_prev *prev_alloc(const struct probes *l)
{
	size_t cpus = l->n_cpus, pool = l->skel->rodata->cfg.hist_pool;
	size_t spans = (size_t)l->n_slots * NS_SPAN_COUNT,
	       socks = l->skel->rodata->cfg.sock_mask + 1;
	size_t size = sizeof(struct collect_prev) +
		      (pool + spans) * cpus * sizeof(struct ns_khist) +
		      cpus * sizeof(struct ns_cpu) + socks * cpus * sizeof(struct ns_sock) +
		      pool * sizeof(__u32);
	struct collect_prev *pv = calloc(1, size);
	char *at;

	if (!pv)
		return NULL;
	at = (char *)(pv + 1);
	pv->hists = (void *)at;
	at += pool * cpus * sizeof(struct ns_khist);
	pv->spans = (void *)at;
	at += spans * cpus * sizeof(struct ns_khist);
	pv->cpus = (void *)at;
	at += cpus * sizeof(struct ns_cpu);
	pv->socks = (void *)at;
	at += socks * cpus * sizeof(struct ns_sock);
	pv->pool_key = (void *)at;
	pv->hist_pool = pool;
	pv->n_spans = spans;
	pv->sock_slots = socks;
	return pv;
}

/* The first snapshot covers everything since the programs were attached. */
int collect__begin(struct probes *l, char *err, size_t errlen)
{
	int rc;

	l->softnet_base = calloc(2 * l->n_cpus, sizeof(*l->softnet_base));
	l->prev = prev_alloc(l);
	if (!l->softnet_base || !l->prev) {
		snprintf(err, errlen,
			 "out of memory for the collection's copy of the probes' maps (%d CPUs)",
			 l->n_cpus);
		return -ENOMEM;
	}
	rc = read_softnet(l->softnet_base, l->n_cpus);
	if (rc)
		snprintf(err, errlen, "/proc/net/softnet_stat: cannot read it: %s", strerror(-rc));
	return rc;
}

int collect__snapshot(struct probes *l, struct result *r)
{
	struct collect_prev *pv = l->prev;
	int rc;

	if (!pv)
		return -EINVAL;
	rc = take_hists(l, pv, r);
	if (!rc)
		rc = take_spans(l, pv, r);
	if (!rc)
		rc = take_cpus(l, pv, r);
	if (!rc)
		rc = take_drops(l, pv, r);
	if (!rc)
		rc = take_socks(l, pv, r);
	return rc;
}
