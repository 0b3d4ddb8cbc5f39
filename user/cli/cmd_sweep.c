// SPDX-License-Identifier: GPL-2.0
/*
 * netstage sweep: the matrix of the NOMS 2016 paper (or any part of it):
 * kinds x MTUs x pair counts x protocols, each point a `run` with its
 * repetitions, one result file per point and a summary CSV, resumable: its
 * options and closing table; the sweep itself is user/sweep.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "user/cli/cli.h"
#include "user/clock.h"
#include "user/cli/commands.h"
#include "user/cli/experiment_args.h"
#include "user/cli/probe_args.h"
#include "user/session.h"
#include "user/sweep.h"
#include "analysis/throughput.h"
#include "topo/topo.h"

enum {
	OPT_OUTPUT = 'o',
	OPT_KINDS = 500,
	OPT_PAIRS,
	OPT_PROTO,
	OPT_MTU,
	OPT_LAYOUT,
	OPT_RESUME,
	OPT_DRY_RUN,
	OPT_RAW,
};

static const struct cli_opt opts[] = {
    {OPT_KINDS, "kinds", 0, "K[:MODE],...",
     "device kinds, with :MODE for macvlan and ipvlan (default " SWEEP_KINDS ")"},
    {OPT_PAIRS, "pairs", 0, "N,...",
     "pair counts (default: the paper's, " SWEEP_TCP_PAIRS " for TCP and " SWEEP_UDP_PAIRS
     " for UDP)"},
    {OPT_PROTO, "proto", 0, "tcp,udp", "protocols (default tcp,udp)"},
    {OPT_MTU, "mtu", 0, "M,...", "MTUs (default 1500,9000)"},
    {OPT_LAYOUT, "layout", 0, "local|switched",
     "one host, or two nodes joined by a wire (default local)"},
    EXPERIMENT_OPTS,
    {PROBE_OPT_STAGES, "stages", 0, "all|hops",
     "stage set: all (the full split, the default) or hops (cheaper)"},
    {PROBE_OPT_SAMPLE, "sample", 0, "N",
     "follow 1 packet in N (default 1: every packet); less overhead, same stages"},
    {PROBE_OPT_MAP_MEMORY, "map-memory", 0, "MB",
     "refuse to start when a point's probes' maps would take more (default: an eighth of RAM)"},
    {PROBE_OPT_NO_CALIBRATE, "no-calibrate", 0, NULL,
     "do not turn bpf_stats on for half a second a point to estimate the probes' cost"},
    {OPT_RAW, "raw", 0, NULL, "also write each point's per-packet events to DIR/POINT.events.gz"},
    {PROBE_OPT_RAW_SAMPLE, "raw-sample", 0, "N", "raw events of 1 packet in N (default 16)"},
    {OPT_OUTPUT, "output", 'o', "DIR",
     "the folder for one result file per point and summary.csv (required)"},
    {OPT_RESUME, "resume", 0, NULL,
     "keep the points DIR holds already (complete, same settings); measure the rest"},
    {OPT_DRY_RUN, "dry-run", 0, NULL, "list the points in the order they would run, and exit"},
    {0},
};

static const struct cli_cmd cmd = {
    .name = "sweep",
    .usage =
	"sweep -o DIR [--kinds K1,K2] [--pairs 1,2,4,...] [--proto tcp,udp] [--mtu 1500,9000]\n"
	"                [--repeat R] [--duration S] [options]",
    .summary = "Measure a matrix of runs: kinds x MTUs x pair counts x protocols, each with its\n"
	       "repetitions; by default the matrix of Claassen et al. (NOMS 2016).",
    .details = "Each point writes DIR/<kind>[-<mode>]-<proto>-mtu<M>-p<N>.json (a result file,\n"
	       "as `run -o` writes) when it is complete; DIR/summary.csv has one line per\n"
	       "point and is rewritten after each. One topology serves every protocol of a\n"
	       "kind, MTU and pair count. Kinds this kernel lacks are skipped, saying why.\n"
	       "Ctrl-C stops cleanly and keeps what finished; --resume continues.\n"
	       "Columns of summary.csv: docs/EXPERIMENTS.md.",
    .opts = opts,
};
const struct cli_cmd *const sweep_cli = &cmd; /* for the manual page */

struct sweep_args {
	struct sweep_opts o;
	struct probe_args probe;
	bool dry_run;
};

static int parse_list(struct cli_parser *p, long min, long max, int *out)
{
	long v[SWEEP_MAX_VALUES];
	int n = cli__int_list(p, min, max, v, SWEEP_MAX_VALUES);

	for (int i = 0; i < n; i++)
		out[i] = (int)v[i];
	return n;
}

static int parse(int argc, char **argv, struct sweep_args *a, bool *help)
{
	struct cli_parser p;
	char err[256];
	int id, n;

	memset(a, 0, sizeof(*a));
	experiment__defaults(&a->o.e);
	a->o.e.cmd = cmd.name;
	sweep__parse_kinds(SWEEP_KINDS, &a->o.m, err, sizeof(err));
	a->o.m.n_protos = 2;
	a->o.m.protos[0] = LOAD_TCP;
	a->o.m.protos[1] = LOAD_UDP;
	a->o.m.n_mtus = 2;
	a->o.m.mtus[0] = 1500;
	a->o.m.mtus[1] = 9000;
	a->o.m.layout = TOPO_LOCAL;
	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		int handled = experiment_args__handle(&p, id, &a->o.e, &a->o.no_probes);

		if (!handled && (id == PROBE_OPT_SAMPLE || id == PROBE_OPT_RAW_SAMPLE ||
				 id == PROBE_OPT_STAGES || id == PROBE_OPT_MAP_MEMORY ||
				 id == PROBE_OPT_NO_CALIBRATE))
			handled = probe_args__handle(&p, id, &a->probe);
		if (handled < 0)
			return -1;
		if (handled)
			continue;
		switch (id) {
		case OPT_KINDS:
			if (sweep__parse_kinds(p.arg, &a->o.m, err, sizeof(err))) {
				cli__error(&cmd, "--kinds: %s", err);
				return -1;
			}
			break;
		case OPT_PAIRS:
			n = parse_list(&p, 1, TOPO_MAX_PAIRS, a->o.m.pairs);
			if (n < 0)
				return -1;
			a->o.m.n_pairs = n;
			break;
		case OPT_PROTO:
			a->o.m.n_protos = 0;
			for (const char *s = p.arg; *s;) {
				size_t len = strcspn(s, ",");

				if (a->o.m.n_protos == 2 ||
				    (strncmp(s, "tcp", len) && strncmp(s, "udp", len)) ||
				    len != 3) {
					cli__error(&cmd, "--proto: '%s' is not tcp, udp or tcp,udp",
						   p.arg);
					return -1;
				}
				a->o.m.protos[a->o.m.n_protos++] =
				    s[0] == 'u' ? LOAD_UDP : LOAD_TCP;
				s += len + (s[len] == ',');
			}
			if (!a->o.m.n_protos) {
				cli__error(&cmd, "--proto: the list is empty");
				return -1;
			}
			break;
		case OPT_MTU:
			n = parse_list(&p, TOPO_MIN_MTU, TOPO_MAX_MTU, a->o.m.mtus);
			if (n < 0)
				return -1;
			a->o.m.n_mtus = n;
			break;
		case OPT_LAYOUT:
			a->o.m.layout = topo_layout__parse(p.arg);
			a->o.m.layout_given = true;
			if ((int)a->o.m.layout < 0) {
				cli__error(&cmd, "--layout: '%s' is neither local nor switched",
					   p.arg);
				return -1;
			}
			break;
		case OPT_RAW:
			a->o.raw = true;
			break;
		case OPT_OUTPUT:
			a->o.dir = p.arg;
			break;
		case OPT_RESUME:
			a->o.resume = true;
			break;
		case OPT_DRY_RUN:
			a->dry_run = true;
			break;
		}
	}
	*help = p.help;
	switch (cli__finish(&p, id)) {
	case 0:
		return 0;
	case 2:
		return -1;
	}
	for (int k = 0; k < a->o.m.n_kinds; k++)
		if (a->o.m.kinds[k].kind == TOPO_VXLAN &&
		    sweep__layout(&a->o.m, TOPO_VXLAN) != TOPO_SWITCHED) {
			cli__error(&cmd,
				   "--layout local: vxlan joins the two nodes of the switched "
				   "layout; drop --layout local or vxlan from --kinds");
			return -1;
		}
	if (!a->o.dir && !a->dry_run) {
		cli__error(&cmd, "-o DIR is required: the folder for the result files and "
				 "summary.csv");
		return -1;
	}
	if (a->o.no_probes && (a->o.raw || a->probe.sample)) {
		cli__error(&cmd, "--no-probes leaves nothing to sample or to record raw events of; "
				 "drop --sample/--raw or --no-probes");
		return -1;
	}
	for (int i = 0; i < a->o.m.n_pairs; i++)
		if (experiment_args__check_pairs(&cmd, &a->o.e, a->o.m.pairs[i]))
			return -1;
	if (!a->o.m.n_pairs && a->o.e.streams_total &&
	    (experiment_args__check_pairs(&cmd, &a->o.e, 1) ||
	     experiment_args__check_pairs(&cmd, &a->o.e, 128)))
		return -1;
	{
		/* Each point's raw events go to a file of its own (raw_every, not a path). */
		struct probe_args po = a->probe;

		po.raw = a->o.raw ? "per point" : NULL;
		probe_args__apply(&po, &a->o.probes);
	}
	return 0;
}

/* Refuse to mix a new sweep into a folder that holds one. */
static int check_dir(const struct sweep_args *a, const struct sweep_point *pts, int n)
{
	char path[4096];

	if (mkdir(a->o.dir, 0755) && errno != EEXIST) {
		cli__error(&cmd, "-o %s: cannot make the folder: %s", a->o.dir, strerror(errno));
		return -1;
	}
	if (a->o.resume)
		return 0;
	snprintf(path, sizeof(path), "%s/summary.csv", a->o.dir);
	for (int i = -1; i < n; i++) {
		if (i >= 0)
			snprintf(path, sizeof(path), "%s/%s.json", a->o.dir, pts[i].name);
		if (!access(path, F_OK)) {
			cli__error(&cmd,
				   "-o %s holds a sweep already (%s); continue it with --resume, "
				   "or give another folder",
				   a->o.dir, path);
			return -1;
		}
	}
	return 0;
}

static void print_table(const struct sweep_run *s, FILE *out)
{
	char rate[32], se[32];

	fprintf(out, "%-40s %14s %14s %12s %7s  %s\n", "point", "goodput", "+- stderr", "packets/s",
		"failed", "status");
	for (int i = 0; i < s->n_points; i++) {
		const struct sweep_point_state *st = &s->st[i];

		if (st->state == SWEEP_TODO)
			continue;
		if (st->state != SWEEP_DONE) {
			fprintf(out, "%-40s %14s %14s %12s %7s  %s\n", s->points[i].name, "-", "-",
				"-", "-", st->status);
			continue;
		}
		if (s->o->e.repeat > 1)
			throughput__fmt_rate(st->se, se, sizeof(se));
		else
			snprintf(se, sizeof(se), "-");
		fprintf(out, "%-40s %14s %14s %12.0f %7d  %s\n", s->points[i].name,
			throughput__fmt_rate(st->bps, rate, sizeof(rate)), se, st->pps, st->failed,
			st->status);
	}
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_args a;
	struct sweep_point *pts = NULL;
	struct sweep_run s = {0};
	bool help = false, errors = false;
	int n, exit_code = 1;
	char el[32];

	if (parse(argc, argv, &a, &help))
		return 2;
	if (help)
		return 0;
	n = sweep__plan(&a.o.m, &pts);
	if (n < 0) {
		cli__error(&cmd, "out of memory planning the sweep");
		return 1;
	}
	if (a.dry_run) {
		for (int i = 0; i < n; i++)
			printf("%3d %s\n", i + 1, pts[i].name);
		free(pts);
		return 0;
	}
	if (geteuid() != 0) {
		cli__error(&cmd, "needs root: it builds network namespaces and loads BPF programs; "
				 "run it with sudo");
		free(pts);
		return 1;
	}
	if (check_dir(&a, pts, n)) {
		free(pts);
		return 1;
	}
	/* The largest topology's probes must fit --map-memory before anything is built. */
	for (int i = 0; i < n && !a.o.no_probes; i++) {
		struct topo_spec spec = {.kind = pts[i].topo_kind,
					 .mode = pts[i].mode,
					 .pairs = pts[i].pairs,
					 .mtu = pts[i].mtu,
					 .layout = sweep__layout(&a.o.m, pts[i].topo_kind)};
		char err[512];

		if (probe_args__check_plan(&a.probe, &spec, err, sizeof(err))) {
			cli__error(&cmd, "%s: %s", pts[i].name, err);
			free(pts);
			return 1;
		}
	}
	s.o = &a.o;
	s.points = pts;
	s.n_points = n;
	s.st = calloc(n ? n : 1, sizeof(*s.st));
	if (!s.st) {
		free(pts);
		return 1;
	}
	session__catch_signals();
	sweep__run(&s);
	for (int i = 0; i < n; i++)
		errors |= s.st[i].state == SWEEP_ERROR;
	if (sweep__write_csv(&s))
		cli__error(&cmd, "%s/summary.csv: cannot write it: %s", a.o.dir, strerror(errno));
	print_table(&s, stdout);
	if (session_stop) {
		int left = 0;

		for (int i = 0; i < n; i++)
			left += s.st[i].state == SWEEP_TODO;
		session__note(cmd.name,
			      "interrupted after %s: %d point%s measured, %d left; "
			      "continue with --resume -o %s",
			      sweep__fmt_dur(now_s() - s.start, el, sizeof(el)), s.n_done_here,
			      s.n_done_here == 1 ? "" : "s", left, a.o.dir);
		exit_code = 130;
	} else {
		session__note(cmd.name, "%d point%s measured in %s; results in %s", s.n_done_here,
			      s.n_done_here == 1 ? "" : "s",
			      sweep__fmt_dur(now_s() - s.start, el, sizeof(el)), a.o.dir);
		exit_code = errors ? 1 : 0;
	}
	for (int i = 0; i < n; i++)
		free(s.st[i].row);
	free(s.st);
	free(pts);
	return exit_code;
}
