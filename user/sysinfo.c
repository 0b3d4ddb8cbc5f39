// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <sys/utsname.h>
#include "user/sysinfo.h"

void sysinfo__fill(struct result *r, const struct probe_report *pr)
{
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(r->kernel_release, sizeof(r->kernel_release), "%s", u.release);
	loader__report_features(pr, r);
}
