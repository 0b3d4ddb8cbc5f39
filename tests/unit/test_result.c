// SPDX-License-Identifier: GPL-2.0
/* Result files: written and read back, and clear errors for bad files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/hist.h"
#include "analysis/result.h"
#include "analysis/stage.h"
#include "analysis/table.h"

static char path[64];

static void make_path(void)
{
	int fd;

	strcpy(path, "/tmp/netstage-test-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void drop_path(void)
{
	unlink(path);
}

TestSuite(result, .init = make_path, .fini = drop_path);

static void sample(struct result *r)
{
	struct stage_stat *s;
	struct drop_stat *d;

	memset(r, 0, sizeof(*r));
	strcpy(r->config.command, "run");
	strcpy(r->config.kind, "veth-bridge");
	strcpy(r->config.proto, "udp");
	strcpy(r->config.layout, "local");
	r->config.pairs = 2;
	r->config.mtu = 9000;
	r->config.duration = 5;
	strcpy(r->kernel_release, "6.18.44");
	result__add_feature(r, "tp_btf", true, "");
	result__add_feature(r, "fentry", false, "EPERM");
	r->throughput.present = true;
	r->throughput.bits_per_second = 2e9;
	r->throughput.packets_per_second = 170000;
	r->throughput.n_repeats = 1;
	r->throughput.repeats = calloc(1, sizeof(*r->throughput.repeats));
	r->throughput.repeats[0].bits_per_second = 2e9;
	r->throughput.repeats[0].lost_packets = 12;
	s = result__add_stage(r);
	s->stage = NS_STAGE_RX_CORE;
	s->from = NS_STAGE_RX_ENQUEUE;
	s->dev_kind = NS_DEV_VETH;
	s->master_kind = NS_DEV_BRIDGE;
	s->hop = 1;
	strcpy(s->ifname, "nstab12pc0");
	strcpy(s->netns, "netstage-ab12-h0");
	for (int i = 1; i <= 1000; i++)
		hist__add(&s->hist, i * 10);
	s = result__add_stage(r);
	s->stage = NS_STAGE_TX_QUEUE;
	s->from = NS_STAGE_NONE;
	s->dev_kind = NS_DEV_VETH;
	s->hist.count = 1000;
	strcpy(s->ifname, "nstab12c0");
	d = result__add_drop(r);
	strcpy(d->reason, "SOCKET_RCVBUFF");
	d->stage = NS_STAGE_RX_CORE;
	d->dev_kind = NS_DEV_VETH;
	d->count = 12;
	r->counters[NS_CNT_MIDWAY] = 3;
	r->counters[NS_CNT_STARTED] = 1000;
}

Test(result, written_and_read_back)
{
	struct result w, r;
	char err[512] = "";

	sample(&w);
	cr_assert_eq(result__write(&w, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(result__read(path, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(r.config.kind, "veth-bridge");
	cr_assert_eq(r.config.pairs, 2);
	cr_assert_eq(r.config.mtu, 9000);
	cr_assert_str_eq(r.kernel_release, "6.18.44");
	cr_assert_eq(r.n_features, 2);
	cr_assert_str_eq(r.features[1].name, "fentry");
	cr_assert_not(r.features[1].on);
	cr_assert_str_eq(r.features[1].note, "EPERM");
	cr_assert(r.throughput.present);
	cr_assert_float_eq(r.throughput.bits_per_second, 2e9, 1);
	cr_assert_float_eq(r.throughput.repeats[0].lost_packets, 12, 1e-9);
	cr_assert_eq(r.n_stages, 2);
	cr_assert_eq(r.stages[0].stage, NS_STAGE_RX_CORE);
	cr_assert_eq(r.stages[0].from, NS_STAGE_RX_ENQUEUE);
	cr_assert_eq(r.stages[0].master_kind, NS_DEV_BRIDGE);
	cr_assert_eq(r.stages[0].hop, 1);
	cr_assert_eq(r.stages[0].hist.count, 1000);
	cr_assert_eq(r.stages[0].hist.max, 10000);
	/* The buckets survive the trip, so quantiles do too. */
	cr_assert_float_eq(hist__quantile(&r.stages[0].hist, 0.5),
			   hist__quantile(&w.stages[0].hist, 0.5), 1e-6);
	cr_assert_eq(r.stages[1].from, NS_STAGE_NONE);
	cr_assert_eq(r.stages[1].master_kind, -1);
	cr_assert_eq(r.n_drops, 1);
	cr_assert_str_eq(r.drops[0].reason, "SOCKET_RCVBUFF");
	cr_assert_eq(r.drops[0].count, 12);
	cr_assert_eq(r.counters[NS_CNT_MIDWAY], 3);
	result__free(&w);
	result__free(&r);
}

Test(result, json_follows_the_contract)
{
	struct result w;
	json_object *o, *stages, *s0, *v;

	sample(&w);
	o = result__to_json(&w);
	cr_assert(json_object_object_get_ex(o, "schema", &v));
	cr_assert_str_eq(json_object_get_string(v), "netstage/result/1");
	cr_assert(json_object_object_get_ex(o, "stages", &stages));
	s0 = json_object_array_get_idx(stages, 0);
	cr_assert(json_object_object_get_ex(s0, "name", &v));
	cr_assert_str_eq(json_object_get_string(v), "rx_core");
	cr_assert(json_object_object_get_ex(s0, "from", &v));
	cr_assert_str_eq(json_object_get_string(v), "rx_enqueue");
	cr_assert(json_object_object_get_ex(s0, "master_kind", &v));
	cr_assert_str_eq(json_object_get_string(v), "bridge");
	cr_assert(json_object_object_get_ex(s0, "latency_ns", &v));
	cr_assert(json_object_object_get_ex(v, "p99", NULL));
	cr_assert(json_object_object_get_ex(v, "hist", NULL));
	/* A waiting interval has no CPU figure. */
	cr_assert_not(json_object_object_get_ex(s0, "cpu_ns_per_packet", NULL));
	for (const char *k = "config\0kernel\0throughput\0softirq\0drops\0untracked\0"; *k;
	     k += strlen(k) + 1)
		cr_assert(json_object_object_get_ex(o, k, NULL), "missing %s", k);
	json_object_put(o);
	result__free(&w);
}

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void expect_error(const char *text, const char *needle)
{
	struct result r;
	char err[512] = "";

	write_text(text);
	cr_assert_lt(result__read(path, &r, err, sizeof(err)), 0);
	cr_assert(strstr(err, path), "the error names the file: %s", err);
	cr_assert(strstr(err, needle), "'%s' not in: %s", needle, err);
}

Test(result, truncated_file)
{
	expect_error("{\"schema\": \"netstage/result/1\", \"stages\": [", "truncated");
}

Test(result, another_schema)
{
	expect_error("{\"schema\": \"netstage/result/2\", \"stages\": []}", "netstage/result/2");
}

Test(result, not_json)
{
	expect_error("hop device kind\n0 nst", "not JSON");
}

Test(result, empty_file)
{
	expect_error("", "empty");
}

Test(result, json_without_schema)
{
	expect_error("{\"stages\": []}", "schema");
}

Test(result, missing_file)
{
	struct result r;
	char err[512] = "";

	cr_assert_lt(result__read("/nonexistent/r.json", &r, err, sizeof(err)), 0);
	cr_assert(strstr(err, "/nonexistent/r.json: cannot open"), "%s", err);
}

Test(result, every_counter_and_stage_has_a_name)
{
	for (int i = 0; i < NS_CNT_COUNT; i++)
		cr_expect_not_null(result__counter_name(i), "counter %d has no JSON name", i);
	for (int i = NS_STAGE_NONE + 1; i < NS_STAGE_COUNT; i++) {
		cr_expect_not_null(stage__name(i), "stage %d has no name", i);
		cr_expect_eq(stage__parse(stage__name(i)), i);
	}
}

/* A stopped run: "interrupted", what it measured and lacks, in the file and the text report. */
Test(result, an_interrupted_run_says_so_in_json_and_text)
{
	struct result w, r;
	char err[512] = "", text[8192] = "";
	FILE *f;

	sample(&w);
	w.config.repeat = 1;
	w.config.duration = 10;
	strcpy(w.config.run_id, "ab12");
	w.stop.interrupted = true;
	strcpy(w.stop.signal, "SIGINT");
	w.stop.load_seconds = 3.6;
	w.stop.n_missing = 1;
	strcpy(w.stop.missing[0], "repetition 1: iperf3's receiving side was lost at the stop");
	w.throughput.repeats[0].stopped = true;
	w.throughput.repeats[0].stopped_at = 3.6;
	cr_assert_eq(result__write(&w, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(result__read(path, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert(r.stop.interrupted);
	cr_assert_str_eq(r.stop.signal, "SIGINT");
	cr_assert_float_eq(r.stop.load_seconds, 3.6, 1e-9);
	cr_assert_eq(r.stop.repeats_finished, 0);
	cr_assert_eq(r.stop.n_missing, 1);
	cr_assert_str_eq(r.stop.missing[0], w.stop.missing[0]);
	cr_assert_str_eq(r.config.run_id, "ab12");
	cr_assert(r.throughput.repeats[0].stopped);
	cr_assert_float_eq(r.throughput.repeats[0].stopped_at, 3.6, 1e-9);
	f = fmemopen(text, sizeof(text) - 1, "w");
	cr_assert_not_null(f);
	table__print_result(&r, f);
	fclose(f);
	cr_assert(strstr(text, "INTERRUPTED by SIGINT after 3.6 s of the planned 10 s of load"),
		  "%s", text);
	cr_assert(strstr(text, "missing: repetition 1"), "%s", text);
	result__free(&r);

	/* A finished run says so too. */
	w.stop.interrupted = false;
	cr_assert_eq(result__write(&w, path, err, sizeof(err)), 0, "%s", err);
	f = fopen(path, "r");
	cr_assert_eq(fread(text, 1, sizeof(text) - 1, f) > 0, 1);
	fclose(f);
	cr_assert(strstr(text, "\"interrupted\":false"), "%.400s", text);
	cr_assert_null(strstr(text, "\"interruption\""));
	result__free(&w);
}
