# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Sourced by the VM test cases. They run in the guest (tests/vm/README.md),
# but nothing here needs the guest: a case runs on any kernel that has what it
# tests. Namespaces are netstage-vm-<case>-<role>, links start with nst; the
# case's namespaces (and with them its links) go when it exits.
set -eu

VM_NETNS=""
VM_CASE=case
# vm_case NAME: the case's short name, part of its namespaces' names.
vm_case() { VM_CASE=$1; }
vm_cleanup() {
	for ns in $VM_NETNS; do ip netns del "$ns" 2>/dev/null || :; done
}
trap vm_cleanup EXIT

vm_fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# Exit 77 is a skip; the host takes the reason from the last line.
vm_skip() {
	echo "skipped: $*"
	exit 77
}

# vm_netns ROLE...: make netstage-vm-$VM_CASE-ROLE with IPv6 off, so that
# no router or neighbour solicitation adds packets to exact counts.
vm_netns() {
	for role; do
		ns=netstage-vm-$VM_CASE-$role
		ip netns del "$ns" 2>/dev/null || :
		ip netns add "$ns"
		VM_NETNS="$VM_NETNS $ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
}
ns() { echo "netstage-vm-$VM_CASE-$1"; }

vm_mac() { # role ifname
	ip -n "$(ns "$1")" -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# vm_ping ROLE ADDR: the host root's busybox has ping (iputils may be absent).
vm_ping() {
	ip netns exec "$(ns "$1")" busybox ping -c 1 -W 5 "$2" >/dev/null ||
		vm_fail "no ping reply from $2 in $(ns "$1")"
	echo "ping $(ns "$1") -> $2: ok"
}

