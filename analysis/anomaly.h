/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anomalies: for a UDP result, or any result with loss, the dominant cause
 * of the lost throughput with its evidence (docs/ATTRIBUTION.md, "Lost
 * throughput"): where packets were dropped and why (socket receive queue,
 * CPU backlog, sender side), what caps the rate (a saturated CPU and the
 * stage that holds it, softirq at its limit, no segmentation offload), and
 * the kernel's drop count beside iperf3's. Pure functions over results.
 */
#ifndef NETSTAGE_ANOMALY_H
#define NETSTAGE_ANOMALY_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "analysis/result.h"

enum anomaly_cause {
	CAUSE_SHARED_CPU,   /* sender and receiver take turns on one CPU, neither saturated */
	CAUSE_SOCKET_QUEUE, /* the receiving socket's queue was full */
	CAUSE_BACKLOG,	    /* a CPU's backlog was full (net.core.netdev_max_backlog) */
	CAUSE_SENDER_DROP,  /* dropped on the sending side: qdisc, tc, device transmit */
	CAUSE_PATH_DROP,    /* other drops on the path: no socket, checksum, queue purged, ... */
	CAUSE_NO_GSO,	    /* no segmentation offload: one wire packet per skb */
	CAUSE_SENDER_CPU,   /* the sender's CPU is saturated */
	CAUSE_RECEIVER_CPU, /* the receiver's CPU is saturated */
	CAUSE_SOFTIRQ,	    /* softirq time at its limit */
	CAUSE_COUNT
};

struct anomaly_finding {
	enum anomaly_cause cause;
	/*
	 * The share of the throughput it costs: of the datagrams sent (drops),
	 * or of a reference rate (a TCP run beside it, or the UDP target rate)
	 * for what caps the rate. < 0 when it cannot be put in numbers.
	 */
	double weight;
	char what[200];	    /* one line: the cause */
	char evidence[900]; /* the numbers behind it, sentences */
};

/* What held the CPU: the largest CPU rows of the run. */
struct anomaly_cpu_row {
	char label[64];
	double ns_per_byte, ns_per_packet, share; /* share of iperf3's CPU per byte (or stages') */
};

struct anomaly {
	bool applies; /* a UDP run, or a run with loss */
	bool udp;
	bool probed; /* the probes ran: the kernel's figures exist */
	char name[96];
	/* What iperf3 measured, summed over repeats and runs. */
	double bps;
	double sent, lost; /* UDP datagrams; lost as the receiver counted them */
	int whole_test; /* repeats whose counts cover the whole iperf3 test (else the window's) */
	double retransmits; /* TCP */
	double seconds;	    /* of load */
	/* What the probes saw. */
	double
	    kernel_drops; /* on the flow's path: the data direction, TCP reasons left out for UDP */
	double drops_by[CAUSE_COUNT]; /* the drop categories (the first four causes) */
	char drop_detail[300];	      /* "SOCKET_RCVBUFF 54496 after rx_core on s0, ..." */
	char cat_detail[CAUSE_PATH_DROP + 1][200]; /* the same, per drop category */
	int n_cpus; /* of the machine, as the softirq figures count them */
	int shared_repeats,
	    cpu_repeats;	 /* repeats whose two ends used one CPU together, of those known */
	char shared_detail[200]; /* "63% + 31%, 58% + 29%" */
	double drop_diff;	 /* (kernel - iperf3) / iperf3, UDP only; 0 when either is 0 */
	double delivered_per_s, arrived_per_s; /* at the receiving sockets */
	double sender_cpu, receiver_cpu;       /* iperf3's, % of one CPU; < 0 when unknown */
	double softirq_max_share;	       /* the busiest CPU's share of time in NET_RX */
	int softirq_max_cpu;
	unsigned long long budget_hits, polls, squeeze, runs, backlog_drops;
	double bytes_per_skb, segs_per_skb; /* at the sender's first stage, data direction */
	double ref_bytes_per_skb, ref_segs_per_skb; /* the TCP reference, when given */
	double ref_bps;
	int n_cpu_rows;
	struct anomaly_cpu_row cpu_rows[3];
	int n_findings;
	struct anomaly_finding findings[CAUSE_COUNT]; /* dominant first */
	int dominant; /* index into findings, -1 when nothing stands out */
	char summary[300];
};

/*
 * Check the runs of one configuration (pooled). tcp_ref, when not NULL, is a
 * TCP run of the same path to compare packets per byte with.
 */
void anomaly__check(const struct result *const *runs, int n, const struct result *tcp_ref,
		    struct anomaly *out);
const char *anomaly_cause__name(enum anomaly_cause c);
json_object *anomaly__to_json(const struct anomaly *a);

#endif /* NETSTAGE_ANOMALY_H */
