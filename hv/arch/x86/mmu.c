/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor's own page tables, built with the shared walker once the
 * page pool exists, replacing boot.S's provisional map: the same identity
 * map of the low 4 GiB, but code is read-only, nothing else is executable,
 * and the MMIO hole is uncached.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/npt.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/pgtable.h>

#define MMIO_HOLE       0xC0000000ULL
#define TRAMPOLINE_PAGE 0x7000ULL /* AP start-up code runs here (pcpu.c) */

extern uint8_t hv_image_start[], hv_text_end[], hv_rodata_end[], hv_image_end[];

static struct pgtable hv_pt = { .fmt = &x86_host_fmt,
	                        .alloc_table = pgtable_pool_alloc,
	                        .free_table = pgtable_pool_free };

static int map(uint64_t start, uint64_t end, unsigned prot)
{
	return end > start ? pgtable_map(&hv_pt, start, start, end - start, prot) : 0;
}

void x86_mmu_init(void)
{
	const paddr_t text = ptr_to_hpa(hv_image_start), text_end = ptr_to_hpa(hv_text_end);
	const paddr_t ro_end = ptr_to_hpa(hv_rodata_end), image_end = ptr_to_hpa(hv_image_end);
	int err = pgtable_init(&hv_pt);

	/* Low memory: firmware tables, the AP trampoline page (which must execute). */
	err = err ?: map(0, TRAMPOLINE_PAGE, PGT_READ | PGT_WRITE);
	err = err ?: map(TRAMPOLINE_PAGE, TRAMPOLINE_PAGE + PAGE_SIZE, PGT_RWX);
	err = err ?: map(TRAMPOLINE_PAGE + PAGE_SIZE, text, PGT_READ | PGT_WRITE);
	err = err ?: map(text, text_end, PGT_READ | PGT_EXEC);
	err = err ?: map(text_end, ro_end, PGT_READ);
	err = err ?: map(ro_end, image_end, PGT_READ | PGT_WRITE);
	err = err ?: map(image_end, MMIO_HOLE, PGT_READ | PGT_WRITE);
	err = err ?: map(MMIO_HOLE, GiB(4), PGT_READ | PGT_WRITE | PGT_UNCACHED);
	if (err) {
		pr_err("cannot build the hypervisor page tables (error %d)\n", err);
		pcpu_arch_board_off(1);
	}
	write_cr3(hv_pt.root);
	pr_info("page tables: code 0x%lx-0x%lx read-only, data no-execute\n", text, text_end);
}
