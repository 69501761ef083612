#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build the VMRUN baseline: build.sh OUTPUT.elf
# One place for the command line, used by meson.build and by
# tests/bench/hv-exits when no meson build of it is at hand.
# Linked as ELF64, then converted to elf32-i386: QEMU's multiboot loader
# refuses ELF64 images, and the 64-bit code goes through unchanged.
set -eu
out=$1
src=$(cd "$(dirname "$0")" && pwd)
cc=${CC_FREESTANDING:-gcc}
objcopy=${OBJCOPY:-objcopy}

"$cc" -m64 -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-pic -fno-pie -no-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns -mno-red-zone -mgeneral-regs-only \
	-nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-I "$src/../common" -T "$src/link.ld" -o "$out.64" \
	"$src/boot.S" "$src/svm_run.S" "$src/guest.S" "$src/hv.c"
"$objcopy" -O elf32-i386 "$out.64" "$out"
