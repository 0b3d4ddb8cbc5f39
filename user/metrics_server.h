/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics_server: `--listen ADDR:PORT`, an HTTP server (libmicrohttpd, its
 * own thread) that serves a command's running total at /metrics as
 * OpenMetrics text. The command adds each snapshot to the total through
 * metrics_server__add, under the lock that every scrape takes, so that a
 * scrape sees whole snapshots only and no count ever goes backwards.
 */
#ifndef NETSTAGE_METRICS_SERVER_H
#define NETSTAGE_METRICS_SERVER_H

#include <sys/socket.h>
#include "analysis/openmetrics.h"
#include "analysis/result.h"

#define METRICS_DEFAULT_HOST "127.0.0.1"

struct metrics_server;

/*
 * ADDR:PORT, [IPV6]:PORT, :PORT or PORT (the last two on 127.0.0.1); port 0
 * picks a free one. 0, or -EINVAL with err naming what is wrong.
 */
int metrics_server__parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
			       char *err, size_t errlen);

/* Listen on addr and serve total (read under the server's lock). 0 or -errno, err says why. */
int metrics_server__start(struct metrics_server **out, const char *addr, const struct result *total,
			  enum openmetrics_buckets buckets, char *err, size_t errlen);
/* --metrics-buckets sub|log2: 0, or -1 after an error message of cmd's. */
int metrics_server__parse_buckets(const char *text, enum openmetrics_buckets *out, char *err,
				  size_t errlen);
/* "http://127.0.0.1:9464/metrics", with the port it really got. */
const char *metrics_server__url(const struct metrics_server *s);
/* Add snap's profile to total, holding the lock scrapes take (no lock when s is NULL). */
int metrics_server__add(struct metrics_server *s, struct result *total, const struct result *snap);
/* Hold off scrapes while the caller changes total otherwise (sorting it, say). NULL is fine. */
void metrics_server__lock(struct metrics_server *s);
void metrics_server__unlock(struct metrics_server *s);
/* Scrapes answered so far. */
unsigned long metrics_server__scrapes(struct metrics_server *s);
/* Stop serving and free it; NULL is fine. */
void metrics_server__stop(struct metrics_server *s);

#endif /* NETSTAGE_METRICS_SERVER_H */
