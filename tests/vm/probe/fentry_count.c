// SPDX-License-Identifier: GPL-2.0
/*
 * fentry_count [--time] FUNC IFNAME -- COMMAND [ARG]...
 *
 * Attach fentry and fexit to the module function FUNC (a transmit function
 * taking (skb, dev)), run COMMAND, then print how often FUNC ran on the
 * device IFNAME ("*": any device): "entries=N exits=N tx_ok=N". With --time,
 * also " timed=N mean_ns=X": its mean time from entry to exit. A VM test
 * helper: it proves that module-function probes load, attach and count
 * exactly on a distro kernel (tests/vm/cases/fentry_count.sh), and times a
 * function with nothing nested (tests/vm/cases/xmit_truth.sh).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "fentry_count.skel.h"

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Warnings and errors only: the verifier log matters when load fails. */
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct fentry_count_bpf *skel = NULL;
	int err, status, rc = 1;
	bool timing = false;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--time")) {
		timing = true;
		argv++;
		argc--;
	}
	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: fentry_count [--time] FUNC IFNAME -- COMMAND [ARG]...\n");
		return 2;
	}
	if (strlen(argv[2]) >= 16) {
		fprintf(stderr, "fentry_count: interface name '%s' is longer than 15 characters\n",
			argv[2]);
		return 2;
	}
	libbpf_set_print(print_libbpf);

	skel = fentry_count_bpf__open();
	if (!skel) {
		fprintf(stderr, "fentry_count: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(argv[2], "*"))
		skel->rodata->any_dev = true;
	else
		strncpy((char *)skel->rodata->ifname, argv[2], 15);
	err = bpf_program__set_attach_target(skel->progs.on_entry, 0, argv[1]);
	if (!err)
		err = bpf_program__set_attach_target(skel->progs.on_exit, 0, argv[1]);
	if (err) {
		fprintf(stderr, "fentry_count: cannot target %s: %s\n", argv[1], strerror(-err));
		goto out;
	}
	err = fentry_count_bpf__load(skel);
	if (err) {
		fprintf(stderr, "fentry_count: loading fentry/fexit on %s failed: %s\n", argv[1],
			strerror(-err));
		fprintf(stderr,
			"fentry_count: fentry needs CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS "
			"and BTF for the module that holds %s (is it loaded?)\n",
			argv[1]);
		goto out;
	}
	err = fentry_count_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "fentry_count: attaching to %s failed: %s\n", argv[1],
			strerror(-err));
		goto out;
	}

	pid = fork();
	if (pid < 0) {
		perror("fentry_count: fork");
		goto out;
	}
	if (pid == 0) {
		execvp(argv[4], argv + 4);
		fprintf(stderr, "fentry_count: cannot run %s: %s\n", argv[4], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("fentry_count: waitpid");
		goto out;
	}
	printf("entries=%llu exits=%llu tx_ok=%llu", (unsigned long long)skel->bss->entries,
	       (unsigned long long)skel->bss->exits, (unsigned long long)skel->bss->exits_tx_ok);
	if (timing)
		printf(" timed=%llu mean_ns=%.1f", (unsigned long long)skel->bss->timed,
		       skel->bss->timed ? (double)skel->bss->time_ns / skel->bss->timed : 0.0);
	printf("\n");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
	} else {
		fprintf(stderr, "fentry_count: the command failed (wait status %d)\n", status);
	}
out:
	fentry_count_bpf__destroy(skel);
	return rc;
}
