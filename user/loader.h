/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader: what this kernel allows (feature probes), and the stage probes of
 * bpf/stages.bpf.c opened, configured for a topology's devices, loaded and
 * attached.
 */
#ifndef NETSTAGE_LOADER_H
#define NETSTAGE_LOADER_H

#include <stdbool.h>
#include "netstage.h"
#include "topo/topo.h"
#include "analysis/result.h"

struct probe_report {
	bool btf, tp_btf, fentry, kfree_skb_reason, bpf_stats;
	bool netfilter; /* BPF programs at netfilter hooks (6.4+): the NAT stages */
	char netfilter_why[200];
	bool direct_reads; /* set once loaded: packet bytes read with plain loads */
	char btf_why[160], tp_btf_why[160], fentry_why[200];
	char missing[256]; /* tracepoints this kernel lacks, comma-separated */
	char modules[256]; /* module-level probe targets: that exist (probe), attached (loaded) */
};

/* Probe BTF, tp_btf, fentry and the tracepoints the programs use. Never fails. */
void loader__probe(struct probe_report *pr);
/* Add the probe report to a result's "features". */
void loader__report_features(const struct probe_report *pr, struct result *r);

struct loader_opts {
	const struct topo *topo;  /* every device of it is watched */
	int max_slots;		  /* histogram slots; 0: 32. More devices share slots by role */
	unsigned int pkt_entries; /* per-packet state slots, a power of two; 0: 65536 */
	unsigned long long max_age_ns; /* 0: 1 s */
	unsigned int sample_every;     /* follow 1 packet in N; 0 or 1: all */
	unsigned int raw_every; /* per-packet events of 1 packet in N into a ring buffer; 0: none */
	int filter_proto;	/* IPPROTO_TCP or IPPROTO_UDP; 0: any */
	int filter_port;	/* either port; 0: any */
};

/* A histogram slot: one device, or devices of one role merged on large topologies. */
struct loader_slot {
	int dev; /* index into topo->devs of its first device */
	int n_devs;
	char name[IFNAMSIZ + 8]; /* the ifname, or a pattern "nst1a2bc*" */
};

struct stages_bpf;
struct btf;

struct loader {
	struct stages_bpf *skel;
	struct btf *vmlinux_btf;
	struct probe_report features;
	const struct topo *topo;
	int n_slots;
	struct loader_slot slots[NS_MAX_SLOTS];
	int n_groups; /* 2: a packet's path (started at the client or the server) is kept */
	int n_cpus;
	bool direct_reads;		  /* packet bytes read with plain loads, not a helper */
	char modules[256];		  /* module-level probes attached (fentry/fexit targets) */
	unsigned long long *softnet_base; /* per CPU dropped, time_squeeze at the last snapshot */
	unsigned long long *covered_base; /* per CPU covered NET_RX ns at the last snapshot */
	int nf_links[16];		  /* netfilter hook links of the NAT stages (fds) */
	int n_nf_links;
};

/* Open, configure, load and attach. 0, or -errno with err saying what and the fix. */
int loader__start(struct loader **out, const struct loader_opts *opts, char *err, size_t errlen);
/* Detach and free. NULL is fine. */
void loader__destroy(struct loader *l);
/* The kernel's name of a drop reason ("NO_SOCKET"), or "reason_<n>". */
const char *loader__drop_reason(const struct loader *l, unsigned int reason, char *buf, size_t len);

#endif /* NETSTAGE_LOADER_H */
