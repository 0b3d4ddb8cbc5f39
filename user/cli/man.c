// SPDX-License-Identifier: GPL-2.0
/*
 * netstage man: the manual page, in roff, made from the same option tables
 * as every --help, so that the page cannot drift from the program. `make man`
 * writes docs/netstage.1; a test checks the two are the same.
 */
#include <stdio.h>
#include <string.h>
#include "user/cli/cli.h"
#include "user/cli/commands.h"

/* roff treats a leading dot or quote as a request and backslashes as escapes. */
static void roff_text(FILE *out, const char *s)
{
	bool line_start = true;

	for (; *s; s++) {
		if (line_start && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
		line_start = *s == '\n';
	}
}

static void option(FILE *out, const struct cli_opt *o)
{
	fputs(".TP\n", out);
	if (o->short_name)
		fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
	fputs("\\fB\\-\\-", out);
	roff_text(out, o->name);
	fputs("\\fR", out);
	if (o->arg) {
		fputs(" \\fI", out);
		roff_text(out, o->arg);
		fputs("\\fR", out);
	}
	fputc('\n', out);
	roff_text(out, o->help);
	fputc('\n', out);
}

static void command(FILE *out, const struct cli_cmd *c)
{
	fputs(".SS \"netstage ", out);
	roff_text(out, c->usage);
	fputs("\"\n", out);
	roff_text(out, c->summary);
	fputc('\n', out);
	if (c->details) {
		fputs(".PP\n", out);
		roff_text(out, c->details);
		fputc('\n', out);
	}
	for (const struct cli_opt *o = c->opts; o && o->name; o++)
		option(out, o);
}

static const char *const prologue =
    ".TH NETSTAGE 1 \"2026\" \"netstage 0.1.0\" \"User Commands\"\n"
    ".SH NAME\n"
    "netstage \\- profile the Linux container network path, stage by stage\n"
    ".SH SYNOPSIS\n"
    ".B netstage\n"
    "[\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR]\n"
    ".SH DESCRIPTION\n"
    "netstage watches the transmit and receive paths of veth, bridge, macvlan and ipvlan\n"
    "devices and the network softirqs with CO\\-RE eBPF programs, and records for every\n"
    "packet the time from one kernel stage to the next and the CPU each stage costs. It\n"
    "builds container topologies in network namespaces, drives iperf3 load through them,\n"
    "and reports throughput beside a per\\-stage table, so that one can see why one path is\n"
    "slower than another. Traffic only ever goes to addresses inside the namespaces\n"
    "netstage builds (198.18.0.0/15, 2001:2::/48); everything it builds is named\n"
    "netstage\\-\\fIrun\\fR\\-... (namespaces) or nst\\fIrun\\fR... (interfaces) and removed\n"
    "when the command ends, on Ctrl\\-C too.\n"
    ".PP\n"
    "Every command also takes \\fB\\-h\\fR, \\fB\\-\\-help\\fR and \\fB\\-v\\fR,\n"
    "\\fB\\-\\-verbose\\fR (libbpf's and the loader's debug messages).\n"
    ".SH COMMANDS\n"
    ".SS \"netstage doctor\"\n";

static const char *const epilogue =
    ".SS \"netstage man\"\n"
    "Print this manual page (roff).\n"
    ".SH EXIT STATUS\n"
    "0 on success; 1 when the work failed (the message says why); 2 for bad input on the\n"
    "command line; 130 when interrupted with Ctrl\\-C (after removing what it built).\n"
    ".SH ENVIRONMENT\n"
    ".TP\n"
    ".B NETSTAGE_VERBOSE\n"
    "Set to 1 to print libbpf's messages, as \\fB\\-v\\fR does.\n"
    ".SH FILES\n"
    ".TP\n"
    ".I /run/netns\n"
    "The namespaces netstage builds, named as \\fBip netns\\fR names them.\n"
    ".TP\n"
    ".I /run/netstage\n"
    "The lock for topology changes and the state of topologies kept by \\fBtopo up\\fR.\n"
    ".SH EXAMPLES\n"
    ".nf\n"
    "netstage run \\-\\-kind veth\\-bridge \\-\\-duration 5 \\-o vb.json\n"
    "netstage run \\-\\-kind macvlan \\-\\-duration 5 \\-o mv.json\n"
    "netstage report vb.json mv.json \\-\\-html gap.html\n"
    "netstage profile \\-\\-netns /proc/$(pidof nginx)/ns/net \\-\\-duration 30\n"
    "netstage sweep \\-\\-kinds veth\\-bridge,macvlan \\-\\-pairs 1,2,4 \\-o sweep/\n"
    ".fi\n"
    ".SH SEE ALSO\n"
    ".BR ip (8),\n"
    ".BR iperf3 (1),\n"
    ".BR bpftool (8).\n"
    "The stage model: docs/STAGES.md; attribution: docs/ATTRIBUTION.md.\n";

int cmd_man(int argc, char **argv)
{
	const struct cli_cmd *const cmds[] = {topo_up_cli, topo_down_cli, topo_list_cli, run_cli,
					      sweep_cli,   profile_cli,	  report_cli};
	static const struct cli_opt no_opts[] = {{0}};
	static const struct cli_cmd man_cmd = {"man", "man", "Print the manual page (roff).", NULL,
					       no_opts};
	int rc = cli__parse_no_args(&man_cmd, argc, argv);

	if (rc >= 0)
		return rc;
	fputs(prologue, stdout);
	roff_text(stdout, doctor_cli->summary);
	fputc('\n', stdout);
	if (doctor_cli->details) {
		fputs(".PP\n", stdout);
		roff_text(stdout, doctor_cli->details);
		fputc('\n', stdout);
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		command(stdout, cmds[i]);
	fputs(epilogue, stdout);
	return 0;
}
