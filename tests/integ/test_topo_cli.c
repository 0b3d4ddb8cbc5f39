// SPDX-License-Identifier: GPL-2.0
/*
 * `netstage topo` as a user runs it: bad input gets one line and a non-zero
 * exit with nothing created; up, list and down; SIGINT in mid-build leaves
 * nothing; after SIGKILL in mid-build, `topo up` refuses naming the
 * leftovers and `topo down --all` removes them. Checked from outside with
 * iproute2 where it can be.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "topo/internal.h"

#define NETSTAGE "build/netstage"

extern char **environ;

struct outcome {
	int status;
	char out[16384];
	char err[4096];
};

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("skipped: needs root");
	if (access(NETSTAGE, X_OK))
		cr_skip_test("skipped: %s is not built (make)", NETSTAGE);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(path);
}

/* Run a shell command line; keep stdout, stderr and the status. */
static void run(const char *cmd, struct outcome *o)
{
	char full[1024], out[64], err[64];

	memset(o, 0, sizeof(*o));
	snprintf(out, sizeof(out), "/tmp/nst-topo-cli-out.%d", getpid());
	snprintf(err, sizeof(err), "/tmp/nst-topo-cli-err.%d", getpid());
	snprintf(full, sizeof(full), "%s >%s 2>%s", cmd, out, err);
	o->status = system(full);
	slurp(out, o->out, sizeof(o->out));
	slurp(err, o->err, sizeof(o->err));
}

static int exit_code(const struct outcome *o)
{
	return WIFEXITED(o->status) ? WEXITSTATUS(o->status) : -1;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int count_ns(const char *prefix)
{
	char(*names)[NAME_MAX + 1];
	int n = netns_list(prefix, &names);

	free(names);
	return n;
}

struct bad_case {
	char args[96];
	char says[48];
};

ParameterizedTestParameters(topo_cli, bad_input_one_line_nothing_made)
{
	static struct bad_case cases[] = {
	    {"--kind geneve", "unknown kind 'geneve'"},
	    {"--kind veth --pairs 0", "between 1 and 256"},
	    {"--kind veth --pairs 100000", "between 1 and 256"},
	    {"--kind veth --mtu 50", "between 68 and 65535"},
	    {"--kind veth --mtu 70000", "between 68 and 65535"},
	    {"--kind macvlan --mode l3", "not a mode of macvlan"},
	    {"--kind ipvlan --mode passthru", "not a mode of ipvlan"},
	    {"--kind veth --mode bridge", "has no modes"},
	    {"--kind veth --layout star", "neither local nor switched"},
	    {"--kind veth --mtu 1000 --ipv6", "IPv6 needs an MTU"},
	    {"--pairs 2", "--kind is required"},
	};

	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_case *c, topo_cli, bad_input_one_line_nothing_made)
{
	struct outcome *o = malloc(sizeof(*o));
	char cmd[256];
	int before;

	need_root();
	before = count_ns(TOPO_NS_PREFIX);
	snprintf(cmd, sizeof(cmd), NETSTAGE " topo up %s", c->args);
	run(cmd, o);
	cr_assert_neq(exit_code(o), 0, "%s: exit 0", cmd);
	cr_assert_eq(lines(o->err), 1, "%s: one line, got: %s", cmd, o->err);
	cr_assert(strstr(o->err, c->says), "%s: '%s' lacks '%s'", cmd, o->err, c->says);
	cr_assert_eq(o->out[0], '\0', "%s printed: %s", cmd, o->out);
	cr_assert_eq(count_ns(TOPO_NS_PREFIX), before, "%s created namespaces", cmd);
	free(o);
}

Test(topo_cli, ipvlan_without_driver_one_line)
{
	struct outcome *o = malloc(sizeof(*o));
	struct topo_err err;
	int before;

	need_root();
	if (topo__probe_kind(TOPO_IPVLAN, IPVLAN_MODE_L3, &err) == 0)
		cr_skip_test("skipped: this kernel has ipvlan");
	before = count_ns(TOPO_NS_PREFIX);
	run(NETSTAGE " topo up --kind ipvlan --pairs 2", o);
	cr_assert_eq(exit_code(o), 1);
	cr_assert_str_eq(o->err,
			 "netstage topo up: ipvlan: this kernel has no ipvlan driver "
			 "(CONFIG_IPVLAN); use --kind macvlan or run on a kernel with ipvlan\n");
	cr_assert_eq(count_ns(TOPO_NS_PREFIX), before);
	free(o);
}

Test(topo_cli, up_list_down, .timeout = 60)
{
	struct outcome *o = malloc(sizeof(*o));
	char run_id[16], cmd[256], prefix[32];

	need_root();
	run(NETSTAGE " topo up --kind veth-bridge --pairs 3 --mtu 9000 -q", o);
	cr_assert_eq(exit_code(o), 0, "%s", o->err);
	cr_assert_eq(strlen(o->out), TOPO_RUN_ID_LEN + 1, "only the run id: %s", o->out);
	memcpy(run_id, o->out, TOPO_RUN_ID_LEN);
	run_id[TOPO_RUN_ID_LEN] = '\0';
	cr_assert(topo_run_id_valid(run_id));
	snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run_id);
	cr_assert_eq(count_ns(prefix), 7, "h0 and three pairs");

	/* What iproute2 sees: the kinds, the master and the MTU asked for. */
	snprintf(cmd, sizeof(cmd), "ip -n netstage-%s-h0 -d link show nst%spc2", run_id, run_id);
	run(cmd, o);
	cr_assert_eq(exit_code(o), 0, "%s", o->err);
	cr_assert(strstr(o->out, "mtu 9000"), "%s", o->out);
	cr_assert(strstr(o->out, "master nst"), "%s", o->out);
	cr_assert(strstr(o->out, "veth"), "%s", o->out);
	cr_assert(strstr(o->out, "alias netstage"), "%s", o->out);

	run(NETSTAGE " topo list", o);
	cr_assert_eq(exit_code(o), 0);
	cr_assert(strstr(o->out, run_id), "%s", o->out);
	cr_assert(strstr(o->out, "kept"), "%s", o->out);

	snprintf(cmd, sizeof(cmd), NETSTAGE " topo down %s", run_id);
	run(cmd, o);
	cr_assert_eq(exit_code(o), 0, "%s", o->err);
	cr_assert_eq(count_ns(prefix), 0);
	snprintf(cmd, sizeof(cmd), "ip netns list | grep -c %s", run_id);
	run(cmd, o);
	cr_assert_str_eq(o->out, "0\n");
	run(NETSTAGE " topo down Nope", o);
	cr_assert_eq(exit_code(o), 1);
	cr_assert(strstr(o->err, "not a run id"), "%s", o->err);
	free(o);
}

/* Start `netstage topo up` with these arguments; its pid. */
static pid_t spawn_up(const char *kind, const char *pairs)
{
	char *argv[] = {NETSTAGE,  "topo",	  "up", "--kind", (char *)kind,
			"--pairs", (char *)pairs, "-q", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	cr_assert_eq(posix_spawn(&pid, NETSTAGE, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* The run pid is building, once it has made at least n namespaces; "" if it never did. */
static void run_of(pid_t pid, int n, char run[TOPO_RUN_ID_LEN + 1])
{
	run[0] = '\0';
	for (int tries = 0; tries < 5000; tries++) {
		char(*names)[NAME_MAX + 1];
		int k = netns_list(TOPO_NS_PREFIX, &names);

		for (int i = 0; i < k && !run[0]; i++) {
			struct topo_run_state st;
			char r[TOPO_RUN_ID_LEN + 1];

			if (!topo_ns_name_parse(names[i], r, NULL, NULL) && !state_read(r, &st) &&
			    st.pid == pid)
				memcpy(run, r, sizeof(r));
		}
		free(names);
		if (run[0]) {
			char prefix[32];

			snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run);
			if (count_ns(prefix) >= n)
				return;
		}
		usleep(200);
	}
}

Test(topo_cli, sigint_mid_build_leaves_nothing, .timeout = 60)
{
	char run_id[TOPO_RUN_ID_LEN + 1], prefix[32];
	pid_t pid;
	int status;

	need_root();
	pid = spawn_up("veth-bridge", "128");
	run_of(pid, 30, run_id);
	cr_assert_neq(run_id[0], '\0', "the build started");
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect((WIFEXITED(status) && WEXITSTATUS(status) == 130) ||
		      (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT),
		  "status %#x", status);
	snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run_id);
	cr_assert_eq(count_ns(prefix), 0, "an interrupted build is rolled back");
}

static bool others_live(const char *mine)
{
	char(*names)[NAME_MAX + 1];
	int n = netns_list(TOPO_NS_PREFIX, &names);
	bool other = false;

	for (int i = 0; i < n; i++) {
		struct topo_run_state st;
		char r[TOPO_RUN_ID_LEN + 1];

		if (!topo_ns_name_parse(names[i], r, NULL, NULL) && strcmp(r, mine) &&
		    !state_read(r, &st) && state_live(&st))
			other = true;
	}
	free(names);
	return other;
}

Test(topo_cli, sigkill_then_refusal_then_down_all, .timeout = 60)
{
	struct outcome *o = malloc(sizeof(*o));
	char run_id[TOPO_RUN_ID_LEN + 1], prefix[32], cmd[128];
	pid_t pid;

	need_root();
	pid = spawn_up("macvlan", "128");
	run_of(pid, 60, run_id);
	cr_assert_neq(run_id[0], '\0');
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run_id);
	cr_assert_gt(count_ns(prefix), 0);

	run(NETSTAGE " topo up --kind veth --pairs 1", o);
	cr_assert_eq(exit_code(o), 1);
	cr_assert_eq(lines(o->err), 1, "%s", o->err);
	cr_assert(strstr(o->err, run_id), "names the leftovers: %s", o->err);
	cr_assert(strstr(o->err, "netstage topo down --all"), "%s", o->err);
	run(NETSTAGE " topo list", o);
	cr_assert(strstr(o->out, "leftover"), "%s", o->out);

	/* --all removes what other live runs use too: only when there is none. */
	if (others_live(run_id))
		snprintf(cmd, sizeof(cmd), NETSTAGE " topo down %s", run_id);
	else
		snprintf(cmd, sizeof(cmd), NETSTAGE " topo down --all");
	run(cmd, o);
	cr_assert_eq(exit_code(o), 0, "%s", o->err);
	cr_assert_eq(count_ns(prefix), 0);
	snprintf(cmd, sizeof(cmd), "ip -all netns exec ip -o link 2>/dev/null | grep -c nst%s",
		 run_id);
	run(cmd, o);
	cr_assert_str_eq(o->out, "0\n", "no interface of the run anywhere");
	free(o);
}
