// SPDX-License-Identifier: GPL-2.0
/* netstage doctor: what this kernel allows, each answer with its reason. */
#include <stdio.h>
#include <bpf/libbpf.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "user/cli/cli.h"
#include "user/cli/commands.h"
#include "user/probes.h"
#include "analysis/stage.h"
#include "user/probe_memory.h"
#include "topo/topo.h"

enum { OPT_CALIBRATE = 1 };

static const struct cli_opt opts[] = {
    {OPT_CALIBRATE, "calibrate", 0, NULL,
     "measure a hook's own cost afresh (an empty program's run), cached for this boot"},
    {0}};

static const struct cli_cmd cmd = {
    .name = "doctor",
    .usage = "doctor",
    .summary = "Say what this kernel allows netstage to do: BTF, BTF tracepoints (tp_btf),\n"
	       "fentry module probes, drop reasons, each device kind and mode.",
    .details = "Exits 0 when the stage probes can run (BTF and tp_btf), 1 otherwise.\n"
	       "Checking device kinds creates and deletes a device in a throwaway netstage\n"
	       "namespace, so it needs root. It also prints the memory the probes' maps take\n"
	       "for a small and a large topology, on this machine's possible CPUs and on\n"
	       "servers of 64 and 256, and the cost of a hook, which the results' cost\n"
	       "estimate uses (--calibrate measures it again).",
    .opts = opts,
};
const struct cli_cmd *const doctor_cli = &cmd; /* for the manual page */

static void line(const char *what, int ok, const char *why)
{
	printf("  %-18s %-4s %s\n", what, ok ? "yes" : "no", why && *why ? why : "");
}

static bool mounted(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == magic;
}

static void device_kinds(void)
{
	static const struct {
		enum topo_kind kind;
		const char *modes[6];
	} kinds[] = {
	    {TOPO_VETH, {NULL}},
	    {TOPO_VETH_BRIDGE, {NULL}},
	    {TOPO_MACVLAN, {"bridge", "vepa", "private", "passthru", "source", NULL}},
	    {TOPO_IPVLAN, {"l2", "l3", "l3s", NULL}},
	    {TOPO_HOST, {NULL}},
	    {TOPO_CONTAINER, {NULL}},
	    {TOPO_NAT, {NULL}},
	    {TOPO_VXLAN, {NULL}},
	    {TOPO_OVS, {NULL}},
	};

	printf("device kinds:\n");
	if (geteuid() != 0) {
		printf("  (run as root to check: it creates a device in a throwaway namespace)\n");
		return;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct topo_err err = {{0}};
		char name[64];
		int rc;

		if (!kinds[i].modes[0]) {
			rc = topo__probe_kind(kinds[i].kind, -1, &err);
			line(topo_kind__name(kinds[i].kind), rc == 0, err.msg);
			continue;
		}
		for (int m = 0; kinds[i].modes[m]; m++) {
			int mode = topo_mode__parse(kinds[i].kind, kinds[i].modes[m]);

			memset(&err, 0, sizeof(err));
			rc = topo__probe_kind(kinds[i].kind, mode, &err);
			snprintf(name, sizeof(name), "%s %s", topo_kind__name(kinds[i].kind),
				 kinds[i].modes[m]);
			line(name, rc == 0, err.msg);
		}
	}
}

/* The probes' map memory for veth-bridge, 1 and 128 pairs, both stage sets, 3 CPU counts. */
static void map_memory(void)
{
	const int pairs[] = {1, 128}, cpus[] = {libbpf_num_possible_cpus(), 64, 256};
	struct topo_err err;

	printf("map memory (veth-bridge; --map-memory bounds it, default an eighth of RAM):\n");
	for (size_t p = 0; p < 2; p++) {
		struct topo_spec spec = {
		    .kind = TOPO_VETH_BRIDGE, .mode = -1, .pairs = pairs[p], .mtu = 1500};
		struct topo *t;

		if (topo__plan(&spec, &t, &err))
			continue;
		t->owned = true;
		for (int set = 0; set < NS_SET_COUNT; set++) {
			printf("  %3d pair%s, stages %-4s:", pairs[p], pairs[p] == 1 ? " " : "s",
			       stage_set__name(set));
			for (size_t c = 0; c < 3; c++) {
				struct probes_opts o = {.topo = t,
							.stage_set = set,
							.n_cpus = cpus[c],
							.memory_limit = ~0ULL};
				struct probe_memory m;
				char buf[32], e[160];

				if (cpus[c] > 0 && !probes__plan(&o, &m, e, sizeof(e)))
					printf("  %9s on %3d CPUs",
					       probe_memory__fmt(m.total, buf, sizeof(buf)),
					       cpus[c]);
			}
			printf("\n");
		}
		topo__free_plan(t);
	}
}

int cmd_doctor(int argc, char **argv)
{
	struct probe_report pr;
	struct utsname u;
	struct cli_parser p;
	bool calibrate = false;
	double hook_ns, stats_ns;
	char err[160];
	int id, rc;

	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0)
		if (id == OPT_CALIBRATE)
			calibrate = true;
	rc = cli__finish(&p, id);
	if (rc >= 0)
		return rc;
	uname(&u);
	probes__probe(&pr);
	printf("kernel %s (%s)\nprobes:\n", u.release, u.machine);
	line("BTF", pr.btf, pr.btf ? "/sys/kernel/btf/vmlinux" : pr.btf_why);
	line("tp_btf", pr.tp_btf, pr.tp_btf ? "the stage probes' backend" : pr.tp_btf_why);
	line("fentry", pr.fentry, pr.fentry ? "module-level probes can attach" : pr.fentry_why);
	line("module probes", pr.modules[0] != '\0',
	     pr.modules[0] ? pr.modules
	     : pr.fentry   ? "none of their functions is loaded (modules load with a topology)"
			   : "fentry refused: netstage uses tracepoints instead");
	line("netfilter", pr.netfilter,
	     pr.netfilter ? "BPF at netfilter hooks: conntrack and NAT are stages of their own"
			  : pr.netfilter_why);
	line("drop reasons", pr.kfree_skb_reason,
	     pr.kfree_skb_reason ? "kfree_skb carries the kernel's reason"
				 : "kfree_skb has no reason argument (kernel before 5.17)");
	line("tracepoints", !pr.missing[0], pr.missing[0] ? pr.missing : "all the probes use");
	line("UDP delivery", pr.udp_deliver,
	     pr.udp_deliver ? "per datagram, with its wait in the socket's queue"
			    : "per socket only: no sock:sk_data_ready or sock:sock_recv_length "
			      "(kernels before 6.3/6.4)");
	line("bpf_stats", pr.bpf_stats, "kernel.bpf_stats_enabled, for overhead figures");
	line("tracefs", mounted("/sys/kernel/tracing", TRACEFS_MAGIC),
	     "/sys/kernel/tracing (make deps mounts it)");
	line("bpffs", mounted("/sys/fs/bpf", BPF_FS_MAGIC), "/sys/fs/bpf (make deps mounts it)");
	device_kinds();
	map_memory();
	if (geteuid() == 0 && pr.tp_btf) {
		if (probes__hook_cost(&hook_ns, &stats_ns, calibrate, err, sizeof(err)) == 0)
			printf(
			    "probe cost: a hook runs an empty program in %.0f ns (bpf_stats adds "
			    "%.0f ns to its figure)\n",
			    hook_ns, stats_ns);
		else
			printf("probe cost: %s\n", err);
	}
	if (!pr.btf || !pr.tp_btf) {
		fprintf(stderr, "netstage doctor: this kernel cannot run the stage probes: %s\n",
			!pr.btf ? pr.btf_why : pr.tp_btf_why);
		return 1;
	}
	return 0;
}
