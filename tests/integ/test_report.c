// SPDX-License-Identifier: GPL-2.0
/*
 * The report is right, checked against causes put there on purpose:
 *
 * - attribution: a tc program spinning a calibrated time on every packet at
 *   one bridge port's ingress must get the largest share of the gap between
 *   a run with it and one without, on that stage and device, and the time
 *   it adds per packet must match its calibration within 20 %;
 * - lost throughput: UDP as fast as it goes through a veth bridge loses
 *   datagrams; the report names a cause, and the kernel's drop count of the
 *   flow matches iperf3's lost count within 5 %.
 */
#include "helpers.h"
#include "analysis/hist.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "user/clock.h"
#include "user/collect.h"
#include "analysis/attribution.h"
#include "analysis/stage.h"
#include "tests/integ/spin.skel.h"

#define PORT	40011
#define SPIN_NS 10000 /* at least 10 us per packet: far above the stages' own noise */
#define SECONDS 3.0

static struct topo *topo;
static struct probes *loader;
static struct spin_bpf *spin;
static struct bpf_tc_hook hook = {.sz = sizeof(hook)};
static bool hooked;

static int enter_ns(const char *path)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(path, O_RDONLY | O_CLOEXEC);

	cr_assert_geq(self, 0);
	cr_assert_geq(target, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(setns(target, CLONE_NEWNET), 0, "setns %s: %s", path, strerror(errno));
	close(target);
	return self;
}

static void leave_ns(int self)
{
	cr_assert_eq(setns(self, CLONE_NEWNET), 0);
	close(self);
}

static const struct topo_dev *dev_of(enum topo_dev_role role)
{
	for (int i = 0; i < topo->n_devs; i++)
		if (topo->devs[i].role == role)
			return &topo->devs[i];
	cr_assert_fail("no device with role %d", role);
	return NULL;
}

static void unhook(void)
{
	const struct topo_dev *d;
	int self;

	if (!hooked)
		return;
	d = dev_of(TOPO_DEV_CLIENT_PORT);
	self = enter_ns(topo->ns[d->ns].path);
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS; /* removes the clsact qdisc */
	bpf_tc_hook_destroy(&hook);
	leave_ns(self);
	hooked = false;
}

static void teardown(void)
{
	if (topo)
		unhook();
	spin_bpf__destroy(spin);
	spin = NULL;
	probes__destroy(loader);
	loader = NULL;
	topo__down(topo);
	topo = NULL;
}

TestSuite(report, .fini = teardown);

/* ---- TCP load of our own: one connection, one writer, one reader ---- */

struct reader {
	int fd;
	double bytes;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	static char buf[1 << 17];
	ssize_t n;

	while ((n = recv(r->fd, buf, sizeof(buf), 0)) > 0)
		r->bytes += n;
	return NULL;
}

/* Stream for SECONDS from pair 0's client to its server; bits per second received. */
static double tcp_stream(double *seconds)
{
	const struct topo_pair *p = &topo->pairs[0];
	int ls = socket_in(topo, p->server_ns, SOCK_STREAM),
	    c = socket_in(topo, p->client_ns, SOCK_STREAM);
	struct sockaddr_in dst = addr4(p->server_ip4, PORT);
	static char buf[1 << 17];
	struct reader rd = {0};
	pthread_t th;
	double t0, t1;
	int one = 1;

	cr_assert_eq(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	cr_assert_eq(bind(ls, (struct sockaddr *)&dst, sizeof(dst)), 0, "bind: %s",
		     strerror(errno));
	cr_assert_eq(listen(ls, 1), 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&dst, sizeof(dst)), 0, "connect: %s",
		     strerror(errno));
	rd.fd = accept(ls, NULL, NULL);
	cr_assert_geq(rd.fd, 0);
	cr_assert_eq(pthread_create(&th, NULL, read_all, &rd), 0);
	t0 = now_s();
	while (now_s() - t0 < SECONDS)
		cr_assert_gt(send(c, buf, sizeof(buf), 0), 0, "send: %s", strerror(errno));
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	t1 = now_s();
	close(rd.fd);
	close(c);
	close(ls);
	*seconds = t1 - t0;
	return rd.bytes * 8 / (t1 - t0);
}

/* One measured run: the probes' snapshot of just the stream, with its throughput. */
static void measured_run(struct result *r)
{
	struct result before = {0};
	double secs, bps;

	cr_assert_eq(collect__snapshot(loader, &before), 0); /* starts the window here */
	result__free(&before);
	memset(r, 0, sizeof(*r));
	bps = tcp_stream(&secs);
	cr_assert_eq(collect__snapshot(loader, r), 0);
	snprintf(r->config.command, sizeof(r->config.command), "run");
	snprintf(r->config.kind, sizeof(r->config.kind), "veth-bridge");
	snprintf(r->config.proto, sizeof(r->config.proto), "tcp");
	snprintf(r->config.layout, sizeof(r->config.layout), "local");
	r->config.pairs = 1;
	r->config.mtu = 1500;
	r->config.duration = SECONDS;
	r->profile_seconds = secs;
	r->throughput.present = true;
	r->throughput.bits_per_second = bps;
	r->throughput.n_repeats = 1;
	r->throughput.repeats = calloc(1, sizeof(*r->throughput.repeats));
	cr_assert_not_null(r->throughput.repeats);
	r->throughput.repeats[0].bits_per_second = bps;
}

/* Packets of the stream at its first stage (the client's device, data path). */
static double data_packets(const struct result *r)
{
	double n = 0;

	for (int i = 0; i < r->n_stages; i++)
		if (r->stages[i].stage == NS_STAGE_TX_QUEUE && r->stages[i].from == NS_STAGE_NONE &&
		    r->stages[i].hop == 0 && r->stages[i].path == RESULT_PATH_CLIENT)
			n += (double)r->stages[i].hist.count;
	return n;
}

/* BPF_PROG_TEST_RUN: the program's mean run time on a frame, spin included. */
static double calibrate(void)
{
	char frame[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 200);

	frame[12] = 0x08; /* an IPv4 ethertype: a frame like the ones it will see */
	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(spin->progs.spin), &t), 0,
		     "test run: %s", strerror(errno));
	spin->bss->spun_ns = 0;
	spin->bss->spun_packets = 0;
	return t.duration;
}

static void attach_spin(void)
{
	const struct topo_dev *d = dev_of(TOPO_DEV_CLIENT_PORT);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(spin->progs.spin));
	int self = enter_ns(topo->ns[d->ns].path), rc;

	hook.ifindex = d->ifindex;
	hook.attach_point = BPF_TC_INGRESS;
	rc = bpf_tc_hook_create(&hook);
	if (rc && rc != -EEXIST) {
		leave_ns(self);
		/* Criterion runs no .fini after a skip: tear down first. */
		teardown();
		cr_skip_test("skipped: needs tc clsact (CONFIG_NET_CLS_BPF): %s", strerror(-rc));
	}
	hooked = true;
	rc = bpf_tc_attach(&hook, &opts);
	leave_ns(self);
	cr_assert_eq(rc, 0, "tc attach on %s: %s", d->ifname, strerror(-rc));
}

/*
 * A known cost at the client's bridge port, against a run without it: the
 * report's largest share is that port's, and what it adds per packet is what
 * the spin took in place (the spin measures itself, so a busy machine that
 * stretches the spin moves both figures alike), within tolerance.
 */
static void known_cost(double spin_min_ns, bool at_least_half_a_packet, double tolerance)
{
	struct topo_spec spec = {.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = 1, .mtu = 1500};
	struct topo_err terr = {{0}};
	struct probes_opts o = {0};
	struct result base, spun;
	const struct result *a[1] = {&spun}, *b[1] = {&base};
	struct attribution at;
	const struct attr_row *top;
	char err[512];
	double cal, in_situ, added, spin_ns;

	need_root_and_probes();
	cr_assert_eq(topo__up(&spec, &topo, &terr), 0, "topo up: %s", terr.msg);
	o.topo = topo;
	cr_assert_eq(probes__start(&loader, &o, err, sizeof(err)), 0, "loader: %s", err);
	cr_assert_eq(collect__begin(loader, err, sizeof(err)), 0, "collect: %s", err);
	measured_run(&base);

	spin_ns = spin_min_ns;
	if (at_least_half_a_packet && data_packets(&base) > 0)
		spin_ns = fmax(spin_ns, 0.5 * base.profile_seconds * 1e9 / data_packets(&base));
	spin = spin_bpf__open();
	cr_assert_not_null(spin);
	spin->rodata->spin_ns = (__u64)spin_ns;
	if (spin_bpf__load(spin)) {
		teardown(); /* Criterion runs no .fini after a skip */
		cr_skip_test("skipped: needs a tc program with bpf_loop (5.17 or later)");
	}
	cal = calibrate();
	cr_assert_gt(cal, spin_ns * 0.9, "calibration: %.0f ns for a %.0f ns spin", cal, spin_ns);
	attach_spin();
	measured_run(&spun);
	unhook();
	in_situ =
	    spin->bss->spun_packets ? (double)spin->bss->spun_ns / spin->bss->spun_packets : 0;
	cr_assert_gt(spin->bss->spun_packets, 1000, "the spin ran on %llu packets",
		     (unsigned long long)spin->bss->spun_packets);

	cr_assert_eq(attribution__compute(a, 1, b, 1, &at, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(at.gap, 0, "the spun run is slower: gap %.4f ns/B (%.2f against %.2f Gbit/s)",
		     at.gap, at.side[0].bps / 1e9, at.side[1].bps / 1e9);
	top = attribution__top(&at);
	cr_assert_not_null(top);
	/* Tracepoints alone: the bridge's forward; with module probes: rx_core -> rx_handler. */
	cr_expect(top->cls == ATTR_FORWARD || top->cls == ATTR_RX_PRE,
		  "the largest share is on '%s', not on the interval after rx_core of the port",
		  top->label);
	cr_expect_eq(top->dir, ATTR_DIR_DATA, "the spin sees the data only, not '%s'",
		     attr_dir__name(top->dir));
	cr_expect(strstr(top->v[0].where,
			 attribution__short_dev(dev_of(TOPO_DEV_CLIENT_PORT)->ifname, "netstage-")),
		  "the largest share is on %s, not on the client's port", top->v[0].where);
	added = top->delta_per_packet;
	cr_log_info("'%s' (%s, %s): +%.0f ns per packet; calibrated %.0f ns, %.0f ns in place; "
		    "share %.0f%% of a %.3f ns/B gap",
		    top->label, attr_dir__name(top->dir), top->v[0].where, added, cal, in_situ,
		    100 * top->share, at.gap);
	/* What the report adds must be what the spin cost where it ran. */
	cr_expect(fabs(added - in_situ) <= tolerance * in_situ,
		  "the report adds %.0f ns per packet on '%s'; the spin took %.0f ns in place",
		  added, top->label, in_situ);
	/*
	 * And the calibration, unless the machine stretched the spin itself: a vCPU
	 * descheduled by the host mid-spin (steal time) makes it last longer in place.
	 * That is a note about the machine, not a verdict on the test.
	 */
	if (fabs(in_situ - cal) <= 0.2 * cal)
		cr_expect(
		    fabs(added - cal) <= 0.2 * cal,
		    "the report adds %.0f ns per packet on '%s'; the calibration says %.0f ns",
		    added, top->label, cal);
	else
		/* Criterion makes a binary that logged a warning exit 1 though every test passed.
		 */
		cr_log_info(
		    "the spin took %.0f ns in place against %.0f ns calibrated: this machine "
		    "was busy (steal time?); checked against the in-place figure only",
		    in_situ, cal);
	for (int i = 0; i < at.n_rows; i++)
		if (at.rows[i].cpu && &at.rows[i] != top)
			cr_expect_lt(at.rows[i].share, top->share,
				     "'%s' (%s) has %.0f%%, above %.0f%%", at.rows[i].label,
				     attr_dir__name(at.rows[i].dir), 100 * at.rows[i].share,
				     100 * top->share);
	attribution__free(&at);
	result__free(&base);
	result__free(&spun);
}

/* Half the time a data packet takes, 10 us at least: it dominates on any machine. */
Test(report, a_known_cost_at_one_port_gets_the_largest_share, .timeout = 120)
{
	known_cost(SPIN_NS, true, 0.2);
}

/* N datagrams of 1000 bytes from pair 0's client to its server, paced, read as they come. */
static void udp_burst(int n)
{
	const struct topo_pair *p = &topo->pairs[0];
	int tx = socket_in(topo, p->client_ns, SOCK_DGRAM),
	    rx = socket_in(topo, p->server_ns, SOCK_DGRAM);
	struct sockaddr_in dst = addr4(p->server_ip4, PORT);
	struct timespec gap = {0, 50 * 1000};
	char buf[1000] = {0};

	cr_assert_eq(bind(rx, (struct sockaddr *)&dst, sizeof(dst)), 0, "bind: %s",
		     strerror(errno));
	cr_assert_eq(connect(tx, (struct sockaddr *)&dst, sizeof(dst)), 0);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(send(tx, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
		while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		if (i % 20 == 19)
			nanosleep(&gap, NULL);
	}
	close(tx);
	close(rx);
}

/* The mean of a row like this one in r (its exact sum over its count), or -1. */
static double row_mean(const struct result *r, const struct stage_stat *like)
{
	for (int i = 0; i < r->n_stages; i++) {
		const struct stage_stat *s = &r->stages[i];

		if (s->stage == like->stage && s->from == like->from && s->path == like->path &&
		    !strcmp(s->ifname, like->ifname))
			return hist__mean(&s->hist);
	}
	return -1;
}

/* Load the spin at spin_ns, attach it, send the burst; the spin's own time per packet. */
static double spun_burst(double spin_ns, int n, struct result *r)
{
	double in_situ;

	spin_bpf__destroy(spin);
	spin = spin_bpf__open();
	cr_assert_not_null(spin);
	spin->rodata->spin_ns = (__u64)spin_ns;
	if (spin_bpf__load(spin))
		cr_skip_test("skipped: needs a tc program with bpf_loop (5.17 or later)");
	attach_spin();
	memset(r, 0, sizeof(*r));
	udp_burst(n);
	cr_assert_eq(collect__snapshot(loader, r), 0);
	unhook();
	cr_assert_gt(spin->bss->spun_packets, (__u64)n / 2, "the spin ran on %llu packets",
		     (unsigned long long)spin->bss->spun_packets);
	in_situ = (double)spin->bss->spun_ns / spin->bss->spun_packets;
	return in_situ;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define KNOWN_ROUNDS 3

/*
 * 1 us, a few times a stage's own cost, at the client's bridge port on
 * datagrams of one size (a TCP stream's packets change size with its pace).
 * Runs with a spin of 0 carry the tc hook's own cost; against them, the
 * interval the 1 us lands in grows by what the spin took in place, within
 * 10 %, and against a run without the hook no other interval grows as much.
 * Every interval is corrected for the probes' own time. Rounds alternate and
 * the median round counts: a vCPU stolen for a while moves one round's mean.
 */
Test(report, a_known_cost_of_one_microsecond_is_recovered, .timeout = 180)
{
	struct topo_spec spec = {.kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = 1, .mtu = 1500};
	const struct stage_stat *top = NULL;
	struct topo_err terr = {{0}};
	struct probes_opts o = {0};
	struct result base = {0}, zero, spun;
	double best = 0, second = 0, known[KNOWN_ROUNDS], found[KNOWN_ROUNDS];
	struct stage_stat at;
	const int n = 20000;
	char err[512];

	need_root_and_probes();
	cr_assert_eq(topo__up(&spec, &topo, &terr), 0, "topo up: %s", terr.msg);
	o.topo = topo;
	cr_assert_eq(probes__start(&loader, &o, err, sizeof(err)), 0, "loader: %s", err);
	cr_assert_eq(collect__begin(loader, err, sizeof(err)), 0, "collect: %s", err);
	udp_burst(n);
	cr_assert_eq(collect__snapshot(loader, &base), 0);
	for (int round = 0; round < KNOWN_ROUNDS; round++) {
		double in_zero = spun_burst(0, n, &zero), in_spun = spun_burst(1000, n, &spun);

		/* The first round finds the interval that grew most against no hook at all. */
		for (int i = 0; round == 0 && i < spun.n_stages; i++) {
			const struct stage_stat *s = &spun.stages[i];
			double before = row_mean(&base, s), grew;

			if (s->path != RESULT_PATH_CLIENT || s->from == NS_STAGE_NONE ||
			    before < 0 || s->hist.count < (__u64)n / 2)
				continue;
			grew = hist__mean(&s->hist) - before;
			if (grew > best) {
				second = best;
				best = grew;
				top = s;
			} else if (grew > second) {
				second = grew;
			}
		}
		cr_assert_not_null(top, "no interval grew");
		if (round == 0)
			at = *top;
		known[round] = in_spun - in_zero;
		found[round] = row_mean(&spun, &at) - row_mean(&zero, &at);
		cr_log_info("round %d: %s -> %s on %s grew %.0f ns per packet against a spin of 0; "
			    "the spin took %.0f ns more in place; the probes' own time taken out "
			    "there: %.0f ns per packet",
			    round + 1, stage__name(at.from), stage__name(at.stage), at.ifname,
			    found[round], known[round],
			    at.hist.count ? (double)at.hist.probe_ns / at.hist.count : 0);
		result__free(&zero);
		result__free(&spun);
	}
	qsort(known, KNOWN_ROUNDS, sizeof(double), cmp_double);
	qsort(found, KNOWN_ROUNDS, sizeof(double), cmp_double);
	/* tc ingress of the client's port runs right after its rx_core: its interval on. */
	cr_expect(at.from == NS_STAGE_RX_CORE &&
		      (!strcmp(at.ifname, dev_of(TOPO_DEV_SERVER_PORT)->ifname) ||
		       !strcmp(at.ifname, dev_of(TOPO_DEV_CLIENT_PORT)->ifname)),
		  "the interval that grew most is %s -> %s on %s, not the one after the client "
		  "port's rx_core",
		  stage__name(at.from), stage__name(at.stage), at.ifname);
	cr_expect(fabs(found[KNOWN_ROUNDS / 2] - known[KNOWN_ROUNDS / 2]) <=
		      0.1 * known[KNOWN_ROUNDS / 2],
		  "the interval grew %.0f ns per packet; the spin took %.0f ns in place (medians)",
		  found[KNOWN_ROUNDS / 2], known[KNOWN_ROUNDS / 2]);
	cr_expect_lt(second, 0.5 * best, "another interval grew %.0f ns against %.0f", second,
		     best);
	result__free(&base);
}

/* ---- UDP through the command line ---- */

static int sh(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0, got;
	int status;

	cr_assert_not_null(f);
	while (out && n + 1 < len && (got = fread(out + n, 1, len - n - 1, f)) > 0)
		n += got;
	if (out)
		out[n] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static json_object *get(json_object *o, const char *path)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *k = strtok_r(copy, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		json_object *v = NULL;

		if (json_object_is_type(o, json_type_array))
			v = json_object_array_get_idx(o, atoi(k));
		else if (!json_object_object_get_ex(o, k, &v))
			v = NULL;
		o = v;
	}
	return o;
}

Test(report, udp_at_full_rate_names_a_cause_and_counts_drops_as_iperf3, .timeout = 120)
{
	static char out[1 << 20];
	const char *res = "/tmp/netstage-test-udp.json";
	json_object *root, *an, *v;
	double lost, kernel;

	need_root_and_probes();
	cr_assert_eq(sh("build/netstage run --kind veth-bridge --proto udp --duration 5 -o "
			"/tmp/netstage-test-udp.json >/dev/null 2>&1",
			NULL, 0),
		     0, "netstage run failed");
	cr_assert_eq(
	    sh("build/netstage report /tmp/netstage-test-udp.json --format json", out, sizeof(out)),
	    0, "netstage report failed: %s", out);
	unlink(res);
	root = json_tokener_parse(out);
	cr_assert_not_null(root, "report JSON: %.200s", out);
	an = get(root, "anomalies.0");
	cr_assert_not_null(an);
	v = get(an, "applies");
	cr_assert(v && json_object_get_boolean(v), "a UDP result is always checked");
	v = get(an, "dominant_cause");
	cr_assert_not_null(v, "no cause named: %s", json_object_to_json_string(an));
	cr_log_info("dominant cause: %s", json_object_get_string(v));
	lost = json_object_get_double(get(an, "loss.iperf3_lost"));
	kernel = json_object_get_double(get(an, "loss.kernel_drops"));
	cr_assert_gt(lost, 0, "UDP at full rate through a bridge loses datagrams here");
	cr_expect(fabs(kernel - lost) <= 0.05 * lost,
		  "the kernel dropped %.0f of the flow's datagrams, iperf3 lost %.0f", kernel,
		  lost);
	json_object_put(root);
}
