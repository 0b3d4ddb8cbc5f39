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
#include "user/cli.h"
#include "user/commands.h"
#include "user/container.h"
#include "user/collect.h"
#include "user/loader.h"
#include "user/probe_opts.h"
#include "user/raw_writer.h"
#include "user/session.h"
#include "user/sysinfo.h"
#include "analysis/table.h"
#include "topo/topo.h"

#define MAX_TARGETS 64

enum { OPT_NETNS = 'N', OPT_DEV = 'i', OPT_DURATION = 'd', OPT_OUTPUT = 'o' };

static const struct cli_opt opts[] = {
	{ OPT_NETNS, "netns", 'N', "NAME|PATH",
	  "a namespace to watch: a name in /run/netns or a path like /proc/PID/ns/net; repeat it" },
	{ OPT_DEV, "dev", 'i', "IFNAME", "watch only this interface of those namespaces; repeat it" },
	{ OPT_DURATION, "duration", 'd', "S",
	  "seconds to watch, 1 to 86400 (default 10); Ctrl-C ends it early and keeps the result" },
	{ OPT_OUTPUT, "output", 'o', "FILE", "write the result as JSON to FILE ('-' for stdout)" },
	PROBE_OPTS_SAMPLING,
	PROBE_OPTS_FILTERS,
	{ 0 },
};

static const struct cli_cmd cmd = {
	.name = "profile",
	.usage = "profile --netns NAME|PATH [--netns ...] [--dev IFNAME]... [--duration S] [-o FILE]",
	.summary = "Attach the stage probes to namespaces and devices that already exist and\n"
		   "report what their packets went through, without building anything or\n"
		   "driving load. Nothing of the watched namespaces is modified.",
	.opts = opts,
};
const struct cli_cmd *const profile_cli = &cmd; /* for the manual page */

int cmd_profile(int argc, char **argv)
{
	const char *netns[MAX_TARGETS], *devs[MAX_TARGETS], *output = NULL;
	int n_netns = 0, n_devs = 0, exit_code = 1, id, rc;
	struct topo_err terr = { { 0 } };
	struct cli_parser p;
	struct topo *t = NULL;
	struct loader *l = NULL;
	struct loader_opts lo = { 0 };
	struct probe_opts po;
	struct raw_writer *raw = NULL;
	struct result r = { 0 };
	struct timespec t0, t1;
	long duration = 10;
	char err[512];

	probe_opts__init(&po, NS_SET_HOPS); /* live containers: the light set by default */
	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		int handled = probe_opts__handle(&p, id, &po);

		if (handled < 0)
			return 2;
		if (handled)
			continue;
		switch (id) {
		case OPT_NETNS:
		case OPT_DEV:
			if ((id == OPT_NETNS ? n_netns : n_devs) == MAX_TARGETS) {
				cli__error(&cmd, "at most %d --%s options", MAX_TARGETS, p.opt_name);
				return 2;
			}
			if (id == OPT_NETNS)
				netns[n_netns++] = p.arg;
			else
				devs[n_devs++] = p.arg;
			break;
		case OPT_DURATION:
			if (cli__int(&p, 1, 86400, &duration))
				return 2;
			break;
		case OPT_OUTPUT:
			output = p.arg;
			break;
		}
	}
	if (id < 0)
		return 2;
	if (p.help)
		return 0;
	if (p.rest < argc) {
		cli__error(&cmd, "unexpected argument '%s'", argv[p.rest]);
		return 2;
	}
	if (!n_netns && !n_devs) {
		cli__error(&cmd, "give --netns NAME|PATH (see 'ip netns', or /proc/PID/ns/net of a "
				 "process in the container) or --dev IFNAME of this namespace");
		return 2;
	}
	/* Interfaces alone: they are in this process's namespace (the host's, say). */
	if (!n_netns)
		netns[n_netns++] = "/proc/self/ns/net";
	if (geteuid() != 0) {
		cli__error(&cmd, "needs root to load BPF programs; run it with sudo");
		return 1;
	}
	rc = topo__describe(netns, n_netns, devs, n_devs, &t, &terr);
	if (rc) {
		cli__error(&cmd, "%s", terr.msg);
		return 1;
	}
	session__catch_signals();
	lo.topo = t;
	probe_opts__apply(&po, &lo);
	rc = loader__start(&l, &lo, err, sizeof(err));
	if (!rc)
		rc = collect__begin(l);
	if (!rc && po.raw)
		rc = raw_writer__start(&raw, l, po.raw, err, sizeof(err));
	if (rc) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
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
	}
	sysinfo__fill(&r, &l->features);
	loader__cost_begin(l, &r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long s = 0; s < duration && !session_stop; s++) {
		if (isatty(STDERR_FILENO) || s == 0)
			session__progress("watching %d device%s in %d namespace%s: %ld/%ld s (Ctrl-C "
					  "ends it)",
					  t->n_devs, t->n_devs == 1 ? "" : "s", n_netns,
					  n_netns == 1 ? "" : "s", s, duration);
		sleep(1);
	}
	session__progress_done();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r.profile_seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	rc = collect__snapshot(l, &r);
	if (rc) {
		cli__error(&cmd, "reading the probes' maps failed: %s", strerror(-rc));
		goto out;
	}
	loader__cost_end(l, &r);
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
	table__sort_stages(&r);
	table__print_result(&r, output && !strcmp(output, "-") ? stderr : stdout);
	if (output && result__write(&r, output, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
	exit_code = 0;
out:
	raw_writer__stop(raw, NULL);
	loader__destroy(l);
	topo__down(t);
	result__free(&r);
	return exit_code;
}
