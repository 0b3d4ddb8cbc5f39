// SPDX-License-Identifier: GPL-2.0
/*
 * topo with root: every kind and layout this kernel has is built, checked
 * against rtnetlink dumps (kinds, modes, MTU, masters, lower devices,
 * addresses, neighbours), pinged across every pair (bounded), torn down,
 * and checked to leave nothing behind. Also: silence with IPv6 off, bad
 * input, a kernel without ipvlan, SIGTERM and SIGKILL in mid-build.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include "topo/internal.h"
#include "helpers.h"

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("skipped: needs root");
}

static struct mnl_socket *rtnl_in_ns(const struct topo *t, int ns)
{
	struct topo_err err;
	int self = netns_self(&err);
	struct mnl_socket *nl = netns_socket(t->ns[ns].fd, self, &err);

	close(self);
	cr_assert_not_null(nl, "%s", err.msg);
	return nl;
}

/*
 * ICMP echo from the client of pair p to its server, count times, each
 * awaited at most 1 s; a reply proves both directions. size: payload bytes,
 * sent with DF so that a smaller MTU on the path makes it fail.
 */
static int ping(const struct topo *t, int p, bool v6, int count, int size)
{
	const struct topo_pair *pr = &t->pairs[p];

	return ping_in(t, pr->client_ns, v6, v6 ? (const void *)&pr->server_ip6 : &pr->server_ip4,
		       count, size);
}

/* What rtnetlink says about one namespace. */
struct seen_link {
	int ifindex, mtu, master, link, mode, flags;
	unsigned char mac[6];
	char name[IFNAMSIZ], kind[16], alias[64];
};
struct seen {
	struct seen_link links[64];
	int n_links;
	struct {
		int ifindex, family, plen;
		unsigned char addr[16];
	} addrs[64];
	int n_addrs;
	struct {
		int ifindex, family, state;
		unsigned char dst[16], mac[6];
	} neighs[64];
	int n_neighs;
};

static int seen_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct seen_link *l = &s->links[s->n_links];
	const struct nlattr *a, *b, *c;

	if (s->n_links == 64)
		return 0;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	l->mode = -1;
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
			break;
		case IFLA_IFALIAS:
			snprintf(l->alias, sizeof(l->alias), "%s", mnl_attr_get_str(a));
			break;
		case IFLA_MTU:
			l->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			l->master = mnl_attr_get_u32(a);
			break;
		case IFLA_LINK:
			l->link = mnl_attr_get_u32(a);
			break;
		case IFLA_ADDRESS:
			memcpy(l->mac, mnl_attr_get_payload(a), 6);
			break;
		case IFLA_LINKINFO:
			mnl_attr_for_each_nested(b, a)
			{
				if (mnl_attr_get_type(b) == IFLA_INFO_KIND)
					snprintf(l->kind, sizeof(l->kind), "%s",
						 mnl_attr_get_str(b));
				if (mnl_attr_get_type(b) != IFLA_INFO_DATA)
					continue;
				mnl_attr_for_each_nested(c, b)
				{
					if (!strcmp(l->kind, "macvlan") &&
					    mnl_attr_get_type(c) == IFLA_MACVLAN_MODE)
						l->mode = mnl_attr_get_u32(c);
					if (!strcmp(l->kind, "ipvlan") &&
					    mnl_attr_get_type(c) == IFLA_IPVLAN_MODE)
						l->mode = mnl_attr_get_u16(c);
				}
			}
			break;
		}
	}
	s->n_links++;
	return 0;
}

static int seen_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (s->n_addrs == 64)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) != IFA_ADDRESS)
			continue;
		s->addrs[s->n_addrs].ifindex = ifa->ifa_index;
		s->addrs[s->n_addrs].family = ifa->ifa_family;
		s->addrs[s->n_addrs].plen = ifa->ifa_prefixlen;
		memcpy(s->addrs[s->n_addrs].addr, mnl_attr_get_payload(a),
		       mnl_attr_get_payload_len(a) > 16 ? 16 : mnl_attr_get_payload_len(a));
		s->n_addrs++;
	}
	return 0;
}

static int seen_neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int i = s->n_neighs;

	if (i == 64 || nd->ndm_family == AF_BRIDGE)
		return 0;
	memset(&s->neighs[i], 0, sizeof(s->neighs[i]));
	s->neighs[i].ifindex = nd->ndm_ifindex;
	s->neighs[i].family = nd->ndm_family;
	s->neighs[i].state = nd->ndm_state;
	mnl_attr_for_each(a, nlh, sizeof(*nd))
	{
		if (mnl_attr_get_type(a) == NDA_DST)
			memcpy(s->neighs[i].dst, mnl_attr_get_payload(a),
			       mnl_attr_get_payload_len(a) > 16 ? 16 : mnl_attr_get_payload_len(a));
		if (mnl_attr_get_type(a) == NDA_LLADDR)
			memcpy(s->neighs[i].mac, mnl_attr_get_payload(a), 6);
	}
	s->n_neighs++;
	return 0;
}

static void dump_ns(const struct topo *t, int ns, struct seen *s)
{
	struct mnl_socket *nl = rtnl_in_ns(t, ns);
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct topo_err err;

	memset(s, 0, sizeof(*s));
	cr_assert_eq(nl_dump(nl, msg_getlink(buf, 0), seen_link_cb, s, &err), 0, "%s", err.msg);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg)))
	    ->ifa_family = AF_UNSPEC;
	cr_assert_eq(nl_dump(nl, nlh, seen_addr_cb, s, &err), 0, "%s", err.msg);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	((struct ndmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ndmsg)))->ndm_family =
	    AF_UNSPEC;
	cr_assert_eq(nl_dump(nl, nlh, seen_neigh_cb, s, &err), 0, "%s", err.msg);
	nl_close(nl);
}

static const struct seen_link *find_link(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n_links; i++)
		if (!strcmp(s->links[i].name, name))
			return &s->links[i];
	return NULL;
}

static const char *kind_str(enum ns_dev_kind k)
{
	return ns_dev_kind__name(k);
}

/* Everything t says exists, with the kinds, modes, MTUs, masters and addresses it says. */
static void check_built(const struct topo *t)
{
	const struct topo_priv *p = topo_priv(t);
	struct seen *s = malloc(sizeof(*s));

	for (int ns = 0; ns < t->n_ns; ns++) {
		struct stat st;

		cr_assert_geq(t->ns[ns].fd, 0);
		cr_assert_eq(fstat(t->ns[ns].fd, &st), 0);
		cr_assert_eq(t->ns[ns].inum, st.st_ino, "inum is the namespace file's inode");
		cr_assert_eq(access(t->ns[ns].path, F_OK), 0, "%s", t->ns[ns].path);
		dump_ns(t, ns, s);
		for (int i = 0; i < t->n_devs; i++) {
			const struct topo_dev *d = &t->devs[i];
			const struct seen_link *l;

			if (d->ns != ns)
				continue;
			l = find_link(s, d->ifname);
			cr_assert_not_null(l, "%s missing from %s", d->ifname, t->ns[ns].name);
			cr_assert_eq(l->ifindex, d->ifindex, "%s ifindex", d->ifname);
			if (d->kind == NS_DEV_LOOPBACK) {
				/* Not netstage's: no alias, no MAC, no kind; up, with the MTU. */
				cr_assert_eq(l->ifindex, 1);
				cr_assert_eq(l->mtu, d->mtu, "lo MTU");
				cr_assert(l->flags & IFF_UP, "lo is up");
				continue;
			}
			cr_assert_str_eq(l->kind, kind_str(d->kind), "%s kind", d->ifname);
			cr_assert_eq(l->mtu, d->mtu, "%s MTU", d->ifname);
			cr_assert(l->flags & IFF_UP, "%s is up", d->ifname);
			cr_assert_eq(strncmp(l->alias, "netstage ", 9), 0, "%s alias '%s'",
				     d->ifname, l->alias);
			cr_assert(strstr(l->alias, t->run_id), "the run id is in the alias");
			cr_assert_eq(memcmp(l->mac, p->dx[i].mac, 6), 0, "%s MAC", d->ifname);
			cr_assert_eq(l->master, d->master >= 0 ? t->devs[d->master].ifindex : 0,
				     "%s master", d->ifname);
			if (d->kind == NS_DEV_MACVLAN || d->kind == NS_DEV_IPVLAN) {
				cr_assert_eq(l->mode, t->spec.mode, "%s mode", d->ifname);
				cr_assert_eq(l->link, t->devs[d->lower].ifindex, "%s lower",
					     d->ifname);
			}
		}
		/* Nothing else but lo: netstage never adds what it did not plan. */
		for (int k = 0; k < s->n_links; k++)
			cr_assert(!strcmp(s->links[k].name, "lo") ||
				      !strncmp(s->links[k].name, "nst", 3),
				  "unexpected %s in %s", s->links[k].name, t->ns[ns].name);
		if (t->ns[ns].role == TOPO_NS_CLIENT || t->ns[ns].role == TOPO_NS_SERVER) {
			const struct topo_pair *pr = &t->pairs[t->ns[ns].index];
			bool client = t->ns[ns].role == TOPO_NS_CLIENT;
			const struct in_addr *mine = client ? &pr->client_ip4 : &pr->server_ip4;
			const struct in_addr *peer = client ? &pr->server_ip4 : &pr->client_ip4;
			int plen = p->dx[client ? pr->client_dev : pr->server_dev].prefix;
			struct in_addr gateway = {htonl(0xc612fffe)};
			bool has_addr = false, has_neigh = false;

			/* nat: the client knows the host's end of its link, the server its gateway.
			 */
			if (t->spec.kind == TOPO_NAT)
				peer = client ? &pr->target_ip4 : &gateway;
			for (int k = 0; k < s->n_addrs; k++)
				if (s->addrs[k].family == AF_INET &&
				    !memcmp(s->addrs[k].addr, mine, 4) &&
				    s->addrs[k].plen == (plen ? plen : 24))
					has_addr = true;
			cr_assert(has_addr, "%s has its address", t->ns[ns].name);
			for (int k = 0; k < s->n_neighs; k++)
				if (s->neighs[k].family == AF_INET &&
				    !memcmp(s->neighs[k].dst, peer, 4)) {
					has_neigh = true;
					cr_assert_eq(s->neighs[k].state, NUD_PERMANENT);
				}
			/* ipvlan l3/l3s devices are NOARP: no neighbour is needed there. */
			if (!(t->spec.kind == TOPO_IPVLAN && t->spec.mode != IPVLAN_MODE_L2))
				cr_assert(has_neigh, "%s has a static neighbour for its peer",
					  t->ns[ns].name);
			for (int k = 0; k < s->n_addrs && !t->spec.ipv6; k++)
				cr_assert_neq(s->addrs[k].family, AF_INET6,
					      "IPv6 is off, yet %s has an IPv6 address",
					      t->ns[ns].name);
		}
	}
	free(s);
}

static int count_prefix(const char *prefix)
{
	char(*names)[NAME_MAX + 1];
	int n = netns_list(prefix, &names);

	free(names);
	return n;
}

/* Nothing with the run's prefix is left: no namespace, no state, no interface here. */
static void check_gone(const char *run)
{
	char prefix[32], path[PATH_MAX];

	snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run);
	cr_assert_eq(count_prefix(prefix), 0, "namespaces of run %s are left", run);
	snprintf(path, sizeof(path), TOPO_RUNS_DIR "/%s", run);
	cr_assert_neq(access(path, F_OK), 0, "the state of run %s is left", run);
	snprintf(prefix, sizeof(prefix), TOPO_IF_PREFIX "%s", run);
	for (int i = 1; i < 4096; i++) {
		char name[IF_NAMESIZE];

		if (if_indextoname(i, name))
			cr_assert_neq(strncmp(name, prefix, strlen(prefix)), 0, "%s in the host",
				      name);
	}
}

struct layout_case {
	enum topo_kind kind;
	int mode;
	enum topo_layout layout;
	int pairs, mtu;
	bool ipv6;
};

ParameterizedTestParameters(topo_integ, builds_pings_and_leaves_nothing)
{
	static struct layout_case cases[] = {
	    {TOPO_VETH, -1, TOPO_LOCAL, 3, 1500, false},
	    {TOPO_VETH, -1, TOPO_SWITCHED, 3, 1500, false},
	    {TOPO_VETH_BRIDGE, -1, TOPO_LOCAL, 4, 1500, false},
	    {TOPO_VETH_BRIDGE, -1, TOPO_SWITCHED, 3, 9000, false},
	    {TOPO_VETH_BRIDGE, -1, TOPO_LOCAL, 2, 9000, true},
	    {TOPO_MACVLAN, MACVLAN_MODE_BRIDGE, TOPO_LOCAL, 4, 1500, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_BRIDGE, TOPO_SWITCHED, 3, 9000, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_VEPA, TOPO_LOCAL, 2, 1500, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_VEPA, TOPO_SWITCHED, 2, 1500, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_PRIVATE, TOPO_LOCAL, 2, 1500, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_PRIVATE, TOPO_SWITCHED, 2, 1500, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_PASSTHRU, TOPO_LOCAL, 2, 1500, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_PASSTHRU, TOPO_SWITCHED, 2, 9000, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_SOURCE, TOPO_LOCAL, 2, 1500, false},
	    {TOPO_MACVLAN, MACVLAN_MODE_SOURCE, TOPO_SWITCHED, 2, 1500, true},
	    {TOPO_VETH, -1, TOPO_SWITCHED, 2, 9000, true},
	    {TOPO_IPVLAN, IPVLAN_MODE_L2, TOPO_LOCAL, 2, 1500, false},
	    {TOPO_IPVLAN, IPVLAN_MODE_L3, TOPO_LOCAL, 2, 1500, false},
	    {TOPO_IPVLAN, IPVLAN_MODE_L3S, TOPO_LOCAL, 2, 1500, false},
	    {TOPO_IPVLAN, IPVLAN_MODE_L2, TOPO_SWITCHED, 2, 1500, false},
	    {TOPO_IPVLAN, IPVLAN_MODE_L3, TOPO_SWITCHED, 2, 9000, true},
	    {TOPO_IPVLAN, IPVLAN_MODE_L3S, TOPO_SWITCHED, 2, 1500, false},
	};

	return cr_make_param_array(struct layout_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct layout_case *c, topo_integ, builds_pings_and_leaves_nothing, .timeout = 60)
{
	struct topo_spec spec = {.kind = c->kind,
				 .mode = c->mode,
				 .pairs = c->pairs,
				 .mtu = c->mtu,
				 .layout = c->layout,
				 .ipv6 = c->ipv6};
	struct topo_err err = {{0}};
	struct topo *t;
	char run[TOPO_RUN_ID_LEN + 1];
	int r;

	need_root();
	if (c->kind == TOPO_IPVLAN && topo__probe_kind(c->kind, c->mode, &err))
		cr_skip_test("skipped: %s (tested in the VM)", err.msg);
	r = topo__up(&spec, &t, &err);
	cr_assert_eq(r, 0, "%s", err.msg);
	snprintf(run, sizeof(run), "%s", t->run_id);
	check_built(t);
	for (int p = 0; p < t->n_pairs; p++) {
		cr_expect_eq(ping(t, p, false, 2, 56), 2, "pair %d: IPv4 ping", p);
		/* A datagram as large as the MTU passes without fragments. */
		cr_expect_eq(ping(t, p, false, 1, c->mtu - 28), 1, "pair %d: MTU-sized ping", p);
		if (c->ipv6)
			cr_expect_eq(ping(t, p, true, 2, 56), 2, "pair %d: IPv6 ping", p);
	}
	topo__down(t);
	check_gone(run);
}

/*
 * A TCP connection (or a UDP exchange) from pair p's client to what it targets (the server's
 * address, or nat's published address and port), 64 KiB (one datagram) each way, every wait
 * bounded. The server must see the client's own address, on its own address and port: for
 * nat, proof that DNAT (and no SNAT) happened; the UDP reply must come back from the target.
 */
static void exchange(const struct topo *t, int p, bool udp)
{
	const struct topo_pair *pr = &t->pairs[p];
	int port = pr->target_port ? pr->target_port : TOPO_NAT_SERVER_PORT;
	struct sockaddr_in srv = {.sin_family = AF_INET,
				  .sin_port = htons(TOPO_NAT_SERVER_PORT),
				  .sin_addr = pr->server_ip4};
	struct sockaddr_in cli = {.sin_family = AF_INET, .sin_addr = pr->client_ip4};
	struct sockaddr_in dst = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = pr->target_ip4};
	struct sockaddr_in seen;
	socklen_t len = sizeof(seen);
	struct timeval tv = {2, 0};
	int type = udp ? SOCK_DGRAM : SOCK_STREAM, one = 1;
	int ls = socket_in_ns(t, pr->server_ns, AF_INET, type, 0);
	int cs = socket_in_ns(t, pr->client_ns, AF_INET, type, 0);
	int as = -1;
	static char buf[65536];
	size_t moved;
	ssize_t n;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(cs, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(cs, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert_eq(bind(ls, (struct sockaddr *)&srv, sizeof(srv)), 0, "bind: %s",
		     strerror(errno));
	cr_assert_eq(bind(cs, (struct sockaddr *)&cli, sizeof(cli)), 0, "bind: %s",
		     strerror(errno));
	memset(buf, 0x5a, sizeof(buf));
	if (udp) {
		cr_assert_eq(sendto(cs, "hi", 2, 0, (struct sockaddr *)&dst, sizeof(dst)), 2);
		n = recvfrom(ls, buf, sizeof(buf), 0, (struct sockaddr *)&seen, &len);
		cr_assert_eq(n, 2, "pair %d: the server got no datagram: %s", p, strerror(errno));
		cr_assert_eq(seen.sin_addr.s_addr, pr->client_ip4.s_addr, "from the client itself");
		cr_assert_eq(sendto(ls, "ho", 2, 0, (struct sockaddr *)&seen, len), 2);
		len = sizeof(seen);
		n = recvfrom(cs, buf, sizeof(buf), 0, (struct sockaddr *)&seen, &len);
		cr_assert_eq(n, 2, "pair %d: no reply: %s", p, strerror(errno));
		cr_assert_eq(seen.sin_addr.s_addr, dst.sin_addr.s_addr,
			     "the reply is from the target");
		cr_assert_eq(seen.sin_port, dst.sin_port);
		goto out;
	}
	cr_assert_eq(listen(ls, 1), 0);
	cr_assert_eq(connect(cs, (struct sockaddr *)&dst, sizeof(dst)), 0, "pair %d: connect: %s",
		     p, strerror(errno));
	as = accept(ls, (struct sockaddr *)&seen, &len);
	cr_assert_geq(as, 0, "accept: %s", strerror(errno));
	cr_assert_eq(seen.sin_addr.s_addr, pr->client_ip4.s_addr, "the server sees the client");
	setsockopt(as, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(as, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (int dir = 0; dir < 2; dir++) {
		int from = dir ? as : cs, to = dir ? cs : as;

		cr_assert_eq(send(from, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
		for (moved = 0; moved < sizeof(buf); moved += n) {
			n = recv(to, buf, sizeof(buf) - moved, 0);
			cr_assert_gt(n, 0, "pair %d: %s", p, strerror(errno));
		}
	}
out:
	if (as >= 0)
		close(as);
	close(ls);
	close(cs);
}

static bool has_addr(const struct seen *s, int family, const void *a, int plen)
{
	for (int k = 0; k < s->n_addrs; k++)
		if (s->addrs[k].family == family && s->addrs[k].plen == plen &&
		    !memcmp(s->addrs[k].addr, a, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

ParameterizedTestParameters(topo_integ, new_kinds_build_carry_and_leave_nothing)
{
	static struct layout_case cases[] = {
	    {TOPO_HOST, -1, TOPO_LOCAL, 3, 1500, false},
	    {TOPO_HOST, -1, TOPO_LOCAL, 2, 9000, true},
	    {TOPO_CONTAINER, -1, TOPO_LOCAL, 3, 1500, false},
	    {TOPO_CONTAINER, -1, TOPO_LOCAL, 2, 1500, true},
	    {TOPO_NAT, -1, TOPO_LOCAL, 3, 1500, false},
	    {TOPO_VXLAN, -1, TOPO_SWITCHED, 3, 1500, false},
	    {TOPO_VXLAN, -1, TOPO_SWITCHED, 2, 9000, true},
	};

	return cr_make_param_array(struct layout_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct layout_case *c, topo_integ, new_kinds_build_carry_and_leave_nothing,
		  .timeout = 60)
{
	struct topo_spec spec = {.kind = c->kind,
				 .mode = c->mode,
				 .pairs = c->pairs,
				 .mtu = c->mtu,
				 .layout = c->layout,
				 .ipv6 = c->ipv6};
	struct topo_err err = {{0}};
	struct seen *s = malloc(sizeof(*s));
	struct topo *t;
	char run[TOPO_RUN_ID_LEN + 1];

	need_root();
	if (topo__probe_kind(c->kind, -1, &err))
		cr_skip_test("skipped: %s", err.msg);
	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	snprintf(run, sizeof(run), "%s", t->run_id);
	check_built(t);
	for (int p = 0; p < t->n_pairs; p++) {
		const struct topo_pair *pr = &t->pairs[p];
		int inner = t->devs[pr->client_dev].mtu;

		if (c->kind == TOPO_HOST || c->kind == TOPO_CONTAINER) {
			/* Both ends' addresses on lo, as /32 and /128. */
			dump_ns(t, pr->client_ns, s);
			cr_assert(has_addr(s, AF_INET, &pr->client_ip4, 32));
			cr_assert(has_addr(s, AF_INET, &pr->server_ip4, 32));
			if (c->ipv6)
				cr_assert(has_addr(s, AF_INET6, &pr->server_ip6, 128));
		}
		if (c->kind != TOPO_NAT) {
			const char *k = topo_kind__name(c->kind);

			cr_expect_eq(ping(t, p, false, 2, 56), 2, "%s pair %d: IPv4 ping", k, p);
			cr_expect_eq(ping(t, p, false, 1, inner - 28), 1, "%s pair %d: MTU-sized",
				     k, p);
			if (c->ipv6)
				cr_expect_eq(ping(t, p, true, 2, 56), 2, "%s pair %d: IPv6 ping", k,
					     p);
		} else {
			/* Only the published port reaches the server: no route to it. */
			cr_expect_eq(ping(t, p, false, 1, 56), 0, "pair %d: reached directly", p);
		}
		exchange(t, p, false);
		exchange(t, p, true);
	}
	free(s);
	topo__down(t);
	check_gone(run);
}

Test(topo_integ, ipv6_off_means_silence, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = 2, .mtu = 1500};
	struct topo_err err;
	struct topo *t;

	need_root();
	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	/* Long enough for router solicitations, MLD reports or DAD to have gone out. */
	usleep(1500 * 1000);
	for (int i = 0; i < t->n_devs; i++) {
		struct rtnl_link_stats64 st;

		cr_assert_eq(topo__dev_stats(t, i, &st), 0);
		cr_expect_eq(st.tx_packets, 0, "%s sent %llu packets nobody asked for",
			     t->devs[i].ifname, (unsigned long long)st.tx_packets);
		cr_expect_eq(st.rx_packets, 0, "%s received %llu packets", t->devs[i].ifname,
			     (unsigned long long)st.rx_packets);
	}
	/* And traffic counts: one ping each way. */
	cr_assert_eq(ping(t, 0, false, 1, 56), 1);
	{
		struct rtnl_link_stats64 st;

		cr_assert_eq(topo__dev_stats(t, t->pairs[0].server_dev, &st), 0);
		cr_expect_eq(st.rx_packets, 1);
		cr_expect_eq(st.tx_packets, 1);
	}
	topo__down(t);
}

Test(topo_integ, ipvlan_missing_is_said_clearly)
{
	struct topo_spec spec = {.kind = TOPO_IPVLAN, .mode = -1, .pairs = 1};
	struct topo_err err = {{0}};
	struct topo *t = (struct topo *)1;
	int before = count_prefix(TOPO_NS_PREFIX);

	need_root();
	if (topo__probe_kind(TOPO_IPVLAN, IPVLAN_MODE_L3, &err) == 0)
		cr_skip_test("skipped: this kernel has ipvlan");
	cr_assert_neq(topo__up(&spec, &t, &err), 0);
	cr_assert_null(t);
	cr_assert_str_eq(err.msg, "ipvlan: this kernel has no ipvlan driver (CONFIG_IPVLAN); use "
				  "--kind macvlan or run on a kernel with ipvlan");
	cr_assert_eq(count_prefix(TOPO_NS_PREFIX), before, "nothing was created");
}

Test(topo_integ, bad_input_creates_nothing)
{
	struct topo_spec bad[] = {
	    {.kind = TOPO_VETH, .mode = -1, .pairs = 0},
	    {.kind = TOPO_VETH, .mode = -1, .pairs = 100000},
	    {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 50},
	    {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 70000},
	    {.kind = TOPO_MACVLAN, .mode = IPVLAN_MODE_L3S + 100, .pairs = 1},
	    {.kind = 9, .mode = -1, .pairs = 1},
	};
	int before;

	need_root();
	before = count_prefix(TOPO_NS_PREFIX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct topo_err err = {{0}};
		struct topo *t;

		cr_assert_eq(topo__up(&bad[i], &t, &err), -EINVAL);
		cr_assert_null(t);
		cr_assert_neq(err.msg[0], '\0');
	}
	cr_assert_eq(count_prefix(TOPO_NS_PREFIX), before);
}

Test(topo_integ, describe_reads_what_exists, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_MACVLAN, .mode = -1, .pairs = 2, .mtu = 1500};
	struct topo_err err;
	struct topo *t, *d;
	const char *names[3];
	const char *ifs[1];

	need_root();
	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	names[0] = t->ns[0].name; /* the host */
	names[1] = t->ns[t->pairs[1].client_ns].name;
	names[2] = t->ns[t->pairs[1].server_ns].path;
	cr_assert_eq(topo__describe(names, 3, NULL, 0, &d, &err), 0, "%s", err.msg);
	cr_assert(!d->owned);
	cr_assert_eq(d->n_ns, 3);
	cr_assert_eq(d->ns[0].inum, t->ns[0].inum);
	cr_assert_eq(d->ns[1].role, TOPO_NS_CLIENT);
	cr_assert_eq(d->ns[1].index, 1);
	for (int i = 0; i < d->n_devs; i++) {
		const struct topo_dev *x = &d->devs[i];

		if (x->role == TOPO_DEV_CLIENT_IF) {
			cr_assert_eq(x->kind, NS_DEV_MACVLAN);
			cr_assert_eq(x->ns, 1);
			cr_assert_eq(x->pair, 1);
			cr_assert_geq(x->lower, 0, "the lower in another namespace is found");
			cr_assert_str_eq(d->devs[x->lower].ifname,
					 t->devs[t->devs[t->pairs[1].client_dev].lower].ifname);
		}
	}
	topo__down(d);
	/* Only the named interfaces, and a clear error for one that is not there. */
	ifs[0] = t->devs[t->pairs[1].server_dev].ifname;
	cr_assert_eq(topo__describe(names + 2, 1, ifs, 1, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->n_devs, 1);
	cr_assert_eq(d->devs[0].ifindex, t->devs[t->pairs[1].server_dev].ifindex);
	topo__down(d);
	ifs[0] = "nope0";
	cr_assert_eq(topo__describe(names + 2, 1, ifs, 1, &d, &err), -ENODEV);
	cr_assert(strstr(err.msg, "nope0"), "%s", err.msg);
	topo__down(t);
}

/* Run topo__up in a child; returns its pid. */
static pid_t build_in_child(const struct topo_spec *spec)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct topo_err err;
		struct topo *t;
		int r = topo__up(spec, &t, &err);

		if (!r)
			topo__down(t);
		_exit(r ? 3 : 0);
	}
	return pid;
}

/* The run the process pid was building, from the state files; "" if none. */
static void run_of(pid_t pid, char run[TOPO_RUN_ID_LEN + 1])
{
	struct timespec pause = {0, 1000 * 1000};

	run[0] = '\0';
	for (int tries = 0; tries < 2000 && !run[0]; tries++) {
		DIR *d = opendir(TOPO_RUNS_DIR);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			struct topo_run_state st;

			if (topo_run_id_valid(de->d_name) && !state_read(de->d_name, &st) &&
			    st.pid == pid)
				memcpy(run, de->d_name, TOPO_RUN_ID_LEN + 1);
		}
		if (d)
			closedir(d);
		nanosleep(&pause, NULL);
	}
}

/* Wait until the run has made n namespaces. */
static void wait_namespaces(const char *run, int n)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run);
	for (int tries = 0; tries < 5000 && count_prefix(prefix) < n; tries++)
		usleep(200);
}

Test(topo_integ, sigterm_mid_build_rolls_back, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = 128, .mtu = 1500};
	char run[TOPO_RUN_ID_LEN + 1];
	pid_t pid;
	int status;

	need_root();
	pid = build_in_child(&spec);
	run_of(pid, run);
	cr_assert_neq(run[0], '\0', "the child started a run");
	wait_namespaces(run, 20);
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	/* The build saw the signal, removed everything, then the signal ended the child. */
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "status %#x", status);
	check_gone(run);
}

static bool other_live_runs(const char *mine)
{
	char(*names)[NAME_MAX + 1];
	int n = netns_list(TOPO_NS_PREFIX, &names);
	bool other = false;

	for (int i = 0; i < n; i++) {
		char run[TOPO_RUN_ID_LEN + 1];
		struct topo_run_state st;

		if (!topo_ns_name_parse(names[i], run, NULL, NULL) && strcmp(run, mine) &&
		    !state_read(run, &st) && state_live(&st))
			other = true;
	}
	free(names);
	return other;
}

Test(topo_integ, sigkill_mid_build_leaves_what_down_all_removes, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_MACVLAN, .mode = -1, .pairs = 128, .mtu = 1500};
	struct topo_spec small = {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1500};
	char run[TOPO_RUN_ID_LEN + 1], prefix[32];
	struct topo_err err = {{0}};
	struct topo *t;
	pid_t pid;
	int status;

	need_root();
	pid = build_in_child(&spec);
	run_of(pid, run);
	cr_assert_neq(run[0], '\0');
	wait_namespaces(run, 40);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run);
	cr_assert_gt(count_prefix(prefix), 0, "SIGKILL leaves leftovers");
	/* A new build refuses to go ahead while they exist, and names them. */
	cr_assert_eq(topo__up(&small, &t, &err), -EEXIST);
	cr_assert(strstr(err.msg, run), "%s", err.msg);
	cr_assert(strstr(err.msg, "topo down --all"), "%s", err.msg);
	/* `topo down --all`, unless another live netstage run would be hit: then only ours. */
	if (other_live_runs(run))
		cr_assert_gt(topo__down_kept(run, NULL, &err), 0, "%s", err.msg);
	else
		cr_assert_gt(topo__down_all(NULL, &err), 0, "%s", err.msg);
	check_gone(run);
}

Test(topo_integ, keep_list_and_down_kept, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_VETH, .mode = -1, .pairs = 2, .mtu = 1500};
	struct topo_err err;
	struct topo *t;
	char run[TOPO_RUN_ID_LEN + 1], *out = NULL;
	size_t len = 0;
	FILE *f;

	need_root();
	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	snprintf(run, sizeof(run), "%s", t->run_id);
	cr_assert_eq(topo__keep(t, &err), 0, "%s", err.msg);
	cr_assert(!t->owned);
	topo__down(t); /* only frees */
	f = open_memstream(&out, &len);
	cr_assert_eq(topo__list(f, &err), 0);
	fclose(f);
	cr_assert(strstr(out, run), "%s", out);
	cr_assert(strstr(out, "kept"), "%s", out);
	free(out);
	cr_assert_eq(topo__down_kept(run, NULL, &err), 1, "%s", err.msg);
	check_gone(run);
	cr_assert_eq(topo__down_kept(run, NULL, &err), -ENOENT);
}

Test(topo_integ, one_change_at_a_time, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1500};
	struct topo_err err;
	struct topo *t;
	struct timespec t0, t1;
	int fd, pfd[2];
	pid_t pid;

	need_root();
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		int l = open(TOPO_LOCK_PATH, O_RDWR | O_CREAT, 0644);

		flock(l, LOCK_EX);
		cr_assert_eq(write(pfd[1], "x", 1), 1);
		usleep(300 * 1000);
		_exit(0); /* the lock goes with the process */
	}
	cr_assert_eq(read(pfd[0], &fd, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_geq((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 200,
		      "the build waited for the lock");
	waitpid(pid, NULL, 0);
	topo__down(t);
}

Test(topo_integ, a_failure_mid_build_rolls_back, .timeout = 60)
{
	int before_ns, before_runs = 0, after_runs = 0, status, pfd[2];
	char msg[512] = "";
	pid_t pid;
	DIR *d;
	struct dirent *de;

	need_root();
	before_ns = count_prefix(TOPO_NS_PREFIX);
	d = opendir(TOPO_RUNS_DIR);
	while (d && (de = readdir(d)))
		before_runs += topo_run_id_valid(de->d_name);
	if (d)
		closedir(d);
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		/* Too few descriptors for 129 namespaces and their sockets: it fails midway. */
		struct rlimit rl = {96, 96};
		struct topo_spec spec = {.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = 64};
		struct topo_err err = {{0}};
		struct topo *t;
		int r;

		setrlimit(RLIMIT_NOFILE, &rl);
		r = topo__up(&spec, &t, &err);
		if (write(pfd[1], err.msg, strlen(err.msg)) < 0)
			_exit(4);
		_exit(r ? 3 : 0);
	}
	close(pfd[1]);
	cr_assert_geq(read(pfd[0], msg, sizeof(msg) - 1), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3, "the build failed: %#x", status);
	cr_assert(strstr(msg, "Too many open files"), "the error says why: %s", msg);
	cr_assert_eq(count_prefix(TOPO_NS_PREFIX), before_ns, "nothing of it is left");
	d = opendir(TOPO_RUNS_DIR);
	while (d && (de = readdir(d)))
		after_runs += topo_run_id_valid(de->d_name);
	if (d)
		closedir(d);
	cr_assert_eq(after_runs, before_runs, "nor its state");
}
