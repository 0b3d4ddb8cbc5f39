// SPDX-License-Identifier: GPL-2.0
/*
 * The ovs kind with root, on a kernel with the openvswitch datapath (the VM
 * tests run it on Debian's kernel; the host's has none and skips, saying
 * why): 1 and 4 pairs (also switched, and with IPv6) are built, checked against
 * rtnetlink and the datapath's own view, carry pings both ways and a
 * short TCP exchange, no packet misses the flow table, and teardown (also
 * `topo down --all` of a kept run) leaves no namespace, device or datapath.
 * Without the datapath, `topo up --kind ovs` fails naming the kernel option.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include "topo/internal.h"
#include "helpers.h"

/* Skip (never pass) where the kind cannot be built. */
static void need_ovs(void)
{
	struct topo_err err = {{0}};

	if (geteuid() != 0)
		cr_skip_test("skipped: needs root (namespaces, the datapath)");
	if (topo__probe_kind(TOPO_OVS, -1, &err))
		cr_skip_test("skipped: %s", err.msg);
}

/*
 * A short TCP exchange over pair p: the client sends bytes, the server sends them back;
 * bounded by 5 s timeouts on every call. Returns the bytes that came back intact.
 */
static long tcp_echo(const struct topo *t, int p, long bytes)
{
	const struct topo_pair *pr = &t->pairs[p];
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(5299), .sin_addr = pr->server_ip4};
	struct timeval tv = {5, 0};
	int one = 1, ls = socket_in_ns(t, pr->server_ns, AF_INET, SOCK_STREAM, 0);
	int c = socket_in_ns(t, pr->client_ns, AF_INET, SOCK_STREAM, 0), s;
	char *out = malloc(bytes), *in = malloc(bytes), buf[65536];
	long sent = 0, echoed = 0, got = 0;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(ls, 1), 0);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0, "pair %d: connect: %s", p,
		     strerror(errno));
	s = accept(ls, NULL, NULL);
	cr_assert_geq(s, 0);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (long i = 0; i < bytes; i++)
		out[i] = (char)(i * 7 + p);
	/* In steps no larger than the socket buffers hold, so that neither side blocks. */
	while (got < bytes) {
		ssize_t n;

		if (sent < bytes) {
			n = send(c, out + sent, bytes - sent < 32768 ? bytes - sent : 32768, 0);
			if (n <= 0)
				break;
			sent += n;
		}
		while (echoed < sent) {
			long want =
			    sent - echoed < (long)sizeof(buf) ? sent - echoed : (long)sizeof(buf);

			n = recv(s, buf, want, 0);
			if (n <= 0 || send(s, buf, n, 0) != n)
				goto out;
			echoed += n;
		}
		while (got < echoed) {
			n = recv(c, in + got, echoed - got, 0);
			if (n <= 0)
				goto out;
			got += n;
		}
	}
out:
	if (got && memcmp(in, out, got))
		got = -1;
	close(s);
	close(c);
	close(ls);
	free(out);
	free(in);
	return got;
}

/* What rtnetlink says of one device: kind, master, flags. */
struct link {
	char name[IFNAMSIZ], kind[32];
	int ifindex, master, flags, mtu;
	bool found;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link *l = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *b;
	bool mine = false;

	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			mine = !strcmp(mnl_attr_get_str(a), l->name);
	}
	if (!mine)
		return 0;
	l->found = true;
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_MASTER:
			l->master = mnl_attr_get_u32(a);
			break;
		case IFLA_MTU:
			l->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			mnl_attr_for_each_nested(b, a)
			{
				if (mnl_attr_get_type(b) == IFLA_INFO_KIND)
					snprintf(l->kind, sizeof(l->kind), "%s",
						 mnl_attr_get_str(b));
			}
			break;
		}
	}
	return 0;
}

static struct link link_of(const struct topo *t, int dev)
{
	struct topo_priv *p = topo_priv(t);
	struct link l = {.master = 0};
	struct topo_err err;
	char buf[NL_MSG_MAX];

	snprintf(l.name, sizeof(l.name), "%s", t->devs[dev].ifname);
	cr_assert_eq(nl_dump(p->nl[t->devs[dev].ns], msg_getlink(buf, 0), link_cb, &l, &err), 0,
		     "%s", err.msg);
	return l;
}

/* The datapaths in the namespace open at fd. */
static int datapaths(int fd, struct ovs_dp_info *v, int max)
{
	struct topo_err err = {{0}};
	int n = ovs_datapaths(fd, v, max, &err);

	cr_assert_geq(n, 0, "%s", err.msg);
	return n;
}

/* What the plan says, the kernel has: datapath devices, ports enslaved to them, flows. */
static void check_built(const struct topo *t)
{
	int n_dp = 0;

	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];
		struct link l = link_of(t, i);

		cr_assert(l.found, "%s missing from %s", d->ifname, t->ns[d->ns].name);
		cr_assert_eq(l.ifindex, d->ifindex, "%s ifindex", d->ifname);
		cr_assert_str_eq(l.kind, ns_dev_kind__name(d->kind), "%s kind", d->ifname);
		cr_assert_eq(l.mtu, d->mtu, "%s MTU", d->ifname);
		cr_assert(l.flags & IFF_UP, "%s is up", d->ifname);
		cr_assert_eq(l.master, d->master >= 0 ? t->devs[d->master].ifindex : 0, "%s master",
			     d->ifname);
		if (d->kind == NS_DEV_OVS) {
			struct ovs_dp_info dp[4];
			int n = datapaths(t->ns[d->ns].fd, dp, 4), flows = 0;

			n_dp++;
			cr_assert_eq(n, 1, "one datapath in %s", t->ns[d->ns].name);
			cr_assert_str_eq(dp[0].name, d->ifname);
			cr_assert_eq(dp[0].ifindex, d->ifindex);
			/* Local: two flows a pair; switched: two a pair on each node. */
			flows = 2 * t->n_pairs;
			cr_assert_eq(dp[0].stats.n_flows, (uint64_t)flows, "%s has %llu flows",
				     d->ifname, (unsigned long long)dp[0].stats.n_flows);
		}
	}
	cr_assert_eq(n_dp, t->spec.layout == TOPO_SWITCHED ? 2 : 1);
}

struct ovs_case {
	enum topo_layout layout;
	int pairs, mtu;
	bool ipv6;
};

ParameterizedTestParameters(ovs, builds_carries_and_leaves_nothing)
{
	static struct ovs_case cases[] = {
	    {TOPO_LOCAL, 1, 1500, false},    {TOPO_LOCAL, 4, 1500, false},
	    {TOPO_SWITCHED, 2, 9000, false}, {TOPO_LOCAL, 2, 1500, true},
	    {TOPO_LOCAL, 1, 576, false},
	};

	return cr_make_param_array(struct ovs_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct ovs_case *c, ovs, builds_carries_and_leaves_nothing, .timeout = 120)
{
	struct topo_spec spec = {.kind = TOPO_OVS,
				 .mode = -1,
				 .pairs = c->pairs,
				 .mtu = c->mtu,
				 .layout = c->layout,
				 .ipv6 = c->ipv6};
	struct topo_err err = {{0}};
	struct ovs_dp_info dp[4];
	int keep[2] = {-1, -1}, n_keep = 0;
	uint64_t hit = 0;
	char prefix[32];
	struct topo *t;

	need_ovs();
	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	check_built(t);
	for (int p = 0; p < t->n_pairs; p++) {
		const struct topo_pair *pr = &t->pairs[p];

		cr_expect_eq(ping_in(t, pr->client_ns, false, &pr->server_ip4, 2, 56), 2,
			     "pair %d: client -> server", p);
		cr_expect_eq(ping_in(t, pr->server_ns, false, &pr->client_ip4, 2, 56), 2,
			     "pair %d: server -> client", p);
		cr_expect_eq(ping_in(t, pr->client_ns, false, &pr->server_ip4, 1, c->mtu - 28), 1,
			     "pair %d: MTU-sized ping", p);
		if (c->ipv6) {
			cr_expect_eq(ping_in(t, pr->client_ns, true, &pr->server_ip6, 2, 56), 2,
				     "pair %d: IPv6 client -> server", p);
			cr_expect_eq(ping_in(t, pr->server_ns, true, &pr->client_ip6, 2, 56), 2,
				     "pair %d: IPv6 server -> client", p);
		}
		cr_expect_eq(tcp_echo(t, p, 256 * 1024), 256 * 1024, "pair %d: TCP both ways", p);
	}
	/* Every frame met a flow of netstage's: none went up to a (missing) daemon. */
	for (int i = 0; i < t->n_devs; i++) {
		if (t->devs[i].kind != NS_DEV_OVS)
			continue;
		cr_assert_eq(datapaths(t->ns[t->devs[i].ns].fd, dp, 4), 1);
		cr_expect_eq(dp[0].stats.n_missed, 0, "%s: %llu frames missed the flows",
			     dp[0].name, (unsigned long long)dp[0].stats.n_missed);
		cr_expect_eq(dp[0].stats.n_lost, 0);
		hit += dp[0].stats.n_hit;
		keep[n_keep++] = dup(t->ns[t->devs[i].ns].fd);
	}
	cr_expect_gt(hit, 0, "the datapaths forwarded the traffic");
	snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", t->run_id);
	topo__down(t);
	/* The namespaces held open here: their datapaths and devices are gone, not dying. */
	for (int k = 0; k < n_keep; k++) {
		cr_expect_eq(datapaths(keep[k], dp, 4), 0, "a datapath is left");
		close(keep[k]);
	}
	{
		char(*names)[NAME_MAX + 1];
		int n = netns_list(prefix, &names);

		free(names);
		cr_expect_eq(n, 0, "namespaces of the run are left");
	}
}

/* A kept run, then `topo down --all` (as after a crash): the datapath goes too. */
Test(ovs, down_all_removes_the_datapath, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_OVS, .mode = -1, .pairs = 2};
	struct topo_err err = {{0}};
	struct ovs_dp_info dp[4];
	struct topo *t;
	int h;

	need_ovs();
	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(topo__keep(t, &err), 0, "%s", err.msg);
	h = dup(t->ns[t->devs[0].ns].fd);
	cr_assert_eq(t->devs[0].kind, NS_DEV_OVS);
	topo__down(t); /* kept: only frees */
	cr_assert_eq(datapaths(h, dp, 4), 1, "the kept run's datapath is there");
	cr_assert_geq(topo__down_all(NULL, &err), 1, "%s", err.msg);
	cr_expect_eq(datapaths(h, dp, 4), 0, "topo down --all left datapath %s", dp[0].name);
	close(h);
}

Test(ovs, missing_datapath_is_said_clearly)
{
	struct topo_spec spec = {.kind = TOPO_OVS, .mode = -1, .pairs = 1};
	struct topo_err err = {{0}};
	struct topo *t = (struct topo *)1;
	char(*names)[NAME_MAX + 1];
	int before, after;

	if (geteuid() != 0)
		cr_skip_test("skipped: needs root");
	if (topo__probe_kind(TOPO_OVS, -1, &err) == 0)
		cr_skip_test("skipped: this kernel has the openvswitch datapath");
	before = netns_list(TOPO_NS_PREFIX, &names);
	free(names);
	cr_assert_neq(topo__up(&spec, &t, &err), 0);
	cr_assert_null(t);
	cr_assert(strstr(err.msg, "CONFIG_OPENVSWITCH") && strstr(err.msg, "ovs:"), "%s", err.msg);
	after = netns_list(TOPO_NS_PREFIX, &names);
	free(names);
	cr_assert_eq(after, before, "nothing was created");
}
