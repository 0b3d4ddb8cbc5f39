/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Keeping an interval: its histogram (handed out from the pool), the raw
 * event of --raw, and the state's move to the next stage. */
#ifndef NETSTAGE_RECORD_BPF_H
#define NETSTAGE_RECORD_BPF_H

#include "bits.bpf.h"
#include "cpu.bpf.h"
#include "tag.bpf.h"

/*
 * The histogram of (group, slot, edge): handed out from the pool the first
 * time the edge occurs there. Two CPUs racing for a new one agree through
 * the compare-and-swap; the loser's pool entry stays unused.
 */
static __always_inline struct ns_khist *hist_of(struct ns_cpu *c, __u32 group, __u32 slot,
						__u32 edge)
{
	__u32 k = ((group & (NS_MAX_GROUPS - 1)) * cfg.n_slots + slot) * NS_EDGE_COUNT + edge;
	__u32 idx, got;

	if (k >= NS_HIST_AT)
		return NULL;
	idx = hist_at[k];
	if (!idx) {
		idx = __sync_fetch_and_add(&hist_next, 1) + 1;
		if (idx > cfg.hist_pool)
			idx = NS_HIST_FULL;
		got = __sync_val_compare_and_swap(&hist_at[k], 0, idx);
		if (got)
			idx = got;
	}
	if (idx == NS_HIST_FULL) {
		count(c, NS_CNT_HIST_FULL);
		return NULL;
	}
	idx--;
	return bpf_map_lookup_elem(&hists, &idx);
}

/* An interval of a packet, as the histograms keep it. */
struct interval {
	__u64 delta;
	__u32 corr; /* the probes' own time inside it (netstage.h) */
	__u16 slot;
	__u16 segs;
	__u8 group;
	__u8 to;
	__u8 from;
	__u8 hop;
	bool cross_cpu;
};

static __always_inline void record(struct ns_cpu *c, const struct interval *iv)
{
	struct ns_khist *h;
	__u64 corr;

	/*
	 * Another CPU may have moved the state on between our read of its time
	 * and now: a "negative" interval is such a race, not a measurement.
	 */
	if ((__s64)iv->delta < 0)
		return;
	h = hist_of(c, iv->group, iv->slot, NS_EDGE(iv->to, iv->from));
	if (!h)
		return;
	corr = iv->corr < iv->delta ? iv->corr : iv->delta;
	ns_khist_add(h, iv->delta - corr, iv->segs, iv->hop, iv->cross_cpu);
	h->probe_ns += corr;
	/* CPU stages inside NET_RX: what is left of the softirq is its own stage. */
	if (cfg.stage_set == NS_SET_ALL && !iv->cross_cpu && c->softirq_entry[1] &&
	    ns_edge_is_cpu(iv->to, iv->from))
		c->covered_ns += iv->delta - corr;
}

/*
 * The interval of a packet from its last stage to stage `to` at now, where
 * it last was (slot, hop), with the probes' own time inside it.
 */
static __always_inline void interval_of(struct interval *iv, const struct ns_cpu *c,
					const struct ns_pkt *p, __u8 to, __u64 now, bool same_cpu)
{
	iv->slot = p->slot;
	iv->group = p->group;
	iv->to = to;
	iv->from = p->stage;
	iv->hop = p->hop;
	iv->segs = p->segs;
	iv->delta = now - p->ts;
	iv->cross_cpu = !same_cpu;
	iv->corr = probe_since(c, p->probe_mark, same_cpu);
}

/* The packet reached stage at now: the next interval starts here. */
static __always_inline void advance(struct ns_pkt *p, const struct ns_cpu *c, __u8 stage, __u64 now)
{
	p->stage = stage;
	p->ts = now;
	p->probe_mark = (__u32)c->probe_ns;
}

/* Who a raw event is about: the packet (its skb's address and tag) and where it is. */
struct event_src {
	__u64 addr;
	__u32 tag;
	__u32 len; /* the skb's length, where the stage reads it (0: not read) */
	__u32 inum;
	__u32 ifindex; /* 0: not known at this stage */
};

/* The raw event of an interval (--raw, 1 in cfg.raw_every packets by tag), at now. */
static __always_inline void emit(struct ns_cpu *c, const struct interval *iv,
				 const struct event_src *src, __u64 now)
{
	struct ns_event *e;

	if (!cfg.raw_every || !one_in(src->tag, cfg.raw_every))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(c, NS_CNT_RAW_LOST);
		return;
	}
	e->ts = now;
	e->skb = src->addr;
	e->netns = src->inum;
	e->ifindex = src->ifindex;
	e->len = src->len;
	e->slot = iv->slot;
	e->cpu = bpf_get_smp_processor_id();
	e->stage = iv->to;
	e->from = iv->from;
	e->hop = iv->hop;
	e->group = iv->group;
	e->tag = src->tag;
	bpf_ringbuf_submit(e, 0);
}

#endif /* NETSTAGE_RECORD_BPF_H */
