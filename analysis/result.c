// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "analysis/result.h"
#include "analysis/hist.h"
#include "analysis/json_read.h"
#include "analysis/stage.h"
#include "analysis/system.h"
#include "analysis/throughput.h"

static void *grow(void *arr, int n, size_t size)
{
	void *p = realloc(arr, (size_t)(n + 1) * size);

	if (!p)
		return NULL;
	memset((char *)p + (size_t)n * size, 0, size);
	return p;
}

static const char *get_str(json_object *o, const char *k)
{
	return jr_str(o, k);
}

static double get_dbl(json_object *o, const char *k)
{
	return jr_dbl(o, k);
}

static __u64 get_u64(json_object *o, const char *k)
{
	json_object *v = jr_get(o, k);

	/* json-c converts a double to an integer without checking it is finite. */
	if (json_object_is_type(v, json_type_double) && !isfinite(json_object_get_double(v)))
		return 0;
	return v ? json_object_get_uint64(v) : 0;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

struct stage_stat *result__add_stage(struct result *r)
{
	struct stage_stat *s = grow(r->stages, r->n_stages, sizeof(*s));

	if (!s)
		return NULL;
	r->stages = s;
	s = &r->stages[r->n_stages++];
	s->master_kind = -1;
	s->n_devices = 1;
	s->path = RESULT_PATH_ANY;
	return s;
}

struct stage_stat *result__add_span(struct result *r)
{
	struct stage_stat *s = grow(r->spans, r->n_spans, sizeof(*s));

	if (!s)
		return NULL;
	r->spans = s;
	s = &r->spans[r->n_spans++];
	s->master_kind = -1;
	s->n_devices = 1;
	s->path = RESULT_PATH_ANY;
	return s;
}

struct sock_stat *result__add_sock(struct result *r)
{
	struct sock_stat *k = grow(r->socks, r->n_socks, sizeof(*k));

	if (!k)
		return NULL;
	r->socks = k;
	return &r->socks[r->n_socks++];
}

struct netns_stat *result__add_netns(struct result *r)
{
	struct netns_stat *n = grow(r->namespaces, r->n_namespaces, sizeof(*n));

	if (!n)
		return NULL;
	r->namespaces = n;
	return &r->namespaces[r->n_namespaces++];
}

const struct netns_stat *result__find_netns(const struct result *r, const char *netns)
{
	for (int i = 0; netns && i < r->n_namespaces; i++)
		if (!strcmp(r->namespaces[i].netns, netns))
			return &r->namespaces[i];
	return NULL;
}

struct drop_stat *result__add_drop(struct result *r)
{
	struct drop_stat *d = grow(r->drops, r->n_drops, sizeof(*d));

	if (!d)
		return NULL;
	r->drops = d;
	r->drops[r->n_drops].path = RESULT_PATH_ANY;
	return &r->drops[r->n_drops++];
}

struct feature *result__add_feature(struct result *r, const char *name, bool on, const char *note)
{
	struct feature *f = grow(r->features, r->n_features, sizeof(*f));

	if (!f)
		return NULL;
	r->features = f;
	f = &r->features[r->n_features++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->on = on;
	snprintf(f->note, sizeof(f->note), "%s", note ? note : "");
	return f;
}

void result__free(struct result *r)
{
	if (!r)
		return;
	free(r->features);
	throughput__free(&r->throughput);
	free(r->stages);
	free(r->spans);
	free(r->drops);
	free(r->socks);
	free(r->namespaces);
	free(r->softirq.per_cpu);
	memset(r, 0, sizeof(*r));
}

/* ---- writing ---- */

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_u64(json_object *o, const char *k, __u64 v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_dbl(json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(v));
}

static json_object *hist_to_json(const struct ns_hist *h)
{
	json_object *lat = json_object_new_object(), *hist = json_object_new_object();
	json_object *buckets = json_object_new_array();

	add_dbl(lat, "p50", hist__quantile(h, 0.50));
	add_dbl(lat, "p90", hist__quantile(h, 0.90));
	add_dbl(lat, "p99", hist__quantile(h, 0.99));
	add_u64(lat, "min", h->min);
	add_u64(lat, "max", h->max);
	add_dbl(lat, "mean", hist__mean(h));
	add_u64(lat, "sum", h->sum);
	/* The figures above are corrected for the probes' own run time; the raw ones beside. */
	add_u64(lat, "probe_ns", h->probe_ns);
	add_dbl(lat, "raw_mean", h->count ? (double)(h->sum + h->probe_ns) / (double)h->count : 0);
	/* Self-describing buckets: [low, high) in ns, only the non-empty ones. */
	add_str(hist, "unit", "ns");
	add_str(hist, "scale", "log2 with 4 linear sub-buckets per power of two");
	for (unsigned int i = 0; i < NS_HIST_BUCKETS; i++) {
		json_object *b;

		if (!h->buckets[i])
			continue;
		b = json_object_new_array();
		json_object_array_add(b, json_object_new_uint64(hist__bucket_low(i)));
		json_object_array_add(b, json_object_new_uint64(hist__bucket_high(i)));
		json_object_array_add(b, json_object_new_uint64(h->buckets[i]));
		json_object_array_add(buckets, b);
	}
	json_object_object_add(hist, "buckets", buckets);
	add_str(hist, "bucket_format", "[low_ns, high_ns_exclusive, count]");
	json_object_object_add(lat, "hist", hist);
	return lat;
}

static const char *path_name(int path)
{
	return path == RESULT_PATH_CLIENT   ? "client->server"
	       : path == RESULT_PATH_SERVER ? "server->client"
					    : NULL;
}

static int path_parse(const char *name)
{
	if (name && !strcmp(name, "client->server"))
		return RESULT_PATH_CLIENT;
	if (name && !strcmp(name, "server->client"))
		return RESULT_PATH_SERVER;
	return RESULT_PATH_ANY;
}

static json_object *stage_to_json(const struct result *r, const struct stage_stat *s)
{
	const struct netns_stat *ns = result__find_netns(r, s->netns);

	json_object *o = json_object_new_object();
	bool cpu = stage__is_cpu(s->stage, s->from);

	add_str(o, "name", stage__name(s->stage));
	if (s->from == NS_STAGE_NONE)
		json_object_object_add(o, "from", NULL);
	else
		add_str(o, "from", stage__name(s->from));
	add_str(o, "device_kind", dev_kind__name(s->dev_kind));
	if (s->master_kind >= 0)
		add_str(o, "master_kind", dev_kind__name(s->master_kind));
	add_int(o, "hop", s->hop);
	if (path_name(s->path))
		add_str(o, "path", path_name(s->path));
	add_str(o, "ifname", s->ifname);
	add_str(o, "netns", s->netns);
	/* The container beside its namespace, so that each row names it (not read back). */
	if (ns && ns->container[0])
		add_str(o, "container", ns->container);
	if (s->n_devices > 1)
		add_int(o, "devices", s->n_devices);
	add_u64(o, "count", s->hist.count);
	add_u64(o, "segments", s->hist.segs);
	add_str(o, "interval", s->from == NS_STAGE_NONE ? "entry" : cpu ? "cpu" : "wait");
	if (s->from != NS_STAGE_NONE) {
		json_object_object_add(o, "latency_ns", hist_to_json(&s->hist));
		if (cpu)
			add_dbl(o, "cpu_ns_per_packet", hist__mean(&s->hist));
		add_u64(o, "cross_cpu", s->hist.cross_cpu);
	}
	return o;
}

static const char *const counter_names[NS_CNT_COUNT] = {
    [NS_CNT_STARTED] = "started",
    [NS_CNT_MIDWAY] = "packets",
    [NS_CNT_EVICTED] = "evicted",
    [NS_CNT_EXPIRED] = "expired",
    [NS_CNT_XMIT_UNMATCHED] = "xmit_unmatched",
    [NS_CNT_IGNORED] = "filtered_out",
    [NS_CNT_RAW_LOST] = "raw_events_lost",
    [NS_CNT_SOCK_FULL] = "socket_events_uncounted",
    [NS_CNT_SAMPLED_OUT] = "sampled_out",
    [NS_CNT_HIST_FULL] = "histogram_pool_full",
    [NS_CNT_FIFO_LOST] = "udp_reads_unmatched",
};

const char *result__counter_name(int counter)
{
	return counter >= 0 && counter < NS_CNT_COUNT ? counter_names[counter] : NULL;
}

/* The fields of struct cpu_softirq, for writing and reading them alike. */
static const struct {
	const char *name;
	size_t off;
} cpu_fields[] = {
#define F(x)                                                                                       \
	{                                                                                          \
#x, offsetof(struct cpu_softirq, x)                                                \
	}
    F(net_rx_ns),
    F(net_tx_ns),
    F(net_rx_count),
    F(net_tx_count),
    F(net_rx_raise_delay_ns),
    F(net_tx_raise_delay_ns),
    F(net_rx_raises),
    F(net_rx_covered_ns),
    F(napi_polls),
    F(napi_work),
    F(napi_budget_hits),
    F(backlog_drops),
    F(time_squeeze),
#undef F
};

#define N_CPU_FIELDS (sizeof(cpu_fields) / sizeof(cpu_fields[0]))

static void cpu_to_json(json_object *o, const struct cpu_softirq *c)
{
	for (size_t i = 0; i < N_CPU_FIELDS; i++)
		add_u64(o, cpu_fields[i].name,
			*(const __u64 *)((const char *)c + cpu_fields[i].off));
	/* What of NET_RX the per-packet stages do not explain: its own stage. */
	add_u64(o, "net_rx_other_ns",
		c->net_rx_ns > c->net_rx_covered_ns ? c->net_rx_ns - c->net_rx_covered_ns : 0);
}

static json_object *softirq_to_json(const struct softirq_stat *s, double seconds)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array(), *h;

	cpu_to_json(o, &s->total);
	for (int v = 0; v < 2; v++) {
		h = json_object_new_array();
		for (int i = 0; i < NS_LOG2_SLOTS; i++)
			json_object_array_add(h, json_object_new_uint64(s->raise_delay_log2[v][i]));
		json_object_object_add(o, v ? "net_rx_raise_delay_log2" : "net_tx_raise_delay_log2",
				       h);
	}
	add_str(o, "raise_delay_log2_format", "count of delays in [2^i, 2^(i+1)) ns at index i");
	for (int i = 0; i < s->n_cpus; i++) {
		json_object *cpu = json_object_new_object();

		add_int(cpu, "cpu", i);
		cpu_to_json(cpu, &s->per_cpu[i]);
		if (seconds > 0)
			add_dbl(cpu, "net_softirq_share",
				(s->per_cpu[i].net_rx_ns + s->per_cpu[i].net_tx_ns) /
				    (seconds * 1e9));
		json_object_array_add(arr, cpu);
	}
	json_object_object_add(o, "per_cpu", arr);
	return o;
}

static void cpu_from_json(json_object *o, struct cpu_softirq *c)
{
	for (size_t i = 0; i < N_CPU_FIELDS; i++)
		*(__u64 *)((char *)c + cpu_fields[i].off) = get_u64(o, cpu_fields[i].name);
}

json_object *result__to_json(const struct result *r)
{
	json_object *root = json_object_new_object(), *o, *arr, *feat, *notes;
	const struct result_config *c = &r->config;

	add_str(root, "schema", RESULT_SCHEMA);

	o = json_object_new_object();
	add_str(o, "command", c->command);
	if (c->kind[0])
		add_str(o, "kind", c->kind);
	if (c->mode[0])
		add_str(o, "mode", c->mode);
	if (c->pairs)
		add_int(o, "pairs", c->pairs);
	if (c->proto[0])
		add_str(o, "proto", c->proto);
	if (c->mtu)
		add_int(o, "mtu", c->mtu);
	if (c->layout[0])
		add_str(o, "layout", c->layout);
	add_dbl(o, "duration", c->duration);
	if (c->streams)
		add_int(o, "streams", c->streams);
	if (c->repeat)
		add_int(o, "repeat", c->repeat);
	if (!strcmp(c->command, "run"))
		json_object_object_add(o, "reverse", json_object_new_boolean(c->reverse));
	if (!strcmp(c->command, "run") || !strcmp(c->command, "sweep"))
		json_object_object_add(o, "pinned", json_object_new_boolean(c->pinned));
	if (!strcmp(c->proto, "udp") || c->bitrate)
		add_u64(o, "bitrate", c->bitrate);
	if (c->streams_total)
		add_int(o, "streams_total", c->streams_total);
	if (c->blksize)
		add_int(o, "blksize", c->blksize);
	if (!strcmp(c->command, "run") || !strcmp(c->command, "sweep")) {
		json_object_object_add(o, "probes", json_object_new_boolean(!c->no_probes));
		add_int(o, "sample", c->sample > 1 ? c->sample : 1);
	}
	if (c->stages[0])
		add_str(o, "stages", c->stages);
	if (c->duty_pct) {
		add_int(o, "duty_pct", c->duty_pct);
		add_int(o, "duty_period_ms", c->duty_period_ms);
	}
	if (c->netns[0])
		add_str(o, "netns", c->netns);
	if (c->run_id[0])
		add_str(o, "run_id", c->run_id);
	json_object_object_add(root, "config", o);

	/*
	 * A stopped run keeps what it measured; readers must be able to tell. (A
	 * profile ends on Ctrl-C by design: its profile_seconds say how long it watched.)
	 */
	if (r->stop.interrupted || !strcmp(c->command, "run") || !strcmp(c->command, "sweep"))
		json_object_object_add(root, "interrupted",
				       json_object_new_boolean(r->stop.interrupted));
	if (r->stop.interrupted) {
		json_object *missing = json_object_new_array();

		o = json_object_new_object();
		add_str(o, "signal", r->stop.signal);
		add_dbl(o, "load_seconds", r->stop.load_seconds);
		add_dbl(o, "planned_load_seconds", c->duration * (c->repeat > 0 ? c->repeat : 1));
		add_int(o, "repeats_finished", r->stop.repeats_finished);
		for (int i = 0; i < r->stop.n_missing && i < RESULT_MAX_MISSING; i++)
			json_object_array_add(missing, json_object_new_string(r->stop.missing[i]));
		json_object_object_add(o, "missing", missing);
		json_object_object_add(root, "interruption", o);
	}

	o = json_object_new_object();
	add_str(o, "release", r->kernel_release);
	feat = json_object_new_object();
	notes = json_object_new_object();
	for (int i = 0; i < r->n_features; i++) {
		json_object_object_add(feat, r->features[i].name,
				       json_object_new_boolean(r->features[i].on));
		if (r->features[i].note[0])
			add_str(notes, r->features[i].name, r->features[i].note);
	}
	json_object_object_add(o, "features", feat);
	json_object_object_add(o, "feature_notes", notes);
	json_object_object_add(root, "kernel", o);

	if (r->system.present)
		json_object_object_add(root, "system", system__to_json(&r->system));
	if (r->throughput.present)
		json_object_object_add(root, "throughput", throughput__to_json(r));

	add_dbl(root, "profile_seconds", r->profile_seconds);
	if (r->cost.known) {
		o = json_object_new_object();
		add_u64(o, "memory_bytes", r->cost.memory_bytes);
		add_int(o, "memory_cpus", r->cost.memory_cpus);
		add_dbl(o, "ns_per_packet", r->cost.ns_per_packet);
		add_dbl(o, "cpu_share", r->cost.cpu_share);
		add_dbl(o, "probe_seconds", r->cost.probe_seconds);
		add_str(o, "method", r->cost.method);
		if (r->cost.windows)
			add_u64(o, "windows", r->cost.windows);
		json_object_object_add(root, "probe_cost", o);
	}

	arr = json_object_new_array();
	for (int i = 0; i < r->n_stages; i++)
		json_object_array_add(arr, stage_to_json(r, &r->stages[i]));
	json_object_object_add(root, "stages", arr);

	arr = json_object_new_array();
	for (int i = 0; i < r->n_spans; i++)
		json_object_array_add(arr, stage_to_json(r, &r->spans[i]));
	json_object_object_add(root, "spans", arr);

	json_object_object_add(root, "softirq", softirq_to_json(&r->softirq, r->profile_seconds));

	arr = json_object_new_array();
	for (int i = 0; i < r->n_socks; i++) {
		const struct sock_stat *k = &r->socks[i];
		json_object *sj = json_object_new_object();

		add_str(sj, "netns", k->netns);
		add_str(sj, "protocol",
			k->protocol == 6    ? "tcp"
			: k->protocol == 17 ? "udp"
					    : "other");
		add_int(sj, "port", k->port);
		add_u64(sj, "delivered", k->delivered);
		add_u64(sj, "bytes", k->bytes);
		add_u64(sj, "data_ready", k->data_ready);
		add_u64(sj, "rcvqueue_full", k->rcvq_full);
		add_u64(sj, "queue_fail", k->queue_fail);
		json_object_array_add(arr, sj);
	}
	json_object_object_add(root, "sockets", arr);

	if (r->n_namespaces) {
		arr = json_object_new_array();
		for (int i = 0; i < r->n_namespaces; i++) {
			const struct netns_stat *n = &r->namespaces[i];
			json_object *nj = json_object_new_object();

			add_str(nj, "netns", n->netns);
			add_u64(nj, "inode", n->inum);
			if (n->pid) {
				add_int(nj, "pid", n->pid);
				add_str(nj, "command", n->comm);
				add_str(nj, "cgroup", n->cgroup);
			}
			add_str(nj, "label", n->label);
			if (n->container[0]) {
				add_str(nj, "container", n->container);
				add_str(nj, "container_id", n->container_id);
				add_str(nj, "engine", n->engine);
			}
			json_object_array_add(arr, nj);
		}
		json_object_object_add(root, "namespaces", arr);
	}

	arr = json_object_new_array();
	for (int i = 0; i < r->n_drops; i++) {
		const struct drop_stat *d = &r->drops[i];
		json_object *dj = json_object_new_object();

		add_str(dj, "reason", d->reason);
		add_str(dj, "stage", stage__name(d->stage));
		add_str(dj, "device_kind", dev_kind__name(d->dev_kind));
		add_str(dj, "ifname", d->ifname);
		if (path_name(d->path))
			add_str(dj, "path", path_name(d->path));
		add_u64(dj, "count", d->count);
		json_object_array_add(arr, dj);
	}
	json_object_object_add(root, "drops", arr);

	o = json_object_new_object();
	for (int i = 0; i < NS_CNT_COUNT; i++)
		add_u64(o, counter_names[i], r->counters[i]);
	json_object_object_add(root, "untracked", o);
	return root;
}

int result__write(const struct result *r, const char *path, char *err, size_t errlen)
{
	json_object *root = result__to_json(r);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot write the result: %s", path, strerror(errno));
		goto out;
	}
	if (fprintf(f, "%s\n", text) < 0 || fflush(f) != 0) {
		rc = -EIO;
		snprintf(err, errlen, "%s: writing the result failed: %s", path, strerror(errno));
	}
	if (f != stdout && fclose(f) != 0 && !rc) {
		rc = -errno;
		snprintf(err, errlen, "%s: closing the result failed: %s", path, strerror(errno));
	}
out:
	json_object_put(root);
	return rc;
}

/* ---- reading ---- */

static void hist_from_json(json_object *lat, struct ns_hist *h)
{
	json_object *buckets = jr_array(jr_object(lat, "hist"), "buckets");

	h->min = get_u64(lat, "min");
	h->max = get_u64(lat, "max");
	h->sum = get_u64(lat, "sum");
	h->probe_ns = get_u64(lat, "probe_ns");
	for (size_t i = 0; i < jr_len(buckets); i++) {
		json_object *b = jr_idx(buckets, i);

		if (jr_len(b) < 3)
			continue;
		h->buckets[hist__bucket(json_object_get_uint64(jr_idx(b, 0)))] +=
		    json_object_get_uint64(jr_idx(b, 2));
	}
}

static int read_stages(json_object *root, const char *key, struct result *r,
		       struct stage_stat *(*add)(struct result *))
{
	json_object *arr = jr_array(root, key);

	if (!arr)
		return -1;
	for (size_t i = 0; i < jr_len(arr); i++) {
		json_object *o = jr_idx(arr, i), *lat;
		struct stage_stat *s = add(r);
		const char *from = get_str(o, "from"), *master = get_str(o, "master_kind");

		if (!s)
			return -ENOMEM;
		s->stage = stage__parse(get_str(o, "name"));
		s->from = from ? stage__parse(from) : NS_STAGE_NONE;
		if (s->stage < 0 || s->from < 0)
			return -1;
		s->dev_kind = dev_kind__parse(get_str(o, "device_kind"));
		if (s->dev_kind < 0)
			s->dev_kind = NS_DEV_OTHER;
		s->master_kind = master ? dev_kind__parse(master) : -1;
		s->hop = jr_int(o, "hop");
		s->path = path_parse(get_str(o, "path"));
		s->n_devices = jr_get(o, "devices") ? jr_int(o, "devices") : 1;
		copy_str(s->ifname, sizeof(s->ifname), get_str(o, "ifname"));
		copy_str(s->netns, sizeof(s->netns), get_str(o, "netns"));
		s->hist.count = get_u64(o, "count");
		s->hist.segs = get_u64(o, "segments");
		s->hist.cross_cpu = get_u64(o, "cross_cpu");
		s->hist.hop = s->hop;
		lat = jr_object(o, "latency_ns");
		if (lat)
			hist_from_json(lat, &s->hist);
	}
	return 0;
}

static void read_stop(json_object *root, struct result *r)
{
	json_object *o = jr_object(root, "interruption"), *arr = jr_array(o, "missing");

	r->stop.interrupted = jr_bool(root, "interrupted");
	if (!r->stop.interrupted)
		return;
	copy_str(r->stop.signal, sizeof(r->stop.signal), get_str(o, "signal"));
	r->stop.load_seconds = get_dbl(o, "load_seconds");
	r->stop.repeats_finished = jr_int(o, "repeats_finished");
	for (size_t i = 0; i < jr_len(arr) && r->stop.n_missing < RESULT_MAX_MISSING; i++)
		copy_str(r->stop.missing[r->stop.n_missing++], sizeof(r->stop.missing[0]),
			 jr_text(jr_idx(arr, i)));
}

static void read_rest(json_object *root, struct result *r)
{
	json_object *o, *arr, *feat, *notes;

	if ((o = jr_object(root, "config"))) {
		struct result_config *c = &r->config;

		copy_str(c->command, sizeof(c->command), get_str(o, "command"));
		copy_str(c->kind, sizeof(c->kind), get_str(o, "kind"));
		copy_str(c->mode, sizeof(c->mode), get_str(o, "mode"));
		copy_str(c->layout, sizeof(c->layout), get_str(o, "layout"));
		copy_str(c->proto, sizeof(c->proto), get_str(o, "proto"));
		copy_str(c->netns, sizeof(c->netns), get_str(o, "netns"));
		c->pairs = jr_int(o, "pairs");
		c->mtu = jr_int(o, "mtu");
		c->streams = jr_int(o, "streams");
		c->repeat = jr_int(o, "repeat");
		c->duration = get_dbl(o, "duration");
		c->reverse = jr_bool(o, "reverse");
		c->pinned = jr_bool(o, "pinned");
		c->bitrate = get_u64(o, "bitrate");
		c->streams_total = jr_int(o, "streams_total");
		c->blksize = jr_int(o, "blksize");
		c->sample = jr_int(o, "sample");
		copy_str(c->stages, sizeof(c->stages), get_str(o, "stages"));
		c->duty_pct = jr_int(o, "duty_pct");
		c->duty_period_ms = jr_int(o, "duty_period_ms");
		c->no_probes = jr_get(o, "probes") && !jr_bool(o, "probes");
		copy_str(c->run_id, sizeof(c->run_id), get_str(o, "run_id"));
	}
	read_stop(root, r);
	if ((o = jr_object(root, "kernel"))) {
		copy_str(r->kernel_release, sizeof(r->kernel_release), get_str(o, "release"));
		notes = jr_object(o, "feature_notes");
		feat = jr_object(o, "features");
		if (feat) {
			json_object_object_foreach(feat, k, v)
			{
				result__add_feature(r, k, json_object_get_boolean(v),
						    get_str(notes, k));
			}
		}
	}
	if ((o = jr_object(root, "system")))
		system__from_json(o, &r->system);
	if ((o = jr_object(root, "throughput")))
		throughput__from_json(o, r);
	r->profile_seconds = get_dbl(root, "profile_seconds");
	if ((o = jr_object(root, "probe_cost"))) {
		r->cost.known = true;
		r->cost.memory_bytes = get_u64(o, "memory_bytes");
		r->cost.memory_cpus = jr_int(o, "memory_cpus");
		r->cost.ns_per_packet = get_dbl(o, "ns_per_packet");
		r->cost.cpu_share = get_dbl(o, "cpu_share");
		r->cost.probe_seconds = get_dbl(o, "probe_seconds");
		copy_str(r->cost.method, sizeof(r->cost.method), get_str(o, "method"));
		r->cost.windows = get_u64(o, "windows");
	}
	if ((o = jr_object(root, "softirq"))) {
		cpu_from_json(o, &r->softirq.total);
		for (int v = 0; v < 2; v++) {
			json_object *h =
			    jr_array(o, v ? "net_rx_raise_delay_log2" : "net_tx_raise_delay_log2");

			for (size_t i = 0; i < NS_LOG2_SLOTS && i < jr_len(h); i++)
				r->softirq.raise_delay_log2[v][i] =
				    json_object_get_uint64(jr_idx(h, i));
		}
		if ((arr = jr_array(o, "per_cpu"))) {
			size_t n = jr_len(arr);

			r->softirq.per_cpu = calloc(n ? n : 1, sizeof(*r->softirq.per_cpu));
			for (size_t i = 0; r->softirq.per_cpu && i < n; i++) {
				cpu_from_json(jr_idx(arr, i), &r->softirq.per_cpu[i]);
				r->softirq.n_cpus++;
			}
		}
	}
	arr = jr_array(root, "namespaces");
	for (size_t i = 0; i < jr_len(arr); i++) {
		json_object *nj = jr_idx(arr, i);
		struct netns_stat *n = result__add_netns(r);

		if (!n)
			break;
		copy_str(n->netns, sizeof(n->netns), get_str(nj, "netns"));
		n->inum = (__u32)get_u64(nj, "inode");
		n->pid = jr_int(nj, "pid");
		copy_str(n->comm, sizeof(n->comm), get_str(nj, "command"));
		copy_str(n->cgroup, sizeof(n->cgroup), get_str(nj, "cgroup"));
		copy_str(n->label, sizeof(n->label), get_str(nj, "label"));
		copy_str(n->container, sizeof(n->container), get_str(nj, "container"));
		copy_str(n->container_id, sizeof(n->container_id), get_str(nj, "container_id"));
		copy_str(n->engine, sizeof(n->engine), get_str(nj, "engine"));
	}
	arr = jr_array(root, "sockets");
	for (size_t i = 0; i < jr_len(arr); i++) {
		json_object *sj = jr_idx(arr, i);
		struct sock_stat *k = result__add_sock(r);
		const char *proto = get_str(sj, "protocol");

		if (!k)
			break;
		copy_str(k->netns, sizeof(k->netns), get_str(sj, "netns"));
		k->protocol = proto && !strcmp(proto, "tcp")   ? 6
			      : proto && !strcmp(proto, "udp") ? 17
							       : 0;
		k->port = jr_int(sj, "port");
		k->delivered = get_u64(sj, "delivered");
		k->bytes = get_u64(sj, "bytes");
		k->data_ready = get_u64(sj, "data_ready");
		k->rcvq_full = get_u64(sj, "rcvqueue_full");
		k->queue_fail = get_u64(sj, "queue_fail");
	}
	arr = jr_array(root, "drops");
	for (size_t i = 0; i < jr_len(arr); i++) {
		json_object *dj = jr_idx(arr, i);
		struct drop_stat *d = result__add_drop(r);
		int stage = stage__parse(get_str(dj, "stage"));
		int kind = dev_kind__parse(get_str(dj, "device_kind"));

		if (!d)
			break;
		copy_str(d->reason, sizeof(d->reason), get_str(dj, "reason"));
		copy_str(d->ifname, sizeof(d->ifname), get_str(dj, "ifname"));
		d->stage = stage < 0 ? NS_STAGE_NONE : stage;
		d->dev_kind = kind < 0 ? NS_DEV_OTHER : kind;
		d->count = get_u64(dj, "count");
		d->path = path_parse(get_str(dj, "path"));
	}
	if ((o = jr_object(root, "untracked")))
		for (int i = 0; i < NS_CNT_COUNT; i++)
			r->counters[i] = get_u64(o, counter_names[i]);
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 1 << 16, n = 0;
	char *buf;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open the result file: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
		if (n + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	if (f != stdin)
		fclose(f);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory reading it", path);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int result__read(const char *path, struct result *r, char *err, size_t errlen)
{
	struct json_tokener *tok;
	json_object *root;
	const char *schema;
	size_t len;
	char *text;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	text = slurp(path, &len, err, errlen);
	if (!text)
		return -EIO;
	if (len == 0) {
		snprintf(err, errlen, "%s: the file is empty, not a netstage result", path);
		free(text);
		return -EINVAL;
	}
	tok = json_tokener_new();
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (e == json_tokener_continue)
			snprintf(err, errlen,
				 "%s: the JSON ends early after %zu bytes: the file is truncated "
				 "(was the run interrupted?); run it again",
				 path, len);
		else
			snprintf(err, errlen,
				 "%s: not JSON (%s at byte %zu); give a file written "
				 "by netstage run -o or netstage profile -o",
				 path, json_tokener_error_desc(e), json_tokener_get_parse_end(tok));
		rc = -EINVAL;
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "%s: the JSON is not an object, so not a netstage result",
			 path);
		rc = -EINVAL;
		goto out;
	}
	schema = get_str(root, "schema");
	if (!schema) {
		snprintf(err, errlen, "%s: no \"schema\" key: not a netstage result file", path);
		rc = -EINVAL;
		goto out;
	}
	if (strcmp(schema, RESULT_SCHEMA)) {
		snprintf(err, errlen,
			 "%s: schema \"%s\" is not \"%s\", the one this netstage reads; use the "
			 "netstage version that wrote it, or run the measurement again",
			 path, schema, RESULT_SCHEMA);
		rc = -EINVAL;
		goto out;
	}
	rc = read_stages(root, "stages", r, result__add_stage);
	if (!rc && json_object_object_get_ex(root, "spans", NULL))
		rc = read_stages(root, "spans", r, result__add_span);
	if (rc) {
		snprintf(err, errlen, "%s: \"stages\" is missing or names an unknown stage", path);
		rc = -EINVAL;
		goto out;
	}
	read_rest(root, r);
out:
	if (rc)
		result__free(r);
	json_object_put(root);
	json_tokener_free(tok);
	free(text);
	return rc;
}
