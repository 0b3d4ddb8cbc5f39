// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the raw event reader (analysis/raw.c) as `netstage
 * report --raw` runs it, on any file: gzip or not (zlib reads both).
 */
#include "fuzz_input.h"
#include "analysis/raw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct raw_reader rr;
	char path[64], err[512];
	int fd = fuzz_input(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
	if (raw_reader__open(&rr, path, err, sizeof(err)) == 0) {
		raw_reader__print(&rr, fuzz_sink(), 10);
		raw_reader__close(&rr);
	}
	close(fd);
	return 0;
}
