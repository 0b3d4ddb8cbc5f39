/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plots as SVG, drawn by gnuplot (Debian's gnuplot-nox, `set terminal svg`),
 * run as a subprocess: the one part of analysis/ that runs a program. The
 * scripts and data are made here from the analysis results; the SVG comes
 * back ready to be placed inline in a page (its XML prolog removed and its
 * element ids made unique with a prefix, so that several plots can share a
 * page).
 */
#ifndef NETSTAGE_PLOT_H
#define NETSTAGE_PLOT_H

#include <stddef.h>
#include "analysis/attribution.h"
#include "analysis/series.h"

/* The gnuplot to run: $NETSTAGE_GNUPLOT, else "gnuplot" from PATH. */
const char *plot__program(void);

/*
 * Run gnuplot on script (which sets an svg terminal and plots to stdout).
 * *svg gets a malloc'd inline <svg> element with ids prefixed by id_prefix.
 * 0, or -errno with err naming the program and what went wrong (and the fix).
 */
int plot__run(const char *script, const char *id_prefix, char **svg, char *err, size_t errlen);

/* A stacked bar of CPU per kB by stage for each side of at, the wall time per kB marked. */
int plot__cpu_stack(const struct attribution *at, const char *const names[], const char *id_prefix,
		    char **svg, char *err, size_t errlen);

/* The latency histogram of one row, both sides, as shares of packets per log bucket. */
int plot__latency(const struct attr_row *row, int n_sides, const char *const names[],
		  const char *id_prefix, char **svg, char *err, size_t errlen);

/* A sweep panel: throughput against pairs, a line with error bars per kind. */
int plot__sweep_panel(const struct series_panel *p, const char *id_prefix, char **svg, char *err,
		      size_t errlen);

#endif /* NETSTAGE_PLOT_H */
