// SPDX-License-Identifier: GPL-2.0
/*
 * netstage profile on namespaces that exist already, named the way a user
 * finds a container's: by /proc/PID/ns/net of a process inside. It builds
 * nothing, sends nothing, and names the namespace after that process.
 */
#include "helpers.h"
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#define PORT 41001

static struct topo *topo;
static pid_t container = -1, profiler = -1;

static void teardown(void)
{
	if (profiler > 0)
		kill(profiler, SIGKILL);
	if (container > 0)
		kill(container, SIGKILL);
	while (wait(NULL) > 0)
		;
	topo__down(topo);
}

TestSuite(profile, .fini = teardown);

/* A process standing for a container: in the server's namespace, named like one. */
static pid_t start_container(const char *netns_path)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(netns_path, O_RDONLY);

		if (fd < 0 || setns(fd, CLONE_NEWNET))
			_exit(1);
		prctl(PR_SET_NAME, "nst-container");
		pause();
		_exit(0);
	}
	return pid;
}

/* Start `netstage profile` and wait until its probes are attached. */
static pid_t start_profiler(const char *ns1, const char *ns2, const char *out)
{
	int fds[2];
	pid_t pid;
	char buf[512];
	size_t got = 0;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], STDERR_FILENO);
		dup2(null, STDOUT_FILENO);
		close(fds[0]);
		execl("build/netstage", "netstage", "profile", "--netns", ns1, "--netns", ns2,
		      "--duration", "3", "-o", out, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "watching"))
			break;
	}
	close(fds[0]);
	cr_assert(strstr(buf, "watching"), "netstage profile did not start: %s", buf);
	return pid;
}

Test(profile, watches_a_container_by_its_process_path, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1500};
	struct topo_err err = {{0}};
	const char *out = "/tmp/netstage-test-profile.json";
	char ns_path[64], msg[512];
	struct result r;
	int status, tx, rx;

	need_root_and_probes();
	cr_assert_eq(topo__up(&spec, &topo, &err), 0, "%s", err.msg);
	container = start_container(topo->ns[topo->pairs[0].server_ns].path);
	snprintf(ns_path, sizeof(ns_path), "/proc/%d/ns/net", container);
	{
		struct timespec ms = {0, 50 * 1000000};

		nanosleep(&ms, NULL); /* let it enter its namespace */
	}
	profiler = start_profiler(ns_path, topo->ns[topo->pairs[0].client_ns].path, out);

	tx = socket_in(topo, topo->pairs[0].client_ns, SOCK_DGRAM);
	rx = socket_in(topo, topo->pairs[0].server_ns, SOCK_DGRAM);
	{
		struct sockaddr_in dst = addr4(topo->pairs[0].server_ip4, PORT);
		char buf[64] = {0};

		cr_assert_eq(bind(rx, (struct sockaddr *)&dst, sizeof(dst)), 0);
		cr_assert_eq(connect(tx, (struct sockaddr *)&dst, sizeof(dst)), 0);
		for (int i = 0; i < 200; i++) {
			memcpy(buf, &i, sizeof(i));
			cr_assert_eq(send(tx, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
		}
	}
	cr_assert_eq(waitpid(profiler, &status, 0), profiler);
	profiler = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "profile exited %d", status);
	close(tx);
	close(rx);

	cr_assert_eq(result__read(out, &r, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_not(r.throughput.present, "profile drives no load, so has no throughput");
	cr_expect_eq(
	    stage_total(&r, topo->devs[topo->pairs[0].server_dev].ifname, NS_STAGE_RX_CORE), 200);
	/* profile watches live containers with the light stage set by default. */
	cr_expect_str_eq(r.config.stages, "hops");
	cr_expect_eq(
	    stage_total(&r, topo->devs[topo->pairs[0].client_dev].ifname, NS_STAGE_TX_QUEUE), 200);
	cr_expect_eq(
	    stage_total(&r, topo->devs[topo->pairs[0].client_dev].ifname, NS_STAGE_TX_START), 0,
	    "the light set attaches no driver transmit probe");
	cr_assert_eq(r.n_namespaces, 2);
	cr_expect_eq(r.namespaces[0].pid, container);
	cr_expect(strstr(r.namespaces[0].label, "nst-container"), "label: %s",
		  r.namespaces[0].label);
	result__free(&r);
	unlink(out);
}

Test(profile, refuses_a_namespace_that_does_not_exist)
{
	FILE *f;
	char line[512] = "";
	int rc;

	f = popen("build/netstage profile --netns netstage-nosuch-c0 --duration 1 2>&1", "r");
	cr_assert_not_null(f);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	rc = pclose(f);
	cr_assert_neq(WEXITSTATUS(rc), 0);
	cr_assert(strstr(line, "netstage-nosuch-c0"), "the error names it: %s", line);
}
