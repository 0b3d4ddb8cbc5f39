#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# veth + bridge: two namespaces, each with a veth whose peer is a port of a
# bridge in a third, reach each other.
# shellcheck source=tests/vm/cases/lib.sh
. "$(dirname "$0")/lib.sh"
vm_case br

vm_netns sw a b
ip -n "$(ns sw)" link add nstbr0 type bridge
ip -n "$(ns sw)" link set nstbr0 up
for r in a b; do
	ip -n "$(ns sw)" link add "nstbp$r" type veth peer name "nstbv$r" netns "$(ns $r)"
	ip -n "$(ns sw)" link set "nstbp$r" master nstbr0 up
done
ip -n "$(ns a)" addr add 198.18.1.1/24 dev nstbva
ip -n "$(ns b)" addr add 198.18.1.2/24 dev nstbvb
ip -n "$(ns a)" link set nstbva up
ip -n "$(ns b)" link set nstbvb up
vm_ping a 198.18.1.2
vm_ping b 198.18.1.1
