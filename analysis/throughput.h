/* SPDX-License-Identifier: GPL-2.0 */
/*
 * throughput: what the load measured, per pair and per repetition, its
 * aggregates over repetitions (mean, standard deviation, standard error of
 * the mean), its JSON form, the text a run prints, and the summary CSV of a
 * sweep.
 */
#ifndef NETSTAGE_THROUGHPUT_H
#define NETSTAGE_THROUGHPUT_H

#include <stdio.h>
#include <json-c/json.h>
#include "analysis/result.h"
#include "analysis/stats.h"

/* Repetitions that measured at least one pair count in the aggregates. */
bool throughput__repeat_counts(const struct repeat_stat *rs);

/* Fill the means and errors of t from its repeats. */
void throughput__aggregate(struct throughput *t);

/* A figure of the repeats (by its JSON name, e.g. "packets_per_second") summarised. */
struct summary throughput__summary(const struct throughput *t, const char *figure);

/* Pair-runs that failed, over every repetition. */
int throughput__failed(const struct throughput *t);
/* The fewest pairs measured in one repetition. */
int throughput__min_measured(const struct throughput *t);

/* The "throughput" object of a result file, and back. */
json_object *throughput__to_json(const struct result *r);
void throughput__from_json(json_object *o, struct result *r);

void throughput__free(struct throughput *t);

/* What a run prints about its throughput: totals, the window, pairs, failures. */
void throughput__print(const struct result *r, FILE *out);

/* The summary CSV of a sweep: the header, then one row per point. */
void throughput__csv_header(FILE *out);
/*
 * One point: t may be NULL for a point without figures (skipped, or that
 * could not run), status then says which and note why.
 */
void throughput__csv_row(FILE *out, const struct result_config *c, const struct throughput *t,
			 const char *status, const char *file, const char *note);
/* "ok", "partial" (some pair-runs failed) or "failed" (a repetition measured no pair). */
const char *throughput__status(const struct throughput *t);

/* "12.34 Gbit/s", "567.89 Mbit/s" or "12 kbit/s" in buf. */
const char *throughput__fmt_rate(double bps, char *buf, size_t len);

#endif /* NETSTAGE_THROUGHPUT_H */
