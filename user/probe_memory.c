// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <unistd.h>
#include "netstage.h"
#include "user/probe_memory.h"

/* What the kernel adds per map and per element (kernel/bpf/arraymap.c, hashtab.c). */
#define MAP_HEADER    512ULL /* struct bpf_array / bpf_htab and the map itself, about */
#define HTAB_ELEM     48ULL  /* struct htab_elem before its key */
#define HTAB_BUCKET   16ULL
#define PAGE	      4096ULL
#define ROUND8(n)     (((unsigned long long)(n) + 7) & ~7ULL)
#define PAGE_ALIGN(n) (((unsigned long long)(n) + PAGE - 1) & ~(PAGE - 1))

static unsigned long long pow2_at_least(unsigned long long n)
{
	unsigned long long p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static unsigned long long array(unsigned long long entries, size_t value, bool mmapable)
{
	unsigned long long data = entries * ROUND8(value);

	return MAP_HEADER + (mmapable ? PAGE_ALIGN(data) : data);
}

static unsigned long long percpu_array(unsigned long long entries, size_t value, int cpus)
{
	return MAP_HEADER + entries * 8 + entries * ROUND8(value) * cpus;
}

/* A preallocated, shared hash map: its elements, one spare per CPU, and its buckets. */
static unsigned long long hash(unsigned long long entries, size_t key, size_t value, int cpus)
{
	unsigned long long elem = HTAB_ELEM + ROUND8(key) + ROUND8(value);

	return MAP_HEADER + pow2_at_least(entries) * HTAB_BUCKET + elem * (entries + cpus) +
	       8ULL * cpus;
}

unsigned int probe_memory__sock_slots(int pairs)
{
	/* Two places a socket (the 2-way sets), four sockets a pair (data, control, both ends). */
	unsigned long long want = pow2_at_least(16ULL * (pairs > 0 ? pairs : 1));

	return want < NS_SOCK_SLOTS_MIN ? NS_SOCK_SLOTS_MIN : (unsigned int)want;
}

unsigned int probe_memory__fifo_slots(int pairs)
{
	/* Two places a socket (the 2-way sets), two receiving UDP sockets a pair at most. */
	unsigned long long want = pow2_at_least(4ULL * (pairs > 0 ? pairs : 1));

	return want < NS_FIFO_SLOTS_MIN ? NS_FIFO_SLOTS_MIN : (unsigned int)want;
}

void probe_memory__plan(const struct probe_memory_in *in, struct probe_memory *m)
{
	int cpus = in->n_cpus > 0 ? in->n_cpus : 1;
	unsigned int per_slot =
	    in->stage_set == NS_SET_HOPS ? PROBE_EDGES_PER_SLOT_HOPS : PROBE_EDGES_PER_SLOT_ALL;

	m->hist_pool = (unsigned int)(in->n_slots * (in->n_groups > 1 ? 2 : 1)) * per_slot;
	if (!m->hist_pool)
		m->hist_pool = 1;
	m->hists = percpu_array(m->hist_pool, sizeof(struct ns_khist), cpus);
	m->spans = percpu_array((unsigned long long)(in->n_slots ? in->n_slots : 1) * NS_SPAN_COUNT,
				sizeof(struct ns_khist), cpus);
	m->pkts = array(in->pkt_entries, sizeof(struct ns_pkt), false);
	m->cpus = percpu_array(1, sizeof(struct ns_cpu), cpus);
	m->socks = percpu_array(in->sock_slots, sizeof(struct ns_sock), cpus);
	m->fifo_slots = in->fifo_slots ? in->fifo_slots : NS_FIFO_SLOTS_MIN;
	m->fifos = array(m->fifo_slots, sizeof(struct ns_fifo), false);
	m->drops = hash(NS_DROP_KEYS, sizeof(struct ns_drop_key), sizeof(__u64), cpus);
	m->events = in->raw ? (16ULL << 20) + PAGE * 4 : PAGE * 4;
	/* .rodata (config and the device tables) and .bss (the pool's index), mmapable arrays. */
	m->globals =
	    array(1, sizeof(struct ns_config) + NS_DEV_TABLE * (8 + 4) + NS_NETNS_TABLE * 4, true) +
	    array(1, NS_HIST_AT * 4 + 16, true);
	m->total = m->hists + m->spans + m->pkts + m->cpus + m->socks + m->fifos + m->drops +
		   m->events + m->globals;
}

const char *probe_memory__fmt(unsigned long long bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30))
		snprintf(buf, len, "%.2f GB", bytes / 1e9);
	else if (bytes >= 1000000)
		snprintf(buf, len, "%.1f MB", bytes / 1e6);
	else
		snprintf(buf, len, "%.0f kB", bytes / 1e3);
	return buf;
}

unsigned long long probe_memory__default_limit(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || size <= 0)
		return 1ULL << 30;
	return (unsigned long long)pages * (unsigned long long)size / 8;
}
