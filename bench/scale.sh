#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load at scale: a 128-pair TCP run (256 iperf3 processes, veth-bridge, probes
# attached) that must report every pair or say which failed and why, then the
# paper's largest UDP point (16 pairs, as fast as possible). For each: wall
# time, pairs measured, the window every pair ran in and how far apart the
# tests started, total and per-pair throughput, and every failure by reason.
#
# Usage: bench/scale.sh BUILD_DIR [SECONDS] [KIND]
#   SECONDS  iperf3 test length (default 10)
#   KIND     veth-bridge (default), macvlan, ...
# Needs root and jq. Never run two benchmarks at once: they time the same CPUs.
set -eu
out=${1:?usage: bench/scale.sh BUILD_DIR [SECONDS] [KIND]}
secs=${2:-10}
kind=${3:-veth-bridge}
ns=$out/netstage
[ -x "$ns" ] || { echo "bench/scale: $ns is missing; run make" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench/scale: jq is missing; run make deps" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/scale: needs root (namespaces, BPF)" >&2; exit 2; }
dir=$out/bench/scale
mkdir -p "$dir"
rc=0

one() { # name, then the run's options
	local name=$1 start end status=0
	shift
	echo "==> netstage run $* -o $dir/$name.json"
	echo "    load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs before"
	start=$(date +%s.%N)
	"$ns" run "$@" -o "$dir/$name.json" >"$dir/$name.txt" 2>"$dir/$name.err" || status=$?
	end=$(date +%s.%N)
	if [ ! -s "$dir/$name.json" ]; then
		echo "    no result (exit $status):" >&2
		tail -5 "$dir/$name.err" >&2
		rc=1
		return
	fi
	[ $status -eq 0 ] || rc=1
	awk -v a="$start" -v b="$end" 'BEGIN { printf "    wall time %.1f s\n", b - a }'
	jq -r '.throughput as $t | $t.repeats[0] as $r
		| ([$r.pairs[] | select(.ok) | .bits_per_second] | sort) as $b
		| "    pairs measured \($r.pairs_measured) of \($r.pairs | length)",
		  "    window \($r.seconds * 100 | round / 100) s of \(.config.duration) s in which every measured pair ran (common: \($r.common_window)); tests started within \($r.start_spread * 1000 | round) ms",
		  "    total \($t.bits_per_second / 1e7 | round / 100) Gbit/s, \($t.packets_per_second | round) packets/s (\($t.segments_per_second | round) MTU-sized segments/s)"
		  + (if .config.proto == "udp" then ", \($r.lost_percent * 10 | round / 10) % lost" else ", \($r.retransmits | round) retransmits" end),
		  (if ($b | length) > 0 then "    per pair: min \($b[0] / 1e6 | round) Mbit/s, median \($b[($b | length) / 2 | floor] / 1e6 | round), max \($b[-1] / 1e6 | round)" else empty end),
		  "    failed: \($t.failed_pairs | length)",
		  ($t.failed_pairs | group_by(.reason)[] | "      \(length) pair(s), e.g. pair \(.[0].pair): \(.[0].reason)")' \
		"$dir/$name.json"
}

one "tcp-$kind-p128" --kind "$kind" --pairs 128 --proto tcp --duration "$secs"
one "udp-$kind-p16" --kind "$kind" --pairs 16 --proto udp --duration "$secs"
echo "bench/scale: results in $dir"
exit $rc
