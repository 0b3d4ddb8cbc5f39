// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>
#include "analysis/openmetrics.h"
#include "analysis/hist.h"
#include "analysis/stage.h"

struct label {
	const char *key, *value;
};

void openmetrics__escape(struct strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '\\':
			strbuf__append(b, "\\\\", 2);
			break;
		case '"':
			strbuf__append(b, "\\\"", 2);
			break;
		case '\n':
			strbuf__append(b, "\\n", 2);
			break;
		default:
			strbuf__append(b, s, 1);
		}
	}
}

/* `name{k="v",...}` with an extra label last (the histogram's le) when extra_key is set. */
static void series(struct strbuf *b, const char *name, const char *suffix, const struct label *l,
		   int n, const char *extra_key, const char *extra_value)
{
	strbuf__printf(b, "%s%s", name, suffix);
	if (!n && !extra_key) {
		strbuf__append(b, " ", 1);
		return;
	}
	strbuf__append(b, "{", 1);
	for (int i = 0; i < n; i++) {
		strbuf__printf(b, "%s%s=\"", i ? "," : "", l[i].key);
		openmetrics__escape(b, l[i].value);
		strbuf__append(b, "\"", 1);
	}
	if (extra_key) {
		strbuf__printf(b, "%s%s=\"", n ? "," : "", extra_key);
		openmetrics__escape(b, extra_value);
		strbuf__append(b, "\"", 1);
	}
	strbuf__append(b, "} ", 2);
}

static void family(struct strbuf *b, const char *name, const char *type, const char *unit,
		   const char *help)
{
	strbuf__printf(b, "# TYPE %s %s\n", name, type);
	if (unit)
		strbuf__printf(b, "# UNIT %s %s\n", name, unit);
	strbuf__printf(b, "# HELP %s %s\n", name, help);
}

static void u64_sample(struct strbuf *b, const char *name, const char *suffix,
		       const struct label *l, int n, __u64 v)
{
	series(b, name, suffix, l, n, NULL, NULL);
	strbuf__printf(b, "%llu\n", (unsigned long long)v);
}

/* Nanoseconds as seconds, exactly enough for every bucket bound (2^36 ns has 11 digits). */
static void seconds(char *buf, size_t len, double ns)
{
	snprintf(buf, len, "%.12g", ns / 1e9);
}

static const char *path_label(int path)
{
	return path == RESULT_PATH_CLIENT   ? "client"
	       : path == RESULT_PATH_SERVER ? "server"
					    : "any";
}

/* The labels of a stage entry; buf holds the numbers' text. Returns how many. */
static int stage_labels(const struct result *r, const struct stage_stat *s, struct label *l,
			char *hop, size_t hop_len)
{
	const struct netns_stat *ns = result__find_netns(r, s->netns);
	const char *from = s->from == NS_STAGE_NONE ? "none" : stage__name(s->from);
	int n = 0;

	snprintf(hop, hop_len, "%d", s->hop);
	l[n++] = (struct label){"kind", dev_kind__name(s->dev_kind)};
	l[n++] = (struct label){"device", s->ifname};
	l[n++] = (struct label){"netns", s->netns};
	l[n++] = (struct label){"container", ns ? ns->container : ""};
	l[n++] = (struct label){"hop", hop};
	l[n++] = (struct label){"stage", stage__name(s->stage) ? stage__name(s->stage) : "?"};
	l[n++] = (struct label){"from", from ? from : "?"};
	l[n++] = (struct label){"path", path_label(s->path)};
	return n;
}

/*
 * One histogram: a cumulative bucket per log-linear bucket bound (le is the
 * bucket's exclusive upper end: every integer nanosecond in it is below),
 * the last bucket as +Inf, then _count (= +Inf) and _sum.
 */
static void histogram(struct strbuf *b, const char *name, const struct label *l, int n,
		      const struct ns_hist *h, enum openmetrics_buckets which)
{
	__u64 cum = 0;
	char le[32];

	for (unsigned int i = 0; i + 1 < NS_HIST_BUCKETS; i++) {
		cum += h->buckets[i];
		/* log2: only where the next bucket starts a power of two (sub-bucket 0). */
		if (which == OPENMETRICS_LOG2 && (i + 1) % NS_HIST_SUB)
			continue;
		seconds(le, sizeof(le), (double)hist__bucket_high(i));
		series(b, name, "_bucket", l, n, "le", le);
		strbuf__printf(b, "%llu\n", (unsigned long long)cum);
	}
	cum += h->buckets[NS_HIST_BUCKETS - 1];
	series(b, name, "_bucket", l, n, "le", "+Inf");
	strbuf__printf(b, "%llu\n", (unsigned long long)cum);
	u64_sample(b, name, "_count", l, n, cum);
	series(b, name, "_sum", l, n, NULL, NULL);
	seconds(le, sizeof(le), (double)h->sum);
	strbuf__printf(b, "%s\n", le);
}

static void stages(const struct result *r, enum openmetrics_buckets which, struct strbuf *b)
{
	struct label l[10];
	char hop[16];
	int n;

	family(b, "netstage_stage_packets", "counter", NULL,
	       "Packets that reached a stage on a device, by the stage they came from "
	       "(from=none: the first stage netstage saw of them).");
	for (int i = 0; i < r->n_stages; i++) {
		n = stage_labels(r, &r->stages[i], l, hop, sizeof(hop));
		u64_sample(b, "netstage_stage_packets", "_total", l, n, r->stages[i].hist.count);
	}
	family(b, "netstage_stage_latency_seconds", "histogram", "seconds",
	       "Time from the stage in 'from' to the stage in 'stage', per packet.");
	for (int i = 0; i < r->n_stages; i++) {
		if (r->stages[i].from == NS_STAGE_NONE)
			continue;
		n = stage_labels(r, &r->stages[i], l, hop, sizeof(hop));
		histogram(b, "netstage_stage_latency_seconds", l, n, &r->stages[i].hist, which);
	}
	family(b, "netstage_xmit_seconds", "histogram", "seconds",
	       "Driver transmit time per packet, tx_start to tx_done (the forward inside it "
	       "included).");
	for (int i = 0; i < r->n_spans; i++) {
		const struct stage_stat *s = &r->spans[i];
		const struct netns_stat *ns = result__find_netns(r, s->netns);

		n = 0;
		l[n++] = (struct label){"kind", dev_kind__name(s->dev_kind)};
		l[n++] = (struct label){"device", s->ifname};
		l[n++] = (struct label){"netns", s->netns};
		l[n++] = (struct label){"container", ns ? ns->container : ""};
		histogram(b, "netstage_xmit_seconds", l, n, &s->hist, which);
	}
}

static bool same_drop(const struct drop_stat *a, const struct drop_stat *b)
{
	return !strcmp(a->reason, b->reason) && a->stage == b->stage && a->path == b->path &&
	       a->dev_kind == b->dev_kind && !strcmp(a->ifname, b->ifname);
}

static void drops(const struct result *r, struct strbuf *b)
{
	family(b, "netstage_drops", "counter", NULL,
	       "Packets the kernel dropped, by its reason and the packet's last stage before.");
	for (int i = 0; i < r->n_drops; i++) {
		const struct drop_stat *d = &r->drops[i];
		struct label l[5];
		__u64 count = 0;
		bool first = true;

		/* Entries that differ only where the labels do not look are one series. */
		for (int j = 0; j < r->n_drops && first; j++)
			first = j >= i || !same_drop(&r->drops[j], d);
		if (!first)
			continue;
		for (int j = i; j < r->n_drops; j++)
			if (same_drop(&r->drops[j], d))
				count += r->drops[j].count;
		l[0] = (struct label){"reason", d->reason};
		l[1] =
		    (struct label){"stage", stage__name(d->stage) ? stage__name(d->stage) : "none"};
		l[2] = (struct label){"kind", dev_kind__name(d->dev_kind)};
		l[3] = (struct label){"device", d->ifname};
		l[4] = (struct label){"path", path_label(d->path)};
		u64_sample(b, "netstage_drops", "_total", l, 5, count);
	}
}

static void softirq_cpu(struct strbuf *b, const char *name, const char *cpu, const char *vec,
			__u64 v, bool ns)
{
	struct label l[2] = {{"cpu", cpu}, {"vector", vec}};
	char s[32];

	series(b, name, "_total", l, vec ? 2 : 1, NULL, NULL);
	if (ns) {
		seconds(s, sizeof(s), (double)v);
		strbuf__printf(b, "%s\n", s);
	} else {
		strbuf__printf(b, "%llu\n", (unsigned long long)v);
	}
}

static void softirq(const struct result *r, struct strbuf *b)
{
	const struct softirq_stat *s = &r->softirq;
	static const struct {
		const char *name, *unit, *help;
	} fam[] = {
	    {"netstage_softirq_seconds", "seconds", "Time inside the network softirqs."},
	    {"netstage_softirq_runs", NULL, "Runs of the network softirqs."},
	    {"netstage_napi_polls", NULL, "NAPI polls in the NET_RX softirq."},
	    {"netstage_napi_budget_exhausted", NULL, "NAPI polls that used their whole budget."},
	    {"netstage_backlog_drops", NULL,
	     "Packets the CPU backlog dropped (/proc/net/softnet_stat)."},
	    {"netstage_softirq_time_squeeze", NULL,
	     "NET_RX runs that ended with work left (/proc/net/softnet_stat)."},
	};
	char cpu[16];

	for (unsigned int f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		family(b, fam[f].name, "counter", fam[f].unit, fam[f].help);
		for (int c = 0; c < s->n_cpus && s->per_cpu; c++) {
			const struct cpu_softirq *p = &s->per_cpu[c];

			snprintf(cpu, sizeof(cpu), "%d", c);
			switch (f) {
			case 0:
				softirq_cpu(b, fam[f].name, cpu, "net_rx", p->net_rx_ns, true);
				softirq_cpu(b, fam[f].name, cpu, "net_tx", p->net_tx_ns, true);
				break;
			case 1:
				softirq_cpu(b, fam[f].name, cpu, "net_rx", p->net_rx_count, false);
				softirq_cpu(b, fam[f].name, cpu, "net_tx", p->net_tx_count, false);
				break;
			case 2:
				softirq_cpu(b, fam[f].name, cpu, NULL, p->napi_polls, false);
				break;
			case 3:
				softirq_cpu(b, fam[f].name, cpu, NULL, p->napi_budget_hits, false);
				break;
			case 4:
				softirq_cpu(b, fam[f].name, cpu, NULL, p->backlog_drops, false);
				break;
			case 5:
				softirq_cpu(b, fam[f].name, cpu, NULL, p->time_squeeze, false);
				break;
			}
		}
	}
}

static void tracking(const struct result *r, struct strbuf *b)
{
	struct label l[1];

	family(b, "netstage_packets_followed", "counter", NULL,
	       "Packets the probes followed, by where they were first seen: at a socket's "
	       "transmit, or midway (their state was lost, or they came from outside).");
	l[0] = (struct label){"first_seen", "socket"};
	u64_sample(b, "netstage_packets_followed", "_total", l, 1, r->counters[NS_CNT_STARTED]);
	l[0] = (struct label){"first_seen", "midway"};
	u64_sample(b, "netstage_packets_followed", "_total", l, 1, r->counters[NS_CNT_MIDWAY]);
	family(b, "netstage_packets_lost_to_tracking", "counter", NULL,
	       "Packets whose state the probes lost: overwritten by another packet (evicted), "
	       "too old (expired), or a transmit end without its start (xmit_unmatched).");
	l[0] = (struct label){"reason", "evicted"};
	u64_sample(b, "netstage_packets_lost_to_tracking", "_total", l, 1,
		   r->counters[NS_CNT_EVICTED]);
	l[0] = (struct label){"reason", "expired"};
	u64_sample(b, "netstage_packets_lost_to_tracking", "_total", l, 1,
		   r->counters[NS_CNT_EXPIRED]);
	l[0] = (struct label){"reason", "xmit_unmatched"};
	u64_sample(b, "netstage_packets_lost_to_tracking", "_total", l, 1,
		   r->counters[NS_CNT_XMIT_UNMATCHED]);
	family(b, "netstage_packets_filtered_out", "counter", NULL,
	       "Packets the --protocol/--port filter left out.");
	u64_sample(b, "netstage_packets_filtered_out", "_total", NULL, 0,
		   r->counters[NS_CNT_IGNORED]);
	family(b, "netstage_events_lost", "counter", NULL,
	       "Events not recorded: raw events the ring buffer had no room for, socket events "
	       "with no place in the socket table.");
	l[0] = (struct label){"what", "raw"};
	u64_sample(b, "netstage_events_lost", "_total", l, 1, r->counters[NS_CNT_RAW_LOST]);
	l[0] = (struct label){"what", "socket"};
	u64_sample(b, "netstage_events_lost", "_total", l, 1, r->counters[NS_CNT_SOCK_FULL]);
}

static void sockets(const struct result *r, struct strbuf *b)
{
	static const char *const names[] = {"netstage_socket_delivered",
					    "netstage_socket_receive_queue_full"};

	for (int f = 0; f < 2; f++) {
		family(b, names[f], "counter", NULL,
		       f == 0 ? "Packets delivered to a socket of a watched namespace."
			      : "Packets a socket's full receive queue turned away.");
		for (int i = 0; i < r->n_socks; i++) {
			const struct sock_stat *k = &r->socks[i];
			const struct netns_stat *ns = result__find_netns(r, k->netns);
			char port[16];
			struct label l[4] = {
			    {"netns", k->netns},
			    {"container", ns ? ns->container : ""},
			    {"protocol", k->protocol == 6    ? "tcp"
					 : k->protocol == 17 ? "udp"
							     : "other"},
			    {"port", port},
			};

			snprintf(port, sizeof(port), "%d", k->port);
			u64_sample(b, names[f], "_total", l, 4,
				   f == 0 ? k->delivered : k->rcvq_full);
		}
	}
}

void openmetrics__render(const struct result *r, enum openmetrics_buckets buckets, struct strbuf *b)
{
	struct label l[3] = {
	    {"command", r->config.command},
	    {"kernel", r->kernel_release},
	    {"netns", r->config.netns},
	};
	char secs[32];

	family(b, "netstage_target", "info", NULL,
	       "What this netstage watches, and on which kernel.");
	u64_sample(b, "netstage_target", "_info", l, 3, 1);
	family(b, "netstage_watched_seconds", "counter", "seconds",
	       "Seconds the probes have watched (the window the counts cover).");
	series(b, "netstage_watched_seconds", "_total", NULL, 0, NULL, NULL);
	snprintf(secs, sizeof(secs), "%.6f", r->profile_seconds);
	strbuf__printf(b, "%s\n", secs);
	stages(r, buckets, b);
	drops(r, b);
	softirq(r, b);
	tracking(r, b);
	sockets(r, b);
	strbuf__printf(b, "# EOF\n");
}
