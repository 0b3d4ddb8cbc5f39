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
		topo_err_set(err, "topo: unknown kind %d; use veth, veth-bridge, macvlan or ipvlan",
			     (int)spec->kind);
		return -EINVAL;
	}
	switch (spec->kind) {
	case TOPO_HOST:
	case TOPO_CONTAINER:
	case TOPO_NAT:
	case TOPO_VXLAN:
		/* Being built (issue 8): each kind's plan replaces this refusal. */
		topo_err_set(err,
			     "%s: this kind is not built yet; use veth, veth-bridge, macvlan "
			     "or ipvlan",
			     topo_kind__name(spec->kind));
		return -EOPNOTSUPP;
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

/* Pair p: 198.18.p.1 (client) and 198.18.p.2 (server) in 198.18.p.0/24; 2001:2:0:p::1/64, ::2. */
void topo_pair_addr(int pair, bool client, struct in_addr *ip4, struct in6_addr *ip6)
{
	if (ip4)
		ip4->s_addr = htonl(0xc6120000u | ((uint32_t)pair << 8) | (client ? 1 : 2));
	if (ip6) {
		memset(ip6, 0, sizeof(*ip6));
		ip6->s6_addr[0] = 0x20;
		ip6->s6_addr[1] = 0x01;
		ip6->s6_addr[3] = 0x02;
		ip6->s6_addr[6] = (pair >> 8) & 0xff;
		ip6->s6_addr[7] = pair & 0xff;
		ip6->s6_addr[15] = client ? 1 : 2;
	}
}

struct planner {
	struct topo_priv *p;
	int cap_ns, cap_devs, cap_hops, cap_fdb;
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
	case TOPO_OVS: /* the port's master is the datapath */
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
	t->ns = calloc(pl.cap_ns, sizeof(*t->ns));
	t->devs = calloc(pl.cap_devs, sizeof(*t->devs));
	t->pairs = calloc(spec->pairs, sizeof(*t->pairs));
	p->dx = calloc(pl.cap_devs, sizeof(*p->dx));
	p->hops = calloc(pl.cap_hops, sizeof(*p->hops));
	p->fdb = calloc(pl.cap_fdb, sizeof(*p->fdb));
	p->nl = calloc(pl.cap_ns, sizeof(*p->nl));
	if (!t->ns || !t->devs || !t->pairs || !p->dx || !p->hops || !p->fdb || !p->nl) {
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

	if (spec->kind == TOPO_VETH && spec->layout == TOPO_LOCAL) {
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

		topo_pair_addr(i, true, &pr->client_ip4, &pr->client_ip6);
		topo_pair_addr(i, false, &pr->server_ip4, &pr->server_ip6);
		if (!spec->ipv6) {
			memset(&pr->client_ip6, 0, sizeof(pr->client_ip6));
			memset(&pr->server_ip6, 0, sizeof(pr->server_ip6));
		}
		if (spec->kind == TOPO_MACVLAN && mode == MACVLAN_MODE_SOURCE) {
			/* Source mode takes only frames from the MACs it lists: the peer's. */
			p->dx[pr->client_dev].accept = pr->server_dev;
			p->dx[pr->server_dev].accept = pr->client_dev;
		}
	}
	if (n_nodes) {
		plan_fdb(&pl, nodes, n_nodes);
		plan_hops(&pl, nodes, n_nodes);
	} else {
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
	free(p->nl);
	free(p);
}
