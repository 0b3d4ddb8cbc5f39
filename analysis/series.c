// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/series.h"
#include "analysis/stats.h"

static int kind_rank(const char *kind)
{
	static const char *const order[] = {
	    "host", "container", "veth", "veth-bridge", "macvlan", "ipvlan", "nat", "vxlan", "ovs"};

	for (int i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
		if (!strncmp(kind, order[i], strlen(order[i])) &&
		    (kind[strlen(order[i])] == '\0' || kind[strlen(order[i])] == ' '))
			return i;
	return sizeof(order) / sizeof(order[0]);
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int d = kind_rank(x->kind) - kind_rank(y->kind);

	return d ? d : strcmp(x->kind, y->kind);
}

static int cmp_point(const void *a, const void *b)
{
	return ((const struct series_point *)a)->pairs - ((const struct series_point *)b)->pairs;
}

static int cmp_panel(const void *a, const void *b)
{
	const struct series_panel *x = a, *y = b;
	int d = strcmp(x->layout, y->layout);

	if (d)
		return d;
	d = strcmp(x->proto, y->proto);
	return d ? d : x->mtu - y->mtu;
}

const char *series__panel_title(const struct series_panel *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s, MTU %d, %s", p->proto, p->mtu, p->layout);
	return buf;
}

/* Every repeat of every result of one point. */
struct acc {
	double *bps;
	int n, cap;
	double pps, sent, lost;
	int n_results;
};

/* The series a result belongs to: its kind, and its mode unless that is the kind's default. */
static void series_kind(const struct result_config *c, char *kind, size_t len)
{
	bool mode = c->mode[0] && strcmp(c->mode, "bridge") && strcmp(c->mode, "l3");

	snprintf(kind, len, "%s%s%s", c->kind, mode ? " " : "", mode ? c->mode : "");
}

/* The panel of a result's protocol, MTU and layout, added if new: its index, or -EINVAL. */
static int find_panel(struct series_set *out, const struct result_config *c, char *err,
		      size_t errlen)
{
	struct series_panel *p;
	int pi;

	for (pi = 0; pi < out->n; pi++)
		if (!strcmp(out->panels[pi].proto, c->proto) && out->panels[pi].mtu == c->mtu &&
		    !strcmp(out->panels[pi].layout, c->layout))
			return pi;
	if (out->n == SERIES_MAX_PANELS) {
		snprintf(err, errlen, "sweep: more than %d protocol/MTU/layout panels",
			 SERIES_MAX_PANELS);
		return -EINVAL;
	}
	p = &out->panels[out->n++];
	snprintf(p->proto, sizeof(p->proto), "%s", c->proto);
	snprintf(p->layout, sizeof(p->layout), "%s", c->layout);
	p->mtu = c->mtu;
	return pi;
}

/* The series of a kind in a panel, added if new: its index, or -EINVAL. */
static int find_series(struct series_panel *p, const char *kind, char *err, size_t errlen)
{
	int si;

	for (si = 0; si < p->n; si++)
		if (!strcmp(p->series[si].kind, kind))
			return si;
	if (p->n == SERIES_MAX_SERIES) {
		snprintf(err, errlen, "sweep: more than %d kinds in one panel", SERIES_MAX_SERIES);
		return -EINVAL;
	}
	snprintf(p->series[p->n++].kind, sizeof(p->series[0].kind), "%s", kind);
	return si;
}

/* The point of a pair count in a series, added if new: its index, or -EINVAL. */
static int find_point(struct series *s, int pairs, char *err, size_t errlen)
{
	int ti;

	for (ti = 0; ti < s->n; ti++)
		if (s->pts[ti].pairs == pairs)
			return ti;
	if (s->n == SERIES_MAX_POINTS) {
		snprintf(err, errlen, "sweep: more than %d pair counts in one series",
			 SERIES_MAX_POINTS);
		return -EINVAL;
	}
	s->pts[s->n++].pairs = pairs;
	return ti;
}

/* A result's throughput samples (each repeat's, or its one figure) into its point's. */
static int add_samples(struct acc *a, const struct result *r, char *err, size_t errlen)
{
	a->n_results++;
	a->pps += r->throughput.packets_per_second;
	for (int k = 0; k < r->throughput.n_repeats || (k == 0 && !r->throughput.n_repeats); k++) {
		double v = r->throughput.n_repeats ? r->throughput.repeats[k].bits_per_second
						   : r->throughput.bits_per_second;

		if (a->n == a->cap) {
			double *bigger =
			    realloc(a->bps, (a->cap ? a->cap * 2 : 8) * sizeof(double));

			if (!bigger) {
				snprintf(err, errlen, "sweep: out of memory");
				return -ENOMEM;
			}
			a->bps = bigger;
			a->cap = a->cap ? a->cap * 2 : 8;
		}
		a->bps[a->n++] = v;
		if (r->throughput.n_repeats) {
			a->sent += r->throughput.repeats[k].sent_packets;
			a->lost += r->throughput.repeats[k].lost_packets;
		}
	}
	return 0;
}

/* Each point's figures from its samples; points by pairs, series by kind, panels in order. */
static void finish_points(struct series_set *out,
			  struct acc acc[SERIES_MAX_PANELS][SERIES_MAX_SERIES][SERIES_MAX_POINTS])
{
	for (int pi = 0; pi < out->n; pi++) {
		struct series_panel *p = &out->panels[pi];

		for (int si = 0; si < p->n; si++) {
			struct series *s = &p->series[si];

			for (int ti = 0; ti < s->n; ti++) {
				struct acc *a = &acc[pi][si][ti];
				struct summary sm = stats__summarize(a->bps, a->n);

				s->pts[ti].n = a->n;
				s->pts[ti].bps = sm.mean;
				s->pts[ti].bps_se = sm.stderr_mean;
				s->pts[ti].pps = a->n_results ? a->pps / a->n_results : 0;
				s->pts[ti].lost = a->sent > 0 ? a->lost / a->sent : 0;
			}
			qsort(s->pts, s->n, sizeof(s->pts[0]), cmp_point);
		}
		/* acc is indexed by the series' order of appearance: sort only after reading it. */
	}
	for (int pi = 0; pi < out->n; pi++)
		qsort(out->panels[pi].series, out->panels[pi].n, sizeof(struct series), cmp_series);
	qsort(out->panels, out->n, sizeof(out->panels[0]), cmp_panel);
}

int series__build(const struct result *runs, int n, struct series_set *out, char *err,
		  size_t errlen)
{
	struct acc acc[SERIES_MAX_PANELS][SERIES_MAX_SERIES][SERIES_MAX_POINTS];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(acc, 0, sizeof(acc));
	for (int i = 0; i < n; i++) {
		const struct result *r = &runs[i];
		const struct result_config *c = &r->config;
		char kind[40];
		int pi, si, ti;

		if (!r->throughput.present || strcmp(c->command, "run"))
			continue;
		out->n_results++;
		series_kind(c, kind, sizeof(kind));
		pi = find_panel(out, c, err, errlen);
		si = pi < 0 ? pi : find_series(&out->panels[pi], kind, err, errlen);
		ti = si < 0 ? si : find_point(&out->panels[pi].series[si], c->pairs, err, errlen);
		rc = ti < 0 ? ti : add_samples(&acc[pi][si][ti], r, err, errlen);
		if (rc)
			goto out;
	}
	if (out->n_results == 0) {
		snprintf(err, errlen, "sweep: none of the %d files is a result of netstage run", n);
		rc = -EINVAL;
		goto out;
	}
	finish_points(out, acc);
out:
	for (int pi = 0; pi < SERIES_MAX_PANELS; pi++)
		for (int si = 0; si < SERIES_MAX_SERIES; si++)
			for (int ti = 0; ti < SERIES_MAX_POINTS; ti++)
				free(acc[pi][si][ti].bps);
	return rc;
}

void series__free(struct series_set *set)
{
	memset(set, 0, sizeof(*set));
}

json_object *series__to_json(const struct series_set *set)
{
	json_object *o = json_object_new_object(), *panels = json_object_new_array();

	json_object_object_add(o, "results", json_object_new_int(set->n_results));
	for (int pi = 0; pi < set->n; pi++) {
		const struct series_panel *p = &set->panels[pi];
		json_object *pj = json_object_new_object(), *sa = json_object_new_array();

		json_object_object_add(pj, "proto", json_object_new_string(p->proto));
		json_object_object_add(pj, "mtu", json_object_new_int(p->mtu));
		json_object_object_add(pj, "layout", json_object_new_string(p->layout));
		for (int si = 0; si < p->n; si++) {
			const struct series *s = &p->series[si];
			json_object *sj = json_object_new_object(), *pts = json_object_new_array();

			json_object_object_add(sj, "kind", json_object_new_string(s->kind));
			for (int ti = 0; ti < s->n; ti++) {
				json_object *t = json_object_new_object();

				json_object_object_add(t, "pairs",
						       json_object_new_int(s->pts[ti].pairs));
				json_object_object_add(t, "samples",
						       json_object_new_int(s->pts[ti].n));
				json_object_object_add(t, "bits_per_second",
						       json_object_new_double(s->pts[ti].bps));
				json_object_object_add(t, "stderr",
						       json_object_new_double(s->pts[ti].bps_se));
				json_object_object_add(t, "packets_per_second",
						       json_object_new_double(s->pts[ti].pps));
				if (!strcmp(p->proto, "udp"))
					json_object_object_add(
					    t, "lost", json_object_new_double(s->pts[ti].lost));
				json_object_array_add(pts, t);
			}
			json_object_object_add(sj, "points", pts);
			json_object_array_add(sa, sj);
		}
		json_object_object_add(pj, "series", sa);
		json_object_array_add(panels, pj);
	}
	json_object_object_add(o, "panels", panels);
	return o;
}
