// SPDX-License-Identifier: GPL-2.0
/*
 * The ovs kind: the kernel's Open vSwitch datapath, driven over generic
 * netlink (families ovs_datapath, ovs_vport, ovs_flow of
 * <linux/openvswitch.h>) with no daemon. Each host or node namespace gets
 * a datapath named after the run; the host ends of the containers' veths
 * (and the wire, switched) are its ports (OVS_VPORT_TYPE_NETDEV, port
 * number = the device's ifindex); netstage installs every flow itself, so
 * no packet ever misses the flow table and no upcall is needed (upcalls go
 * to port id 0: none; a miss would be dropped and counted as lost).
 *
 * Flows, per pair: local, in_port(client port) -> output(server port) and
 * back, any frame (ARP included, though static neighbours make it moot);
 * switched, in_port(container port) -> output(wire), and in_port(wire) with
 * the container's destination MAC -> output(its port).
 *
 * The datapath's device (kind "openvswitch") has no rtnetlink dellink, so
 * it stays out of the netstage device group (a group deletion would fail
 * with EOPNOTSUPP) and is deleted here with OVS_DP_CMD_DEL: by topo__down,
 * and by `topo down --all` in any netstage host or node namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/openvswitch.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define OVS_NO_DATAPATH                                                                            \
	"ovs: this kernel has no Open vSwitch datapath (CONFIG_OPENVSWITCH), or its module "       \
	"openvswitch did not load; use another --kind, or run on a kernel with it (Debian's has "  \
	"the module; here: make vmtest VM_TESTS='ovs*')"

/* Generic netlink */

static struct nlmsghdr *genl_start(char *buf, uint16_t family, uint8_t cmd, uint8_t version,
				   uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, sizeof(struct nlmsghdr) + sizeof(*g) + sizeof(struct ovs_header) + 64);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static struct nlmsghdr *ovs_start(char *buf, uint16_t family, uint8_t cmd, uint8_t version,
				  uint16_t flags, int dp_ifindex)
{
	struct nlmsghdr *nlh = genl_start(buf, family, cmd, version, flags);
	struct ovs_header *oh = mnl_nlmsg_put_extra_header(nlh, sizeof(*oh));

	oh->dp_ifindex = dp_ifindex;
	return nlh;
}

struct nlmsghdr *msg_ovs_dp(char *buf, uint16_t family, uint8_t cmd, const char *name)
{
	struct nlmsghdr *nlh = ovs_start(buf, family, cmd, OVS_DATAPATH_VERSION,
					 cmd == OVS_DP_CMD_NEW ? NLM_F_CREATE | NLM_F_EXCL : 0, 0);

	if (name)
		mnl_attr_put_strz(nlh, OVS_DP_ATTR_NAME, name);
	/* Required; 0 is no listener: a miss is dropped (and counted) instead of queued. */
	if (cmd == OVS_DP_CMD_NEW)
		mnl_attr_put_u32(nlh, OVS_DP_ATTR_UPCALL_PID, 0);
	return nlh;
}

struct nlmsghdr *msg_ovs_vport(char *buf, uint16_t family, int dp_ifindex, const char *name,
			       uint32_t port_no)
{
	struct nlmsghdr *nlh = ovs_start(buf, family, OVS_VPORT_CMD_NEW, OVS_VPORT_VERSION,
					 NLM_F_CREATE | NLM_F_EXCL, dp_ifindex);

	mnl_attr_put_strz(nlh, OVS_VPORT_ATTR_NAME, name);
	mnl_attr_put_u32(nlh, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_NETDEV);
	mnl_attr_put_u32(nlh, OVS_VPORT_ATTR_PORT_NO, port_no);
	mnl_attr_put_u32(nlh, OVS_VPORT_ATTR_UPCALL_PID, 0);
	return nlh;
}

/* The key (or mask) of a flow: the input port, and the Ethernet header (dst may be NULL). */
static void flow_key(struct nlmsghdr *nlh, int attr, uint32_t in_port, const unsigned char *dst)
{
	struct ovs_key_ethernet eth;
	struct nlattr *k = mnl_attr_nest_start(nlh, attr);

	memset(&eth, 0, sizeof(eth));
	if (dst)
		memcpy(eth.eth_dst, dst, 6);
	mnl_attr_put_u32(nlh, OVS_KEY_ATTR_IN_PORT, in_port);
	/*
	 * The Ethernet attribute makes it a flow of Ethernet frames (without it the kernel
	 * reads an L3 flow); no OVS_KEY_ATTR_ETHERTYPE in key and mask: any EtherType.
	 */
	mnl_attr_put(nlh, OVS_KEY_ATTR_ETHERNET, sizeof(eth), &eth);
	mnl_attr_nest_end(nlh, k);
}

struct nlmsghdr *msg_ovs_flow(char *buf, uint16_t family, int dp_ifindex, uint32_t in_port,
			      const unsigned char *dst, uint32_t out_port)
{
	static const unsigned char all[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct nlmsghdr *nlh = ovs_start(buf, family, OVS_FLOW_CMD_NEW, OVS_FLOW_VERSION,
					 NLM_F_CREATE | NLM_F_EXCL, dp_ifindex);
	struct nlattr *acts;

	flow_key(nlh, OVS_FLOW_ATTR_KEY, in_port, dst);
	/* The kernel matches in_port exactly whatever the mask says; MACs only where given. */
	flow_key(nlh, OVS_FLOW_ATTR_MASK, 0xffffffff, dst ? all : NULL);
	acts = mnl_attr_nest_start(nlh, OVS_FLOW_ATTR_ACTIONS);
	mnl_attr_put_u32(nlh, OVS_ACTION_ATTR_OUTPUT, out_port);
	mnl_attr_nest_end(nlh, acts);
	return nlh;
}

/* A generic netlink socket in the calling thread's namespace, with extended acks. */
static struct mnl_socket *genl_open(struct topo_err *err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	int one = 1, e;

	if (!nl) {
		e = errno;
		topo_err_set(err, "ovs: cannot open a generic netlink socket: %s", strerror(e));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		topo_err_set(err, "ovs: cannot bind a generic netlink socket: %s", strerror(e));
		mnl_socket_close(nl);
		return NULL;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

/* The same in the namespace open at fd; the thread is back in its own namespace after. */
static struct mnl_socket *genl_open_in(int fd, const char *name, struct topo_err *err)
{
	struct mnl_socket *nl;
	int self = netns_enter(fd, name, err);

	if (self < 0)
		return NULL;
	nl = genl_open(err);
	netns_return(self);
	close(self);
	return nl;
}

struct ovs_families {
	uint16_t dp, vport, flow;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ovs_families *f = data;
	const struct nlattr *a;
	const char *name = NULL;
	uint16_t id = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			id = mnl_attr_get_u16(a);
	}
	if (!name)
		return 0;
	if (!strcmp(name, OVS_DATAPATH_FAMILY))
		f->dp = id;
	else if (!strcmp(name, OVS_VPORT_FAMILY))
		f->vport = id;
	else if (!strcmp(name, OVS_FLOW_FAMILY))
		f->flow = id;
	return 0;
}

/*
 * The families' ids. load: ask for each by name, which makes a kernel with modules load
 * openvswitch; else a dump of the families there are (nothing loads: for teardown).
 * 0, -ENOENT when the datapath is missing (err says so), or another -errno.
 */
static int families(struct mnl_socket *nl, bool load, struct ovs_families *f, struct topo_err *err)
{
	static const char *const names[] = {OVS_DATAPATH_FAMILY, OVS_VPORT_FAMILY, OVS_FLOW_FAMILY};
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh;
	int r = 0;

	memset(f, 0, sizeof(*f));
	if (!load) {
		nlh = genl_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
		r = nl_dump(nl, nlh, family_cb, f, err);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && load && !r; i++) {
		nlh = genl_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, names[i]);
		r = nl_get(nl, nlh, family_cb, f, err);
	}
	if (r && r != -ENOENT)
		return r;
	if (r || !f->dp || !f->vport || !f->flow) {
		topo_err_set(err, "%s", OVS_NO_DATAPATH);
		return -ENOENT;
	}
	return 0;
}

int ovs_probe(struct topo_err *err)
{
	struct ovs_families f;
	struct mnl_socket *nl = genl_open(err);
	int r;

	if (!nl)
		return -EIO;
	r = families(nl, true, &f, err);
	mnl_socket_close(nl);
	return r;
}

/* Build */

static int dp_ifindex_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ovs_header *oh =
	    (const void *)((const char *)mnl_nlmsg_get_payload(nlh) + sizeof(struct genlmsghdr));

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct genlmsghdr) + sizeof(*oh))
		*(int *)data = oh->dp_ifindex;
	return 0;
}

/*
 * The datapath of t->devs[dp]: made, its device given the planned MAC and MTU. Its
 * ifindex is the kernel's choice (OVS_DP_CMD_NEW takes none on 6.1): the first free one,
 * which is the planned one in a namespace made for it; the plan follows the kernel.
 */
static int make_datapath(struct topo *t, struct mnl_socket *gnl, const struct ovs_families *f,
			 int dp, struct topo_err *err)
{
	struct topo_priv *p = topo_priv(t);
	struct topo_dev *d = &t->devs[dp];
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nlattr *af, *in6;
	int ifindex = 0, r;

	r = nl_request(gnl, msg_ovs_dp(buf, f->dp, OVS_DP_CMD_NEW, d->ifname), err,
		       "ovs: creating datapath %s in %s", d->ifname, t->ns[d->ns].name);
	if (r)
		return r;
	r = nl_get(gnl, msg_ovs_dp(buf, f->dp, OVS_DP_CMD_GET, d->ifname), dp_ifindex_cb, &ifindex,
		   err);
	if (r)
		return r;
	if (ifindex <= 0) {
		topo_err_set(err, "ovs: datapath %s in %s has no device", d->ifname,
			     t->ns[d->ns].name);
		return -ENODEV;
	}
	d->ifindex = ifindex;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_MTU, d->mtu);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, p->dx[dp].mac);
	/*
	 * With --ipv6: no link-local address, so no MLD report when it comes up (a frame from
	 * the datapath's own port meets no flow: a miss, dropped). Without, IPv6 is off in the
	 * namespace (and an MTU under 1280 leaves the device no IPv6 state to set).
	 */
	if (t->spec.ipv6) {
		af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		in6 = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, in6);
		mnl_attr_nest_end(nlh, af);
	}
	return nl_request(p->nl[d->ns], nlh, err, "ovs: setting MTU %d and MAC of %s in %s", d->mtu,
			  d->ifname, t->ns[d->ns].name);
}

/* The device of datapath dp whose role is the wire (switched), or -1. */
static int wire_of(const struct topo *t, int dp)
{
	for (int i = 0; i < t->n_devs; i++)
		if (t->devs[i].master == dp && t->devs[i].role == TOPO_DEV_WIRE)
			return i;
	return -1;
}

/* The flows that carry pair i through datapath dp. */
static int add_pair_flows(struct topo *t, struct nl_batch *b, const struct ovs_families *f, int dp,
			  int i)
{
	struct topo_priv *p = topo_priv(t);
	const struct topo_pair *pr = &t->pairs[i];
	int ends[2] = {pr->client_dev, pr->server_dev};
	int ports[2] = {p->dx[ends[0]].peer, p->dx[ends[1]].peer};
	int dpi = t->devs[dp].ifindex, wire = wire_of(t, dp);
	char buf[NL_MSG_MAX];

	for (int e = 0; e < 2; e++) {
		const struct topo_dev *port = &t->devs[ports[e]];
		const struct topo_dev *other = &t->devs[ports[!e]];

		if (port->master != dp)
			continue;
		if (other->master == dp) {
			if (nl_batch_add(b,
					 msg_ovs_flow(buf, f->flow, dpi, port->ifindex, NULL,
						      other->ifindex),
					 "ovs: adding flow %s -> %s", port->ifname, other->ifname))
				return -ENOMEM;
			continue;
		}
		if (wire < 0)
			return -EINVAL;
		if (nl_batch_add(
			b,
			msg_ovs_flow(buf, f->flow, dpi, port->ifindex, NULL, t->devs[wire].ifindex),
			"ovs: adding flow %s -> %s", port->ifname, t->devs[wire].ifname) ||
		    nl_batch_add(b,
				 msg_ovs_flow(buf, f->flow, dpi, t->devs[wire].ifindex,
					      p->dx[ends[e]].mac, port->ifindex),
				 "ovs: adding flow %s (to %s) -> %s", t->devs[wire].ifname,
				 t->devs[ends[e]].ifname, port->ifname))
			return -ENOMEM;
	}
	return 0;
}

int ovs_build(struct topo *t, int a, int z, struct topo_err *err)
{
	struct nl_batch b;
	char buf[NL_MSG_MAX];
	int r = 0;

	nl_batch_init(&b);
	for (int dp = 0; dp < t->n_devs && !r; dp++) {
		const struct topo_dev *d = &t->devs[dp];
		struct ovs_families f;
		struct mnl_socket *gnl;

		if (d->kind != NS_DEV_OVS)
			continue;
		gnl = genl_open_in(t->ns[d->ns].fd, t->ns[d->ns].name, err);
		if (!gnl) {
			r = -EIO;
			break;
		}
		r = families(gnl, true, &f, err);
		if (!r && a < 0)
			r = make_datapath(t, gnl, &f, dp, err);
		/* Its ports of the chunk: the containers' host ends (and the wire). */
		for (int i = 0; i < t->n_devs && !r; i++) {
			const struct topo_dev *port = &t->devs[i];

			if (port->master != dp || port->pair < a || port->pair >= z)
				continue;
			if (nl_batch_add(&b,
					 msg_ovs_vport(buf, f.vport, d->ifindex, port->ifname,
						       port->ifindex),
					 "ovs: adding %s to datapath %s in %s", port->ifname,
					 d->ifname, t->ns[d->ns].name))
				r = -ENOMEM;
		}
		for (int i = a < 0 ? 0 : a; i < z && !r; i++)
			r = add_pair_flows(t, &b, &f, dp, i);
		if (r == -ENOMEM)
			topo_err_set(err, "ovs: out of memory queueing requests");
		else if (r == -EINVAL)
			topo_err_set(err, "ovs: datapath %s has no wire to the other node",
				     d->ifname);
		if (!r)
			r = nl_batch_flush(gnl, &b, err);
		mnl_socket_close(gnl);
	}
	nl_batch_free(&b);
	return r;
}

/* Teardown */

/* Delete the datapath named name (gone already is fine). */
static int delete_datapath(struct mnl_socket *gnl, const struct ovs_families *f, const char *name,
			   const char *nsname, struct topo_err *err)
{
	char buf[NL_MSG_MAX];
	struct nl_batch b;
	int r;

	nl_batch_init(&b);
	b.ignore_errno = ENODEV;
	r = nl_batch_add(&b, msg_ovs_dp(buf, f->dp, OVS_DP_CMD_DEL, name),
			 "ovs: deleting datapath %s in %s", name, nsname);
	if (!r)
		r = nl_batch_flush(gnl, &b, err);
	nl_batch_free(&b);
	return r;
}

int ovs_teardown(struct topo *t, struct topo_err *err)
{
	int ret = 0;

	for (int dp = 0; dp < t->n_devs; dp++) {
		const struct topo_dev *d = &t->devs[dp];
		struct topo_err e = {{0}};
		struct ovs_families f;
		struct mnl_socket *gnl;
		int r;

		if (d->kind != NS_DEV_OVS || t->ns[d->ns].fd < 0)
			continue;
		gnl = genl_open_in(t->ns[d->ns].fd, t->ns[d->ns].name, &e);
		r = gnl ? families(gnl, false, &f, &e) : -EIO;
		/* No datapath family: nothing of ours can exist. */
		if (!r)
			r = delete_datapath(gnl, &f, d->ifname, t->ns[d->ns].name, &e);
		if (gnl)
			mnl_socket_close(gnl);
		if (r && r != -ENOENT && !ret) {
			ret = r;
			if (err)
				*err = e;
		}
	}
	return ret;
}

struct dp_names {
	char name[16][IFNAMSIZ];
	int n;
	const char *prefix;
};

static int dp_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dp_names *c = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr) + sizeof(struct ovs_header))
	{
		if (mnl_attr_get_type(a) == OVS_DP_ATTR_NAME && c->n < 16 &&
		    !strncmp(mnl_attr_get_str(a), c->prefix, strlen(c->prefix)))
			snprintf(c->name[c->n++], IFNAMSIZ, "%s", mnl_attr_get_str(a));
	}
	return 0;
}

struct dp_list {
	struct ovs_dp_info *v;
	int n, max;
};

static int dp_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dp_list *l = data;
	struct ovs_dp_info *d;
	const struct nlattr *a;

	if (l->n >= l->max)
		return 0;
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	dp_ifindex_cb(nlh, &d->ifindex);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr) + sizeof(struct ovs_header))
	{
		if (mnl_attr_get_type(a) == OVS_DP_ATTR_NAME)
			snprintf(d->name, sizeof(d->name), "%s", mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == OVS_DP_ATTR_STATS &&
			 mnl_attr_get_payload_len(a) >= sizeof(struct ovs_dp_stats))
			memcpy(&d->stats, mnl_attr_get_payload(a), sizeof(d->stats));
	}
	return 0;
}

int ovs_datapaths(int netns_fd, struct ovs_dp_info *v, int max, struct topo_err *err)
{
	struct dp_list l = {v, 0, max};
	struct ovs_families f;
	struct mnl_socket *gnl = genl_open_in(netns_fd, "(a datapath's)", err);
	char buf[NL_MSG_MAX];
	int r;

	if (!gnl)
		return -EIO;
	r = families(gnl, false, &f, err);
	if (!r)
		r = nl_dump(gnl, msg_ovs_dp(buf, f.dp, OVS_DP_CMD_GET, NULL), dp_info_cb, &l, err);
	mnl_socket_close(gnl);
	if (r == -ENOENT)
		return 0; /* no datapath family: no datapath */
	return r ? r : l.n;
}

int ovs_remove_here(const char *nsname)
{
	char run[TOPO_RUN_ID_LEN + 1], prefix[16], buf[NL_MSG_MAX];
	enum topo_ns_role role;
	struct topo_err err = {{0}};
	struct ovs_families f;
	struct dp_names c = {.n = 0, .prefix = prefix};
	struct mnl_socket *gnl;
	int r;

	/* Only netstage's host and node namespaces hold datapaths, named after their run. */
	if (topo_ns_name_parse(nsname, run, &role, NULL) ||
	    (role != TOPO_NS_HOST && role != TOPO_NS_NODE))
		return 0;
	snprintf(prefix, sizeof(prefix), TOPO_IF_PREFIX "%s", run);
	gnl = genl_open(&err);
	if (!gnl)
		return -EIO;
	r = families(gnl, false, &f, &err);
	if (!r)
		r = nl_dump(gnl, msg_ovs_dp(buf, f.dp, OVS_DP_CMD_GET, NULL), dp_name_cb, &c, &err);
	for (int i = 0; i < c.n && !r; i++)
		r = delete_datapath(gnl, &f, c.name[i], nsname, &err);
	mnl_socket_close(gnl);
	return r == -ENOENT ? 0 : r;
}
