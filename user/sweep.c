// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "user/sweep.h"
#include "user/clock.h"
#include "user/capture.h"
#include "user/raw_writer.h"
#include "user/session.h"
#include "user/sysinfo.h"
#include "analysis/table.h"
#include "analysis/throughput.h"

int sweep__parse_kinds(const char *arg, struct sweep_matrix *m, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *item;

	snprintf(buf, sizeof(buf), "%s", arg);
	m->n_kinds = 0;
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		int kind, mode = -1;

		if (colon)
			*colon++ = '\0';
		kind = topo_kind__parse(item);
		if (kind < 0) {
			snprintf(err, errlen,
				 "unknown kind '%s'; use %s, with :MODE for macvlan and ipvlan",
				 item, topo_kind__list());
			return -1;
		}
		if (colon) {
			mode = topo_mode__parse(kind, colon);
			if (mode < 0) {
				snprintf(err, errlen, "'%s' is not a mode of %s (%s)", colon, item,
					 kind == TOPO_MACVLAN
					     ? "bridge, vepa, private, passthru, source"
					 : kind == TOPO_IPVLAN ? "l2, l3, l3s"
							       : "it has no modes");
				return -1;
			}
		}
		if (m->n_kinds == SWEEP_MAX_KINDS) {
			snprintf(err, errlen, "more than %d kinds", SWEEP_MAX_KINDS);
			return -1;
		}
		m->kinds[m->n_kinds].kind = kind;
		m->kinds[m->n_kinds].mode = mode;
		m->n_kinds++;
	}
	if (!m->n_kinds) {
		snprintf(err, errlen, "the list of kinds is empty");
		return -1;
	}
	return 0;
}

enum topo_layout sweep__layout(const struct sweep_matrix *m, enum topo_kind kind)
{
	return kind == TOPO_VXLAN && !m->layout_given ? TOPO_SWITCHED : m->layout;
}

static int parse_ints(const char *s, int *out)
{
	int n = 0;

	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);

		out[n++] = (int)v;
		s = *end ? end + 1 : end;
	}
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The pair counts of a protocol: the ones given, or the paper's. */
static int pairs_of(const struct sweep_matrix *m, enum load_proto proto, int *out)
{
	if (m->n_pairs) {
		memcpy(out, m->pairs, m->n_pairs * sizeof(*out));
		return m->n_pairs;
	}
	return parse_ints(proto == LOAD_UDP ? SWEEP_UDP_PAIRS : SWEEP_TCP_PAIRS, out);
}

static bool has(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

int sweep__plan(const struct sweep_matrix *m, struct sweep_point **out)
{
	int all[2 * SWEEP_MAX_VALUES], n_all = 0, n = 0, cap;
	int per[2][SWEEP_MAX_VALUES], n_per[2];
	struct sweep_point *p;

	for (int i = 0; i < m->n_protos; i++) {
		n_per[i] = pairs_of(m, m->protos[i], per[i]);
		for (int j = 0; j < n_per[i]; j++)
			if (!has(all, n_all, per[i][j]))
				all[n_all++] = per[i][j];
	}
	qsort(all, n_all, sizeof(*all), cmp_int);
	cap = m->n_kinds * m->n_mtus * n_all * m->n_protos;
	p = calloc(cap ? cap : 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (int k = 0; k < m->n_kinds; k++)
		for (int u = 0; u < m->n_mtus; u++)
			for (int a = 0; a < n_all; a++)
				for (int i = 0; i < m->n_protos; i++) {
					struct sweep_point *pt = &p[n];
					enum topo_kind kind = m->kinds[k].kind;
					bool modes = kind == TOPO_MACVLAN || kind == TOPO_IPVLAN;

					if (!has(per[i], n_per[i], all[a]))
						continue;
					pt->kind = k;
					pt->topo_kind = kind;
					pt->mode = m->kinds[k].mode;
					pt->mtu = m->mtus[u];
					pt->pairs = all[a];
					pt->proto = m->protos[i];
					snprintf(pt->name, sizeof(pt->name),
						 "%s%s%s%s-%s-mtu%d-p%d", topo_kind__name(kind),
						 modes ? "-" : "",
						 modes ? topo_mode__name(kind, pt->mode) : "",
						 sweep__layout(m, kind) == TOPO_SWITCHED &&
							 kind != TOPO_VXLAN
						     ? "-switched"
						     : "",
						 pt->proto == LOAD_UDP ? "udp" : "tcp", pt->mtu,
						 pt->pairs);
					n++;
				}
	*out = p;
	return n;
}

bool sweep__matches(const struct result *r, const struct result_config *want, char *why, size_t len)
{
	const struct result_config *c = &r->config;

	/* A stopped run's file holds its stopped repetition too: it is not a finished point. */
	if (r->stop.interrupted) {
		snprintf(why, len, "it was interrupted after %.1f s of load", r->stop.load_seconds);
		return false;
	}
	if (!r->throughput.present || r->throughput.n_repeats < want->repeat) {
		snprintf(why, len, "it holds %d of %d repetitions", r->throughput.n_repeats,
			 want->repeat);
		return false;
	}
#define DIFF_STR(f)                                                                                \
	if (strcmp(c->f, want->f)) {                                                               \
		snprintf(why, len, "it was measured with " #f " %s, not %s", c->f, want->f);       \
		return false;                                                                      \
	}
#define DIFF_NUM(f)                                                                                \
	if (c->f != want->f) {                                                                     \
		snprintf(why, len, "it was measured with " #f " %g, not %g", (double)c->f,         \
			 (double)want->f);                                                         \
		return false;                                                                      \
	}
	DIFF_STR(kind)
	DIFF_STR(mode)
	DIFF_STR(layout)
	DIFF_STR(proto)
	DIFF_NUM(mtu)
	DIFF_NUM(pairs)
	DIFF_NUM(repeat)
	DIFF_NUM(duration)
	DIFF_NUM(streams)
	DIFF_NUM(streams_total)
	DIFF_NUM(reverse)
	DIFF_NUM(bitrate)
	DIFF_NUM(blksize)
	DIFF_NUM(no_probes)
	if ((c->sample > 1 ? c->sample : 1) != (want->sample > 1 ? want->sample : 1)) {
		snprintf(why, len, "its probes followed 1 packet in %d, not 1 in %d",
			 c->sample > 1 ? c->sample : 1, want->sample > 1 ? want->sample : 1);
		return false;
	}
#undef DIFF_STR
#undef DIFF_NUM
	return true;
}

/* ---- progress ---- */

const char *sweep__fmt_dur(double s, char *buf, size_t len)
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
		if (s->st[i].state == SWEEP_TODO)
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
			  duration, sweep__fmt_dur(now_s() - s->start, el, sizeof(el)),
			  sweep__fmt_dur(remaining(s), left, sizeof(left)));
}

/* On a terminal, the line is rewritten every second; elsewhere there is one per point. */
static void progress(void *ctx, int rep, int repeat, int elapsed, int duration)
{
	if (isatty(STDERR_FILENO))
		show(ctx, rep, repeat, elapsed, duration);
}

/* ---- result files and summary.csv ---- */

static void point_config(const struct sweep_opts *a, const struct sweep_point *p, struct result *r)
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
	r->config.sample = a->probes.sample_every;
	r->config.no_probes = a->no_probes;
}

/* Render a CSV row into a string; the figures for the closing table too. */
static void set_row(struct sweep_point_state *st, const struct result_config *c,
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

int sweep__write_csv(const struct sweep_run *s)
{
	char path[4096], tmp[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/summary.csv", s->o->dir);
	snprintf(tmp, sizeof(tmp), "%s/.summary.csv.tmp", s->o->dir);
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

static int write_point(const struct sweep_opts *a, const struct sweep_point *p,
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

		if (s->st[i].state != SWEEP_TODO)
			continue;
		s->st[i].state = state;
		point_config(s->o, &s->points[i], &r);
		set_row(&s->st[i], &r.config, NULL, state == SWEEP_SKIPPED ? "skipped" : "error",
			NULL, note);
	}
}

/* Measure point i on topology t; 0, -EINTR, or -errno (its row says why). */
static int measure(struct sweep_run *s, int i, const struct topo *t, struct probes *l,
		   const struct probe_report *pr)
{
	const struct sweep_opts *a = s->o;
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
			s->st[i].state = SWEEP_ERROR;
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
		s->st[i].state = SWEEP_ERROR;
		session__note(a->e.cmd, "%s: %s", p->name, err);
		result__free(&r);
		return rc;
	}
	table__sort_stages(&r);
	rc = write_point(a, p, &r, err, sizeof(err));
	if (rc) {
		set_row(&s->st[i], &r.config, NULL, "error", NULL, err);
		s->st[i].state = SWEEP_ERROR;
		session__note(a->e.cmd, "%s", err);
		result__free(&r);
		return rc;
	}
	snprintf(file, sizeof(file), "%s.json", p->name);
	failure_note(&r.throughput, note, sizeof(note));
	set_row(&s->st[i], &r.config, &r.throughput, NULL, file, note);
	s->st[i].state = SWEEP_DONE;
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
	const struct sweep_opts *a = s->o;
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
		session__note(a->e.cmd, "%s: %s", p->name, terr.msg);
		mark_group(s, from, to, SWEEP_ERROR, terr.msg);
		return session_stop ? -EINTR : rc;
	}
	if (!a->no_probes) {
		lo = a->probes;
		lo.topo = t;
		rc = capture__start(&l, NULL, &lo, NULL, err, sizeof(err));
		if (rc) {
			session__note(a->e.cmd, "%s: %s", p->name, err);
			mark_group(s, from, to, SWEEP_ERROR, err);
			goto out;
		}
		pr = l->features;
	} else {
		probes__probe(&pr);
	}
	for (int i = from; i < to && !session_stop; i++) {
		if (s->st[i].state != SWEEP_TODO)
			continue;
		rc = measure(s, i, t, l, &pr);
		if (rc == -EINTR)
			break;
		sweep__write_csv(s);
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
	const struct sweep_opts *a = s->o;
	int kept = 0;

	for (int i = 0; i < s->n_points; i++) {
		struct result want = {0}, r;
		char path[4096], err[512], why[160], file[128];

		if (s->st[i].state != SWEEP_TODO)
			continue;
		snprintf(path, sizeof(path), "%s/%s.json", s->o->dir, s->points[i].name);
		if (access(path, F_OK))
			continue;
		if (result__read(path, &r, err, sizeof(err))) {
			session__note(a->e.cmd, "measuring %s again: %s", s->points[i].name, err);
			continue;
		}
		point_config(s->o, &s->points[i], &want);
		if (!sweep__matches(&r, &want.config, why, sizeof(why))) {
			session__note(a->e.cmd, "measuring %s again: %s", s->points[i].name, why);
			result__free(&r);
			continue;
		}
		snprintf(file, sizeof(file), "%s.json", s->points[i].name);
		{
			char note[256];

			failure_note(&r.throughput, note, sizeof(note));
			set_row(&s->st[i], &r.config, &r.throughput, NULL, file, note);
		}
		s->st[i].state = SWEEP_DONE;
		kept++;
		result__free(&r);
	}
	if (kept)
		session__note(a->e.cmd, "resuming: %d point%s of %s kept", kept,
			      kept == 1 ? "" : "s", s->o->dir);
}

void sweep__run(struct sweep_run *s)
{
	const struct sweep_opts *a = s->o;
	const struct sweep_point *pts = s->points;
	int n = s->n_points, rc;

	s->start = now_s();
	/* Kinds this kernel lacks: skipped, saying why. */
	for (int k = 0; k < a->m.n_kinds; k++) {
		struct topo_err terr = {{0}};

		if (!topo__probe_kind(a->m.kinds[k].kind, a->m.kinds[k].mode, &terr))
			continue;
		session__note(a->e.cmd, "skipping %s: %s", topo_kind__name(a->m.kinds[k].kind),
			      terr.msg);
		for (int i = 0; i < n; i++)
			if (pts[i].kind == k)
				mark_group(s, i, i + 1, SWEEP_SKIPPED, terr.msg);
	}
	if (a->resume)
		resume(s);
	for (int i = 0; i < n; i++) {
		s->st[i].weight = a->e.repeat * (a->e.load.duration_s + 1.0) + 2.0;
		if (s->st[i].state == SWEEP_TODO)
			s->st[i].index = ++s->n_todo;
	}
	sweep__write_csv(s);
	for (int i = 0; i < n && !session_stop;) {
		int j = i + 1;
		bool todo = s->st[i].state == SWEEP_TODO;

		while (j < n && same_topology(&pts[i], &pts[j])) {
			todo |= s->st[j].state == SWEEP_TODO;
			j++;
		}
		if (todo) {
			rc = run_group(s, i, j);
			sweep__write_csv(s);
			if (rc == -EINTR)
				break;
		}
		i = j;
	}
	session__progress_done();
}
