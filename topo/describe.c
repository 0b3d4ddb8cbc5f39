// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only views: the description of namespaces that exist already (their
 * devices, kinds, masters, lower devices) and a device's counters. What
 * device kinds this kernel can create is probe.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "internal.h"

struct found_dev {
	struct topo_dev d;
	int master_ifindex;
	int link_ifindex;
	int link_nsid; /* -1: the lower is in the same namespace */
};

struct dump_ctx {
	struct found_dev *v;
	int n, cap;
	int ns;
	const char *const *ifnames;
	int n_ifnames;
	int err;
};

static enum ns_dev_kind kind_of(const char *k)
{
	if (!k)
		return NS_DEV_OTHER;
	if (!strcmp(k, "veth"))
		return NS_DEV_VETH;
	if (!strcmp(k, "bridge"))
		return NS_DEV_BRIDGE;
	if (!strcmp(k, "macvlan") || !strcmp(k, "macvtap"))
		return NS_DEV_MACVLAN;
	if (!strcmp(k, "ipvlan") || !strcmp(k, "ipvtap"))
		return NS_DEV_IPVLAN;
	if (!strcmp(k, "vxlan"))
		return NS_DEV_VXLAN;
	if (!strcmp(k, "openvswitch"))
		return NS_DEV_OVS;
	return NS_DEV_OTHER;
}

/* "netstage <run> <role>[ <pair>]": the role and pair netstage gave the device. */
static void role_from_alias(const char *alias, struct topo_dev *d)
{
	char run[16], role[32];
	int pair, n;

	d->role = TOPO_DEV_OTHER;
	d->pair = -1;
	if (!alias)
		return;
	n = sscanf(alias, "netstage %15s %31s %d", run, role, &pair);
	if (n < 2)
		return;
	for (int r = TOPO_DEV_CLIENT_IF; r < TOPO_DEV_OTHER; r++)
		if (!strcmp(role, topo_dev_role_name(r)))
			d->role = r;
	if (n == 3)
		d->pair = pair;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *li = NULL;
	const char *name = NULL, *alias = NULL, *kind = NULL;
	struct found_dev *f;
	bool want;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			name = mnl_attr_get_str(a);
			break;
		case IFLA_IFALIAS:
			alias = mnl_attr_get_str(a);
			break;
		case IFLA_LINKINFO:
			li = a;
			break;
		}
	}
	if (!name)
		return 0;
	if (c->n_ifnames) {
		want = false;
		for (int i = 0; i < c->n_ifnames; i++)
			want |= !strcmp(c->ifnames[i], name);
	} else {
		want = !(ifm->ifi_flags & IFF_LOOPBACK);
	}
	if (!want)
		return 0;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 64;
		struct found_dev *v = realloc(c->v, cap * sizeof(*v));

		if (!v) {
			c->err = -ENOMEM;
			return -ENOMEM;
		}
		c->v = v;
		c->cap = cap;
	}
	f = &c->v[c->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->d.ifname, sizeof(f->d.ifname), "%s", name);
	f->d.ifindex = ifm->ifi_index;
	f->d.ns = c->ns;
	f->d.master = f->d.lower = -1;
	f->link_nsid = -1;
	role_from_alias(alias, &f->d);
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_MTU:
			f->d.mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			f->master_ifindex = mnl_attr_get_u32(a);
			break;
		case IFLA_LINK:
			f->link_ifindex = mnl_attr_get_u32(a);
			break;
		case IFLA_LINK_NETNSID:
			f->link_nsid = (int32_t)mnl_attr_get_u32(a);
			break;
		}
	}
	if (li) {
		mnl_attr_for_each_nested(a, li)
		{
			if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
				kind = mnl_attr_get_str(a);
		}
	}
	f->d.kind = ifm->ifi_flags & IFF_LOOPBACK ? NS_DEV_LOOPBACK : kind_of(kind);
	return 0;
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
	{
		if (mnl_attr_get_type(a) == NETNSA_NSID)
			*(int *)data = (int32_t)mnl_attr_get_u32(a);
	}
	return 0;
}

/* The id namespace `from` (its socket) has for the namespace open at fd, or -1. */
static int nsid_of(struct mnl_socket *from, int fd)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	struct topo_err err;
	int id = -1;

	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, fd);
	if (nl_get(from, nlh, nsid_cb, &id, &err))
		return -1;
	return id;
}

static void resolve(struct topo *t, struct found_dev *v, int n)
{
	struct topo_priv *p = topo_priv(t);

	for (int i = 0; i < n; i++) {
		struct found_dev *f = &v[i];
		int lower_ns = -1;

		for (int j = 0; j < n && f->master_ifindex; j++)
			if (v[j].d.ns == f->d.ns && v[j].d.ifindex == f->master_ifindex)
				f->d.master = j;
		if (!f->link_ifindex || f->link_ifindex == f->d.ifindex)
			continue;
		if (f->link_nsid < 0) {
			lower_ns = f->d.ns;
		} else {
			/* The lower is in another namespace: find which of ours has that id here.
			 */
			for (int k = 0; k < t->n_ns && lower_ns < 0; k++)
				if (k != f->d.ns && p->nl[f->d.ns] &&
				    nsid_of(p->nl[f->d.ns], t->ns[k].fd) == f->link_nsid)
					lower_ns = k;
		}
		/* veth's IFLA_LINK names its peer, not a lower device. */
		if (f->d.kind == NS_DEV_VETH || lower_ns < 0)
			continue;
		for (int j = 0; j < n; j++)
			if (v[j].d.ns == lower_ns && v[j].d.ifindex == f->link_ifindex)
				f->d.lower = j;
	}
}

static int open_ns(struct topo_ns *ns, const char *arg, int index, struct topo_err *err)
{
	struct stat st;
	int r;

	if (strchr(arg, '/')) {
		snprintf(ns->path, sizeof(ns->path), "%s", arg);
		ns->name[0] = '\0';
		if (!strncmp(arg, TOPO_NETNS_DIR "/", strlen(TOPO_NETNS_DIR) + 1))
			snprintf(ns->name, sizeof(ns->name), "%s",
				 arg + strlen(TOPO_NETNS_DIR) + 1);
	} else {
		snprintf(ns->name, sizeof(ns->name), "%s", arg);
		snprintf(ns->path, sizeof(ns->path), TOPO_NETNS_DIR "/%s", arg);
	}
	ns->fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0) {
		r = -errno;
		topo_err_set(err, "netns %s: cannot open %s: %s; see `ip netns list`", arg,
			     ns->path, strerror(-r));
		return r;
	}
	if (fstat(ns->fd, &st)) {
		r = -errno;
		topo_err_set(err, "netns %s: fstat: %s", arg, strerror(-r));
		return r;
	}
	ns->inum = st.st_ino;
	ns->role = TOPO_NS_OTHER;
	ns->index = index;
	if (ns->name[0])
		topo_ns_name_parse(ns->name, NULL, &ns->role, &ns->index);
	/* Labels are short: a long path keeps its end, which names the process or file. */
	{
		const char *l = ns->name[0] ? ns->name : ns->path;
		size_t len = strlen(l);

		if (len >= sizeof(ns->label))
			l += len - (sizeof(ns->label) - 1);
		memcpy(ns->label, l, strlen(l) + 1);
	}
	return 0;
}

int topo__describe(const char *const *netns, int n_netns, const char *const *ifnames, int n_ifnames,
		   struct topo **out, struct topo_err *err)
{
	struct dump_ctx c = {.ifnames = ifnames, .n_ifnames = n_ifnames};
	struct topo_priv *p;
	struct topo *t;
	char buf[NL_MSG_MAX];
	int orig, r = 0;

	*out = NULL;
	if (n_netns < 1) {
		topo_err_set(err, "topo: no namespace to describe; give --netns NAME or a path");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		topo_err_set(err, "topo: out of memory");
		return -ENOMEM;
	}
	t = &p->t;
	t->ns = calloc(n_netns, sizeof(*t->ns));
	p->nl = calloc(n_netns, sizeof(*p->nl));
	if (!t->ns || !p->nl) {
		topo_free(t);
		topo_err_set(err, "topo: out of memory");
		return -ENOMEM;
	}
	t->spec.mode = -1;
	for (int i = 0; i < n_netns; i++)
		t->ns[i].fd = -1;
	orig = netns_self(err);
	if (orig < 0) {
		topo_free(t);
		return orig;
	}
	for (int i = 0; i < n_netns && !r; i++) {
		r = open_ns(&t->ns[i], netns[i], i, err);
		t->n_ns = i + 1;
		if (r)
			break;
		p->nl[i] = netns_socket(t->ns[i].fd, orig, err);
		if (!p->nl[i]) {
			r = errno ? -errno : -EIO;
			break;
		}
		c.ns = i;
		r = nl_dump(p->nl[i], msg_getlink(buf, 0), link_cb, &c, err);
		if (c.err)
			r = c.err;
	}
	close(orig);
	for (int i = 0; i < n_ifnames && !r; i++) {
		bool seen = false;

		for (int j = 0; j < c.n; j++)
			seen |= !strcmp(c.v[j].d.ifname, ifnames[i]);
		if (!seen) {
			topo_err_set(err,
				     "topo: no interface %s in the namespaces given; see `ip "
				     "-n NS link`",
				     ifnames[i]);
			r = -ENODEV;
		}
	}
	if (!r) {
		t->devs = calloc(c.n ? c.n : 1, sizeof(*t->devs));
		p->dx = calloc(c.n ? c.n : 1, sizeof(*p->dx));
		if (!t->devs || !p->dx)
			r = -ENOMEM;
	}
	if (r) {
		free(c.v);
		topo_free(t);
		return r;
	}
	resolve(t, c.v, c.n);
	for (int i = 0; i < c.n; i++)
		t->devs[i] = c.v[i].d;
	t->n_devs = c.n;
	free(c.v);
	*out = t;
	return 0;
}

struct stats_ctx {
	struct rtnl_link_stats64 *out;
	bool found;
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_ctx *c = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_STATS64) {
			size_t len = mnl_attr_get_payload_len(a);

			memcpy(c->out, mnl_attr_get_payload(a),
			       len < sizeof(*c->out) ? len : sizeof(*c->out));
			c->found = true;
		}
	}
	return 0;
}

int topo__dev_stats(const struct topo *t, int dev, struct rtnl_link_stats64 *out)
{
	struct topo_priv *p;
	struct mnl_socket *nl, *tmp = NULL;
	struct stats_ctx c = {out, false};
	struct topo_err err;
	char buf[NL_MSG_MAX];
	int r, ns;

	if (!t || dev < 0 || dev >= t->n_devs || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	p = topo_priv(t);
	ns = t->devs[dev].ns;
	nl = p->nl ? p->nl[ns] : NULL;
	if (!nl) {
		int orig = netns_self(&err);

		if (orig < 0)
			return orig;
		if (t->ns[ns].fd >= 0) {
			tmp = netns_socket(t->ns[ns].fd, orig, &err);
		} else {
			int fd = open(t->ns[ns].path, O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				tmp = netns_socket(fd, orig, &err);
				close(fd);
			}
		}
		close(orig);
		if (!tmp)
			return errno ? -errno : -EIO;
		nl = tmp;
	}
	r = nl_get(nl, msg_getlink(buf, t->devs[dev].ifindex), stats_cb, &c, &err);
	nl_close(tmp);
	if (!r && !c.found)
		r = -ENODATA;
	return r;
}
