#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest runs the kernel the harness booted (not the host's), and that
# kernel has what the VM tests are for: BTF, fentry support, ipvlan.
# shellcheck source=tests/vm/cases/lib.sh
. "$(dirname "$0")/lib.sh"
vm_case kernel

rel=$(uname -r)
echo "guest kernel $rel, harness booted ${VM_KVER:-?}, host kernel ${VM_HOST_KVER:-?}"
[ -n "${VM_KVER:-}" ] || vm_fail "VM_KVER is unset: run this through tests/vm/run.sh"
[ "$rel" = "$VM_KVER" ] || vm_fail "the guest runs $rel, not the booted $VM_KVER"
[ "$rel" != "${VM_HOST_KVER:-}" ] || vm_fail "the guest reports the host's release $rel"
[ -r /sys/kernel/btf/vmlinux ] || vm_fail "no /sys/kernel/btf/vmlinux: this kernel has no BTF"
cfg=$VM_MODROOT/boot/config-$rel
if [ -r "$cfg" ]; then
	for opt in CONFIG_DEBUG_INFO_BTF_MODULES CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS \
		CONFIG_IPVLAN CONFIG_MACVLAN CONFIG_VETH CONFIG_BRIDGE; do
		grep -Eq "^$opt=(y|m)" "$cfg" || vm_fail "$cfg: $opt is not set"
		grep "^$opt=" "$cfg"
	done
fi
