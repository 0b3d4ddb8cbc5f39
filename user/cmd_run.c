// SPDX-License-Identifier: GPL-2.0
/*
 * netstage run: build a topology, attach the stage probes, drive iperf3
 * through it, and report throughput and every stage. Everything it made is
 * removed before it exits, on success, error or Ctrl-C.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <arpa/inet.h>
#include "user/cli.h"
#include "user/commands.h"
#include "user/collect.h"
#include "user/load.h"
#include "user/probe_opts.h"
#include "user/raw_writer.h"
#include "user/loader.h"
#include "user/session.h"
#include "user/sysinfo.h"
#include "analysis/stats.h"
#include "analysis/table.h"
#include "topo/topo.h"

enum {
	OPT_KIND = 'k',
	OPT_MODE = 'm',
	OPT_PAIRS = 'n',
	OPT_PROTO = 'p',
	OPT_DURATION = 'd',
	OPT_OUTPUT = 'o',
	OPT_STREAMS = 256,
	OPT_BITRATE,
	OPT_MTU,
	OPT_LAYOUT,
	OPT_REPEAT,
	OPT_BLKSIZE,
	OPT_REVERSE,
};

static const struct cli_opt opts[] = {
	{ OPT_KIND, "kind", 'k', "KIND", "veth, veth-bridge, macvlan or ipvlan (required)" },
	{ OPT_MODE, "mode", 'm', "MODE",
	  "macvlan: bridge (default), vepa, private, passthru, source; ipvlan: l2, l3 (default), "
	  "l3s" },
	{ OPT_PAIRS, "pairs", 'n', "N", "container pairs, 1 to 256 (default 1)" },
	{ OPT_PROTO, "proto", 'p', "tcp|udp", "iperf3 protocol (default tcp)" },
	{ OPT_DURATION, "duration", 'd', "S", "seconds of load per repeat, 1 to 3600 (default 10)" },
	{ OPT_STREAMS, "streams", 0, "N", "parallel iperf3 streams per pair (default 1)" },
	{ OPT_BITRATE, "bitrate", 0, "RATE",
	  "UDP target per stream in bit/s, e.g. 500M; 0 = as fast as possible (default)" },
	{ OPT_BLKSIZE, "blksize", 0, "BYTES",
	  "bytes per write (default: iperf3's 128 KiB for TCP, MTU - 28 for UDP)" },
	{ OPT_REVERSE, "reverse", 0, NULL, "the server sends, the client receives" },
	{ OPT_MTU, "mtu", 0, "M", "MTU of every device, 68 to 65535 (default 1500)" },
	{ OPT_LAYOUT, "layout", 0, "local|switched", "one host, or two nodes joined by a wire (default local)" },
	{ OPT_REPEAT, "repeat", 0, "R", "repetitions on the same topology, 1 to 100 (default 1)" },
	{ OPT_OUTPUT, "output", 'o', "FILE", "write the result as JSON to FILE ('-' for stdout)" },
	PROBE_OPTS_SAMPLING,
	{ 0 },
};

static const struct cli_cmd cmd = {
	.name = "run",
	.usage = "run --kind KIND [--pairs N] [--proto tcp|udp] [--duration S] [options]",
	.summary = "Build a container topology in network namespaces, attach the stage probes,\n"
		   "drive iperf3 through every pair and print throughput and a per-stage table:\n"
		   "packets, latency p50/p99/max from the previous stage, CPU ns per packet.",
	.details = "Everything the run builds is removed when it ends, also on Ctrl-C.\n"
		   "Traffic stays inside the namespaces it builds (198.18.0.0/15).",
	.opts = opts,
};

struct run_args {
	struct topo_spec spec;
	struct load_spec load;
	int repeat;
	const char *output;
	struct probe_opts probe;
};

static int parse(int argc, char **argv, struct run_args *a, bool *help)
{
	struct cli_parser p;
	const char *mode = NULL;
	long v;
	int id;

	memset(a, 0, sizeof(*a));
	a->spec.kind = -1;
	a->spec.mode = -1;
	a->spec.pairs = 1;
	a->spec.mtu = 1500;
	a->spec.layout = TOPO_LOCAL;
	a->load.duration_s = 10;
	a->load.streams = 1;
	a->repeat = 1;
	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		int handled = probe_opts__handle(&p, id, &a->probe);

		if (handled < 0)
			return -1;
		if (handled)
			continue;
		switch (id) {
		case OPT_KIND:
			a->spec.kind = topo_kind__parse(p.arg);
			if ((int)a->spec.kind < 0) {
				cli__error(&cmd, "--kind: unknown kind '%s'; use veth, veth-bridge, "
						 "macvlan or ipvlan", p.arg);
				return -1;
			}
			break;
		case OPT_MODE:
			mode = p.arg;
			break;
		case OPT_PAIRS:
			if (cli__int(&p, 1, TOPO_MAX_PAIRS, &v))
				return -1;
			a->spec.pairs = v;
			break;
		case OPT_PROTO:
			if (strcmp(p.arg, "tcp") && strcmp(p.arg, "udp")) {
				cli__error(&cmd, "--proto: '%s' is neither tcp nor udp", p.arg);
				return -1;
			}
			a->load.proto = strcmp(p.arg, "udp") ? LOAD_TCP : LOAD_UDP;
			break;
		case OPT_DURATION:
			if (cli__int(&p, 1, 3600, &v))
				return -1;
			a->load.duration_s = v;
			break;
		case OPT_STREAMS:
			if (cli__int(&p, 1, 128, &v))
				return -1;
			a->load.streams = v;
			break;
		case OPT_BITRATE:
			if (cli__rate(&p, (unsigned long long *)&a->load.bitrate))
				return -1;
			break;
		case OPT_BLKSIZE:
			if (cli__int(&p, 1, 1 << 20, &v))
				return -1;
			a->load.blksize = v;
			break;
		case OPT_REVERSE:
			a->load.reverse = true;
			break;
		case OPT_MTU:
			if (cli__int(&p, TOPO_MIN_MTU, TOPO_MAX_MTU, &v))
				return -1;
			a->spec.mtu = v;
			break;
		case OPT_LAYOUT:
			a->spec.layout = topo_layout__parse(p.arg);
			if ((int)a->spec.layout < 0) {
				cli__error(&cmd, "--layout: '%s' is neither local nor switched", p.arg);
				return -1;
			}
			break;
		case OPT_REPEAT:
			if (cli__int(&p, 1, 100, &v))
				return -1;
			a->repeat = v;
			break;
		case OPT_OUTPUT:
			a->output = p.arg;
			break;
		}
	}
	if (id < 0)
		return -1;
	*help = p.help;
	if (p.help)
		return 0;
	if (p.rest < argc) {
		cli__error(&cmd, "unexpected argument '%s'", argv[p.rest]);
		return -1;
	}
	if ((int)a->spec.kind < 0) {
		cli__error(&cmd, "--kind is required: veth, veth-bridge, macvlan or ipvlan");
		return -1;
	}
	if (mode) {
		a->spec.mode = topo_mode__parse(a->spec.kind, mode);
		if (a->spec.mode < 0) {
			cli__error(&cmd, "--mode: '%s' is not a mode of %s (%s)", mode,
				   topo_kind__name(a->spec.kind),
				   a->spec.kind == TOPO_MACVLAN ? "bridge, vepa, private, passthru, source" :
				   a->spec.kind == TOPO_IPVLAN ? "l2, l3, l3s" : "it has no modes");
			return -1;
		}
	}
	if (a->load.proto == LOAD_UDP && !a->load.blksize)
		a->load.blksize = a->spec.mtu - 28; /* one datagram per packet: no IP fragments */
	return 0;
}

static void fill_config(const struct run_args *a, struct result *r)
{
	struct result_config *c = &r->config;

	snprintf(c->command, sizeof(c->command), "run");
	snprintf(c->kind, sizeof(c->kind), "%s", topo_kind__name(a->spec.kind));
	if (a->spec.kind == TOPO_MACVLAN || a->spec.kind == TOPO_IPVLAN)
		snprintf(c->mode, sizeof(c->mode), "%s", topo_mode__name(a->spec.kind, a->spec.mode));
	snprintf(c->layout, sizeof(c->layout), "%s", topo_layout__name(a->spec.layout));
	snprintf(c->proto, sizeof(c->proto), "%s", a->load.proto == LOAD_UDP ? "udp" : "tcp");
	c->pairs = a->spec.pairs;
	c->mtu = a->spec.mtu;
	c->streams = a->load.streams;
	c->repeat = a->repeat;
	c->duration = a->load.duration_s;
	c->reverse = a->load.reverse;
	c->bitrate = a->load.bitrate;
}

static void tick(void *ctx, int elapsed, int duration)
{
	const char *what = ctx;

	if (isatty(STDERR_FILENO) || elapsed == 0)
		session__progress("%s: %d/%d s", what, elapsed, duration);
}

/* The receiving container's interface of a pair: its counters give packets on the wire. */
static int receiver_dev(const struct topo *t, int pair, bool reverse)
{
	return reverse ? t->pairs[pair].client_dev : t->pairs[pair].server_dev;
}

static int drive_load(const struct run_args *a, const struct topo *t, struct result *r)
{
	int n = t->n_pairs, rc = 0;
	struct load_pair *pairs = calloc(n, sizeof(*pairs));
	struct load_result *res = calloc(n, sizeof(*res));
	struct rtnl_link_stats64 *before = calloc(n, sizeof(*before));
	double *bps = calloc(a->repeat, sizeof(*bps));
	char what[96];

	r->throughput.repeats = calloc(a->repeat, sizeof(*r->throughput.repeats));
	if (!pairs || !res || !before || !bps || !r->throughput.repeats) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		pairs[i].server_netns = t->ns[t->pairs[i].server_ns].path;
		pairs[i].client_netns = t->ns[t->pairs[i].client_ns].path;
		inet_ntop(AF_INET, &t->pairs[i].server_ip4, pairs[i].server_addr,
			  sizeof(pairs[i].server_addr));
		inet_ntop(AF_INET, &t->pairs[i].client_ip4, pairs[i].client_addr,
			  sizeof(pairs[i].client_addr));
	}
	r->throughput.present = true;
	for (int rep = 0; rep < a->repeat && !session_stop; rep++) {
		struct repeat_stat *rs = &r->throughput.repeats[rep];
		double seconds = 0;
		__u64 packets = 0;
		int ok = 0;

		for (int i = 0; i < n; i++)
			topo__dev_stats(t, receiver_dev(t, i, a->load.reverse), &before[i]);
		snprintf(what, sizeof(what), "iperf3 %s on %d pair%s, repeat %d/%d",
			 a->load.proto == LOAD_UDP ? "udp" : "tcp", n, n == 1 ? "" : "s", rep + 1,
			 a->repeat);
		rc = load__run(&a->load, pairs, n, res, &session_stop, tick, what);
		session__progress_done();
		if (rc)
			goto out;
		for (int i = 0; i < n; i++) {
			struct rtnl_link_stats64 after;

			if (!res[i].ok) {
				session__note("run", "pair %d failed: %s", i, res[i].error);
				continue;
			}
			ok++;
			rs->bits_per_second += res[i].recv_bps;
			rs->retransmits += res[i].retransmits;
			rs->lost_packets += res[i].lost_packets;
			rs->sent_packets += res[i].packets;
			/* iperf3's host is the client, which receives with --reverse. */
			rs->sender_cpu += a->load.reverse ? res[i].cpu_receiver : res[i].cpu_sender;
			rs->receiver_cpu += a->load.reverse ? res[i].cpu_sender : res[i].cpu_receiver;
			if (res[i].seconds > seconds)
				seconds = res[i].seconds;
			if (topo__dev_stats(t, receiver_dev(t, i, a->load.reverse), &after) == 0)
				packets += after.rx_packets - before[i].rx_packets;
		}
		if (ok == 0) {
			session__note("run", "no pair measured in repeat %d", rep + 1);
			rc = -EIO;
			goto out;
		}
		if (ok < n)
			session__note("run", "%d of %d pairs measured in repeat %d", ok, n, rep + 1);
		rs->packets_per_second = seconds > 0 ? packets / seconds : 0;
		bps[rep] = rs->bits_per_second;
		r->throughput.n_repeats++;
	}
	if (session_stop) {
		rc = -EINTR;
		goto out;
	}
	{
		struct summary s = stats__summarize(bps, r->throughput.n_repeats);
		double pps = 0;

		for (int i = 0; i < r->throughput.n_repeats; i++)
			pps += r->throughput.repeats[i].packets_per_second;
		r->throughput.bits_per_second = s.mean;
		r->throughput.stderr_bps = s.stderr_mean;
		r->throughput.packets_per_second = pps / r->throughput.n_repeats;
	}
out:
	free(pairs);
	free(res);
	free(before);
	free(bps);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct topo_err terr = { { 0 } };
	struct topo *t = NULL;
	struct loader *l = NULL;
	struct loader_opts lo = { 0 };
	struct raw_writer *raw = NULL;
	struct result r = { 0 };
	struct timespec t0, t1;
	char err[512];
	bool help = false;
	int rc, exit_code = 1;

	if (parse(argc, argv, &a, &help))
		return 2;
	if (help)
		return 0;
	if (geteuid() != 0) {
		cli__error(&cmd, "needs root: it builds network namespaces and loads BPF programs; "
				 "run it with sudo");
		return 1;
	}
	if (topo__validate(&a.spec, &terr) || topo__probe_kind(a.spec.kind, a.spec.mode, &terr)) {
		cli__error(&cmd, "%s", terr.msg);
		return 1;
	}
	session__catch_signals();
	fill_config(&a, &r);

	session__progress("building %s, %d pair%s", topo_kind__name(a.spec.kind), a.spec.pairs,
			  a.spec.pairs == 1 ? "" : "s");
	rc = topo__up(&a.spec, &t, &terr);
	session__progress_done();
	if (rc) {
		cli__error(&cmd, "%s", terr.msg);
		goto out;
	}
	lo.topo = t;
	probe_opts__apply(&a.probe, &lo);
	rc = loader__start(&l, &lo, err, sizeof(err));
	if (!rc)
		rc = collect__begin(l);
	if (!rc && a.probe.raw)
		rc = raw_writer__start(&raw, l, a.probe.raw, err, sizeof(err));
	if (rc) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
	sysinfo__fill(&r, &l->features);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = drive_load(&a, t, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == -EINTR) {
		session__note("run", "interrupted: removing what it built");
		exit_code = 130;
		goto out;
	}
	if (rc) {
		if (rc != -EIO)
			cli__error(&cmd, "driving iperf3 failed: %s", strerror(-rc));
		goto out;
	}
	r.profile_seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	rc = collect__snapshot(l, &r);
	if (rc) {
		cli__error(&cmd, "reading the probes' maps failed: %s", strerror(-rc));
		goto out;
	}
	if (raw) {
		unsigned long long n = 0;

		rc = raw_writer__stop(raw, &n);
		raw = NULL;
		if (rc) {
			cli__error(&cmd, "%s: writing the raw events failed: %s", a.probe.raw,
				   strerror(-rc));
			goto out;
		}
		session__note("run", "%llu raw events in %s", n, a.probe.raw);
	}
	table__sort_stages(&r);
	table__print_result(&r, a.output && !strcmp(a.output, "-") ? stderr : stdout);
	if (a.output && result__write(&r, a.output, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
	exit_code = 0;
out:
	raw_writer__stop(raw, NULL);
	loader__destroy(l);
	topo__down(t);
	result__free(&r);
	return exit_code;
}
