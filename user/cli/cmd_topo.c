// SPDX-License-Identifier: GPL-2.0
/*
 * netstage topo up|down|list: build a container topology and leave it up,
 * remove such topologies (and, with --all, what crashed runs left), list
 * them. `run` and `sweep` build theirs with the same code (topo/).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "user/cli/cli.h"
#include "user/cli/commands.h"
#include "user/cli/topo_args.h"
#include "topo/topo.h"

enum {
	OPT_QUIET = 'q',
	OPT_IPV6 = 256,
	OPT_ALL,
};

static const struct cli_opt up_opts[] = {
    TOPO_OPTS,
    {OPT_IPV6, "ipv6", 0, NULL, "also IPv6 addresses (2001:2::/48); default: IPv6 disabled"},
    {OPT_QUIET, "quiet", 'q', NULL, "print only the run id"},
    {0},
};

static const struct cli_cmd up_cmd = {
    .name = "topo up",
    .usage = "topo up --kind KIND [--pairs N] [--mtu M] [--layout local|switched] [--mode MODE] "
	     "[--ipv6]",
    .summary = "Build container pairs in network namespaces and leave them up; print the run\n"
	       "id, the namespaces, interfaces and addresses of every pair.",
    .details = "Remove it with `netstage topo down` (every topology made by `topo up`) or\n"
	       "`netstage topo down RUN`. Addresses: pair P has 198.18.P.1 (client) and\n"
	       "198.18.P.2 (server), /24; with --ipv6 also 2001:2:0:P::1 and ::2, /64.\n"
	       "docs/TOPOLOGY.md describes every layout.",
    .opts = up_opts,
};
const struct cli_cmd *const topo_up_cli = &up_cmd; /* for the manual page */

static const struct cli_opt down_opts[] = {
    {OPT_ALL, "all", 'a', NULL,
     "remove every netstage namespace and interface: also leftovers of crashed runs and "
     "topologies other netstage processes are using"},
    {0},
};

static const struct cli_cmd down_cmd = {
    .name = "topo down",
    .usage = "topo down [--all] [RUN]...",
    .summary = "Remove the topologies `netstage topo up` made (or only the runs named).",
    .details = "With --all, remove everything named as netstage names things (namespaces\n"
	       "netstage-*, interfaces nst* with a netstage alias), whoever made it.",
    .opts = down_opts,
};
const struct cli_cmd *const topo_down_cli = &down_cmd; /* for the manual page */

static const struct cli_opt list_opts[] = {{0}};

static const struct cli_cmd list_cmd = {
    .name = "topo list",
    .usage = "topo list",
    .summary = "List netstage topologies: run id, state (kept, in use, leftover), kind, size.",
    .opts = list_opts,
};
const struct cli_cmd *const topo_list_cli = &list_cmd; /* for the manual page */

static const struct cli_cmd topo_cmd = {
    .name = "topo",
    .usage = "topo up|down|list [options]",
    .summary = "Build, remove and list container topologies (see `netstage topo up --help`).",
    .opts = list_opts,
};

static bool need_root(const struct cli_cmd *cmd)
{
	if (geteuid() == 0)
		return true;
	cli__error(cmd, "needs root: it manages network namespaces; run it with sudo");
	return false;
}

static void print_topo(const struct topo *t, FILE *out)
{
	const struct topo_spec *s = &t->spec;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	fprintf(out, "run %s: %s", t->run_id, topo_kind__name(s->kind));
	if (s->kind == TOPO_MACVLAN || s->kind == TOPO_IPVLAN)
		fprintf(out, " mode %s", topo_mode__name(s->kind, s->mode));
	fprintf(out, ", %d pair%s, MTU %d, %s layout, %s\n", t->n_pairs, t->n_pairs == 1 ? "" : "s",
		s->mtu, topo_layout__name(s->layout), s->ipv6 ? "IPv4 and IPv6" : "IPv4 only");
	for (int i = 0; i < t->n_ns; i++) {
		const struct topo_ns *ns = &t->ns[i];

		if (ns->role != TOPO_NS_HOST && ns->role != TOPO_NS_NODE)
			continue;
		fprintf(out, "  %-22s", ns->name);
		for (int d = 0; d < t->n_devs; d++)
			if (t->devs[d].ns == i && t->devs[d].pair < 0)
				fprintf(out, " %s(%s)", t->devs[d].ifname,
					ns_dev_kind__name(t->devs[d].kind));
		fprintf(out, "\n");
	}
	for (int i = 0; i < t->n_pairs; i++) {
		const struct topo_pair *p = &t->pairs[i];

		inet_ntop(AF_INET, &p->client_ip4, a, sizeof(a));
		inet_ntop(AF_INET, &p->server_ip4, b, sizeof(b));
		fprintf(out, "  pair %-3d %s %s %s  <->  %s %s %s\n", i, t->ns[p->client_ns].name,
			t->devs[p->client_dev].ifname, a, t->ns[p->server_ns].name,
			t->devs[p->server_dev].ifname, b);
		if (s->ipv6) {
			inet_ntop(AF_INET6, &p->client_ip6, a, sizeof(a));
			inet_ntop(AF_INET6, &p->server_ip6, b, sizeof(b));
			fprintf(out, "           %s  <->  %s\n", a, b);
		}
	}
	fprintf(out, "remove it with: netstage topo down %s\n", t->run_id);
}

static int topo_up(int argc, char **argv)
{
	struct topo_err err = {{0}};
	struct topo_args args;
	struct topo_spec *spec = &args.spec;
	struct cli_parser p;
	bool quiet = false;
	struct topo *t;
	int id, rc;

	topo_args__init(&args);
	cli__init(&p, &up_cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		rc = topo_args__handle(&p, id, &args);
		if (rc < 0)
			return 2;
		if (rc)
			continue;
		switch (id) {
		case OPT_IPV6:
			spec->ipv6 = true;
			break;
		case OPT_QUIET:
			quiet = true;
			break;
		}
	}
	rc = cli__finish(&p, id);
	if (rc >= 0)
		return rc;
	if (topo_args__finish(&up_cmd, &args))
		return 2;
	if (topo__validate(spec, &err)) {
		cli__error(&up_cmd, "%s", err.msg);
		return 2;
	}
	if (!need_root(&up_cmd))
		return 1;
	rc = topo__up(spec, &t, &err);
	if (rc) {
		cli__error(&up_cmd, "%s", err.msg);
		return rc == -4 /* EINTR */ ? 130 : 1;
	}
	rc = topo__keep(t, &err);
	if (rc) {
		cli__error(&up_cmd, "%s; removing it", err.msg);
		topo__down(t);
		return 1;
	}
	if (quiet)
		printf("%s\n", t->run_id);
	else
		print_topo(t, stdout);
	topo__down(t); /* kept: this only frees the description */
	return 0;
}

static int topo_down(int argc, char **argv)
{
	struct topo_err err = {{0}};
	struct cli_parser p;
	bool all = false;
	int id, rc = 0, total = 0;

	cli__init(&p, &down_cmd, argc, argv);
	while ((id = cli__next(&p)) > 0)
		if (id == OPT_ALL)
			all = true;
	if (id < 0)
		return 2;
	if (p.help)
		return 0;
	if (!need_root(&down_cmd))
		return 1;
	if (all) {
		if (p.rest < argc) {
			cli__error(&down_cmd, "--all removes every run; give no run id with it");
			return 2;
		}
		rc = topo__down_all(stdout, &err);
		if (rc < 0) {
			cli__error(&down_cmd, "%s", err.msg);
			return 1;
		}
		printf("removed %d object%s\n", rc, rc == 1 ? "" : "s");
		return 0;
	}
	if (p.rest == argc) {
		rc = topo__down_kept(NULL, NULL, &err);
		if (rc < 0) {
			cli__error(&down_cmd, "%s", err.msg);
			return 1;
		}
		printf("removed %d topolog%s\n", rc, rc == 1 ? "y" : "ies");
		return 0;
	}
	for (int i = p.rest; i < argc; i++) {
		rc = topo__down_kept(argv[i], NULL, &err);
		if (rc < 0) {
			cli__error(&down_cmd, "%s", err.msg);
			return 1;
		}
		total += rc;
	}
	printf("removed %d topolog%s\n", total, total == 1 ? "y" : "ies");
	return 0;
}

static int topo_list(int argc, char **argv)
{
	struct topo_err err = {{0}};
	int rc = cli__parse_no_args(&list_cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (topo__list(stdout, &err)) {
		cli__error(&list_cmd, "%s", err.msg);
		return 1;
	}
	return 0;
}

int cmd_topo(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli__help(&topo_cmd, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "up"))
		return topo_up(argc - 1, argv + 1);
	if (!strcmp(argv[1], "down"))
		return topo_down(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return topo_list(argc - 1, argv + 1);
	cli__error(&topo_cmd, "unknown subcommand '%s'; use up, down or list", argv[1]);
	return 2;
}
