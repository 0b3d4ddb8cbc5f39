// SPDX-License-Identifier: GPL-2.0
/* iperf3's JSON documents into a load's figures, and the window every pair ran in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "analysis/iperf.h"

void iperf__free(struct load_result *res, int n)
{
	for (int i = 0; res && i < n; i++) {
		free(res[i].send_iv);
		free(res[i].recv_iv);
		free(res[i].samples);
		res[i].send_iv = res[i].recv_iv = NULL;
		res[i].samples = NULL;
		res[i].n_send = res[i].n_recv = res[i].n_samples = res[i].cap_samples = 0;
	}
}

/* ---- iperf3's JSON ---- */

static json_object *path(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL, *y = NULL;

	if (!o || !json_object_object_get_ex(o, a, &x))
		return NULL;
	if (!b)
		return x;
	return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static double num(json_object *o, const char *k)
{
	json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

/* intervals[].sum of an iperf3 document into a new array; how many, or -1. */
static int parse_intervals(json_object *doc, struct load_interval **out)
{
	json_object *arr = path(doc, "intervals", NULL);
	int n;

	*out = NULL;
	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	n = (int)json_object_array_length(arr);
	if (!n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -1;
	for (int i = 0; i < n; i++) {
		json_object *sum = path(json_object_array_get_idx(arr, i), "sum", NULL);
		struct load_interval *iv = &(*out)[i];

		iv->start = num(sum, "start");
		iv->end = num(sum, "end");
		iv->bytes = num(sum, "bytes");
		iv->packets = num(sum, "packets");
		iv->lost = num(sum, "lost_packets");
		iv->retransmits = num(sum, "retransmits");
	}
	return n;
}

int iperf__parse_json(const char *json, enum load_proto proto, bool reverse, bool stopped,
		      struct load_result *r)
{
	json_object *root = json_tokener_parse(json), *err, *sent, *recv, *cpu, *udp, *streams;
	struct load_interval *client_iv = NULL, *server_iv = NULL;
	json_object *server;
	int n_client, n_server;

	if (!root) {
		snprintf(r->error, sizeof(r->error), "iperf3's output is not JSON");
		return -EINVAL;
	}
	err = path(root, "error", NULL);
	/* A stopped client's report names the interrupt as its error; its totals are there. */
	if (err && stopped && path(root, "end", "sum_sent")) {
		r->stopped = true;
		err = NULL;
	}
	if (err) {
		snprintf(r->error, sizeof(r->error), "iperf3: %s", json_object_get_string(err));
		json_object_put(root);
		return -EIO;
	}
	sent = path(root, "end", "sum_sent");
	recv = path(root, "end", "sum_received");
	if (!sent || !recv) {
		snprintf(r->error, sizeof(r->error),
			 "iperf3's JSON has no end.sum_sent/sum_received");
		json_object_put(root);
		return -EINVAL;
	}
	r->seconds = num(recv, "seconds");
	r->sent_bps = num(sent, "bits_per_second");
	r->recv_bps = num(recv, "bits_per_second");
	r->sent_bytes = (__u64)num(sent, "bytes");
	r->recv_bytes = (__u64)num(recv, "bytes");
	if (proto == LOAD_TCP) {
		r->retransmits = (__u64)num(sent, "retransmits");
	} else {
		/* The receiver's loss count; iperf3 3.12 also keeps it in end.sum. */
		udp = path(recv, "lost_packets", NULL) ? recv : path(root, "end", "sum");
		r->lost_packets = (__u64)num(udp, "lost_packets");
		r->packets = (__u64)num(udp, "packets");
		r->lost_percent = num(udp, "lost_percent");
		r->jitter_ms = num(udp, "jitter_ms");
		/* Out-of-order datagrams are counted per stream only. */
		streams = path(root, "end", "streams");
		for (size_t i = 0; streams && i < json_object_array_length(streams); i++)
			r->out_of_order +=
			    (__u64)num(path(json_object_array_get_idx(streams, i), "udp", NULL),
				       "out_of_order");
	}
	cpu = path(root, "end", "cpu_utilization_percent");
	r->cpu_client = num(cpu, "host_total");
	r->cpu_server = num(cpu, "remote_total");

	n_client = parse_intervals(root, &client_iv);
	server = path(root, "server_output_json", NULL);
	n_server = server ? parse_intervals(server, &server_iv) : 0;
	if (n_client < 0 || n_server < 0) {
		free(client_iv);
		free(server_iv);
		snprintf(r->error, sizeof(r->error), "out of memory reading iperf3's intervals");
		json_object_put(root);
		return -ENOMEM;
	}
	/* Stopped before its first interval: its zeros are not a measurement. */
	if (r->stopped && !n_client && !n_server) {
		r->stopped = false;
		snprintf(r->error, sizeof(r->error), "stopped before its test measured anything");
		json_object_put(root);
		return -EIO;
	}
	free(r->send_iv);
	free(r->recv_iv);
	r->send_iv = reverse ? server_iv : client_iv;
	r->n_send = reverse ? n_server : n_client;
	r->recv_iv = reverse ? client_iv : server_iv;
	r->n_recv = reverse ? n_client : n_server;
	r->ok = true;
	json_object_put(root);
	return 0;
}

/* ---- the window ---- */

void iperf__interval_sum(const struct load_interval *iv, int n, double a, double b,
			 struct load_interval *out)
{
	memset(out, 0, sizeof(*out));
	out->start = a;
	out->end = b;
	for (int i = 0; i < n; i++) {
		double len = iv[i].end - iv[i].start, lo, hi, f;

		if (len <= 0) {
			f = iv[i].start >= a && iv[i].start <= b;
		} else {
			lo = iv[i].start > a ? iv[i].start : a;
			hi = iv[i].end < b ? iv[i].end : b;
			f = hi > lo ? (hi - lo) / len : 0;
		}
		out->bytes += f * iv[i].bytes;
		out->packets += f * iv[i].packets;
		out->lost += f * iv[i].lost;
		out->retransmits += f * iv[i].retransmits;
	}
}

struct span {
	double recv_start, send_start; /* the receiving and sending side's test start */
	double start, end;	       /* when the receiver's intervals begin and end */
};

static double first_known(double a, double b, bool *known)
{
	if (a >= 0)
		return a;
	if (b >= 0)
		return b;
	*known = false;
	return 0;
}

static struct span span_of(const struct load_result *r, bool reverse, bool *known)
{
	double client = r->client_start, server = r->server_start;
	struct span s;

	s.recv_start =
	    reverse ? first_known(client, server, known) : first_known(server, client, known);
	s.send_start =
	    reverse ? first_known(server, client, known) : first_known(client, server, known);
	if (r->n_recv) {
		s.start = s.recv_start + r->recv_iv[0].start;
		s.end = s.recv_start + r->recv_iv[r->n_recv - 1].end;
	} else if (r->n_send) {
		s.start = s.send_start + r->send_iv[0].start;
		s.end = s.send_start + r->send_iv[r->n_send - 1].end;
	} else {
		s.start = s.recv_start;
		s.end = s.recv_start + r->seconds;
	}
	return s;
}

/* The first sample at or after t (after: true) or the last at or before it; -1 if none. */
static int sample_at(const struct load_result *r, double t, bool after)
{
	if (after) {
		for (int i = 0; i < r->n_samples; i++)
			if (r->samples[i].t >= t)
				return i;
	} else {
		for (int i = r->n_samples - 1; i >= 0; i--)
			if (r->samples[i].t <= t)
				return i;
	}
	return -1;
}

static void figures(struct load_result *r, const struct span *s, double a, double b)
{
	struct load_interval sum;

	r->win_start = a;
	r->win_end = b;
	if (r->n_recv) {
		iperf__interval_sum(r->recv_iv, r->n_recv, a - s->recv_start, b - s->recv_start,
				    &sum);
	} else {
		/* No receiver intervals (the server's output was lost): the sender's. */
		iperf__interval_sum(r->send_iv, r->n_send, a - s->send_start, b - s->send_start,
				    &sum);
	}
	r->win_bytes = sum.bytes;
	r->win_packets = sum.packets;
	r->win_lost = sum.lost;
	iperf__interval_sum(r->send_iv, r->n_send, a - s->send_start, b - s->send_start, &sum);
	r->win_retransmits = sum.retransmits;
	if (!r->n_recv && !r->n_send) {
		r->win_bytes = r->recv_bytes;
		r->win_packets = r->packets;
		r->win_lost = r->lost_packets;
		r->win_retransmits = r->retransmits;
	}
}

void iperf__window(struct load_result *res, int n, bool reverse, struct load_window *win)
{
	struct load_window w = {.starts_known = true,
				.first_start = 1e18,
				.start = -1e18,
				.end = 1e18,
				.last_start = -1e18};
	double earliest = 1e18, latest = -1e18; /* of any measured pair's test */
	bool samples = false;

	for (int i = 0; i < n; i++) {
		struct span s;

		if (!res[i].ok)
			continue;
		s = span_of(&res[i], reverse, &w.starts_known);
		w.measured++;
		w.start = s.start > w.start ? s.start : w.start;
		w.end = s.end < w.end ? s.end : w.end;
		earliest = s.start < earliest ? s.start : earliest;
		latest = s.end > latest ? s.end : latest;
		w.first_start = s.recv_start < w.first_start ? s.recv_start : w.first_start;
		w.last_start = s.recv_start > w.last_start ? s.recv_start : w.last_start;
		samples |= res[i].n_samples > 0;
	}
	if (!w.measured) {
		w = (struct load_window){0};
		goto out;
	}
	w.common = w.end > w.start;
	/* Every pair needs two counter samples inside the window. */
	for (int i = 0; i < n && w.common && samples; i++) {
		int a, b;

		if (!res[i].ok)
			continue;
		a = sample_at(&res[i], w.start, true);
		b = sample_at(&res[i], w.end, false);
		if (a < 0 || b <= a)
			w.common = false;
	}
	for (int i = 0; i < n; i++) {
		struct load_result *r = &res[i];
		struct span s;
		int a, b;

		if (!r->ok)
			continue;
		s = span_of(r, reverse, &(bool){true});
		if (r->n_samples >= 2) {
			r->run_dev_packets =
			    r->samples[r->n_samples - 1].packets - r->samples[0].packets;
			r->run_dev_bytes = r->samples[r->n_samples - 1].bytes - r->samples[0].bytes;
		}
		if (w.common) {
			a = sample_at(r, w.start, true);
			b = sample_at(r, w.end, false);
			if (samples && a >= 0 && b > a) {
				figures(r, &s, r->samples[a].t, r->samples[b].t);
				r->dev_packets = r->samples[b].packets - r->samples[a].packets;
				r->dev_bytes = r->samples[b].bytes - r->samples[a].bytes;
			} else {
				figures(r, &s, w.start, w.end);
			}
			continue;
		}
		/* No common window: the pair's own test, its counters around it. */
		figures(r, &s, s.start, s.end);
		a = sample_at(r, s.start, false);
		b = sample_at(r, s.end, true);
		if (a < 0)
			a = 0;
		if (b < 0)
			b = r->n_samples - 1;
		if (b > a) {
			r->dev_packets = r->samples[b].packets - r->samples[a].packets;
			r->dev_bytes = r->samples[b].bytes - r->samples[a].bytes;
		}
	}
	if (!w.common) {
		/* What the pairs' own tests covered together. */
		w.start = earliest;
		w.end = latest;
	}
out:
	if (win)
		*win = w;
}
