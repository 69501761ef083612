#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The Debian packages this project needs, in one list, and an installer that
# adds only the missing ones. Quiet when everything is present.
#
#   scripts/deps.sh            install what is missing (root, or sudo)
#   scripts/deps.sh --check    exit 1 and name what is missing; install nothing
#   scripts/deps.sh --list     print the package list, one per line
#
# Other scripts may also `source` this file and call acrn_deps_install.
set -euo pipefail

ACRN_DEPS=(
	build-essential # gcc, binutils, make
	meson
	ninja-build
	pkg-config
	libglib2.0-dev # host tools, acrn-dm, unit tests
	libjson-glib-dev # acrn-dm's monitor protocol
	liburing-dev     # acrn-dm's block I/O
	qemu-utils       # qemu-img/qemu-io: the QCOW2 engine is tested against them
	zlib1g-dev       # compressed QCOW2 clusters
	python3-libqcow  # libqcow, an independent QCOW2 reader in the block tests
	e2fsprogs        # mkfs.ext4 for guest disk images
	clang            # libFuzzer targets
	libclang-rt-14-dev
	clang-format   # tests/style
	git            # tests/style lists tracked files
	qemu-system-x86 # the emulated x86 board
	busybox-static  # Linux guest initramfs
	cpio
	gzip
	xz-utils
	acpica-tools # iasl, for the guests' ACPI tables
	python3      # tools and test runners
	dpkg-dev     # dpkg-deb, to unpack Debian's kernel package
	bochs        # the emulated Intel VMX board (acrn-board --cpu vmx)
	bochsbios
	vgabios
	grub-pc-bin # its boot ISO: grub-mkrescue with xorriso and mtools
	grub-common
	xorriso
	mtools
	gcc-riscv64-linux-gnu      # the riscv64 hypervisor image and its test guests
	binutils-riscv64-linux-gnu
	qemu-system-misc # the emulated riscv64 board (qemu-system-riscv64, virt)
	opensbi          # SBI firmware; QEMU's "-bios default" is the same OpenSBI
	# The riscv64 Linux guest kernel (tests/linux/riscv64/build-kernel):
	# Debian's 6.1 source and the tools its build runs
	linux-source-6.1
	flex
	bison
	bc
	# libvirt's stock clients against acrnd, and a private libvirtd as their reference
	# (tests/libvirt-clients, ./bench virsh-list)
	# (virsh itself is libvirt-clients, which main lists with acrnd's test tools)
	libvirt-daemon             # libvirtd (session mode, private directories)
	libvirt-daemon-driver-qemu # its QEMU driver: the reference domains
	python3-libvirt            # libvirt-python
	virt-manager               # under Xvfb, driven with xdotool
	xvfb
	xdotool
	python3-pyatspi # finds virt-manager's widgets (AT-SPI) for xdotool to click
	at-spi2-core    # the AT-SPI bus and registry
	libglib2.0-bin  # gdbus: the tests wait for the AT-SPI bus with it
	hyperfine # times the virsh runs
	libsystemd-dev   # acrnd and acrnctl: sd-bus
	libseccomp-dev   # tests/tools/unit-sandbox: acrnd.service's seccomp sandbox in e2e-acrnd
	libxml2-dev      # acrnd: libvirt domain XML
	dbus-daemon      # acrnd's tests: a private bus
	systemd          # busctl, for acrnd's tests
	dbus             # the system bus (dbus.service) the systemd-units test's VM boots
	libvirt-clients  # stock virsh, driving acrnd's libvirt protocol in tests
)

# Print the packages from ACRN_DEPS that are not installed.
acrn_deps_missing()
{
	local pkg status
	for pkg in "${ACRN_DEPS[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
		if [[ "$status" != "installed" ]]; then
			echo "$pkg"
		fi
	done
}

acrn_deps_install()
{
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: dpkg-query not found: this project's scripts expect Debian 12" >&2
		return 1
	fi
	local missing
	mapfile -t missing < <(acrn_deps_missing)
	if [[ ${#missing[@]} -eq 0 ]]; then
		return 0
	fi
	echo "deps: installing missing packages: ${missing[*]}" >&2
	local -a sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo)
		else
			echo "deps: not root and no sudo; as root run:" >&2
			echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
			return 1
		fi
	fi
	local -a apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y
		-o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
	local log
	log=$(mktemp)
	if ! "${apt[@]}" update >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "deps: apt-get update failed" >&2
		return 1
	fi
	if ! "${apt[@]}" install --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "deps: apt-get install failed for: ${missing[*]}" >&2
		return 1
	fi
	rm -f "$log"
	mapfile -t missing < <(acrn_deps_missing)
	if [[ ${#missing[@]} -ne 0 ]]; then
		echo "deps: still missing after install: ${missing[*]}" >&2
		return 1
	fi
	echo "deps: done" >&2
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	case "${1:-}" in
	"") acrn_deps_install ;;
	--check)
		mapfile -t missing < <(acrn_deps_missing)
		if [[ ${#missing[@]} -ne 0 ]]; then
			echo "deps: missing: ${missing[*]}" >&2
			exit 1
		fi
		;;
	--list) printf '%s\n' "${ACRN_DEPS[@]}" ;;
	-h | --help) sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' ;;
	*)
		echo "deps: unknown argument: $1 (try --help)" >&2
		exit 2
		;;
	esac
fi
