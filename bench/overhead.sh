#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the stage probes cost. On one veth+bridge container pair, iperf3
# throughput without probes and with them, in alternating pairs of runs:
#   all          netstage, the full stage set, every packet
#   all-s16      the same, 1 packet in 16
#   all-duty5    the same, attached 5 % of the time (50 ms a second);
#                all-dutyPCT[pMS]: PCT % of a period of MS ms (default 1000)
#   hops         the light stage set, every packet
#   empty-all    empty programs on the hooks of the full set: its floor
#   empty-hops   empty programs on the hooks of the light set: its floor
#   empty-all-duty5  empty programs on the full set's hooks, attached and
#                detached as all-duty5 is (the same PCT and period forms)
#   hops-s16, hops-dutyPCT[pMS], empty-hops-dutyPCT[pMS]: the same for the light set
#   clock-all, clock-hops  programs that only read the clock once, on each
#                set's hooks: the floor of any probe that times every stage
#   bpftrace     the five-probe bpftrace script of docs/KERNELS.md as the peer
# The throughput runs keep bpf_stats off (netstage runs with --no-calibrate).
# Then a pass with kernel.bpf_stats_enabled: each program's mean run time
# beside an empty program on the same hook, and invocations per packet; and a
# pass that checks netstage's own cost estimate against the throughput cost.
#
# Usage: bench/overhead.sh BUILD_DIR [ROUNDS] [SECONDS] [PROTOS]
#   ROUNDS  pairs of runs per configuration and protocol (default 10)
#   SECONDS length of each iperf3 run (default 4)
#   PROTOS  "tcp udp" (default)
# CONFIGS=... picks configurations (default: all of the above).
set -eu
out=${1:?usage: bench/overhead.sh BUILD_DIR [ROUNDS] [SECONDS] [PROTOS]}
rounds=${2:-10}
secs=${3:-4}
protos=${4:-tcp udp}
configs=${CONFIGS:-all all-s16 all-duty5 hops empty-all empty-all-duty5 empty-hops clock-all clock-hops bpftrace}
ns=$out/netstage
empty=$out/bench/empty_probes
for tool in "$ns" "$empty"; do
	[ -x "$tool" ] || { echo "overhead: $tool is missing; run make bench" >&2; exit 2; }
done
for tool in iperf3 jq bpftrace bpftool; do
	command -v $tool >/dev/null || { echo "overhead: $tool is missing; run make deps" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/netstage-overhead.XXXXXX)
agent=
# The empty programs of the bpf_stats pass, running beside netstage's agent.
blocks_agent=
run=$("$ns" topo up --kind veth-bridge --pairs 1 | sed -n 's/^run \([a-z0-9]*\):.*/\1/p')
[ -n "$run" ] || { echo "overhead: topo up failed" >&2; exit 1; }
C=netstage-$run-c0 S=netstage-$run-s0 H=netstage-$run-h0
cleanup() {
	[ -n "$agent" ] && kill -INT "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	# An exit halfway through the bpf_stats pass (netstage failed to start) leaves both running.
	[ -n "$blocks_agent" ] && kill -INT "$blocks_agent" 2>/dev/null && wait "$blocks_agent" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled=0
	"$ns" topo down "$run" >/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$tmp/peer.bt" <<'EOF'
tracepoint:net:net_dev_queue { @q[args->skbaddr] = nsecs; }
tracepoint:net:netif_receive_skb /@q[args->skbaddr]/ {
	@lat = hist(nsecs - @q[args->skbaddr]); delete(@q[args->skbaddr]); }
tracepoint:skb:consume_skb { delete(@q[args->skbaddr]); }
tracepoint:irq:softirq_entry /args->vec == 3/ { @se[cpu] = nsecs; }
tracepoint:irq:softirq_exit /args->vec == 3 && @se[cpu]/ { @sirq = sum(nsecs - @se[cpu]); }
EOF

# Wait until a file holds a line matching a pattern (an agent says it is attached).
wait_for() { # file pattern what
	for _ in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "overhead: $3 did not start: $(tail -2 "$1")" >&2
	exit 1
}

# One iperf3 run; prints the receiver's bit/s.
iperf_once() { # proto
	local args=""
	[ "$1" = udp ] && args="-u -b 0 -l 1472"
	# Client and server on CPUs apart, as netstage's own load places them: left
	# to the scheduler, the two ends of a UDP pair share a CPU now and then and
	# the throughput of a run varies threefold.
	ip netns exec "$S" iperf3 -s -1 -B 198.18.0.2 -A 1 >/dev/null 2>&1 &
	local srv=$!
	for _ in $(seq 100); do
		ip netns exec "$S" ss -ltnH 'sport = :5201' | grep -q . && break
		sleep 0.02
	done
	# shellcheck disable=SC2086
	ip netns exec "$C" iperf3 -c 198.18.0.2 -B 198.18.0.1 -A 0 -t "$secs" $args -J >"$tmp/ip.json" \
		2>/dev/null || true
	wait "$srv" || true
	jq -r '.end.sum_received.bits_per_second // 0' "$tmp/ip.json"
}

# A configuration's time sampling: "PCT PERIOD_MS" from its -dutyPCT[pMS] (period 1000), else nothing.
duty_of() { # config
	[[ $1 =~ -duty([0-9]+)(p([0-9]+))?$ ]] &&
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[3]:-1000}"
	return 0
}

start_agent() { # config
	local duty
	duty=$(duty_of "$1")
	case $1 in
	all | all-s16 | all-duty* | hops | hops-s16 | hops-duty*)
		local extra="--no-calibrate"
		case $1 in
		all*) extra="$extra --stages all" ;;
		hops*) extra="$extra --stages hops" ;;
		esac
		case $1 in
		*-s16) extra="$extra --sample 16" ;;
		esac
		[ -n "$duty" ] && extra="$extra --duty ${duty% *} --duty-period ${duty#* }"
		# shellcheck disable=SC2086
		"$ns" profile --netns "$C" --netns "$S" --netns "$H" --duration 86400 $extra \
			-o "$tmp/profile.json" 2>"$tmp/agent.err" >/dev/null &
		agent=$!
		wait_for "$tmp/agent.err" watching netstage ;;
	bpftrace)
		BPFTRACE_MAP_KEYS_MAX=1000000 bpftrace "$tmp/peer.bt" >"$tmp/agent.err" 2>&1 &
		agent=$!
		wait_for "$tmp/agent.err" Attaching bpftrace ;;
	empty-all | empty-all-duty* | empty-hops | empty-hops-duty* | empty-blocks | clock-all | clock-hops)
		local flag=""
		[ "$1" = empty-blocks ] && flag="--blocks"
		case $1 in empty-hops* | clock-hops) flag="--hops" ;; esac
		case $1 in clock-*) flag="$flag --clock" ;; esac
		[ -n "$duty" ] && flag="$flag --duty ${duty% *}:${duty#* }"
		# shellcheck disable=SC2086
		"$empty" $flag >"$tmp/agent.err" 2>&1 &
		agent=$!
		wait_for "$tmp/agent.err" attached empty_probes ;;
	esac
}

stop_agent() {
	# bpftrace would print (and first clear, one syscall a key) its maps: not needed here.
	if grep -q Attaching "$tmp/agent.err" 2>/dev/null; then
		kill -KILL "$agent" 2>/dev/null || true
	else
		kill -INT "$agent" 2>/dev/null || true
	fi
	wait "$agent" 2>/dev/null || true
	agent=
}

# CPU seconds a process has used (user + system).
cpu_seconds() { # pid
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

# ROUNDS 0: only the bpf_stats pass.
[ "$rounds" -gt 0 ] &&
	echo "overhead: veth-bridge pair, iperf3 ${secs} s runs, $rounds alternating pairs per configuration"
results=$tmp/results
: >"$results"
for r in $(seq "$rounds"); do
	for proto in $protos; do
		for config in $configs; do
			base=$(iperf_once "$proto")
			start_agent $config
			cpu0=$(cpu_seconds "$agent")
			with=$(iperf_once "$proto")
			cpu1=$(cpu_seconds "$agent")
			stop_agent
			echo "$proto $config $base $with $cpu0 $cpu1" >>"$results"
			awk -v r="$r" -v n="$rounds" -v p="$proto" -v c=$config -v b="$base" -v w="$with" \
				'BEGIN { printf "  round %d/%d %s %-13s without %6.2f with %6.2f Gbit/s\n", r, n, p, c, b / 1e9, w / 1e9 }' 
		done
	done
done

# The awk programs below share their median (of n values in a[0..n-1]; sorts a).
median_awk='
function median(a, n,   i, j, t) {
	for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
}'

[ "$rounds" -gt 0 ] && echo && echo "throughput with / without (median over $rounds pairs, [min, max]); userspace CPU of netstage"
for proto in $( [ "$rounds" -gt 0 ] && echo $protos); do
	for config in $configs; do
		awk -v p="$proto" -v c="$config" -v secs="$secs" "$median_awk"'
			BEGIN { n = 0 }
			$1 == p && $2 == c && $3 > 0 { r[n] = $4 / $3; b[n] = $3; w[n] = $4; cpu += $6 - $5; n++ }
			END {
				if (!n) { printf "  %s %-13s no runs\n", p, c; exit }
				m = median(r, n); lo = r[0]; hi = r[n - 1]
				printf "  %s %-13s ratio %.3f [%.3f, %.3f]  without %.2f  with %.2f Gbit/s", p, c, m, lo, hi, median(b, n) / 1e9, median(w, n) / 1e9
				if (c ~ /^(all|hops)/) printf "  userspace CPU %.2f%% of a core", 100 * cpu / (n * secs)
				printf "\n"
			}' "$results"
	done
	# Medians of the pair ratios, then the comparisons the targets are set in.
	awk -v p="$proto" "$median_awk"'
		$1 == p && $3 > 0 { k = $2; v[k, n[k]++] = $4 / $3 }
		END {
			for (k in n) { for (i = 0; i < n[k]; i++) a[i] = v[k, i]; m[k] = median(a, n[k]) }
			if (("all" in m) && ("empty-all" in m))
				printf "  %s all: %.3f against its floor %.3f (%+.3f)\n", p, m["all"], m["empty-all"], m["all"] - m["empty-all"]
			if (("all-s16" in m) && ("empty-all" in m))
				printf "  %s all, 1 in 16: %.3f against its floor %.3f (%+.3f)\n", p, m["all-s16"], m["empty-all"], m["all-s16"] - m["empty-all"]
			if (("hops" in m) && ("empty-hops" in m))
				printf "  %s hops: %.3f against its floor %.3f (%+.3f)\n", p, m["hops"], m["empty-hops"], m["hops"] - m["empty-hops"]
			if (("hops-s16" in m) && ("empty-hops" in m))
				printf "  %s hops, 1 in 16: %.3f against its floor %.3f (%+.3f)\n", p, m["hops-s16"], m["empty-hops"], m["hops-s16"] - m["empty-hops"]
			# What is left above the clock reads alone, on the same hooks.
			for (k in m) if ((k == "all" || k == "hops") && ("clock-" k) in m && ("empty-" k) in m)
				printf "  %s %s: %.3f against one clock read a program %.3f (%+.3f; the clock reads alone %+.3f of the floor)\n", p, k, m[k], m["clock-" k], m[k] - m["clock-" k], m["clock-" k] - m["empty-" k]
			# A duty cycle against empty programs attached and detached on the
			# same schedule (all-duty10 beside empty-all-duty10).
			for (k in m) if (k ~ /^(all|hops)-duty/ && ("empty-" k) in m)
				printf "  %s %s: %.3f against its floor %.3f (%+.3f)\n", p, k, m[k], m["empty-" k], m[k] - m["empty-" k]
			if ("bpftrace" in m && 1 - m["bpftrace"] > 0)
				for (k in m) if (k ~ /^(all|hops)/)
					printf "  %s %s costs %.2f of what bpftrace costs (%.3f vs %.3f)\n", p, k,
						(1 - m[k]) / (1 - m["bpftrace"]), 1 - m[k], 1 - m["bpftrace"]
		}' "$results"
done

# ---- bpf_stats: run time per invocation, beside empty programs on the same hooks ----
prog_stats() { # -> "name run_cnt run_time_ns" per tracing program
	bpftool prog show 2>/dev/null | awk '
		/ tracing  name / { for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1);
			if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
			if (c) print n, c, t; c = 0 }'
}
rx_packets() {
	ip -n "$S" -s -j link show "nst${run}s0" | jq '.[0].stats64.rx.packets'
}
stats_pass() { # label netstage-args proto
	start_agent empty-blocks
	blocks_agent=$agent
	agent=
	# shellcheck disable=SC2086
	"$ns" profile --netns "$C" --netns "$S" --netns "$H" --duration 86400 $2 \
		-o "$tmp/profile.json" 2>"$tmp/agent.err" >/dev/null &
	agent=$!
	wait_for "$tmp/agent.err" watching netstage
	prog_stats >"$tmp/before"
	local p0 p1
	p0=$(rx_packets)
	iperf_once "$3" >/dev/null
	p1=$(rx_packets)
	prog_stats >"$tmp/after"
	stop_agent
	agent=$blocks_agent
	blocks_agent=
	stop_agent
	echo "  $1, $3, $((p1 - p0)) packets at the receiver:"
	# The building blocks beside the empty program on their hook (the socket
	# blocks sit on sock_recv_length, the others on softirq_raise).
	awk 'NR == FNR { c0[$1] = $2; t0[$1] = $3; next }
		{ c = $2 - c0[$1]; t = $3 - t0[$1]; if (c > 0) ns[$1] = t / c }
		END { for (n in ns) if (n ~ /^b_/) {
			e = (n ~ /^b_sock_table|^b_sk_storage/) ? "e_sock_recv" : "e_softirq_raise"
			if (e in ns)
				printf "    block %-12s %7.1f ns/run  empty %6.1f  above %6.1f\n", n, ns[n],
					ns[e], ns[n] - ns[e] } }' \
		"$tmp/before" "$tmp/after" | sort
	awk -v pk=$((p1 - p0)) 'NR == FNR { c0[$1] = $2; t0[$1] = $3; next }
		{ c = $2 - c0[$1]; t = $3 - t0[$1]; if (c <= 0) next; ns[$1] = t / c; cnt[$1] = c }
		END {
			for (n in ns) if (n !~ /^[eb]_/) {
				e = "e_" n; fl = (e in ns) ? ns[e] : -1
				above = (fl >= 0) ? ns[n] - fl : 0
				printf "    %-18s %7.1f ns/run  empty %6.1f  above %6.1f  %5.2f runs/packet\n", n, ns[n], fl, above, cnt[n] / pk
			}
		}' "$tmp/before" "$tmp/after" | sort
}
echo
echo "bpf_stats (a pass of its own: the statistics cost time themselves)"
sysctl -qw kernel.bpf_stats_enabled=1
# STATS_SETS=... picks the passes: "all" (the default: every packet, 1 in 16,
# hops, 1 in 65536), any of "every s16 hops out" ("out": 1 in 65536, what a
# packet left out costs by itself), or "none".
stats_sets=${STATS_SETS:-all}
[ "$stats_sets" = all ] && stats_sets="every s16 hops out"
[ "$stats_sets" = none ] && stats_sets=
for proto in $( [ -z "$stats_sets" ] || echo $protos); do
	for set in $stats_sets; do
		case $set in
		every) stats_pass "all, every packet" "--no-calibrate --stages all" "$proto" ;;
		s16) stats_pass "all, 1 in 16" "--no-calibrate --stages all --sample 16" "$proto" ;;
		hops) stats_pass "hops, every packet" "--no-calibrate --stages hops" "$proto" ;;
		out) stats_pass "all, 1 in 65536" "--no-calibrate --stages all --sample 65536" "$proto" ;;
		*) echo "overhead: STATS_SETS: unknown pass '$set' (every, s16, hops, out, all, none)" >&2; exit 2 ;;
		esac
	done
done
sysctl -qw kernel.bpf_stats_enabled=0

# ---- netstage's own estimate of its cost, against the throughput it costs ----
# A run with the estimate on (bpf_stats for half a second), beside a run
# without probes: the estimate predicts a cost of its probe seconds over the
# load's (all probe time on the one saturated CPU); the throughput says 1 - ratio.
estimate_rounds=${ESTIMATE_ROUNDS:-3}
echo
echo "the cost estimate against the measured cost (all, every packet, $estimate_rounds pairs)"
: >"$tmp/estimates"
for proto in $protos; do
	for r in $(seq "$estimate_rounds"); do
		base=$(iperf_once "$proto")
		"$ns" profile --netns "$C" --netns "$S" --netns "$H" --duration 86400 --stages all \
			-o "$tmp/estimate.json" 2>"$tmp/agent.err" >/dev/null &
		agent=$!
		wait_for "$tmp/agent.err" watching netstage
		p0=$(rx_packets)
		with=$(iperf_once "$proto")
		p1=$(rx_packets)
		stop_agent
		# The result's own probe time (ns a packet times every packet it saw,
		# ACKs too) over the load's seconds: a share of one CPU.
		jq -r --arg b "$base" --arg w "$with" --arg pk "$((p1 - p0))" --arg s "$secs" --arg p "$proto" '
			.probe_cost as $c | (($pk | tonumber) / ($s | tonumber)) as $pps |
			(1 - ($w | tonumber) / ($b | tonumber)) as $measured |
			($c.probe_seconds / ($s | tonumber)) as $predicted |
			"  \($p): measured cost \($measured * 1000 | round / 1000), estimated \($predicted * 1000 | round / 1000) (\($c.ns_per_packet | round) ns a packet, \($c.probe_seconds * 1000 | round) ms of probe time; \($pps | round) packets/s at the receiver; estimate/measured \(if $measured > 0 then ($predicted / $measured * 100 | round / 100) else "-" end)); \($c.method)",
			"\($p) \($predicted) \($measured)"' "$tmp/estimate.json" | {
			IFS= read -r line && echo "$line"
			read -r line && echo "$line" >>"$tmp/estimates"
		}
	done
done
# One pair's measured cost is as noisy as one pair's ratio (a TCP pair's
# unprobed run alone moves it by 0.05): the median estimate is held against
# the median cost of these pairs and, the steadier figure, of the `all`
# pairs of the throughput runs above.
for proto in $( [ "$estimate_rounds" -gt 0 ] && echo $protos); do
	awk -v p="$proto" "$median_awk"'
		BEGIN { ne = 0; na = 0 }
		FILENAME ~ /estimates$/ && $1 == p { e[ne] = $2; m[ne] = $3; ne++; next }
		FILENAME ~ /results$/ && $1 == p && $2 == "all" && $3 > 0 { c[na] = 1 - $4 / $3; na++ }
		END {
			if (!ne) exit
			pe = median(e, ne); pm = median(m, ne)
			printf "  %s: median estimate %.3f against the median cost of these pairs %.3f (%.2f)", p, pe, pm, (pm > 0 ? pe / pm : 0)
			if (na) { pa = median(c, na); printf " and of the %d `all` pairs above %.3f (%.2f)", na, pa, (pa > 0 ? pe / pa : 0) }
			printf "\n"
		}' "$tmp/estimates" "$results"
done
