// SPDX-License-Identifier: GPL-2.0
/*
 * Reading iperf3 3.12's JSON (fixtures captured from real runs on a veth
 * pair, the *-intervals ones with 0.1 s intervals and the server's output),
 * and the window arithmetic on hand-made figures.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include "analysis/iperf.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	cr_assert_eq(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	return buf;
}

static double sum_bytes(const struct load_interval *iv, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += iv[i].bytes;
	return s;
}

Test(load, tcp_result)
{
	char *json = slurp("tests/unit/data/iperf3-tcp.json");
	struct load_result r = {0};

	cr_assert_eq(iperf__parse_json(json, LOAD_TCP, false, false, &r), 0, "%s", r.error);
	cr_assert(r.ok);
	cr_assert_float_eq(r.recv_bps, 18723635291.74141, 1);
	cr_assert_float_eq(r.sent_bps, 18724019096.52002, 1);
	cr_assert_eq(r.recv_bytes, 4681367552ULL);
	cr_assert_eq(r.retransmits, 23111);
	cr_assert_float_eq(r.seconds, 2.000196, 1e-9);
	cr_assert_float_eq(r.cpu_client, 92.63218699851697, 1e-9);
	cr_assert_float_eq(r.cpu_server, 43.92989950075342, 1e-9);
	/* Without the server's output, only the client's (sending) intervals. */
	cr_assert_gt(r.n_send, 0);
	cr_assert_eq(r.n_recv, 0);
	iperf__free(&r, 1);
	free(json);
}

Test(load, udp_result_uses_the_receivers_loss)
{
	char *json = slurp("tests/unit/data/iperf3-udp.json");
	struct load_result r = {0};

	cr_assert_eq(iperf__parse_json(json, LOAD_UDP, false, false, &r), 0, "%s", r.error);
	cr_assert_float_eq(r.recv_bps, 2311649361.850207, 1);
	cr_assert_eq(r.lost_packets, 57591);
	cr_assert_eq(r.packets, 450210);
	cr_assert_float_eq(r.lost_percent, 12.79203038581995, 1e-9);
	cr_assert_float_eq(r.jitter_ms, 0.008416676404583864, 1e-12);
	iperf__free(&r, 1);
	free(json);
}

Test(load, intervals_of_both_sides)
{
	char *json = slurp("tests/unit/data/iperf3-tcp-intervals.json");
	struct load_result r = {0};
	double retr = 0;

	cr_assert_eq(iperf__parse_json(json, LOAD_TCP, false, false, &r), 0, "%s", r.error);
	/* The client sends: its 10 intervals; the server's 11 (a short last one) receive. */
	cr_assert_eq(r.n_send, 10);
	cr_assert_eq(r.n_recv, 11);
	cr_assert_float_eq(r.recv_iv[0].end, 0.100029, 1e-9);
	cr_assert_float_eq(r.recv_iv[10].end, 1.000761, 1e-9);
	cr_assert_float_eq(sum_bytes(r.recv_iv, r.n_recv), 1798176768.0, 0.5);
	cr_assert_float_eq(r.send_iv[4].bytes, 205783040.0, 0.5);
	for (int i = 0; i < r.n_send; i++)
		retr += r.send_iv[i].retransmits;
	cr_assert_float_eq(retr, 11483, 1e-9);
	iperf__free(&r, 1);
	free(json);
}

Test(load, reverse_swaps_the_sides)
{
	char *json = slurp("tests/unit/data/iperf3-tcp-reverse.json");
	struct load_result r = {0};
	double retr = 0;

	cr_assert_eq(iperf__parse_json(json, LOAD_TCP, true, false, &r), 0, "%s", r.error);
	/* The server sends: its intervals carry the retransmits; the client's the goodput. */
	for (int i = 0; i < r.n_send; i++)
		retr += r.send_iv[i].retransmits;
	cr_assert_float_eq(retr, 9422, 1e-9);
	cr_assert_float_eq(sum_bytes(r.recv_iv, r.n_recv), 2043673872.0, 0.5);
	cr_assert_eq(r.recv_bytes, 2043673872ULL);
	/* iperf3's host is the client, the receiver here. */
	cr_assert_float_eq(r.cpu_client, 45.01747256238274, 1e-9);
	iperf__free(&r, 1);
	free(json);
}

Test(load, udp_receiver_intervals_count_datagrams)
{
	char *json = slurp("tests/unit/data/iperf3-udp-intervals.json");
	struct load_result r = {0};
	double packets = 0;

	cr_assert_eq(iperf__parse_json(json, LOAD_UDP, false, false, &r), 0, "%s", r.error);
	cr_assert_eq(r.n_recv, 10);
	for (int i = 0; i < r.n_recv; i++)
		packets += r.recv_iv[i].packets;
	cr_assert_float_eq(packets, 42451, 1e-9);
	cr_assert_float_eq(sum_bytes(r.recv_iv, r.n_recv), 62487872.0, 0.5);
	iperf__free(&r, 1);
	free(json);
}

Test(load, iperf3_error_is_reported)
{
	struct load_result r = {0};

	cr_assert_lt(iperf__parse_json("{\"error\": \"unable to connect to server\"}", LOAD_TCP,
				       false, false, &r),
		     0);
	cr_assert_not(r.ok);
	cr_assert_str_eq(r.error, "iperf3: unable to connect to server");
}

Test(load, garbage_is_not_json)
{
	struct load_result r = {0};

	cr_assert_lt(iperf__parse_json("Connecting to host", LOAD_TCP, false, false, &r), 0);
	cr_assert_str_eq(r.error, "iperf3's output is not JSON");
}

/* Two 1 s intervals of 100 and 200 bytes (10 and 20 retransmits). */
static const struct load_interval two[] = {
    {.start = 0, .end = 1, .bytes = 100, .retransmits = 10},
    {.start = 1, .end = 2, .bytes = 200, .retransmits = 20},
};

struct share_case {
	double a, b, bytes, retransmits;
};

ParameterizedTestParameters(load, interval_share)
{
	static struct share_case cases[] = {
	    {0, 2, 300, 30},	   /* all of it */
	    {0.5, 1.5, 150, 15},   /* half of each */
	    {1.25, 1.75, 100, 10}, /* inside one */
	    {-1, 0.1, 10, 1},	   /* the window starts before the test */
	    {1.9, 5, 20, 2},	   /* and ends after it */
	    {3, 4, 0, 0},	   /* outside */
	};
	return cr_make_param_array(struct share_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct share_case *c, load, interval_share)
{
	struct load_interval s;

	iperf__interval_sum(two, 2, c->a, c->b, &s);
	cr_assert_float_eq(s.bytes, c->bytes, 1e-9, "[%g, %g]: %g", c->a, c->b, s.bytes);
	cr_assert_float_eq(s.retransmits, c->retransmits, 1e-9);
}

/* A measured pair with a constant 1000 bytes/s from its start and counters every 0.25 s. */
static void fake_pair(struct load_result *r, double start, double len)
{
	static struct load_interval iv[2][40];
	static struct load_sample smp[2][64];
	static int next;
	int k = next++ % 2, n = 0;

	memset(r, 0, sizeof(*r));
	r->ok = true;
	r->client_start = start;
	r->server_start = start;
	r->seconds = len;
	for (double t = 0; t < len - 1e-9; t += 0.5, n++)
		iv[k][n] = (struct load_interval){.start = t, .end = t + 0.5, .bytes = 500};
	r->recv_iv = r->send_iv = iv[k];
	r->n_recv = r->n_send = n;
	/* The interface sees 10 packets of 110 bytes per 1000 bytes of goodput. */
	for (int i = 0; i <= 40; i++) {
		double t = i * 0.25, active;

		active = t < start ? 0 : t > start + len ? len : t - start;
		smp[k][i] = (struct load_sample){.t = t,
						 .packets = (__u64)(10 * active + 0.5),
						 .bytes = (__u64)(1100 * active + 0.5)};
	}
	r->samples = smp[k];
	r->n_samples = 41;
}

Test(load, window_is_the_overlap_at_the_samples)
{
	struct load_result r[2];
	struct load_window w;

	fake_pair(&r[0], 0.1, 4);
	fake_pair(&r[1], 0.6, 4);
	iperf__window(r, 2, false, &w);
	cr_assert(w.common);
	cr_assert_eq(w.measured, 2);
	cr_assert_float_eq(w.start, 0.6, 1e-9);
	cr_assert_float_eq(w.end, 4.1, 1e-9);
	cr_assert_float_eq(w.last_start - w.first_start, 0.5, 1e-9);
	for (int i = 0; i < 2; i++) {
		/* Narrowed to the samples inside [0.6, 4.1]: 0.75 to 4.0. */
		cr_assert_float_eq(r[i].win_start, 0.75, 1e-9);
		cr_assert_float_eq(r[i].win_end, 4.0, 1e-9);
		cr_assert_float_eq(r[i].win_bytes, 3250, 1e-6, "pair %d: %g", i, r[i].win_bytes);
		cr_assert_eq(r[i].dev_bytes, 3575, "pair %d: %llu", i,
			     (unsigned long long)r[i].dev_bytes);
		cr_assert_eq(r[i].run_dev_bytes, 4400);
	}
}

Test(load, failed_pairs_do_not_narrow_the_window)
{
	struct load_result r[3];
	struct load_window w;

	fake_pair(&r[0], 0.1, 4);
	fake_pair(&r[1], 0.1, 4);
	memset(&r[2], 0, sizeof(r[2]));
	snprintf(r[2].error, sizeof(r[2].error), "iperf3: unable to connect");
	iperf__window(r, 3, false, &w);
	cr_assert(w.common);
	cr_assert_eq(w.measured, 2);
	cr_assert_float_eq(w.start, 0.1, 1e-9);
}

Test(load, no_overlap_means_each_pair_over_its_own_test)
{
	struct load_result r[2];
	struct load_window w;

	fake_pair(&r[0], 0.0, 2);
	fake_pair(&r[1], 2.5, 2);
	iperf__window(r, 2, false, &w);
	cr_assert_not(w.common);
	for (int i = 0; i < 2; i++) {
		cr_assert_float_eq(r[i].win_end - r[i].win_start, 2, 1e-9);
		cr_assert_float_eq(r[i].win_bytes, 2000, 1e-6);
		cr_assert_eq(r[i].dev_bytes, 2200);
	}
}

Test(load, unknown_starts_fall_back_on_the_release)
{
	struct load_result r[1];
	struct load_window w;

	fake_pair(&r[0], 0.0, 2);
	r[0].client_start = r[0].server_start = -1;
	iperf__window(r, 1, false, &w);
	cr_assert_not(w.starts_known);
	cr_assert(w.common);
	cr_assert_float_eq(w.start, 0, 1e-9);
}
