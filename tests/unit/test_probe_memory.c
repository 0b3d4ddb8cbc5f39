// SPDX-License-Identifier: GPL-2.0
/*
 * The probes' map memory, planned before load: what a server of 64 or 256
 * CPUs would be asked for, against the targets of docs/PERFORMANCE.md
 * (one pair at most 64 MB, 128 pairs at most 512 MB, on 256 CPUs).
 */
#include <criterion/criterion.h>
#include "netstage.h"
#include "user/probe_memory.h"

#define MB (1000ULL * 1000)

/* veth-bridge: 5 devices a pair (client, its port, the bridge, the server's port, the server). */
static struct probe_memory plan(int cpus, int slots, int set, int pairs)
{
	struct probe_memory_in in = {.n_cpus = cpus,
				     .n_slots = slots,
				     .n_groups = 2,
				     .stage_set = set,
				     .pkt_entries = 65536,
				     .sock_slots = probe_memory__sock_slots(pairs),
				     .fifo_slots = probe_memory__fifo_slots(pairs)};
	struct probe_memory m;

	probe_memory__plan(&in, &m);
	return m;
}

Test(probe_memory, one_pair_fits_the_target_on_2_64_and_256_cpus)
{
	const int cpus[] = {2, 64, 256};

	for (size_t i = 0; i < 3; i++) {
		struct probe_memory all = plan(cpus[i], 5, NS_SET_ALL, 1);
		struct probe_memory hops = plan(cpus[i], 5, NS_SET_HOPS, 1);

		cr_expect_leq(all.total, 64 * MB, "%d CPUs: %llu bytes", cpus[i], all.total);
		cr_expect_lt(hops.total, all.total, "the light set takes less");
		cr_expect_eq(all.total, all.hists + all.spans + all.pkts + all.cpus + all.socks +
					    all.fifos + all.drops + all.events + all.globals);
		/* The UDP FIFOs are shared, not per CPU: 64 places of 16.8 kB on any CPUs. */
		cr_expect_eq(all.fifos, plan(2, 5, NS_SET_ALL, 1).fifos);
		cr_expect_geq(all.fifos, 64ULL * sizeof(struct ns_fifo));
	}
}

Test(probe_memory, many_pairs_fit_the_target_on_256_cpus)
{
	/* 128 pairs: 640 devices share the 32 default slots by role. */
	struct probe_memory m = plan(256, 32, NS_SET_ALL, 128);

	cr_expect_leq(m.total, 512 * MB, "%llu bytes", m.total);
}

Test(probe_memory, per_cpu_maps_grow_with_the_cpus_and_nothing_else_does)
{
	struct probe_memory a = plan(64, 5, NS_SET_ALL, 1), b = plan(256, 5, NS_SET_ALL, 1);
	unsigned long long per_cpu_a = a.hists + a.spans + a.cpus + a.socks;
	unsigned long long per_cpu_b = b.hists + b.spans + b.cpus + b.socks;
	/* A per-CPU array's value for each CPU, rounded to 8 bytes (kernel/bpf/arraymap.c). */
	unsigned long long hist = (sizeof(struct ns_khist) + 7) & ~7ULL;

	cr_expect_eq(a.pkts, b.pkts);
	cr_expect_eq(a.globals, b.globals);
	cr_expect_eq(b.hists - a.hists, (unsigned long long)a.hist_pool * hist * (256 - 64));
	cr_expect_gt(per_cpu_b, 3 * per_cpu_a);
}

Test(probe_memory, the_pool_has_a_budget_of_edges_per_slot_and_path)
{
	cr_expect_eq(plan(2, 5, NS_SET_ALL, 1).hist_pool, 5 * 2 * PROBE_EDGES_PER_SLOT_ALL);
	cr_expect_eq(plan(2, 5, NS_SET_HOPS, 1).hist_pool, 5 * 2 * PROBE_EDGES_PER_SLOT_HOPS);
	/* Far fewer than every edge of every slot, as the probes once kept. */
	cr_expect_lt(plan(2, 5, NS_SET_ALL, 1).hist_pool, 5 * 2 * NS_EDGE_COUNT / 4);
}

Test(probe_memory, socket_places_grow_with_the_pairs)
{
	cr_expect_eq(probe_memory__sock_slots(1), NS_SOCK_SLOTS_MIN);
	cr_expect_eq(probe_memory__sock_slots(128), 2048);
	cr_expect_eq(probe_memory__sock_slots(100) & (probe_memory__sock_slots(100) - 1), 0,
		     "a power of two");
}
