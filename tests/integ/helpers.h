/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers of the privileged integration tests: skip reasons, sockets in a namespace. */
#ifndef NETSTAGE_TEST_HELPERS_H
#define NETSTAGE_TEST_HELPERS_H

#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "topo/topo.h"
#include "user/loader.h"
#include "analysis/result.h"

/* Skip (never pass) when the test cannot run here. */
static inline void need_root_and_probes(void)
{
	struct probe_report pr;

	if (geteuid() != 0)
		cr_skip_test("skipped: needs root (network namespaces and BPF)");
	loader__probe(&pr);
	if (!pr.btf || !pr.tp_btf)
		cr_skip_test("skipped: kernel cannot run tp_btf probes: %s",
			     !pr.btf ? pr.btf_why : pr.tp_btf_why);
}

/* A socket created inside a namespace stays there; the caller returns to its own. */
static inline int socket_in(const struct topo *t, int ns, int type)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(t->ns[ns].path, O_RDONLY | O_CLOEXEC);
	int fd;

	cr_assert_geq(self, 0);
	cr_assert_geq(target, 0, "open %s: %s", t->ns[ns].path, strerror(errno));
	cr_assert_eq(setns(target, CLONE_NEWNET), 0, "setns: %s", strerror(errno));
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	cr_assert_eq(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(target);
	cr_assert_geq(fd, 0);
	return fd;
}

static inline struct sockaddr_in addr4(struct in_addr ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = ip };

	return a;
}

/* The stage entry (to, from) on the device named ifname, or NULL. */
static inline const struct stage_stat *find_stage(const struct result *r, const char *ifname,
						  int stage, int from)
{
	for (int i = 0; i < r->n_stages; i++)
		if (r->stages[i].stage == stage && r->stages[i].from == from &&
		    !strcmp(r->stages[i].ifname, ifname))
			return &r->stages[i];
	return NULL;
}

static inline unsigned long long stage_count(const struct result *r, const char *ifname, int stage,
					     int from)
{
	const struct stage_stat *s = find_stage(r, ifname, stage, from);

	return s ? s->hist.count : 0;
}

/* Packets that reached a stage on a device, whatever stage they came from. */
static inline unsigned long long stage_total(const struct result *r, const char *ifname, int stage)
{
	unsigned long long n = 0;

	for (int i = 0; i < r->n_stages; i++)
		if (r->stages[i].stage == stage && !strcmp(r->stages[i].ifname, ifname))
			n += r->stages[i].hist.count;
	return n;
}

#endif /* NETSTAGE_TEST_HELPERS_H */
