// SPDX-License-Identifier: GPL-2.0
/*
 * The nat kind's rules, as Docker writes them for a published port, in
 * nftables (libnftables; never the nft command) inside the host namespace:
 *
 *   prerouting (dstnat): traffic to a local address, not from the bridge,
 *     to port 20000+P (TCP or UDP) goes to server P's 198.18.P.2:5201;
 *   postrouting (srcnat): the containers' subnet leaving by another
 *     interface than the bridge is masqueraded.
 *
 * One table per run, named after it ("netstage_<run>"); it goes away with
 * the namespace. Docker's filter chains are left out: the default policy
 * accepts, and the path of a published port is the NAT one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <nftables/libnftables.h>

#include "internal.h"

static int host_ns(const struct topo *t)
{
	for (int i = 0; i < t->n_ns; i++)
		if (t->ns[i].role == TOPO_NS_HOST)
			return i;
	return -1;
}

static int bridge_dev(const struct topo *t)
{
	for (int i = 0; i < t->n_devs; i++)
		if (t->devs[i].kind == NS_DEV_BRIDGE)
			return i;
	return -1;
}

char *nat_ruleset(const struct topo *t)
{
	const char *br = t->devs[bridge_dev(t)].ifname;
	char *text = NULL, a[INET_ADDRSTRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "table ip netstage_%s {\n", t->run_id);
	fprintf(f, "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; "
		   "policy accept;\n");
	for (int i = 0; i < t->n_pairs; i++) {
		inet_ntop(AF_INET, &t->pairs[i].server_ip4, a, sizeof(a));
		fprintf(f,
			"\t\tfib daddr type local iifname != \"%s\" meta l4proto { tcp, udp } "
			"th dport %d dnat to %s:%d\n",
			br, t->pairs[i].target_port, a, TOPO_NAT_SERVER_PORT);
	}
	fprintf(f, "\t}\n");
	fprintf(f, "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; "
		   "policy accept;\n");
	fprintf(f, "\t\tip saddr 198.18.0.0/16 oifname != \"%s\" masquerade\n", br);
	fprintf(f, "\t}\n}\n");
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Run cmds with a context made in the calling thread's namespace; 0, or -1 and why. */
static int run(const char *cmds, char *why, size_t len)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *e;
	int r;

	if (!ctx) {
		snprintf(why, len, "libnftables cannot make a context");
		return -1;
	}
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	r = nft_run_cmd_from_buffer(ctx, cmds);
	e = nft_ctx_get_error_buffer(ctx);
	if (r) {
		snprintf(why, len, "%s", e && *e ? e : "nftables refused the rules");
		why[strcspn(why, "\n")] = '\0';
	}
	nft_ctx_free(ctx);
	return r ? -1 : 0;
}

/*
 * In a child process that keeps none of our descriptors: a build of many pairs holds more
 * than FD_SETSIZE of them, and libnftables waits on its socket with select().
 */
int nat_apply(const struct topo *t, struct topo_err *err)
{
	int h = host_ns(t), pfd[2], status, r;
	char *rules, why[384] = "";
	ssize_t n;
	pid_t pid;

	if (h < 0 || bridge_dev(t) < 0) {
		topo_err_set(err, "nat: the plan has no host namespace or bridge");
		return -EINVAL;
	}
	rules = nat_ruleset(t);
	if (!rules || pipe2(pfd, O_CLOEXEC)) {
		free(rules);
		topo_err_set(err, "nat: cannot prepare the rules: %s", strerror(errno));
		return -ENOMEM;
	}
	pid = fork();
	if (pid == 0) {
		int fd, w = pfd[1];

		if (w != 3 && dup2(w, 3) == 3)
			w = 3;
		close_range(w + 1, ~0U, 0);
		for (int i = 3; i < w; i++)
			close(i);
		fd = open(t->ns[h].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			snprintf(why, sizeof(why), "cannot enter it: %s", strerror(errno));
			r = -1;
		} else {
			close(fd);
			r = run(rules, why, sizeof(why));
		}
		if (r && write(w, why, strlen(why)) < 0)
			_exit(2);
		_exit(r ? 1 : 0);
	}
	close(pfd[1]);
	free(rules);
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		topo_err_set(err, "nat: cannot fork to apply the rules: %s", strerror(-r));
		return r;
	}
	n = read(pfd[0], why, sizeof(why) - 1);
	why[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		topo_err_set(err, "nat: nftables refused the rules in %s: %s", t->ns[h].name,
			     why[0] ? why : "its process failed");
		return -EINVAL;
	}
	return 0;
}

/*
 * In a throwaway namespace, each thing the rules need in turn, so that a
 * refusal names what is missing.
 */
int nat_probe(struct topo_err *err)
{
	static const struct {
		const char *cmd, *what, *config;
	} steps[] = {
	    {"add table ip nstprobe", "nf_tables", "CONFIG_NF_TABLES, CONFIG_NF_TABLES_IPV4"},
	    {"add chain ip nstprobe pre { type nat hook prerouting priority dstnat; }",
	     "NAT chains of nf_tables", "CONFIG_NFT_NAT, CONFIG_NF_NAT, CONFIG_NF_CONNTRACK"},
	    {"add rule ip nstprobe pre meta l4proto tcp th dport 20000 dnat to 198.18.0.2:5201",
	     "nf_tables DNAT", "CONFIG_NFT_NAT"},
	    {"add rule ip nstprobe pre fib daddr type local", "nf_tables fib lookups",
	     "CONFIG_NFT_FIB_IPV4"},
	    {"add chain ip nstprobe post { type nat hook postrouting priority srcnat; }; "
	     "add rule ip nstprobe post ip saddr 198.18.0.0/16 masquerade",
	     "nf_tables masquerade", "CONFIG_NFT_MASQ, CONFIG_NF_NAT_MASQUERADE"},
	};
	char why[384];
	int orig, r = 0;

	orig = netns_enter_scratch("nat", err);
	if (orig < 0)
		return orig;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !r; i++) {
		if (run(steps[i].cmd, why, sizeof(why)) == 0)
			continue;
		topo_err_set(err,
			     "nat: this kernel lacks %s (%s; nftables said: %s); run on a kernel "
			     "with them (Debian's has them as modules) or use --kind veth-bridge",
			     steps[i].what, steps[i].config, why);
		r = -EOPNOTSUPP;
	}
	netns_return(orig); /* the namespace goes with the last socket in it */
	close(orig);
	return r;
}
