// SPDX-License-Identifier: GPL-2.0
/*
 * The plan of a topology: every namespace, device, address, neighbour,
 * route and forwarding entry topo__up will make, computed from the spec and
 * the run id alone, so that it can be checked without root and so that the
 * build needs no answer from the kernel (ifindexes and MACs are chosen here).
 * docs/TOPOLOGY.md describes each layout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "internal.h"

int topo__validate(const struct topo_spec *spec, struct topo_err *err)
{
	int mtu;

	if (!spec) {
		topo_err_set(err, "topo: no topology given");
		return -EINVAL;
	}
	if ((unsigned int)spec->kind >= TOPO_KIND_COUNT) {
		topo_err_set(err, "topo: unknown kind %d; use %s", (int)spec->kind,
			     topo_kind__list());
		return -EINVAL;
	}
	switch (spec->kind) {
	case TOPO_HOST:
	case TOPO_CONTAINER:
	case TOPO_NAT:
	case TOPO_VXLAN:
		if (spec->mode != -1) {
			topo_err_set(err, "%s: has no modes (mode %d given); drop --mode",
				     topo_kind__name(spec->kind), spec->mode);
			return -EINVAL;
		}
		break;
	case TOPO_VETH:
	case TOPO_VETH_BRIDGE:
	case TOPO_OVS:
		if (spec->mode != -1) {
			topo_err_set(err, "%s: has no modes (mode %d given); drop --mode",
				     topo_kind__name(spec->kind), spec->mode);
			return -EINVAL;
		}
		break;
	case TOPO_MACVLAN:
	case TOPO_IPVLAN:
		if (spec->mode != -1 &&
		    !strcmp(topo_mode__name(spec->kind, spec->mode), "unknown")) {
			topo_err_set(err, "%s: there is no mode %d; use %s",
				     topo_kind__name(spec->kind), spec->mode,
				     spec->kind == TOPO_MACVLAN
					 ? "bridge, vepa, private, passthru or source"
					 : "l2, l3 or l3s");
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	if (spec->pairs < 1 || spec->pairs > TOPO_MAX_PAIRS) {
		topo_err_set(err, "topo: %d pairs is out of range; use 1 to %d", spec->pairs,
			     TOPO_MAX_PAIRS);
		return -EINVAL;
	}
	if (spec->mtu != 0 && (spec->mtu < TOPO_MIN_MTU || spec->mtu > TOPO_MAX_MTU)) {
		topo_err_set(err,
			     "topo: MTU %d is out of range; use %d to %d (1500 and 9000 are usual)",
			     spec->mtu, TOPO_MIN_MTU, TOPO_MAX_MTU);
		return -EINVAL;
	}
	if (spec->layout != TOPO_LOCAL && spec->layout != TOPO_SWITCHED) {
		topo_err_set(err, "topo: unknown layout %d; use local or switched",
			     (int)spec->layout);
		return -EINVAL;
	}
	mtu = topo_mtu(spec);
	if (spec->kind == TOPO_VXLAN && spec->layout != TOPO_SWITCHED) {
		topo_err_set(err, "vxlan: an overlay joins the two nodes of the switched layout; "
				  "drop --layout local (vxlan is always switched)");
		return -EINVAL;
	}
	if (spec->kind == TOPO_VXLAN && mtu - TOPO_VXLAN_OVERHEAD < TOPO_MIN_MTU) {
		topo_err_set(err,
			     "vxlan: MTU %d leaves the containers %d after the %d bytes of "
			     "encapsulation; use an MTU of %d or more",
			     mtu, mtu - TOPO_VXLAN_OVERHEAD, TOPO_VXLAN_OVERHEAD,
			     TOPO_MIN_MTU + TOPO_VXLAN_OVERHEAD);
		return -EINVAL;
	}
	if (spec->kind == TOPO_VXLAN && spec->ipv6 &&
	    mtu - TOPO_VXLAN_OVERHEAD < TOPO_IPV6_MIN_MTU) {
		topo_err_set(err,
			     "vxlan: IPv6 needs an inner MTU of %d or more (MTU %d less %d of "
			     "encapsulation); raise --mtu to %d or drop --ipv6",
			     TOPO_IPV6_MIN_MTU, mtu, TOPO_VXLAN_OVERHEAD,
			     TOPO_IPV6_MIN_MTU + TOPO_VXLAN_OVERHEAD);
		return -EINVAL;
	}
	if (spec->kind == TOPO_NAT && spec->ipv6) {
		topo_err_set(err, "nat: IPv6 port mapping is not built (Docker's needs ip6tables "
				  "too); drop --ipv6");
		return -EINVAL;
	}
	if (spec->ipv6 && mtu < TOPO_IPV6_MIN_MTU) {
		topo_err_set(err,
			     "topo: IPv6 needs an MTU of %d or more (MTU %d given); raise --mtu "
			     "or drop --ipv6",
			     TOPO_IPV6_MIN_MTU, mtu);
		return -EINVAL;
	}
	return 0;
}

int topo_mtu(const struct topo_spec *spec)
{
	return spec->mtu ? spec->mtu : TOPO_MTU_DEFAULT;
}

int topo__container_mtu(const struct topo_spec *spec)
{
	return topo_mtu(spec) - (spec->kind == TOPO_VXLAN ? TOPO_VXLAN_OVERHEAD : 0);
}

/*
 * Pair p: 198.18.p.1 (client) and 198.18.p.2 (server) in 198.18.p.0/24; 2001:2:0:p::1/64, ::2.
 * The last byte is how the probes tell a client's packet from a server's on a
 * device both share (bpf/netstage.h).
 */
void topo_pair_addr(int pair, bool client, struct in_addr *ip4, struct in6_addr *ip6)
{
	__u8 last = client ? NS_CLIENT_ADDR_BYTE : NS_SERVER_ADDR_BYTE;

	if (ip4)
		ip4->s_addr = htonl(0xc6120000u | ((uint32_t)pair << 8) | last);
	if (ip6) {
		memset(ip6, 0, sizeof(*ip6));
		ip6->s6_addr[0] = 0x20;
		ip6->s6_addr[1] = 0x01;
		ip6->s6_addr[3] = 0x02;
		ip6->s6_addr[6] = (pair >> 8) & 0xff;
		ip6->s6_addr[7] = pair & 0xff;
		ip6->s6_addr[15] = last;
	}
}

struct planner {
	struct topo_priv *p;
	int cap_ns, cap_devs, cap_hops, cap_fdb, cap_extra;
	uint16_t run_hash;
};

static int add_ns(struct planner *pl, enum topo_ns_role role, int index)
{
	struct topo *t = &pl->p->t;
	struct topo_ns *ns = &t->ns[t->n_ns];

	topo_ns_name(ns->name, sizeof(ns->name), t->run_id, role, index);
	snprintf(ns->path, sizeof(ns->path), TOPO_NETNS_DIR "/%s", ns->name);
	snprintf(ns->label, sizeof(ns->label), "%s%d", topo_ns_role_name(role), index);
	ns->fd = -1;
	ns->inum = 0;
	ns->role = role;
	ns->index = index;
	return t->n_ns++;
}

/* A device named "nst<run><suffix>", ifindex unique in the run, MAC from run and ifindex. */
static int add_dev(struct planner *pl, int ns, enum ns_dev_kind kind, enum topo_dev_role role,
		   int pair, const char *suffix)
{
	struct topo *t = &pl->p->t;
	int i = t->n_devs++;
	struct topo_dev *d = &t->devs[i];
	struct topo_devx *x = &pl->p->dx[i];

	snprintf(d->ifname, sizeof(d->ifname), TOPO_IF_PREFIX "%s%s", t->run_id, suffix);
	d->ifindex = i + 2; /* 1 is lo in every namespace */
	d->ns = ns;
	d->kind = kind;
	d->master = -1;
	d->lower = -1;
	d->role = role;
	d->pair = pair;
	d->mtu = topo_mtu(&t->spec);
	x->mac[0] = 0x02; /* locally administered, unicast */
	x->mac[1] = 0x6e;
	x->mac[2] = pl->run_hash >> 8;
	x->mac[3] = pl->run_hash & 0xff;
	x->mac[4] = d->ifindex >> 8;
	x->mac[5] = d->ifindex & 0xff;
	x->peer = -1;
	x->create = true;
	x->send_ns = 0;
	x->mode = -1;
	x->accept = -1;
	return i;
}

/* A veth pair; a is the end whose message creates both (the one with a master, if any). */
static void veth(struct planner *pl, int a, int b)
{
	pl->p->dx[a].peer = b;
	pl->p->dx[b].peer = a;
	pl->p->dx[b].create = false;
}

static void hop(struct planner *pl, int ns, int dev, int pair, bool client, bool route,
		const unsigned char *mac)
{
	struct topo_hop *h = &pl->p->hops[pl->p->n_hops++];

	h->ns = ns;
	h->dev = dev;
	h->pair = pair;
	h->client = client;
	h->route = route;
	memcpy(h->mac, mac, 6);
}

static void fdb(struct planner *pl, int port, int pair, const unsigned char *mac)
{
	struct topo_fdb *f = &pl->p->fdb[pl->p->n_fdb++];

	f->port = port;
	f->pair = pair;
	memcpy(f->mac, mac, 6);
}

static struct topo_extra *extra(struct planner *pl, enum topo_extra_type type, int dev, int pair,
				int family, const void *addr, int plen)
{
	struct topo *t = &pl->p->t;
	struct topo_extra *x = &pl->p->extra[pl->p->n_extra++];

	memset(x, 0, sizeof(*x));
	x->type = type;
	x->ns = t->devs[dev].ns;
	x->dev = dev;
	x->pair = pair;
	x->family = family;
	memcpy(x->addr, addr, family == AF_INET ? 4 : 16);
	x->plen = plen;
	return x;
}

/* A permanent neighbour on dev: addr is at the MAC of device at. */
static void extra_neigh(struct planner *pl, int dev, int pair, int family, const void *addr, int at)
{
	struct topo_extra *x = extra(pl, TOPO_X_NEIGH, dev, pair, family, addr, 0);

	memcpy(x->mac, pl->p->dx[at].mac, 6);
}

static const char *sfx(char *buf, const char *fmt, int n)
{
	snprintf(buf, 16, fmt, n);
	return buf;
}

/* Per node: the shared lower device, bridge or switch of the layout. */
struct node {
	int ns;
	int bridge; /* veth-bridge: the bridge; macvlan passthru/VEPA-like: the switch; or -1 */
	int lower;  /* macvlan/ipvlan: the lower device shared by the node's containers, or -1 */
	int wire;   /* switched: this node's end of the wire, or -1 */
};

static bool needs_hairpin(const struct topo_spec *s, int mode)
{
	/* Frames of these modes leave by the lower device even between its own macvlans. */
	return s->kind == TOPO_MACVLAN && s->layout == TOPO_LOCAL &&
	       (mode == MACVLAN_MODE_VEPA || mode == MACVLAN_MODE_PRIVATE ||
		mode == MACVLAN_MODE_SOURCE);
}

static void plan_nodes(struct planner *pl, struct node *nodes, int n_nodes, int mode)
{
	struct topo_priv *p = pl->p;
	struct topo *t = &p->t;
	const struct topo_spec *s = &t->spec;
	bool passthru = s->kind == TOPO_MACVLAN && mode == MACVLAN_MODE_PASSTHRU;
	char b[16];

	for (int n = 0; n < n_nodes; n++) {
		struct node *nd = &nodes[n];

		nd->bridge = nd->lower = nd->wire = -1;
		if (s->kind == TOPO_VETH_BRIDGE) {
			nd->bridge = add_dev(pl, nd->ns, NS_DEV_BRIDGE, TOPO_DEV_BRIDGE, -1,
					     sfx(b, "br%d", n));
		} else if (passthru || needs_hairpin(s, mode)) {
			nd->bridge = add_dev(pl, nd->ns, NS_DEV_BRIDGE, TOPO_DEV_BRIDGE, -1,
					     sfx(b, "sw%d", n));
		} else if (s->kind == TOPO_OVS) {
			/* The datapath's device: made over generic netlink (ovs.c), not here. */
			nd->bridge =
			    add_dev(pl, nd->ns, NS_DEV_OVS, TOPO_DEV_BRIDGE, -1, sfx(b, "dp%d", n));
			pl->p->dx[nd->bridge].create = false;
		}
	}
	if (s->layout == TOPO_SWITCHED) {
		int w0 = add_dev(pl, nodes[0].ns, NS_DEV_VETH, TOPO_DEV_WIRE, -1, "w0");
		int w1 = add_dev(pl, nodes[1].ns, NS_DEV_VETH, TOPO_DEV_WIRE, -1, "w1");

		veth(pl, w0, w1);
		nodes[0].wire = w0;
		nodes[1].wire = w1;
		for (int n = 0; n < 2; n++) {
			t->devs[nodes[n].wire].master = nodes[n].bridge;
			/* Without a switch of its own, a node's containers sit on its NIC. */
			if ((s->kind == TOPO_MACVLAN && !passthru) || s->kind == TOPO_IPVLAN)
				nodes[n].lower = nodes[n].wire;
		}
	} else if ((s->kind == TOPO_MACVLAN && !passthru) || s->kind == TOPO_IPVLAN) {
		/* The "NIC" of the host: a veth end; its peer (the "switch side") stays up beside
		 * it. */
		int lo = add_dev(pl, nodes[0].ns, NS_DEV_VETH, TOPO_DEV_LOWER, -1, "lo0");
		int lp = add_dev(pl, nodes[0].ns, NS_DEV_VETH, TOPO_DEV_LOWER_PEER, -1, "lp0");

		if (nodes[0].bridge >= 0) {
			t->devs[lp].master = nodes[0].bridge;
			p->dx[lp].hairpin = true;
			veth(pl, lp, lo); /* the end with a master creates the pair */
		} else {
			veth(pl, lo, lp);
		}
		nodes[0].lower = lo;
	}
}

/* A container's device on its node: its interface and what it needs there. */
static int plan_side(struct planner *pl, struct node *nd, int pair, bool client, int ns, int mode)
{
	struct topo_priv *p = pl->p;
	struct topo *t = &p->t;
	const struct topo_spec *s = &t->spec;
	char b[16], c = client ? 'c' : 's';
	enum topo_dev_role ifrole = client ? TOPO_DEV_CLIENT_IF : TOPO_DEV_SERVER_IF;
	int dev, port, lower, q;

	snprintf(b, sizeof(b), "%c%d", c, pair);
	switch (s->kind) {
	case TOPO_VETH:
	case TOPO_VETH_BRIDGE:
	case TOPO_OVS:	 /* the port's master is the datapath */
	case TOPO_NAT:	 /* the server's side: on the host's bridge */
	case TOPO_VXLAN: /* both sides: on their node's bridge */
		dev = add_dev(pl, ns, NS_DEV_VETH, ifrole, pair, b);
		snprintf(b, sizeof(b), "p%c%d", c, pair);
		port = add_dev(pl, nd->ns, NS_DEV_VETH,
			       client ? TOPO_DEV_CLIENT_PORT : TOPO_DEV_SERVER_PORT, pair, b);
		t->devs[port].master = nd->bridge;
		veth(pl, port, dev);
		return dev;
	case TOPO_MACVLAN:
		lower = nd->lower;
		if (mode == MACVLAN_MODE_PASSTHRU) {
			/* One macvlan per lower in passthru: each container gets its own NIC. */
			snprintf(b, sizeof(b), "l%c%d", c, pair);
			lower = add_dev(pl, nd->ns, NS_DEV_VETH, TOPO_DEV_LOWER, pair, b);
			snprintf(b, sizeof(b), "q%c%d", c, pair);
			q = add_dev(pl, nd->ns, NS_DEV_VETH, TOPO_DEV_LOWER_PEER, pair, b);
			t->devs[q].master = nd->bridge;
			veth(pl, q, lower);
			snprintf(b, sizeof(b), "%c%d", c, pair);
		}
		dev = add_dev(pl, ns, NS_DEV_MACVLAN, ifrole, pair, b);
		t->devs[dev].lower = lower;
		p->dx[dev].mode = mode;
		p->dx[dev].send_ns = t->devs[lower].ns;
		if (mode ==
		    MACVLAN_MODE_PASSTHRU) /* it takes its lower's MAC: give both the same */
			memcpy(p->dx[lower].mac, p->dx[dev].mac, 6);
		return dev;
	case TOPO_IPVLAN:
		dev = add_dev(pl, ns, NS_DEV_IPVLAN, ifrole, pair, b);
		t->devs[dev].lower = nd->lower;
		p->dx[dev].mode = mode;
		p->dx[dev].send_ns = t->devs[nd->lower].ns;
		p->dx[dev].noarp = mode != IPVLAN_MODE_L2;
		/* Every ipvlan shares its lower's MAC. */
		memcpy(p->dx[dev].mac, p->dx[nd->lower].mac, 6);
		return dev;
	default:
		return -1;
	}
}

/* Direct veth pairs in the local layout: no host namespace at all. */
static void plan_veth_local(struct planner *pl)
{
	struct topo *t = &pl->p->t;
	char b[16];

	for (int i = 0; i < t->spec.pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];

		pr->client_ns = add_ns(pl, TOPO_NS_CLIENT, i);
		pr->server_ns = add_ns(pl, TOPO_NS_SERVER, i);
		pr->client_dev = add_dev(pl, pr->client_ns, NS_DEV_VETH, TOPO_DEV_CLIENT_IF, i,
					 sfx(b, "c%d", i));
		pr->server_dev = add_dev(pl, pr->server_ns, NS_DEV_VETH, TOPO_DEV_SERVER_IF, i,
					 sfx(b, "s%d", i));
		veth(pl, pr->client_dev, pr->server_dev);
	}
}

static void plan_fdb(struct planner *pl, struct node *nodes, int n_nodes);
static void plan_hops(struct planner *pl, struct node *nodes, int n_nodes);

/* lo of namespace ns as a device of the plan: not created, not deleted, not renamed. */
static int add_lo(struct planner *pl, int ns, int pair)
{
	struct topo *t = &pl->p->t;
	int i = add_dev(pl, ns, NS_DEV_LOOPBACK, TOPO_DEV_CLIENT_IF, pair, "");

	snprintf(t->devs[i].ifname, sizeof(t->devs[i].ifname), "lo");
	t->devs[i].ifindex = 1;
	memset(pl->p->dx[i].mac, 0, 6);
	pl->p->dx[i].create = false;
	return i;
}

/*
 * host: one namespace for every pair (the host; never the real one), both ends on its lo.
 * container: a namespace per pair (a pod), both ends on its lo. Each address is a /32
 * (/128) on lo, so that each pair's server binds its own.
 */
static void plan_loopback(struct planner *pl)
{
	struct topo *t = &pl->p->t;
	int ns = -1, lo = -1;

	if (t->spec.kind == TOPO_HOST) {
		ns = add_ns(pl, TOPO_NS_HOST, 0);
		lo = add_lo(pl, ns, -1);
	}
	for (int i = 0; i < t->n_pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];

		if (t->spec.kind == TOPO_CONTAINER) {
			ns = add_ns(pl, TOPO_NS_POD, i);
			lo = add_lo(pl, ns, i);
		}
		pr->client_ns = pr->server_ns = ns;
		pr->client_dev = pr->server_dev = lo;
		extra(pl, TOPO_X_ADDR, lo, i, AF_INET, &pr->client_ip4, 32);
		extra(pl, TOPO_X_ADDR, lo, i, AF_INET, &pr->server_ip4, 32);
		if (t->spec.ipv6) {
			extra(pl, TOPO_X_ADDR, lo, i, AF_INET6, &pr->client_ip6, 128);
			extra(pl, TOPO_X_ADDR, lo, i, AF_INET6, &pr->server_ip6, 128);
		}
	}
}

static struct in_addr ip4(uint32_t host_order)
{
	struct in_addr a = {htonl(host_order)};

	return a;
}

/*
 * nat, as Docker publishes a port: a host namespace with a bridge (its docker0, gateway
 * 198.18.255.254/16); each server container on the bridge by a veth, 198.18.P.2/16, default
 * route via the gateway; each client outside, in its own namespace joined to the host by a
 * veth (198.19.P.1/24, the host's end 198.19.P.254/24), connecting to the host's address on
 * its link and port 20000+P, which nftables maps to the server's 5201 (nat.c).
 */
static void plan_nat(struct planner *pl)
{
	struct topo_priv *p = pl->p;
	struct topo *t = &p->t;
	int h = add_ns(pl, TOPO_NS_HOST, 0);
	int br = add_dev(pl, h, NS_DEV_BRIDGE, TOPO_DEV_BRIDGE, -1, "br0");
	struct node host = {.ns = h, .bridge = br, .lower = -1, .wire = -1};
	struct in_addr gw = ip4(0xc612fffeu); /* 198.18.255.254 */
	char b[16];

	t->ns[h].translates = true;
	extra(pl, TOPO_X_ADDR, br, -1, AF_INET, &gw, 16);
	for (int i = 0; i < t->n_pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];
		int c, pc, sv, ps;

		pr->client_ns = add_ns(pl, TOPO_NS_CLIENT, i);
		pr->server_ns = add_ns(pl, TOPO_NS_SERVER, i);
		pr->client_ip4 = ip4(0xc6130001u | (uint32_t)i << 8);
		pr->target_ip4 = ip4(0xc61300feu | (uint32_t)i << 8);
		pr->target_port = TOPO_NAT_PORT_BASE + i;
		c = add_dev(pl, pr->client_ns, NS_DEV_VETH, TOPO_DEV_CLIENT_IF, i,
			    sfx(b, "c%d", i));
		pc = add_dev(pl, h, NS_DEV_VETH, TOPO_DEV_CLIENT_PORT, i, sfx(b, "pc%d", i));
		veth(pl, pc, c);
		sv = plan_side(pl, &host, i, false, pr->server_ns, -1);
		ps = p->dx[sv].peer;
		p->dx[sv].prefix = 16;
		pr->client_dev = c;
		pr->server_dev = sv;
		/* The client's link: its address and the host's, each knowing the other's MAC. */
		extra(pl, TOPO_X_ADDR, pc, i, AF_INET, &pr->target_ip4, 24);
		extra_neigh(pl, pc, i, AF_INET, &pr->client_ip4, c);
		extra_neigh(pl, c, i, AF_INET, &pr->target_ip4, pc);
		/* The server's side: the gateway is the bridge; the bridge knows the server. */
		extra_neigh(pl, sv, i, AF_INET, &gw, br);
		extra(pl, TOPO_X_DEFAULT_VIA, sv, i, AF_INET, &gw, 0);
		extra_neigh(pl, br, i, AF_INET, &pr->server_ip4, sv);
		fdb(pl, ps, i, p->dx[sv].mac);
	}
}

/*
 * vxlan: the switched layout's two nodes joined by the wire, which carries the underlay
 * (198.19.0.1/24 in n0, .2 in n1); in each node a bridge and a VXLAN device (VNI 42, UDP
 * 4789, local its own underlay address, remote the other's, no learning) enslaved to it;
 * clients hang off n0's bridge, servers off n1's. Everything above the wire has the MTU
 * less the encapsulation; the wire keeps the MTU.
 */
static void plan_vxlan(struct planner *pl)
{
	struct topo_priv *p = pl->p;
	struct topo *t = &p->t;
	int inner = topo__container_mtu(&t->spec);
	struct node nodes[2], tun[2];
	struct in_addr under[2] = {ip4(0xc6130001u), ip4(0xc6130002u)}; /* 198.19.0.1, .2 */
	char b[16];

	for (int n = 0; n < 2; n++)
		nodes[n].ns = add_ns(pl, TOPO_NS_NODE, n);
	for (int n = 0; n < 2; n++) {
		nodes[n].bridge =
		    add_dev(pl, nodes[n].ns, NS_DEV_BRIDGE, TOPO_DEV_BRIDGE, -1, sfx(b, "br%d", n));
		t->devs[nodes[n].bridge].mtu = inner;
		nodes[n].lower = -1;
	}
	nodes[0].wire = add_dev(pl, nodes[0].ns, NS_DEV_VETH, TOPO_DEV_WIRE, -1, "w0");
	nodes[1].wire = add_dev(pl, nodes[1].ns, NS_DEV_VETH, TOPO_DEV_WIRE, -1, "w1");
	veth(pl, nodes[0].wire, nodes[1].wire);
	for (int n = 0; n < 2; n++) {
		int vx =
		    add_dev(pl, nodes[n].ns, NS_DEV_VXLAN, TOPO_DEV_TUNNEL, -1, sfx(b, "vx%d", n));

		t->devs[vx].mtu = inner;
		t->devs[vx].master = nodes[n].bridge;
		t->devs[vx].lower = nodes[n].wire;
		/* Sent from its node: a VXLAN device's socket lives where it was asked for. */
		p->dx[vx].send_ns = nodes[n].ns;
		p->dx[vx].vx_local = under[n];
		p->dx[vx].vx_remote = under[!n];
		extra(pl, TOPO_X_ADDR, nodes[n].wire, -1, AF_INET, &under[n], 24);
		extra_neigh(pl, nodes[n].wire, -1, AF_INET, &under[!n], nodes[!n].wire);
		tun[n] = nodes[n];
		tun[n].wire = vx; /* to the bridges, the other node is behind the tunnel */
	}
	for (int i = 0; i < t->n_pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];

		pr->client_ns = add_ns(pl, TOPO_NS_CLIENT, i);
		pr->server_ns = add_ns(pl, TOPO_NS_SERVER, i);
		pr->client_dev = plan_side(pl, &nodes[0], i, true, pr->client_ns, -1);
		pr->server_dev = plan_side(pl, &nodes[1], i, false, pr->server_ns, -1);
		for (int e = 0; e < 2; e++) {
			int dev = e ? pr->server_dev : pr->client_dev;

			t->devs[dev].mtu = t->devs[p->dx[dev].peer].mtu = inner;
		}
	}
	plan_fdb(pl, tun, 2);
	plan_hops(pl, tun, 2);
}

/* Bridge forwarding entries so that no frame is flooded while the bridges learn. */
static void plan_fdb(struct planner *pl, struct node *nodes, int n_nodes)
{
	struct topo_priv *p = pl->p;
	struct topo *t = &p->t;

	if (t->spec.kind == TOPO_OVS)
		return; /* no table to fill: netstage's flows forward every frame (ovs.c) */
	for (int i = 0; i < t->n_pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];
		int ends[2] = {pr->client_dev, pr->server_dev};

		for (int e = 0; e < 2; e++) {
			const struct topo_dev *d = &t->devs[ends[e]];
			int here = e < n_nodes ? e : 0; /* the node of this end */

			/* The port it hangs off: its veth peer, or its lower's peer. */
			int port = p->dx[ends[e]].peer;

			if (d->kind != NS_DEV_VETH)
				port = p->dx[d->lower].peer;
			if (port >= 0 && nodes[here].bridge >= 0 &&
			    t->devs[port].master == nodes[here].bridge)
				fdb(pl, port, i, p->dx[ends[e]].mac);
			/* In the other node, it is behind the wire. */
			if (n_nodes == 2 && nodes[!here].bridge >= 0)
				fdb(pl, nodes[!here].wire, i, p->dx[ends[e]].mac);
		}
	}
}

static void plan_hops(struct planner *pl, struct node *nodes, int n_nodes)
{
	struct topo_priv *p = pl->p;
	struct topo *t = &p->t;
	const struct topo_spec *s = &t->spec;
	bool routed_veth = s->kind == TOPO_VETH && s->layout == TOPO_SWITCHED;

	for (int i = 0; i < t->n_pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];
		int c = pr->client_dev, sv = pr->server_dev;
		const unsigned char *c_mac = p->dx[c].mac, *s_mac = p->dx[sv].mac;

		if (routed_veth) {
			int pc = p->dx[c].peer, ps = p->dx[sv].peer;

			/* Containers send to their node; the nodes route over the wire. */
			hop(pl, pr->client_ns, c, i, false, false, p->dx[pc].mac);
			hop(pl, pr->server_ns, sv, i, true, false, p->dx[ps].mac);
			hop(pl, nodes[0].ns, nodes[0].wire, i, false, true,
			    p->dx[nodes[1].wire].mac);
			hop(pl, nodes[0].ns, pc, i, true, true, c_mac);
			hop(pl, nodes[1].ns, nodes[1].wire, i, true, true,
			    p->dx[nodes[0].wire].mac);
			hop(pl, nodes[1].ns, ps, i, false, true, s_mac);
			continue;
		}
		if (!p->dx[c].noarp) {
			hop(pl, pr->client_ns, c, i, false, false, s_mac);
			hop(pl, pr->server_ns, sv, i, true, false, c_mac);
		} else if (n_nodes == 2) {
			/* ipvlan l3/l3s: the lower's namespace routes what is not local. */
			hop(pl, nodes[0].ns, nodes[0].wire, i, false, true,
			    p->dx[nodes[1].wire].mac);
			hop(pl, nodes[1].ns, nodes[1].wire, i, true, true,
			    p->dx[nodes[0].wire].mac);
		}
	}
}

int topo_plan(const struct topo_spec *spec, const char *run_id, struct topo **out,
	      struct topo_err *err)
{
	struct planner pl = {0};
	struct topo_priv *p;
	struct topo *t;
	struct node nodes[2];
	int n_nodes = 0, mode, ret;

	*out = NULL;
	ret = topo__validate(spec, err);
	if (ret)
		return ret;
	if (!topo_run_id_valid(run_id)) {
		topo_err_set(err, "topo: run id '%s' is not 4 characters of [0-9a-z]",
			     run_id ? run_id : "");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	t = &p->t;
	pl.p = p;
	pl.cap_ns = 2 * spec->pairs + 2;
	pl.cap_devs = 6 * spec->pairs + 16;
	pl.cap_hops = 6 * spec->pairs;
	pl.cap_fdb = 4 * spec->pairs;
	pl.cap_extra = 8 * spec->pairs + 8;
	t->ns = calloc(pl.cap_ns, sizeof(*t->ns));
	t->devs = calloc(pl.cap_devs, sizeof(*t->devs));
	t->pairs = calloc(spec->pairs, sizeof(*t->pairs));
	p->dx = calloc(pl.cap_devs, sizeof(*p->dx));
	p->hops = calloc(pl.cap_hops, sizeof(*p->hops));
	p->fdb = calloc(pl.cap_fdb, sizeof(*p->fdb));
	p->extra = calloc(pl.cap_extra, sizeof(*p->extra));
	p->nl = calloc(pl.cap_ns, sizeof(*p->nl));
	if (!t->ns || !t->devs || !t->pairs || !p->dx || !p->hops || !p->fdb || !p->extra ||
	    !p->nl) {
		topo_free(t);
		goto nomem;
	}
	memcpy(t->run_id, run_id, TOPO_RUN_ID_LEN + 1);
	t->spec = *spec;
	mode = spec->mode >= 0 ? spec->mode : topo_mode_default(spec->kind);
	t->spec.mode = mode;
	t->spec.mtu = topo_mtu(spec);
	t->owned = true;
	t->n_pairs = spec->pairs;
	pl.run_hash = 0x9e37;
	for (int i = 0; i < TOPO_RUN_ID_LEN; i++)
		pl.run_hash = pl.run_hash * 31 + (unsigned char)run_id[i];

	for (int i = 0; i < spec->pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];

		topo_pair_addr(i, true, &pr->client_ip4, spec->ipv6 ? &pr->client_ip6 : NULL);
		topo_pair_addr(i, false, &pr->server_ip4, spec->ipv6 ? &pr->server_ip6 : NULL);
		pr->target_ip4 = pr->server_ip4;
		pr->target_ip6 = pr->server_ip6;
	}
	if (spec->kind == TOPO_HOST || spec->kind == TOPO_CONTAINER) {
		plan_loopback(&pl);
	} else if (spec->kind == TOPO_NAT) {
		plan_nat(&pl);
	} else if (spec->kind == TOPO_VXLAN) {
		plan_vxlan(&pl);
	} else if (spec->kind == TOPO_VETH && spec->layout == TOPO_LOCAL) {
		plan_veth_local(&pl);
	} else {
		if (spec->layout == TOPO_LOCAL) {
			nodes[0].ns = add_ns(&pl, TOPO_NS_HOST, 0);
			n_nodes = 1;
		} else {
			nodes[0].ns = add_ns(&pl, TOPO_NS_NODE, 0);
			nodes[1].ns = add_ns(&pl, TOPO_NS_NODE, 1);
			n_nodes = 2;
		}
		plan_nodes(&pl, nodes, n_nodes, mode);
		for (int i = 0; i < spec->pairs; i++) {
			struct topo_pair *pr = &t->pairs[i];

			pr->client_ns = add_ns(&pl, TOPO_NS_CLIENT, i);
			pr->server_ns = add_ns(&pl, TOPO_NS_SERVER, i);
			pr->client_dev = plan_side(&pl, &nodes[0], i, true, pr->client_ns, mode);
			pr->server_dev =
			    plan_side(&pl, &nodes[n_nodes - 1], i, false, pr->server_ns, mode);
		}
	}
	for (int i = 0; i < spec->pairs; i++) {
		struct topo_pair *pr = &t->pairs[i];

		if (spec->kind == TOPO_MACVLAN && mode == MACVLAN_MODE_SOURCE) {
			/* Source mode takes only frames from the MACs it lists: the peer's. */
			p->dx[pr->client_dev].accept = pr->server_dev;
			p->dx[pr->server_dev].accept = pr->client_dev;
		}
	}
	if (n_nodes) {
		plan_fdb(&pl, nodes, n_nodes);
		plan_hops(&pl, nodes, n_nodes);
	} else if (spec->kind == TOPO_VETH) {
		plan_hops(&pl, NULL, 0);
	}
	*out = t;
	return 0;
nomem:
	topo_err_set(err, "topo: out of memory planning %d pairs", spec->pairs);
	return -ENOMEM;
}

void topo_free(struct topo *t)
{
	struct topo_priv *p;

	if (!t)
		return;
	p = topo_priv(t);
	for (int i = 0; i < t->n_ns; i++) {
		if (t->ns[i].fd >= 0)
			close(t->ns[i].fd);
		if (p->nl && p->nl[i])
			nl_close(p->nl[i]);
	}
	free(t->ns);
	free(t->devs);
	free(t->pairs);
	free(p->dx);
	free(p->hops);
	free(p->fdb);
	free(p->extra);
	free(p->nl);
	free(p);
}
