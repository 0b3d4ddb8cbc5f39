/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attribution: the throughput gap between two runs split over kernel stages
 * (docs/ATTRIBUTION.md). Stage entries of the two runs are aligned by what
 * they do (the class of the interval and who does it: the container's own
 * transmit, a bridge port's, the bridge's forward, the receive up to the
 * socket), never by interface name, so that veth+bridge and macvlan compare.
 * Pure functions over results.
 */
#ifndef NETSTAGE_ATTRIBUTION_H
#define NETSTAGE_ATTRIBUTION_H

#include <stdbool.h>
#include <json-c/json.h>
#include "analysis/result.h"

/* What an interval is, from its (stage, from) pair. */
enum attr_class {
	ATTR_TX_DEV,	  /* tx_queue -> tx_start: the device layer */
	ATTR_TX_ENTRY,	  /* tx_start -> drv_xmit: into the driver (module probes) */
	ATTR_TX_DRV,	  /* tx_start or drv_xmit -> rx_enqueue: the driver up to the forward */
	ATTR_TX_DRV_REST, /* -> drv_done: the driver after the forward (module probes) */
	ATTR_TX_REST,	  /* -> tx_done: the rest of the transmit after the forward */
	ATTR_TX_RETURN,	  /* drv_done -> tx_done: back from the driver (module probes) */
	ATTR_RX_PRE,	  /* rx_core -> rx_handler: the receive core before the handler: taps, tc */
	ATTR_BR_INPUT,	  /* -> br_forward: the bridge's input and lookup (module probes) */
	ATTR_FORWARD, /* rx_core or br_forward -> tx_queue: forwarding in the softirq (bridge) */
	ATTR_RX_SOCK, /* rx_core or rx_handler -> sock_enqueue: IP and transport up to the socket */
	ATTR_TX_LOWER,	    /* tx_start -> tx_queue: a stacked device's transmit down to its lower
			       (a tunnel's encapsulation) */
	ATTR_RX_UPPER,	    /* rx_core -> rx_core: up to an upper device (a tunnel's decapsulation,
			       a bridge passing a frame to its host) */
	ATTR_IP_INPUT,	    /* rx_core -> nf_prerouting: IP input up to netfilter */
	ATTR_NAT_PRE,	    /* nf_prerouting -> nat: conntrack and DNAT */
	ATTR_IP_FORWARD,    /* nat -> nf_postrouting: routing and the forward hooks */
	ATTR_NAT_POST,	    /* nf_postrouting -> nat: SNAT, masquerade, reverse NAT */
	ATTR_IP_OUTPUT,	    /* nat -> tx_queue: IP output after NAT (conntrack's confirm) */
	ATTR_CPU_OTHER,	    /* a CPU interval of a later stage model this file does not know */
	ATTR_SOFTIRQ_OTHER, /* NET_RX time outside every CPU stage (a result-wide figure) */
	ATTR_SOFTIRQ_TX,    /* NET_TX softirq time */
	ATTR_OUTSIDE,	    /* process CPU outside every stage: iperf3's CPU minus the above */
	ATTR_W_SOFTIRQ,	    /* tx_done -> rx_softirq: waiting for the NET_RX softirq */
	ATTR_W_BACKLOG,	    /* -> rx_core: the CPU backlog */
	ATTR_W_SOCKET,	    /* -> deliver: the socket queue until the application reads */
	ATTR_W_OTHER,	    /* other waiting intervals (to a drop, ...) */
	ATTR_CLASS_COUNT
};

/* Who does the work of the interval. */
enum attr_actor {
	ATTR_ACTOR_NONE,      /* result-wide rows */
	ATTR_ACTOR_CONTAINER, /* the sending container's own device (hop 0) */
	ATTR_ACTOR_FORWARDER, /* a device that forwards: bridge port, wire (hop 1 and on) */
	ATTR_ACTOR_BRIDGE,    /* the bridge's forwarding */
	ATTR_ACTOR_RECEIVER,  /* the receiving side, up to the application */
	ATTR_ACTOR_FIRST_HOP, /* waiting at the first receive */
	ATTR_ACTOR_NEXT_HOP,  /* waiting at a later receive (the bridge's second port) */
};

/*
 * What sets a run's wall time per byte, so what the gap is split over: the
 * sender's CPU (a process of a pair at ATTR_CPU_BOUND % of a CPU; the
 * forwarding drivers queue to the sending CPU's backlog, so the data's
 * stages and the receive softirq run there too), the receiver's CPU, every
 * CPU of the machine, or no CPU (the run waits: then all CPU is counted and
 * the note says so).
 */
enum attr_bind { ATTR_BIND_NONE, ATTR_BIND_SENDER, ATTR_BIND_RECEIVER, ATTR_BIND_MACHINE };

/* Which packets: the data, the other way (TCP's acknowledgements), or not told apart. */
enum attr_dir { ATTR_DIR_DATA, ATTR_DIR_BACK, ATTR_DIR_BOTH };

#define ATTR_SIDES 2 /* [0] the run examined (A), [1] the baseline (B) */

/* One side of a row: what one configuration spends there. */
struct attr_value {
	bool present; /* some run of this side has the interval */
	int n;	      /* samples (runs) behind ns_per_byte */
	double ns_per_byte,
	    ns_per_byte_se;    /* CPU (or waiting) ns per byte delivered; se: 0 if n < 2 */
	double ns_per_packet;  /* mean of the interval per packet (skb) */
	double ns_per_segment; /* per wire packet (GSO packets carry several) */
	double packets_per_byte;
	unsigned long long count, segs;
	double p50, p99;     /* the interval's latency, ns */
	struct ns_hist hist; /* merged over devices and runs */
	char where[48]; /* the devices: "ps0", "pc0>ps0", "lo0"; beyond two by pattern: "c*>pc*" */
	int n_where;	/* devices named in where before it turned to patterns */
	bool patterned;
};

struct attr_row {
	enum attr_class cls;
	enum attr_actor actor;
	enum attr_dir dir;
	bool cpu; /* a CPU cost: counts in the gap */
	char label[48];
	struct attr_value v[ATTR_SIDES];
	bool on_binding;	/* its CPU is on the CPU that binds (attribution.bind): it counts */
	double delta, delta_se; /* A - B, ns per byte */
	double delta_per_packet; /* A - B, ns per packet */
	double share, share_se;	 /* delta / gap */
};

/* A side's whole-run figures. */
struct attr_side {
	char name[96]; /* "veth-bridge, tcp, 1 pair, MTU 1500" */
	int n_runs;
	int n_samples;			  /* throughput samples: repeats over all runs */
	double bps, bps_se;		  /* throughput, bit/s */
	double wall_ns_per_byte, wall_se; /* 8e9 / throughput: wall time per byte delivered */
	double bytes;			  /* delivered in the profiled window, summed over runs */
	double stages_ns_per_byte; /* the CPU rows on the binding CPU, softirq rows included */
	bool has_process_cpu;	   /* iperf3's CPU figures are in the results */
	double process_ns_per_byte, process_se; /* the binding CPU's time per byte, from iperf3 */
	double sender_ns_per_byte, sender_se, receiver_ns_per_byte, receiver_se, total_ns_per_byte;
	enum attr_bind bind;		 /* what binds this run */
	double sender_cpu, receiver_cpu; /* mean % of one CPU, summed over pairs */
	double busiest_cpu;		 /* the busier iperf3 process of a pair, % of one CPU */
	int n_cpus;	    /* of the machine (the softirq figures' CPUs), 0 when unknown */
	double machine_cpu; /* all iperf3 processes together, % of all CPUs */
	/*
	 * CPU per byte sets the wall time: a process of a pair at ATTR_CPU_BOUND %
	 * of a CPU, or all of them together at ATTR_CPU_BOUND % of the machine.
	 */
	bool cpu_bound;
};

#define ATTR_CPU_BOUND 90.0

struct attribution {
	int n_sides;	     /* 1: one run described; 2: A against B */
	enum attr_bind bind; /* what binds both runs (NONE when they differ) */
	struct attr_side side[ATTR_SIDES];
	bool directions; /* the results keep data and acknowledgements apart */
	int n_rows;
	struct attr_row
	    *rows; /* CPU rows ranked by share (by A's cost with one side), then waits */
	/* The gap, A - B in wall ns per byte, and how much of it is accounted for. */
	double gap, gap_se;
	double explained, explained_se; /* sum of the measured CPU rows' deltas / gap */
	double outside; /* the outside-the-stages estimate's delta / gap (0 without iperf3 CPU) */
	double unexplained; /* 1 - explained - outside */
	double cpu_gap;	    /* difference of total CPU per byte (stages + outside), when known */
	char note[1024];    /* caveats worth printing: missing CPU figures, no repetitions, ... */
};

/*
 * Compute the attribution of side A (runs a[0..na-1], one configuration,
 * repeated runs pooled) against side B (nb = 0: describe A alone).
 * 0, or -ENOMEM / -EINVAL (na == 0) with err saying why.
 */
int attribution__compute(const struct result *const *a, int na, const struct result *const *b,
			 int nb, struct attribution *out, char *err, size_t errlen);
void attribution__free(struct attribution *at);

/* "the sender's CPU", ... */
const char *attr_bind__name(enum attr_bind b);

/* Row helpers. */
const char *attr_dir__name(enum attr_dir dir);
/* The row of (cls, actor, dir), or NULL. */
const struct attr_row *attribution__find(const struct attribution *at, enum attr_class cls,
					 enum attr_actor actor, enum attr_dir dir);
/* The CPU row with the largest share of the gap (largest A cost with one side), or NULL. */
const struct attr_row *attribution__top(const struct attribution *at);

/* How a stage entry is classed, and by whom its work is done (for tests and tables). */
enum attr_class attribution__class_of(int stage, int from);
/* The class of a result's entry: attribution__class_of, refined by its device when stacked. */
enum attr_class attribution__class_of_entry(const struct stage_stat *st);
enum attr_actor attribution__actor_of(enum attr_class cls, int hop);
/* Bytes a run delivered in its profiled window: its sockets' byte counts, or throughput x time. */
double attribution__run_bytes(const struct result *r);
/* The short name of a netstage device ("pc0" for "nstab12pc0"), else the name itself. */
const char *attribution__short_dev(const char *ifname, const char *netns);

/* The attribution as JSON (the report's "attribution" object). */
json_object *attribution__to_json(const struct attribution *at);

#endif /* NETSTAGE_ATTRIBUTION_H */
