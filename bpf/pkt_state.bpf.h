/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The per-packet state: where a packet's slot is, which slot a new packet
 * takes, and what a slot's stage says of the packet. */
#ifndef NETSTAGE_PKT_STATE_BPF_H
#define NETSTAGE_PKT_STATE_BPF_H

#include "maps.bpf.h"

/*
 * The per-packet state is 2-way set-associative: a skb address hashes to a
 * set of two adjacent slots (one cache line). Heavily reused addresses
 * colliding in one slot would otherwise take turns evicting each other.
 */
static __always_inline __u32 pkt_set(__u64 addr)
{
	/* skbs come from a slab of 256-byte objects: drop the low bits, mix the rest. */
	return ((__u32)(((addr >> 8) * 0x9E3779B97F4A7C15ULL) >> 32) & cfg.pkt_mask) & ~1U;
}

/* The two slots of a set; both NULL only if the map is missing. */
static __always_inline bool pkt_pair(__u64 addr, struct ns_pkt **a, struct ns_pkt **b)
{
	return set_pair(&pkts, pkt_set(addr), a, b);
}

/* The slot following this skb address, or NULL; its index in pkts in *at. */
static __always_inline struct ns_pkt *pkt_find_at(__u64 addr, __u32 *at)
{
	struct ns_pkt *a, *b;

	if (!pkt_pair(addr, &a, &b))
		return NULL;
	*at = pkt_set(addr);
	if (a->skb == addr)
		return a;
	*at += 1;
	return b->skb == addr ? b : NULL;
}

static __always_inline struct ns_pkt *pkt_find(__u64 addr)
{
	__u32 at;

	return pkt_find_at(addr, &at);
}

static __always_inline bool terminal(__u8 stage)
{
	return stage == NS_STAGE_DELIVER || stage == NS_STAGE_DROP;
}

/* A slot another packet may take without losing one in transit. */
static __always_inline bool reusable(const struct ns_pkt *p, __u64 addr, __u64 now)
{
	return p->skb == addr || !p->skb || p->stage == NS_PKT_IGNORED || terminal(p->stage) ||
	       (now && now - p->ts > cfg.max_age_ns);
}

/*
 * A receive hands the packet on (to an rx_handler, a forward, a socket) in
 * the same softirq run, microseconds later: a state still at rx_core after a
 * millisecond ended there. It is where a UDP datagram's state stays on
 * kernels without sock:sk_data_ready (6.1), and taking its slot loses nothing.
 * A packet still in transit there after a millisecond (its vCPU preempted;
 * or, in the light set, where a forwarded packet's state stays at rx_core
 * through the next device's backlog) and taken over starts its next stage
 * midway, and is counted there. Only the count uses this: the slot a new
 * packet takes is chosen as before.
 */
#define NS_RX_CORE_PARKED_NS 1000000ULL

static __always_inline bool parked(const struct ns_pkt *p, __u64 now)
{
	return p->stage == NS_STAGE_RX_CORE && now - p->ts > NS_RX_CORE_PARKED_NS;
}

/*
 * Where to start following a packet: its own slot, a free or finished one,
 * or the older. now is 0 for a packet only marked as ignored: it never
 * evicts one in transit, only one parked in a socket's queue (that loses
 * its deliver stage, which a UDP datagram's state never reaches).
 */
static __always_inline struct ns_pkt *pkt_victim(__u64 addr, __u64 now, __u32 *at)
{
	struct ns_pkt *a, *b;

	if (!pkt_pair(addr, &a, &b))
		return NULL;
	*at = pkt_set(addr);
	if (reusable(a, addr, now))
		return a;
	*at += 1;
	if (reusable(b, addr, now))
		return b;
	if (now) {
		*at -= a->ts <= b->ts;
		return a->ts <= b->ts ? a : b;
	}
	if (a->stage == NS_STAGE_SOCK_ENQUEUE) {
		*at -= 1;
		return a;
	}
	return b->stage == NS_STAGE_SOCK_ENQUEUE ? b : NULL;
}

/*
 * A CPU remembers where the packet it last found left out (by the sampling,
 * a filter) has its slot: the packet's later stages on that CPU are told
 * from that slot by one lookup, before the device's table and the address's
 * hash. The slot itself says whether it still holds a packet left out at
 * this address, so a memo another packet overwrote misleads no one; where
 * the address alone does not name a packet, the caller compares the tag.
 */
static __always_inline void memo_left_out(struct ns_cpu *c, __u32 at)
{
	c->left_out = at + 1;
}

/* Can a packet be left out at all? Known at load: where not, the verifier drops the memo. */
static __always_inline bool may_leave_out(void)
{
	return cfg.sample_every > 1 || cfg.filter_proto || cfg.filter_port || cfg.windowed;
}

static __always_inline const struct ns_pkt *left_out_at(const struct ns_cpu *c, __u64 addr)
{
	__u32 at = c->left_out - 1;
	const struct ns_pkt *p;

	if (!may_leave_out() || !c->left_out)
		return NULL;
	p = bpf_map_lookup_elem(&pkts, &at);
	return p && p->skb == addr && p->stage == NS_PKT_IGNORED ? p : NULL;
}

/*
 * A packet received in one namespace can be transmitted again only by
 * forwarding inside that namespace (a bridge). Transmitted from another, it
 * is a new packet that happens to look the same (a duplicate ACK on a
 * reused skb address).
 */
static __always_inline bool resent(const struct ns_pkt *p, __u8 stage, __u32 inum)
{
	return stage == NS_STAGE_TX_QUEUE && p->netns != inum &&
	       (p->stage == NS_STAGE_RX_CORE || p->stage == NS_STAGE_SOCK_ENQUEUE ||
		p->stage == NS_STAGE_RX_SOFTIRQ || p->stage == NS_STAGE_RX_ENQUEUE ||
		p->stage == NS_STAGE_RX_HANDLER);
}

#endif /* NETSTAGE_PKT_STATE_BPF_H */
