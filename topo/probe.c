// SPDX-License-Identifier: GPL-2.0
/*
 * What device kinds this kernel can create: each is tried once, in a
 * namespace nobody can see, with msg.c's requests; what it made vanishes
 * with the socket.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>

#include "internal.h"

/* A netlink socket in a scratch namespace; NULL with *rc set when there is none. */
static struct mnl_socket *scratch_nl(int *rc, struct topo_err *err)
{
	struct mnl_socket *nl;
	int orig;

	orig = netns_enter_scratch("topo", err);
	if (orig < 0) {
		*rc = orig;
		return NULL;
	}
	nl = nl_open(err);
	*rc = nl ? 0 : (errno ? -errno : -EIO);
	netns_return(orig);
	close(orig);
	return nl;
}

static int probe_vxlan(struct mnl_socket *nl, struct topo_err *err)
{
	char buf[NL_MSG_MAX];
	int r = nl_request(nl, msg_probe_newlink(buf, NS_DEV_VXLAN, -1), err,
			   "vxlan: creating a test device");

	if (r == -EOPNOTSUPP)
		topo_err_set(err, "vxlan: this kernel has no vxlan driver (CONFIG_VXLAN); "
				  "use --kind veth-bridge or run on a kernel with vxlan");
	return r;
}

static int probe_bridge(struct mnl_socket *nl, struct topo_err *err)
{
	char buf[NL_MSG_MAX];
	int r = nl_request(nl, msg_probe_newlink(buf, NS_DEV_BRIDGE, -1), err,
			   "bridge: creating a test bridge");

	if (r == -EOPNOTSUPP)
		topo_err_set(err, "veth-bridge: this kernel has no bridge driver "
				  "(CONFIG_BRIDGE); use --kind veth or macvlan, or run on a "
				  "kernel with bridging");
	return r;
}

/* macvlan or ipvlan in mode, on the test pair's first end: no driver, or a mode refused. */
static int probe_vlan(struct mnl_socket *nl, enum topo_kind kind, int mode, struct topo_err *err)
{
	const char *kname = kind == TOPO_IPVLAN ? "ipvlan" : "macvlan";
	char buf[NL_MSG_MAX];
	int r;

	r = nl_request(
	    nl, msg_probe_newlink(buf, kind == TOPO_IPVLAN ? NS_DEV_IPVLAN : NS_DEV_MACVLAN, mode),
	    err, "%s: creating a test device in mode %s", kname, topo_mode__name(kind, mode));
	if (r == -EOPNOTSUPP && strstr(err->msg, "Unknown device type"))
		topo_err_set(err,
			     "%s: this kernel has no %s driver (%s); use --kind %s or run on a "
			     "kernel with %s",
			     kname, kname, kind == TOPO_IPVLAN ? "CONFIG_IPVLAN" : "CONFIG_MACVLAN",
			     kind == TOPO_IPVLAN ? "macvlan" : "veth-bridge", kname);
	else if (r) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		topo_err_set(err, "%s: this kernel refuses mode %s (%s); use another --mode", kname,
			     topo_mode__name(kind, mode), why);
	}
	return r;
}

/* A veth pair first (every layout has them; the lower device of macvlan/ipvlan is one), then the
 * kind. */
static int probe(enum topo_kind kind, int mode, struct topo_err *err)
{
	char buf[NL_MSG_MAX];
	struct mnl_socket *nl;
	int r;

	nl = scratch_nl(&r, err);
	if (!nl)
		return r;
	r = nl_request(nl, msg_probe_newlink(buf, NS_DEV_VETH, -1), err,
		       "veth: creating a test pair");
	if (r) {
		nl_close(nl);
		if (r == -EOPNOTSUPP)
			topo_err_set(err, "veth: this kernel has no veth driver (CONFIG_VETH); "
					  "netstage needs it for every layout");
		return r;
	}
	switch (kind) {
	case TOPO_VETH:
	case TOPO_HOST:
	case TOPO_CONTAINER:
		break;
	case TOPO_VXLAN:
		r = probe_vxlan(nl, err);
		break;
	case TOPO_VETH_BRIDGE:
		r = probe_bridge(nl, err);
		break;
	case TOPO_NAT:
	case TOPO_OVS:
		break;
	default: /* macvlan, ipvlan */
		r = probe_vlan(nl, kind, mode, err);
		break;
	}
	nl_close(nl);
	/* These two try their own way, with the scratch namespace gone. */
	if (kind == TOPO_NAT)
		return nat_probe(err);
	if (kind == TOPO_OVS)
		return ovs_probe(err);
	return r;
}

int topo__probe_kind(enum topo_kind kind, int mode, struct topo_err *err)
{
	/* One probe per kind and mode and process: sweeps build many topologies. */
	static int cache[TOPO_KIND_COUNT][32];
	static char msgs[TOPO_KIND_COUNT][32][sizeof(err->msg)];
	struct topo_spec s = {.kind = kind,
			      .mode = mode,
			      .pairs = 1,
			      .layout = kind == TOPO_VXLAN ? TOPO_SWITCHED : TOPO_LOCAL};
	int slot, r;

	r = topo__validate(&s, err);
	if (r)
		return r;
	if (kind == TOPO_VETH || kind == TOPO_VETH_BRIDGE)
		mode = -1;
	else if (mode < 0)
		mode = topo_mode_default(kind);
	slot = mode < 0 ? 0 : (mode & 31);
	if (cache[kind][slot] == 1)
		return 0;
	if (cache[kind][slot] < 0) {
		topo_err_set(err, "%s", msgs[kind][slot]);
		return cache[kind][slot];
	}
	r = probe(kind, mode, err);
	/* Only a verdict about the kernel is kept, not a passing lack of privilege. */
	if (r == 0)
		cache[kind][slot] = 1;
	else if (r != -EPERM && r != -ENOMEM && r != -EMFILE) {
		cache[kind][slot] = r;
		snprintf(msgs[kind][slot], sizeof(msgs[0][0]), "%s", err->msg);
	}
	return r;
}
