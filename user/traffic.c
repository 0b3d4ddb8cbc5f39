// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <iperf_api.h>
#include "user/traffic.h"
#include "analysis/iperf.h"
#include "user/clock.h"

#define DEFAULT_PORT	   5201
#define LISTEN_WAIT_MS	   5000 /* a server that does not listen by then has failed */
#define CONNECT_TIMEOUT_MS 3000
#define GRACE_S		   15 /* connect, parameter exchange and result exchange around the test */
#define EXIT_NO_NETNS	   111
#define SETUP_NICE_BOOST   10 /* nice levels above normal until the test starts */
#define STOP_GRACE_S	   2  /* how long stopped clients get to report what they measured */

/* ---- inside the forked iperf3 processes ---- */

/* Where a forked iperf3 process reports its test's start; -1 in netstage itself. */
static int start_fd = -1;
/* The nice value to return to when the test starts (see child_setup). */
static int normal_nice;
static bool raised;

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

/*
 * libiperf calls test->on_test_start right after it stamps its streams' start
 * time (iperf_init_test), on CLOCK_MONOTONIC. iperf_defaults() points that
 * hook at this symbol through the GOT, so this definition takes the place of
 * libiperf's own: it tells the parent when the test started, on the same
 * clock, then does what the original does (the JSON's "test_start"). If a
 * libiperf binds the symbol to itself, no start is reported and the window
 * falls back on the release time (load_window.starts_known).
 */
void iperf_on_test_start(struct iperf_test *test)
{
	static void (*real)(struct iperf_test *);
	struct timespec ts;
	char line[48];
	int len;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (raised) {
		setpriority(PRIO_PROCESS, 0, normal_nice);
		raised = false;
	}
	if (start_fd >= 0) {
		len = snprintf(line, sizeof(line), "S %lld\n",
			       (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		write_all(start_fd, line, len);
	}
	if (!real)
		real = (void (*)(struct iperf_test *))dlsym(RTLD_NEXT, "iperf_on_test_start");
	if (real && real != iperf_on_test_start)
		real(test);
}

/*
 * Close every descriptor but stdin, stdout, stderr and keep[0..1] (-1: none).
 * A child inherits all of the parent's: with 200 pairs that is over 1024
 * (pipes of the other pairs, namespace files, netlink sockets), and libiperf
 * select()s, so a socket it opened above FD_SETSIZE made it abort.
 */
static void close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	unsigned int from = 3;

	for (int i = 0; i < 2; i++) {
		int k = i ? hi : lo;

		if (k < (int)from)
			continue;
		if (k > (int)from && close_range(from, k - 1, 0))
			for (int fd = from; fd < k; fd++)
				close(fd);
		from = k + 1;
	}
	if (close_range(from, ~0U, 0))
		for (long fd = from; fd < sysconf(_SC_OPEN_MAX); fd++)
			close(fd);
}

/*
 * Where a pair's client or server runs: pair i's client on CPU 2i and its
 * server on CPU 2i + 1 (modulo the CPUs allowed). Left to the scheduler, the
 * two ends of a UDP pair sometimes take turns on one CPU, and a run's
 * throughput then varies threefold (docs/EXPERIMENTS.md); pinned apart, the
 * sender's CPU also carries the softirq work of the path, as on a real host
 * where sender and receiver do not share a core.
 */
static int cpu_for(int pair, bool server)
{
	cpu_set_t allowed;
	int n = 0, want, seen = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return -1;
	n = CPU_COUNT(&allowed);
	if (n < 2)
		return -1;
	want = (2 * pair + server) % n;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed) && seen++ == want)
			return cpu;
	return -1;
}

static void pin_to(int cpu)
{
	cpu_set_t one;

	if (cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

/* The process that forks the iperf3 processes (set before each fork). */
static pid_t load_parent;

static void child_setup(const char *netns_path, int keep1, int keep2)
{
	int fd, null;

	/* The parent handles Ctrl-C by killing us; die at once if it does not. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A parent killed outright (kill -9, a crash) cannot kill us: the kernel
	 * does, when it goes. If it went before this line, go now.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != load_parent)
		_exit(EXIT_NO_NETNS);
	fd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		_exit(EXIT_NO_NETNS);
	close(fd);
	/*
	 * Until its test starts, an iperf3 process runs at a raised priority: on
	 * a machine whose CPUs the pairs already sending keep busy, the ones still
	 * connecting would otherwise wait for a CPU at each message of their
	 * handshake (128 pairs on 2 CPUs: starts spread over 4 to 7 s, longer than
	 * a 5 s test). iperf_on_test_start() returns it to the normal priority
	 * before any data is sent, so every pair sends on equal terms.
	 */
	errno = 0;
	normal_nice = getpriority(PRIO_PROCESS, 0);
	if (!errno && !setpriority(PRIO_PROCESS, 0, normal_nice - SETUP_NICE_BOOST))
		raised = true;
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
	close_others(keep1, keep2);
}

static double interval_of(const struct load_spec *spec)
{
	double iv = spec->interval > 0 ? spec->interval : spec->duration_s / 20.0;

	/* iperf3 refuses intervals under 0.1 s; 1 s is its default. */
	return iv < 0.1 ? 0.1 : iv > 1 && spec->interval <= 0 ? 1 : iv;
}

static struct iperf_test *new_test(const struct load_spec *spec, char role, int port,
				   const char *bind)
{
	struct iperf_test *t = iperf_new_test();

	if (!t)
		return NULL;
	iperf_defaults(t);
	iperf_set_test_role(t, role);
	iperf_set_test_server_port(t, port);
	iperf_set_test_bind_address(t, bind);
	iperf_set_test_json_output(t, 1);
	iperf_set_test_reporter_interval(t, interval_of(spec));
	iperf_set_test_stats_interval(t, interval_of(spec));
	return t;
}

static pid_t spawn_server(const struct load_spec *spec, const struct load_pair *p, int index,
			  int port, int report_fd)
{
	int cpu = spec->no_pin ? -1 : cpu_for(index, true);
	struct iperf_test *t;
	pid_t pid;
	int rc;

	load_parent = getpid();
	pid = fork();
	if (pid != 0)
		return pid;
	child_setup(p->server_netns, report_fd, -1);
	pin_to(cpu);
	start_fd = report_fd;
	t = new_test(spec, 's', port, p->server_addr);
	if (!t)
		_exit(1);
	iperf_set_test_one_off(t, 1);
	rc = iperf_run_server(t);
	_exit(rc < 0 ? 1 : 0);
}

/*
 * A client asked to stop (SIGINT from the parent, or the terminal's Ctrl-C)
 * leaves libiperf's loop the way iperf3's own main() does, by a jump from
 * the handler, and reports what its test measured until then.
 */
static sigjmp_buf stop_jump;
static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	if (stopping)
		return;
	stopping = 1;
	siglongjmp(stop_jump, 1);
}

static pid_t spawn_client(const struct load_spec *spec, const struct load_pair *p, int index,
			  int port, const int barrier[2], int result_fd)
{
	int cpu = spec->no_pin ? -1 : cpu_for(index, false);
	struct iperf_test *t;
	char go, *json, fallback[320];
	pid_t pid;
	int rc;

	load_parent = getpid();
	pid = fork();
	if (pid != 0)
		return pid;
	/*
	 * The parent closes the barrier's write end once every client is forked;
	 * child_setup closes our inherited copy, or the read would never see the end.
	 */
	child_setup(p->client_netns, barrier[0], result_fd);
	pin_to(cpu);
	while (read(barrier[0], &go, 1) < 0 && errno == EINTR)
		;
	start_fd = result_fd;
	t = new_test(spec, 'c', p->connect_port > 0 ? p->connect_port : port, p->client_addr);
	if (!t)
		_exit(1);
	iperf_set_test_server_hostname(t, p->connect_addr[0] ? p->connect_addr : p->server_addr);
	iperf_set_test_duration(t, spec->duration_s);
	set_protocol(t, spec->proto == LOAD_UDP ? Pudp : Ptcp);
	/* libiperf's defaults are the TCP ones; iperf3's UDP defaults live in its CLI parser. */
	iperf_set_test_rate(t, spec->bitrate);
	if (spec->blksize)
		iperf_set_test_blksize(t, spec->blksize);
	iperf_set_test_num_streams(t, p->streams > 0	  ? p->streams
				      : spec->streams > 0 ? spec->streams
							  : 1);
	iperf_set_test_reverse(t, spec->reverse);
	iperf_set_test_connect_timeout(t, CONNECT_TIMEOUT_MS);
	/* The receiver's intervals, when the server receives, come with its output. */
	iperf_set_test_get_server_output(t, 1);
	if (sigsetjmp(stop_jump, 1)) {
		/*
		 * iperf3's Ctrl-C path: it adds the intervals and totals so far to its
		 * JSON with an "error" naming the interrupt, prints it on stdout and
		 * exits. Only this side's figures exist: the server's never come back.
		 * stdout is the result pipe from here; what stdio buffered before the
		 * fork (the parent's) is dropped, not sent.
		 */
		__fpurge(stdout);
		dup2(result_fd, STDOUT_FILENO);
		iperf_got_sigend(t);
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	rc = iperf_run_client(t);
	stopping = 1; /* done: a late signal must not report the test again */
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

/* ---- the parent ---- */

struct child {
	pid_t server, client;
	int sfd, cfd; /* read ends: the server's start line, the client's start line and JSON */
	bool s_eof, c_eof;
	char sline[64];
	size_t slen;
	char *out; /* the client's output */
	size_t len, cap, json_off;
	double client_start, server_start; /* absolute, CLOCK_MONOTONIC s; 0: not yet */
	int status;			   /* the client's wait status */
	bool exited, killed;
	bool stopped; /* asked to stop and report what it measured so far */
};

/* "S <ns>\n": a test's start on CLOCK_MONOTONIC, in s; 0 if s is not such a line. */
static double start_line(const char *s, size_t len)
{
	const char *nl = memchr(s, '\n', len);
	long long ns;

	if (!nl || len < 3 || s[0] != 'S' || s[1] != ' ' || sscanf(s + 2, "%lld", &ns) != 1)
		return 0;
	return ns / 1e9;
}

/*
 * Is there a TCP socket listening on addr:port in pid's namespace? Several
 * servers may share one (the host and container kinds): each binds its own
 * address, so the address tells them apart. An address that is not IPv4
 * (or none) is matched by port alone.
 */
static bool listening(pid_t pid, const char *addr, int port)
{
	static const char *const files[] = {"tcp", "tcp6"};
	char path[64], line[512], want[32];
	struct in_addr a;
	bool found = false;

	/* /proc/net/tcp prints the address as the __be32 in memory, in hex. */
	if (addr && inet_pton(AF_INET, addr, &a) == 1)
		snprintf(want, sizeof(want), "%08X:%04X", a.s_addr, port);
	else
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

static int wait_listening(struct child *c, const struct load_pair *pairs, int n, int port,
			  struct load_result *res, volatile sig_atomic_t *stop)
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
			if (listening(c[i].server, pairs[i].server_addr, port)) {
				up[i] = true;
				ready++;
			} else if (waitpid(c[i].server, &status, WNOHANG) == c[i].server) {
				/* The server died before listening: name why. */
				c[i].server = 0;
				up[i] = true;
				ready++;
				snprintf(res[i].error, sizeof(res[i].error),
					 WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NO_NETNS
					     ? "the server could not enter its namespace"
					     : "the iperf3 server exited before listening (is its "
					       "address configured?)");
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

static void sample_all(const struct load_hooks *hooks, struct child *c, struct load_result *res,
		       int n, double t0)
{
	if (!hooks || !hooks->counters)
		return;
	for (int i = 0; i < n; i++) {
		struct load_result *r = &res[i];
		double before, after;
		__u64 packets, bytes;

		if (!c[i].client)
			continue;
		if (r->n_samples == r->cap_samples) {
			int cap = r->cap_samples ? 2 * r->cap_samples : 64;
			struct load_sample *s = realloc(r->samples, cap * sizeof(*s));

			if (!s)
				continue;
			r->samples = s;
			r->cap_samples = cap;
		}
		before = now_s();
		if (hooks->counters(hooks->ctx, i, &packets, &bytes))
			continue;
		after = now_s();
		r->samples[r->n_samples++] = (struct load_sample){
		    .t = (before + after) / 2 - t0, .packets = packets, .bytes = bytes};
	}
}

/* Read what a child wrote; false at the end of its output. */
static bool drain(struct child *ch, bool server)
{
	ssize_t got;

	if (server) {
		got = read(ch->sfd, ch->sline + ch->slen, sizeof(ch->sline) - 1 - ch->slen);
		if (got > 0) {
			ch->slen += got;
			ch->sline[ch->slen] = '\0';
			if (!ch->server_start)
				ch->server_start = start_line(ch->sline, ch->slen);
		}
		return got > 0 || (got < 0 && errno == EINTR);
	}
	if (ch->cap - ch->len < 4096) {
		char *bigger = realloc(ch->out, ch->cap * 2 + 8192);

		if (!bigger)
			return false;
		ch->out = bigger;
		ch->cap = ch->cap * 2 + 8192;
	}
	got = read(ch->cfd, ch->out + ch->len, ch->cap - ch->len - 1);
	if (got > 0) {
		ch->len += got;
		ch->out[ch->len] = '\0';
		if (!ch->client_start && ch->len > 2 && ch->out[0] == 'S') {
			char *nl = memchr(ch->out, '\n', ch->len);

			if (nl) {
				ch->client_start = start_line(ch->out, ch->len);
				ch->json_off = nl + 1 - ch->out;
			}
		}
	}
	return got > 0 || (got < 0 && errno == EINTR);
}

static double sample_period(const struct load_spec *spec)
{
	double p = spec->duration_s / 40.0;

	return p < 0.02 ? 0.02 : p > 0.1 ? 0.1 : p;
}

/*
 * Collect the children's output until every client is done or the deadline
 * passes, sampling the receiving interfaces' counters on the way.
 */
static int collect(struct child *c, int n, const struct load_spec *spec,
		   const struct load_hooks *hooks, volatile sig_atomic_t *stop,
		   struct load_result *res, double t0, double *stopped_at)
{
	double deadline = t0 + spec->duration_s + GRACE_S, period = sample_period(spec);
	double next_sample = t0 + period;
	struct pollfd *pfd = calloc(2 * n, sizeof(*pfd));
	int last_tick = -1;

	*stopped_at = -1;
	if (!pfd)
		return -ENOMEM;
	for (;;) {
		double now = now_s(), wait;
		int open_clients = 0, rc, elapsed = (int)(now - t0);

		for (int i = 0; i < n; i++)
			open_clients += !c[i].c_eof;
		if (!open_clients || now > deadline)
			break;
		if (stop && *stop && *stopped_at < 0) {
			/*
			 * Stopped: every client still running reports what it measured
			 * so far (iperf3's Ctrl-C report); one that does not within
			 * STOP_GRACE_S is killed with the others.
			 */
			*stopped_at = now - t0;
			sample_all(hooks, c, res, n, t0);
			for (int i = 0; i < n; i++)
				if (c[i].client > 0 && !c[i].c_eof) {
					kill(c[i].client, SIGINT);
					c[i].stopped = true;
				}
			if (deadline > now + STOP_GRACE_S)
				deadline = now + STOP_GRACE_S;
		}
		if (hooks && hooks->tick && elapsed != last_tick && elapsed <= spec->duration_s) {
			hooks->tick(hooks->ctx, elapsed, spec->duration_s);
			last_tick = elapsed;
		}
		if (now >= next_sample) {
			sample_all(hooks, c, res, n, t0);
			next_sample += period;
			if (next_sample < now)
				next_sample = now + period;
		}
		for (int i = 0; i < n; i++) {
			pfd[2 * i] =
			    (struct pollfd){.fd = c[i].s_eof ? -1 : c[i].sfd, .events = POLLIN};
			pfd[2 * i + 1] =
			    (struct pollfd){.fd = c[i].c_eof ? -1 : c[i].cfd, .events = POLLIN};
		}
		/* Wake for the next sample, the next tick, the deadline, or at most 250 ms. */
		now = now_s();
		wait = next_sample - now;
		if (hooks && hooks->tick && last_tick < spec->duration_s &&
		    t0 + last_tick + 1 - now < wait)
			wait = t0 + last_tick + 1 - now;
		if (deadline - now < wait)
			wait = deadline - now;
		if (wait > 0.25)
			wait = 0.25;
		rc = poll(pfd, 2 * n, wait > 0 ? (int)(wait * 1000) + 1 : 0);
		if (rc < 0 && errno != EINTR) {
			rc = -errno;
			free(pfd);
			return rc;
		}
		for (int i = 0; i < n && rc > 0; i++) {
			if (pfd[2 * i].revents & (POLLIN | POLLHUP | POLLERR))
				c[i].s_eof = !drain(&c[i], true);
			if (pfd[2 * i + 1].revents & (POLLIN | POLLHUP | POLLERR))
				c[i].c_eof = !drain(&c[i], false);
		}
	}
	free(pfd);
	/* The last counters: everything of the load has crossed the interfaces by now. */
	sample_all(hooks, c, res, n, t0);
	/* A server's start line may still wait in its pipe. */
	for (int i = 0; i < n; i++) {
		if (c[i].s_eof || c[i].sfd < 0 || c[i].server_start)
			continue;
		fcntl(c[i].sfd, F_SETFL, O_NONBLOCK);
		drain(&c[i], true);
	}
	return *stopped_at >= 0 ? -EINTR : 0;
}

static void kill_all(struct child *c, int n)
{
	for (int i = 0; i < n; i++) {
		if (c[i].client > 0 && !c[i].c_eof) {
			kill(c[i].client, SIGKILL);
			c[i].killed = true;
		}
		if (c[i].server > 0)
			kill(c[i].server, SIGKILL);
	}
}

static void reap_all(struct child *c, int n)
{
	for (int i = 0; i < n; i++) {
		int status;

		if (c[i].client > 0 && waitpid(c[i].client, &status, 0) > 0) {
			c[i].status = status;
			c[i].exited = true;
		}
		if (c[i].server > 0)
			waitpid(c[i].server, &status, 0);
	}
}

/* Why a client gave no result: what it had done, and how it ended. */
static void name_failure(const struct child *ch, const struct load_spec *spec, double t0,
			 struct load_result *r)
{
	int limit = spec->duration_s + GRACE_S;

	if (ch->stopped && ch->killed)
		snprintf(r->error, sizeof(r->error),
			 "stopped: its iperf3 client did not report its figures within %d s",
			 STOP_GRACE_S);
	else if (ch->stopped)
		snprintf(r->error, sizeof(r->error),
			 "stopped before its iperf3 client had measured anything");
	else if (ch->killed && ch->client_start)
		snprintf(r->error, sizeof(r->error),
			 "its test started %.2f s after the release, but no result came back "
			 "within %d s: the control connection was starved or the server stopped "
			 "answering",
			 ch->client_start - t0, limit);
	else if (ch->killed)
		snprintf(r->error, sizeof(r->error),
			 "the client did not start its test within %d s: connecting or "
			 "exchanging parameters with the server stalled",
			 limit);
	else if (ch->exited && WIFEXITED(ch->status) && WEXITSTATUS(ch->status) == EXIT_NO_NETNS)
		snprintf(r->error, sizeof(r->error), "the client could not enter its namespace");
	else if (ch->exited && WIFSIGNALED(ch->status))
		snprintf(r->error, sizeof(r->error), "the iperf3 client died of signal %d (%s)",
			 WTERMSIG(ch->status), strsignal(WTERMSIG(ch->status)));
	else
		snprintf(r->error, sizeof(r->error), "the iperf3 client ended without a result");
}

/* 256 pairs make 512 processes and 1024 pipe ends: make room for the descriptors. */
static int room_for_fds(int n)
{
	struct rlimit rl;
	rlim_t need = 4 * (rlim_t)n + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	setrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur >= need ? 0 : -EMFILE;
}

int traffic__run(const struct load_spec *spec, const struct load_pair *pairs, int n,
		 const struct load_hooks *hooks, volatile sig_atomic_t *stop,
		 struct load_result *res, struct load_window *win)
{
	int port = spec->port ? spec->port : DEFAULT_PORT;
	int barrier[2] = {-1, -1}, rc;
	struct child *c = calloc(n, sizeof(*c));
	double t0 = 0, stopped_at = -1;

	memset(res, 0, sizeof(*res) * n);
	if (win)
		memset(win, 0, sizeof(*win));
	if (!c)
		return -ENOMEM;
	rc = room_for_fds(n);
	if (rc)
		goto out;
	for (int i = 0; i < n; i++) {
		c[i].sfd = c[i].cfd = -1;
		res[i].streams = pairs[i].streams > 0 ? pairs[i].streams
				 : spec->streams > 0  ? spec->streams
						      : 1;
		res[i].client_start = res[i].server_start = -1;
	}
	for (int i = 0; i < n; i++) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC) < 0) {
			rc = -errno;
			goto out;
		}
		c[i].server = spawn_server(spec, &pairs[i], i, port, fds[1]);
		close(fds[1]);
		c[i].sfd = fds[0];
		if (c[i].server < 0) {
			rc = -errno;
			goto out;
		}
	}
	rc = wait_listening(c, pairs, n, port, res, stop);
	if (rc)
		goto out;
	if (pipe2(barrier, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int fds[2];

		if (res[i].error[0]) {
			c[i].c_eof = c[i].s_eof = true; /* its server never listened */
			continue;
		}
		if (pipe2(fds, O_CLOEXEC) < 0) {
			rc = -errno;
			goto out;
		}
		c[i].client = spawn_client(spec, &pairs[i], i, port, barrier, fds[1]);
		close(fds[1]);
		c[i].cfd = fds[0];
		if (c[i].client < 0) {
			rc = -errno;
			goto out;
		}
	}
	/* The counters before anything is sent, then release every client at once. */
	t0 = now_s();
	sample_all(hooks, c, res, n, t0);
	close(barrier[1]);
	barrier[1] = -1;
	rc = collect(c, n, spec, hooks, stop, res, t0, &stopped_at);
out:
	/* Servers of failed pairs still wait for a client: end them all. */
	kill_all(c, n);
	reap_all(c, n);
	/* A load stopped after the release has figures up to the stop. */
	for (int i = 0; i < n && (!rc || stopped_at >= 0); i++) {
		struct load_result *r = &res[i];

		if (c[i].client_start)
			r->client_start = c[i].client_start - t0;
		if (c[i].server_start)
			r->server_start = c[i].server_start - t0;
		if (r->error[0])
			continue;
		if (!c[i].out || c[i].len <= c[i].json_off) {
			name_failure(&c[i], spec, t0, r);
			continue;
		}
		if (iperf__parse_json(c[i].out + c[i].json_off, spec->proto, spec->reverse,
				      c[i].stopped, r) &&
		    (c[i].killed || c[i].stopped))
			name_failure(&c[i], spec, t0, r);
	}
	for (int i = 0; i < n; i++) {
		if (c[i].sfd >= 0)
			close(c[i].sfd);
		if (c[i].cfd >= 0)
			close(c[i].cfd);
		free(c[i].out);
	}
	if (barrier[0] >= 0)
		close(barrier[0]);
	if (barrier[1] >= 0)
		close(barrier[1]);
	free(c);
	if (!rc || stopped_at >= 0)
		iperf__window(res, n, spec->reverse, win);
	if (win && stopped_at >= 0) {
		win->stopped = true;
		win->stopped_at = stopped_at;
	}
	return rc;
}
