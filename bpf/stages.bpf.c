// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stage probes: follow each packet of the watched devices from stage to stage
 * (../docs/STAGES.md) and keep, per device slot and (to, from) stage pair, a
 * latency histogram. All aggregation stays in the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "netstage.h"
#include "bits.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load (user/loader.c). */
const volatile __u32 n_devs = 0;
const volatile __u64 dev_keys[NS_MAX_DEVS] = {}; /* sorted; unused entries are ~0 */
const volatile __u32 dev_infos[NS_MAX_DEVS] = {};
const volatile __u64 max_age_ns = 1000000000ULL;
const volatile __u32 pkt_mask = 0; /* entries of pkts - 1, a power of two minus one */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_pkt);
} pkts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* slots * NS_EDGE_COUNT, sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NS_CNT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ns_drop_key);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ns_xmit_stack);
} xmits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ns_softirq);
} softirqs SEC(".maps");

/* One word per CPU to turn a typed pointer into a number (see skb_addr). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scratch SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		(*c)++;
}

/*
 * The verifier refuses shifts on a typed pointer, and a 6.18 kernel types
 * even skb->head as untrusted memory; a pointer stored in a map value reads
 * back as a plain number, which costs less than bpf_probe_read_kernel.
 */
static __always_inline __u64 skb_addr(const void *skb)
{
	__u32 zero = 0;
	__u64 *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s)
		return 0;
	*(const void **)s = skb;
	return *(volatile __u64 *)s;
}

/* Is the device watched? Branch-free binary search of the rodata table. */
static __always_inline bool dev_watched(const struct net_device *dev, __u32 *info)
{
	__u64 key;
	__u32 base = 0;

	if (!dev)
		return false;
	key = NS_DEV_KEY(BPF_CORE_READ(dev, nd_net.net, ns.inum), BPF_CORE_READ(dev, ifindex));
#pragma unroll
	for (__u32 step = NS_MAX_DEVS / 2; step; step >>= 1) {
		if (dev_keys[(base + step) & (NS_MAX_DEVS - 1)] <= key)
			base += step;
	}
	base &= NS_MAX_DEVS - 1;
	if (dev_keys[base] != key)
		return false;
	*info = dev_infos[base];
	return true;
}

static __always_inline struct ns_pkt *pkt_slot(__u64 addr)
{
	/* skbs come from a slab of 256-byte objects: drop the low bits, mix the rest. */
	__u32 idx = (__u32)(((addr >> 8) * 0x9E3779B97F4A7C15ULL) >> 32) & pkt_mask;

	return bpf_map_lookup_elem(&pkts, &idx);
}

static __always_inline void record(__u16 slot, __u8 to, __u8 from, __u64 delta, __u8 hop,
				   bool cross_cpu)
{
	__u32 idx = (__u32)slot * NS_EDGE_COUNT + NS_EDGE(to, from);
	struct ns_hist *h = bpf_map_lookup_elem(&hists, &idx);

	if (!h)
		return;
	ns_hist_add(h, delta);
	if (hop > h->hop)
		h->hop = hop;
	if (cross_cpu)
		h->cross_cpu++;
}

static __always_inline bool live(const struct ns_pkt *p, __u64 addr, __u64 now)
{
	return p->skb == addr && now - p->ts <= max_age_ns;
}

/* Is this CPU inside the transmit of this very skb (a stacked device's lower xmit)? */
static __always_inline bool in_own_xmit(__u64 addr)
{
	__u32 zero = 0;
	struct ns_xmit_stack *x = bpf_map_lookup_elem(&xmits, &zero);
	__u32 d;

	if (!x || x->depth == 0)
		return false;
	d = (x->depth - 1) & (NS_XMIT_DEPTH - 1);
	return x->frames[d].skb == addr;
}

/*
 * A stage of a packet on a device. Returns true when the packet is followed
 * (its edge was recorded), with the device slot and hop in *slot and *hop.
 */
static __always_inline bool on_stage(const struct sk_buff *skb, const struct net_device *dev,
				     __u8 stage, __u16 *slot_out, __u8 *hop_out)
{
	__u32 info, cpu;
	__u64 addr, now;
	struct ns_pkt *p;
	__u16 slot;
	__u8 hop;

	if (!dev_watched(dev, &info))
		return false;
	slot = NS_DEV_INFO_SLOT(info);
	addr = skb_addr(skb);
	p = pkt_slot(addr);
	if (!p)
		return false;
	now = bpf_ktime_get_ns();
	cpu = bpf_get_smp_processor_id();

	/*
	 * A packet enters its first stage when a local socket queues it: that
	 * overwrites whatever the slot held, so a reused skb address starts
	 * afresh even when no free was traced. A stacked device transmitting
	 * its upper device's skb is the same packet going on.
	 */
	if (stage == NS_STAGE_TX_QUEUE && BPF_CORE_READ(skb, sk) && !in_own_xmit(addr)) {
		if (p->skb && p->skb != addr && now - p->ts <= max_age_ns &&
		    p->stage != NS_STAGE_DELIVER && p->stage != NS_STAGE_DROP)
			count(NS_CNT_EVICTED);
		p->skb = addr;
		p->ts = now;
		p->slot = slot;
		p->stage = stage;
		p->hop = 0;
		p->cpu = cpu;
		count(NS_CNT_STARTED);
		record(slot, stage, NS_STAGE_NONE, 0, 0, false);
		*slot_out = slot;
		*hop_out = 0;
		return true;
	}

	if (!live(p, addr, now)) {
		count(p->skb == addr ? NS_CNT_EXPIRED : NS_CNT_UNTRACKED);
		return false;
	}
	if (p->stage == NS_STAGE_DELIVER || p->stage == NS_STAGE_DROP) {
		count(NS_CNT_UNTRACKED);
		return false;
	}

	/* A hop is a device boundary: the forwarding driver hands the skb on. */
	hop = p->hop;
	if (stage == NS_STAGE_RX_ENQUEUE ||
	    (stage == NS_STAGE_RX_CORE && p->stage != NS_STAGE_RX_ENQUEUE && p->slot != slot))
		hop++;
	record(slot, stage, p->stage, now - p->ts, hop, cpu != p->cpu);
	p->ts = now;
	p->slot = slot;
	p->stage = stage;
	p->hop = hop;
	p->cpu = cpu;
	*slot_out = slot;
	*hop_out = hop;
	return true;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(tx_queue, struct sk_buff *skb)
{
	__u16 slot;
	__u8 hop;

	on_stage(skb, skb->dev, NS_STAGE_TX_QUEUE, &slot, &hop);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(tx_start, const struct sk_buff *skb, const struct net_device *dev)
{
	__u32 zero = 0;
	struct ns_xmit_stack *x;
	struct ns_xmit_frame *f;
	__u16 slot;
	__u8 hop;

	if (!on_stage(skb, dev, NS_STAGE_TX_START, &slot, &hop))
		return 0;
	x = bpf_map_lookup_elem(&xmits, &zero);
	if (!x || x->depth >= NS_XMIT_DEPTH)
		return 0;
	f = &x->frames[x->depth & (NS_XMIT_DEPTH - 1)];
	f->skb = skb_addr(skb);
	f->ts = bpf_ktime_get_ns();
	f->slot = slot;
	f->hop = hop;
	x->depth++;
	return 0;
}

SEC("tp_btf/netif_rx")
int BPF_PROG(rx_enqueue, struct sk_buff *skb)
{
	__u16 slot;
	__u8 hop;

	on_stage(skb, skb->dev, NS_STAGE_RX_ENQUEUE, &slot, &hop);
	return 0;
}

/*
 * The driver's transmit returned. The skb may be freed already: use its
 * address only, never read through it. CPU cost is start -> done on this CPU.
 */
SEC("tp_btf/net_dev_xmit")
int BPF_PROG(tx_done, struct sk_buff *skb, int rc, struct net_device *dev, unsigned int len)
{
	__u32 zero = 0, info;
	struct ns_xmit_stack *x;
	struct ns_xmit_frame *f;
	__u64 addr;

	if (!dev_watched(dev, &info))
		return 0;
	x = bpf_map_lookup_elem(&xmits, &zero);
	if (!x || x->depth == 0)
		return 0;
	addr = skb_addr(skb);
	f = &x->frames[(x->depth - 1) & (NS_XMIT_DEPTH - 1)];
	if (f->skb != addr) {
		/* A start we missed or a frame left by an aborted transmit: drop the frame. */
		count(NS_CNT_XMIT_UNMATCHED);
		x->depth--;
		return 0;
	}
	record(f->slot, NS_STAGE_TX_DONE, NS_STAGE_TX_START, bpf_ktime_get_ns() - f->ts, f->hop,
	       false);
	x->depth--;
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(rx_core, struct sk_buff *skb)
{
	__u16 slot;
	__u8 hop;

	on_stage(skb, skb->dev, NS_STAGE_RX_CORE, &slot, &hop);
	return 0;
}

/* The application copies the packet (TCP; most UDP datagrams skip this tracepoint). */
SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(deliver, const struct sk_buff *skb, int len)
{
	__u64 addr = skb_addr(skb), now = bpf_ktime_get_ns();
	struct ns_pkt *p = pkt_slot(addr);
	__u32 cpu;

	/* No device here (UDP reuses skb->dev as scratch): only packets we follow count. */
	if (!p || !live(p, addr, now) || p->stage == NS_STAGE_DELIVER || p->stage == NS_STAGE_DROP)
		return 0;
	cpu = bpf_get_smp_processor_id();
	record(p->slot, NS_STAGE_DELIVER, p->stage, now - p->ts, p->hop, cpu != p->cpu);
	p->ts = now;
	p->stage = NS_STAGE_DELIVER;
	p->cpu = cpu;
	return 0;
}

static __always_inline void on_drop(const struct sk_buff *skb, __u32 reason)
{
	__u64 addr = skb_addr(skb), now = bpf_ktime_get_ns();
	struct ns_pkt *p = pkt_slot(addr);
	struct ns_drop_key key = {};
	__u64 one = 1, *c;

	if (!p || !live(p, addr, now) || p->stage == NS_STAGE_DELIVER || p->stage == NS_STAGE_DROP)
		return;
	key.reason = reason;
	key.slot = p->slot;
	key.stage = p->stage;
	c = bpf_map_lookup_elem(&drops, &key);
	if (c)
		(*c)++;
	else
		bpf_map_update_elem(&drops, &key, &one, BPF_NOEXIST);
	p->stage = NS_STAGE_DROP;
	p->ts = now;
}

/* Kernels from 5.17 pass a drop reason; the loader picks one of these two. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(drop, struct sk_buff *skb, void *location, int reason)
{
	on_drop(skb, reason);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_noreason, struct sk_buff *skb, void *location)
{
	on_drop(skb, 0);
	return 0;
}

static __always_inline int softirq_slot(unsigned int vec)
{
	if (vec == NS_NET_TX_SOFTIRQ)
		return 0;
	if (vec == NS_NET_RX_SOFTIRQ)
		return 1;
	return -1;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	__u32 zero = 0;
	int i = softirq_slot(vec);
	struct ns_softirq *s;

	if (i < 0)
		return 0;
	s = bpf_map_lookup_elem(&softirqs, &zero);
	if (s)
		s->entry_ts[i & 1] = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec)
{
	__u32 zero = 0;
	int i = softirq_slot(vec);
	struct ns_softirq *s;

	if (i < 0)
		return 0;
	s = bpf_map_lookup_elem(&softirqs, &zero);
	if (!s || !s->entry_ts[i & 1])
		return 0;
	s->time_ns[i & 1] += bpf_ktime_get_ns() - s->entry_ts[i & 1];
	s->count[i & 1]++;
	s->entry_ts[i & 1] = 0;
	return 0;
}
