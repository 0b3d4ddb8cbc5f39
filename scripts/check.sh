#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run netstage's tests and tally them from Criterion's TAP reports.
# Usage: scripts/check.sh BUILD_DIR [unit|asan|integ|vm]...   (default: all)
# The vm suite boots each kernel of KERNELS (default "6.1 6.12", Debian's
# series) or KERNEL (one kernel) in turn; see tests/vm/README.md.
# A test that cannot run here says "skipped: <why>" and counts as skipped.
set -u
out=$1
shift
suites=${*:-unit asan integ vm}
tapdir=$out/tap
mkdir -p "$tapdir"
pass=0 fail=0 skip=0 failed_bins=""

run_bin() { # suite binary [criterion args...]
	suite=$1 bin=$2
	shift 2
	name=$suite/$(basename "$bin")
	tap=$tapdir/$suite-$(basename "$bin").tap
	printf '==> %s\n' "$name"
	"$bin" --tap="$tap" --short-filename "$@"
	rc=$?
	p=$(grep -c '^ok .*' "$tap" | tr -d ' ')
	s=$(grep -c '^ok .*# SKIP' "$tap" | tr -d ' ')
	f=$(grep -c '^not ok' "$tap" | tr -d ' ')
	grep '# SKIP' "$tap" | sed 's/^ok - /    /'
	p=$((p - s))
	# A binary that dies before writing its report is a failure too.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f))
	[ "$f" -eq 0 ] || failed_bins="$failed_bins $name"
}

for suite in $suites; do
	case $suite in
	unit) for b in "$out"/tests/unit/test_*; do [ -x "$b" ] && run_bin unit "$b"; done ;;
	asan)
		# LeakSanitizer cannot follow Criterion's forked workers; ASan and UBSan can.
		export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		for b in "$out"/tests/asan/test_*; do [ -x "$b" ] && run_bin asan "$b"; done ;;
	integ)
		# Privileged tests share the kernel's state: one at a time.
		for b in "$out"/tests/integ/test_*; do [ -x "$b" ] && run_bin integ "$b" --jobs 1; done ;;
	vm)
		[ -x tests/vm/run.sh ] || continue
		# Reports of earlier runs (other kernels) must not stand for this one.
		rm -f "$tapdir"/vm.tap "$tapdir"/vm-*.tap
		# The whole list on each kernel, the same binaries: KERNEL= one kernel
		# (any form run.sh takes), else each Debian series of KERNELS.
		if [ -n "${KERNEL:-}" ]; then
			set -- "$KERNEL"
		else
			# shellcheck disable=SC2086 # a list of series
			set -- ${KERNELS:-6.1 6.12}
		fi
		for k in "$@"; do
			name=$(basename "$k" | tr -c 'A-Za-z0-9.+_\n-' '_')
			tap=$tapdir/vm-$name.tap
			printf '==> vm on %s\n' "$k"
			t0=$(date +%s)
			KERNEL=$k tests/vm/run.sh "$out" "$tap"
			rc=$?
			printf '==> vm on %s: %ss\n' "$k" $(($(date +%s) - t0))
			# grep -c prints 0 and fails when nothing matches: no "|| echo 0".
			p=$(grep -c '^ok' "$tap" 2>/dev/null) p=${p:-0}
			s=$(grep -c '^ok .*# SKIP' "$tap" 2>/dev/null) s=${s:-0}
			f=$(grep -c '^not ok' "$tap" 2>/dev/null) f=${f:-0}
			[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
			pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f))
			[ "$f" -eq 0 ] || failed_bins="$failed_bins vm-$name"
		done ;;
	esac
done

# Why each failure failed, last, where a log's tail shows it: the first lines
# of every failing test's report (its assertion and what the command printed).
digest() { # tap
	awk '/^not ok/ { on = 1; n = 0; print; next }
		/^(ok|not ok) / || /^# / { on = 0 }
		on && n++ < 25 { print "    " $0 }' "$1" | head -150
}
printf '\n==> tests: %d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
if [ "$fail" -ne 0 ]; then
	for tap in "$tapdir"/*.tap; do
		grep -q '^not ok' "$tap" 2>/dev/null || continue
		printf '==> failures in %s:\n' "$(basename "$tap" .tap)"
		digest "$tap"
	done
	printf '==> failed in:%s\n' "$failed_bins"
	exit 1
fi
exit 0
