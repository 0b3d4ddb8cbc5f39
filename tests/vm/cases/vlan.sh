#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# macvlan or ipvlan in MODE: two devices on one veth end (the lower device)
# are moved into two namespaces and reach each other through the driver.
# Usage: vlan.sh macvlan|ipvlan MODE
kind=$1 mode=$2
# shellcheck source=tests/vm/cases/lib.sh
. "$(dirname "$0")/lib.sh"
vm_case "$(echo "$kind" | cut -c1-2)$mode"

vm_netns low a b
ip -n "$(ns low)" link add nstlow0 type veth peer name nstlow1
ip -n "$(ns low)" link set nstlow0 up
ip -n "$(ns low)" link set nstlow1 up
n=1
for r in a b; do
	ip -n "$(ns low)" link add link nstlow0 name "nstv$r" type "$kind" mode "$mode" ||
		vm_fail "cannot make a $kind device in mode $mode on a veth"
	ip -n "$(ns low)" link set "nstv$r" netns "$(ns $r)"
	ip -n "$(ns $r)" addr add "198.18.2.$n/24" dev "nstv$r"
	ip -n "$(ns $r)" link set "nstv$r" up
	n=$((n + 1))
done
ip -n "$(ns a)" -d link show nstva | grep -oE "$kind +mode [a-z0-9]+"
vm_ping a 198.18.2.2
vm_ping b 198.18.2.1
