// SPDX-License-Identifier: GPL-2.0
/*
 * Lost throughput: drops by where they happened beside iperf3's count, the
 * dominant cause chosen by what it costs, and the causes that cap a rate.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/anomaly.h"
#include "analysis/table.h"

/* A UDP run of one repeat: iperf3 sent and lost, its CPU, the sender's first stage. */
static void udp_run(struct result *r, double sent, double lost, double snd, double rcv)
{
	struct stage_stat *s;
	struct sock_stat *k;

	memset(r, 0, sizeof(*r));
	strcpy(r->config.command, "run");
	strcpy(r->config.kind, "veth-bridge");
	strcpy(r->config.proto, "udp");
	r->config.pairs = 1;
	r->config.mtu = 1500;
	r->config.duration = 5;
	r->profile_seconds = 5;
	r->throughput.present = true;
	r->throughput.bits_per_second = (sent - lost) * 1472 * 8 / 5;
	r->throughput.n_repeats = 1;
	r->throughput.repeats = calloc(1, sizeof(*r->throughput.repeats));
	r->throughput.repeats[0].bits_per_second = r->throughput.bits_per_second;
	r->throughput.repeats[0].sent_packets = sent;
	r->throughput.repeats[0].lost_packets = lost;
	r->throughput.repeats[0].sender_cpu = snd;
	r->throughput.repeats[0].receiver_cpu = rcv;
	s = result__add_stage(r);
	s->stage = NS_STAGE_TX_QUEUE;
	s->from = NS_STAGE_NONE;
	s->path = RESULT_PATH_CLIENT;
	snprintf(s->ifname, sizeof(s->ifname), "nstab12c0");
	s->hist.count = (__u64)sent;
	s->hist.segs = (__u64)sent;
	k = result__add_sock(r);
	k->protocol = 17;
	k->port = 5201;
	k->delivered = (__u64)(sent - lost);
	k->bytes = (__u64)((sent - lost) * 1472);
	r->softirq.n_cpus = 2;
	r->softirq.per_cpu = calloc(2, sizeof(*r->softirq.per_cpu));
	r->softirq.per_cpu[0].net_rx_ns = 2000000000; /* 40 % of the 5 s */
	r->softirq.total.net_rx_ns = 2000000000;
	r->softirq.total.net_rx_count = 100000;
}

static void drop(struct result *r, const char *reason, int stage, int path, __u64 n)
{
	struct drop_stat *d = result__add_drop(r);

	snprintf(d->reason, sizeof(d->reason), "%s", reason);
	snprintf(d->ifname, sizeof(d->ifname), "nstab12s0");
	d->stage = stage;
	d->path = path;
	d->count = n;
}

static const struct anomaly_finding *finding(const struct anomaly *a, enum anomaly_cause c)
{
	for (int i = 0; i < a->n_findings; i++)
		if (a->findings[i].cause == c)
			return &a->findings[i];
	return NULL;
}

Test(anomaly, socket_drops_counted_beside_iperf3_and_named)
{
	struct result r;
	const struct result *p[] = {&r};
	struct anomaly a;
	const struct anomaly_finding *f;

	udp_run(&r, 100000, 10000, 99, 95);
	drop(&r, "SOCKET_RCVBUFF", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 9900);
	drop(&r, "QUEUE_PURGE", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 100);
	drop(&r, "TCP_OLD_DATA", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 7);   /* the control link */
	drop(&r, "SOCKET_RCVBUFF", NS_STAGE_RX_CORE, RESULT_PATH_SERVER, 5); /* not the flow's */
	anomaly__check(p, 1, NULL, &a);
	cr_assert(a.applies);
	cr_assert_float_eq(a.kernel_drops, 10000, 1e-9);
	cr_assert_float_eq(a.drops_by[CAUSE_SOCKET_QUEUE], 9900, 1e-9);
	cr_assert_float_eq(a.drops_by[CAUSE_PATH_DROP], 100, 1e-9);
	cr_assert_float_eq(a.drop_diff, 0, 1e-12);
	cr_assert_geq(a.dominant, 0);
	f = &a.findings[a.dominant];
	cr_assert_eq(f->cause, CAUSE_SOCKET_QUEUE, "%s", f->what);
	cr_assert_float_eq(f->weight, 0.099, 1e-9);
	cr_assert(strstr(f->evidence, "SOCKET_RCVBUFF 9900 after rx_core on s0"), "%s",
		  f->evidence);
	cr_assert(strstr(f->evidence, "CPU-bound (95%"), "%s", f->evidence);
	/* Saturated at both ends: the sender caps the rate, the receiver cannot keep up. */
	cr_assert_not_null(finding(&a, CAUSE_SENDER_CPU));
	cr_assert_not_null(finding(&a, CAUSE_RECEIVER_CPU));
	cr_assert_not_null(finding(&a, CAUSE_NO_GSO));
	cr_assert_null(finding(&a, CAUSE_SHARED_CPU));
	result__free(&r);
}

Test(anomaly, a_tcp_reference_puts_numbers_on_the_missing_offload)
{
	struct result r, tcp;
	const struct result *p[] = {&r};
	struct anomaly a;
	const struct anomaly_finding *f;
	struct stage_stat *s;
	struct sock_stat *k;

	udp_run(&r, 100000, 1000, 99, 50);
	drop(&r, "SOCKET_RCVBUFF", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 1000);
	/* TCP: 10 Gbit/s in 64 KB skbs of 45 segments. */
	memset(&tcp, 0, sizeof(tcp));
	strcpy(tcp.config.proto, "tcp");
	tcp.throughput.present = true;
	tcp.throughput.bits_per_second = 10e9;
	tcp.profile_seconds = 1;
	s = result__add_stage(&tcp);
	s->stage = NS_STAGE_TX_QUEUE;
	s->from = NS_STAGE_NONE;
	s->path = RESULT_PATH_CLIENT;
	s->hist.count = 19073;
	s->hist.segs = 19073 * 45;
	k = result__add_sock(&tcp);
	k->protocol = 6;
	k->bytes = 1250000000;
	anomaly__check(p, 1, &tcp, &a);
	f = finding(&a, CAUSE_NO_GSO);
	cr_assert_not_null(f);
	cr_assert_float_eq(a.bytes_per_skb, 1472, 1e-6);
	cr_assert_float_eq(a.segs_per_skb, 1, 1e-9);
	cr_assert_float_eq(a.ref_segs_per_skb, 45, 1e-9);
	/* 1.25e9 B in 19073 skbs is 65537.6 B per skb, 44.52 times UDP's 1472 B: 45, rounded. */
	cr_assert(strstr(f->evidence, "45 times as many packets per byte"), "%s", f->evidence);
	/* It sends 100000 datagrams of 1472 B in 5 s: 235.5 Mbit/s, 97.6 % below 10 Gbit/s. */
	cr_assert_float_eq(f->weight, 1 - 100000 * 1472 * 8 / 5 / 10e9, 1e-6);
	cr_assert_eq(a.findings[a.dominant].cause, CAUSE_NO_GSO,
		     "it costs more than the 1 %% lost");
	result__free(&r);
	result__free(&tcp);
}

Test(anomaly, two_ends_on_one_cpu_is_named)
{
	struct result r;
	const struct result *p[] = {&r};
	struct anomaly a;
	const struct anomaly_finding *f;

	udp_run(&r, 100000, 30000, 63, 31);
	drop(&r, "SOCKET_RCVBUFF", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 30000);
	anomaly__check(p, 1, NULL, &a);
	f = finding(&a, CAUSE_SHARED_CPU);
	cr_assert_not_null(f);
	cr_assert_eq(a.shared_repeats, 1);
	cr_assert(strstr(f->evidence, "63% + 31%"), "%s", f->evidence);
	cr_assert_eq(a.findings[a.dominant].cause, CAUSE_SHARED_CPU);
	cr_assert_null(finding(&a, CAUSE_SENDER_CPU), "63 %% is not saturated");
	/* At a target rate, a sender below a CPU is what it should be. */
	r.config.bitrate = 100000000;
	anomaly__check(p, 1, NULL, &a);
	cr_assert_null(finding(&a, CAUSE_SHARED_CPU));
	result__free(&r);
}

Test(anomaly, backlog_drops_from_softnet_stat_count_too)
{
	struct result r;
	const struct result *p[] = {&r};
	struct anomaly a;

	udp_run(&r, 100000, 5000, 99, 40);
	r.softirq.total.backlog_drops = 5000; /* a kernel without drop reasons */
	r.softirq.total.time_squeeze = 2000;
	anomaly__check(p, 1, NULL, &a);
	cr_assert_float_eq(a.drops_by[CAUSE_BACKLOG], 5000, 1e-9);
	cr_assert_float_eq(a.kernel_drops, 5000, 1e-9);
	cr_assert_eq(a.findings[a.dominant].cause, CAUSE_BACKLOG);
	cr_assert_not_null(finding(&a, CAUSE_SOFTIRQ), "2000 squeezes in 100000 runs");
	result__free(&r);
}

Test(anomaly, tcp_duplicates_are_not_losses)
{
	struct result r;
	const struct result *p[] = {&r};
	struct anomaly a;

	udp_run(&r, 100000, 0, 60, 50);
	strcpy(r.config.proto, "tcp");
	r.throughput.repeats[0].retransmits = 80;
	drop(&r, "TCP_OLD_DATA", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 80);
	drop(&r, "QUEUE_PURGE", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 1);
	anomaly__check(p, 1, NULL, &a);
	cr_assert(a.applies, "retransmissions are worth a look");
	cr_assert_float_eq(a.kernel_drops, 0, 1e-12);
	cr_assert(strstr(a.summary, "not losses"), "%s", a.summary);
	result__free(&r);

	udp_run(&r, 100000, 0, 60, 50);
	strcpy(r.config.proto, "tcp");
	anomaly__check(p, 1, NULL, &a);
	cr_assert_not(a.applies, "TCP without loss has nothing to explain");
	result__free(&r);
}

Test(anomaly, text_and_json)
{
	struct result r;
	const struct result *p[] = {&r};
	struct anomaly a;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_object *o, *v;

	udp_run(&r, 100000, 10000, 99, 95);
	drop(&r, "SOCKET_RCVBUFF", NS_STAGE_RX_CORE, RESULT_PATH_CLIENT, 10300);
	anomaly__check(p, 1, NULL, &a);
	cr_assert_float_eq(a.drop_diff, 0.03, 1e-9);
	table__print_anomaly(&a, 'A', f);
	fclose(f);
	cr_assert(strstr(buf, "iperf3 lost 10000 of 100000 datagrams"), "%s", buf);
	cr_assert(strstr(buf, "the kernel dropped 10300"), "%s", buf);
	cr_assert(strstr(buf, "+3.0%"), "%s", buf);
	cr_assert(strstr(buf, "dominant cause: "), "%s", buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		cr_expect_leq(strlen(line), 100, "too wide: '%s'", line);
	free(buf);
	o = anomaly__to_json(&a);
	cr_assert(json_object_object_get_ex(o, "dominant_cause", &v));
	cr_assert_str_eq(json_object_get_string(v), "socket_receive_queue");
	cr_assert(json_object_object_get_ex(o, "loss", &v));
	cr_assert(json_object_object_get_ex(v, "iperf3_lost", NULL));
	cr_assert(json_object_object_get_ex(v, "kernel_drops", NULL));
	json_object_put(o);
	result__free(&r);
}
