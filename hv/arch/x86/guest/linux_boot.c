/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bzImage loader for pre-launched VMs (32-bit boot protocol, see
 * Documentation/x86/boot.rst and arch/linux_boot.h for the layout). The
 * protocol itself is shared with acrn-dm (guest/linux_bootproto.c); what is
 * the hypervisor's own: images are boot modules, RAM is one block.
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

#define LOW_RAM_END    0x9F000ULL /* below: usable; Linux reserves 0x9F000+ anyway */
#define HIGH_RAM_START 0x100000ULL
#define WHY_LEN        160

/* End of guest RAM usable below the 4 GiB MMIO hole. */
static uint64_t low_ram_end(const struct x86_vm_layout *l)
{
	return MIN(l->ram_size, X86_MMIO_HOLE_START);
}

int x86_e820_build(const struct x86_vm_layout *l, struct e820_entry *out, unsigned max)
{
	struct linux_e820_layout map;

	if (!l || l->ram_size < HIGH_RAM_START) {
		pr_err("e820: VM needs at least 1 MiB of RAM\n");
		return -EINVAL;
	}
	map = (struct linux_e820_layout){
		.conv_end = LOW_RAM_END,
		.acpi_base = ACPI_AREA_GPA,
		.acpi_end = ACPI_AREA_END,
		.low_end = low_ram_end(l),
		/* RAM shadowed by the MMIO hole is skipped; what lies above 4 GiB is not. */
		.high_base = X86_MMIO_HOLE_END,
		.high_size = l->ram_size > X86_MMIO_HOLE_END ? l->ram_size - X86_MMIO_HOLE_END : 0,
	};
	return linux_e820_build(&map, out, max);
}

/* [a, a+alen) and [b, b+blen) overlap (host addresses). */
static bool ranges_overlap(const void *a, size_t alen, const void *b, size_t blen)
{
	uintptr_t as = (uintptr_t)a, bs = (uintptr_t)b;

	return alen && blen && as < bs + blen && bs < as + alen;
}

int linux_boot_prepare(const struct x86_vm_layout *l, const struct x86_guest_image *kernel,
                       const struct x86_guest_image *initrd, const char *cmdline,
                       struct x86_boot_entry *entry)
{
	struct e820_entry e820[8]; /* x86_e820_build() makes at most 4 */
	struct linux_bzimage bz;
	struct linux_bzimage_rules rules;
	struct linux_boot_data b = { .cmdline = cmdline, .rsdp_gpa = ACPI_RSDP_GPA };
	char why[WHY_LEN];
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

	/* Always at pref_address: the decompressor never goes below it anyway. */
	rules = (struct linux_bzimage_rules){ .min_version = LINUX_BOOT_MIN_PROTOCOL,
		                              .need_64bit = true,
		                              .load_at_pref = true,
		                              .pref_limit = X86_MMIO_HOLE_START,
		                              .ram_end = low_ram_end(l) };
	ret = linux_bzimage_parse(kernel->data, kernel->size, &rules, &bz, why, sizeof(why));
	if (!ret)
		ret = linux_cmdline_check(&bz, cmdline, &b.cmdline_len, why, sizeof(why));
	if (!ret && initrd) {
		if (!initrd->data ||
		    ranges_overlap(initrd->data, initrd->size, l->ram, l->ram_size)) {
			pr_err("linux: initrd module is missing or overlaps the VM's RAM\n");
			return -EINVAL;
		}
		b.initrd = initrd->data;
		b.initrd_size = initrd->size;
		ret = linux_initrd_place(&bz, low_ram_end(l), initrd->size, &b.initrd_gpa, why,
		                         sizeof(why));
	}
	if (ret) {
		pr_err("linux: %s\n", why);
		return ret;
	}

	n = x86_e820_build(l, e820, ARRAY_SIZE(e820));
	if (n < 0)
		return n;
	b.e820 = e820;
	b.e820_n = (unsigned)n;
	b.alt_mem_k = (uint32_t)MIN((low_ram_end(l) - HIGH_RAM_START) >> 10, (uint64_t)UINT32_MAX);

	/* Everything is validated; from here on only writes within RAM. */
	ret = acpi_build_tables(l);
	if (ret)
		return ret;
	linux_boot_write(l->ram, kernel->data, &bz, &b);

	memset(entry, 0, sizeof(*entry));
	entry->rip = bz.load;
	entry->rsi = LINUX_BOOT_PARAMS_GPA;
	entry->rbx = 0;
	entry->gdt_base = LINUX_BOOT_GDT_GPA;
	entry->gdt_limit = LINUX_BOOT_GDT_LIMIT;
	entry->cs_sel = LINUX_BOOT_CS;
	entry->ds_sel = LINUX_BOOT_DS;

	pr_info("linux: bzImage protocol %u.%02u, kernel 0x%zx bytes at 0x%llx (needs 0x%llx), "
	        "initrd 0x%zx bytes at 0x%llx, cmdline \"%s\"\n",
	        bz.version >> 8, bz.version & 0xFF, bz.pm_size, (unsigned long long)bz.load,
	        (unsigned long long)bz.need, b.initrd_size, (unsigned long long)b.initrd_gpa,
	        cmdline ? cmdline : "");
	return 0;
}
