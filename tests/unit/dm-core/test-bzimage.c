/* SPDX-License-Identifier: BSD-3-Clause */
/* The bzImage loader: crafted images good and broken, and Debian's real kernel. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <dm/platform.h>
#include <dm/vm.h>

#include "../../../dm/core/core.h"
#include "doubles.h"
#include "fake-transport.h"

#define MIB        (1ULL << 20)
#define SETUP_SIZE (5 * 512) /* setup_sects 4 */
#define PM_SIZE    0x10000
#define RSDP       0xE0000

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* A protocol 2.15 relocatable bzImage with a recognisable protected-mode part. */
static uint8_t *make_image(size_t *size)
{
	uint8_t *k = g_malloc0(SETUP_SIZE + PM_SIZE);

	k[0x1F1] = 4;
	put32(k + 0x1F4, PM_SIZE / 16);
	put16(k + 0x1FE, 0xAA55);
	k[0x200] = 0xEB;
	k[0x201] = 0x66; /* header ends at 0x268 */
	memcpy(k + 0x202, "HdrS", 4);
	put16(k + 0x206, 0x020F);
	k[0x211] = 0x81;              /* LOADED_HIGH | CAN_USE_HEAP */
	put32(k + 0x22C, 0x7FFFFFFF); /* initrd_addr_max */
	put32(k + 0x230, 0x200000);   /* kernel_alignment */
	k[0x234] = 1;                 /* relocatable */
	put32(k + 0x238, 2047);       /* cmdline_size */
	put64(k + 0x250, 0xDEAD);     /* setup_data left from a build: must be cleared */
	put64(k + 0x258, 0x1000000);  /* pref_address */
	put32(k + 0x260, 0x400000);   /* init_size */
	for (size_t i = 0; i < PM_SIZE; i++)
		k[SETUP_SIZE + i] = (uint8_t)(i * 7 + 3);
	*size = SETUP_SIZE + PM_SIZE;
	return k;
}

struct e820 {
	uint64_t addr, size;
	uint32_t type;
};

static unsigned read_e820(struct dm_vm *vm, struct e820 *out)
{
	uint8_t *bp = dm_gpa2hva(vm, DM_BOOT_PARAMS_GPA, 4096);
	unsigned n = bp[0x1E8];

	for (unsigned i = 0; i < n; i++) {
		out[i].addr = get64(bp + 0x2D0 + i * 20);
		out[i].size = get64(bp + 0x2D0 + i * 20 + 8);
		out[i].type = get32(bp + 0x2D0 + i * 20 + 16);
	}
	return n;
}

static void test_good(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 64 * MIB);
	struct acrn_vcpu_regs regs;
	GError *err = NULL;
	size_t ksize;
	uint8_t *k = make_image(&ksize), initrd[10000], *bp, *gdt;
	struct e820 e[8];
	uint32_t rd_addr;

	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5A);
	g_assert_cmpint(dm_bzimage_load_mem(&vm, k, ksize, initrd, sizeof(initrd),
	                                    "console=ttyS0 quiet", RSDP, &regs, &err),
	                ==, 0);
	g_assert_no_error(err);

	/* BSP: flat 32-bit protected mode as ACRN's DM sets it up. */
	g_assert_cmpuint(regs.vcpu_id, ==, 0);
	g_assert_cmpuint(regs.vcpu_regs.rip, ==, 0x1000000);
	g_assert_cmpuint(regs.vcpu_regs.cr0, ==, 0x31);
	g_assert_cmpuint(regs.vcpu_regs.cs_sel, ==, 0x10);
	g_assert_cmpuint(regs.vcpu_regs.cs_ar, ==, 0xC09B);
	g_assert_cmpuint(regs.vcpu_regs.cs_limit, ==, 0xFFFFFFFF);
	g_assert_cmpuint(regs.vcpu_regs.cs_base, ==, 0);
	g_assert_cmpuint(regs.vcpu_regs.ds_sel, ==, 0x18);
	g_assert_cmpuint(regs.vcpu_regs.es_sel, ==, 0x18);
	g_assert_cmpuint(regs.vcpu_regs.ss_sel, ==, 0x18);
	g_assert_cmpuint(regs.vcpu_regs.gprs.rsi, ==, DM_BOOT_PARAMS_GPA);
	g_assert_cmpuint(regs.vcpu_regs.gprs.rbx, ==, 0);
	g_assert_cmpuint(regs.vcpu_regs.gprs.rbp, ==, 0);
	g_assert_cmpuint(regs.vcpu_regs.gprs.rdi, ==, 0);
	g_assert_cmpuint(regs.vcpu_regs.gdt.base, ==, DM_BOOT_GDT_GPA);
	g_assert_cmpuint(regs.vcpu_regs.gdt.limit, ==, 31);
	g_assert_cmpuint(regs.vcpu_regs.cr4, ==, 0);
	g_assert_cmpuint(regs.vcpu_regs.ia32_efer, ==, 0);

	/* The GDT the selectors index: flat code at 0x10, flat data at 0x18. */
	gdt = dm_gpa2hva(&vm, DM_BOOT_GDT_GPA, 32);
	g_assert_cmpuint(get64(gdt), ==, 0);
	g_assert_cmpuint(get64(gdt + 0x10), ==, 0x00CF9B000000FFFFULL);
	g_assert_cmpuint(get64(gdt + 0x18), ==, 0x00CF93000000FFFFULL);

	/* The kernel at pref_address, byte for byte. */
	g_assert_cmpmem(dm_gpa2hva(&vm, 0x1000000, PM_SIZE), PM_SIZE, k + SETUP_SIZE, PM_SIZE);

	/* Zero page. */
	bp = dm_gpa2hva(&vm, DM_BOOT_PARAMS_GPA, 4096);
	g_assert_cmpuint(bp[0x210], ==, 0xFF);              /* type_of_loader */
	g_assert_cmpuint(bp[0x211], ==, 0x01);              /* heap flag cleared */
	g_assert_cmpuint(get32(bp + 0x214), ==, 0x1000000); /* code32_start */
	g_assert_cmpuint(get32(bp + 0x228), ==, DM_BOOT_CMDLINE_GPA);
	g_assert_cmpstr((char *)dm_gpa2hva(&vm, DM_BOOT_CMDLINE_GPA, 20), ==,
	                "console=ttyS0 quiet");
	g_assert_cmpuint(get64(bp + 0x250), ==, 0);      /* setup_data */
	g_assert_cmpuint(get64(bp + 0x070), ==, RSDP);   /* acpi_rsdp_addr */
	g_assert_cmpuint(get16(bp + 0x206), ==, 0x020F); /* header copied */
	g_assert_cmpmem(bp + 0x202, 4, "HdrS", 4);
	g_assert_cmpuint(get32(bp + 0x1E0), ==, (64 * MIB - MIB) >> 10); /* alt_mem_k */

	/* initrd: page aligned, as high as low RAM allows, intact. */
	rd_addr = get32(bp + 0x218);
	g_assert_cmpuint(get32(bp + 0x21C), ==, sizeof(initrd));
	g_assert_cmpuint(rd_addr % 4096, ==, 0);
	g_assert_cmpuint(rd_addr + sizeof(initrd), <=, 64 * MIB);
	g_assert_cmpuint(rd_addr + sizeof(initrd) + 4096, >, 64 * MIB);
	g_assert_cmpmem(dm_gpa2hva(&vm, rd_addr, sizeof(initrd)), sizeof(initrd), initrd,
	                sizeof(initrd));

	/* e820: RAM, the ACPI area reserved, RAM from 1 MiB, ECAM reserved; no PCI window. */
	g_assert_cmpuint(read_e820(&vm, e), ==, 4);
	g_assert_cmpuint(e[0].addr, ==, 0);
	g_assert_cmpuint(e[0].size, ==, 0xA0000);
	g_assert_cmpuint(e[0].type, ==, 1);
	g_assert_cmpuint(e[1].addr, ==, DM_ACPI_BASE);
	g_assert_cmpuint(e[1].size, ==, DM_ACPI_END - DM_ACPI_BASE);
	g_assert_cmpuint(e[1].type, ==, 2);
	g_assert_cmpuint(e[2].addr, ==, MIB);
	g_assert_cmpuint(e[2].size, ==, 63 * MIB);
	g_assert_cmpuint(e[2].type, ==, 1);
	g_assert_cmpuint(e[3].addr, ==, DM_PCI_ECAM);
	g_assert_cmpuint(e[3].type, ==, 2);
	g_free(k);
	fake_vm_free(&vm, f);
}

static void test_high_memory(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 3072 * MIB);
	struct acrn_vcpu_regs regs;
	GError *err = NULL;
	size_t ksize;
	uint8_t *k = make_image(&ksize), *bp;
	uint8_t initrd[100] = { 1 };
	struct e820 e[8];

	/* initrd_addr_max below the end of low RAM caps the initrd. */
	put32(k + 0x22C, 0x37FFFFFF);
	g_assert_cmpint(
	        dm_bzimage_load_mem(&vm, k, ksize, initrd, sizeof(initrd), NULL, 0, &regs, &err),
	        ==, 0);
	bp = dm_gpa2hva(&vm, DM_BOOT_PARAMS_GPA, 4096);
	g_assert_cmpuint(get32(bp + 0x218), ==, 0x37FFF000);
	g_assert_cmpuint(read_e820(&vm, e), ==, 5);
	g_assert_cmpuint(e[2].size, ==, DM_LOWMEM_LIMIT - MIB);
	g_assert_cmpuint(e[4].addr, ==, DM_HIGHMEM_BASE);
	g_assert_cmpuint(e[4].size, ==, 1024 * MIB);
	g_assert_cmpuint(e[4].type, ==, 1);
	/* No command line: an empty string. */
	g_assert_cmpstr((char *)dm_gpa2hva(&vm, DM_BOOT_CMDLINE_GPA, 1), ==, "");
	g_free(k);
	fake_vm_free(&vm, f);
}

static void test_fixed_address(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 64 * MIB);
	struct acrn_vcpu_regs regs;
	GError *err = NULL;
	size_t ksize;
	uint8_t *k = make_image(&ksize);

	/* Not relocatable: at 1 MiB, whatever pref_address says. */
	k[0x234] = 0;
	g_assert_cmpint(dm_bzimage_load_mem(&vm, k, ksize, NULL, 0, "x", 0, &regs, &err), ==, 0);
	g_assert_cmpuint(regs.vcpu_regs.rip, ==, MIB);
	g_assert_cmpmem(dm_gpa2hva(&vm, MIB, PM_SIZE), PM_SIZE, k + SETUP_SIZE, PM_SIZE);
	g_assert_cmpuint(get32((uint8_t *)dm_gpa2hva(&vm, DM_BOOT_PARAMS_GPA + 0x218, 4)), ==, 0);

	/* Protocol 2.06 has no pref_address or init_size: 1 MiB too. */
	k[0x234] = 1;
	put16(k + 0x206, 0x0206);
	k[0x201] = 0x3A; /* header ends at 0x23C */
	g_assert_cmpint(dm_bzimage_load_mem(&vm, k, ksize, NULL, 0, NULL, 0, &regs, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpuint(regs.vcpu_regs.rip, ==, MIB);
	g_free(k);
	fake_vm_free(&vm, f);
}

typedef void (*breaker)(uint8_t *k, size_t *size);

static void no_signature(uint8_t *k, size_t *s)
{
	(void)s;
	k[0x1FE] = 0;
}

static void no_hdrs(uint8_t *k, size_t *s)
{
	(void)s;
	k[0x202] = 'X';
}

static void old_protocol(uint8_t *k, size_t *s)
{
	(void)s;
	put16(k + 0x206, 0x0205);
}

static void tiny(uint8_t *k, size_t *s)
{
	(void)k;
	*s = 0x100;
}

static void truncated_setup(uint8_t *k, size_t *s)
{
	(void)s;
	k[0x1F1] = 200;
}

static void truncated_kernel(uint8_t *k, size_t *s)
{
	(void)k;
	*s = SETUP_SIZE + PM_SIZE - 16;
}

static void zimage(uint8_t *k, size_t *s)
{
	(void)s;
	k[0x211] = 0;
}

static void no_syssize(uint8_t *k, size_t *s)
{
	(void)s;
	put32(k + 0x1F4, 0);
}

static void bad_alignment(uint8_t *k, size_t *s)
{
	(void)s;
	put32(k + 0x230, 0x3000);
}

static void low_pref(uint8_t *k, size_t *s)
{
	(void)s;
	put64(k + 0x258, 0x80000);
}

static void short_header(uint8_t *k, size_t *s)
{
	(void)s;
	k[0x201] = 0x50; /* a 2.15 header cut before init_size */
}

static void huge_init(uint8_t *k, size_t *s)
{
	(void)s;
	put32(k + 0x260, 0x8000000); /* 128 MiB, the VM has 64 */
}

static void tiny_cmdline(uint8_t *k, size_t *s)
{
	(void)s;
	put32(k + 0x238, 4);
}

static const struct {
	const char *name;
	breaker fn;
	int err;
	const char *msg;
} broken[] = {
	{ "no-signature", no_signature, -ENOEXEC, "0xAA55" },
	{ "no-hdrs", no_hdrs, -ENOEXEC, "\"HdrS\"" },
	{ "old-protocol", old_protocol, -ENOEXEC, "boot protocol 2.05 is too old" },
	{ "tiny", tiny, -ENOEXEC, "256 bytes: too small" },
	{ "truncated-setup", truncated_setup, -ENOEXEC, "setup_sects 200" },
	{ "truncated-kernel", truncated_kernel, -ENOEXEC, "syssize says 65536" },
	{ "zimage", zimage, -ENOEXEC, "not loaded high" },
	{ "no-syssize", no_syssize, -ENOEXEC, "syssize is 0" },
	{ "bad-alignment", bad_alignment, -ENOEXEC, "kernel_alignment 0x3000" },
	{ "low-pref", low_pref, -ENOEXEC, "pref_address 0x80000" },
	{ "short-header", short_header, -ENOEXEC, "too short for protocol 2.15" },
	{ "huge-init", huge_init, -ENOMEM, "low RAM ends at 0x4000000" },
	{ "tiny-cmdline", tiny_cmdline, -E2BIG, "the kernel takes 4 (cmdline_size)" },
};

static void test_broken(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(broken); i++) {
		struct dm_vm vm;
		struct fake_transport *f = fake_vm_new(&vm, 1, 64 * MIB);
		struct acrn_vcpu_regs regs;
		GError *err = NULL;
		size_t ksize;
		uint8_t *k = make_image(&ksize), zero[4096] = { 0 };

		g_test_message("%s", broken[i].name);
		broken[i].fn(k, &ksize);
		g_assert_cmpint(dm_bzimage_load_mem(&vm, k, ksize, NULL, 0, "console=ttyS0", 0,
		                                    &regs, &err),
		                ==, broken[i].err);
		g_assert_nonnull(err);
		if (!strstr(err->message, broken[i].msg))
			g_error("%s: \"%s\" lacks \"%s\"", broken[i].name, err->message,
			        broken[i].msg);
		/* Nothing was written. */
		g_assert_cmpmem(dm_gpa2hva(&vm, DM_BOOT_PARAMS_GPA, 4096), 4096, zero, 4096);
		g_assert_cmpmem(dm_gpa2hva(&vm, 0x1000000, 4096), 4096, zero, 4096);
		g_error_free(err);
		g_free(k);
		fake_vm_free(&vm, f);
	}
}

static void test_initrd_too_big(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 32 * MIB);
	struct acrn_vcpu_regs regs;
	GError *err = NULL;
	size_t ksize, isize = 13 * MIB;
	uint8_t *k = make_image(&ksize), *initrd = g_malloc0(isize);

	/* The kernel ends at 16 + 4 MiB, 13 MiB do not fit below 32 MiB. */
	g_assert_cmpint(dm_bzimage_load_mem(&vm, k, ksize, initrd, isize, NULL, 0, &regs, &err), ==,
	                -ENOMEM);
	g_assert_nonnull(strstr(err->message, "initrd of 13631488 bytes does not fit"));
	g_clear_error(&err);
	g_free(initrd);
	g_free(k);
	fake_vm_free(&vm, f);
}

static void test_files(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 64 * MIB);
	struct dm_boot_cfg cfg = { .kernel = "/nonexistent/bzImage" };
	struct acrn_vcpu_regs regs;
	GError *err = NULL;
	char *path;
	size_t ksize;
	uint8_t *k = make_image(&ksize);

	g_assert_cmpint(dm_bzimage_load(&vm, &cfg, &regs, &err), ==, -ENOENT);
	g_assert_nonnull(strstr(err->message, "kernel (-k): "));
	g_assert_nonnull(strstr(err->message, "/nonexistent/bzImage"));
	g_clear_error(&err);

	/* A broken image's message names the file. */
	k[0x1FE] = 0;
	g_assert_cmpint(g_file_open_tmp("bzimage-XXXXXX", &path, NULL), >=, 0);
	g_assert_true(g_file_set_contents(path, (char *)k, (gssize)ksize, NULL));
	cfg.kernel = path;
	g_assert_cmpint(dm_bzimage_load(&vm, &cfg, &regs, &err), ==, -ENOEXEC);
	g_assert_true(g_str_has_prefix(err->message, "kernel "));
	g_assert_nonnull(strstr(err->message, path));
	g_assert_nonnull(strstr(err->message, "0xAA55"));
	g_clear_error(&err);
	cfg.initrd = "/nonexistent/initrd";
	k[0x1FE] = 0x55;
	g_assert_true(g_file_set_contents(path, (char *)k, (gssize)ksize, NULL));
	g_assert_cmpint(dm_bzimage_load(&vm, &cfg, &regs, &err), ==, -ENOENT);
	g_assert_nonnull(strstr(err->message, "initrd (-r): "));
	g_clear_error(&err);
	cfg.initrd = NULL;
	g_assert_cmpint(dm_bzimage_load(&vm, &cfg, &regs, &err), ==, 0);
	g_assert_no_error(err);
	unlink(path);
	g_free(path);
	g_free(k);
	fake_vm_free(&vm, f);
}

static char *asset(const char *name)
{
	const char *dir = g_getenv("ACRN_LINUX_DIR");

	return g_build_filename(dir ? dir : LINUX_ASSETS, name, NULL);
}

static void test_debian_kernel(void)
{
	char *kpath = asset("bzImage"), *ipath = asset("initramfs.cpio.gz");
	struct dm_boot_cfg cfg = { .kernel = kpath, .cmdline = "console=ttyS0", .rsdp_gpa = RSDP };
	struct acrn_vcpu_regs regs;
	struct dm_vm vm;
	struct fake_transport *f;
	GError *err = NULL;
	gchar *k;
	gsize klen;
	uint8_t *bp;
	size_t setup;
	uint64_t pref;

	if (!g_file_get_contents(kpath, &k, &klen, NULL)) {
		g_test_skip("no Linux kernel in build/linux (run tests/linux/fetch-assets)");
		g_free(kpath);
		g_free(ipath);
		return;
	}
	if (g_file_test(ipath, G_FILE_TEST_EXISTS))
		cfg.initrd = ipath;
	f = fake_vm_new(&vm, 1, 256 * MIB);
	g_assert_cmpint(dm_bzimage_load(&vm, &cfg, &regs, &err), ==, 0);
	g_assert_no_error(err);

	/* Debian's kernel is relocatable and runs where it prefers (16 MiB). */
	pref = get64((uint8_t *)k + 0x258);
	g_assert_cmpuint(get16((uint8_t *)k + 0x206), >=, 0x020F);
	g_assert_cmpuint(k[0x234], ==, 1);
	g_assert_cmpuint(regs.vcpu_regs.rip, ==, pref);
	setup = ((size_t)(uint8_t)k[0x1F1] + 1) * 512;
	g_assert_cmpmem(dm_gpa2hva(&vm, pref, 4096), 4096, k + setup, 4096);
	bp = dm_gpa2hva(&vm, DM_BOOT_PARAMS_GPA, 4096);
	g_assert_cmpuint(get32(bp + 0x214), ==, pref);
	g_assert_cmpuint(get64(bp + 0x070), ==, RSDP);
	if (cfg.initrd) {
		uint32_t addr = get32(bp + 0x218), size = get32(bp + 0x21C);

		g_assert_cmpuint(size, >, 0);
		g_assert_cmpuint(addr, >=, pref + get32((uint8_t *)k + 0x260));
		g_assert_cmpuint((uint64_t)addr + size, <=, 256 * MIB);
	}
	g_free(k);
	g_free(kpath);
	g_free(ipath);
	fake_vm_free(&vm, f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	doubles_reset();
	g_test_add_func("/dm-core/bzimage/good", test_good);
	g_test_add_func("/dm-core/bzimage/high-memory", test_high_memory);
	g_test_add_func("/dm-core/bzimage/fixed-address", test_fixed_address);
	g_test_add_func("/dm-core/bzimage/broken", test_broken);
	g_test_add_func("/dm-core/bzimage/initrd-too-big", test_initrd_too_big);
	g_test_add_func("/dm-core/bzimage/files", test_files);
	g_test_add_func("/dm-core/bzimage/debian-kernel", test_debian_kernel);
	return g_test_run();
}
