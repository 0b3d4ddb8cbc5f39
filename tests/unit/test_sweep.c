// SPDX-License-Identifier: GPL-2.0
/* The sweep's matrix: the paper's by default, the order points run in, their names. */
#include <criterion/criterion.h>
#include <string.h>
#include "user/sweep.h"

static void defaults(struct sweep_matrix *m)
{
	char err[256];

	memset(m, 0, sizeof(*m));
	cr_assert_eq(sweep__parse_kinds(SWEEP_KINDS, m, err, sizeof(err)), 0, "%s", err);
	m->n_protos = 2;
	m->protos[0] = LOAD_TCP;
	m->protos[1] = LOAD_UDP;
	m->n_mtus = 2;
	m->mtus[0] = 1500;
	m->mtus[1] = 9000;
}

Test(sweep, the_papers_matrix)
{
	struct sweep_matrix m;
	struct sweep_point *p;
	int n, tcp = 0, udp = 0, max_udp = 0;

	defaults(&m);
	n = sweep__plan(&m, &p);
	/* 3 kinds x 2 MTUs x (8 TCP + 5 UDP pair counts). */
	cr_assert_eq(n, 78);
	for (int i = 0; i < n; i++) {
		if (p[i].proto == LOAD_TCP)
			tcp++;
		else
			udp++;
		if (p[i].proto == LOAD_UDP && p[i].pairs > max_udp)
			max_udp = p[i].pairs;
	}
	cr_assert_eq(tcp, 48);
	cr_assert_eq(udp, 30);
	cr_assert_eq(max_udp, 16);
	cr_assert_str_eq(p[0].name, "veth-bridge-tcp-mtu1500-p1");
	cr_assert_str_eq(p[1].name, "veth-bridge-udp-mtu1500-p1");
	cr_assert_str_eq(p[n - 1].name, "ipvlan-l3-tcp-mtu9000-p128");
	free(p);
}

Test(sweep, one_topology_serves_every_protocol_of_a_pair_count)
{
	struct sweep_matrix m;
	struct sweep_point *p;
	int n;

	defaults(&m);
	n = sweep__plan(&m, &p);
	for (int i = 0; i + 2 < n; i++) {
		/* Once a (kind, MTU, pairs) group ends, it never comes back. */
		for (int j = i + 2; j < n; j++)
			if (p[j].kind == p[i].kind && p[j].mtu == p[i].mtu &&
			    p[j].pairs == p[i].pairs)
				cr_assert(p[j - 1].kind == p[i].kind && p[j - 1].mtu == p[i].mtu &&
					      p[j - 1].pairs == p[i].pairs,
					  "%s and %s are apart", p[i].name, p[j].name);
	}
	free(p);
}

Test(sweep, given_lists_and_names)
{
	struct sweep_matrix m;
	struct sweep_point *p;
	char err[256];
	int n;

	defaults(&m);
	cr_assert_eq(sweep__parse_kinds("veth-bridge,macvlan", &m, err, sizeof(err)), 0);
	m.n_protos = 1;
	m.n_pairs = 2;
	m.pairs[0] = 1;
	m.pairs[1] = 2;
	m.layout = TOPO_SWITCHED;
	n = sweep__plan(&m, &p);
	cr_assert_eq(n, 8);
	cr_assert_str_eq(p[4].name, "macvlan-bridge-switched-tcp-mtu1500-p1");
	free(p);
}

Test(sweep, bad_kinds_are_named)
{
	struct sweep_matrix m = {0};
	char err[256];

	cr_assert_neq(sweep__parse_kinds("veth-bridge,geneve", &m, err, sizeof(err)), 0);
	cr_assert(strstr(err, "unknown kind 'geneve'"), "%s", err);
	cr_assert_neq(sweep__parse_kinds("macvlan:l3", &m, err, sizeof(err)), 0);
	cr_assert(strstr(err, "'l3' is not a mode of macvlan"), "%s", err);
}

Test(sweep, a_file_matches_only_its_own_point)
{
	struct result r = {0};
	struct result_config want = {0};
	char why[160];

	snprintf(want.kind, sizeof(want.kind), "macvlan");
	snprintf(want.mode, sizeof(want.mode), "bridge");
	snprintf(want.proto, sizeof(want.proto), "tcp");
	want.mtu = 1500;
	want.pairs = 2;
	want.repeat = 2;
	want.duration = 2;
	r.config = want;
	r.throughput.present = true;
	r.throughput.n_repeats = 1;
	cr_assert_not(sweep__matches(&r, &want, why, sizeof(why)));
	cr_assert(strstr(why, "1 of 2 repetitions"), "%s", why);
	r.throughput.n_repeats = 2;
	cr_assert(sweep__matches(&r, &want, why, sizeof(why)), "%s", why);
	/* Ctrl-C'd: every repetition is there, the last one stopped early. */
	r.stop.interrupted = true;
	r.stop.load_seconds = 2.5;
	cr_assert_not(sweep__matches(&r, &want, why, sizeof(why)));
	cr_assert(strstr(why, "interrupted after 2.5 s"), "%s", why);
	r.stop.interrupted = false;
	r.config.duration = 10;
	cr_assert_not(sweep__matches(&r, &want, why, sizeof(why)));
	cr_assert(strstr(why, "duration 10, not 2"), "%s", why);
}
