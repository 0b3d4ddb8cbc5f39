// SPDX-License-Identifier: GPL-2.0
/*
 * Attach bench/empty.bpf.c's programs and wait for SIGINT/SIGTERM: the floor
 * of the overhead benchmark's bpf_stats pass. Prints "attached" when ready.
 * With --blocks it also loads the building-block programs (b_*); without, the
 * hooks carry only empty programs, the floor of the throughput runs.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "empty.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	bool blocks = argc > 1 && !strcmp(argv[1], "--blocks");
	struct empty_bpf *skel = empty_bpf__open();

	if (skel && !blocks) {
		bpf_program__set_autoload(skel->progs.b_clock, false);
		bpf_program__set_autoload(skel->progs.b_array, false);
		bpf_program__set_autoload(skel->progs.b_hash, false);
	}
	if (!skel || empty_bpf__load(skel) || empty_bpf__attach(skel)) {
		fprintf(stderr, "empty_probes: loading or attaching failed\n");
		empty_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	empty_bpf__destroy(skel);
	return 0;
}
