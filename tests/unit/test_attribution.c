// SPDX-License-Identifier: GPL-2.0
/*
 * Attribution against figures computed by hand: stage entries aligned by
 * what they do, CPU per byte and per packet, the gap, the shares, what the
 * stages explain, the estimate outside them, standard errors of pooled runs,
 * and the text table's width.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/attribution.h"
#include "analysis/hist.h"
#include "analysis/stage.h"
#include "analysis/table.h"

/* A run result with throughput, socket bytes and iperf3 CPU; stages are added after. */
static void run_result(struct result *r, const char *kind, double bps, double bytes, double snd,
		       double rcv)
{
	struct sock_stat *k;

	memset(r, 0, sizeof(*r));
	strcpy(r->config.command, "run");
	strcpy(r->config.kind, kind);
	strcpy(r->config.proto, "tcp");
	strcpy(r->config.layout, "local");
	r->config.pairs = 1;
	r->config.mtu = 1500;
	r->config.duration = 1;
	r->profile_seconds = 1;
	r->throughput.present = true;
	r->throughput.bits_per_second = bps;
	r->throughput.n_repeats = 1;
	r->throughput.repeats = calloc(1, sizeof(*r->throughput.repeats));
	r->throughput.repeats[0].bits_per_second = bps;
	r->throughput.repeats[0].sender_cpu = snd;
	r->throughput.repeats[0].receiver_cpu = rcv;
	k = result__add_sock(r);
	snprintf(k->netns, sizeof(k->netns), "netstage-ab12-s0");
	k->protocol = 6;
	k->port = 5201;
	k->bytes = (__u64)bytes;
}

/* An entry of n packets whose intervals sum to sum ns, all of them sum / n long. */
static struct stage_stat *entry(struct result *r, int stage, int from, const char *ifname, int hop,
				int path, __u64 n, __u64 sum)
{
	struct stage_stat *s = result__add_stage(r);

	s->stage = stage;
	s->from = from;
	s->hop = hop;
	s->path = path;
	s->dev_kind = NS_DEV_VETH;
	/* veth-bridge's ports ("nst<run>pc0", "ps0") are the bridge's, as a run records them. */
	s->master_kind = strlen(ifname) > 7 && ifname[7] == 'p' ? NS_DEV_BRIDGE : -1;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	snprintf(s->netns, sizeof(s->netns), "netstage-ab12-h0");
	s->hist.count = n;
	s->hist.sum = sum;
	s->hist.min = s->hist.max = n ? sum / n : 0;
	s->hist.buckets[hist__bucket(n ? sum / n : 0)] = n;
	s->hist.segs = n;
	return s;
}

/*
 * A: 1 GB delivered at 8 Gbit/s (1 ns per byte of wall time); device layer
 * 0.1 ns/B, the bridge's forward 0.2 ns/B, softirq outside the stages 0.3
 * ns/B, iperf3 100 % of a CPU in all (1 ns/B), so 0.4 ns/B outside the stages.
 * B: 2 GB at 16 Gbit/s (0.5 ns/B); device layer 0.1 ns/B, softirq 0.2 ns/B,
 * iperf3 100 % (0.5 ns/B), 0.2 ns/B outside.
 */
static void pair_of_runs(struct result *a, struct result *b, bool cpu)
{
	run_result(a, "veth-bridge", 8e9, 1e9, cpu ? 80 : 0, cpu ? 20 : 0);
	entry(a, NS_STAGE_TX_QUEUE, NS_STAGE_NONE, "nstab12c0", 0, RESULT_PATH_CLIENT, 100000, 0);
	entry(a, NS_STAGE_TX_START, NS_STAGE_TX_QUEUE, "nstab12c0", 0, RESULT_PATH_CLIENT, 100000,
	      100000000);
	entry(a, NS_STAGE_RX_CORE, NS_STAGE_RX_SOFTIRQ, "nstab12pc0", 1, RESULT_PATH_CLIENT, 100000,
	      30000000);
	entry(a, NS_STAGE_TX_QUEUE, NS_STAGE_RX_CORE, "nstab12ps0", 1, RESULT_PATH_CLIENT, 100000,
	      200000000);
	a->softirq.total.net_rx_ns = 500000000;
	a->softirq.total.net_rx_covered_ns = 200000000;

	run_result(b, "macvlan", 16e9, 2e9, cpu ? 70 : 0, cpu ? 30 : 0);
	entry(b, NS_STAGE_TX_QUEUE, NS_STAGE_NONE, "nstcd34c0", 0, RESULT_PATH_CLIENT, 200000, 0);
	entry(b, NS_STAGE_TX_START, NS_STAGE_TX_QUEUE, "nstcd34c0", 0, RESULT_PATH_CLIENT, 200000,
	      200000000);
	entry(b, NS_STAGE_RX_CORE, NS_STAGE_RX_SOFTIRQ, "nstcd34lo0", 1, RESULT_PATH_CLIENT, 200000,
	      60000000);
	b->softirq.total.net_rx_ns = 400000000;
	b->softirq.total.net_rx_covered_ns = 0;
	snprintf(b->config.mode, sizeof(b->config.mode), "bridge");
}

static const struct attr_row *row(const struct attribution *at, enum attr_class c,
				  enum attr_actor a, enum attr_dir d)
{
	const struct attr_row *r = attribution__find(at, c, a, d);

	cr_assert_not_null(r, "no row for class %d actor %d dir %d", c, a, d);
	return r;
}

Test(attribution, gap_shares_and_what_is_explained_by_hand)
{
	struct result a, b;
	const struct result *pa[] = {&a}, *pb[] = {&b};
	struct attribution at;
	const struct attr_row *fwd, *dev, *other, *out;
	char err[256];

	pair_of_runs(&a, &b, true);
	cr_assert_eq(attribution__compute(pa, 1, pb, 1, &at, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(at.n_sides, 2);
	cr_assert(at.directions);
	cr_assert_float_eq(at.side[0].wall_ns_per_byte, 1.0, 1e-9);
	cr_assert_float_eq(at.side[1].wall_ns_per_byte, 0.5, 1e-9);
	cr_assert_float_eq(at.gap, 0.5, 1e-9);

	fwd = row(&at, ATTR_FORWARD, ATTR_ACTOR_BRIDGE, ATTR_DIR_DATA);
	cr_assert_float_eq(fwd->v[0].ns_per_byte, 0.2, 1e-9);
	cr_assert_not(fwd->v[1].present, "macvlan has no bridge");
	cr_assert_float_eq(fwd->delta, 0.2, 1e-9);
	cr_assert_float_eq(fwd->share, 0.4, 1e-9);
	cr_assert_float_eq(fwd->v[0].ns_per_packet, 2000, 1e-6);
	cr_assert_str_eq(fwd->v[0].where, "pc0>ps0",
			 "the forward goes from the port rx_core ran on");

	dev = row(&at, ATTR_TX_DEV, ATTR_ACTOR_CONTAINER, ATTR_DIR_DATA);
	cr_assert_float_eq(dev->delta, 0, 1e-12, "same cost per byte on both paths");
	cr_assert_float_eq(dev->delta_per_packet, 0, 1e-9);

	other = row(&at, ATTR_SOFTIRQ_OTHER, ATTR_ACTOR_NONE, ATTR_DIR_BOTH);
	cr_assert_float_eq(other->v[0].ns_per_byte, 0.3, 1e-9);
	cr_assert_float_eq(other->v[1].ns_per_byte, 0.2, 1e-9);
	cr_assert_float_eq(other->share, 0.2, 1e-9);

	/* 0.2 + 0 + 0.1 of 0.5 explained by the stages; outside 0.4 - 0.2 = 0.2 of 0.5. */
	cr_assert_float_eq(at.explained, 0.6, 1e-9);
	out = row(&at, ATTR_OUTSIDE, ATTR_ACTOR_NONE, ATTR_DIR_BOTH);
	cr_assert_float_eq(out->v[0].ns_per_byte, 0.4, 1e-9);
	cr_assert_float_eq(out->v[1].ns_per_byte, 0.2, 1e-9);
	cr_assert_float_eq(at.outside, 0.4, 1e-9);
	cr_assert_float_eq(at.unexplained, 0.0, 1e-9);
	cr_assert_float_eq(at.cpu_gap, 0.5, 1e-9);

	/* Ranked by share: the forward first, the waiting rows last. */
	cr_assert_eq(attribution__top(&at), fwd);
	cr_assert_eq(at.rows[0].cls, ATTR_FORWARD);
	cr_assert_eq(at.rows[1].cls, ATTR_SOFTIRQ_OTHER);
	cr_assert_not(at.rows[at.n_rows - 1].cpu);
	attribution__free(&at);
	result__free(&a);
	result__free(&b);
}

Test(attribution, without_iperf3_cpu_the_rest_is_unexplained)
{
	struct result a, b;
	const struct result *pa[] = {&a}, *pb[] = {&b};
	struct attribution at;
	char err[256];

	pair_of_runs(&a, &b, false);
	cr_assert_eq(attribution__compute(pa, 1, pb, 1, &at, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(attribution__find(&at, ATTR_OUTSIDE, ATTR_ACTOR_NONE, ATTR_DIR_BOTH));
	cr_assert_float_eq(at.explained, 0.6, 1e-9);
	cr_assert_float_eq(at.outside, 0, 1e-12);
	cr_assert_float_eq(at.unexplained, 0.4, 1e-9);
	cr_assert(strstr(at.note, "no iperf3 CPU"), "%s", at.note);
	attribution__free(&at);
	result__free(&a);
	result__free(&b);
}

Test(attribution, kinds_align_by_what_a_stage_does_not_by_device)
{
	struct result a, b;
	const struct result *pa[] = {&a}, *pb[] = {&b};
	struct attribution at;
	const struct attr_row *r;
	char err[256];

	/* The container's transmit up to the forward shows on the next device: pc0, or lo0. */
	pair_of_runs(&a, &b, false);
	entry(&a, NS_STAGE_TX_START, NS_STAGE_NONE, "nstab12c0", 0, RESULT_PATH_CLIENT, 1, 0);
	entry(&a, NS_STAGE_RX_ENQUEUE, NS_STAGE_TX_START, "nstab12pc0", 1, RESULT_PATH_CLIENT,
	      100000, 30000000);
	entry(&b, NS_STAGE_RX_ENQUEUE, NS_STAGE_TX_START, "nstcd34lo0", 1, RESULT_PATH_CLIENT,
	      200000, 40000000);
	/* The bridge port's own transmit to the server (hop 2) is another row. */
	entry(&a, NS_STAGE_RX_ENQUEUE, NS_STAGE_TX_START, "nstab12s0", 2, RESULT_PATH_CLIENT,
	      100000, 25000000);
	cr_assert_eq(attribution__compute(pa, 1, pb, 1, &at, err, sizeof(err)), 0, "%s", err);
	r = row(&at, ATTR_TX_DRV, ATTR_ACTOR_CONTAINER, ATTR_DIR_DATA);
	cr_assert(r->v[0].present && r->v[1].present);
	cr_assert_float_eq(r->v[0].ns_per_packet, 300, 1e-9);
	cr_assert_float_eq(r->v[1].ns_per_packet, 200, 1e-9);
	cr_assert_float_eq(r->delta_per_packet, 100, 1e-9);
	cr_assert_float_eq(r->delta, 0.03 - 0.02, 1e-12);
	cr_assert_str_eq(r->v[0].where, "c0>pc0");
	cr_assert_str_eq(r->v[1].where, "c0>lo0");
	r = row(&at, ATTR_TX_DRV, ATTR_ACTOR_FORWARDER, ATTR_DIR_DATA);
	cr_assert(r->v[0].present && !r->v[1].present);
	cr_assert_str_eq(r->v[0].where, "s0", "ps0 sent it, but no tx_start on ps0 in this data");
	attribution__free(&at);
	result__free(&a);
	result__free(&b);
}

Test(attribution, classes_and_actors_of_intervals)
{
	static const struct {
		int stage, from, hop;
		enum attr_class cls;
		enum attr_actor actor;
		bool cpu;
	} t[] = {
	    {NS_STAGE_TX_START, NS_STAGE_TX_QUEUE, 0, ATTR_TX_DEV, ATTR_ACTOR_CONTAINER, true},
	    {NS_STAGE_TX_START, NS_STAGE_TX_QUEUE, 1, ATTR_TX_DEV, ATTR_ACTOR_FORWARDER, true},
	    {NS_STAGE_RX_ENQUEUE, NS_STAGE_TX_START, 1, ATTR_TX_DRV, ATTR_ACTOR_CONTAINER, true},
	    {NS_STAGE_RX_ENQUEUE, NS_STAGE_DRV_XMIT, 2, ATTR_TX_DRV, ATTR_ACTOR_FORWARDER, true},
	    {NS_STAGE_TX_DONE, NS_STAGE_RX_ENQUEUE, 0, ATTR_TX_REST, ATTR_ACTOR_CONTAINER, true},
	    {NS_STAGE_TX_DONE, NS_STAGE_DRV_DONE, 1, ATTR_TX_RETURN, ATTR_ACTOR_FORWARDER, true},
	    {NS_STAGE_RX_HANDLER, NS_STAGE_RX_CORE, 1, ATTR_RX_PRE, ATTR_ACTOR_FIRST_HOP, true},
	    {NS_STAGE_BR_FORWARD, NS_STAGE_RX_HANDLER, 1, ATTR_BR_INPUT, ATTR_ACTOR_BRIDGE, true},
	    {NS_STAGE_TX_QUEUE, NS_STAGE_RX_CORE, 1, ATTR_FORWARD, ATTR_ACTOR_BRIDGE, true},
	    {NS_STAGE_TX_QUEUE, NS_STAGE_BR_FORWARD, 1, ATTR_FORWARD, ATTR_ACTOR_BRIDGE, true},
	    {NS_STAGE_SOCK_ENQUEUE, NS_STAGE_RX_CORE, 2, ATTR_RX_SOCK, ATTR_ACTOR_RECEIVER, true},
	    {NS_STAGE_RX_SOFTIRQ, NS_STAGE_TX_DONE, 1, ATTR_W_SOFTIRQ, ATTR_ACTOR_FIRST_HOP, false},
	    {NS_STAGE_RX_CORE, NS_STAGE_TX_DONE, 2, ATTR_W_BACKLOG, ATTR_ACTOR_NEXT_HOP, false},
	    {NS_STAGE_DELIVER, NS_STAGE_SOCK_ENQUEUE, 2, ATTR_W_SOCKET, ATTR_ACTOR_RECEIVER, false},
	    /* Tunnels and stacked devices: encapsulation and decapsulation are their own rows. */
	    {NS_STAGE_TX_QUEUE, NS_STAGE_TX_START, 1, ATTR_TX_LOWER, ATTR_ACTOR_NONE, true},
	    {NS_STAGE_RX_CORE, NS_STAGE_RX_CORE, 3, ATTR_RX_UPPER, ATTR_ACTOR_NONE, true},
	    {NS_STAGE_RX_ENQUEUE, NS_STAGE_RX_CORE, 3, ATTR_RX_UPPER, ATTR_ACTOR_NONE, true},
	    /* Netfilter's hooks: translation apart from routing. */
	    {NS_STAGE_NF_PRE, NS_STAGE_RX_CORE, 1, ATTR_IP_INPUT, ATTR_ACTOR_NONE, true},
	    {NS_STAGE_NAT, NS_STAGE_NF_PRE, 1, ATTR_NAT_PRE, ATTR_ACTOR_NONE, true},
	    {NS_STAGE_NF_POST, NS_STAGE_NAT, 1, ATTR_IP_FORWARD, ATTR_ACTOR_NONE, true},
	    {NS_STAGE_NAT, NS_STAGE_NF_POST, 1, ATTR_NAT_POST, ATTR_ACTOR_NONE, true},
	    {NS_STAGE_TX_QUEUE, NS_STAGE_NAT, 1, ATTR_IP_OUTPUT, ATTR_ACTOR_NONE, true},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum attr_class c = attribution__class_of(t[i].stage, t[i].from);

		cr_expect_eq(c, t[i].cls, "%s <- %s: class %d", stage__name(t[i].stage),
			     stage__name(t[i].from), c);
		cr_expect_eq(attribution__actor_of(c, t[i].hop), t[i].actor, "%s <- %s at hop %d",
			     stage__name(t[i].stage), stage__name(t[i].from), t[i].hop);
		/* The classes agree with the one definition of CPU time. */
		cr_expect_eq(stage__is_cpu(t[i].stage, t[i].from), t[i].cpu, "%s <- %s",
			     stage__name(t[i].stage), stage__name(t[i].from));
	}
	cr_expect_str_eq(attribution__short_dev("nstab12pc0", "netstage-ab12-h0"), "pc0");
}

/* Stacked devices: a tunnel's intervals are its own rows, a bridge's are its forwarding. */
Test(attribution, stacked_devices_are_named_by_their_device)
{
	struct stage_stat encap = {.stage = NS_STAGE_TX_QUEUE,
				   .from = NS_STAGE_TX_START,
				   .dev_kind = NS_DEV_VETH,
				   .master_kind = -1};
	struct stage_stat to_port = encap, decap = {.stage = NS_STAGE_RX_CORE,
						    .from = NS_STAGE_RX_CORE,
						    .dev_kind = NS_DEV_VXLAN,
						    .master_kind = NS_DEV_BRIDGE};
	struct stage_stat up = decap;

	to_port.master_kind = NS_DEV_BRIDGE;
	up.dev_kind = NS_DEV_BRIDGE;
	up.master_kind = -1;
	cr_expect_eq(attribution__class_of_entry(&encap), ATTR_TX_LOWER, "VXLAN onto its wire");
	cr_expect_eq(attribution__class_of_entry(&to_port), ATTR_FORWARD,
		     "a bridge's xmit to its port");
	cr_expect_eq(attribution__class_of_entry(&decap), ATTR_RX_UPPER, "the wire up to VXLAN");
	cr_expect_eq(attribution__class_of_entry(&up), ATTR_BR_INPUT, "a port up to its bridge");

	/* A receive straight to a transmit: a bridge's port forwards, anything else is routed. */
	struct stage_stat bridged = {.stage = NS_STAGE_TX_QUEUE,
				     .from = NS_STAGE_RX_CORE,
				     .dev_kind = NS_DEV_VETH,
				     .master_kind = NS_DEV_BRIDGE};
	struct stage_stat routed = bridged;

	routed.dev_kind = NS_DEV_BRIDGE; /* the nat kind's host, leaving by its bridge */
	routed.master_kind = -1;
	cr_expect_eq(attribution__class_of_entry(&bridged), ATTR_FORWARD);
	cr_expect_eq(attribution__class_of_entry(&routed), ATTR_IP_FORWARD);
	cr_expect_str_eq(attribution__short_dev("eth0", "docker-1"), "eth0");
}

Test(attribution, pooled_runs_give_standard_errors)
{
	struct result a1, a2, b;
	const struct result *pa[] = {&a1, &a2}, *pb[] = {&b};
	struct attribution at;
	const struct attr_row *fwd;
	char err[256];

	pair_of_runs(&a1, &b, true);
	result__free(&b);
	pair_of_runs(&a2, &b, true);
	/* a2 forwards at 0.3 ns/B: the mean is 0.25, the standard error 0.05. */
	for (int i = 0; i < a2.n_stages; i++)
		if (a2.stages[i].stage == NS_STAGE_TX_QUEUE &&
		    a2.stages[i].from == NS_STAGE_RX_CORE)
			a2.stages[i].hist.sum = 300000000;
	cr_assert_eq(attribution__compute(pa, 2, pb, 1, &at, err, sizeof(err)), 0, "%s", err);
	fwd = row(&at, ATTR_FORWARD, ATTR_ACTOR_BRIDGE, ATTR_DIR_DATA);
	cr_assert_eq(fwd->v[0].n, 2);
	cr_assert_float_eq(fwd->v[0].ns_per_byte, 0.25, 1e-9);
	cr_assert_float_eq(fwd->v[0].ns_per_byte_se, 0.05, 1e-9);
	cr_assert_float_eq(fwd->delta_se, 0.05, 1e-9);
	cr_assert_float_eq(fwd->v[0].ns_per_packet, 2500, 1e-6, "pooled: 5e8 ns over 2e5 packets");
	cr_assert_eq(at.side[0].n_samples, 2);
	attribution__free(&at);
	result__free(&a1);
	result__free(&a2);
	result__free(&b);
}

Test(attribution, results_without_paths_merge_directions)
{
	struct result a, b;
	const struct result *pa[] = {&a}, *pb[] = {&b};
	struct attribution at;
	char err[256];

	pair_of_runs(&a, &b, false);
	for (int i = 0; i < b.n_stages; i++)
		b.stages[i].path = RESULT_PATH_ANY; /* an older result */
	cr_assert_eq(attribution__compute(pa, 1, pb, 1, &at, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(at.directions);
	cr_assert_not_null(attribution__find(&at, ATTR_FORWARD, ATTR_ACTOR_BRIDGE, ATTR_DIR_BOTH));
	cr_assert_null(attribution__find(&at, ATTR_FORWARD, ATTR_ACTOR_BRIDGE, ATTR_DIR_DATA));
	attribution__free(&at);
	result__free(&a);
	result__free(&b);
}

Test(attribution, one_run_alone_and_its_json)
{
	struct result a, b;
	const struct result *pa[] = {&a};
	struct attribution at;
	json_object *o, *v;
	char err[256];

	pair_of_runs(&a, &b, true);
	cr_assert_eq(attribution__compute(pa, 1, NULL, 0, &at, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(at.n_sides, 1);
	/* Ranked by CPU per byte: outside (0.4) is kept apart, then softirq (0.3), forward (0.2).
	 */
	cr_assert_eq(at.rows[0].cls, ATTR_SOFTIRQ_OTHER);
	cr_assert_eq(attribution__top(&at)->cls, ATTR_SOFTIRQ_OTHER);
	o = attribution__to_json(&at);
	cr_assert(json_object_object_get_ex(o, "runs", &v));
	cr_assert_eq(json_object_array_length(v), 1);
	cr_assert(json_object_object_get_ex(o, "stages", &v));
	cr_assert_eq((int)json_object_array_length(v), at.n_rows);
	cr_assert_not(json_object_object_get_ex(o, "gap_ns_per_byte", NULL));
	json_object_put(o);
	attribution__free(&at);
	cr_assert_neq(attribution__compute(pa, 0, NULL, 0, &at, err, sizeof(err)), 0);
	result__free(&a);
	result__free(&b);
}

Test(attribution, text_fits_100_columns)
{
	struct result a, b;
	const struct result *pa[] = {&a}, *pb[] = {&b};
	struct attribution at;
	char err[256], *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pair_of_runs(&a, &b, true);
	cr_assert_eq(attribution__compute(pa, 1, pb, 1, &at, err, sizeof(err)), 0, "%s", err);
	table__print_attribution(&at, f);
	fclose(f);
	cr_assert(strstr(buf, "bridge: forward"), "%s", buf);
	cr_assert(strstr(buf, "unexplained"), "%s", buf);
	cr_assert(strstr(buf, "+40%"), "the forward's share: %s", buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "note:", 5))
			cr_expect_leq(strlen(line), 100, "too wide: '%s'", line);
	free(buf);
	attribution__free(&at);
	result__free(&a);
	result__free(&b);
}

Test(attribution, a_sender_bound_pair_counts_the_senders_cpu)
{
	struct result a, b;
	const struct result *pa[] = {&a}, *pb[] = {&b};
	struct attribution at;
	const struct attr_row *back, *out;
	char err[256];

	/* Senders at 100 %: their CPU per byte is the wall time, 1.0 and 0.5 ns/B. */
	pair_of_runs(&a, &b, true);
	a.throughput.repeats[0].sender_cpu = 100;
	a.throughput.repeats[0].receiver_cpu = 50;
	b.throughput.repeats[0].sender_cpu = 100;
	b.throughput.repeats[0].receiver_cpu = 40;
	/* The acknowledgements' forward runs on the receiver's CPU: shown, not counted. */
	entry(&a, NS_STAGE_TX_QUEUE, NS_STAGE_RX_CORE, "nstab12pc0", 1, RESULT_PATH_SERVER, 1000,
	      50000000);
	cr_assert_eq(attribution__compute(pa, 1, pb, 1, &at, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(at.bind, ATTR_BIND_SENDER);
	back = row(&at, ATTR_FORWARD, ATTR_ACTOR_BRIDGE, ATTR_DIR_BACK);
	cr_assert_not(back->on_binding);
	cr_assert_float_eq(back->share, 0.1, 1e-9, "its share is shown all the same");
	/* Sender rows: 0.1 + 0.2 + 0.3 = 0.6 of A's 1.0, 0.1 + 0.2 of B's 0.5. */
	out = row(&at, ATTR_OUTSIDE, ATTR_ACTOR_NONE, ATTR_DIR_BOTH);
	cr_assert_float_eq(out->v[0].ns_per_byte, 0.4, 1e-9);
	cr_assert_float_eq(out->v[1].ns_per_byte, 0.2, 1e-9);
	cr_assert_float_eq(at.explained, 0.6, 1e-9, "the back row is not in it");
	cr_assert_float_eq(at.outside, 0.4, 1e-9);
	cr_assert_float_eq(at.unexplained, 0, 1e-9, "a bound sender's time is all accounted");
	cr_assert_eq(attribution__top(&at)->cls, ATTR_FORWARD);
	cr_assert_eq(attribution__top(&at)->dir, ATTR_DIR_DATA);
	attribution__free(&at);
	result__free(&a);
	result__free(&b);
}
