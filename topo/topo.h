/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topo: the container networks netstage profiles, built and torn down over
 * rtnetlink (libmnl), and the description of networks that already exist.
 *
 * Everything netstage makes is named so that it is recognisable afterwards
 * (../docs/TOPOLOGY.md): namespaces "netstage-<run>-<role><n>", interfaces
 * "nst<run>..." (15 characters at most) with the run id in their alias.
 * Only such objects are ever modified or removed.
 */
#ifndef NETSTAGE_TOPO_H
#define NETSTAGE_TOPO_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/limits.h>
#include <linux/if_link.h>

#include "netstage.h"

#define TOPO_NS_PREFIX	"netstage-"
#define TOPO_IF_PREFIX	"nst"
#define TOPO_RUN_ID_LEN 4 /* [0-9a-z] */
#define TOPO_MAX_PAIRS	256
#define TOPO_MIN_MTU	68
#define TOPO_MAX_MTU	65535
#define TOPO_NETNS_DIR	"/run/netns"

enum topo_kind {
	TOPO_VETH,
	TOPO_VETH_BRIDGE,
	TOPO_MACVLAN,
	TOPO_IPVLAN,
	TOPO_HOST,	/* both ends in one namespace over loopback: the baseline */
	TOPO_CONTAINER, /* two containers sharing a namespace (a pod), over loopback */
	TOPO_NAT,	/* veth+bridge behind a published port: DNAT in, masquerade out */
	TOPO_VXLAN,	/* a VXLAN overlay between two nodes, a bridge per node */
	TOPO_OVS,	/* an Open vSwitch datapath with veth ports */
	TOPO_KIND_COUNT
};
enum topo_layout { TOPO_LOCAL, TOPO_SWITCHED };

/* Roles of namespaces and devices in a built topology. */
enum topo_ns_role {
	TOPO_NS_CLIENT,
	TOPO_NS_SERVER,
	TOPO_NS_HOST,
	TOPO_NS_NODE,
	TOPO_NS_POD, /* both containers of a pair in one namespace (kind container) */
	TOPO_NS_OTHER
};
enum topo_dev_role {
	TOPO_DEV_CLIENT_IF,   /* the client container's interface */
	TOPO_DEV_SERVER_IF,   /* the server container's interface */
	TOPO_DEV_CLIENT_PORT, /* host end of the client's veth (enslaved to a bridge) */
	TOPO_DEV_SERVER_PORT,
	TOPO_DEV_BRIDGE,
	TOPO_DEV_LOWER,	     /* lower device of macvlan/ipvlan (a veth end) */
	TOPO_DEV_LOWER_PEER, /* the other end of the lower veth */
	TOPO_DEV_WIRE,	     /* the veth joining two nodes (switched layout) */
	TOPO_DEV_TUNNEL,     /* a node's VXLAN device (kind vxlan), a port of its bridge */
	TOPO_DEV_OTHER,	     /* found in an existing namespace */
};

struct topo_spec {
	enum topo_kind kind;
	int mode;  /* MACVLAN_MODE_* or IPVLAN_MODE_* from <linux/if_link.h>; -1: the kind's default
		    */
	int pairs; /* 1..TOPO_MAX_PAIRS */
	int mtu;   /* TOPO_MIN_MTU..TOPO_MAX_MTU; 0: 1500 */
	enum topo_layout layout;
	bool ipv6; /* also IPv6 addresses; false: IPv6 disabled in every namespace */
};

struct topo_ns {
	char name[NAME_MAX + 1]; /* netns name (as `ip netns` shows it), or "" if unnamed */
	char path[PATH_MAX];	 /* what to open for setns(): /run/netns/NAME or /proc/PID/ns/net */
	__u32 inum;		 /* inode number of the namespace, as BPF sees it */
	int fd;			 /* open namespace file, -1 when closed */
	enum topo_ns_role role;
	int index;	 /* pair or node number */
	char label[64];	 /* for reports: the container's name where it can be known */
	bool translates; /* netfilter translates addresses here (the nat kind's host) */
};

struct topo_dev {
	char ifname[IFNAMSIZ];
	int ifindex;
	int ns; /* index into topo.ns */
	enum ns_dev_kind kind;
	int master; /* index into topo.devs of its master (a bridge), or -1 */
	int lower;  /* index into topo.devs of its lower device, or -1 */
	enum topo_dev_role role;
	int pair; /* the pair it belongs to, or -1 when shared */
	int mtu;
};

struct topo_pair {
	int client_ns, server_ns;   /* indexes into topo.ns */
	int client_dev, server_dev; /* indexes into topo.devs: the containers' interfaces */
	struct in_addr client_ip4, server_ip4;	/* 198.18.0.0/15 */
	struct in6_addr client_ip6, server_ip6; /* 2001:2::/48 (when spec.ipv6) */
	/*
	 * What the client connects to: the server's own address and target_port 0 (the
	 * server's port), or for nat the host's published address and the pair's mapped port.
	 */
	struct in_addr target_ip4;
	struct in6_addr target_ip6;
	int target_port;
};

struct topo {
	char run_id[TOPO_RUN_ID_LEN + 1]; /* "" for a description of existing namespaces */
	struct topo_spec spec;
	bool owned; /* true: netstage built it and topo__down removes it */
	int n_ns, n_devs, n_pairs;
	struct topo_ns *ns;
	struct topo_dev *devs;
	struct topo_pair *pairs;
};

/* An error worth showing: what, why and the fix, in one line. */
struct topo_err {
	char msg[512];
};

/*
 * Check a spec without touching the system: kind/mode pairs, pair count, MTU.
 * Returns 0 or -EINVAL with err->msg naming the problem and the fix.
 */
int topo__validate(const struct topo_spec *spec, struct topo_err *err);

/*
 * Build the topology: namespaces, devices, addresses, static neighbours,
 * routes, all links up. On failure nothing of it is left and err says why.
 * Refuses (-EEXIST) while leftovers of another run exist, naming them.
 */
int topo__up(const struct topo_spec *spec, struct topo **out, struct topo_err *err);

/* Remove everything t made (when t->owned) and free t. NULL is fine. */
void topo__down(struct topo *t);
/*
 * The topology a spec would build, planned without touching the system (its
 * devices and namespaces, ifindex and inode 0): what the probes' memory is
 * planned from before anything is built. Free it with topo__free_plan.
 */
int topo__plan(const struct topo_spec *spec, struct topo **out, struct topo_err *err);
void topo__free_plan(struct topo *t);

/*
 * Leave t up after this process ends (`netstage topo up`): it is recorded as
 * kept, t->owned becomes false, and topo__down(t) then only frees t.
 */
int topo__keep(struct topo *t, struct topo_err *err);

/*
 * Remove kept topologies (`netstage topo down`): every kept one when run is
 * NULL, else the run with that id (kept or left over, not one another live
 * process uses). Returns how many runs were removed, or -errno.
 */
int topo__down_kept(const char *run, FILE *log, struct topo_err *err);

/* Remove every netstage namespace and interface, of any run. Returns how many objects. */
int topo__down_all(FILE *log, struct topo_err *err);

/* Print the netstage topologies that exist now. */
int topo__list(FILE *out, struct topo_err *err);

/*
 * Describe namespaces that exist already (by name in /run/netns, or a path
 * such as /proc/PID/ns/net), optionally only the named interfaces. Nothing
 * is modified; topo__down only frees the description.
 */
int topo__describe(const char *const *netns, int n_netns, const char *const *ifnames, int n_ifnames,
		   struct topo **out, struct topo_err *err);

/* The MTU of the containers' interfaces: the spec's, less a tunnel's encapsulation (vxlan). */
int topo__container_mtu(const struct topo_spec *spec);

/*
 * Move the calling thread into namespace ns of t. Returns the thread's own
 * namespace (an fd) for topo__leave_ns, or -errno with err saying why.
 */
int topo__enter_ns(const struct topo *t, int ns, struct topo_err *err);
/* Back to the namespace topo__enter_ns returned, and close it; a thread that cannot aborts. */
void topo__leave_ns(int orig);

/* Can this kernel create devices of this kind and mode? 0, or -errno with the reason. */
int topo__probe_kind(enum topo_kind kind, int mode, struct topo_err *err);

/* The device's counters now (IFLA_STATS64), read in its namespace. */
int topo__dev_stats(const struct topo *t, int dev, struct rtnl_link_stats64 *out);

/* Names for the command line and reports, and their parsers (-1 if unknown). */
const char *topo_kind__name(enum topo_kind kind);
int topo_kind__parse(const char *name);
/* Every kind, for messages: "veth, veth-bridge, ... or ovs". */
const char *topo_kind__list(void);
const char *topo_mode__name(enum topo_kind kind, int mode);
int topo_mode__parse(enum topo_kind kind, const char *name);
const char *topo_layout__name(enum topo_layout layout);
int topo_layout__parse(const char *name);
const char *ns_dev_kind__name(enum ns_dev_kind kind);

#endif /* NETSTAGE_TOPO_H */
