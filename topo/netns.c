// SPDX-License-Identifier: GPL-2.0
/*
 * Named network namespaces, made as iproute2 makes them: a file under
 * /run/netns (a shared mount, so that an unmount reaches every mount
 * namespace) with the namespace bind-mounted on it. The calling thread
 * enters a new namespace only to set its sysctls and open a socket in it,
 * and always comes back to where it was.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <libmnl/libmnl.h>

#include "internal.h"

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

int netns_dir_prepare(struct topo_err *err)
{
	static bool done;
	bool made_mount = false;
	struct statfs sfs;

	if (done)
		return 0;
	if (mkdir(TOPO_NETNS_DIR, 0755) && errno != EEXIST) {
		topo_err_set(err, "netns: cannot create %s: %s; netstage must run as root",
			     TOPO_NETNS_DIR, strerror(errno));
		return -errno;
	}
	/*
	 * Where /run is on a disk (ext4 here), every namespace file is an inode to allocate and
	 * free, and ext4's allocator, steering clear of recently freed inodes, made that a third
	 * of the cost of a namespace. An empty /run/netns loses nothing under a tmpfs, which is
	 * what /run is on most systems; one that holds namespaces is left as it is.
	 */
	if (!statfs(TOPO_NETNS_DIR, &sfs) && sfs.f_type != TMPFS_MAGIC &&
	    sfs.f_type != RAMFS_MAGIC && dir_empty(TOPO_NETNS_DIR))
		mount("netstage-netns", TOPO_NETNS_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		      "mode=0755");
	/* As iproute2 does: make the directory a shared mount point, binding it onto itself first.
	 */
	while (mount("", TOPO_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL || made_mount) {
			topo_err_set(err, "netns: cannot make %s a shared mount: %s",
				     TOPO_NETNS_DIR, strerror(errno));
			return -errno;
		}
		if (mount(TOPO_NETNS_DIR, TOPO_NETNS_DIR, "none", MS_BIND | MS_REC, NULL)) {
			topo_err_set(err, "netns: cannot bind-mount %s onto itself: %s",
				     TOPO_NETNS_DIR, strerror(errno));
			return -errno;
		}
		made_mount = true;
	}
	done = true;
	return 0;
}

int netns_self(struct topo_err *err)
{
	/* thread-self: setns and unshare act on the calling thread, not the process. */
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		topo_err_set(err,
			     "netns: cannot open /proc/thread-self/ns/net: %s; is /proc "
			     "mounted?",
			     strerror(e));
		return -e;
	}
	return fd;
}

/* Back to the original namespace. Staying in the wrong one is not an option: abort if we must. */
void netns_return(int orig_fd)
{
	if (setns(orig_fd, CLONE_NEWNET) && setns(orig_fd, CLONE_NEWNET)) {
		fprintf(stderr, "netstage: cannot return to the original network namespace: %s\n",
			strerror(errno));
		abort();
	}
}

int netns_enter(int fd, const char *name, struct topo_err *err)
{
	int orig = netns_self(err);

	if (orig < 0)
		return orig;
	if (setns(fd, CLONE_NEWNET)) {
		int r = -errno;

		close(orig);
		topo_err_set(err, "netns %s: cannot enter it: %s", name, strerror(-r));
		return r;
	}
	return orig;
}

int topo__enter_ns(const struct topo *t, int ns, struct topo_err *err)
{
	int fd = open(t->ns[ns].path, O_RDONLY | O_CLOEXEC), orig;

	if (fd < 0) {
		topo_err_set(err, "netns %s: cannot open %s: %s", t->ns[ns].name, t->ns[ns].path,
			     strerror(errno));
		return -errno;
	}
	orig = netns_enter(fd, t->ns[ns].name, err);
	close(fd);
	return orig;
}

void topo__leave_ns(int orig)
{
	netns_return(orig);
	close(orig);
}

int netns_enter_scratch(const char *who, struct topo_err *err)
{
	int orig = netns_self(err), r;

	if (orig < 0)
		return orig;
	if (unshare(CLONE_NEWNET)) {
		r = -errno;
		close(orig);
		topo_err_set(err, "%s: cannot make a network namespace: %s%s", who, strerror(-r),
			     r == -EPERM ? "; netstage must run as root" : "");
		return r;
	}
	return orig;
}

static int write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Sysctls of the namespace we are in, before any device exists in it. */
static int set_sysctls(const char *name, unsigned int flags, struct topo_err *err)
{
	static const char *const v6_off[] = {
	    "/proc/sys/net/ipv6/conf/all/disable_ipv6",
	    "/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};
	static const char *const v6_quiet[] = {
	    "/proc/sys/net/ipv6/conf/all/accept_dad",
	    "/proc/sys/net/ipv6/conf/default/accept_dad",
	    "/proc/sys/net/ipv6/conf/default/dad_transmits",
	    "/proc/sys/net/ipv6/conf/default/router_solicitations",
	};
	int r;

	/*
	 * A bridge with multicast snooping on (the default, as docker0 has it) joins the
	 * all-snoopers group 224.0.0.106 and reports it with IGMP: frames a profiler would count.
	 * Reports for link-local groups serve nothing here.
	 */
	r = flags & NETNS_IGMP_QUIET
		? write_sysctl("/proc/sys/net/ipv4/igmp_link_local_mcast_reports", "0")
		: 0;
	if (r && r != -ENOENT) {
		topo_err_set(err, "netns %s: cannot silence IGMP reports: %s", name, strerror(-r));
		return r;
	}
	if (flags & NETNS_IPV6_OFF) {
		for (size_t i = 0; i < 2; i++) {
			r = write_sysctl(v6_off[i], "1");
			/* A kernel without IPv6 has nothing to silence. */
			if (r && r != -ENOENT) {
				topo_err_set(err, "netns %s: cannot disable IPv6 (%s): %s", name,
					     v6_off[i], strerror(-r));
				return r;
			}
		}
	}
	if (flags & NETNS_IPV6_QUIET)
		for (size_t i = 0; i < 4; i++)
			write_sysctl(v6_quiet[i], "0");
	if (flags & NETNS_FORWARD) {
		r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
		if (r) {
			topo_err_set(err, "netns %s: cannot enable IPv4 forwarding: %s", name,
				     strerror(-r));
			return r;
		}
		if (flags & NETNS_IPV6_QUIET)
			write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	}
	return 0;
}

int netns_create(const char *name, int orig_fd, unsigned int flags, int *fd, struct mnl_socket **nl,
		 struct topo_err *err)
{
	char path[PATH_MAX];
	int f, r;

	*fd = -1;
	*nl = NULL;
	snprintf(path, sizeof(path), TOPO_NETNS_DIR "/%s", name);
	f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (f < 0) {
		r = -errno;
		if (r == -EEXIST)
			topo_err_set(err,
				     "netns %s: exists already; remove leftovers with `netstage "
				     "topo down --all`",
				     name);
		else
			topo_err_set(err, "netns %s: cannot create %s: %s", name, path,
				     strerror(-r));
		return r;
	}
	close(f);
	if (unshare(CLONE_NEWNET)) {
		r = -errno;
		topo_err_set(err, "netns %s: unshare(CLONE_NEWNET): %s%s", name, strerror(-r),
			     r == -EPERM ? "; netstage must run as root" : "");
		unlink(path);
		return r;
	}
	/* In the new namespace from here: every path out goes back first. */
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL)) {
		r = -errno;
		netns_return(orig_fd);
		topo_err_set(err, "netns %s: cannot bind-mount it on %s: %s", name, path,
			     strerror(-r));
		unlink(path);
		return r;
	}
	r = set_sysctls(name, flags, err);
	if (!r) {
		*nl = nl_open(err);
		if (!*nl)
			r = errno ? -errno : -EIO;
	}
	netns_return(orig_fd);
	if (!r) {
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0) {
			r = -errno;
			topo_err_set(err, "netns %s: cannot open %s: %s", name, path, strerror(-r));
		}
	}
	if (r) {
		nl_close(*nl);
		*nl = NULL;
		netns_remove(name);
	}
	return r;
}

struct mnl_socket *netns_socket(int fd, int orig_fd, struct topo_err *err)
{
	struct mnl_socket *nl;
	int e;

	if (setns(fd, CLONE_NEWNET)) {
		e = errno;
		topo_err_set(err, "netns: cannot enter a namespace: %s", strerror(e));
		errno = e;
		return NULL;
	}
	nl = nl_open(err);
	e = errno;
	netns_return(orig_fd);
	errno = e;
	return nl;
}

int netns_remove(const char *name)
{
	char path[PATH_MAX];
	int r = 0;

	snprintf(path, sizeof(path), TOPO_NETNS_DIR "/%s", name);
	/* Not mounted (a build killed between creating the file and mounting) is fine. */
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		r = -errno;
	if (unlink(path) && !r)
		r = -errno;
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int netns_list(const char *prefix, char (**names)[NAME_MAX + 1])
{
	DIR *d = opendir(TOPO_NETNS_DIR);
	char(*v)[NAME_MAX + 1] = NULL;
	struct dirent *de;
	int n = 0, cap = 0;

	*names = NULL;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		if (n == cap) {
			char(*nv)[NAME_MAX + 1];

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		snprintf(v[n++], NAME_MAX + 1, "%s", de->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	return n;
}
