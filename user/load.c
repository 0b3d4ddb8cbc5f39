// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include <iperf_api.h>
#include "user/load.h"

#define DEFAULT_PORT 5201
#define LISTEN_WAIT_MS 5000 /* a server that does not listen by then has failed */
#define GRACE_S 15 /* connect, parameter exchange and result exchange around the test */
#define EXIT_NO_NETNS 111

struct child {
	pid_t server, client;
	int result_fd; /* the client writes its JSON here */
	char *json;
	size_t len, cap;
	bool done;
};

static void child_setup(const char *netns_path)
{
	int fd, null;

	/* The parent handles Ctrl-C by killing us; die at once if it does not. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	fd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		_exit(EXIT_NO_NETNS);
	close(fd);
	/*
	 * libiperf prints its whole JSON document to stdout, and warnings such as
	 * "block size exceeds TCP MSS" to stderr: keep both off the terminal.
	 * Failures come back in the JSON's "error" and in exit codes.
	 */
	null = open("/dev/null", O_WRONLY);
	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
}

static struct iperf_test *new_test(char role, int port, const char *bind)
{
	struct iperf_test *t = iperf_new_test();

	if (!t)
		return NULL;
	iperf_defaults(t);
	iperf_set_test_role(t, role);
	iperf_set_test_server_port(t, port);
	iperf_set_test_bind_address(t, bind);
	iperf_set_test_json_output(t, 1);
	return t;
}

static pid_t spawn_server(const struct load_pair *p, int port)
{
	struct iperf_test *t;
	pid_t pid = fork();
	int rc;

	if (pid != 0)
		return pid;
	child_setup(p->server_netns);
	t = new_test('s', port, p->server_addr);
	if (!t)
		_exit(1);
	iperf_set_test_one_off(t, 1);
	rc = iperf_run_server(t);
	_exit(rc < 0 ? 1 : 0);
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

static pid_t spawn_client(const struct load_spec *spec, const struct load_pair *p, int port,
			  const int barrier[2], int result_fd)
{
	struct iperf_test *t;
	char go, *json, fallback[320];
	pid_t pid = fork();
	int rc;

	if (pid != 0)
		return pid;
	child_setup(p->client_netns);
	/*
	 * The parent closes the barrier's write end once every client is forked;
	 * our inherited copy must go first, or the read never sees the end.
	 */
	close(barrier[1]);
	while (read(barrier[0], &go, 1) < 0 && errno == EINTR)
		;
	t = new_test('c', port, p->client_addr);
	if (!t)
		_exit(1);
	iperf_set_test_server_hostname(t, p->server_addr);
	iperf_set_test_duration(t, spec->duration_s);
	set_protocol(t, spec->proto == LOAD_UDP ? Pudp : Ptcp);
	/* libiperf's defaults are the TCP ones; iperf3's UDP defaults live in its CLI parser. */
	iperf_set_test_rate(t, spec->bitrate);
	if (spec->blksize)
		iperf_set_test_blksize(t, spec->blksize);
	iperf_set_test_num_streams(t, spec->streams > 0 ? spec->streams : 1);
	iperf_set_test_reverse(t, spec->reverse);
	iperf_set_test_connect_timeout(t, 3000);
	rc = iperf_run_client(t);
	json = iperf_get_test_json_output_string(t);
	if (json && *json) {
		write_all(result_fd, json, strlen(json));
	} else {
		snprintf(fallback, sizeof(fallback), "{\"error\": \"%s\"}",
			 rc < 0 ? iperf_strerror(i_errno) : "iperf3 gave no result");
		write_all(result_fd, fallback, strlen(fallback));
	}
	_exit(rc < 0 ? 1 : 0);
}

/* Is there a TCP socket listening on port in pid's namespace? */
static bool listening(pid_t pid, int port)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char path[64], line[512], want[16];
	bool found = false;

	snprintf(want, sizeof(want), ":%04X", port);
	for (int i = 0; i < 2 && !found; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f)) {
			char local[64], remote[64], state[8];

			if (sscanf(line, "%*d: %63s %63s %7s", local, remote, state) == 3 &&
			    strstr(local, want) && !strcmp(state, "0A"))
				found = true;
		}
		fclose(f);
	}
	return found;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void kill_all(struct child *c, int n)
{
	for (int i = 0; i < n; i++) {
		if (c[i].client > 0)
			kill(c[i].client, SIGKILL);
		if (c[i].server > 0)
			kill(c[i].server, SIGKILL);
	}
}

static void reap_all(struct child *c, int n, struct load_result *res)
{
	for (int i = 0; i < n; i++) {
		int status;

		if (c[i].client > 0 && waitpid(c[i].client, &status, 0) > 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == EXIT_NO_NETNS && res)
			snprintf(res[i].error, sizeof(res[i].error),
				 "the client could not enter its namespace");
		if (c[i].server > 0)
			waitpid(c[i].server, &status, 0);
		c[i].client = c[i].server = 0;
	}
}

static int wait_listening(struct child *c, int n, int port, struct load_result *res,
			  volatile sig_atomic_t *stop)
{
	double deadline = now_s() + LISTEN_WAIT_MS / 1000.0;
	int ready = 0;
	bool *up = calloc(n, sizeof(*up));

	if (!up)
		return -ENOMEM;
	while (ready < n && now_s() < deadline && !(stop && *stop)) {
		for (int i = 0; i < n; i++) {
			int status;

			if (up[i])
				continue;
			if (listening(c[i].server, port)) {
				up[i] = true;
				ready++;
			} else if (waitpid(c[i].server, &status, WNOHANG) == c[i].server) {
				/* The server died before listening: name why. */
				c[i].server = 0;
				up[i] = true;
				ready++;
				snprintf(res[i].error, sizeof(res[i].error),
					 WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NO_NETNS ?
						 "the server could not enter its namespace" :
						 "the iperf3 server exited before listening (address "
						 "not configured?)");
			}
		}
		if (ready < n)
			usleep(2000);
	}
	for (int i = 0; i < n; i++)
		if (!up[i])
			snprintf(res[i].error, sizeof(res[i].error),
				 "the iperf3 server did not listen within %d ms", LISTEN_WAIT_MS);
	free(up);
	return stop && *stop ? -EINTR : 0;
}

static int read_results(struct child *c, int n, const struct load_spec *spec,
			volatile sig_atomic_t *stop, load_tick_fn tick, void *ctx)
{
	double start = now_s(), deadline = start + spec->duration_s + GRACE_S;
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	int open_fds = n, last_tick = -1;

	if (!pfd)
		return -ENOMEM;
	while (open_fds > 0) {
		int elapsed = (int)(now_s() - start), rc;

		if (stop && *stop) {
			free(pfd);
			return -EINTR;
		}
		if (now_s() > deadline)
			break;
		if (tick && elapsed != last_tick && elapsed <= spec->duration_s) {
			tick(ctx, elapsed, spec->duration_s);
			last_tick = elapsed;
		}
		for (int i = 0; i < n; i++) {
			pfd[i].fd = c[i].done ? -1 : c[i].result_fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		rc = poll(pfd, n, 250);
		if (rc < 0 && errno != EINTR) {
			free(pfd);
			return -errno;
		}
		for (int i = 0; i < n && rc > 0; i++) {
			struct child *ch = &c[i];
			ssize_t got;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (ch->cap - ch->len < 4096) {
				char *bigger = realloc(ch->json, ch->cap * 2 + 8192);

				if (!bigger) {
					free(pfd);
					return -ENOMEM;
				}
				ch->json = bigger;
				ch->cap = ch->cap * 2 + 8192;
			}
			got = read(ch->result_fd, ch->json + ch->len, ch->cap - ch->len - 1);
			if (got > 0) {
				ch->len += got;
				ch->json[ch->len] = '\0';
			} else if (got == 0 || errno != EINTR) {
				ch->done = true;
				open_fds--;
			}
		}
	}
	free(pfd);
	return 0;
}

int load__run(const struct load_spec *spec, const struct load_pair *pairs, int n,
	      struct load_result *res, volatile sig_atomic_t *stop, load_tick_fn tick, void *ctx)
{
	int port = spec->port ? spec->port : DEFAULT_PORT;
	int barrier[2] = { -1, -1 }, rc = 0;
	struct child *c = calloc(n, sizeof(*c));

	if (!c)
		return -ENOMEM;
	memset(res, 0, sizeof(*res) * n);
	for (int i = 0; i < n; i++)
		c[i].result_fd = -1;
	for (int i = 0; i < n; i++) {
		c[i].server = spawn_server(&pairs[i], port);
		if (c[i].server < 0) {
			rc = -errno;
			goto out;
		}
	}
	rc = wait_listening(c, n, port, res, stop);
	if (rc)
		goto out;
	if (pipe2(barrier, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int fds[2];

		if (res[i].error[0])
			continue; /* its server never listened */
		if (pipe2(fds, O_CLOEXEC) < 0) {
			rc = -errno;
			goto out;
		}
		c[i].client = spawn_client(spec, &pairs[i], port, barrier, fds[1]);
		close(fds[1]);
		c[i].result_fd = fds[0];
		if (c[i].client < 0) {
			rc = -errno;
			goto out;
		}
	}
	/* Release every client at once. */
	close(barrier[1]);
	barrier[1] = -1;
	for (int i = 0; i < n; i++)
		if (c[i].result_fd < 0)
			c[i].done = true;
	{
		int open_n = 0;

		for (int i = 0; i < n; i++)
			open_n += !c[i].done;
		if (open_n)
			rc = read_results(c, n, spec, stop, tick, ctx);
	}
	if (rc)
		goto out;
	for (int i = 0; i < n; i++) {
		if (res[i].error[0])
			continue;
		if (!c[i].json || !c[i].len) {
			snprintf(res[i].error, sizeof(res[i].error),
				 "the iperf3 client gave no result within %d s", spec->duration_s +
											 GRACE_S);
			continue;
		}
		load__parse_json(c[i].json, spec->proto, &res[i]);
	}
out:
	/* Servers of failed pairs still wait for a client: end them all. */
	kill_all(c, n);
	reap_all(c, n, rc ? NULL : res);
	for (int i = 0; i < n; i++) {
		if (c[i].result_fd >= 0)
			close(c[i].result_fd);
		free(c[i].json);
	}
	if (barrier[0] >= 0)
		close(barrier[0]);
	if (barrier[1] >= 0)
		close(barrier[1]);
	free(c);
	return rc;
}

/* ---- iperf3's JSON ---- */

static json_object *path(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL, *y = NULL;

	if (!o || !json_object_object_get_ex(o, a, &x))
		return NULL;
	if (!b)
		return x;
	return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static double num(json_object *o, const char *k)
{
	json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

int load__parse_json(const char *json, enum load_proto proto, struct load_result *r)
{
	json_object *root = json_tokener_parse(json), *err, *sent, *recv, *cpu, *udp;

	if (!root) {
		snprintf(r->error, sizeof(r->error), "iperf3's output is not JSON");
		return -EINVAL;
	}
	err = path(root, "error", NULL);
	if (err) {
		snprintf(r->error, sizeof(r->error), "iperf3: %s", json_object_get_string(err));
		json_object_put(root);
		return -EIO;
	}
	sent = path(root, "end", "sum_sent");
	recv = path(root, "end", "sum_received");
	if (!sent || !recv) {
		snprintf(r->error, sizeof(r->error), "iperf3's JSON has no end.sum_sent/sum_received");
		json_object_put(root);
		return -EINVAL;
	}
	r->seconds = num(recv, "seconds");
	r->sent_bps = num(sent, "bits_per_second");
	r->recv_bps = num(recv, "bits_per_second");
	r->sent_bytes = (__u64)num(sent, "bytes");
	r->recv_bytes = (__u64)num(recv, "bytes");
	if (proto == LOAD_TCP) {
		r->retransmits = (__u64)num(sent, "retransmits");
	} else {
		/* The receiver's loss count; iperf3 3.12 also keeps it in end.sum. */
		udp = path(recv, "lost_packets", NULL) ? recv : path(root, "end", "sum");
		r->lost_packets = (__u64)num(udp, "lost_packets");
		r->packets = (__u64)num(udp, "packets");
		r->lost_percent = num(udp, "lost_percent");
		r->jitter_ms = num(udp, "jitter_ms");
		r->out_of_order = (__u64)num(udp, "out_of_order");
	}
	cpu = path(root, "end", "cpu_utilization_percent");
	r->cpu_sender = num(cpu, "host_total");
	r->cpu_receiver = num(cpu, "remote_total");
	r->ok = true;
	json_object_put(root);
	return 0;
}
