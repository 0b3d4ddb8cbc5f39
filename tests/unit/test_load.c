// SPDX-License-Identifier: GPL-2.0
/* Reading iperf3 3.12's JSON (fixtures captured from real runs on a veth pair). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "user/load.h"

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

Test(load, tcp_result)
{
	char *json = slurp("tests/unit/data/iperf3-tcp.json");
	struct load_result r = { 0 };

	cr_assert_eq(load__parse_json(json, LOAD_TCP, &r), 0, "%s", r.error);
	cr_assert(r.ok);
	cr_assert_float_eq(r.recv_bps, 18723635291.74141, 1);
	cr_assert_float_eq(r.sent_bps, 18724019096.52002, 1);
	cr_assert_eq(r.recv_bytes, 4681367552ULL);
	cr_assert_eq(r.retransmits, 23111);
	cr_assert_float_eq(r.seconds, 2.000196, 1e-9);
	cr_assert_float_eq(r.cpu_sender, 92.63218699851697, 1e-9);
	cr_assert_float_eq(r.cpu_receiver, 43.92989950075342, 1e-9);
	free(json);
}

Test(load, udp_result_uses_the_receivers_loss)
{
	char *json = slurp("tests/unit/data/iperf3-udp.json");
	struct load_result r = { 0 };

	cr_assert_eq(load__parse_json(json, LOAD_UDP, &r), 0, "%s", r.error);
	cr_assert_float_eq(r.recv_bps, 2311649361.850207, 1);
	cr_assert_eq(r.lost_packets, 57591);
	cr_assert_eq(r.packets, 450210);
	cr_assert_float_eq(r.lost_percent, 12.79203038581995, 1e-9);
	cr_assert_float_eq(r.jitter_ms, 0.008416676404583864, 1e-12);
	free(json);
}

Test(load, iperf3_error_is_reported)
{
	struct load_result r = { 0 };

	cr_assert_lt(load__parse_json("{\"error\": \"unable to connect to server\"}", LOAD_TCP, &r),
		     0);
	cr_assert_not(r.ok);
	cr_assert_str_eq(r.error, "iperf3: unable to connect to server");
}

Test(load, garbage_is_not_json)
{
	struct load_result r = { 0 };

	cr_assert_lt(load__parse_json("Connecting to host", LOAD_TCP, &r), 0);
	cr_assert_str_eq(r.error, "iperf3's output is not JSON");
}
