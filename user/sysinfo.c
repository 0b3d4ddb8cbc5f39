// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/utsname.h>
#include <iperf_api.h>
#include "user/sysinfo.h"

/* What shapes container throughput: backlog, budgets, buffers, busy polling, qdisc, BPF. */
static const char *const sysctls[] = {
    "net.core.netdev_max_backlog",
    "net.core.netdev_budget",
    "net.core.netdev_budget_usecs",
    "net.core.dev_weight",
    "net.core.rmem_default",
    "net.core.rmem_max",
    "net.core.wmem_default",
    "net.core.wmem_max",
    "net.core.busy_poll",
    "net.core.busy_read",
    "net.core.default_qdisc",
    "net.core.rps_sock_flow_entries",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_mem",
    "net.ipv4.udp_mem",
    "net.ipv4.udp_rmem_min",
    "net.ipv4.tcp_congestion_control",
    "net.core.bpf_jit_enable",
    "kernel.bpf_stats_enabled",
};

/* Copy at most len - 1 characters: values longer than the result keeps are cut. */
static void copy_cut(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* One line of a file, trimmed, tabs and runs of blanks made one space. 0 or -1. */
static int read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	char buf[256], *s, *d;

	if (!f)
		return -1;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!s)
		return -1;
	for (d = buf; *s; s++) {
		if (isspace((unsigned char)*s)) {
			if (d > buf && d[-1] != ' ')
				*d++ = ' ';
		} else {
			*d++ = *s;
		}
	}
	while (d > buf && d[-1] == ' ')
		d--;
	*d = '\0';
	copy_cut(out, len, buf);
	return 0;
}

static void sysctl_path(const char *name, char *path, size_t len)
{
	size_t n = snprintf(path, len, "/proc/sys/%s", name);

	for (size_t i = strlen("/proc/sys/"); i < n && i < len; i++)
		if (path[i] == '.')
			path[i] = '/';
}

/* The value of KEY=... in an os-release file, unquoted. */
static void os_release(char *out, size_t len)
{
	static const char *const files[] = {"/etc/os-release", "/usr/lib/os-release"};
	char line[256];

	snprintf(out, len, "unknown");
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *v = line + strlen("PRETTY_NAME=");

			if (strncmp(line, "PRETTY_NAME=", strlen("PRETTY_NAME=")))
				continue;
			v[strcspn(v, "\n")] = '\0';
			if (*v == '"' && v[1]) {
				v++;
				v[strcspn(v, "\"")] = '\0';
			}
			copy_cut(out, len, v);
			break;
		}
		fclose(f);
		return;
	}
}

static void cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		copy_cut(out, len, colon);
		break;
	}
	fclose(f);
}

void sysinfo__fill(struct result *r, const struct probe_report *pr)
{
	struct result_system *s = &r->system;
	struct utsname u;
	char path[128];

	if (uname(&u) == 0)
		snprintf(r->kernel_release, sizeof(r->kernel_release), "%s", u.release);
	probes__report_features(pr, r);

	s->present = true;
	os_release(s->distribution, sizeof(s->distribution));
	cpu_model(s->cpu_model, sizeof(s->cpu_model));
	s->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(s->iperf_version, sizeof(s->iperf_version), "%s", iperf_get_iperf_version());
	s->n_sysctls = 0;
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		if (s->n_sysctls == RESULT_MAX_SYSCTLS)
			break;
		sysctl_path(sysctls[i], path, sizeof(path));
		if (read_line(path, s->sysctls[s->n_sysctls].value, sizeof(s->sysctls[0].value)))
			continue;
		snprintf(s->sysctls[s->n_sysctls].name, sizeof(s->sysctls[0].name), "%s",
			 sysctls[i]);
		s->n_sysctls++;
	}
}
