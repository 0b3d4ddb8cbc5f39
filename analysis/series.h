/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sweep series: many results grouped as the NOMS 2016 paper's figures show
 * them, throughput against container pairs, a series per kind, a panel per
 * protocol, MTU and layout, the standard error of the repeats as error bars.
 */
#ifndef NETSTAGE_SERIES_H
#define NETSTAGE_SERIES_H

#include <json-c/json.h>
#include "analysis/result.h"

#define SERIES_MAX_PANELS 16
#define SERIES_MAX_SERIES 8
#define SERIES_MAX_POINTS 24

struct series_point {
	int pairs;
	int n;		    /* throughput samples: repeats over the results of this point */
	double bps, bps_se; /* mean throughput over all pairs, bit/s, and its standard error */
	double pps;	    /* packets per second at the receivers */
	double lost;	    /* UDP: share of datagrams lost */
};

struct series {
	char kind[40]; /* "veth-bridge", "macvlan vepa" */
	int n;
	struct series_point pts[SERIES_MAX_POINTS]; /* by pairs */
};

struct series_panel {
	char proto[8], layout[16];
	int mtu;
	int n;
	struct series series[SERIES_MAX_SERIES];
};

struct series_set {
	int n;
	struct series_panel panels[SERIES_MAX_PANELS];
	int n_results;
};

/* Group results. 0, or -EINVAL with err naming what does not fit. */
int series__build(const struct result *runs, int n, struct series_set *out, char *err,
		  size_t errlen);
void series__free(struct series_set *set);
json_object *series__to_json(const struct series_set *set);
/* "tcp, MTU 1500, local" */
const char *series__panel_title(const struct series_panel *p, char *buf, size_t len);

#endif /* NETSTAGE_SERIES_H */
