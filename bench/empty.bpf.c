// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Empty programs on every hook the stage probes use: bpf_stats' run time of
 * these is the floor (mostly the statistics' own clock reads) that the
 * overhead benchmark compares the real programs against.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EMPTY(name, tp)                                                                            \
	SEC("tp_btf/" #tp)                                                                         \
	int name(void *ctx)                                                                        \
	{                                                                                          \
		return 0;                                                                          \
	}

EMPTY(e_tx_queue, net_dev_queue)
EMPTY(e_tx_start, net_dev_start_xmit)
EMPTY(e_rx_enqueue, netif_rx)
EMPTY(e_tx_done, net_dev_xmit)
EMPTY(e_rx_core, netif_receive_skb)
EMPTY(e_sock_enqueue, sk_data_ready)
EMPTY(e_deliver, skb_copy_datagram_iovec)
EMPTY(e_sock_recv, sock_recv_length)
EMPTY(e_drop, kfree_skb)
EMPTY(e_softirq_raise, softirq_raise)
EMPTY(e_softirq_entry, softirq_entry)
EMPTY(e_softirq_exit, softirq_exit)
EMPTY(e_napi_poll, napi_poll)
