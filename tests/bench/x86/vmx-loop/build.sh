#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build the VMX baseline: build.sh OUTPUT.elf
# One place for the command line, used by meson.build and by
# tests/bench/vmx-exits when no meson build of it is at hand. The multiboot
# entry (boot.S), the guest (guest.S) and the link script are vmrun-loop's:
# the guest's VMMCALLs become VMCALLs (VMMCALL is #UD on Intel), and its two
# exit loops stay byte-for-byte those of tests/guests/x86/bench-exits.c.
set -eu
out=$1
src=$(cd "$(dirname "$0")" && pwd)
svm=$src/../vmrun-loop
cc=${CC_FREESTANDING:-gcc}
objcopy=${OBJCOPY:-objcopy}

"$cc" -m64 -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-pic -fno-pie -no-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns -mno-red-zone -mgeneral-regs-only \
	-nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-Dvmmcall=vmcall \
	-I "$src/../common" -T "$svm/link.ld" -o "$out.64" \
	"$svm/boot.S" "$src/vmx_run.S" "$svm/guest.S" "$src/hv.c"
"$objcopy" -O elf32-i386 "$out.64" "$out"
