/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A result: what one `netstage run` or `profile` measured, and its JSON form
 * (schema "netstage/result/1": its keys are in docs/EXPERIMENTS.md, "Result
 * files"; its stages in docs/STAGES.md).
 */
#ifndef NETSTAGE_RESULT_H
#define NETSTAGE_RESULT_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <json-c/json.h>
#include "netstage.h"

#define RESULT_SCHEMA "netstage/result/1"

struct stage_stat {
	int stage, from; /* enum ns_stage; from is NS_STAGE_NONE for a packet's first stage */
	int dev_kind;	 /* enum ns_dev_kind */
	int master_kind; /* enum ns_dev_kind of its master, -1 when not enslaved */
	int hop;
	int path;      /* RESULT_PATH_*: which side the packets started on */
	int n_devices; /* devices merged into this entry (more than 1 on large topologies) */
	char ifname[IFNAMSIZ + 8]; /* its name, or a pattern such as "nst1a2bc*" when merged */
	char netns[128];
	struct ns_hist hist;
};

/* Paths of a run: packets the client sent, packets the server sent, or not told apart. */
enum { RESULT_PATH_ANY = -1, RESULT_PATH_CLIENT = 0, RESULT_PATH_SERVER = 1 };

struct drop_stat {
	char reason[64]; /* the kernel's drop reason, without the SKB_DROP_REASON_ prefix */
	int stage;	 /* the packet's last stage before the drop */
	int path;	 /* RESULT_PATH_* */
	int dev_kind;
	char ifname[IFNAMSIZ + 8];
	__u64 count;
};

/* Network softirq time and work of one CPU (or all CPUs summed). */
struct cpu_softirq {
	__u64 net_rx_ns, net_tx_ns;			    /* time inside the softirq */
	__u64 net_rx_count, net_tx_count;		    /* runs */
	__u64 net_rx_raise_delay_ns, net_tx_raise_delay_ns; /* sum of raise -> entry */
	__u64 net_rx_raises;	 /* NET_RX raises by followed packets whose delay was measured */
	__u64 net_rx_covered_ns; /* NET_RX time inside the per-packet CPU stages */
	__u64 napi_polls, napi_work,
	    napi_budget_hits;		   /* polls, packets, polls that used their budget */
	__u64 backlog_drops, time_squeeze; /* /proc/net/softnet_stat over the same window */
};

struct softirq_stat {
	struct cpu_softirq total;
	__u64 raise_delay_log2[2][NS_LOG2_SLOTS]; /* [0] NET_TX, [1] NET_RX, over all CPUs */
	int n_cpus;
	struct cpu_softirq *per_cpu;
};

/* A socket of a watched namespace. */
struct sock_stat {
	char netns[128];
	int protocol; /* IPPROTO_* */
	int port;     /* local port */
	__u64 delivered, bytes, data_ready, rcvq_full, queue_fail;
};

/* A namespace a profile watched, and the container behind it where that can be known. */
struct netns_stat {
	char netns[128]; /* its name, or the path given */
	__u32 inum;
	int pid; /* a process inside (the oldest), 0 if none */
	char comm[32];
	char cgroup[256];
	char label[96];
	/* The engine's own names, when it was given by --container (else empty). */
	char container[128];   /* its name */
	char container_id[72]; /* its id (the first 12 characters are the short id) */
	char engine[16];       /* "podman", "docker", "crictl" */
};

struct feature {
	char name[48];
	bool on;
	char note[160]; /* why not, or what it means */
};

struct result_config {
	char command[16]; /* "run" or "profile" */
	char kind[24];
	char mode[16];
	char layout[16];
	char proto[8];
	int pairs;
	int mtu;
	int streams;
	int repeat;
	double duration;
	bool reverse; /* the server sent the data */
	bool pinned;  /* each pair's client and server ran pinned to CPUs apart */
	__u64 bitrate;
	int streams_total; /* --streams-total: split over the pairs; 0 when not given */
	int blksize;	   /* bytes per write; 0: iperf3's default */
	int sample;	   /* the probes followed 1 packet in this many; 0: every packet */
	char stages[8];	   /* the stage set: "all" or "hops" ("" in older results: all) */
	int duty_pct;	   /* time sampling: the probes attached this % of each period; 0: always */
	int duty_period_ms;
	bool no_probes;	 /* throughput only, the probes were not attached */
	char netns[256]; /* profile: the namespaces watched, comma-separated */
	char run_id[8];	 /* run, sweep: the topology's run id (its namespaces' and links' names) */
};

/*
 * What the probes cost, by their own account: the maps' memory as planned,
 * and an estimate of their CPU time (docs/PERFORMANCE.md says how it is
 * calibrated and how well it agrees with the throughput they cost).
 */
struct probe_cost {
	bool known;	      /* the probes ran and these are filled */
	__u64 memory_bytes;   /* the maps, as the kernel charges them */
	int memory_cpus;      /* possible CPUs the per-CPU maps are sized for */
	double ns_per_packet; /* probe CPU time per packet seen, hooks included; 0: unknown */
	double cpu_share;     /* of all CPU time used during the measurement; 0: unknown */
	double probe_seconds; /* CPU seconds of probe time, estimated */
	char method[96];      /* how ns_per_packet was had */
	__u64 windows;	      /* time sampling: windows opened */
};

/*
 * One container pair in one repetition. "Window" figures cover the window in
 * which every measured pair ran (docs/EXPERIMENTS.md); "run" figures cover
 * the pair's whole iperf3 test, as iperf3 reports it.
 */
struct pair_stat {
	int pair;
	bool ok;
	bool stopped;	 /* its test was stopped: iperf3's figures of one side, up to the stop */
	char error[256]; /* why it failed */
	int streams;
	double start; /* when its test started, s after the clients' release; -1: unknown */
	/* over the window */
	double seconds;
	double bits_per_second; /* iperf3's goodput at the receiver */
	double bytes;
	double packets_per_second;  /* the receiving interface's rx packets (skbs) */
	double segments_per_second; /* MTU-sized segments those packets carry (estimate) */
	double device_packets, device_bytes;
	double retransmits;	      /* TCP, the sender's */
	double lost_packets, packets; /* UDP, the receiver's count */
	/* over the pair's whole iperf3 test */
	double run_seconds, run_bits_per_second, run_bytes;
	double run_device_packets, run_device_bytes;  /* the whole load, idle edges included */
	double lost_percent, jitter_ms, out_of_order; /* UDP */
	double sender_cpu, receiver_cpu;	      /* % of one CPU, as iperf3 reports them */
};

struct repeat_stat {
	/* Sums over the pairs measured, over the window */
	double bits_per_second;
	double packets_per_second;
	double retransmits;
	double lost_packets;
	double sent_packets;
	/* iperf3's CPU use of its sending and receiving processes, % of one CPU, summed over pairs
	 */
	double sender_cpu, receiver_cpu;
	double bytes, segments_per_second, device_packets, device_bytes;
	double lost_percent; /* lost / sent, over the pairs */
	double jitter_ms;    /* mean over the pairs */
	double out_of_order;
	double run_bytes, run_device_packets, run_device_bytes; /* sums of the pairs' run figures */
	/* The window */
	double seconds;			 /* its length */
	double window_start, window_end; /* s after the clients' release */
	double start_spread;		 /* latest test start - earliest */
	bool common_window;		 /* every measured pair ran throughout it */
	bool starts_known; /* libiperf reported each test's start (else the release was used) */
	int pairs_measured;
	int n_pairs;
	struct pair_stat *pairs; /* every pair, measured or failed */
	/* What the probes saw in this repetition (when they ran) */
	bool has_profile;
	double profile_seconds, packets_followed, net_rx_ns, drops;
	/* Stopped (Ctrl-C) before its end: its figures cover the load until then */
	bool stopped;
	double stopped_at; /* s after the clients' release */
};

struct throughput {
	bool present;		/* absent for `profile` */
	double bits_per_second; /* mean over the repeats that measured a pair */
	double packets_per_second;
	double stderr_bps; /* standard error of the mean over repeats */
	double stddev_bps;
	int n_repeats;
	struct repeat_stat *repeats;
};

/* The machine a result was measured on. */
#define RESULT_MAX_SYSCTLS 24
struct result_system {
	bool present;
	char distribution[128];
	char cpu_model[128];
	int cpus; /* online */
	char iperf_version[32];
	int n_sysctls;
	struct {
		char name[64];
		char value[96];
	} sysctls[RESULT_MAX_SYSCTLS];
};

/* A run or sweep point stopped by a signal: what it measured and what it lacks. */
#define RESULT_MAX_MISSING 4
struct result_interruption {
	bool interrupted;
	char signal[8];	     /* "SIGINT", "SIGTERM" */
	double load_seconds; /* load measured, over every repetition (planned: repeat x duration) */
	int repeats_finished; /* repetitions that ran to their end */
	int n_missing;
	char missing[RESULT_MAX_MISSING][224]; /* what the result lacks, one sentence each */
};

struct result {
	struct result_config config;
	struct result_interruption stop;
	char kernel_release[65];
	int n_features;
	struct feature *features;
	struct result_system system;
	struct throughput throughput;
	int n_stages;
	struct stage_stat *stages;
	int n_spans;
	struct stage_stat *spans; /* driver transmit spans, tx_start -> tx_done per device */
	int n_drops;
	struct drop_stat *drops;
	int n_socks;
	struct sock_stat *socks;
	int n_namespaces;
	struct netns_stat *namespaces;
	struct softirq_stat softirq;
	__u64 counters[NS_CNT_COUNT];
	double profile_seconds;
	struct probe_cost cost;
};

json_object *result__to_json(const struct result *r);
/* Write r as JSON to path ("-" for stdout). 0 or -errno, err says why. */
int result__write(const struct result *r, const char *path, char *err, size_t errlen);
/* Read a result file; a clear error names the file and what is wrong with it. */
int result__read(const char *path, struct result *r, char *err, size_t errlen);
void result__free(struct result *r);
/* The namespace entry r->namespaces has for a stage's or socket's netns, or NULL. */
const struct netns_stat *result__find_netns(const struct result *r, const char *netns);
/* The JSON key of a probe counter (enum ns_counter), under "untracked". */
const char *result__counter_name(int counter);

/* Append helpers that grow the arrays. */
struct stage_stat *result__add_stage(struct result *r);
struct stage_stat *result__add_span(struct result *r);
struct drop_stat *result__add_drop(struct result *r);
struct sock_stat *result__add_sock(struct result *r);
struct netns_stat *result__add_netns(struct result *r);
struct feature *result__add_feature(struct result *r, const char *name, bool on, const char *note);

#endif /* NETSTAGE_RESULT_H */
