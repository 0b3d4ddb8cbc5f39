#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Record what fires for each packet on each kind of path on this kernel: run a
# slow UDP and a TCP flow through each kind with raw events on, and print the
# distinct per-packet paths (docs/STAGES.md keeps the record).
# Usage: scripts/firing-record.sh [BUILD_DIR] [KIND...]
set -eu
out=${1:-build}
shift || true
kinds=${*:-veth veth-bridge macvlan ipvlan host container nat vxlan ovs}
ns=$out/netstage
tmp=$(mktemp -d /tmp/netstage-firing.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "kernel $(uname -r)"
for kind in $kinds; do
	for proto in udp tcp; do
		if [ "$proto" = udp ]; then load="--proto udp --bitrate 20M"; else load="--proto tcp"; fi
		# shellcheck disable=SC2086
		if ! "$ns" run --kind "$kind" $load --duration 1 --raw "$tmp/$kind-$proto.gz" \
			--raw-sample 8 >/dev/null 2>"$tmp/err"; then
			echo "== $kind $proto: not run: $(tail -1 "$tmp/err")"
			continue
		fi
		echo "== $kind $proto"
		"$ns" report --raw "$tmp/$kind-$proto.gz" --paths 0 | sed -n '3,8p'
	done
done
