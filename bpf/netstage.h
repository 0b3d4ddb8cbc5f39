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
 * Stages of a packet's trip (../docs/STAGES.md). NONE is the "from" of a
 * packet's first stage. The order is the usual one on a veth hop.
 */
enum ns_stage {
	NS_STAGE_NONE = 0,
	NS_STAGE_TX_QUEUE,   /* net:net_dev_queue: enters the device queue */
	NS_STAGE_TX_START,   /* net:net_dev_start_xmit: driver transmit starts */
	NS_STAGE_RX_ENQUEUE, /* net:netif_rx: queued to a CPU backlog by the forwarding driver */
	NS_STAGE_TX_DONE,    /* net:net_dev_xmit: driver transmit returns */
	NS_STAGE_RX_SOFTIRQ, /* NET_RX softirq (per CPU, not per packet) */
	NS_STAGE_RX_CORE,    /* net:netif_receive_skb: receive core on a device */
	NS_STAGE_DELIVER,    /* skb:skb_copy_datagram_iovec: the application receives it */
	NS_STAGE_DROP,       /* skb:kfree_skb */
	NS_STAGE_COUNT
};

/* A histogram exists per (device slot, edge); an edge is a (to, from) stage pair. */
#define NS_EDGE(to, from) ((to) * NS_STAGE_COUNT + (from))
#define NS_EDGE_COUNT	  (NS_STAGE_COUNT * NS_STAGE_COUNT)

enum ns_dev_kind {
	NS_DEV_OTHER = 0,
	NS_DEV_VETH,
	NS_DEV_BRIDGE,
	NS_DEV_MACVLAN,
	NS_DEV_IPVLAN,
	NS_DEV_KIND_COUNT
};

/*
 * Watched devices: a sorted table of keys (netns inode << 32 | ifindex) set in
 * rodata before load, with a parallel table of packed infos. The table is the
 * namespace and device filter: a packet on a device not in it is ignored.
 */
#define NS_MAX_DEVS	   2048 /* a power of two: the lookup is a branch-free binary search */
#define NS_MAX_SLOTS	   256  /* histogram slots; devices beyond that share slots by role */
#define NS_DEV_KEY(inum, ifindex) (((__u64)(inum) << 32) | (__u32)(ifindex))
#define NS_DEV_INFO(slot, kind)	  ((__u32)(slot) | ((__u32)(kind) << 16))
#define NS_DEV_INFO_SLOT(info)	  ((info)&0xffff)
#define NS_DEV_INFO_KIND(info)	  (((info) >> 16) & 0xff)

/*
 * Log-linear latency histogram: values below 2^SUB_BITS have a bucket each;
 * above, every power of two is split into 2^SUB_BITS equal sub-buckets.
 * Values of 2^MAX_EXP ns (68 s) and more land in the last bucket.
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
	__u64 cross_cpu; /* intervals whose ends ran on different CPUs */
	__u32 hop;	 /* hop number of the "to" stage (largest seen) */
	__u32 pad;
	__u64 buckets[NS_HIST_BUCKETS];
};

/* Per-packet state, one direct-mapped slot per hash of the skb address. */
struct ns_pkt {
	__u64 skb;  /* the skb this slot follows; 0 when free */
	__u64 ts;   /* time of its last stage */
	__u16 slot; /* device slot of its last stage */
	__u8 stage; /* its last stage */
	__u8 hop;   /* devices crossed so far */
	__u32 cpu;  /* CPU of its last stage */
};

/* Transmits in progress on a CPU; stacked devices (macvlan on veth) nest. */
#define NS_XMIT_DEPTH 4
struct ns_xmit_frame {
	__u64 skb;
	__u64 ts;
	__u16 slot;
	__u8 hop;
	__u8 pad[5];
};
struct ns_xmit_stack {
	__u32 depth;
	__u32 pad;
	struct ns_xmit_frame frames[NS_XMIT_DEPTH];
};

enum ns_counter {
	NS_CNT_STARTED,	       /* packets that entered their first stage */
	NS_CNT_UNTRACKED,      /* a stage on a watched device for an skb with no live state */
	NS_CNT_EVICTED,	       /* live state overwritten by another packet hashing to its slot */
	NS_CNT_EXPIRED,	       /* state found older than max_age_ns and dropped */
	NS_CNT_XMIT_UNMATCHED, /* a transmit that ended without a matching start on its CPU */
	NS_CNT_COUNT
};

struct ns_drop_key {
	__u32 reason; /* enum skb_drop_reason of the running kernel */
	__u16 slot;   /* device slot where the packet was last seen */
	__u8 stage;   /* its last stage before the drop */
	__u8 pad;
};

/* Softirq vectors netstage times (include/linux/interrupt.h). */
#define NS_NET_TX_SOFTIRQ 2
#define NS_NET_RX_SOFTIRQ 3

struct ns_softirq {
	__u64 entry_ts[2]; /* [0] NET_TX, [1] NET_RX: entry time of the running softirq */
	__u64 time_ns[2];
	__u64 count[2];
};

#endif /* NETSTAGE_H */
