/* SPDX-License-Identifier: GPL-2.0 */
/*
 * merge: add one profile (what the probes saw in a window) to another, so
 * that profiles of consecutive windows (the repetitions of a run) make the
 * profile of their union. Pure functions over results.
 */
#ifndef NETSTAGE_MERGE_H
#define NETSTAGE_MERGE_H

#include "analysis/result.h"

/*
 * Add src's stages, spans, drops, sockets, softirq figures, counters and
 * profile_seconds to dst, entry by entry (same stage, interval, device, hop
 * and path). 0, or -ENOMEM (dst is then partly merged).
 */
int result__merge_profile(struct result *dst, const struct result *src);

#endif /* NETSTAGE_MERGE_H */
