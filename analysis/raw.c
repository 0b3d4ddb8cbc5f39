// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/raw.h"
#include "analysis/stage.h"

int raw_reader__open(struct raw_reader *r, const char *path, char *err, size_t errlen)
{
	size_t slots_len;

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->gz = gzopen(path, "rb");
	if (!r->gz) {
		snprintf(err, errlen, "%s: cannot open the raw events: %s", path, strerror(errno));
		return -errno ? -errno : -EIO;
	}
	if (gzread(r->gz, &r->h, sizeof(r->h)) != (int)sizeof(r->h) ||
	    memcmp(r->h.magic, RAW_MAGIC, 8)) {
		snprintf(err, errlen,
			 "%s: not a netstage raw event file (written by --raw FILE.gz)", path);
		goto fail;
	}
	if (r->h.version != RAW_VERSION || r->h.record_size != sizeof(struct ns_event)) {
		snprintf(err, errlen,
			 "%s: raw format version %u with %u-byte records; this netstage reads "
			 "version %u with %zu-byte records",
			 path, r->h.version, r->h.record_size, RAW_VERSION,
			 sizeof(struct ns_event));
		goto fail;
	}
	/* Events name their slot in 16 bits: a larger table is damage, not a bigger file. */
	if (r->h.n_slots > RAW_MAX_SLOTS) {
		snprintf(err, errlen,
			 "%s: the header claims %u device slots, more than the %u events can name: "
			 "the file is damaged",
			 path, r->h.n_slots, RAW_MAX_SLOTS);
		goto fail;
	}
	slots_len = (size_t)r->h.n_slots * sizeof(*r->slots);
	r->slots = calloc(r->h.n_slots ? r->h.n_slots : 1, sizeof(*r->slots));
	if (!r->slots || (slots_len && gzread(r->gz, r->slots, slots_len) != (int)slots_len)) {
		snprintf(err, errlen, "%s: the slot table is truncated", path);
		goto fail;
	}
	/* Names are printed as strings: a damaged file must not run past them. */
	for (__u32 i = 0; i < r->h.n_slots; i++) {
		r->slots[i].ifname[sizeof(r->slots[i].ifname) - 1] = '\0';
		r->slots[i].netns[sizeof(r->slots[i].netns) - 1] = '\0';
	}
	return 0;
fail:
	raw_reader__close(r);
	return -EINVAL;
}

int raw_reader__next(struct raw_reader *r, struct ns_event *e)
{
	int n = gzread(r->gz, e, sizeof(*e));

	if (n == (int)sizeof(*e))
		return 1;
	return n == 0 ? 0 : -EIO;
}

void raw_reader__close(struct raw_reader *r)
{
	if (r->gz)
		gzclose(r->gz);
	free(r->slots);
	r->gz = NULL;
	r->slots = NULL;
}

/* ---- grouping events into packets ---- */

/*
 * Steps kept per packet: a NAT or VXLAN path with the module probes (fentry) has
 * about 30; the rest is counted, and the path says so.
 */
#define MAX_STEPS  48
#define OPEN_SLOTS 65536

struct step {
	__u8 stage;
	__u16 slot;
	__u64 ts;
};

struct packet {
	__u64 skb;
	__u32 tag;
	int n;
	int more; /* steps past MAX_STEPS, not kept */
	struct step steps[MAX_STEPS];
};

struct signature {
	char *text;
	unsigned long long count;
};

static const char *slot_name(const struct raw_reader *r, __u16 slot)
{
	return slot < r->h.n_slots ? r->slots[slot].ifname : "?";
}

static void path_text(const struct raw_reader *r, const struct packet *p, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->n && used < len; i++)
		used +=
		    snprintf(buf + used, len - used, "%s%s@%s", i ? " " : "",
			     stage__name(p->steps[i].stage) ?: "?", slot_name(r, p->steps[i].slot));
	if (p->more && used < len)
		snprintf(buf + used, len - used, " (+%d steps not kept)", p->more);
}

static int cmp_sig(const void *a, const void *b)
{
	const struct signature *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->text, y->text);
}

static void add_signature(struct signature **sigs, int *n, const char *text)
{
	struct signature *s;

	for (int i = 0; i < *n; i++)
		if (!strcmp((*sigs)[i].text, text)) {
			(*sigs)[i].count++;
			return;
		}
	s = realloc(*sigs, sizeof(**sigs) * (*n + 1));
	if (!s)
		return;
	*sigs = s;
	s[*n].text = strdup(text);
	s[*n].count = 1;
	if (s[*n].text)
		(*n)++;
}

static void print_packet(const struct raw_reader *r, const struct packet *p, FILE *out)
{
	fprintf(out, "  packet %#llx/%08x:", (unsigned long long)p->skb, p->tag);
	for (int i = 0; i < p->n; i++) {
		if (i)
			fprintf(out, " +%lluns",
				(unsigned long long)(p->steps[i].ts - p->steps[i - 1].ts));
		fprintf(out, " %s@%s", stage__name(p->steps[i].stage) ?: "?",
			slot_name(r, p->steps[i].slot));
	}
	if (p->more)
		fprintf(out, " (+%d steps not kept)", p->more);
	fputc('\n', out);
}

/* A packet is complete when another starts on its skb, or at the end of the file. */
static void close_packet(const struct raw_reader *r, struct packet *p, struct signature **sigs,
			 int *n_sigs, int *printed, int max_paths, FILE *out,
			 unsigned long long *packets)
{
	char text[2048];

	if (!p->n)
		return;
	path_text(r, p, text, sizeof(text));
	add_signature(sigs, n_sigs, text);
	if (*printed < max_paths) {
		print_packet(r, p, out);
		(*printed)++;
	}
	(*packets)++;
	p->n = 0;
	p->more = 0;
}

int raw_reader__print(struct raw_reader *r, FILE *out, int max_paths)
{
	/* Packets are made as their slots are first used: most files fill few of them. */
	struct packet **open = calloc(OPEN_SLOTS, sizeof(*open));
	/* The slots in the order first used: the end visits these, not all of them. */
	__u32 *used = malloc(OPEN_SLOTS * sizeof(*used));
	struct signature *sigs = NULL;
	unsigned long long events = 0, packets = 0;
	int n_sigs = 0, printed = 0, n_used = 0, rc;
	struct ns_event e;

	if (!open || !used) {
		free(open);
		free(used);
		return -ENOMEM;
	}
	fprintf(out, "raw events of %s (1 packet in %u):\n", r->path,
		r->h.sample_every ? r->h.sample_every : 1);
	if (max_paths > 0)
		fprintf(out, "first packets, time from the previous stage:\n");
	while ((rc = raw_reader__next(r, &e)) == 1) {
		__u32 at = (__u32)(((e.skb >> 8) ^ e.tag) * 0x9E3779B1U) % OPEN_SLOTS;
		struct packet *p = open[at];

		if (!p) {
			p = open[at] = calloc(1, sizeof(*p));
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			used[n_used++] = at;
		}
		events++;
		if (p->n && (p->skb != e.skb || p->tag != e.tag || e.from == NS_STAGE_NONE))
			close_packet(r, p, &sigs, &n_sigs, &printed, max_paths, out, &packets);
		p->skb = e.skb;
		p->tag = e.tag;
		if (p->n < MAX_STEPS)
			p->steps[p->n++] = (struct step){e.stage, e.slot, e.ts};
		else
			p->more++;
	}
	for (int i = 0; i < n_used; i++) {
		close_packet(r, open[used[i]], &sigs, &n_sigs, &printed, max_paths, out, &packets);
		free(open[used[i]]);
	}
	if (n_sigs) /* a file without packets has no array to sort */
		qsort(sigs, n_sigs, sizeof(*sigs), cmp_sig);
	fprintf(out, "%llu events, %llu packets, %d distinct paths:\n", events, packets, n_sigs);
	for (int i = 0; i < n_sigs; i++) {
		fprintf(out, "%10llu  %s\n", sigs[i].count, sigs[i].text);
		free(sigs[i].text);
	}
	if (rc == -EIO)
		fprintf(out, "(the file ends inside a record: truncated)\n");
	free(sigs);
	free(open);
	free(used);
	return rc < 0 ? rc : 0;
}
