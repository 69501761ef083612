/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Linux x86 boot protocol shared by the hypervisor's and acrn-dm's
 * bzImage loaders (arch/linux_bootproto.h): setup header validation, initrd
 * placement, the e820 table and the writes into guest RAM. Images may be
 * anything: every header field used is checked against the image size and
 * the loader's RAM before anything is written.
 */
#include <arch/linux_bootproto.h>
#include <hv/errno.h>
#include <hv/le.h>
#include <hv/lib.h>
#include <hv/types.h>

#define HIGH_RAM_START      0x100000ULL
#define DEFAULT_INITRD_MAX  0x37FFFFFFULL /* boot.rst: before protocol 2.03 */
#define SETUP_SECTS_DEFAULT 4
#define PROTO_2_03          0x0203
#define PROTO_2_10          0x020A /* init_size, pref_address, relocatable kernels */

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int fail(int err, char *why, size_t why_len, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail(int err, char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

static int parse_load(const uint8_t *d, const struct linux_bzimage_rules *r,
                      struct linux_bzimage *bz, char *why, size_t why_len)
{
	bool relocatable = bz->version >= PROTO_2_10 && d[HDR_RELOCATABLE];
	uint64_t align = le_get32(d + HDR_KERNEL_ALIGNMENT), pref;

	if (relocatable && (!is_pow2(align) || align < PAGE_SIZE))
		return fail(-ENOEXEC, why, why_len,
		            "kernel_alignment 0x%llx is not a power of two >= 4 KiB",
		            (unsigned long long)align);
	if (!relocatable && !r->load_at_pref) {
		bz->load = HIGH_RAM_START; /* a fixed kernel moves itself from there */
		return 0;
	}
	/* Where the decompressor runs anyway: loading there spares it a move. */
	pref = le_get64(d + HDR_PREF_ADDRESS);
	if (!relocatable)
		align = PAGE_SIZE;
	if (pref < HIGH_RAM_START || pref >= r->pref_limit || !IS_ALIGNED(pref, align))
		return fail(-ENOEXEC, why, why_len,
		            "pref_address 0x%llx is not at or above 1 MiB, below 0x%llx and "
		            "aligned to %s 0x%llx",
		            (unsigned long long)pref, (unsigned long long)r->pref_limit,
		            relocatable ? "kernel_alignment" : "a page", (unsigned long long)align);
	bz->load = pref;
	return 0;
}

int linux_bzimage_parse(const uint8_t *d, size_t size, const struct linux_bzimage_rules *r,
                        struct linux_bzimage *bz, char *why, size_t why_len)
{
	unsigned sects;
	uint64_t syssize;
	uint32_t initrd_max;
	int ret;

	memset(bz, 0, sizeof(*bz));
	if (!d || size < HDR_VERSION + 2)
		return fail(-ENOEXEC, why, why_len, "%zu bytes: too small for a bzImage", size);
	if (le_get16(d + HDR_BOOT_FLAG) != 0xAA55)
		return fail(-ENOEXEC, why, why_len,
		            "no boot sector signature 0xAA55 at 0x1FE: not a bzImage");
	if (memcmp(d + HDR_HEADER, "HdrS", 4) != 0)
		return fail(-ENOEXEC, why, why_len,
		            "no \"HdrS\" setup header at 0x202: not a bzImage");
	bz->version = le_get16(d + HDR_VERSION);
	if (bz->version < r->min_version)
		return fail(-ENOEXEC, why, why_len,
		            "boot protocol %u.%02u is too old, %u.%02u or later needed",
		            bz->version >> 8, bz->version & 0xFF, r->min_version >> 8,
		            r->min_version & 0xFF);

	/* The jump at 0x200 skips exactly the setup header. */
	bz->hdr_end = (size_t)HDR_JUMP + 2 + d[HDR_JUMP + 1];
	if (bz->hdr_end < HDR_END_206 || (bz->version >= PROTO_2_10 && bz->hdr_end < HDR_END_MIN))
		return fail(-ENOEXEC, why, why_len,
		            "setup header ends at 0x%zx, too short for protocol %u.%02u",
		            bz->hdr_end, bz->version >> 8, bz->version & 0xFF);
	sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
	bz->setup_size = ((size_t)sects + 1) * 512;
	if (bz->hdr_end > size || bz->setup_size < bz->hdr_end || bz->setup_size >= size)
		return fail(-ENOEXEC, why, why_len,
		            "truncated: %zu bytes, but setup_sects %u makes the setup code %zu",
		            size, sects, bz->setup_size);

	if (!(d[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH))
		return fail(-ENOEXEC, why, why_len,
		            "loadflags 0x%x: a zImage (not loaded high), unsupported",
		            d[HDR_LOADFLAGS]);
	if (r->need_64bit && !(le_get16(d + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return fail(-ENOEXEC, why, why_len,
		            "kernel is not 64-bit capable (xloadflags 0x%x)",
		            le_get16(d + HDR_XLOADFLAGS));

	/*
	 * syssize counts the protected-mode code in paragraphs; signed distro
	 * kernels carry a signature after it, which is not copied.
	 */
	syssize = (uint64_t)le_get32(d + HDR_SYSSIZE) * 16;
	if (syssize == 0)
		return fail(-ENOEXEC, why, why_len,
		            "syssize is 0: a header with syssize 0 has no protected-mode kernel");
	if (syssize > size - bz->setup_size)
		return fail(-ENOEXEC, why, why_len,
		            "truncated: %zu bytes of protected-mode kernel, syssize says %llu",
		            size - bz->setup_size, (unsigned long long)syssize);
	bz->pm_size = (size_t)syssize;

	ret = parse_load(d, r, bz, why, why_len);
	if (ret)
		return ret;

	/* Before 2.10 there is no init_size: assume the decompressor needs 4x the image. */
	bz->need =
	        bz->version >= PROTO_2_10 ? le_get32(d + HDR_INIT_SIZE) : 4 * (uint64_t)bz->pm_size;
	bz->need = ALIGN_UP(MAX(bz->need, (uint64_t)bz->pm_size), (uint64_t)PAGE_SIZE);
	if (bz->load + bz->need > r->ram_end)
		return fail(-ENOMEM, why, why_len,
		            "kernel needs RAM up to 0x%llx (0x%llx bytes at 0x%llx), low RAM ends "
		            "at 0x%llx",
		            (unsigned long long)(bz->load + bz->need), (unsigned long long)bz->need,
		            (unsigned long long)bz->load, (unsigned long long)r->ram_end);

	initrd_max = bz->version >= PROTO_2_03 ? le_get32(d + HDR_INITRD_ADDR_MAX) : 0;
	bz->initrd_max = initrd_max ? initrd_max : DEFAULT_INITRD_MAX;
	bz->cmdline_max = le_get32(d + HDR_CMDLINE_SIZE);
	return 0;
}

int linux_cmdline_check(const struct linux_bzimage *bz, const char *cmdline, size_t *len, char *why,
                        size_t why_len)
{
	size_t n = cmdline ? strnlen(cmdline, LINUX_BOOT_CMDLINE_MAX) : 0;

	*len = n;
	if (n >= LINUX_BOOT_CMDLINE_MAX || n > bz->cmdline_max)
		return fail(-E2BIG, why, why_len,
		            "command line of %s%zu bytes is too long: the kernel takes %u "
		            "(cmdline_size), the loader %llu",
		            n >= LINUX_BOOT_CMDLINE_MAX ? ">= " : "", n, bz->cmdline_max,
		            (unsigned long long)(LINUX_BOOT_CMDLINE_MAX - 1));
	return 0;
}

int linux_initrd_place(const struct linux_bzimage *bz, uint64_t ram_top, size_t size, uint64_t *gpa,
                       char *why, size_t why_len)
{
	uint64_t top = MIN(bz->initrd_max + 1, ram_top);
	uint64_t lowest = ALIGN_UP(bz->load + bz->need, (uint64_t)PAGE_SIZE);

	if (size == 0)
		return fail(-EINVAL, why, why_len, "initrd is empty");
	if (size > top || ALIGN_DOWN(top - size, (uint64_t)PAGE_SIZE) < lowest)
		return fail(-ENOMEM, why, why_len,
		            "initrd of %zu bytes does not fit between the kernel's end 0x%llx and "
		            "0x%llx (initrd_addr_max or low RAM)",
		            size, (unsigned long long)lowest, (unsigned long long)top);
	*gpa = ALIGN_DOWN(top - size, (uint64_t)PAGE_SIZE);
	return 0;
}

int linux_e820_build(const struct linux_e820_layout *l, struct e820_entry *out, unsigned max)
{
	struct e820_entry e[5];
	unsigned n = 0;

	e[n++] = (struct e820_entry){ 0, l->conv_end, E820_RAM };
	/* conv_end .. acpi_base is left out: a hole where PCs have EBDA/VGA/ROMs. */
	e[n++] = (struct e820_entry){ l->acpi_base, l->acpi_end - l->acpi_base, E820_RESERVED };
	if (l->low_end > HIGH_RAM_START)
		e[n++] = (struct e820_entry){ HIGH_RAM_START, l->low_end - HIGH_RAM_START,
			                      E820_RAM };
	if (l->mmcfg_size)
		e[n++] = (struct e820_entry){ l->mmcfg_base, l->mmcfg_size, E820_RESERVED };
	if (l->high_size)
		e[n++] = (struct e820_entry){ l->high_base, l->high_size, E820_RAM };
	if (!out || n > max)
		return -ENOSPC;
	memcpy(out, e, n * sizeof(e[0]));
	return (int)n;
}

static void write_zero_page(uint8_t *bp, const uint8_t *image, const struct linux_bzimage *bz,
                            const struct linux_boot_data *b)
{
	memcpy(bp + BP_HDR, image + BP_HDR, MIN(bz->hdr_end, (size_t)HDR_END_MAX) - BP_HDR);
	bp[HDR_TYPE_OF_LOADER] = 0xFF; /* undefined loader id */
	bp[HDR_EXT_LOADER_VER] = 0;
	bp[HDR_EXT_LOADER_TYPE] = 0;
	/* No real-mode setup runs: no heap; let the kernel load its segments. */
	bp[HDR_LOADFLAGS] &= (uint8_t) ~(LOADFLAGS_CAN_USE_HEAP | LOADFLAGS_KEEP_SEGMENTS);
	le_put16(bp + HDR_HEAP_END_PTR, 0);
	le_put32(bp + HDR_CODE32_START, (uint32_t)bz->load);
	le_put32(bp + HDR_CMD_LINE_PTR, (uint32_t)LINUX_BOOT_CMDLINE_GPA);
	le_put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)b->initrd_gpa);
	le_put32(bp + HDR_RAMDISK_SIZE, b->initrd ? (uint32_t)b->initrd_size : 0);
	if (bz->hdr_end >= HDR_SETUP_DATA + 8) {
		/* A plain PC; never trust what the image file carried here. */
		le_put32(bp + HDR_HW_SUBARCH, 0);
		le_put64(bp + HDR_HW_SUBARCH_DATA, 0);
		le_put64(bp + HDR_SETUP_DATA, 0);
	}
	le_put32(bp + BP_EXT_RAMDISK_IMAGE, 0);
	le_put32(bp + BP_EXT_RAMDISK_SIZE, 0);
	le_put32(bp + BP_EXT_CMD_LINE_PTR, 0);
	le_put64(bp + BP_ACPI_RSDP_ADDR, b->rsdp_gpa);
	le_put32(bp + BP_ALT_MEM_K, b->alt_mem_k);
	bp[BP_E820_ENTRIES] = (uint8_t)b->e820_n;
	for (unsigned i = 0; i < b->e820_n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + (size_t)i * BP_E820_ENTRY_SIZE;

		le_put64(e, b->e820[i].addr);
		le_put64(e + 8, b->e820[i].size);
		le_put32(e + 16, b->e820[i].type);
	}
}

void linux_boot_write(uint8_t *ram, const uint8_t *image, const struct linux_bzimage *bz,
                      const struct linux_boot_data *b)
{
	uint8_t *gdt = ram + LINUX_BOOT_GDT_GPA;

	/* Zero IVT/BDA so Linux finds no EBDA pointer or base memory size. */
	memset(ram, 0, PAGE_SIZE);
	memset(gdt, 0, LINUX_BOOT_CMDLINE_GPA + LINUX_BOOT_CMDLINE_MAX - LINUX_BOOT_GDT_GPA);
	le_put64(gdt + LINUX_BOOT_CS, GDT_CODE32_FLAT);
	le_put64(gdt + LINUX_BOOT_DS, GDT_DATA32_FLAT);

	write_zero_page(ram + LINUX_BOOT_PARAMS_GPA, image, bz, b);

	memcpy(ram + LINUX_BOOT_CMDLINE_GPA, b->cmdline ? b->cmdline : "", b->cmdline_len);
	ram[LINUX_BOOT_CMDLINE_GPA + b->cmdline_len] = 0;
	memcpy(ram + bz->load, image + bz->setup_size, bz->pm_size);
	if (b->initrd)
		memcpy(ram + b->initrd_gpa, b->initrd, b->initrd_size);
}
