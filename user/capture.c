// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "user/capture.h"
#include "user/collect.h"

int capture__start(struct probes **probes, struct raw_writer **raw, const struct probes_opts *o,
		   const char *raw_path, char *err, size_t errlen)
{
	int rc;

	*probes = NULL;
	if (raw)
		*raw = NULL;
	if (errlen)
		err[0] = '\0';
	rc = probes__start(probes, o, err, errlen);
	if (!rc)
		rc = collect__begin(*probes, err, errlen);
	if (!rc && raw_path)
		rc = raw_writer__start(raw, *probes, raw_path, err, errlen);
	if (!rc)
		return 0;
	/* Each step names its own failure; this is for one that forgot (a bug). */
	if (errlen && !err[0])
		snprintf(err, errlen, "starting the probes failed: %s",
			 strerror(rc < 0 ? -rc : rc));
	probes__destroy(*probes);
	*probes = NULL;
	return rc < 0 ? rc : -EIO;
}
