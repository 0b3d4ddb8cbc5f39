#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The initramfs loaded the device modules, and any other module of the
# kernel loads on demand: from the kernel (ip link add ... type dummy asks
# for rtnl-link-dummy) and from a test's own modprobe.
# shellcheck source=tests/vm/cases/lib.sh
. "$(dirname "$0")/lib.sh"
vm_case mod

for m in veth bridge macvlan ipvlan 9p; do
	[ -d "/sys/module/$m" ] || vm_fail "module $m is not loaded; see the console log's vm-init lines"
done
echo "loaded at boot: veth bridge macvlan ipvlan 9p"
[ -r /sys/kernel/btf/veth ] || vm_fail "no BTF for the veth module (/sys/kernel/btf/veth)"

vm_netns a
ip -n "$(ns a)" link add nstdummy0 type dummy ||
	vm_fail "the kernel could not load dummy on demand (/proc/sys/kernel/modprobe is $(cat /proc/sys/kernel/modprobe))"
echo "on demand: dummy"
modprobe sch_netem || vm_fail "modprobe sch_netem failed"
[ -d /sys/module/sch_netem ] || vm_fail "modprobe said yes but sch_netem is not loaded"
echo "modprobe: sch_netem"
