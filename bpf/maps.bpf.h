/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the stage programs share with the loader (user/probes.c) and with
 * each other: the configuration set before load, the globals written while
 * they run, and the maps. stages.bpf.c is the one object that includes it. */
#ifndef NETSTAGE_MAPS_BPF_H
#define NETSTAGE_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "netstage.h"

/* Set by the loader before load (user/probes.c). */
const volatile struct ns_config cfg = {};
const volatile __u64 dev_keys[NS_DEV_TABLE] = {};
const volatile __u32 dev_infos[NS_DEV_TABLE] = {};
const volatile __u32 netns_keys[NS_NETNS_TABLE] = {};

/* Written by userspace while the programs run. */
__u32 window_open = 0; /* time sampling (cfg.windowed): new packets start only while set */

/* The calibrated cost of a program's run, its hook's included, by kind (user/probe_cost.c). */
__u32 prog_cost_ns[NS_PROG_KINDS] = {};

/* Handed out by the programs: where each (group, slot, edge) histogram lives in hists. */
__u32 hist_at[NS_HIST_AT] = {};
__u32 hist_next = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_pkt);
} pkts SEC(".maps");

/* Per CPU, cumulative: no other CPU writes an entry, so no atomics; userspace takes differences. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* cfg.hist_pool, sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_khist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* slots * NS_SPAN_COUNT, sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_khist);
} spans SEC(".maps");

/* Drops are rare: one shared table, added to atomically. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NS_DROP_KEYS);
	__type(key, struct ns_drop_key);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ns_cpu);
} cpus SEC(".maps");

/* Per CPU: the softirq and the reader of a socket run on different CPUs; no shared line. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* cfg.sock_mask + 1, sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_sock);
} socks SEC(".maps");

/*
 * UDP sockets' datagram FIFOs (netstage.h): a 2-way set-associative table by
 * the socket's address, shared by the CPUs (a push and its pop run on two).
 * Socket storage held them before: its lookup cost about 80 ns a push and a
 * pop, the table's about 20 (docs/PERFORMANCE.md).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2); /* cfg.fifo_mask + 1, sized by the loader */
	__type(key, __u32);
	__type(value, struct ns_fifo);
} fifos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* sized by the loader when raw events are on */
} events SEC(".maps");

/*
 * The two entries of a 2-way set in an array map (the packet state, the
 * socket table): set is the even index of the first; true when both exist.
 * A macro, since the maps' value types differ.
 */
#define set_pair(map, set, a, b)                                                                   \
	({                                                                                         \
		__u32 _i0 = (set), _i1 = _i0 + 1;                                                  \
		*(a) = bpf_map_lookup_elem(map, &_i0);                                             \
		*(b) = bpf_map_lookup_elem(map, &_i1);                                             \
		*(a) && *(b);                                                                      \
	})

#endif /* NETSTAGE_MAPS_BPF_H */
