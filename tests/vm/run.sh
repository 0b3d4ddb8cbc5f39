#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the VM tests: boot a Debian distribution kernel under qemu (software
# emulation), share the host's root with it over 9p, run tests/vm/tests.list
# inside, and write the results as TAP 13. See tests/vm/README.md.
#
# Usage: tests/vm/run.sh BUILD_DIR TAPFILE [TEST]...
#   TEST               a test name or shell glob from tests.list (default: all;
#                      VM_TESTS="a b*" does the same)
# Environment:
#   KERNEL             what to boot (default: linux-image-amd64, resolved by apt):
#                      a Debian kernel series such as 6.1 or 6.12 (its newest
#                      linux-image-<series>...-amd64 package), a package name
#                      (metapackages are followed), NAME=VERSION, a .deb file, or
#                      a folder with a vmlinuz and lib/modules/<release>/
#                      (make vmtest and make check run one run.sh per kernel of
#                      KERNELS, "6.1 6.12" by default)
#   VM_LIST            the test list (default: tests/vm/tests.list)
#   VM_TEST_TIMEOUT    seconds a test may take unless its line says timeout=N (default 60)
#   VM_BOOT_TIMEOUT    seconds for boot, module loading and power off (default 180)
#   VM_STALL           seconds past a test's timeout before a guest that shows no
#                      progress is ended and booted again once (default 60)
#   VM_VERBOSE=1       copy the guest's console to stdout as it runs
#   VM_TCG_THREAD      qemu's TCG threading: single (default: both vCPUs on one
#                      host thread) or multi (a thread each)
set -eu

usage() {
	echo "usage: tests/vm/run.sh BUILD_DIR TAPFILE [TEST]..." >&2
	exit 2
}
[ $# -ge 2 ] || usage
OUT=$(realpath -m "$1")
TAP=$(realpath -m "$2")
shift 2
REPO=$(realpath "$(dirname "$0")/../..")
cd "$REPO"

KERNEL=${KERNEL:-}
VM_LIST=${VM_LIST:-tests/vm/tests.list}
VM_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-60}
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-180}
VM_VERBOSE=${VM_VERBOSE:-0}
# One host thread for both vCPUs by default: multi-threaded TCG (one thread
# a vCPU) let a vCPU run kernel text after another had rewritten it and
# synchronised every CPU (an int3 oops in handle_softirqs on Debian 6.12,
# when a BPF detach turned a tracepoint's static key off), and was no
# faster on this shared 2-core machine (docs/KERNELS.md).
VM_TCG_THREAD=${VM_TCG_THREAD:-single}
VM_ACCEL=tcg # a KVM guest hangs at boot here (tests/vm/README.md): the CPU is emulated
# Loaded at boot from the initramfs: the 9p transport first, then the
# devices the tests build. Anything else loads on demand from the unpacked
# package (see init). Dependencies come from modules.dep.
TRANSPORT_MODULES="virtio_pci 9pnet_virtio 9p"
DEVICE_MODULES="llc stp bridge veth macvlan ipvlan"

mkdir -p "$(dirname "$TAP")" "$OUT/vm"
# A report left from an earlier run must not stand for this one.
rm -f "$TAP"

say() { printf 'vm: %s\n' "$*" >&2; }

# What the TAP lines start with: vm-<series of the booted kernel>/<test>, so
# that the reports of several kernels can stand side by side. Until the
# kernel is known, the series asked for.
LABEL=vm
if [[ $KERNEL =~ ^[0-9]+\.[0-9]+$ ]]; then LABEL=vm-$KERNEL; fi

# One TAP line that stands for the whole run: for a run that cannot start.
tap_single() { # ok|not-ok message
	{
		echo "TAP version 13"
		echo "1..1"
		if [ "$1" = ok ]; then echo "ok 1 - $LABEL # SKIP $2"; else echo "not ok 1 - $LABEL: $2"; fi
	} >"$TAP"
}
skip_all() {
	say "skipped: $*"
	tap_single ok "$*"
	exit 0
}
fail_setup() {
	say "$*"
	tap_single not-ok "$*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root (apt, the 9p passthrough share, namespaces in the guest): run sudo make vmtest"
for tool in qemu-system-x86_64:qemu-system-x86 cpio:cpio dpkg-deb:dpkg depmod:kmod \
	modprobe:kmod flock:util-linux timeout:coreutils; do
	command -v "${tool%%:*}" >/dev/null ||
		skip_all "needs ${tool%%:*} (package ${tool#*:}): run make deps"
done
# ldd fails on a static binary: the initramfs has no libc for a dynamic one.
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	skip_all "needs a static /bin/busybox for the initramfs (package busybox-static): run make deps"
fi
case $OUT$REPO in
*[[:space:]\'\"\\]*) fail_setup "the build folder or repository path has a space, quote or backslash: it must fit the kernel command line and job.env; use BUILD=/a/plain/path" ;;
esac

# One guest at a time: two machines' worth of TCG on 2 cores helps nobody,
# and two runs would share the results folders.
exec 9>"$OUT/vm/.lock"
if ! flock -n 9; then
	say "another VM test run holds $OUT/vm/.lock; waiting for it"
	flock 9
fi

# ---- the kernel: resolve, fetch, unpack (cached) ----

apt_updated=0
apt_update() {
	[ $apt_updated -eq 0 ] || return 0
	apt_updated=1
	say "apt-get update (the package lists are missing or stale)"
	apt-get update -qq >&2 || say "apt-get update failed; going on with the lists there are"
}

# linux-image-amd64 -> linux-image-6.1.0-56-amd64, and the like; prints "NAME VERSION".
resolve_package() { # name [version]
	local name=$1 ver=${2:-} dep i
	for i in 1 2 3; do
		dep=$(apt-cache depends "$name${ver:+=$ver}" 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
		[ -n "$dep" ] || break
		name=$dep ver=
	done
	if [ -z "$ver" ]; then
		ver=$(apt-cache policy "$name" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
		[ "$ver" != "(none)" ] || ver=
	fi
	[ -n "$ver" ] && echo "$name $ver"
}

# Unpack a kernel .deb into DIR/root and make modules.dep (the package
# leaves that to its postinst, which we do not run).
unpack_deb() { # deb dir
	local deb=$1 dir=$2
	rm -rf "$dir/root.tmp"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir/root.tmp" || fail_setup "cannot unpack $deb (dpkg-deb -x failed)"
	mv "$dir/root.tmp" "$dir/root"
	rm -f "$dir/root/boot/"*.efi.signed 2>/dev/null || :
}

# The package of a Debian kernel series (6.1, 6.12): the one linux-image-amd64
# depends on when it is of that series (6.1 on Debian 12), else the newest
# linux-image-<series>.*-amd64-unsigned apt has a candidate for (6.12 on
# Debian 12: linux-image-6.12.<n>+deb12-amd64-unsigned). Fails when apt
# knows none.
series_package() { # series
	local series=$1 re line name
	re="^linux-image-${series//./\\.}[.-][0-9]"
	line=$(resolve_package linux-image-amd64) || line=
	if [ -n "$line" ] && [[ ${line% *} =~ $re ]]; then
		echo "${line% *}"
		return 0
	fi
	for name in $(apt-cache pkgnames "linux-image-$series" 2>/dev/null | grep -E "$re" |
		grep -E -- '-amd64-unsigned$' | grep -vE -- '-(cloud|rt)-amd64' | sort -rV); do
		if resolve_package "$name" >/dev/null; then
			echo "$name"
			return 0
		fi
	done
	return 1
}

# KDIR, KDESC and MODROOT of package NAME at VERSION.
set_kdir() { # name version
	KDIR=$OUT/vm/${1}_$(printf '%s' "$2" | tr -c 'A-Za-z0-9.+~-' '_')
	KDESC="$1 $2"
	MODROOT=$KDIR/root
}

# Resolve, download (unless cached) and unpack a kernel package. Returns 2
# when apt knows no such package, 1 when the download fails.
package_kernel() { # name [version]
	local line deb
	line=$(resolve_package "$1" "${2:-}") || return 2
	set_kdir "${line% *}" "${line#* }"
	[ ! -d "$MODROOT" ] || return 0
	say "fetching $KDESC with apt-get download"
	rm -rf "$KDIR/dl" && mkdir -p "$KDIR/dl"
	# As root, apt drops to the _apt user to download unless told not to.
	if ! (cd "$KDIR/dl" && apt-get -q -o APT::Sandbox::User=root download "${line% *}=${line#* }" >&2); then
		rm -rf "$KDIR" # nothing but the failed download in it
		return 1
	fi
	deb=$(ls "$KDIR"/dl/*.deb)
	say "unpacking $(basename "$deb")"
	unpack_deb "$deb" "$KDIR"
	rm -rf "$KDIR/dl"
}

# Sets KDIR (cache folder), MODROOT (a root with lib/modules/$KVER),
# VMLINUZ, KVER and KDESC.
find_kernel() {
	local spec=$KERNEL name ver deb
	if [ -n "$spec" ] && [ -d "$spec" ]; then
		MODROOT=$(realpath "$spec")
		VMLINUZ=
		for f in "$MODROOT/vmlinuz" "$MODROOT/bzImage" "$MODROOT/arch/x86/boot/bzImage" \
			"$MODROOT"/boot/vmlinuz-*; do
			[ -f "$f" ] && { VMLINUZ=$f; break; }
		done
		[ -n "$VMLINUZ" ] || fail_setup "KERNEL=$spec: no vmlinuz, bzImage or boot/vmlinuz-* in it"
		KDIR=$OUT/vm/dir-$(basename "$MODROOT" | tr -c 'A-Za-z0-9.+~-' '_')-$(printf '%s' "$MODROOT" | sha256sum | cut -c1-8)
		KDESC="folder $MODROOT"
	else
		if [ -n "$spec" ] && [ -f "$spec" ]; then
			deb=$(realpath "$spec")
			if ! name=$(dpkg-deb -f "$deb" Package) || ! ver=$(dpkg-deb -f "$deb" Version); then
				fail_setup "KERNEL=$spec is not a .deb package dpkg-deb can read"
			fi
			set_kdir "$name" "$ver"
			if [ ! -d "$MODROOT" ]; then
				say "unpacking $(basename "$deb")"
				unpack_deb "$deb" "$KDIR"
			fi
		else
			name=${spec:-linux-image-amd64}
			ver=
			case $name in *=*) ver=${name#*=} name=${name%%=*} ;; esac
			if [[ $name =~ ^[0-9]+\.[0-9]+$ ]]; then
				series=$name
				if ! name=$(series_package "$series"); then
					apt_update
					name=$(series_package "$series") ||
						fail_setup "apt knows no Debian $series kernel (linux-image-amd64's, or linux-image-$series.*-amd64-unsigned); see apt-cache search --names-only '^linux-image-$series'"
				fi
				say "kernel $series: $name"
			fi
			# Stale or missing package lists: update once and try again.
			prc=0
			package_kernel "$name" "$ver" || prc=$?
			if [ $prc -ne 0 ] && [ $apt_updated -eq 0 ]; then
				apt_update
				prc=0
				package_kernel "$name" "$ver" || prc=$?
			fi
			case $prc in
			2) fail_setup "apt knows no kernel package '$name${ver:+ $ver}'; see apt-cache search --names-only '^linux-image-' (KERNEL=NAME or NAME=VERSION)" ;;
			1) fail_setup "apt-get download $KDESC failed: no network, or that version left the mirror (pick another with KERNEL=NAME=VERSION)" ;;
			esac
		fi
		VMLINUZ=$(ls "$MODROOT"/boot/vmlinuz-* 2>/dev/null | head -n1)
		[ -n "$VMLINUZ" ] || fail_setup "$KDESC has no boot/vmlinuz-*: is it a linux-image package? (rm -rf $KDIR to fetch it again)"
	fi
	KVER=
	if [ -d "$MODROOT/lib/modules" ]; then
		KVER=$(ls "$MODROOT/lib/modules" | head -n1)
		[ "$(ls "$MODROOT/lib/modules" | wc -l)" -eq 1 ] ||
			fail_setup "$MODROOT/lib/modules has several releases; keep one per kernel folder"
	fi
	[ -n "$KVER" ] || fail_setup "$KDESC has no lib/modules/<release>/: the guest needs the virtio, 9p and network modules"
	[[ ! $KVER =~ ^([0-9]+\.[0-9]+) ]] || LABEL=vm-${BASH_REMATCH[1]}
	if [ ! -f "$MODROOT/lib/modules/$KVER/modules.dep" ]; then
		say "depmod $KVER (makes modules.dep in $MODROOT)"
		depmod -b "$MODROOT" "$KVER" || fail_setup "depmod -b $MODROOT $KVER failed"
	fi
	mkdir -p "$KDIR"
}

# ---- the initramfs (cached; rebuilt when its inputs change) ----

decompress() { # module.ko[.xz|.zst|.gz] out
	case $1 in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

build_initramfs() {
	local paths="" p m sum stage base list
	# modprobe --show-depends prints "insmod PATH" in load order, dependencies
	# first, or "builtin NAME"; a module already listed is not listed again.
	for m in $TRANSPORT_MODULES $DEVICE_MODULES; do
		list=$(modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" 2>/dev/null) || {
			case " $TRANSPORT_MODULES " in *" $m "*)
				fail_setup "$KDESC has no $m, as a module or built in: the guest reaches the host's root over virtio 9p (CONFIG_VIRTIO_PCI, CONFIG_NET_9P_VIRTIO, CONFIG_9P_FS), so this kernel cannot run the VM tests; pick another with KERNEL=" ;;
			esac
			say "warning: $KDESC has no module $m; tests that need it will fail"
			continue
		}
		for p in $(printf '%s\n' "$list" | awk '$1 == "insmod" { print $2 }'); do
			case " $paths " in *" $p "*) ;; *) paths="$paths $p" ;; esac
		done
	done
	sum=$( {
		cat tests/vm/init
		/bin/busybox | head -n1
		echo "$KVER $paths"
		for p in $paths; do stat -c '%s %Y' "$p"; done
	} | sha256sum | cut -c1-64)
	if [ -f "$KDIR/initrd.img" ] && [ "$(cat "$KDIR/initrd.sum" 2>/dev/null)" = "$sum" ]; then
		say "reusing $KDIR/initrd.img"
		return
	fi
	say "building $KDIR/initrd.img"
	stage=$(mktemp -d "$OUT/vm/initrd.XXXXXX")
	mkdir -p "$stage/bin" "$stage/dev" "$stage/etc" "$stage/lib/modules/$KVER"
	cp /bin/busybox "$stage/bin/busybox"
	cp tests/vm/init "$stage/init"
	chmod 755 "$stage/init"
	# The kernel opens /dev/console for init before any devtmpfs is mounted.
	mknod -m 600 "$stage/dev/console" c 5 1
	: >"$stage/etc/modules"
	for p in $paths; do
		base=$(basename "$p")
		base=${base%.xz} base=${base%.zst} base=${base%.gz}
		decompress "$p" "$stage/lib/modules/$KVER/$base" ||
			fail_setup "cannot decompress $p (needs xz-utils or zstd: run make deps)"
		echo "$base" >>"$stage/etc/modules"
	done
	(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$KDIR/initrd.img.tmp"
	rm -rf "$stage"
	mv "$KDIR/initrd.img.tmp" "$KDIR/initrd.img"
	echo "$sum" >"$KDIR/initrd.sum"
}

# ---- the test list ----

# Lines: NAME [timeout=SECONDS] COMMAND...; '#' starts a comment line.
NAMES=() TMOS=() CMDS=()
read_list() {
	local line name rest tmo n=0 sel want
	[ -f "$VM_LIST" ] || fail_setup "no test list $VM_LIST"
	sel="$* ${VM_TESTS:-}"
	sel=${sel//,/ }
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line#"${line%%[![:space:]]*}"}
		case $line in '' | '#'*) continue ;; esac
		name=${line%%[[:space:]]*}
		rest=${line#"$name"}
		rest=${rest#"${rest%%[![:space:]]*}"}
		tmo=$VM_TEST_TIMEOUT
		case $rest in timeout=*)
			tmo=${rest%%[[:space:]]*} tmo=${tmo#timeout=}
			rest=${rest#timeout=*[[:space:]]}
			rest=${rest#"${rest%%[![:space:]]*}"} ;;
		esac
		[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
			fail_setup "$VM_LIST:$n: bad test name '$name' (letters, digits, . _ -)"
		[[ $tmo =~ ^[1-9][0-9]*$ ]] || fail_setup "$VM_LIST:$n: bad timeout '$tmo' (whole seconds)"
		[ -n "$rest" ] || fail_setup "$VM_LIST:$n: test $name has no command"
		[[ $rest != *$'\t'* ]] || rest=${rest//$'\t'/ }
		for want in "${NAMES[@]}"; do
			[ "$want" != "$name" ] || fail_setup "$VM_LIST:$n: test $name is listed twice"
		done
		if [ -n "${sel// /}" ]; then
			local hit=0
			# shellcheck disable=SC2254
			for want in $sel; do case $name in $want) hit=1 ;; esac; done
			[ $hit -eq 1 ] || continue
		fi
		NAMES+=("$name") TMOS+=("$tmo") CMDS+=("$rest")
	done <"$VM_LIST"
	[ ${#NAMES[@]} -gt 0 ] || fail_setup "no test in $VM_LIST matches '${sel# }'"
}

# ---- TAP from the results ----

TAPN=0 TAPFAIL=0
TAPBODY=$(mktemp)
tailpid=
trap 'rm -f "$TAPBODY"; [ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null' EXIT
tap() { # ok|not-ok description [comment lines...]
	local st=$1 d=$2
	shift 2
	TAPN=$((TAPN + 1))
	if [ "$st" = ok ]; then
		echo "ok $TAPN - $d"
	else
		echo "not ok $TAPN - $d"
		TAPFAIL=$((TAPFAIL + 1))
	fi >>"$TAPBODY"
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /' >>"$TAPBODY"
}

# A test's output, last lines, as TAP comments.
tail_of() { # file
	[ -s "$1" ] || { echo "(no output)"; return; }
	tail -n 15 "$1" | cut -c1-200
	echo "full output: $1"
}

# Merge a test's own TAP (Criterion's --tap=$VM_TAP) so each of its tests
# counts; numbers are redone, YAML blocks are kept.
merge_tap() { # name tapfile
	local name=$1 f=$2 line st d n=0
	while IFS= read -r line; do
		case $line in
		# Criterion lists the tests a --filter left out as skipped: not run, not skipped.
		'ok '*'# SKIP test was skipped') ;;
		'ok'* | 'not ok'*)
			st=ok
			case $line in 'not ok'*) st=not-ok line=${line#not ok} ;; *) line=${line#ok} ;; esac
			line=${line#"${line%%[!0-9 ]*}"}
			d=${line#- }
			tap "$st" "$LABEL/$name: $d"
			n=$((n + 1))
			;;
		'  '*) echo "$line" >>"$TAPBODY" ;;
		esac
	done <"$f"
	MERGED=$n
}

report() { # results qemu_rc bound console
	local res=$1 qrc=$2 bound=$3 log=$4 i name rc out reason before
	for i in "${!NAMES[@]}"; do
		name=${NAMES[$i]} out=$res/$i.out
		if [ ! -f "$res/$i.rc" ]; then
			# guest.sh makes the .out file when it starts the test.
			if [ -f "$out" ]; then
				tap not-ok "$LABEL/$name: did not finish: the guest hung or died in it (console log: $log)" \
					"$(tail_of "$out")"
			else
				tap not-ok "$LABEL/$name: not run: the guest stopped before it (console log: $log)"
			fi
			continue
		fi
		read -r rc _ <"$res/$i.rc"
		before=$TAPFAIL MERGED=0
		[ ! -s "$res/$i.tap" ] || merge_tap "$name" "$res/$i.tap"
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			# shellcheck disable=SC2046
			tap not-ok "$LABEL/$name: timed out after ${TMOS[$i]}s (raise it with timeout=N in the list)" \
				"$(tail_of "$out")"
		elif [ "$MERGED" -gt 0 ]; then
			# A binary that reported its tests but died or failed without
			# a failing line still fails.
			[ "$rc" -eq 0 ] || [ $TAPFAIL -gt "$before" ] ||
				tap not-ok "$LABEL/$name: exited with $rc after its TAP report" "$(tail_of "$out")"
		elif [ "$rc" -eq 0 ]; then
			tap ok "$LABEL/$name"
		elif [ "$rc" -eq 77 ]; then
			reason=$(grep -v '^[[:space:]]*$' "$out" | tail -n1 | sed 's/^.*skipped: *//')
			tap ok "$LABEL/$name # SKIP ${reason:-exit 77}"
		else
			tap not-ok "$LABEL/$name: exit $rc" "$(tail_of "$out")"
		fi
	done
	if [ ! -f "$res/done" ]; then
		if [ "$interrupted" -eq 1 ]; then
			tap not-ok "$LABEL: interrupted, guest stopped; console log kept: $log"
		elif [ "$stalled" -eq 1 ]; then
			tap not-ok "$LABEL: the guest hung (no progress ${VM_STALL}s past a test's timeout) and was ended; console log kept: $log" \
				"$(tail -n 20 "$log")"
		elif [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
			tap not-ok "$LABEL: guest killed after ${bound}s, the bound for this list; console log kept: $log" \
				"$(tail -n 20 "$log")"
		elif [ ! -f "$res/uname" ]; then
			tap not-ok "$LABEL: guest did not boot or could not reach the tests (qemu exit $qrc); console log kept: $log" \
				"$(tail -n 20 "$log")"
		else
			tap not-ok "$LABEL: guest stopped before the end of the list (qemu exit $qrc); console log kept: $log" \
				"$(tail -n 20 "$log")"
		fi
	fi
}

# ---- main ----

t0=$(date +%s.%N)
read_list "$@"
find_kernel
build_initramfs
# The helpers some tests run (fentry_count); a test says so if they are missing.
make --no-print-directory -s -f tests/vm/probe/probe.mk OUT="$OUT" >&2 ||
	say "warning: building tests/vm/probe failed; the fentry tests will fail"

say "kernel, initramfs and helpers ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s"
res=$KDIR/results
log=$KDIR/console.log
rm -rf "$res"
mkdir -p "$res"
{
	echo "VM_REPO='$REPO'"
	echo "VM_BUILD='$OUT'"
	echo "VM_MODROOT='$MODROOT'"
	echo "VM_KVER='$KVER'"
	echo "VM_HOST_KVER='$(uname -r)'"
	echo "VM_ACCEL='$VM_ACCEL'" # tests that time code paths need to know
} >"$res/job.env"
bound=$VM_BOOT_TIMEOUT
for i in "${!NAMES[@]}"; do
	printf '%s\t%s\t%s\t%s\n' "$i" "${NAMES[$i]}" "${TMOS[$i]}" "${CMDS[$i]}" >>"$res/tests"
	bound=$((bound + TMOS[i] + 15))
done

# The guest's own timeout ends a test that runs too long, but not one whose
# kernel is wedged: under TCG a vCPU now and then misses a wake-up (the
# console then shows soft lockups on an idle CPU and an RCU stall). The host
# reads the console: a test that shows no end VM_STALL seconds past its own
# timeout (a boot past VM_BOOT_TIMEOUT) ends the guest.
VM_STALL=${VM_STALL:-60}
stalled=0
watch_progress() { # qemu pid: returns when qemu has exited or was killed for a stall
	local qpid=$1 line last="" since now allowed idx
	since=$(date +%s)
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 2
		line=$(grep -a '^vm: \[[0-9]*\] ' "$log" 2>/dev/null | tail -n 1)
		now=$(date +%s)
		[ "$line" = "$last" ] || { last=$line since=$now; }
		if [ -z "$line" ]; then
			allowed=$VM_BOOT_TIMEOUT
		elif [[ $line == *': exit '* ]]; then
			allowed=$VM_BOOT_TIMEOUT # the next test's start, or power off
		else
			idx=${line#vm: [} idx=${idx%%]*}
			allowed=$((TMOS[idx] + 10 + VM_STALL))
		fi
		if [ $((now - since)) -gt "$allowed" ]; then
			say "the guest shows no progress for ${allowed}s (${line:-booting}): ending it"
			stalled=1
			kill "$qpid" 2>/dev/null
			return
		fi
	done
}

boot() { # -> qrc
	say "booting $KDESC ($KVER) under qemu TCG for $(grep -c . "$res/tests") tests (bound ${bound}s, console: $log)"
	# KVM hangs here at boot (docs/KERNELS.md): software emulation only.
	# The command line stays short: unknown words become init's arguments.
	# shellcheck disable=SC2054 # the commas are qemu's
	qemu=(qemu-system-x86_64 -accel "$VM_ACCEL,thread=$VM_TCG_THREAD" -cpu max -m 2048 -smp 2
		-no-user-config -nodefaults -display none -no-reboot
		-chardev "file,id=con,path=$log" -serial chardev:con
		-kernel "$VMLINUZ" -initrd "$KDIR/initrd.img"
		-virtfs local,path=/,mount_tag=host,security_model=passthrough,multidevs=remap
		-append "console=ttyS0 quiet panic=-1 nst=$res")
	: >"$log"
	if [ "$VM_VERBOSE" = 1 ]; then
		tail -n +1 -f "$log" &
		tailpid=$!
	fi
	# timeout puts qemu in a process group of its own, out of reach of the
	# terminal's Ctrl-C: pass INT and TERM on ourselves.
	timeout -k 10 "$bound" "${qemu[@]}" </dev/null >>"$log.qemu" 2>&1 &
	qpid=$!
	trap 'interrupted=1; kill "$qpid" 2>/dev/null' INT TERM
	watch_progress "$qpid"
	qrc=0
	while :; do
		wait "$qpid" && break
		qrc=$?
		kill -0 "$qpid" 2>/dev/null || break
	done
	trap - INT TERM
	[ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null || :
	tailpid=
	if [ -s "$log.qemu" ]; then
		cat "$log.qemu" >>"$log"
	fi
	rm -f "$log.qemu"
}

start=$(date +%s)
interrupted=0
boot
# A wedged guest is the emulator's fault as often as the test's: boot once
# more for the tests it left, the one it hung in first. The TAP says so, and
# the first console log is kept beside the second.
RETRIED=""
if [ "$stalled" -eq 1 ] && [ "$interrupted" -eq 0 ] && [ -f "$res/uname" ]; then
	left=$(awk -F'\t' -v r="$res" '{ if (system("test -f " r "/" $1 ".rc")) print }' "$res/tests")
	if [ -n "$left" ]; then
		RETRIED=$(printf '%s\n' "$left" | head -n 1 | cut -f 2)
		cp "$log" "$log.hung"
		idx=$(printf '%s\n' "$left" | head -n 1 | cut -f 1)
		[ ! -f "$res/$idx.out" ] || mv "$res/$idx.out" "$res/$idx.hung.out"
		printf '%s\n' "$left" >"$res/tests"
		rm -f "$res/uname"
		say "the guest hung in $RETRIED (console log: $log.hung); a new boot for the $(grep -c . "$res/tests") tests left"
		stalled=0
		boot
	fi
fi
say "guest ran $(($(date +%s) - start))s (harness time under emulation, not a performance figure)"

report "$res" "$qrc" "$bound" "$log"
[ -z "$RETRIED" ] || printf '# the guest hung in %s once and was booted again: %s\n' "$RETRIED" "$log.hung" >>"$TAPBODY"
{
	echo "TAP version 13"
	echo "1..$TAPN"
	echo "# kernel $KVER ($KDESC), host $(uname -r)"
	cat "$TAPBODY"
} >"$TAP"
grep -E '^(ok|not ok)' "$TAP"
say "TAP in $TAP; outputs in $res; console log in $log"
[ "$interrupted" -eq 0 ] || exit 130
[ "$TAPFAIL" -eq 0 ]
