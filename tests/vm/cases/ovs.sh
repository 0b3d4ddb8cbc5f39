#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ovs kind as a user runs it, on a kernel with the openvswitch datapath:
# no daemon and no ovs tools, the module loads on demand (the kernel asks
# for it when netstage looks up the ovs_datapath genetlink family), doctor
# says yes, a short `netstage run --kind ovs` carries TCP both ways through
# the datapath, and nothing is left.
# shellcheck source=tests/vm/cases/lib.sh
. "$(dirname "$0")/lib.sh"
vm_case ovs
NETSTAGE=${BUILD:-build}/netstage
OUT=/tmp/netstage-vm-ovs.json
[ -x "$NETSTAGE" ] || vm_fail "$NETSTAGE is missing: make vmtest builds it"
cfg=${VM_MODROOT:-}/boot/config-$(uname -r)
if [ -r "$cfg" ] && ! grep -Eq '^CONFIG_OPENVSWITCH=(y|m)' "$cfg"; then
	vm_skip "this kernel has no CONFIG_OPENVSWITCH ($cfg)"
fi

[ -d /sys/module/openvswitch ] && echo "openvswitch was loaded before the test" ||
	echo "openvswitch not loaded yet"
"$NETSTAGE" doctor | grep -E '^ +ovs ' || :
"$NETSTAGE" doctor | grep -Eq '^ +ovs +yes' || vm_fail "netstage doctor does not say ovs yes"
[ -d /sys/module/openvswitch ] || vm_fail "openvswitch is not loaded after the probe"
echo "openvswitch loaded (on demand: net-pf-16-proto-16-family-ovs_datapath)"

rm -f "$OUT"
"$NETSTAGE" run --kind ovs --duration 3 -o "$OUT" || vm_fail "netstage run --kind ovs failed"
# The reverse direction too: the server sends (bounded: 2 s, 1 pair).
"$NETSTAGE" run --kind ovs --duration 2 --reverse --no-probes -o /tmp/netstage-vm-ovs-r.json \
	>/dev/null || vm_fail "netstage run --kind ovs --reverse failed"
for f in "$OUT" /tmp/netstage-vm-ovs-r.json; do
	bps=$(jq -r '.throughput.bits_per_second' "$f")
	kind=$(jq -r '.config.kind' "$f")
	echo "$f: kind $kind, $(awk -v b="$bps" 'BEGIN { printf "%.2f Gbit/s", b / 1e9 }') (under emulation: not a figure)"
	[ "$kind" = ovs ] || vm_fail "$f: config.kind is $kind"
	awk -v b="$bps" 'BEGIN { exit !(b > 1e6) }' || vm_fail "$f: $bps bit/s is no traffic"
done
# The datapath's device is a device of the result, as openvswitch.
jq -r '[.stages[] | select(.device_kind == "openvswitch" or .master_kind == "openvswitch")] | length' "$OUT" |
	sed 's/^/stage entries on the datapath or its ports: /'
left=$(ip netns list | awk '/^netstage-/ { print $1 }' | tr '\n' ' ')
[ -z "$left" ] || vm_fail "namespaces left: $left"
echo "nothing left"
