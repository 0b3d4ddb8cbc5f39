// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A known cost at a known place, for checking the attribution: a tc ingress
 * program that spins for spin_ns on every packet, and counts how long it
 * really spun. tc ingress runs inside __netif_receive_skb_core after the
 * netif_receive_skb tracepoint, so the cost lands in the interval from the
 * device's rx_core to the packet's next stage.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u64 spin_ns = 1000;

/* What the program measured of itself: time spun and packets, over all CPUs. */
__u64 spun_ns = 0;
__u64 spun_packets = 0;

struct spin_ctx {
	__u64 until;
};

static long spin_step(__u64 i, void *data)
{
	struct spin_ctx *c = data;

	return bpf_ktime_get_ns() >= c->until; /* 1 ends the loop */
}

SEC("tc")
int spin(struct __sk_buff *skb)
{
	__u64 t0 = bpf_ktime_get_ns();
	struct spin_ctx c = {.until = t0 + spin_ns};

	/* Bounded: 1M steps of a clock read is far more than any spin_ns a test uses. */
	bpf_loop(1 << 20, spin_step, &c, 0);
	__sync_fetch_and_add(&spun_ns, bpf_ktime_get_ns() - t0);
	__sync_fetch_and_add(&spun_packets, 1);
	return 0; /* TC_ACT_OK */
}
