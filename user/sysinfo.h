/* SPDX-License-Identifier: GPL-2.0 */
/* sysinfo: what a result records about the machine it was measured on. */
#ifndef NETSTAGE_SYSINFO_H
#define NETSTAGE_SYSINFO_H

#include "analysis/result.h"
#include "user/probes.h"

/*
 * Kernel release, the probe features, and the machine: distribution, CPU
 * model and count, iperf3's version, the sysctls that shape network
 * throughput (read in netstage's own namespace, which new namespaces copy).
 */
void sysinfo__fill(struct result *r, const struct probe_report *pr);

#endif /* NETSTAGE_SYSINFO_H */
