// SPDX-License-Identifier: GPL-2.0
/*
 * The OpenMetrics text of a result: escaped label values, cumulative and
 * monotone buckets whose +Inf equals the count, one series per label set.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "analysis/openmetrics.h"
#include "analysis/hist.h"

static void sample_result(struct result *r)
{
	struct stage_stat *s = result__add_stage(r);
	struct netns_stat *n = result__add_netns(r);
	static const __u64 values[] = {150, 900, 900, 1000, 5000, 70000, 1ULL << 40};

	snprintf(r->config.command, sizeof(r->config.command), "profile");
	snprintf(r->config.netns, sizeof(r->config.netns), "/proc/42/ns/net");
	s->stage = NS_STAGE_RX_CORE;
	s->from = NS_STAGE_TX_START;
	s->dev_kind = NS_DEV_VETH;
	s->master_kind = -1;
	s->hop = 1;
	s->path = RESULT_PATH_ANY;
	snprintf(s->ifname, sizeof(s->ifname), "eth0");
	snprintf(s->netns, sizeof(s->netns), "/proc/42/ns/net");
	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		hist__add(&s->hist, values[i]);
	snprintf(n->netns, sizeof(n->netns), "/proc/42/ns/net");
	snprintf(n->container, sizeof(n->container), "web \"blue\"\\1\nx");
	snprintf(n->container_id, sizeof(n->container_id), "0123456789abcdef");
	r->counters[NS_CNT_STARTED] = 7;
	r->counters[NS_CNT_EVICTED] = 2;
}

static char *render_with(const struct result *r, enum openmetrics_buckets which)
{
	struct strbuf b = {0};

	openmetrics__render(r, which, &b);
	cr_assert_not(b.oom);
	cr_assert_not_null(b.s);
	return b.s;
}

static char *render(const struct result *r)
{
	return render_with(r, OPENMETRICS_SUB);
}

Test(openmetrics, escapes_label_values)
{
	struct strbuf b = {0};

	openmetrics__escape(&b, "a\\b\"c\nd");
	cr_assert_str_eq(b.s, "a\\\\b\\\"c\\nd");
	strbuf__free(&b);
}

Test(openmetrics, the_container_label_is_escaped_in_every_series)
{
	struct result r = {0};
	char *text;

	sample_result(&r);
	text = render(&r);
	cr_assert(strstr(text, "container=\"web \\\"blue\\\"\\\\1\\nx\""), "%s", text);
	/* No raw newline inside a label: every line starts a comment or a metric name. */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert(line[0] == '#' || !strncmp(line, "netstage_", 9), "line: %s", line);
	free(text);
	result__free(&r);
}

/* The value and le of every bucket line of the latency family, in order. */
static int buckets(const char *text, double *le, unsigned long long *v, int max)
{
	const char *p = text;
	int n = 0;

	while ((p = strstr(p, "netstage_stage_latency_seconds_bucket{")) && n < max) {
		const char *q = strstr(p, "le=\""), *end = strchr(p, '\n');

		cr_assert(q && q < end);
		q += 4;
		le[n] = strncmp(q, "+Inf", 4) ? strtod(q, NULL) : 1e300;
		q = strchr(q, '}');
		v[n] = strtoull(q + 2, NULL, 10);
		n++;
		p = end;
	}
	return n;
}

Test(openmetrics, buckets_are_cumulative_and_end_at_the_count)
{
	struct result r = {0};
	double le[NS_HIST_BUCKETS + 1];
	unsigned long long v[NS_HIST_BUCKETS + 1], count = 0;
	const char *c;
	char *text;
	int n;

	sample_result(&r);
	text = render(&r);
	n = buckets(text, le, v, NS_HIST_BUCKETS + 1);
	cr_assert_eq(n, NS_HIST_BUCKETS, "one bucket line per log-linear bucket, the last +Inf");
	for (int i = 1; i < n; i++) {
		cr_assert_gt(le[i], le[i - 1], "le grows: %g after %g", le[i], le[i - 1]);
		cr_assert_geq(v[i], v[i - 1], "cumulative: %llu after %llu", v[i], v[i - 1]);
	}
	cr_assert_eq(le[n - 1], 1e300);
	cr_assert_eq(v[n - 1], 7, "+Inf holds every sample");
	/* le is each bucket's upper end: 150 ns sits below le 160e-9 and above le 144e-9. */
	for (int i = 0; i < n - 1; i++) {
		if (le[i] < 150e-9)
			cr_assert_eq(v[i], 0, "le %g holds %llu", le[i], v[i]);
		if (le[i] > 150e-9 && le[i] <= 900e-9)
			cr_assert_eq(v[i], 1, "le %g holds %llu", le[i], v[i]);
	}
	c = strstr(text, "netstage_stage_latency_seconds_count{");
	cr_assert_not_null(c);
	count = strtoull(strchr(c, '}') + 2, NULL, 10);
	cr_assert_eq(count, v[n - 1], "_count equals +Inf");
	cr_assert(strstr(text, "netstage_stage_packets_total{kind=\"veth\",device=\"eth0\""), "%s",
		  text);
	free(text);
	result__free(&r);
}

Test(openmetrics, a_bucket_bound_is_the_histogram_bucket_high_end)
{
	struct result r = {0};
	double le[NS_HIST_BUCKETS + 1];
	unsigned long long v[NS_HIST_BUCKETS + 1];
	char *text;
	int n;

	sample_result(&r);
	text = render(&r);
	n = buckets(text, le, v, NS_HIST_BUCKETS + 1);
	for (int i = 0; i < n - 1; i++)
		cr_assert_float_eq(le[i] * 1e9, (double)hist__bucket_high(i), 1e-3, "bucket %d", i);
	free(text);
	result__free(&r);
}

Test(openmetrics, drops_with_one_label_set_are_one_series)
{
	struct result r = {0};
	char *text;
	const char *p;
	int seen = 0;

	for (int i = 0; i < 3; i++) {
		struct drop_stat *d = result__add_drop(&r);

		snprintf(d->reason, sizeof(d->reason), "%s", i < 2 ? "NO_SOCKET" : "QDISC_DROP");
		d->stage = NS_STAGE_RX_CORE;
		d->path = RESULT_PATH_ANY;
		snprintf(d->ifname, sizeof(d->ifname), "eth0");
		d->count = 10 + i;
	}
	text = render(&r);
	for (p = text; (p = strstr(p, "netstage_drops_total{reason=\"NO_SOCKET\"")); p++)
		seen++;
	cr_assert_eq(seen, 1);
	cr_assert(strstr(text, "netstage_drops_total{reason=\"NO_SOCKET\",stage=\"rx_core\","
			       "kind=\"other\",device=\"eth0\",path=\"any\"} 21\n"),
		  "%s", text);
	free(text);
	result__free(&r);
}

Test(openmetrics, counters_softirq_and_the_end_marker)
{
	struct result r = {0};
	char *text;
	size_t len;

	sample_result(&r);
	r.softirq.n_cpus = 2;
	r.softirq.per_cpu = calloc(2, sizeof(*r.softirq.per_cpu));
	r.softirq.per_cpu[1].net_rx_ns = 2500000000ULL;
	text = render(&r);
	cr_assert(strstr(text, "netstage_packets_followed_total{first_seen=\"socket\"} 7\n"));
	cr_assert(strstr(text, "netstage_packets_lost_to_tracking_total{reason=\"evicted\"} 2\n"));
	cr_assert(strstr(text, "netstage_softirq_seconds_total{cpu=\"1\",vector=\"net_rx\"} 2.5\n"),
		  "%s", text);
	cr_assert(strstr(text, "# TYPE netstage_stage_latency_seconds histogram\n"));
	cr_assert(strstr(text, "# UNIT netstage_stage_latency_seconds seconds\n"));
	len = strlen(text);
	cr_assert(len > 6 && !strcmp(text + len - 6, "# EOF\n"));
	free(text);
	result__free(&r);
}

Test(openmetrics, every_family_is_declared_once)
{
	struct result r = {0};
	char *text, *p;

	sample_result(&r);
	text = render(&r);
	for (p = strstr(text, "# TYPE "); p; p = strstr(p + 1, "# TYPE ")) {
		char name[128];

		cr_assert_eq(sscanf(p, "# TYPE %127s", name), 1);
		strcat(name, " ");
		{
			char again[160];

			snprintf(again, sizeof(again), "# TYPE %s", name);
			cr_assert_null(strstr(p + 1, again), "%s declared twice", name);
		}
	}
	free(text);
	result__free(&r);
}

Test(openmetrics, log2_buckets_are_the_powers_of_two_with_the_same_counts)
{
	struct result r = {0};
	double le[NS_HIST_BUCKETS + 1], le2[NS_HIST_BUCKETS + 1];
	unsigned long long v[NS_HIST_BUCKETS + 1], v2[NS_HIST_BUCKETS + 1];
	char *all, *coarse;
	int n, n2, j = 0;

	sample_result(&r);
	all = render(&r);
	coarse = render_with(&r, OPENMETRICS_LOG2);
	n = buckets(all, le, v, NS_HIST_BUCKETS + 1);
	n2 = buckets(coarse, le2, v2, NS_HIST_BUCKETS + 1);
	cr_assert_eq(n2, NS_HIST_BUCKETS / NS_HIST_SUB, "one bound per power of two, and +Inf");
	cr_assert_eq(n2 + 2, OPENMETRICS_SERIES_PER_HIST_LOG2);
	for (int i = 0; i < n2 - 1; i++) {
		double ns = le2[i] * 1e9;

		cr_assert_float_eq(ns, (double)(1ULL << (unsigned int)(log2(ns) + 0.5)), 1e-3,
				   "le %g is a power of two", le2[i]);
		while (j < n && le[j] < le2[i])
			j++;
		cr_assert_eq(v2[i], v[j], "le %g: %llu, as in the full set", le2[i], v2[i]);
	}
	cr_assert_eq(v2[n2 - 1], 7);
	free(all);
	free(coarse);
	result__free(&r);
}
