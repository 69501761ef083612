/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Boot-hart setup under OpenSBI: device tree, console, boot modules, the
 * page pool, pCPU discovery, timer, then the arch-neutral boot (hv_core_main).
 *
 * Memory map (QEMU virt): OpenSBI owns RAM below 0x80200000; the hypervisor
 * image is linked and runs at 0x80200000 with translation off (satp = 0), so
 * physical addresses are pointers. The page pool is every RAM page above the
 * image, minus the device tree and the module archive (QEMU's initrd).
 */
#include <arch/board.h>
#include <arch/cpu.h>
#include <arch/sbi.h>
#include <arch/trap.h>
#include <hv/boot.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>

/* The pool bitmap covers this much RAM above the image; more is left unused. */
#define POOL_MAX_BYTES GiB(8)

extern uint8_t hv_image_start[], hv_image_end[];

static uint64_t pool_bitmap[POOL_MAX_BYTES / PAGE_SIZE / 64];

void rv_pcpu_init(struct pcpu *p);

static void reserve_range(paddr_t start, paddr_t end)
{
	paddr_t s = ALIGN_DOWN(start, PAGE_SIZE), e = ALIGN_UP(end, PAGE_SIZE);

	if (e > s)
		page_pool_reserve(&hv_pages, s, (e - s) / PAGE_SIZE);
}

static void init_page_pool(paddr_t fdt, uint32_t fdt_size)
{
	paddr_t base = ALIGN_UP(ptr_to_hpa(hv_image_end), PAGE_SIZE), top = base;

	for (unsigned i = 0; i < boot_info.nr_ram; i++) {
		const struct boot_ram_range *r = &boot_info.ram[i];

		if (r->start <= base && r->start + r->size > top)
			top = r->start + r->size;
	}
	top = ALIGN_DOWN(MIN(top, base + POOL_MAX_BYTES), PAGE_SIZE);
	page_pool_init(&hv_pages, base, (top - base) / PAGE_SIZE, pool_bitmap);
	reserve_range(fdt, fdt + fdt_size);
	if (rv_board.initrd_end > rv_board.initrd_start)
		reserve_range(rv_board.initrd_start, rv_board.initrd_end);
}

static void discover_pcpus(uint64_t boot_hartid)
{
	pcpus[0].id = 0;
	pcpus[0].hw_id = (uint32_t)boot_hartid;
	nr_pcpus = 1;
	for (unsigned i = 0; i < rv_board.nr_harts && nr_pcpus < MAX_PCPUS; i++) {
		if (rv_board.hartid[i] == boot_hartid)
			continue;
		pcpus[nr_pcpus].id = (cpuid_t)nr_pcpus;
		pcpus[nr_pcpus].hw_id = (uint32_t)rv_board.hartid[i];
		nr_pcpus++;
	}
}

void rv_main(uint64_t hartid, paddr_t fdt)
{
	struct pcpu *bsp = &pcpus[0];
	uint32_t fdt_size = fdt_total_size(hpa_to_ptr(fdt));
	int err = fdt_size ? fdt_scan(hpa_to_ptr(fdt)) : -EINVAL;

	bsp->self = bsp;
	__asm__ volatile("mv tp, %0" ::"r"(bsp));
	console_arch_init();
	pr_info("ACRN-style hypervisor starting (riscv64), boot hart %lu\n", hartid);
	if (err) {
		pr_err("no valid device tree at 0x%lx (error %d)\n", fdt, err);
		pcpu_arch_board_off(1);
	}
	if (!rv_board.hext) {
		pr_err("the harts have no H extension: this hypervisor needs it\n");
		pcpu_arch_board_off(1);
	}
	if (!rv_board.timebase_hz) {
		pr_err("device tree gives no timebase-frequency\n");
		pcpu_arch_board_off(1);
	}
	tsc_khz = rv_board.timebase_hz / 1000;
	if (rv_board.initrd_end > rv_board.initrd_start) {
		err = rv_modules_parse(rv_board.initrd_start, rv_board.initrd_end);
		if (err)
			pr_err("boot modules: initrd at 0x%lx is not a valid newc cpio archive\n",
			       rv_board.initrd_start);
	}
	init_page_pool(fdt, fdt_size);
	discover_pcpus(hartid);
	rv_pcpu_init(bsp);
	bsp->online = true;
	/* A deliberate fault, so a test can check the crash report end to end. */
	if (boot_cmdline_has("selftest=crash")) {
		pr_info("selftest: faulting on purpose\n");
		__asm__ volatile("unimp");
	}
	pr_info("timebase %lu Hz, timer via %s, SBI HSM %s, %u hart(s) in the device tree\n",
	        rv_board.timebase_hz, rv_board.sstc ? "Sstc" : "SBI TIME",
	        sbi_probe(SBI_EXT_HSM) ? "yes" : "no", rv_board.nr_harts);
	hv_core_main();
}
