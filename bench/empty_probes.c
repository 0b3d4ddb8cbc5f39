// SPDX-License-Identifier: GPL-2.0
/*
 * Attach bench/empty.bpf.c's programs and wait for SIGINT/SIGTERM: the floor
 * of the overhead benchmark's bpf_stats pass. Prints "attached" when ready.
 * With --blocks it also loads the building-block programs (b_*); without, the
 * hooks carry only empty programs, the floor of the throughput runs. With
 * --hops only the hooks of netstage's light stage set (--stages hops), as
 * user/probes.c chooses them (probes__in_hops). With --duty PCT:PERIOD_MS the
 * programs are attached PCT % of every period and detached between, as
 * netstage's time sampling does it: the floor of --duty, attaching and
 * detaching included. With --clock the programs on the hooks where netstage
 * times an interval read the clock once: the floor of any probe that
 * timestamps each stage.
 */
#include <signal.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "empty.skel.h"
#include "user/probes.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void nap_ms(unsigned int ms)
{
	struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (!stop && nanosleep(&t, &t))
		;
}

/*
 * Attached as netstage's time sampling is (probes__duty_split: its settle,
 * window and drain are all attached time), detached the rest of each
 * period, until told to stop.
 */
static int duty_cycle(struct empty_bpf *skel, const struct probes_duty_split *d)
{
	unsigned int attached = d->settle_ms + d->on_ms + d->drain_ms;

	while (!stop) {
		nap_ms(attached);
		empty_bpf__detach(skel);
		nap_ms(d->off_ms);
		if (!stop && empty_bpf__attach(skel)) {
			fprintf(stderr, "empty_probes: attaching again failed\n");
			return 1;
		}
	}
	return 0;
}

/*
 * Which programs load, by name: on each hook the empty one (e_) or, with
 * clock, the one that reads the clock (c_) where the set times an interval
 * there; the building blocks (b_) and their hook's empty program with
 * blocks; with hops only the hooks of netstage's light set
 * (probes__in_hops), which marks softirq runs without timing them.
 */
static void choose_programs(struct bpf_object *obj, bool blocks, bool hops, bool clock)
{
	bool preempt_count = probes__preempt_count_readable();
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog), *hook = name + 2;
		char timed[64];
		bool load;

		snprintf(timed, sizeof(timed), "c_%s", hook);
		if (name[0] == 'b') {
			load = blocks;
		} else if (!strcmp(hook, "softirq_raise")) {
			/* Not a hook of netstage's: only the blocks' floor. */
			load = blocks && name[0] == 'e';
		} else if (hops && !probes__in_hops(hook, preempt_count)) {
			load = false;
		} else {
			bool clocked = clock && bpf_object__find_program_by_name(obj, timed) &&
				       !(hops && !strncmp(hook, "softirq_", 8));

			load = name[0] == (clocked ? 'c' : 'e');
		}
		bpf_program__set_autoload(prog, load);
	}
}

int main(int argc, char **argv)
{
	bool blocks = false, hops = false, duty = false, clock = false;
	unsigned int pct = 0, period = 0;
	struct probes_duty_split split;
	struct empty_bpf *skel;
	char err[256];
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--blocks"))
			blocks = true;
		else if (!strcmp(argv[i], "--hops"))
			hops = true;
		else if (!strcmp(argv[i], "--clock"))
			clock = true;
		else if (!strcmp(argv[i], "--duty") && i + 1 < argc &&
			 sscanf(argv[++i], "%u:%u", &pct, &period) == 2)
			duty = true;
		else {
			fprintf(stderr, "usage: empty_probes [--blocks | --hops] [--clock] [--duty "
					"PCT:PERIOD_MS]\n");
			return 2;
		}
	}
	if (duty && probes__duty_split(pct, period, &split, err, sizeof(err))) {
		fprintf(stderr, "empty_probes: %s\n", err);
		return 2;
	}
	skel = empty_bpf__open();
	if (skel)
		choose_programs(skel->obj, blocks, hops, clock);
	if (!skel || empty_bpf__load(skel) || empty_bpf__attach(skel)) {
		fprintf(stderr, "empty_probes: loading or attaching failed\n");
		empty_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	if (duty)
		rc = duty_cycle(skel, &split);
	else
		while (!stop)
			pause();
	empty_bpf__destroy(skel);
	return rc;
}
