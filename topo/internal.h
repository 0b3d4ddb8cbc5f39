/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topo internals shared by the topo sources and the unit tests: the plan of a
 * topology (what each device is and who creates it), the rtnetlink batch
 * layer (nl_*), the message builders (msg_*), named namespaces (netns_*)
 * and the run state under /run/netstage (state_*).
 */
#ifndef NETSTAGE_TOPO_INTERNAL_H
#define NETSTAGE_TOPO_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>

#include "topo.h"

struct mnl_socket;

/* Every device netstage makes is in this group: one RTM_DELLINK per namespace removes them all. */
#define TOPO_GROUP	  0x6e737467u /* "nstg" */
#define TOPO_STATE_DIR	  "/run/netstage"
#define TOPO_RUNS_DIR	  TOPO_STATE_DIR "/runs"
#define TOPO_LOCK_PATH	  TOPO_STATE_DIR "/topo.lock"
#define TOPO_LOCK_WAIT_S  30
#define TOPO_MTU_DEFAULT  1500
#define TOPO_IPV6_MIN_MTU 1280

/* What the plan knows about a device beyond struct topo_dev. */
struct topo_devx {
	unsigned char mac[6];
	int peer;     /* veth: index of the other end, or -1 */
	bool create;  /* created by its own message (false: made as a veth peer) */
	bool hairpin; /* bridge port that reflects frames back (VEPA's switch) */
	bool noarp;   /* IFF_NOARP device (ipvlan l3/l3s): no neighbour entries */
	int send_ns;  /* namespace whose socket sends the creation message */
	int mode;     /* macvlan/ipvlan mode */
	int accept;   /* macvlan source mode: the device whose MAC it accepts, or -1 */
	int prefix;   /* container interface: prefix length of its IPv4 address; 0: 24 */
	struct in_addr vx_local, vx_remote; /* vxlan: the underlay addresses of both ends */
};

/*
 * An address, neighbour or route besides the containers' own (host, container, nat,
 * vxlan): configured in namespace ns with the part of the plan of pair `pair` (-1: shared).
 */
enum topo_extra_type {
	TOPO_X_ADDR,	    /* addr/plen on dev */
	TOPO_X_NEIGH,	    /* a permanent neighbour: addr is at mac, out of dev */
	TOPO_X_DEFAULT_VIA, /* the default route: via gateway addr, out of dev */
};

struct topo_extra {
	enum topo_extra_type type;
	int ns, dev, pair;
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int plen;
	unsigned char mac[6];
};

/* nat: what the client of pair p connects to (the host's address on its link, a port per pair). */
#define TOPO_NAT_PORT_BASE   20000
#define TOPO_NAT_SERVER_PORT 5201 /* iperf3's, where DNAT sends: traffic.c's default port */
/* vxlan: the overlay's parameters; the underlay is 198.19.0.0/24 on the wire. */
#define TOPO_VXLAN_VNI	    42
#define TOPO_VXLAN_PORT	    4789
#define TOPO_VXLAN_OVERHEAD 50 /* outer Ethernet, IPv4, UDP and VXLAN headers */

/* A static route (switched layouts) or neighbour entry, in one namespace. */
struct topo_hop {
	int ns;
	int dev;	      /* the device it goes out of */
	int pair;	      /* whose address */
	bool client;	      /* the client's address (else the server's) */
	bool route;	      /* also a /32 (/128) route */
	unsigned char mac[6]; /* link-layer address of the next hop */
};

/* A static forwarding entry of a bridge: frames to mac leave by port. */
struct topo_fdb {
	int port;
	int pair; /* the pair whose MAC it is */
	unsigned char mac[6];
};

struct topo_priv {
	struct topo t; /* first: a struct topo * is a struct topo_priv * */
	struct topo_devx *dx;
	struct topo_hop *hops;
	int n_hops;
	struct topo_fdb *fdb;
	int n_fdb;
	struct topo_extra *extra;
	int n_extra;
	struct mnl_socket **nl; /* per namespace, in that namespace; NULL when closed */
	char state_path[PATH_MAX];
};

static inline struct topo_priv *topo_priv(const struct topo *t)
{
	return (struct topo_priv *)t;
}

/* Errors */
void topo_err_set(struct topo_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Names (names.c) */
bool topo_run_id_valid(const char *id);
void topo_ns_name(char *buf, size_t len, const char *run, enum topo_ns_role role, int index);
/* Parse "netstage-<run>-<role><n>": 0 and the parts, or -1 if it is not a netstage name. */
int topo_ns_name_parse(const char *name, char run[TOPO_RUN_ID_LEN + 1], enum topo_ns_role *role,
		       int *index);
char topo_ns_role_letter(enum topo_ns_role role);
const char *topo_ns_role_name(enum topo_ns_role role);
const char *topo_dev_role_name(enum topo_dev_role role);
int topo_mode_default(enum topo_kind kind);

/* The plan (plan.c): everything topo__up will make, computed without touching the system. */
int topo_plan(const struct topo_spec *spec, const char *run_id, struct topo **out,
	      struct topo_err *err);
/* Free a plan or a built topology's memory (closes sockets and namespace fds). */
void topo_free(struct topo *t);
int topo_mtu(const struct topo_spec *spec);
void topo_pair_addr(int pair, bool client, struct in_addr *ip4, struct in6_addr *ip6);

/* Message builders (msg.c): one complete request in buf, which must hold NL_MSG_MAX bytes. */
#define NL_MSG_MAX 4096
struct nlmsghdr *msg_newlink(char *buf, const struct topo *t, int dev);
struct nlmsghdr *msg_setlink(char *buf, const struct topo *t, int dev);
struct nlmsghdr *msg_link_up(char *buf, int ifindex);
struct nlmsghdr *msg_addr(char *buf, int ifindex, int family, const void *addr, int prefixlen);
struct nlmsghdr *msg_neigh(char *buf, int ifindex, int family, const void *addr,
			   const unsigned char mac[6]);
struct nlmsghdr *msg_fdb(char *buf, int port_ifindex, const unsigned char mac[6]);
struct nlmsghdr *msg_route(char *buf, int oif, int family, const void *dst);
struct nlmsghdr *msg_route_default(char *buf, int oif, int family, const void *gateway);
/* lo (ifindex 1) up with an MTU: the loopback kinds carry their traffic on it. */
struct nlmsghdr *msg_lo(char *buf, int mtu);
/* The route the kernel would take to dst (RTM_GETROUTE). */
struct nlmsghdr *msg_route_get(char *buf, int family, const void *dst);
struct nlmsghdr *msg_dellink_group(char *buf, uint32_t group);
struct nlmsghdr *msg_dellink(char *buf, int ifindex);
struct nlmsghdr *msg_getlink(char *buf, int ifindex);
/*
 * A test device of what this kernel can create (probe.c), in a scratch
 * namespace: NS_DEV_VETH the pair nstprobe0/1 at indexes MSG_PROBE_LOWER and
 * +1; NS_DEV_MACVLAN/IPVLAN (in mode) on its first end; NS_DEV_VXLAN, NS_DEV_BRIDGE.
 */
#define MSG_PROBE_LOWER 2
struct nlmsghdr *msg_probe_newlink(char *buf, enum ns_dev_kind kind, int mode);

/*
 * rtnetlink batches (nl.c): requests queued in one buffer, sent many per
 * sendmsg, every ack read back; the first error is kept with the kernel's
 * extended-ack text and the description given when it was queued.
 */
struct nl_batch {
	char *buf;
	size_t len, cap;
	int n;
	char (*what)[80]; /* per request: what it does, for the error message */
	int what_cap;
	int ignore_errno; /* an error that counts as success (e.g. ENODEV when deleting) */
};

struct mnl_socket *nl_open(struct topo_err *err);
void nl_close(struct mnl_socket *nl);
void nl_batch_init(struct nl_batch *b);
void nl_batch_free(struct nl_batch *b);
/* Append the request built in msg (NLM_F_ACK is added); what describes it for errors. */
int nl_batch_add(struct nl_batch *b, const struct nlmsghdr *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Send every queued request, read every ack; 0 or the first -errno. The batch is emptied. */
int nl_batch_flush(struct mnl_socket *nl, struct nl_batch *b, struct topo_err *err);
/* One request and its ack. */
int nl_request(struct mnl_socket *nl, const struct nlmsghdr *msg, struct topo_err *err,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A dump: cb is called for each message; 0 or -errno. */
typedef int (*nl_dump_cb)(const struct nlmsghdr *nlh, void *data);
int nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, nl_dump_cb cb, void *data,
	    struct topo_err *err);
/* The kernel's answer to req (e.g. RTM_GETLINK of one device) given to cb. */
int nl_get(struct mnl_socket *nl, struct nlmsghdr *req, nl_dump_cb cb, void *data,
	   struct topo_err *err);
/* The error text of an NLMSG_ERROR message, its extended ack included; "" if none. */
int nl_parse_ack(const struct nlmsghdr *nlh, char *ext, size_t ext_len);

/* Named namespaces (netns.c), as iproute2 makes them under /run/netns. */
enum {
	NETNS_IPV6_OFF = 1 << 0,   /* disable IPv6 before any device exists */
	NETNS_FORWARD = 1 << 1,	   /* route between its devices (IPv4, and IPv6 when on) */
	NETNS_IPV6_QUIET = 1 << 2, /* IPv6 on, but no DAD or router solicitations */
	NETNS_IGMP_QUIET = 1 << 3, /* no IGMP reports for link-local groups (bridges join one) */
};
int netns_dir_prepare(struct topo_err *err);
int netns_self(struct topo_err *err);
/*
 * Make namespace /run/netns/name, set its sysctls, open an rtnetlink
 * socket in it; the calling thread is back in its namespace (orig_fd)
 * whatever happens. Returns 0 with *fd (the namespace) and *nl, or -errno.
 */
int netns_create(const char *name, int orig_fd, unsigned int flags, int *fd, struct mnl_socket **nl,
		 struct topo_err *err);
/* Move the calling thread into the namespace open at fd: its own (to go back to), or -errno. */
int netns_enter(int fd, const char *name, struct topo_err *err);
/* Back to orig_fd's namespace (the calling thread); a thread that cannot go back aborts. */
void netns_return(int orig_fd);
/*
 * Move the calling thread into a new, unnamed namespace, to try what the
 * kernel may refuse without touching any namespace netstage did not make.
 * Returns the namespace to go back to (netns_return, then close), or -errno.
 */
int netns_enter_scratch(const char *who, struct topo_err *err);
/* An rtnetlink socket in the namespace open at fd. */
struct mnl_socket *netns_socket(int fd, int orig_fd, struct topo_err *err);
/* Unmount and unlink /run/netns/name; 0, or -errno (-ENOENT if it was not there). */
int netns_remove(const char *name);
/* The names of /run/netns entries starting with prefix, sorted; returns how many (or -errno). */
int netns_list(const char *prefix, char (**names)[NAME_MAX + 1]);

/* Run state and the lock (state.c). */
struct topo_run_state {
	char run[TOPO_RUN_ID_LEN + 1];
	int pid;		  /* the process that built it */
	unsigned long long start; /* its start time (clock ticks after boot), to tell pid reuse */
	bool kept;		  /* left up on purpose by `topo up` */
	bool up;		  /* finished building */
	struct topo_spec spec;
};
int state_lock(struct topo_err *err);
void state_unlock(int fd);
int state_write(const struct topo_run_state *st, struct topo_err *err);
int state_read(const char *run, struct topo_run_state *st);
void state_remove(const char *run);
/* Is the run's owner still there (or was it kept)? false when there is no state. */
bool state_live(const struct topo_run_state *st);
unsigned long long state_self_start(void);
unsigned long long state_pid_start(int pid);

/* nat (nat.c): the host's nftables rules (DNAT of each mapped port, masquerade), and the
 * probe of what they need. */
int nat_apply(const struct topo *t, struct topo_err *err);
int nat_probe(struct topo_err *err);
/* The nftables ruleset of t's host namespace, as text (for the tests); free() it. */
char *nat_ruleset(const struct topo *t);

/* Tear down every namespace of a run (run NULL: of every run); returns objects removed. */
int topo_remove_run(const char *run, FILE *log, struct topo_err *err);

/* The build (build.c): namespaces, devices, configuration, pipelined; and its undoing. */
bool topo_signal_pending(void);
void topo_phase(const char *name);
int build_topology(struct topo *t, struct topo_err *err);
/* Remove what t made: its devices (one request per namespace, in parallel), its namespaces. */
int build_teardown(struct topo *t, struct topo_err *err);
/*
 * Remove the named namespaces (all netstage's), their devices first; log
 * each removal. Returns how many were removed, or -errno.
 */
int build_remove_named(char (*names)[NAME_MAX + 1], int n, FILE *log, struct topo_err *err);

/*
 * The ovs kind (ovs.c): the kernel's Open vSwitch datapath over generic netlink, no daemon.
 * Requests are built into NL_MSG_MAX-byte buffers; family is the genetlink id of
 * ovs_datapath, ovs_vport or ovs_flow. A flow matches in_port (and dst, when not NULL)
 * and outputs to out_port.
 */
struct nlmsghdr *msg_ovs_dp(char *buf, uint16_t family, uint8_t cmd, const char *name);
struct nlmsghdr *msg_ovs_vport(char *buf, uint16_t family, int dp_ifindex, const char *name,
			       uint32_t port_no);
struct nlmsghdr *msg_ovs_flow(char *buf, uint16_t family, int dp_ifindex, uint32_t in_port,
			      const unsigned char *dst, uint32_t out_port);
/* Has this kernel the datapath (its families; a kernel with modules loads openvswitch)? */
int ovs_probe(struct topo_err *err);
/* The datapaths (chunk [-1, 0)), or the ports and flows of pairs [a, z). */
int ovs_build(struct topo *t, int a, int z, struct topo_err *err);
/* Delete t's datapaths (their ports stay, for the group deletion). */
int ovs_teardown(struct topo *t, struct topo_err *err);
/* Delete the run's datapaths in the calling thread's namespace, if it is a netstage host/node. */
int ovs_remove_here(const char *nsname);
/* The datapaths of the namespace open at netns_fd, up to max: how many, or -errno. */
struct ovs_dp_info {
	char name[IFNAMSIZ];
	int ifindex;
	struct ovs_dp_stats stats; /* n_hit, n_missed (upcalls), n_lost, n_flows */
};
int ovs_datapaths(int netns_fd, struct ovs_dp_info *v, int max, struct topo_err *err);

#endif /* NETSTAGE_TOPO_INTERNAL_H */
