/* SPDX-License-Identifier: GPL-2.0 */
/* Text rendering of a result: the per-stage table and its summary lines. */
#ifndef NETSTAGE_TABLE_H
#define NETSTAGE_TABLE_H

#include <stdio.h>
#include "analysis/result.h"
#include "analysis/attribution.h"
#include "analysis/anomaly.h"
#include "analysis/series.h"

/* The schema of `netstage report --format json`. */
#define REPORT_SCHEMA "netstage/report/1"

/* Sort stages for reading: by hop, then the model's stage order, then device. */
void table__sort_stages(struct result *r);
/* The per-stage table, one line per (stage, from, device, hop); fits 100 columns. */
void table__print_stages(const struct result *r, FILE *out);
/* Title, throughput, the stage table, drops, softirq time and tracking figures. */
void table__print_result(const struct result *r, FILE *out);
/* The attribution: A against B ranked by share of the gap, or one run's CPU by stage. */
void table__print_attribution(const struct attribution *at, FILE *out);

/* Lost throughput of one run: loss counts side by side, the dominant cause, the other findings. */
void table__print_anomaly(const struct anomaly *a, char tag, FILE *out);
/* A sweep: throughput against pairs, one block per protocol and MTU, a column per kind. */
void table__print_series(const struct series_set *set, FILE *out);

#endif /* NETSTAGE_TABLE_H */
