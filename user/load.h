/* SPDX-License-Identifier: GPL-2.0 */
/*
 * load: iperf3 traffic through libiperf, one server and one client per
 * container pair, each forked into its own network namespace. Every server
 * listens before any client starts; the clients start together.
 */
#ifndef NETSTAGE_LOAD_H
#define NETSTAGE_LOAD_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>

enum load_proto { LOAD_TCP, LOAD_UDP };

struct load_spec {
	enum load_proto proto;
	int duration_s; /* every load is bounded in time */
	int streams; /* parallel streams per pair; 0: 1 */
	__u64 bitrate; /* UDP target rate per stream in bit/s, 0 for as fast as possible */
	int blksize; /* bytes per write; 0: iperf3's default */
	bool reverse; /* the server sends */
	int port; /* server port; 0: 5201 */
};

struct load_pair {
	const char *server_netns; /* path to setns() into */
	const char *client_netns;
	char server_addr[64]; /* the address the client connects to */
	char client_addr[64]; /* the address the client binds */
};

struct load_result {
	bool ok;
	char error[256]; /* why the pair failed */
	double seconds;
	double sent_bps, recv_bps; /* end.sum_sent / end.sum_received */
	__u64 sent_bytes, recv_bytes;
	__u64 retransmits; /* TCP */
	__u64 lost_packets, packets, out_of_order; /* UDP */
	double lost_percent, jitter_ms; /* UDP */
	double cpu_sender, cpu_receiver; /* percent, as iperf3 reports them */
};

/* Called once a second while the load runs, with seconds elapsed. */
typedef void (*load_tick_fn)(void *ctx, int elapsed_s, int duration_s);

/*
 * Run the load on n pairs; results[i] for pairs[i]. Returns 0 when it ran
 * (pairs may still have failed: see results[i].ok), -EINTR when *stop was
 * set (all children are killed), or another -errno.
 */
int load__run(const struct load_spec *spec, const struct load_pair *pairs, int n,
	      struct load_result *results, volatile sig_atomic_t *stop, load_tick_fn tick,
	      void *ctx);

/* Parse an iperf3 client JSON document into r (exposed for the unit tests). */
int load__parse_json(const char *json, enum load_proto proto, struct load_result *r);

#endif /* NETSTAGE_LOAD_H */
