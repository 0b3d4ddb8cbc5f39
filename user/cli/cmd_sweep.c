// SPDX-License-Identifier: GPL-2.0
/*
 * netstage sweep: the matrix of the NOMS 2016 paper (or any part of it):
 * kinds x MTUs x pair counts x protocols, each point a `run` with its
 * repetitions, one result file per point and a summary CSV, resumable.
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
#include "user/collect.h"
#include "user/cli/experiment_args.h"
#include "user/probes.h"
#include "user/cli/probe_args.h"
#include "user/raw_writer.h"
#include "user/session.h"
#include "user/sweep.h"
#include "user/sysinfo.h"
#include "analysis/table.h"
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
	struct sweep_matrix m;
	struct experiment e;
	struct probe_args probe;
	bool no_probes, raw, resume, dry_run;
	const char *dir;
};

/* What the sweep knows of each point. */
enum { P_TODO, P_DONE, P_SKIPPED, P_ERROR };

struct point_state {
	int state;
	int index;     /* 1-based among the points to measure; 0 for skipped ones */
	double weight; /* expected seconds, for the estimate */
	char *row;     /* its line of summary.csv */
	double bps, se, pps;
	int failed;
	char status[12];
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
	experiment__defaults(&a->e);
	a->e.cmd = cmd.name;
	sweep__parse_kinds(SWEEP_KINDS, &a->m, err, sizeof(err));
	a->m.n_protos = 2;
	a->m.protos[0] = LOAD_TCP;
	a->m.protos[1] = LOAD_UDP;
	a->m.n_mtus = 2;
	a->m.mtus[0] = 1500;
	a->m.mtus[1] = 9000;
	a->m.layout = TOPO_LOCAL;
	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		int handled = experiment_args__handle(&p, id, &a->e, &a->no_probes);

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
			if (sweep__parse_kinds(p.arg, &a->m, err, sizeof(err))) {
				cli__error(&cmd, "--kinds: %s", err);
				return -1;
			}
			break;
		case OPT_PAIRS:
			n = parse_list(&p, 1, TOPO_MAX_PAIRS, a->m.pairs);
			if (n < 0)
				return -1;
			a->m.n_pairs = n;
			break;
		case OPT_PROTO:
			a->m.n_protos = 0;
			for (const char *s = p.arg; *s;) {
				size_t len = strcspn(s, ",");

				if (a->m.n_protos == 2 ||
				    (strncmp(s, "tcp", len) && strncmp(s, "udp", len)) ||
				    len != 3) {
					cli__error(&cmd, "--proto: '%s' is not tcp, udp or tcp,udp",
						   p.arg);
					return -1;
				}
				a->m.protos[a->m.n_protos++] = s[0] == 'u' ? LOAD_UDP : LOAD_TCP;
				s += len + (s[len] == ',');
			}
			if (!a->m.n_protos) {
				cli__error(&cmd, "--proto: the list is empty");
				return -1;
			}
			break;
		case OPT_MTU:
			n = parse_list(&p, TOPO_MIN_MTU, TOPO_MAX_MTU, a->m.mtus);
			if (n < 0)
				return -1;
			a->m.n_mtus = n;
			break;
		case OPT_LAYOUT:
			a->m.layout = topo_layout__parse(p.arg);
			a->m.layout_given = true;
			if ((int)a->m.layout < 0) {
				cli__error(&cmd, "--layout: '%s' is neither local nor switched",
					   p.arg);
				return -1;
			}
			break;
		case OPT_RAW:
			a->raw = true;
			break;
		case OPT_OUTPUT:
			a->dir = p.arg;
			break;
		case OPT_RESUME:
			a->resume = true;
			break;
		case OPT_DRY_RUN:
			a->dry_run = true;
			break;
		}
	}
	if (id < 0)
		return -1;
	*help = p.help;
	if (p.help)
		return 0;
	if (p.rest < argc) {
		cli__error(&cmd, "unexpected argument '%s'", argv[p.rest]);
		return -1;
	}
	for (int k = 0; k < a->m.n_kinds; k++)
		if (a->m.kinds[k].kind == TOPO_VXLAN &&
		    sweep__layout(&a->m, TOPO_VXLAN) != TOPO_SWITCHED) {
			cli__error(&cmd,
				   "--layout local: vxlan joins the two nodes of the switched "
				   "layout; drop --layout local or vxlan from --kinds");
			return -1;
		}
	if (!a->dir && !a->dry_run) {
		cli__error(&cmd, "-o DIR is required: the folder for the result files and "
				 "summary.csv");
		return -1;
	}
	if (a->no_probes && (a->raw || a->probe.sample)) {
		cli__error(&cmd, "--no-probes leaves nothing to sample or to record raw events of; "
				 "drop --sample/--raw or --no-probes");
		return -1;
	}
	for (int i = 0; i < a->m.n_pairs; i++)
		if (experiment_args__check_pairs(&cmd, &a->e, a->m.pairs[i]))
			return -1;
	if (!a->m.n_pairs && a->e.streams_total &&
	    (experiment_args__check_pairs(&cmd, &a->e, 1) ||
	     experiment_args__check_pairs(&cmd, &a->e, 128)))
		return -1;
	return 0;
}

/* ---- progress ---- */

struct sweep_run {
	const struct sweep_args *a;
	const struct sweep_point *points;
	struct point_state *st;
	int n_points, n_todo, n_done_here; /* points to measure; measured by this process */
	int current;			   /* index into points */
	double start, point_start, done_time, done_weight;
};

static const char *fmt_dur(double s, char *buf, size_t len)
{
	long t = s < 0 ? 0 : s > 3600000 ? 3600000 : (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%lds", t);
	return buf;
}

/* Seconds left: the points not measured yet, at the pace of those measured so far. */
static double remaining(const struct sweep_run *s)
{
	double left = 0, pace = s->done_weight > 0 ? s->done_time / s->done_weight : 1.0;

	for (int i = s->current; i < s->n_points; i++)
		if (s->st[i].state == P_TODO)
			left += s->st[i].weight;
	left = left * pace - (now_s() - s->point_start);
	return left > 0 ? left : 0;
}

static void show(const struct sweep_run *s, int rep, int repeat, int elapsed, int duration)
{
	const struct sweep_point *p = &s->points[s->current];
	char el[32], left[32];

	session__progress("sweep: point %d/%d %s: repeat %d/%d, %d/%d s | %s elapsed, about %s "
			  "left",
			  s->st[s->current].index, s->n_todo, p->name, rep, repeat, elapsed,
			  duration, fmt_dur(now_s() - s->start, el, sizeof(el)),
			  fmt_dur(remaining(s), left, sizeof(left)));
}

/* On a terminal, the line is rewritten every second; elsewhere there is one per point. */
static void progress(void *ctx, int rep, int repeat, int elapsed, int duration)
{
	if (isatty(STDERR_FILENO))
		show(ctx, rep, repeat, elapsed, duration);
}

/* ---- result files and summary.csv ---- */

static void point_config(const struct sweep_args *a, const struct sweep_point *p, struct result *r)
{
	struct experiment e = a->e;
	struct topo_spec spec = {.kind = p->topo_kind,
				 .mode = p->mode,
				 .pairs = p->pairs,
				 .mtu = p->mtu,
				 .layout = sweep__layout(&a->m, p->topo_kind)};

	e.load.proto = p->proto;
	memset(&r->config, 0, sizeof(r->config));
	snprintf(r->config.command, sizeof(r->config.command), "run");
	experiment__config(&e, &spec, r);
	r->config.sample = a->probe.sample;
	r->config.no_probes = a->no_probes;
}

/* Render a CSV row into a string; the figures for the closing table too. */
static void set_row(struct point_state *st, const struct result_config *c,
		    const struct throughput *t, const char *status, const char *file,
		    const char *note)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	throughput__csv_row(f, c, t, status, file, note);
	fclose(f);
	free(st->row);
	st->row = buf;
	snprintf(st->status, sizeof(st->status), "%s", status ? status : throughput__status(t));
	if (t) {
		struct summary pps = throughput__summary(t, "packets_per_second");

		st->bps = t->bits_per_second;
		st->se = t->stderr_bps;
		st->pps = pps.mean;
		st->failed = throughput__failed(t);
	}
}

/* The first failure of a point, and how many more, for the CSV's note. */
static void failure_note(const struct throughput *t, char *note, size_t len)
{
	int failed = throughput__failed(t);

	note[0] = '\0';
	for (int i = 0; i < t->n_repeats; i++)
		for (int p = 0; p < t->repeats[i].n_pairs; p++)
			if (!t->repeats[i].pairs[p].ok) {
				snprintf(note, len, "repeat %d pair %d: %.160s%s", i + 1, p,
					 t->repeats[i].pairs[p].error,
					 failed > 1 ? " (and more: see the file)" : "");
				return;
			}
}

static int write_csv(const struct sweep_run *s)
{
	char path[4096], tmp[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/summary.csv", s->a->dir);
	snprintf(tmp, sizeof(tmp), "%s/.summary.csv.tmp", s->a->dir);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	throughput__csv_header(f);
	for (int i = 0; i < s->n_points; i++)
		if (s->st[i].row)
			fputs(s->st[i].row, f);
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

static int write_point(const struct sweep_args *a, const struct sweep_point *p,
		       const struct result *r, char *err, size_t errlen)
{
	char path[4096], tmp[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.json", a->dir, p->name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.json.tmp", a->dir, p->name);
	/* Complete or absent: a file that exists is a finished point. */
	rc = result__write(r, tmp, err, errlen);
	if (!rc && rename(tmp, path)) {
		rc = -errno;
		snprintf(err, errlen, "%.300s: %s", path, strerror(errno));
	}
	if (rc)
		unlink(tmp);
	return rc;
}

/* ---- the sweep ---- */

static bool same_topology(const struct sweep_point *x, const struct sweep_point *y)
{
	return x->kind == y->kind && x->mtu == y->mtu && x->pairs == y->pairs;
}

static void mark_group(struct sweep_run *s, int from, int to, int state, const char *note)
{
	for (int i = from; i < to; i++) {
		struct result r = {0};

		if (s->st[i].state != P_TODO)
			continue;
		s->st[i].state = state;
		point_config(s->a, &s->points[i], &r);
		set_row(&s->st[i], &r.config, NULL, state == P_SKIPPED ? "skipped" : "error", NULL,
			note);
	}
}

/* Measure point i on topology t; 0, -EINTR, or -errno (its row says why). */
static int measure(struct sweep_run *s, int i, const struct topo *t, struct probes *l,
		   const struct probe_report *pr)
{
	const struct sweep_args *a = s->a;
	const struct sweep_point *p = &s->points[i];
	struct experiment e = a->e;
	struct raw_writer *raw = NULL;
	struct result r = {0};
	char err[512], note[256], file[128], path[4096];
	int rc;

	s->current = i;
	e.load.proto = p->proto;
	e.progress = progress;
	e.ctx = s;
	point_config(a, p, &r);
	snprintf(r.config.run_id, sizeof(r.config.run_id), "%s", t->run_id);
	sysinfo__fill(&r, pr);
	if (l && a->raw) {
		snprintf(path, sizeof(path), "%s/%s.events.gz", a->dir, p->name);
		rc = raw_writer__start(&raw, l, path, err, sizeof(err));
		if (rc) {
			set_row(&s->st[i], &r.config, NULL, "error", NULL, err);
			s->st[i].state = P_ERROR;
			result__free(&r);
			return rc;
		}
	}
	show(s, 1, e.repeat, 0, e.load.duration_s);
	rc = experiment__run(&e, t, l, &r);
	raw_writer__stop(raw, NULL);
	if (rc == -EINTR) {
		result__free(&r);
		return rc;
	}
	if (rc) {
		snprintf(err, sizeof(err), "driving iperf3 failed: %s", strerror(-rc));
		set_row(&s->st[i], &r.config, NULL, "error", NULL, err);
		s->st[i].state = P_ERROR;
		session__note(cmd.name, "%s: %s", p->name, err);
		result__free(&r);
		return rc;
	}
	table__sort_stages(&r);
	rc = write_point(a, p, &r, err, sizeof(err));
	if (rc) {
		set_row(&s->st[i], &r.config, NULL, "error", NULL, err);
		s->st[i].state = P_ERROR;
		session__note(cmd.name, "%s", err);
		result__free(&r);
		return rc;
	}
	snprintf(file, sizeof(file), "%s.json", p->name);
	failure_note(&r.throughput, note, sizeof(note));
	set_row(&s->st[i], &r.config, &r.throughput, NULL, file, note);
	s->st[i].state = P_DONE;
	s->n_done_here++;
	/* The point's time includes building its topology, when it was the first on it. */
	s->done_time += now_s() - s->point_start;
	s->done_weight += s->st[i].weight;
	s->point_start = now_s();
	result__free(&r);
	return 0;
}

/* Build the topology of points [from, to), attach the probes, measure each. */
static int run_group(struct sweep_run *s, int from, int to)
{
	const struct sweep_args *a = s->a;
	const struct sweep_point *p = &s->points[from];
	struct topo_spec spec = {.kind = p->topo_kind,
				 .mode = p->mode,
				 .pairs = p->pairs,
				 .mtu = p->mtu,
				 .layout = sweep__layout(&a->m, p->topo_kind)};
	struct topo_err terr = {{0}};
	struct probes_opts lo = {0};
	struct probe_report pr;
	struct probes *l = NULL;
	struct topo *t = NULL;
	char err[512];
	int rc;

	s->current = from;
	s->point_start = now_s();
	rc = topo__up(&spec, &t, &terr);
	if (rc) {
		session__note(cmd.name, "%s: %s", p->name, terr.msg);
		mark_group(s, from, to, P_ERROR, terr.msg);
		return session_stop ? -EINTR : rc;
	}
	if (!a->no_probes) {
		struct probe_args po = a->probe;

		po.raw = a->raw ? "per point" : NULL;
		lo.topo = t;
		probe_args__apply(&po, &lo);
		rc = probes__start(&l, &lo, err, sizeof(err));
		if (!rc)
			rc = collect__begin(l);
		if (rc) {
			session__note(cmd.name, "%s: %s", p->name, err);
			mark_group(s, from, to, P_ERROR, err);
			goto out;
		}
		pr = l->features;
	} else {
		probes__probe(&pr);
	}
	for (int i = from; i < to && !session_stop; i++) {
		if (s->st[i].state != P_TODO)
			continue;
		rc = measure(s, i, t, l, &pr);
		if (rc == -EINTR)
			break;
		write_csv(s);
	}
	rc = session_stop ? -EINTR : 0;
out:
	probes__destroy(l);
	topo__down(t);
	return rc;
}

/* With --resume: the points DIR holds already. */
static void resume(struct sweep_run *s)
{
	int kept = 0;

	for (int i = 0; i < s->n_points; i++) {
		struct result want = {0}, r;
		char path[4096], err[512], why[160], file[128];

		if (s->st[i].state != P_TODO)
			continue;
		snprintf(path, sizeof(path), "%s/%s.json", s->a->dir, s->points[i].name);
		if (access(path, F_OK))
			continue;
		if (result__read(path, &r, err, sizeof(err))) {
			session__note(cmd.name, "measuring %s again: %s", s->points[i].name, err);
			continue;
		}
		point_config(s->a, &s->points[i], &want);
		if (!sweep__matches(&r, &want.config, why, sizeof(why))) {
			session__note(cmd.name, "measuring %s again: %s", s->points[i].name, why);
			result__free(&r);
			continue;
		}
		snprintf(file, sizeof(file), "%s.json", s->points[i].name);
		{
			char note[256];

			failure_note(&r.throughput, note, sizeof(note));
			set_row(&s->st[i], &r.config, &r.throughput, NULL, file, note);
		}
		s->st[i].state = P_DONE;
		kept++;
		result__free(&r);
	}
	if (kept)
		session__note(cmd.name, "resuming: %d point%s of %s kept", kept,
			      kept == 1 ? "" : "s", s->a->dir);
}

/* Refuse to mix a new sweep into a folder that holds one. */
static int check_dir(const struct sweep_args *a, const struct sweep_point *pts, int n)
{
	char path[4096];

	if (mkdir(a->dir, 0755) && errno != EEXIST) {
		cli__error(&cmd, "-o %s: cannot make the folder: %s", a->dir, strerror(errno));
		return -1;
	}
	if (a->resume)
		return 0;
	snprintf(path, sizeof(path), "%s/summary.csv", a->dir);
	for (int i = -1; i < n; i++) {
		if (i >= 0)
			snprintf(path, sizeof(path), "%s/%s.json", a->dir, pts[i].name);
		if (!access(path, F_OK)) {
			cli__error(&cmd,
				   "-o %s holds a sweep already (%s); continue it with --resume, "
				   "or give another folder",
				   a->dir, path);
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
		const struct point_state *st = &s->st[i];

		if (st->state == P_TODO)
			continue;
		if (st->state != P_DONE) {
			fprintf(out, "%-40s %14s %14s %12s %7s  %s\n", s->points[i].name, "-", "-",
				"-", "-", st->status);
			continue;
		}
		if (s->a->e.repeat > 1)
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
	int n, rc = 0, exit_code = 1;
	char el[32];

	if (parse(argc, argv, &a, &help))
		return 2;
	if (help)
		return 0;
	n = sweep__plan(&a.m, &pts);
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
	for (int i = 0; i < n && !a.no_probes; i++) {
		struct topo_spec spec = {.kind = pts[i].topo_kind,
					 .mode = pts[i].mode,
					 .pairs = pts[i].pairs,
					 .mtu = pts[i].mtu,
					 .layout = sweep__layout(&a.m, pts[i].topo_kind)};
		char err[512];

		if (probe_args__check_memory(&a.probe, &spec, err, sizeof(err))) {
			cli__error(&cmd, "%s: %s", pts[i].name, err);
			free(pts);
			return 1;
		}
	}
	s.a = &a;
	s.points = pts;
	s.n_points = n;
	s.st = calloc(n ? n : 1, sizeof(*s.st));
	if (!s.st) {
		free(pts);
		return 1;
	}
	session__catch_signals();
	s.start = now_s();
	/* Kinds this kernel lacks: skipped, saying why. */
	for (int k = 0; k < a.m.n_kinds; k++) {
		struct topo_err terr = {{0}};

		if (!topo__probe_kind(a.m.kinds[k].kind, a.m.kinds[k].mode, &terr))
			continue;
		session__note(cmd.name, "skipping %s: %s", topo_kind__name(a.m.kinds[k].kind),
			      terr.msg);
		for (int i = 0; i < n; i++)
			if (pts[i].kind == k)
				mark_group(&s, i, i + 1, P_SKIPPED, terr.msg);
	}
	if (a.resume)
		resume(&s);
	for (int i = 0; i < n; i++) {
		s.st[i].weight = a.e.repeat * (a.e.load.duration_s + 1.0) + 2.0;
		if (s.st[i].state == P_TODO)
			s.st[i].index = ++s.n_todo;
	}
	write_csv(&s);
	for (int i = 0; i < n && !session_stop;) {
		int j = i + 1;
		bool todo = s.st[i].state == P_TODO;

		while (j < n && same_topology(&pts[i], &pts[j])) {
			todo |= s.st[j].state == P_TODO;
			j++;
		}
		if (todo) {
			rc = run_group(&s, i, j);
			write_csv(&s);
			if (rc == -EINTR)
				break;
		}
		i = j;
	}
	session__progress_done();
	for (int i = 0; i < n; i++)
		errors |= s.st[i].state == P_ERROR;
	if (write_csv(&s))
		cli__error(&cmd, "%s/summary.csv: cannot write it: %s", a.dir, strerror(errno));
	print_table(&s, stdout);
	if (session_stop) {
		int left = 0;

		for (int i = 0; i < n; i++)
			left += s.st[i].state == P_TODO;
		session__note(cmd.name,
			      "interrupted after %s: %d point%s measured, %d left; "
			      "continue with --resume -o %s",
			      fmt_dur(now_s() - s.start, el, sizeof(el)), s.n_done_here,
			      s.n_done_here == 1 ? "" : "s", left, a.dir);
		exit_code = 130;
	} else {
		session__note(cmd.name, "%d point%s measured in %s; results in %s", s.n_done_here,
			      s.n_done_here == 1 ? "" : "s",
			      fmt_dur(now_s() - s.start, el, sizeof(el)), a.dir);
		exit_code = errors ? 1 : 0;
	}
	for (int i = 0; i < n; i++)
		free(s.st[i].row);
	free(s.st);
	free(pts);
	return exit_code;
}
