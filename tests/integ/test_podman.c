// SPDX-License-Identifier: GPL-2.0
/*
 * `netstage profile --container NAME` against a real engine: Debian's podman
 * (runc, netavark) runs two containers on a bridge network the test makes on
 * 198.18.120.0/24, from a root made of the host's own iperf3 and its
 * libraries (nothing is pulled). A known UDP burst between them is counted
 * exactly at every stage, the rows are named after the containers, and the
 * engine is left as it was found: no container, network or namespace of the
 * test stays. The refusals (no such container, exited, host network, no
 * engine, engine not running) are one line and a non-zero exit.
 */
#include "helpers.h"
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <json-c/json.h>

#define PODMAN	"podman --runtime runc --network-backend netavark"
#define SUBNET	"198.18.120.0/24"
#define SERVER	"198.18.120.10"
#define CLIENT	"198.18.120.11"
#define BLOCKS	500
#define ULIMITS "--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

static char root[64], net[32], srv[32], cli[32], gone[32], hostnet[32], before[4096];
static pid_t profiler = -1;

/* Run a shell command; its output (stdout and stderr) in out; its exit status. */
static int sh(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	size_t n = 0;
	FILE *f;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	if (out && len) {
		n = fread(out, 1, len - 1, f);
		out[n] = '\0';
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), f) > 0)
			;
	}
	rc = pclose(f);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/*
 * What of the engine's and the kernel's a test could leave: containers, networks, their
 * namespaces, firewall rules, the networks' bridges.
 */
static void engine_state(char *out, size_t len)
{
	sh(out, len,
	   PODMAN " ps -aq --no-trunc | sort; echo --; " PODMAN " network ls -q | sort; echo --; "
		  "ls /run/netns | grep '^netns-' | sort; echo --; iptables-save 2>/dev/null | "
		  "grep -v '^#'; echo --; ip -o link show | grep -o 'podman[0-9]*' | sort");
}

static void teardown(void)
{
	if (profiler > 0) {
		kill(profiler, SIGKILL);
		waitpid(profiler, NULL, 0);
		profiler = -1;
	}
	/* One by one: podman rm gives up on all of them when one is missing. */
	if (srv[0])
		for (int i = 0; i < 4; i++)
			sh(NULL, 0, PODMAN " rm -f -t 0 %s",
			   (const char *[]){srv, cli, gone, hostnet}[i]);
	if (net[0])
		sh(NULL, 0, PODMAN " network rm -f %s", net);
	if (root[0])
		sh(NULL, 0, "rm -rf %s", root);
}

TestSuite(podman, .fini = teardown);

/* A root holding the host's iperf3 and the libraries it links, and a /tmp for its buffers. */
static void make_root(void)
{
	snprintf(root, sizeof(root), "/tmp/netstage-test-podroot-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	cr_assert_eq(
	    sh(NULL, 0,
	       "set -e; for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); "
	       "do mkdir -p %s$(dirname $f); cp -L $f %s$f; done; mkdir -m 1777 %s/tmp",
	       root, root, root),
	    0, "copying iperf3 and its libraries into %s", root);
}

/* Skip unless podman and runc are installed; make the names, the root and the network. */
static void setup_engine(void)
{
	char out[2048];
	int id = getpid();

	need_root_and_probes();
	if (sh(NULL, 0, "command -v podman && command -v runc && command -v iptables"))
		cr_skip_test("skipped: podman, runc or iptables is not installed (make deps "
			     "installs them)");
	snprintf(net, sizeof(net), "nst-net-%d", id);
	snprintf(srv, sizeof(srv), "nst-srv-%d", id);
	snprintf(cli, sizeof(cli), "nst-cli-%d", id);
	snprintf(gone, sizeof(gone), "nst-gone-%d", id);
	snprintf(hostnet, sizeof(hostnet), "nst-host-%d", id);
	engine_state(before, sizeof(before));
	make_root();
	/* Internal: no route out and no NAT rules; no DNS server either. */
	if (sh(out, sizeof(out),
	       PODMAN " network create --internal --disable-dns --subnet " SUBNET " %s", net)) {
		net[0] = '\0';
		cr_skip_test("skipped: podman cannot make a network here: %.200s", out);
	}
}

static void run_container(const char *name, const char *opts, const char *cmd)
{
	char out[2048];

	if (sh(out, sizeof(out), PODMAN " run -d --name %s %s " ULIMITS " --rootfs %s %s", name,
	       opts, root, cmd))
		cr_skip_test("skipped: podman cannot run a container here: %.200s", out);
}

/* The engine is as the test found it. */
static void check_left_nothing(void)
{
	char after[4096];

	teardown();
	srv[0] = net[0] = root[0] = '\0';
	engine_state(after, sizeof(after));
	cr_expect_str_eq(after, before, "podman's state changed:\nbefore:\n%s\nafter:\n%s", before,
			 after);
}

static const struct netns_stat *ns_of(const struct result *r, const char *container)
{
	for (int i = 0; i < r->n_namespaces; i++)
		if (!strcmp(r->namespaces[i].container, container))
			return &r->namespaces[i];
	return NULL;
}

/* Packets that reached a stage in a namespace, whatever stage they came from. */
static unsigned long long total(const struct result *r, const struct netns_stat *ns, int stage)
{
	unsigned long long n = 0;

	for (int i = 0; i < r->n_stages; i++)
		if (r->stages[i].stage == stage && !strcmp(r->stages[i].netns, ns->netns))
			n += r->stages[i].hist.count;
	return n;
}

static pid_t start_profile(const char *out, const char *table)
{
	char buf[1024];
	size_t got = 0;
	int fds[2];
	pid_t pid;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int t = open(table, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fds[1], STDERR_FILENO);
		dup2(t, STDOUT_FILENO);
		close(fds[0]);
		/* The full stage set: the counts below are checked at every stage. */
		execl("build/netstage", "netstage", "profile", "--container", srv, "--container",
		      cli, "--duration", "0", "--protocol", "udp", "--port", "5201", "--stages",
		      "all", "-o", out, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	buf[0] = '\0';
	while (got < sizeof(buf) - 1 && !strstr(buf, "watching")) {
		ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += n;
		buf[got] = '\0';
	}
	close(fds[0]);
	cr_assert(strstr(buf, "watching"), "netstage profile did not start: %s", buf);
	return pid;
}

Test(podman, counts_a_burst_between_two_containers_by_name, .timeout = 180)
{
	char out[96], table[96], msg[2048], *text;
	const struct netns_stat *a, *b;
	json_object *root_obj, *stages;
	struct result r;
	int status;

	setup_engine();
	{
		char opts[96];

		snprintf(opts, sizeof(opts), "--network %s --ip " SERVER, net);
		run_container(srv, opts, "/usr/bin/iperf3 -s -p 5201");
		snprintf(opts, sizeof(opts), "--network %s --ip " CLIENT, net);
		run_container(cli, opts, "/usr/bin/iperf3 -s -p 5202");
	}
	snprintf(out, sizeof(out), "%s/result.json", root);
	snprintf(table, sizeof(table), "%s/table.txt", root);
	profiler = start_profile(out, table);

	/* The burst: BLOCKS datagrams of 1000 bytes from the client to the server. */
	cr_assert_eq(sh(msg, sizeof(msg),
			PODMAN " exec %s /usr/bin/iperf3 -c " SERVER " -p 5201 -u -b 10M -l 1000 "
			       "-k %d",
			cli, BLOCKS),
		     0, "iperf3 in %s: %s", cli, msg);
	usleep(300 * 1000);
	kill(profiler, SIGINT);
	cr_assert_eq(waitpid(profiler, &status, 0), profiler);
	profiler = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "profile exited %d", status);

	cr_assert_eq(result__read(out, &r, msg, sizeof(msg)), 0, "%s", msg);
	a = ns_of(&r, srv);
	b = ns_of(&r, cli);
	cr_assert(a && b, "both namespaces are named after their containers");
	cr_expect_str_eq(a->engine, "podman");
	cr_expect_eq(strlen(a->container_id), 64, "the full id: %s", a->container_id);
	/*
	 * iperf3 sends its BLOCKS datagrams after one of its own that opens the UDP test,
	 * which the server answers: BLOCKS + 1 one way, 1 the other, at every stage.
	 */
	cr_expect_eq(total(&r, b, NS_STAGE_TX_QUEUE), BLOCKS + 1);
	cr_expect_eq(total(&r, b, NS_STAGE_TX_START), BLOCKS + 1);
	cr_expect_eq(total(&r, b, NS_STAGE_TX_DONE), BLOCKS + 1);
	cr_expect_eq(total(&r, a, NS_STAGE_RX_ENQUEUE), BLOCKS + 1);
	cr_expect_eq(total(&r, a, NS_STAGE_RX_CORE), BLOCKS + 1);
	cr_expect_eq(total(&r, a, NS_STAGE_SOCK_ENQUEUE), BLOCKS + 1);
	cr_expect_eq(total(&r, a, NS_STAGE_TX_QUEUE), 1);
	cr_expect_eq(total(&r, a, NS_STAGE_TX_DONE), 1);
	cr_expect_eq(total(&r, b, NS_STAGE_RX_CORE), 1);
	cr_expect_eq(total(&r, b, NS_STAGE_SOCK_ENQUEUE), 1);
	result__free(&r);

	/* Every row of the JSON names its container beside the namespace. */
	root_obj = json_object_from_file(out);
	cr_assert_not_null(root_obj);
	cr_assert(json_object_object_get_ex(root_obj, "stages", &stages));
	cr_assert_gt(json_object_array_length(stages), 0);
	for (size_t i = 0; i < json_object_array_length(stages); i++) {
		json_object *c;
		const char *name;

		cr_assert(json_object_object_get_ex(json_object_array_get_idx(stages, i),
						    "container", &c),
			  "stage %zu has a container", i);
		name = json_object_get_string(c);
		cr_expect(!strcmp(name, srv) || !strcmp(name, cli), "stage %zu: %s", i, name);
	}
	json_object_put(root_obj);
	/* And so do the table's rows. */
	cr_assert_eq(sh(msg, sizeof(msg), "cat %s", table), 0);
	text = strstr(msg, "container");
	cr_assert_not_null(text, "the table has a container column: %s", msg);
	cr_expect(strstr(text, srv) && strstr(text, cli), "rows name both containers: %s", msg);
	check_left_nothing();
}

/* netstage profile's first line and exit status. */
static int profile_says(char *line, size_t len, const char *env, const char *container)
{
	return sh(line, len, "%s build/netstage profile --container %s --duration 1", env,
		  container);
}

Test(podman, refuses_what_it_cannot_watch, .timeout = 120)
{
	char line[1024], opts[96];

	setup_engine();
	cr_expect_neq(profile_says(line, sizeof(line), "", gone), 0);
	cr_expect(strstr(line, gone) && strstr(line, "no such container in podman"), "%s", line);

	/* One that ran and exited. */
	run_container(gone, "--network none", "/usr/bin/iperf3 --version");
	sh(NULL, 0, PODMAN " wait %s", gone);
	cr_expect_neq(profile_says(line, sizeof(line), "", gone), 0);
	cr_expect(strstr(line, gone) && strstr(line, "exited") && strstr(line, "not running"), "%s",
		  line);

	/* One on the host's network (its server listens on loopback only). */
	snprintf(opts, sizeof(opts), "--network host");
	run_container(hostnet, opts, "/usr/bin/iperf3 -s -B 127.0.0.1 -p 5299");
	cr_expect_neq(profile_says(line, sizeof(line), "", hostnet), 0);
	cr_expect(strstr(line, hostnet) && strstr(line, "host's network") && strstr(line, "--dev"),
		  "%s", line);
	check_left_nothing();
}

Test(podman, says_when_no_engine_is_installed_or_running)
{
	char line[1024], dir[64] = "/tmp/netstage-test-engine-XXXXXX";
	FILE *f;

	need_root_and_probes();
	cr_expect_neq(profile_says(line, sizeof(line), "PATH=/nonexistent", "web"), 0);
	cr_expect(strstr(line, "no container engine is installed"), "%s", line);

	/* A docker whose daemon is down answers like this one. */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(line, sizeof(line), "%s/docker", dir);
	f = fopen(line, "w");
	cr_assert_not_null(f);
	fprintf(f, "#!/bin/sh\necho 'Cannot connect to the Docker daemon at "
		   "unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n");
	fclose(f);
	chmod(line, 0755);
	{
		char env[96];

		snprintf(env, sizeof(env), "PATH=%s", dir);
		cr_expect_neq(profile_says(line, sizeof(line), env, "web"), 0);
	}
	cr_expect(strstr(line, "docker is installed but not running") &&
		      strstr(line, "systemctl start docker"),
		  "%s", line);
	sh(NULL, 0, "rm -rf %s", dir);
}

/*
 * crictl's way, with a stand-in crictl that knows one container, "web", whose init is a
 * process the test starts in a namespace of its own: by name, crictl is asked `ps --name`
 * for the id, then `inspect` of that id.
 */
Test(podman, finds_a_cri_container_through_crictl, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1500};
	struct topo_err terr = {{0}};
	char dir[64] = "/tmp/netstage-test-crictl-XXXXXX", path[128], out[160], msg[512];
	struct topo *t = NULL;
	struct result r;
	pid_t init;
	FILE *f;
	int rc;

	need_root_and_probes();
	cr_assert_eq(topo__up(&spec, &t, &terr), 0, "%s", terr.msg);
	init = fork();
	cr_assert_geq(init, 0);
	if (init == 0) {
		int fd = open(t->ns[t->pairs[0].server_ns].path, O_RDONLY);

		if (fd < 0 || setns(fd, CLONE_NEWNET))
			_exit(1);
		pause();
		_exit(0);
	}
	usleep(50 * 1000); /* let it enter its namespace */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/crictl", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"#!/bin/sh\n"
		"case \"$*\" in\n"
		"'inspect 0123456789abcdef') echo '{\"status\": {\"id\": \"0123456789abcdef\", "
		"\"metadata\": {\"name\": \"web\"}, \"state\": \"CONTAINER_RUNNING\"}, \"info\": "
		"{\"pid\": %d}}' ;;\n"
		"'ps -a -q --name web') echo 0123456789abcdef ;;\n"
		"'ps -a -q --name '*) ;;\n"
		"*) echo 'rpc error: code = NotFound desc = an error occurred when try to find "
		"container: not found' >&2; exit 1 ;;\n"
		"esac\n",
		init);
	fclose(f);
	chmod(path, 0755);
	snprintf(out, sizeof(out), "%s/result.json", dir);
	rc = sh(msg, sizeof(msg),
		"PATH=%s:/bin build/netstage profile --container web --duration 1 -o %s", dir, out);
	cr_expect_eq(rc, 0, "profile --container web through crictl: %s", msg);
	if (rc == 0 && result__read(out, &r, msg, sizeof(msg)) == 0) {
		cr_assert_eq(r.n_namespaces, 1);
		cr_expect_str_eq(r.namespaces[0].container, "web");
		cr_expect_str_eq(r.namespaces[0].engine, "crictl");
		cr_expect_str_eq(r.namespaces[0].container_id, "0123456789abcdef");
		cr_expect_eq(r.namespaces[0].pid, init);
		result__free(&r);
	}
	/* A name crictl does not know (nor podman, where /bin holds it). */
	cr_expect_neq(
	    sh(msg, sizeof(msg), "PATH=%s:/bin build/netstage profile --container db", dir), 0);
	cr_expect(strstr(msg, "no such container in") && strstr(msg, "crictl"), "%s", msg);
	kill(init, SIGKILL);
	waitpid(init, NULL, 0);
	sh(NULL, 0, "rm -rf %s", dir);
	topo__down(t);
}
