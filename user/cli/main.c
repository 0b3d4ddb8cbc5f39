// SPDX-License-Identifier: GPL-2.0
/* netstage: where the time of a container's packets goes, stage by stage. */
#include <stdio.h>
#include <string.h>
#include "user/cli/commands.h"

#define NETSTAGE_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
    {"doctor", cmd_doctor, "what this kernel allows: BTF, tp_btf, fentry, each device kind"},
    {"topo", cmd_topo, "build, list and remove container topologies (up, down, list)"},
    {"run", cmd_run, "build a topology, drive iperf3 through it and profile every stage"},
    {"sweep", cmd_sweep, "runs over kinds x MTUs x pair counts x protocols (the paper's matrix)"},
    {"profile", cmd_profile, "profile namespaces and devices that already exist, no load"},
    {"report", cmd_report, "show a result file (and compare it with a baseline)"},
    {"man", cmd_man, "print the manual page (roff)"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: netstage [--version] [--help] COMMAND [options]\n\n"
		     "Profile the Linux container network path: per-packet latency and CPU cost\n"
		     "of each kernel stage on veth, bridge, macvlan and ipvlan.\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'netstage COMMAND --help' tells more about each.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("netstage %s\n", NETSTAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "netstage: unknown command '%s'; run 'netstage --help' for the list\n",
		argv[1]);
	return 2;
}
