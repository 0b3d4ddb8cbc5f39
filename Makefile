# SPDX-License-Identifier: GPL-2.0
# netstage: build, run, check, bench, vmtest. `make help` lists the targets.

BUILD	?= build
OUT	:= $(abspath $(BUILD))
CLANG	?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL	?= bpftool
CC	?= gcc
PKG_CONFIG ?= pkg-config
CLANG_FORMAT ?= clang-format
PREFIX	?= /usr/local
ARCH	:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
ifneq ($(ARCH),x86)
$(error netstage: architecture $(ARCH) is not supported yet: vmlinux/$(ARCH)/vmlinux.h is missing; run vmlinux/gen.sh on that machine and add it)
endif

ifeq ($(V),1)
Q	:=
msg	:=
else
Q	:= @
msg	= @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

WARN	:= -Wall -Wextra -Werror
CFLAGS	?= -g -O2
DEPFLAGS = -MMD -MP
# Libraries' flags from their pkg-config files; libiperf ships none (-liperf).
PKGS	:= libbpf libelf zlib libmnl libnftables json-c libmicrohttpd
TEST_PKGS := criterion
# pkg-config is asked once, when a compile or link first needs it: help,
# deps, clean and format-check run before the libraries are installed.
pkgconf = $(if $(shell $(PKG_CONFIG) --exists $(2) && echo y),$(shell $(PKG_CONFIG) $(1) $(2)),$(error netstage: pkg-config finds no $(2) (or not all of them): run `make deps`))
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkgconf,--cflags,$(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(call pkgconf,--libs,$(PKGS)))$(PKG_LIBS)
TEST_CFLAGS = $(eval TEST_CFLAGS := $(call pkgconf,--cflags,$(TEST_PKGS)))$(TEST_CFLAGS)
TEST_LIBS = $(eval TEST_LIBS := $(call pkgconf,--libs,$(TEST_PKGS)))$(TEST_LIBS)
INCLUDES = -I$(OUT) -I. -Ibpf $(PKG_CFLAGS)
LIBS	= $(PKG_LIBS) -liperf -lm -lpthread
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The BPF side: bpf/*.bpf.c -> .bpf.o -> .skel.h
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS	 := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Ivmlinux/$(ARCH) -Ibpf
# -g makes the BTF that CO-RE needs; the DWARF beside it only weighs: strip -g keeps .BTF.
bpf_cc = $(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@ && $(LLVM_STRIP) -g $@

# The user side: everything but main.c goes into a library the tests link too.
LIB_SRCS := $(wildcard topo/*.c) $(wildcard user/*.c) $(filter-out user/cli/main.c,$(wildcard user/cli/*.c)) \
	    $(wildcard analysis/*.c)
LIB_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
ASAN_OBJS := $(patsubst %.c,$(OUT)/asan/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
INTEG_SRCS := $(wildcard tests/integ/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/asan/%,$(UNIT_SRCS))
INTEG_BINS := $(patsubst tests/integ/%.c,$(OUT)/tests/integ/%,$(INTEG_SRCS))

# libFuzzer targets of the readers: tests/fuzz/fuzz_NAME.c over analysis/, built by clang.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(patsubst %.c,$(OUT)/fuzz/obj/%.o,$(wildcard analysis/*.c))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 12

.PHONY: all help deps run check unit unit-asan integ vmtest bench clean format format-check \
	layers-check tests man install fuzz
all: $(OUT)/netstage

help:
	@echo 'make            build $(BUILD)/netstage'
	@echo 'make deps       install the Debian packages netstage needs, mount tracefs and bpffs'
	@echo 'make run        (root) deps, build, profile veth-bridge and macvlan under iperf3 TCP'
	@echo 'make check      (root) deps, format-check, layers-check, build, every test: unit (also under ASan/UBSan), fuzz ($(FUZZ_CHECK_SECONDS) s each), integration, VM'
	@echo 'make bench      (root) the benchmarks under bench/, figures for docs/PERFORMANCE.md'
	@echo 'make fuzz       the readers under libFuzzer, FUZZ_SECONDS=$(FUZZ_SECONDS) s each'
	@echo 'make vmtest     (root) the VM tests on the Debian kernels 6.1 and 6.12 under qemu (KERNELS=, KERNEL=)'
	@echo 'make man        regenerate docs/netstage.1 from the option tables'
	@echo 'make install    the binary and the man page under PREFIX=$(PREFIX) (and DESTDIR)'
	@echo 'make format-check  clang-format finds nothing to change in the C files'
	@echo 'make layers-check  the engine includes nothing of user/cli/, analysis/ nothing of either'
	@echo 'V=1             show full commands'

deps:
	$(Q)scripts/deps.sh

# Its headers (vmlinux.h, netstage.h, *.bpf.h) come from the .d file -MMD writes.
$(OUT)/%.bpf.o: bpf/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(bpf_cc)

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# User objects include the skeletons; build those first.
$(OUT)/obj/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(OUT)/asan/%.o: %.c | $(SKELS)
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(WARN) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(OUT)/libnetstage.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/libnetstage-asan.a: $(ASAN_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/netstage: $(OUT)/obj/user/cli/main.o $(OUT)/libnetstage.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

# Test objects take Criterion's flags too.
$(OUT)/obj/tests/%.o $(OUT)/asan/tests/%.o: INCLUDES += $(TEST_CFLAGS)
# Libraries only some tests use (the manifest's YAML parser).
EXTRA_TEST_LIBS :=
$(OUT)/tests/unit/test_deploy $(OUT)/tests/asan/test_deploy: EXTRA_TEST_LIBS := -lyaml

$(OUT)/tests/unit/%: $(OUT)/obj/tests/unit/%.o $(OUT)/libnetstage.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) $(TEST_LIBS) $(EXTRA_TEST_LIBS) -o $@

$(OUT)/tests/asan/%: $(OUT)/asan/tests/unit/%.o $(OUT)/libnetstage-asan.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ $(LIBS) $(TEST_LIBS) $(EXTRA_TEST_LIBS) -o $@

# BPF programs of the integration tests: tests/integ/NAME.bpf.c -> "tests/integ/NAME.skel.h".
INTEG_SKELS := $(patsubst tests/integ/%.bpf.c,$(OUT)/tests/integ/%.skel.h,$(wildcard tests/integ/*.bpf.c))
$(OUT)/tests/integ/%.bpf.o: tests/integ/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(bpf_cc)

$(OUT)/tests/integ/%.skel.h: $(OUT)/tests/integ/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(patsubst %.c,$(OUT)/obj/%.o,$(INTEG_SRCS)): | $(INTEG_SKELS)

# test_capture fails netstage's own allocations in turn: its calls to calloc go to the test's.
$(OUT)/tests/integ/test_capture: EXTRA_TEST_LIBS := -Wl,--wrap=calloc

$(OUT)/tests/integ/%: $(OUT)/obj/tests/integ/%.o $(OUT)/libnetstage.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) $(TEST_LIBS) $(EXTRA_TEST_LIBS) -o $@

$(OUT)/fuzz/obj/%.o: %.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(WARN) $(DEPFLAGS) $(INCLUDES) \
		-c $< -o $@

$(OUT)/fuzz/%: $(OUT)/fuzz/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CLANG) -g -fsanitize=fuzzer $(FUZZ_SAN) $^ -lz -ljson-c -lm -o $@

$(OUT):
	$(Q)mkdir -p $@

tests: $(UNIT_BINS) $(ASAN_BINS) $(INTEG_BINS) $(FUZZ_BINS) $(OUT)/netstage

# Each reader under libFuzzer for FUZZ_SECONDS (make check: FUZZ_CHECK_SECONDS); a crash fails.
fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/check.sh $(OUT) fuzz

# Every test the project has, after the format check. Privileged tests run one at a time (-j1).
check: deps
	$(Q)$(MAKE) --no-print-directory format-check layers-check
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) KERNELS='$(KERNELS)' KERNEL='$(KERNEL)' scripts/check.sh $(OUT)

unit: $(UNIT_BINS)
	$(Q)scripts/check.sh $(OUT) unit

unit-asan: $(ASAN_BINS)
	$(Q)scripts/check.sh $(OUT) asan

integ: $(INTEG_BINS) $(OUT)/netstage
	$(Q)scripts/check.sh $(OUT) integ

# The VM tests alone: Debian's kernels under qemu (tests/vm/README.md), the
# whole list on each of KERNELS (Debian series, booted one after the other).
# KERNEL= picks one kernel instead (a series, package, NAME=VERSION, .deb or
# folder), VM_TESTS='name glob*' a subset of tests/vm/tests.list.
KERNELS ?= 6.1 6.12
vmtest: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)KERNELS='$(KERNELS)' KERNEL='$(KERNEL)' VM_TESTS='$(VM_TESTS)' scripts/check.sh $(OUT) vm

# The main job: profile veth+bridge and macvlan (bridge mode) under 5 s of iperf3 TCP each.
RESULTS ?= results
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)mkdir -p $(RESULTS)
	$(OUT)/netstage run --kind veth-bridge --duration 5 -o $(RESULTS)/veth-bridge.json
	$(OUT)/netstage run --kind macvlan --mode bridge --duration 5 -o $(RESULTS)/macvlan.json

# Benchmark helpers: empty programs on the probes' hooks (the bpf_stats floor).
$(OUT)/bench/%.bpf.o: bench/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(bpf_cc)

$(OUT)/bench/%.skel.h: $(OUT)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Linked with netstage's library for the duty cycle's schedule (probes__duty_split).
$(OUT)/bench/empty_probes: bench/empty_probes.c $(OUT)/bench/empty.skel.h $(OUT)/libnetstage.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(INCLUDES) -I$(OUT)/bench $< $(OUT)/libnetstage.a $(LIBS) -o $@

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(OUT)/bench/empty_probes
	$(Q)bench/run.sh $(OUT)

# Format the C files changed since HEAD (or FILES=...): never the whole tree,
# whose files others may be editing.
FILES ?= $(shell git diff --name-only HEAD -- '*.c' '*.h' | grep -v '^vmlinux/')
# The manual page is made from the option tables; a test checks it is up to date.
man: all
	$(Q)$(OUT)/netstage man > docs/netstage.1
	$(call msg,MAN,docs/netstage.1)

format:
	$(if $(strip $(FILES)),$(CLANG_FORMAT) -i $(FILES),@echo 'format: no changed C files (give FILES=...)')

# Every C file of the tree but the generated vmlinux.h, as .clang-format wants it.
FORMAT_FILES = $(wildcard analysis/*.[ch] bench/*.[ch] bpf/*.[ch] topo/*.[ch] user/*.[ch] \
		 user/cli/*.[ch] \
		 tests/*/*.[ch] tests/vm/*/*.[ch])
format-check:
	$(call msg,FORMAT,$(words $(FORMAT_FILES)) files)
	$(Q)$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES) || \
		{ echo 'format-check: the files above differ from .clang-format; fix them with' \
		       '`make format FILES="..."`' >&2; exit 1; }

# Data flows one way (README.md, Layout): the engine (topo/, user/) includes nothing of the
# command line (user/cli/), and analysis/ nothing of either.
layers-check:
	$(call msg,LAYERS,user/cli -> user -> analysis)
	$(Q)bad=$$(grep -ln '#include "user/cli/' topo/*.[ch] user/*.[ch] analysis/*.[ch]; \
		   grep -ln '#include "\(user\|topo\)/' analysis/*.[ch]); \
	if [ -n "$$bad" ]; then \
		echo "layers-check: these include a layer above their own:" $$bad >&2; exit 1; fi

# DESTDIR stages the install for a package; PREFIX is where it will live.
install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(OUT)/netstage $(DESTDIR)$(PREFIX)/bin/netstage
	$(Q)install -D -m 0644 docs/netstage.1 $(DESTDIR)$(PREFIX)/share/man/man1/netstage.1

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
