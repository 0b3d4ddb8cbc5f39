/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iperf: what a load measured, from iperf3's JSON documents (user/traffic.c
 * runs iperf3 and hands them here): each pair's totals and intervals, and
 * the window in which all measured pairs ran (docs/EXPERIMENTS.md). Pure
 * arithmetic over the documents and the counter samples: no processes.
 */
#ifndef NETSTAGE_IPERF_H
#define NETSTAGE_IPERF_H

#include <stdbool.h>
#include <linux/types.h>

enum load_proto { LOAD_TCP, LOAD_UDP };

/* One of iperf3's reporting intervals, summed over streams; times from its test's start. */
struct load_interval {
	double start, end;
	double bytes;
	double packets, lost; /* UDP: datagrams (by sequence number) and lost ones, receiver */
	double retransmits;   /* TCP, sender */
};

/* The receiving interface's counters at one moment. */
struct load_sample {
	double t; /* s since the clients were released */
	__u64 packets, bytes;
};

struct load_result {
	bool ok;
	/*
	 * Stopped before its end (Ctrl-C): the figures are iperf3's report up to the
	 * stop, the client's side only (the sender's, unless reversed).
	 */
	bool stopped;
	char error[256]; /* why the pair failed */
	int streams;

	/* iperf3's own totals over its whole test ("end") */
	double seconds;		   /* the receiver's */
	double sent_bps, recv_bps; /* end.sum_sent / end.sum_received */
	__u64 sent_bytes, recv_bytes;
	__u64 retransmits;			   /* TCP */
	__u64 lost_packets, packets, out_of_order; /* UDP, the receiver's count */
	double lost_percent, jitter_ms;		   /* UDP */
	double cpu_client, cpu_server; /* percent of one CPU: iperf3's host_total, remote_total */

	/* When each side's test started (iperf3 stamps its streams), s after the release; -1:
	 * unknown */
	double client_start, server_start;

	/* iperf3's intervals: the sending side's and the receiving side's */
	int n_send, n_recv;
	struct load_interval *send_iv, *recv_iv;

	/* The receiving interface's counters, sampled through the load (load_hooks.counters) */
	int n_samples, cap_samples;
	struct load_sample *samples;

	/* Over the window (load_window): filled by iperf__window */
	double win_start, win_end;    /* s after the release */
	double win_bytes;	      /* goodput: bytes the receiving iperf3 read */
	double win_packets, win_lost; /* UDP */
	double win_retransmits;	      /* TCP */
	__u64 dev_packets, dev_bytes; /* the receiving interface's rx counters */
	/* The receiving interface's counters over the whole load, idle edges included */
	__u64 run_dev_packets, run_dev_bytes;
};

struct load_window {
	bool common;	   /* every measured pair ran throughout [start, end] */
	double start, end; /* s after the release */
	double first_start,
	    last_start;	   /* the earliest and latest test start of the measured pairs */
	bool starts_known; /* libiperf told when each test started (else: the release) */
	int measured;	   /* pairs with figures */
	bool stopped;	   /* the load was stopped (Ctrl-C) after the clients' release */
	double stopped_at; /* when, s after the release */
};

/* Free what traffic__run (or iperf__parse_json) allocated in results[0..n-1]. */
void iperf__free(struct load_result *results, int n);

/*
 * Parse an iperf3 client JSON document (with the server's output, as
 * traffic__run asks for it) into r: totals and intervals. stopped: the
 * client was stopped, and the document is iperf3's Ctrl-C report. 0, or
 * -errno with r->error saying why (iperf3's own error when it gave one).
 */
int iperf__parse_json(const char *json, enum load_proto proto, bool reverse, bool stopped,
		      struct load_result *r);

/*
 * The figures of intervals iv[0..n-1] that fall in [a, b] (times relative to
 * their test's start), each interval's traffic taken as spread evenly over it.
 */
void iperf__interval_sum(const struct load_interval *iv, int n, double a, double b,
			 struct load_interval *out);

/*
 * The window: from the latest start to the earliest end of the measured
 * pairs, narrowed to the counter samples inside it; every pair's window
 * figures over it. Without a common window (a pair started after another had
 * ended), each pair's figures cover its own test and win->common is false.
 */
void iperf__window(struct load_result *res, int n, bool reverse, struct load_window *win);

#endif /* NETSTAGE_IPERF_H */
