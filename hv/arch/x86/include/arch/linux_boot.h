/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Direct boot of a Linux bzImage in a pre-launched VM with the 32-bit boot
 * protocol (Documentation/x86/boot.rst): no firmware, the hypervisor loads
 * the kernel, fills the zero page (boot_params) with an e820 map, the
 * command line, the initrd location and the RSDP address, and starts the BSP
 * in flat 32-bit protected mode.
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
#include <hv/types.h>

#define LINUX_BOOT_GDT_GPA     0x6000ULL
#define LINUX_BOOT_PARAMS_GPA  0x7000ULL
#define LINUX_BOOT_CMDLINE_GPA 0x8000ULL
#define LINUX_BOOT_CMDLINE_MAX 0x8000ULL /* bytes incl. the NUL */
#define LINUX_BOOT_CS          0x10
#define LINUX_BOOT_DS          0x18

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

/* e820 */
#define E820_RAM          1
#define E820_RESERVED     2
#define E820_ACPI         3
#define E820_MAX_ZEROPAGE 128

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __packed;

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

/* Offsets in boot_params (the zero page) and its setup header. */
#define BP_ACPI_RSDP_ADDR       0x070
#define BP_EXT_RAMDISK_IMAGE    0x0C0
#define BP_EXT_RAMDISK_SIZE     0x0C4
#define BP_EXT_CMD_LINE_PTR     0x0C8
#define BP_ALT_MEM_K            0x1E0
#define BP_E820_ENTRIES         0x1E8
#define BP_SENTINEL             0x1EF
#define BP_HDR                  0x1F1 /* setup header, same offset as in the image */
#define BP_E820_TABLE           0x2D0
#define BP_SIZE                 0x1000

#define HDR_SETUP_SECTS         0x1F1
#define HDR_SYSSIZE             0x1F4
#define HDR_VID_MODE            0x1FA
#define HDR_BOOT_FLAG           0x1FE
#define HDR_JUMP                0x200
#define HDR_HEADER              0x202
#define HDR_VERSION             0x206
#define HDR_TYPE_OF_LOADER      0x210
#define HDR_LOADFLAGS           0x211
#define HDR_CODE32_START        0x214
#define HDR_RAMDISK_IMAGE       0x218
#define HDR_RAMDISK_SIZE        0x21C
#define HDR_HEAP_END_PTR        0x224
#define HDR_EXT_LOADER_VER      0x226
#define HDR_EXT_LOADER_TYPE     0x227
#define HDR_CMD_LINE_PTR        0x228
#define HDR_INITRD_ADDR_MAX     0x22C
#define HDR_KERNEL_ALIGNMENT    0x230
#define HDR_RELOCATABLE         0x234
#define HDR_MIN_ALIGNMENT       0x235
#define HDR_XLOADFLAGS          0x236
#define HDR_CMDLINE_SIZE        0x238
#define HDR_HW_SUBARCH          0x23C
#define HDR_HW_SUBARCH_DATA     0x240
#define HDR_SETUP_DATA          0x250
#define HDR_PREF_ADDRESS        0x258
#define HDR_INIT_SIZE           0x260
#define HDR_END_MIN             0x264 /* protocol 2.12 header ends here at least */
#define HDR_END_MAX             0x290 /* where boot_params' next field starts */

#define LOADFLAGS_LOADED_HIGH   BIT(0)
#define LOADFLAGS_KEEP_SEGMENTS BIT(6)
#define LOADFLAGS_CAN_USE_HEAP  BIT(7)
#define XLF_KERNEL_64           BIT(0)

#endif
