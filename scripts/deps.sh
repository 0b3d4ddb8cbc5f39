#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install what netstage needs on a Debian machine, only what is missing, and
# mount the kernel filesystems its probes and tests use. Safe to run again.
set -eu

# Build: clang and bpftool for the BPF side, the libraries for the user side;
# clang's runtimes (libFuzzer, the sanitizers) for the fuzz targets (tests/fuzz).
BUILD_PKGS="make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	libmnl-dev libnftables-dev libiperf-dev libjson-c-dev libcriterion-dev libclang-rt-dev
	libmicrohttpd-dev libyaml-dev"
# Tests and benchmarks: iproute2 to check from outside, iperf3 and jq for
# the unprobed baseline of the overhead benchmark, bpftrace as the
# overhead peer, gnuplot and chromium for the HTML report, qemu and busybox
# for the VM tests on a distro kernel, prometheus and curl for the
# endpoint's test (a real server scrapes `--listen`), podman with runc and
# netavark (which runs iptables) for the containers-by-name test (crun
# refuses hybrid cgroups), clang-format for make format-check.
TEST_PKGS="iproute2 procps kmod iperf3 jq bpftrace gnuplot-nox chromium qemu-system-x86 busybox-static cpio
	zstd xz-utils apt-utils prometheus curl podman runc netavark iptables clang-format"

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root (sudo make ...): installing packages and mounting tracefs need it" >&2
	exit 1
fi

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mkdir -p /run/netns
exit 0
