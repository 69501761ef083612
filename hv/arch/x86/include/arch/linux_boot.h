/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Direct boot of a Linux bzImage in a pre-launched VM with the 32-bit boot
 * protocol (Documentation/x86/boot.rst): no firmware, the hypervisor loads
 * the kernel, fills the zero page (boot_params) with an e820 map, the
 * command line, the initrd location and the RSDP address, and starts the BSP
 * in flat 32-bit protected mode.
 *
 * The protocol itself (header offsets, e820, the writes into low RAM) is
 * shared with acrn-dm: arch/linux_bootproto.h.
 *
 * Guest-physical layout (see also docs/x86-vm-platform.md):
 *
 *   0x00000 .. 0x00FFF  zeroed (IVT/BDA: Linux reads the EBDA pointer here)
 *   0x06000 .. 0x0601F  boot GDT: 0x10 flat code, 0x18 flat data
 *   0x07000 .. 0x07FFF  boot_params (zero page)
 *   0x08000 .. 0x0FFFF  kernel command line (NUL-terminated)
 *   0xE0000 .. 0xFFFFF  ACPI tables, RSDP at 0xE0000 (e820 reserved)
 *   pref_address        protected-mode kernel (16 MiB for distro kernels),
 *                       followed by its init_size working area
 *   top of RAM          initrd, page aligned, as high as allowed
 *
 * Everything the loader writes below 64 KiB sits in what Linux keeps
 * reserved anyway (X86_RESERVE_LOW), so it is never reused while still
 * needed even though e820 reports it usable.
 */
#ifndef ARCH_LINUX_BOOT_H
#define ARCH_LINUX_BOOT_H

#include <arch/acpi_build.h>
#include <arch/linux_bootproto.h>
#include <hv/types.h>

/* Oldest boot protocol accepted: 2.12 (xloadflags, 64-bit capability bit). */
#define LINUX_BOOT_MIN_PROTOCOL 0x020C

/* A boot module as the hypervisor sees it (host pointers). */
struct x86_guest_image {
	const uint8_t *data;
	size_t size;
};

/*
 * Initial BSP state. The vCPU starts in 32-bit protected mode, paging and
 * interrupts off, CS = cs_sel and DS/ES/SS = ds_sel with base 0 and limit
 * 4 GiB, GDTR = {gdt_base, gdt_limit} (a GDT in guest RAM holding exactly
 * those descriptors), EIP = rip, ESI = rsi, EBX = rbx and every other
 * general-purpose register 0 (Linux requires EBP = EDI = EBX = 0).
 */
struct x86_boot_entry {
	uint64_t rip;
	uint64_t rsi; /* boot_params GPA */
	uint64_t rbx;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs_sel;
	uint16_t ds_sel;
};

/**
 * The VM's memory map, sorted and non-overlapping: [0, 0x9F000) RAM, the
 * ACPI area reserved, [1 MiB, RAM end) RAM minus the MMIO hole below 4 GiB.
 * @return the number of entries written (at most @max), or -EINVAL if RAM is
 *         smaller than 1 MiB or -ENOSPC if @max is too small.
 */
int x86_e820_build(const struct x86_vm_layout *l, struct e820_entry *out, unsigned max);

/**
 * Load a bzImage into the VM and prepare its entry state.
 *
 * Validates the setup header (boot sector magic, "HdrS", protocol >= 2.12,
 * loaded-high, 64-bit capable, sizes within the image), copies the
 * protected-mode kernel to pref_address (which must hold the kernel's whole
 * init_size below the end of RAM), places the initrd (optional) as high as
 * initrd_addr_max and RAM allow, builds the ACPI tables (acpi_build_tables),
 * and fills boot_params with the setup header, type_of_loader 0xFF, the
 * command line, the initrd, the e820 map and acpi_rsdp_addr.
 *
 * @cmdline may be NULL (empty command line).
 * @return 0 or a negative errno:
 *   -EINVAL  bad arguments or VM layout
 *   -ENOEXEC not a usable bzImage (magic, protocol, not 64-bit, truncated,
 *            inconsistent header fields)
 *   -ENOMEM  kernel or initrd does not fit in the VM's RAM
 *   -E2BIG   command line longer than the kernel accepts
 *   -ENOSPC  ACPI tables do not fit
 * Everything is validated before the first write: on failure guest RAM is
 * untouched, except the ACPI area for -ENOSPC.
 */
int linux_boot_prepare(const struct x86_vm_layout *l, const struct x86_guest_image *kernel,
                       const struct x86_guest_image *initrd, const char *cmdline,
                       struct x86_boot_entry *entry);

#endif
