/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Linux x86 32-bit boot protocol (Documentation/arch/x86/boot.rst) as
 * both bzImage loaders use it: the hypervisor's for pre-launched VMs
 * (guest/linux_boot.c) and acrn-dm's for post-launched ones
 * (dm/core/loader_bzimage.c, which compiles guest/linux_bootproto.c hosted).
 * Freestanding: what differs between the two (where the images come from,
 * the RAM layout, the entry registers) stays with each caller.
 *
 * Low RAM both loaders use (Linux keeps all of it reserved while booting):
 *   0x0000 zeroed (no BDA/EBDA pointer), 0x6000 GDT, 0x7000 zero page,
 *   0x8000 command line.
 */
#ifndef ARCH_LINUX_BOOTPROTO_H
#define ARCH_LINUX_BOOTPROTO_H

#include <hv/types.h>

#define LINUX_BOOT_GDT_GPA     0x6000ULL
#define LINUX_BOOT_PARAMS_GPA  0x7000ULL
#define LINUX_BOOT_CMDLINE_GPA 0x8000ULL
#define LINUX_BOOT_CMDLINE_MAX 0x8000ULL /* bytes incl. the NUL */
#define LINUX_BOOT_CS          0x10
#define LINUX_BOOT_DS          0x18
#define LINUX_BOOT_GDT_LIMIT   (4 * 8 - 1) /* null, unused, CS, DS */

/* Flat 4 GiB descriptors, accessed bit preset so the CPU never writes them. */
#define GDT_CODE32_FLAT 0x00CF9B000000FFFFULL
#define GDT_DATA32_FLAT 0x00CF93000000FFFFULL

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
#define BP_E820_ENTRY_SIZE      20
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
#define HDR_END_206             0x23C /* a protocol 2.06 header ends here at least */
#define HDR_END_MIN             0x264 /* protocol 2.10+ (init_size) header ends here at least */
#define HDR_END_MAX             0x290 /* where boot_params' next field starts */

#define LOADFLAGS_LOADED_HIGH   BIT(0)
#define LOADFLAGS_KEEP_SEGMENTS BIT(6)
#define LOADFLAGS_CAN_USE_HEAP  BIT(7)
#define XLF_KERNEL_64           BIT(0)

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

/* What a loader requires of a kernel beyond the protocol itself. */
struct linux_bzimage_rules {
	uint16_t min_version; /* oldest boot protocol accepted, at least 0x0206 */
	bool need_64bit;      /* xloadflags must say 64-bit capable */
	/*
	 * Load at pref_address even if the kernel is not relocatable (it never
	 * decompresses lower anyway); otherwise a fixed kernel goes at 1 MiB and
	 * moves itself.
	 */
	bool load_at_pref;
	uint64_t pref_limit; /* pref_address must lie below */
	uint64_t ram_end;    /* the kernel's working area must end at or below */
};

/* What a loader needs from a validated setup header. */
struct linux_bzimage {
	uint16_t version;
	size_t hdr_end;    /* image offset where the setup header ends */
	size_t setup_size; /* real-mode part, skipped */
	size_t pm_size;    /* protected-mode part, copied */
	uint64_t load;     /* GPA of the protected-mode kernel and 32-bit entry */
	uint64_t need;     /* bytes the kernel uses from @load before it reads e820 */
	uint64_t initrd_max;
	uint32_t cmdline_max; /* without the NUL */
};

/*
 * Each check below fills @why (at most @why_len bytes, may be 0) with a
 * message naming the field at fault; messages about the initrd start with
 * "initrd".
 */

/**
 * Validate a bzImage's setup header against the protocol and @r.
 * @return 0, -ENOEXEC (not a usable bzImage) or -ENOMEM (does not fit below
 *         @r->ram_end).
 */
int linux_bzimage_parse(const uint8_t *image, size_t size, const struct linux_bzimage_rules *r,
                        struct linux_bzimage *bz, char *why, size_t why_len);

/** The command line's length, or -E2BIG if the kernel or the loader's area cannot take it. */
int linux_cmdline_check(const struct linux_bzimage *bz, const char *cmdline, size_t *len, char *why,
                        size_t why_len);

/**
 * Where an initrd of @size bytes goes: page aligned, as high as the kernel's
 * initrd_addr_max and @ram_top allow, above the kernel's working area.
 * @return 0, -EINVAL (empty) or -ENOMEM (does not fit).
 */
int linux_initrd_place(const struct linux_bzimage *bz, uint64_t ram_top, size_t size, uint64_t *gpa,
                       char *why, size_t why_len);

/* A VM's memory map as the e820 table describes it; a size of 0 leaves an entry out. */
struct linux_e820_layout {
	uint64_t conv_end;  /* conventional RAM [0, conv_end) */
	uint64_t acpi_base; /* ACPI tables, reserved */
	uint64_t acpi_end;
	uint64_t low_end;    /* RAM [1 MiB, low_end) if above 1 MiB */
	uint64_t mmcfg_base; /* PCI ECAM, reserved (Linux trusts only a reserved one) */
	uint64_t mmcfg_size;
	uint64_t high_base; /* RAM above the 4 GiB hole */
	uint64_t high_size;
};

/** The e820 table for @l, sorted; the number of entries or -ENOSPC past @max. */
int linux_e820_build(const struct linux_e820_layout *l, struct e820_entry *out, unsigned max);

/* What goes into low RAM and the zero page besides the kernel. */
struct linux_boot_data {
	const char *cmdline; /* cmdline_len bytes, checked by linux_cmdline_check */
	size_t cmdline_len;
	const uint8_t *initrd; /* NULL: none */
	size_t initrd_size;
	uint64_t initrd_gpa;
	uint64_t rsdp_gpa;
	uint32_t alt_mem_k;
	const struct e820_entry *e820;
	unsigned e820_n; /* at most E820_MAX_ZEROPAGE */
};

/**
 * Write everything validated above into guest RAM @ram (contiguous from GPA
 * 0 up to the end of the initrd): the zeroed first page, the GDT, the zero
 * page (setup header copied from @image, then the loader's fields), the
 * command line, the protected-mode kernel at bz->load and the initrd.
 */
void linux_boot_write(uint8_t *ram, const uint8_t *image, const struct linux_bzimage *bz,
                      const struct linux_boot_data *b);

#endif
