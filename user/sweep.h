/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sweep: the matrix `netstage sweep` measures (kinds x MTUs x pair counts x
 * protocols), in the order it runs it, the file each point writes, and
 * whether a file already holds a point (for --resume); and the sweep
 * itself: one topology per kind, MTU and pair count, the probes on it, an
 * experiment per point, a result file per point and summary.csv.
 */
#ifndef NETSTAGE_SWEEP_H
#define NETSTAGE_SWEEP_H

#include <stdbool.h>
#include "user/experiment.h"
#include "user/probes.h"
#include "user/traffic.h"
#include "topo/topo.h"
#include "analysis/result.h"

#define SWEEP_MAX_KINDS	 8
#define SWEEP_MAX_VALUES 16

/* The paper's matrix: TCP from 1 to 128 pairs, UDP from 1 to 16, in powers of two. */
#define SWEEP_TCP_PAIRS "1,2,4,8,16,32,64,128"
#define SWEEP_UDP_PAIRS "1,2,4,8,16"
#define SWEEP_KINDS	"veth-bridge,macvlan:bridge,ipvlan:l3"

struct sweep_matrix {
	int n_kinds;
	struct {
		enum topo_kind kind;
		int mode; /* -1: the kind's default */
	} kinds[SWEEP_MAX_KINDS];
	int n_pairs; /* 0: the paper's pair counts, by protocol */
	int pairs[SWEEP_MAX_VALUES];
	int n_protos;
	enum load_proto protos[2];
	int n_mtus;
	int mtus[SWEEP_MAX_VALUES];
	enum topo_layout layout;
	bool layout_given; /* --layout was given (else vxlan is switched, the rest local) */
};

struct sweep_point {
	int kind; /* index into the matrix's kinds */
	enum topo_kind topo_kind;
	int mode;
	int mtu, pairs;
	enum load_proto proto;
	char name[96]; /* file stem: <kind>[-<mode>][-switched]-<proto>-mtu<M>-p<N> */
};

/* The layout of a kind's points: the matrix's, but vxlan's is switched unless one was given. */
enum topo_layout sweep__layout(const struct sweep_matrix *m, enum topo_kind kind);

/* "veth-bridge,macvlan:bridge" into m->kinds; 0, or -1 with err saying what is wrong. */
int sweep__parse_kinds(const char *arg, struct sweep_matrix *m, char *err, size_t errlen);

/*
 * The points in the order they run: by kind, MTU and pair count (so that one
 * topology serves every protocol of a pair count), then protocol. Returns how
 * many (*out allocated), or -ENOMEM.
 */
int sweep__plan(const struct sweep_matrix *m, struct sweep_point **out);

/*
 * Does the result r hold the point whose configuration is want, with every
 * repetition recorded? If not, why says what differs.
 */
bool sweep__matches(const struct result *r, const struct result_config *want, char *why,
		    size_t len);

/* What a sweep measures and how: plain options, filled by the front end. */
struct sweep_opts {
	struct sweep_matrix m;
	struct experiment
	    e; /* every point's load (its protocol is the point's); e.cmd names notes */
	struct probes_opts probes; /* every topology's probes (topo set per group) */
	bool no_probes;		   /* throughput only */
	bool raw;		   /* each point's raw events to DIR/POINT.events.gz */
	bool resume;		   /* keep the points DIR holds already */
	const char *dir;
};

/* What the sweep knows of each point. */
enum { SWEEP_TODO, SWEEP_DONE, SWEEP_SKIPPED, SWEEP_ERROR };

struct sweep_point_state {
	int state;
	int index;     /* 1-based among the points to measure; 0 for skipped ones */
	double weight; /* expected seconds, for the estimate */
	char *row;     /* its line of summary.csv */
	double bps, se, pps;
	int failed;
	char status[12];
};

struct sweep_run {
	const struct sweep_opts *o;
	const struct sweep_point *points;
	struct sweep_point_state *st;	   /* one per point, zeroed (SWEEP_TODO) by the caller */
	int n_points, n_todo, n_done_here; /* points to measure; measured by this process */
	int current;			   /* index into points */
	double start, point_start, done_time, done_weight;
};

/*
 * Measure the points of s: kinds this kernel lacks are skipped, with --resume
 * the points o->dir holds are kept, the rest measured group by group (one
 * topology each) until the end or session_stop. Each point's row says how it
 * went; summary.csv is rewritten after each group.
 */
void sweep__run(struct sweep_run *s);
/* Write o->dir/summary.csv (through a temporary file): 0 or -errno. */
int sweep__write_csv(const struct sweep_run *s);
/* "1h02m", "3m04s", "5s". */
const char *sweep__fmt_dur(double s, char *buf, size_t len);

#endif /* NETSTAGE_SWEEP_H */
