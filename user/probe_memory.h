/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe_memory: the kernel memory the stage probes' maps will take, planned
 * before anything is loaded, from the topology's size and the CPUs the
 * kernel may bring up (per-CPU maps have a copy for each possible CPU).
 * Pure arithmetic: the unit test plans for 2, 64 and 256 CPUs.
 */
#ifndef NETSTAGE_PROBE_MEMORY_H
#define NETSTAGE_PROBE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

struct probe_memory_in {
	int n_cpus;		  /* possible CPUs */
	int n_slots;		  /* histogram slots (devices, or roles on large topologies) */
	int n_groups;		  /* paths kept apart: 1 or 2 */
	int stage_set;		  /* enum ns_stage_set */
	unsigned int pkt_entries; /* per-packet state slots */
	unsigned int sock_slots;  /* per-CPU socket places */
	unsigned int fifo_slots;  /* UDP sockets' FIFO places, shared */
	bool raw;		  /* the raw event ring buffer */
};

struct probe_memory {
	unsigned int hist_pool;	 /* histograms the pool holds */
	unsigned int fifo_slots; /* FIFO places, as asked for */
	/* Bytes, as the kernel charges them (the maps' memlock). */
	unsigned long long hists, spans, pkts, cpus, socks, fifos, drops, events, globals;
	unsigned long long total;
};

/* Edges a device slot sees per path, by stage set: the pool's budget (docs/STAGES.md). */
#define PROBE_EDGES_PER_SLOT_ALL  24
#define PROBE_EDGES_PER_SLOT_HOPS 8

/* Per-CPU socket places a topology of this many pairs needs (a power of two). */
unsigned int probe_memory__sock_slots(int pairs);
/* Places of the UDP FIFO table for this many pairs (a power of two, NS_FIFO_SLOTS_MIN at least). */
unsigned int probe_memory__fifo_slots(int pairs);
void probe_memory__plan(const struct probe_memory_in *in, struct probe_memory *out);
/* "12.3 MB" */
const char *probe_memory__fmt(unsigned long long bytes, char *buf, size_t len);
/* The default bound: an eighth of the machine's RAM (MemTotal), or 1 GiB if unknown. */
unsigned long long probe_memory__default_limit(void);

#endif /* NETSTAGE_PROBE_MEMORY_H */
