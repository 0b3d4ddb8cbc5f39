/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collect: the probes' statistics, as snapshots: each covers the time since
 * the previous one (or since collect__begin), without losing or counting
 * twice an update that happens while it is taken.
 */
#ifndef NETSTAGE_COLLECT_H
#define NETSTAGE_COLLECT_H

#include "user/probes.h"
#include "analysis/result.h"

/*
 * Mark the start of the first snapshot's window (the kernel's softnet
 * counters). 0, or -errno with err saying why.
 */
int collect__begin(struct probes *l, char *err, size_t errlen);
/* Everything since the last snapshot into r (stages, spans, drops, sockets, softirq). */
int collect__snapshot(struct probes *l, struct result *r);

#endif /* NETSTAGE_COLLECT_H */
