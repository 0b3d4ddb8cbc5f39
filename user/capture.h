/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture: what run, profile and sweep start together before they measure:
 * the probes loaded and attached (user/probes.c), their collection's first
 * window begun (user/collect.c) and, given a path, the raw event writer
 * (user/raw_writer.c). One call, one error message.
 */
#ifndef NETSTAGE_CAPTURE_H
#define NETSTAGE_CAPTURE_H

#include <stddef.h>
#include "user/probes.h"
#include "user/raw_writer.h"

/*
 * Start all three (raw_path NULL: no raw writer; raw may then be NULL). 0,
 * or -errno with err saying what failed and why, always, and nothing left
 * started (*probes and *raw NULL).
 */
int capture__start(struct probes **probes, struct raw_writer **raw, const struct probes_opts *o,
		   const char *raw_path, char *err, size_t errlen);

#endif /* NETSTAGE_CAPTURE_H */
