#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: run every benchmark script bench/*.sh in turn (never two at
# once: they time the same two cores), each given the build folder.
# Usage: bench/run.sh BUILD_DIR
set -u
[ $# -eq 1 ] || {
	echo "usage: bench/run.sh BUILD_DIR" >&2
	exit 2
}
cd "$(dirname "$0")/.." || exit 1
rc=0
for b in bench/*.sh; do
	[ "$b" = bench/run.sh ] && continue
	echo "==> $b"
	bash "$b" "$1" || {
		echo "==> $b failed" >&2
		rc=1
	}
done
exit $rc
