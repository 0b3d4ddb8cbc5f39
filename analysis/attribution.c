// SPDX-License-Identifier: GPL-2.0
/*
 * Attribution of a throughput gap to stages (docs/ATTRIBUTION.md).
 *
 * For each run: bytes delivered (the receiving sockets' byte counts, or
 * throughput x seconds), wall time per byte (8e9 / throughput), and for every
 * row the CPU time its intervals took per byte delivered. Rows are keyed by
 * (class, actor, direction), so that the two runs' stages correspond even
 * though their devices differ. The gap is A's wall time per byte minus B's;
 * a row's share is its difference over the gap.
 */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/attribution.h"
#include "analysis/hist.h"
#include "analysis/stage.h"
#include "analysis/stats.h"

enum attr_class attribution__class_of(int stage, int from)
{
	if (from == NS_STAGE_NONE)
		return ATTR_W_OTHER;
	switch (stage) {
	case NS_STAGE_TX_START:
		if (from == NS_STAGE_TX_QUEUE)
			return ATTR_TX_DEV;
		break;
	case NS_STAGE_DRV_XMIT:
		if (from == NS_STAGE_TX_START)
			return ATTR_TX_ENTRY;
		break;
	case NS_STAGE_RX_ENQUEUE:
		if (from == NS_STAGE_TX_START || from == NS_STAGE_DRV_XMIT)
			return ATTR_TX_DRV;
		if (from == NS_STAGE_RX_CORE)
			return ATTR_RX_UPPER;
		break;
	case NS_STAGE_DRV_DONE:
		if (from == NS_STAGE_DRV_XMIT || from == NS_STAGE_RX_ENQUEUE ||
		    from == NS_STAGE_TX_DONE || from == NS_STAGE_DRV_DONE)
			return ATTR_TX_DRV_REST;
		break;
	case NS_STAGE_TX_DONE:
		if (from == NS_STAGE_DRV_DONE)
			return ATTR_TX_RETURN;
		if (from == NS_STAGE_TX_START || from == NS_STAGE_RX_ENQUEUE ||
		    from == NS_STAGE_TX_DONE)
			return ATTR_TX_REST;
		break;
	case NS_STAGE_RX_HANDLER:
		if (from == NS_STAGE_RX_CORE)
			return ATTR_RX_PRE;
		break;
	case NS_STAGE_BR_FORWARD:
		if (from == NS_STAGE_RX_HANDLER || from == NS_STAGE_RX_CORE)
			return ATTR_BR_INPUT;
		break;
	case NS_STAGE_TX_QUEUE:
		if (from == NS_STAGE_RX_CORE || from == NS_STAGE_BR_FORWARD)
			return ATTR_FORWARD;
		if (from == NS_STAGE_TX_START)
			return ATTR_TX_LOWER;
		if (from == NS_STAGE_NAT || from == NS_STAGE_NF_POST)
			return ATTR_IP_OUTPUT;
		break;
	case NS_STAGE_SOCK_ENQUEUE:
		if (from == NS_STAGE_RX_CORE || from == NS_STAGE_RX_HANDLER ||
		    from == NS_STAGE_NAT || from == NS_STAGE_NF_PRE)
			return ATTR_RX_SOCK;
		break;
	case NS_STAGE_NF_PRE:
		if (from == NS_STAGE_RX_CORE || from == NS_STAGE_RX_HANDLER)
			return ATTR_IP_INPUT;
		break;
	case NS_STAGE_NAT:
		if (from == NS_STAGE_NF_PRE)
			return ATTR_NAT_PRE;
		if (from == NS_STAGE_NF_POST)
			return ATTR_NAT_POST;
		break;
	case NS_STAGE_NF_POST:
		if (from == NS_STAGE_NAT || from == NS_STAGE_NF_PRE || from == NS_STAGE_RX_CORE)
			return ATTR_IP_FORWARD;
		break;
	case NS_STAGE_RX_SOFTIRQ:
		return ATTR_W_SOFTIRQ;
	case NS_STAGE_RX_CORE:
		if (from == NS_STAGE_RX_CORE || from == NS_STAGE_NAT)
			return ATTR_RX_UPPER;
		return ATTR_W_BACKLOG;
	case NS_STAGE_DELIVER:
		return ATTR_W_SOCKET;
	}
	/* The one definition of CPU against waiting is ns_edge_is_cpu(). */
	return stage__is_cpu(stage, from) ? ATTR_CPU_OTHER : ATTR_W_OTHER;
}

enum attr_class attribution__class_of_entry(const struct stage_stat *st)
{
	enum attr_class cls = attribution__class_of(st->stage, st->from);

	/*
	 * A stacked device's interval is named by the device: a bridge's own
	 * transmit down to a port (a routed packet leaving by the bridge, as on
	 * the nat kind's host) is its forwarding, and a frame a bridge passes
	 * up to its host is its input; a tunnel's is its encapsulation.
	 */
	if (cls == ATTR_TX_LOWER && st->master_kind == NS_DEV_BRIDGE)
		return ATTR_FORWARD;
	/*
	 * From a receive straight to a transmit on a device that is no bridge's
	 * port: the namespace routed it (IP forwarding, with netfilter's hooks
	 * inside where no netfilter stages split them out), no bridge did.
	 */
	if (cls == ATTR_FORWARD && st->from == NS_STAGE_RX_CORE && st->master_kind != NS_DEV_BRIDGE)
		return ATTR_IP_FORWARD;
	if (cls == ATTR_RX_UPPER && st->dev_kind == NS_DEV_BRIDGE)
		return ATTR_BR_INPUT;
	return cls;
}

enum attr_actor attribution__actor_of(enum attr_class cls, int hop)
{
	switch (cls) {
	case ATTR_TX_DEV:
	case ATTR_TX_ENTRY:
	case ATTR_TX_DRV_REST:
	case ATTR_TX_REST:
	case ATTR_TX_RETURN:
		return hop == 0 ? ATTR_ACTOR_CONTAINER : ATTR_ACTOR_FORWARDER;
	case ATTR_TX_DRV: /* the entry is on the receiving device; the transmitter is a hop before
			   */
		return hop <= 1 ? ATTR_ACTOR_CONTAINER : ATTR_ACTOR_FORWARDER;
	case ATTR_BR_INPUT:
	case ATTR_FORWARD:
		return ATTR_ACTOR_BRIDGE;
	case ATTR_RX_SOCK:
	case ATTR_W_SOCKET:
		return ATTR_ACTOR_RECEIVER;
	case ATTR_RX_PRE:
	case ATTR_W_SOFTIRQ:
	case ATTR_W_BACKLOG:
		return hop <= 1 ? ATTR_ACTOR_FIRST_HOP : ATTR_ACTOR_NEXT_HOP;
	default:
		return ATTR_ACTOR_NONE;
	}
}

const char *attr_bind__name(enum attr_bind b)
{
	return b == ATTR_BIND_SENDER	 ? "the sender's CPU"
	       : b == ATTR_BIND_RECEIVER ? "the receiver's CPU"
	       : b == ATTR_BIND_MACHINE	 ? "every CPU of the machine"
					 : "no CPU";
}

const char *attr_dir__name(enum attr_dir dir)
{
	return dir == ATTR_DIR_DATA ? "data" : dir == ATTR_DIR_BACK ? "back" : "both";
}

static void make_label(struct attr_row *row)
{
	static const char *const tx[ATTR_CLASS_COUNT] = {
	    [ATTR_TX_DEV] = "device layer",	   [ATTR_TX_ENTRY] = "xmit into the driver",
	    [ATTR_TX_DRV] = "xmit to forward",	   [ATTR_TX_DRV_REST] = "driver after forward",
	    [ATTR_TX_REST] = "xmit after forward", [ATTR_TX_RETURN] = "xmit after the driver",
	};
	static const char *const fixed[ATTR_CLASS_COUNT] = {
	    [ATTR_BR_INPUT] = "bridge: input and lookup",
	    [ATTR_FORWARD] = "bridge: forward",
	    [ATTR_RX_SOCK] = "receive up to the socket",
	    [ATTR_TX_LOWER] = "down to the lower (encapsulation)",
	    [ATTR_RX_UPPER] = "up to the upper (decapsulation)",
	    [ATTR_IP_INPUT] = "IP input up to netfilter",
	    [ATTR_NAT_PRE] = "netfilter: conntrack, DNAT",
	    [ATTR_IP_FORWARD] = "IP forward: routing, hooks",
	    [ATTR_NAT_POST] = "netfilter: SNAT, masquerade",
	    [ATTR_IP_OUTPUT] = "IP output after NAT",
	    [ATTR_CPU_OTHER] = "other CPU interval",
	    [ATTR_SOFTIRQ_OTHER] = "softirq, other",
	    [ATTR_SOFTIRQ_TX] = "softirq NET_TX",
	    [ATTR_OUTSIDE] = "outside the stages (est.)",
	    [ATTR_W_SOCKET] = "wait: socket queue",
	    [ATTR_W_OTHER] = "wait: other",
	};
	const char *hop = row->actor == ATTR_ACTOR_FIRST_HOP ? "1st hop" : "next hops";

	switch (row->cls) {
	case ATTR_TX_DEV:
	case ATTR_TX_ENTRY:
	case ATTR_TX_DRV:
	case ATTR_TX_DRV_REST:
	case ATTR_TX_REST:
	case ATTR_TX_RETURN:
		snprintf(row->label, sizeof(row->label), "%s: %s",
			 row->actor == ATTR_ACTOR_CONTAINER ? "container" : "port", tx[row->cls]);
		return;
	case ATTR_RX_PRE:
		snprintf(row->label, sizeof(row->label), "rx core, tc, taps: %s", hop);
		return;
	case ATTR_W_SOFTIRQ:
	case ATTR_W_BACKLOG:
		snprintf(row->label, sizeof(row->label), "wait: %s, %s",
			 row->cls == ATTR_W_SOFTIRQ ? "softirq" : "backlog", hop);
		return;
	default:
		snprintf(row->label, sizeof(row->label), "%s", fixed[row->cls]);
		return;
	}
}

const char *attribution__short_dev(const char *ifname, const char *netns)
{
	/* nst + a 4-character run id: the rest is the role ("pc0", "lo0", "c*"). */
	if (netns && !strncmp(netns, "netstage-", 9) && !strncmp(ifname, "nst", 3) &&
	    strlen(ifname) > 7)
		return ifname + 7;
	return ifname;
}

/* Work state: a row with its per-run sums for each side. */
struct work_row {
	struct attr_row row;
	double *sum[ATTR_SIDES]; /* per run: ns in this row */
};

struct work {
	struct work_row *rows;
	int n, cap;
	int nruns[ATTR_SIDES];
};

static struct work_row *get_row(struct work *w, enum attr_class cls, enum attr_actor actor,
				enum attr_dir dir)
{
	struct work_row *wr;

	for (int i = 0; i < w->n; i++) {
		struct attr_row *r = &w->rows[i].row;

		if (r->cls == cls && r->actor == actor && r->dir == dir)
			return &w->rows[i];
	}
	if (w->n == w->cap) {
		int cap = w->cap ? w->cap * 2 : 32;
		struct work_row *p = realloc(w->rows, cap * sizeof(*p));

		if (!p)
			return NULL;
		w->rows = p;
		w->cap = cap;
	}
	wr = &w->rows[w->n];
	memset(wr, 0, sizeof(*wr));
	for (int s = 0; s < ATTR_SIDES; s++) {
		wr->sum[s] = calloc(w->nruns[s] ? w->nruns[s] : 1, sizeof(double));
		if (!wr->sum[s]) {
			free(wr->sum[0]);
			return NULL;
		}
	}
	wr->row.cls = cls;
	wr->row.actor = actor;
	wr->row.dir = dir;
	wr->row.cpu = cls <= ATTR_OUTSIDE;
	make_label(&wr->row);
	w->n++;
	return wr;
}

static int data_path(const struct result *r)
{
	return r->config.reverse ? RESULT_PATH_SERVER : RESULT_PATH_CLIENT;
}

static bool has_paths(const struct result *r)
{
	for (int i = 0; i < r->n_stages; i++)
		if (r->stages[i].path != RESULT_PATH_ANY)
			return true;
	return r->n_stages == 0;
}

double attribution__run_bytes(const struct result *r)
{
	int proto = !strcmp(r->config.proto, "udp") ? 17 : !strcmp(r->config.proto, "tcp") ? 6 : 0;
	double b = 0;

	for (int i = 0; i < r->n_socks; i++)
		if (!proto || r->socks[i].protocol == proto)
			b += (double)r->socks[i].bytes;
	if (b > 0)
		return b;
	if (r->throughput.present && r->profile_seconds > 0)
		return r->throughput.bits_per_second / 8 * r->profile_seconds;
	return 0;
}

static void add_where(struct attr_value *v, const char *name);

/* The number a netstage role name ends with ("pc12": 12), or -1. */
static int dev_index(const char *name)
{
	size_t n = strlen(name), i = n;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	return i < n && n - i < 6 ? atoi(name + i) : -1;
}

/* Devices every pair shares (a lower device, its peer, a bridge, a wire): no pair of their own. */
static bool shared_dev(const char *short_name)
{
	static const char *const shared[] = {"lo", "lp", "br", "sw", "w"};

	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (!strncmp(short_name, shared[i], strlen(shared[i])) &&
		    (short_name[strlen(shared[i])] >= '0' && short_name[strlen(shared[i])] <= '9'))
			return true;
	return false;
}

/* "c12>pc12" as "c*>pc*": the pattern of a name across pairs. */
static void to_pattern(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++) {
		if (*in >= '0' && *in <= '9') {
			if (!o || out[o - 1] != '*')
				out[o++] = '*';
			continue;
		}
		out[o++] = *in;
	}
	out[o] = '\0';
}

/*
 * The devices the interval started on: the transmitter of a forward (a hop
 * before), the ingress port of a bridge's forward (the same hop). A device of
 * a pair started from that pair's device; a shared one from all of them.
 */
static void add_from_devices(struct attr_value *v, const struct result *r,
			     const struct stage_stat *s, enum attr_class cls, const char *to)
{
	int want = cls == ATTR_TX_DRV ? NS_STAGE_TX_START : NS_STAGE_RX_CORE;
	int hop = cls == ATTR_TX_DRV ? s->hop - 1 : s->hop, idx = dev_index(to);
	bool shared = shared_dev(to), matched = false;
	char name[80];

	for (int pass = 0; pass < 2 && !matched; pass++) {
		for (int i = 0; i < r->n_stages; i++) {
			const struct stage_stat *c = &r->stages[i];
			const char *from = attribution__short_dev(c->ifname, c->netns);

			if (c->stage != want || c->path != s->path || c->hop != hop ||
			    !strcmp(c->ifname, s->ifname) || !c->hist.count)
				continue;
			/* Pass 0: the same pair's device (or every one into a shared device). */
			if (pass == 0 && !shared && !shared_dev(from) && dev_index(from) != idx)
				continue;
			snprintf(name, sizeof(name), "%s>%s", from, to);
			add_where(v, name);
			matched = true;
		}
	}
	if (!matched)
		add_where(v, to);
}

static void add_where(struct attr_value *v, const char *name)
{
	char pat[80], item[80], *save = NULL, copy[sizeof(v->where)];
	size_t len;

	/* Beyond two devices, name them by pattern: "c*>pc*" for every pair's. */
	if (v->n_where >= 2) {
		if (!v->patterned) {
			snprintf(copy, sizeof(copy), "%s", v->where);
			v->where[0] = '\0';
			v->patterned = true;
			for (char *t = strtok_r(copy, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				to_pattern(t, item, sizeof(item));
				add_where(v, item);
			}
		}
		to_pattern(name, pat, sizeof(pat));
		name = pat;
	}
	for (const char *p = strstr(v->where, name); p; p = strstr(p + 1, name)) {
		size_t n = strlen(name);

		/* Present as a whole item already. */
		if ((p == v->where || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return;
	}
	len = strlen(v->where);
	if (len + strlen(name) + 2 >= sizeof(v->where)) {
		if (len + 4 < sizeof(v->where) && !strstr(v->where, "..."))
			strcat(v->where, ",...");
		return;
	}
	if (len)
		strcat(v->where, ",");
	strcat(v->where, name);
	if (!v->patterned)
		v->n_where++;
}

static void add_entry(struct work_row *wr, int side, int run, const struct result *r,
		      const struct stage_stat *s)
{
	struct attr_value *v = &wr->row.v[side];
	const char *to = attribution__short_dev(s->ifname, s->netns);

	v->present = true;
	wr->sum[side][run] += (double)s->hist.sum;
	v->count += s->hist.count;
	v->segs += s->hist.segs;
	hist__merge(&v->hist, &s->hist);
	if (wr->row.cls == ATTR_TX_DRV || wr->row.cls == ATTR_FORWARD)
		add_from_devices(v, r, s, wr->row.cls, to);
	else
		add_where(v, to);
}

static void set_synthetic(struct work_row *wr, int side, int run, double ns)
{
	wr->row.v[side].present = true;
	wr->sum[side][run] += ns;
}

static struct summary summarize(const double *v, int n)
{
	return stats__summarize(v, n);
}

/* Whole-run figures of a side: throughput, wall time and process CPU per byte. */
static int side_figures(const struct result *const *runs, int n, struct attr_side *sd,
			double *bytes)
{
	int cap = 0, nw = 0, np = 0;
	double *wall, *proc, *bps, *snd, *rcv;
	struct summary s;
	double scpu = 0, rcpu = 0;
	int ncpu = 0;

	for (int i = 0; i < n; i++)
		cap += runs[i]->throughput.n_repeats > 0 ? runs[i]->throughput.n_repeats : 1;
	wall = calloc(cap, sizeof(double));
	proc = calloc(cap, sizeof(double));
	bps = calloc(cap, sizeof(double));
	snd = calloc(cap, sizeof(double));
	rcv = calloc(cap, sizeof(double));
	if (!wall || !proc || !bps || !snd || !rcv) {
		free(wall);
		free(proc);
		free(bps);
		free(snd);
		free(rcv);
		return -ENOMEM;
	}
	sd->n_runs = n;
	for (int i = 0; i < n; i++) {
		const struct result *r = runs[i];
		const struct throughput *t = &r->throughput;

		bytes[i] = attribution__run_bytes(r);
		sd->bytes += bytes[i];
		if (t->present && t->n_repeats > 0) {
			for (int k = 0; k < t->n_repeats; k++) {
				const struct repeat_stat *rp = &t->repeats[k];

				if (rp->bits_per_second <= 0)
					continue;
				bps[nw] = rp->bits_per_second;
				wall[nw++] = 8e9 / rp->bits_per_second;
				if (rp->sender_cpu > 0 || rp->receiver_cpu > 0) {
					snd[np] = rp->sender_cpu / 100 * 8e9 / rp->bits_per_second;
					rcv[np] =
					    rp->receiver_cpu / 100 * 8e9 / rp->bits_per_second;
					proc[np++] = (rp->sender_cpu + rp->receiver_cpu) / 100 *
						     8e9 / rp->bits_per_second;
					scpu += rp->sender_cpu;
					rcpu += rp->receiver_cpu;
					ncpu++;
				}
			}
		} else if (t->present && t->bits_per_second > 0) {
			bps[nw] = t->bits_per_second;
			wall[nw++] = 8e9 / t->bits_per_second;
		} else if (bytes[i] > 0 && r->profile_seconds > 0) {
			/* A profile: no iperf3, the sockets' bytes over the window. */
			bps[nw] = bytes[i] * 8 / r->profile_seconds;
			wall[nw++] = r->profile_seconds * 1e9 / bytes[i];
		}
	}
	sd->n_samples = nw;
	s = summarize(bps, nw);
	sd->bps = s.mean;
	sd->bps_se = s.stderr_mean;
	s = summarize(wall, nw);
	sd->wall_ns_per_byte = s.mean;
	sd->wall_se = s.stderr_mean;
	if (np > 0) {
		s = summarize(proc, np);
		sd->has_process_cpu = true;
		sd->total_ns_per_byte = sd->process_ns_per_byte = s.mean;
		sd->process_se = s.stderr_mean;
		s = summarize(snd, np);
		sd->sender_ns_per_byte = s.mean;
		sd->sender_se = s.stderr_mean;
		s = summarize(rcv, np);
		sd->receiver_ns_per_byte = s.mean;
		sd->receiver_se = s.stderr_mean;
		sd->sender_cpu = scpu / ncpu;
		sd->receiver_cpu = rcpu / ncpu;
		sd->busiest_cpu = fmax(sd->sender_cpu, sd->receiver_cpu) /
				  (runs[0]->config.pairs > 0 ? runs[0]->config.pairs : 1);
		sd->n_cpus = runs[0]->softirq.n_cpus;
		if (sd->n_cpus > 0)
			sd->machine_cpu = (sd->sender_cpu + sd->receiver_cpu) / sd->n_cpus;
		sd->cpu_bound =
		    sd->busiest_cpu >= ATTR_CPU_BOUND || sd->machine_cpu >= ATTR_CPU_BOUND;
		if (sd->machine_cpu >= ATTR_CPU_BOUND)
			sd->bind = ATTR_BIND_MACHINE;
		else if (sd->busiest_cpu >= ATTR_CPU_BOUND)
			sd->bind = sd->sender_cpu >= sd->receiver_cpu ? ATTR_BIND_SENDER
								      : ATTR_BIND_RECEIVER;
	}
	free(wall);
	free(proc);
	free(bps);
	free(snd);
	free(rcv);
	return 0;
}

static void describe_side(const struct result *r, int n, struct attr_side *sd)
{
	const struct result_config *c = &r->config;

	if (!strcmp(c->command, "profile") || !c->kind[0])
		snprintf(sd->name, sizeof(sd->name), "profile of %.60s", c->netns);
	else
		snprintf(
		    sd->name, sizeof(sd->name), "%s%s%s, %s, %d pair%s, MTU %d%s", c->kind,
		    c->mode[0] && strcmp(c->mode, "bridge") && strcmp(c->mode, "l3") ? " " : "",
		    c->mode[0] && strcmp(c->mode, "bridge") && strcmp(c->mode, "l3") ? c->mode : "",
		    c->proto, c->pairs, c->pairs == 1 ? "" : "s", c->mtu,
		    n > 1 ? " (runs pooled)" : "");
}

/* Rows on the binding CPU first, then the outside estimate, then other CPU rows, then waits. */
static int rank_group(const struct attr_row *r)
{
	if (!r->cpu)
		return 3;
	if (r->cls == ATTR_OUTSIDE)
		return 1;
	return r->on_binding ? 0 : 2;
}

static int cmp_rank(const void *a, const void *b, void *two)
{
	const struct attr_row *x = a, *y = b;
	int kx = rank_group(x), ky = rank_group(y);
	double vx, vy;

	if (kx != ky)
		return kx - ky;
	if (kx == 3) {
		if (x->cls != y->cls)
			return (int)x->cls - (int)y->cls;
		if (x->actor != y->actor)
			return (int)x->actor - (int)y->actor;
		return (int)x->dir - (int)y->dir;
	}
	vx = *(bool *)two ? x->share : x->v[0].ns_per_byte;
	vy = *(bool *)two ? y->share : y->v[0].ns_per_byte;
	return vx < vy ? 1 : vx > vy ? -1 : 0;
}

/* Fill a row's values of one side from its per-run sums. */
static void finish_value(struct work_row *wr, int side, const double *bytes, int nruns)
{
	struct attr_value *v = &wr->row.v[side];
	double *per = calloc(nruns ? nruns : 1, sizeof(double)), total = 0, all_bytes = 0;
	struct summary s;
	int n = 0;

	if (!per)
		return;
	for (int i = 0; i < nruns; i++) {
		total += wr->sum[side][i];
		all_bytes += bytes[i];
		if (bytes[i] > 0)
			per[n++] = wr->sum[side][i] / bytes[i];
	}
	s = summarize(per, n);
	v->n = n;
	v->ns_per_byte = s.mean;
	v->ns_per_byte_se = s.stderr_mean;
	if (v->count) {
		v->ns_per_packet = total / (double)v->count;
		v->p50 = hist__quantile(&v->hist, 0.50);
		v->p99 = hist__quantile(&v->hist, 0.99);
	}
	if (v->segs)
		v->ns_per_segment = total / (double)v->segs;
	if (all_bytes > 0)
		v->packets_per_byte = (double)v->count / all_bytes;
	free(per);
}

static double ratio_se(double q, double a, double a_se, double b, double b_se)
{
	double ra = a != 0 ? a_se / a : 0, rb = b != 0 ? b_se / b : 0;

	return fabs(q) * sqrt(ra * ra + rb * rb);
}

/*
 * Rows: every stage entry into the row of its class, actor and direction,
 * beside the softirq time no stage covers; then each row's values per side.
 */
static int fill_rows(struct work *w, struct attribution *out,
		     const struct result *const *runs[ATTR_SIDES], const int nruns[ATTR_SIDES],
		     double *bytes[ATTR_SIDES])
{
	bool tx_seen = false;

	for (int s = 0; s < out->n_sides; s++) {
		for (int i = 0; i < nruns[s]; i++) {
			const struct result *r = runs[s][i];
			struct work_row *wr;

			for (int k = 0; k < r->n_stages; k++) {
				const struct stage_stat *st = &r->stages[k];
				enum attr_class cls;
				enum attr_dir dir;

				if (st->from == NS_STAGE_NONE || st->stage == NS_STAGE_DROP)
					continue;
				cls = attribution__class_of_entry(st);
				dir = !out->directions		    ? ATTR_DIR_BOTH
				      : st->path == RESULT_PATH_ANY ? ATTR_DIR_BOTH
				      : st->path == data_path(r)    ? ATTR_DIR_DATA
								    : ATTR_DIR_BACK;
				wr = get_row(w, cls, attribution__actor_of(cls, st->hop), dir);
				if (!wr)
					return -ENOMEM;
				add_entry(wr, s, i, r, st);
			}
			wr = get_row(w, ATTR_SOFTIRQ_OTHER, ATTR_ACTOR_NONE, ATTR_DIR_BOTH);
			if (!wr)
				return -ENOMEM;
			{
				const struct cpu_softirq *t = &r->softirq.total;

				set_synthetic(wr, s, i,
					      t->net_rx_ns > t->net_rx_covered_ns
						  ? (double)(t->net_rx_ns - t->net_rx_covered_ns)
						  : 0);
				tx_seen = tx_seen || t->net_tx_ns > 0;
			}
		}
	}
	if (tx_seen) {
		struct work_row *wr = get_row(w, ATTR_SOFTIRQ_TX, ATTR_ACTOR_NONE, ATTR_DIR_BOTH);

		if (!wr)
			return -ENOMEM;
		for (int s = 0; s < out->n_sides; s++)
			for (int i = 0; i < nruns[s]; i++)
				set_synthetic(wr, s, i,
					      (double)runs[s][i]->softirq.total.net_tx_ns);
	}
	for (int i = 0; i < w->n; i++)
		for (int s = 0; s < out->n_sides; s++)
			finish_value(&w->rows[i], s, bytes[s], nruns[s]);
	return 0;
}

/*
 * What binds: both sides' binding, when they agree. The rows whose CPU is
 * on that CPU count; the binding CPU's time per byte, from iperf3, less
 * those rows is the estimate outside the stages.
 */
static void mark_binding(struct work *w, struct attribution *out)
{
	bool two = out->n_sides == 2;

	out->bind = out->side[0].bind;
	if (two && out->side[1].bind != out->bind)
		out->bind = ATTR_BIND_NONE;
	for (int i = 0; i < w->n; i++) {
		struct attr_row *row = &w->rows[i].row;
		bool softirq = row->cls == ATTR_SOFTIRQ_OTHER || row->cls == ATTR_SOFTIRQ_TX;

		if (!row->cpu)
			continue;
		switch (out->bind) {
		case ATTR_BIND_SENDER:
			row->on_binding = row->dir != ATTR_DIR_BACK;
			break;
		case ATTR_BIND_RECEIVER:
			row->on_binding = !softirq && row->dir != ATTR_DIR_DATA;
			break;
		default:
			row->on_binding = true;
		}
	}
	for (int s = 0; s < out->n_sides; s++) {
		struct attr_side *sd = &out->side[s];

		for (int i = 0; i < w->n; i++)
			if (w->rows[i].row.on_binding)
				sd->stages_ns_per_byte += w->rows[i].row.v[s].ns_per_byte;
		if (out->bind == ATTR_BIND_SENDER) {
			sd->process_ns_per_byte = sd->sender_ns_per_byte;
			sd->process_se = sd->sender_se;
		} else if (out->bind == ATTR_BIND_RECEIVER) {
			sd->process_ns_per_byte = sd->receiver_ns_per_byte;
			sd->process_se = sd->receiver_se;
		}
	}
}

/* The outside estimate: the binding process's CPU per byte less the stages' on it. */
static int estimate_outside(struct work *w, struct attribution *out)
{
	bool two = out->n_sides == 2;

	if (out->side[0].has_process_cpu && (!two || out->side[1].has_process_cpu)) {
		struct work_row *wr = get_row(w, ATTR_OUTSIDE, ATTR_ACTOR_NONE, ATTR_DIR_BOTH);
		bool clamped = false;

		if (!wr)
			return -ENOMEM;
		wr->row.on_binding = true;
		for (int s = 0; s < out->n_sides; s++) {
			struct attr_side *sd = &out->side[s];
			struct attr_value *v = &wr->row.v[s];
			double o = sd->process_ns_per_byte - sd->stages_ns_per_byte;

			if (o < 0) {
				o = 0;
				clamped = true;
			}
			v->present = true;
			v->n = sd->n_samples;
			v->ns_per_byte = o;
			v->ns_per_byte_se = sd->process_se;
		}
		if (clamped)
			snprintf(
			    out->note, sizeof(out->note),
			    "iperf3's CPU per byte is below the stages' on a side: softirq work "
			    "ran outside the iperf3 processes, so the estimate of the time outside "
			    "the stages is set to 0 there. ");
	} else {
		snprintf(
		    out->note, sizeof(out->note),
		    "the results carry no iperf3 CPU figures: the time outside the stages "
		    "(socket calls, copies, TCP) is not estimated and stays in 'unexplained'. ");
	}
	return 0;
}

/* The gap and the shares: each row's difference, A less B, as a share of the gap. */
static void shares(struct work *w, struct attribution *out)
{
	double meas_se2 = 0, meas = 0, outside = 0;
	bool two = out->n_sides == 2;

	if (two) {
		out->gap = out->side[0].wall_ns_per_byte - out->side[1].wall_ns_per_byte;
		out->gap_se = hypot(out->side[0].wall_se, out->side[1].wall_se);
	}
	for (int i = 0; i < w->n; i++) {
		struct attr_row *row = &w->rows[i].row;

		if (!two)
			continue;
		row->delta = row->v[0].ns_per_byte - row->v[1].ns_per_byte;
		row->delta_se = hypot(row->v[0].ns_per_byte_se, row->v[1].ns_per_byte_se);
		row->delta_per_packet = row->v[0].ns_per_packet - row->v[1].ns_per_packet;
		if (out->gap != 0) {
			row->share = row->delta / out->gap;
			row->share_se =
			    ratio_se(row->share, row->delta, row->delta_se, out->gap, out->gap_se);
		}
		if (row->on_binding && row->cls != ATTR_OUTSIDE) {
			meas += row->delta;
			meas_se2 += row->delta_se * row->delta_se;
		}
		if (row->cls == ATTR_OUTSIDE)
			outside = row->delta;
	}
	if (two && out->gap != 0) {
		out->explained = meas / out->gap;
		out->explained_se =
		    ratio_se(out->explained, meas, sqrt(meas_se2), out->gap, out->gap_se);
		out->outside = outside / out->gap;
		out->unexplained = 1 - out->explained - out->outside;
	}
	if (two && out->side[0].has_process_cpu && out->side[1].has_process_cpu)
		out->cpu_gap = out->side[0].process_ns_per_byte - out->side[1].process_ns_per_byte;
}

/* Notes: what limits the figures (bindings apart, no stage data, not CPU-bound, one run). */
static void add_notes(struct attribution *out, const struct result *const *runs[ATTR_SIDES],
		      const int nruns[ATTR_SIDES])
{
	bool two = out->n_sides == 2;

	if (two && out->bind == ATTR_BIND_NONE && out->side[0].bind != out->side[1].bind &&
	    out->side[0].bind != ATTR_BIND_NONE && out->side[1].bind != ATTR_BIND_NONE) {
		size_t len = strlen(out->note);

		snprintf(out->note + len, sizeof(out->note) - len,
			 "A is bound by %s, B by %s: all CPU is counted on both sides. ",
			 attr_bind__name(out->side[0].bind), attr_bind__name(out->side[1].bind));
	}
	for (int s = 0; s < out->n_sides; s++) {
		bool staged = false, hops = false;
		size_t len = strlen(out->note);

		for (int i = 0; i < nruns[s]; i++)
			hops = hops || !strcmp(runs[s][i]->config.stages, "hops");
		/* The light set times whole hops: say what its rows hold and what splits them. */
		if (hops)
			snprintf(out->note + len, sizeof(out->note) - len,
				 "%s was made with --stages hops: its receive rows ('the CPU "
				 "backlog', 'up to the upper') hold whole hops, transmit, "
				 "forwarding and queueing together; --stages all splits them. ",
				 two ? (s ? "B" : "A") : "the run");
		len = strlen(out->note);
		for (int i = 0; i < nruns[s]; i++)
			staged = staged || runs[s][i]->n_stages > 0;
		if (!staged)
			snprintf(out->note + len, sizeof(out->note) - len,
				 "%s has no stage data (a run with --no-probes): only its totals "
				 "count. ",
				 two ? (s ? "B" : "A") : "the run");
	}
	for (int s = 0; s < out->n_sides; s++) {
		const struct attr_side *sd = &out->side[s];
		size_t len = strlen(out->note);
		char all[64] = "";

		if (!sd->has_process_cpu || sd->cpu_bound)
			continue;
		if (sd->n_cpus)
			snprintf(all, sizeof(all), ", all of them %.0f%% of the %d CPUs",
				 sd->machine_cpu, sd->n_cpus);
		snprintf(
		    out->note + len, sizeof(out->note) - len,
		    "%s is not CPU-bound (the busier iperf3 process of a pair used %.0f%% of a "
		    "CPU%s): its wall time per byte is more than CPU time, so CPU stages cannot "
		    "explain all of it; look at the waiting intervals. ",
		    two ? (s ? "B" : "A") : "the run", sd->busiest_cpu, all);
	}
	if (two && (out->side[0].n_runs < 2 || out->side[1].n_runs < 2)) {
		size_t len = strlen(out->note);

		snprintf(out->note + len, sizeof(out->note) - len,
			 "Stage figures of one run have no standard error (give several runs "
			 "of a configuration as A1.json,A2.json).");
	}
}

int attribution__compute(const struct result *const *a, int na, const struct result *const *b,
			 int nb, struct attribution *out, char *err, size_t errlen)
{
	const struct result *const *runs[ATTR_SIDES] = {a, b};
	int nruns[ATTR_SIDES] = {na, nb};
	double *bytes[ATTR_SIDES] = {NULL, NULL};
	struct work w = {0};
	bool two = nb > 0, dirs = true;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (na <= 0) {
		snprintf(err, errlen, "attribution: no result to describe");
		return -EINVAL;
	}
	out->n_sides = two ? 2 : 1;
	w.nruns[0] = na;
	w.nruns[1] = nb;
	for (int s = 0; s < out->n_sides; s++)
		for (int i = 0; i < nruns[s]; i++)
			dirs = dirs && has_paths(runs[s][i]);
	out->directions = dirs;
	for (int s = 0; s < out->n_sides; s++) {
		bytes[s] = calloc(nruns[s], sizeof(double));
		if (!bytes[s] || side_figures(runs[s], nruns[s], &out->side[s], bytes[s])) {
			rc = -ENOMEM;
			goto out;
		}
		describe_side(runs[s][0], nruns[s], &out->side[s]);
	}
	rc = fill_rows(&w, out, runs, nruns, bytes);
	if (rc)
		goto out;
	mark_binding(&w, out);
	rc = estimate_outside(&w, out);
	if (rc)
		goto out;
	shares(&w, out);
	add_notes(out, runs, nruns);

	/* Hand the rows over, ranked. */
	out->rows = calloc(w.n ? w.n : 1, sizeof(*out->rows));
	if (!out->rows) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < w.n; i++)
		out->rows[i] = w.rows[i].row;
	out->n_rows = w.n;
	qsort_r(out->rows, out->n_rows, sizeof(*out->rows), cmp_rank, &two);
out:
	for (int i = 0; i < w.n; i++)
		for (int s = 0; s < ATTR_SIDES; s++)
			free(w.rows[i].sum[s]);
	free(w.rows);
	free(bytes[0]);
	free(bytes[1]);
	if (rc) {
		snprintf(err, errlen, "attribution: out of memory");
		attribution__free(out);
	}
	return rc;
}

void attribution__free(struct attribution *at)
{
	if (!at)
		return;
	free(at->rows);
	memset(at, 0, sizeof(*at));
}

const struct attr_row *attribution__find(const struct attribution *at, enum attr_class cls,
					 enum attr_actor actor, enum attr_dir dir)
{
	for (int i = 0; i < at->n_rows; i++)
		if (at->rows[i].cls == cls && at->rows[i].actor == actor && at->rows[i].dir == dir)
			return &at->rows[i];
	return NULL;
}

const struct attr_row *attribution__top(const struct attribution *at)
{
	for (int i = 0; i < at->n_rows; i++)
		if (at->rows[i].on_binding && at->rows[i].cls != ATTR_OUTSIDE)
			return &at->rows[i];
	return NULL;
}

/* ---- JSON ---- */

static void jdbl(json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(isfinite(v) ? v : 0));
}

static json_object *value_json(const struct attr_value *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "present", json_object_new_boolean(v->present));
	jdbl(o, "ns_per_byte", v->ns_per_byte);
	jdbl(o, "ns_per_byte_stderr", v->ns_per_byte_se);
	jdbl(o, "ns_per_packet", v->ns_per_packet);
	jdbl(o, "ns_per_segment", v->ns_per_segment);
	json_object_object_add(o, "packets", json_object_new_uint64(v->count));
	json_object_object_add(o, "segments", json_object_new_uint64(v->segs));
	jdbl(o, "p50_ns", v->p50);
	jdbl(o, "p99_ns", v->p99);
	json_object_object_add(o, "devices", json_object_new_string(v->where));
	return o;
}

static json_object *side_json(const struct attr_side *sd)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(sd->name));
	json_object_object_add(o, "runs", json_object_new_int(sd->n_runs));
	json_object_object_add(o, "samples", json_object_new_int(sd->n_samples));
	jdbl(o, "bits_per_second", sd->bps);
	jdbl(o, "bits_per_second_stderr", sd->bps_se);
	jdbl(o, "wall_ns_per_byte", sd->wall_ns_per_byte);
	jdbl(o, "wall_ns_per_byte_stderr", sd->wall_se);
	jdbl(o, "bytes", sd->bytes);
	jdbl(o, "stages_cpu_ns_per_byte", sd->stages_ns_per_byte);
	json_object_object_add(o, "bound_by", json_object_new_string(attr_bind__name(sd->bind)));
	if (sd->has_process_cpu) {
		jdbl(o, "binding_cpu_ns_per_byte", sd->process_ns_per_byte);
		jdbl(o, "all_iperf3_cpu_ns_per_byte", sd->total_ns_per_byte);
		jdbl(o, "sender_cpu_percent", sd->sender_cpu);
		jdbl(o, "receiver_cpu_percent", sd->receiver_cpu);
	}
	return o;
}

static const char *class_key(enum attr_class c)
{
	static const char *const k[ATTR_CLASS_COUNT] = {
	    [ATTR_TX_DEV] = "tx_device_layer",	  [ATTR_TX_DRV] = "tx_driver_to_forward",
	    [ATTR_TX_ENTRY] = "tx_into_driver",	  [ATTR_TX_DRV_REST] = "tx_driver_after_forward",
	    [ATTR_TX_RETURN] = "tx_after_driver", [ATTR_RX_PRE] = "rx_core_before_handler",
	    [ATTR_BR_INPUT] = "bridge_input",	  [ATTR_CPU_OTHER] = "cpu_other",
	    [ATTR_TX_REST] = "tx_after_forward",  [ATTR_FORWARD] = "bridge_forward",
	    [ATTR_RX_SOCK] = "rx_to_socket",	  [ATTR_SOFTIRQ_OTHER] = "softirq_other",
	    [ATTR_SOFTIRQ_TX] = "softirq_net_tx", [ATTR_OUTSIDE] = "outside_stages",
	    [ATTR_W_SOFTIRQ] = "wait_softirq",	  [ATTR_W_BACKLOG] = "wait_backlog",
	    [ATTR_W_SOCKET] = "wait_socket",	  [ATTR_W_OTHER] = "wait_other",
	    [ATTR_TX_LOWER] = "tx_to_lower",	  [ATTR_RX_UPPER] = "rx_to_upper",
	    [ATTR_IP_INPUT] = "ip_input",	  [ATTR_NAT_PRE] = "nat_prerouting",
	    [ATTR_IP_FORWARD] = "ip_forward",	  [ATTR_NAT_POST] = "nat_postrouting",
	    [ATTR_IP_OUTPUT] = "ip_output",
	};
	return c < ATTR_CLASS_COUNT ? k[c] : "?";
}

static const char *actor_key(enum attr_actor a)
{
	static const char *const k[] = {
	    [ATTR_ACTOR_NONE] = "none",		  [ATTR_ACTOR_CONTAINER] = "container",
	    [ATTR_ACTOR_FORWARDER] = "forwarder", [ATTR_ACTOR_BRIDGE] = "bridge",
	    [ATTR_ACTOR_RECEIVER] = "receiver",	  [ATTR_ACTOR_FIRST_HOP] = "first_hop",
	    [ATTR_ACTOR_NEXT_HOP] = "next_hops",
	};
	return k[a];
}

json_object *attribution__to_json(const struct attribution *at)
{
	json_object *o = json_object_new_object(), *sides = json_object_new_array();
	json_object *rows = json_object_new_array();
	bool two = at->n_sides == 2;

	for (int s = 0; s < at->n_sides; s++)
		json_object_array_add(sides, side_json(&at->side[s]));
	json_object_object_add(o, "runs", sides);
	json_object_object_add(o, "unit", json_object_new_string("ns per byte delivered"));
	json_object_object_add(o, "directions_apart", json_object_new_boolean(at->directions));
	json_object_object_add(o, "bound_by", json_object_new_string(attr_bind__name(at->bind)));
	if (two) {
		jdbl(o, "gap_ns_per_byte", at->gap);
		jdbl(o, "gap_stderr", at->gap_se);
		jdbl(o, "explained_by_stages", at->explained);
		jdbl(o, "explained_stderr", at->explained_se);
		jdbl(o, "outside_stages", at->outside);
		jdbl(o, "unexplained", at->unexplained);
	}
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];
		json_object *j = json_object_new_object(), *vals = json_object_new_array();

		json_object_object_add(j, "stage", json_object_new_string(r->label));
		json_object_object_add(j, "class", json_object_new_string(class_key(r->cls)));
		json_object_object_add(j, "actor", json_object_new_string(actor_key(r->actor)));
		json_object_object_add(j, "direction",
				       json_object_new_string(attr_dir__name(r->dir)));
		json_object_object_add(j, "interval",
				       json_object_new_string(r->cpu ? "cpu" : "wait"));
		if (r->cpu)
			json_object_object_add(j, "on_binding_cpu",
					       json_object_new_boolean(r->on_binding));
		for (int s = 0; s < at->n_sides; s++)
			json_object_array_add(vals, value_json(&r->v[s]));
		json_object_object_add(j, "values", vals);
		if (two) {
			jdbl(j, "delta_ns_per_byte", r->delta);
			jdbl(j, "delta_stderr", r->delta_se);
			jdbl(j, "delta_ns_per_packet", r->delta_per_packet);
			if (r->cpu) {
				jdbl(j, "share", r->share);
				jdbl(j, "share_stderr", r->share_se);
			}
		}
		json_object_array_add(rows, j);
	}
	json_object_object_add(o, "stages", rows);
	if (at->note[0])
		json_object_object_add(o, "note", json_object_new_string(at->note));
	return o;
}
