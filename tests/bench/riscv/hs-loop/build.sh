#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# build.sh OUT.elf GUEST.bin: the HS-mode baseline with the guest image inside.
set -eu
here=$(dirname "$(readlink -f "$0")")
riscv64-linux-gnu-gcc -std=gnu11 -O2 -Wall -Wextra -march=rv64imac_zicsr_zifencei -mabi=lp64 \
	-mcmodel=medany -mno-relax -ffreestanding -fno-builtin -fno-pie -no-pie -nostdlib -static \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-DGUEST_BIN="\"$2\"" -Wl,--build-id=none -Wl,--no-relax -Wl,-T,"$here/link.ld" \
	-o "$1" "$here/entry.S" "$here/loop.c"
