# SPDX-License-Identifier: GPL-2.0
# netstage: build, run, check, bench, vmtest. `make help` lists the targets.

BUILD	?= build
OUT	:= $(abspath $(BUILD))
CLANG	?= clang
BPFTOOL	?= bpftool
CC	?= gcc
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
INCLUDES := -I$(OUT) -I. -Ibpf -I/usr/include/json-c
DEPFLAGS = -MMD -MP
LIBS	:= -lbpf -lelf -lz -lmnl -lnftables -liperf -ljson-c -lm -lpthread
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The BPF side: bpf/*.bpf.c -> .bpf.o -> .skel.h
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS	 := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Ivmlinux/$(ARCH) -Ibpf

# The user side: everything but main.c goes into a library the tests link too.
LIB_SRCS := $(wildcard topo/*.c) $(filter-out user/main.c,$(wildcard user/*.c)) $(wildcard analysis/*.c)
LIB_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
ASAN_OBJS := $(patsubst %.c,$(OUT)/asan/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
INTEG_SRCS := $(wildcard tests/integ/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/asan/%,$(UNIT_SRCS))
INTEG_BINS := $(patsubst tests/integ/%.c,$(OUT)/tests/integ/%,$(INTEG_SRCS))

.PHONY: all help deps run check unit unit-asan integ vmtest bench clean format tests man
all: $(OUT)/netstage

help:
	@echo 'make            build $(BUILD)/netstage'
	@echo 'make deps       install the Debian packages netstage needs, mount tracefs and bpffs'
	@echo 'make run        (root) deps, build, profile veth-bridge and macvlan under iperf3 TCP'
	@echo 'make check      (root) deps, build, every test: unit (also under ASan/UBSan), integration, VM'
	@echo 'make bench      (root) the benchmarks under bench/, figures for docs/PERFORMANCE.md'
	@echo 'make vmtest     (root) the VM tests on the Debian kernels 6.1 and 6.12 under qemu (KERNELS=, KERNEL=)'
	@echo 'make man        regenerate docs/netstage.1 from the option tables'
	@echo 'V=1             show full commands'

deps:
	$(Q)scripts/deps.sh

$(OUT)/%.bpf.o: bpf/%.bpf.c bpf/netstage.h $(wildcard bpf/*.bpf.h) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

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

$(OUT)/netstage: $(OUT)/obj/user/main.o $(OUT)/libnetstage.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUT)/tests/unit/%: $(OUT)/obj/tests/unit/%.o $(OUT)/libnetstage.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -lcriterion -o $@

$(OUT)/tests/asan/%: $(OUT)/asan/tests/unit/%.o $(OUT)/libnetstage-asan.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ $(LIBS) -lcriterion -o $@

# BPF programs of the integration tests: tests/integ/NAME.bpf.c -> "tests/integ/NAME.skel.h".
INTEG_SKELS := $(patsubst tests/integ/%.bpf.c,$(OUT)/tests/integ/%.skel.h,$(wildcard tests/integ/*.bpf.c))
$(OUT)/tests/integ/%.bpf.o: tests/integ/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/tests/integ/%.skel.h: $(OUT)/tests/integ/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(patsubst %.c,$(OUT)/obj/%.o,$(INTEG_SRCS)): | $(INTEG_SKELS)

$(OUT)/tests/integ/%: $(OUT)/obj/tests/integ/%.o $(OUT)/libnetstage.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -lcriterion -o $@

$(OUT):
	$(Q)mkdir -p $@

tests: $(UNIT_BINS) $(ASAN_BINS) $(INTEG_BINS) $(OUT)/netstage

# Every test the project has. Privileged tests run one at a time (-j1).
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)KERNELS='$(KERNELS)' KERNEL='$(KERNEL)' scripts/check.sh $(OUT)

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
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/%.skel.h: $(OUT)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUT)/bench/empty_probes: bench/empty_probes.c $(OUT)/bench/empty.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -I$(OUT)/bench $< -lbpf -lelf -lz -o $@

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
	$(if $(strip $(FILES)),clang-format -i $(FILES),@echo 'format: no changed C files (give FILES=...)')

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
