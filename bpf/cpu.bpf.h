/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A program's own CPU: its state, its counters, the probes' time it adds,
 * and whether it runs in a softirq. */
#ifndef NETSTAGE_CPU_BPF_H
#define NETSTAGE_CPU_BPF_H

#include "maps.bpf.h"

/*
 * Is this CPU serving a softirq (in_serving_softirq())? From the preempt
 * count, per CPU: __preempt_count on 6.1 and since 6.15, pcpu_hot's between.
 * A socket enqueue is the receive softirq's packet only there, which the
 * light stage set tells without the softirq hooks.
 */
extern int __preempt_count __ksym __weak;
struct pcpu_hot {
	int preempt_count;
} __attribute__((preserve_access_index));
extern struct pcpu_hot pcpu_hot __ksym __weak;
#define NS_SOFTIRQ_OFFSET 0x100 /* SOFTIRQ_OFFSET: 1 << SOFTIRQ_SHIFT (8) */

static __always_inline bool serving_softirq(void)
{
	int pc;

	if (&__preempt_count)
		pc = *(int *)bpf_this_cpu_ptr(&__preempt_count);
	else if (&pcpu_hot)
		pc = ((struct pcpu_hot *)bpf_this_cpu_ptr(&pcpu_hot))->preempt_count;
	else
		return true; /* cannot tell: the state's own checks decide */
	return pc & NS_SOFTIRQ_OFFSET;
}

/* which is a constant at every call: the verifier sees the bound. */
#define count(c, which) ((c)->counters[(which)]++)

static __always_inline struct ns_cpu *this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpus, &zero);
}

/* A program starts: its CPU's state, with the program's own cost counted (netstage.h). */
static __always_inline struct ns_cpu *enter(__u32 kind)
{
	struct ns_cpu *c = this_cpu();
	__u32 cost;

	if (!c)
		return NULL;
	cost = prog_cost_ns[kind]; /* kind is a constant at every call */
	c->probe_ns += cost;
	c->self_cost = cost;
	return c;
}

/* The probes' own time since a mark on this CPU; across CPUs only the running program's is known.
 */
static __always_inline __u32 probe_since(const struct ns_cpu *c, __u32 mark, bool same_cpu)
{
	return same_cpu ? (__u32)c->probe_ns - mark : c->self_cost;
}

/*
 * The verifier refuses shifts on a typed pointer, and a 6.18 kernel types
 * even skb->head as untrusted memory; a pointer stored in a map value reads
 * back as a plain number, which costs less than bpf_probe_read_kernel. The
 * CPU's own state, looked up anyway, holds it.
 */
static __always_inline __u64 ptr_value(struct ns_cpu *c, const void *ptr)
{
	*(const void **)&c->scratch = ptr;
	return *(volatile __u64 *)&c->scratch;
}

#endif /* NETSTAGE_CPU_BPF_H */
