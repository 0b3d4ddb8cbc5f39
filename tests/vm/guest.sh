#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM guest, chrooted into the host's root (see tests/vm/init):
# run each test that tests/vm/run.sh wrote to RESULTS/tests, with its own
# timeout, and leave its exit code and output in RESULTS for the host.
# Usage (by init only): guest.sh RESULTS_DIR
set -u
results=$1
# shellcheck source=/dev/null
. "$results/job.env"
cd "$VM_REPO" || exit 1

# modprobe from the host's kmod, but with this kernel's modules.
mkdir -p /run/vm/bin /run/netns
cat >/run/vm/bin/modprobe <<EOM
#!/bin/sh
exec /usr/sbin/modprobe -d '$VM_MODROOT' "\$@"
EOM
chmod 755 /run/vm/bin/modprobe
export PATH=/run/vm/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TMPDIR=/tmp
export BUILD=$VM_BUILD REPO=$VM_REPO VM_RESULTS=$results VM_KVER VM_MODROOT VM_HOST_KVER VM_ACCEL

uname -r >"$results/uname"
echo "vm: $(grep -c . "$results/tests") tests on $(uname -r)"
while IFS=$'\t' read -r idx name tmo cmd; do
	echo "vm: [$idx] $name"
	rm -f "$results/$idx.tap"
	start=$(date +%s)
	# Each test gets a file for its own TAP report (a Criterion binary's
	# --tap=$VM_TAP); the host merges what it finds there.
	VM_TEST=$name VM_TAP=$results/$idx.tap timeout -k 10 "$tmo" bash -c "$cmd" \
		>"$results/$idx.out" 2>&1 </dev/null
	rc=$?
	echo "$rc $(($(date +%s) - start))" >"$results/$idx.rc"
	# 9p runs with cache=loose: push this test's files to the host now, so
	# a guest that hangs later still leaves them.
	sync
	echo "vm: [$idx] $name: exit $rc"
done <"$results/tests"
left=$(ip netns list 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ')
[ -z "$left" ] || echo "vm: warning: namespaces left behind by the tests: $left"
: >"$results/done"
