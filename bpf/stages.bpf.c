// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BTF tracepoints let the programs load kernel fields directly (CO-RE still
 * relocates them); BPF_CORE_READ would make each hop a helper call.
 *
 * Stage probes: follow each packet of the watched devices from stage to stage
 * (docs/STAGES.md) and keep, per device slot and (to, from) stage pair, a
 * latency histogram; time the network softirqs; count drops with their
 * reasons and socket deliveries. All aggregation stays in the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "netstage.h"
#include "bits.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load (user/loader.c). */
const volatile __u32 dev_mask = 0; /* places of the device table in use - 1 */
const volatile __u64 dev_keys[NS_DEV_TABLE] = {};
const volatile __u32 dev_infos[NS_DEV_TABLE] = {};
const volatile __u32 netns_mask = 0;
const volatile __u32 netns_keys[NS_NETNS_TABLE] = {};
/* Load packet bytes directly through skb->head (6.16+ allows it) or with a helper. */
const volatile bool direct_reads = false;
const volatile __u64 max_age_ns = 1000000000ULL;
const volatile __u32 pkt_mask = 0; /* entries of pkts - 1, a power of two minus one */
const volatile __u32 n_slots = 1;
const volatile __u32 n_groups = 1; /* 2 keeps the client's and the server's packets apart */
const volatile __u8 slot_group[NS_MAX_SLOTS] = {}; /* the group of a packet starting there */
const volatile __u32 hist_half = 0;		   /* groups * slots * NS_EDGE_COUNT */
const volatile __u32 span_half = 0;		   /* slots * NS_SPAN_COUNT */
const volatile __u32 sample_every = 1;		   /* follow 1 packet in N */
const volatile __u32 sample_every_pow2 = 1; /* the power of two nearest above: softirq timing */
const volatile __u32 raw_every = 0;	    /* 0: no raw events; N: events of 1 packet in N */
const volatile __u8 filter_proto = 0;	    /* IPPROTO_TCP or IPPROTO_UDP; 0: any */
const volatile __u16 filter_port = 0;	    /* either port of the packet, host order; 0: any */

/* Which half of the statistics the programs fill; userspace flips it (netstage.h). */
__u32 active_half = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_pkt);
} pkts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* NS_HALVES * hist_half, sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* NS_HALVES * span_half, sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_hist);
} spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (NS_HALVES * NS_CNT_COUNT));
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
	__type(value, struct ns_cpu);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NS_HALVES);
	__type(key, __u32);
	__type(value, struct ns_softirq);
} softirqs SEC(".maps");

/* Per CPU: the softirq and the reader of a socket run on different CPUs; no shared line. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (NS_HALVES * NS_SOCK_SLOTS));
	__type(key, __u32);
	__type(value, struct ns_sock);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* sized by the loader when raw events are on */
} events SEC(".maps");

static __always_inline __u32 half(void)
{
	return *(volatile __u32 *)&active_half & (NS_HALVES - 1);
}

static __always_inline void count(__u32 which)
{
	__u32 idx = half() * NS_CNT_COUNT + which;
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

static __always_inline struct ns_cpu *this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpus, &zero);
}

/*
 * The verifier refuses shifts on a typed pointer, and a 6.18 kernel types
 * even skb->head as untrusted memory; a pointer stored in a map value reads
 * back as a plain number, which costs less than bpf_probe_read_kernel. The
 * CPU's own state, looked up anyway, holds it.
 */
static __always_inline __u64 ptr_value(struct ns_cpu *c, const void *ptr)
{
	*(const void **)&c->scratch = ptr;
	return *(volatile __u64 *)&c->scratch;
}

/* Is the device (netns inode, ifindex) watched? Its packed info in *info. */
static __always_inline bool key_watched(__u32 inum, __u32 ifindex, __u32 *info)
{
	__u64 key = NS_DEV_KEY(inum, ifindex);
	__u32 h = ns_key_hash(key);

#pragma unroll
	for (int i = 0; i < NS_DEV_PROBES; i++) {
		__u32 at = (h + i) & dev_mask & (NS_DEV_TABLE - 1);

		if (dev_keys[at] == key) {
			*info = dev_infos[at];
			return true;
		}
		if (!dev_keys[at])
			return false;
	}
	return false;
}

static __always_inline bool dev_watched(const struct net_device *dev, __u32 *info, __u32 *inum)
{
	if (!dev)
		return false;
	*inum = dev->nd_net.net->ns.inum;
	return key_watched(*inum, dev->ifindex, info);
}

static __always_inline bool netns_watched(__u32 inum)
{
	__u32 h = ns_key_hash(inum);

#pragma unroll
	for (int i = 0; i < NS_DEV_PROBES; i++) {
		__u32 at = (h + i) & netns_mask & (NS_NETNS_TABLE - 1);

		if (netns_keys[at] == inum)
			return true;
		if (!netns_keys[at])
			return false;
	}
	return false;
}

/* Copy n packet bytes: a plain load where the kernel allows it, else a helper call. */
static __always_inline void read_bytes(void *dst, __u32 n, const unsigned char *src)
{
	if (direct_reads) {
		if (n == 16) {
			((__u64 *)dst)[0] = ((const __u64 *)src)[0];
			((__u64 *)dst)[1] = ((const __u64 *)src)[1];
		} else if (n == 4) {
			*(__u32 *)dst = *(const __u32 *)src;
		} else if (n == 2) {
			*(__u16 *)dst = *(const __u16 *)src;
		} else {
			*(__u8 *)dst = *src;
		}
		return;
	}
	bpf_probe_read_kernel(dst, n, src);
}

/*
 * A tag of the packet's content: its IPv4 identification and fragment field,
 * its protocol, and from its transport header what neither routing nor NAT
 * rewrites: TCP's sequence and acknowledgement numbers, flags and window
 * (bytes 4..15), UDP's length and first 8 payload bytes. Ports and
 * checksums are left out (DNAT and SNAT rewrite them), as are TTL and the IP
 * checksum. The tag is the same at every stage of the packet, through
 * netfilter's NAT too, and differs between packets, so it tells a reused skb
 * address from the same packet, and picks the sample: skb addresses cycle
 * through a few hundred slab objects per flow, far too few to sample by.
 */
static __always_inline __u32 tag_mix(const __u64 ipw[2], const __u64 w[2])
{
	__u64 w0 = w[0], ip = 0;
	__u8 proto;
	__u32 h;

	/* Little-endian words: byte k of a header is bits 8k..8k+7 of word k / 8. */
	if ((ipw[0] & 0xf0) == 0x40) {
		ip = (ipw[0] >> 32) & 0xffffffffULL; /* IPv4 id and fragment field */
		proto = ipw[1] >> 8;		     /* byte 9 */
	} else {
		proto = ipw[0] >> 48; /* IPv6's next header, byte 6 */
	}
	w0 &= proto == 17 ? 0x0000ffff00000000ULL : 0xffffffff00000000ULL;
	h = (__u32)(ip ^ (w0 >> 32) ^ w[1] ^ (w[1] >> 29)) ^ proto;
	h *= 0x9E3779B1U;
	h ^= h >> 15;
	return h | 1; /* 0 means "no tag" */
}

/*
 * Where the transport header starts, from the IP header itself: the skb's
 * own transport offset is stale on some paths (a VXLAN packet decapsulated
 * and handed on by netif_rx keeps the outer UDP header's).
 */
static __always_inline __u16 transport_of(__u16 nh, const __u64 ipw[2])
{
	__u16 ihl = (ipw[0] & 0x0f) * 4;

	/* IPv6: past the fixed header (an extension header, if any, is what is hashed). */
	if ((ipw[0] & 0xf0) != 0x40)
		return nh + 40;
	return nh + (ihl < 20 ? 20 : ihl);
}

/*
 * A tunnel's encapsulation (VXLAN) sets the inner headers' offsets and the
 * encapsulation flag; the tag is taken from the inner packet then, so that
 * a packet keeps its tag from the container through the tunnel and out.
 */
static __always_inline __u32 content_tag(const struct sk_buff *skb)
{
	const unsigned char *head = skb->head;
	__u16 nh = skb->network_header;
	__u64 w[2] = {}, ipw[2] = {};

	if (BPF_CORE_READ_BITFIELD(skb, encapsulation))
		nh = skb->inner_network_header;
	read_bytes(ipw, sizeof(ipw), head + nh);
	read_bytes(w, sizeof(w), head + transport_of(nh, ipw));
	return tag_mix(ipw, w);
}

/*
 * 1 in N by the tag's value: tag * N / 2^32 is 0 for a fraction 1/N of tags.
 * A multiply, where `tag % N` would be a divide (N is a load-time constant
 * the JIT still divides by); and any M >= N picks a subset of N's choice,
 * so raw events of 1 in M are always of followed packets.
 */
static __always_inline bool one_in(__u32 tag, __u32 n)
{
	return ((__u64)tag * n) >> 32 == 0;
}

static __always_inline bool sampled(__u32 tag)
{
	return sample_every <= 1 || one_in(tag, sample_every);
}

/* Wire segments of a GSO packet (1 for others), from its shared info. */
static __always_inline __u16 wire_segs(const struct sk_buff *skb)
{
	struct skb_shared_info *shinfo = (void *)(skb->head + skb->end);
	__u16 segs = 0;

	read_bytes(&segs, sizeof(segs), (const unsigned char *)&shinfo->gso_segs);
	return segs ? segs : 1;
}

/* Does the packet belong to the protocol/port filter? Read only when a filter is set. */
static __always_inline bool flow_matches(const struct sk_buff *skb)
{
	__u8 proto = 0;
	__u16 ports[2] = {};

	if (skb->protocol == bpf_htons(0x0800))
		read_bytes(&proto, 1, skb->head + skb->network_header + 9);
	else if (skb->protocol == bpf_htons(0x86DD))
		read_bytes(&proto, 1, skb->head + skb->network_header + 6);
	if (filter_proto && proto != filter_proto)
		return false;
	if (!filter_port)
		return true;
	if (proto != 6 && proto != 17)
		return false;
	read_bytes(ports, sizeof(ports), skb->head + skb->transport_header);
	return bpf_ntohs(ports[0]) == filter_port || bpf_ntohs(ports[1]) == filter_port;
}

/*
 * The per-packet state is 2-way set-associative: a skb address hashes to a
 * set of two adjacent slots (one cache line). Heavily reused addresses
 * colliding in one slot would otherwise take turns evicting each other.
 */
static __always_inline __u32 pkt_set(__u64 addr)
{
	/* skbs come from a slab of 256-byte objects: drop the low bits, mix the rest. */
	return ((__u32)(((addr >> 8) * 0x9E3779B97F4A7C15ULL) >> 32) & pkt_mask) & ~1U;
}

/* The slot following this skb address, or NULL. */
static __always_inline struct ns_pkt *pkt_find(__u64 addr)
{
	__u32 idx = pkt_set(addr);
	struct ns_pkt *p = bpf_map_lookup_elem(&pkts, &idx);

	if (p && p->skb == addr)
		return p;
	idx++;
	p = bpf_map_lookup_elem(&pkts, &idx);
	return p && p->skb == addr ? p : NULL;
}

static __always_inline bool terminal(__u8 stage);

/* Where to start following a packet: its own slot, a free or finished one, or the older. */
static __always_inline struct ns_pkt *pkt_victim(__u64 addr, __u64 now)
{
	__u32 idx = pkt_set(addr), idx1 = idx + 1;
	struct ns_pkt *a = bpf_map_lookup_elem(&pkts, &idx);
	struct ns_pkt *b = bpf_map_lookup_elem(&pkts, &idx1);

	if (!a || !b)
		return NULL;
	if (a->skb == addr || !a->skb || terminal(a->stage) || now - a->ts > max_age_ns)
		return a;
	if (b->skb == addr || !b->skb || terminal(b->stage) || now - b->ts > max_age_ns)
		return b;
	return a->ts <= b->ts ? a : b;
}

static __always_inline struct ns_softirq *softirq_stats(void)
{
	__u32 h = half();

	return bpf_map_lookup_elem(&softirqs, &h);
}

static __always_inline bool terminal(__u8 stage)
{
	return stage == NS_STAGE_DELIVER || stage == NS_STAGE_DROP;
}

/* Does the slot follow this very packet, recently? */
static __always_inline bool live(const struct ns_pkt *p, __u64 addr, __u32 tag, __u64 now)
{
	return p->skb == addr && p->tag == tag && now - p->ts <= max_age_ns;
}

static __always_inline void emit(__u32 tag, __u64 addr, __u16 slot, __u8 group, __u8 stage,
				 __u8 from, __u8 hop, __u64 now, __u32 len, __u32 inum,
				 __u32 ifindex)
{
	struct ns_event *e;

	if (!raw_every || !one_in(tag, raw_every))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(NS_CNT_RAW_LOST);
		return;
	}
	e->ts = now;
	e->skb = addr;
	e->netns = inum;
	e->ifindex = ifindex;
	e->len = len;
	e->slot = slot;
	e->cpu = bpf_get_smp_processor_id();
	e->stage = stage;
	e->from = from;
	e->hop = hop;
	e->group = group;
	e->tag = tag;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void record(__u16 slot, __u8 group, __u8 to, __u8 from, __u64 delta,
				   __u8 hop, bool cross_cpu, __u16 segs, struct ns_cpu *c)
{
	__u32 idx = half() * hist_half +
		    ((group & (NS_MAX_GROUPS - 1)) * n_slots + slot) * NS_EDGE_COUNT +
		    NS_EDGE(to, from);
	struct ns_hist *h = bpf_map_lookup_elem(&hists, &idx);

	/*
	 * Another CPU may have moved the state on between our read of its time
	 * and now: a "negative" interval is such a race, not a measurement.
	 */
	if (!h || (__s64)delta < 0)
		return;
	ns_hist_add(h, delta);
	h->segs += segs;
	if (hop > h->hop)
		h->hop = hop;
	if (cross_cpu)
		h->cross_cpu++;
	/* CPU stages inside NET_RX: what is left of the softirq is its own stage. */
	if (!cross_cpu && c && c->softirq_entry[1] && ns_edge_is_cpu(to, from))
		c->covered_ns += delta;
}

/* What a stage needs to know of a packet and its device. */
struct pkt_view {
	__u64 addr; /* the skb's address */
	__u32 tag;
	__u32 inum; /* the device's namespace */
	__u32 ifindex;
	__u32 info; /* the device's entry in the table */
	__u32 len;
	bool from_socket; /* a local socket's packet at tx_queue */
};

/* From an skb the program may read (tracepoints, fentry): plain loads. */
static __always_inline bool view_of(struct ns_cpu *c, const struct sk_buff *skb,
				    const struct net_device *dev, __u8 stage, struct pkt_view *v)
{
	if (!dev_watched(dev, &v->info, &v->inum))
		return false;
	v->tag = content_tag(skb);
	if (!sampled(v->tag))
		return false;
	v->addr = ptr_value(c, skb);
	v->ifindex = dev->ifindex;
	v->len = skb->len;
	v->from_socket = stage == NS_STAGE_TX_QUEUE && skb->sk;
	return true;
}

/*
 * From an skb known only by its address (a handler's struct sk_buff **, which
 * 6.1 gives as a number): every field with a helper. Only module probes,
 * where fentry runs, take this path.
 */
static __always_inline bool view_of_addr(__u64 addr, struct pkt_view *v)
{
	const struct sk_buff *skb = (const void *)addr;
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	const unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u64 w[2] = {}, ipw[2] = {};

	if (!dev)
		return false;
	v->inum = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	v->ifindex = BPF_CORE_READ(dev, ifindex);
	if (!key_watched(v->inum, v->ifindex, &v->info))
		return false;
	/* The same tag as content_tag(), read with helpers. */
	if (BPF_CORE_READ_BITFIELD_PROBED(skb, encapsulation))
		nh = BPF_CORE_READ(skb, inner_network_header);
	bpf_probe_read_kernel(ipw, sizeof(ipw), head + nh);
	bpf_probe_read_kernel(w, sizeof(w), head + transport_of(nh, ipw));
	v->tag = tag_mix(ipw, w);
	if (!sampled(v->tag))
		return false;
	v->addr = addr;
	v->len = BPF_CORE_READ(skb, len);
	v->from_socket = false;
	return true;
}

/* The path a packet starting on this slot takes: the client's (0) or the server's (1). */
static __always_inline __u8 group_of(const struct sk_buff *skb, __u16 slot)
{
	__u8 g = slot_group[slot & (NS_MAX_SLOTS - 1)], last = 0;
	const unsigned char *nh;

	if (g != NS_GROUP_BY_SOURCE)
		return g;
	/* The source address's last byte: IPv4 at 12..15, IPv6 at 8..23 of the header. */
	nh = skb->head + skb->network_header;
	if (skb->protocol == bpf_htons(0x0800))
		read_bytes(&last, 1, nh + 15);
	else
		read_bytes(&last, 1, nh + 23);
	return last == 2;
}

/*
 * A packet's first stage seen: a local socket queued it, or it comes from
 * where nothing watched it (or its state was lost). Overwrites the slot.
 */
static __always_inline bool start(struct ns_pkt *p, const struct sk_buff *skb,
				  const struct pkt_view *v, __u16 slot, __u8 stage, __u64 now,
				  __u32 cpu)
{
	if (p->skb && p->stage != NS_PKT_IGNORED && !terminal(p->stage)) {
		/*
		 * Lost in transit. A packet already queued to its socket only loses
		 * its deliver stage, which UDP datagrams never reach anyway.
		 */
		if (p->skb != v->addr && now - p->ts <= max_age_ns &&
		    p->stage != NS_STAGE_SOCK_ENQUEUE)
			count(NS_CNT_EVICTED);
		else if (p->skb == v->addr && p->tag == v->tag)
			count(NS_CNT_EXPIRED);
	}
	p->skb = v->addr;
	p->tag = v->tag;
	p->ts = now;
	p->slot = slot;
	p->group = n_groups > 1 ? group_of(skb, slot) : 0;
	p->hop = 0;
	p->cpu = cpu;
	p->netns = v->inum;
	if ((filter_proto || filter_port) && !flow_matches(skb)) {
		p->stage = NS_PKT_IGNORED;
		count(NS_CNT_IGNORED);
		return false;
	}
	p->stage = stage;
	p->segs = wire_segs(skb);
	count(v->from_socket ? NS_CNT_STARTED : NS_CNT_MIDWAY);
	record(slot, p->group, stage, NS_STAGE_NONE, 0, 0, false, p->segs, NULL);
	emit(v->tag, v->addr, slot, p->group, stage, NS_STAGE_NONE, 0, now, v->len, v->inum,
	     v->ifindex);
	return true;
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

/*
 * A stage of a packet on a device. Returns true when the packet is followed,
 * with the device slot and hop in *frame. skb is NULL for views read by
 * address: those go on with a packet but never start one.
 */
static __always_inline bool on_stage(struct ns_cpu *c, const struct sk_buff *skb,
				     const struct pkt_view *v, __u8 stage,
				     struct ns_xmit_frame *frame)
{
	struct ns_pkt *p;
	__u64 now;
	__u32 cpu;
	__u16 slot;
	__u8 hop, from;

	slot = NS_DEV_INFO_SLOT(v->info);
	now = bpf_ktime_get_ns();
	cpu = bpf_get_smp_processor_id();
	frame->skb = v->addr;
	frame->ts = now;
	frame->slot = slot;
	frame->hop = 0;

	/*
	 * No live state with this packet's tag: it starts here, from a local
	 * socket or (state lost, traffic from outside) midway. A reused skb
	 * address carries another tag, so it starts afresh even when its last
	 * free fired no tracepoint. A bridge's or stacked device's further
	 * transmit of the same packet finds its state and goes on.
	 */
	p = pkt_find(v->addr);
	if (!p || !live(p, v->addr, v->tag, now) || terminal(p->stage) ||
	    resent(p, stage, v->inum)) {
		if (!skb)
			return false;
		if (!p)
			p = pkt_victim(v->addr, now);
		if (!p)
			return false;
		return start(p, skb, v, slot, stage, now, cpu);
	}
	if (p->stage == NS_PKT_IGNORED)
		return false;

	from = p->stage;
	hop = p->hop;
	/*
	 * A hop is a device boundary: a forwarding driver hands the skb on, or
	 * an rx_handler hands it up to a macvlan or ipvlan.
	 */
	if (stage == NS_STAGE_RX_ENQUEUE || (stage == NS_STAGE_RX_HANDLER && p->slot != slot) ||
	    (stage == NS_STAGE_RX_CORE && from != NS_STAGE_RX_ENQUEUE && from != NS_STAGE_TX_DONE &&
	     from != NS_STAGE_DRV_DONE && p->slot != slot))
		hop++;
	/* Queuing it raised NET_RX, unless a run was pending: the raise -> run delay. */
	if (stage == NS_STAGE_RX_ENQUEUE && !c->raised[1] && !c->softirq_entry[1])
		c->raised[1] = now;
	if (stage == NS_STAGE_RX_CORE) {
		/*
		 * The packet waited for a NET_RX softirq that began after it was
		 * queued (an untimed run, when sampling, cannot say).
		 */
		if (c->softirq_entry[1] > p->ts) {
			record(slot, p->group, NS_STAGE_RX_SOFTIRQ, from,
			       c->softirq_entry[1] - p->ts, hop, false, p->segs, c);
			emit(v->tag, v->addr, slot, p->group, NS_STAGE_RX_SOFTIRQ, from, hop,
			     c->softirq_entry[1], v->len, v->inum, v->ifindex);
			from = NS_STAGE_RX_SOFTIRQ;
			p->ts = c->softirq_entry[1];
		}
		c->rx_skb = v->addr;
	}
	record(slot, p->group, stage, from, now - p->ts, hop, cpu != p->cpu, p->segs, c);
	emit(v->tag, v->addr, slot, p->group, stage, from, hop, now, v->len, v->inum, v->ifindex);
	p->ts = now;
	p->slot = slot;
	p->stage = stage;
	p->hop = hop;
	p->cpu = cpu;
	p->netns = v->inum;
	frame->hop = hop;
	return true;
}

/* A stage of a packet the program may read. */
static __always_inline bool at_stage(const struct sk_buff *skb, const struct net_device *dev,
				     __u8 stage, struct ns_xmit_frame *frame)
{
	struct ns_cpu *c = this_cpu();
	struct pkt_view v;

	return c && view_of(c, skb, dev, stage, &v) && on_stage(c, skb, &v, stage, frame);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(tx_queue, struct sk_buff *skb)
{
	struct ns_xmit_frame f;

	at_stage(skb, skb->dev, NS_STAGE_TX_QUEUE, &f);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(tx_start, const struct sk_buff *skb, const struct net_device *dev)
{
	struct ns_xmit_frame f;
	struct ns_cpu *c;

	if (!at_stage(skb, dev, NS_STAGE_TX_START, &f))
		return 0;
	c = this_cpu();
	if (!c || c->depth >= NS_XMIT_DEPTH)
		return 0;
	c->frames[c->depth & (NS_XMIT_DEPTH - 1)] = f;
	c->depth++;
	return 0;
}

SEC("tp_btf/netif_rx")
int BPF_PROG(rx_enqueue, struct sk_buff *skb)
{
	struct ns_xmit_frame f;

	at_stage(skb, skb->dev, NS_STAGE_RX_ENQUEUE, &f);
	return 0;
}

/*
 * The driver's transmit returned. The skb may be freed already: use its
 * address only, never read through it. The transmit span (start -> done)
 * is kept apart; the packet's chain goes on from the forward inside it.
 */
SEC("tp_btf/net_dev_xmit")
int BPF_PROG(tx_done, struct sk_buff *skb, int rc, struct net_device *dev, unsigned int len)
{
	struct ns_xmit_frame *f;
	struct ns_cpu *c;
	struct ns_pkt *p;
	struct ns_hist *h;
	__u64 addr, now;
	__u32 info, idx, cpu, inum;

	if (!dev_watched(dev, &info, &inum))
		return 0;
	c = this_cpu();
	if (!c || c->depth == 0)
		return 0;
	addr = ptr_value(c, skb);
	f = &c->frames[(c->depth - 1) & (NS_XMIT_DEPTH - 1)];
	c->depth--;
	if (f->skb != addr) {
		/* A start we did not follow, or a frame left by an aborted transmit. */
		count(NS_CNT_XMIT_UNMATCHED);
		return 0;
	}
	now = bpf_ktime_get_ns();
	idx = half() * span_half + (__u32)f->slot * NS_SPAN_COUNT + NS_SPAN_XMIT;
	h = bpf_map_lookup_elem(&spans, &idx);
	if (h) {
		ns_hist_add(h, now - f->ts);
		if (f->hop > h->hop)
			h->hop = f->hop;
	}
	p = pkt_find(addr);
	cpu = bpf_get_smp_processor_id();
	/* Still ours only if nothing received it meanwhile (another CPU, or a reuse). */
	if (!p || p->skb != addr || p->cpu != cpu ||
	    (p->stage != NS_STAGE_TX_START && p->stage != NS_STAGE_RX_ENQUEUE &&
	     p->stage != NS_STAGE_TX_DONE && p->stage != NS_STAGE_DRV_DONE &&
	     p->stage != NS_STAGE_DRV_XMIT))
		return 0;
	record(f->slot, p->group, NS_STAGE_TX_DONE, p->stage, now - p->ts, f->hop, false, p->segs,
	       c);
	emit(p->tag, addr, f->slot, p->group, NS_STAGE_TX_DONE, p->stage, f->hop, now, len, inum,
	     dev->ifindex);
	p->stage = NS_STAGE_TX_DONE;
	p->ts = now;
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(rx_core, struct sk_buff *skb)
{
	struct ns_xmit_frame f;

	at_stage(skb, skb->dev, NS_STAGE_RX_CORE, &f);
	return 0;
}

/* A socket of a watched namespace, counted in the running half. */
static __always_inline struct ns_sock *sock_stats(const struct sock *sk)
{
	__u32 inum = sk->__sk_common.skc_net.net->ns.inum, idx, idx1;
	struct ns_sock *a, *b, *s;
	struct ns_cpu *c;
	__u16 proto;
	__u64 addr;

	if (!netns_watched(inum))
		return NULL;
	/* TCP and UDP only: the tool's own netlink sockets live in these namespaces too. */
	proto = sk->sk_protocol;
	if (proto != 6 && proto != 17)
		return NULL;
	c = this_cpu();
	if (!c)
		return NULL;
	addr = ptr_value(c, sk);
	idx = half() * NS_SOCK_SLOTS + ((ns_key_hash(addr >> 6) & (NS_SOCK_SLOTS - 1)) & ~1U);
	idx1 = idx + 1;
	a = bpf_map_lookup_elem(&socks, &idx);
	b = bpf_map_lookup_elem(&socks, &idx1);
	if (!a || !b)
		return NULL;
	if (a->sk == addr)
		return a;
	if (b->sk == addr)
		return b;
	s = !a->sk ? a : !b->sk ? b : NULL;
	if (!s) {
		count(NS_CNT_SOCK_FULL);
		return NULL;
	}
	s->sk = addr;
	s->netns = inum;
	s->protocol = proto;
	s->port = sk->__sk_common.skc_num;
	return s;
}

/*
 * Data was queued to a socket. In the NET_RX softirq that is the packet the
 * receive core is working on: the end of its receive processing.
 */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(sock_enqueue, const struct sock *sk)
{
	struct ns_sock *s = sock_stats(sk);
	struct ns_cpu *c = this_cpu();
	struct ns_pkt *p;
	__u64 now;
	__u32 cpu;

	if (s)
		s->data_ready++;
	if (!c || !c->softirq_entry[1] || !c->rx_skb)
		return 0;
	p = pkt_find(c->rx_skb);
	cpu = bpf_get_smp_processor_id();
	/* After rx_core, or after a macvlan's or ipvlan's rx_handler handed it up. */
	if (p && p->skb == c->rx_skb && p->cpu == cpu &&
	    (p->stage == NS_STAGE_RX_CORE || p->stage == NS_STAGE_RX_HANDLER)) {
		now = bpf_ktime_get_ns();
		record(p->slot, p->group, NS_STAGE_SOCK_ENQUEUE, p->stage, now - p->ts, p->hop,
		       false, p->segs, c);
		emit(p->tag, c->rx_skb, p->slot, p->group, NS_STAGE_SOCK_ENQUEUE, p->stage, p->hop,
		     now, 0, p->netns, 0);
		p->stage = NS_STAGE_SOCK_ENQUEUE;
		p->ts = now;
	}
	c->rx_skb = 0;
	return 0;
}

/* The application copies a packet we follow (TCP; most UDP datagrams skip this tracepoint). */
SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(deliver, const struct sk_buff *skb, int len)
{
	__u32 tag = content_tag(skb), cpu;
	struct ns_cpu *c;
	__u64 addr, now;
	struct ns_pkt *p;

	c = this_cpu();
	if (!c || !sampled(tag))
		return 0;
	addr = ptr_value(c, skb);
	p = pkt_find(addr);
	now = bpf_ktime_get_ns();
	/* No device here (UDP reuses skb->dev as scratch): only packets we follow count. */
	if (!p || !live(p, addr, tag, now) || terminal(p->stage) || p->stage == NS_PKT_IGNORED)
		return 0;
	cpu = bpf_get_smp_processor_id();
	record(p->slot, p->group, NS_STAGE_DELIVER, p->stage, now - p->ts, p->hop, cpu != p->cpu,
	       p->segs, NULL);
	emit(tag, addr, p->slot, p->group, NS_STAGE_DELIVER, p->stage, p->hop, now, skb->len,
	     p->netns, 0);
	p->ts = now;
	p->stage = NS_STAGE_DELIVER;
	p->cpu = cpu;
	return 0;
}

/* UDP deliveries, per socket: recvmsg returned data. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	struct ns_sock *s;

	if (ret <= 0)
		return 0;
	s = sock_stats(sk);
	if (!s)
		return 0;
	s->delivered++;
	s->bytes += ret;
	return 0;
}

SEC("tp_btf/sock_rcvqueue_full")
int BPF_PROG(sock_rcvqueue_full, struct sock *sk, struct sk_buff *skb)
{
	struct ns_sock *s = sock_stats(sk);

	if (s)
		s->rcvq_full++;
	return 0;
}

/* Its arguments are (rc, sk) before 6.10 and (rc, sk, skb) since: read only the first two. */
SEC("tp_btf/udp_fail_queue_rcv_skb")
int BPF_PROG(udp_queue_fail, int rc, struct sock *sk)
{
	struct ns_sock *s = sock_stats(sk);

	if (s)
		s->queue_fail++;
	return 0;
}

static __always_inline void on_drop(const struct sk_buff *skb, __u32 reason)
{
	__u32 tag = content_tag(skb);
	struct ns_cpu *cpu = this_cpu();
	__u64 addr, now = bpf_ktime_get_ns();
	struct ns_drop_key key = {};
	__u64 one = 1, *c;
	struct ns_pkt *p;

	if (!cpu)
		return;
	addr = ptr_value(cpu, skb);
	p = pkt_find(addr);
	if (!p || !live(p, addr, tag, now) || terminal(p->stage) || p->stage == NS_PKT_IGNORED)
		return;
	key.reason = reason;
	key.slot = p->slot;
	key.group = p->group;
	key.stage = p->stage;
	key.half = half();
	c = bpf_map_lookup_elem(&drops, &key);
	if (c)
		(*c)++;
	else
		bpf_map_update_elem(&drops, &key, &one, BPF_NOEXIST);
	record(p->slot, p->group, NS_STAGE_DROP, p->stage, now - p->ts, p->hop, false, p->segs,
	       NULL);
	emit(tag, addr, p->slot, p->group, NS_STAGE_DROP, p->stage, p->hop, now, skb->len, p->netns,
	     0);
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

static __always_inline int net_softirq(unsigned int vec)
{
	if (vec == NS_NET_TX_SOFTIRQ)
		return 0;
	if (vec == NS_NET_RX_SOFTIRQ)
		return 1;
	return -1;
}

/*
 * Softirq runs are counted; timed all (or 1 in N when sampling: a clock read
 * costs as much as the rest of a program). A run a followed packet raised
 * also gives the delay from that raise to the run.
 */
SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	int i = net_softirq(vec);
	struct ns_softirq *s;
	struct ns_cpu *c;
	__u64 now, d;

	if (i < 0)
		return 0;
	c = this_cpu();
	if (!c)
		return 0;
	if (sample_every > 1 && (c->softirq_runs[i & 1]++ & (sample_every_pow2 - 1))) {
		c->softirq_entry[i & 1] = 1; /* running, not timed */
		c->raised[i & 1] = 0;
		return 0;
	}
	now = bpf_ktime_get_ns();
	c->softirq_entry[i & 1] = now;
	if (!c->raised[i & 1])
		return 0;
	d = now - c->raised[i & 1];
	c->raised[i & 1] = 0;
	s = softirq_stats();
	if (!s)
		return 0;
	s->raise_delay_ns[i & 1] += d;
	s->raise_delay_log2[i & 1][ns_log2l(d) & (NS_LOG2_SLOTS - 1)]++;
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec)
{
	int i = net_softirq(vec);
	struct ns_softirq *s;
	struct ns_cpu *c;
	__u64 entry;

	if (i < 0)
		return 0;
	c = this_cpu();
	if (!c || !c->softirq_entry[i & 1])
		return 0;
	entry = c->softirq_entry[i & 1];
	s = softirq_stats();
	if (s) {
		s->count[i & 1]++;
		if (entry > 1) {
			s->time_ns[i & 1] += bpf_ktime_get_ns() - entry;
			s->timed[i & 1]++;
		}
	}
	c->softirq_entry[i & 1] = 0;
	if (i == 1)
		c->rx_skb = 0;
	return 0;
}

SEC("tp_btf/napi_poll")
int BPF_PROG(napi_poll, struct napi_struct *napi, int work, int budget)
{
	struct ns_softirq *s = softirq_stats();

	if (!s)
		return 0;
	s->napi_polls++;
	s->napi_work += work;
	if (work >= budget)
		s->napi_budget_hits++;
	return 0;
}

/* ---- Module-level probes: fentry/fexit, where the kernel allows them ---- */

/* The driver's own transmit function: entered... */
static __always_inline void drv_xmit(const struct sk_buff *skb, const struct net_device *dev)
{
	struct ns_xmit_frame f;

	at_stage(skb, dev, NS_STAGE_DRV_XMIT, &f);
}

/* ...and returned. Like tx_done: the skb may be gone, its address is all we use. */
static __always_inline void drv_done(const struct sk_buff *skb)
{
	struct ns_cpu *c = this_cpu();
	struct ns_xmit_frame *f;
	struct ns_pkt *p;
	__u64 addr, now;

	if (!c || c->depth == 0)
		return;
	addr = ptr_value(c, skb);
	f = &c->frames[(c->depth - 1) & (NS_XMIT_DEPTH - 1)];
	p = pkt_find(addr);
	/* After the forward, or after a transmit nested in it (a bridge's own xmit to a port). */
	if (f->skb != addr || !p || p->cpu != bpf_get_smp_processor_id() ||
	    (p->stage != NS_STAGE_DRV_XMIT && p->stage != NS_STAGE_RX_ENQUEUE &&
	     p->stage != NS_STAGE_TX_DONE && p->stage != NS_STAGE_DRV_DONE))
		return;
	now = bpf_ktime_get_ns();
	record(f->slot, p->group, NS_STAGE_DRV_DONE, p->stage, now - p->ts, f->hop, false, p->segs,
	       c);
	emit(p->tag, addr, f->slot, p->group, NS_STAGE_DRV_DONE, p->stage, f->hop, now, 0, p->netns,
	     0);
	p->stage = NS_STAGE_DRV_DONE;
	p->ts = now;
}

SEC("fentry/veth_xmit")
int BPF_PROG(veth_xmit_in, struct sk_buff *skb, struct net_device *dev)
{
	drv_xmit(skb, dev);
	return 0;
}

SEC("fexit/veth_xmit")
int BPF_PROG(veth_xmit_out, struct sk_buff *skb, struct net_device *dev, int ret)
{
	drv_done(skb);
	return 0;
}

SEC("fentry/macvlan_start_xmit")
int BPF_PROG(macvlan_xmit_in, struct sk_buff *skb, struct net_device *dev)
{
	drv_xmit(skb, dev);
	return 0;
}

SEC("fexit/macvlan_start_xmit")
int BPF_PROG(macvlan_xmit_out, struct sk_buff *skb, struct net_device *dev, int ret)
{
	drv_done(skb);
	return 0;
}

SEC("fentry/ipvlan_start_xmit")
int BPF_PROG(ipvlan_xmit_in, struct sk_buff *skb, struct net_device *dev)
{
	drv_xmit(skb, dev);
	return 0;
}

SEC("fexit/ipvlan_start_xmit")
int BPF_PROG(ipvlan_xmit_out, struct sk_buff *skb, struct net_device *dev, int ret)
{
	drv_done(skb);
	return 0;
}

SEC("fentry/br_dev_xmit")
int BPF_PROG(br_xmit_in, struct sk_buff *skb, struct net_device *dev)
{
	drv_xmit(skb, dev);
	return 0;
}

SEC("fexit/br_dev_xmit")
int BPF_PROG(br_xmit_out, struct sk_buff *skb, struct net_device *dev, int ret)
{
	drv_done(skb);
	return 0;
}

/*
 * An rx_handler's skb comes as struct sk_buff **, an argument 6.1's verifier
 * will not let a program load from its context ("not a struct"): copy the
 * argument with a helper, then the skb pointer it points to, then go by address.
 */
static __always_inline void rx_handler(unsigned long long *ctx)
{
	struct ns_xmit_frame f;
	struct pkt_view v;
	__u64 pskb = 0, addr = 0;

	struct ns_cpu *c = this_cpu();

	bpf_probe_read_kernel(&pskb, sizeof(pskb), &ctx[0]);
	if (pskb)
		bpf_probe_read_kernel(&addr, sizeof(addr), (void *)pskb);
	if (c && addr && view_of_addr(addr, &v))
		on_stage(c, NULL, &v, NS_STAGE_RX_HANDLER, &f);
}

/* The bridge takes a frame on a port. */
SEC("fentry/br_handle_frame")
int br_rx(unsigned long long *ctx)
{
	rx_handler(ctx);
	return 0;
}

/*
 * macvlan and ipvlan: after their handler ran, skb->dev is the upper device
 * the packet is handed to (no tracepoint shows that device otherwise).
 */
SEC("fexit/macvlan_handle_frame")
int macvlan_rx(unsigned long long *ctx)
{
	rx_handler(ctx);
	return 0;
}

SEC("fexit/ipvlan_handle_frame")
int ipvlan_rx(unsigned long long *ctx)
{
	rx_handler(ctx);
	return 0;
}

SEC("fentry/br_forward")
int BPF_PROG(br_fwd, const struct net_bridge_port *to, struct sk_buff *skb, bool local_rcv,
	     bool local_orig)
{
	struct ns_xmit_frame f;

	at_stage(skb, skb->dev, NS_STAGE_BR_FORWARD, &f);
	return 0;
}

/* veth's own NAPI poll (veth with GRO or XDP on): its time, per CPU. */
SEC("fentry/veth_poll")
int BPF_PROG(veth_poll_in, struct napi_struct *napi, int budget)
{
	struct ns_cpu *c = this_cpu();

	if (c)
		c->drv_poll_entry = bpf_ktime_get_ns();
	return 0;
}

SEC("fexit/veth_poll")
int BPF_PROG(veth_poll_out, struct napi_struct *napi, int budget, int ret)
{
	struct ns_cpu *c = this_cpu();
	struct ns_softirq *s = softirq_stats();

	if (!c || !c->drv_poll_entry)
		return 0;
	if (s) {
		s->drv_poll_ns += bpf_ktime_get_ns() - c->drv_poll_entry;
		s->drv_polls++;
	}
	c->drv_poll_entry = 0;
	return 0;
}

/* ---- Netfilter hooks: BPF programs the kernel runs among its own (6.4+) ---- */

#define NS_NF_ACCEPT 1

/*
 * The loader links nf_pre first in prerouting, nf_post first in postrouting
 * (before conntrack, defragmentation and NAT), and nf_nat right after the NAT
 * hook of each, in the namespaces that translate addresses. The intervals
 * between them are conntrack plus NAT; skb->dev is the device the packet
 * came in by (prerouting) or leaves by (postrouting).
 */
static __always_inline int nf_stage(struct bpf_nf_ctx *ctx, __u8 stage)
{
	const struct sk_buff *skb = ctx->skb;
	struct ns_xmit_frame f;

	if (skb)
		at_stage(skb, skb->dev, stage, &f);
	return NS_NF_ACCEPT;
}

SEC("netfilter")
int nf_pre(struct bpf_nf_ctx *ctx)
{
	return nf_stage(ctx, NS_STAGE_NF_PRE);
}

SEC("netfilter")
int nf_nat(struct bpf_nf_ctx *ctx)
{
	return nf_stage(ctx, NS_STAGE_NAT);
}

SEC("netfilter")
int nf_post(struct bpf_nf_ctx *ctx)
{
	return nf_stage(ctx, NS_STAGE_NF_POST);
}
