// SPDX-License-Identifier: GPL-2.0
/*
 * The netstage binary as a user runs it: `run` prints a stage table and a
 * result file, leaves no namespace, link or BPF program behind, and refuses
 * bad input with one clear line.
 */
#include "helpers.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "analysis/result.h"

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

/* Count lines of a command's output that contain needle. */
static int count_lines(const char *cmd, const char *needle)
{
	char line[512];
	int n = 0;
	FILE *f = popen(cmd, "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	pclose(f);
	return n;
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
	cr_assert_eq(exit_code(&o), 0, "stdout:\n%s\nstderr:\n%s", o.out, o.err);
	cr_assert(strstr(o.out, "throughput:"), "%s", o.out);
	cr_assert(strstr(o.out, "tx_start") && strstr(o.out, "rx_core"), "%s", o.out);
	cr_assert(strstr(o.out, "veth@bridge"), "the bridge ports are shown: %s", o.out);
	cr_assert_eq(result__read("/tmp/netstage-test-vb.json", &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(r.throughput.bits_per_second, 1e8, "TCP through a bridge moves > 100 Mbit/s");
	cr_assert_gt(r.throughput.packets_per_second, 1000);
	cr_assert_gt(r.n_stages, 4);
	result__free(&r);
	unlink("/tmp/netstage-test-vb.json");
	assert_nothing_left();
}

Test(cli_run, ipvlan_without_driver_is_refused_clearly)
{
	struct topo_err terr = { { 0 } };
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
		{ "run --kind vxlan", "unknown kind 'vxlan'" },
		{ "run --kind veth --pairs 0", "--pairs: '0'" },
		{ "run --kind veth --pairs 100000", "--pairs: '100000'" },
		{ "run --kind veth --mtu 50", "--mtu: '50'" },
		{ "run --kind veth --mtu 70000", "--mtu: '70000'" },
		{ "run --kind veth-bridge --mode l3", "'l3' is not a mode of veth-bridge" },
		{ "run --kind macvlan --mode l3", "'l3' is not a mode of macvlan" },
		{ "run --pairs 2", "--kind is required" },
		{ "run --kind veth --proto sctp", "neither tcp nor udp" },
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
	for (const char *c = "doctor\0topo\0run\0profile\0report\0"; *c; c += strlen(c) + 1)
		cr_assert(strstr(o.out, c), "'%s' missing from --help", c);
	run(NETSTAGE " run --help", &o);
	cr_assert_eq(exit_code(&o), 0);
	cr_assert(strstr(o.out, "--kind") && strstr(o.out, "--pairs") && strstr(o.out, "--proto"));
	run(NETSTAGE " nosuchcommand", &o);
	cr_assert_neq(exit_code(&o), 0);
	cr_assert(strstr(o.err, "unknown command 'nosuchcommand'"));
}
