#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Shared by ./check, ./quickstart and ./bench (source it):
#   acrn_build DIR     meson setup DIR (reconfigure if it exists) + compile
#   acrn_assets DIR    Linux guest assets: x86 into DIR/linux (acrn_linux_assets),
#                      the riscv64 kernel into DIR/linux-riscv64
#                      (acrn_rv_linux_assets); warns on failure
set -euo pipefail

acrn_build()
{
	local dir=$1 log
	log=$(mktemp)
	if [[ -f "$dir/meson-private/coredata.dat" ]]; then
		if ! meson setup --reconfigure "$dir" >"$log" 2>&1; then
			cat "$log" >&2
			rm -f "$log"
			echo "build: 'meson setup --reconfigure $dir' failed (see above;" \
				"if the build dir itself is broken: rm -rf $dir)" >&2
			return 1
		fi
	elif ! meson setup "$dir" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "build: 'meson setup $dir' failed (see above)" >&2
		return 1
	fi
	rm -f "$log"
	meson compile -C "$dir"
}

# The x86 Linux guest: Debian's kernel and the busybox initramfs.
acrn_linux_assets()
{
	local dir=$1
	if ! tests/linux/fetch-assets --out "$dir/linux"; then
		echo "warning: Linux guest assets unavailable; Linux guests cannot boot" \
			"(the Linux board tests will be skipped)" >&2
		return 1
	fi
}

# The riscv64 guest kernel: built once, then reused from the cache
# (~/.cache/acrn/linux-riscv64); the script prints how long it took.
acrn_rv_linux_assets()
{
	local dir=$1
	if ! tests/linux/riscv64/build-kernel --out "$dir/linux-riscv64"; then
		echo "warning: the riscv64 Linux guest kernel is unavailable" \
			"(the riscv-linux board tests will be skipped)" >&2
		return 1
	fi
}

acrn_assets()
{
	local dir=$1 status=0
	acrn_linux_assets "$dir" || status=1
	acrn_rv_linux_assets "$dir" || status=1
	return $status
}
