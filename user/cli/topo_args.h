/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The options that shape a topology (--kind, --mode, --pairs, --mtu,
 * --layout), shared by `run` and `topo up`: their table entries, their
 * parsing and the checks that need all of them, as probe_args.h is for
 * the probe options.
 */
#ifndef NETSTAGE_TOPO_ARGS_H
#define NETSTAGE_TOPO_ARGS_H

#include <stdbool.h>
#include "user/cli/cli.h"
#include "topo/topo.h"

enum {
	TOPO_OPT_KIND = 'k',
	TOPO_OPT_MODE = 'm',
	TOPO_OPT_PAIRS = 'n',
	TOPO_OPT_MTU = 700,
	TOPO_OPT_LAYOUT,
};

#define TOPO_OPTS                                                                                  \
	{TOPO_OPT_KIND, "kind", 'k', "KIND",                                                       \
	 "veth, veth-bridge, macvlan, ipvlan, host, container, nat, vxlan or ovs (required)"},     \
	    {TOPO_OPT_MODE, "mode", 'm', "MODE",                                                   \
	     "macvlan: bridge (default), vepa, private, passthru, source; ipvlan: l2, l3 "         \
	     "(default), l3s"},                                                                    \
	    {TOPO_OPT_PAIRS, "pairs", 'n', "N", "container pairs, 1 to 256 (default 1)"},          \
	    {TOPO_OPT_MTU, "mtu", 0, "M", "MTU of every device, 68 to 65535 (default 1500)"},      \
	{                                                                                          \
		TOPO_OPT_LAYOUT, "layout", 0, "local|switched",                                    \
		    "one host, or two nodes joined by a wire (default local)"                      \
	}

struct topo_args {
	struct topo_spec spec;
	const char *mode; /* parsed at finish: its meaning depends on --kind */
	bool layout_given;
};

/* The defaults: no kind yet, 1 pair, MTU 1500, one host. */
void topo_args__init(struct topo_args *a);

/* Option id of the parser's current option: 1 taken, 0 not one of these, -1 a bad value (said). */
int topo_args__handle(const struct cli_parser *p, int id, struct topo_args *a);

/* After the last option: --kind given, --mode one of its modes; 0, or -1 (said). */
int topo_args__finish(const struct cli_cmd *cmd, struct topo_args *a);

#endif /* NETSTAGE_TOPO_ARGS_H */
