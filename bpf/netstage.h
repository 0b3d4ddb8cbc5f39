/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one header shared by the BPF programs and userspace: stage ids, device
 * kinds, map key/value layouts and histogram geometry. Only __u* types, so
 * that it compiles against both vmlinux.h and <linux/types.h>.
 */
#ifndef NETSTAGE_H
#define NETSTAGE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Stages of a packet's trip (docs/STAGES.md), in the usual order on a veth
 * hop. NONE is the "from" of the first stage netstage sees of a packet.
 * Each stage is timed from the one before it, so a packet's intervals do
 * not overlap and add up to its time from the socket to the application.
 */
enum ns_stage {
	NS_STAGE_NONE = 0,
	NS_STAGE_TX_QUEUE,   /* net:net_dev_queue: enters the device queue */
	NS_STAGE_TX_START,   /* net:net_dev_start_xmit: driver transmit starts */
	NS_STAGE_RX_ENQUEUE, /* net:netif_rx: queued to a CPU backlog by the forwarding driver */
	NS_STAGE_TX_DONE,    /* net:net_dev_xmit: driver transmit returns */
	NS_STAGE_RX_SOFTIRQ, /* irq:softirq_entry: the NET_RX softirq that will receive it starts */
	NS_STAGE_RX_CORE,    /* net:netif_receive_skb: receive core on a device */
	NS_STAGE_SOCK_ENQUEUE, /* sock:sk_data_ready in that softirq: queued to its socket */
	NS_STAGE_DELIVER,      /* skb:skb_copy_datagram_iovec: the application copies it */
	NS_STAGE_DROP,	       /* skb:kfree_skb */
	/* Module-level points, where the kernel allows fentry/fexit (docs/STAGES.md). */
	NS_STAGE_DRV_XMIT,   /* the driver's transmit function is entered (veth_xmit, ...) */
	NS_STAGE_DRV_DONE,   /* it returns */
	NS_STAGE_RX_HANDLER, /* a bridge port's, macvlan's or ipvlan's rx_handler takes it */
	NS_STAGE_BR_FORWARD, /* the bridge forwards it to a port (br_forward) */
	/*
	 * Netfilter, where the kernel runs BPF programs at its hooks (6.4+):
	 * first in prerouting, first in postrouting, and right after the NAT
	 * hook of either (docs/STAGES.md).
	 */
	NS_STAGE_NF_PRE,  /* prerouting entered, before conntrack and DNAT */
	NS_STAGE_NAT,	  /* the NAT hook of prerouting (DNAT) or postrouting (SNAT) done */
	NS_STAGE_NF_POST, /* postrouting entered, before SNAT */
	NS_STAGE_COUNT
};

/* A histogram exists per (device slot, edge); an edge is a (to, from) stage pair. */
#define NS_EDGE(to, from) ((to)*NS_STAGE_COUNT + (from))
#define NS_EDGE_COUNT	  (NS_STAGE_COUNT * NS_STAGE_COUNT)

/*
 * Is the interval from -> to time on one CPU with no queue between (CPU
 * cost), rather than waiting? The driver's transmit and the forward inside
 * it, forwarding in the receive softirq, a transmit through a device without
 * a qdisc, and receive processing up to the socket are CPU; the backlog, the
 * wait for the softirq and the socket queue are waiting. The probes use it
 * to account softirq time; reports use it to split CPU from waiting.
 */
static inline int ns_edge_is_cpu(int to, int from)
{
	switch (to) {
	case NS_STAGE_TX_START:
		return from == NS_STAGE_TX_QUEUE;
	case NS_STAGE_DRV_XMIT:
		return from == NS_STAGE_TX_START;
	case NS_STAGE_RX_ENQUEUE:
		/* From rx_core: a tunnel's decapsulation handing the inner packet on. */
		return from == NS_STAGE_TX_START || from == NS_STAGE_DRV_XMIT ||
		       from == NS_STAGE_RX_CORE;
	case NS_STAGE_DRV_DONE:
		return from == NS_STAGE_DRV_XMIT || from == NS_STAGE_RX_ENQUEUE ||
		       from == NS_STAGE_TX_DONE || from == NS_STAGE_DRV_DONE;
	case NS_STAGE_TX_DONE:
		return from == NS_STAGE_TX_START || from == NS_STAGE_RX_ENQUEUE ||
		       from == NS_STAGE_TX_DONE || from == NS_STAGE_DRV_DONE;
	case NS_STAGE_RX_HANDLER:
		return from == NS_STAGE_RX_CORE;
	case NS_STAGE_BR_FORWARD:
		return from == NS_STAGE_RX_HANDLER || from == NS_STAGE_RX_CORE;
	case NS_STAGE_TX_QUEUE:
		/* From tx_start: a stacked device's transmit down to its lower (a tunnel's
		 * encapsulation). */
		return from == NS_STAGE_RX_CORE || from == NS_STAGE_BR_FORWARD ||
		       from == NS_STAGE_NAT || from == NS_STAGE_NF_POST ||
		       from == NS_STAGE_TX_START;
	case NS_STAGE_RX_CORE:
		/* An upper device's receive inside the lower's: a bridge passing a frame up to
		 * its host, a tunnel's decapsulation. */
		/* From nat: br_netfilter ran prerouting on the bridge before passing it up. */
		return from == NS_STAGE_RX_CORE || from == NS_STAGE_NAT;
	case NS_STAGE_SOCK_ENQUEUE:
		return from == NS_STAGE_RX_CORE || from == NS_STAGE_RX_HANDLER ||
		       from == NS_STAGE_NAT || from == NS_STAGE_NF_PRE;
	case NS_STAGE_NF_PRE:
		return from == NS_STAGE_RX_CORE || from == NS_STAGE_RX_HANDLER;
	case NS_STAGE_NAT:
		return from == NS_STAGE_NF_PRE || from == NS_STAGE_NF_POST;
	case NS_STAGE_NF_POST:
		/* From rx_core: prerouting ran earlier, in br_netfilter's pass on the bridge. */
		return from == NS_STAGE_NAT || from == NS_STAGE_NF_PRE || from == NS_STAGE_RX_CORE;
	case NS_STAGE_DROP:
		/* Processing that ended in the drop; not a purge of a waiting queue. */
		return from != NS_STAGE_SOCK_ENQUEUE && from != NS_STAGE_TX_DONE &&
		       from != NS_STAGE_DRV_DONE && from != NS_STAGE_RX_SOFTIRQ &&
		       from != NS_STAGE_NONE && from != NS_STAGE_DELIVER;
	default:
		return 0;
	}
}

enum ns_dev_kind {
	NS_DEV_OTHER = 0,
	NS_DEV_VETH,
	NS_DEV_BRIDGE,
	NS_DEV_MACVLAN,
	NS_DEV_IPVLAN,
	NS_DEV_LOOPBACK, /* lo */
	NS_DEV_VXLAN,
	NS_DEV_OVS, /* an Open vSwitch datapath's internal device */
	NS_DEV_KIND_COUNT
};

/*
 * Watched devices: an open-addressing hash table in rodata, set before load,
 * keyed by (netns inode << 32 | ifindex) with a packed info per key. The
 * table is the namespace and device filter: a packet on a device not in it
 * is ignored. A key sits at most NS_DEV_PROBES places after its hash; the
 * loader grows the table until that holds. Key 0 marks an empty place.
 */
#define NS_MAX_DEVS    2048
#define NS_DEV_TABLE   8192 /* places, a power of two; the loader uses a prefix */
#define NS_DEV_PROBES  4
#define NS_NETNS_TABLE 4096 /* watched namespaces (a quarter of it), keyed by inode */
#define NS_MAX_SLOTS   256  /* histogram slots; devices beyond that share slots by role */
#define NS_MAX_GROUPS  2    /* paths kept apart: packets started on the client side or not */
/*
 * slot_group of a device both ends of a pair share (lo of the host and
 * container kinds): the group is told by the packet's source address,
 * whose last byte is NS_CLIENT_ADDR_BYTE for a client and
 * NS_SERVER_ADDR_BYTE for a server (topo/plan.c gives them out so).
 */
#define NS_GROUP_BY_SOURCE	  0xff
#define NS_CLIENT_ADDR_BYTE	  1
#define NS_SERVER_ADDR_BYTE	  2
#define NS_DEV_KEY(inum, ifindex) (((__u64)(inum) << 32) | (__u32)(ifindex))
#define NS_DEV_INFO(slot, kind)	  ((__u32)(slot) | ((__u32)(kind) << 16))
#define NS_DEV_INFO_SLOT(info)	  ((info)&0xffff)
#define NS_DEV_INFO_KIND(info)	  (((info) >> 16) & 0xff)

/* The hash both sides place keys by. */
static inline __u32 ns_key_hash(__u64 key)
{
	key *= 0x9E3779B97F4A7C15ULL;
	return (__u32)(key >> 32);
}

/*
 * Stage sets (docs/STAGES.md): ALL is the full split; HOPS keeps what a hop
 * needs (a packet's first queueing, each device's receive, the socket
 * enqueue and the delivery, drops) and leaves every other hook unattached.
 */
enum ns_stage_set { NS_SET_ALL = 0, NS_SET_HOPS, NS_SET_COUNT };

/*
 * Everything the programs need to know before load, in one place (rodata).
 * The device and namespace tables stay apart: they are tables, not knobs.
 */
struct ns_config {
	__u64 max_age_ns;   /* state older than this is a new packet's */
	__u32 dev_mask;	    /* places of the device table in use - 1 */
	__u32 netns_mask;   /* places of the namespace table in use - 1 */
	__u32 pkt_mask;	    /* entries of pkts - 1, a power of two minus one */
	__u32 sock_mask;    /* entries of socks - 1, a power of two minus one */
	__u32 fifo_mask;    /* entries of fifos - 1, a power of two minus one */
	__u32 n_slots;	    /* histogram slots in use */
	__u32 hist_pool;    /* entries of hists: histograms handed out as edges first occur */
	__u32 sample_every; /* follow 1 packet in N */
	__u32 sample_pow2;  /* the power of two nearest above it: softirq timing */
	__u32 raw_every;    /* 0: no raw events; N: events of 1 packet in N */
	__u32 fifo_idle;    /* jiffies a taken FIFO place's tail stands still before it is free */
	__u16 filter_port;  /* either port of the packet, host order; 0: any */
	__u8 filter_proto;  /* IPPROTO_TCP or IPPROTO_UDP; 0: any */
	__u8 n_groups;	    /* 2 keeps the client's and the server's packets apart */
	__u8 stage_set;	    /* enum ns_stage_set */
	__u8 direct_reads;  /* packet bytes with plain loads (6.16+), else a helper */
	__u8 windowed;	    /* time sampling: start packets only while window_open */
	__u8 pad;
	__u8 slot_group[NS_MAX_SLOTS]; /* the group of a packet starting on a slot */
};

/*
 * Log-linear latency histogram: values below 2^SUB_BITS have a bucket each;
 * above, every power of two is split into 2^SUB_BITS equal sub-buckets.
 * Values of 2^MAX_EXP ns (68 s) and more land in the last bucket. This is
 * the userspace form (analysis/); the probes keep a narrower one below.
 */
#define NS_HIST_SUB_BITS 2
#define NS_HIST_SUB	 (1 << NS_HIST_SUB_BITS)
#define NS_HIST_MAX_EXP	 36
#define NS_HIST_BUCKETS	 ((NS_HIST_MAX_EXP - NS_HIST_SUB_BITS + 1) * NS_HIST_SUB)

struct ns_hist {
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
	__u64 segs;	 /* wire segments of the packets counted (GSO packets carry several) */
	__u64 cross_cpu; /* intervals whose ends ran on different CPUs */
	__u32 hop;	 /* hop number of the "to" stage (largest seen) */
	__u32 pad;
	__u64 probe_ns; /* the probes' own run time taken out of the intervals (raw = sum + it) */
	__u64 buckets[NS_HIST_BUCKETS];
};

/*
 * The probes' histogram, per CPU: the same buckets up to 2^31 ns (2.1 s; a
 * packet's state expires after max_age_ns, 1 s by default, and longer values
 * land in the last bucket), 32-bit counters and no count (the buckets' sum).
 * The counters only grow; userspace takes differences of snapshots modulo
 * 2^32, so a counter may wrap between two snapshots once without harm.
 */
#define NS_KHIST_MAX_EXP 31
#define NS_KHIST_BUCKETS ((NS_KHIST_MAX_EXP - NS_HIST_SUB_BITS + 1) * NS_HIST_SUB)

struct ns_khist {
	__u64 sum;	 /* ns, corrected for the probes' own run time inside the intervals */
	__u64 probe_ns;	 /* what the correction took out */
	__u32 max;	 /* ns, clamped to 2^32 - 1; ever (userspace bounds it per window) */
	__u32 segs;	 /* wire segments */
	__u32 cross_cpu; /* intervals whose ends ran on different CPUs */
	__u32 hop;	 /* hop number of the "to" stage (largest seen) */
	__u32 buckets[NS_KHIST_BUCKETS];
};

/*
 * Histograms are handed out from a pool as (group, slot, edge) triples first
 * occur: hist_at[] in .bss maps a triple to its pool index + 1 (0: none yet,
 * NS_HIST_FULL: the pool ran out, counted as NS_CNT_HIST_FULL). A device sees
 * a dozen of the 17 x 17 edges, so the pool is sized by devices, not edges.
 */
#define NS_HIST_AT   (NS_MAX_GROUPS * NS_MAX_SLOTS * NS_EDGE_COUNT)
#define NS_HIST_FULL 0xffffffffU

/* Transmit spans, start -> done of the driver's transmit (which may nest the forward). */
enum ns_span { NS_SPAN_XMIT, NS_SPAN_COUNT };

/*
 * The probes' own run time, taken out of the intervals they time: every
 * program adds its calibrated cost (its hook's and its own, prog_cost_ns[]
 * in .bss, by kind) to its CPU's probe_ns as it starts; an interval on one
 * CPU is corrected by what was added between its two ends, one across CPUs
 * by the second end's own cost only (what is known).
 */
enum ns_prog_kind {
	NS_PROG_TX_QUEUE,
	NS_PROG_TX_START,
	NS_PROG_RX_ENQUEUE,
	NS_PROG_TX_DONE,
	NS_PROG_RX_CORE,
	NS_PROG_SOCK_ENQUEUE,
	NS_PROG_DELIVER,
	NS_PROG_SOCK_RECV,
	NS_PROG_DROP,
	NS_PROG_SOFTIRQ,
	NS_PROG_NAPI,
	NS_PROG_MODULE,
	NS_PROG_NETFILTER,
	NS_PROG_OTHER,
	NS_PROG_KINDS
};

/* Per-packet state: a slot of a 2-way set chosen by a hash of the skb address (pkt_state.bpf.h). */
struct ns_pkt {
	__u64 skb;	  /* the skb this slot follows; 0 when free */
	__u64 ts;	  /* time of its last stage */
	__u32 tag;	  /* a hash of its content: a reused skb address carries another */
	__u8 slot;	  /* device slot of its last stage */
	__u8 group;	  /* the side it started on (its path): statistics are kept per group */
	__u8 stage;	  /* its last stage, or NS_PKT_IGNORED */
	__u8 hop;	  /* devices crossed so far */
	__u16 cpu;	  /* CPU of its last stage */
	__u16 segs;	  /* wire segments it carries */
	__u32 netns;	  /* inode of the namespace of its last stage's device */
	__u32 probe_mark; /* its CPU's probe_ns (low 32 bits) at its last stage */
	__u32 pad;
};
/* Followed only to know that a filter or the sampling excludes it: no clock, no statistics. */
#define NS_PKT_IGNORED 0xff

/* Transmits in progress on a CPU; stacked devices (macvlan on veth) nest. */
#define NS_XMIT_DEPTH 4
struct ns_xmit_frame {
	__u64 skb;
	__u64 ts;
	__u16 slot;
	__u8 hop;
	__u8 pad;
	__u32 probe_mark; /* the CPU's probe_ns at its start */
};

enum ns_counter {
	NS_CNT_STARTED, /* packets that entered their first stage from a local socket */
	NS_CNT_MIDWAY,	/* packets first seen past a socket's transmit (state lost, or from outside)
			 */
	NS_CNT_EVICTED, /* state of a packet in transit overwritten by another hashing to its slot
			 */
	NS_CNT_EXPIRED, /* state found older than max_age_ns */
	NS_CNT_XMIT_UNMATCHED, /* a transmit that ended without a matching start on its CPU */
	NS_CNT_IGNORED,	       /* packets a protocol/port filter excluded */
	NS_CNT_RAW_LOST,       /* raw events the ring buffer had no room for */
	NS_CNT_SOCK_FULL,      /* socket events not counted: both places of its set taken */
	NS_CNT_SAMPLED_OUT,    /* packets the sampling left out, at their first stage */
	NS_CNT_HIST_FULL,      /* intervals not kept: the histogram pool was used up */
	NS_CNT_FIFO_LOST,      /* followed UDP datagrams whose read went unmatched: a deeper queue
				  overwrote the entry, or the FIFO table had no place for the socket */
	NS_CNT_COUNT
};

/* Softirq vectors netstage times (include/linux/interrupt.h). */
#define NS_NET_TX_SOFTIRQ 2
#define NS_NET_RX_SOFTIRQ 3
#define NS_LOG2_SLOTS	  32

/*
 * Softirq statistics, per CPU, cumulative. [0] is NET_TX, [1] NET_RX. A clock
 * read costs as much as the rest of a program (40 ns on the project's VMs):
 * with --sample N, only 1 run in N is timed, and time_ns covers the timed runs.
 */
struct ns_softirq {
	__u64 time_ns[2];	 /* time inside the timed runs, less the probes' own */
	__u64 count[2];		 /* runs */
	__u64 timed[2];		 /* runs timed */
	__u64 raise_delay_ns[2]; /* sum of raise -> entry, for runs a followed packet raised */
	__u64 raise_delay_log2[2][NS_LOG2_SLOTS];
	__u64 napi_polls;
	__u64 napi_work;	/* packets the polls processed */
	__u64 napi_budget_hits; /* polls that used their whole budget */
	__u64 drv_poll_ns;	/* time in a driver's own NAPI poll (veth_poll, with fentry) */
	__u64 drv_polls;
};

/*
 * What a CPU is doing right now, as far as the probes follow it, and its
 * cumulative statistics: one per-CPU lookup per program reaches both.
 * Userspace only reads it.
 */
struct ns_cpu {
	__u32 depth;	/* transmits in progress */
	__u32 left_out; /* pkts index + 1 of the packet this CPU last found left out (0: none) */
	struct ns_xmit_frame frames[NS_XMIT_DEPTH];
	__u64 softirq_entry[2]; /* entry time of the running NET_TX [0] / NET_RX [1], 0 if none */
	__u64 raised[2];       /* when a followed packet raised NET_TX / NET_RX not yet run, or 0 */
	__u32 softirq_runs[2]; /* runs so far: with sampling, 1 run in N is timed */
	__u32 pad2;
	__u64 rx_skb; /* the packet the receive core works on (rx_core until it is queued) */
	__u64 drv_poll_entry;  /* entry time of a running veth_poll, 0 if none */
	__u64 covered_ns;      /* NET_RX time in the per-packet CPU stages, ever */
	__u64 scratch;	       /* where a typed pointer is turned into a number */
	__u64 probe_ns;	       /* the probes' own cost on this CPU, ever, as calibrated */
	__u32 self_cost;       /* the running program's own share of it */
	__u32 softirq_mark[2]; /* probe_ns at the running softirq's entry */
	__u32 pad3;
	__u64 counters[NS_CNT_COUNT];
	struct ns_softirq softirq;
};

struct ns_drop_key {
	__u32 reason; /* enum skb_drop_reason of the running kernel */
	__u8 slot;    /* device slot where the packet was last seen */
	__u8 group;   /* its path */
	__u8 stage;   /* its last stage before the drop */
	__u8 pad;
};
#define NS_DROP_KEYS 1024

/*
 * A socket of a watched namespace: deliveries and queueing trouble. Kept per
 * CPU in a 2-way set-associative array indexed by a hash of the socket's
 * address (an array lookup costs 2 ns where a hash map costs 35 ns); the
 * loader sizes it by the topology (cumulative counts, never cleared).
 */
#define NS_SOCK_SLOTS_MIN 256
struct ns_sock {
	__u64 sk; /* the socket's address; 0: a free place */
	__u32 netns;
	__u16 protocol;	  /* IPPROTO_* */
	__u16 port;	  /* local port, host order */
	__u64 delivered;  /* recvmsg calls that returned data */
	__u64 bytes;	  /* bytes they returned */
	__u64 data_ready; /* wake-ups: data queued to it */
	__u64 rcvq_full;  /* sock:sock_rcvqueue_full */
	__u64 queue_fail; /* udp:udp_fail_queue_rcv_skb */
};

/*
 * UDP's socket wait, per datagram: a FIFO of enqueue times per UDP socket
 * (a place in the fifos table), pushed at every enqueue (sk_data_ready, once a
 * datagram) and popped at every read (sock_recv_length), so that the n-th
 * read is the n-th datagram queued. Entries of datagrams not followed are
 * pushed too (ts 0), keeping the two in step; a datagram dropped at a full
 * queue is never pushed. Sequence numbers tell an entry overwritten by a
 * queue deeper than the FIFO.
 */
#define NS_FIFO_LEN 1024 /* a power of two */
struct ns_fifo_entry {
	__u64 ts;  /* when it was queued */
	__u32 seq; /* its place + 1, written for followed datagrams only: entry i holds seq i mod
		      NS_FIFO_LEN */
	__u8 slot;
	__u8 group;
	__u8 hop;
	__u8 cpu_lo; /* low byte of the enqueuing CPU: reads on another CPU are cross_cpu */
}; /* 16 bytes: four to a cache line, the one thing that crosses between the CPUs */
/*
 * The softirq that pushes and the reader that pops run on different CPUs:
 * each end's counter has a cache line of its own, so that only an entry
 * crosses between them. The owner's line is written only when a socket
 * takes the place, and read by both ends. Each part takes 128 bytes: the
 * adjacent-line prefetcher moves lines in pairs.
 */
#define NS_FIFO_SLOTS_MIN 64
/*
 * A place whose tail has not moved for this long is free (its socket
 * closed): in jiffies, since
 * tracing programs may not read the coarse clock, and a fixed count, since
 * CONFIG_HZ from __kconfig needs a kernel config file Debian's kernels in
 * the VM lack: 10 s at HZ 1000, 40 s at Debian's 250. The default of
 * ns_config.fifo_idle (tests shorten it).
 */
#define NS_FIFO_IDLE_TICKS 10000ULL
struct ns_fifo {
	__u64 sk;     /* the owner: the socket's address (0: a free place) */
	__u64 cookie; /* and its cookie: a new socket at a freed address is another owner */
	/* Written by a socket that found the place taken: the tail it saw, and when (jiffies). */
	__u64 seen_at;
	__u32 seen_tail;
	__u32 pad_owner[25];
	__u32 head;	 /* next to pop: the reader's */
	__u32 tail_seen; /* the reader's last read of tail: pushes below it need no new read */
	__u32 pad_head[30];
	__u32 tail; /* next to push: the enqueuing softirq's */
	__u32 pad_tail[31];
	struct ns_fifo_entry e[NS_FIFO_LEN];
};

/* One record of --raw (docs/RAW.md): a packet at a stage. */
struct ns_event {
	__u64 ts;
	__u64 skb;
	__u32 netns;
	__u32 ifindex;
	__u32 len;
	__u16 slot;
	__u16 cpu;
	__u8 stage;
	__u8 from;
	__u8 hop;
	__u8 group;
	__u32 tag; /* the packet's content tag: with skb, it names the packet */
};

#endif /* NETSTAGE_H */
