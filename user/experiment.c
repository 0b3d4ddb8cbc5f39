// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "user/experiment.h"
#include "user/clock.h"
#include "user/collect.h"
#include "user/session.h"
#include "analysis/merge.h"
#include "analysis/throughput.h"

#define UDP_OVERHEAD 28 /* IPv4 and UDP headers */

void experiment__defaults(struct experiment *e)
{
	memset(e, 0, sizeof(*e));
	e->load.proto = LOAD_TCP;
	e->load.duration_s = 10;
	e->load.streams = 1;
	e->repeat = 1;
}

int experiment__streams(int total, int n, int i)
{
	if (total <= 0 || n <= 0)
		return 0;
	return total / n + (i < total % n);
}

void experiment__config(const struct experiment *e, const struct topo_spec *spec, struct result *r)
{
	struct result_config *c = &r->config;

	snprintf(c->kind, sizeof(c->kind), "%s", topo_kind__name(spec->kind));
	if (spec->kind == TOPO_MACVLAN || spec->kind == TOPO_IPVLAN)
		snprintf(c->mode, sizeof(c->mode), "%s", topo_mode__name(spec->kind, spec->mode));
	snprintf(c->layout, sizeof(c->layout), "%s", topo_layout__name(spec->layout));
	snprintf(c->proto, sizeof(c->proto), "%s", e->load.proto == LOAD_UDP ? "udp" : "tcp");
	c->pairs = spec->pairs;
	c->mtu = spec->mtu ? spec->mtu : 1500;
	c->streams = e->streams_total	   ? experiment__streams(e->streams_total, spec->pairs, 0)
		     : e->load.streams > 0 ? e->load.streams
					   : 1;
	c->streams_total = e->streams_total;
	c->repeat = e->repeat;
	c->duration = e->load.duration_s;
	c->reverse = e->load.reverse;
	c->pinned = !e->load.no_pin;
	c->bitrate = e->load.bitrate;
	c->blksize = e->load.blksize		 ? e->load.blksize
		     : e->load.proto == LOAD_UDP ? topo__container_mtu(spec) - UDP_OVERHEAD
						 : 0;
}

double experiment__segments(double packets, double bytes, bool udp, int mtu)
{
	/* Ethernet, IPv4, and UDP or TCP with timestamps: what each segment carries besides data.
	 */
	double hdr = 14 + 20 + (udp ? 8 : 32), seg = mtu - 20 - (udp ? 8 : 32), data;

	if (packets <= 0 || seg <= 0)
		return packets > 0 ? packets : 0;
	data = bytes - packets * hdr;
	return data / seg > packets ? ceil(data / seg) : packets;
}

struct hook_ctx {
	const struct experiment *e;
	const struct topo *t;
	int rep;
	/* --listen: where tick() puts its snapshots */
	struct probes *l;
	struct result *r;
	double *mark;
	int live_rc;
};

static int snapshot(const struct experiment *e, struct probes *l, struct result *r,
		    struct repeat_stat *rs, double seconds);

static int counters(void *ctx, int pair, __u64 *packets, __u64 *bytes)
{
	struct hook_ctx *h = ctx;
	const struct topo_pair *p = &h->t->pairs[pair];
	int dev = h->e->load.reverse ? p->client_dev : p->server_dev, sharing = 0;
	struct rtnl_link_stats64 st;
	int rc;

	/* The receiving container's interface: its rx counters are the packets delivered. */
	rc = topo__dev_stats(h->t, dev, &st);
	if (rc)
		return rc;
	/*
	 * The host kind's pairs share one lo: each pair gets its share, so that the pairs'
	 * sum is what lo carried. (lo also counts the other direction: TCP's acknowledgements
	 * are in its packets; docs/TOPOLOGY.md says so.)
	 */
	for (int i = 0; i < h->t->n_pairs; i++)
		sharing += (h->e->load.reverse ? h->t->pairs[i].client_dev
					       : h->t->pairs[i].server_dev) == dev;
	if (sharing < 1)
		sharing = 1;
	*packets = st.rx_packets / sharing;
	*bytes = st.rx_bytes / sharing;
	return 0;
}

static void tick(void *ctx, int elapsed, int duration)
{
	struct hook_ctx *h = ctx;

	if (h->e->progress)
		h->e->progress(h->e->ctx, h->rep, h->e->repeat, elapsed, duration);
	/* The served figures follow the load second by second; the repetition's account too. */
	if (h->e->metrics && h->l && elapsed > 0 && !h->live_rc &&
	    elapsed % (h->e->metrics_interval > 0 ? h->e->metrics_interval : 1) == 0) {
		double now = now_s();

		h->live_rc = snapshot(h->e, h->l, h->r, &h->r->throughput.repeats[h->rep - 1],
				      now - *h->mark);
		*h->mark = now;
	}
}

static void pair_figures(const struct experiment *e, int mtu, const struct load_result *res, int i,
			 struct pair_stat *ps)
{
	bool udp = e->load.proto == LOAD_UDP, rev = e->load.reverse;
	double secs = res->win_end - res->win_start;
	double recv_start = rev ? res->client_start : res->server_start;

	memset(ps, 0, sizeof(*ps));
	ps->pair = i;
	ps->ok = res->ok;
	ps->stopped = res->stopped;
	ps->streams = res->streams;
	if (!res->ok) {
		snprintf(ps->error, sizeof(ps->error), "%s", res->error);
		return;
	}
	ps->start = recv_start >= 0 ? recv_start : rev ? res->server_start : res->client_start;
	ps->seconds = secs;
	ps->bytes = res->win_bytes;
	ps->device_packets = res->dev_packets;
	ps->device_bytes = res->dev_bytes;
	if (secs > 0) {
		ps->bits_per_second = 8 * res->win_bytes / secs;
		ps->packets_per_second = res->dev_packets / secs;
		ps->segments_per_second =
		    experiment__segments(res->dev_packets, res->dev_bytes, udp, mtu) / secs;
	}
	ps->retransmits = res->win_retransmits;
	ps->lost_packets = res->win_lost;
	ps->packets = res->win_packets;
	ps->run_seconds = res->seconds;
	ps->run_bits_per_second = res->recv_bps;
	ps->run_bytes = res->recv_bytes;
	ps->run_device_packets = res->run_dev_packets;
	ps->run_device_bytes = res->run_dev_bytes;
	ps->lost_percent = res->lost_percent;
	ps->jitter_ms = res->jitter_ms;
	ps->out_of_order = res->out_of_order;
	/* iperf3's "host" is the client, which receives with --reverse. */
	ps->sender_cpu = rev ? res->cpu_server : res->cpu_client;
	ps->receiver_cpu = rev ? res->cpu_client : res->cpu_server;
}

static void repeat_figures(struct repeat_stat *rs, const struct load_window *w)
{
	double seconds = 0, jitter = 0;

	for (int i = 0; i < rs->n_pairs; i++) {
		const struct pair_stat *ps = &rs->pairs[i];

		if (!ps->ok)
			continue;
		rs->pairs_measured++;
		rs->bits_per_second += ps->bits_per_second;
		rs->packets_per_second += ps->packets_per_second;
		rs->segments_per_second += ps->segments_per_second;
		rs->bytes += ps->bytes;
		rs->device_packets += ps->device_packets;
		rs->device_bytes += ps->device_bytes;
		rs->retransmits += ps->retransmits;
		rs->lost_packets += ps->lost_packets;
		rs->sent_packets += ps->packets;
		rs->out_of_order += ps->out_of_order;
		rs->sender_cpu += ps->sender_cpu;
		rs->receiver_cpu += ps->receiver_cpu;
		rs->run_bytes += ps->run_bytes;
		rs->run_device_packets += ps->run_device_packets;
		rs->run_device_bytes += ps->run_device_bytes;
		seconds += ps->seconds;
		jitter += ps->jitter_ms;
	}
	if (rs->pairs_measured) {
		rs->seconds = seconds / rs->pairs_measured;
		rs->jitter_ms = jitter / rs->pairs_measured;
	}
	rs->lost_percent = rs->sent_packets > 0 ? 100 * rs->lost_packets / rs->sent_packets : 0;
	rs->window_start = w->start;
	rs->window_end = w->end;
	rs->start_spread = w->measured ? w->last_start - w->first_start : 0;
	rs->common_window = w->common;
	rs->starts_known = w->starts_known;
}

/*
 * The probes' figures since the last snapshot, added to r (through the metrics
 * server's lock when it serves r); a short account added to rs.
 */
static int snapshot(const struct experiment *e, struct probes *l, struct result *r,
		    struct repeat_stat *rs, double seconds)
{
	struct result tmp = {0};
	int rc = collect__snapshot(l, &tmp);

	if (!rc) {
		tmp.profile_seconds = seconds;
		rc = metrics_server__add(e->metrics, r, &tmp);
	}
	if (!rc && rs) {
		rs->has_profile = true;
		rs->profile_seconds += seconds;
		rs->packets_followed += tmp.counters[NS_CNT_STARTED] + tmp.counters[NS_CNT_MIDWAY];
		rs->net_rx_ns += tmp.softirq.total.net_rx_ns;
		for (int i = 0; i < tmp.n_drops; i++)
			rs->drops += tmp.drops[i].count;
	}
	result__free(&tmp);
	return rc;
}

static void add_missing(struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_missing(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->stop.n_missing >= RESULT_MAX_MISSING)
		return;
	va_start(ap, fmt);
	vsnprintf(r->stop.missing[r->stop.n_missing++], sizeof(r->stop.missing[0]), fmt, ap);
	va_end(ap);
}

/* A stopped experiment: say how much of it was measured and what its result lacks. */
static void describe_stop(const struct experiment *e, struct result *r, bool probes)
{
	const struct throughput *tp = &r->throughput;
	const struct repeat_stat *last = tp->n_repeats ? &tp->repeats[tp->n_repeats - 1] : NULL;
	struct result_interruption *st = &r->stop;
	int started = tp->n_repeats, silent = 0;

	st->interrupted = true;
	snprintf(st->signal, sizeof(st->signal), "%s",
		 session_stop == SIGTERM ? "SIGTERM" : "SIGINT");
	st->repeats_finished = last && last->stopped ? started - 1 : started;
	st->load_seconds = st->repeats_finished * (double)e->load.duration_s;
	if (!started) {
		add_missing(r,
			    "the load was stopped before its clients started: no throughput "
			    "figures%s",
			    probes ? "; the probes' figures cover the set-up only" : "");
		return;
	}
	if (last->stopped) {
		st->load_seconds += last->stopped_at;
		for (int i = 0; i < last->n_pairs; i++)
			silent += !last->pairs[i].ok;
		add_missing(r, "repetition %d: iperf3's %s side (%s) was lost at the stop: %s",
			    started, e->load.reverse ? "sending" : "receiving",
			    e->load.reverse ? "the servers" : "the servers, and their CPU use",
			    e->load.reverse ? "TCP retransmits are unknown"
			    : e->load.proto == LOAD_UDP
				? "goodput is what the clients sent; loss and jitter are unknown"
				: "goodput is what the clients sent (bytes in flight at the stop "
				  "count as delivered)");
		if (silent)
			add_missing(r,
				    "repetition %d: %d of %d pairs gave no figures before the "
				    "stop (see failed_pairs)",
				    started, silent, last->n_pairs);
	}
	if (started < e->repeat)
		add_missing(r, "repetitions %d to %d were not run", started + 1, e->repeat);
}

int experiment__run(const struct experiment *e, const struct topo *t, struct probes *l,
		    struct result *r)
{
	int n = t->n_pairs, rc = 0, mtu = topo__container_mtu(&t->spec);
	struct load_spec spec = e->load;
	struct load_pair *pairs = calloc(n, sizeof(*pairs));
	struct load_result *res = calloc(n, sizeof(*res));
	double mark = 0;
	struct hook_ctx h = {.e = e, .t = t, .l = l, .r = r, .mark = &mark};
	struct load_hooks hooks = {.tick = tick, .counters = counters, .ctx = &h};
	struct throughput *tp = &r->throughput;

	tp->repeats = calloc(e->repeat, sizeof(*tp->repeats));
	if (!pairs || !res || !tp->repeats) {
		rc = -ENOMEM;
		goto out;
	}
	tp->present = true;
	/* One datagram per packet: no IP fragments. */
	if (spec.proto == LOAD_UDP && !spec.blksize)
		spec.blksize = mtu - UDP_OVERHEAD;
	for (int i = 0; i < n; i++) {
		pairs[i].server_netns = t->ns[t->pairs[i].server_ns].path;
		pairs[i].client_netns = t->ns[t->pairs[i].client_ns].path;
		inet_ntop(AF_INET, &t->pairs[i].server_ip4, pairs[i].server_addr,
			  sizeof(pairs[i].server_addr));
		inet_ntop(AF_INET, &t->pairs[i].client_ip4, pairs[i].client_addr,
			  sizeof(pairs[i].client_addr));
		/* nat: the client connects to the host's published address and mapped port. */
		if (t->pairs[i].target_ip4.s_addr &&
		    t->pairs[i].target_ip4.s_addr != t->pairs[i].server_ip4.s_addr)
			inet_ntop(AF_INET, &t->pairs[i].target_ip4, pairs[i].connect_addr,
				  sizeof(pairs[i].connect_addr));
		pairs[i].connect_port = t->pairs[i].target_port;
		pairs[i].streams = experiment__streams(e->streams_total, n, i);
	}
	if (l) {
		/* The profile starts with the load: drop what the probes saw before. */
		struct result scratch = {0};

		rc = snapshot(&(struct experiment){0}, l, &scratch, NULL, 0);
		result__free(&scratch);
		if (!rc)
			rc = probes__cost_begin(l, r);
		if (rc)
			goto out;
		mark = now_s();
	}
	for (int rep = 0; rep < e->repeat; rep++) {
		struct repeat_stat *rs = &tp->repeats[rep];
		struct load_window w;

		h.rep = rep + 1;
		rc = traffic__run(&spec, pairs, n, &hooks, &session_stop, res, &w);
		session__progress_done();
		/* Stopped after the release: what the pairs measured until then is kept. */
		if (rc && !(rc == -EINTR && w.stopped))
			goto out;
		rs->pairs = calloc(n, sizeof(*rs->pairs));
		if (!rs->pairs) {
			rc = -ENOMEM;
			goto out;
		}
		rs->n_pairs = n;
		for (int i = 0; i < n; i++)
			pair_figures(e, mtu, &res[i], i, &rs->pairs[i]);
		repeat_figures(rs, &w);
		rs->stopped = w.stopped;
		rs->stopped_at = w.stopped_at;
		tp->n_repeats++;
		iperf__free(res, n);
		if (rs->pairs_measured < n)
			session__note(e->cmd, "repeat %d: %d of %d pairs measured%s", rep + 1,
				      rs->pairs_measured, n,
				      rs->pairs_measured ? "" : "; this repetition has no figures");
		if (l) {
			double now = now_s();
			int src = h.live_rc ? h.live_rc : snapshot(e, l, r, rs, now - mark);

			mark = now;
			if (src) {
				rc = src;
				goto out;
			}
		}
		if (w.stopped) {
			rc = -EINTR;
			goto out;
		}
	}
out:
	if (l)
		probes__cost_end(l, r);
	if (rc == -EINTR)
		describe_stop(e, r, l != NULL);
	iperf__free(res, n);
	throughput__aggregate(tp);
	free(pairs);
	free(res);
	return rc;
}
