// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Count the calls of one driver transmit function (veth_xmit,
 * macvlan_start_xmit, ipvlan_start_xmit: all take (skb, dev)) on one device,
 * with fentry and fexit, and (timed) how long each call took from the entry
 * program's clock read to the exit program's: the reference a lone pair with
 * nothing nested gives, against which netstage's own corrected figure for the
 * same function is checked (tests/vm/cases/xmit_truth.sh). The loader picks
 * the function before load; the host kernel refuses fentry, so this runs in
 * the VM (tests/vm/README.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile char ifname[16] = {};
const volatile bool any_dev = false; /* IFNAME "*": every device */

/* Per CPU: when the call in progress there entered (the function does not nest). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} entered SEC(".maps");

__u64 entries = 0;
__u64 exits = 0;
__u64 exits_tx_ok = 0; /* returned NETDEV_TX_OK */
__u64 timed = 0;
__u64 time_ns = 0;

static __always_inline bool dev_matches(struct net_device *dev)
{
	char name[16];

	if (any_dev)
		return true;
	if (BPF_CORE_READ_STR_INTO(&name, dev, name) < 0)
		return false;
#pragma unroll
	for (int i = 0; i < 16; i++) {
		if (name[i] != ifname[i])
			return false;
		if (!name[i])
			break;
	}
	return true;
}

/* The attach target is a placeholder: the loader sets the real one. */
SEC("fentry/veth_xmit")
int BPF_PROG(on_entry, struct sk_buff *skb, struct net_device *dev)
{
	__u32 zero = 0;
	__u64 *t;

	if (!dev_matches(dev))
		return 0;
	__sync_fetch_and_add(&entries, 1);
	t = bpf_map_lookup_elem(&entered, &zero);
	if (t)
		*t = bpf_ktime_get_ns(); /* last: what follows is the call */
	return 0;
}

SEC("fexit/veth_xmit")
int BPF_PROG(on_exit, struct sk_buff *skb, struct net_device *dev, int ret)
{
	__u64 now = bpf_ktime_get_ns(), *t; /* first: what went before is the call */
	__u32 zero = 0;

	if (!dev_matches(dev))
		return 0;
	__sync_fetch_and_add(&exits, 1);
	if (ret == 0)
		__sync_fetch_and_add(&exits_tx_ok, 1);
	t = bpf_map_lookup_elem(&entered, &zero);
	if (t && *t) {
		__sync_fetch_and_add(&time_ns, now - *t);
		__sync_fetch_and_add(&timed, 1);
		*t = 0;
	}
	return 0;
}
