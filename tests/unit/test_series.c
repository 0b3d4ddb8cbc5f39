// SPDX-License-Identifier: GPL-2.0
/* Sweep series: results grouped into panels and series, points by pairs, errors from repeats. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/series.h"
#include "analysis/table.h"

static void point(struct result *r, const char *kind, const char *mode, const char *proto, int mtu,
		  int pairs, const double *gbps, int n)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->config.command, "run");
	snprintf(r->config.kind, sizeof(r->config.kind), "%s", kind);
	snprintf(r->config.mode, sizeof(r->config.mode), "%s", mode);
	snprintf(r->config.proto, sizeof(r->config.proto), "%s", proto);
	strcpy(r->config.layout, "local");
	r->config.mtu = mtu;
	r->config.pairs = pairs;
	r->throughput.present = true;
	r->throughput.n_repeats = n;
	r->throughput.repeats = calloc(n, sizeof(*r->throughput.repeats));
	for (int i = 0; i < n; i++) {
		r->throughput.repeats[i].bits_per_second = gbps[i] * 1e9;
		r->throughput.bits_per_second += gbps[i] * 1e9 / n;
	}
}

Test(series, panels_series_points_and_errors)
{
	static const double a[] = {10, 12}, b[] = {6}, c[] = {16, 16, 16}, d[] = {2};
	struct result r[6];
	struct series_set set;
	char err[256], title[64], *buf = NULL;
	size_t len = 0;
	FILE *f;

	point(&r[0], "veth-bridge", "", "tcp", 1500, 2, a, 2);
	point(&r[1], "veth-bridge", "", "tcp", 1500, 1, b, 1);
	point(&r[2], "macvlan", "bridge", "tcp", 1500, 1, c, 3);
	point(&r[3], "macvlan", "vepa", "tcp", 1500, 1, d, 1);
	point(&r[4], "veth-bridge", "", "udp", 9000, 1, d, 1);
	point(&r[5], "veth-bridge", "", "tcp", 1500, 2, b, 1); /* a second file of one point */
	cr_assert_eq(series__build(r, 6, &set, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(set.n_results, 6);
	cr_assert_eq(set.n, 2);
	cr_assert_str_eq(series__panel_title(&set.panels[0], title, sizeof(title)),
			 "tcp, MTU 1500, local");
	cr_assert_eq(set.panels[0].n, 3);
	/* The paper's order: veth-bridge, then macvlan; another mode is its own series. */
	cr_assert_str_eq(set.panels[0].series[0].kind, "veth-bridge");
	cr_assert_str_eq(set.panels[0].series[1].kind, "macvlan");
	cr_assert_str_eq(set.panels[0].series[2].kind, "macvlan vepa");
	cr_assert_eq(set.panels[0].series[0].n, 2);
	cr_assert_eq(set.panels[0].series[0].pts[0].pairs, 1);
	cr_assert_eq(set.panels[0].series[0].pts[1].pairs, 2);
	/* 10, 12 and 6 Gbit/s pooled: mean 9.333, sd 3.055, stderr 1.764. */
	cr_assert_eq(set.panels[0].series[0].pts[1].n, 3);
	cr_assert_float_eq(set.panels[0].series[0].pts[1].bps, 28e9 / 3, 1e3);
	cr_assert_float_eq(set.panels[0].series[0].pts[1].bps_se, 1.763834e9, 1e4);
	cr_assert_float_eq(set.panels[0].series[1].pts[0].bps_se, 0, 1e-9);
	f = open_memstream(&buf, &len);
	table__print_series(&set, f);
	fclose(f);
	cr_assert(strstr(buf, "9.33 +- 1.76"), "%s", buf);
	cr_assert(strstr(buf, "udp, MTU 9000, local"), "%s", buf);
	free(buf);
	series__free(&set);
	for (int i = 0; i < 6; i++)
		result__free(&r[i]);
}

Test(series, results_of_no_run_are_refused)
{
	struct result r;
	struct series_set set;
	char err[256] = "";

	memset(&r, 0, sizeof(r));
	strcpy(r.config.command, "profile");
	cr_assert_neq(series__build(&r, 1, &set, err, sizeof(err)), 0);
	cr_assert(strstr(err, "none of the 1 files"), "%s", err);
}

/* Past each limit (panels, kinds in a panel, pair counts in a series): one line naming it. */
Test(series, a_sweep_past_a_limit_is_refused_naming_it)
{
	static const double g[] = {1};
	static const struct {
		int n;
		const char *needle;
	} cases[] = {
	    {SERIES_MAX_PANELS + 1, "more than 16 protocol/MTU/layout panels"},
	    {SERIES_MAX_SERIES + 1, "more than 8 kinds in one panel"},
	    {SERIES_MAX_POINTS + 1, "more than 24 pair counts in one series"},
	};
	static const char *const kinds[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"};

	for (int c = 0; c < 3; c++) {
		struct result *r = calloc(cases[c].n, sizeof(*r));
		struct series_set set;
		char err[256] = "";

		for (int i = 0; i < cases[c].n; i++)
			point(&r[i], c == 1 ? kinds[i] : "veth", "", "tcp",
			      c == 0 ? 1000 + i : 1500, c == 2 ? i + 1 : 1, g, 1);
		cr_expect_eq(series__build(r, cases[c].n, &set, err, sizeof(err)), -EINVAL);
		cr_expect(strstr(err, cases[c].needle), "want \"%s\", got \"%s\"", cases[c].needle,
			  err);
		series__free(&set);
		for (int i = 0; i < cases[c].n; i++)
			result__free(&r[i]);
		free(r);
	}
}
