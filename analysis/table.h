/* SPDX-License-Identifier: GPL-2.0 */
/* Text rendering of a result: the per-stage table and its summary lines. */
#ifndef NETSTAGE_TABLE_H
#define NETSTAGE_TABLE_H

#include <stdio.h>
#include "analysis/result.h"

/* Sort stages for reading: by hop, then the model's stage order, then device. */
void table__sort_stages(struct result *r);
/* The per-stage table, one line per (stage, from, device, hop); fits 100 columns. */
void table__print_stages(const struct result *r, FILE *out);
/* Title, throughput, the stage table, drops, softirq time and tracking figures. */
void table__print_result(const struct result *r, FILE *out);
/* "12.3 Gbit/s" style, into buf. */
const char *table__fmt_rate(double bits_per_second, char *buf, size_t len);

#endif /* NETSTAGE_TABLE_H */
