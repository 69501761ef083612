/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bzImage loader for pre-launched VMs (32-bit boot protocol, see
 * Documentation/x86/boot.rst and arch/linux_boot.h for the layout).
 *
 * The kernel and initrd come from boot modules that may be anything: every
 * header field used is checked against the image size and the VM's RAM
 * before a single byte of guest memory is written.
 */
#include <arch/acpi_build.h>
#include <arch/linux_boot.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/types.h>

#define LOW_RAM_END         0x9F000ULL /* below: usable; Linux reserves 0x9F000+ anyway */
#define HIGH_RAM_START      0x100000ULL
#define BOOT_DATA_START     0x6000ULL /* GDT .. end of command line */
#define BOOT_DATA_END       (LINUX_BOOT_CMDLINE_GPA + LINUX_BOOT_CMDLINE_MAX)
#define DEFAULT_INITRD_MAX  0x37FFFFFFULL /* boot.rst: before protocol 2.03 */
#define SETUP_SECTS_DEFAULT 4

/* Flat 4 GiB descriptors, accessed bit preset so the CPU never writes them. */
#define GDT_CODE32_FLAT 0x00CF9B000000FFFFULL
#define GDT_DATA32_FLAT 0x00CF93000000FFFFULL

/* What the loader needs from a validated setup header. */
struct bzimage {
	uint16_t version;
	size_t hdr_end;    /* image offset where the setup header ends */
	size_t setup_size; /* real-mode part, skipped */
	size_t pm_size;    /* protected-mode part, copied */
	uint64_t load;     /* GPA of the protected-mode kernel and 32-bit entry */
	uint64_t need;     /* bytes the kernel uses from @load before it reads e820 */
	uint64_t initrd_max;
	uint32_t cmdline_max; /* without the NUL */
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
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* End of guest RAM usable below the 4 GiB MMIO hole. */
static uint64_t low_ram_end(const struct x86_vm_layout *l)
{
	return MIN(l->ram_size, X86_MMIO_HOLE_START);
}

int x86_e820_build(const struct x86_vm_layout *l, struct e820_entry *out, unsigned max)
{
	struct e820_entry e[4];
	unsigned n = 0;

	if (!l || l->ram_size < HIGH_RAM_START) {
		pr_err("e820: VM needs at least 1 MiB of RAM\n");
		return -EINVAL;
	}

	e[n++] = (struct e820_entry){ 0, LOW_RAM_END, E820_RAM };
	/* 0x9F000 .. 0xE0000 is left out: a hole where PCs have EBDA/VGA/ROMs. */
	e[n++] = (struct e820_entry){ ACPI_AREA_GPA, ACPI_AREA_END - ACPI_AREA_GPA, E820_RESERVED };
	if (low_ram_end(l) > HIGH_RAM_START)
		e[n++] = (struct e820_entry){ HIGH_RAM_START, low_ram_end(l) - HIGH_RAM_START,
			                      E820_RAM };
	/* RAM shadowed by the MMIO hole is skipped; what lies above 4 GiB is not. */
	if (l->ram_size > X86_MMIO_HOLE_END)
		e[n++] = (struct e820_entry){ X86_MMIO_HOLE_END, l->ram_size - X86_MMIO_HOLE_END,
			                      E820_RAM };

	if (!out || n > max)
		return -ENOSPC;
	memcpy(out, e, n * sizeof(e[0]));
	return (int)n;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int bzimage_parse(const struct x86_guest_image *k, uint64_t ram_end, struct bzimage *bz)
{
	const uint8_t *d = k->data;
	size_t size = k->size;
	unsigned sects;
	uint64_t syssize, init_size, pref, align;
	uint32_t initrd_max;
	uint8_t relocatable;

	memset(bz, 0, sizeof(*bz));

	if (size < HDR_VERSION + 2) {
		pr_err("linux: kernel image is %zu bytes, too small for a bzImage\n", size);
		return -ENOEXEC;
	}
	if (get16(d + HDR_BOOT_FLAG) != 0xAA55) {
		pr_err("linux: kernel image has no boot sector signature (0xAA55 at 0x1FE)\n");
		return -ENOEXEC;
	}
	if (memcmp(d + HDR_HEADER, "HdrS", 4) != 0) {
		pr_err("linux: kernel image has no \"HdrS\" setup header: not a bzImage\n");
		return -ENOEXEC;
	}
	bz->version = get16(d + HDR_VERSION);
	if (bz->version < LINUX_BOOT_MIN_PROTOCOL) {
		pr_err("linux: boot protocol %u.%02u is too old, need 2.12 or later\n",
		       bz->version >> 8, bz->version & 0xFF);
		return -ENOEXEC;
	}

	/* The jump at 0x200 skips exactly the setup header. */
	bz->hdr_end = (size_t)HDR_JUMP + 2 + d[HDR_JUMP + 1];
	if (bz->hdr_end < HDR_END_MIN) {
		pr_err("linux: setup header ends at 0x%zx, too short for protocol 2.12\n",
		       bz->hdr_end);
		return -ENOEXEC;
	}
	if (bz->hdr_end > size) {
		pr_err("linux: kernel image truncated inside its setup header (%zu bytes)\n", size);
		return -ENOEXEC;
	}

	sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
	bz->setup_size = ((size_t)sects + 1) * 512;
	if (bz->setup_size < bz->hdr_end || bz->setup_size >= size) {
		pr_err("linux: kernel image truncated: %zu bytes, setup code alone is %zu\n", size,
		       bz->setup_size);
		return -ENOEXEC;
	}

	if (!(d[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH)) {
		pr_err("linux: zImage (kernel not loaded high) is not supported\n");
		return -ENOEXEC;
	}
	if (!(get16(d + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
		pr_err("linux: kernel is not 64-bit capable (xloadflags 0x%x)\n",
		       get16(d + HDR_XLOADFLAGS));
		return -ENOEXEC;
	}

	/*
	 * syssize counts the protected-mode code in paragraphs; signed distro
	 * kernels carry a signature after it, which is not copied.
	 */
	syssize = (uint64_t)get32(d + HDR_SYSSIZE) * 16;
	if (syssize == 0) {
		pr_err("linux: setup header says the kernel is empty (syssize 0)\n");
		return -ENOEXEC;
	}
	if (syssize > size - bz->setup_size) {
		pr_err("linux: kernel image truncated: %zu bytes of protected-mode code, "
		       "header says %llu\n",
		       size - bz->setup_size, (unsigned long long)syssize);
		return -ENOEXEC;
	}
	bz->pm_size = (size_t)syssize;

	/*
	 * Load at pref_address whether relocatable or not: the decompressor
	 * never goes below its built-in LOAD_PHYSICAL_ADDR (= pref_address)
	 * anyway, so loading lower would not save memory.
	 */
	pref = get64(d + HDR_PREF_ADDRESS);
	relocatable = d[HDR_RELOCATABLE];
	align = get32(d + HDR_KERNEL_ALIGNMENT);
	if (pref < HIGH_RAM_START || pref >= X86_MMIO_HOLE_START || !IS_ALIGNED(pref, PAGE_SIZE)) {
		pr_err("linux: pref_address 0x%llx must be page aligned, at or above 1 MiB and "
		       "below 0x%llx\n",
		       (unsigned long long)pref, (unsigned long long)X86_MMIO_HOLE_START);
		return -ENOEXEC;
	}
	if (relocatable && (!is_pow2(align) || align < PAGE_SIZE || !IS_ALIGNED(pref, align))) {
		pr_err("linux: kernel_alignment 0x%llx invalid or pref_address 0x%llx not aligned "
		       "to it\n",
		       (unsigned long long)align, (unsigned long long)pref);
		return -ENOEXEC;
	}
	bz->load = pref;

	init_size = get32(d + HDR_INIT_SIZE);
	bz->need = ALIGN_UP(MAX(init_size, (uint64_t)bz->pm_size), (uint64_t)PAGE_SIZE);
	if (bz->load + bz->need > ram_end) {
		pr_err("linux: kernel needs RAM up to 0x%llx (0x%llx bytes at 0x%llx), VM RAM "
		       "below "
		       "4 GiB ends at 0x%llx\n",
		       (unsigned long long)(bz->load + bz->need), (unsigned long long)bz->need,
		       (unsigned long long)bz->load, (unsigned long long)ram_end);
		return -ENOMEM;
	}

	initrd_max = get32(d + HDR_INITRD_ADDR_MAX);
	bz->initrd_max = initrd_max ? initrd_max : DEFAULT_INITRD_MAX;
	bz->cmdline_max = get32(d + HDR_CMDLINE_SIZE);
	return 0;
}

/* [a, a+alen) and [b, b+blen) overlap (host addresses). */
static bool ranges_overlap(const void *a, size_t alen, const void *b, size_t blen)
{
	uintptr_t as = (uintptr_t)a, bs = (uintptr_t)b;

	return alen && blen && as < bs + blen && bs < as + alen;
}

static int place_initrd(const struct x86_vm_layout *l, const struct bzimage *bz,
                        const struct x86_guest_image *initrd, uint64_t *gpa)
{
	uint64_t top, lowest, addr;

	if (!initrd->data || initrd->size == 0) {
		pr_err("linux: initrd module is empty\n");
		return -EINVAL;
	}
	if (ranges_overlap(initrd->data, initrd->size, l->ram, l->ram_size)) {
		pr_err("linux: initrd module overlaps the VM's RAM\n");
		return -EINVAL;
	}

	/* As high as possible: below initrd_addr_max and the end of low RAM. */
	top = MIN(bz->initrd_max + 1, low_ram_end(l));
	lowest = ALIGN_UP(bz->load + bz->need, (uint64_t)PAGE_SIZE);
	if (initrd->size > top || ALIGN_DOWN(top - initrd->size, (uint64_t)PAGE_SIZE) < lowest) {
		pr_err("linux: initrd of %zu bytes does not fit between the kernel (ends 0x%llx) "
		       "and 0x%llx\n",
		       initrd->size, (unsigned long long)lowest, (unsigned long long)top);
		return -ENOMEM;
	}
	addr = ALIGN_DOWN(top - initrd->size, (uint64_t)PAGE_SIZE);
	*gpa = addr;
	return 0;
}

static void write_gdt(uint8_t *ram)
{
	uint8_t *gdt = ram + LINUX_BOOT_GDT_GPA;

	put64(gdt + 0x00, 0);
	put64(gdt + 0x08, 0);
	put64(gdt + LINUX_BOOT_CS, GDT_CODE32_FLAT);
	put64(gdt + LINUX_BOOT_DS, GDT_DATA32_FLAT);
}

int linux_boot_prepare(const struct x86_vm_layout *l, const struct x86_guest_image *kernel,
                       const struct x86_guest_image *initrd, const char *cmdline,
                       struct x86_boot_entry *entry)
{
	struct e820_entry e820[8]; /* x86_e820_build() makes at most 4 */
	struct bzimage bz;
	uint64_t initrd_gpa = 0;
	size_t cmdline_len = 0, hdr_copy;
	uint8_t *bp;
	int n, ret;

	if (!l || !l->ram || !kernel || !kernel->data || !entry) {
		pr_err("linux: missing VM layout, kernel or entry\n");
		return -EINVAL;
	}
	if (l->ram_size < HIGH_RAM_START) {
		pr_err("linux: VM needs at least 1 MiB of RAM\n");
		return -EINVAL;
	}
	if (ranges_overlap(kernel->data, kernel->size, l->ram, l->ram_size)) {
		pr_err("linux: kernel module overlaps the VM's RAM\n");
		return -EINVAL;
	}

	ret = bzimage_parse(kernel, low_ram_end(l), &bz);
	if (ret)
		return ret;

	if (cmdline) {
		cmdline_len = strnlen(cmdline, LINUX_BOOT_CMDLINE_MAX);
		if (cmdline_len > bz.cmdline_max || cmdline_len >= LINUX_BOOT_CMDLINE_MAX) {
			pr_err("linux: command line too long (%s%zu bytes, kernel accepts %u, "
			       "loader %llu)\n",
			       cmdline_len >= LINUX_BOOT_CMDLINE_MAX ? ">= " : "", cmdline_len,
			       bz.cmdline_max, (unsigned long long)(LINUX_BOOT_CMDLINE_MAX - 1));
			return -E2BIG;
		}
	}

	if (initrd) {
		ret = place_initrd(l, &bz, initrd, &initrd_gpa);
		if (ret)
			return ret;
	}

	n = x86_e820_build(l, e820, ARRAY_SIZE(e820));
	if (n < 0)
		return n;

	/* Everything is validated; from here on only writes within RAM. */
	ret = acpi_build_tables(l);
	if (ret)
		return ret;

	/* Zero IVT/BDA so Linux finds no EBDA pointer or base memory size. */
	memset(l->ram, 0, PAGE_SIZE);
	memset(l->ram + BOOT_DATA_START, 0, BOOT_DATA_END - BOOT_DATA_START);
	write_gdt(l->ram);

	bp = l->ram + LINUX_BOOT_PARAMS_GPA;
	hdr_copy = MIN(bz.hdr_end, (size_t)HDR_END_MAX) - BP_HDR;
	memcpy(bp + BP_HDR, kernel->data + BP_HDR, hdr_copy);

	bp[HDR_TYPE_OF_LOADER] = 0xFF; /* undefined loader id */
	bp[HDR_EXT_LOADER_VER] = 0;
	bp[HDR_EXT_LOADER_TYPE] = 0;
	/* No real-mode setup runs: no heap; let the kernel load its segments. */
	bp[HDR_LOADFLAGS] &= (uint8_t) ~(LOADFLAGS_CAN_USE_HEAP | LOADFLAGS_KEEP_SEGMENTS);
	put16(bp + HDR_HEAP_END_PTR, 0);
	put32(bp + HDR_CODE32_START, (uint32_t)bz.load);
	put32(bp + HDR_CMD_LINE_PTR, (uint32_t)LINUX_BOOT_CMDLINE_GPA);
	put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
	put32(bp + HDR_RAMDISK_SIZE, initrd ? (uint32_t)initrd->size : 0);
	/* A plain PC; never trust what the image file carried here. */
	put32(bp + HDR_HW_SUBARCH, 0);
	put64(bp + HDR_HW_SUBARCH_DATA, 0);
	put64(bp + HDR_SETUP_DATA, 0);

	put64(bp + BP_ACPI_RSDP_ADDR, ACPI_RSDP_GPA);
	put32(bp + BP_ALT_MEM_K,
	      (uint32_t)MIN((low_ram_end(l) - HIGH_RAM_START) >> 10, (uint64_t)UINT32_MAX));
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + (size_t)i * 20;

		put64(e, e820[i].addr);
		put64(e + 8, e820[i].size);
		put32(e + 16, e820[i].type);
	}

	memcpy(l->ram + LINUX_BOOT_CMDLINE_GPA, cmdline ? cmdline : "", cmdline_len);
	l->ram[LINUX_BOOT_CMDLINE_GPA + cmdline_len] = 0;

	memcpy(l->ram + bz.load, kernel->data + bz.setup_size, bz.pm_size);
	if (initrd)
		memcpy(l->ram + initrd_gpa, initrd->data, initrd->size);

	memset(entry, 0, sizeof(*entry));
	entry->rip = bz.load;
	entry->rsi = LINUX_BOOT_PARAMS_GPA;
	entry->rbx = 0;
	entry->gdt_base = LINUX_BOOT_GDT_GPA;
	entry->gdt_limit = 4 * 8 - 1;
	entry->cs_sel = LINUX_BOOT_CS;
	entry->ds_sel = LINUX_BOOT_DS;

	pr_info("linux: bzImage protocol %u.%02u, kernel 0x%zx bytes at 0x%llx (needs 0x%llx), "
	        "initrd 0x%zx bytes at 0x%llx, cmdline \"%s\"\n",
	        bz.version >> 8, bz.version & 0xFF, bz.pm_size, (unsigned long long)bz.load,
	        (unsigned long long)bz.need, initrd ? initrd->size : 0,
	        (unsigned long long)initrd_gpa, cmdline ? cmdline : "");
	return 0;
}
