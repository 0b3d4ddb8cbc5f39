# SPDX-License-Identifier: GPL-2.0
# Helpers the VM tests run in the guest, built on the host (tests/vm/run.sh
# calls this). Usage: make -f tests/vm/probe/probe.mk OUT=ABS_BUILD_DIR
CLANG	?= clang
BPFTOOL	?= bpftool
CC	?= gcc
P	:= $(OUT)/vm/probe
SRC	:= tests/vm/probe

.DELETE_ON_ERROR:
# Keep the .bpf.o and .skel.h so a second run rebuilds nothing.
.SECONDARY:
all: $(P)/fentry_count

$(P)/%.bpf.o: $(SRC)/%.bpf.c | $(P)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Ivmlinux/x86 -c $< -o $@

$(P)/%.skel.h: $(P)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(P)/fentry_count: $(SRC)/fentry_count.c $(P)/fentry_count.skel.h
	$(CC) -g -O2 -Wall -Wextra -Werror -I$(P) $< -lbpf -lelf -lz -o $@

$(P):
	mkdir -p $@
