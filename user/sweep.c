// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "user/sweep.h"

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
