/* SPDX-License-Identifier: GPL-2.0 */
/*
 * container: what can be known of the container behind a network namespace,
 * from a process inside it: its command and its cgroup (Docker, Podman and
 * Kubernetes put each container in a cgroup of its own).
 */
#ifndef NETSTAGE_CONTAINER_H
#define NETSTAGE_CONTAINER_H

#include <sys/types.h>
#include <linux/types.h>

struct container_info {
	pid_t pid; /* the oldest process in the namespace, 0 if none was found */
	char comm[32];
	char cgroup[256]; /* its cgroup v2 path, or the first v1 line's */
	char label[96]; /* "comm" plus the cgroup's last element when it names a container */
};

/* Look through /proc for a process in the namespace with this inode. 0 or -ENOENT. */
int container__find(__u32 netns_inum, struct container_info *ci);

/* The cgroup's last element when it names a container: docker-<id>.scope -> docker <id:12>. */
void container__short_cgroup(const char *cgroup, char *out, size_t len);

#endif /* NETSTAGE_CONTAINER_H */
