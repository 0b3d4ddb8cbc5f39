/* SPDX-License-Identifier: GPL-2.0 */
/* Names of stages and device kinds, and which stage intervals are CPU time. */
#ifndef NETSTAGE_STAGE_H
#define NETSTAGE_STAGE_H

#include <stdbool.h>
#include "netstage.h"

/* "tx_queue", ... as DESIGN.md's stage model names them; NULL for NONE. */
const char *stage__name(int stage);
/* The stage id of a name, or -1. */
int stage__parse(const char *name);

/*
 * Is the interval from -> to time on one CPU with no queue between (CPU
 * cost), rather than waiting in a queue? Driver transmit (tx_start ->
 * tx_done), the forward inside it (tx_start -> rx_enqueue), forwarding in
 * the receive softirq (rx_core -> tx_queue) and a transmit through a device
 * without a qdisc (tx_queue -> tx_start) are CPU; backlog (rx_enqueue ->
 * rx_core) and socket queue (rx_core -> deliver) are waiting.
 */
bool stage__is_cpu(int to, int from);

const char *dev_kind__name(int kind);
int dev_kind__parse(const char *name);

#endif /* NETSTAGE_STAGE_H */
