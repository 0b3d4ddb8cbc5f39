// SPDX-License-Identifier: GPL-2.0
/*
 * Exact counts: N datagrams of one flow across a veth pair are seen exactly N
 * times at each stage. Static neighbours and IPv6 off in the namespaces mean
 * no ARP or neighbour discovery traffic is sent, so nothing else is counted.
 */
#include "helpers.h"
#include <time.h>
#include "user/collect.h"
#include "analysis/stage.h"

#define N_DATAGRAMS 1000
#define PORT 40001

static struct topo *topo;
static struct loader *loader;

static void teardown(void)
{
	loader__destroy(loader);
	loader = NULL;
	topo__down(topo);
	topo = NULL;
}

TestSuite(stages, .fini = teardown);

static void up(enum topo_kind kind, int mode)
{
	struct topo_spec spec = { .kind = kind, .mode = mode, .pairs = 1, .mtu = 1500 };
	struct topo_err err = { { 0 } };
	char msg[512];

	if (topo__probe_kind(kind, mode, &err))
		cr_skip_test("skipped: %s", err.msg);
	cr_assert_eq(topo__up(&spec, &topo, &err), 0, "topo up: %s", err.msg);
	cr_assert_eq(loader__start(&loader, &(struct loader_opts){ .topo = topo }, msg, sizeof(msg)),
		     0, "loader: %s", msg);
}

/* Send n datagrams from pair 0's client to its server, which reads them all. */
static void send_datagrams(int n)
{
	const struct topo_pair *p = &topo->pairs[0];
	int tx = socket_in(topo, p->client_ns, SOCK_DGRAM);
	int rx = socket_in(topo, p->server_ns, SOCK_DGRAM);
	struct sockaddr_in dst = addr4(p->server_ip4, PORT), src = addr4(p->client_ip4, PORT - 1);
	int big = 8 << 20, got = 0;
	char buf[256] = "netstage";
	struct timespec pause = { 0, 20 * 1000 };

	setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	cr_assert_eq(bind(rx, (struct sockaddr *)&dst, sizeof(dst)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(bind(tx, (struct sockaddr *)&src, sizeof(src)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(connect(tx, (struct sockaddr *)&dst, sizeof(dst)), 0);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(send(tx, buf, 100, 0), 100, "send %d: %s", i, strerror(errno));
		/* Pace a little: the aim is counting, not filling the backlog. */
		if (i % 50 == 49)
			nanosleep(&pause, NULL);
	}
	while (got < n && recv(rx, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		got++;
	for (int tries = 0; got < n && tries < 100; tries++) {
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
		while (got < n && recv(rx, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			got++;
	}
	cr_assert_eq(got, n, "the receiver got %d of %d datagrams", got, n);
	close(tx);
	close(rx);
}

static struct result collect(void)
{
	struct result r = { 0 };

	cr_assert_eq(collect__snapshot(loader, &r), 0);
	return r;
}

Test(stages, udp_datagrams_counted_exactly_across_a_veth_pair)
{
	need_root_and_probes();
	up(TOPO_VETH, -1);
	cr_assert_eq(collect__begin(loader), 0);
	send_datagrams(N_DATAGRAMS);
	{
		struct result r = collect();
		const char *c = topo->devs[topo->pairs[0].client_dev].ifname;
		const char *s = topo->devs[topo->pairs[0].server_dev].ifname;

		/* The check: every datagram at net_dev_start_xmit and netif_receive_skb. */
		cr_expect_eq(stage_total(&r, c, NS_STAGE_TX_START), N_DATAGRAMS);
		cr_expect_eq(stage_total(&r, s, NS_STAGE_RX_CORE), N_DATAGRAMS);
		/* And at every stage of the hop, each timed from the one before. */
		cr_expect_eq(stage_count(&r, c, NS_STAGE_TX_QUEUE, NS_STAGE_NONE), N_DATAGRAMS);
		cr_expect_eq(stage_count(&r, c, NS_STAGE_TX_START, NS_STAGE_TX_QUEUE), N_DATAGRAMS);
		cr_expect_eq(stage_count(&r, s, NS_STAGE_RX_ENQUEUE, NS_STAGE_TX_START), N_DATAGRAMS);
		cr_expect_eq(stage_count(&r, c, NS_STAGE_TX_DONE, NS_STAGE_RX_ENQUEUE), N_DATAGRAMS);
		cr_expect_eq(stage_count(&r, s, NS_STAGE_RX_CORE, NS_STAGE_TX_DONE) +
				     stage_count(&r, s, NS_STAGE_RX_CORE, NS_STAGE_RX_SOFTIRQ),
			     N_DATAGRAMS);
		cr_expect_leq(stage_total(&r, s, NS_STAGE_RX_SOFTIRQ), N_DATAGRAMS);
		/* Nothing but the flow was counted on either device. */
		for (int i = 0; i < r.n_stages; i++) {
			if (r.stages[i].stage == NS_STAGE_RX_SOFTIRQ)
				continue;
			cr_expect_eq(stage_total(&r, r.stages[i].ifname, r.stages[i].stage),
				     N_DATAGRAMS, "%s on %s: %llu", stage__name(r.stages[i].stage),
				     r.stages[i].ifname,
				     stage_total(&r, r.stages[i].ifname, r.stages[i].stage));
		}
		cr_expect_eq(r.counters[NS_CNT_STARTED], N_DATAGRAMS);
		cr_expect_eq(r.counters[NS_CNT_MIDWAY], 0);
		cr_expect_eq(r.counters[NS_CNT_EVICTED], 0);
		cr_expect_eq(r.n_drops, 0);
		/* The transmit span covers the same packets. */
		cr_expect_eq(r.n_spans, 1);
		if (r.n_spans)
			cr_expect_eq(r.spans[0].hist.count, N_DATAGRAMS);
		result__free(&r);
	}
}
