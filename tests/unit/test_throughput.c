// SPDX-License-Identifier: GPL-2.0
/* Throughput per pair and repetition: aggregates, the result file's keys, text and CSV. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/throughput.h"

/* Two pairs, three repetitions: pair 1 fails in the second; the third measures nothing. */
static void make(struct result *r)
{
	static const double bps[3][2] = {{4e9, 6e9}, {5e9, 0}, {0, 0}};

	memset(r, 0, sizeof(*r));
	snprintf(r->config.command, sizeof(r->config.command), "run");
	snprintf(r->config.kind, sizeof(r->config.kind), "veth-bridge");
	snprintf(r->config.layout, sizeof(r->config.layout), "local");
	snprintf(r->config.proto, sizeof(r->config.proto), "tcp");
	r->config.pairs = 2;
	r->config.mtu = 1500;
	r->config.streams = 1;
	r->config.repeat = 3;
	r->config.duration = 2;
	r->throughput.present = true;
	r->throughput.n_repeats = 3;
	r->throughput.repeats = calloc(3, sizeof(struct repeat_stat));
	for (int i = 0; i < 3; i++) {
		struct repeat_stat *rs = &r->throughput.repeats[i];

		rs->n_pairs = 2;
		rs->pairs = calloc(2, sizeof(struct pair_stat));
		rs->common_window = true;
		for (int p = 0; p < 2; p++) {
			struct pair_stat *ps = &rs->pairs[p];

			ps->pair = p;
			ps->streams = 1;
			ps->ok = bps[i][p] > 0;
			if (!ps->ok) {
				snprintf(ps->error, sizeof(ps->error), "iperf3: unable to connect");
				continue;
			}
			ps->bits_per_second = bps[i][p];
			ps->packets_per_second = bps[i][p] / 1e5;
			ps->retransmits = 7;
			ps->seconds = 1.9;
			rs->pairs_measured++;
			rs->bits_per_second += ps->bits_per_second;
			rs->packets_per_second += ps->packets_per_second;
			rs->retransmits += 7;
			rs->seconds = 1.9;
		}
	}
	throughput__aggregate(&r->throughput);
}

Test(throughput, repetitions_without_a_measured_pair_do_not_count)
{
	struct result r;

	make(&r);
	/* Totals 10e9 and 5e9: mean 7.5e9, stddev sqrt(12.5e18), stderr 2.5e9. */
	cr_assert_float_eq(r.throughput.bits_per_second, 7.5e9, 1);
	cr_assert_float_eq(r.throughput.stddev_bps, 3535533905.932738, 1);
	cr_assert_float_eq(r.throughput.stderr_bps, 2.5e9, 1);
	cr_assert_float_eq(r.throughput.packets_per_second, 75000, 1e-6);
	cr_assert_eq(throughput__failed(&r.throughput), 3);
	cr_assert_eq(throughput__min_measured(&r.throughput), 0);
	cr_assert_str_eq(throughput__status(&r.throughput), "failed");
	result__free(&r);
}

Test(throughput, file_round_trip_keeps_pairs_failures_and_the_machine)
{
	char path[] = "/tmp/netstage-test-tp-XXXXXX", err[512];
	struct result r, back;
	int fd = mkstemp(path);
	json_object *root, *tp, *v;

	cr_assert_geq(fd, 0);
	close(fd);
	make(&r);
	r.system.present = true;
	snprintf(r.system.distribution, sizeof(r.system.distribution), "Debian GNU/Linux 12");
	r.system.cpus = 2;
	r.system.n_sysctls = 1;
	snprintf(r.system.sysctls[0].name, sizeof(r.system.sysctls[0].name),
		 "net.core.netdev_max_backlog");
	snprintf(r.system.sysctls[0].value, sizeof(r.system.sysctls[0].value), "1000");
	cr_assert_eq(result__write(&r, path, err, sizeof(err)), 0, "%s", err);

	/* The fixed keys and the added ones, as a reader of the file sees them. */
	root = json_object_from_file(path);
	cr_assert_not_null(root);
	cr_assert(json_object_object_get_ex(root, "throughput", &tp));
	for (const char *k = "bits_per_second\0packets_per_second\0repeats\0mean\0stderr\0"
			     "stddev\0summary\0pairs\0failed_pairs\0window\0";
	     *k; k += strlen(k) + 1)
		cr_assert(json_object_object_get_ex(tp, k, NULL), "throughput.%s is missing", k);
	cr_assert(json_object_object_get_ex(tp, "failed_pairs", &v));
	cr_assert_eq(json_object_array_length(v), 3);
	cr_assert(json_object_object_get_ex(root, "system", &v));
	json_object_put(root);

	cr_assert_eq(result__read(path, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(back.throughput.n_repeats, 3);
	cr_assert_eq(back.throughput.repeats[1].n_pairs, 2);
	cr_assert_not(back.throughput.repeats[1].pairs[1].ok);
	cr_assert_str_eq(back.throughput.repeats[1].pairs[1].error, "iperf3: unable to connect");
	cr_assert_float_eq(back.throughput.repeats[0].pairs[1].bits_per_second, 6e9, 1);
	cr_assert_eq(back.throughput.repeats[0].pairs_measured, 2);
	cr_assert_float_eq(back.throughput.stderr_bps, 2.5e9, 1);
	cr_assert_str_eq(back.system.distribution, "Debian GNU/Linux 12");
	cr_assert_str_eq(back.system.sysctls[0].value, "1000");
	cr_assert_eq(throughput__failed(&back.throughput), 3);
	result__free(&back);
	result__free(&r);
	unlink(path);
}

Test(throughput, csv_row_has_every_column)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct result r;
	int header = 0, row = 0;

	make(&r);
	throughput__csv_header(f);
	throughput__csv_row(f, &r.config, &r.throughput, NULL, "x.json", "a note, with a comma");
	throughput__csv_row(f, &r.config, NULL, "skipped", NULL, "no driver");
	fclose(f);
	for (char *p = buf; *p != '\n'; p++)
		header += *p == ',';
	for (char *p = strchr(buf, '\n') + 1; *p != '\n'; p++)
		row += *p == ',';
	/* The quoted note holds one comma of its own. */
	cr_assert_eq(row, header + 1, "%s", buf);
	cr_assert(strstr(buf, "veth-bridge,,local,tcp,1500,2,1,3,2,failed,7500000000,2500000000,"),
		  "%s", buf);
	cr_assert(strstr(buf, "\"a note, with a comma\""), "%s", buf);
	cr_assert(strstr(buf, ",skipped,,,,,,,,,,,,,no driver\n"), "%s", buf);
	free(buf);
	result__free(&r);
}

Test(throughput, text_lists_pairs_and_failures, .init = cr_redirect_stdout)
{
	struct result r;
	char out[4096];
	size_t n;

	make(&r);
	throughput__print(&r, stdout);
	fflush(stdout);
	n = fread(out, 1, sizeof(out) - 1, cr_get_redirected_stdout());
	out[n] = '\0';
	cr_assert(strstr(out, "throughput: 7.50 Gbit/s +- 2.50 Gbit/s (stderr, 3 repeats)"), "%s",
		  out);
	cr_assert(strstr(out, "failed: 3 pair-runs of 6"), "%s", out);
	cr_assert(strstr(out, "repeat 2, pair 1: iperf3: unable to connect"), "%s", out);
	result__free(&r);
}
