// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Empty programs on every hook the stage probes use: bpf_stats' run time of
 * these is the floor (mostly the statistics' own clock reads) that the
 * overhead benchmark compares the real programs against, and attached alone
 * they are the throughput floor. softirq_raise is not a stage probe's hook:
 * it carries the building blocks below, beside its empty program.
 *
 * The c_ programs (empty_probes --clock), on the hooks where netstage times
 * an interval, read the clock once and do nothing else: the least such a
 * stage does, and so the floor of any probe that timestamps every stage.
 * (A drop is rare and timed only when followed; the light set does not time
 * softirq runs.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EMPTY(name, tp)                                                                            \
	SEC("tp_btf/" #tp)                                                                         \
	int e_##name(void *ctx)                                                                    \
	{                                                                                          \
		return 0;                                                                          \
	}

/* A hook where netstage times an interval: its empty program, and one that reads the clock. */
#define TIMED(name, tp)                                                                            \
	EMPTY(name, tp)                                                                            \
	SEC("tp_btf/" #tp)                                                                         \
	int c_##name(void *ctx)                                                                    \
	{                                                                                          \
		return bpf_ktime_get_ns() & 1;                                                     \
	}

TIMED(tx_queue, net_dev_queue)
TIMED(tx_start, net_dev_start_xmit)
TIMED(rx_enqueue, netif_rx)
TIMED(tx_done, net_dev_xmit)
TIMED(rx_core, netif_receive_skb)
TIMED(sock_enqueue, sk_data_ready)
TIMED(deliver, skb_copy_datagram_iovec)
TIMED(sock_recv, sock_recv_length)
EMPTY(drop, kfree_skb)
EMPTY(sock_rcvqueue_full, sock_rcvqueue_full)
EMPTY(udp_queue_fail, udp_fail_queue_rcv_skb)
EMPTY(softirq_raise, softirq_raise)
TIMED(softirq_entry, softirq_entry)
TIMED(softirq_exit, softirq_exit)
EMPTY(napi_poll, napi_poll)

/*
 * Building blocks, on a hook that fires about once per packet: what a clock
 * read, a per-CPU array lookup and a per-CPU hash lookup cost beside the
 * empty program on the same hook (e_softirq_raise).
 */
struct block_val {
	__u64 a, b;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct block_val);
} block_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, struct block_val);
} block_hash SEC(".maps");

SEC("tp_btf/softirq_raise")
int b_clock(void *ctx)
{
	return bpf_ktime_get_ns() & 1;
}

SEC("tp_btf/softirq_raise")
int b_array(void *ctx)
{
	__u32 k = 0;
	struct block_val *v = bpf_map_lookup_elem(&block_array, &k);

	if (v)
		v->a++;
	return 0;
}

SEC("tp_btf/softirq_raise")
int b_hash(void *ctx)
{
	__u64 k = 7;
	struct block_val *v = bpf_map_lookup_elem(&block_hash, &k), z = {};

	if (v)
		v->a++;
	else
		bpf_map_update_elem(&block_hash, &k, &z, BPF_ANY);
	return 0;
}

/*
 * Socket storage (the UDP delivery FIFO's home): a get, creating on first
 * use, and one update, on the hook the FIFO pops on; beside e_sock_recv.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct block_val);
} block_sk SEC(".maps");

SEC("tp_btf/sock_recv_length")
int BPF_PROG(b_sk_storage, struct sock *sk, int ret, int flags)
{
	struct block_val *v = bpf_sk_storage_get(&block_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (v)
		v->a++;
	return 0;
}

/*
 * A home for the FIFO other than socket storage, measured beside it: a
 * shared array indexed by a hash of the socket's address (netstage's
 * socket-table lookup), the socket's cookie telling a reused address apart;
 * one update. Also beside e_sock_recv.
 */
struct block_sock {
	__u64 sk, cookie, a;
	__u64 pad[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct block_sock);
} block_socktab SEC(".maps");

SEC("tp_btf/sock_recv_length")
int BPF_PROG(b_sock_table, struct sock *sk, int ret, int flags)
{
	__u32 z = 0, k;
	struct block_val *scratch = bpf_map_lookup_elem(&block_array, &z);
	struct block_sock *v;
	__u64 addr, cookie;

	if (!scratch)
		return 0;
	/* A pointer's value, as netstage's ptr_value takes it: through memory. */
	*(struct sock **)&scratch->b = sk;
	addr = *(volatile __u64 *)&scratch->b;
	k = (__u32)((addr >> 6) * 0x9E3779B97F4A7C15ULL >> 32) & 255;
	v = bpf_map_lookup_elem(&block_socktab, &k);
	if (!v)
		return 0;
	cookie = bpf_get_socket_cookie(sk);
	if (v->sk != addr || v->cookie != cookie) {
		v->sk = addr;
		v->cookie = cookie;
	}
	v->a++;
	return 0;
}
