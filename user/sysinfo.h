/* SPDX-License-Identifier: GPL-2.0 */
/* sysinfo: what a result records about the machine it was measured on. */
#ifndef NETSTAGE_SYSINFO_H
#define NETSTAGE_SYSINFO_H

#include "analysis/result.h"
#include "user/loader.h"

/* Kernel release and the probe features into r. */
void sysinfo__fill(struct result *r, const struct probe_report *pr);

#endif /* NETSTAGE_SYSINFO_H */
