// SPDX-License-Identifier: GPL-2.0
/*
 * Time sampling's period, split before anything loads: the hooks are
 * attached exactly the duty's share of it, the settle and the drain
 * included (they cost what the window costs), and a duty too short to hold
 * a window says which options fix it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "user/probes.h"

static struct probes_duty_split split(unsigned int pct, unsigned int period)
{
	struct probes_duty_split s;
	char err[256];

	cr_assert_eq(probes__duty_split(pct, period, &s, err, sizeof(err)), 0, "%u %% of %u: %s",
		     pct, period, err);
	return s;
}

Test(duty, attached_exactly_the_duty_of_each_period)
{
	static const unsigned int cases[][2] = {{10, 1000},  {1, 1000},	 {40, 200}, {50, 200},
						{99, 60000}, {5, 10000}, {80, 10}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int pct = cases[i][0], period = cases[i][1];
		struct probes_duty_split s = split(pct, period);

		cr_expect_eq(s.settle_ms + s.on_ms + s.drain_ms, period * pct / 100,
			     "%u %% of %u ms: %u + %u + %u attached", pct, period, s.settle_ms,
			     s.on_ms, s.drain_ms);
		cr_expect_eq(s.settle_ms + s.on_ms + s.drain_ms + s.off_ms, period);
		cr_expect_geq(s.on_ms, 1, "%u %% of %u ms: no window", pct, period);
		/* A packet's trip, even through a socket's queue, fits in the drain. */
		cr_expect(s.drain_ms >= 5 && s.drain_ms <= 50, "drain %u ms", s.drain_ms);
	}
}

/* The default: 1000 ms, and --duty 10 follows packets for 73 ms of each second. */
Test(duty, ten_percent_of_the_default_period)
{
	struct probes_duty_split s = split(10, 0);

	cr_expect_eq(s.period_ms, 1000);
	cr_expect_eq(s.on_ms, 73);
	cr_expect_eq(s.drain_ms, 25);
	cr_expect_eq(s.off_ms, 900);
}

Test(duty, too_short_to_hold_a_window_names_the_fix)
{
	static const unsigned int cases[][2] = {{1, 100},  {5, 100},	{1, 700},
						{0, 1000}, {100, 1000}, {50, 5}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probes_duty_split s;
		char err[256] = "";

		cr_expect_eq(probes__duty_split(cases[i][0], cases[i][1], &s, err, sizeof(err)),
			     -EINVAL, "%u %% of %u ms", cases[i][0], cases[i][1]);
		cr_expect(strstr(err, "--duty") || strstr(err, "duty of 1 to 99"), "%s", err);
	}
}
