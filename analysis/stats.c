// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include "analysis/stats.h"

struct summary stats__summarize(const double *v, int n)
{
	struct summary s = {.n = n};
	double sq = 0;

	if (n <= 0)
		return s;
	s.min = s.max = v[0];
	for (int i = 0; i < n; i++) {
		s.mean += v[i];
		if (v[i] < s.min)
			s.min = v[i];
		if (v[i] > s.max)
			s.max = v[i];
	}
	s.mean /= n;
	if (n < 2)
		return s;
	/* Two passes: the one-pass formula loses precision on large, close values. */
	for (int i = 0; i < n; i++)
		sq += (v[i] - s.mean) * (v[i] - s.mean);
	s.stddev = sqrt(sq / (n - 1));
	s.stderr_mean = s.stddev / sqrt(n);
	return s;
}
