/* SPDX-License-Identifier: GPL-2.0 */
/*
 * traffic: iperf3 load through libiperf, one server and one client per
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
#include "analysis/iperf.h"

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

struct load_hooks {
	/* Called about once a second while the load runs (progress). */
	void (*tick)(void *ctx, int elapsed_s, int duration_s);
	/* Read pair i's receiving interface's rx counters; NULL: no device figures. */
	int (*counters)(void *ctx, int pair, __u64 *packets, __u64 *bytes);
	void *ctx;
};

/*
 * Run the load on n pairs; results[i] for pairs[i] (free them with
 * iperf__free). Returns 0 when it ran (pairs may still have failed: see
 * results[i].ok and .error), -EINTR when *stop was set (all children are
 * ended), or another -errno. win (may be NULL) describes the window.
 * Stopped after the clients' release, the results and the window still hold
 * what was measured until the stop (win->stopped; results[i].stopped): each
 * running client is asked for iperf3's report so far.
 */
int traffic__run(const struct load_spec *spec, const struct load_pair *pairs, int n,
		 const struct load_hooks *hooks, volatile sig_atomic_t *stop,
		 struct load_result *results, struct load_window *win);

#endif /* NETSTAGE_TRAFFIC_H */
