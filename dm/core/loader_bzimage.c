/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Direct Linux boot (Documentation/arch/x86/boot.rst, 32-bit protocol): the
 * protected-mode kernel, initrd and command line go straight into guest RAM,
 * a zero page describes them with the e820 map, and the BSP starts in flat
 * 32-bit protected mode with a GDT built here. Images come from the user
 * and may be anything: every header field is checked before RAM is touched.
 *
 * The protocol is the hypervisor's (arch/linux_bootproto.h, compiled hosted
 * from hv/arch/x86/guest/linux_bootproto.c); acrn-dm's own part is reading
 * files, its RAM split at 4 GiB and the ACRN vCPU registers.
 *
 * Low RAM the loader uses (Linux keeps all of it reserved while booting):
 *   0x0000 zeroed (no BDA/EBDA pointer), 0x6000 GDT, 0x7000 zero page,
 *   0x8000 command line; the kernel at pref_address or 1 MiB, the initrd
 *   page-aligned as high as initrd_addr_max and low RAM allow.
 */
#include <arch/linux_bootproto.h>
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include <acrn/vm.h>
#include <dm/log.h>
#include <dm/platform.h>
#include <dm/vm.h>

#include "core.h"

#define MIB         0x100000ULL
#define LOW_RAM_TOP 0xA0000ULL /* conventional memory ends at the VGA hole */
#define ECAM_SIZE   0x10000000ULL
/* cmdline_size exists from 2.06. */
#define MIN_PROTOCOL 0x0206
#define WHY_LEN      200

/* VMX access rights of the flat code segment (G, D, P, S, execute/read, accessed). */
#define CS_AR_CODE32 0xC09B

/* core.h's boot area is the protocol's. */
_Static_assert(DM_BOOT_GDT_GPA == LINUX_BOOT_GDT_GPA &&
                       DM_BOOT_PARAMS_GPA == LINUX_BOOT_PARAMS_GPA &&
                       DM_BOOT_CMDLINE_GPA == LINUX_BOOT_CMDLINE_GPA &&
                       DM_BOOT_CMDLINE_MAX == LINUX_BOOT_CMDLINE_MAX &&
                       DM_BOOT_CS == LINUX_BOOT_CS && DM_BOOT_DS == LINUX_BOOT_DS,
               "dm/core/core.h and arch/linux_bootproto.h disagree on the boot area");

static int bad(GError **error, int err, const char *why)
{
	g_set_error_literal(error, G_IO_ERROR,
	                    err == -ENOMEM ? G_IO_ERROR_NO_SPACE : G_IO_ERROR_INVALID_DATA, why);
	return err;
}

/* The map: low RAM, ACPI, RAM from 1 MiB, ECAM and what lies above 4 GiB. */
static int e820_build(const struct dm_vm *vm, struct e820_entry *out, unsigned max)
{
	const struct linux_e820_layout map = {
		.conv_end = MIN(vm->lowmem, LOW_RAM_TOP),
		.acpi_base = DM_ACPI_BASE,
		.acpi_end = DM_ACPI_END,
		.low_end = vm->lowmem,
		/* Linux trusts MMCONFIG only where the firmware reserved it. */
		.mmcfg_base = DM_PCI_ECAM,
		.mmcfg_size = ECAM_SIZE,
		.high_base = DM_HIGHMEM_BASE,
		.high_size = vm->highmem,
	};

	return linux_e820_build(&map, out, max);
}

static void fill_regs(struct acrn_vcpu_regs *regs, uint64_t entry)
{
	struct acrn_regs *r = &regs->vcpu_regs;

	memset(regs, 0, sizeof(*regs));
	regs->vcpu_id = 0;
	r->gdt.base = DM_BOOT_GDT_GPA;
	r->gdt.limit = LINUX_BOOT_GDT_LIMIT;
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
	/* A relocatable kernel goes at pref_address, a fixed one at 1 MiB. */
	const struct linux_bzimage_rules rules = { .min_version = MIN_PROTOCOL,
		                                   .pref_limit = DM_LOWMEM_LIMIT,
		                                   .ram_end = vm->lowmem };
	struct linux_boot_data b = { .cmdline = cmdline, .rsdp_gpa = rsdp_gpa };
	struct e820_entry e820[E820_MAX_ZEROPAGE];
	struct linux_bzimage bz;
	char why[WHY_LEN];
	int n, ret;

	if (!vm->ram_low || vm->lowmem < 2 * MIB)
		return bad(error, -EINVAL, "guest low RAM missing or below 2 MiB");
	ret = linux_bzimage_parse(kernel, ksize, &rules, &bz, why, sizeof(why));
	if (!ret)
		ret = linux_cmdline_check(&bz, cmdline, &b.cmdline_len, why, sizeof(why));
	if (!ret && initrd) {
		b.initrd = initrd;
		b.initrd_size = isize;
		ret = linux_initrd_place(&bz, vm->lowmem, isize, &b.initrd_gpa, why, sizeof(why));
	}
	if (ret)
		return bad(error, ret, why);
	n = e820_build(vm, e820, E820_MAX_ZEROPAGE);
	if (n < 0)
		return bad(error, n, "e820 map does not fit the zero page");
	b.e820 = e820;
	b.e820_n = (unsigned)n;
	b.alt_mem_k = (uint32_t)((vm->lowmem - MIB) >> 10);

	/* Everything is checked; from here on only writes inside low RAM. */
	linux_boot_write(vm->ram_low, kernel, &bz, &b);
	fill_regs(regs, bz.load);
	dm_info("Linux boot protocol %u.%02u: kernel 0x%zx bytes at 0x%llx, initrd 0x%zx bytes at "
	        "0x%llx",
	        bz.version >> 8, bz.version & 0xFF, bz.pm_size, (unsigned long long)bz.load,
	        b.initrd_size, (unsigned long long)b.initrd_gpa);
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
		if (g_str_has_prefix((*error)->message, "initrd"))
			g_prefix_error(error, "initrd %s: ", cfg->initrd);
		else
			g_prefix_error(error, "kernel %s: ", cfg->kernel);
	}
	g_free(k);
	g_free(i);
	return ret;
}
