// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <bpf/libbpf.h>
#include "user/raw_writer.h"
#include "analysis/raw.h"
#include "stages.skel.h"

struct raw_writer {
	struct ring_buffer *rb;
	gzFile gz;
	pthread_t thread;
	volatile int stop;
	unsigned long long written;
	int error;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct raw_writer *w = ctx;

	if (size < sizeof(struct ns_event))
		return 0;
	if (gzwrite(w->gz, data, sizeof(struct ns_event)) != (int)sizeof(struct ns_event)) {
		w->error = -EIO;
		return -EIO;
	}
	w->written++;
	return 0;
}

static void *drain(void *arg)
{
	struct raw_writer *w = arg;

	while (!w->stop && !w->error)
		ring_buffer__poll(w->rb, 100);
	return NULL;
}

static int write_header(struct raw_writer *w, const struct probes *l)
{
	const struct topo *t = l->topo;
	struct raw_header h = {.version = RAW_VERSION,
			       .record_size = sizeof(struct ns_event),
			       .n_slots = l->n_slots,
			       .sample_every = l->skel->rodata->cfg.raw_every};

	memcpy(h.magic, RAW_MAGIC, 8);
	if (gzwrite(w->gz, &h, sizeof(h)) != (int)sizeof(h))
		return -EIO;
	for (int i = 0; i < l->n_slots; i++) {
		const struct topo_dev *d = &t->devs[l->slots[i].dev];
		const struct topo_ns *ns = &t->ns[d->ns];
		struct raw_slot s = {.kind = d->kind,
				     .master_kind = d->master >= 0 ? t->devs[d->master].kind : 0xff,
				     .n_devices = l->slots[i].n_devs,
				     .ifindex = d->ifindex,
				     .netns_inum = ns->inum};

		snprintf(s.ifname, sizeof(s.ifname), "%s", l->slots[i].name);
		snprintf(s.netns, sizeof(s.netns), "%.55s", ns->name[0] ? ns->name : ns->path);
		if (gzwrite(w->gz, &s, sizeof(s)) != (int)sizeof(s))
			return -EIO;
	}
	return 0;
}

int raw_writer__start(struct raw_writer **out, struct probes *l, const char *path, char *err,
		      size_t errlen)
{
	struct raw_writer *w = calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "%s: out of memory for the raw event writer", path);
		return -ENOMEM;
	}
	w->gz = gzopen(path, "wb6");
	if (!w->gz) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: cannot write the raw events: %s", path, strerror(-rc));
		free(w);
		return rc;
	}
	rc = write_header(w, l);
	if (!rc) {
		w->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_event, w, NULL);
		rc = w->rb ? 0 : -errno;
	}
	if (!rc)
		rc = -pthread_create(&w->thread, NULL, drain, w);
	if (rc) {
		snprintf(err, errlen, "%s: starting the raw event writer failed: %s", path,
			 strerror(-rc));
		ring_buffer__free(w->rb);
		gzclose(w->gz);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int raw_writer__stop(struct raw_writer *w, unsigned long long *written)
{
	int rc;

	if (!w)
		return 0;
	w->stop = 1;
	pthread_join(w->thread, NULL);
	ring_buffer__consume(w->rb);
	ring_buffer__free(w->rb);
	rc = w->error;
	if (gzclose(w->gz) != Z_OK && !rc)
		rc = -EIO;
	if (written)
		*written = w->written;
	free(w);
	return rc;
}
