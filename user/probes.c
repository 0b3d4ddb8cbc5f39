// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "user/probes.h"
#include "user/session.h"
#include "user/probe_memory.h"
#include "stages.skel.h"

/*
 * libbpf's messages only with -v or NETSTAGE_VERBOSE=1 (for tests and the VM):
 * otherwise the loader explains failures in its own words.
 */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!session_verbose && !getenv("NETSTAGE_VERBOSE"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void quiet_libbpf(void)
{
	libbpf_set_print(print_libbpf);
}

/* Load "r0 = 0; exit" as a tracing program at a BTF id, and attach it. */
static int try_tracing(enum bpf_attach_type type, int btf_id, int btf_obj_fd)
{
	int prog, link, err;

	prog = probe_cost__empty_tracing(type, btf_id, btf_obj_fd);
	if (prog < 0)
		return prog;
	link = bpf_raw_tracepoint_open(NULL, prog);
	err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	return err;
}

/*
 * BPF programs at netfilter hooks came with 6.4; Debian's libbpf 1.1 and
 * uapi headers predate them, so their numbers are spelled out here (the
 * kernel's include/uapi/linux/bpf.h and netfilter headers).
 */
#define NS_PROG_TYPE_NETFILTER 32 /* BPF_PROG_TYPE_NETFILTER */
#define NS_ATTACH_NETFILTER    45 /* BPF_NETFILTER */
#define NS_NFPROTO_IPV4	       2
#define NS_NFPROTO_IPV6	       10
#define NS_NF_PRE_ROUTING      0
#define NS_NF_POST_ROUTING     4
#define NS_NF_PRI_NAT_DST      (-100) /* NF_IP_PRI_NAT_DST, NF_IP6_PRI_NAT_DST */
#define NS_NF_PRI_NAT_SRC      100    /* NF_IP_PRI_NAT_SRC, NF_IP6_PRI_NAT_SRC */

/* Can this kernel load a netfilter program ("r0 = NF_ACCEPT; exit")? 0 or -errno. */
static int try_netfilter(void)
{
	struct bpf_insn insns[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = NS_ATTACH_NETFILTER);
	int prog = bpf_prog_load(NS_PROG_TYPE_NETFILTER, NULL, "GPL", insns, 2, &opts);

	if (prog < 0)
		return -errno;
	close(prog);
	return 0;
}

/* A netfilter link (BPF_LINK_CREATE's netfilter member, which libbpf 1.1 lacks). */
static int netfilter_link(int prog_fd, int pf, int hook, int priority)
{
	union {
		struct {
			__u32 prog_fd, target_fd, attach_type, flags;
			__u32 pf, hooknum;
			__s32 priority;
			__u32 nf_flags;
		} nf;
		char room[128]; /* the kernel reads the whole union bpf_attr size it is given */
	} attr;

	memset(&attr, 0, sizeof(attr));
	attr.nf.prog_fd = prog_fd;
	attr.nf.attach_type = NS_ATTACH_NETFILTER;
	attr.nf.pf = pf;
	attr.nf.hooknum = hook;
	attr.nf.priority = priority;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

/* Number of arguments of a tracepoint's BTF prototype (without the leading ctx), or -1. */
static int tp_args(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;
}

/* The tracepoint a program attaches to: "tp_btf/net_dev_queue" -> "net_dev_queue". */
static const char *prog_tp(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	return slash ? slash + 1 : NULL;
}

/* fentry/fexit programs (module-level probes), as opposed to BTF tracepoints. */
static bool is_module_probe(const struct bpf_program *prog)
{
	enum bpf_attach_type t = bpf_program__expected_attach_type(prog);

	return t == BPF_TRACE_FENTRY || t == BPF_TRACE_FEXIT;
}

/* Is the function in the kernel's BTF or in a loaded module's (/sys/kernel/btf/<module>)? */
static bool func_exists(struct btf *vmlinux, const char *name)
{
	struct dirent *de;
	bool found = false;
	DIR *dir;

	if (btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0)
		return true;
	dir = opendir("/sys/kernel/btf");
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		char path[300];
		struct btf *mod;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
		mod = btf__parse_split(path, vmlinux);
		if (!mod)
			continue;
		found = btf__find_by_name_kind(mod, name, BTF_KIND_FUNC) > 0;
		btf__free(mod);
	}
	closedir(dir);
	return found;
}

static void add_name(char *list, size_t len, const char *name)
{
	size_t used = strlen(list);

	if (strstr(list, name))
		return;
	snprintf(list + used, len - used, "%s%s", used ? "," : "", name);
}

static void add_missing(struct probe_report *pr, const char *tp)
{
	size_t len = strlen(pr->missing);

	if (strstr(pr->missing, tp))
		return;
	snprintf(pr->missing + len, sizeof(pr->missing) - len, "%s%s", len ? "," : "", tp);
}

void probes__probe(struct probe_report *pr)
{
	static const char *const fentry_targets[] = {"veth_xmit", "netif_rx", NULL};
	struct btf *btf;
	int id, err;

	memset(pr, 0, sizeof(*pr));
	quiet_libbpf();
	pr->bpf_stats = access("/proc/sys/kernel/bpf_stats_enabled", W_OK) == 0;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(
		    pr->btf_why, sizeof(pr->btf_why),
		    "no kernel BTF (/sys/kernel/btf/vmlinux: %s); CO-RE programs need a kernel "
		    "built with CONFIG_DEBUG_INFO_BTF=y",
		    strerror(errno));
		snprintf(pr->tp_btf_why, sizeof(pr->tp_btf_why), "needs BTF");
		snprintf(pr->fentry_why, sizeof(pr->fentry_why), "needs BTF");
		return;
	}
	pr->btf = true;

	id = btf__find_by_name_kind(btf, "btf_trace_netif_receive_skb", BTF_KIND_TYPEDEF);
	err = id < 0 ? -ENOENT : try_tracing(BPF_TRACE_RAW_TP, id, 0);
	pr->tp_btf = err == 0;
	if (err)
		snprintf(pr->tp_btf_why, sizeof(pr->tp_btf_why),
			 "a BTF tracepoint program on netif_receive_skb failed: %s",
			 strerror(-err));

	err = -ENOENT;
	for (int i = 0; fentry_targets[i] && err == -ENOENT; i++) {
		id = btf__find_by_name_kind(btf, fentry_targets[i], BTF_KIND_FUNC);
		if (id > 0) {
			err = try_tracing(BPF_TRACE_FENTRY, id, 0);
			if (err)
				snprintf(
				    pr->fentry_why, sizeof(pr->fentry_why),
				    "an fentry program on %s failed to load or attach: %s; the "
				    "stage probes use tracepoints instead",
				    fentry_targets[i], strerror(-err));
		}
	}
	pr->fentry = err == 0;
	if (err == -ENOENT)
		snprintf(pr->fentry_why, sizeof(pr->fentry_why),
			 "none of the probed functions is in the kernel's BTF");

	err = try_netfilter();
	pr->netfilter = err == 0;
	if (err)
		snprintf(
		    pr->netfilter_why, sizeof(pr->netfilter_why),
		    "a BPF netfilter program failed to load: %s (kernels before 6.4 have none); "
		    "conntrack and NAT stay inside the row 'IP forward: routing, hooks'",
		    strerror(-err));

	pr->kfree_skb_reason = tp_args(btf, "kfree_skb") >= 3;
	pr->udp_deliver =
	    tp_args(btf, "sk_data_ready") >= 0 && tp_args(btf, "sock_recv_length") >= 0;
	{
		struct stages_bpf *skel = stages_bpf__open();
		struct bpf_program *prog;

		if (skel) {
			bpf_object__for_each_program(prog, skel->obj)
			{
				const char *tp = prog_tp(prog);

				if (!tp)
					continue;
				if (!is_module_probe(prog)) {
					if (tp_args(btf, tp) < 0)
						add_missing(pr, tp);
				} else if (pr->fentry && func_exists(btf, tp)) {
					add_name(pr->modules, sizeof(pr->modules), tp);
				}
			}
			stages_bpf__destroy(skel);
		}
	}
	btf__free(btf);
}

void probes__report_features(const struct probe_report *pr, struct result *r)
{
	result__add_feature(r, "btf", pr->btf, pr->btf_why);
	result__add_feature(r, "tp_btf", pr->tp_btf, pr->tp_btf_why);
	result__add_feature(r, "fentry", pr->fentry, pr->fentry_why);
	result__add_feature(r, "kfree_skb_reason", pr->kfree_skb_reason,
			    pr->kfree_skb_reason ? "" : "kernel before 5.17: drops have no reason");
	result__add_feature(r, "bpf_stats", pr->bpf_stats, "");
	result__add_feature(r, "udp_deliver", pr->udp_deliver,
			    pr->udp_deliver
				? ""
				: "no sock:sk_data_ready or sock:sock_recv_length (before "
				  "6.3/6.4): UDP's delivery is counted per socket, without "
				  "its wait in the queue");
	result__add_feature(r, "netfilter", pr->netfilter, pr->netfilter_why);
	result__add_feature(r, "all_tracepoints", !pr->missing[0],
			    pr->missing[0] ? pr->missing : "");
	/* What the loader used, once loaded: the same report says it. */
	result__add_feature(r, "module_probes", pr->modules[0] != '\0',
			    pr->modules[0] ? pr->modules
			    : pr->fentry   ? "no module function to attach to"
					   : "fentry refused: tracepoints only");
	result__add_feature(r, "direct_packet_reads", pr->direct_reads,
			    pr->direct_reads ? "" : "packet bytes read with bpf_probe_read_kernel");
}

/* ---- slots: which histograms a device's events go to ---- */

static int slot_of_role(struct probes *l, const struct topo_dev *d, int i)
{
	for (int s = 0; s < l->n_slots; s++) {
		const struct topo_dev *first = &l->topo->devs[l->slots[s].dev];

		if (first->role == d->role && first->kind == d->kind)
			return s;
	}
	(void)i;
	return -1;
}

/* Name of a merged slot: the common prefix of its devices' names and a star. */
static void merge_name(char *name, size_t len, const char *other)
{
	size_t i = 0;

	while (name[i] && name[i] == other[i] && name[i] != '*')
		i++;
	if (name[i] && i + 2 <= len) {
		name[i] = '*';
		name[i + 1] = '\0';
	}
}

static int assign_slots(struct probes *l, int max_slots, int *dev_slot, char *err, size_t errlen)
{
	const struct topo *t = l->topo;
	bool merge = t->n_devs > max_slots;

	for (int i = 0; i < t->n_devs; i++) {
		int s = merge ? slot_of_role(l, &t->devs[i], i) : -1;

		if (s < 0) {
			if (l->n_slots == max_slots) {
				snprintf(err, errlen,
					 "%d devices need more than %d histogram slots; "
					 "watch fewer devices",
					 t->n_devs, max_slots);
				return -E2BIG;
			}
			s = l->n_slots++;
			l->slots[s].dev = i;
			snprintf(l->slots[s].name, sizeof(l->slots[s].name), "%s",
				 t->devs[i].ifname);
		} else {
			merge_name(l->slots[s].name, sizeof(l->slots[s].name), t->devs[i].ifname);
		}
		l->slots[s].n_devs++;
		dev_slot[i] = s;
	}
	return 0;
}

/* Does a namespace of the topology translate addresses (the nat kind's host)? */
static bool translates(const struct topo *t)
{
	for (int i = 0; t && i < t->n_ns; i++)
		if (t->ns[i].translates)
			return true;
	return false;
}

/*
 * Place keys in an open-addressing table of the smallest power-of-two size
 * (at least 4 places per key) where every key sits within NS_DEV_PROBES
 * places of its hash, as the BPF side looks for it. Returns the mask, or -1.
 */
static long place_keys(const __u64 *keys, int n, __u64 *table, __u32 *at, unsigned int max)
{
	for (unsigned int size = 16; size <= max; size *= 2) {
		bool ok = true;

		if (size < 4U * n)
			continue;
		memset(table, 0, sizeof(*table) * size);
		for (int i = 0; i < n && ok; i++) {
			__u32 h = ns_key_hash(keys[i]);
			int p;

			for (p = 0; p < NS_DEV_PROBES; p++) {
				__u32 pos = (h + p) & (size - 1);

				if (table[pos] == keys[i] || !table[pos]) {
					table[pos] = keys[i];
					at[i] = pos;
					break;
				}
			}
			ok = p < NS_DEV_PROBES;
		}
		if (ok)
			return size - 1;
	}
	return -1;
}

static int fill_dev_table(struct probes *l, const int *dev_slot, char *err, size_t errlen)
{
	const struct topo *t = l->topo;
	struct stages_bpf__rodata *ro = l->skel->rodata;
	__u64 *keys = calloc(t->n_devs + t->n_ns + 1, sizeof(*keys));
	__u64 *table = calloc(NS_DEV_TABLE, sizeof(*table));
	__u32 *at = calloc(t->n_devs + t->n_ns + 1, sizeof(*at));
	long mask;
	int rc = 0, n_ns = 0;

	if (!keys || !table || !at) {
		snprintf(err, errlen, "out of memory for the probes' device table");
		rc = -ENOMEM;
		goto out;
	}
	if (t->n_devs > NS_MAX_DEVS || t->n_ns > NS_NETNS_TABLE / 4) {
		snprintf(err, errlen,
			 "%d devices in %d namespaces are more than netstage can watch "
			 "(%d devices, %d namespaces)",
			 t->n_devs, t->n_ns, NS_MAX_DEVS, NS_NETNS_TABLE / 4);
		rc = -E2BIG;
		goto out;
	}
	for (int i = 0; i < t->n_devs; i++)
		keys[i] = NS_DEV_KEY(t->ns[t->devs[i].ns].inum, t->devs[i].ifindex);
	mask = place_keys(keys, t->n_devs, table, at, NS_DEV_TABLE);
	if (mask < 0) {
		snprintf(err, errlen, "cannot place %d devices in the probes' table", t->n_devs);
		rc = -E2BIG;
		goto out;
	}
	ro->cfg.dev_mask = mask;
	for (long i = 0; i <= mask; i++)
		ro->dev_keys[i] = table[i];
	for (int i = 0; i < t->n_devs; i++)
		ro->dev_infos[at[i]] = NS_DEV_INFO(dev_slot[i], t->devs[i].kind);

	/* The namespaces, for the programs that see a socket but no device. */
	for (int i = 0; i < t->n_ns; i++)
		if (t->ns[i].inum)
			keys[n_ns++] = t->ns[i].inum;
	mask = place_keys(keys, n_ns, table, at, NS_NETNS_TABLE);
	if (mask < 0) {
		snprintf(err, errlen, "cannot place %d namespaces in the probes' table", n_ns);
		rc = -E2BIG;
		goto out;
	}
	ro->cfg.netns_mask = mask;
	for (long i = 0; i <= mask; i++)
		ro->netns_keys[i] = (__u32)table[i];
out:
	free(keys);
	free(table);
	free(at);
	return rc;
}

/*
 * The programs of the light stage set: a packet's first queueing, each
 * device's receive, the socket enqueue and the delivery, drops, socket
 * trouble, and the receive softirq's bounds (marked, not timed), which tell
 * a socket enqueue of the softirq's packet from one in process context.
 * By name, so that the benchmark's floor (bench/empty_probes) takes the
 * same hooks.
 */
bool probes__in_hops(const char *prog, bool preempt_count)
{
	static const char *const keep[] = {
	    "tx_queue", "rx_core",	 "sock_enqueue",       "sock_enqueue_pc",
	    "deliver",	"sock_recv",	 "sock_rcvqueue_full", "udp_queue_fail",
	    "drop",	"drop_noreason",
	};

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (!strcmp(keep[i], prog))
			return true;
	/* Where the preempt count cannot be read, the softirq hooks mark the receive softirq. */
	return !preempt_count && (!strcmp(prog, "softirq_entry") || !strcmp(prog, "softirq_exit"));
}

/*
 * Can the programs read the preempt count (a per-CPU kernel variable)? The
 * verifier finds its address through kallsyms, which lists data symbols only
 * with CONFIG_KALLSYMS_ALL.
 */
bool probes__preempt_count_readable(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *name = strrchr(line, ' ');

		found = name &&
			(!strcmp(name + 1, "__preempt_count\n") || !strcmp(name + 1, "pcpu_hot\n"));
	}
	fclose(f);
	return found;
}

static void choose_programs(struct probes *l, bool module_probes)
{
	struct bpf_program *prog;
	bool all = l->stage_set == NS_SET_ALL;

	l->modules[0] = '\0';
	bpf_object__for_each_program(prog, l->skel->obj)
	{
		const char *tp = prog_tp(prog);
		bool on;

		if (!tp)
			continue;
		if (is_module_probe(prog))
			on = all && module_probes && l->features.fentry &&
			     func_exists(l->vmlinux_btf, tp);
		else
			on = (all || probes__in_hops(bpf_program__name(prog), l->preempt_count)) &&
			     tp_args(l->vmlinux_btf, tp) >= 0;
		bpf_program__set_autoload(prog, on);
		if (on && is_module_probe(prog))
			add_name(l->modules, sizeof(l->modules), tp);
	}
	/* The netfilter programs, where a namespace of the topology translates addresses. */
	{
		struct bpf_program *nf[] = {l->skel->progs.nf_pre, l->skel->progs.nf_nat,
					    l->skel->progs.nf_post};
		bool on = all && l->features.netfilter && translates(l->topo);

		for (size_t i = 0; i < sizeof(nf) / sizeof(nf[0]); i++) {
			bpf_program__set_type(nf[i], NS_PROG_TYPE_NETFILTER);
			bpf_program__set_expected_attach_type(nf[i], NS_ATTACH_NETFILTER);
			bpf_program__set_autoload(nf[i], on);
		}
	}
	/* One socket enqueue program: the softirq told by the preempt count, or by the hooks. */
	bpf_program__set_autoload(
	    l->preempt_count ? l->skel->progs.sock_enqueue : l->skel->progs.sock_enqueue_pc, false);
	/* One kfree_skb program, with or without the reason argument. */
	if (l->features.kfree_skb_reason)
		bpf_program__set_autoload(l->skel->progs.drop_noreason, false);
	else
		bpf_program__set_autoload(l->skel->progs.drop, false);
}

/*
 * Link the netfilter programs in the calling thread's namespace (a link
 * belongs to the namespace of the thread that makes it): nf_pre and nf_post
 * first in their hooks, nf_nat right after DNAT (prerouting) and SNAT
 * (postrouting); IPv4, and IPv6 when the topology has it.
 */
static int link_netfilter_here(struct probes *l, const char *nsname, char *err, size_t errlen)
{
	const struct {
		int hook, priority;
		struct bpf_program *prog;
	} at[] = {
	    {NS_NF_PRE_ROUTING, INT_MIN + 1, l->skel->progs.nf_pre},
	    {NS_NF_PRE_ROUTING, NS_NF_PRI_NAT_DST + 1, l->skel->progs.nf_nat},
	    {NS_NF_POST_ROUTING, INT_MIN + 1, l->skel->progs.nf_post},
	    {NS_NF_POST_ROUTING, NS_NF_PRI_NAT_SRC + 1, l->skel->progs.nf_nat},
	};
	const int pfs[] = {NS_NFPROTO_IPV4, NS_NFPROTO_IPV6};
	const int max = sizeof(l->nf_links) / sizeof(l->nf_links[0]);

	for (size_t p = 0; p < 2; p++) {
		if (pfs[p] == NS_NFPROTO_IPV6 && !l->topo->spec.ipv6)
			continue;
		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			int link;

			if (l->n_nf_links == max) {
				snprintf(err, errlen, "netfilter stages: more than %d links", max);
				return -E2BIG;
			}
			link = netfilter_link(bpf_program__fd(at[i].prog), pfs[p], at[i].hook,
					      at[i].priority);
			if (link < 0) {
				snprintf(err, errlen,
					 "netfilter stages: linking %s in %s failed: %s",
					 bpf_program__name(at[i].prog), nsname, strerror(errno));
				return -errno;
			}
			l->nf_links[l->n_nf_links++] = link;
		}
	}
	return 0;
}

/* The netfilter programs, in every namespace of the topology that translates addresses. */
static int attach_netfilter(struct probes *l, char *err, size_t errlen)
{
	const struct topo *t = l->topo;
	int rc = 0;

	if (!bpf_program__autoload(l->skel->progs.nf_pre))
		return 0;
	for (int ns = 0; ns < t->n_ns && !rc; ns++) {
		struct topo_err terr;
		int orig;

		if (!t->ns[ns].translates)
			continue;
		orig = topo__enter_ns(t, ns, &terr);
		if (orig < 0) {
			snprintf(err, errlen, "netfilter stages: %s", terr.msg);
			return orig;
		}
		rc = link_netfilter_here(l, t->ns[ns].name, err, errlen);
		topo__leave_ns(orig);
	}
	return rc;
}

/*
 * Which path a packet starting on a device is on: the server's when it is the
 * server's interface; on a device both ends of a pair share (lo of the host
 * and container kinds), the probes tell by the source address.
 */
static __u8 slot_group(const struct topo *t, int dev)
{
	for (int i = 0; i < t->n_pairs; i++)
		if (t->pairs[i].client_dev == dev && t->pairs[i].server_dev == dev)
			return NS_GROUP_BY_SOURCE;
	return t->devs[dev].role == TOPO_DEV_SERVER_IF;
}

/* Open the object and set everything that must be known before load. */
static int open_configured(struct probes *l, const struct probes_opts *o, unsigned int pkt_entries,
			   int max_slots, bool direct_reads, bool module_probes,
			   const struct probe_memory *m, unsigned int sock_slots, char *err,
			   size_t errlen)
{
	struct stages_bpf__rodata *ro;
	struct ns_config *cfg;
	int *dev_slot;
	int rc;

	l->n_slots = 0;
	memset(l->slots, 0, sizeof(l->slots));
	l->skel = stages_bpf__open();
	if (!l->skel) {
		snprintf(err, errlen, "opening the BPF object failed: %s", strerror(errno));
		return -errno;
	}
	dev_slot = calloc(o->topo->n_devs ? o->topo->n_devs : 1, sizeof(*dev_slot));
	if (!dev_slot) {
		snprintf(err, errlen, "out of memory for the probes' histogram slots");
		return -ENOMEM;
	}
	rc = assign_slots(l, max_slots, dev_slot, err, errlen);
	if (!rc)
		rc = fill_dev_table(l, dev_slot, err, errlen);
	free(dev_slot);
	if (rc)
		return rc;
	ro = l->skel->rodata;
	cfg = (struct ns_config *)&ro->cfg;
	cfg->direct_reads = direct_reads;
	cfg->pkt_mask = pkt_entries - 1;
	cfg->sock_mask = sock_slots - 1;
	cfg->fifo_mask = m->fifo_slots - 1;
	cfg->max_age_ns = o->max_age_ns ? o->max_age_ns : 1000000000ULL;
	cfg->fifo_idle = o->fifo_idle ? o->fifo_idle : NS_FIFO_IDLE_TICKS;
	cfg->stage_set = l->stage_set;
	cfg->windowed = l->duty != NULL;
	/*
	 * On a topology netstage built, the client's packets and the server's
	 * (the data and the acknowledgements of a TCP run) are kept apart by
	 * the side they start on; they cross the same devices both ways.
	 */
	l->n_groups = o->topo->owned ? 2 : 1;
	cfg->n_slots = l->n_slots;
	cfg->n_groups = l->n_groups;
	for (int i = 0; i < l->n_slots; i++)
		cfg->slot_group[i] = slot_group(o->topo, l->slots[i].dev);
	cfg->hist_pool = m->hist_pool;
	cfg->sample_every = o->sample_every > 1 ? o->sample_every : 1;
	cfg->sample_pow2 = 1;
	while (cfg->sample_pow2 < cfg->sample_every)
		cfg->sample_pow2 <<= 1;
	cfg->raw_every = o->raw_every;
	cfg->filter_proto = o->filter_proto;
	cfg->filter_port = o->filter_port;
	bpf_map__set_max_entries(l->skel->maps.pkts, pkt_entries);
	bpf_map__set_max_entries(l->skel->maps.hists, m->hist_pool);
	bpf_map__set_max_entries(l->skel->maps.spans, (__u32)l->n_slots * NS_SPAN_COUNT);
	bpf_map__set_max_entries(l->skel->maps.socks, sock_slots);
	bpf_map__set_max_entries(l->skel->maps.fifos, m->fifo_slots);
	/* Room for a burst of events between two reads of the ring. */
	if (o->raw_every)
		bpf_map__set_max_entries(l->skel->maps.events, 16 << 20);
	choose_programs(l, module_probes);
	return 0;
}

/* Histogram slots a topology takes: one a device, or one a (role, kind) when they are many. */
static int slots_needed(const struct topo *t, int max_slots)
{
	int n = 0;

	if (t->n_devs <= max_slots)
		return t->n_devs;
	for (int i = 0; i < t->n_devs; i++) {
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = t->devs[j].role == t->devs[i].role &&
			       t->devs[j].kind == t->devs[i].kind;
		n += !seen;
	}
	return n;
}

static unsigned int pkt_entries_of(const struct probes_opts *o)
{
	return o->pkt_entries ? o->pkt_entries : 65536;
}

static int max_slots_of(const struct probes_opts *o)
{
	int max_slots = o->max_slots ? o->max_slots : 32;

	return max_slots > NS_MAX_SLOTS ? NS_MAX_SLOTS : max_slots;
}

int probes__plan(const struct probes_opts *o, struct probe_memory *m, char *err, size_t errlen)
{
	int cpus = o->n_cpus ? o->n_cpus : libbpf_num_possible_cpus();
	unsigned long long limit =
	    o->memory_limit ? o->memory_limit : probe_memory__default_limit();
	struct probe_memory_in in = {
	    .n_cpus = cpus > 0 ? cpus : 1,
	    .n_slots = slots_needed(o->topo, max_slots_of(o)),
	    .n_groups = o->topo->owned ? 2 : 1,
	    .stage_set = o->stage_set,
	    .pkt_entries = pkt_entries_of(o),
	    .sock_slots = probe_memory__sock_slots(o->topo->n_pairs),
	    .fifo_slots =
		o->fifo_slots ? o->fifo_slots : probe_memory__fifo_slots(o->topo->n_pairs),
	    .raw = o->raw_every > 0,
	};
	struct probes_duty_split split;
	char need[32], have[32];

	if (o->duty_pct && o->duty_pct < 100 &&
	    probes__duty_split(o->duty_pct, o->duty_period_ms, &split, err, errlen))
		return -EINVAL;
	probe_memory__plan(&in, m);
	if (m->total > limit) {
		snprintf(err, errlen,
			 "the probes' maps would take %s on %d possible CPUs, above the limit of "
			 "%s; give --map-memory MB a larger limit, or shrink them with "
			 "--stages hops or fewer pairs",
			 probe_memory__fmt(m->total, need, sizeof(need)), in.n_cpus,
			 probe_memory__fmt(limit, have, sizeof(have)));
		return -E2BIG;
	}
	return 0;
}

int probes__start(struct probes **out, const struct probes_opts *o, char *err, size_t errlen)
{
	unsigned int pkt_entries = pkt_entries_of(o);
	int max_slots = max_slots_of(o);
	struct probe_memory mem;
	struct probes *l;
	int rc;

	*out = NULL;
	if (pkt_entries & (pkt_entries - 1)) {
		snprintf(err, errlen, "per-packet state entries (%u) must be a power of two",
			 pkt_entries);
		return -EINVAL;
	}
	/* Two places a set: one place would be no set. */
	if (o->fifo_slots && (o->fifo_slots < 2 || (o->fifo_slots & (o->fifo_slots - 1)))) {
		snprintf(err, errlen, "FIFO places (%u) must be a power of two, 2 or more",
			 o->fifo_slots);
		return -EINVAL;
	}
	rc = probes__plan(o, &mem, err, errlen);
	if (rc)
		return rc;
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory for the probes' state");
		return -ENOMEM;
	}
	l->topo = o->topo;
	l->stage_set = o->stage_set;
	l->preempt_count = probes__preempt_count_readable();
	l->no_calibrate = o->no_calibrate;
	/* Before anything is attached: measuring it runs a hook of its own (cached for the boot).
	 */
	if (probes__hook_cost(&l->hook_ns, &l->stats_ns, false, l->hook_why, sizeof(l->hook_why)))
		l->hook_ns = -1;
	l->memory = mem.total;
	if (o->duty_pct && o->duty_pct < 100) {
		rc = probes__duty_prepare(l, o->duty_pct, o->duty_period_ms, err, errlen);
		if (rc)
			goto fail;
	}
	probes__probe(&l->features);
	if (!l->features.btf || !l->features.tp_btf) {
		snprintf(err, errlen, "this kernel cannot run netstage's probes: %s",
			 !l->features.btf ? l->features.btf_why : l->features.tp_btf_why);
		rc = -EOPNOTSUPP;
		goto fail;
	}
	l->vmlinux_btf = btf__load_vmlinux_btf();
	l->n_cpus = libbpf_num_possible_cpus();
	if (!l->vmlinux_btf || l->n_cpus <= 0) {
		snprintf(err, errlen, "cannot read the kernel's BTF or CPU count");
		rc = -EIO;
		goto fail;
	}

	/*
	 * Packet bytes are read with plain loads where the verifier allows
	 * loads through skb->head (6.16 on); older kernels refuse that program
	 * and get the one that reads them with bpf_probe_read_kernel. Module
	 * probes go last if nothing else loads.
	 */
	{
		static const struct {
			bool direct, modules;
		} tries[] = {{true, true}, {false, true}, {false, false}};
		size_t i;

		rc = -ENOENT;
		for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			if (!tries[i].modules && !l->features.fentry)
				continue; /* the same as the try before */
			stages_bpf__destroy(l->skel);
			l->skel = NULL;
			rc = open_configured(
			    l, o, pkt_entries, max_slots, tries[i].direct, tries[i].modules, &mem,
			    probe_memory__sock_slots(o->topo->n_pairs), err, errlen);
			if (rc)
				goto fail;
			rc = stages_bpf__load(l->skel);
			if (!rc) {
				l->direct_reads = tries[i].direct;
				l->features.direct_reads = l->direct_reads;
				snprintf(l->features.modules, sizeof(l->features.modules), "%s",
					 l->modules);
				break;
			}
		}
		if (rc) {
			snprintf(err, errlen,
				 "loading the stage probes failed: %s; run with -v for the "
				 "verifier's log",
				 strerror(-rc));
			goto fail;
		}
	}
	/* Intervals are corrected for the probes' own time from the first packet on. */
	if (l->hook_ns >= 0)
		probes__set_costs(l, NULL);
	rc = stages_bpf__attach(l->skel);
	if (rc) {
		snprintf(err, errlen, "attaching the stage probes failed: %s", strerror(-rc));
		goto fail;
	}
	rc = attach_netfilter(l, err, errlen);
	if (rc)
		goto fail;
	if (l->duty) {
		rc = probes__duty_start(l, err, errlen);
		if (rc)
			goto fail;
	} else {
		l->skel->bss->window_open = 1;
	}
	*out = l;
	return 0;
fail:
	probes__destroy(l);
	return rc < 0 ? rc : -EIO;
}

void probes__destroy(struct probes *l)
{
	if (!l)
		return;
	probes__cost_free(l);
	probes__duty_stop(l);
	for (int i = 0; i < l->n_nf_links; i++)
		close(l->nf_links[i]);
	stages_bpf__destroy(l->skel);
	btf__free(l->vmlinux_btf);
	free(l->softnet_base);
	free(l->prev);
	free(l);
}

const char *probes__drop_reason(const struct probes *l, unsigned int reason, char *buf, size_t len)
{
	static const char prefix[] = "SKB_DROP_REASON_";
	const struct btf_enum *e;
	const struct btf_type *t;
	int id;

	snprintf(buf, len, "reason_%u", reason);
	if (!l->vmlinux_btf || !l->features.kfree_skb_reason)
		return buf;
	id = btf__find_by_name_kind(l->vmlinux_btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0)
		return buf;
	t = btf__type_by_id(l->vmlinux_btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(l->vmlinux_btf, e->name_off);

		if ((unsigned int)e->val != reason || !name)
			continue;
		if (!strncmp(name, prefix, sizeof(prefix) - 1))
			name += sizeof(prefix) - 1;
		snprintf(buf, len, "%s", name);
		break;
	}
	return buf;
}
