/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the bzImage loader: a synthetic bzImage (crafted setup
 * header) for the happy path and every rejection, header fuzzing, the e820
 * map, and, when ACRN_TEST_VMLINUZ names a real kernel (optionally with
 * ACRN_TEST_INITRD), a load of that kernel.
 */
/* hv headers first: GLib then replaces their MIN/MAX with identical ones. */
#include <arch/acpi_build.h>
#include <arch/linux_boot.h>
#include <hv/errno.h>
#include <hv/log.h>

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Host stand-in for the hypervisor log: keep the last error for assertions. */
enum log_level log_threshold = LOG_DEBUG;
static char last_err[512];

void log_printf(enum log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (level == LOG_ERR)
		memcpy(last_err, line, sizeof(line));
	if (g_test_verbose())
		g_printerr("log[%d]: %s", level, line);
}

#define RAM_FILL    0xA5
#define SETUP_SECTS 4
#define SETUP_SIZE  ((SETUP_SECTS + 1) * 512)
#define PM_SIZE     0x10000
#define SIG_SIZE    64 /* trailing bytes after syssize, like a signed kernel */
#define PREF        0x1000000ULL
#define INIT_SIZE   0x800000U

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* A bzImage shaped like a distro kernel, with a recognisable payload. */
struct image {
	uint8_t *data;
	size_t size;
};

static struct image make_bzimage(void)
{
	struct image img;
	uint8_t *d;

	img.size = SETUP_SIZE + PM_SIZE + SIG_SIZE;
	img.data = d = g_malloc0(img.size);
	d[0x1F1] = SETUP_SECTS;
	wr32(d + 0x1F4, PM_SIZE / 16);
	wr16(d + 0x1FE, 0xAA55);
	d[0x200] = 0xEB;
	d[0x201] = 0x66; /* header ends at 0x268 */
	memcpy(d + 0x202, "HdrS", 4);
	wr16(d + 0x206, 0x020F);
	d[0x210] = 0x00;
	d[0x211] = LOADFLAGS_LOADED_HIGH | LOADFLAGS_CAN_USE_HEAP | LOADFLAGS_KEEP_SEGMENTS;
	wr32(d + 0x214, 0x100000);
	wr32(d + 0x22C, 0x7FFFFFFF);
	wr32(d + 0x230, 0x200000);
	d[0x234] = 1;
	d[0x235] = 21;
	wr16(d + 0x236, 0x7F);
	wr32(d + 0x238, 2047);
	wr32(d + 0x23C, 3);          /* bogus hardware_subarch: the loader must reset it */
	wr64(d + 0x250, 0xDEADBEEF); /* bogus setup_data pointer */
	wr64(d + 0x258, PREF);
	wr32(d + 0x260, INIT_SIZE);
	wr32(d + 0x264, 0x1234); /* handover_offset: copied as is */
	memset(d + 0x268, 0xCC, SETUP_SIZE - 0x268);
	for (size_t i = 0; i < PM_SIZE; i++)
		d[SETUP_SIZE + i] = (uint8_t)(i * 7 + 3);
	memset(d + SETUP_SIZE + PM_SIZE, 0xEE, SIG_SIZE);
	return img;
}

struct vm {
	uint8_t *ram;
	struct x86_vm_layout l;
};

static void vm_init(struct vm *vm, uint64_t ram_size)
{
	vm->ram = g_malloc(ram_size);
	memset(vm->ram, RAM_FILL, ram_size);
	vm->l = (struct x86_vm_layout){
		.ram = vm->ram,
		.ram_size = ram_size,
		.nr_vcpus = 2,
		.ioapic_id = 2,
		.uart_port = 0x3F8,
		.uart_irq = 4,
	};
}

static void vm_fini(struct vm *vm)
{
	g_free(vm->ram);
}

static bool range_untouched(const struct vm *vm, uint64_t start, uint64_t end)
{
	static uint8_t fill[65536];

	if (!fill[0])
		memset(fill, RAM_FILL, sizeof(fill));
	end = MIN(end, vm->l.ram_size);
	for (uint64_t off = start; off < end; off += sizeof(fill))
		if (memcmp(vm->ram + off, fill, MIN(sizeof(fill), end - off)))
			return false;
	return true;
}

static bool ram_untouched(const struct vm *vm)
{
	return range_untouched(vm, 0, vm->l.ram_size);
}

static int load(struct vm *vm, const struct image *k, const struct image *initrd,
                const char *cmdline, struct x86_boot_entry *e)
{
	struct x86_guest_image ki = { k->data, k->size };
	struct x86_guest_image ii;

	if (initrd) {
		ii.data = initrd->data;
		ii.size = initrd->size;
	}
	last_err[0] = 0;
	return linux_boot_prepare(&vm->l, &ki, initrd ? &ii : NULL, cmdline, e);
}

/* The zero page's e820 table: sorted, disjoint, inside RAM, contract areas. */
static void check_e820(const uint8_t *bp, uint64_t ram_size)
{
	unsigned n = bp[BP_E820_ENTRIES];
	uint64_t prev_end = 0;
	bool acpi_reserved = false;

	g_assert_cmpuint(n, >=, 3);
	g_assert_cmpuint(n, <=, E820_MAX_ZEROPAGE);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + 20 * i;
		uint64_t addr = rd64(e), size = rd64(e + 8);
		uint32_t type = rd32(e + 16);

		g_assert_cmpuint(size, >, 0);
		g_assert_cmpuint(addr, >=, prev_end);
		g_assert_cmpuint(addr + size, <=, ram_size);
		g_assert_true(type == E820_RAM || type == E820_RESERVED);
		if (type == E820_RESERVED && addr <= ACPI_AREA_GPA && addr + size >= ACPI_AREA_END)
			acpi_reserved = true;
		prev_end = addr + size;
	}
	g_assert_true(acpi_reserved);
}

/* Is [addr, addr+len) inside one usable e820 range? */
static bool e820_usable(const uint8_t *bp, uint64_t addr, uint64_t len)
{
	for (unsigned i = 0; i < bp[BP_E820_ENTRIES]; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + 20 * i;

		if (rd32(e + 16) == E820_RAM && addr >= rd64(e) &&
		    addr + len <= rd64(e) + rd64(e + 8))
			return true;
	}
	return false;
}

static void test_happy(void)
{
	struct image k = make_bzimage(), rd;
	const char *cmd = "console=ttyS0 root=/dev/ram0 quiet";
	struct x86_boot_entry e;
	const uint8_t *bp, *gdt;
	uint64_t rd_addr;
	struct vm vm;

	vm_init(&vm, MiB(64));
	rd.size = 3 * 1000 * 1000 + 123; /* not page-sized */
	rd.data = g_malloc(rd.size);
	for (size_t i = 0; i < rd.size; i++)
		rd.data[i] = (uint8_t)(i ^ (i >> 8));

	g_assert_cmpint(load(&vm, &k, &rd, cmd, &e), ==, 0);

	/* Entry state. */
	g_assert_cmphex(e.rip, ==, PREF);
	g_assert_cmphex(e.rsi, ==, LINUX_BOOT_PARAMS_GPA);
	g_assert_cmphex(e.rbx, ==, 0);
	g_assert_cmphex(e.gdt_base, ==, LINUX_BOOT_GDT_GPA);
	g_assert_cmpuint(e.gdt_limit, ==, 31);
	g_assert_cmpuint(e.cs_sel, ==, 0x10);
	g_assert_cmpuint(e.ds_sel, ==, 0x18);
	gdt = vm.ram + e.gdt_base;
	g_assert_cmphex(rd64(gdt), ==, 0);
	g_assert_cmphex(rd64(gdt + 0x10), ==, 0x00CF9B000000FFFFULL);
	g_assert_cmphex(rd64(gdt + 0x18), ==, 0x00CF93000000FFFFULL);

	/* Protected-mode kernel at pref_address, signature not copied. */
	g_assert_cmpmem(vm.ram + PREF, PM_SIZE, k.data + SETUP_SIZE, PM_SIZE);
	g_assert_cmpuint(vm.ram[PREF + PM_SIZE], ==, RAM_FILL);

	/* boot_params. */
	bp = vm.ram + LINUX_BOOT_PARAMS_GPA;
	g_assert_cmpmem(bp + 0x202, 4, "HdrS", 4);
	g_assert_cmphex(rd16(bp + 0x206), ==, 0x020F);
	g_assert_cmphex(rd16(bp + 0x1FE), ==, 0xAA55);
	g_assert_cmpuint(bp[0x1F1], ==, SETUP_SECTS);
	g_assert_cmphex(rd32(bp + 0x260), ==, INIT_SIZE);
	g_assert_cmphex(rd32(bp + 0x264), ==, 0x1234);
	g_assert_cmpuint(bp[0x268], ==, 0); /* past the header: not copied */
	g_assert_cmpuint(bp[BP_SENTINEL], ==, 0);
	g_assert_cmpuint(bp[HDR_TYPE_OF_LOADER], ==, 0xFF);
	g_assert_cmphex(bp[HDR_LOADFLAGS], ==, LOADFLAGS_LOADED_HIGH);
	g_assert_cmphex(rd32(bp + HDR_CODE32_START), ==, PREF);
	g_assert_cmphex(rd32(bp + HDR_HW_SUBARCH), ==, 0);
	g_assert_cmphex(rd64(bp + HDR_SETUP_DATA), ==, 0);
	g_assert_cmphex(rd64(bp + BP_ACPI_RSDP_ADDR), ==, 0xE0000);
	g_assert_cmpmem(vm.ram + 0xE0000, 8, "RSD PTR ", 8);
	g_assert_cmphex(rd32(bp + BP_EXT_CMD_LINE_PTR), ==, 0);
	g_assert_cmphex(rd32(bp + BP_EXT_RAMDISK_IMAGE), ==, 0);
	g_assert_cmphex(rd32(bp + BP_EXT_RAMDISK_SIZE), ==, 0);

	/* Command line. */
	g_assert_cmphex(rd32(bp + HDR_CMD_LINE_PTR), ==, LINUX_BOOT_CMDLINE_GPA);
	g_assert_cmpstr((const char *)vm.ram + LINUX_BOOT_CMDLINE_GPA, ==, cmd);

	/* initrd: page aligned, above the kernel's init_size, as high as allowed. */
	rd_addr = rd32(bp + HDR_RAMDISK_IMAGE);
	g_assert_cmpuint(rd32(bp + HDR_RAMDISK_SIZE), ==, rd.size);
	g_assert_cmpuint(rd_addr % 4096, ==, 0);
	g_assert_cmpuint(rd_addr, >=, PREF + INIT_SIZE);
	g_assert_cmpuint(rd_addr + rd.size, <=, MiB(64));
	g_assert_cmpuint(rd_addr + rd.size + 4096, >, MiB(64));
	g_assert_cmpmem(vm.ram + rd_addr, rd.size, rd.data, rd.size);

	/* e820 and where things went. */
	check_e820(bp, MiB(64));
	g_assert_true(e820_usable(bp, PREF, INIT_SIZE));
	g_assert_true(e820_usable(bp, rd_addr, rd.size));
	g_assert_true(e820_usable(bp, LINUX_BOOT_GDT_GPA, 0x10000 - LINUX_BOOT_GDT_GPA));
	g_assert_cmpuint(bp[BP_E820_ENTRIES], ==, 3);
	g_assert_cmphex(rd64(bp + BP_E820_TABLE + 40 + 8), ==, MiB(63));

	/* BDA zeroed so Linux sees no EBDA pointer. */
	g_assert_cmphex(rd16(vm.ram + 0x40E), ==, 0);
	g_assert_cmphex(rd16(vm.ram + 0x413), ==, 0);

	g_free(rd.data);
	g_free(k.data);
	vm_fini(&vm);
}

static void test_no_initrd_no_cmdline(void)
{
	struct image k = make_bzimage();
	struct x86_boot_entry e;
	const uint8_t *bp;
	struct vm vm;

	vm_init(&vm, MiB(32));
	g_assert_cmpint(load(&vm, &k, NULL, NULL, &e), ==, 0);
	bp = vm.ram + LINUX_BOOT_PARAMS_GPA;
	g_assert_cmphex(rd32(bp + HDR_RAMDISK_IMAGE), ==, 0);
	g_assert_cmphex(rd32(bp + HDR_RAMDISK_SIZE), ==, 0);
	g_assert_cmpstr((const char *)vm.ram + LINUX_BOOT_CMDLINE_GPA, ==, "");
	check_e820(bp, MiB(32));
	g_free(k.data);
	vm_fini(&vm);
}

/* initrd_addr_max below the end of RAM caps the initrd. */
static void test_initrd_addr_max(void)
{
	struct image k = make_bzimage(), rd = { g_malloc0(5000), 5000 };
	struct x86_boot_entry e;
	uint64_t addr;
	struct vm vm;

	wr32(k.data + 0x22C, 0x37FFFFF); /* 56 MiB - 1 */
	vm_init(&vm, MiB(64));
	g_assert_cmpint(load(&vm, &k, &rd, "", &e), ==, 0);
	addr = rd32(vm.ram + LINUX_BOOT_PARAMS_GPA + HDR_RAMDISK_IMAGE);
	g_assert_cmphex(addr, ==, MiB(56) - 8192);
	g_free(rd.data);
	g_free(k.data);
	vm_fini(&vm);
}

/* A non-relocatable kernel only needs a page-aligned pref_address. */
static void test_not_relocatable(void)
{
	struct image k = make_bzimage();
	struct x86_boot_entry e;
	struct vm vm;

	k.data[0x234] = 0;
	wr64(k.data + 0x258, 0x1100000); /* not 2 MiB aligned */
	vm_init(&vm, MiB(32));
	g_assert_cmpint(load(&vm, &k, NULL, "", &e), ==, 0);
	g_assert_cmphex(e.rip, ==, 0x1100000);
	g_free(k.data);
	vm_fini(&vm);
}

/* A rejection: errno, an explanation in the log, guest RAM untouched. */
static void expect_reject(struct vm *vm, const struct image *k, const struct image *rd,
                          const char *cmd, int err, const char *msg)
{
	struct x86_boot_entry e;

	memset(&e, 0x77, sizeof(e));
	g_assert_cmpint(load(vm, k, rd, cmd, &e), ==, err);
	g_assert_cmpstr(last_err, !=, "");
	if (msg && !strstr(last_err, msg))
		g_error("expected \"%s\" in the error, got: %s", msg, last_err);
	g_assert_true(ram_untouched(vm));
	g_assert_cmpuint(((uint8_t *)&e)[0], ==, 0x77);
}

typedef void (*mutate_fn)(struct image *k);

static void m_magic(struct image *k)
{
	memcpy(k->data + 0x202, "HdrZ", 4);
}

static void m_boot_flag(struct image *k)
{
	wr16(k->data + 0x1FE, 0x55AA);
}

static void m_old_protocol(struct image *k)
{
	wr16(k->data + 0x206, 0x020B);
}

static void m_not_64bit(struct image *k)
{
	wr16(k->data + 0x236, 0x7E);
}

static void m_not_loaded_high(struct image *k)
{
	k->data[0x211] = 0;
}

static void m_short_header(struct image *k)
{
	k->data[0x201] = 0x50; /* ends at 0x252, before init_size */
}

static void m_syssize_zero(struct image *k)
{
	wr32(k->data + 0x1F4, 0);
}

static void m_syssize_huge(struct image *k)
{
	wr32(k->data + 0x1F4, 0xFFFFFFFF);
}

static void m_truncated_pm(struct image *k)
{
	k->size = SETUP_SIZE + PM_SIZE - 16;
}

static void m_truncated_setup(struct image *k)
{
	k->size = SETUP_SIZE;
}

static void m_truncated_header(struct image *k)
{
	k->size = 0x260;
}

static void m_truncated_tiny(struct image *k)
{
	k->size = 0x100;
}

static void m_empty(struct image *k)
{
	k->size = 0;
}

static void m_setup_sects_huge(struct image *k)
{
	k->data[0x1F1] = 0xFF; /* 128 KiB of setup in a 66 KiB file */
}

static void m_pref_zero(struct image *k)
{
	wr64(k->data + 0x258, 0);
}

static void m_pref_unaligned(struct image *k)
{
	wr64(k->data + 0x258, PREF + 1);
}

static void m_pref_huge(struct image *k)
{
	wr64(k->data + 0x258, 0xFFFFFFFFFFFFF000ULL);
}

static void m_pref_misaligned_reloc(struct image *k)
{
	wr64(k->data + 0x258, 0x1100000);
}

static void m_align_zero(struct image *k)
{
	wr32(k->data + 0x230, 0);
}

static void m_align_not_pow2(struct image *k)
{
	wr32(k->data + 0x230, 0x300000);
}

static const struct {
	const char *name;
	mutate_fn fn;
	const char *msg;
} bad_images[] = {
	{ "magic", m_magic, "HdrS" },
	{ "boot-flag", m_boot_flag, "0xAA55" },
	{ "old-protocol", m_old_protocol, "too old" },
	{ "not-64bit", m_not_64bit, "64-bit" },
	{ "not-loaded-high", m_not_loaded_high, "zImage" },
	{ "short-header", m_short_header, "too short" },
	{ "syssize-zero", m_syssize_zero, "syssize 0" },
	{ "syssize-huge", m_syssize_huge, "truncated" },
	{ "truncated-pm", m_truncated_pm, "truncated" },
	{ "truncated-setup", m_truncated_setup, "truncated" },
	{ "truncated-header", m_truncated_header, "truncated" },
	{ "truncated-tiny", m_truncated_tiny, "too small" },
	{ "empty", m_empty, "too small" },
	{ "setup-sects-huge", m_setup_sects_huge, "truncated" },
	{ "pref-zero", m_pref_zero, "pref_address" },
	{ "pref-unaligned", m_pref_unaligned, "pref_address" },
	{ "pref-huge", m_pref_huge, "pref_address" },
	{ "pref-misaligned", m_pref_misaligned_reloc, "kernel_alignment" },
	{ "align-zero", m_align_zero, "kernel_alignment" },
	{ "align-not-pow2", m_align_not_pow2, "kernel_alignment" },
};

static void test_bad_image(gconstpointer data)
{
	unsigned i = GPOINTER_TO_UINT(data);
	struct image k = make_bzimage();
	struct vm vm;

	bad_images[i].fn(&k);
	vm_init(&vm, MiB(32));
	expect_reject(&vm, &k, NULL, "", -ENOEXEC, bad_images[i].msg);
	g_free(k.data);
	vm_fini(&vm);
}

static void test_kernel_too_big(void)
{
	struct image k = make_bzimage();
	struct vm vm;

	/* RAM ends right where the kernel would start. */
	vm_init(&vm, MiB(16));
	expect_reject(&vm, &k, NULL, "", -ENOMEM, "kernel needs RAM");
	vm_fini(&vm);

	/* init_size larger than RAM (and 2^32 overflow bait). */
	wr32(k.data + 0x260, 0xFFFFF000);
	vm_init(&vm, MiB(32));
	expect_reject(&vm, &k, NULL, "", -ENOMEM, "kernel needs RAM");
	vm_fini(&vm);

	/* One page short. */
	wr32(k.data + 0x260, (uint32_t)(MiB(32) - PREF + 4096));
	vm_init(&vm, MiB(32));
	expect_reject(&vm, &k, NULL, "", -ENOMEM, NULL);
	vm_fini(&vm);

	/* Exactly fits. */
	{
		struct x86_boot_entry e;

		wr32(k.data + 0x260, (uint32_t)(MiB(32) - PREF));
		vm_init(&vm, MiB(32));
		g_assert_cmpint(load(&vm, &k, NULL, "", &e), ==, 0);
		vm_fini(&vm);
	}
	g_free(k.data);
}

static void test_initrd_too_big(void)
{
	struct image k = make_bzimage(), rd;
	struct x86_boot_entry e;
	struct vm vm;

	vm_init(&vm, MiB(32));
	/* Room between kernel end (24 MiB) and RAM end (32 MiB) is 8 MiB. */
	rd.size = MiB(8) + 1;
	rd.data = g_malloc0(rd.size);
	expect_reject(&vm, &k, &rd, "", -ENOMEM, "initrd");
	rd.size = MiB(8);
	g_assert_cmpint(load(&vm, &k, &rd, "", &e), ==, 0);
	g_assert_cmphex(rd32(vm.ram + LINUX_BOOT_PARAMS_GPA + HDR_RAMDISK_IMAGE), ==,
	                PREF + INIT_SIZE);
	vm_fini(&vm);

	/* Bigger than RAM itself, and than 4 GiB. */
	vm_init(&vm, MiB(32));
	rd.size = MiB(64);
	expect_reject(&vm, &k, &rd, "", -ENOMEM, "initrd");
	rd.size = (size_t)GiB(5);
	expect_reject(&vm, &k, &rd, "", -ENOMEM, "initrd");

	/* initrd_addr_max below the kernel's end. */
	wr32(k.data + 0x22C, (uint32_t)PREF);
	rd.size = 4096;
	expect_reject(&vm, &k, &rd, "", -ENOMEM, "initrd");

	/* Empty initrd module. */
	rd.size = 0;
	expect_reject(&vm, &k, &rd, "", -EINVAL, "empty");
	vm_fini(&vm);
	g_free(rd.data);
	g_free(k.data);
}

static void test_cmdline_too_long(void)
{
	struct image k = make_bzimage();
	struct x86_boot_entry e;
	char *cmd;
	struct vm vm;

	vm_init(&vm, MiB(32));
	cmd = g_strnfill(2048, 'x');
	expect_reject(&vm, &k, NULL, cmd, -E2BIG, "too long");
	cmd[2047] = 0; /* exactly cmdline_size */
	g_assert_cmpint(load(&vm, &k, NULL, cmd, &e), ==, 0);
	g_assert_cmpstr((const char *)vm.ram + LINUX_BOOT_CMDLINE_GPA, ==, cmd);
	g_free(cmd);
	vm_fini(&vm);

	/* The kernel accepting anything still leaves the loader's own limit. */
	wr32(k.data + 0x238, 0xFFFFFFFF);
	vm_init(&vm, MiB(32));
	cmd = g_strnfill(LINUX_BOOT_CMDLINE_MAX, 'y');
	expect_reject(&vm, &k, NULL, cmd, -E2BIG, "too long");
	cmd[LINUX_BOOT_CMDLINE_MAX - 1] = 0;
	g_assert_cmpint(load(&vm, &k, NULL, cmd, &e), ==, 0);
	g_assert_cmpuint(strlen((const char *)vm.ram + LINUX_BOOT_CMDLINE_GPA), ==,
	                 LINUX_BOOT_CMDLINE_MAX - 1);
	g_free(cmd);
	vm_fini(&vm);
	g_free(k.data);
}

static void test_bad_args(void)
{
	struct image k = make_bzimage();
	struct x86_guest_image ki = { k.data, k.size }, inside;
	struct x86_boot_entry e;
	struct vm vm;

	vm_init(&vm, MiB(32));
	g_assert_cmpint(linux_boot_prepare(NULL, &ki, NULL, "", &e), ==, -EINVAL);
	g_assert_cmpint(linux_boot_prepare(&vm.l, NULL, NULL, "", &e), ==, -EINVAL);
	g_assert_cmpint(linux_boot_prepare(&vm.l, &ki, NULL, "", NULL), ==, -EINVAL);
	ki.data = NULL;
	g_assert_cmpint(linux_boot_prepare(&vm.l, &ki, NULL, "", &e), ==, -EINVAL);
	g_assert_true(ram_untouched(&vm));

	/* A module that lives inside the VM's own RAM would be overwritten. */
	memcpy(vm.ram + MiB(20), k.data, k.size);
	inside.data = vm.ram + MiB(20);
	inside.size = k.size;
	g_assert_cmpint(linux_boot_prepare(&vm.l, &inside, NULL, "", &e), ==, -EINVAL);
	vm_fini(&vm);

	/* Less than 1 MiB of RAM. */
	vm_init(&vm, KiB(512));
	ki.data = k.data;
	g_assert_cmpint(linux_boot_prepare(&vm.l, &ki, NULL, "", &e), ==, -EINVAL);
	vm_fini(&vm);

	/* A layout the ACPI builder refuses: nothing written either. */
	vm_init(&vm, MiB(32));
	vm.l.nr_vcpus = 0;
	expect_reject(&vm, &k, NULL, "", -EINVAL, "vCPUs");
	vm_fini(&vm);
	g_free(k.data);
}

static void check_map(const struct e820_entry *m, int n, uint64_t ram, uint64_t usable)
{
	uint64_t prev_end = 0, total = 0;

	for (int i = 0; i < n; i++) {
		g_assert_cmpuint(m[i].size, >, 0);
		g_assert_cmpuint(m[i].addr, >=, prev_end);
		g_assert_cmpuint(m[i].addr + m[i].size, <=, ram);
		/* Nothing usable in the MMIO hole. */
		if (m[i].type == E820_RAM) {
			g_assert_true(m[i].addr + m[i].size <= X86_MMIO_HOLE_START ||
			              m[i].addr >= X86_MMIO_HOLE_END);
			total += m[i].size;
		}
		prev_end = m[i].addr + m[i].size;
	}
	g_assert_cmpuint(total, ==, usable);
}

static void test_e820(void)
{
	struct x86_vm_layout l = { .ram = NULL, .nr_vcpus = 1 };
	struct e820_entry m[8];
	int n;

	l.ram_size = MiB(1);
	n = x86_e820_build(&l, m, 8);
	g_assert_cmpint(n, ==, 2);
	check_map(m, n, l.ram_size, 0x9F000);

	l.ram_size = MiB(256);
	n = x86_e820_build(&l, m, 8);
	g_assert_cmpint(n, ==, 3);
	check_map(m, n, l.ram_size, 0x9F000 + MiB(255));
	g_assert_cmpint(m[1].type, ==, E820_RESERVED);
	g_assert_cmphex(m[1].addr, ==, 0xE0000);
	g_assert_cmphex(m[1].size, ==, 0x20000);

	/* RAM reaching into the MMIO hole: the hole is carved out. */
	l.ram_size = X86_MMIO_HOLE_START + MiB(2);
	n = x86_e820_build(&l, m, 8);
	g_assert_cmpint(n, ==, 3);
	check_map(m, n, l.ram_size, 0x9F000 + X86_MMIO_HOLE_START - MiB(1));

	l.ram_size = GiB(6);
	n = x86_e820_build(&l, m, 8);
	g_assert_cmpint(n, ==, 4);
	check_map(m, n, l.ram_size, 0x9F000 + X86_MMIO_HOLE_START - MiB(1) + GiB(2));

	g_assert_cmpint(x86_e820_build(&l, m, 3), ==, -ENOSPC);
	l.ram_size = MiB(1) - 1;
	g_assert_cmpint(x86_e820_build(&l, m, 8), ==, -EINVAL);
	g_assert_cmpint(x86_e820_build(NULL, m, 8), ==, -EINVAL);
}

/*
 * Random corruption of the setup header and size: the loader must either
 * reject it without touching RAM or produce a consistent load. Run under
 * AddressSanitizer to also catch any out-of-bounds access.
 */
static void test_fuzz(void)
{
	struct image orig = make_bzimage(), k;
	struct vm vm;
	unsigned iters = g_test_slow() ? 20000 : 2000;

	vm_init(&vm, MiB(32));
	k.data = g_malloc(orig.size);
	for (unsigned it = 0; it < iters; it++) {
		struct x86_boot_entry e;
		unsigned nmut = (unsigned)g_test_rand_int_range(1, 6);
		int ret;

		memcpy(k.data, orig.data, orig.size);
		k.size = orig.size;
		for (unsigned j = 0; j < nmut; j++) {
			unsigned off = (unsigned)g_test_rand_int_range(0x1F1, 0x268);

			k.data[off] = (uint8_t)g_test_rand_int();
		}
		if (g_test_rand_bit())
			k.size = (size_t)g_test_rand_int_range(0, (gint32)orig.size + 1);

		ret = load(&vm, &k, NULL, "console=ttyS0", &e);
		/*
		 * The loader writes nothing or everything, starting with the
		 * ACPI tables and the boot data below 64 KiB: checking those
		 * is enough (a full 32 MiB scan per case would be slow).
		 */
		if (ret) {
			g_assert_true(ret == -ENOEXEC || ret == -ENOMEM || ret == -E2BIG);
			g_assert_true(range_untouched(&vm, 0, MiB(1)));
			continue;
		}
		g_assert_cmpuint(e.rip, >=, MiB(1));
		g_assert_cmpuint(e.rip + PM_SIZE + SIG_SIZE, <=, vm.l.ram_size);
		check_e820(vm.ram + LINUX_BOOT_PARAMS_GPA, vm.l.ram_size);
		memset(vm.ram, RAM_FILL, MiB(1));
		memset(vm.ram + e.rip, RAM_FILL, PM_SIZE + SIG_SIZE);
		g_assert_true(ram_untouched(&vm) || it % 64);
	}
	g_free(k.data);
	g_free(orig.data);
	vm_fini(&vm);
}

static void test_real_kernel(void)
{
	const char *path = g_getenv("ACRN_TEST_VMLINUZ");
	const char *initrd_path = g_getenv("ACRN_TEST_INITRD");
	struct image k, rd = { NULL, 0 };
	struct x86_boot_entry e;
	const uint8_t *bp;
	gchar *data = NULL;
	gsize len;
	size_t setup, pm;
	struct vm vm;

	if (!path || !*path) {
		g_test_skip("ACRN_TEST_VMLINUZ not set");
		return;
	}
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	k.data = (uint8_t *)data;
	k.size = len;
	if (initrd_path && *initrd_path) {
		gchar *rdata;
		gsize rlen;

		g_assert_true(g_file_get_contents(initrd_path, &rdata, &rlen, NULL));
		rd.data = (uint8_t *)rdata;
		rd.size = rlen;
	} else {
		rd.size = MiB(2);
		rd.data = g_malloc0(rd.size);
	}

	vm_init(&vm, MiB(256));
	g_assert_cmpint(load(&vm, &k, &rd, "console=ttyS0 earlyprintk=serial", &e), ==, 0);
	bp = vm.ram + e.rsi;
	g_assert_cmpmem(bp + 0x202, 4, "HdrS", 4);
	g_assert_cmphex(rd16(bp + 0x206), >=, LINUX_BOOT_MIN_PROTOCOL);
	g_assert_cmphex(e.rip, ==, rd64(k.data + 0x258));
	setup = ((size_t)(k.data[0x1F1] ? k.data[0x1F1] : 4) + 1) * 512;
	pm = (size_t)rd32(k.data + 0x1F4) * 16;
	g_assert_cmpmem(vm.ram + e.rip, pm, k.data + setup, pm);
	g_assert_cmpuint(rd32(bp + HDR_RAMDISK_IMAGE), >=, e.rip + rd32(k.data + 0x260));
	check_e820(bp, MiB(256));
	if (g_test_verbose())
		g_printerr("kernel %s: protocol %x, pm %zu bytes at 0x%llx, init_size 0x%x\n", path,
		           rd16(bp + 0x206), pm, (unsigned long long)e.rip, rd32(k.data + 0x260));

	/* Too little RAM for this kernel's init_size. */
	vm_fini(&vm);
	vm_init(&vm, MiB(64));
	expect_reject(&vm, &k, NULL, "", -ENOMEM, "kernel needs RAM");
	vm_fini(&vm);
	g_free(rd.data);
	g_free(data);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/linux-boot/happy", test_happy);
	g_test_add_func("/linux-boot/no-initrd-no-cmdline", test_no_initrd_no_cmdline);
	g_test_add_func("/linux-boot/initrd-addr-max", test_initrd_addr_max);
	g_test_add_func("/linux-boot/not-relocatable", test_not_relocatable);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_images); i++) {
		char *name = g_strdup_printf("/linux-boot/reject/%s", bad_images[i].name);

		g_test_add_data_func(name, GUINT_TO_POINTER(i), test_bad_image);
		g_free(name);
	}
	g_test_add_func("/linux-boot/reject/kernel-too-big", test_kernel_too_big);
	g_test_add_func("/linux-boot/reject/initrd-too-big", test_initrd_too_big);
	g_test_add_func("/linux-boot/reject/cmdline-too-long", test_cmdline_too_long);
	g_test_add_func("/linux-boot/reject/bad-args", test_bad_args);
	g_test_add_func("/linux-boot/e820", test_e820);
	g_test_add_func("/linux-boot/fuzz", test_fuzz);
	g_test_add_func("/linux-boot/real-kernel", test_real_kernel);
	return g_test_run();
}
