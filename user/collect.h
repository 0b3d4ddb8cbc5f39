/* SPDX-License-Identifier: GPL-2.0 */
/* collect: read the probes' maps into a result (stages, drops, softirq, tracking). */
#ifndef NETSTAGE_COLLECT_H
#define NETSTAGE_COLLECT_H

#include "user/loader.h"
#include "analysis/result.h"

/* Sum the per-CPU maps into r. 0 or -errno. */
int collect__result(const struct loader *l, struct result *r);

#endif /* NETSTAGE_COLLECT_H */
