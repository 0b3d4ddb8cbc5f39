#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fentry and fexit on a module's transmit function attach and count exactly:
# N UDP datagrams sent through device D make exactly N calls on D.
# Usage: fentry_count.sh veth | macvlan MODE | ipvlan MODE
kind=$1 mode=${2:-}
# shellcheck source=tests/vm/cases/lib.sh
. "$(dirname "$0")/lib.sh"
vm_case "fe$(echo "$kind" | cut -c1-2)$mode"
N=25
probe=${BUILD:-build}/vm/probe/fentry_count
[ -x "$probe" ] || vm_fail "$probe is missing: tests/vm/run.sh builds it with tests/vm/probe/probe.mk; see its output"

# a: the sender with device D on top of veth nstfa0; b: the veth peer.
vm_netns a b
ip -n "$(ns a)" link add nstfa0 type veth peer name nstfb0 netns "$(ns b)"
case $kind in
veth) dev=nstfa0 func=veth_xmit ;;
macvlan) dev=nstfd0 func=macvlan_start_xmit ;;
ipvlan) dev=nstfd0 func=ipvlan_start_xmit ;;
*) vm_fail "unknown kind $kind (veth, macvlan, ipvlan)" ;;
esac
[ "$dev" = nstfa0 ] || ip -n "$(ns a)" link add link nstfa0 name "$dev" type "$kind" mode "$mode"
ip -n "$(ns a)" link set nstfa0 up
ip -n "$(ns a)" link set "$dev" up
ip -n "$(ns b)" link set nstfb0 up
ip -n "$(ns a)" addr add 198.18.3.1/24 dev "$dev"
ip -n "$(ns b)" addr add 198.18.3.2/24 dev nstfb0
# Static neighbours both ways: no ARP packet joins the count, and none
# answers b's ICMP errors through D.
case $kind$mode in ipvlanl3 | ipvlanl3s) ;; *)
	ip -n "$(ns a)" neigh replace 198.18.3.2 lladdr "$(vm_mac b nstfb0)" dev "$dev" nud permanent ;;
esac
ip -n "$(ns b)" neigh replace 198.18.3.1 lladdr "$(vm_mac a "$dev")" dev nstfb0 nud permanent

# bash's /dev/udp: one datagram per echo, nothing else on the wire.
out=$("$probe" "$func" "$dev" -- ip netns exec "$(ns a)" bash -c \
	"for i in \$(seq $N); do echo x >/dev/udp/198.18.3.2/9; done") ||
	vm_fail "fentry_count failed: $out"
echo "$func on $dev ($kind${mode:+ $mode}), $N datagrams: $out"
[ "$out" = "entries=$N exits=$N tx_ok=$N" ] ||
	vm_fail "expected entries=$N exits=$N tx_ok=$N"
