// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "analysis/stage.h"

static const char *const stage_names[NS_STAGE_COUNT] = {
    [NS_STAGE_NONE] = NULL,
    [NS_STAGE_TX_QUEUE] = "tx_queue",
    [NS_STAGE_TX_START] = "tx_start",
    [NS_STAGE_RX_ENQUEUE] = "rx_enqueue",
    [NS_STAGE_TX_DONE] = "tx_done",
    [NS_STAGE_RX_SOFTIRQ] = "rx_softirq",
    [NS_STAGE_RX_CORE] = "rx_core",
    [NS_STAGE_SOCK_ENQUEUE] = "sock_enqueue",
    [NS_STAGE_DELIVER] = "deliver",
    [NS_STAGE_DROP] = "drop",
    [NS_STAGE_DRV_XMIT] = "drv_xmit",
    [NS_STAGE_DRV_DONE] = "drv_done",
    [NS_STAGE_RX_HANDLER] = "rx_handler",
    [NS_STAGE_BR_FORWARD] = "br_forward",
    [NS_STAGE_NF_PRE] = "nf_prerouting",
    [NS_STAGE_NAT] = "nat",
    [NS_STAGE_NF_POST] = "nf_postrouting",
};

static const char *const dev_kind_names[NS_DEV_KIND_COUNT] = {
    [NS_DEV_OTHER] = "other",	  [NS_DEV_VETH] = "veth",	[NS_DEV_BRIDGE] = "bridge",
    [NS_DEV_MACVLAN] = "macvlan", [NS_DEV_IPVLAN] = "ipvlan",	[NS_DEV_LOOPBACK] = "loopback",
    [NS_DEV_VXLAN] = "vxlan",	  [NS_DEV_OVS] = "openvswitch",
};

const char *stage__name(int stage)
{
	if (stage <= NS_STAGE_NONE || stage >= NS_STAGE_COUNT)
		return NULL;
	return stage_names[stage];
}

int stage__parse(const char *name)
{
	for (int i = NS_STAGE_NONE + 1; i < NS_STAGE_COUNT; i++)
		if (name && !strcmp(name, stage_names[i]))
			return i;
	return -1;
}

bool stage__is_cpu(int to, int from)
{
	return ns_edge_is_cpu(to, from);
}

const char *dev_kind__name(int kind)
{
	if (kind < 0 || kind >= NS_DEV_KIND_COUNT)
		return "other";
	return dev_kind_names[kind];
}

int dev_kind__parse(const char *name)
{
	for (int i = 0; i < NS_DEV_KIND_COUNT; i++)
		if (name && !strcmp(name, dev_kind_names[i]))
			return i;
	return -1;
}

int stage_set__parse(const char *name)
{
	if (!strcmp(name, "all"))
		return NS_SET_ALL;
	if (!strcmp(name, "hops"))
		return NS_SET_HOPS;
	return -1;
}

const char *stage_set__name(int set)
{
	return set == NS_SET_HOPS ? "hops" : "all";
}
