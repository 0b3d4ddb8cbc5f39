// SPDX-License-Identifier: GPL-2.0
#include "user/cli/metrics_args.h"
#include "user/metrics_server.h"

int metrics_args__handle(const struct cli_parser *p, int id, struct metrics_args *a)
{
	char why[160];
	long v;

	switch (id) {
	case METRICS_OPT_LISTEN: {
		struct sockaddr_storage ss;
		socklen_t len;

		if (metrics_server__parse_addr(p->arg, &ss, &len, why, sizeof(why))) {
			cli__error(p->cmd, "%s", why);
			return -1;
		}
		a->listen = p->arg;
		return 1;
	}
	case METRICS_OPT_BUCKETS:
		if (metrics_server__parse_buckets(p->arg, &a->buckets, why, sizeof(why))) {
			cli__error(p->cmd, "%s", why);
			return -1;
		}
		return 1;
	case METRICS_OPT_INTERVAL:
		if (cli__int(p, 1, 3600, &v))
			return -1;
		a->interval_s = (int)v;
		return 1;
	}
	return 0;
}
