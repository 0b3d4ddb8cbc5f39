// SPDX-License-Identifier: GPL-2.0
/*
 * netstage sweep as a user runs it: a small matrix gives a result file per
 * point and a CSV line for each; --resume redoes nothing that is done; Ctrl-C
 * keeps what finished and leaves nothing behind; kinds the kernel lacks are
 * skipped with the reason.
 */
#include "helpers.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "analysis/result.h"

#define NETSTAGE "build/netstage"

static int sh(const char *cmd, char *out, size_t len)
{
	char full[1024];
	FILE *f;
	size_t n;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	f = popen(full, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	/* Drain what does not fit: a writer blocked on a full pipe would never exit. */
	while (fread(full, 1, sizeof(full), f) > 0)
		;
	return WEXITSTATUS(pclose(f));
}

static int lines_with(const char *path, const char *needle)
{
	char line[2048];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void assert_nothing_left(void)
{
	char out[4096];

	sh("ip netns list | grep netstage- ; ip -o link show | grep ': nst' ; "
	   "bpftool prog show 2>/dev/null | grep 'name tx_queue'",
	   out, sizeof(out));
	cr_assert_str_empty(out, "left behind:\n%s", out);
}

static void fresh(const char *dir)
{
	char cmd[256], out[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd, out, sizeof(out));
}

static const char *const points[] = {
    "veth-bridge-tcp-mtu1500-p1",    "veth-bridge-tcp-mtu1500-p2",
    "veth-bridge-tcp-mtu9000-p1",    "veth-bridge-tcp-mtu9000-p2",
    "macvlan-bridge-tcp-mtu1500-p1", "macvlan-bridge-tcp-mtu1500-p2",
    "macvlan-bridge-tcp-mtu9000-p1", "macvlan-bridge-tcp-mtu9000-p2",
};

#define SMALL_SWEEP                                                                                \
	NETSTAGE " sweep --kinds veth-bridge,macvlan --pairs 1,2 --proto tcp --mtu 1500,9000 "     \
		 "--repeat 1 --duration 1 -o /tmp/netstage-test-sweep"

Test(cli_sweep, every_point_has_a_file_and_a_csv_line_and_resume_redoes_none, .timeout = 240)
{
	static char out[65536];
	const char *csv = "/tmp/netstage-test-sweep/summary.csv";

	need_root_and_probes();
	fresh("/tmp/netstage-test-sweep");
	cr_assert_eq(sh(SMALL_SWEEP, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "point 8/8"), "progress names the position: %s", out);
	cr_assert(strstr(out, "left"), "progress estimates what is left: %s", out);
	cr_assert_eq(lines_with(csv, "kind,mode,layout,proto,mtu,pairs"), 1);
	cr_assert_eq(lines_with(csv, ",ok,"), 8, "%s", out);
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		char path[256], err[512], file[128];
		struct result r;

		snprintf(file, sizeof(file), ",%s.json,", points[i]);
		cr_assert_eq(lines_with(csv, file), 1, "%s has no line in summary.csv", points[i]);
		snprintf(path, sizeof(path), "/tmp/netstage-test-sweep/%s.json", points[i]);
		cr_assert_eq(result__read(path, &r, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(r.throughput.n_repeats, 1);
		cr_assert_eq(r.throughput.repeats[0].pairs_measured, r.config.pairs);
		cr_assert_gt(r.throughput.bits_per_second, 1e8, "%s", points[i]);
		cr_assert_gt(r.n_stages, 0, "%s has a profile", points[i]);
		result__free(&r);
	}
	assert_nothing_left();

	/* Again with --resume: everything is there, nothing is measured. */
	cr_assert_eq(sh(SMALL_SWEEP " --resume", out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "8 points of /tmp/netstage-test-sweep kept"), "%s", out);
	cr_assert(strstr(out, "0 points measured"), "%s", out);
	cr_assert_eq(lines_with(csv, ",ok,"), 8);

	/* Without it, the folder is not mixed into. */
	cr_assert_neq(sh(SMALL_SWEEP, out, sizeof(out)), 0);
	cr_assert(strstr(out, "holds a sweep already"), "%s", out);
	cr_assert(strstr(out, "--resume"), "%s", out);
	fresh("/tmp/netstage-test-sweep");
}

/* The run id of the topology process pid has up (netstage topo list: "in use pid N"); "" if none.
 */
static void run_of(pid_t pid, char id[8])
{
	char line[512], needle[32];
	FILE *f = popen(NETSTAGE " topo list 2>/dev/null", "r");

	id[0] = '\0';
	cr_assert_not_null(f);
	snprintf(needle, sizeof(needle), "pid %d ", (int)pid);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle) && sscanf(line, "%7s", id) != 1)
			id[0] = '\0';
	pclose(f);
}

/*
 * Ctrl-C during the second point: the first point's file stays, the second
 * leaves no file and nothing of its topology, and --resume measures only it.
 */
Test(cli_sweep, ctrl_c_keeps_what_finished_and_resume_does_the_rest, .timeout = 120)
{
	const char *dir = "/tmp/netstage-test-sweep-int";
	const char *first = "/tmp/netstage-test-sweep-int/macvlan-bridge-tcp-mtu1500-p1.json";
	const char *second = "/tmp/netstage-test-sweep-int/macvlan-bridge-tcp-mtu1500-p2.json";
	char out[16384], run[8] = "", err[512];
	unsigned int ids[64];
	struct result r;
	int status, n_ids;
	pid_t pid;

	need_root_and_probes();
	fresh(dir);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(NETSTAGE, NETSTAGE, "sweep", "--kinds", "macvlan", "--pairs", "1,2",
		      "--proto", "tcp", "--mtu", "1500", "--duration", "3", "-o", dir,
		      (char *)NULL);
		_exit(127);
	}
	/* Interrupt the second point, once the first is written and the second's probes run. */
	for (int i = 0; i < 400 && access(first, F_OK); i++)
		usleep(50000);
	cr_assert_eq(access(first, F_OK), 0, "the first point never finished");
	cr_assert_eq(result__read(first, &r, err, sizeof(err)), 0, "%s", err);
	usleep(1500000);
	run_of(pid, run);
	n_ids = prog_ids_of(pid, ids, 64);
	cr_assert_eq(strlen(run), 4, "the second point's topology is up (topo list)");
	cr_assert_gt(n_ids, 0, "the second point's probes are attached");
	cr_assert_str_neq(run, r.config.run_id, "each point group has its own topology");
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %#x", status);
	cr_assert_neq(access(second, F_OK), 0, "an interrupted point has no file");
	cr_assert_eq(lines_with("/tmp/netstage-test-sweep-int/summary.csv", ",ok,"), 1);
	assert_run_left_nothing(r.config.run_id, NULL, 0);
	assert_run_left_nothing(run, ids, n_ids);
	result__free(&r);

	cr_assert_eq(sh(NETSTAGE " sweep --kinds macvlan --pairs 1,2 --proto tcp --mtu 1500 "
				 "--duration 3 -o /tmp/netstage-test-sweep-int --resume",
			out, sizeof(out)),
		     0, "%s", out);
	cr_assert(strstr(out, "1 point of /tmp/netstage-test-sweep-int kept"), "%s", out);
	cr_assert(strstr(out, "1 point measured"), "%s", out);
	cr_assert_eq(access(second, F_OK), 0);
	cr_assert_eq(lines_with("/tmp/netstage-test-sweep-int/summary.csv", ",ok,"), 2);
	cr_assert_eq(result__read(second, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(r.stop.interrupted);
	cr_assert_eq(r.throughput.repeats[0].pairs_measured, 2);
	assert_run_left_nothing(r.config.run_id, NULL, 0);
	result__free(&r);
	fresh(dir);
}

Test(cli_sweep, kinds_the_kernel_lacks_are_skipped_with_the_reason, .timeout = 60)
{
	struct topo_err terr = {{0}};
	char out[16384];
	const char *csv = "/tmp/netstage-test-sweep-skip/summary.csv";

	need_root_and_probes();
	if (topo__probe_kind(TOPO_IPVLAN, -1, &terr) == 0)
		cr_skip_test("skipped: this kernel has ipvlan");
	fresh("/tmp/netstage-test-sweep-skip");
	cr_assert_eq(sh(NETSTAGE " sweep --kinds ipvlan,macvlan --pairs 1 --proto tcp --mtu 1500 "
				 "--duration 1 --no-probes -o /tmp/netstage-test-sweep-skip",
			out, sizeof(out)),
		     0, "%s", out);
	cr_assert(strstr(out, "skipping ipvlan"), "%s", out);
	cr_assert_eq(lines_with(csv, "ipvlan,l3,local,tcp,1500,1,1,1,1,skipped,"), 1);
	cr_assert_eq(lines_with(csv, "no ipvlan driver"), 1);
	cr_assert_eq(lines_with(csv, "macvlan,bridge,local,tcp,1500,1,1,1,1,ok,"), 1);
	assert_nothing_left();
	fresh("/tmp/netstage-test-sweep-skip");
}

/*
 * The survey's modes against host: a sweep of the kinds users compare, and
 * the report of each against host names the stages only that kind has,
 * translation and encapsulation among them (docs/MODES.md).
 */
Test(cli_sweep, the_modes_against_host, .timeout = 180)
{
	static char out[65536];
	const char *dir = "/tmp/netstage-test-modes";
	const struct {
		const char *kind, *stage;
	} own[] = {
	    {"veth-bridge", "bridge: forward"},
	    {"nat", "netfilter: conntrack, DNAT"},
	    {"vxlan", "down to the lower (encapsulation)"},
	    {"vxlan", "up to the upper (decapsulation)"},
	};
	struct probe_report pr;
	char cmd[512];

	need_root_and_probes();
	probes__probe(&pr);
	fresh(dir);
	cr_assert_eq(sh(NETSTAGE " sweep --kinds host,veth-bridge,macvlan,nat,vxlan --pairs 1 "
				 "--proto udp --mtu 1500 --bitrate 200M --repeat 1 --duration 1 "
				 "-o /tmp/netstage-test-modes",
			out, sizeof(out)),
		     0, "%s", out);
	cr_assert_eq(lines_with("/tmp/netstage-test-modes/summary.csv", ",ok,"), 5, "%s", out);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		int rc;

		snprintf(cmd, sizeof(cmd),
			 NETSTAGE " report %s/%s-udp-mtu1500-p1.json %s/host-udp-mtu1500-p1.json",
			 dir, own[i].kind, dir);
		rc = sh(cmd, out, sizeof(out));
		cr_assert_eq(rc, 0, "%s: %s", cmd, out);
		cr_assert(strstr(out, "attribution: A against B"), "%s", out);
		/* Only netfilter-capable kernels (6.4 on) have the NAT stages. */
		if (!strcmp(own[i].kind, "nat") && !pr.netfilter)
			continue;
		cr_expect(strstr(out, own[i].stage), "%s against host lacks '%s':\n%s", own[i].kind,
			  own[i].stage, out);
	}
	assert_nothing_left();
	fresh(dir);
}

Test(cli_sweep, the_papers_matrix_and_bad_input)
{
	static const struct {
		const char *args, *needle;
	} bad[] = {
	    {"sweep --kinds veth-bridge", "-o DIR is required"},
	    {"sweep --kinds geneve -o /tmp/x", "unknown kind 'geneve'"},
	    {"sweep --kinds macvlan:l3 -o /tmp/x", "'l3' is not a mode of macvlan"},
	    {"sweep --proto sctp -o /tmp/x", "is not tcp, udp"},
	    {"sweep --pairs 0,2 -o /tmp/x", "--pairs"},
	    {"sweep --mtu 40 -o /tmp/x", "--mtu"},
	    {"sweep --pairs 4 --streams-total 2 -o /tmp/x", "every pair needs a stream"},
	};
	char out[16384];

	/* 3 kinds x 2 MTUs x (8 TCP + 5 UDP pair counts), listed without root. */
	cr_assert_eq(sh(NETSTAGE " sweep --dry-run | wc -l", out, sizeof(out)), 0);
	cr_assert_eq(atoi(out), 78, "%s", out);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), NETSTAGE " %s", bad[i].args);
		cr_expect_neq(sh(cmd, out, sizeof(out)), 0, "%s", bad[i].args);
		cr_expect(strstr(out, bad[i].needle), "%s: '%s' not in: %s", bad[i].args,
			  bad[i].needle, out);
	}
	cr_assert_neq(access("/tmp/x", F_OK), 0, "bad input made the folder");
}
