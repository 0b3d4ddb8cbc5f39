// SPDX-License-Identifier: GPL-2.0
/*
 * netstage run: build a topology, attach the stage probes, drive iperf3
 * through it, and report throughput and every stage. Everything it made is
 * removed before it exits, on success, error or Ctrl-C.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "user/cli/cli.h"
#include "user/cli/commands.h"
#include "user/capture.h"
#include "user/cli/experiment_args.h"
#include "user/cli/metrics_args.h"
#include "user/cli/topo_args.h"
#include "user/cli/probe_args.h"
#include "user/raw_writer.h"
#include "user/probes.h"
#include "user/metrics_server.h"
#include "user/session.h"
#include "user/sysinfo.h"
#include "analysis/table.h"
#include "analysis/throughput.h"
#include "topo/topo.h"

enum {
	OPT_PROTO = 'p',
	OPT_OUTPUT = 'o',
};

static const struct cli_opt opts[] = {
    TOPO_OPTS,
    {OPT_PROTO, "proto", 'p', "tcp|udp", "iperf3 protocol (default tcp)"},
    EXPERIMENT_OPTS,
    {OPT_OUTPUT, "output", 'o', "FILE", "write the result as JSON to FILE ('-' for stdout)"},
    METRICS_OPTS("during the run"),
    PROBE_OPTS_SAMPLING,
    {0},
};

static const struct cli_cmd cmd = {
    .name = "run",
    .usage = "run --kind KIND [--pairs N] [--proto tcp|udp] [--duration S] [options]",
    .summary = "Build a container topology in network namespaces, attach the stage probes,\n"
	       "drive iperf3 through every pair and print throughput and a per-stage table:\n"
	       "packets, latency p50/p99/max from the previous stage, CPU ns per packet.",
    .details = "Every pair has its own iperf3 server and client; every server listens before\n"
	       "any client starts, and the clients start together. Throughput covers the\n"
	       "window in which every measured pair ran (docs/EXPERIMENTS.md). A pair that\n"
	       "fails is reported with its reason and the run goes on; the exit code is 1\n"
	       "only when a repetition measured no pair.\n"
	       "Everything the run builds is removed when it ends, also on Ctrl-C (SIGINT or\n"
	       "SIGTERM): the result then covers what was measured until the stop, is marked\n"
	       "\"interrupted\" with what it lacks, and the exit code is 130.\n"
	       "Traffic stays inside the namespaces it builds (198.18.0.0/15).",
    .opts = opts,
};
const struct cli_cmd *const run_cli = &cmd; /* for the manual page */

struct run_args {
	struct topo_spec spec;
	struct experiment e;
	bool no_probes;
	const char *output;
	struct metrics_args metrics;
	struct probe_args probe;
};

static int parse(int argc, char **argv, struct run_args *a, bool *help)
{
	struct topo_args topo;
	struct cli_parser p;
	int id;

	memset(a, 0, sizeof(*a));
	topo_args__init(&topo);
	experiment__defaults(&a->e);
	a->metrics = (struct metrics_args)METRICS_ARGS_DEFAULT;
	a->e.cmd = cmd.name;
	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		int handled = probe_args__handle(&p, id, &a->probe);

		if (!handled)
			handled = metrics_args__handle(&p, id, &a->metrics);
		if (!handled)
			handled = topo_args__handle(&p, id, &topo);

		if (!handled)
			handled = experiment_args__handle(&p, id, &a->e, &a->no_probes);
		if (handled < 0)
			return -1;
		if (handled)
			continue;
		switch (id) {
		case OPT_PROTO:
			if (strcmp(p.arg, "tcp") && strcmp(p.arg, "udp")) {
				cli__error(&cmd, "--proto: '%s' is neither tcp nor udp", p.arg);
				return -1;
			}
			a->e.load.proto = strcmp(p.arg, "udp") ? LOAD_TCP : LOAD_UDP;
			break;
		case OPT_OUTPUT:
			a->output = p.arg;
			break;
		}
	}
	a->e.metrics_interval = a->metrics.interval_s;
	*help = p.help;
	switch (cli__finish(&p, id)) {
	case 0:
		return 0;
	case 2:
		return -1;
	}
	if (topo_args__finish(&cmd, &topo))
		return -1;
	a->spec = topo.spec;
	if (a->no_probes && a->metrics.listen) {
		cli__error(&cmd,
			   "--no-probes leaves nothing to serve at --listen; drop one of them");
		return -1;
	}
	if (a->no_probes && (a->probe.raw || a->probe.sample)) {
		cli__error(&cmd, "--no-probes leaves nothing to sample or to record raw events of; "
				 "drop --sample/--raw or --no-probes");
		return -1;
	}
	return experiment_args__check_pairs(&cmd, &a->e, a->spec.pairs);
}

static void progress(void *ctx, int rep, int repeat, int elapsed, int duration)
{
	const struct run_args *a = ctx;

	if (isatty(STDERR_FILENO) || elapsed == 0)
		session__progress("iperf3 %s on %d pair%s, repeat %d/%d: %d/%d s",
				  a->e.load.proto == LOAD_UDP ? "udp" : "tcp", a->spec.pairs,
				  a->spec.pairs == 1 ? "" : "s", rep, repeat, elapsed, duration);
}

/* Did every repetition measure at least one pair? */
static bool measured(const struct result *r)
{
	for (int i = 0; i < r->throughput.n_repeats; i++)
		if (!throughput__repeat_counts(&r->throughput.repeats[i]))
			return false;
	return r->throughput.n_repeats > 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct topo_err terr = {{0}};
	struct topo *t = NULL;
	struct probes *l = NULL;
	struct probes_opts lo = {0};
	struct raw_writer *raw = NULL;
	struct probe_report pr;
	struct result r = {0};
	char err[512];
	bool help = false, stopped;
	int rc, exit_code = 1;

	if (parse(argc, argv, &a, &help))
		return 2;
	if (help)
		return 0;
	if (geteuid() != 0) {
		cli__error(&cmd, "needs root: it builds network namespaces and loads BPF programs; "
				 "run it with sudo");
		return 1;
	}
	if (topo__validate(&a.spec, &terr) || topo__probe_kind(a.spec.kind, a.spec.mode, &terr)) {
		cli__error(&cmd, "%s", terr.msg);
		return 1;
	}
	if (!a.no_probes && probe_args__check_plan(&a.probe, &a.spec, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		return 1;
	}
	session__catch_signals();
	a.e.progress = progress;
	a.e.ctx = &a;
	snprintf(r.config.command, sizeof(r.config.command), "run");
	experiment__config(&a.e, &a.spec, &r);
	r.config.sample = a.probe.sample;
	r.config.no_probes = a.no_probes;

	session__progress("building %s, %d pair%s", topo_kind__name(a.spec.kind), a.spec.pairs,
			  a.spec.pairs == 1 ? "" : "s");
	rc = topo__up(&a.spec, &t, &terr);
	session__progress_done();
	if (rc) {
		cli__error(&cmd, "%s", terr.msg);
		goto out;
	}
	if (!a.no_probes) {
		lo.topo = t;
		probe_args__apply(&a.probe, &lo);
		rc = capture__start(&l, &raw, &lo, a.probe.raw, err, sizeof(err));
		if (rc) {
			cli__error(&cmd, "%s", err);
			goto out;
		}
		probe_args__announce("run", l);
		pr = l->features;
	} else {
		probes__probe(&pr);
	}
	sysinfo__fill(&r, &pr);
	snprintf(r.config.run_id, sizeof(r.config.run_id), "%s", t->run_id);
	if (a.metrics.listen) {
		rc = metrics_server__start(&a.e.metrics, a.metrics.listen, &r, a.metrics.buckets,
					   err, sizeof(err));
		if (rc) {
			cli__error(&cmd, "%s", err);
			goto out;
		}
		session__note("run", "serving OpenMetrics at %s", metrics_server__url(a.e.metrics));
	}
	rc = experiment__run(&a.e, t, l, &r);
	/* Stopped: what was measured until then is reported and written, marked so. */
	stopped = rc == -EINTR || session_stop;
	if (stopped)
		session__note("run", "interrupted: keeping what was measured, removing what it "
				     "built");
	if (rc && rc != -EINTR) {
		cli__error(&cmd, "driving iperf3 failed: %s", strerror(-rc));
		goto out;
	}
	if (raw) {
		unsigned long long n = 0;

		rc = raw_writer__stop(raw, &n);
		raw = NULL;
		if (rc) {
			cli__error(&cmd, "%s: writing the raw events failed: %s", a.probe.raw,
				   strerror(-rc));
			goto out;
		}
		session__note("run", "%llu raw events in %s", n, a.probe.raw);
	}
	metrics_server__lock(a.e.metrics);
	table__sort_stages(&r);
	metrics_server__unlock(a.e.metrics);
	table__print_result(&r, a.output && !strcmp(a.output, "-") ? stderr : stdout);
	if (a.output && result__write(&r, a.output, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
	if (stopped) {
		exit_code = 130;
		goto out;
	}
	if (!measured(&r)) {
		cli__error(&cmd, "no pair was measured in %s: see the reasons above",
			   a.e.repeat == 1 ? "the run" : "some repetition");
		goto out;
	}
	exit_code = 0;
out:
	metrics_server__stop(a.e.metrics);
	raw_writer__stop(raw, NULL);
	probes__destroy(l);
	topo__down(t);
	result__free(&r);
	return exit_code;
}
