// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "analysis/table.h"
#include "analysis/hist.h"
#include "analysis/stage.h"

/* Where a stage sits on a hop, for ordering rows the way a packet meets them. */
static int stage_rank(int stage)
{
	static const int rank[NS_STAGE_COUNT] = {
		[NS_STAGE_RX_ENQUEUE] = 0, [NS_STAGE_RX_SOFTIRQ] = 1, [NS_STAGE_RX_CORE] = 2,
		[NS_STAGE_SOCK_ENQUEUE] = 3, [NS_STAGE_TX_QUEUE] = 4, [NS_STAGE_TX_START] = 5,
		[NS_STAGE_TX_DONE] = 6,	   [NS_STAGE_DELIVER] = 7,   [NS_STAGE_DROP] = 8,
	};
	return stage > 0 && stage < NS_STAGE_COUNT ? rank[stage] : 9;
}

static int cmp_stage(const void *a, const void *b)
{
	const struct stage_stat *x = a, *y = b;
	int d;

	if (x->path != y->path)
		return x->path - y->path;
	if (x->hop != y->hop)
		return x->hop - y->hop;
	d = strcmp(x->ifname, y->ifname);
	if (d)
		return d;
	if (stage_rank(x->stage) != stage_rank(y->stage))
		return stage_rank(x->stage) - stage_rank(y->stage);
	return x->from - y->from;
}

void table__sort_stages(struct result *r)
{
	if (r->n_stages > 1)
		qsort(r->stages, r->n_stages, sizeof(*r->stages), cmp_stage);
}

static const char *fmt_ns(double v, char *buf, size_t len)
{
	if (v < 10000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 10e6)
		snprintf(buf, len, "%.1fu", v / 1e3);
	else if (v < 10e9)
		snprintf(buf, len, "%.1fm", v / 1e6);
	else
		snprintf(buf, len, "%.1fs", v / 1e9);
	return buf;
}

const char *table__fmt_rate(double bps, char *buf, size_t len)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%.2f Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.2f Mbit/s", bps / 1e6);
	else
		snprintf(buf, len, "%.0f kbit/s", bps / 1e3);
	return buf;
}

static const char *path_title(const struct result *r, int path)
{
	bool reverse = r->config.reverse;

	if (path == RESULT_PATH_CLIENT)
		return reverse ? "packets from the client (acknowledgements of a TCP run):" :
				 "packets from the client (the data):";
	if (path == RESULT_PATH_SERVER)
		return reverse ? "packets from the server (the data):" :
				 "packets from the server (acknowledgements of a TCP run):";
	return NULL;
}

void table__print_stages(const struct result *r, FILE *out)
{
	char p50[16], p99[16], max[16], cpu[16], kind[24];
	int path = -2;

	for (int i = 0; i < r->n_stages; i++) {
		const struct stage_stat *s = &r->stages[i];
		bool entry = s->from == NS_STAGE_NONE;

		if (s->path != path) {
			path = s->path;
			if (path_title(r, path))
				fprintf(out, "%s%s\n", i ? "\n" : "", path_title(r, path));
			fprintf(out, "%3s %-14s %-12s %-12s %-12s %9s %7s %7s %7s %7s\n", "hop",
				"device", "kind", "stage", "from", "packets", "p50 ns", "p99 ns",
				"max ns", "cpu ns");
		}

		if (s->master_kind >= 0)
			snprintf(kind, sizeof(kind), "%s@%s", dev_kind__name(s->dev_kind),
				 dev_kind__name(s->master_kind));
		else
			snprintf(kind, sizeof(kind), "%s", dev_kind__name(s->dev_kind));
		if (entry) {
			strcpy(p50, "-");
			strcpy(p99, "-");
			strcpy(max, "-");
		} else {
			fmt_ns(hist__quantile(&s->hist, 0.5), p50, sizeof(p50));
			fmt_ns(hist__quantile(&s->hist, 0.99), p99, sizeof(p99));
			fmt_ns((double)s->hist.max, max, sizeof(max));
		}
		if (!entry && stage__is_cpu(s->stage, s->from))
			fmt_ns(hist__mean(&s->hist), cpu, sizeof(cpu));
		else
			strcpy(cpu, "-");
		fprintf(out, "%3d %-14s %-12s %-12s %-12s %9llu %7s %7s %7s %7s\n", s->hop,
			s->ifname, kind, stage__name(s->stage), entry ? "-" : stage__name(s->from),
			(unsigned long long)s->hist.count, p50, p99, max, cpu);
	}
}

static void print_spans(const struct result *r, FILE *out)
{
	char p50[16], p99[16];

	if (!r->n_spans)
		return;
	fprintf(out, "driver transmit (tx_start -> tx_done, the forward included):\n");
	for (int i = 0; i < r->n_spans; i++) {
		const struct stage_stat *s = &r->spans[i];

		fprintf(out, "    %-15s %-8s %9llu packets  mean %6.0f ns  p50 %7s  p99 %7s\n",
			s->ifname, dev_kind__name(s->dev_kind), (unsigned long long)s->hist.count,
			hist__mean(&s->hist), fmt_ns(hist__quantile(&s->hist, 0.5), p50, sizeof(p50)),
			fmt_ns(hist__quantile(&s->hist, 0.99), p99, sizeof(p99)));
	}
}

static void print_softirq(const struct result *r, FILE *out)
{
	const struct cpu_softirq *t = &r->softirq.total;
	double secs = r->profile_seconds;
	__u64 other = t->net_rx_ns > t->net_rx_covered_ns ? t->net_rx_ns - t->net_rx_covered_ns : 0;

	if (secs <= 0)
		return;
	fprintf(out, "softirq: NET_RX %.1f ms in %llu runs (%.1f%% of one CPU; %.1f ms outside the "
		     "stages above), NET_TX %.1f ms\n",
		t->net_rx_ns / 1e6, (unsigned long long)t->net_rx_count,
		100.0 * t->net_rx_ns / (secs * 1e9), other / 1e6, t->net_tx_ns / 1e6);
	if (t->net_rx_count)
		fprintf(out, "         raise -> run %.0f ns on average; NAPI %llu polls, %llu packets, "
			     "%llu used the whole budget; backlog drops %llu, squeezed %llu\n",
			(double)t->net_rx_raise_delay_ns / t->net_rx_count,
			(unsigned long long)t->napi_polls, (unsigned long long)t->napi_work,
			(unsigned long long)t->napi_budget_hits, (unsigned long long)t->backlog_drops,
			(unsigned long long)t->time_squeeze);
}

static void print_sockets(const struct result *r, FILE *out)
{
	for (int i = 0; i < r->n_socks; i++) {
		const struct sock_stat *k = &r->socks[i];

		if (!k->delivered && !k->rcvq_full && !k->queue_fail)
			continue;
		fprintf(out, "socket %s:%d in %s: %llu reads (%llu bytes), %llu wake-ups",
			k->protocol == 6 ? "tcp" : k->protocol == 17 ? "udp" : "?", k->port, k->netns,
			(unsigned long long)k->delivered, (unsigned long long)k->bytes,
			(unsigned long long)k->data_ready);
		if (k->rcvq_full || k->queue_fail)
			fprintf(out, ", receive queue full %llu, queueing failed %llu",
				(unsigned long long)k->rcvq_full, (unsigned long long)k->queue_fail);
		fputc('\n', out);
	}
}

void table__print_result(const struct result *r, FILE *out)
{
	const struct result_config *c = &r->config;
	char rate[32];

	if (!strcmp(c->command, "run"))
		fprintf(out, "\n== %s%s%s: %d pair%s, %s, MTU %d, %s layout, %.0f s ==\n", c->kind,
			c->mode[0] ? " " : "", c->mode, c->pairs, c->pairs == 1 ? "" : "s",
			c->proto, c->mtu, c->layout, c->duration);
	else
		fprintf(out, "\n== profile of %s for %.1f s ==\n", c->netns, r->profile_seconds);
	for (int i = 0; i < r->n_namespaces; i++)
		if (r->namespaces[i].pid)
			fprintf(out, "namespace %s: %s, pid %d, cgroup %s\n", r->namespaces[i].netns,
				r->namespaces[i].label, r->namespaces[i].pid, r->namespaces[i].cgroup);
	if (r->throughput.present) {
		fprintf(out, "throughput: %s", table__fmt_rate(r->throughput.bits_per_second, rate,
								 sizeof(rate)));
		if (r->throughput.n_repeats > 1)
			fprintf(out, " +- %s (stderr, %d repeats)",
				table__fmt_rate(r->throughput.stderr_bps, rate, sizeof(rate)),
				r->throughput.n_repeats);
		fprintf(out, ", %.0f packets/s at the receiver\n",
			r->throughput.packets_per_second);
	}
	if (r->n_stages == 0)
		fprintf(out, "no packet of the watched devices was seen\n");
	else
		table__print_stages(r, out);
	print_spans(r, out);
	for (int i = 0; i < r->n_drops; i++)
		fprintf(out, "drop: %-28s %10llu after %s on %s (%s)\n", r->drops[i].reason,
			(unsigned long long)r->drops[i].count, stage__name(r->drops[i].stage),
			r->drops[i].ifname, dev_kind__name(r->drops[i].dev_kind));
	print_sockets(r, out);
	print_softirq(r, out);
	fprintf(out, "tracking: %llu packets followed from their socket, %llu first seen midway",
		(unsigned long long)r->counters[NS_CNT_STARTED],
		(unsigned long long)r->counters[NS_CNT_MIDWAY]);
	if (r->counters[NS_CNT_EVICTED] || r->counters[NS_CNT_EXPIRED])
		fprintf(out, ", %llu evicted, %llu expired",
			(unsigned long long)r->counters[NS_CNT_EVICTED],
			(unsigned long long)r->counters[NS_CNT_EXPIRED]);
	if (r->counters[NS_CNT_IGNORED])
		fprintf(out, ", %llu filtered out", (unsigned long long)r->counters[NS_CNT_IGNORED]);
	fprintf(out, "\n");
}
