/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raw_writer: drain the probes' ring buffer of per-packet stage events into
 * a gzip file (format: analysis/raw.h, docs/RAW.md) from a thread of its own.
 */
#ifndef NETSTAGE_RAW_WRITER_H
#define NETSTAGE_RAW_WRITER_H

#include "user/probes.h"

struct raw_writer;

/* Start writing the events of l (loaded with raw_every > 0) to path. */
int raw_writer__start(struct raw_writer **out, struct probes *l, const char *path, char *err,
		      size_t errlen);
/* Drain what is left, close the file and free w; *written events. NULL is fine. */
int raw_writer__stop(struct raw_writer *w, unsigned long long *written);

#endif /* NETSTAGE_RAW_WRITER_H */
