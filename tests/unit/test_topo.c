// SPDX-License-Identifier: GPL-2.0
/*
 * topo without root: validation, names, the plan of every kind and layout,
 * and the rtnetlink requests built against buffers.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include "topo/internal.h"

/* Validation */

struct bad_spec {
	struct topo_spec spec;
	char says[32]; /* words the message must contain (an array: parameters cross processes) */
};

static struct topo_spec ok_spec(void)
{
	return (struct topo_spec){.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = 1, .mtu = 1500};
}

ParameterizedTestParameters(topo, validate_rejects)
{
	static struct bad_spec bad[] = {
	    {{.kind = TOPO_KIND_COUNT, .mode = -1, .pairs = 1}, "unknown kind"},
	    {{.kind = TOPO_VETH, .mode = MACVLAN_MODE_BRIDGE, .pairs = 1}, "no modes"},
	    {{.kind = TOPO_MACVLAN, .mode = 3, .pairs = 1}, "no mode 3"},
	    {{.kind = TOPO_IPVLAN, .mode = 9, .pairs = 1}, "l2, l3 or l3s"},
	    {{.kind = TOPO_VETH, .mode = -1, .pairs = 0}, "0 pairs"},
	    {{.kind = TOPO_VETH, .mode = -1, .pairs = 100000}, "100000 pairs"},
	    {{.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 50}, "MTU 50"},
	    {{.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 70000}, "MTU 70000"},
	    {{.kind = TOPO_VETH, .mode = -1, .pairs = 1, .layout = 5}, "layout"},
	    {{.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1000, .ipv6 = true}, "IPv6"},
	};

	return cr_make_param_array(struct bad_spec, bad, sizeof(bad) / sizeof(bad[0]));
}

ParameterizedTest(struct bad_spec *b, topo, validate_rejects)
{
	struct topo_err err = {{0}};

	cr_assert_eq(topo__validate(&b->spec, &err), -EINVAL);
	cr_assert(strstr(err.msg, b->says), "'%s' lacks '%s'", err.msg, b->says);
	cr_assert(!strchr(err.msg, '\n'), "one line: %s", err.msg);
}

Test(topo, validate_accepts_the_range)
{
	struct topo_spec s = ok_spec();
	struct topo_err err;
	int mtus[] = {0, 68, 1500, 9000, 65535};

	for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		s.mtu = mtus[i];
		cr_assert_eq(topo__validate(&s, &err), 0, "MTU %d: %s", mtus[i], err.msg);
	}
	s.mtu = 1500;
	s.pairs = TOPO_MAX_PAIRS;
	cr_assert_eq(topo__validate(&s, &err), 0);
	s.kind = TOPO_MACVLAN;
	s.mode = MACVLAN_MODE_SOURCE;
	cr_assert_eq(topo__validate(&s, &err), 0);
	s.kind = TOPO_IPVLAN;
	s.mode = IPVLAN_MODE_L3S;
	cr_assert_eq(topo__validate(&s, &err), 0);
}

/* Names */

Test(topo, names_round_trip)
{
	for (int k = 0; k < TOPO_KIND_COUNT; k++)
		cr_assert_eq(topo_kind__parse(topo_kind__name(k)), k);
	cr_assert_eq(topo_kind__parse("ipvlan"), TOPO_IPVLAN);
	cr_assert_eq(topo_kind__parse("geneve"), -1);
	cr_assert_eq(topo_kind__parse(NULL), -1);
	cr_assert_eq(topo_mode__parse(TOPO_MACVLAN, "passthru"), MACVLAN_MODE_PASSTHRU);
	cr_assert_eq(topo_mode__parse(TOPO_IPVLAN, "l3s"), IPVLAN_MODE_L3S);
	cr_assert_eq(topo_mode__parse(TOPO_IPVLAN, "bridge"), -1, "a macvlan mode is not ipvlan's");
	cr_assert_eq(topo_mode__parse(TOPO_VETH, "bridge"), -1);
	cr_assert_str_eq(topo_mode__name(TOPO_MACVLAN, -1), "bridge");
	cr_assert_str_eq(topo_mode__name(TOPO_IPVLAN, -1), "l3");
	cr_assert_str_eq(topo_mode__name(TOPO_MACVLAN, MACVLAN_MODE_VEPA), "vepa");
	cr_assert_eq(topo_layout__parse("switched"), TOPO_SWITCHED);
	cr_assert_eq(topo_layout__parse("remote"), -1);
	cr_assert_str_eq(topo_layout__name(TOPO_LOCAL), "local");
	cr_assert_str_eq(ns_dev_kind__name(NS_DEV_IPVLAN), "ipvlan");
}

Test(topo, namespace_names_parse)
{
	char name[64], run[TOPO_RUN_ID_LEN + 1];
	enum topo_ns_role role;
	int index;

	topo_ns_name(name, sizeof(name), "ab12", TOPO_NS_SERVER, 255);
	cr_assert_str_eq(name, "netstage-ab12-s255");
	cr_assert_eq(topo_ns_name_parse(name, run, &role, &index), 0);
	cr_assert_str_eq(run, "ab12");
	cr_assert_eq(role, TOPO_NS_SERVER);
	cr_assert_eq(index, 255);
	cr_assert_eq(topo_ns_name_parse("netstage-ab12-h0", NULL, &role, NULL), 0);
	cr_assert_eq(role, TOPO_NS_HOST);
	/* Not ours: other shapes are never touched. */
	cr_assert_eq(topo_ns_name_parse("netstage-sa-a", NULL, NULL, NULL), -1);
	cr_assert_eq(topo_ns_name_parse("netstage-AB12-c0", NULL, NULL, NULL), -1);
	cr_assert_eq(topo_ns_name_parse("netstage-ab12-q0", NULL, NULL, NULL), -1);
	cr_assert_eq(topo_ns_name_parse("netstage-ab12-c", NULL, NULL, NULL), -1);
	cr_assert_eq(topo_ns_name_parse("netstage-ab12-c1x", NULL, NULL, NULL), -1);
	cr_assert_eq(topo_ns_name_parse("docker-ab12-c0", NULL, NULL, NULL), -1);
	cr_assert(topo_run_id_valid("0z9a"));
	cr_assert(!topo_run_id_valid("0z9"));
	cr_assert(!topo_run_id_valid("0Z9a"));
	cr_assert(!topo_run_id_valid("0z9a-"));
}

Test(topo, pair_addresses)
{
	struct in_addr a;
	struct in6_addr a6;
	char txt[INET6_ADDRSTRLEN];

	topo_pair_addr(255, false, &a, &a6);
	cr_assert_str_eq(inet_ntop(AF_INET, &a, txt, sizeof(txt)), "198.18.255.2");
	cr_assert_str_eq(inet_ntop(AF_INET6, &a6, txt, sizeof(txt)), "2001:2:0:ff::2");
	topo_pair_addr(0, true, &a, &a6);
	cr_assert_str_eq(inet_ntop(AF_INET, &a, txt, sizeof(txt)), "198.18.0.1");
	cr_assert_str_eq(inet_ntop(AF_INET6, &a6, txt, sizeof(txt)), "2001:2::1");
}

/* The plan of every kind, mode and layout */

struct plan_case {
	enum topo_kind kind;
	int mode;
	enum topo_layout layout;
	int n_ns_extra; /* namespaces besides the containers */
	bool bridge;	/* a bridge device exists */
};

ParameterizedTestParameters(topo, plan_is_consistent)
{
	static struct plan_case cases[] = {
	    {TOPO_VETH, -1, TOPO_LOCAL, 0, false},
	    {TOPO_VETH, -1, TOPO_SWITCHED, 2, false},
	    {TOPO_VETH_BRIDGE, -1, TOPO_LOCAL, 1, true},
	    {TOPO_VETH_BRIDGE, -1, TOPO_SWITCHED, 2, true},
	    {TOPO_MACVLAN, MACVLAN_MODE_BRIDGE, TOPO_LOCAL, 1, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_VEPA, TOPO_LOCAL, 1, true},
	    {TOPO_MACVLAN, MACVLAN_MODE_PRIVATE, TOPO_SWITCHED, 2, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_PASSTHRU, TOPO_LOCAL, 1, true},
	    {TOPO_MACVLAN, MACVLAN_MODE_PASSTHRU, TOPO_SWITCHED, 2, true},
	    {TOPO_MACVLAN, MACVLAN_MODE_SOURCE, TOPO_LOCAL, 1, true},
	    {TOPO_IPVLAN, IPVLAN_MODE_L2, TOPO_LOCAL, 1, false},
	    {TOPO_IPVLAN, IPVLAN_MODE_L3, TOPO_SWITCHED, 2, false},
	    {TOPO_IPVLAN, IPVLAN_MODE_L3S, TOPO_LOCAL, 1, false},
	};

	return cr_make_param_array(struct plan_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct plan_case *c, topo, plan_is_consistent)
{
	struct topo_spec s = {.kind = c->kind,
			      .mode = c->mode,
			      .pairs = TOPO_MAX_PAIRS,
			      .mtu = 9000,
			      .layout = c->layout};
	struct topo_err err;
	struct topo *t;
	struct topo_priv *p;
	bool has_bridge = false;

	cr_assert_eq(topo_plan(&s, "zz09", &t, &err), 0, "%s", err.msg);
	p = topo_priv(t);
	cr_assert_eq(t->n_pairs, TOPO_MAX_PAIRS);
	cr_assert_eq(t->n_ns, 2 * TOPO_MAX_PAIRS + c->n_ns_extra);
	cr_assert(t->owned);
	for (int i = 0; i < t->n_ns; i++) {
		cr_assert_eq(topo_ns_name_parse(t->ns[i].name, NULL, NULL, NULL), 0, "%s",
			     t->ns[i].name);
		cr_assert_eq(t->ns[i].fd, -1);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(t->ns[i].name, t->ns[j].name);
	}
	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];

		cr_assert_leq(strlen(d->ifname), IFNAMSIZ - 1, "%s", d->ifname);
		cr_assert_eq(strncmp(d->ifname, "nstzz09", 7), 0, "%s", d->ifname);
		cr_assert_eq(d->mtu, 9000);
		cr_assert_eq(d->ifindex, i + 2);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(d->ifname, t->devs[j].ifname);
		if (d->master >= 0)
			cr_assert_eq(t->devs[d->master].kind, NS_DEV_BRIDGE);
		if (d->master >= 0)
			cr_assert_eq(t->devs[d->master].ns, d->ns,
				     "a master is in its port's namespace");
		if (d->kind == NS_DEV_MACVLAN || d->kind == NS_DEV_IPVLAN) {
			cr_assert_geq(d->lower, 0);
			cr_assert_eq(t->devs[d->lower].kind, NS_DEV_VETH);
			cr_assert_eq(p->dx[i].send_ns, t->devs[d->lower].ns,
				     "sent from its lower's namespace");
		}
		if (d->kind == NS_DEV_VETH) {
			int peer = p->dx[i].peer;

			cr_assert_geq(peer, 0, "%s has a peer", d->ifname);
			cr_assert_eq(p->dx[peer].peer, i);
			cr_assert_neq(p->dx[i].create, p->dx[peer].create,
				      "one end creates the pair");
			/* The peer's master is set after creation; hairpin needs it at creation. */
			if (p->dx[i].hairpin)
				cr_assert(p->dx[i].create);
		}
		has_bridge |= d->kind == NS_DEV_BRIDGE;
		for (int j = 0; j < i && d->kind != NS_DEV_IPVLAN; j++)
			if (t->devs[j].kind != NS_DEV_IPVLAN &&
			    !(c->mode == MACVLAN_MODE_PASSTHRU &&
			      (d->role == TOPO_DEV_LOWER || t->devs[j].role == TOPO_DEV_LOWER)))
				cr_assert_neq(memcmp(p->dx[i].mac, p->dx[j].mac, 6), 0,
					      "%s and %s share a MAC", d->ifname,
					      t->devs[j].ifname);
	}
	cr_assert_eq(has_bridge, c->bridge);
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *pr = &t->pairs[i];
		const struct topo_dev *cd = &t->devs[pr->client_dev],
				      *sd = &t->devs[pr->server_dev];

		cr_assert_eq(cd->ns, pr->client_ns);
		cr_assert_eq(sd->ns, pr->server_ns);
		cr_assert_eq(t->ns[pr->client_ns].role, TOPO_NS_CLIENT);
		cr_assert_eq(t->ns[pr->server_ns].role, TOPO_NS_SERVER);
		cr_assert_eq(cd->role, TOPO_DEV_CLIENT_IF);
		cr_assert_eq(cd->pair, i);
		cr_assert_eq(ntohl(pr->client_ip4.s_addr), 0xc6120001u | (i << 8));
		if (c->layout == TOPO_SWITCHED && c->kind != TOPO_VETH)
			cr_assert_neq(t->ns[cd->lower >= 0 ? t->devs[cd->lower].ns : 0].index,
				      t->ns[sd->lower >= 0 ? t->devs[sd->lower].ns : 1].index,
				      "a switched pair spans the two nodes");
	}
	topo_free(t);
}

Test(topo, plan_neighbours_point_at_the_peer)
{
	struct topo_spec s = {.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = 4, .mtu = 1500};
	struct topo_err err;
	struct topo *t;
	struct topo_priv *p;
	int n_client = 0;

	cr_assert_eq(topo_plan(&s, "ab12", &t, &err), 0);
	p = topo_priv(t);
	for (int k = 0; k < p->n_hops; k++) {
		const struct topo_hop *h = &p->hops[k];
		const struct topo_pair *pr = &t->pairs[h->pair];

		cr_assert(!h->route, "a bridge needs no routes");
		if (h->ns == pr->client_ns) {
			n_client++;
			cr_assert(!h->client, "the client's entry is for the server's address");
			cr_assert_eq(memcmp(h->mac, p->dx[pr->server_dev].mac, 6), 0);
		}
	}
	cr_assert_eq(n_client, 4);
	/* Every container's MAC is known to the bridge: nothing is flooded. */
	cr_assert_eq(p->n_fdb, 8);
	topo_free(t);
}

Test(topo, plan_ipvlan_l3_needs_no_neighbours_but_nodes_route)
{
	struct topo_spec s = {
	    .kind = TOPO_IPVLAN, .mode = IPVLAN_MODE_L3, .pairs = 2, .layout = TOPO_SWITCHED};
	struct topo_err err;
	struct topo *t;
	struct topo_priv *p;

	cr_assert_eq(topo_plan(&s, "ab12", &t, &err), 0);
	p = topo_priv(t);
	cr_assert_eq(p->n_hops, 4);
	for (int k = 0; k < p->n_hops; k++) {
		cr_assert(p->hops[k].route);
		cr_assert_eq(t->ns[p->hops[k].ns].role, TOPO_NS_NODE);
		cr_assert_eq(t->devs[p->hops[k].dev].role, TOPO_DEV_WIRE);
	}
	/* ipvlan devices have their lower's MAC. */
	cr_assert_eq(memcmp(p->dx[t->pairs[0].client_dev].mac,
			    p->dx[t->devs[t->pairs[0].client_dev].lower].mac, 6),
		     0);
	topo_free(t);
}

Test(topo, plan_rejects_a_bad_run_id)
{
	struct topo_spec s = ok_spec();
	struct topo_err err;
	struct topo *t;

	cr_assert_eq(topo_plan(&s, "AB12", &t, &err), -EINVAL);
	cr_assert_null(t);
	cr_assert(strstr(err.msg, "run id"));
}

/* Requests against buffers */

struct attrs {
	const struct nlattr *a[IFLA_MAX + 1];
};

static int keep_attr(const struct nlattr *attr, void *data)
{
	struct attrs *at = data;
	int type = mnl_attr_get_type(attr);

	if (type <= IFLA_MAX)
		at->a[type] = attr;
	return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *nlh, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	cr_assert_eq(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), keep_attr, at), MNL_CB_OK);
}

static void parse_nested(const struct nlattr *nest, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	cr_assert_eq(mnl_attr_parse_nested(nest, keep_attr, at), MNL_CB_OK);
}

static struct topo *plan_with_fds(enum topo_kind kind, int mode, enum topo_layout layout)
{
	struct topo_spec s = {
	    .kind = kind, .mode = mode, .pairs = 2, .mtu = 9000, .layout = layout};
	struct topo_err err;
	struct topo *t;

	cr_assert_eq(topo_plan(&s, "ab12", &t, &err), 0, "%s", err.msg);
	for (int i = 0; i < t->n_ns; i++)
		t->ns[i].fd = 100 + i; /* as if open: IFLA_NET_NS_FD names them */
	return t;
}

static void release(struct topo *t)
{
	for (int i = 0; i < t->n_ns; i++)
		t->ns[i].fd = -1;
	topo_free(t);
}

Test(topo, msg_newlink_veth_port_with_peer_in_container)
{
	struct topo *t = plan_with_fds(TOPO_VETH_BRIDGE, -1, TOPO_LOCAL);
	struct topo_priv *p = topo_priv(t);
	char buf[NL_MSG_MAX];
	struct attrs at, li, data, peer;
	int port = p->dx[t->pairs[1].client_dev].peer;
	const struct topo_dev *d = &t->devs[port], *c = &t->devs[t->pairs[1].client_dev];
	struct nlmsghdr *nlh = msg_newlink(buf, t, port);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh), *pm;

	cr_assert(p->dx[port].create, "the bridge port creates the pair");
	cr_assert_eq(nlh->nlmsg_type, RTM_NEWLINK);
	cr_assert_eq(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
	cr_assert_eq(ifm->ifi_index, d->ifindex);
	cr_assert_eq(ifm->ifi_flags & IFF_UP, IFF_UP);
	parse_link(nlh, &at);
	cr_assert_str_eq(mnl_attr_get_str(at.a[IFLA_IFNAME]), d->ifname);
	cr_assert_str_eq(d->ifname, "nstab12pc1");
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_MTU]), 9000);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_GROUP]), TOPO_GROUP);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_MASTER]), t->devs[d->master].ifindex);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_NET_NS_FD]), 100 + d->ns);
	cr_assert_eq(memcmp(mnl_attr_get_payload(at.a[IFLA_ADDRESS]), p->dx[port].mac, 6), 0);
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "veth");
	parse_nested(li.a[IFLA_INFO_DATA], &data);
	cr_assert_not_null(data.a[VETH_INFO_PEER]);
	/* VETH_INFO_PEER: an ifinfomsg, then the peer's own attributes. */
	pm = mnl_attr_get_payload(data.a[VETH_INFO_PEER]);
	cr_assert_eq(pm->ifi_index, c->ifindex);
	cr_assert_eq(pm->ifi_flags & IFF_UP, 0, "a peer cannot come up at creation (ENOTCONN)");
	memset(&peer, 0, sizeof(peer));
	cr_assert_eq(mnl_attr_parse_payload((char *)pm + MNL_ALIGN(sizeof(*pm)),
					    mnl_attr_get_payload_len(data.a[VETH_INFO_PEER]) -
						MNL_ALIGN(sizeof(*pm)),
					    keep_attr, &peer),
		     MNL_CB_OK);
	cr_assert_str_eq(mnl_attr_get_str(peer.a[IFLA_IFNAME]), c->ifname);
	cr_assert_eq(mnl_attr_get_u32(peer.a[IFLA_NET_NS_FD]), 100 + c->ns);
	cr_assert_eq(mnl_attr_get_u32(peer.a[IFLA_MTU]), 9000);
	cr_assert_null(peer.a[IFLA_MASTER]);
	release(t);
}

Test(topo, msg_newlink_macvlan_source_lists_the_peer)
{
	struct topo *t = plan_with_fds(TOPO_MACVLAN, MACVLAN_MODE_SOURCE, TOPO_LOCAL);
	struct topo_priv *p = topo_priv(t);
	int c = t->pairs[0].client_dev, s = t->pairs[0].server_dev;
	char buf[NL_MSG_MAX];
	struct attrs at, li, data, macs;
	struct nlmsghdr *nlh = msg_newlink(buf, t, c);

	parse_link(nlh, &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_LINK]), t->devs[t->devs[c].lower].ifindex);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_NET_NS_FD]), 100 + t->pairs[0].client_ns);
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "macvlan");
	parse_nested(li.a[IFLA_INFO_DATA], &data);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_MACVLAN_MODE]), MACVLAN_MODE_SOURCE);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_MACVLAN_MACADDR_MODE]), MACVLAN_MACADDR_SET);
	parse_nested(data.a[IFLA_MACVLAN_MACADDR_DATA], &macs);
	cr_assert_eq(memcmp(mnl_attr_get_payload(macs.a[IFLA_MACVLAN_MACADDR]), p->dx[s].mac, 6),
		     0);
	release(t);
}

Test(topo, msg_newlink_ipvlan_mode_and_no_mac)
{
	struct topo *t = plan_with_fds(TOPO_IPVLAN, IPVLAN_MODE_L3S, TOPO_SWITCHED);
	int s = t->pairs[1].server_dev;
	char buf[NL_MSG_MAX];
	struct attrs at, li, data;

	parse_link(msg_newlink(buf, t, s), &at);
	cr_assert_null(at.a[IFLA_ADDRESS], "ipvlan refuses a MAC of its own");
	cr_assert_eq(t->ns[t->devs[t->devs[s].lower].ns].index, 1, "servers sit on node 1");
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "ipvlan");
	parse_nested(li.a[IFLA_INFO_DATA], &data);
	cr_assert_eq(mnl_attr_get_u16(data.a[IFLA_IPVLAN_MODE]), IPVLAN_MODE_L3S);
	release(t);
}

Test(topo, msg_setlink_alias_up_master_hairpin)
{
	struct topo *t = plan_with_fds(TOPO_MACVLAN, MACVLAN_MODE_VEPA, TOPO_LOCAL);
	struct topo_priv *p = topo_priv(t);
	char buf[NL_MSG_MAX];
	struct attrs at, li, sd;
	int lp = -1, lo = -1;

	for (int i = 0; i < t->n_devs; i++) {
		if (t->devs[i].role == TOPO_DEV_LOWER_PEER)
			lp = i;
		if (t->devs[i].role == TOPO_DEV_LOWER)
			lo = i;
	}
	cr_assert(lp >= 0 && lo >= 0);
	cr_assert(p->dx[lp].hairpin, "VEPA needs a switch that reflects frames");
	parse_link(msg_setlink(buf, t, lp), &at);
	cr_assert_str_eq(mnl_attr_get_str(at.a[IFLA_IFALIAS]), "netstage ab12 lower-peer");
	parse_nested(at.a[IFLA_LINKINFO], &li);
	parse_nested(li.a[IFLA_INFO_SLAVE_DATA], &sd);
	cr_assert_eq(mnl_attr_get_u8(sd.a[IFLA_BRPORT_MODE]), 1);
	/* The lower is the pair's peer end: it comes up here. */
	{
		struct nlmsghdr *nlh = msg_setlink(buf, t, lo);
		struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

		cr_assert_eq(ifm->ifi_flags & IFF_UP, IFF_UP);
		cr_assert_eq(nlh->nlmsg_flags & NLM_F_CREATE, 0);
	}
	parse_link(msg_setlink(buf, t, t->pairs[1].server_dev), &at);
	cr_assert_str_eq(mnl_attr_get_str(at.a[IFLA_IFALIAS]), "netstage ab12 server-if 1");
	release(t);
}

/* The probe's test devices: a veth pair at 2 and 3, macvlan/ipvlan on it, nothing of ours. */
Test(topo, msg_probe_newlink_pair_and_a_kind_on_it)
{
	char buf[NL_MSG_MAX];
	struct attrs at, li, data, peer;
	struct nlmsghdr *nlh = msg_probe_newlink(buf, NS_DEV_VETH, -1);
	struct ifinfomsg *pm;

	cr_assert_eq(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
	cr_assert_eq(((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, MSG_PROBE_LOWER);
	parse_link(nlh, &at);
	cr_assert_str_eq(mnl_attr_get_str(at.a[IFLA_IFNAME]), "nstprobe0");
	cr_assert_null(at.a[IFLA_GROUP], "not one of a topology's devices");
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "veth");
	parse_nested(li.a[IFLA_INFO_DATA], &data);
	pm = mnl_attr_get_payload(data.a[VETH_INFO_PEER]);
	cr_assert_eq(pm->ifi_index, MSG_PROBE_LOWER + 1, "both ends' indexes are chosen");
	memset(&peer, 0, sizeof(peer));
	cr_assert_eq(mnl_attr_parse_payload((char *)pm + MNL_ALIGN(sizeof(*pm)),
					    mnl_attr_get_payload_len(data.a[VETH_INFO_PEER]) -
						MNL_ALIGN(sizeof(*pm)),
					    keep_attr, &peer),
		     MNL_CB_OK);
	cr_assert_str_eq(mnl_attr_get_str(peer.a[IFLA_IFNAME]), "nstprobe1");

	parse_link(msg_probe_newlink(buf, NS_DEV_MACVLAN, MACVLAN_MODE_VEPA), &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_LINK]), MSG_PROBE_LOWER, "on the pair's first end");
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "macvlan");
	parse_nested(li.a[IFLA_INFO_DATA], &data);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_MACVLAN_MODE]), MACVLAN_MODE_VEPA);

	parse_link(msg_probe_newlink(buf, NS_DEV_IPVLAN, IPVLAN_MODE_L3), &at);
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "ipvlan");
	parse_nested(li.a[IFLA_INFO_DATA], &data);
	cr_assert_eq(mnl_attr_get_u16(data.a[IFLA_IPVLAN_MODE]), IPVLAN_MODE_L3);

	parse_link(msg_probe_newlink(buf, NS_DEV_VXLAN, -1), &at);
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "vxlan");
	parse_nested(li.a[IFLA_INFO_DATA], &data);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_VXLAN_ID]), TOPO_VXLAN_VNI);

	parse_link(msg_probe_newlink(buf, NS_DEV_BRIDGE, -1), &at);
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "bridge");
	cr_assert_null(li.a[IFLA_INFO_DATA]);
}

Test(topo, msg_addr_neigh_fdb_route_dellink)
{
	char buf[NL_MSG_MAX];
	struct in_addr ip = {htonl(0xc6120102)};
	struct in6_addr ip6;
	unsigned char mac[6] = {2, 0x6e, 1, 2, 3, 4};
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct ndmsg *nd;
	struct rtmsg *rtm;
	struct attrs at;

	nlh = msg_addr(buf, 7, AF_INET, &ip, 24);
	ifa = mnl_nlmsg_get_payload(nlh);
	cr_assert_eq(nlh->nlmsg_type, RTM_NEWADDR);
	cr_assert_eq(ifa->ifa_index, 7);
	cr_assert_eq(ifa->ifa_prefixlen, 24);
	memset(&at, 0, sizeof(at));
	mnl_attr_parse(nlh, sizeof(*ifa), keep_attr, &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFA_LOCAL]), ip.s_addr);

	topo_pair_addr(3, true, NULL, &ip6);
	nlh = msg_addr(buf, 7, AF_INET6, &ip6, 64);
	ifa = mnl_nlmsg_get_payload(nlh);
	memset(&at, 0, sizeof(at));
	mnl_attr_parse(nlh, sizeof(*ifa), keep_attr, &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFA_FLAGS]) & IFA_F_NODAD, IFA_F_NODAD,
		     "no DAD probes on the wire");

	nlh = msg_neigh(buf, 9, AF_INET, &ip, mac);
	nd = mnl_nlmsg_get_payload(nlh);
	cr_assert_eq(nlh->nlmsg_type, RTM_NEWNEIGH);
	cr_assert_eq(nd->ndm_state, NUD_PERMANENT);
	cr_assert_eq(nd->ndm_ifindex, 9);
	memset(&at, 0, sizeof(at));
	mnl_attr_parse(nlh, sizeof(*nd), keep_attr, &at);
	cr_assert_eq(memcmp(mnl_attr_get_payload(at.a[NDA_LLADDR]), mac, 6), 0);

	nlh = msg_fdb(buf, 11, mac);
	nd = mnl_nlmsg_get_payload(nlh);
	cr_assert_eq(nd->ndm_family, AF_BRIDGE);
	cr_assert_eq(nd->ndm_flags, NTF_MASTER);
	cr_assert_eq(nd->ndm_state, NUD_NOARP, "static, not a local entry");

	nlh = msg_route(buf, 5, AF_INET, &ip);
	rtm = mnl_nlmsg_get_payload(nlh);
	cr_assert_eq(rtm->rtm_dst_len, 32);
	cr_assert_eq(rtm->rtm_scope, RT_SCOPE_LINK);
	memset(&at, 0, sizeof(at));
	mnl_attr_parse(nlh, sizeof(*rtm), keep_attr, &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[RTA_OIF]), 5);

	nlh = msg_dellink_group(buf, TOPO_GROUP);
	cr_assert_eq(nlh->nlmsg_type, RTM_DELLINK);
	cr_assert_eq(((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 0);
	parse_link(nlh, &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_GROUP]), TOPO_GROUP);
}

Test(topo, batch_numbers_requests_and_asks_for_acks)
{
	struct nl_batch b;
	char buf[NL_MSG_MAX];
	const struct nlmsghdr *nlh;

	nl_batch_init(&b);
	for (int i = 0; i < 2000; i++)
		cr_assert_eq(nl_batch_add(&b, msg_link_up(buf, i + 2), "up %d", i), 0);
	cr_assert_eq(b.n, 2000);
	nlh = (const struct nlmsghdr *)b.buf;
	for (int i = 0; i < 2000; i++) {
		cr_assert_eq(nlh->nlmsg_seq, (unsigned int)i + 1);
		cr_assert(nlh->nlmsg_flags & NLM_F_ACK);
		cr_assert_eq(((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, i + 2);
		nlh = (const struct nlmsghdr *)((const char *)nlh + MNL_ALIGN(nlh->nlmsg_len));
	}
	cr_assert_str_eq(b.what[1999], "up 1999");
	nl_batch_free(&b);
}

Test(topo, ack_parse_keeps_the_kernels_text)
{
	char buf[512] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;
	char ext[128];

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EOPNOTSUPP;
	e->msg.nlmsg_len = 200; /* the request's length; capped, so its body is not echoed */
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Unknown device type");
	cr_assert_eq(nl_parse_ack(nlh, ext, sizeof(ext)), -EOPNOTSUPP);
	cr_assert_str_eq(ext, "Unknown device type");

	nlh->nlmsg_flags = 0;
	cr_assert_eq(nl_parse_ack(nlh, ext, sizeof(ext)), -EOPNOTSUPP);
	cr_assert_str_eq(ext, "", "no TLVs flagged: no text");
}

/* The kinds of issue 8: host, container, nat, vxlan */

ParameterizedTestParameters(topo, validate_rejects_new_kinds)
{
	static struct bad_spec bad[] = {
	    {{.kind = TOPO_HOST, .mode = MACVLAN_MODE_BRIDGE, .pairs = 1}, "host: has no modes"},
	    {{.kind = TOPO_CONTAINER, .mode = 1, .pairs = 1}, "container: has no modes"},
	    {{.kind = TOPO_NAT, .mode = 1, .pairs = 1}, "nat: has no modes"},
	    {{.kind = TOPO_VXLAN, .mode = 1, .pairs = 1, .layout = TOPO_SWITCHED}, "no modes"},
	    {{.kind = TOPO_VXLAN, .mode = -1, .pairs = 1, .layout = TOPO_LOCAL}, "--layout local"},
	    {{.kind = TOPO_VXLAN, .mode = -1, .pairs = 1, .mtu = 100, .layout = TOPO_SWITCHED},
	     "MTU of 118"},
	    {{.kind = TOPO_VXLAN,
	      .mode = -1,
	      .pairs = 1,
	      .mtu = 1300,
	      .layout = TOPO_SWITCHED,
	      .ipv6 = true},
	     "raise --mtu to 1330"},
	    {{.kind = TOPO_NAT, .mode = -1, .pairs = 1, .ipv6 = true}, "drop --ipv6"},
	};

	return cr_make_param_array(struct bad_spec, bad, sizeof(bad) / sizeof(bad[0]));
}

ParameterizedTest(struct bad_spec *b, topo, validate_rejects_new_kinds)
{
	struct topo_err err = {{0}};

	cr_assert_eq(topo__validate(&b->spec, &err), -EINVAL);
	cr_assert(strstr(err.msg, b->says), "'%s' lacks '%s'", err.msg, b->says);
}

static struct topo *plan_kind(enum topo_kind kind, int pairs, int mtu, bool ipv6)
{
	struct topo_spec s = {.kind = kind,
			      .mode = -1,
			      .pairs = pairs,
			      .mtu = mtu,
			      .layout = kind == TOPO_VXLAN ? TOPO_SWITCHED : TOPO_LOCAL,
			      .ipv6 = ipv6};
	struct topo_err err;
	struct topo *t;

	cr_assert_eq(topo_plan(&s, "ab12", &t, &err), 0, "%s", err.msg);
	return t;
}

static int count_extra(const struct topo *t, enum topo_extra_type type, int dev, int family,
		       int plen)
{
	const struct topo_priv *p = topo_priv(t);
	int n = 0;

	for (int k = 0; k < p->n_extra; k++)
		n += p->extra[k].type == type && p->extra[k].dev == dev &&
		     p->extra[k].family == family && (plen < 0 || p->extra[k].plen == plen);
	return n;
}

Test(topo, plan_host_is_one_namespace_over_its_lo)
{
	struct topo *t = plan_kind(TOPO_HOST, TOPO_MAX_PAIRS, 9000, true);
	const struct topo_dev *lo;

	cr_assert_eq(t->n_ns, 1);
	cr_assert_str_eq(t->ns[0].name, "netstage-ab12-h0");
	cr_assert_eq(t->ns[0].role, TOPO_NS_HOST);
	cr_assert_eq(t->n_devs, 1, "lo only");
	lo = &t->devs[0];
	cr_assert_str_eq(lo->ifname, "lo");
	cr_assert_eq(lo->ifindex, 1);
	cr_assert_eq(lo->kind, NS_DEV_LOOPBACK);
	cr_assert_eq(lo->mtu, 9000);
	cr_assert_eq(lo->pair, -1, "shared by every pair");
	cr_assert(!topo_priv(t)->dx[0].create, "lo is never created (nor deleted)");
	cr_assert_eq(topo_priv(t)->n_hops, 0);
	cr_assert_eq(topo_priv(t)->n_fdb, 0);
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *pr = &t->pairs[i];

		cr_assert_eq(pr->client_ns, 0);
		cr_assert_eq(pr->server_ns, 0);
		cr_assert_eq(pr->client_dev, 0);
		cr_assert_eq(pr->server_dev, 0);
		cr_assert_eq(ntohl(pr->server_ip4.s_addr), 0xc6120002u | (i << 8));
		cr_assert_eq(pr->target_ip4.s_addr, pr->server_ip4.s_addr);
		cr_assert_eq(pr->target_port, 0, "the server's own port");
	}
	/* Every pair's two addresses as /32 (and /128) on lo. */
	cr_assert_eq(count_extra(t, TOPO_X_ADDR, 0, AF_INET, 32), 2 * TOPO_MAX_PAIRS);
	cr_assert_eq(count_extra(t, TOPO_X_ADDR, 0, AF_INET6, 128), 2 * TOPO_MAX_PAIRS);
	topo_free(t);
}

Test(topo, plan_container_is_a_pod_per_pair)
{
	struct topo *t = plan_kind(TOPO_CONTAINER, 4, 1500, false);
	enum topo_ns_role role;
	int index;

	cr_assert_eq(t->n_ns, 4);
	cr_assert_eq(t->n_devs, 4);
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *pr = &t->pairs[i];
		const struct topo_dev *d = &t->devs[pr->client_dev];
		char name[64];

		snprintf(name, sizeof(name), "netstage-ab12-p%d", i);
		cr_assert_str_eq(t->ns[pr->client_ns].name, name);
		cr_assert_eq(topo_ns_name_parse(name, NULL, &role, &index), 0,
			     "down --all and list find pods");
		cr_assert_eq(role, TOPO_NS_POD);
		cr_assert_eq(index, i);
		cr_assert_eq(pr->server_ns, pr->client_ns);
		cr_assert_eq(pr->server_dev, pr->client_dev);
		cr_assert_eq(d->kind, NS_DEV_LOOPBACK);
		cr_assert_eq(d->ifindex, 1);
		cr_assert_eq(d->ns, pr->client_ns);
		cr_assert_eq(count_extra(t, TOPO_X_ADDR, pr->client_dev, AF_INET, 32), 2);
		cr_assert_eq(count_extra(t, TOPO_X_ADDR, pr->client_dev, AF_INET6, -1), 0,
			     "IPv6 off");
	}
	cr_assert_str_eq(topo_ns_role_name(TOPO_NS_POD), "pod");
	topo_free(t);
}

Test(topo, plan_nat_publishes_a_port_per_pair)
{
	struct topo *t = plan_kind(TOPO_NAT, TOPO_MAX_PAIRS, 1500, false);
	struct topo_priv *p = topo_priv(t);
	char *rules, want[160], txt[INET_ADDRSTRLEN];
	int br = -1;

	cr_assert_eq(t->n_ns, 2 * TOPO_MAX_PAIRS + 1);
	cr_assert_eq(t->ns[0].role, TOPO_NS_HOST);
	for (int i = 0; i < t->n_devs; i++)
		if (t->devs[i].kind == NS_DEV_BRIDGE)
			br = i;
	cr_assert_geq(br, 0);
	cr_assert_eq(count_extra(t, TOPO_X_ADDR, br, AF_INET, 16), 1, "the gateway on the bridge");
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *pr = &t->pairs[i];
		const struct topo_dev *c = &t->devs[pr->client_dev], *s = &t->devs[pr->server_dev];
		int pc = p->dx[pr->client_dev].peer, ps = p->dx[pr->server_dev].peer;

		cr_assert_eq(ntohl(pr->client_ip4.s_addr), 0xc6130001u | (i << 8), "198.19.P.1");
		cr_assert_eq(ntohl(pr->server_ip4.s_addr), 0xc6120002u | (i << 8), "198.18.P.2");
		cr_assert_eq(ntohl(pr->target_ip4.s_addr), 0xc61300feu | (i << 8),
			     "the host's address on the client's link");
		cr_assert_eq(pr->target_port, TOPO_NAT_PORT_BASE + i);
		cr_assert_eq(c->kind, NS_DEV_VETH);
		cr_assert_eq(t->devs[pc].ns, 0, "the client's link ends in the host");
		cr_assert_eq(t->devs[pc].master, -1, "outside, not on the bridge");
		cr_assert_eq(t->devs[ps].master, br, "the server is on the bridge");
		cr_assert_eq(s->ns, pr->server_ns);
		cr_assert_eq(p->dx[pr->server_dev].prefix, 16, "one subnet behind the bridge");
		cr_assert_eq(count_extra(t, TOPO_X_DEFAULT_VIA, pr->server_dev, AF_INET, -1), 1);
		cr_assert_eq(count_extra(t, TOPO_X_DEFAULT_VIA, pr->client_dev, AF_INET, -1), 0,
			     "the client has no route to the containers: only the published port");
		cr_assert_eq(count_extra(t, TOPO_X_ADDR, pc, AF_INET, 24), 1);
	}
	rules = nat_ruleset(t);
	cr_assert_not_null(rules);
	cr_assert(strstr(rules, "table ip netstage_ab12 {"), "%s", rules);
	cr_assert(strstr(rules, "type nat hook prerouting priority dstnat"));
	cr_assert(strstr(rules, "type nat hook postrouting priority srcnat"));
	inet_ntop(AF_INET, &t->pairs[7].server_ip4, txt, sizeof(txt));
	snprintf(want, sizeof(want),
		 "fib daddr type local iifname != \"nstab12br0\" meta l4proto { tcp, udp } th "
		 "dport %d dnat to %s:5201",
		 TOPO_NAT_PORT_BASE + 7, txt);
	cr_assert(strstr(rules, want), "'%s' lacks '%s'", rules, want);
	cr_assert(strstr(rules, "ip saddr 198.18.0.0/16 oifname != \"nstab12br0\" masquerade"));
	free(rules);
	topo_free(t);
}

Test(topo, plan_vxlan_overlay_over_the_wire)
{
	struct topo *t = plan_kind(TOPO_VXLAN, 3, 9000, true);
	struct topo_priv *p = topo_priv(t);
	int vx[2] = {-1, -1}, wire[2] = {-1, -1}, br[2] = {-1, -1};
	char buf[NL_MSG_MAX];
	struct attrs at, li, data;

	cr_assert_eq(t->n_ns, 2 + 2 * 3);
	cr_assert_eq(t->ns[0].role, TOPO_NS_NODE);
	cr_assert_eq(t->ns[1].role, TOPO_NS_NODE);
	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];
		int n = t->ns[d->ns].index;

		if (d->kind == NS_DEV_VXLAN)
			vx[n] = i;
		else if (d->role == TOPO_DEV_WIRE)
			wire[n] = i;
		else if (d->kind == NS_DEV_BRIDGE)
			br[n] = i;
		cr_assert_eq(d->mtu, d->role == TOPO_DEV_WIRE ? 9000 : 9000 - 50,
			     "%s: the wire keeps the MTU, the rest loses the encapsulation",
			     d->ifname);
	}
	for (int n = 0; n < 2; n++) {
		cr_assert(vx[n] >= 0 && wire[n] >= 0 && br[n] >= 0);
		cr_assert_eq(t->devs[vx[n]].ns, n);
		cr_assert_eq(t->devs[vx[n]].role, TOPO_DEV_TUNNEL);
		cr_assert_eq(t->devs[vx[n]].master, br[n]);
		cr_assert_eq(t->devs[vx[n]].lower, wire[n]);
		cr_assert_eq(t->devs[wire[n]].master, -1, "the wire is routed, not bridged");
		cr_assert_eq(p->dx[vx[n]].send_ns, n, "made from its own node");
		cr_assert_eq(ntohl(p->dx[vx[n]].vx_local.s_addr), 0xc6130001u + n);
		cr_assert_eq(ntohl(p->dx[vx[n]].vx_remote.s_addr), 0xc6130002u - n);
		cr_assert_eq(count_extra(t, TOPO_X_ADDR, wire[n], AF_INET, 24), 1);
		cr_assert_eq(count_extra(t, TOPO_X_NEIGH, wire[n], AF_INET, -1), 1);
	}
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *pr = &t->pairs[i];

		cr_assert_eq(t->devs[p->dx[pr->client_dev].peer].master, br[0]);
		cr_assert_eq(t->devs[p->dx[pr->server_dev].peer].master, br[1]);
	}
	/* Each container's MAC on its own port and, in the other node, behind the tunnel. */
	cr_assert_eq(p->n_fdb, 4 * 3);
	for (int k = 0; k < p->n_fdb; k++)
		cr_assert(t->devs[p->fdb[k].port].kind == NS_DEV_VXLAN ||
			  t->devs[p->fdb[k].port].role == TOPO_DEV_CLIENT_PORT ||
			  t->devs[p->fdb[k].port].role == TOPO_DEV_SERVER_PORT);
	parse_link(msg_newlink(buf, t, vx[1]), &at);
	cr_assert_null(at.a[IFLA_LINK], "IFLA_VXLAN_LINK names the underlay device");
	parse_nested(at.a[IFLA_LINKINFO], &li);
	cr_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "vxlan");
	memset(&data, 0, sizeof(data));
	cr_assert_eq(mnl_attr_parse_nested(li.a[IFLA_INFO_DATA], keep_attr, &data), MNL_CB_OK);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_VXLAN_ID]), TOPO_VXLAN_VNI);
	cr_assert_eq(ntohs(mnl_attr_get_u16(data.a[IFLA_VXLAN_PORT])), 4789);
	cr_assert_eq(mnl_attr_get_u8(data.a[IFLA_VXLAN_LEARNING]), 0);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_VXLAN_LOCAL]), p->dx[vx[1]].vx_local.s_addr);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_VXLAN_GROUP]), p->dx[vx[0]].vx_local.s_addr);
	cr_assert_eq(mnl_attr_get_u32(data.a[IFLA_VXLAN_LINK]), t->devs[wire[1]].ifindex);
	topo_free(t);
}

Test(topo, msg_lo_and_default_route)
{
	char buf[NL_MSG_MAX];
	struct in_addr gw = {htonl(0xc612fffe)};
	struct nlmsghdr *nlh = msg_lo(buf, 9000);
	struct rtmsg *rtm;
	struct attrs at;

	cr_assert_eq(((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 1);
	parse_link(nlh, &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[IFLA_MTU]), 9000);
	cr_assert_null(at.a[IFLA_IFALIAS], "lo is not renamed nor aliased");
	nlh = msg_route_default(buf, 5, AF_INET, &gw);
	rtm = mnl_nlmsg_get_payload(nlh);
	cr_assert_eq(rtm->rtm_dst_len, 0);
	memset(&at, 0, sizeof(at));
	mnl_attr_parse(nlh, sizeof(*rtm), keep_attr, &at);
	cr_assert_eq(mnl_attr_get_u32(at.a[RTA_GATEWAY]), gw.s_addr);
	cr_assert_eq(mnl_attr_get_u32(at.a[RTA_OIF]), 5);
}
