// SPDX-License-Identifier: GPL-2.0
/*
 * netstage profile: watch namespaces and devices that exist already (a
 * Docker, Podman or Kubernetes container's), for a while, without building
 * anything or sending a packet, and report every stage as `run` does.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "user/cli/cli.h"
#include "user/cli/commands.h"
#include "user/container.h"
#include "user/capture.h"
#include "user/collect.h"
#include "user/probes.h"
#include "user/metrics_server.h"
#include "user/cli/metrics_args.h"
#include "user/cli/probe_args.h"
#include "user/raw_writer.h"
#include "user/session.h"
#include "user/sysinfo.h"
#include "analysis/table.h"
#include "topo/topo.h"

/* A node's pods (kubelet allows 110 by default, and more), each a --netns of the DaemonSet. */
#define MAX_TARGETS 512

enum {
	OPT_NETNS = 'N',
	OPT_DEV = 'i',
	OPT_DURATION = 'd',
	OPT_OUTPUT = 'o',
	OPT_CONTAINER = 500,
};

static const struct cli_opt opts[] = {
    {OPT_NETNS, "netns", 'N', "NAME|PATH",
     "a namespace to watch: a name in /run/netns or a path like /proc/PID/ns/net; repeat it"},
    {OPT_CONTAINER, "container", 0, "NAME|ID",
     "a Podman or Docker container (or a CRI one, through crictl) to watch, found with the "
     "engine's own CLI; repeat it"},
    {OPT_DEV, "dev", 'i', "IFNAME", "watch only this interface of those namespaces; repeat it"},
    {OPT_DURATION, "duration", 'd', "S",
     "seconds to watch, 0 to 86400 (default 10; 0: until Ctrl-C or SIGTERM, which keep the "
     "result)"},
    {OPT_OUTPUT, "output", 'o', "FILE", "write the result as JSON to FILE ('-' for stdout)"},
    METRICS_OPTS("while it watches"),
    PROBE_OPTS_SAMPLING,
    PROBE_OPTS_FILTERS,
    {0},
};

static const struct cli_cmd cmd = {
    .name = "profile",
    .usage = "profile --netns NAME|PATH|--container NAME|ID [...] [--dev IFNAME]... [--duration S] "
	     "[--listen ADDR:PORT] [-o FILE]",
    .summary = "Attach the stage probes to namespaces and devices that already exist and\n"
	       "report what their packets went through, without building anything or\n"
	       "driving load. Nothing of the watched namespaces is modified.",
    .opts = opts,
};
const struct cli_cmd *const profile_cli = &cmd; /* for the manual page */

static bool same_netns(const char *path, __u32 inum)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_ino == inum;
}

/* The probes' figures since *last, added to the served total r. */
static int add_snapshot(struct probes *l, struct metrics_server *srv, struct result *r,
			struct timespec *last)
{
	struct result snap = {0};
	struct timespec now;
	int rc = collect__snapshot(l, &snap);

	clock_gettime(CLOCK_MONOTONIC, &now);
	snap.profile_seconds = (now.tv_sec - last->tv_sec) + (now.tv_nsec - last->tv_nsec) / 1e9;
	*last = now;
	if (!rc)
		rc = metrics_server__add(srv, r, &snap);
	result__free(&snap);
	return rc;
}

int cmd_profile(int argc, char **argv)
{
	const char *netns[MAX_TARGETS], *devs[MAX_TARGETS], *output = NULL;
	struct metrics_server *srv = NULL;
	struct metrics_args m = METRICS_ARGS_DEFAULT;
	static struct container_ref refs[MAX_TARGETS];
	const char *containers[MAX_TARGETS];
	int n_netns = 0, n_devs = 0, n_containers = 0, exit_code = 1, id, rc;
	struct topo_err terr = {{0}};
	struct cli_parser p;
	struct topo *t = NULL;
	struct probes *l = NULL;
	struct probes_opts lo = {0};
	struct probe_args po;
	struct raw_writer *raw = NULL;
	struct result r = {0};
	struct timespec t0, t1, last;
	long duration = 10;
	char err[512];

	probe_args__init(&po, NS_SET_HOPS); /* live containers: the light set by default */
	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		int handled = probe_args__handle(&p, id, &po);

		if (!handled)
			handled = metrics_args__handle(&p, id, &m);

		if (handled < 0)
			return 2;
		if (handled)
			continue;
		switch (id) {
		case OPT_NETNS:
		case OPT_DEV:
			if ((id == OPT_NETNS ? n_netns : n_devs) == MAX_TARGETS) {
				cli__error(&cmd, "at most %d --%s options", MAX_TARGETS,
					   p.opt_name);
				return 2;
			}
			if (id == OPT_NETNS)
				netns[n_netns++] = p.arg;
			else
				devs[n_devs++] = p.arg;
			break;
		case OPT_CONTAINER:
			if (n_containers == MAX_TARGETS) {
				cli__error(&cmd, "at most %d --container options", MAX_TARGETS);
				return 2;
			}
			containers[n_containers++] = p.arg;
			break;
		case OPT_DURATION:
			if (cli__int(&p, 0, 86400, &duration))
				return 2;
			break;
		case OPT_OUTPUT:
			output = p.arg;
			break;
		}
	}
	rc = cli__finish(&p, id);
	if (rc >= 0)
		return rc;
	if (!n_netns && !n_devs && !n_containers) {
		cli__error(&cmd,
			   "give --container NAME|ID, --netns NAME|PATH (see 'ip netns', or "
			   "/proc/PID/ns/net of a process in the container) or --dev IFNAME of "
			   "this namespace");
		return 2;
	}
	if (n_netns + n_containers > MAX_TARGETS) {
		cli__error(&cmd, "at most %d namespaces (--netns and --container together)",
			   MAX_TARGETS);
		return 2;
	}
	if (geteuid() != 0) {
		cli__error(&cmd, "needs root to load BPF programs; run it with sudo");
		return 1;
	}
	/* Containers by name: the engine tells their init's pid, whose namespace is theirs. */
	for (int i = 0; i < n_containers; i++) {
		if (container__resolve(containers[i], &refs[i], err, sizeof(err))) {
			cli__error(&cmd, "%s", err);
			return 1;
		}
		netns[n_netns++] = refs[i].netns;
	}
	/* Interfaces alone: they are in this process's namespace (the host's, say). */
	if (!n_netns)
		netns[n_netns++] = "/proc/self/ns/net";
	rc = topo__describe(netns, n_netns, devs, n_devs, &t, &terr);
	if (rc) {
		cli__error(&cmd, "%s", terr.msg);
		return 1;
	}
	session__catch_signals();
	lo.topo = t;
	probe_args__apply(&po, &lo);
	rc = capture__start(&l, &raw, &lo, po.raw, err, sizeof(err));
	if (rc) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
	probe_args__announce("profile", l);
	snprintf(r.config.command, sizeof(r.config.command), "profile");
	for (int i = 0; i < n_netns; i++) {
		size_t len = strlen(r.config.netns);

		snprintf(r.config.netns + len, sizeof(r.config.netns) - len, "%s%s", i ? "," : "",
			 netns[i]);
	}
	r.config.duration = duration;
	/* Name each namespace after the container in it, where a process there tells. */
	for (int i = 0; i < t->n_ns; i++) {
		struct netns_stat *n = result__add_netns(&r);
		struct container_info ci;

		if (!n)
			break;
		snprintf(n->netns, sizeof(n->netns), "%.127s",
			 t->ns[i].name[0] ? t->ns[i].name : t->ns[i].path);
		n->inum = t->ns[i].inum;
		snprintf(n->label, sizeof(n->label), "%s", t->ns[i].label);
		if (container__find(t->ns[i].inum, &ci) == 0) {
			n->pid = ci.pid;
			snprintf(n->comm, sizeof(n->comm), "%s", ci.comm);
			snprintf(n->cgroup, sizeof(n->cgroup), "%s", ci.cgroup);
			snprintf(n->label, sizeof(n->label), "%s", ci.label);
		}
		for (int c = 0; c < n_containers; c++) {
			const struct container_ref *ref = &refs[c];

			if (strcmp(t->ns[i].path, ref->netns) && !same_netns(ref->netns, n->inum))
				continue;
			/* The engine's names win: "web (0123456789ab)". */
			snprintf(n->container, sizeof(n->container), "%s", ref->name);
			snprintf(n->container_id, sizeof(n->container_id), "%s", ref->id);
			snprintf(n->engine, sizeof(n->engine), "%s", ref->engine);
			snprintf(n->label, sizeof(n->label), "%.60s (%s %.12s)", ref->name,
				 ref->engine, ref->id);
			n->pid = ref->pid;
			break;
		}
	}
	sysinfo__fill(&r, &l->features);
	probes__cost_begin(l, &r);
	if (m.listen) {
		rc = metrics_server__start(&srv, m.listen, &r, m.buckets, err, sizeof(err));
		if (rc) {
			cli__error(&cmd, "%s", err);
			goto out;
		}
		session__note("profile", "serving OpenMetrics at %s", metrics_server__url(srv));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	last = t0;
	for (long s = 0; (!duration || s < duration) && !session_stop; s++) {
		if (isatty(STDERR_FILENO) || s == 0) {
			if (duration)
				session__progress(
				    "watching %d device%s in %d namespace%s: %ld/%ld s "
				    "(Ctrl-C ends it)",
				    t->n_devs, t->n_devs == 1 ? "" : "s", n_netns,
				    n_netns == 1 ? "" : "s", s, duration);
			else
				session__progress("watching %d device%s in %d namespace%s: %ld s "
						  "(until Ctrl-C or SIGTERM)",
						  t->n_devs, t->n_devs == 1 ? "" : "s", n_netns,
						  n_netns == 1 ? "" : "s", s);
		}
		sleep(1);
		/* Served figures move on every interval: what the probes saw since the last time.
		 */
		if (srv && !session_stop && (s + 1) % m.interval_s == 0) {
			rc = add_snapshot(l, srv, &r, &last);
			if (rc) {
				cli__error(&cmd, "reading the probes' maps failed: %s",
					   strerror(-rc));
				goto out;
			}
		}
	}
	session__progress_done();
	if (srv) {
		rc = add_snapshot(l, srv, &r, &last);
	} else {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		r.profile_seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		rc = collect__snapshot(l, &r);
	}
	if (rc) {
		cli__error(&cmd, "reading the probes' maps failed: %s", strerror(-rc));
		goto out;
	}
	probes__cost_end(l, &r);
	if (raw) {
		unsigned long long n = 0;

		rc = raw_writer__stop(raw, &n);
		raw = NULL;
		if (rc) {
			cli__error(&cmd, "%s: writing the raw events failed: %s", po.raw,
				   strerror(-rc));
			goto out;
		}
		session__note("profile", "%llu raw events in %s", n, po.raw);
	}
	/* Scrapes go on until the result is written: the last ones see its very counts. */
	metrics_server__lock(srv);
	table__sort_stages(&r);
	metrics_server__unlock(srv);
	table__print_result(&r, output && !strcmp(output, "-") ? stderr : stdout);
	if (output && result__write(&r, output, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
	exit_code = 0;
out:
	metrics_server__stop(srv);
	raw_writer__stop(raw, NULL);
	probes__destroy(l);
	topo__down(t);
	result__free(&r);
	return exit_code;
}
