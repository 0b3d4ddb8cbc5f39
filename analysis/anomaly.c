// SPDX-License-Identifier: GPL-2.0
/*
 * Lost throughput: where packets die and what caps the rate, from the probe
 * data and iperf3's figures (docs/ATTRIBUTION.md, "Lost throughput").
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/anomaly.h"
#include "analysis/attribution.h"
#include "analysis/stage.h"

#define SATURATED 90.0 /* % of one CPU from which a process counts as CPU-bound */

const char *anomaly_cause__name(enum anomaly_cause c)
{
	static const char *const n[CAUSE_COUNT] = {
	    [CAUSE_SHARED_CPU] = "sender_and_receiver_share_a_cpu",
	    [CAUSE_SOCKET_QUEUE] = "socket_receive_queue",
	    [CAUSE_BACKLOG] = "cpu_backlog",
	    [CAUSE_SENDER_DROP] = "sender_side_drops",
	    [CAUSE_PATH_DROP] = "other_drops",
	    [CAUSE_NO_GSO] = "no_segmentation_offload",
	    [CAUSE_SENDER_CPU] = "sender_cpu",
	    [CAUSE_RECEIVER_CPU] = "receiver_cpu",
	    [CAUSE_SOFTIRQ] = "softirq_limit",
	};
	return c < CAUSE_COUNT ? n[c] : "?";
}

static int data_path(const struct result *r)
{
	return r->config.reverse ? RESULT_PATH_SERVER : RESULT_PATH_CLIENT;
}

static bool is_udp(const struct result *r)
{
	return !strcmp(r->config.proto, "udp");
}

/* Where a drop reason puts the packet's loss. */
static enum anomaly_cause drop_category(const struct drop_stat *d)
{
	static const char *const sock[] = {"SOCKET_RCVBUFF", "PROTO_MEM", "SOCKET_BACKLOG"};
	static const char *const sender[] = {"QDISC", "TC_", "DEV_READY", "FULL_RING", "TXQ"};

	for (size_t i = 0; i < sizeof(sock) / sizeof(sock[0]); i++)
		if (!strcmp(d->reason, sock[i]))
			return CAUSE_SOCKET_QUEUE;
	if (!strcmp(d->reason, "CPU_BACKLOG"))
		return CAUSE_BACKLOG;
	for (size_t i = 0; i < sizeof(sender) / sizeof(sender[0]); i++)
		if (!strncmp(d->reason, sender[i], strlen(sender[i])))
			return CAUSE_SENDER_DROP;
	if (d->stage == NS_STAGE_TX_QUEUE || d->stage == NS_STAGE_TX_START)
		return CAUSE_SENDER_DROP;
	return CAUSE_PATH_DROP;
}

/* Does a drop count against the flow? The data direction; for UDP, not the TCP control link. */
static bool flow_drop(const struct result *r, const struct drop_stat *d)
{
	if (d->path != RESULT_PATH_ANY && d->path != data_path(r))
		return false;
	/* TCP_OLD_DATA and the like are duplicates the sender retransmitted, not losses. */
	if (!strncmp(d->reason, "TCP_", 4))
		return false;
	/* A TCP socket closed with data queued; for UDP, datagrams the reader never took. */
	return is_udp(r) || strcmp(d->reason, "QUEUE_PURGE") != 0;
}

static void appendf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/*
 * iperf3's loss over each pair's whole test, as the kernel's drops cover it:
 * the test's lost share applied to the datagrams it received (its bytes over
 * the datagram size). The repeat's own figures are for the common window of
 * all pairs, which leaves out the test's first and last moments.
 */
static bool whole_test_loss(const struct result *r, const struct repeat_stat *rp, double *lost,
			    double *sent)
{
	int blk = r->config.blksize > 0 ? r->config.blksize : r->config.mtu - 28;

	*lost = *sent = 0;
	if (rp->n_pairs <= 0 || !rp->pairs || blk <= 0)
		return false;
	for (int j = 0; j < rp->n_pairs; j++) {
		const struct pair_stat *ps = &rp->pairs[j];
		double got;

		if (!ps->ok)
			continue;
		if (ps->run_bytes <= 0 || ps->lost_percent < 0 || ps->lost_percent >= 100)
			return false;
		got = ps->run_bytes / blk;
		*lost += got * ps->lost_percent / (100 - ps->lost_percent);
		*sent += got + got * ps->lost_percent / (100 - ps->lost_percent);
	}
	return *sent > 0;
}

static struct anomaly_finding *add_finding(struct anomaly *a, enum anomaly_cause c, double weight)
{
	struct anomaly_finding *f = &a->findings[a->n_findings++];

	memset(f, 0, sizeof(*f));
	f->cause = c;
	f->weight = weight;
	return f;
}

/* Drops on the flow's path by category, with the largest reasons named. */
static void count_drops(const struct result *const *runs, int n, struct anomaly *a)
{
	struct {
		char what[96], where[48];
		enum anomaly_cause cat;
		double count;
	} seen[16];
	int n_seen = 0;
	double sock_fail = 0;

	for (int k = 0; k < n; k++) {
		const struct result *r = runs[k];
		int proto = is_udp(r) ? 17 : 6;

		for (int i = 0; i < r->n_drops; i++) {
			const struct drop_stat *d = &r->drops[i];
			char where[48];
			int j;

			if (!flow_drop(r, d))
				continue;
			a->drops_by[drop_category(d)] += (double)d->count;
			a->kernel_drops += (double)d->count;
			snprintf(where, sizeof(where), "%s on %s",
				 stage__name(d->stage) ? stage__name(d->stage) : "?",
				 attribution__short_dev(d->ifname, "netstage-"));
			for (j = 0; j < n_seen; j++)
				if (!strcmp(seen[j].what, d->reason) &&
				    !strcmp(seen[j].where, where))
					break;
			if (j == n_seen) {
				if (n_seen == 16)
					continue;
				snprintf(seen[n_seen].what, sizeof(seen[0].what), "%s", d->reason);
				snprintf(seen[n_seen].where, sizeof(seen[0].where), "%s", where);
				seen[n_seen].cat = drop_category(d);
				seen[n_seen++].count = 0;
			}
			seen[j].count += (double)d->count;
		}
		for (int i = 0; i < r->n_socks; i++)
			if (r->socks[i].protocol == proto)
				sock_fail += (double)r->socks[i].queue_fail;
		a->backlog_drops += r->softirq.total.backlog_drops;
	}
	/* Kernels without drop reasons still count failed socket queueing and backlog drops. */
	if (a->drops_by[CAUSE_SOCKET_QUEUE] == 0 && sock_fail > 0) {
		a->drops_by[CAUSE_SOCKET_QUEUE] = sock_fail;
		a->kernel_drops += sock_fail;
		appendf(a->drop_detail, sizeof(a->drop_detail), "socket queueing failed %.0f",
			sock_fail);
		appendf(a->cat_detail[CAUSE_SOCKET_QUEUE], sizeof(a->cat_detail[0]),
			"socket queueing failed %.0f (udp:udp_fail_queue_rcv_skb)", sock_fail);
	}
	if (a->drops_by[CAUSE_BACKLOG] < (double)a->backlog_drops) {
		a->kernel_drops += (double)a->backlog_drops - a->drops_by[CAUSE_BACKLOG];
		a->drops_by[CAUSE_BACKLOG] = (double)a->backlog_drops;
	}
	for (int shown = 0; shown < 6; shown++) {
		int best = -1;

		for (int j = 0; j < n_seen; j++)
			if (seen[j].count > 0 && (best < 0 || seen[j].count > seen[best].count))
				best = j;
		if (best < 0)
			break;
		appendf(a->drop_detail, sizeof(a->drop_detail), "%s%s %.0f after %s",
			a->drop_detail[0] ? ", " : "", seen[best].what, seen[best].count,
			seen[best].where);
		appendf(a->cat_detail[seen[best].cat], sizeof(a->cat_detail[0]),
			"%s%s %.0f after %s", a->cat_detail[seen[best].cat][0] ? ", " : "",
			seen[best].what, seen[best].count, seen[best].where);
		seen[best].count = 0;
	}
}

/* Skbs and wire segments at the sender's first stage, data direction. */
static void first_stage(const struct result *r, double *skbs, double *segs)
{
	bool unknown = false;

	*skbs = *segs = 0;
	for (int i = 0; i < r->n_stages; i++) {
		const struct stage_stat *s = &r->stages[i];

		if (s->stage != NS_STAGE_TX_QUEUE || s->from != NS_STAGE_NONE || s->hop != 0)
			continue;
		if (s->path != RESULT_PATH_ANY && s->path != data_path(r))
			continue;
		*skbs += (double)s->hist.count;
		if (!s->hist.segs)
			unknown = true;
		*segs += (double)s->hist.segs;
	}
	/* Results from before segments were collected: say unknown (0), never 1 per packet. */
	if (unknown)
		*segs = 0;
}

static void tcp_reference(const struct result *ref, struct anomaly *a)
{
	double skbs, segs, bytes = attribution__run_bytes(ref);

	first_stage(ref, &skbs, &segs);
	if (skbs > 0) {
		a->ref_bytes_per_skb = bytes / skbs;
		a->ref_segs_per_skb = segs / skbs;
	}
	a->ref_bps = ref->throughput.bits_per_second;
}

static void cpu_rows(const struct result *const *runs, int n, struct anomaly *a,
		     double *process_ns_per_byte)
{
	struct attribution at;
	char err[128];
	double total = 0;

	*process_ns_per_byte = 0;
	if (attribution__compute(runs, n, NULL, 0, &at, err, sizeof(err)))
		return;
	if (at.side[0].has_process_cpu)
		total = *process_ns_per_byte = at.side[0].process_ns_per_byte;
	else
		total = at.side[0].stages_ns_per_byte;
	/* Rows come ranked by their CPU per byte; the outside estimate is placed below. */
	for (int i = 0; i < at.n_rows && a->n_cpu_rows < 3; i++) {
		const struct attr_row *row = &at.rows[i];
		struct anomaly_cpu_row *c = &a->cpu_rows[a->n_cpu_rows];

		if (!row->cpu || row->cls == ATTR_OUTSIDE || row->v[0].ns_per_byte <= 0)
			continue;
		snprintf(c->label, sizeof(c->label), "%.48s%s", row->label,
			 row->dir == ATTR_DIR_BACK ? " (back)" : "");
		c->ns_per_byte = row->v[0].ns_per_byte;
		c->ns_per_packet = row->v[0].ns_per_packet;
		c->share = total > 0 ? row->v[0].ns_per_byte / total : 0;
		a->n_cpu_rows++;
	}
	/* The outside-the-stages estimate competes too: it is often the largest. */
	for (int i = 0; i < at.n_rows; i++) {
		const struct attr_row *row = &at.rows[i];

		if (row->cls != ATTR_OUTSIDE)
			continue;
		for (int j = 0; j <= a->n_cpu_rows && j < 3; j++) {
			if (j == a->n_cpu_rows ||
			    row->v[0].ns_per_byte > a->cpu_rows[j].ns_per_byte) {
				if (j < 2)
					memmove(&a->cpu_rows[j + 1], &a->cpu_rows[j],
						(2 - j) * sizeof(a->cpu_rows[0]));
				snprintf(a->cpu_rows[j].label, sizeof(a->cpu_rows[j].label),
					 "outside the stages (socket calls, copies)");
				a->cpu_rows[j].ns_per_byte = row->v[0].ns_per_byte;
				a->cpu_rows[j].ns_per_packet = 0;
				a->cpu_rows[j].share =
				    total > 0 ? row->v[0].ns_per_byte / total : 0;
				if (a->n_cpu_rows < 3)
					a->n_cpu_rows++;
				break;
			}
		}
	}
	attribution__free(&at);
}

static void cpu_evidence(const struct anomaly *a, char *buf, size_t len)
{
	appendf(buf, len, "CPU per kB delivered:");
	for (int i = 0; i < a->n_cpu_rows; i++) {
		const struct anomaly_cpu_row *c = &a->cpu_rows[i];

		appendf(buf, len, "%s %s %.0f ns (%.0f%%", i ? ";" : "", c->label,
			c->ns_per_byte * 1000, 100 * c->share);
		if (c->ns_per_packet > 0)
			appendf(buf, len, ", %.0f ns per packet", c->ns_per_packet);
		appendf(buf, len, ")");
	}
	appendf(buf, len, ".");
}

/* Rate shortfall against a reference: a TCP run beside it, or the UDP target rate. */
static double shortfall(const struct result *r0, const struct anomaly *a, double sent_bps,
			char *what, size_t len)
{
	const struct result_config *c = &r0->config;
	double target =
	    (double)c->bitrate * (c->streams ? c->streams : 1) * (c->pairs ? c->pairs : 1);

	if (a->ref_bps > 0 && sent_bps > 0) {
		snprintf(what, len, "the TCP run of the same path (%.2f Gbit/s)", a->ref_bps / 1e9);
		return fmax(0, 1 - sent_bps / a->ref_bps);
	}
	if (target > 0 && sent_bps > 0) {
		snprintf(what, len, "the target rate (%.2f Gbit/s)", target / 1e9);
		return fmax(0, 1 - sent_bps / target);
	}
	snprintf(what, len, "no reference rate");
	return -1;
}

static int cmp_finding(const void *x, const void *y)
{
	const struct anomaly_finding *a = x, *b = y;

	if ((a->weight >= 0) != (b->weight >= 0))
		return a->weight >= 0 ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight < b->weight ? 1 : -1;
	return (int)a->cause - (int)b->cause;
}

/* iperf3's view: its rate, losses, retransmissions and CPU, over the runs' repeats. */
static void iperf3_view(const struct result *const *runs, int n, int pairs, struct anomaly *a)
{
	int ncpu = 0;

	for (int k = 0; k < n; k++) {
		const struct throughput *t = &runs[k]->throughput;

		a->bps += t->bits_per_second / n;
		for (int i = 0; i < t->n_repeats; i++) {
			double lost, sent;

			if (a->udp && whole_test_loss(runs[k], &t->repeats[i], &lost, &sent)) {
				a->lost += lost;
				a->sent += sent;
				a->whole_test++;
			} else {
				a->lost += t->repeats[i].lost_packets;
				a->sent += t->repeats[i].sent_packets;
			}
			a->retransmits += t->repeats[i].retransmits;
			if (t->repeats[i].sender_cpu > 0 || t->repeats[i].receiver_cpu > 0) {
				double snd = t->repeats[i].sender_cpu / pairs;
				double rcv = t->repeats[i].receiver_cpu / pairs;

				/* Together one CPU, neither saturated: the two ends took turns on
				 * it. */
				a->cpu_repeats++;
				if (snd < SATURATED && rcv < SATURATED && snd + rcv >= 70 &&
				    snd + rcv <= 125) {
					a->shared_repeats++;
					appendf(a->shared_detail, sizeof(a->shared_detail),
						"%s%.0f%% + %.0f%%",
						a->shared_detail[0] ? ", " : "", snd, rcv);
				}
				a->sender_cpu = (a->sender_cpu < 0 ? 0 : a->sender_cpu) +
						t->repeats[i].sender_cpu;
				a->receiver_cpu = (a->receiver_cpu < 0 ? 0 : a->receiver_cpu) +
						  t->repeats[i].receiver_cpu;
				ncpu++;
			}
		}
		a->seconds += runs[k]->config.duration * (t->n_repeats ? t->n_repeats : 1);
	}
	if (ncpu) {
		/* Per pair, so that 99 means one saturated CPU whatever the pair count. */
		a->sender_cpu /= ncpu * pairs;
		a->receiver_cpu /= ncpu * pairs;
	}
}

/*
 * The probes' view: drops by where they happened, bytes and wire packets per
 * skb at the sender's first stage, the socket's reads, softirq time. Returns
 * the skbs the sender's first stage saw.
 */
static double probes_view(const struct result *const *runs, int n, const struct result *tcp_ref,
			  struct anomaly *a)
{
	double skbs = 0, segs = 0, bytes = 0, secs = 0, delivered = 0, process = 0;

	for (int k = 0; k < n; k++)
		a->probed =
		    a->probed || runs[k]->n_stages > 0 || runs[k]->softirq.total.net_rx_count;
	count_drops(runs, n, a);
	for (int k = 0; k < n; k++) {
		const struct result *r = runs[k];
		const struct softirq_stat *sq = &r->softirq;
		double s, g;

		first_stage(r, &s, &g);
		skbs += s;
		segs += g;
		bytes += attribution__run_bytes(r);
		secs += r->profile_seconds;
		for (int i = 0; i < r->n_socks; i++)
			if (r->socks[i].protocol == (a->udp ? 17 : 6) && r->socks[i].bytes > 4096)
				delivered += (double)r->socks[i].delivered;
		if (sq->n_cpus > a->n_cpus)
			a->n_cpus = sq->n_cpus;
		for (int i = 0; i < sq->n_cpus; i++) {
			double share = r->profile_seconds > 0
					   ? sq->per_cpu[i].net_rx_ns / (r->profile_seconds * 1e9)
					   : 0;

			if (share > a->softirq_max_share) {
				a->softirq_max_share = share;
				a->softirq_max_cpu = i;
			}
		}
		a->budget_hits += sq->total.napi_budget_hits;
		a->polls += sq->total.napi_polls;
		a->squeeze += sq->total.time_squeeze;
		a->runs += sq->total.net_rx_count;
	}
	if (secs > 0) {
		a->delivered_per_s = delivered / secs;
		a->arrived_per_s = (delivered + a->drops_by[CAUSE_SOCKET_QUEUE]) / secs;
	}
	if (skbs > 0) {
		/* Bytes sent: delivered, plus what was lost on the way. */
		double sent_bytes = bytes;

		if (a->udp && a->sent > a->lost && a->lost > 0)
			sent_bytes = bytes * a->sent / (a->sent - a->lost);
		a->bytes_per_skb = sent_bytes / skbs;
		a->segs_per_skb = segs / skbs;
	}
	if (tcp_ref)
		tcp_reference(tcp_ref, a);
	if (a->udp && a->sent > 0 && a->lost > 0)
		a->drop_diff = (a->kernel_drops - a->lost) / a->lost;
	cpu_rows(runs, n, a, &process);
	return skbs;
}

/* Where packets died: the socket's queue, a CPU's backlog, the sender, the rest of the path. */
static void drop_findings(struct anomaly *a, double loss_base)
{
	if (a->drops_by[CAUSE_SOCKET_QUEUE] > 0) {
		struct anomaly_finding *f =
		    add_finding(a, CAUSE_SOCKET_QUEUE, a->drops_by[CAUSE_SOCKET_QUEUE] / loss_base);

		snprintf(
		    f->what, sizeof(f->what),
		    "the receiving socket's queue overflowed: %.0f %s dropped (%.1f%% of those "
		    "sent)",
		    a->drops_by[CAUSE_SOCKET_QUEUE], a->udp ? "datagrams" : "packets",
		    100 * f->weight);
		appendf(
		    f->evidence, sizeof(f->evidence),
		    "Drops: %s. The application read %.0f %s/s while %.0f/s reached its socket.",
		    a->cat_detail[CAUSE_SOCKET_QUEUE], a->delivered_per_s,
		    a->udp ? "datagrams" : "reads", a->arrived_per_s);
		if (a->receiver_cpu >= SATURATED)
			appendf(
			    f->evidence, sizeof(f->evidence),
			    " The receiving iperf3 is CPU-bound (%.0f%% of a CPU): it cannot read "
			    "faster.",
			    a->receiver_cpu);
		else if (a->shared_repeats > 0)
			appendf(
			    f->evidence, sizeof(f->evidence),
			    " The receiving iperf3 got %.0f%% of a CPU: it shared one CPU with the "
			    "sender, and reads only when the sender and its softirq let it run.",
			    a->receiver_cpu);
		else if (a->receiver_cpu >= 0)
			appendf(
			    f->evidence, sizeof(f->evidence),
			    " The receiving iperf3 is not CPU-bound (%.0f%% of a CPU): the queue "
			    "fills while it waits to be woken and scheduled; the sender and its "
			    "softirq outpace it.",
			    a->receiver_cpu);
	}
	if (a->drops_by[CAUSE_BACKLOG] > 0) {
		struct anomaly_finding *f =
		    add_finding(a, CAUSE_BACKLOG, a->drops_by[CAUSE_BACKLOG] / loss_base);

		snprintf(f->what, sizeof(f->what),
			 "a CPU's backlog was full: %.0f packets dropped (%.1f%% of those sent)",
			 a->drops_by[CAUSE_BACKLOG], 100 * f->weight);
		appendf(f->evidence, sizeof(f->evidence),
			"/proc/net/softnet_stat counted %llu backlog drops and %llu time squeezes; "
			"the forwarding driver queues each packet to the CPU backlog "
			"(net.core.netdev_max_backlog packets at most) for the NET_RX softirq.",
			a->backlog_drops, a->squeeze);
	}
	if (a->drops_by[CAUSE_SENDER_DROP] >= fmax(1, loss_base / 1000)) {
		struct anomaly_finding *f =
		    add_finding(a, CAUSE_SENDER_DROP, a->drops_by[CAUSE_SENDER_DROP] / loss_base);

		snprintf(f->what, sizeof(f->what),
			 "packets were dropped on the sending side: %.0f (%.1f%% of those sent)",
			 a->drops_by[CAUSE_SENDER_DROP], 100 * f->weight);
		appendf(f->evidence, sizeof(f->evidence), "Drops: %s.",
			a->cat_detail[CAUSE_SENDER_DROP]);
	}
	if (a->drops_by[CAUSE_PATH_DROP] >= fmax(1, loss_base / 1000)) {
		struct anomaly_finding *f =
		    add_finding(a, CAUSE_PATH_DROP, a->drops_by[CAUSE_PATH_DROP] / loss_base);

		snprintf(f->what, sizeof(f->what),
			 "other drops on the path: %.0f (%.1f%% of those sent)",
			 a->drops_by[CAUSE_PATH_DROP], 100 * f->weight);
		appendf(f->evidence, sizeof(f->evidence), "Drops: %s.",
			a->cat_detail[CAUSE_PATH_DROP]);
	}
}

/* What caps the rate: no segmentation offload for UDP, so every datagram is a packet. */
static void offload_finding(const struct result *r0, struct anomaly *a, double s_weight,
			    const char *ref_what)
{
	struct anomaly_finding *f;

	if (!(a->udp && a->segs_per_skb < 1.5 && a->bytes_per_skb > 0 &&
	      a->bytes_per_skb <= (r0->config.mtu > 0 ? r0->config.mtu : 65535)))
		return;
	f = add_finding(a, CAUSE_NO_GSO, s_weight);
	snprintf(f->what, sizeof(f->what),
		 "no segmentation offload for UDP: every datagram is its own skb and wire "
		 "packet");
	appendf(f->evidence, sizeof(f->evidence), "At the sender's first stage: %.0f bytes per skb",
		a->bytes_per_skb);
	if (a->segs_per_skb > 0)
		appendf(f->evidence, sizeof(f->evidence), ", %.2f wire packets per skb",
			a->segs_per_skb);
	appendf(f->evidence, sizeof(f->evidence), " (MTU %d).", r0->config.mtu);
	if (a->ref_bytes_per_skb > 0) {
		appendf(f->evidence, sizeof(f->evidence),
			" TCP on the same path: %.0f bytes per skb", a->ref_bytes_per_skb);
		if (a->ref_segs_per_skb > 0)
			appendf(f->evidence, sizeof(f->evidence), ", %.1f wire packets (GSO)",
				a->ref_segs_per_skb);
		appendf(f->evidence, sizeof(f->evidence),
			", so UDP takes %.0f times as many packets per byte and pays every "
			"per-packet cost of every stage that much more often; it sends "
			"%.0f%% below %s.",
			a->ref_bytes_per_skb / a->bytes_per_skb, 100 * fmax(0, s_weight), ref_what);
	} else
		appendf(f->evidence, sizeof(f->evidence),
			" Every per-packet cost of every stage is paid per datagram (give a "
			"TCP run of the same path as the second result to compare packets "
			"per byte).");
}

/* What caps the rate: a saturated or shared CPU, softirq time at its limit. */
static void cpu_findings(const struct result *r0, struct anomaly *a, double s_weight,
			 double loss_base, const char *ref_what)
{
	if (a->sender_cpu >= SATURATED) {
		struct anomaly_finding *f = add_finding(a, CAUSE_SENDER_CPU, s_weight);

		snprintf(f->what, sizeof(f->what),
			 "the sender's CPU is saturated (iperf3 at %.0f%% of a CPU): it caps the "
			 "rate",
			 a->sender_cpu);
		cpu_evidence(a, f->evidence, sizeof(f->evidence));
		appendf(f->evidence, sizeof(f->evidence),
			" The forwarding drivers queue to the sending CPU's backlog, so the "
			"receive softirq also runs there, in the sender's send calls.");
		if (s_weight >= 0)
			appendf(f->evidence, sizeof(f->evidence), " It sends %.0f%% below %s.",
				100 * s_weight, ref_what);
	}
	/*
	 * Only a sender meant to go as fast as it can says something by not being
	 * saturated: UDP at rate 0 (a TCP sender also waits for its window).
	 */
	if (a->udp && a->shared_repeats > 0 && a->n_cpus >= 2 && r0->config.bitrate == 0) {
		/* It caps the rate and starves the reader: it weighs what either costs. */
		double w = fmax(s_weight, a->drops_by[CAUSE_SOCKET_QUEUE] / loss_base);
		struct anomaly_finding *f = add_finding(a, CAUSE_SHARED_CPU, w > 0 ? w : -1);

		snprintf(f->what, sizeof(f->what),
			 "the sender and the receiver took turns on one CPU (%d of %d repeats)",
			 a->shared_repeats, a->cpu_repeats);
		appendf(
		    f->evidence, sizeof(f->evidence),
		    "iperf3's CPU per pair, sender + receiver: %s, of %d CPUs; a sender as fast "
		    "as it can go is not saturated, yet the two ends together use about one CPU: "
		    "the scheduler placed both on it "
		    "(the softirq that wakes the reader runs on the sender's CPU, and the reader "
		    "is woken there). The rate is then that of one CPU doing both ends' work. "
		    "Pinning the two ends to different CPUs (iperf3 -A) takes it away.",
		    a->shared_detail, a->n_cpus);
	}
	if (a->receiver_cpu >= SATURATED) {
		struct anomaly_finding *f =
		    add_finding(a, CAUSE_RECEIVER_CPU,
				a->drops_by[CAUSE_SOCKET_QUEUE] > 0
				    ? a->drops_by[CAUSE_SOCKET_QUEUE] / loss_base
				    : -1);

		snprintf(f->what, sizeof(f->what),
			 "the receiver's CPU is saturated (iperf3 at %.0f%% of a CPU)",
			 a->receiver_cpu);
		cpu_evidence(a, f->evidence, sizeof(f->evidence));
	}
	if (a->softirq_max_share >= 0.9 || (a->runs > 0 && a->squeeze > a->runs / 100) ||
	    (a->polls > 0 && a->budget_hits > a->polls / 100)) {
		struct anomaly_finding *f = add_finding(
		    a, CAUSE_SOFTIRQ,
		    a->drops_by[CAUSE_BACKLOG] > 0 ? a->drops_by[CAUSE_BACKLOG] / loss_base : -1);

		snprintf(f->what, sizeof(f->what),
			 "softirq time at its limit: CPU %d spent %.0f%% of the run in NET_RX",
			 a->softirq_max_cpu, 100 * a->softirq_max_share);
		appendf(
		    f->evidence, sizeof(f->evidence),
		    "NAPI polls used their whole budget %llu times of %llu; the softirq ran out "
		    "of time (time_squeeze) %llu times; backlog drops %llu.",
		    a->budget_hits, a->polls, a->squeeze, a->backlog_drops);
	}
}

/* The dominant cause: the costliest finding from 1% of the throughput, and the summary line. */
static void choose_dominant(struct anomaly *a)
{
	qsort(a->findings, a->n_findings, sizeof(a->findings[0]), cmp_finding);
	if (!a->probed) {
		snprintf(
		    a->summary, sizeof(a->summary),
		    "the result has no probe data (a run with --no-probes): the kernel's side of "
		    "the loss is unknown");
		for (int i = 0; i < a->n_findings && a->dominant < 0; i++)
			if (a->findings[i].cause == CAUSE_SHARED_CPU ||
			    a->findings[i].cause == CAUSE_SENDER_CPU ||
			    a->findings[i].cause == CAUSE_RECEIVER_CPU)
				a->dominant = i;
		return;
	}
	/* Numbers win from 1% of the throughput; a cause without numbers leads only below that. */
	for (int i = 0; i < a->n_findings && a->dominant < 0; i++)
		if (a->findings[i].weight >= 0.01)
			a->dominant = i;
	for (int i = 0; i < a->n_findings && a->dominant < 0; i++)
		if (a->findings[i].weight < 0)
			a->dominant = i;
	if (a->dominant >= 0)
		snprintf(a->summary, sizeof(a->summary), "dominant cause: %s",
			 a->findings[a->dominant].what);
	else if (a->n_findings)
		snprintf(a->summary, sizeof(a->summary),
			 "no cause stands out: every loss found is below 1%% of the throughput");
	else if (!a->udp && a->kernel_drops == 0)
		snprintf(
		    a->summary, sizeof(a->summary),
		    "no cause stands out: the kernel dropped none of the flow's packets on the "
		    "watched path, so the retransmissions were not losses there (duplicates "
		    "after a timeout, or reordering)");
	else
		snprintf(a->summary, sizeof(a->summary),
			 "no cause stands out: no drop on the flow's path, no saturated CPU");
}

void anomaly__check(const struct result *const *runs, int n, const struct result *tcp_ref,
		    struct anomaly *a)
{
	const struct result *r0 = runs[0];
	double skbs, sent_skbs, sent_bps, s_weight, loss_base;
	int pairs = r0->config.pairs > 0 ? r0->config.pairs : 1;
	char ref_what[96];
	bool lossy;

	memset(a, 0, sizeof(*a));
	a->dominant = -1;
	a->udp = is_udp(r0);
	a->sender_cpu = a->receiver_cpu = -1;
	snprintf(a->name, sizeof(a->name), "%s%s%s, %s, %d pair%s", r0->config.kind,
		 r0->config.mode[0] ? " " : "", r0->config.mode, r0->config.proto, pairs,
		 pairs == 1 ? "" : "s");
	iperf3_view(runs, n, pairs, a);
	skbs = probes_view(runs, n, tcp_ref, a);

	sent_skbs = a->udp && a->sent > 0 ? a->sent : skbs;
	loss_base = sent_skbs > 0 ? sent_skbs : 1;
	lossy = a->lost > 0 || a->retransmits > 0 || a->drops_by[CAUSE_SOCKET_QUEUE] > 0 ||
		a->drops_by[CAUSE_BACKLOG] > 0 || a->drops_by[CAUSE_SENDER_DROP] > 0;
	a->applies = a->udp || lossy;
	if (!a->applies)
		return;
	sent_bps = a->udp && a->sent > a->lost ? a->bps * a->sent / (a->sent - a->lost) : a->bps;
	s_weight = shortfall(r0, a, sent_bps, ref_what, sizeof(ref_what));

	drop_findings(a, loss_base);
	offload_finding(r0, a, s_weight, ref_what);
	cpu_findings(r0, a, s_weight, loss_base, ref_what);
	choose_dominant(a);
}

json_object *anomaly__to_json(const struct anomaly *a)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array(), *d;

	json_object_object_add(o, "name", json_object_new_string(a->name));
	json_object_object_add(o, "applies", json_object_new_boolean(a->applies));
	if (!a->applies) {
		json_object_put(arr);
		return o;
	}
	json_object_object_add(o, "summary", json_object_new_string(a->summary));
	if (a->dominant >= 0)
		json_object_object_add(
		    o, "dominant_cause",
		    json_object_new_string(anomaly_cause__name(a->findings[a->dominant].cause)));
	d = json_object_new_object();
	if (a->udp) {
		json_object_object_add(d, "iperf3_sent", json_object_new_double(a->sent));
		json_object_object_add(d, "iperf3_lost", json_object_new_double(a->lost));
		json_object_object_add(
		    d, "iperf3_counts",
		    json_object_new_string(a->whole_test ? "whole tests" : "measurement window"));
		json_object_object_add(d, "kernel_minus_iperf3_relative",
				       json_object_new_double(a->drop_diff));
	} else {
		json_object_object_add(d, "iperf3_retransmits",
				       json_object_new_double(a->retransmits));
	}
	json_object_object_add(d, "kernel_drops", json_object_new_double(a->kernel_drops));
	for (int c = CAUSE_SOCKET_QUEUE; c <= CAUSE_PATH_DROP; c++)
		json_object_object_add(d, anomaly_cause__name(c),
				       json_object_new_double(a->drops_by[c]));
	json_object_object_add(d, "detail", json_object_new_string(a->drop_detail));
	json_object_object_add(o, "loss", d);
	d = json_object_new_object();
	json_object_object_add(d, "bytes_per_skb", json_object_new_double(a->bytes_per_skb));
	json_object_object_add(d, "segments_per_skb", json_object_new_double(a->segs_per_skb));
	if (a->ref_bytes_per_skb > 0) {
		json_object_object_add(d, "tcp_bytes_per_skb",
				       json_object_new_double(a->ref_bytes_per_skb));
		json_object_object_add(d, "tcp_segments_per_skb",
				       json_object_new_double(a->ref_segs_per_skb));
	}
	if (a->sender_cpu >= 0) {
		json_object_object_add(d, "sender_cpu_percent",
				       json_object_new_double(a->sender_cpu));
		json_object_object_add(d, "receiver_cpu_percent",
				       json_object_new_double(a->receiver_cpu));
	}
	json_object_object_add(d, "softirq_busiest_cpu_share",
			       json_object_new_double(a->softirq_max_share));
	json_object_object_add(o, "rate", d);
	for (int i = 0; i < a->n_findings; i++) {
		const struct anomaly_finding *f = &a->findings[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "cause",
				       json_object_new_string(anomaly_cause__name(f->cause)));
		if (f->weight >= 0)
			json_object_object_add(j, "share_of_throughput",
					       json_object_new_double(f->weight));
		json_object_object_add(j, "what", json_object_new_string(f->what));
		json_object_object_add(j, "evidence", json_object_new_string(f->evidence));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "findings", arr);
	return o;
}
