// SPDX-License-Identifier: GPL-2.0
/*
 * `netstage profile --listen` scraped by a real Prometheus: the test starts
 * Prometheus on 127.0.0.1 (scrape interval 1 s, a tsdb of its own in a
 * temporary folder), sends a known UDP burst through namespaces it built,
 * asks Prometheus's HTTP API for the packet counts and a stage's
 * histogram_quantile(0.5), and checks them against netstage's own result
 * file: counts exact, p50 within one bucket. Everything is stopped and
 * removed at the end.
 */
#include "helpers.h"
#include <ftw.h>
#include <strings.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "analysis/hist.h"
#include "analysis/stage.h"

#define PORT	  41002
#define PROM	  "/usr/bin/prometheus"
#define DATAGRAMS 300

static struct topo *topo;
static pid_t profiler = -1, prom = -1;
static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void stop(pid_t *pid, int sig)
{
	if (*pid <= 0)
		return;
	kill(*pid, sig);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

static void teardown(void)
{
	stop(&profiler, SIGKILL);
	stop(&prom, SIGKILL);
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	topo__down(topo);
}

TestSuite(metrics, .fini = teardown);

/* Start netstage with args; return once it says wait_for_text, with the URL it serves. */
static pid_t start_netstage(char *const argv[], const char *wait_for_text, char *url,
			    size_t url_len)
{
	char buf[2048];
	size_t got = 0;
	int fds[2];
	pid_t pid;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], STDERR_FILENO);
		dup2(null, STDOUT_FILENO);
		close(fds[0]);
		execv("build/netstage", argv);
		_exit(127);
	}
	close(fds[1]);
	buf[0] = '\0';
	while (got < sizeof(buf) - 1 && !strstr(buf, wait_for_text)) {
		ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += n;
		buf[got] = '\0';
	}
	close(fds[0]);
	cr_assert(strstr(buf, wait_for_text), "netstage did not start: %s", buf);
	{
		const char *u = strstr(buf, "http://");

		cr_assert_not_null(u, "netstage names the URL it serves: %s", buf);
		snprintf(url, url_len, "%.*s", (int)strcspn(u, " \n"), u);
	}
	return pid;
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static pid_t start_prometheus(const char *target, int port)
{
	char cfg[128], data[128], listen[64], log[128];
	FILE *f;
	pid_t pid;

	snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", dir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", dir);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", port);
	snprintf(log, sizeof(log), "%s/prometheus.log", dir);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		"scrape_configs:\n  - job_name: netstage\n    static_configs:\n"
		"      - targets: ['%s']\n",
		target);
	fclose(f);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char flag[160];
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		snprintf(flag, sizeof(flag), "--config.file=%s", cfg);
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		execl(PROM, "prometheus", flag, data, listen, "--log.level=warn", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Prometheus's answer to an instant query: the first sample's value, or NAN when none. */
static double query(int port, const char *q)
{
	char cmd[1024], body[1 << 16];
	size_t n;
	FILE *f;
	json_object *root, *data, *res, *val;
	double v = NAN;

	snprintf(cmd, sizeof(cmd),
		 "curl -s -m 5 -G --data-urlencode 'query=%s' http://127.0.0.1:%d/api/v1/query", q,
		 port);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(body, 1, sizeof(body) - 1, f);
	pclose(f);
	body[n] = '\0';
	root = json_tokener_parse(body);
	if (root && json_object_object_get_ex(root, "data", &data) &&
	    json_object_object_get_ex(data, "result", &res) && json_object_array_length(res) > 0 &&
	    json_object_object_get_ex(json_object_array_get_idx(res, 0), "value", &val))
		v = strtod(json_object_get_string(json_object_array_get_idx(val, 1)), NULL);
	json_object_put(root);
	return v;
}

/* Poll a query until it gives want (or any value when want < 0), for up to s seconds. */
static double wait_for(int port, const char *q, double want, int s)
{
	double v = NAN;

	for (int i = 0; i < s * 4; i++) {
		struct timespec ms = {0, 250 * 1000000};

		v = query(port, q);
		if (!isnan(v) && (want < 0 || v == want))
			break;
		nanosleep(&ms, NULL);
	}
	return v;
}

static const struct stage_stat *busiest(const struct result *r, const char *ifname, int stage)
{
	const struct stage_stat *best = NULL;

	for (int i = 0; i < r->n_stages; i++) {
		const struct stage_stat *s = &r->stages[i];

		if (s->stage == stage && s->from != NS_STAGE_NONE && !strcmp(s->ifname, ifname) &&
		    (!best || s->hist.count > best->hist.count))
			best = s;
	}
	return best;
}

Test(metrics, prometheus_scrapes_the_counts_and_quantiles_of_the_result_file, .timeout = 120)
{
	struct topo_spec spec = {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1500};
	struct topo_err err = {{0}};
	char url[128], target[64], out[96], q[512], msg[512], port_arg[16];
	const char *server_dev;
	const struct stage_stat *s;
	double prom_count, prom_p50, prom_followed, prom_entry, resets;
	struct result r;
	int status, pport;

	need_root_and_probes();
	if (access(PROM, X_OK))
		cr_skip_test("skipped: prometheus is not installed (make deps installs Debian's)");
	if (system("curl --version >/dev/null 2>&1"))
		cr_skip_test("skipped: curl is not installed (make deps installs it)");
	snprintf(dir, sizeof(dir), "/tmp/netstage-test-prom-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/result.json", dir);
	cr_assert_eq(topo__up(&spec, &topo, &err), 0, "%s", err.msg);
	server_dev = topo->devs[topo->pairs[0].server_dev].ifname;
	snprintf(port_arg, sizeof(port_arg), "%d", PORT);
	{
		char *argv[] = {"netstage",   "profile",
				"--netns",    topo->ns[topo->pairs[0].client_ns].path,
				"--netns",    topo->ns[topo->pairs[0].server_ns].path,
				"--duration", "0",
				"--listen",   "127.0.0.1:0",
				"--protocol", "udp",
				"--port",     port_arg,
				"-o",	      out,
				NULL};

		profiler = start_netstage(argv, "watching", url, sizeof(url));
	}
	cr_assert_eq(sscanf(url, "http://%63[0-9.:]/metrics", target), 1, "url %s", url);
	pport = free_port();
	prom = start_prometheus(target, pport);
	cr_assert_eq(wait_for(pport, "up{job=\"netstage\"}", 1, 30), 1,
		     "Prometheus scraped netstage (see %s/prometheus.log)", dir);

	/* The known load: DATAGRAMS UDP datagrams from the client to the server. */
	{
		int tx = socket_in(topo, topo->pairs[0].client_ns, SOCK_DGRAM);
		int rx = socket_in(topo, topo->pairs[0].server_ns, SOCK_DGRAM);
		struct sockaddr_in dst = addr4(topo->pairs[0].server_ip4, PORT);
		char buf[64] = {0};

		cr_assert_eq(bind(rx, (struct sockaddr *)&dst, sizeof(dst)), 0);
		cr_assert_eq(connect(tx, (struct sockaddr *)&dst, sizeof(dst)), 0);
		for (int i = 0; i < DATAGRAMS; i++)
			cr_assert_eq(send(tx, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
		close(tx);
		close(rx);
	}
	snprintf(q, sizeof(q), "sum(netstage_stage_packets_total{device=\"%s\",stage=\"rx_core\"})",
		 server_dev);
	prom_count = wait_for(pport, q, DATAGRAMS, 20);
	cr_assert_eq(prom_count, DATAGRAMS, "Prometheus has %g packets at rx_core of %s",
		     prom_count, server_dev);
	/* One more scrape after the counts arrived, so that every family has them. */
	sleep(2);

	/* Ctrl-C: profile writes its result and exits 0. */
	kill(profiler, SIGINT);
	cr_assert_eq(waitpid(profiler, &status, 0), profiler);
	profiler = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "profile exited %d", status);
	cr_assert_eq(result__read(out, &r, msg, sizeof(msg)), 0, "%s", msg);

	cr_expect_eq(stage_total(&r, server_dev, NS_STAGE_RX_CORE), DATAGRAMS);
	s = busiest(&r, server_dev, NS_STAGE_RX_CORE);
	cr_assert_not_null(s, "the result has rx_core on %s", server_dev);
	/* Instant queries at a moment netstage still served (its series go stale after it). */
	snprintf(q, sizeof(q),
		 "last_over_time(netstage_stage_latency_seconds_count{device=\"%s\",stage="
		 "\"rx_core\",from=\"%s\"}[30s])",
		 server_dev, stage__name(s->from));
	prom_entry = query(pport, q);
	cr_expect_eq(prom_entry, (double)s->hist.count,
		     "count of %s <- %s: Prometheus %g, file %llu", stage__name(s->stage),
		     stage__name(s->from), prom_entry, (unsigned long long)s->hist.count);
	snprintf(
	    q, sizeof(q),
	    "histogram_quantile(0.5, sum by (le) (last_over_time("
	    "netstage_stage_latency_seconds_bucket{device=\"%s\",stage=\"rx_core\",from=\"%s\"}"
	    "[30s])))",
	    server_dev, stage__name(s->from));
	prom_p50 = query(pport, q) * 1e9;
	{
		double file_p50 = hist__quantile(&s->hist, 0.5);
		int a = hist__bucket((__u64)prom_p50), b = hist__bucket((__u64)file_p50);

		cr_log_info("%s <- %s on %s: %llu packets; p50 Prometheus %.0f ns, file %.0f ns",
			    stage__name(s->stage), stage__name(s->from), server_dev,
			    (unsigned long long)s->hist.count, prom_p50, file_p50);
		cr_expect(abs(a - b) <= 1,
			  "p50: Prometheus %.0f ns (bucket %d), file %.0f ns (bucket %d)", prom_p50,
			  a, file_p50, b);
	}
	prom_followed = query(pport, "last_over_time(netstage_packets_followed_total{first_seen="
				     "\"socket\"}[30s])");
	cr_expect_eq(prom_followed, (double)r.counters[NS_CNT_STARTED],
		     "packets followed: Prometheus %g, file %llu", prom_followed,
		     (unsigned long long)r.counters[NS_CNT_STARTED]);
	/* No scrape saw a count go backwards. */
	resets = query(pport, "sum(resets(netstage_stage_packets_total[5m]))");
	cr_expect_eq(resets, 0, "counter resets seen by Prometheus: %g", resets);
	result__free(&r);

	stop(&prom, SIGTERM);
	cr_assert_eq(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	dir[0] = '\0';
}

Test(metrics, refuses_an_address_it_cannot_listen_on)
{
	FILE *f;
	char line[512] = "";
	int rc;

	f = popen("build/netstage profile --dev lo --duration 1 --listen 127.0.0.1:99999 2>&1",
		  "r");
	cr_assert_not_null(f);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	rc = pclose(f);
	cr_assert_neq(WEXITSTATUS(rc), 0);
	cr_assert(strstr(line, "--listen") && strstr(line, "99999"), "the error names it: %s",
		  line);
}

/* The followed packets a scrape of url shows, or -1 when it could not be read. */
static double scrape_followed(const char *url)
{
	char cmd[256], line[256];
	double v = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "curl -s -m 2 %s | grep '^netstage_packets_followed_total{first_seen=\"socket\"}'",
		 url);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	if (fgets(line, sizeof(line), f) && strchr(line, ' '))
		v = strtod(strchr(line, ' ') + 1, NULL);
	pclose(f);
	return v;
}

Test(metrics, run_serves_counts_that_only_grow_to_the_result_file, .timeout = 60)
{
	char url[128], out[96], msg[512];
	double last = 0, v;
	int status, grew = 0;
	struct result r;
	pid_t got = 0;

	need_root_and_probes();
	if (system("curl --version >/dev/null 2>&1"))
		cr_skip_test("skipped: curl is not installed (make deps installs it)");
	snprintf(dir, sizeof(dir), "/tmp/netstage-test-prom-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/run.json", dir);
	{
		char *argv[] = {
		    "netstage",		 "run",	 "--kind",     "veth", "--proto",  "udp",
		    "--bitrate",	 "20M",	 "--duration", "3",    "--listen", "127.0.0.1:0",
		    "--metrics-buckets", "log2", "-o",	       out,    NULL};

		profiler = start_netstage(argv, "/metrics", url, sizeof(url));
	}
	/* Scrape as it runs: the count never goes down, and it moves. */
	while ((got = waitpid(profiler, &status, WNOHANG)) == 0) {
		struct timespec ms = {0, 300 * 1000000};

		v = scrape_followed(url);
		if (v >= 0) {
			cr_expect_geq(v, last, "followed packets went from %g down to %g", last, v);
			grew += v > last;
			last = v;
		}
		nanosleep(&ms, NULL);
	}
	cr_assert_eq(got, profiler);
	profiler = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "run exited %d", status);
	cr_expect_geq(grew, 2, "the served count moved during the run (%d times)", grew);
	cr_assert_eq(result__read(out, &r, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_geq((double)r.counters[NS_CNT_STARTED], last,
		      "the result file has what was served, and the last second's too");
	result__free(&r);
	cr_assert_eq(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	dir[0] = '\0';
}

/* The status line and the Content-Type of a request, as curl -i shows them. */
static void http(const char *method, const char *url, char *status, char *type, size_t len)
{
	char cmd[256], line[512];
	FILE *f;

	status[0] = type[0] = '\0';
	snprintf(cmd, sizeof(cmd), "curl -s -i -m 2 -X %s %s", method, url);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "HTTP/", 5) && !status[0])
			snprintf(status, len, "%.120s", line);
		if (!strncasecmp(line, "Content-Type: ", 14))
			snprintf(type, len, "%.120s", line + 14);
	}
	pclose(f);
}

Test(metrics, serves_metrics_only_and_stops_cleanly_on_sigterm, .timeout = 60)
{
	struct topo_spec spec = {.kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1500};
	struct topo_err err = {{0}};
	char url[128], base[128], other[160], status[128], type[128], out[96], msg[512];
	struct result r;
	int st;

	need_root_and_probes();
	if (system("curl --version >/dev/null 2>&1"))
		cr_skip_test("skipped: curl is not installed (make deps installs it)");
	snprintf(dir, sizeof(dir), "/tmp/netstage-test-prom-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/result.json", dir);
	cr_assert_eq(topo__up(&spec, &topo, &err), 0, "%s", err.msg);
	{
		char *argv[] = {"netstage",
				"profile",
				"--netns",
				topo->ns[0].path,
				"--duration",
				"0",
				"--listen",
				"127.0.0.1:0",
				"--metrics-buckets",
				"log2",
				"--metrics-interval",
				"2",
				"-o",
				out,
				NULL};

		profiler = start_netstage(argv, "watching", url, sizeof(url));
	}
	http("GET", url, status, type, sizeof(status));
	cr_expect(strstr(status, " 200"), "GET /metrics: %s", status);
	cr_expect(strstr(type, "application/openmetrics-text") && strstr(type, "version=1.0.0"),
		  "Content-Type: %s", type);
	snprintf(base, sizeof(base), "%.*s/", (int)(strstr(url, "/metrics") - url), url);
	snprintf(other, sizeof(other), "%snothing", base);
	http("GET", other, status, type, sizeof(status));
	cr_expect(strstr(status, " 404"), "GET /nothing: %s", status);
	http("GET", base, status, type, sizeof(status));
	cr_expect(strstr(status, " 200") && strstr(type, "text/plain"), "GET /: %s", status);
	http("POST", url, status, type, sizeof(status));
	cr_expect(strstr(status, " 405"), "POST /metrics: %s", status);

	/* SIGTERM, as a pod's deletion sends it: the result is written, the exit is 0. */
	kill(profiler, SIGTERM);
	cr_assert_eq(waitpid(profiler, &st, 0), profiler);
	profiler = -1;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "profile exited %d", st);
	cr_assert_eq(result__read(out, &r, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_gt(r.profile_seconds, 0);
	result__free(&r);
	/* The port is free again. */
	http("GET", url, status, type, sizeof(status));
	cr_expect_eq(status[0], '\0', "nothing answers after it stopped: %s", status);
	cr_assert_eq(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	dir[0] = '\0';
}
