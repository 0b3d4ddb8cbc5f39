// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "user/container.h"

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

void container__short_cgroup(const char *cgroup, char *out, size_t len)
{
	static const char *const engines[] = { "docker-", "libpod-", "crio-", "cri-containerd-",
					       "containerd-", NULL };
	const char *last = strrchr(cgroup, '/');
	char id[64];

	out[0] = '\0';
	last = last ? last + 1 : cgroup;
	for (int i = 0; engines[i]; i++) {
		size_t n = strlen(engines[i]);

		if (strncmp(last, engines[i], n))
			continue;
		/* <engine><64 hex>.scope: the first 12 characters, as `docker ps` shows them. */
		snprintf(id, sizeof(id), "%.12s", last + n);
		snprintf(out, len, "%.*s %s", (int)(n - 1), engines[i], id);
		return;
	}
	/* Kubernetes without a runtime prefix, or a plain 64-hex id (Docker on cgroup v1). */
	if (strlen(last) >= 12) {
		bool hex = true;

		for (int i = 0; i < 12; i++)
			hex &= isxdigit((unsigned char)last[i]) != 0;
		if (hex)
			snprintf(out, len, "container %.12s", last);
	}
}

int container__find(__u32 netns_inum, struct container_info *ci)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	char path[64];

	memset(ci, 0, sizeof(*ci));
	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		struct stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) || st.st_ino != netns_inum)
			continue;
		/* The oldest process is the container's init: the best name for it. */
		if (!ci->pid || pid < ci->pid)
			ci->pid = pid;
	}
	closedir(proc);
	if (!ci->pid)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/comm", ci->pid);
	read_line(path, ci->comm, sizeof(ci->comm));
	snprintf(path, sizeof(path), "/proc/%d/cgroup", ci->pid);
	read_line(path, ci->cgroup, sizeof(ci->cgroup));
	/* "0::/system.slice/docker-<id>.scope" (v2) or "12:pids:/docker/<id>" (v1). */
	{
		char *colon = strrchr(ci->cgroup, ':');

		if (colon)
			memmove(ci->cgroup, colon + 1, strlen(colon + 1) + 1);
	}
	{
		char shortcg[80];

		container__short_cgroup(ci->cgroup, shortcg, sizeof(shortcg));
		if (shortcg[0])
			snprintf(ci->label, sizeof(ci->label), "%.31s (%.60s)", ci->comm, shortcg);
		else
			snprintf(ci->label, sizeof(ci->label), "%s", ci->comm);
	}
	return 0;
}
