/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bootstrap-processor setup: console, multiboot information, CPU features,
 * pCPU discovery from the firmware's ACPI MADT, the page pool, and then the
 * arch-neutral boot (hv_core_main).
 */
#include <arch/acpi_fw.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/vrtc.h>
#include <arch/x86_vcpu.h>
#include <hv/boot.h>
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>

#define MB_BOOTLOADER_MAGIC 0x2BADB002

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __packed;

struct mb_module {
	uint32_t start, end, string, reserved;
} __packed;

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __packed;

extern uint8_t hv_image_start[], hv_image_end[];

struct x86_features x86_features;
const struct x86_vendor_ops *x86_vendor;
static uint64_t pool_bitmap[GiB(4) / PAGE_SIZE / 64];

void x86_pcpu_set_self(struct pcpu *p);
void x86_pcpu_init(struct pcpu *p);

static void copy_str(char *dst, size_t size, uint32_t src)
{
	const char *s = hpa_to_ptr(src);
	size_t n = src ? strnlen(s, size - 1) : 0;

	memcpy(dst, s, n);
	dst[n] = '\0';
}

/*
 * Loaders pass "PATH [NAME]" as a module's command line (QEMU -initrd
 * "file name", GRUB "module /boot/file name"): the last word names the
 * module, and a lone path names it by its file name.
 */
static void module_name(char *dst, size_t size, uint32_t cmdline)
{
	const char *s = cmdline ? hpa_to_ptr(cmdline) : "";
	size_t len = strnlen(s, 1024), start, end;

	end = len;
	while (end && s[end - 1] == ' ')
		end--;
	start = end;
	while (start && s[start - 1] != ' ' && s[start - 1] != '/')
		start--;
	len = MIN(end - start, size - 1);
	memcpy(dst, s + start, len);
	dst[len] = '\0';
}

static void parse_multiboot(uint32_t magic, const struct mb_info *mb)
{
	if (magic != MB_BOOTLOADER_MAGIC) {
		pr_err("not started by a multiboot loader (magic 0x%x)\n", magic);
		pcpu_arch_board_off(1);
	}
	if (mb->flags & BIT(2))
		copy_str(boot_info.cmdline, sizeof(boot_info.cmdline), mb->cmdline);
	if (mb->flags & BIT(3)) {
		const struct mb_module *m = hpa_to_ptr(mb->mods_addr);

		for (uint32_t i = 0; i < mb->mods_count && i < BOOT_MAX_MODULES; i++) {
			struct boot_module *bm = &boot_info.modules[boot_info.nr_modules++];

			module_name(bm->name, sizeof(bm->name), m[i].string);
			bm->start = m[i].start;
			bm->size = m[i].end - m[i].start;
		}
	}
	if (mb->flags & BIT(6)) {
		uint32_t off = 0;

		while (off < mb->mmap_length && boot_info.nr_ram < BOOT_MAX_RAM_RANGES) {
			const struct mb_mmap *e = hpa_to_ptr(mb->mmap_addr + off);

			if (e->type == 1)
				boot_info.ram[boot_info.nr_ram++] =
				        (struct boot_ram_range){ e->addr, e->len };
			off += e->size + 4;
		}
	}
}

static void detect_features(void)
{
	uint32_t a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	x86_features.vmx = c & BIT(5);
	x86_features.x2apic = c & BIT(21);
	x86_features.tsc_deadline = c & BIT(24);
	x86_features.xsave = c & BIT(26);
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	x86_features.svm = c & BIT(2);
	x86_features.pdpe1gb = d & BIT(26);
	cpuid_count(0x80000007, 0, &a, &b, &c, &d);
	x86_features.invariant_tsc = d & BIT(8);
	if (x86_features.svm) {
		cpuid_count(0x8000000A, 0, &a, &b, &c, &d);
		x86_features.npt = d & BIT(0);
		x86_features.svm_nr_asids = b;
	}
	if (x86_features.xsave) {
		cpuid_count(0xD, 0, &a, &b, &c, &d);
		x86_features.xcr0_max = ((uint64_t)d << 32 | a) & 0x7; /* x87, SSE, AVX */
		x86_features.xsave_size = c;
	}
}

/* Find local APIC ids of the enabled processors in the firmware's MADT. */
static void discover_pcpus(void)
{
	const uint8_t *rsdp = acpi_fw_rsdp(), *madt, *e;
	uint32_t off = 0;

	pcpus[0].hw_id = lapic_id();
	nr_pcpus = 1;
	if (!rsdp) {
		pr_warn("no ACPI RSDP: running on the bootstrap pCPU only\n");
		return;
	}
	madt = acpi_fw_table(rsdp, "APIC");
	if (!madt)
		return;
	while ((e = madt_next(madt, &off))) {
		/* Processor local APIC; flags bit 0: enabled. */
		if (e[0] == MADT_LAPIC && (*(const uint32_t *)(e + 4) & 1) &&
		    e[3] != pcpus[0].hw_id && nr_pcpus < MAX_PCPUS) {
			pcpus[nr_pcpus].id = (cpuid_t)nr_pcpus;
			pcpus[nr_pcpus].hw_id = e[3];
			nr_pcpus++;
		}
	}
}

/* The page pool spans low 4 GiB RAM; the image and boot modules are carved out. */
static void init_page_pool(void)
{
	paddr_t top = 0;

	for (unsigned i = 0; i < boot_info.nr_ram; i++) {
		paddr_t end = boot_info.ram[i].start + boot_info.ram[i].size;

		if (end > top)
			top = MIN(end, GiB(4));
	}
	top = ALIGN_DOWN(top, PAGE_SIZE);
	page_pool_init(&hv_pages, 0, top / PAGE_SIZE, pool_bitmap);
	/* Everything not listed as RAM is unusable; then the low MiB, image and modules. */
	page_pool_reserve(&hv_pages, 0, top / PAGE_SIZE);
	for (unsigned i = 0; i < boot_info.nr_ram; i++) {
		paddr_t s = ALIGN_UP(boot_info.ram[i].start, PAGE_SIZE);
		paddr_t e = ALIGN_DOWN(MIN(boot_info.ram[i].start + boot_info.ram[i].size, top),
		                       PAGE_SIZE);

		if (e > s)
			page_pool_free(&hv_pages, s, (e - s) / PAGE_SIZE);
	}
	page_pool_reserve(&hv_pages, 0, MiB(1) / PAGE_SIZE);
	page_pool_reserve(&hv_pages, ptr_to_hpa(hv_image_start),
	                  (size_t)(hv_image_end - hv_image_start + PAGE_SIZE - 1) / PAGE_SIZE);
	for (unsigned i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		page_pool_reserve(&hv_pages, ALIGN_DOWN(m->start, PAGE_SIZE),
		                  (ALIGN_UP(m->start + m->size, PAGE_SIZE) -
		                   ALIGN_DOWN(m->start, PAGE_SIZE)) /
		                          PAGE_SIZE);
	}
}

void hv_main(uint32_t magic, const struct mb_info *mb)
{
	struct pcpu *bsp = &pcpus[0];

	x86_pcpu_set_self(bsp);
	console_arch_init();
	pr_info("ACRN-style hypervisor starting (x86-64)\n");
	parse_multiboot(magic, mb);
	detect_features();
	/* VMX's own capabilities (EPT, unrestricted guest) are checked when enabling it. */
	if (x86_features.svm && x86_features.npt) {
		x86_vendor = &svm_ops;
	} else if (x86_features.vmx) {
		x86_vendor = &vmx_ops;
	} else {
		pr_err("this CPU has neither SVM with nested paging nor VMX\n");
		pcpu_arch_board_off(1);
	}
	init_page_pool();
	x86_mmu_init();
	legacy_pic_disable();
	discover_pcpus();
	x86_pcpu_init(bsp);
	tsc_calibrate();
	lapic_init();
	vrtc_init_board_time();
	bsp->online = true;
	/* A deliberate fault, so a test can check the crash report end to end. */
	if (boot_cmdline_has("selftest=crash")) {
		pr_info("selftest: faulting on purpose\n");
		__asm__ volatile("ud2");
	}
	pr_info("vCPU backend %s, TSC-deadline timer %s, XSAVE %s (guest XCR0 0x%lx)\n",
	        x86_vendor->name, x86_features.tsc_deadline ? "yes" : "no",
	        x86_features.xsave ? "yes" : "no", x86_features.xcr0_max);
	hv_core_main();
}
