/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw per-packet stage events (--raw FILE.gz), docs/RAW.md: the file format
 * and its reader. A gzip stream of a header, a slot table, then records.
 */
#ifndef NETSTAGE_RAW_H
#define NETSTAGE_RAW_H

#include <stdio.h>
#include <zlib.h>
#include "netstage.h"

#define RAW_MAGIC     "NSRAW01\n" /* 8 bytes */
#define RAW_VERSION   1
#define RAW_MAX_SLOTS 65536 /* an event's slot is a __u16 */

/* All fields little-endian, as the machine that wrote them (x86). */
struct raw_header {
	char magic[8];
	__u32 version;
	__u32 record_size;  /* sizeof(struct ns_event) */
	__u32 n_slots;	    /* raw_slot entries that follow */
	__u32 sample_every; /* events are of 1 packet in N */
};

/* What an event's slot number means: the device (or devices) it stands for. */
struct raw_slot {
	char ifname[24];
	char netns[56];
	__u8 kind;	  /* enum ns_dev_kind */
	__u8 master_kind; /* enum ns_dev_kind of its master, 0xff when none */
	__u16 n_devices;
	__u32 ifindex;
	__u32 netns_inum;
	__u32 pad;
};

struct raw_reader {
	gzFile gz;
	struct raw_header h;
	struct raw_slot *slots;
	char path[256];
};

/* Open and check a raw file; a clear error names the file and what is wrong. */
int raw_reader__open(struct raw_reader *r, const char *path, char *err, size_t errlen);
/* The next record: 1, 0 at the end, -EIO when the file is truncated or damaged. */
int raw_reader__next(struct raw_reader *r, struct ns_event *e);
void raw_reader__close(struct raw_reader *r);

/*
 * Group the events into packets and print what fired for them: every
 * distinct path (the sequence of stage@device) with how many packets took
 * it, then the first max_paths packets with the time between stages.
 */
int raw_reader__print(struct raw_reader *r, FILE *out, int max_paths);

#endif /* NETSTAGE_RAW_H */
