// SPDX-License-Identifier: GPL-2.0
/*
 * The build. Two threads make the namespaces (entering each once, to set its
 * sysctls before any device exists and to open a socket in it); then, chunk
 * by chunk of pairs, the calling thread creates veth pairs and bridges from
 * one socket, configures each infrastructure namespace's part of the chunk
 * (aliases, peers up, bridge entries, routes), creates macvlan/ipvlan
 * devices from their lower device's namespace, and configures each
 * container namespace in one batch. Last, it waits for the kernel's
 * linkwatch work to have made every link operational.
 *
 * Teardown deletes devices with one RTM_DELLINK per namespace (by group, so
 * a bridge takes its ports' veth peers along). Each deletion waits for an
 * RCU barrier in the kernel; requests in parallel threads share barriers,
 * which makes a hundred namespaces' deletions take about as long as a few.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <libmnl/libmnl.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#ifndef IF_OPER_UP
#define IF_OPER_UP 6 /* RFC 2863, <linux/if.h> (which clashes with <net/if.h>) */
#endif

#define BUILD_CHUNK	  32  /* pairs per step of the build */
#define BUILD_MAKERS	  2   /* threads making namespaces (measured best on two cores) */
#define DELETE_THREADS	  128 /* deletions waiting on the kernel at once */
#define THREAD_STACK_SIZE (128 * 1024)

bool topo_signal_pending(void)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, SIGINT) || sigismember(&set, SIGTERM) || sigismember(&set, SIGHUP);
}

/* NETSTAGE_TOPO_TIMING=1: how long each phase of a build or teardown took, on stderr. */
void topo_phase(const char *name)
{
	static struct timespec last;
	static int on = -1;
	struct timespec now;

	if (on < 0)
		on = getenv("NETSTAGE_TOPO_TIMING") != NULL;
	if (!on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (name)
		fprintf(stderr, "topo: %-24s %7.1f ms\n", name,
			(now.tv_sec - last.tv_sec) * 1e3 + (now.tv_nsec - last.tv_nsec) / 1e6);
	last = now;
}

static bool infra(const struct topo *t, int ns)
{
	return t->ns[ns].role == TOPO_NS_HOST || t->ns[ns].role == TOPO_NS_NODE;
}

static bool stacked(const struct topo_dev *d)
{
	return d->kind == NS_DEV_MACVLAN || d->kind == NS_DEV_IPVLAN;
}

/* Pair p belongs to the chunk [a, z); the shared devices are the chunk [-1, 0). */
static bool in(int p, int a, int z)
{
	return p >= a && p < z;
}

/*
 * The namespace makers: threads that take namespaces in plan order, make
 * them, and publish how long a prefix of the plan is ready.
 */
struct maker {
	struct topo *t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool *made;  /* per namespace */
	int next;    /* the next namespace to take */
	int ready;   /* namespaces 0..ready-1 are made */
	int running; /* maker threads still running */
	int err;
	struct topo_err msg;
	bool cancel;
	double busy_ms, wait_ms; /* for NETSTAGE_TOPO_TIMING */
};

static unsigned int netns_create_flags(const struct topo *t, int ns)
{
	const struct topo_spec *s = &t->spec;
	unsigned int f = s->ipv6 ? NETNS_IPV6_QUIET : NETNS_IPV6_OFF;

	if (s->kind == TOPO_VETH && s->layout == TOPO_SWITCHED && t->ns[ns].role == TOPO_NS_NODE)
		f |= NETNS_FORWARD;
	if (t->ns[ns].translates)
		f |= NETNS_FORWARD; /* Docker's host routes between its bridge and the outside */
	if (infra(t, ns))
		f |= NETNS_IGMP_QUIET;
	return f;
}

static void *maker_main(void *arg)
{
	struct maker *m = arg;
	struct topo *t = m->t;
	struct topo_priv *p = topo_priv(t);
	struct topo_err e = {{0}};
	int orig = netns_self(&e);
	int r = orig < 0 ? orig : 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!r) {
		struct stat st;
		int i;

		pthread_mutex_lock(&m->mu);
		i = m->cancel || m->err ? t->n_ns : m->next++;
		pthread_mutex_unlock(&m->mu);
		if (i >= t->n_ns)
			break;
		r = netns_create(t->ns[i].name, orig, netns_create_flags(t, i), &t->ns[i].fd,
				 &p->nl[i], &e);
		if (!r && fstat(t->ns[i].fd, &st)) {
			r = -errno;
			topo_err_set(&e, "netns %s: fstat: %s", t->ns[i].name, strerror(-r));
		}
		if (!r)
			t->ns[i].inum = st.st_ino;
		pthread_mutex_lock(&m->mu);
		if (r && !m->err) {
			m->err = r;
			m->msg = e;
		}
		if (!r) {
			m->made[i] = true;
			while (m->ready < t->n_ns && m->made[m->ready])
				m->ready++;
		}
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->mu);
	}
	if (orig >= 0)
		close(orig);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_lock(&m->mu);
	m->busy_ms += (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (r && !m->err) {
		m->err = r;
		m->msg = e;
	}
	m->running--;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* Wait until n namespaces are made; returns how many are, or -errno. */
static int wait_ready(struct maker *m, int n, struct topo_err *err)
{
	int r = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&m->mu);
	while (m->ready < n && !m->err && m->running) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&m->cv, &m->mu, &ts);
		if (topo_signal_pending()) {
			r = -EINTR;
			break;
		}
	}
	if (!r && m->ready >= n)
		r = m->ready;
	else if (!r && m->err) {
		r = m->err;
		*err = m->msg;
	} else if (!r) {
		r = -EIO;
		topo_err_set(err, "topo: the namespace maker stopped early");
	}
	pthread_mutex_unlock(&m->mu);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	m->wait_ms += (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	return r;
}

static int flush(struct topo *t, int ns, struct nl_batch *b, struct topo_err *err)
{
	char kind[16];
	int r;

	if (!b->n)
		return 0;
	r = nl_batch_flush(topo_priv(t)->nl[ns], b, err);
	/* Name the missing driver rather than echo "Operation not supported". */
	if (r == -EOPNOTSUPP && strstr(err->msg, "Unknown device type") &&
	    sscanf(err->msg, "creating %15s", kind) == 1) {
		const char *cfg = !strcmp(kind, "ipvlan")    ? "CONFIG_IPVLAN"
				  : !strcmp(kind, "macvlan") ? "CONFIG_MACVLAN"
				  : !strcmp(kind, "bridge")  ? "CONFIG_BRIDGE"
							     : "CONFIG_VETH";

		topo_err_set(err,
			     "%s: this kernel has no %s driver (%s); use another --kind or "
			     "run on a kernel with %s",
			     kind, kind, cfg, kind);
	}
	return r;
}

static int oom(struct topo_err *err)
{
	topo_err_set(err, "topo: out of memory queueing requests");
	return -ENOMEM;
}

/* Create the devices of chunk [a, z): veth pairs and bridges (!stk) or stacked devices. */
static int create(struct topo *t, struct nl_batch *b, bool stk, int send_ns, int a, int z,
		  struct topo_err *err)
{
	struct topo_priv *p = topo_priv(t);
	char buf[NL_MSG_MAX];

	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];

		if (!p->dx[i].create || stacked(d) != stk || !in(d->pair, a, z) ||
		    p->dx[i].send_ns != send_ns)
			continue;
		if (nl_batch_add(b, msg_newlink(buf, t, i), "creating %s %s%s%s in %s",
				 ns_dev_kind__name(d->kind), d->ifname,
				 p->dx[i].mode >= 0 ? " in mode " : "",
				 p->dx[i].mode >= 0 ? topo_mode__name(t->spec.kind, p->dx[i].mode)
						    : "",
				 t->ns[d->ns].name))
			return oom(err);
	}
	return flush(t, send_ns, b, err);
}

static int add_addresses(struct topo *t, struct nl_batch *b, const struct topo_dev *d,
			 const char *nsname)
{
	const struct topo_pair *pr = &t->pairs[d->pair];
	bool c = d->role == TOPO_DEV_CLIENT_IF;
	char buf[NL_MSG_MAX], txt[INET6_ADDRSTRLEN];
	const void *a4 = c ? (const void *)&pr->client_ip4 : (const void *)&pr->server_ip4;
	const void *a6 = c ? (const void *)&pr->client_ip6 : (const void *)&pr->server_ip6;
	int plen = topo_priv(t)->dx[d - t->devs].prefix;

	inet_ntop(AF_INET, a4, txt, sizeof(txt));
	if (nl_batch_add(b, msg_addr(buf, d->ifindex, AF_INET, a4, plen ? plen : 24),
			 "adding address %s to %s in %s", txt, d->ifname, nsname))
		return -ENOMEM;
	if (!t->spec.ipv6)
		return 0;
	inet_ntop(AF_INET6, a6, txt, sizeof(txt));
	return nl_batch_add(b, msg_addr(buf, d->ifindex, AF_INET6, a6, 64),
			    "adding address %s to %s in %s", txt, d->ifname, nsname);
}

static int add_hop(struct topo *t, struct nl_batch *b, const struct topo_hop *h, int family,
		   const char *nsname)
{
	const struct topo_pair *pr = &t->pairs[h->pair];
	const struct topo_dev *d = &t->devs[h->dev];
	char buf[NL_MSG_MAX], txt[INET6_ADDRSTRLEN];
	const void *a;

	if (family == AF_INET)
		a = h->client ? (const void *)&pr->client_ip4 : (const void *)&pr->server_ip4;
	else
		a = h->client ? (const void *)&pr->client_ip6 : (const void *)&pr->server_ip6;
	inet_ntop(family, a, txt, sizeof(txt));
	if (h->route && nl_batch_add(b, msg_route(buf, d->ifindex, family, a),
				     "adding a route to %s via %s in %s", txt, d->ifname, nsname))
		return -ENOMEM;
	return nl_batch_add(b, msg_neigh(buf, d->ifindex, family, a, h->mac),
			    "adding neighbour %s on %s in %s", txt, d->ifname, nsname);
}

static int add_extra(struct nl_batch *b, const struct topo *t, const struct topo_extra *x,
		     const char *nsname)
{
	const struct topo_dev *d = &t->devs[x->dev];
	char buf[NL_MSG_MAX], txt[INET6_ADDRSTRLEN];

	inet_ntop(x->family, x->addr, txt, sizeof(txt));
	switch (x->type) {
	case TOPO_X_ADDR:
		return nl_batch_add(b, msg_addr(buf, d->ifindex, x->family, x->addr, x->plen),
				    "adding address %s/%d to %s in %s", txt, x->plen, d->ifname,
				    nsname);
	case TOPO_X_NEIGH:
		return nl_batch_add(b, msg_neigh(buf, d->ifindex, x->family, x->addr, x->mac),
				    "adding neighbour %s on %s in %s", txt, d->ifname, nsname);
	case TOPO_X_DEFAULT_VIA:
		return nl_batch_add(b, msg_route_default(buf, d->ifindex, x->family, x->addr),
				    "adding a default route via %s on %s in %s", txt, d->ifname,
				    nsname);
	}
	return 0;
}

static bool planned_lo(const struct topo *t, int ns)
{
	for (int i = 0; i < t->n_devs; i++)
		if (t->devs[i].ns == ns && t->devs[i].kind == NS_DEV_LOOPBACK)
			return true;
	return false;
}

/* One batch for namespace ns: the part of chunk [a, z) that lives there. */
static int configure(struct topo *t, struct nl_batch *b, int ns, int a, int z, struct topo_err *err)
{
	struct topo_priv *p = topo_priv(t);
	const char *nsname = t->ns[ns].name;
	char buf[NL_MSG_MAX];

	/* A container's lo comes up, unless the plan has it (host, container: set up below). */
	if (!infra(t, ns) && !planned_lo(t, ns) &&
	    nl_batch_add(b, msg_link_up(buf, 1), "bringing up lo in %s", nsname))
		return oom(err);
	for (int i = 0; i < t->n_devs; i++) {
		const struct topo_dev *d = &t->devs[i];

		if (d->ns != ns || !in(d->pair, a, z))
			continue;
		if (d->kind == NS_DEV_LOOPBACK) {
			/* Not ours to rename or alias: only up, with the MTU asked for. */
			if (nl_batch_add(b, msg_lo(buf, d->mtu), "setting up lo in %s", nsname))
				return oom(err);
			continue;
		}
		if (nl_batch_add(b, msg_setlink(buf, t, i), "setting up %s in %s", d->ifname,
				 nsname))
			return oom(err);
		if ((d->role == TOPO_DEV_CLIENT_IF || d->role == TOPO_DEV_SERVER_IF) &&
		    add_addresses(t, b, d, nsname))
			return oom(err);
	}
	for (int k = 0; k < p->n_fdb; k++) {
		const struct topo_fdb *f = &p->fdb[k];

		if (t->devs[f->port].ns != ns || !in(f->pair, a, z))
			continue;
		if (nl_batch_add(b, msg_fdb(buf, t->devs[f->port].ifindex, f->mac),
				 "adding a bridge entry on %s in %s", t->devs[f->port].ifname,
				 nsname))
			return oom(err);
	}
	for (int k = 0; k < p->n_hops; k++) {
		const struct topo_hop *h = &p->hops[k];

		if (h->ns != ns || !in(h->pair, a, z))
			continue;
		if (add_hop(t, b, h, AF_INET, nsname) ||
		    (t->spec.ipv6 && add_hop(t, b, h, AF_INET6, nsname)))
			return oom(err);
	}
	for (int k = 0; k < p->n_extra; k++) {
		const struct topo_extra *x = &p->extra[k];

		if (x->ns == ns && in(x->pair, a, z) && add_extra(b, t, x, nsname))
			return oom(err);
	}
	return flush(t, ns, b, err);
}

/* Everything of chunk [a, z): devices, then the infrastructure's part, then the containers. */
static int build_chunk(struct topo *t, struct nl_batch *b, int n_infra, int a, int z,
		       struct topo_err *err)
{
	int r = create(t, b, false, 0, a, z, err);

	/* Devices asked for in their own namespace (vxlan: its socket lives where it is made). */
	for (int k = 1; k < n_infra && !r; k++)
		r = create(t, b, false, k, a, z, err);
	if (!r && t->spec.kind == TOPO_OVS)
		r = ovs_build(t, a, z, err); /* the datapaths, or the chunk's ports and flows */
	/* Lower devices come up here, before macvlan/ipvlan devices join them. */
	for (int k = 0; k < n_infra && !r; k++)
		r = configure(t, b, k, a, z, err);
	for (int k = 0; k < n_infra && !r; k++)
		r = create(t, b, true, k, a, z, err);
	for (int i = a; i < z && i >= 0 && !r; i++) {
		r = configure(t, b, t->pairs[i].client_ns, a, z, err);
		if (!r && t->pairs[i].server_ns != t->pairs[i].client_ns)
			r = configure(t, b, t->pairs[i].server_ns, a, z, err);
	}
	return r;
}

/* Devices whose carrier came on after they were opened: the kernel's linkwatch work
 * activates their queueing (until then noop_qdisc drops every frame) and enables their
 * bridge port, in its own time. The build is done when that is done. */
struct oper_ctx {
	const struct topo *t;
	int ns;
	int pending;
};

static int oper_cb(const struct nlmsghdr *nlh, void *data)
{
	struct oper_ctx *c = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int oper = -1;

	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		if (mnl_attr_get_type(a) == IFLA_OPERSTATE)
			oper = mnl_attr_get_u8(a);
	}
	for (int i = 0; i < c->t->n_devs; i++) {
		const struct topo_dev *d = &c->t->devs[i];

		if (d->ns == c->ns && d->ifindex == ifm->ifi_index && d->kind == NS_DEV_VETH &&
		    topo_priv(c->t)->dx[i].create && oper != IF_OPER_UP)
			c->pending++;
	}
	return 0;
}

static int wait_operational(struct topo *t, struct topo_err *err)
{
	struct topo_priv *p = topo_priv(t);
	char buf[NL_MSG_MAX];
	bool *check = calloc(t->n_ns, sizeof(bool));
	int r = 0;

	if (!check)
		return oom(err);
	for (int i = 0; i < t->n_devs; i++)
		if (t->devs[i].kind == NS_DEV_VETH && p->dx[i].create)
			check[t->devs[i].ns] = true;
	for (int round = 0; round < 2000 && !r; round++) {
		int pending = 0;

		for (int ns = 0; ns < t->n_ns && !r; ns++) {
			struct oper_ctx c = {t, ns, 0};

			if (!check[ns])
				continue;
			r = nl_dump(p->nl[ns], msg_getlink(buf, 0), oper_cb, &c, err);
			if (!c.pending)
				check[ns] = false; /* once up, up: nothing else changes them now */
			pending += c.pending;
		}
		if (!pending)
			break;
		if (topo_signal_pending())
			r = -EINTR;
		usleep(500);
	}
	free(check);
	if (r)
		return r;
	/*
	 * The kernel may still be in the same linkwatch run, which holds RTNL: a request that
	 * takes RTNL returns after it: setting a device up that is up already.
	 */
	if (!t->n_devs)
		return 0;
	return nl_request(p->nl[t->devs[0].ns], msg_link_up(buf, t->devs[0].ifindex), err,
			  "waiting for the links to settle");
}

/*
 * An IPv6 address gets its local route from the kernel's addrconf work, which
 * runs after the request that added the address (even with IFA_F_NODAD):
 * until then a packet to it finds no route. Wait for every container's
 * address to be local in its namespace (on lo, nothing else makes the build
 * wait long enough).
 */
static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWROUTE && rtm->rtm_type == RTN_LOCAL)
		*(bool *)data = true;
	return 0;
}

static bool ipv6_local(struct topo *t, int ns, const struct in6_addr *a)
{
	struct topo_err ignored;
	char buf[NL_MSG_MAX];
	bool local = false;

	nl_get(topo_priv(t)->nl[ns], msg_route_get(buf, AF_INET6, a), route_cb, &local, &ignored);
	return local;
}

static int wait_ipv6_local(struct topo *t, struct topo_err *err)
{
	if (!t->spec.ipv6)
		return 0;
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *pr = &t->pairs[i];
		int round = 0;

		while (!ipv6_local(t, pr->client_ns, &pr->client_ip6) ||
		       !ipv6_local(t, pr->server_ns, &pr->server_ip6)) {
			if (topo_signal_pending())
				return -EINTR;
			if (++round == 4000) {
				topo_err_set(
				    err,
				    "topo: the IPv6 addresses of pair %d did not become local "
				    "within 2 s; drop --ipv6 or retry",
				    i);
				return -ETIMEDOUT;
			}
			usleep(500);
		}
	}
	return 0;
}

int build_topology(struct topo *t, struct topo_err *err)
{
	struct maker m = {.t = t};
	struct nl_batch b;
	pthread_t th[BUILD_MAKERS];
	int n_infra = 0, r = 0, a = 0, started = 0;

	for (int i = 0; i < t->n_ns && infra(t, i); i++)
		n_infra++;
	m.made = calloc(t->n_ns ? t->n_ns : 1, sizeof(bool));
	if (!m.made)
		return oom(err);
	pthread_mutex_init(&m.mu, NULL);
	pthread_cond_init(&m.cv, NULL);
	nl_batch_init(&b);
	topo_phase(NULL);
	m.running = BUILD_MAKERS;
	for (int i = 0; i < BUILD_MAKERS; i++) {
		r = pthread_create(&th[started], NULL, maker_main, &m);
		if (r)
			break;
		started++;
	}
	if (!started) {
		topo_err_set(err, "topo: cannot start a thread: %s", strerror(r));
		free(m.made);
		return -r;
	}
	pthread_mutex_lock(&m.mu);
	m.running = started;
	pthread_mutex_unlock(&m.mu);
	/*
	 * All namespaces first: making them while devices are created in the same run was
	 * slower on two cores than not (both sides take RTNL, and spin on it).
	 */
	r = wait_ready(&m, t->n_ns, err);
	topo_phase("namespaces");
	if (r >= 0 && n_infra)
		r = build_chunk(t, &b, n_infra, -1, 0, err);
	topo_phase("shared devices");
	while (r >= 0 && a < t->n_pairs) {
		int z = a + BUILD_CHUNK < t->n_pairs ? a + BUILD_CHUNK : t->n_pairs;

		r = build_chunk(t, &b, n_infra, a, z, err);
		if (!r && topo_signal_pending())
			r = -EINTR;
		a = z;
	}
	if (r > 0)
		r = 0;
	pthread_mutex_lock(&m.mu);
	m.cancel = true;
	pthread_mutex_unlock(&m.mu);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (!r && m.err) {
		r = m.err;
		*err = m.msg;
	}
	topo_phase("pairs");
	if (getenv("NETSTAGE_TOPO_TIMING"))
		fprintf(stderr, "topo: namespace threads busy %.1f ms, builder waited %.1f ms\n",
			m.busy_ms, m.wait_ms);
	if (!r)
		r = wait_operational(t, err);
	if (!r)
		r = wait_ipv6_local(t, err);
	topo_phase("links operational");
	if (!r && t->spec.kind == TOPO_NAT)
		r = nat_apply(t, err);
	nl_batch_free(&b);
	pthread_mutex_destroy(&m.mu);
	pthread_cond_destroy(&m.cv);
	free(m.made);
	return r;
}

/* Parallel deletion of the netstage devices of many namespaces. */
struct del_job {
	struct mnl_socket *nl; /* a socket in the namespace, or NULL: enter path */
	const char *name;
	int ret;
	struct topo_err err;
};

struct del_pool {
	struct del_job *jobs;
	int n, next;
	pthread_mutex_t mu;
};

static int delete_group(struct mnl_socket *nl, const char *ns, struct topo_err *err)
{
	char buf[NL_MSG_MAX];
	struct nl_batch b;
	int r;

	nl_batch_init(&b);
	b.ignore_errno = ENODEV; /* nothing (left) in it */
	r = nl_batch_add(&b, msg_dellink_group(buf, TOPO_GROUP), "deleting the devices of %s", ns);
	if (!r)
		r = nl_batch_flush(nl, &b, err);
	nl_batch_free(&b);
	return r;
}

static void *del_worker(void *arg)
{
	struct del_pool *pool = arg;

	for (;;) {
		struct del_job *j;
		struct mnl_socket *nl;
		struct statfs sfs;
		char path[PATH_MAX];
		int i, fd;

		pthread_mutex_lock(&pool->mu);
		i = pool->next++;
		pthread_mutex_unlock(&pool->mu);
		if (i >= pool->n)
			break;
		j = &pool->jobs[i];
		if (j->nl) {
			j->ret = delete_group(j->nl, j->name, &j->err);
			continue;
		}
		/* This thread ends after its jobs: it may stay in whichever namespace it entered.
		 */
		snprintf(path, sizeof(path), TOPO_NETNS_DIR "/%s", j->name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* An empty file left by a build killed before its mount is not a namespace. */
		if (fstatfs(fd, &sfs) || sfs.f_type != NSFS_MAGIC || setns(fd, CLONE_NEWNET)) {
			close(fd);
			continue;
		}
		close(fd);
		nl = nl_open(&j->err);
		if (!nl) {
			j->ret = -EIO;
			continue;
		}
		ovs_remove_here(j->name); /* datapaths are no members of the group */
		j->ret = delete_group(nl, j->name, &j->err);
		nl_close(nl);
	}
	return NULL;
}

static int delete_parallel(struct del_job *jobs, int n, struct topo_err *err)
{
	struct del_pool pool = {.jobs = jobs, .n = n};
	int n_th = n < DELETE_THREADS ? n : DELETE_THREADS, started = 0;
	pthread_t *th;
	pthread_attr_t attr;

	if (!n)
		return 0;
	th = calloc(n_th, sizeof(*th));
	if (!th)
		return oom(err);
	pthread_mutex_init(&pool.mu, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK_SIZE);
	for (int i = 0; i < n_th; i++)
		if (!pthread_create(&th[started], &attr, del_worker, &pool))
			started++;
	if (!started) {
		/* No thread at all: jobs that hold a socket can still run here, one by one. */
		for (int i = 0; i < n; i++)
			if (jobs[i].nl)
				jobs[i].ret = delete_group(jobs[i].nl, jobs[i].name, &jobs[i].err);
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	pthread_mutex_destroy(&pool.mu);
	free(th);
	for (int i = 0; i < n; i++) {
		if (jobs[i].ret) {
			*err = jobs[i].err;
			return jobs[i].ret;
		}
	}
	return 0;
}

/* Does deleting the devices of the infrastructure namespaces leave dev behind? */
static bool survives_infra(const struct topo *t, int dev)
{
	const struct topo_priv *p = topo_priv(t);
	const struct topo_dev *d = &t->devs[dev];

	if (infra(t, d->ns))
		return false;
	if (d->kind == NS_DEV_VETH)
		return p->dx[dev].peer < 0 || !infra(t, t->devs[p->dx[dev].peer].ns);
	if (stacked(d))
		return d->lower < 0 || !infra(t, t->devs[d->lower].ns);
	return true;
}

int build_teardown(struct topo *t, struct topo_err *err)
{
	struct topo_priv *p = topo_priv(t);
	struct del_job *jobs = calloc(t->n_ns ? t->n_ns : 1, sizeof(*jobs));
	struct topo_err e2 = {{0}};
	int n = 0, ret = 0, r;

	if (!jobs)
		return oom(err);
	topo_phase(NULL);
	/* A datapath's device has no rtnetlink dellink, so it is no member of the group. */
	if (t->spec.kind == TOPO_OVS)
		ret = ovs_teardown(t, err);
	/* First the shared namespaces: bridges and lower devices take most devices along. */
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (int k = 0; k < t->n_ns; k++) {
			bool need = false;

			if (!p->nl[k] || infra(t, k) != (pass == 0))
				continue;
			for (int i = 0; i < t->n_devs && !need && pass == 1; i++)
				need =
				    t->devs[i].ns == k && p->dx[i].create && survives_infra(t, i);
			if (pass == 0 || need)
				jobs[n++] = (struct del_job){.nl = p->nl[k], .name = t->ns[k].name};
		}
		r = delete_parallel(jobs, n, &e2);
		if (r && !ret) {
			ret = r;
			if (err)
				*err = e2;
		}
	}
	free(jobs);
	topo_phase("teardown: devices");
	for (int k = 0; k < t->n_ns; k++) {
		if (t->ns[k].fd >= 0) {
			close(t->ns[k].fd);
			t->ns[k].fd = -1;
		}
		nl_close(p->nl[k]);
		p->nl[k] = NULL;
		r = netns_remove(t->ns[k].name);
		if (r && r != -ENOENT && !ret) {
			ret = r;
			topo_err_set(err, "topo: cannot remove namespace %s: %s", t->ns[k].name,
				     strerror(-r));
		}
	}
	topo_phase("teardown: namespaces");
	return ret;
}

static bool name_infra(const char *name)
{
	enum topo_ns_role role;

	return !topo_ns_name_parse(name, NULL, &role, NULL) &&
	       (role == TOPO_NS_HOST || role == TOPO_NS_NODE);
}

int build_remove_named(char (*names)[NAME_MAX + 1], int n, FILE *log, struct topo_err *err)
{
	struct del_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	struct topo_err e2 = {{0}};
	int n_jobs, removed = 0, ret = 0, r;

	if (!jobs)
		return oom(err);
	topo_phase(NULL);
	for (int pass = 0; pass < 2; pass++) {
		n_jobs = 0;
		for (int i = 0; i < n; i++)
			if (!topo_ns_name_parse(names[i], NULL, NULL, NULL) &&
			    name_infra(names[i]) == (pass == 0))
				jobs[n_jobs++] = (struct del_job){.name = names[i]};
		r = delete_parallel(jobs, n_jobs, &e2);
		if (r && !ret) {
			ret = r;
			*err = e2;
		}
		topo_phase(pass ? "down: containers' devices" : "down: shared devices");
	}
	free(jobs);
	for (int i = 0; i < n; i++) {
		if (topo_ns_name_parse(names[i], NULL, NULL, NULL))
			continue; /* not a name netstage makes: not ours */
		r = netns_remove(names[i]);
		if (r && r != -ENOENT) {
			if (!ret) {
				ret = r;
				topo_err_set(err, "topo: cannot remove namespace %s: %s", names[i],
					     strerror(-r));
			}
			continue;
		}
		if (!r)
			removed++;
		if (!r && log)
			fprintf(log, "removed namespace %s\n", names[i]);
	}
	topo_phase("down: namespaces");
	return ret ? ret : removed;
}
