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
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include "topo/topo.h"
#include "user/probes.h"
#include "analysis/result.h"

/* Skip (never pass) when the test cannot run here. */
static inline void need_root_and_probes(void)
{
	struct probe_report pr;

	if (geteuid() != 0)
		cr_skip_test("skipped: needs root (network namespaces and BPF)");
	probes__probe(&pr);
	if (!pr.btf || !pr.tp_btf)
		cr_skip_test("skipped: kernel cannot run tp_btf probes: %s",
			     !pr.btf ? pr.btf_why : pr.tp_btf_why);
}

/* A socket made inside namespace ns of t stays there; the calling thread returns to its own. */
static inline int socket_in_ns(const struct topo *t, int ns, int family, int type, int proto)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(t->ns[ns].path, O_RDONLY | O_CLOEXEC);
	int fd;

	cr_assert_geq(self, 0);
	cr_assert_geq(target, 0, "open %s: %s", t->ns[ns].path, strerror(errno));
	cr_assert_eq(setns(target, CLONE_NEWNET), 0, "setns %s: %s", t->ns[ns].name,
		     strerror(errno));
	fd = socket(family, type | SOCK_CLOEXEC, proto);
	cr_assert_eq(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(target);
	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	return fd;
}

static inline int socket_in(const struct topo *t, int ns, int type)
{
	return socket_in_ns(t, ns, AF_INET, type, 0);
}

/*
 * ICMP echoes from namespace ns to dst (an in_addr, or an in6_addr when v6),
 * size bytes of payload, don't-fragment set; each reply awaited 1 s.
 * Returns the replies.
 */
static inline int ping_in(const struct topo *t, int ns, bool v6, const void *dst, int count,
			  int size)
{
	int fd = socket_in_ns(t, ns, v6 ? AF_INET6 : AF_INET, SOCK_RAW,
			      v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	int pmtu = v6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO, ok = 0;
	char *pkt = calloc(1, size + 64), *reply = malloc(70000);
	struct sockaddr_storage to = {0};
	socklen_t tolen;

	cr_assert(pkt && reply);
	if (v6) {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&to;

		d->sin6_family = AF_INET6;
		memcpy(&d->sin6_addr, dst, 16);
		tolen = sizeof(*d);
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	} else {
		struct sockaddr_in *d = (struct sockaddr_in *)&to;

		d->sin_family = AF_INET;
		memcpy(&d->sin_addr, dst, 4);
		tolen = sizeof(*d);
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	}
	for (int i = 0; i < count; i++) {
		struct icmphdr *h = (struct icmphdr *)pkt;
		uint32_t sum = 0;
		struct timespec t0, now;

		memset(pkt, 0xa5, size + 8);
		h->type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
		h->code = 0;
		h->checksum = 0;
		h->un.echo.id = htons(getpid() & 0xffff);
		h->un.echo.sequence = htons(i);
		if (!v6) { /* the kernel sums ICMPv6 itself */
			for (int k = 0; k < size + 8; k += 2)
				sum += *(uint16_t *)(pkt + k);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			h->checksum = ~sum;
		}
		if (sendto(fd, pkt, size + 8, 0, (struct sockaddr *)&to, tolen) < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			struct pollfd pfd = {fd, POLLIN, 0};
			const struct icmphdr *r;
			long left;
			ssize_t n;
			int off;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left = 1000 - ((now.tv_sec - t0.tv_sec) * 1000 +
				       (now.tv_nsec - t0.tv_nsec) / 1000000);
			if (left <= 0 || poll(&pfd, 1, left) <= 0)
				break;
			n = recv(fd, reply, 70000, 0);
			if (n <= 0)
				break;
			/* IPv4 raw sockets see the IP header; IPv6 ones do not. */
			off = v6 ? 0 : (reply[0] & 0xf) * 4;
			r = (const struct icmphdr *)(reply + off);
			if (n >= off + 8 && r->type == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) &&
			    r->un.echo.id == h->un.echo.id &&
			    r->un.echo.sequence == h->un.echo.sequence) {
				ok++;
				break;
			}
		}
	}
	free(pkt);
	free(reply);
	close(fd);
	return ok;
}

static inline struct sockaddr_in addr4(struct in_addr ip, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = ip};

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

/* The BPF programs a process holds (its fdinfo's prog_id), each once: for leak checks scoped to it.
 */
static inline int prog_ids_of(pid_t pid, unsigned int *ids, int max)
{
	char cmd[128], line[256];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cat /proc/%d/fdinfo/* 2>/dev/null", (int)pid);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned int id;
		bool seen = false;

		if (sscanf(line, "prog_id: %u", &id) != 1)
			continue;
		for (int i = 0; i < n; i++)
			seen |= ids[i] == id;
		if (!seen && n < max)
			ids[n++] = id;
	}
	pclose(f);
	return n;
}

/* Lines of a command's output that hold needle. */
static inline int count_lines(const char *cmd, const char *needle)
{
	char line[512];
	int n = 0;
	FILE *f = popen(cmd, "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	pclose(f);
	return n;
}

/* Nothing of run run_id is left: namespaces, links, the BPF programs its process held (ids). */
static inline void assert_run_left_nothing(const char *run_id, const unsigned int *ids, int n_ids)
{
	char cmd[128], needle[32];

	snprintf(needle, sizeof(needle), "netstage-%s-", run_id);
	cr_assert_eq(count_lines("ip netns list", needle), 0, "a namespace of run %s is left",
		     run_id);
	snprintf(needle, sizeof(needle), ": nst%s", run_id);
	cr_assert_eq(count_lines("ip -o link show", needle), 0, "a link of run %s is left", run_id);
	for (int i = 0; i < n_ids; i++) {
		snprintf(cmd, sizeof(cmd), "bpftool prog show id %u 2>/dev/null", ids[i]);
		cr_assert_eq(count_lines(cmd, "name"), 0, "BPF program %u of run %s is left",
			     ids[i], run_id);
	}
}

#endif /* NETSTAGE_TEST_HELPERS_H */
