// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/throughput.h"
#include "analysis/json_read.h"

#define WINDOW_METHOD                                                                              \
	"common window: from the latest test start to the earliest test end of the measured "      \
	"pairs, narrowed to the receiving interfaces' counter samples inside it; iperf3's "        \
	"intervals pro-rated to it (docs/EXPERIMENTS.md)"

enum { ANY, TCP, UDP };

struct field {
	const char *name;
	size_t off;
	int proto; /* ANY, TCP or UDP: written only for that protocol */
};

#define P(name, member, proto)                                                                     \
	{                                                                                          \
		name, offsetof(struct pair_stat, member), proto                                    \
	}
static const struct field pair_fields[] = {
    P("start", start, ANY),
    P("seconds", seconds, ANY),
    P("bits_per_second", bits_per_second, ANY),
    P("bytes", bytes, ANY),
    P("packets_per_second", packets_per_second, ANY),
    P("segments_per_second", segments_per_second, ANY),
    P("device_packets", device_packets, ANY),
    P("device_bytes", device_bytes, ANY),
    P("retransmits", retransmits, TCP),
    P("lost_packets", lost_packets, UDP),
    P("packets", packets, UDP),
    P("run_seconds", run_seconds, ANY),
    P("run_bits_per_second", run_bits_per_second, ANY),
    P("run_bytes", run_bytes, ANY),
    P("run_device_packets", run_device_packets, ANY),
    P("run_device_bytes", run_device_bytes, ANY),
    P("lost_percent", lost_percent, UDP),
    P("jitter_ms", jitter_ms, UDP),
    P("out_of_order", out_of_order, UDP),
    P("sender_cpu_percent", sender_cpu, ANY),
    P("receiver_cpu_percent", receiver_cpu, ANY),
};
#undef P

#define R(name, member, proto)                                                                     \
	{                                                                                          \
		name, offsetof(struct repeat_stat, member), proto                                  \
	}
static const struct field repeat_fields[] = {
    R("bits_per_second", bits_per_second, ANY),
    R("packets_per_second", packets_per_second, ANY),
    R("segments_per_second", segments_per_second, ANY),
    R("bytes", bytes, ANY),
    R("device_packets", device_packets, ANY),
    R("device_bytes", device_bytes, ANY),
    R("retransmits", retransmits, TCP),
    R("lost_packets", lost_packets, UDP),
    R("packets", sent_packets, UDP),
    R("lost_percent", lost_percent, UDP),
    R("jitter_ms", jitter_ms, UDP),
    R("out_of_order", out_of_order, UDP),
    R("sender_cpu_percent", sender_cpu, ANY),
    R("receiver_cpu_percent", receiver_cpu, ANY),
    R("run_bytes", run_bytes, ANY),
    R("run_device_packets", run_device_packets, ANY),
    R("run_device_bytes", run_device_bytes, ANY),
    R("seconds", seconds, ANY),
    R("window_start", window_start, ANY),
    R("window_end", window_end, ANY),
    R("start_spread", start_spread, ANY),
};
#undef R

#define N_PAIR_FIELDS	(sizeof(pair_fields) / sizeof(pair_fields[0]))
#define N_REPEAT_FIELDS (sizeof(repeat_fields) / sizeof(repeat_fields[0]))

/* The figures summarised over repetitions (and per pair over repetitions). */
static const char *const summary_figures[] = {
    "bits_per_second", "packets_per_second", "segments_per_second",
    "retransmits",     "lost_packets",	     "lost_percent",
    "jitter_ms",       "sender_cpu_percent", "receiver_cpu_percent",
    "seconds",
};

#define N_SUMMARY (sizeof(summary_figures) / sizeof(summary_figures[0]))

static double *at(const void *base, size_t off)
{
	return (double *)((char *)base + off);
}

static int proto_of(const struct result_config *c)
{
	return !strcmp(c->proto, "udp") ? UDP : !strcmp(c->proto, "tcp") ? TCP : ANY;
}

static bool wanted(const struct field *f, int proto)
{
	return f->proto == ANY || proto == ANY || f->proto == proto;
}

static const struct field *find(const struct field *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

bool throughput__repeat_counts(const struct repeat_stat *rs)
{
	/* Files written before pairs were recorded have no pair list: their repeats count. */
	return rs->pairs_measured > 0 || rs->n_pairs == 0;
}

struct summary throughput__summary(const struct throughput *t, const char *figure)
{
	const struct field *f = find(repeat_fields, N_REPEAT_FIELDS, figure);
	double *v = calloc(t->n_repeats ? t->n_repeats : 1, sizeof(*v));
	struct summary s = {0};
	int n = 0;

	if (!v)
		return s;
	for (int i = 0; i < t->n_repeats; i++) {
		const struct repeat_stat *rs = &t->repeats[i];

		if (!throughput__repeat_counts(rs))
			continue;
		if (!strcmp(figure, "pairs_measured"))
			v[n++] = rs->pairs_measured;
		else if (f)
			v[n++] = *at(rs, f->off);
	}
	s = stats__summarize(v, n);
	free(v);
	return s;
}

void throughput__aggregate(struct throughput *t)
{
	struct summary bps = throughput__summary(t, "bits_per_second");
	struct summary pps = throughput__summary(t, "packets_per_second");

	t->bits_per_second = bps.mean;
	t->stderr_bps = bps.stderr_mean;
	t->stddev_bps = bps.stddev;
	t->packets_per_second = pps.mean;
}

int throughput__failed(const struct throughput *t)
{
	int n = 0;

	for (int i = 0; i < t->n_repeats; i++)
		for (int p = 0; p < t->repeats[i].n_pairs; p++)
			n += !t->repeats[i].pairs[p].ok;
	return n;
}

int throughput__min_measured(const struct throughput *t)
{
	int min = -1;

	for (int i = 0; i < t->n_repeats; i++) {
		const struct repeat_stat *rs = &t->repeats[i];
		int m = rs->n_pairs ? rs->pairs_measured : -1;

		if (m >= 0 && (min < 0 || m < min))
			min = m;
	}
	return min;
}

const char *throughput__status(const struct throughput *t)
{
	if (!t || !t->n_repeats)
		return "failed";
	for (int i = 0; i < t->n_repeats; i++)
		if (!throughput__repeat_counts(&t->repeats[i]))
			return "failed";
	return throughput__failed(t) ? "partial" : "ok";
}

void throughput__free(struct throughput *t)
{
	for (int i = 0; t->repeats && i < t->n_repeats; i++)
		free(t->repeats[i].pairs);
	free(t->repeats);
	t->repeats = NULL;
	t->n_repeats = 0;
}

/* ---- JSON ---- */

static void add_dbl(json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(v));
}

static double get_dbl(json_object *o, const char *k)
{
	return jr_dbl(o, k);
}

static json_object *summary_to_json(struct summary s)
{
	json_object *o = json_object_new_object();

	add_dbl(o, "mean", s.mean);
	add_dbl(o, "stddev", s.stddev);
	add_dbl(o, "stderr", s.stderr_mean);
	add_dbl(o, "min", s.min);
	add_dbl(o, "max", s.max);
	json_object_object_add(o, "n", json_object_new_int(s.n));
	return o;
}

static json_object *pair_to_json(const struct pair_stat *p, int proto)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pair", json_object_new_int(p->pair));
	json_object_object_add(o, "ok", json_object_new_boolean(p->ok));
	json_object_object_add(o, "streams", json_object_new_int(p->streams));
	if (p->stopped)
		json_object_object_add(o, "stopped", json_object_new_boolean(true));
	if (!p->ok) {
		json_object_object_add(o, "error", json_object_new_string(p->error));
		return o;
	}
	for (size_t i = 0; i < N_PAIR_FIELDS; i++)
		if (wanted(&pair_fields[i], proto))
			add_dbl(o, pair_fields[i].name, *at(p, pair_fields[i].off));
	return o;
}

static json_object *repeat_to_json(const struct repeat_stat *rs, int proto)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();

	for (size_t i = 0; i < N_REPEAT_FIELDS; i++)
		if (wanted(&repeat_fields[i], proto))
			add_dbl(o, repeat_fields[i].name, *at(rs, repeat_fields[i].off));
	json_object_object_add(o, "common_window", json_object_new_boolean(rs->common_window));
	json_object_object_add(o, "starts_known", json_object_new_boolean(rs->starts_known));
	json_object_object_add(o, "pairs_measured", json_object_new_int(rs->pairs_measured));
	if (rs->stopped) {
		json_object_object_add(o, "stopped", json_object_new_boolean(true));
		add_dbl(o, "stopped_at", rs->stopped_at);
	}
	for (int i = 0; i < rs->n_pairs; i++)
		json_object_array_add(arr, pair_to_json(&rs->pairs[i], proto));
	json_object_object_add(o, "pairs", arr);
	if (rs->has_profile) {
		json_object *p = json_object_new_object();

		add_dbl(p, "seconds", rs->profile_seconds);
		add_dbl(p, "packets_followed", rs->packets_followed);
		add_dbl(p, "net_rx_ns", rs->net_rx_ns);
		add_dbl(p, "drops", rs->drops);
		json_object_object_add(o, "profile", p);
	}
	return o;
}

/* Pair p's figures over the repetitions that measured it. */
static json_object *pair_summary_to_json(const struct throughput *t, int p, int proto)
{
	json_object *o = json_object_new_object();
	double *v = calloc(t->n_repeats ? t->n_repeats : 1, sizeof(*v));
	int streams = 0, measured = 0;

	json_object_object_add(o, "pair", json_object_new_int(p));
	for (int i = 0; i < t->n_repeats; i++)
		if (p < t->repeats[i].n_pairs) {
			streams = t->repeats[i].pairs[p].streams;
			measured += t->repeats[i].pairs[p].ok;
		}
	json_object_object_add(o, "streams", json_object_new_int(streams));
	json_object_object_add(o, "measured", json_object_new_int(measured));
	for (size_t f = 0; v && f < N_SUMMARY; f++) {
		const struct field *pf = find(pair_fields, N_PAIR_FIELDS, summary_figures[f]);
		int n = 0;

		if (!pf || !wanted(pf, proto))
			continue;
		for (int i = 0; i < t->n_repeats; i++)
			if (p < t->repeats[i].n_pairs && t->repeats[i].pairs[p].ok)
				v[n++] = *at(&t->repeats[i].pairs[p], pf->off);
		json_object_object_add(o, pf->name, summary_to_json(stats__summarize(v, n)));
	}
	free(v);
	return o;
}

json_object *throughput__to_json(const struct result *r)
{
	const struct throughput *t = &r->throughput;
	int proto = proto_of(&r->config), n_pairs = 0, counted = 0;
	json_object *o = json_object_new_object(), *arr, *sum;

	add_dbl(o, "bits_per_second", t->bits_per_second);
	add_dbl(o, "packets_per_second", t->packets_per_second);
	add_dbl(o, "mean", t->bits_per_second);
	add_dbl(o, "stderr", t->stderr_bps);
	add_dbl(o, "stddev", t->stddev_bps);
	add_dbl(o, "segments_per_second", throughput__summary(t, "segments_per_second").mean);
	for (int i = 0; i < t->n_repeats; i++) {
		n_pairs = t->repeats[i].n_pairs > n_pairs ? t->repeats[i].n_pairs : n_pairs;
		counted += throughput__repeat_counts(&t->repeats[i]);
	}
	json_object_object_add(o, "repeats_measured", json_object_new_int(counted));
	json_object_object_add(o, "pairs_measured_min",
			       json_object_new_int(throughput__min_measured(t)));
	json_object_object_add(o, "failed_pair_runs", json_object_new_int(throughput__failed(t)));
	json_object_object_add(o, "window", json_object_new_string(WINDOW_METHOD));

	sum = json_object_new_object();
	for (size_t f = 0; f < N_SUMMARY; f++) {
		const struct field *rf = find(repeat_fields, N_REPEAT_FIELDS, summary_figures[f]);

		if (rf && wanted(rf, proto))
			json_object_object_add(sum, rf->name,
					       summary_to_json(throughput__summary(t, rf->name)));
	}
	json_object_object_add(sum, "pairs_measured",
			       summary_to_json(throughput__summary(t, "pairs_measured")));
	json_object_object_add(o, "summary", sum);

	arr = json_object_new_array();
	for (int p = 0; p < n_pairs; p++)
		json_object_array_add(arr, pair_summary_to_json(t, p, proto));
	json_object_object_add(o, "pairs", arr);

	arr = json_object_new_array();
	for (int i = 0; i < t->n_repeats; i++)
		for (int p = 0; p < t->repeats[i].n_pairs; p++) {
			const struct pair_stat *ps = &t->repeats[i].pairs[p];
			json_object *f;

			if (ps->ok)
				continue;
			f = json_object_new_object();
			json_object_object_add(f, "repeat", json_object_new_int(i + 1));
			json_object_object_add(f, "pair", json_object_new_int(ps->pair));
			json_object_object_add(f, "reason", json_object_new_string(ps->error));
			json_object_array_add(arr, f);
		}
	json_object_object_add(o, "failed_pairs", arr);

	arr = json_object_new_array();
	for (int i = 0; i < t->n_repeats; i++)
		json_object_array_add(arr, repeat_to_json(&t->repeats[i], proto));
	json_object_object_add(o, "repeats", arr);
	return o;
}

static bool get_bool(json_object *o, const char *k)
{
	return jr_bool(o, k);
}

static void pair_from_json(json_object *o, struct pair_stat *p)
{
	json_object *v;

	p->pair = jr_int(o, "pair");
	p->streams = jr_int(o, "streams");
	/* Absent "ok": a pair with figures. */
	p->ok = !jr_get(o, "ok") || get_bool(o, "ok");
	p->stopped = get_bool(o, "stopped");
	if ((v = jr_get(o, "error")))
		snprintf(p->error, sizeof(p->error), "%s", jr_text(v));
	for (size_t i = 0; i < N_PAIR_FIELDS; i++)
		*at(p, pair_fields[i].off) = get_dbl(o, pair_fields[i].name);
}

static void repeat_from_json(json_object *o, struct repeat_stat *rs)
{
	json_object *arr = jr_array(o, "pairs"), *p = jr_object(o, "profile");
	size_t n = jr_len(arr);

	for (size_t i = 0; i < N_REPEAT_FIELDS; i++)
		*at(rs, repeat_fields[i].off) = get_dbl(o, repeat_fields[i].name);
	rs->common_window = get_bool(o, "common_window");
	rs->starts_known = get_bool(o, "starts_known");
	rs->pairs_measured = jr_int(o, "pairs_measured");
	rs->stopped = get_bool(o, "stopped");
	rs->stopped_at = get_dbl(o, "stopped_at");
	if (n) {
		rs->pairs = calloc(n, sizeof(*rs->pairs));
		for (size_t i = 0; rs->pairs && i < n; i++) {
			pair_from_json(jr_idx(arr, i), &rs->pairs[i]);
			rs->n_pairs++;
		}
	}
	if (p) {
		rs->has_profile = true;
		rs->profile_seconds = get_dbl(p, "seconds");
		rs->packets_followed = get_dbl(p, "packets_followed");
		rs->net_rx_ns = get_dbl(p, "net_rx_ns");
		rs->drops = get_dbl(p, "drops");
	}
}

void throughput__from_json(json_object *o, struct result *r)
{
	struct throughput *t = &r->throughput;
	json_object *arr = jr_array(o, "repeats");
	size_t n = jr_len(arr);

	t->present = true;
	t->bits_per_second = get_dbl(o, "bits_per_second");
	t->packets_per_second = get_dbl(o, "packets_per_second");
	t->stderr_bps = get_dbl(o, "stderr");
	t->stddev_bps = get_dbl(o, "stddev");
	if (!arr)
		return;
	t->repeats = calloc(n ? n : 1, sizeof(*t->repeats));
	for (size_t i = 0; t->repeats && i < n; i++) {
		repeat_from_json(jr_idx(arr, i), &t->repeats[i]);
		t->n_repeats++;
	}
}

/* ---- text ---- */

static void print_pair_line(const struct throughput *t, int p, int proto, FILE *out)
{
	double *bps = calloc(t->n_repeats, sizeof(*bps));
	double pps = 0, lost = 0, sent = 0, retr = 0, scpu = 0, rcpu = 0;
	int n = 0, streams = 0;
	struct summary s;
	char rate[32], err[32];

	if (!bps)
		return;
	for (int i = 0; i < t->n_repeats; i++) {
		const struct pair_stat *ps;

		if (p >= t->repeats[i].n_pairs)
			continue;
		ps = &t->repeats[i].pairs[p];
		streams = ps->streams;
		if (!ps->ok)
			continue;
		bps[n++] = ps->bits_per_second;
		pps += ps->packets_per_second;
		retr += ps->retransmits;
		lost += ps->lost_packets;
		sent += ps->packets;
		scpu += ps->sender_cpu;
		rcpu += ps->receiver_cpu;
	}
	s = stats__summarize(bps, n);
	free(bps);
	if (!n) {
		fprintf(out, "%5d %7d  %s\n", p, streams, "failed in every repetition");
		return;
	}
	throughput__fmt_rate(s.mean, rate, sizeof(rate));
	if (n > 1)
		throughput__fmt_rate(s.stderr_mean, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "-");
	fprintf(out, "%5d %7d %14s %14s %11.0f ", p, streams, rate, err, pps / n);
	if (proto == UDP)
		fprintf(out, "%7.2f%% ", sent > 0 ? 100 * lost / sent : 0);
	else
		fprintf(out, "%8.0f ", retr / n);
	fprintf(out, "%8.1f %8.1f%s\n", scpu / n, rcpu / n,
		n < t->n_repeats ? "  (some failed)" : "");
}

void throughput__print(const struct result *r, FILE *out)
{
	const struct throughput *t = &r->throughput;
	int proto = proto_of(&r->config), n_pairs = 0, failed = throughput__failed(t);
	struct summary seg = throughput__summary(t, "segments_per_second");
	struct summary win = throughput__summary(t, "seconds");
	struct summary spread = throughput__summary(t, "start_spread");
	char rate[32];
	bool common = true;

	if (!t->present)
		return;
	for (int i = 0; i < t->n_repeats; i++) {
		n_pairs = t->repeats[i].n_pairs > n_pairs ? t->repeats[i].n_pairs : n_pairs;
		common &= t->repeats[i].common_window || !throughput__repeat_counts(&t->repeats[i]);
	}
	fprintf(out, "throughput: %s",
		throughput__fmt_rate(t->bits_per_second, rate, sizeof(rate)));
	if (t->n_repeats > 1)
		fprintf(out, " +- %s (stderr, %d repeats)",
			throughput__fmt_rate(t->stderr_bps, rate, sizeof(rate)), t->n_repeats);
	fprintf(out, ", %.0f packets/s at the receiver%s", t->packets_per_second,
		n_pairs > 1 ? "s" : "");
	if (seg.mean > t->packets_per_second * 1.05)
		fprintf(out, " (about %.0f MTU-sized segments/s)", seg.mean);
	fputc('\n', out);
	if (!n_pairs)
		return;
	if (common)
		fprintf(out,
			"window: %.2f s in which every measured pair ran; test starts spread "
			"over %.1f ms\n",
			win.mean, spread.mean * 1e3);
	else
		fprintf(out, "window: no common window in some repetition (a pair started after "
			     "another had ended): those figures cover each pair's own test\n");
	if (n_pairs > 1 && n_pairs <= 32) {
		fprintf(out, "%5s %7s %14s %14s %11s %8s %8s %8s\n", "pair", "streams", "goodput",
			"+- stderr", "packets/s", proto == UDP ? "lost" : "retrans", "snd cpu%",
			"rcv cpu%");
		for (int p = 0; p < n_pairs; p++)
			print_pair_line(t, p, proto, out);
	} else if (n_pairs > 32) {
		struct summary per;
		double *v = calloc((size_t)n_pairs * t->n_repeats, sizeof(*v));
		int n = 0;

		for (int i = 0; v && i < t->n_repeats; i++)
			for (int p = 0; p < t->repeats[i].n_pairs; p++)
				if (t->repeats[i].pairs[p].ok)
					v[n++] = t->repeats[i].pairs[p].bits_per_second;
		per = stats__summarize(v, n);
		free(v);
		fprintf(out, "pairs: %d, each %s on average", n_pairs,
			throughput__fmt_rate(per.mean, rate, sizeof(rate)));
		fprintf(out, " (min %s", throughput__fmt_rate(per.min, rate, sizeof(rate)));
		fprintf(out, ", max %s; every pair is in the result file)\n",
			throughput__fmt_rate(per.max, rate, sizeof(rate)));
	}
	if (failed) {
		fprintf(out, "failed: %d pair-run%s of %d\n", failed, failed == 1 ? "" : "s",
			n_pairs * t->n_repeats);
		for (int i = 0; i < t->n_repeats; i++)
			for (int p = 0; p < t->repeats[i].n_pairs; p++)
				if (!t->repeats[i].pairs[p].ok)
					fprintf(out, "  repeat %d, pair %d: %s\n", i + 1, p,
						t->repeats[i].pairs[p].error);
	}
}

/* ---- CSV ---- */

static void csv_str(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s == '\n' ? ' ' : *s, out);
	}
	fputc('"', out);
}

void throughput__csv_header(FILE *out)
{
	fputs("kind,mode,layout,proto,mtu,pairs,streams,repeats,duration,status,bps_mean,"
	      "bps_stderr,bps_stddev,pps_mean,pps_stderr,segments_per_second,retransmits,"
	      "lost_percent,pairs_measured_min,failed_pairs,window_s,file,note\n",
	      out);
}

void throughput__csv_row(FILE *out, const struct result_config *c, const struct throughput *t,
			 const char *status, const char *file, const char *note)
{
	csv_str(out, c->kind);
	fputc(',', out);
	csv_str(out, c->mode);
	fputc(',', out);
	csv_str(out, c->layout);
	fprintf(out, ",%s,%d,%d,%d,%d,%g,", c->proto, c->mtu, c->pairs, c->streams, c->repeat,
		c->duration);
	csv_str(out, status ? status : throughput__status(t));
	if (t && t->n_repeats) {
		struct summary pps = throughput__summary(t, "packets_per_second");
		struct summary bps = throughput__summary(t, "bits_per_second");

		fprintf(out, ",%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,", bps.mean, bps.stderr_mean,
			bps.stddev, pps.mean, pps.stderr_mean,
			throughput__summary(t, "segments_per_second").mean);
		if (!strcmp(c->proto, "tcp"))
			fprintf(out, "%.0f,,", throughput__summary(t, "retransmits").mean);
		else
			fprintf(out, ",%.4f,", throughput__summary(t, "lost_percent").mean);
		fprintf(out, "%d,%d,%.3f,", throughput__min_measured(t), throughput__failed(t),
			throughput__summary(t, "seconds").mean);
	} else {
		fputs(",,,,,,,,,,,,", out);
	}
	csv_str(out, file ? file : "");
	fputc(',', out);
	csv_str(out, note ? note : "");
	fputc('\n', out);
}

const char *throughput__fmt_rate(double bps, char *buf, size_t len)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%.2f Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.2f Mbit/s", bps / 1e6);
	else
		snprintf(buf, len, "%.0f kbit/s", bps / 1e3);
	return buf;
}
