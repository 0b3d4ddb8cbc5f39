/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading a packet: its content tag (what names it at every stage), the
 * sampling decision taken from it, its wire segments and the flow filter. */
#ifndef NETSTAGE_TAG_BPF_H
#define NETSTAGE_TAG_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bits.bpf.h"
#include "maps.bpf.h"

/* Copy n packet bytes: a plain load where the kernel allows it, else a helper call. */
static __always_inline void read_bytes(void *dst, __u32 n, const unsigned char *src)
{
	if (cfg.direct_reads) {
		if (n == 16) {
			((__u64 *)dst)[0] = ((const __u64 *)src)[0];
			((__u64 *)dst)[1] = ((const __u64 *)src)[1];
		} else if (n == 4) {
			*(__u32 *)dst = *(const __u32 *)src;
		} else if (n == 2) {
			*(__u16 *)dst = *(const __u16 *)src;
		} else {
			*(__u8 *)dst = *src;
		}
		return;
	}
	bpf_probe_read_kernel(dst, n, src);
}

/*
 * A tag of the packet's content: its IPv4 identification and fragment field,
 * its protocol, and from its transport header what neither routing nor NAT
 * rewrites: TCP's sequence and acknowledgement numbers, flags and window
 * (bytes 4..15), UDP's length and first 8 payload bytes. Ports and
 * checksums are left out (DNAT and SNAT rewrite them), as are TTL and the IP
 * checksum. The tag is the same at every stage of the packet, through
 * netfilter's NAT too, and differs between packets, so it tells a reused skb
 * address from the same packet, and picks the sample: skb addresses cycle
 * through a few hundred slab objects per flow, far too few to sample by.
 */
static __always_inline __u32 tag_mix(const __u64 ipw[2], const __u64 w[2])
{
	__u64 w0 = w[0], ip = 0;
	__u8 proto;
	__u32 h;

	/* Little-endian words: byte k of a header is bits 8k..8k+7 of word k / 8. */
	if ((ipw[0] & 0xf0) == 0x40) {
		ip = (ipw[0] >> 32) & 0xffffffffULL; /* IPv4 id and fragment field */
		proto = ipw[1] >> 8;		     /* byte 9 */
	} else {
		proto = ipw[0] >> 48; /* IPv6's next header, byte 6 */
	}
	w0 &= proto == IPPROTO_UDP ? 0x0000ffff00000000ULL : 0xffffffff00000000ULL;
	/*
	 * The words are chained by a multiply, not xor-ed: two counters that
	 * move together (an IP id and a numbered payload, a sequence and an
	 * acknowledgement number) cancel in an xor, and packets at a reused
	 * address would then share a tag. 0x9E3779B1 is 2^32 / golden ratio.
	 */
	h = (proto ^ (__u32)ip) * 0x9E3779B1U;
	h = (h ^ (__u32)(w0 >> 32)) * 0x9E3779B1U;
	h = (h ^ (__u32)w[1]) * 0x9E3779B1U;
	h ^= (__u32)(w[1] >> 32);
	/*
	 * murmur3's finaliser: the inputs are nearly sequential (IP ids, sequence
	 * numbers, numbered payloads), and the sampling takes the tags below a
	 * threshold, so every input bit must reach the high bits.
	 */
	h ^= h >> 16;
	h *= 0x85EBCA6BU;
	h ^= h >> 13;
	h *= 0xC2B2AE35U;
	h ^= h >> 16;
	return h | 1; /* 0 means "no tag" */
}

/*
 * Where the transport header starts, from the IP header itself: the skb's
 * own transport offset is stale on some paths (a VXLAN packet decapsulated
 * and handed on by netif_rx keeps the outer UDP header's).
 */
static __always_inline __u16 transport_of(__u16 nh, const __u64 ipw[2])
{
	__u16 ihl = (ipw[0] & 0x0f) * 4;

	/* IPv6: past the fixed header (an extension header, if any, is what is hashed). */
	if ((ipw[0] & 0xf0) != 0x40)
		return nh + NS_IPV6_HDR_LEN;
	return nh + (ihl < NS_IPV4_HDR_LEN ? NS_IPV4_HDR_LEN : ihl);
}

/*
 * A tunnel's encapsulation (VXLAN) sets the inner headers' offsets and the
 * encapsulation flag; the tag is taken from the inner packet then, so that
 * a packet keeps its tag from the container through the tunnel and out.
 */
static __always_inline __u32 content_tag(const struct sk_buff *skb)
{
	const unsigned char *head = skb->head;
	__u16 nh = skb->network_header;
	__u64 w[2] = {}, ipw[2] = {};

	if (BPF_CORE_READ_BITFIELD(skb, encapsulation))
		nh = skb->inner_network_header;
	read_bytes(ipw, sizeof(ipw), head + nh);
	read_bytes(w, sizeof(w), head + transport_of(nh, ipw));
	return tag_mix(ipw, w);
}

/*
 * 1 in N by the tag's value: tag * N / 2^32 is 0 for a fraction 1/N of tags.
 * A multiply, where `tag % N` would be a divide (N is a load-time constant
 * the JIT still divides by); and any M >= N picks a subset of N's choice,
 * so raw events of 1 in M are always of followed packets.
 */
static __always_inline bool one_in(__u32 tag, __u32 n)
{
	return ((__u64)tag * n) >> 32 == 0;
}

static __always_inline bool sampled(__u32 tag)
{
	return cfg.sample_every <= 1 || one_in(tag, cfg.sample_every);
}

/* Wire segments of a GSO packet (1 for others), from its shared info. */
static __always_inline __u16 wire_segs(const struct sk_buff *skb)
{
	struct skb_shared_info *shinfo = (void *)(skb->head + skb->end);
	__u16 segs = 0;

	read_bytes(&segs, sizeof(segs), (const unsigned char *)&shinfo->gso_segs);
	return segs ? segs : 1;
}

/* Does the packet belong to the protocol/port filter? Read only when a filter is set. */
static __always_inline bool flow_matches(const struct sk_buff *skb)
{
	__u8 proto = 0;
	__u16 ports[2] = {};

	if (skb->protocol == bpf_htons(NS_ETH_P_IP))
		read_bytes(&proto, 1, skb->head + skb->network_header + NS_IPV4_PROTO_OFF);
	else if (skb->protocol == bpf_htons(NS_ETH_P_IPV6))
		read_bytes(&proto, 1, skb->head + skb->network_header + NS_IPV6_NEXTHDR_OFF);
	if (cfg.filter_proto && proto != cfg.filter_proto)
		return false;
	if (!cfg.filter_port)
		return true;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return false;
	read_bytes(ports, sizeof(ports), skb->head + skb->transport_header);
	return bpf_ntohs(ports[0]) == cfg.filter_port || bpf_ntohs(ports[1]) == cfg.filter_port;
}

#endif /* NETSTAGE_TAG_BPF_H */
