/* SPDX-License-Identifier: GPL-2.0 */
/*
 * load: iperf3 traffic through libiperf, one server and one client per
 * container pair, each forked into its own network namespace. Every server
 * listens before any client starts; the clients start together, released by
 * a barrier. The figures of every pair are restricted to the window in which
 * all measured pairs ran (docs/EXPERIMENTS.md says how).
 */
#ifndef NETSTAGE_TRAFFIC_H
#define NETSTAGE_TRAFFIC_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>

enum load_proto { LOAD_TCP, LOAD_UDP };

#define LOAD_MAX_STREAMS 128 /* iperf3's own limit per client */

struct load_spec {
	enum load_proto proto;
	int duration_s;	 /* every load is bounded in time */
	int streams;	 /* parallel streams per pair (unless load_pair.streams says); 0: 1 */
	__u64 bitrate;	 /* target rate per stream in bit/s, 0 for as fast as possible */
	int blksize;	 /* bytes per write; 0: iperf3's default */
	bool reverse;	 /* the server sends */
	int port;	 /* server port; 0: 5201 */
	double interval; /* iperf3's reporting interval in s; 0: duration / 20 within [0.1, 1] */
	bool no_pin;	 /* leave CPUs to the scheduler instead of pinning each pair's ends apart */
};

struct load_pair {
	const char *server_netns; /* path to setns() into */
	const char *client_netns;
	char server_addr[64];  /* the address the server binds (and the client connects to) */
	char client_addr[64];  /* the address the client binds */
	char connect_addr[64]; /* where the client connects instead (a published port); "": the
				  server's address */
	int connect_port;      /* the port it connects to; 0: the server's */
	int streams;	       /* this pair's streams; 0: spec->streams */
};

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

	/* Over the window (load_window): filled by load__window */
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

struct load_hooks {
	/* Called about once a second while the load runs (progress). */
	void (*tick)(void *ctx, int elapsed_s, int duration_s);
	/* Read pair i's receiving interface's rx counters; NULL: no device figures. */
	int (*counters)(void *ctx, int pair, __u64 *packets, __u64 *bytes);
	void *ctx;
};

/*
 * Run the load on n pairs; results[i] for pairs[i] (free them with
 * load__free). Returns 0 when it ran (pairs may still have failed: see
 * results[i].ok and .error), -EINTR when *stop was set (all children are
 * ended), or another -errno. win (may be NULL) describes the window.
 * Stopped after the clients' release, the results and the window still hold
 * what was measured until the stop (win->stopped; results[i].stopped): each
 * running client is asked for iperf3's report so far.
 */
int traffic__run(const struct load_spec *spec, const struct load_pair *pairs, int n,
		 const struct load_hooks *hooks, volatile sig_atomic_t *stop,
		 struct load_result *results, struct load_window *win);

/* Free what traffic__run allocated in results[0..n-1]. */
void load__free(struct load_result *results, int n);

/*
 * Parse an iperf3 client JSON document (with the server's output, as
 * traffic__run asks for it) into r: totals and intervals. 0, or -errno with
 * r->error saying why (iperf3's own error when it gave one).
 */
int load__parse_json(const char *json, enum load_proto proto, bool reverse, struct load_result *r);

/*
 * The figures of intervals iv[0..n-1] that fall in [a, b] (times relative to
 * their test's start), each interval's traffic taken as spread evenly over it.
 */
void load__interval_sum(const struct load_interval *iv, int n, double a, double b,
			struct load_interval *out);

/*
 * The window: from the latest start to the earliest end of the measured
 * pairs, narrowed to the counter samples inside it; every pair's window
 * figures over it. Without a common window (a pair started after another had
 * ended), each pair's figures cover its own test and win->common is false.
 */
void load__window(struct load_result *res, int n, bool reverse, struct load_window *win);

#endif /* NETSTAGE_TRAFFIC_H */
