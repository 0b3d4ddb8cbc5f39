// SPDX-License-Identifier: GPL-2.0
/*
 * The netstage binary as a user runs it: `run` prints a stage table and a
 * result file, leaves no namespace, link or BPF program behind, and refuses
 * bad input with one clear line.
 */
#include "helpers.h"
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "analysis/result.h"
#include "analysis/stats.h"

#define NETSTAGE "build/netstage"

struct outcome {
	int status;
	char out[65536];
	char err[8192];
};

/* Run a shell command; capture stdout and stderr (bounded) and the exit status. */
static void run(const char *cmd, struct outcome *o)
{
	char full[1024];
	FILE *f;
	size_t n;

	memset(o, 0, sizeof(*o));
	snprintf(full, sizeof(full), "%s 2>/tmp/netstage-test-stderr", cmd);
	f = popen(full, "r");
	cr_assert_not_null(f);
	n = fread(o->out, 1, sizeof(o->out) - 1, f);
	o->out[n] = '\0';
	/* Drain what does not fit: a writer blocked on a full pipe would never exit. */
	while (fread(full, 1, sizeof(full), f) > 0)
		;
	o->status = pclose(f);
	f = fopen("/tmp/netstage-test-stderr", "r");
	if (f) {
		n = fread(o->err, 1, sizeof(o->err) - 1, f);
		o->err[n] = '\0';
		fclose(f);
	}
	unlink("/tmp/netstage-test-stderr");
}

static int exit_code(const struct outcome *o)
{
	return WIFEXITED(o->status) ? WEXITSTATUS(o->status) : -1;
}

static void assert_nothing_left(void)
{
	cr_assert_eq(count_lines("ip netns list", "netstage-"), 0, "a netstage namespace is left");
	cr_assert_eq(count_lines("ip -o link show", ": nst"), 0, "an nst* link is left");
	cr_assert_eq(count_lines("bpftool prog show 2>/dev/null", "name tx_queue"), 0,
		     "a netstage BPF program is left");
}

Test(cli_run, veth_bridge_run_prints_stages_writes_json_and_cleans_up, .timeout = 120)
{
	struct outcome o;
	struct result r;
	char err[512];

	need_root_and_probes();
	run(NETSTAGE " run --kind veth-bridge --duration 2 -o /tmp/netstage-test-vb.json", &o);
	cr_assert_eq(exit_code(&o), 0, "stderr:\n%s\nstdout:\n%s", o.err, o.out);
	cr_assert(strstr(o.out, "throughput:"), "%s", o.out);
	cr_assert(strstr(o.out, "tx_start") && strstr(o.out, "rx_core"), "%s", o.out);
	cr_assert(strstr(o.out, "veth@bridge"), "the bridge ports are shown: %s", o.out);
	cr_assert_eq(result__read("/tmp/netstage-test-vb.json", &r, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_gt(r.throughput.bits_per_second, 1e8, "TCP through a bridge moves > 100 Mbit/s");
	cr_assert_gt(r.throughput.packets_per_second, 1000);
	cr_assert_gt(r.n_stages, 4);
	result__free(&r);
	unlink("/tmp/netstage-test-vb.json");
	assert_nothing_left();
}

/* A sysctl's number (its n-th field) as the result recorded it; 0 if absent. */
static double sysctl_of(const struct result *r, const char *name, int field)
{
	for (int i = 0; i < r->system.n_sysctls; i++) {
		const char *v = r->system.sysctls[i].value;

		if (strcmp(r->system.sysctls[i].name, name))
			continue;
		for (int f = 0; f < field && v; f++) {
			v = strchr(v, ' ');
			v = v ? v + 1 : NULL;
		}
		return v ? strtod(v, NULL) : 0;
	}
	return 0;
}

static void assert_close(double got, double want, const char *what)
{
	cr_assert(fabs(got - want) <= 1e-6 * (fabs(want) + 1), "%s: %.6f, expected %.6f", what, got,
		  want);
}

/*
 * What a result of `run --pairs 2 --repeat 2` must satisfy: every pair of
 * every repetition measured in a common window; totals are the sums of the
 * pairs; the aggregates are the statistics of the repetitions; the receiving
 * interfaces saw at least the goodput, and no more than the goodput, the
 * headers of the packets they counted (and, for UDP, the datagrams lost at
 * the socket) and 2 %.
 */
static void assert_consistent(const struct result *r, bool udp)
{
	const struct throughput *t = &r->throughput;
	/* Ethernet, IPv4, and UDP or TCP with timestamps. */
	double hdr = udp ? 14 + 20 + 8 : 14 + 20 + 32, bps[2], blk = r->config.mtu - 28;
	/* What a receiving socket may hold when a window edge passes: its buffer's limit. */
	double sockbuf =
	    udp ? sysctl_of(r, "net.core.rmem_max", 0) : sysctl_of(r, "net.ipv4.tcp_rmem", 2);
	struct summary s;

	cr_assert(t->present);
	cr_assert_eq(t->n_repeats, 2);
	cr_assert(r->system.present && r->system.cpus > 0 && r->system.n_sysctls > 4);
	cr_assert_gt(sockbuf, 0, "the result records the socket buffer limits");
	for (int i = 0; i < 2; i++) {
		const struct repeat_stat *rs = &t->repeats[i];
		double sum_bps = 0, sum_pps = 0, sum_bytes = 0, sum_dev = 0;

		cr_assert_eq(rs->n_pairs, 2);
		cr_assert_eq(rs->pairs_measured, 2, "repeat %d: %s", i + 1,
			     rs->pairs[0].ok ? rs->pairs[1].error : rs->pairs[0].error);
		cr_assert(rs->common_window && rs->starts_known, "repeat %d", i + 1);
		cr_assert_gt(rs->seconds, 0.5 * r->config.duration, "repeat %d: a %.2f s window",
			     i + 1, rs->seconds);
		cr_assert(rs->has_profile);
		for (int p = 0; p < 2; p++) {
			const struct pair_stat *ps = &rs->pairs[p];
			double lost = udp ? ps->lost_packets * blk : 0;
			double run_lost =
			    udp ? ps->lost_percent / 100 * ps->run_device_packets * blk : 0;

			cr_assert(ps->ok, "%s", ps->error);
			cr_assert_gt(ps->bits_per_second, 1e7);
			cr_assert_gt(ps->packets_per_second, 100);
			cr_assert_geq(ps->segments_per_second, ps->packets_per_second);
			assert_close(ps->bits_per_second, 8 * ps->bytes / ps->seconds,
				     "pair bit/s");
			/* The whole load: nothing was in a socket before or after. */
			cr_assert_geq(
			    ps->run_device_bytes, ps->run_bytes,
			    "repeat %d pair %d: the interface saw %.0f bytes, iperf3 read %.0f",
			    i + 1, p, ps->run_device_bytes, ps->run_bytes);
			cr_assert_leq(
			    ps->run_device_bytes,
			    ps->run_bytes + hdr * ps->run_device_packets + run_lost +
				0.02 * ps->run_bytes,
			    "repeat %d pair %d: %.0f bytes at the interface for %.0f read "
			    "(%.0f packets)",
			    i + 1, p, ps->run_device_bytes, ps->run_bytes, ps->run_device_packets);
			/* The window: what sits in the socket at its edges moves the goodput. */
			cr_assert_geq(ps->device_bytes + sockbuf * ps->streams, ps->bytes,
				      "repeat %d pair %d window", i + 1, p);
			cr_assert_leq(ps->device_bytes,
				      ps->bytes + hdr * ps->device_packets + lost +
					  0.02 * ps->bytes + sockbuf * ps->streams,
				      "repeat %d pair %d window", i + 1, p);
			sum_bps += ps->bits_per_second;
			sum_pps += ps->packets_per_second;
			sum_bytes += ps->bytes;
			sum_dev += ps->device_packets;
		}
		assert_close(rs->bits_per_second, sum_bps, "total bit/s");
		assert_close(rs->packets_per_second, sum_pps, "total packets/s");
		assert_close(rs->bytes, sum_bytes, "total bytes");
		assert_close(rs->device_packets, sum_dev, "total device packets");
		bps[i] = rs->bits_per_second;
	}
	s = stats__summarize(bps, 2);
	assert_close(t->bits_per_second, s.mean, "mean bit/s");
	assert_close(t->stderr_bps, s.stderr_mean, "stderr of bit/s");
	assert_close(t->stddev_bps, s.stddev, "stddev of bit/s");
}

Test(cli_run, two_pairs_tcp_two_repeats_are_consistent, .timeout = 120)
{
	struct outcome o;
	struct result r;
	char err[512];

	need_root_and_probes();
	run(NETSTAGE " run --kind veth-bridge --pairs 2 --repeat 2 --duration 2 "
		     "-o /tmp/netstage-test-tcp2.json",
	    &o);
	cr_assert_eq(exit_code(&o), 0, "stderr:\n%s\nstdout:\n%s", o.err, o.out);
	cr_assert(strstr(o.out, "(stderr, 2 repeats)"), "%s", o.out);
	cr_assert_eq(result__read("/tmp/netstage-test-tcp2.json", &r, err, sizeof(err)), 0, "%s",
		     err);
	assert_consistent(&r, false);
	result__free(&r);
	unlink("/tmp/netstage-test-tcp2.json");
	assert_nothing_left();
}

Test(cli_run, two_pairs_udp_two_repeats_are_consistent, .timeout = 120)
{
	struct outcome o;
	struct result r;
	char err[512];

	need_root_and_probes();
	run(NETSTAGE " run --kind macvlan --pairs 2 --proto udp --bitrate 500M --repeat 2 "
		     "--duration 2 -o /tmp/netstage-test-udp2.json",
	    &o);
	cr_assert_eq(exit_code(&o), 0, "stderr:\n%s\nstdout:\n%s", o.err, o.out);
	cr_assert_eq(result__read("/tmp/netstage-test-udp2.json", &r, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(r.config.blksize, 1472, "one datagram per 1500-byte packet");
	assert_consistent(&r, true);
	cr_expect_eq(r.config.duty_pct, 0, "no --duty: always attached");
	for (int i = 0; i < 2; i++)
		for (int p = 0; p < 2; p++) {
			const struct pair_stat *ps = &r.throughput.repeats[i].pairs[p];

			cr_assert_gt(ps->packets, 0);
			cr_assert(ps->lost_percent >= 0 && ps->lost_percent <= 100);
			/* One datagram per packet: no segments to estimate. */
			assert_close(ps->segments_per_second, ps->packets_per_second, "segments");
		}
	result__free(&r);
	unlink("/tmp/netstage-test-udp2.json");
	assert_nothing_left();
}

/* The result says how it was sampled in time: the duty, its period, the windows it opened. */
Test(cli_run, time_sampling_is_recorded_in_the_result, .timeout = 120)
{
	struct outcome o;
	struct result r;
	char err[512];

	need_root_and_probes();
	run(NETSTAGE " run --kind veth --proto udp --bitrate 100M --duration 2 --duty 50 "
		     "--duty-period 200 -o /tmp/netstage-test-duty.json",
	    &o);
	cr_assert_eq(exit_code(&o), 0, "stderr:\n%s\nstdout:\n%s", o.err, o.out);
	cr_assert_eq(result__read("/tmp/netstage-test-duty.json", &r, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_eq(r.config.duty_pct, 50);
	cr_expect_eq(r.config.duty_period_ms, 200);
	cr_expect_geq(r.cost.windows, 2, "%llu windows in 2 s of 200 ms periods",
		      (unsigned long long)r.cost.windows);
	result__free(&r);
	unlink("/tmp/netstage-test-duty.json");
	assert_nothing_left();
}

Test(cli_run, streams_total_is_split_over_the_pairs, .timeout = 120)
{
	struct outcome o;
	struct result r;
	char err[512];

	need_root_and_probes();
	run(NETSTAGE " run --kind macvlan --pairs 3 --streams-total 8 --duration 1 --no-probes "
		     "-o /tmp/netstage-test-st.json",
	    &o);
	cr_assert_eq(exit_code(&o), 0, "stderr:\n%s\nstdout:\n%s", o.err, o.out);
	cr_assert_eq(result__read("/tmp/netstage-test-st.json", &r, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(r.config.streams_total, 8);
	cr_assert(r.config.no_probes);
	cr_assert_eq(r.n_stages, 0, "no probes, no stages");
	cr_assert_eq(r.throughput.repeats[0].pairs[0].streams, 3);
	cr_assert_eq(r.throughput.repeats[0].pairs[1].streams, 3);
	cr_assert_eq(r.throughput.repeats[0].pairs[2].streams, 2);
	result__free(&r);
	unlink("/tmp/netstage-test-st.json");
	assert_nothing_left();
}

Test(cli_run, ipvlan_without_driver_is_refused_clearly)
{
	struct topo_err terr = {{0}};
	struct outcome o;

	need_root_and_probes();
	if (topo__probe_kind(TOPO_IPVLAN, -1, &terr) == 0)
		cr_skip_test("skipped: this kernel has ipvlan (the VM tests cover it)");
	run(NETSTAGE " run --kind ipvlan --duration 1", &o);
	cr_assert_neq(exit_code(&o), 0);
	cr_assert(strstr(o.err, "no ipvlan driver"), "%s", o.err);
	cr_assert(strstr(o.err, "--kind macvlan"), "the message names a way out: %s", o.err);
	assert_nothing_left();
}

Test(cli_run, bad_input_gets_one_clear_line_and_creates_nothing)
{
	static const struct {
		const char *args, *needle;
	} cases[] = {
	    {"run --kind geneve", "unknown kind 'geneve'"},
	    {"run --kind vxlan --layout local", "drop --layout local"},
	    {"run --kind host --mode bridge", "'bridge' is not a mode of host"},
	    {"run --kind veth --pairs 0", "--pairs: '0'"},
	    {"run --kind veth --pairs 100000", "--pairs: '100000'"},
	    {"run --kind veth --mtu 50", "--mtu: '50'"},
	    {"run --kind veth --mtu 70000", "--mtu: '70000'"},
	    {"run --kind veth-bridge --mode l3", "'l3' is not a mode of veth-bridge"},
	    {"run --kind macvlan --mode l3", "'l3' is not a mode of macvlan"},
	    {"run --pairs 2", "--kind is required"},
	    {"run --kind veth --proto sctp", "neither tcp nor udp"},
	    {"run --kind veth --pairs 4 --streams-total 2", "every pair needs a stream"},
	    {"run --kind veth --streams 2 --streams-total 8", "give one"},
	    {"run --kind veth --no-probes --sample 4", "--no-probes leaves nothing"},
	    {"run --kind veth --stages some", "'some' is not a stage set; use all or hops"},
	    {"run --kind veth --duty 0", "--duty: '0'"},
	    {"run --kind veth --duty 101", "--duty: '101'"},
	    {"run --kind veth --duty-period 5", "--duty-period: '5'"},
	    {"run --kind veth --duty 1 --duty-period 100", "raise --duty or --duty-period"},
	    {"run --kind veth --map-memory 0", "--map-memory: '0'"},
	    {"run --kind veth-bridge --pairs 128 --map-memory 1", "give --map-memory MB a larger"},
	    {"profile --netns /proc/self/ns/net --stages none", "'none' is not a stage set"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outcome o;
		char cmd[256];

		snprintf(cmd, sizeof(cmd), NETSTAGE " %s", cases[i].args);
		run(cmd, &o);
		cr_expect_neq(exit_code(&o), 0, "%s", cases[i].args);
		cr_expect(strstr(o.err, cases[i].needle), "%s: '%s' not in: %s", cases[i].args,
			  cases[i].needle, o.err);
	}
	if (geteuid() == 0)
		assert_nothing_left();
}

Test(cli_run, help_and_version)
{
	struct outcome o;

	run(NETSTAGE " --version", &o);
	cr_assert_eq(exit_code(&o), 0);
	cr_assert(strstr(o.out, "netstage "));
	run(NETSTAGE " --help", &o);
	cr_assert_eq(exit_code(&o), 0);
	for (const char *c = "doctor\0topo\0run\0sweep\0profile\0report\0"; *c; c += strlen(c) + 1)
		cr_assert(strstr(o.out, c), "'%s' missing from --help", c);
	run(NETSTAGE " run --help", &o);
	cr_assert_eq(exit_code(&o), 0);
	cr_assert(strstr(o.out, "--kind") && strstr(o.out, "--pairs") && strstr(o.out, "--proto"));
	run(NETSTAGE " nosuchcommand", &o);
	cr_assert_neq(exit_code(&o), 0);
	cr_assert(strstr(o.err, "unknown command 'nosuchcommand'"));
}

static bool file_has(const char *path, const char *needle)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, needle) != NULL;
}

/*
 * Ctrl-C 4 s into a 10 s run of 4 pairs: the run removes everything it built
 * and still writes what it measured, marked interrupted, and exits with 130.
 */
Test(cli_run, ctrl_c_keeps_what_was_measured_and_removes_everything, .timeout = 90)
{
	const char *json = "/tmp/netstage-test-int.json", *out = "/tmp/netstage-test-int.out";
	const char *errf = "/tmp/netstage-test-int.err";
	unsigned long long counted = 0;
	unsigned int ids[64];
	struct timespec t0, now;
	struct result r;
	char err[512];
	int status, n_ids = 0;
	pid_t pid;

	need_root_and_probes();
	unlink(json);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		execl(NETSTAGE, NETSTAGE, "run", "--kind", "veth-bridge", "--pairs", "4",
		      "--duration", "10", "-o", json, (char *)NULL);
		_exit(127);
	}
	/* Once the load runs, the probes are attached: note which programs the run holds. */
	for (int i = 0; i < 600 && !file_has(errf, "iperf3 tcp on 4 pairs"); i++)
		usleep(50000);
	cr_assert(file_has(errf, "iperf3 tcp on 4 pairs"), "the load never started");
	n_ids = prog_ids_of(pid, ids, 64);
	cr_assert_gt(n_ids, 0, "the run holds no BPF program while its load runs");
	do {
		usleep(50000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < 4);
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %#x", status);

	cr_assert(file_has(out, "INTERRUPTED by SIGINT"), "the text report says so");
	cr_assert_eq(result__read(json, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert(r.stop.interrupted);
	cr_assert_str_eq(r.stop.signal, "SIGINT");
	cr_assert(r.stop.load_seconds > 0.5 && r.stop.load_seconds < 5, "%.2f s of load measured",
		  r.stop.load_seconds);
	cr_assert_eq(r.stop.repeats_finished, 0);
	cr_assert_gt(r.stop.n_missing, 0, "it says what it lacks");
	cr_assert_eq(r.throughput.n_repeats, 1);
	cr_assert(r.throughput.repeats[0].stopped);
	cr_assert_eq(r.throughput.repeats[0].pairs_measured, 4);
	cr_assert_gt(r.throughput.bits_per_second, 1e8, "TCP through a bridge moves > 100 Mbit/s");
	for (int i = 0; i < r.n_stages; i++)
		counted += r.stages[i].hist.count;
	cr_assert_gt(r.n_stages, 4);
	cr_assert_gt(counted, 0, "the stages counted packets");
	cr_assert_eq(strlen(r.config.run_id), 4, "the result names its run: '%s'", r.config.run_id);
	assert_run_left_nothing(r.config.run_id, ids, n_ids);
	result__free(&r);
	unlink(json);
	unlink(out);
	unlink(errf);
}
