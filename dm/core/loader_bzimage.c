/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Direct Linux boot (Documentation/arch/x86/boot.rst, 32-bit protocol): the
 * protected-mode kernel, initrd and command line go straight into guest RAM,
 * a zero page describes them with the e820 map, and the BSP starts in flat
 * 32-bit protected mode with a GDT built here. Images come from the user
 * and may be anything: every header field is checked before RAM is touched.
 *
 * Low RAM the loader uses (Linux keeps all of it reserved while booting):
 *   0x0000 zeroed (no BDA/EBDA pointer), 0x6000 GDT, 0x7000 zero page,
 *   0x8000 command line; the kernel at pref_address or 1 MiB, the initrd
 *   page-aligned as high as initrd_addr_max and low RAM allow.
 */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include <acrn/vm.h>
#include <dm/log.h>
#include <dm/platform.h>
#include <dm/vm.h>

#include "core.h"

#define PAGE_SZ       0x1000ULL
#define MIB           0x100000ULL
#define LOW_RAM_TOP   0xA0000ULL /* conventional memory ends at the VGA hole */
#define ECAM_SIZE     0x10000000ULL
#define MIN_PROTOCOL  0x0206        /* cmdline_size exists from 2.06 */
#define INITRD_MAX_V1 0x37FFFFFFULL /* initrd_addr_max before protocol 2.03 */
#define E820_MAX      128

/* boot.rst: the setup header and the zero page fields the loader writes. */
#define HDR_SETUP_SECTS     0x1F1
#define HDR_SYSSIZE         0x1F4
#define HDR_BOOT_FLAG       0x1FE
#define HDR_JUMP            0x200
#define HDR_HEADER          0x202
#define HDR_VERSION         0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS       0x211
#define HDR_CODE32_START    0x214
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21C
#define HDR_HEAP_END_PTR    0x224
#define HDR_EXT_LOADER_VER  0x226
#define HDR_EXT_LOADER_TYPE 0x227
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22C
#define HDR_KERNEL_ALIGN    0x230
#define HDR_RELOCATABLE     0x234
#define HDR_CMDLINE_SIZE    0x238
#define HDR_HW_SUBARCH      0x23C
#define HDR_HW_SUBARCH_DATA 0x240
#define HDR_SETUP_DATA      0x250
#define HDR_PREF_ADDRESS    0x258
#define HDR_INIT_SIZE       0x260
#define HDR_END_206         0x23C /* where a 2.06 header ends at least */
#define HDR_END_MAX         0x290 /* the zero page's next field */
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_EXT_RAMDISK_IMG  0x0C0
#define BP_EXT_RAMDISK_SIZE 0x0C4
#define BP_EXT_CMD_LINE_PTR 0x0C8
#define BP_ALT_MEM_K        0x1E0
#define BP_E820_ENTRIES     0x1E8
#define BP_E820_TABLE       0x2D0
#define BP_SIZE             0x1000
#define LOADED_HIGH         0x01
#define KEEP_SEGMENTS       0x40
#define CAN_USE_HEAP        0x80

/* Flat 4 GiB descriptors with the accessed bit set, so the CPU never writes the GDT. */
#define GDT_CODE32 0x00CF9B000000FFFFULL
#define GDT_DATA32 0x00CF93000000FFFFULL
#define GDT_LIMIT  (4 * 8 - 1)

/* VMX access rights of the flat code segment (G, D, P, S, execute/read, accessed). */
#define CS_AR_CODE32 0xC09B

struct bzimage {
	uint16_t version;
	size_t hdr_end, setup_size, pm_size;
	uint64_t load, need, initrd_max;
	uint32_t cmdline_max;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v)); /* x86 host and guest: both little-endian */
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int bad(GError **error, int err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static int bad(GError **error, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, G_IO_ERROR,
	                    err == -ENOMEM ? G_IO_ERROR_NO_SPACE : G_IO_ERROR_INVALID_DATA, msg);
	g_free(msg);
	return err;
}

static int bzimage_parse(const uint8_t *d, size_t size, uint64_t lowmem, struct bzimage *bz,
                         GError **error)
{
	unsigned sects;
	uint64_t syssize, pref, align;
	uint8_t relocatable;

	memset(bz, 0, sizeof(*bz));
	if (size < HDR_END_206)
		return bad(error, -ENOEXEC, "%zu bytes: too small for a bzImage", size);
	if (get16(d + HDR_BOOT_FLAG) != 0xAA55)
		return bad(error, -ENOEXEC,
		           "no boot sector signature 0xAA55 at 0x1FE: not a bzImage");
	if (memcmp(d + HDR_HEADER, "HdrS", 4) != 0)
		return bad(error, -ENOEXEC, "no \"HdrS\" setup header at 0x202: not a bzImage");
	bz->version = get16(d + HDR_VERSION);
	if (bz->version < MIN_PROTOCOL)
		return bad(error, -ENOEXEC,
		           "boot protocol %u.%02u is too old, 2.06 or later needed",
		           bz->version >> 8, bz->version & 0xFF);
	/* The jump at 0x200 skips exactly the setup header. */
	bz->hdr_end = HDR_JUMP + 2 + (size_t)d[HDR_JUMP + 1];
	if (bz->hdr_end < HDR_END_206)
		return bad(error, -ENOEXEC,
		           "setup header ends at 0x%zx, before 0x%x (protocol 2.06)", bz->hdr_end,
		           HDR_END_206);
	if (bz->version >= 0x020A && bz->hdr_end < HDR_INIT_SIZE + 4)
		return bad(error, -ENOEXEC,
		           "setup header ends at 0x%zx, too short for protocol %u.%02u's init_size",
		           bz->hdr_end, bz->version >> 8, bz->version & 0xFF);
	sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : 4;
	bz->setup_size = ((size_t)sects + 1) * 512;
	if (bz->hdr_end > size || bz->setup_size < bz->hdr_end || bz->setup_size >= size)
		return bad(error, -ENOEXEC,
		           "truncated: %zu bytes, but setup_sects %u makes the setup code %zu",
		           size, sects, bz->setup_size);
	if (!(d[HDR_LOADFLAGS] & LOADED_HIGH))
		return bad(error, -ENOEXEC,
		           "loadflags 0x%x: a zImage (not loaded high), unsupported",
		           d[HDR_LOADFLAGS]);
	syssize = (uint64_t)get32(d + HDR_SYSSIZE) * 16;
	if (syssize == 0)
		return bad(error, -ENOEXEC, "syssize is 0: no protected-mode kernel");
	/* Signed kernels carry a signature after syssize; it is not copied. */
	if (syssize > size - bz->setup_size)
		return bad(error, -ENOEXEC,
		           "truncated: %zu bytes of protected-mode kernel, syssize says %llu",
		           size - bz->setup_size, (unsigned long long)syssize);
	bz->pm_size = (size_t)syssize;

	relocatable = d[HDR_RELOCATABLE];
	align = get32(d + HDR_KERNEL_ALIGN);
	if (bz->version >= 0x020A && relocatable) {
		/* Where the decompressor runs anyway: loading there spares it a move. */
		pref = get64(d + HDR_PREF_ADDRESS);
		if (align < PAGE_SZ || (align & (align - 1)))
			return bad(error, -ENOEXEC,
			           "kernel_alignment 0x%llx is not a power of two >= 4 KiB",
			           (unsigned long long)align);
		if (pref < MIB || pref >= DM_LOWMEM_LIMIT || (pref & (align - 1)))
			return bad(error, -ENOEXEC,
			           "pref_address 0x%llx is not at or above 1 MiB, below 2 GiB and "
			           "aligned to kernel_alignment 0x%llx",
			           (unsigned long long)pref, (unsigned long long)align);
		bz->load = pref;
	} else {
		bz->load = MIB; /* a fixed kernel moves itself from there */
	}

	/* Before 2.10 there is no init_size: assume the decompressor needs 4x the image. */
	bz->need = bz->version >= 0x020A ? get32(d + HDR_INIT_SIZE) : 4 * (uint64_t)bz->pm_size;
	bz->need = align_up(MAX(bz->need, (uint64_t)bz->pm_size), PAGE_SZ);
	if (bz->load + bz->need > lowmem)
		return bad(error, -ENOMEM,
		           "needs guest RAM up to 0x%llx (0x%llx bytes at 0x%llx), low RAM ends at "
		           "0x%llx: give the VM more memory (-m)",
		           (unsigned long long)(bz->load + bz->need), (unsigned long long)bz->need,
		           (unsigned long long)bz->load, (unsigned long long)lowmem);
	bz->initrd_max = bz->version >= 0x0203 && get32(d + HDR_INITRD_ADDR_MAX)
	                         ? get32(d + HDR_INITRD_ADDR_MAX)
	                         : INITRD_MAX_V1;
	bz->cmdline_max = get32(d + HDR_CMDLINE_SIZE);
	return 0;
}

int dm_e820_build(const struct dm_vm *vm, struct dm_e820 *out, unsigned max)
{
	struct dm_e820 e[5];
	unsigned n = 0;

	e[n++] = (struct dm_e820){ 0, MIN(vm->lowmem, LOW_RAM_TOP), DM_E820_RAM };
	e[n++] = (struct dm_e820){ DM_ACPI_BASE, DM_ACPI_END - DM_ACPI_BASE, DM_E820_RESERVED };
	if (vm->lowmem > MIB)
		e[n++] = (struct dm_e820){ MIB, vm->lowmem - MIB, DM_E820_RAM };
	/* Linux trusts MMCONFIG only where the firmware reserved it. */
	e[n++] = (struct dm_e820){ DM_PCI_ECAM, ECAM_SIZE, DM_E820_RESERVED };
	if (vm->highmem)
		e[n++] = (struct dm_e820){ DM_HIGHMEM_BASE, vm->highmem, DM_E820_RAM };
	if (n > max)
		return -ENOSPC;
	memcpy(out, e, n * sizeof(e[0]));
	return (int)n;
}

static void fill_regs(struct acrn_vcpu_regs *regs, uint64_t entry)
{
	struct acrn_regs *r = &regs->vcpu_regs;

	memset(regs, 0, sizeof(*regs));
	regs->vcpu_id = 0;
	r->gdt.base = DM_BOOT_GDT_GPA;
	r->gdt.limit = GDT_LIMIT;
	r->cr0 = 0x31; /* PE | ET | NE */
	r->rflags = 0x2;
	r->rip = entry;
	r->cs_sel = DM_BOOT_CS;
	r->cs_ar = CS_AR_CODE32;
	r->cs_limit = 0xFFFFFFFF;
	r->ds_sel = DM_BOOT_DS;
	r->es_sel = DM_BOOT_DS;
	r->ss_sel = DM_BOOT_DS;
	r->gprs.rsi = DM_BOOT_PARAMS_GPA;
}

int dm_bzimage_load_mem(struct dm_vm *vm, const uint8_t *kernel, size_t ksize,
                        const uint8_t *initrd, size_t isize, const char *cmdline, uint64_t rsdp_gpa,
                        struct acrn_vcpu_regs *regs, GError **error)
{
	struct dm_e820 e820[E820_MAX];
	struct bzimage bz;
	uint64_t initrd_gpa = 0;
	size_t clen = cmdline ? strlen(cmdline) : 0;
	uint8_t *ram = vm->ram_low, *bp, *gdt;
	int n, ret;

	if (!ram || vm->lowmem < 2 * MIB)
		return bad(error, -EINVAL, "guest low RAM missing or below 2 MiB");
	ret = bzimage_parse(kernel, ksize, vm->lowmem, &bz, error);
	if (ret)
		return ret;
	if (clen >= DM_BOOT_CMDLINE_MAX || clen > bz.cmdline_max)
		return bad(
		        error, -E2BIG,
		        "command line of %zu bytes is too long: the kernel takes %u (cmdline_size)",
		        clen, MIN(bz.cmdline_max, (uint32_t)DM_BOOT_CMDLINE_MAX - 1));
	if (initrd) {
		uint64_t top = MIN(bz.initrd_max + 1, vm->lowmem);
		uint64_t lowest = bz.load + bz.need;

		if (isize == 0)
			return bad(error, -EINVAL, "the initrd is empty");
		if (isize > top || ((top - isize) & ~(PAGE_SZ - 1)) < lowest)
			return bad(error, -ENOMEM,
			           "initrd of %zu bytes does not fit between the kernel's end "
			           "0x%llx and "
			           "0x%llx (initrd_addr_max or low RAM)",
			           isize, (unsigned long long)lowest, (unsigned long long)top);
		initrd_gpa = (top - isize) & ~(PAGE_SZ - 1);
	}
	n = dm_e820_build(vm, e820, E820_MAX);
	if (n < 0)
		return bad(error, n, "e820 map does not fit the zero page");

	/* Everything is checked; from here on only writes inside low RAM. */
	memset(ram, 0, PAGE_SZ);
	memset(ram + DM_BOOT_GDT_GPA, 0,
	       DM_BOOT_CMDLINE_GPA + DM_BOOT_CMDLINE_MAX - DM_BOOT_GDT_GPA);
	gdt = ram + DM_BOOT_GDT_GPA;
	put64(gdt + DM_BOOT_CS, GDT_CODE32);
	put64(gdt + DM_BOOT_DS, GDT_DATA32);

	bp = ram + DM_BOOT_PARAMS_GPA;
	memcpy(bp + HDR_SETUP_SECTS, kernel + HDR_SETUP_SECTS,
	       MIN(bz.hdr_end, (size_t)HDR_END_MAX) - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = 0xFF; /* no registered loader id */
	bp[HDR_EXT_LOADER_VER] = 0;
	bp[HDR_EXT_LOADER_TYPE] = 0;
	/* No real-mode setup code runs: no heap, and the kernel loads its own segments. */
	bp[HDR_LOADFLAGS] &= (uint8_t) ~(CAN_USE_HEAP | KEEP_SEGMENTS);
	put16(bp + HDR_HEAP_END_PTR, 0);
	put32(bp + HDR_CODE32_START, (uint32_t)bz.load);
	put32(bp + HDR_CMD_LINE_PTR, (uint32_t)DM_BOOT_CMDLINE_GPA);
	put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
	put32(bp + HDR_RAMDISK_SIZE, (uint32_t)(initrd ? isize : 0));
	if (bz.hdr_end >= HDR_SETUP_DATA + 8) {
		/* A plain PC, whatever the image file carried. */
		put32(bp + HDR_HW_SUBARCH, 0);
		put64(bp + HDR_HW_SUBARCH_DATA, 0);
		put64(bp + HDR_SETUP_DATA, 0);
	}
	put32(bp + BP_EXT_RAMDISK_IMG, 0);
	put32(bp + BP_EXT_RAMDISK_SIZE, 0);
	put32(bp + BP_EXT_CMD_LINE_PTR, 0);
	put64(bp + BP_ACPI_RSDP_ADDR, rsdp_gpa);
	put32(bp + BP_ALT_MEM_K, (uint32_t)((vm->lowmem - MIB) >> 10));
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + (size_t)i * 20;

		put64(e, e820[i].addr);
		put64(e + 8, e820[i].size);
		put32(e + 16, e820[i].type);
	}

	memcpy(ram + DM_BOOT_CMDLINE_GPA, cmdline ? cmdline : "", clen);
	ram[DM_BOOT_CMDLINE_GPA + clen] = 0;
	memcpy(ram + bz.load, kernel + bz.setup_size, bz.pm_size);
	if (initrd)
		memcpy(ram + initrd_gpa, initrd, isize);

	fill_regs(regs, bz.load);
	dm_info("Linux boot protocol %u.%02u: kernel 0x%zx bytes at 0x%llx, initrd 0x%zx bytes at "
	        "0x%llx",
	        bz.version >> 8, bz.version & 0xFF, bz.pm_size, (unsigned long long)bz.load,
	        initrd ? isize : 0, (unsigned long long)initrd_gpa);
	return 0;
}

int dm_bzimage_load(struct dm_vm *vm, const struct dm_boot_cfg *cfg, struct acrn_vcpu_regs *regs,
                    GError **error)
{
	gchar *k = NULL, *i = NULL;
	gsize klen = 0, ilen = 0;
	int ret;

	if (!g_file_get_contents(cfg->kernel, &k, &klen, error)) {
		g_prefix_error(error, "kernel (-k): ");
		return -ENOENT;
	}
	if (cfg->initrd && !g_file_get_contents(cfg->initrd, &i, &ilen, error)) {
		g_prefix_error(error, "initrd (-r): ");
		g_free(k);
		return -ENOENT;
	}
	ret = dm_bzimage_load_mem(vm, (const uint8_t *)k, klen, (const uint8_t *)i, ilen,
	                          cfg->cmdline, cfg->rsdp_gpa, regs, error);
	if (ret && error && *error) {
		/* Name the file the message is about. */
		if (g_str_has_prefix((*error)->message, "initrd") ||
		    g_str_has_prefix((*error)->message, "the initrd"))
			g_prefix_error(error, "initrd %s: ", cfg->initrd);
		else
			g_prefix_error(error, "kernel %s: ", cfg->kernel);
	}
	g_free(k);
	g_free(i);
	return ret;
}
