/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which devices and namespaces are watched: the open-addressed tables the
 * loader fills in rodata. */
#ifndef NETSTAGE_DEVICES_BPF_H
#define NETSTAGE_DEVICES_BPF_H

#include "maps.bpf.h"

/* Is the device (netns inode, ifindex) watched? Its packed info in *info. */
static __always_inline bool key_watched(__u32 inum, __u32 ifindex, __u32 *info)
{
	__u64 key = NS_DEV_KEY(inum, ifindex);
	__u32 h = ns_key_hash(key);

#pragma unroll
	for (int i = 0; i < NS_DEV_PROBES; i++) {
		__u32 at = (h + i) & cfg.dev_mask & (NS_DEV_TABLE - 1);

		if (dev_keys[at] == key) {
			*info = dev_infos[at];
			return true;
		}
		if (!dev_keys[at])
			return false;
	}
	return false;
}

static __always_inline bool dev_watched(const struct net_device *dev, __u32 *info, __u32 *inum)
{
	if (!dev)
		return false;
	*inum = dev->nd_net.net->ns.inum;
	return key_watched(*inum, dev->ifindex, info);
}

static __always_inline bool netns_watched(__u32 inum)
{
	__u32 h = ns_key_hash(inum);

#pragma unroll
	for (int i = 0; i < NS_DEV_PROBES; i++) {
		__u32 at = (h + i) & cfg.netns_mask & (NS_NETNS_TABLE - 1);

		if (netns_keys[at] == inum)
			return true;
		if (!netns_keys[at])
			return false;
	}
	return false;
}

#endif /* NETSTAGE_DEVICES_BPF_H */
