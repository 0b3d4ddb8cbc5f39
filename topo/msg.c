// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink requests, built into a caller's buffer (NL_MSG_MAX bytes) so that
 * tests can check them without root. Sequence numbers are set when a request
 * joins a batch (nl.c).
 */
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include "internal.h"

static struct nlmsghdr *start(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(struct nlmsghdr) + 64);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static struct ifinfomsg *ifinfo(struct nlmsghdr *nlh, int ifindex, unsigned int up)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = up;
	ifm->ifi_change = up;
	return ifm;
}

/* What every device of ours carries at creation: name, index, MTU, MAC, group, namespace. */
static void common_attrs(struct nlmsghdr *nlh, const struct topo *t, int dev)
{
	const struct topo_dev *d = &t->devs[dev];
	const struct topo_devx *x = &topo_priv(t)->dx[dev];

	mnl_attr_put_strz(nlh, IFLA_IFNAME, d->ifname);
	mnl_attr_put_u32(nlh, IFLA_MTU, d->mtu);
	mnl_attr_put_u32(nlh, IFLA_GROUP, TOPO_GROUP);
	/* ipvlan devices share their lower's MAC and refuse one of their own. */
	if (d->kind != NS_DEV_IPVLAN)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, x->mac);
	if (t->ns[d->ns].fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, t->ns[d->ns].fd);
}

/*
 * A veth's peer: VETH_INFO_PEER holds the peer's ifinfomsg, then its own
 * attributes, which the caller adds before closing the nest.
 */
static struct nlattr *veth_peer_start(struct nlmsghdr *nlh, int peer_ifindex)
{
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pm = mnl_attr_get_payload(peer);

	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pm));
	memset(pm, 0, sizeof(*pm));
	pm->ifi_family = AF_UNSPEC;
	pm->ifi_index = peer_ifindex;
	return peer;
}

/* Joins its master by IFLA_MASTER: a bridge; an Open vSwitch datapath takes its ports as
 * vports over generic netlink instead (ovs.c). */
static bool enslaved(const struct topo *t, const struct topo_dev *d)
{
	return d->master >= 0 && t->devs[d->master].kind != NS_DEV_OVS;
}

struct nlmsghdr *msg_newlink(char *buf, const struct topo *t, int dev)
{
	const struct topo_priv *p = topo_priv(t);
	const struct topo_dev *d = &t->devs[dev];
	const struct topo_devx *x = &p->dx[dev];
	struct nlmsghdr *nlh = start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *li, *data, *peer, *macs;

	ifinfo(nlh, d->ifindex, IFF_UP);
	common_attrs(nlh, t, dev);
	if (enslaved(t, d))
		mnl_attr_put_u32(nlh, IFLA_MASTER, t->devs[d->master].ifindex);
	if (d->lower >= 0 && d->kind != NS_DEV_VXLAN)
		mnl_attr_put_u32(nlh, IFLA_LINK, t->devs[d->lower].ifindex);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	switch (d->kind) {
	case NS_DEV_VETH:
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer =
		    veth_peer_start(nlh, t->devs[x->peer].ifindex); /* no IFF_UP: see msg_setlink */
		common_attrs(nlh, t, x->peer);
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
		break;
	case NS_DEV_BRIDGE:
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
		break;
	case NS_DEV_MACVLAN:
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, x->mode);
		if (x->accept >= 0) {
			mnl_attr_put_u32(nlh, IFLA_MACVLAN_MACADDR_MODE, MACVLAN_MACADDR_SET);
			macs = mnl_attr_nest_start(nlh, IFLA_MACVLAN_MACADDR_DATA);
			mnl_attr_put(nlh, IFLA_MACVLAN_MACADDR, 6, p->dx[x->accept].mac);
			mnl_attr_nest_end(nlh, macs);
		}
		mnl_attr_nest_end(nlh, data);
		break;
	case NS_DEV_IPVLAN:
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ipvlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, x->mode);
		mnl_attr_nest_end(nlh, data);
		break;
	case NS_DEV_VXLAN:
		/* One remote (the other node), no learning: unknown MACs go there, none floods. */
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, TOPO_VXLAN_VNI);
		mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, 4, &x->vx_local);
		mnl_attr_put(nlh, IFLA_VXLAN_GROUP, 4, &x->vx_remote);
		mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(TOPO_VXLAN_PORT));
		mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
		if (d->lower >= 0)
			mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, t->devs[d->lower].ifindex);
		mnl_attr_nest_end(nlh, data);
		break;
	default:
		break;
	}
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

/*
 * The probe's test devices (probe.c) carry a name and what their kind needs,
 * nothing of a topology. The veth pair takes the indexes 2 and 3: with the
 * first end's index chosen the peer's must be too, or it takes that one.
 */
struct nlmsghdr *msg_probe_newlink(char *buf, enum ns_dev_kind kind, int mode)
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *li, *data, *peer;
	bool vlan = kind == NS_DEV_MACVLAN || kind == NS_DEV_IPVLAN;

	ifinfo(nlh, kind == NS_DEV_VETH ? MSG_PROBE_LOWER : 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME,
			  kind == NS_DEV_VETH	  ? "nstprobe0"
			  : kind == NS_DEV_VXLAN  ? "nstprobevx"
			  : kind == NS_DEV_BRIDGE ? "nstprobebr"
						  : "nstprobe2");
	if (vlan)
		mnl_attr_put_u32(nlh, IFLA_LINK, MSG_PROBE_LOWER);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, ns_dev_kind__name(kind));
	if (kind != NS_DEV_BRIDGE) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (kind == NS_DEV_VETH) {
			peer = veth_peer_start(nlh, MSG_PROBE_LOWER + 1);
			mnl_attr_put_strz(nlh, IFLA_IFNAME, "nstprobe1");
			mnl_attr_nest_end(nlh, peer);
		} else if (kind == NS_DEV_VXLAN) {
			mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, TOPO_VXLAN_VNI);
			mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(TOPO_VXLAN_PORT));
		} else if (kind == NS_DEV_IPVLAN) {
			mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, mode);
		} else {
			mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, mode);
		}
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

/*
 * After creation: the alias (the kernel ignores IFLA_IFALIAS when creating),
 * for a veth end made as a peer its master and IFF_UP, and hairpin on a
 * switch port.
 */
struct nlmsghdr *msg_setlink(char *buf, const struct topo *t, int dev)
{
	const struct topo_dev *d = &t->devs[dev];
	const struct topo_devx *x = &topo_priv(t)->dx[dev];
	struct nlmsghdr *nlh = start(buf, RTM_NEWLINK, 0);
	struct nlattr *li, *sd;
	char alias[64];

	/* A veth peer cannot be brought up in the message that creates it (its open needs the
	 * pair complete: -ENOTCONN), so it comes up here. */
	ifinfo(nlh, d->ifindex, x->create ? 0 : IFF_UP);
	if (d->pair >= 0)
		snprintf(alias, sizeof(alias), "netstage %s %s %d", t->run_id,
			 topo_dev_role_name(d->role), d->pair);
	else
		snprintf(alias, sizeof(alias), "netstage %s %s", t->run_id,
			 topo_dev_role_name(d->role));
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	if (!x->create && enslaved(t, d))
		mnl_attr_put_u32(nlh, IFLA_MASTER, t->devs[d->master].ifindex);
	if (x->hairpin) {
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		sd = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
		mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
		mnl_attr_nest_end(nlh, sd);
		mnl_attr_nest_end(nlh, li);
	}
	return nlh;
}

struct nlmsghdr *msg_link_up(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWLINK, 0);

	ifinfo(nlh, ifindex, IFF_UP);
	return nlh;
}

struct nlmsghdr *msg_addr(char *buf, int ifindex, int family, const void *addr, int prefixlen)
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t alen = family == AF_INET ? 4 : 16;

	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	/* No duplicate address detection: its probes are traffic a profiler would count. */
	if (family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return nlh;
}

struct nlmsghdr *msg_route_get(char *buf, int family, const void *dst)
{
	struct nlmsghdr *nlh = start(buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t alen = family == AF_INET ? 4 : 16;

	rtm->rtm_family = family;
	rtm->rtm_dst_len = alen * 8;
	mnl_attr_put(nlh, RTA_DST, alen, dst);
	return nlh;
}

struct nlmsghdr *msg_neigh(char *buf, int ifindex, int family, const void *addr,
			   const unsigned char mac[6])
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

	nd->ndm_family = family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, addr);
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nlh;
}

/* A static entry in the bridge's forwarding table ("bridge fdb add MAC dev PORT master static"). */
struct nlmsghdr *msg_fdb(char *buf, int port_ifindex, const unsigned char mac[6])
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

	nd->ndm_family = AF_BRIDGE;
	nd->ndm_ifindex = port_ifindex;
	nd->ndm_state = NUD_NOARP;
	nd->ndm_flags = NTF_MASTER;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nlh;
}

/* A host route out of oif, on link (no gateway: a static neighbour gives the next hop). */
struct nlmsghdr *msg_route(char *buf, int oif, int family, const void *dst)
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t alen = family == AF_INET ? 4 : 16;

	rtm->rtm_family = family;
	rtm->rtm_dst_len = alen * 8;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, alen, dst);
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	return nlh;
}

/* The default route via a gateway out of oif ("ip route add default via GW dev OIF"). */
struct nlmsghdr *msg_route_default(char *buf, int oif, int family, const void *gateway)
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, gateway);
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	return nlh;
}

struct nlmsghdr *msg_lo(char *buf, int mtu)
{
	struct nlmsghdr *nlh = start(buf, RTM_NEWLINK, 0);

	ifinfo(nlh, 1, IFF_UP);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

struct nlmsghdr *msg_dellink_group(char *buf, uint32_t group)
{
	struct nlmsghdr *nlh = start(buf, RTM_DELLINK, 0);

	ifinfo(nlh, 0, 0);
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	return nlh;
}

struct nlmsghdr *msg_dellink(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = start(buf, RTM_DELLINK, 0);

	ifinfo(nlh, ifindex, 0);
	return nlh;
}

struct nlmsghdr *msg_getlink(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = start(buf, RTM_GETLINK, ifindex ? 0 : NLM_F_DUMP);

	ifinfo(nlh, ifindex, 0);
	return nlh;
}
