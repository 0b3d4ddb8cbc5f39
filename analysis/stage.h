/* SPDX-License-Identifier: GPL-2.0 */
/* Names of stages and device kinds, and which stage intervals are CPU time. */
#ifndef NETSTAGE_STAGE_H
#define NETSTAGE_STAGE_H

#include <stdbool.h>
#include "netstage.h"

/* "tx_queue", ... as docs/STAGES.md's stage table names them; NULL for NONE. */
const char *stage__name(int stage);
/* The stage id of a name, or -1. */
int stage__parse(const char *name);

/* Is the interval from -> to CPU time rather than waiting? (ns_edge_is_cpu, netstage.h) */
bool stage__is_cpu(int to, int from);

/* Stage sets by name ("all", "hops": docs/STAGES.md): the id (enum ns_stage_set), or -1. */
int stage_set__parse(const char *name);
const char *stage_set__name(int set);

const char *dev_kind__name(int kind);
int dev_kind__parse(const char *name);

#endif /* NETSTAGE_STAGE_H */
