// SPDX-License-Identifier: GPL-2.0
/*
 * The libiperf driver on a real topology: a pair that fails is named with its
 * reason while the others are measured, and one stuck server stalls nobody.
 */
#include "helpers.h"
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "user/traffic.h"

static struct topo *up(int pairs)
{
	struct topo_spec spec = {.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = pairs, .mtu = 1500};
	struct topo_err err = {{0}};
	struct topo *t = NULL;

	cr_assert_eq(topo__up(&spec, &t, &err), 0, "%s", err.msg);
	return t;
}

static void pairs_of(const struct topo *t, struct load_pair *p)
{
	for (int i = 0; i < t->n_pairs; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].server_netns = t->ns[t->pairs[i].server_ns].path;
		p[i].client_netns = t->ns[t->pairs[i].client_ns].path;
		inet_ntop(AF_INET, &t->pairs[i].server_ip4, p[i].server_addr,
			  sizeof(p[i].server_addr));
		inet_ntop(AF_INET, &t->pairs[i].client_ip4, p[i].client_addr,
			  sizeof(p[i].client_addr));
	}
}

static const struct load_spec tcp_1s = {.proto = LOAD_TCP, .duration_s = 1, .streams = 1};

Test(load, a_server_that_cannot_listen_fails_its_pair_alone, .timeout = 60)
{
	struct load_result res[2];
	struct load_pair p[2];
	struct load_window w;
	struct topo *t;

	need_root_and_probes();
	t = up(2);
	pairs_of(t, p);
	/* Nobody has this address: the server cannot bind it. */
	snprintf(p[1].server_addr, sizeof(p[1].server_addr), "198.18.1.9");
	cr_assert_eq(traffic__run(&tcp_1s, p, 2, NULL, NULL, res, &w), 0);
	cr_assert(res[0].ok, "%s", res[0].error);
	cr_assert_gt(res[0].recv_bps, 1e8);
	cr_assert_not(res[1].ok);
	cr_assert(strstr(res[1].error, "server exited before listening"), "%s", res[1].error);
	cr_assert_eq(w.measured, 1);
	cr_assert(w.common);
	iperf__free(res, 2);
	topo__down(t);
}

Test(load, a_client_error_is_iperf3s_own_words, .timeout = 60)
{
	struct load_result res[2];
	struct load_pair p[2];
	struct topo *t;

	need_root_and_probes();
	t = up(2);
	pairs_of(t, p);
	/* The client binds an address its namespace does not have. */
	snprintf(p[1].client_addr, sizeof(p[1].client_addr), "198.18.0.1");
	cr_assert_eq(traffic__run(&tcp_1s, p, 2, NULL, NULL, res, NULL), 0);
	cr_assert(res[0].ok, "%s", res[0].error);
	cr_assert_not(res[1].ok);
	cr_assert(strstr(res[1].error, "iperf3: unable to connect"), "%s", res[1].error);
	iperf__free(res, 2);
	topo__down(t);
}

/* The pid of our child whose network namespace is the file at path. */
static pid_t child_in(const char *path)
{
	struct stat want, ns;
	struct dirent *d;
	pid_t found = 0;
	DIR *dir = opendir("/proc");

	cr_assert_eq(stat(path, &want), 0);
	while (!found && (d = readdir(dir))) {
		char p[64], line[256];
		int pid = atoi(d->d_name), ppid = 0;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/stat", pid);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f))
			sscanf(strrchr(line, ')') + 2, "%*c %d", &ppid);
		fclose(f);
		snprintf(p, sizeof(p), "/proc/%d/ns/net", pid);
		if (ppid == getpid() && stat(p, &ns) == 0 && ns.st_ino == want.st_ino)
			found = pid;
	}
	closedir(dir);
	return found;
}

struct stopper {
	const char *server_netns;
	pid_t stopped;
};

/* Half-way through, freeze pair 1's server: its results can never come back. */
static void freeze(void *ctx, int elapsed, int duration)
{
	struct stopper *s = ctx;

	(void)duration;
	if (elapsed >= 1 && !s->stopped) {
		s->stopped = child_in(s->server_netns);
		if (s->stopped)
			kill(s->stopped, SIGSTOP);
	}
}

Test(load, a_stuck_server_is_named_and_stalls_nobody, .timeout = 90)
{
	const struct load_spec spec = {.proto = LOAD_TCP, .duration_s = 2, .streams = 1};
	struct load_result res[3];
	struct load_pair p[3];
	struct load_window w;
	struct stopper s = {0};
	struct load_hooks hooks = {.tick = freeze, .ctx = &s};
	struct topo *t;

	need_root_and_probes();
	t = up(3);
	pairs_of(t, p);
	s.server_netns = p[1].server_netns;
	cr_assert_eq(traffic__run(&spec, p, 3, &hooks, NULL, res, &w), 0);
	cr_assert_neq(s.stopped, 0, "pair 1's server was not found");
	cr_assert(res[0].ok && res[2].ok, "%s / %s", res[0].error, res[2].error);
	cr_assert_not(res[1].ok);
	cr_assert(strstr(res[1].error, "no result came back"), "%s", res[1].error);
	cr_assert(strstr(res[1].error, "control connection"), "%s", res[1].error);
	/* The others' window is theirs: two pairs measured together. */
	cr_assert_eq(w.measured, 2);
	cr_assert(w.common);
	iperf__free(res, 3);
	topo__down(t);
}

static volatile sig_atomic_t stop_flag;

/* Stop the load 2 s in, as Ctrl-C would. */
static void stop_at_2s(void *ctx, int elapsed, int duration)
{
	(void)ctx;
	(void)duration;
	if (elapsed >= 2)
		stop_flag = SIGINT;
}

/*
 * Stopped 2 s into a 10 s load: every client reports what it measured until
 * then (its side's intervals), the window covers it, and the load ends
 * within the grace it gives the clients, not at its planned end.
 */
Test(load, a_stopped_load_keeps_what_the_clients_measured, .timeout = 60)
{
	const struct load_spec spec = {.proto = LOAD_TCP, .duration_s = 10, .streams = 1};
	const struct load_hooks hooks = {.tick = stop_at_2s};
	struct load_result res[2];
	struct load_pair p[2];
	struct load_window w;
	struct timespec t0, t1;
	struct topo *t;
	double took;

	need_root_and_probes();
	t = up(2);
	pairs_of(t, p);
	stop_flag = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(traffic__run(&spec, p, 2, &hooks, &stop_flag, res, &w), -EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_lt(took, 8, "a stopped load ends within its grace: %.1f s", took);
	cr_assert(w.stopped);
	cr_assert(w.stopped_at > 1.5 && w.stopped_at < 4, "stopped at %.2f s", w.stopped_at);
	cr_assert_eq(w.measured, 2);
	for (int i = 0; i < 2; i++) {
		cr_assert(res[i].ok, "pair %d: %s", i, res[i].error);
		cr_assert(res[i].stopped);
		cr_assert_gt(res[i].n_send, 0, "the client's intervals came back");
		cr_assert_eq(res[i].n_recv, 0, "the server's never do");
		cr_assert_gt(res[i].win_bytes, 1e6, "pair %d: %.0f bytes in the window", i,
			     res[i].win_bytes);
		cr_assert_leq(res[i].win_end, w.stopped_at + 0.5);
	}
	iperf__free(res, 2);
	topo__down(t);
}
