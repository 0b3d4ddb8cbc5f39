#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Topology build and teardown: netstage (batched rtnetlink) against the same
# layout built with one `ip` command per step, in the same run, alternating.
#
# Usage:
#   bench/topo.sh BUILD_DIR [ROUNDS] [PAIRS]      the comparison, every kind (default 5 rounds, 128 pairs)
#   bench/topo.sh cycle netstage|ip|ip-names KIND PAIRS BUILD_DIR   one build and teardown
#   bench/topo.sh ip-up KIND PAIRS ID / ip-down ID [names]           the `ip` side alone
# KIND: veth, veth-bridge, macvlan (bridge mode), ipvlan (l3, when the kernel has it).
# Layout: local, IPv6 off, static neighbours, as `netstage topo up` builds it.
# Needs root. Run it on a quiet machine: it says so when the load is high.
set -u

die() {
	echo "bench/topo: $*" >&2
	exit 1
}

# The `ip` side uses its own names (nstbench-*, nsb*; device group G): netstage never sees
# them as its own.
G=4242
ipcmd() { ip "$@" || die "ip $* failed"; }

ns_quiet() { # the same sysctls netstage sets before any device exists
	ipcmd netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.igmp_link_local_mcast_reports=0
}

mac() { # deterministic MAC for device number $1
	printf '02:62:%02x:%02x:%02x:%02x' $(($2 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}

ip_up() { # KIND PAIRS ID
	local kind=$1 pairs=$2 p=nstbench-$3 i=nsb$3 h c s n
	h=$p-h0
	case $kind in
	veth-bridge)
		ipcmd netns add "$h"
		ns_quiet "$h"
		ipcmd -n "$h" link add "${i}br0" group $G type bridge
		ipcmd -n "$h" link set "${i}br0" up
		;;
	macvlan | ipvlan)
		ipcmd netns add "$h"
		ns_quiet "$h"
		ipcmd -n "$h" link add "${i}lo0" group $G type veth peer name "${i}lp0" group $G
		ipcmd -n "$h" link set "${i}lo0" up
		ipcmd -n "$h" link set "${i}lp0" up
		;;
	veth) ;;
	*) die "unknown kind $kind" ;;
	esac
	for ((n = 0; n < pairs; n++)); do
		c=$p-c$n
		s=$p-s$n
		ipcmd netns add "$c"
		ns_quiet "$c"
		ipcmd netns add "$s"
		ns_quiet "$s"
		case $kind in
		veth)
			ipcmd -n "$c" link add "${i}c$n" address "$(mac $n 1)" group $G type veth \
				peer name "${i}s$n" address "$(mac $n 2)" group $G netns "$s"
			;;
		veth-bridge)
			ipcmd -n "$h" link add "${i}pc$n" group $G type veth peer name "${i}c$n" \
				address "$(mac $n 1)" group $G netns "$c"
			ipcmd -n "$h" link set "${i}pc$n" master "${i}br0" up
			ipcmd -n "$h" link add "${i}ps$n" group $G type veth peer name "${i}s$n" \
				address "$(mac $n 2)" group $G netns "$s"
			ipcmd -n "$h" link set "${i}ps$n" master "${i}br0" up
			;;
		macvlan)
			ipcmd -n "$h" link add "${i}c$n" link "${i}lo0" address "$(mac $n 1)" group $G \
				netns "$c" type macvlan mode bridge
			ipcmd -n "$h" link add "${i}s$n" link "${i}lo0" address "$(mac $n 2)" group $G \
				netns "$s" type macvlan mode bridge
			;;
		ipvlan)
			ipcmd -n "$h" link add "${i}c$n" link "${i}lo0" group $G netns "$c" type ipvlan mode l3
			ipcmd -n "$h" link add "${i}s$n" link "${i}lo0" group $G netns "$s" type ipvlan mode l3
			;;
		esac
		for side in c s; do
			local ns=$p-$side$n peer addr
			[ $side = c ] && addr=1 peer=2 || addr=2 peer=1
			ipcmd -n "$ns" link set lo up
			ipcmd -n "$ns" link set "${i}$side$n" up
			ipcmd -n "$ns" addr add "198.18.$n.$addr/24" dev "${i}$side$n"
			if [ "$kind" != ipvlan ]; then
				ipcmd -n "$ns" neigh add "198.18.$n.$peer" lladdr "$(mac $n "$peer")" \
					dev "${i}$side$n" nud permanent
			fi
		done
	done
}

# Teardown as netstage does it: the devices (by group, the host first, then whatever is
# left in the containers), then the names. With "names", only `ip netns del`: the kernel
# then deletes the devices later, on its own, after the command has returned.
ip_down() { # ID [names]
	local ns all
	all=$(ip netns list | awk '{ print $1 }' | grep "^nstbench-$1-")
	if [ "${2:-}" != names ]; then
		for ns in $(echo "$all" | grep -e '-h0$'); do
			ipcmd -n "$ns" link del group $G
		done
		# Without a host (direct veth pairs), each pair goes from its client's side.
		if ! echo "$all" | grep -q -e '-h0$'; then
			for ns in $(echo "$all" | grep -e '-c[0-9]*$'); do
				ipcmd -n "$ns" link del group $G
			done
		fi
	fi
	for ns in $all; do
		ipcmd netns del "$ns"
	done
}

now_ns() { date +%s%N; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cycle() { # netstage|ip KIND PAIRS BUILD_DIR
	local run
	case $1 in
	netstage)
		run=$("$4/netstage" topo up --kind "$2" --pairs "$3" -q) || die "netstage topo up failed"
		"$4/netstage" topo down "$run" >/dev/null || die "netstage topo down failed"
		;;
	ip)
		ip_up "$2" "$3" c$$
		ip_down c$$
		;;
	ip-names)
		ip_up "$2" "$3" c$$
		ip_down c$$ names
		;;
	esac
}

compare() { # BUILD_DIR ROUNDS PAIRS
	local out=$1 rounds=$2 pairs=$3 kind r t0 t1 run load
	local kinds="veth-bridge macvlan veth"
	[ -x "$out/netstage" ] || die "$out/netstage is missing; run make first"
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
	if "$out/netstage" topo up --kind ipvlan --pairs 1 -q >/tmp/bench-topo.$$ 2>&1; then
		"$out/netstage" topo down "$(cat /tmp/bench-topo.$$)" >/dev/null
		kinds="$kinds ipvlan"
	else
		echo "bench/topo: skipping ipvlan: $(cat /tmp/bench-topo.$$)"
	fi
	rm -f /tmp/bench-topo.$$
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "bench/topo: $pairs pairs, local layout, $rounds rounds, netstage and ip alternating; load $load"
	awk -v l="$load" 'BEGIN { exit !(l > 1.0) }' &&
		echo "bench/topo: warning: the machine is busy (load $load): figures will be noisy"
	printf '%-12s %8s %8s %8s %8s %8s %7s %7s %7s\n' kind up down "ip up" "ip down" \
		"netns del" "up x" "down x" "del x"
	for kind in $kinds; do
		local -a nu=() nd=() iu=() id=() in=()
		for ((r = 0; r < rounds; r++)); do
			t0=$(now_ns)
			run=$("$out/netstage" topo up --kind "$kind" --pairs "$pairs" -q) || die "netstage topo up failed"
			t1=$(now_ns)
			nu+=($(((t1 - t0) / 1000)))
			t0=$(now_ns)
			"$out/netstage" topo down "$run" >/dev/null || die "netstage topo down failed"
			t1=$(now_ns)
			nd+=($(((t1 - t0) / 1000)))
			t0=$(now_ns)
			ip_up "$kind" "$pairs" b$r
			t1=$(now_ns)
			iu+=($(((t1 - t0) / 1000)))
			t0=$(now_ns)
			ip_down b$r
			t1=$(now_ns)
			id+=($(((t1 - t0) / 1000)))
			sleep 1 # let the kernel free the namespaces before the next build
			ip_up "$kind" "$pairs" n$r
			t0=$(now_ns)
			ip_down n$r names
			t1=$(now_ns)
			in+=($(((t1 - t0) / 1000)))
			sleep 1
		done
		local mu md miu mid min
		mu=$(printf '%s\n' "${nu[@]}" | median)
		md=$(printf '%s\n' "${nd[@]}" | median)
		miu=$(printf '%s\n' "${iu[@]}" | median)
		mid=$(printf '%s\n' "${id[@]}" | median)
		min=$(printf '%s\n' "${in[@]}" | median)
		awk -v k="$kind" -v a="$mu" -v b="$md" -v c="$miu" -v d="$mid" -v e="$min" 'BEGIN {
			printf "%-12s %7.3fs %7.3fs %7.3fs %7.3fs %8.3fs %6.1fx %6.1fx %6.1fx\n", k,
				a / 1e6, b / 1e6, c / 1e6, d / 1e6, e / 1e6, c / a, d / b, e / b }'
	done
	echo "(seconds: medians of whole commands; x: the ip script's time / netstage's."
	echo " ip down deletes the devices, then the names, as netstage does; netns del only"
	echo " removes the names and leaves the devices to the kernel's cleanup, after it returns)"
}

case ${1:-} in
cycle) cycle "$2" "$3" "$4" "$5" ;;
ip-up) ip_up "$2" "$3" "$4" ;;
ip-down) ip_down "$2" ;;
"" | -h | --help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//' ;;
*) compare "$1" "${2:-5}" "${3:-128}" ;;
esac
