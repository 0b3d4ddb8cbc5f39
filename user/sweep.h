/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sweep: the matrix `netstage sweep` measures (kinds x MTUs x pair counts x
 * protocols), in the order it runs it, the file each point writes, and
 * whether a file already holds a point (for --resume).
 */
#ifndef NETSTAGE_SWEEP_H
#define NETSTAGE_SWEEP_H

#include <stdbool.h>
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

#endif /* NETSTAGE_SWEEP_H */
