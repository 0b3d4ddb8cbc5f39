// SPDX-License-Identifier: GPL-2.0
/* Profiles of consecutive windows add up entry by entry. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/merge.h"
#include "analysis/hist.h"

static void profile(struct result *r, const char *ifname, __u64 v, __u64 drops)
{
	struct stage_stat *s = result__add_stage(r);
	struct drop_stat *d = result__add_drop(r);

	s->stage = NS_STAGE_RX_CORE;
	s->from = NS_STAGE_TX_DONE;
	s->hop = 1;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	hist__add(&s->hist, v);
	s->hist.segs = 3;
	snprintf(d->reason, sizeof(d->reason), "NO_SOCKET");
	d->count = drops;
	r->softirq.n_cpus = 2;
	r->softirq.per_cpu = calloc(2, sizeof(*r->softirq.per_cpu));
	r->softirq.per_cpu[1].net_rx_ns = 100;
	r->softirq.total.net_rx_ns = 100;
	r->counters[NS_CNT_STARTED] = 10;
	r->profile_seconds = 1.5;
}

Test(merge, same_entries_add_new_ones_join)
{
	struct result a = {0}, b = {0}, c = {0};

	profile(&a, "nst0", 1000, 2);
	profile(&b, "nst0", 3000, 5);
	profile(&c, "nst1", 500, 1);
	cr_assert_eq(result__merge_profile(&a, &b), 0);
	cr_assert_eq(result__merge_profile(&a, &c), 0);
	cr_assert_eq(a.n_stages, 2);
	cr_assert_eq(a.stages[0].hist.count, 2);
	cr_assert_eq(a.stages[0].hist.min, 1000);
	cr_assert_eq(a.stages[0].hist.max, 3000);
	cr_assert_eq(a.stages[0].hist.segs, 6);
	cr_assert_eq(a.n_drops, 1);
	cr_assert_eq(a.drops[0].count, 8);
	cr_assert_eq(a.softirq.per_cpu[1].net_rx_ns, 300);
	cr_assert_eq(a.softirq.total.net_rx_ns, 300);
	cr_assert_eq(a.counters[NS_CNT_STARTED], 30);
	cr_assert_float_eq(a.profile_seconds, 4.5, 1e-9);
	result__free(&a);
	result__free(&b);
	result__free(&c);
}

Test(merge, into_an_empty_result)
{
	struct result a = {0}, b = {0};

	profile(&b, "nst0", 1000, 2);
	cr_assert_eq(result__merge_profile(&a, &b), 0);
	cr_assert_eq(a.n_stages, 1);
	cr_assert_eq(a.softirq.n_cpus, 2);
	cr_assert_eq(a.softirq.per_cpu[1].net_rx_ns, 100);
	result__free(&a);
	result__free(&b);
}
