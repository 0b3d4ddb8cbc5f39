#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sweep of issue 5 as a benchmark: veth-bridge and macvlan (bridge mode),
# 1, 2 and 4 pairs, TCP, MTU 1500 and 9000, 2 repetitions of 2 s each, probes
# attached: 12 points. Prints the wall time (the target: under 3 minutes
# here) and the summary, and keeps the results.
#
# Usage: bench/sweep.sh BUILD_DIR [RESULTS_DIR] [extra sweep options...]
#   RESULTS_DIR  where the point files and summary.csv go (default BUILD_DIR/bench/sweep)
# Needs root, jq not needed. Never run two benchmarks at once: they time the same CPUs.
set -eu
out=${1:?usage: bench/sweep.sh BUILD_DIR [RESULTS_DIR] [extra sweep options...]}
shift
dir=${1:-$out/bench/sweep}
[ $# -gt 0 ] && shift
ns=$out/netstage
[ -x "$ns" ] || { echo "bench/sweep: $ns is missing; run make" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/sweep: needs root (namespaces, BPF)" >&2; exit 2; }

rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
# shellcheck disable=SC2054 # the commas are the sweep's lists
cmd=("$ns" sweep --kinds veth-bridge,macvlan --pairs 1,2,4 --proto tcp --mtu 1500,9000
	--repeat 2 --duration 2 -o "$dir" "$@")
echo "bench/sweep: ${cmd[*]}"
echo "bench/sweep: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs before"
start=$(date +%s.%N)
rc=0
"${cmd[@]}" 2>"$dir.log" || rc=$?
end=$(date +%s.%N)
grep -v '^sweep: point' "$dir.log" >&2 || true
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
echo
echo "bench/sweep: 12 points (2 kinds x 2 MTUs x 3 pair counts, 2 x 2 s each) in $wall s" \
	"(target: under 180 s; load: 48 s)"
echo
# kind, mode, mtu, pairs, Gbit/s mean +- stderr, packets/s, MTU-sized segments/s, failed pairs
awk -F, 'NR == 1 { next }
	{ printf "  %-12s %-7s MTU %5s %3s pair%s  %6.2f +- %5.2f Gbit/s  %8.0f packets/s  %9.0f segments/s  failed %s\n",
		$1, $2, $5, $6, ($6 == 1 ? " " : "s"), $11 / 1e9, $12 / 1e9, $14, $16, $20 }' \
	"$dir/summary.csv"
echo
echo "bench/sweep: results in $dir (summary.csv and one result file per point)"
exit $rc
