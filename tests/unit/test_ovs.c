// SPDX-License-Identifier: GPL-2.0
/*
 * The ovs kind without root: its plan (a datapath device per host or node,
 * veth ports whose master is the datapath, no bridge table, static
 * neighbours) and the generic netlink requests of topo/ovs.c, built
 * against buffers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/openvswitch.h>
#include <linux/rtnetlink.h>
#include "topo/internal.h"

static struct topo *plan(enum topo_layout layout, int pairs)
{
	struct topo_spec s = {
	    .kind = TOPO_OVS, .mode = -1, .pairs = pairs, .mtu = 9000, .layout = layout};
	struct topo_err err;
	struct topo *t;

	cr_assert_eq(topo_plan(&s, "ov42", &t, &err), 0, "%s", err.msg);
	return t;
}

Test(ovs, validate_takes_ovs_without_modes)
{
	struct topo_spec s = {.kind = TOPO_OVS, .mode = -1, .pairs = 4};
	struct topo_err err = {{0}};

	cr_assert_eq(topo__validate(&s, &err), 0, "%s", err.msg);
	s.layout = TOPO_SWITCHED;
	cr_assert_eq(topo__validate(&s, &err), 0, "%s", err.msg);
	s.mode = 1;
	cr_assert_eq(topo__validate(&s, &err), -EINVAL);
	cr_assert(strstr(err.msg, "ovs: has no modes"), "%s", err.msg);
}

Test(ovs, plan_local_hangs_every_pair_off_one_datapath)
{
	struct topo *t = plan(TOPO_LOCAL, 4);
	struct topo_priv *p = topo_priv(t);
	int dp = -1, ports = 0;

	cr_assert_eq(t->n_ns, 2 * 4 + 1);
	cr_assert_eq(t->ns[0].role, TOPO_NS_HOST);
	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];

		cr_assert_neq(d->kind, NS_DEV_BRIDGE, "%s: no bridge in ovs", d->ifname);
		if (d->kind != NS_DEV_OVS)
			continue;
		cr_assert_eq(dp, -1, "one datapath");
		dp = i;
		cr_assert_str_eq(d->ifname, "nstov42dp0");
		cr_assert_eq(d->ns, 0);
		cr_assert_eq(d->role, TOPO_DEV_BRIDGE);
		cr_assert_eq(d->ifindex, 2, "the first device of a fresh namespace");
		cr_assert_not(p->dx[i].create, "made over generic netlink, not rtnetlink");
	}
	cr_assert_eq(dp, 0);
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *pr = &t->pairs[i];
		int ends[2] = {pr->client_dev, pr->server_dev};

		for (int e = 0; e < 2; e++) {
			int port = p->dx[ends[e]].peer;

			cr_assert_eq(t->devs[ends[e]].kind, NS_DEV_VETH);
			cr_assert_geq(port, 0);
			cr_assert_eq(t->devs[port].kind, NS_DEV_VETH);
			cr_assert_eq(t->devs[port].master, dp, "%s is a port of the datapath",
				     t->devs[port].ifname);
			cr_assert_eq(t->devs[port].ns, 0);
			cr_assert(p->dx[port].create, "the port creates its pair");
			ports++;
		}
	}
	cr_assert_eq(ports, 8);
	cr_assert_eq(p->n_fdb, 0, "a datapath has no bridge table to fill");
	/* Static neighbours: the containers never resolve each other. */
	cr_assert_eq(p->n_hops, 2 * 4);
	for (int k = 0; k < p->n_hops; k++) {
		const struct topo_hop *h = &p->hops[k];
		const struct topo_pair *pr = &t->pairs[h->pair];
		int peer = h->client ? pr->client_dev : pr->server_dev;

		cr_assert_eq(memcmp(h->mac, p->dx[peer].mac, 6), 0);
		cr_assert_not(h->route);
	}
	topo_free(t);
}

Test(ovs, plan_switched_has_a_datapath_per_node_and_the_wire_as_port)
{
	struct topo *t = plan(TOPO_SWITCHED, 3);
	int dps[2] = {-1, -1}, n = 0;

	for (int i = 0; i < t->n_devs; i++)
		if (t->devs[i].kind == NS_DEV_OVS) {
			cr_assert_lt(n, 2);
			dps[n++] = i;
		}
	cr_assert_eq(n, 2);
	cr_assert_neq(t->devs[dps[0]].ns, t->devs[dps[1]].ns);
	cr_assert_str_eq(t->devs[dps[1]].ifname, "nstov42dp1");
	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];

		if (d->role == TOPO_DEV_WIRE) {
			cr_assert_geq(d->master, 0);
			cr_assert_eq(t->devs[d->master].kind, NS_DEV_OVS);
			cr_assert_eq(t->devs[d->master].ns, d->ns, "the wire is its node's port");
		}
		if (d->role == TOPO_DEV_CLIENT_PORT)
			cr_assert_eq(d->master, dps[0]);
		if (d->role == TOPO_DEV_SERVER_PORT)
			cr_assert_eq(d->master, dps[1]);
	}
	topo_free(t);
}

/* No IFLA_MASTER for a datapath's port: the datapath takes it as a vport. */
Test(ovs, ports_are_not_enslaved_by_rtnetlink)
{
	struct topo *t = plan(TOPO_SWITCHED, 1);
	char buf[NL_MSG_MAX];

	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];
		const struct nlattr *a;
		struct nlmsghdr *nlh;

		if (d->master < 0)
			continue;
		nlh = topo_priv(t)->dx[i].create ? msg_newlink(buf, t, i) : msg_setlink(buf, t, i);
		mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		{
			cr_assert_neq(mnl_attr_get_type(a), IFLA_MASTER, "%s", d->ifname);
		}
	}
	topo_free(t);
}

/* The attributes after the genetlink and ovs headers, by type (the last of each). */
static void attrs_of(const struct nlmsghdr *nlh, const struct nlattr **tb, int max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr) + sizeof(struct ovs_header))
	{
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
	}
}

static const struct ovs_header *ovs_hdr(const struct nlmsghdr *nlh)
{
	return (const void *)((const char *)mnl_nlmsg_get_payload(nlh) + sizeof(struct genlmsghdr));
}

Test(ovs, msg_dp_new_names_the_datapath_and_no_listener)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = msg_ovs_dp(buf, 33, OVS_DP_CMD_NEW, "nstov42dp0");
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[OVS_DP_ATTR_MAX + 1];

	cr_assert_eq(nlh->nlmsg_type, 33);
	cr_assert(nlh->nlmsg_flags & NLM_F_CREATE);
	cr_assert_eq(g->cmd, OVS_DP_CMD_NEW);
	cr_assert_eq(g->version, OVS_DATAPATH_VERSION);
	cr_assert_eq(ovs_hdr(nlh)->dp_ifindex, 0);
	attrs_of(nlh, tb, OVS_DP_ATTR_MAX);
	cr_assert_str_eq(mnl_attr_get_str(tb[OVS_DP_ATTR_NAME]), "nstov42dp0");
	cr_assert_not_null(tb[OVS_DP_ATTR_UPCALL_PID], "the kernel requires it");
	cr_assert_eq(mnl_attr_get_u32(tb[OVS_DP_ATTR_UPCALL_PID]), 0);
	nlh = msg_ovs_dp(buf, 33, OVS_DP_CMD_DEL, "nstov42dp0");
	attrs_of(nlh, tb, OVS_DP_ATTR_MAX);
	cr_assert_null(tb[OVS_DP_ATTR_UPCALL_PID]);
	cr_assert_not(nlh->nlmsg_flags & NLM_F_CREATE);
}

Test(ovs, msg_vport_is_a_netdev_port_numbered_by_ifindex)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = msg_ovs_vport(buf, 34, 2, "nstov42pc0", 5);
	const struct nlattr *tb[OVS_VPORT_ATTR_MAX + 1];

	cr_assert_eq(((const struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd,
		     OVS_VPORT_CMD_NEW);
	cr_assert_eq(ovs_hdr(nlh)->dp_ifindex, 2);
	attrs_of(nlh, tb, OVS_VPORT_ATTR_MAX);
	cr_assert_str_eq(mnl_attr_get_str(tb[OVS_VPORT_ATTR_NAME]), "nstov42pc0");
	cr_assert_eq(mnl_attr_get_u32(tb[OVS_VPORT_ATTR_TYPE]), OVS_VPORT_TYPE_NETDEV);
	cr_assert_eq(mnl_attr_get_u32(tb[OVS_VPORT_ATTR_PORT_NO]), 5);
	cr_assert_not_null(tb[OVS_VPORT_ATTR_UPCALL_PID], "the kernel requires it");
}

/* key or mask: in_port and the Ethernet addresses it holds. */
static void key_of(const struct nlattr *nest, uint32_t *in_port, struct ovs_key_ethernet *eth,
		   bool *ethertype)
{
	const struct nlattr *a;

	*ethertype = false;
	mnl_attr_for_each_nested(a, nest)
	{
		if (mnl_attr_get_type(a) == OVS_KEY_ATTR_IN_PORT)
			*in_port = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == OVS_KEY_ATTR_ETHERNET)
			memcpy(eth, mnl_attr_get_payload(a), sizeof(*eth));
		else if (mnl_attr_get_type(a) == OVS_KEY_ATTR_ETHERTYPE)
			*ethertype = true;
	}
}

Test(ovs, msg_flow_matches_the_port_any_frame_and_outputs)
{
	static const unsigned char zero[6], ones[6] = {255, 255, 255, 255, 255, 255},
					    mac[6] = {2, 0x6e, 1, 2, 0, 9};
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = msg_ovs_flow(buf, 35, 2, 4, NULL, 6);
	const struct nlattr *tb[OVS_FLOW_ATTR_MAX + 1], *a;
	struct ovs_key_ethernet eth;
	uint32_t in_port = 0, out = 0;
	bool et;
	int n_acts = 0;

	cr_assert_eq(((const struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd,
		     OVS_FLOW_CMD_NEW);
	cr_assert_eq(ovs_hdr(nlh)->dp_ifindex, 2);
	attrs_of(nlh, tb, OVS_FLOW_ATTR_MAX);
	cr_assert_not_null(tb[OVS_FLOW_ATTR_KEY]);
	cr_assert_not_null(tb[OVS_FLOW_ATTR_MASK], "a wildcard flow: without a mask, exact");
	key_of(tb[OVS_FLOW_ATTR_KEY], &in_port, &eth, &et);
	cr_assert_eq(in_port, 4);
	cr_assert_not(et, "no EtherType: ARP and IP alike");
	cr_assert_eq(memcmp(eth.eth_dst, zero, 6), 0);
	key_of(tb[OVS_FLOW_ATTR_MASK], &in_port, &eth, &et);
	cr_assert_eq(in_port, 0xffffffff);
	cr_assert_not(et);
	cr_assert_eq(memcmp(eth.eth_src, zero, 6), 0, "MACs wildcarded");
	cr_assert_eq(memcmp(eth.eth_dst, zero, 6), 0);
	mnl_attr_for_each_nested(a, tb[OVS_FLOW_ATTR_ACTIONS])
	{
		cr_assert_eq(mnl_attr_get_type(a), OVS_ACTION_ATTR_OUTPUT);
		out = mnl_attr_get_u32(a);
		n_acts++;
	}
	cr_assert_eq(n_acts, 1);
	cr_assert_eq(out, 6);

	/* From the wire (switched): by destination MAC. */
	nlh = msg_ovs_flow(buf, 35, 2, 3, mac, 4);
	attrs_of(nlh, tb, OVS_FLOW_ATTR_MAX);
	key_of(tb[OVS_FLOW_ATTR_KEY], &in_port, &eth, &et);
	cr_assert_eq(in_port, 3);
	cr_assert_eq(memcmp(eth.eth_dst, mac, 6), 0);
	key_of(tb[OVS_FLOW_ATTR_MASK], &in_port, &eth, &et);
	cr_assert_eq(memcmp(eth.eth_dst, ones, 6), 0);
	cr_assert_eq(memcmp(eth.eth_src, zero, 6), 0);
}
