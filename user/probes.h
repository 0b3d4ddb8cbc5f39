/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probes: what this kernel allows (feature probes), and the stage probes of
 * bpf/stages.bpf.c opened, configured for a topology's devices, loaded and
 * attached.
 */
#ifndef NETSTAGE_PROBES_H
#define NETSTAGE_PROBES_H

#include <stdbool.h>
#include <linux/bpf.h>
#include "netstage.h"
#include "topo/topo.h"
#include "analysis/result.h"

struct probe_report {
	bool btf, tp_btf, fentry, kfree_skb_reason, bpf_stats;
	bool netfilter; /* BPF programs at netfilter hooks (6.4+): the NAT stages */
	char netfilter_why[200];
	bool direct_reads; /* set once loaded: packet bytes read with plain loads */
	bool udp_deliver;  /* UDP's delivery per datagram: sk_data_ready and sock_recv_length */
	char btf_why[160], tp_btf_why[160], fentry_why[200];
	char missing[256]; /* tracepoints this kernel lacks, comma-separated */
	char modules[256]; /* module-level probe targets: that exist (probe), attached (loaded) */
};

/* Probe BTF, tp_btf, fentry and the tracepoints the programs use. Never fails. */
void probes__probe(struct probe_report *pr);
/* Add the probe report to a result's "features". */
void probes__report_features(const struct probe_report *pr, struct result *r);

struct probes_opts {
	const struct topo *topo;  /* every device of it is watched */
	int max_slots;		  /* histogram slots; 0: 32. More devices share slots by role */
	unsigned int pkt_entries; /* per-packet state slots, a power of two; 0: 65536 */
	unsigned int fifo_slots;  /* UDP sockets' FIFO places, a power of two; 0: by pairs */
	unsigned int fifo_idle;	  /* jiffies before an idle FIFO place is free; 0: 10000 */
	unsigned long long max_age_ns; /* 0: 1 s */
	unsigned int sample_every;     /* follow 1 packet in N; 0 or 1: all */
	unsigned int raw_every; /* per-packet events of 1 packet in N into a ring buffer; 0: none */
	int filter_proto;	/* IPPROTO_TCP or IPPROTO_UDP; 0: any */
	int filter_port;	/* either port; 0: any */
	int stage_set;		/* enum ns_stage_set */
	/* Time sampling: the probes attached duty_pct % of every period; 0 or 100: always. */
	unsigned int duty_pct;
	unsigned int duty_period_ms;	 /* 0: 1000 */
	unsigned long long memory_limit; /* bytes of maps allowed; 0: an eighth of RAM */
	int n_cpus;			 /* possible CPUs to plan for; 0: this kernel's */
	bool no_calibrate;		 /* no bpf_stats: the cost is not estimated */
};

/* The map memory the probes would take for these options, without loading anything. */
struct probe_memory;
int probes__plan(const struct probes_opts *opts, struct probe_memory *m, char *err, size_t errlen);

/* A histogram slot: one device, or devices of one role merged on large topologies. */
struct probes_slot {
	int dev; /* index into topo->devs of its first device */
	int n_devs;
	char name[IFNAMSIZ + 8]; /* the ifname, or a pattern "nst1a2bc*" */
};

struct stages_bpf;
struct btf;

struct probes {
	struct stages_bpf *skel;
	struct btf *vmlinux_btf;
	struct probe_report features;
	const struct topo *topo;
	int n_slots;
	struct probes_slot slots[NS_MAX_SLOTS];
	int n_groups; /* 2: a packet's path (started at the client or the server) is kept */
	int n_cpus;
	bool direct_reads;		  /* packet bytes read with plain loads, not a helper */
	char modules[256];		  /* module-level probes attached (fentry/fexit targets) */
	unsigned long long *softnet_base; /* per CPU dropped, time_squeeze at the last snapshot */
	struct collect_prev *prev;	  /* what the last snapshot read (user/collect.c) */
	int nf_links[16];		  /* netfilter hook links of the NAT stages (fds) */
	int n_nf_links;
	int stage_set;
	bool preempt_count; /* the programs read it: the light set needs no softirq hook */
	bool no_calibrate;
	double hook_ns, stats_ns; /* a hook's own cost (probes__hook_cost); hook_ns < 0: unknown */
	char hook_why[160];
	unsigned long long memory; /* bytes of maps, as planned */
	struct probes_duty *duty;  /* time sampling's thread, or NULL */
	struct probes_cost *cost;  /* the cost estimate's calibration, or NULL */
};

/* Open, configure, load and attach. 0, or -errno with err saying what and the fix. */
int probes__start(struct probes **out, const struct probes_opts *opts, char *err, size_t errlen);
/*
 * Time sampling (user/duty.c): prepare before load (the programs then start
 * packets only inside windows), start once attached, stop before destroy.
 */
/* Is the program of this name one of the light stage set's (--stages hops)? */
bool probes__in_hops(const char *prog, bool preempt_count);
/* Can the programs read the preempt count? Then the light set needs no softirq hook. */
bool probes__preempt_count_readable(void);

/*
 * A period's parts, in ms: attached for settle + on + drain, exactly pct % of
 * the period (the settle before a window opens, the window, the drain after
 * it closes), detached for off. 0, or -EINVAL with err naming the fix.
 */
struct probes_duty_split {
	unsigned int period_ms; /* the one asked for, 1000 for 0 */
	unsigned int settle_ms, on_ms, drain_ms, off_ms;
};
int probes__duty_split(unsigned int pct, unsigned int period_ms, struct probes_duty_split *s,
		       char *err, size_t errlen);
int probes__duty_prepare(struct probes *l, unsigned int pct, unsigned int period_ms, char *err,
			 size_t errlen);
int probes__duty_start(struct probes *l, char *err, size_t errlen);
void probes__duty_stop(struct probes *l);
/* Windows opened so far (0 without time sampling). */
unsigned long long probes__duty_windows(const struct probes *l);
/* The duty and period asked for (0, 0 without time sampling), as results record them. */
void probes__duty_config(const struct probes *l, int *pct, int *period_ms);
/* A program that does nothing ("r0 = 0; exit") for a tracing hook: its fd, or -errno. */
int probe_cost__empty_tracing(enum bpf_attach_type type, int btf_id, int btf_obj_fd);

/*
 * What the probes cost (user/probe_cost.c). cost_begin at the start of a
 * measurement says in r which stage set, sampling and memory made it, and
 * starts calibrating: bpf_stats for half a second once traffic flows, the
 * hooks' own cost from a cached or fresh measurement. cost_end, with r
 * holding the measurement's counters, estimates ns per packet and the share
 * of the CPU.
 */
int probes__cost_begin(struct probes *l, struct result *r);
void probes__cost_end(struct probes *l, struct result *r);
void probes__cost_free(struct probes *l);
/*
 * The programs' costs the intervals are corrected by (prog_cost_ns): per
 * loaded program in the skeleton's order, negative for unknown; NULL: every
 * program costs its hook's run (hook_ns), the first guess before calibration.
 */
void probes__set_costs(struct probes *l, const double *per_prog);
/* The hooks' own cost: an empty program's run (hook_ns) and bpf_stats' share of it. */
int probes__hook_cost(double *hook_ns, double *stats_ns, bool fresh, char *err, size_t errlen);

/* Detach and free. NULL is fine. */
void probes__destroy(struct probes *l);
/* The kernel's name of a drop reason ("NO_SOCKET"), or "reason_<n>". */
const char *probes__drop_reason(const struct probes *l, unsigned int reason, char *buf, size_t len);

#endif /* NETSTAGE_PROBES_H */
