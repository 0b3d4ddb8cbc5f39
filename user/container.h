/* SPDX-License-Identifier: GPL-2.0 */
/*
 * container: what can be known of the container behind a network namespace,
 * from a process inside it: its command and its cgroup (Docker, Podman and
 * Kubernetes put each container in a cgroup of its own); and the other way,
 * a container an engine names (podman, docker, crictl) to its namespace.
 */
#ifndef NETSTAGE_CONTAINER_H
#define NETSTAGE_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

struct container_info {
	pid_t pid; /* the oldest process in the namespace, 0 if none was found */
	char comm[32];
	char cgroup[256]; /* its cgroup v2 path, or the first v1 line's */
	char label[96];	  /* "comm" plus the cgroup's last element when it names a container */
};

/* Look through /proc for a process in the namespace with this inode. 0 or -ENOENT. */
int container__find(__u32 netns_inum, struct container_info *ci);

/* The cgroup's last element when it names a container: docker-<id>.scope -> docker <id:12>. */
void container__short_cgroup(const char *cgroup, char *out, size_t len);

/* A container an engine named: `--container NAME|ID`. */
struct container_ref {
	char engine[16]; /* "podman", "docker", "crictl" */
	char name[128];
	char id[72];	   /* full; its first 12 characters are the short id engines show */
	pid_t pid;	   /* its init process, as the host sees it */
	char netns[64];	   /* /proc/PID/ns/net */
	char status[32];   /* as the engine says it: "running", "exited", "CONTAINER_RUNNING"... */
	bool host_network; /* the engine says so: its network mode is the host's */
};

/*
 * Read one container out of an engine's `inspect` JSON (podman's and docker's
 * array of objects, crictl's object). 0, or -EINVAL when it is not such a
 * document. Pure: for the tests.
 */
int container__parse_inspect(const char *engine, const char *json, struct container_ref *c);

/*
 * Find a container by name or id with the first engine installed that knows
 * it (podman, docker, then crictl), through its own CLI. 0 when it runs in a
 * network namespace of its own; otherwise -errno and one line in err naming
 * the problem and the fix:
 *   -ENOENT     no engine knows it;
 *   -ESRCH      it is not running (exited, created, paused...);
 *   -EINVAL     it has the host's network (or its name is not one an engine takes);
 *   -ENOEXEC    no engine is installed;
 *   -ECONNREFUSED  the engine that may have it is not running.
 */
int container__resolve(const char *what, struct container_ref *c, char *err, size_t errlen);

#endif /* NETSTAGE_CONTAINER_H */
