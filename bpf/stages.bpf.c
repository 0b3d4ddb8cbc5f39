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
#include "maps.bpf.h"
#include "cpu.bpf.h"
#include "devices.bpf.h"
#include "tag.bpf.h"
#include "pkt_state.bpf.h"
#include "record.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* What a stage needs to know of a packet and its device. */
struct pkt_view {
	const struct sk_buff *skb; /* NULL for views read by address: they never start a packet */
	__u64 addr;		   /* the skb's address */
	__u32 tag;		   /* 0 until read: only stages where a packet may start need it */
	__u32 inum;		   /* the device's namespace */
	__u32 ifindex;
	__u32 info;	  /* the device's entry in the table */
	bool from_socket; /* a local socket's packet at tx_queue */
};

/* Where a packet may enter from outside (or come back on a reused address): check its tag. */
static __always_inline bool tag_stage(__u8 stage)
{
	return stage == NS_STAGE_TX_QUEUE || stage == NS_STAGE_RX_CORE;
}

/* From an skb the program may read (tracepoints, fentry), on a watched device: plain loads. */
static __always_inline void view_of(struct pkt_view *v, const struct sk_buff *skb, __u64 addr,
				    __u32 tag, const struct net_device *dev, __u8 stage)
{
	v->skb = skb;
	v->addr = addr;
	v->ifindex = dev->ifindex;
	v->tag = tag;
	v->from_socket = stage == NS_STAGE_TX_QUEUE && skb->sk;
}

/*
 * From an skb known only by its address (a handler's struct sk_buff **, which
 * 6.1 gives as a number): every field with a helper. Only module probes,
 * where fentry runs, take this path; they go on with a packet, never start one.
 */
static __always_inline bool view_of_addr(__u64 addr, struct pkt_view *v)
{
	const struct sk_buff *skb = (const void *)addr;
	const struct net_device *dev = BPF_CORE_READ(skb, dev);

	if (!dev)
		return false;
	v->inum = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	v->ifindex = BPF_CORE_READ(dev, ifindex);
	if (!key_watched(v->inum, v->ifindex, &v->info))
		return false;
	v->skb = NULL;
	v->addr = addr;
	v->tag = 0;
	v->from_socket = false;
	return true;
}

/* The path a packet starting on this slot takes: the client's (0) or the server's (1). */
static __always_inline __u8 group_of(const struct sk_buff *skb, __u16 slot)
{
	__u8 g = cfg.slot_group[slot & (NS_MAX_SLOTS - 1)], last = 0;
	const unsigned char *nh;

	if (g != NS_GROUP_BY_SOURCE)
		return g;
	/* The source address's last byte. */
	nh = skb->head + skb->network_header;
	if (skb->protocol == bpf_htons(NS_ETH_P_IP))
		read_bytes(&last, 1, nh + NS_IPV4_SADDR_LAST);
	else
		read_bytes(&last, 1, nh + NS_IPV6_SADDR_LAST);
	return last == NS_SERVER_ADDR_BYTE;
}

/*
 * A packet's first stage seen: a local socket queued it, or it comes from
 * where nothing watched it (or its state was lost). The sampling decides
 * here, once: a packet left out is marked so in its slot (no clock read, no
 * statistics), and its later stages find the mark by its address alone.
 */
static __always_inline bool start(struct ns_cpu *c, struct ns_pkt *p, __u32 at, struct pkt_view *v,
				  __u16 slot, __u8 stage, __u32 cpu)
{
	const struct sk_buff *skb = v->skb;
	struct interval iv = {};
	bool closed;
	__u64 now;

	if (!skb)
		return false;
	/*
	 * Time sampling starts a packet only where one may enter (tx_queue,
	 * rx_core): one first seen inside a hop was in flight when its window
	 * opened, and would not add up in it.
	 */
	closed = cfg.windowed && (!*(volatile __u32 *)&window_open || !tag_stage(stage));
	if (!v->tag)
		v->tag = content_tag(skb);
	/*
	 * Left out: by the sampling, a filter, or a closed time-sampling window. The
	 * mark also ends what its slot held of an earlier packet at this address,
	 * which a later stage found by address alone would otherwise go on with.
	 */
	if (closed || !sampled(v->tag) ||
	    ((cfg.filter_proto || cfg.filter_port) && !flow_matches(skb))) {
		if (!p)
			p = pkt_victim(v->addr, 0, &at);
		if (p) {
			p->skb = v->addr;
			p->tag = v->tag;
			p->stage = NS_PKT_IGNORED;
			memo_left_out(c, at);
		}
		if (closed)
			return false;
		if (sampled(v->tag))
			count(c, NS_CNT_IGNORED);
		else
			count(c, NS_CNT_SAMPLED_OUT);
		return false;
	}
	now = bpf_ktime_get_ns();
	if (!p)
		p = pkt_victim(v->addr, now, &at);
	if (!p)
		return false;
	if (p->skb && p->stage != NS_PKT_IGNORED && !terminal(p->stage)) {
		/*
		 * Lost in transit. A packet already queued to its socket only loses
		 * its deliver stage, which UDP datagrams never reach anyway; one
		 * parked at its last receive loses nothing.
		 */
		if (p->skb != v->addr && now - p->ts <= cfg.max_age_ns &&
		    p->stage != NS_STAGE_SOCK_ENQUEUE && !parked(p, now))
			count(c, NS_CNT_EVICTED);
		else if (p->skb == v->addr && p->tag == v->tag)
			count(c, NS_CNT_EXPIRED);
	}
	p->skb = v->addr;
	p->tag = v->tag;
	p->ts = now;
	p->probe_mark = (__u32)c->probe_ns;
	p->slot = slot;
	p->group = cfg.n_groups > 1 ? group_of(skb, slot) : 0;
	p->hop = 0;
	p->cpu = cpu;
	p->netns = v->inum;
	p->stage = stage;
	p->segs = wire_segs(skb);
	if (v->from_socket)
		count(c, NS_CNT_STARTED);
	else
		count(c, NS_CNT_MIDWAY);
	iv.slot = slot;
	iv.group = p->group;
	iv.to = stage;
	iv.from = NS_STAGE_NONE;
	iv.segs = p->segs;
	record(c, &iv);
	emit(c, &iv,
	     &(struct event_src){.addr = v->addr,
				 .tag = v->tag,
				 .len = skb->len,
				 .inum = v->inum,
				 .ifindex = v->ifindex},
	     now);
	return true;
}

/* Does the slot follow this very packet? Without a tag (a stage inside a hop), by address. */
static __always_inline bool same_packet(const struct ns_pkt *p, const struct pkt_view *v)
{
	return p->skb == v->addr && (!v->tag || p->tag == v->tag);
}

/*
 * A stage of a packet on a device. Returns true when the packet is followed,
 * with the device slot and hop in *frame.
 */
static __always_inline bool on_stage(struct ns_cpu *c, struct pkt_view *v, __u8 stage,
				     struct ns_xmit_frame *frame)
{
	struct event_src src = {};
	struct interval iv = {};
	struct ns_pkt *p;
	__u32 cpu, at = 0;
	__u64 now;
	__u16 slot;
	__u8 hop, from;

	slot = NS_DEV_INFO_SLOT(v->info);
	cpu = bpf_get_smp_processor_id();
	p = pkt_find_at(v->addr, &at);
	/* Left out at its first stage: nothing more to do, not even a clock read. */
	if (p && p->stage == NS_PKT_IGNORED && same_packet(p, v)) {
		memo_left_out(c, at);
		return false;
	}
	/*
	 * A stage inside a hop (no tag read) goes on with the state its address
	 * finds when that state is the step just before on this CPU (an interval
	 * of CPU time, ns_edge_is_cpu). Anything else may be an earlier packet's
	 * state, parked at a reused address: its content decides.
	 */
	if (p && !v->tag && v->skb && p->stage != NS_PKT_IGNORED &&
	    !(p->cpu == cpu && ns_edge_is_cpu(stage, p->stage)))
		v->tag = content_tag(v->skb);
	/* The light set keeps only a packet's first queueing. */
	if (cfg.stage_set == NS_SET_HOPS && stage == NS_STAGE_TX_QUEUE && p && same_packet(p, v) &&
	    !terminal(p->stage) && !resent(p, stage, v->inum))
		return false;
	now = bpf_ktime_get_ns();
	frame->skb = v->addr;
	frame->ts = now;
	frame->probe_mark = (__u32)c->probe_ns;
	frame->slot = slot;
	frame->hop = 0;

	/*
	 * No live state of this packet: it starts here, from a local socket or
	 * (state lost, traffic from outside) midway. A reused skb address
	 * carries another tag, so it starts afresh even when its last free
	 * fired no tracepoint. A bridge's or stacked device's further transmit
	 * of the same packet finds its state and goes on.
	 */
	if (!p || !same_packet(p, v) || now - p->ts > cfg.max_age_ns || terminal(p->stage) ||
	    resent(p, stage, v->inum)) {
		return start(c, p, at, v, slot, stage, cpu);
	}

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
	iv.slot = slot;
	iv.group = p->group;
	iv.hop = hop;
	iv.segs = p->segs;
	src.addr = v->addr;
	src.tag = p->tag;
	src.inum = v->inum;
	src.ifindex = v->ifindex;
	if (stage == NS_STAGE_RX_CORE) {
		/*
		 * The packet waited for a NET_RX softirq that began after it was
		 * queued (an untimed run, when sampling, cannot say).
		 */
		if (c->softirq_entry[1] > p->ts) {
			iv.to = NS_STAGE_RX_SOFTIRQ;
			iv.from = from;
			iv.delta = c->softirq_entry[1] - p->ts;
			iv.corr = cpu == p->cpu ? c->softirq_mark[1] - p->probe_mark : 0;
			record(c, &iv);
			emit(c, &iv, &src, c->softirq_entry[1]);
			from = NS_STAGE_RX_SOFTIRQ;
			p->ts = c->softirq_entry[1];
			if (cpu == p->cpu)
				p->probe_mark = c->softirq_mark[1];
		}
		c->rx_skb = v->addr;
	}
	iv.to = stage;
	iv.from = from;
	iv.delta = now - p->ts;
	iv.cross_cpu = cpu != p->cpu;
	iv.corr = probe_since(c, p->probe_mark, !iv.cross_cpu);
	record(c, &iv);
	emit(c, &iv, &src, now);
	advance(p, c, stage, now);
	p->slot = slot;
	p->hop = hop;
	p->cpu = cpu;
	p->netns = v->inum;
	frame->hop = hop;
	return true;
}

/*
 * A stage of a packet the program may read. A packet this CPU saw left out
 * ends here, before its device is looked up: by its address, and where a
 * new packet may come at a reused one (tx_queue, rx_core), by its tag too.
 * The tag is read in one place, the device looked up at most once.
 */
static __always_inline bool at_stage(struct ns_cpu *c, const struct sk_buff *skb,
				     const struct net_device *dev, __u8 stage,
				     struct ns_xmit_frame *frame)
{
	const struct ns_pkt *out;
	struct pkt_view v;
	__u32 tag = 0;
	__u64 addr;

	if (!c)
		return false;
	addr = ptr_value(c, skb);
	out = left_out_at(c, addr);
	if (out && !tag_stage(stage))
		return false;
	/* No memo here: the device first, so that no unwatched packet's tag is read. */
	if (!out && !dev_watched(dev, &v.info, &v.inum))
		return false;
	if (tag_stage(stage)) {
		tag = content_tag(skb);
		if (out && out->tag == tag)
			return false;
	}
	/* A memo of another packet at this address: the device now. */
	if (out && !dev_watched(dev, &v.info, &v.inum))
		return false;
	view_of(&v, skb, addr, tag, dev, stage);
	return on_stage(c, &v, stage, frame);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(tx_queue, struct sk_buff *skb)
{
	struct ns_xmit_frame f;

	at_stage(enter(NS_PROG_TX_QUEUE), skb, skb->dev, NS_STAGE_TX_QUEUE, &f);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(tx_start, const struct sk_buff *skb, const struct net_device *dev)
{
	struct ns_cpu *c = enter(NS_PROG_TX_START);
	struct ns_xmit_frame f;

	if (!at_stage(c, skb, dev, NS_STAGE_TX_START, &f) || c->depth >= NS_XMIT_DEPTH)
		return 0;
	c->frames[c->depth & (NS_XMIT_DEPTH - 1)] = f;
	c->depth++;
	return 0;
}

SEC("tp_btf/netif_rx")
int BPF_PROG(rx_enqueue, struct sk_buff *skb)
{
	struct ns_xmit_frame f;

	at_stage(enter(NS_PROG_RX_ENQUEUE), skb, skb->dev, NS_STAGE_RX_ENQUEUE, &f);
	return 0;
}

/*
 * A driver's transmit returned (the tracepoint, or fexit of its function):
 * the span from its start, and the packet's chain on from the forward
 * inside it when nothing received it meanwhile (another CPU, or a reuse).
 * The skb may be freed already: its address is all we use.
 */
static __always_inline void xmit_returned(struct ns_cpu *c, __u64 addr,
					  const struct ns_xmit_frame *f, __u8 stage, bool span,
					  __u32 len, __u32 inum, __u32 ifindex)
{
	struct interval iv = {};
	struct ns_khist *h;
	struct ns_pkt *p;
	__u64 now;

	p = pkt_find(addr);
	if (!span && (!p || p->stage == NS_PKT_IGNORED))
		return;
	now = bpf_ktime_get_ns();
	if (span) {
		__u32 idx = (__u32)f->slot * NS_SPAN_COUNT + NS_SPAN_XMIT;

		h = bpf_map_lookup_elem(&spans, &idx);
		if (h) {
			__u64 d = now - f->ts, corr = probe_since(c, f->probe_mark, true);

			corr = corr < d ? corr : d;
			ns_khist_add(h, d - corr, 1, f->hop, false);
			h->probe_ns += corr;
		}
	}
	/* After the forward, or after a transmit nested in it (a bridge's own xmit to a port). */
	if (!p || p->cpu != bpf_get_smp_processor_id() ||
	    (p->stage != NS_STAGE_TX_START && p->stage != NS_STAGE_RX_ENQUEUE &&
	     p->stage != NS_STAGE_TX_DONE && p->stage != NS_STAGE_DRV_DONE &&
	     p->stage != NS_STAGE_DRV_XMIT))
		return;
	if (stage == NS_STAGE_DRV_DONE && p->stage == NS_STAGE_TX_START)
		return;
	interval_of(&iv, c, p, stage, now, true);
	iv.slot = f->slot; /* the device whose transmit returned */
	iv.hop = f->hop;
	record(c, &iv);
	emit(c, &iv,
	     &(struct event_src){
		 .addr = addr, .tag = p->tag, .len = len, .inum = inum, .ifindex = ifindex},
	     now);
	advance(p, c, stage, now);
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(tx_done, struct sk_buff *skb, int rc, struct net_device *dev, unsigned int len)
{
	struct ns_xmit_frame *f;
	struct ns_cpu *c;
	__u32 info, inum;
	__u64 addr;

	c = enter(NS_PROG_TX_DONE);
	/* No transmit in progress (a packet left out pushed none): no device lookup. */
	if (!c || c->depth == 0 || !dev_watched(dev, &info, &inum))
		return 0;
	addr = ptr_value(c, skb);
	f = &c->frames[(c->depth - 1) & (NS_XMIT_DEPTH - 1)];
	c->depth--;
	if (f->skb != addr) {
		/* A start we did not follow, or a frame left by an aborted transmit. */
		count(c, NS_CNT_XMIT_UNMATCHED);
		return 0;
	}
	xmit_returned(c, addr, f, NS_STAGE_TX_DONE, true, len, inum, dev->ifindex);
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(rx_core, struct sk_buff *skb)
{
	struct ns_xmit_frame f;

	at_stage(enter(NS_PROG_RX_CORE), skb, skb->dev, NS_STAGE_RX_CORE, &f);
	return 0;
}

/* A socket of a watched namespace: its cumulative counts. */
static __always_inline struct ns_sock *sock_stats(struct ns_cpu *c, const struct sock *sk)
{
	__u32 inum = sk->__sk_common.skc_net.net->ns.inum;
	struct ns_sock *a, *b, *s;
	__u16 proto;
	__u64 addr;

	if (!netns_watched(inum))
		return NULL;
	/* TCP and UDP only: the tool's own netlink sockets live in these namespaces too. */
	proto = sk->sk_protocol;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return NULL;
	addr = ptr_value(c, sk);
	/* Sockets are 64-byte aligned objects: drop the low bits. */
	if (!set_pair(&socks, (ns_key_hash(addr >> 6) & cfg.sock_mask) & ~1U, &a, &b))
		return NULL;
	if (a->sk == addr)
		return a;
	if (b->sk == addr)
		return b;
	s = !a->sk ? a : !b->sk ? b : NULL;
	if (!s) {
		count(c, NS_CNT_SOCK_FULL);
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
/* Datagrams a UDP socket holds: its receive queue and the reader's queue it splices into. */
static __always_inline __u32 udp_queued(const struct sock *sk)
{
	const struct udp_sock *up = (const void *)sk;

	return sk->sk_receive_queue.qlen + BPF_CORE_READ(up, reader_queue.qlen);
}

/*
 * A UDP socket's FIFO: its place in the fifos table, the owner told by
 * address and cookie. With take (the pusher), a socket without one takes a
 * free place or one left idle (fifo_free: nothing frees a closed socket's). It goes on
 * numbering where the last owner stopped, so that no old entry matches.
 */
/*
 * May a socket that found this place taken have it? When it is free, or its
 * tail has not moved for cfg.fifo_idle jiffies. Pushes leave no time behind
 * (a clock read each would cost every datagram): the first socket to find
 * the place taken notes the tail and the time, and a later one compares.
 */
static __always_inline bool fifo_free(struct ns_fifo *f, __u64 now)
{
	__u32 tail = f->tail;

	if (!f->sk)
		return true;
	if (f->seen_tail != tail || !f->seen_at) {
		f->seen_tail = tail;
		f->seen_at = now;
		return false;
	}
	return now - f->seen_at > cfg.fifo_idle;
}

static __always_inline struct ns_fifo *fifo_of(struct ns_cpu *c, const struct sock *sk, bool take)
{
	__u64 addr = ptr_value(c, sk), cookie, now;
	struct ns_fifo *a, *b, *f;
	__u32 base;

	if (!set_pair(&fifos, (ns_key_hash(addr >> 6) & cfg.fifo_mask) & ~1U, &a, &b))
		return NULL;
	/* The kernel's own copy, a plain load; the helper makes one on first use. */
	cookie = sk->__sk_common.skc_cookie.counter;
	if (!cookie)
		cookie = bpf_get_socket_cookie((struct sock *)sk);
	if (a->sk == addr && a->cookie == cookie)
		return a;
	if (b->sk == addr && b->cookie == cookie)
		return b;
	if (!take)
		return NULL;
	now = bpf_jiffies64();
	f = fifo_free(a, now) ? a : fifo_free(b, now) ? b : NULL;
	if (!f)
		return NULL;
	f->sk = 0; /* no reader takes it while it changes hands */
	asm volatile("" ::: "memory");
	base = f->tail;
	f->head = base;
	f->tail_seen = base;
	f->seen_at = 0;
	f->cookie = cookie;
	asm volatile("" ::: "memory");
	f->sk = addr;
	return f;
}

/*
 * A UDP datagram queued to a watched socket (s, from sock_stats): its entry
 * in the socket's FIFO, with its time and place when followed (p).
 */
static __always_inline void fifo_push(struct ns_cpu *c, const struct ns_sock *s,
				      const struct sock *sk, const struct ns_pkt *p, __u64 now)
{
	struct ns_fifo_entry *e;
	struct ns_fifo *f;
	__u32 seq;

	if (!s || s->protocol != IPPROTO_UDP)
		return;
	f = fifo_of(c, sk, true);
	if (!f) {
		if (p)
			count(c, NS_CNT_FIFO_LOST);
		return;
	}
	seq = __sync_fetch_and_add(&f->tail, 1);
	/* Reads while detached (time sampling) took entries' datagrams: drop those entries. */
	if (cfg.windowed) {
		__u32 queued = udp_queued(sk);

		if (seq + 1 - f->head > queued)
			f->head = seq + 1 - queued;
	}
	/*
	 * A datagram not followed takes its place and nothing else: its entry is
	 * left as it was, so that no cache line crosses to the reader for it.
	 */
	if (!p)
		return;
	e = &f->e[seq & (NS_FIFO_LEN - 1)];
	e->ts = now;
	e->slot = p->slot;
	e->group = p->group;
	e->hop = p->hop;
	e->cpu_lo = p->cpu;
	/* The reader trusts the fields once it sees the sequence number: it is stored last. */
	asm volatile("" ::: "memory");
	e->seq = seq + 1;
}

static __always_inline void data_ready(const struct sock *sk, bool in_softirq)
{
	struct ns_cpu *c = enter(NS_PROG_SOCK_ENQUEUE);
	struct interval iv = {};
	struct ns_pkt *p = NULL;
	struct ns_sock *s;
	__u64 now = 0;

	if (!c)
		return;
	s = sock_stats(c, sk);
	if (s)
		s->data_ready++;
	if (c->rx_skb && (in_softirq ? serving_softirq() : c->softirq_entry[1] != 0)) {
		p = pkt_find(c->rx_skb);
		/* After rx_core, or after a macvlan's or ipvlan's rx_handler handed it up. */
		if (p && (p->cpu != bpf_get_smp_processor_id() ||
			  (p->stage != NS_STAGE_RX_CORE && p->stage != NS_STAGE_RX_HANDLER)))
			p = NULL;
		if (p) {
			now = bpf_ktime_get_ns();
			interval_of(&iv, c, p, NS_STAGE_SOCK_ENQUEUE, now, true);
			record(c, &iv);
			emit(
			    c, &iv,
			    &(struct event_src){.addr = c->rx_skb, .tag = p->tag, .inum = p->netns},
			    now);
			advance(p, c, NS_STAGE_SOCK_ENQUEUE, now);
		}
		c->rx_skb = 0;
	}
	fifo_push(c, s, sk, p, now);
}

/* Inside the receive softirq as the softirq hooks mark it. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(sock_enqueue, const struct sock *sk)
{
	data_ready(sk, false);
	return 0;
}

/*
 * The same, told from the preempt count: the light set needs no softirq
 * hook then. The loader picks it where the kernel can resolve the count's
 * address (CONFIG_KALLSYMS_ALL, as distribution kernels have).
 */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(sock_enqueue_pc, const struct sock *sk)
{
	data_ready(sk, true);
	return 0;
}

/* The last stage of a packet we follow: delivered to the application, or dropped. */
static __always_inline void finish(struct ns_cpu *c, struct ns_pkt *p, __u64 addr, __u8 stage,
				   __u64 now, __u32 cpu, __u32 len)
{
	struct interval iv;

	interval_of(&iv, c, p, stage, now, cpu == p->cpu);
	record(c, &iv);
	emit(c, &iv, &(struct event_src){.addr = addr, .tag = p->tag, .len = len, .inum = p->netns},
	     now);
	advance(p, c, stage, now);
	p->cpu = cpu;
}

/*
 * The live state of a packet by its address and content, or NULL. These
 * stages run where the application reads (or the packet is freed), mostly
 * not on the CPU that last wrote the packet's slot: reading the slot is a
 * cache line crossing over. Under 1-in-N sampling the tag comes first, and
 * a packet the sampling left out ends there; its headers are lines the
 * copy reads anyway.
 */
static __always_inline struct ns_pkt *followed(struct ns_cpu *c, const struct sk_buff *skb,
					       __u64 *addr, __u64 *now)
{
	struct ns_pkt *p;
	__u32 tag = 0;

	if (cfg.sample_every > 1) {
		tag = content_tag(skb);
		if (!sampled(tag))
			return NULL;
	}
	*addr = ptr_value(c, skb);
	p = pkt_find(*addr);
	if (!p || p->stage == NS_PKT_IGNORED || terminal(p->stage))
		return NULL;
	if (!tag)
		tag = content_tag(skb);
	if (p->tag != tag)
		return NULL;
	*now = bpf_ktime_get_ns();
	return *now - p->ts <= cfg.max_age_ns ? p : NULL;
}

/* The application copies a packet we follow (TCP; most UDP datagrams skip this tracepoint). */
SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(deliver, const struct sk_buff *skb, int len)
{
	struct ns_cpu *c = enter(NS_PROG_DELIVER);
	struct ns_pkt *p;
	__u64 addr, now;

	/* No device here (UDP reuses skb->dev as scratch): only packets we follow count. */
	if (!c || !(p = followed(c, skb, &addr, &now)))
		return 0;
	finish(c, p, addr, NS_STAGE_DELIVER, now, bpf_get_smp_processor_id(), skb->len);
	return 0;
}

/* UDP deliveries, per socket: recvmsg returned data. */
/*
 * A UDP read took the datagram at the head of the socket's FIFO: its wait in
 * the queue, from the socket enqueue, when it was followed. A read with
 * MSG_PEEK takes nothing; an error took nothing either.
 */
#define NS_MSG_PEEK 2 /* MSG_PEEK */

static __always_inline void fifo_pop(struct ns_cpu *c, struct sock *sk, int flags)
{
	struct interval iv = {};
	struct ns_fifo_entry *e;
	struct ns_fifo *f;
	__u32 seq, cpu;
	__s32 behind;
	__u64 now;

	if (flags & NS_MSG_PEEK)
		return;
	f = fifo_of(c, sk, false);
	if (!f)
		return;
	/*
	 * Time sampling: datagrams queued while detached have no entry and are
	 * older than every entry; reads while detached took entries' datagrams.
	 * What is still queued tells which of the two this read is.
	 */
	if (cfg.windowed) {
		__u32 queued = udp_queued(sk), held = f->tail - f->head;

		if (held > queued + 1)
			f->head = f->tail - queued - 1;
		else if (held < queued + 1)
			return; /* a datagram queued while detached */
	}
	/*
	 * The entry says by its sequence number (+ 1: 0 is "never pushed") whether
	 * it is the followed datagram at the head, or one a deeper queue pushed
	 * over it. Anything older is a datagram not followed (its entry is not
	 * written), or one whose push has not run yet: the tail tells which, and
	 * is read again only when the head has caught up with its last reading
	 * (it sits on the pushing CPU's line).
	 */
	seq = f->head;
	e = &f->e[seq & (NS_FIFO_LEN - 1)];
	behind = (__s32)(e->seq - (seq + 1));
	if (behind < 0 && (__s32)(seq - f->tail_seen) >= 0) {
		f->tail_seen = *(volatile __u32 *)&f->tail;
		if ((__s32)(seq - f->tail_seen) >= 0)
			return; /* not pushed yet */
	}
	__sync_fetch_and_add(&f->head, 1);
	if (behind < 0)
		return; /* not followed */
	if (behind > 0) {
		count(c, NS_CNT_FIFO_LOST);
		return;
	}
	now = bpf_ktime_get_ns();
	cpu = bpf_get_smp_processor_id();
	/*
	 * The datagram's state is left as it is (parked at sock_enqueue, a place
	 * another packet may take): writing it here would pull its cache line
	 * over from the softirq's CPU once more.
	 */
	iv.slot = e->slot;
	iv.group = e->group;
	iv.to = NS_STAGE_DELIVER;
	iv.from = NS_STAGE_SOCK_ENQUEUE;
	iv.hop = e->hop;
	iv.segs = 1;
	iv.delta = now - e->ts;
	iv.cross_cpu = (__u8)cpu != e->cpu_lo;
	iv.corr = c->self_cost; /* the enqueue's own share is not known here */
	record(c, &iv);
}

/* UDP deliveries: recvmsg returned a datagram, per socket and (fifo_pop) per datagram. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	struct ns_cpu *c;
	struct ns_sock *s;

	c = enter(NS_PROG_SOCK_RECV);
	if (!c || ret <= 0)
		return 0;
	s = sock_stats(c, sk);
	if (!s)
		return 0;
	s->delivered++;
	s->bytes += ret;
	if (s->protocol == IPPROTO_UDP)
		fifo_pop(c, sk, flags);
	return 0;
}

SEC("tp_btf/sock_rcvqueue_full")
int BPF_PROG(sock_rcvqueue_full, struct sock *sk, struct sk_buff *skb)
{
	struct ns_cpu *c = enter(NS_PROG_OTHER);
	struct ns_sock *s = c ? sock_stats(c, sk) : NULL;

	if (s)
		s->rcvq_full++;
	return 0;
}

/* Its arguments are (rc, sk) before 6.10 and (rc, sk, skb) since: read only the first two. */
SEC("tp_btf/udp_fail_queue_rcv_skb")
int BPF_PROG(udp_queue_fail, int rc, struct sock *sk)
{
	struct ns_cpu *c = enter(NS_PROG_OTHER);
	struct ns_sock *s = c ? sock_stats(c, sk) : NULL;

	if (s)
		s->queue_fail++;
	return 0;
}

static __always_inline void on_drop(const struct sk_buff *skb, __u32 reason)
{
	struct ns_cpu *c = enter(NS_PROG_DROP);
	struct ns_drop_key key = {};
	__u64 one = 1, *n, addr, now;
	struct ns_pkt *p;

	if (!c || !(p = followed(c, skb, &addr, &now)))
		return;
	key.reason = reason;
	key.slot = p->slot;
	key.group = p->group;
	key.stage = p->stage;
	n = bpf_map_lookup_elem(&drops, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else if (bpf_map_update_elem(&drops, &key, &one, BPF_NOEXIST) &&
		 (n = bpf_map_lookup_elem(&drops, &key)))
		__sync_fetch_and_add(n, 1); /* another CPU added the key first */
	finish(c, p, addr, NS_STAGE_DROP, now, bpf_get_smp_processor_id(), skb->len);
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
 * also gives the delay from that raise to the run. The light stage set only
 * marks the run (the socket enqueue is the receive softirq's): no clock.
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
	c = enter(NS_PROG_SOFTIRQ);
	if (!c)
		return 0;
	c->softirq_mark[i & 1] = (__u32)c->probe_ns;
	if (cfg.stage_set == NS_SET_HOPS ||
	    (cfg.sample_every > 1 && (c->softirq_runs[i & 1]++ & (cfg.sample_pow2 - 1)))) {
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
	s = &c->softirq;
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
	c = enter(NS_PROG_SOFTIRQ);
	if (!c || !c->softirq_entry[i & 1])
		return 0;
	entry = c->softirq_entry[i & 1];
	s = &c->softirq;
	s->count[i & 1]++;
	if (entry > 1) {
		__u64 d = bpf_ktime_get_ns() - entry;
		__u32 probes = probe_since(c, c->softirq_mark[i & 1], true);

		s->time_ns[i & 1] += d > probes ? d - probes : 0;
		s->timed[i & 1]++;
	}
	c->softirq_entry[i & 1] = 0;
	if (i == 1)
		c->rx_skb = 0;
	return 0;
}

SEC("tp_btf/napi_poll")
int BPF_PROG(napi_poll, struct napi_struct *napi, int work, int budget)
{
	struct ns_cpu *c = enter(NS_PROG_NAPI);

	if (!c)
		return 0;
	c->softirq.napi_polls++;
	c->softirq.napi_work += work;
	if (work >= budget)
		c->softirq.napi_budget_hits++;
	return 0;
}

/* ---- Module-level probes: fentry/fexit, where the kernel allows them ---- */

/* The driver's own transmit function: entered... */
static __always_inline void drv_xmit(const struct sk_buff *skb, const struct net_device *dev)
{
	struct ns_xmit_frame f;

	at_stage(enter(NS_PROG_MODULE), skb, dev, NS_STAGE_DRV_XMIT, &f);
}

/* ...and returned. Like tx_done: the skb may be gone, its address is all we use. */
static __always_inline void drv_done(const struct sk_buff *skb)
{
	struct ns_cpu *c = enter(NS_PROG_MODULE);
	struct ns_xmit_frame *f;
	__u64 addr;

	if (!c || c->depth == 0)
		return;
	addr = ptr_value(c, skb);
	f = &c->frames[(c->depth - 1) & (NS_XMIT_DEPTH - 1)];
	if (f->skb != addr)
		return;
	xmit_returned(c, addr, f, NS_STAGE_DRV_DONE, false, 0, 0, 0);
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
	struct ns_cpu *c = enter(NS_PROG_MODULE);
	struct ns_xmit_frame f;
	struct pkt_view v;
	__u64 pskb = 0, addr = 0;

	bpf_probe_read_kernel(&pskb, sizeof(pskb), &ctx[0]);
	if (pskb)
		bpf_probe_read_kernel(&addr, sizeof(addr), (void *)pskb);
	if (c && addr && !left_out_at(c, addr) && view_of_addr(addr, &v))
		on_stage(c, &v, NS_STAGE_RX_HANDLER, &f);
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

	at_stage(enter(NS_PROG_MODULE), skb, skb->dev, NS_STAGE_BR_FORWARD, &f);
	return 0;
}

/* veth's own NAPI poll (veth with GRO or XDP on): its time, per CPU. */
SEC("fentry/veth_poll")
int BPF_PROG(veth_poll_in, struct napi_struct *napi, int budget)
{
	struct ns_cpu *c = enter(NS_PROG_MODULE);

	if (c)
		c->drv_poll_entry = bpf_ktime_get_ns();
	return 0;
}

SEC("fexit/veth_poll")
int BPF_PROG(veth_poll_out, struct napi_struct *napi, int budget, int ret)
{
	struct ns_cpu *c = enter(NS_PROG_MODULE);

	if (!c || !c->drv_poll_entry)
		return 0;
	c->softirq.drv_poll_ns += bpf_ktime_get_ns() - c->drv_poll_entry;
	c->softirq.drv_polls++;
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
		at_stage(enter(NS_PROG_NETFILTER), skb, skb->dev, stage, &f);
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
