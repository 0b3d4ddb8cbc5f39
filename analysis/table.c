// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/table.h"
#include "analysis/hist.h"
#include "analysis/stage.h"
#include "analysis/throughput.h"

/* Where a stage sits on a hop, for ordering rows the way a packet meets them. */
static int stage_rank(int stage)
{
	static const int rank[NS_STAGE_COUNT] = {
	    [NS_STAGE_RX_ENQUEUE] = 0, [NS_STAGE_RX_SOFTIRQ] = 1, [NS_STAGE_RX_CORE] = 2,
	    [NS_STAGE_RX_HANDLER] = 3, [NS_STAGE_BR_FORWARD] = 4, [NS_STAGE_NF_PRE] = 5,
	    [NS_STAGE_NAT] = 6,	       [NS_STAGE_NF_POST] = 7,	  [NS_STAGE_SOCK_ENQUEUE] = 8,
	    [NS_STAGE_TX_QUEUE] = 9,   [NS_STAGE_TX_START] = 10,  [NS_STAGE_DRV_XMIT] = 11,
	    [NS_STAGE_DRV_DONE] = 12,  [NS_STAGE_TX_DONE] = 13,	  [NS_STAGE_DELIVER] = 14,
	    [NS_STAGE_DROP] = 15,
	};
	return stage > 0 && stage < NS_STAGE_COUNT ? rank[stage] : 16;
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
	/* Containers' devices share names (eth0): each namespace's rows together. */
	d = strcmp(x->netns, y->netns);
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

/*
 * What one side's packets are: the data one way; the other way, TCP's
 * acknowledgements, or in a UDP run only iperf3's control connection (its
 * TCP connection beside the datagrams: UDP sends nothing back).
 */
static const char *path_title(const struct result *r, int path, char *buf, size_t len)
{
	const char *other = "the other way";

	if (path != RESULT_PATH_CLIENT && path != RESULT_PATH_SERVER)
		return NULL;
	if (!strcmp(r->config.proto, "tcp"))
		other = "TCP's acknowledgements";
	else if (!strcmp(r->config.proto, "udp"))
		other = "iperf3's control connection";
	snprintf(buf, len,
		 "packets from the %s (%s):", path == RESULT_PATH_SERVER ? "server" : "client",
		 (path == RESULT_PATH_SERVER) == r->config.reverse ? "the data" : other);
	return buf;
}

/* Does any namespace carry its engine's container name (profile --container)? */
static bool names_containers(const struct result *r)
{
	for (int i = 0; i < r->n_namespaces; i++)
		if (r->namespaces[i].container[0])
			return true;
	return false;
}

void table__print_stages(const struct result *r, FILE *out)
{
	char p50[16], p99[16], max[16], cpu[16], kind[24], title[80];
	bool named = names_containers(r);
	int path = -2;

	for (int i = 0; i < r->n_stages; i++) {
		const struct stage_stat *s = &r->stages[i];
		bool entry = s->from == NS_STAGE_NONE;

		if (s->path != path) {
			path = s->path;
			if (path_title(r, path, title, sizeof(title)))
				fprintf(out, "%s%s\n", i ? "\n" : "", title);
			if (named)
				fprintf(out, "%-16s ", "container");
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
		if (named) {
			const struct netns_stat *ns = result__find_netns(r, s->netns);

			fprintf(out, "%-16.16s ", ns && ns->container[0] ? ns->container : "-");
		}
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
			hist__mean(&s->hist),
			fmt_ns(hist__quantile(&s->hist, 0.5), p50, sizeof(p50)),
			fmt_ns(hist__quantile(&s->hist, 0.99), p99, sizeof(p99)));
	}
}

static void wrap(FILE *out, const char *text, int indent, int col);

static void print_softirq(const struct result *r, FILE *out)
{
	const struct cpu_softirq *t = &r->softirq.total;
	double secs = r->profile_seconds;
	__u64 other = t->net_rx_ns > t->net_rx_covered_ns ? t->net_rx_ns - t->net_rx_covered_ns : 0;
	char line[512];

	if (secs <= 0)
		return;
	snprintf(
	    line, sizeof(line),
	    "NET_RX %.1f ms in %llu runs (%.1f%% of one CPU; %.1f ms outside the stages above), "
	    "NET_TX %.1f ms.",
	    t->net_rx_ns / 1e6, (unsigned long long)t->net_rx_count,
	    100.0 * t->net_rx_ns / (secs * 1e9), other / 1e6, t->net_tx_ns / 1e6);
	if (t->net_rx_count)
		snprintf(
		    line + strlen(line), sizeof(line) - strlen(line),
		    " Raise -> run %.0f ns on average; NAPI %llu polls, %llu packets, %llu used "
		    "the whole budget; backlog drops %llu, squeezed %llu.",
		    t->net_rx_raises ? (double)t->net_rx_raise_delay_ns / t->net_rx_raises : 0.0,
		    (unsigned long long)t->napi_polls, (unsigned long long)t->napi_work,
		    (unsigned long long)t->napi_budget_hits, (unsigned long long)t->backlog_drops,
		    (unsigned long long)t->time_squeeze);
	fprintf(out, "softirq: ");
	wrap(out, line, 9, 9);
}

static void print_sockets(const struct result *r, FILE *out)
{
	char line[512];

	for (int i = 0; i < r->n_socks; i++) {
		const struct sock_stat *k = &r->socks[i];

		if (!k->delivered && !k->rcvq_full && !k->queue_fail)
			continue;
		snprintf(line, sizeof(line),
			 "socket %s:%d in %s: %llu reads (%llu bytes), %llu wake-ups",
			 k->protocol == 6    ? "tcp"
			 : k->protocol == 17 ? "udp"
					     : "?",
			 k->port, k->netns, (unsigned long long)k->delivered,
			 (unsigned long long)k->bytes, (unsigned long long)k->data_ready);
		if (k->rcvq_full || k->queue_fail)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 ", receive queue full %llu, queueing failed %llu",
				 (unsigned long long)k->rcvq_full,
				 (unsigned long long)k->queue_fail);
		wrap(out, line, 4, 0);
	}
}

/* Which stage set and sampling made the result, and what the probes cost by their own account. */
static void print_probes(const struct result *r, FILE *out)
{
	const struct probe_cost *c = &r->cost;
	char mem[32];

	if (!c->known)
		return;
	fprintf(out, "probes: stages %s, ", r->config.stages[0] ? r->config.stages : "all");
	if (r->config.sample > 1)
		fprintf(out, "1 packet in %d", r->config.sample);
	else
		fprintf(out, "every packet");
	if (r->config.duty_pct)
		fprintf(out, ", attached %d%% of every %d ms (%llu windows)", r->config.duty_pct,
			r->config.duty_period_ms, (unsigned long long)c->windows);
	if (c->memory_bytes >= 1000000)
		snprintf(mem, sizeof(mem), "%.1f MB", c->memory_bytes / 1e6);
	else
		snprintf(mem, sizeof(mem), "%.0f kB", c->memory_bytes / 1e3);
	fprintf(out, "; maps %s for %d CPUs\n", mem, c->memory_cpus);
	if (c->ns_per_packet > 0)
		fprintf(out, "        cost %.0f ns a packet, %.1f%% of the busy CPU time (%s)\n",
			c->ns_per_packet, 100 * c->cpu_share, c->method);
	else if (c->method[0])
		fprintf(out, "        cost unknown: %s\n", c->method);
	{
		double taken = 0, n = 0;

		for (int i = 0; i < r->n_stages; i++)
			if (r->stages[i].from != NS_STAGE_NONE) {
				taken += (double)r->stages[i].hist.probe_ns;
				n += (double)r->stages[i].hist.count;
			}
		if (taken > 0)
			fprintf(out,
				"        intervals corrected for the probes' own run time: %.0f ns "
				"taken out of an interval on average (the JSON keeps the raw "
				"figures)\n",
				taken / n);
	}
	if (r->config.stages[0] && strcmp(r->config.stages, "all"))
		fprintf(out, "        the light set times whole hops: a device's receive from the "
			     "previous one's holds its transmit, forwarding and queueing (--stages "
			     "all splits them)\n");
}

void table__print_result(const struct result *r, FILE *out)
{
	const struct result_config *c = &r->config;

	if (!strcmp(c->command, "run"))
		fprintf(out, "\n== %s%s%s: %d pair%s, %s, MTU %d, %s layout, %.0f s ==\n", c->kind,
			c->mode[0] ? " " : "", c->mode, c->pairs, c->pairs == 1 ? "" : "s",
			c->proto, c->mtu, c->layout, c->duration);
	else
		fprintf(out, "\n== profile of %s for %.1f s ==\n", c->netns, r->profile_seconds);
	if (r->stop.interrupted) {
		int repeat = c->repeat > 0 ? c->repeat : 1;

		fprintf(out,
			"INTERRUPTED by %s after %.1f s of the planned %.0f s of load (%d of %d "
			"repetition%s finished): the figures cover what was measured until then\n",
			r->stop.signal[0] ? r->stop.signal : "a signal", r->stop.load_seconds,
			c->duration * repeat, r->stop.repeats_finished, repeat,
			repeat == 1 ? "" : "s");
		for (int i = 0; i < r->stop.n_missing && i < RESULT_MAX_MISSING; i++)
			fprintf(out, "  missing: %s\n", r->stop.missing[i]);
	}
	for (int i = 0; i < r->n_namespaces; i++)
		if (r->namespaces[i].pid)
			fprintf(out, "namespace %s: %s, pid %d, cgroup %s\n",
				r->namespaces[i].netns, r->namespaces[i].label,
				r->namespaces[i].pid, r->namespaces[i].cgroup);
	/* Throughput, the window, each pair and the failures (analysis/throughput.c). */
	throughput__print(r, out);
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
		fprintf(out, ", %llu filtered out",
			(unsigned long long)r->counters[NS_CNT_IGNORED]);
	if (r->counters[NS_CNT_SAMPLED_OUT])
		fprintf(out, ", %llu sampled out",
			(unsigned long long)r->counters[NS_CNT_SAMPLED_OUT]);
	if (r->counters[NS_CNT_HIST_FULL])
		fprintf(out, ", %llu intervals lost to a full histogram pool",
			(unsigned long long)r->counters[NS_CNT_HIST_FULL]);
	fprintf(out, "\n");
	print_probes(r, out);
}

/* ---- attribution ---- */

/* ns per byte shown per kB (1000 bytes): "103.2", "2613", with "+-se" when known. */
static const char *fmt_kb(double ns_per_byte, double se, bool present, char *buf, size_t len)
{
	double v = ns_per_byte * 1000, e = se * 1000;

	if (!present) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (se > 0)
		snprintf(buf, len, fabs(v) < 100 ? "%.1f+-%.1f" : "%.0f+-%.0f", v, e);
	else
		snprintf(buf, len, fabs(v) < 100 ? "%.1f" : "%.0f", v);
	return buf;
}

static const char *fmt_signed_kb(double ns_per_byte, double se, char *buf, size_t len)
{
	double v = ns_per_byte * 1000, e = se * 1000;

	if (se > 0)
		snprintf(buf, len, fabs(v) < 100 ? "%+.1f+-%.1f" : "%+.0f+-%.0f", v, e);
	else
		snprintf(buf, len, fabs(v) < 100 ? "%+.1f" : "%+.0f", v);
	return buf;
}

static const char *fmt_pct(double f, double se, char *buf, size_t len)
{
	if (!isfinite(f))
		snprintf(buf, len, "-");
	else if (se > 0 && isfinite(se))
		snprintf(buf, len, "%+.0f%%+-%.0f", 100 * f, 100 * se);
	else
		snprintf(buf, len, "%+.0f%%", 100 * f);
	return buf;
}

static void print_side_line(const struct attribution *at, int s, FILE *out)
{
	const struct attr_side *sd = &at->side[s];
	char rate[32], se[32];

	fprintf(out, "  %c  %s\n     %s", at->n_sides == 2 ? "AB"[s] : ' ', sd->name,
		throughput__fmt_rate(sd->bps, rate, sizeof(rate)));
	if (sd->bps_se > 0)
		fprintf(out, " +- %s", throughput__fmt_rate(sd->bps_se, se, sizeof(se)));
	fprintf(out, ", %.3f ns of wall time per byte", sd->wall_ns_per_byte);
	if (sd->n_samples > 1)
		fprintf(out, " (%d repeats)", sd->n_samples);
	fputc('\n', out);
	if (sd->has_process_cpu)
		fprintf(out, "     iperf3 CPU: sender %.0f%%, receiver %.0f%% of one CPU%s\n",
			sd->sender_cpu, sd->receiver_cpu,
			sd->cpu_bound ? "" : " (not CPU-bound: see the note below)");
}

static void print_gap_rows(const struct attribution *at, FILE *out)
{
	char a[32], b[32], d[32], sh[32];
	double meas_a = 0, meas_b = 0, total_a = 0, total_b = 0;
	int n = 0, hidden = 0, other = 0;

	fprintf(out, "\nCPU time by stage, ns per kB delivered (1 kB = 1000 bytes); "
		     "the stages never overlap in time:\n");
	for (int i = 0; i < at->n_rows; i++)
		if (at->rows[i].cpu && at->rows[i].cls != ATTR_OUTSIDE) {
			total_a += at->rows[i].v[0].ns_per_byte;
			total_b += at->rows[i].v[1].ns_per_byte;
		}
	fprintf(out, " %2s  %-30s %-4s %11s %11s %12s %10s\n", "#", "stage", "path", "A ns/kB",
		"B ns/kB", "A-B ns/kB", "share");
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];

		if (!r->cpu || r->cls == ATTR_OUTSIDE)
			continue;
		if (r->on_binding) {
			meas_a += r->v[0].ns_per_byte;
			meas_b += r->v[1].ns_per_byte;
		}
		/* Rows below 0.1% of either run's CPU only clutter the table (JSON has them). */
		if (fmax(r->v[0].ns_per_byte, r->v[1].ns_per_byte) <
		    0.001 * fmax(total_a, total_b)) {
			hidden++;
			continue;
		}
		if (!r->on_binding)
			other++;
		fprintf(out, " %2d  %-30s %-4s%c%11s %11s %12s %10s\n", ++n, r->label,
			attr_dir__name(r->dir), r->on_binding ? ' ' : '*',
			fmt_kb(r->v[0].ns_per_byte, r->v[0].ns_per_byte_se, r->v[0].present, a,
			       sizeof(a)),
			fmt_kb(r->v[1].ns_per_byte, r->v[1].ns_per_byte_se, r->v[1].present, b,
			       sizeof(b)),
			fmt_signed_kb(r->delta, r->delta_se, d, sizeof(d)),
			fmt_pct(r->share, r->share_se, sh, sizeof(sh)));
	}
	if (hidden)
		fprintf(out,
			"     (%d stage%s below 0.1%% of the CPU not shown; --format json lists "
			"them)\n",
			hidden, hidden == 1 ? "" : "s");
	if (other)
		fprintf(out,
			"     (* on another CPU than the one that binds: not counted below)\n");
	fprintf(out, "     %-35s %11s %11s %12s %10s\n", "measured stages",
		fmt_kb(meas_a, 0, true, a, sizeof(a)), fmt_kb(meas_b, 0, true, b, sizeof(b)),
		fmt_signed_kb(meas_a - meas_b, 0, d, sizeof(d)),
		fmt_pct(at->explained, at->explained_se, sh, sizeof(sh)));
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];

		if (r->cls != ATTR_OUTSIDE)
			continue;
		fprintf(out, "     %-35s %11s %11s %12s %10s\n", r->label,
			fmt_kb(r->v[0].ns_per_byte, r->v[0].ns_per_byte_se, true, a, sizeof(a)),
			fmt_kb(r->v[1].ns_per_byte, r->v[1].ns_per_byte_se, true, b, sizeof(b)),
			fmt_signed_kb(r->delta, r->delta_se, d, sizeof(d)),
			fmt_pct(r->share, r->share_se, sh, sizeof(sh)));
	}
	fprintf(out, "     %-35s %11s %11s %12s %10s\n", "unexplained", "", "",
		fmt_signed_kb(at->gap * at->unexplained, 0, d, sizeof(d)),
		fmt_pct(at->unexplained, 0, sh, sizeof(sh)));
	fprintf(out, "     %-35s %11s %11s %12s %10s\n", "measured gap (wall time)",
		fmt_kb(at->side[0].wall_ns_per_byte, at->side[0].wall_se, true, a, sizeof(a)),
		fmt_kb(at->side[1].wall_ns_per_byte, at->side[1].wall_se, true, b, sizeof(b)),
		fmt_signed_kb(at->gap, at->gap_se, d, sizeof(d)), "100%");
}

static void print_one_side_rows(const struct attribution *at, FILE *out)
{
	char a[32], sh[32];
	double total = 0;
	int n = 0, hidden = 0;

	for (int i = 0; i < at->n_rows; i++)
		if (at->rows[i].cpu)
			total += at->rows[i].v[0].ns_per_byte;
	fprintf(out, "\nCPU time by stage, ns per kB delivered (1 kB = 1000 bytes); "
		     "the stages never overlap in time:\n");
	fprintf(out, " %2s  %-30s %-4s %11s %11s\n", "#", "stage", "path", "ns/kB", "of CPU");
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];

		if (!r->cpu)
			continue;
		if (r->v[0].ns_per_byte < 0.001 * total) {
			hidden++;
			continue;
		}
		snprintf(sh, sizeof(sh), "%.0f%%",
			 total > 0 ? 100 * r->v[0].ns_per_byte / total : 0);
		fprintf(
		    out, " %2d  %-30s %-4s %11s %11s\n", ++n, r->label,
		    r->cls >= ATTR_SOFTIRQ_OTHER && r->cls <= ATTR_OUTSIDE ? ""
									   : attr_dir__name(r->dir),
		    fmt_kb(r->v[0].ns_per_byte, r->v[0].ns_per_byte_se, true, a, sizeof(a)), sh);
	}
	if (hidden)
		fprintf(out,
			"     (%d stage%s below 0.1%% of the CPU not shown; --format json lists "
			"them)\n",
			hidden, hidden == 1 ? "" : "s");
	fprintf(out, "     %-35s %11s\n", "wall time (1 / throughput)",
		fmt_kb(at->side[0].wall_ns_per_byte, at->side[0].wall_se, true, a, sizeof(a)));
}

/* Short: "950", "12u", "1.4m": a p50/p99 pair in 11 columns. */
static const char *fmt_short_ns(double v, char *buf, size_t len)
{
	if (v < 1000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 10e3)
		snprintf(buf, len, "%.1fu", v / 1e3);
	else if (v < 1e6)
		snprintf(buf, len, "%.0fu", v / 1e3);
	else if (v < 10e6)
		snprintf(buf, len, "%.1fm", v / 1e6);
	else if (v < 1e9)
		snprintf(buf, len, "%.0fm", v / 1e6);
	else
		snprintf(buf, len, "%.1fs", v / 1e9);
	return buf;
}

static const char *fmt_pair(double p50, double p99, bool present, char *buf, size_t len)
{
	char x[16], y[16];

	if (!present) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s/%s", fmt_short_ns(p50, x, sizeof(x)),
		 fmt_short_ns(p99, y, sizeof(y)));
	return buf;
}

static void print_latency_rows(const struct attribution *at, FILE *out)
{
	bool two = at->n_sides == 2;
	char where[112], a[16], b[16], la[40], lb[40];
	int n = 0;

	fprintf(out, "\nper packet and latency, ns (p50/p99 of the interval; waiting intervals "
		     "cost no CPU):\n");
	if (two)
		fprintf(out, " %2s  %-30s %-4s %-15s %7s %7s %11s %11s\n", "#", "stage", "path",
			"where A | B", "A ns/p", "B ns/p", "A p50/p99", "B p50/p99");
	else
		fprintf(out, " %2s  %-30s %-4s %-15s %8s %13s %9s\n", "#", "stage", "path", "where",
			"ns/p", "p50/p99", "packets");
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];

		if (r->cls >= ATTR_SOFTIRQ_OTHER && r->cls <= ATTR_OUTSIDE)
			continue;
		n++;
		if (r->cpu)
			snprintf(a, sizeof(a), "%.0f", r->v[0].ns_per_packet);
		else
			snprintf(a, sizeof(a), "-");
		if (r->cpu && r->v[1].present)
			snprintf(b, sizeof(b), "%.0f", r->v[1].ns_per_packet);
		else
			snprintf(b, sizeof(b), "-");
		if (!r->v[0].present)
			snprintf(a, sizeof(a), "-");
		fmt_pair(r->v[0].p50, r->v[0].p99, r->v[0].present && r->v[0].count, la,
			 sizeof(la));
		if (two) {
			fmt_pair(r->v[1].p50, r->v[1].p99, r->v[1].present && r->v[1].count, lb,
				 sizeof(lb));
			snprintf(where, sizeof(where), "%s|%s",
				 r->v[0].present ? r->v[0].where : "-",
				 r->v[1].present ? r->v[1].where : "-");
			fprintf(out, " %2d  %-30s %-4s %-15.15s %7s %7s %11s %11s\n", n, r->label,
				attr_dir__name(r->dir), where, a, b, la, lb);
		} else {
			fprintf(out, " %2d  %-30s %-4s %-15.15s %8s %13s %9llu\n", n, r->label,
				attr_dir__name(r->dir), r->v[0].where, a, la,
				(unsigned long long)r->v[0].count);
		}
	}
}

void table__print_attribution(const struct attribution *at, FILE *out)
{
	bool two = at->n_sides == 2;

	if (two)
		fprintf(out, "\n== attribution: A against B ==\n");
	else
		fprintf(out, "\n== where the CPU goes ==\n");
	for (int s = 0; s < at->n_sides; s++)
		print_side_line(at, s, out);
	if (two) {
		fprintf(out, "  gap: A takes %+.3f ns more per byte than B (%+.1f%%)", at->gap,
			at->side[1].wall_ns_per_byte > 0
			    ? 100 * at->gap / at->side[1].wall_ns_per_byte
			    : 0);
		if (at->gap_se > 0)
			fprintf(out, ", +- %.3f (standard error)", at->gap_se);
		fputc('\n', out);
		fprintf(out, "  bound by: %s%s\n", attr_bind__name(at->bind),
			at->bind == ATTR_BIND_SENDER
			    ? " (the data's stages and the receive softirq run there too)"
			: at->bind == ATTR_BIND_NONE ? ": every CPU counts; see the note"
						     : "");
		print_gap_rows(at, out);
		if (at->gap != 0) {
			char line[256];

			snprintf(
			    line, sizeof(line),
			    "The measured stages explain %.0f%% of the gap; %s %.0f%%; %.0f%% is "
			    "unexplained.",
			    100 * at->explained,
			    at->side[0].has_process_cpu && at->side[1].has_process_cpu
				? "the estimate outside the stages (iperf3 CPU) adds"
				: "no estimate outside the stages:",
			    100 * at->outside, 100 * at->unexplained);
			fprintf(out, "  ");
			wrap(out, line, 2, 2);
		}
	} else {
		print_one_side_rows(at, out);
	}
	print_latency_rows(at, out);
	if (at->note[0]) {
		fprintf(out, "note: ");
		wrap(out, at->note, 6, 6);
	}
}

/* ---- lost throughput ---- */

/* Words of text from column indent to 100, the first line after what is already printed. */
static void wrap(FILE *out, const char *text, int indent, int col)
{
	const int width = 100;
	const char *p = text;
	bool first = true;

	while (*p) {
		const char *end = p;
		int len;

		while (*end && *end != ' ')
			end++;
		len = (int)(end - p);
		if (!first && col + 1 + len > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		first = false;
		fprintf(out, "%.*s", len, p);
		col += len;
		p = end;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

void table__print_anomaly(const struct anomaly *a, char tag, FILE *out)
{
	char line[512];

	if (!a->applies)
		return;
	fprintf(out, "\n== lost throughput: %s%s%c%s ==\n", a->name, tag ? " (" : "",
		tag ? tag : ' ', tag ? ")" : "");
	if (!a->probed) {
		snprintf(line, sizeof(line), "loss: iperf3 %s %.0f%s; no probe data",
			 a->udp ? "lost" : "counted", a->udp ? a->lost : a->retransmits,
			 a->udp ? " datagrams" : " retransmissions");
	} else if (a->udp) {
		snprintf(
		    line, sizeof(line),
		    "loss: iperf3 lost %.0f of %.0f datagrams (%.2f%%); the kernel dropped %.0f "
		    "on the flow's path%s%s%s",
		    a->lost, a->sent, a->sent > 0 ? 100 * a->lost / a->sent : 0, a->kernel_drops,
		    a->drop_detail[0] ? " (" : "", a->drop_detail, a->drop_detail[0] ? ")" : "");
		if (a->lost > 0)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 ": %+.1f%% against iperf3", 100 * a->drop_diff);
	} else {
		snprintf(
		    line, sizeof(line),
		    "loss: iperf3 counted %.0f retransmissions; the kernel dropped %.0f on the "
		    "flow's path%s%s%s",
		    a->retransmits, a->kernel_drops, a->drop_detail[0] ? " (" : "", a->drop_detail,
		    a->drop_detail[0] ? ")" : "");
	}
	wrap(out, line, 6, 0);
	if (a->dominant < 0 || !a->probed) {
		wrap(out, a->summary, 4, 0);
		if (a->dominant < 0)
			return;
	}
	fprintf(out, "dominant cause: ");
	wrap(out, a->findings[a->dominant].what, 4, 16);
	fprintf(out, "  evidence: ");
	wrap(out, a->findings[a->dominant].evidence, 4, 12);
	for (int i = 0; i < a->n_findings; i++) {
		const struct anomaly_finding *f = &a->findings[i];

		if (i == a->dominant)
			continue;
		fprintf(out, "also: ");
		wrap(out, f->what, 4, 6);
		fprintf(out, "  evidence: ");
		wrap(out, f->evidence, 4, 12);
	}
}

/* ---- sweeps ---- */

void table__print_series(const struct series_set *set, FILE *out)
{
	char title[64], cell[48];

	fprintf(out, "\n== sweep: %d results ==\n", set->n_results);
	for (int pi = 0; pi < set->n; pi++) {
		const struct series_panel *p = &set->panels[pi];
		int pairs[SERIES_MAX_POINTS * SERIES_MAX_SERIES], np = 0;

		fprintf(out,
			"\n%s: total throughput, Gbit/s +- standard error, against container "
			"pairs\n",
			series__panel_title(p, title, sizeof(title)));
		for (int si = 0; si < p->n; si++)
			for (int ti = 0; ti < p->series[si].n; ti++) {
				int v = p->series[si].pts[ti].pairs, k;

				for (k = 0; k < np && pairs[k] != v; k++)
					;
				if (k == np)
					pairs[np++] = v;
			}
		for (int i = 1; i < np; i++)
			for (int k = i; k > 0 && pairs[k] < pairs[k - 1]; k--) {
				int t = pairs[k];

				pairs[k] = pairs[k - 1];
				pairs[k - 1] = t;
			}
		fprintf(out, "%6s", "pairs");
		for (int si = 0; si < p->n && si < 5; si++)
			fprintf(out, " %18.18s", p->series[si].kind);
		fputc('\n', out);
		for (int i = 0; i < np; i++) {
			fprintf(out, "%6d", pairs[i]);
			for (int si = 0; si < p->n && si < 5; si++) {
				const struct series *s = &p->series[si];
				int ti;

				for (ti = 0; ti < s->n && s->pts[ti].pairs != pairs[i]; ti++)
					;
				if (ti == s->n)
					snprintf(cell, sizeof(cell), "-");
				else if (s->pts[ti].n > 1)
					snprintf(cell, sizeof(cell), "%.2f +- %.2f",
						 s->pts[ti].bps / 1e9, s->pts[ti].bps_se / 1e9);
				else
					snprintf(cell, sizeof(cell), "%.2f", s->pts[ti].bps / 1e9);
				fprintf(out, " %18s", cell);
			}
			fputc('\n', out);
		}
	}
}
