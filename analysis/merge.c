// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/merge.h"
#include "analysis/hist.h"

static bool same_entry(const struct stage_stat *a, const struct stage_stat *b)
{
	return a->stage == b->stage && a->from == b->from && a->hop == b->hop &&
	       a->path == b->path && a->dev_kind == b->dev_kind &&
	       a->master_kind == b->master_kind && !strcmp(a->ifname, b->ifname) &&
	       !strcmp(a->netns, b->netns);
}

static void add_hist(struct ns_hist *dst, const struct ns_hist *src)
{
	__u64 segs = dst->segs + src->segs;

	hist__merge(dst, src);
	dst->segs = segs; /* whether or not hist__merge counts them */
}

static int merge_stages(struct result *dst, const struct stage_stat *src, int n,
			struct stage_stat **arr, int *n_arr,
			struct stage_stat *(*add)(struct result *))
{
	for (int i = 0; i < n; i++) {
		struct stage_stat *d = NULL;

		for (int j = 0; j < *n_arr && !d; j++)
			if (same_entry(&(*arr)[j], &src[i]))
				d = &(*arr)[j];
		if (d) {
			add_hist(&d->hist, &src[i].hist);
			continue;
		}
		d = add(dst);
		if (!d)
			return -ENOMEM;
		*d = src[i];
	}
	return 0;
}

static int merge_softirq(struct softirq_stat *dst, const struct softirq_stat *src)
{
	const __u64 *s = (const __u64 *)&src->total;
	__u64 *d = (__u64 *)&dst->total;

	for (size_t i = 0; i < sizeof(dst->total) / sizeof(__u64); i++)
		d[i] += s[i];
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < NS_LOG2_SLOTS; i++)
			dst->raise_delay_log2[v][i] += src->raise_delay_log2[v][i];
	if (src->n_cpus > dst->n_cpus) {
		struct cpu_softirq *p = realloc(dst->per_cpu, src->n_cpus * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + dst->n_cpus, 0, (src->n_cpus - dst->n_cpus) * sizeof(*p));
		dst->per_cpu = p;
		dst->n_cpus = src->n_cpus;
	}
	for (int c = 0; c < src->n_cpus; c++) {
		s = (const __u64 *)&src->per_cpu[c];
		d = (__u64 *)&dst->per_cpu[c];
		for (size_t i = 0; i < sizeof(dst->total) / sizeof(__u64); i++)
			d[i] += s[i];
	}
	return 0;
}

int result__merge_profile(struct result *dst, const struct result *src)
{
	int rc;

	rc = merge_stages(dst, src->stages, src->n_stages, &dst->stages, &dst->n_stages,
			  result__add_stage);
	if (!rc)
		rc = merge_stages(dst, src->spans, src->n_spans, &dst->spans, &dst->n_spans,
				  result__add_span);
	for (int i = 0; !rc && i < src->n_drops; i++) {
		const struct drop_stat *s = &src->drops[i];
		struct drop_stat *d = NULL;

		for (int j = 0; j < dst->n_drops && !d; j++)
			if (!strcmp(dst->drops[j].reason, s->reason) &&
			    dst->drops[j].stage == s->stage && dst->drops[j].path == s->path &&
			    dst->drops[j].dev_kind == s->dev_kind &&
			    !strcmp(dst->drops[j].ifname, s->ifname))
				d = &dst->drops[j];
		if (d) {
			d->count += s->count;
			continue;
		}
		d = result__add_drop(dst);
		if (!d)
			return -ENOMEM;
		*d = *s;
	}
	for (int i = 0; !rc && i < src->n_socks; i++) {
		const struct sock_stat *s = &src->socks[i];
		struct sock_stat *d = NULL;

		for (int j = 0; j < dst->n_socks && !d; j++)
			if (!strcmp(dst->socks[j].netns, s->netns) &&
			    dst->socks[j].protocol == s->protocol && dst->socks[j].port == s->port)
				d = &dst->socks[j];
		if (!d) {
			d = result__add_sock(dst);
			if (!d)
				return -ENOMEM;
			*d = *s;
			continue;
		}
		d->delivered += s->delivered;
		d->bytes += s->bytes;
		d->data_ready += s->data_ready;
		d->rcvq_full += s->rcvq_full;
		d->queue_fail += s->queue_fail;
	}
	if (!rc)
		rc = merge_softirq(&dst->softirq, &src->softirq);
	for (int i = 0; !rc && i < NS_CNT_COUNT; i++)
		dst->counters[i] += src->counters[i];
	if (!rc)
		dst->profile_seconds += src->profile_seconds;
	return rc;
}
