// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Count the calls of one driver transmit function (veth_xmit,
 * macvlan_start_xmit, ipvlan_start_xmit: all take (skb, dev)) on one device,
 * with fentry and fexit. The loader picks the function before load; the host
 * kernel refuses fentry, so this runs in the VM (tests/vm/README.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile char ifname[16] = {};

__u64 entries = 0;
__u64 exits = 0;
__u64 exits_tx_ok = 0; /* returned NETDEV_TX_OK */

static __always_inline bool dev_matches(struct net_device *dev)
{
	char name[16];

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
	if (dev_matches(dev))
		__sync_fetch_and_add(&entries, 1);
	return 0;
}

SEC("fexit/veth_xmit")
int BPF_PROG(on_exit, struct sk_buff *skb, struct net_device *dev, int ret)
{
	if (dev_matches(dev)) {
		__sync_fetch_and_add(&exits, 1);
		if (ret == 0)
			__sync_fetch_and_add(&exits_tx_ok, 1);
	}
	return 0;
}
