// SPDX-License-Identifier: GPL-2.0
/*
 * Attach bench/empty.bpf.c's programs and wait for SIGINT/SIGTERM: the floor
 * of the overhead benchmark's bpf_stats pass. Prints "attached" when ready.
 * With --blocks it also loads the building-block programs (b_*); without, the
 * hooks carry only empty programs, the floor of the throughput runs. With
 * --hops only the hooks of netstage's light stage set (--stages hops): the
 * softirq's two among them where netstage needs them (user/probes.c: the
 * kernel lists no preempt count in kallsyms).
 */
#include <signal.h>
#include <stdbool.h>
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

static bool kallsyms_has(const char *a, const char *b)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		const char *name = strrchr(line, ' ');

		line[strcspn(line, "\n")] = '\0';
		found = name && (!strcmp(name + 1, a) || !strcmp(name + 1, b));
	}
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	bool blocks = argc > 1 && !strcmp(argv[1], "--blocks");
	bool hops = argc > 1 && !strcmp(argv[1], "--hops");
	struct empty_bpf *skel = empty_bpf__open();

	if (skel && !blocks) {
		bpf_program__set_autoload(skel->progs.b_clock, false);
		bpf_program__set_autoload(skel->progs.b_array, false);
		bpf_program__set_autoload(skel->progs.b_hash, false);
		bpf_program__set_autoload(skel->progs.b_sk_storage, false);
		bpf_program__set_autoload(skel->progs.b_sock_table, false);
		/* Not a hook of netstage's: only the blocks' floor. */
		bpf_program__set_autoload(skel->progs.e_softirq_raise, false);
	}
	if (skel && hops) {
		struct bpf_program *off[] = {skel->progs.e_tx_start,
					     skel->progs.e_rx_enqueue,
					     skel->progs.e_tx_done,
					     skel->progs.e_napi_poll,
					     NULL,
					     NULL};

		if (kallsyms_has("__preempt_count", "pcpu_hot")) {
			off[4] = skel->progs.e_softirq_entry;
			off[5] = skel->progs.e_softirq_exit;
		}
		for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
			if (off[i])
				bpf_program__set_autoload(off[i], false);
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
