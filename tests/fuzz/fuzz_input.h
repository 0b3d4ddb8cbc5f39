/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The readers take a path, as `netstage report` gives them: a fuzz input is
 * handed over as an in-memory file, /proc/self/fd/N, so the exact reading
 * functions run, opening and all.
 */
#ifndef NETSTAGE_FUZZ_INPUT_H
#define NETSTAGE_FUZZ_INPUT_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

/* An in-memory file holding data[0..size-1]; its path in path. -1 if it cannot be made. */
static inline int fuzz_input(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* Where the printers write: nowhere, but through real stdio. */
static inline FILE *fuzz_sink(void)
{
	static FILE *sink;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	return sink;
}

#endif /* NETSTAGE_FUZZ_INPUT_H */
