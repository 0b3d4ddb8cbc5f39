// SPDX-License-Identifier: GPL-2.0
/* netstage doctor: what this kernel allows, each answer with its reason. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "user/cli.h"
#include "user/commands.h"
#include "user/loader.h"
#include "topo/topo.h"

static const struct cli_opt opts[] = {{0}};

static const struct cli_cmd cmd = {
    .name = "doctor",
    .usage = "doctor",
    .summary = "Say what this kernel allows netstage to do: BTF, BTF tracepoints (tp_btf),\n"
	       "fentry module probes, drop reasons, each device kind and mode.",
    .details = "Exits 0 when the stage probes can run (BTF and tp_btf), 1 otherwise.\n"
	       "Checking device kinds creates and deletes a device in a throwaway netstage\n"
	       "namespace, so it needs root.",
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

int cmd_doctor(int argc, char **argv)
{
	struct probe_report pr;
	struct utsname u;
	int rc = cli__parse_no_args(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	uname(&u);
	loader__probe(&pr);
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
	line("bpf_stats", pr.bpf_stats, "kernel.bpf_stats_enabled, for overhead figures");
	line("tracefs", mounted("/sys/kernel/tracing", TRACEFS_MAGIC),
	     "/sys/kernel/tracing (make deps mounts it)");
	line("bpffs", mounted("/sys/fs/bpf", BPF_FS_MAGIC), "/sys/fs/bpf (make deps mounts it)");
	device_kinds();
	if (!pr.btf || !pr.tp_btf) {
		fprintf(stderr, "netstage doctor: this kernel cannot run the stage probes: %s\n",
			!pr.btf ? pr.btf_why : pr.tp_btf_why);
		return 1;
	}
	return 0;
}
