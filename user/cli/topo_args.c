// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "user/cli/topo_args.h"

void topo_args__init(struct topo_args *a)
{
	memset(a, 0, sizeof(*a));
	a->spec.kind = -1;
	a->spec.mode = -1;
	a->spec.pairs = 1;
	a->spec.mtu = 1500;
	a->spec.layout = TOPO_LOCAL;
}

int topo_args__handle(const struct cli_parser *p, int id, struct topo_args *a)
{
	long v;

	switch (id) {
	case TOPO_OPT_KIND:
		a->spec.kind = topo_kind__parse(p->arg);
		if ((int)a->spec.kind < 0) {
			cli__error(p->cmd, "--kind: unknown kind '%s'; use %s", p->arg,
				   topo_kind__list());
			return -1;
		}
		return 1;
	case TOPO_OPT_MODE:
		a->mode = p->arg;
		return 1;
	case TOPO_OPT_PAIRS:
		if (cli__int(p, 1, TOPO_MAX_PAIRS, &v))
			return -1;
		a->spec.pairs = v;
		return 1;
	case TOPO_OPT_MTU:
		if (cli__int(p, TOPO_MIN_MTU, TOPO_MAX_MTU, &v))
			return -1;
		a->spec.mtu = v;
		return 1;
	case TOPO_OPT_LAYOUT:
		a->spec.layout = topo_layout__parse(p->arg);
		a->layout_given = true;
		if ((int)a->spec.layout < 0) {
			cli__error(p->cmd, "--layout: '%s' is neither local nor switched", p->arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

int topo_args__finish(const struct cli_cmd *cmd, struct topo_args *a)
{
	struct topo_spec *s = &a->spec;

	if ((int)s->kind < 0) {
		cli__error(cmd, "--kind is required: %s", topo_kind__list());
		return -1;
	}
	/* An overlay joins two nodes: vxlan is switched unless told otherwise (then refused). */
	if (s->kind == TOPO_VXLAN && !a->layout_given)
		s->layout = TOPO_SWITCHED;
	if (a->mode) {
		s->mode = topo_mode__parse(s->kind, a->mode);
		if (s->mode < 0) {
			cli__error(cmd, "--mode: '%s' is not a mode of %s (%s)", a->mode,
				   topo_kind__name(s->kind),
				   s->kind == TOPO_MACVLAN
				       ? "bridge, vepa, private, passthru, source"
				   : s->kind == TOPO_IPVLAN ? "l2, l3, l3s"
							    : "it has no modes");
			return -1;
		}
	}
	return 0;
}
