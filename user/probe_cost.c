// SPDX-License-Identifier: GPL-2.0
/*
 * What the stage probes cost, by their own account. Two parts, measured on
 * the running machine:
 *  - a hook's own cost: an empty program on task:task_rename, timed from
 *    outside over a loop of prctl(PR_SET_NAME) that fires it (the same
 *    dispatch a network tracepoint's program pays; sys_enter would also put
 *    every syscall on its slow path), and bpf_stats' own part of an empty run;
 *    cached for the boot in /run/netstage/hook-cost;
 *  - each program's run time above that, from bpf_stats for half a second
 *    once the traffic flows (BPF_ENABLE_STATS: on only while its fd is open).
 * Probe time per packet seen = (sum of run times - runs * stats' part + runs *
 * hook cost) / packets; times the packets of the whole measurement, its
 * share of the busy CPU time (/proc/stat) is the cost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "user/clock.h"
#include "user/probes.h"
#include "analysis/stage.h"
#include "stages.skel.h"

#define HOOK_COST_CACHE "/run/netstage/hook-cost"
#define HOOK_LOOPS	10000
#define HOOK_ROUNDS	7
#define CAL_DELAY_MS	1000 /* the traffic is flowing by then */
#define CAL_MS		500
#define CAL_MIN_PACKETS 1000

struct probes_cost {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool started, stop, done;
	double hook_ns, stats_ns; /* the hooks' own cost */
	double ns_per_packet;	  /* calibrated */
	double runs_per_packet;
	char method[96];
	unsigned long long busy0; /* /proc/stat busy ticks at the start */
	struct timespec t0;
};

int probe_cost__empty_tracing(enum bpf_attach_type type, int btf_id, int btf_obj_fd)
{
	struct bpf_insn insns[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type, .attach_btf_id = btf_id,
		    .attach_btf_obj_fd = btf_obj_fd);
	int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);

	return prog < 0 ? -errno : prog;
}

/* CPU time every CPU spent busy (not idle, not waiting for I/O), in clock ticks. */
static unsigned long long busy_ticks(void)
{
	unsigned long long v[10] = {0};
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 8)
		return 0;
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]; /* user nice system irq softirq steal */
}

/* prctl(PR_SET_NAME) fires task:task_rename once, and takes no slow path for it. */
static double loop_seconds(void)
{
	char name[16];
	double t0;

	prctl(PR_GET_NAME, name);
	t0 = now_s();
	for (int i = 0; i < HOOK_LOOPS; i++)
		prctl(PR_SET_NAME, name);
	return now_s() - t0;
}

static int run_stats(int prog, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		return -errno;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Time the loop bare and with the empty program attached, alternating. */
static int measure_hook(double *hook_ns, double *stats_ns, char *err, size_t errlen)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id = btf ? btf__find_by_name_kind(btf, "btf_trace_task_rename", BTF_KIND_TYPEDEF) : -1;
	int prog, link, stats;
	double best, diffs[HOOK_ROUNDS];
	__u64 c0 = 0, t0 = 0, c1 = 0, t1 = 0;

	btf__free(btf);
	if (id < 0) {
		snprintf(err, errlen, "no task:task_rename tracepoint in the kernel's BTF");
		return -ENOENT;
	}
	prog = probe_cost__empty_tracing(BPF_TRACE_RAW_TP, id, 0);
	if (prog < 0) {
		snprintf(err, errlen, "an empty program on task_rename failed to load: %s",
			 strerror(-prog));
		return prog;
	}
	/* Alternating rounds, the median difference: the machine's noise comes and goes. */
	for (int rep = 0; rep < HOOK_ROUNDS; rep++) {
		double bare = loop_seconds(), with;

		link = bpf_raw_tracepoint_open(NULL, prog);
		if (link < 0) {
			snprintf(err, errlen,
				 "attaching an empty program to task_rename failed: %s",
				 strerror(errno));
			close(prog);
			return -errno;
		}
		with = loop_seconds();
		close(link);
		diffs[rep] = (with - bare) * 1e9 / HOOK_LOOPS;
	}
	qsort(diffs, HOOK_ROUNDS, sizeof(diffs[0]), cmp_double);
	best = diffs[HOOK_ROUNDS / 2];
	*hook_ns = best > 0 ? best : 0;
	/* bpf_stats' own part of a run: what it reports for the empty program. */
	*stats_ns = 0;
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	link = stats >= 0 ? bpf_raw_tracepoint_open(NULL, prog) : -1;
	if (link >= 0 && !run_stats(prog, &c0, &t0)) {
		loop_seconds();
		if (!run_stats(prog, &c1, &t1) && c1 > c0)
			*stats_ns = (double)(t1 - t0) / (double)(c1 - c0);
	}
	if (link >= 0)
		close(link);
	if (stats >= 0)
		close(stats);
	close(prog);
	return 0;
}

static void boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

int probes__hook_cost(double *hook_ns, double *stats_ns, bool fresh, char *err, size_t errlen)
{
	char boot[64], cached[64];
	FILE *f;
	int rc;

	boot_id(boot, sizeof(boot));
	if (!fresh && (f = fopen(HOOK_COST_CACHE, "r"))) {
		rc = fscanf(f, "%63s %lf %lf", cached, hook_ns, stats_ns);
		fclose(f);
		if (rc == 3 && !strcmp(cached, boot))
			return 0;
	}
	rc = measure_hook(hook_ns, stats_ns, err, errlen);
	if (rc)
		return rc;
	mkdir("/run/netstage", 0755);
	f = fopen(HOOK_COST_CACHE, "w");
	if (f) {
		fprintf(f, "%s %.2f %.2f\n", boot, *hook_ns, *stats_ns);
		fclose(f);
	}
	return 0;
}

/* Packets the programs saw at their first stage, followed or not, over every CPU. */
static __u64 packets_seen(const struct probes *l)
{
	struct ns_cpu *cpus = calloc(l->n_cpus, sizeof(*cpus));
	__u32 zero = 0;
	__u64 n = 0;

	if (cpus && !bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.cpus), &zero, cpus))
		for (int c = 0; c < l->n_cpus; c++)
			n += cpus[c].counters[NS_CNT_STARTED] + cpus[c].counters[NS_CNT_MIDWAY] +
			     cpus[c].counters[NS_CNT_SAMPLED_OUT] +
			     cpus[c].counters[NS_CNT_IGNORED];
	free(cpus);
	return n;
}

/* The kind of a program, as the probes count its cost (netstage.h). */
static int prog_kind(const struct bpf_program *prog)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = {
	    {"tx_queue", NS_PROG_TX_QUEUE},
	    {"tx_start", NS_PROG_TX_START},
	    {"rx_enqueue", NS_PROG_RX_ENQUEUE},
	    {"tx_done", NS_PROG_TX_DONE},
	    {"rx_core", NS_PROG_RX_CORE},
	    {"sock_enqueue", NS_PROG_SOCK_ENQUEUE},
	    {"sock_enqueue_pc", NS_PROG_SOCK_ENQUEUE},
	    {"deliver", NS_PROG_DELIVER},
	    {"sock_recv", NS_PROG_SOCK_RECV},
	    {"drop", NS_PROG_DROP},
	    {"drop_noreason", NS_PROG_DROP},
	    {"softirq_entry", NS_PROG_SOFTIRQ},
	    {"softirq_exit", NS_PROG_SOFTIRQ},
	    {"napi_poll", NS_PROG_NAPI},
	    {"nf_pre", NS_PROG_NETFILTER},
	    {"nf_nat", NS_PROG_NETFILTER},
	    {"nf_post", NS_PROG_NETFILTER},
	};
	const char *name = bpf_program__name(prog);
	enum bpf_attach_type t = bpf_program__expected_attach_type(prog);

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(name, kinds[i].name))
			return kinds[i].kind;
	return t == BPF_TRACE_FENTRY || t == BPF_TRACE_FEXIT ? NS_PROG_MODULE : NS_PROG_OTHER;
}

void probes__set_costs(struct probes *l, const double *per_prog)
{
	double sum[NS_PROG_KINDS] = {0};
	int n[NS_PROG_KINDS] = {0}, i = 0;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, l->skel->obj)
	{
		int k = prog_kind(prog);

		if (bpf_program__fd(prog) >= 0 && (!per_prog || per_prog[i] >= 0)) {
			sum[k] += per_prog ? per_prog[i] : l->hook_ns;
			n[k]++;
		}
		i++;
	}
	for (int k = 0; k < NS_PROG_KINDS; k++)
		l->skel->bss->prog_cost_ns[k] = (__u32)(n[k] ? sum[k] / n[k] + 0.5 : l->hook_ns);
}

/* Run counts and times of every loaded program, in the skeleton's order. */
static void prog_stats(const struct probes *l, __u64 *cnt, __u64 *ns)
{
	struct bpf_program *prog;
	int i = 0;

	bpf_object__for_each_program(prog, l->skel->obj)
	{
		cnt[i] = ns[i] = 0;
		if (bpf_program__fd(prog) >= 0)
			run_stats(bpf_program__fd(prog), &cnt[i], &ns[i]);
		i++;
	}
}

static bool nap(struct probes_cost *k, unsigned int ms)
{
	return clock__nap(&k->wake, &k->lock, &k->stop, ms);
}

/* Half a second of bpf_stats once the traffic flows; again later if too little flowed. */
static void *calibrate(void *arg)
{
	struct probes *l = arg;
	struct probes_cost *k = l->cost;
	int n = l->skel->skeleton->prog_cnt;
	__u64 *c0 = calloc(n, sizeof(__u64)), *t0 = calloc(n, sizeof(__u64));
	__u64 *c1 = calloc(n, sizeof(__u64)), *t1 = calloc(n, sizeof(__u64));
	double *per_prog = calloc(n, sizeof(double));

	pthread_mutex_lock(&k->lock);
	if (!c0 || !t0 || !c1 || !t1 || !per_prog || nap(k, CAL_DELAY_MS))
		goto out;
	while (!k->done) {
		int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		double runs = 0, body = 0;
		__u64 p0, p1;

		if (fd < 0) {
			snprintf(k->method, sizeof(k->method), "not calibrated: bpf_stats: %s",
				 strerror(errno));
			break;
		}
		prog_stats(l, c0, t0);
		p0 = packets_seen(l);
		nap(k, CAL_MS);
		prog_stats(l, c1, t1);
		p1 = packets_seen(l);
		close(fd);
		if (k->stop)
			break;
		if (p1 - p0 < CAL_MIN_PACKETS) {
			if (nap(k, CAL_MS))
				break;
			continue;
		}
		for (int i = 0; i < n; i++) {
			double dc = (double)(c1[i] - c0[i]), dt = (double)(t1[i] - t0[i]);

			runs += dc;
			body += dt - dc * k->stats_ns;
			/* A run's cost inside the intervals: its hook's and its own above empty. */
			per_prog[i] =
			    dc > 0
				? k->hook_ns + (dt / dc > k->stats_ns ? dt / dc - k->stats_ns : 0)
				: -1;
		}
		probes__set_costs(l, per_prog);
		k->runs_per_packet = runs / (double)(p1 - p0);
		k->ns_per_packet = (body + runs * k->hook_ns) / (double)(p1 - p0);
		snprintf(
		    k->method, sizeof(k->method),
		    "bpf_stats over %.1f s of %llu packets, %.1f runs a packet, %.0f ns a hook",
		    CAL_MS / 1e3, (unsigned long long)(p1 - p0), k->runs_per_packet, k->hook_ns);
		k->done = true;
	}
out:
	pthread_mutex_unlock(&k->lock);
	free(c0);
	free(t0);
	free(c1);
	free(t1);
	free(per_prog);
	return NULL;
}

int probes__cost_begin(struct probes *l, struct result *r)
{
	struct probes_cost *k;

	snprintf(r->config.stages, sizeof(r->config.stages), "%s", stage_set__name(l->stage_set));
	r->config.sample =
	    l->skel->rodata->cfg.sample_every > 1 ? l->skel->rodata->cfg.sample_every : 0;
	probes__duty_config(l, &r->config.duty_pct, &r->config.duty_period_ms);
	r->cost.known = true;
	r->cost.memory_bytes = l->memory;
	r->cost.memory_cpus = l->n_cpus;
	if (l->cost)
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	l->cost = k;
	pthread_mutex_init(&k->lock, NULL);
	clock__cond_init(&k->wake);
	k->busy0 = busy_ticks();
	clock_gettime(CLOCK_MONOTONIC, &k->t0);
	if (l->no_calibrate) {
		snprintf(k->method, sizeof(k->method), "not estimated (--no-calibrate)");
		return 0;
	}
	if (l->hook_ns < 0) {
		snprintf(k->method, sizeof(k->method), "not calibrated: %.70s", l->hook_why);
		return 0;
	}
	k->hook_ns = l->hook_ns;
	k->stats_ns = l->stats_ns;
	snprintf(k->method, sizeof(k->method),
		 "not calibrated: the measurement ended before traffic was seen for %d ms", CAL_MS);
	if (pthread_create(&k->thread, NULL, calibrate, l) == 0)
		k->started = true;
	return 0;
}

static void cost_stop(struct probes_cost *k)
{
	if (!k->started)
		return;
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	k->started = false;
}

void probes__cost_end(struct probes *l, struct result *r)
{
	struct probes_cost *k = l->cost;
	unsigned long long busy;
	__u64 seen;

	if (!k)
		return;
	cost_stop(k);
	busy = busy_ticks() - k->busy0;
	seen = r->counters[NS_CNT_STARTED] + r->counters[NS_CNT_MIDWAY] +
	       r->counters[NS_CNT_SAMPLED_OUT] + r->counters[NS_CNT_IGNORED];
	snprintf(r->cost.method, sizeof(r->cost.method), "%s", k->method);
	r->cost.windows = probes__duty_windows(l);
	if (!k->done)
		return;
	r->cost.ns_per_packet = k->ns_per_packet;
	r->cost.probe_seconds = k->ns_per_packet * (double)seen / 1e9;
	if (busy)
		r->cost.cpu_share = r->cost.probe_seconds / ((double)busy / sysconf(_SC_CLK_TCK));
}

void probes__cost_free(struct probes *l)
{
	if (!l->cost)
		return;
	cost_stop(l->cost);
	pthread_cond_destroy(&l->cost->wake);
	pthread_mutex_destroy(&l->cost->lock);
	free(l->cost);
	l->cost = NULL;
}
