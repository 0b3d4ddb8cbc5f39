#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run netstage's tests and tally them from Criterion's TAP reports.
# Usage: scripts/check.sh BUILD_DIR [unit|asan|fuzz|integ|vm]...   (default: all)
# The vm suite boots each kernel of KERNELS (default "6.1 6.12", Debian's
# series) or KERNEL (one kernel) in turn; see tests/vm/README.md.
# A test that cannot run here says "skipped: <why>" and counts as skipped.
# fuzz runs each libFuzzer target for FUZZ_SECONDS (default 12) s: one TAP line each.
set -u
out=$1
shift
suites=${*:-unit asan fuzz integ vm}
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

# Seeds of a fuzz target besides its corpus folder (tests/fuzz/corpus/NAME): real files.
fuzz_seeds() {
	case $1 in
	result) echo tests/integ/data docs/investigation ;;
	esac
}

# Each target for FUZZ_SECONDS on a working copy of its corpus (the checked-in one stays as
# it is); a crash, a leak, a hang or an input the sanitizers object to is a failure, and
# the input that did it is kept beside the log.
run_fuzz() {
	secs=${FUZZ_SECONDS:-12} tap=$tapdir/fuzz.tap i=0
	: >"$tap"
	for b in "$out"/fuzz/fuzz_*; do
		[ -x "$b" ] || continue
		name=${b##*/fuzz_} i=$((i + 1))
		work=$out/fuzz/work-$name log=$out/fuzz/$name.log
		mkdir -p "$work"
		printf '==> fuzz/%s (%s s)\n' "$name" "$secs"
		dict=
		[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
		# Leaks count too (the asan suite turns them off for Criterion's workers).
		# shellcheck disable=SC2046,SC2086
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$b" -max_total_time="$secs" -timeout=25 -print_final_stats=1 $dict \
			-artifact_prefix="$out/fuzz/$name-" "$work" "tests/fuzz/corpus/$name" \
			$(fuzz_seeds "$name") >"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		if [ "$rc" -eq 0 ]; then
			echo "ok $i - fuzz/$name: ${runs:-?} executions in $secs s without a failure" >>"$tap"
			pass=$((pass + 1))
		else
			echo "not ok $i - fuzz/$name: failed (exit $rc) after ${runs:-?} executions; $log" >>"$tap"
			grep -E 'ERROR|SUMMARY|artifact|^    #[0-9]' "$log" | head -20 | sed 's/^/    /' >>"$tap"
			fail=$((fail + 1)) failed_bins="$failed_bins fuzz/$name"
		fi
		grep "fuzz/$name:" "$tap"
	done
}

for suite in $suites; do
	case $suite in
	fuzz) run_fuzz ;;
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
