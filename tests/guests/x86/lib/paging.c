// SPDX-License-Identifier: BSD-3-Clause
/*
 * Extra mappings on top of crt0's 4 GiB identity map (long-mode guests only),
 * so tests can run code and touch MMIO through addresses that differ from
 * the guest-physical ones and make the hypervisor walk the guest's tables.
 */
#include "guest.h"

#ifdef __x86_64__
extern uint64_t guest_pml4[512];

/* A small pool of page-table pages for the extra mappings. */
static uint64_t pt_pool[8][512] __attribute__((aligned(4096)));
static unsigned int pt_pool_used;

static uint64_t *table_next(uint64_t *table, unsigned int idx)
{
	uint64_t *next;

	if (table[idx] & PTE_P)
		return (uint64_t *)(uintptr_t)(table[idx] & 0x000ffffffffff000ull);
	if (pt_pool_used == ARRAY_SIZE(pt_pool)) {
		gprintf("FAIL page-table pool exhausted\n");
		test_end();
	}
	next = pt_pool[pt_pool_used++];
	memset(next, 0, 4096);
	table[idx] = (uintptr_t)next | PTE_P | PTE_RW;
	return next;
}

void map_page_4k(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pdpt = table_next(guest_pml4, (va >> 39) & 511);
	uint64_t *pd = table_next(pdpt, (va >> 30) & 511);
	uint64_t *pt;

	if (pd[(va >> 21) & 511] & PTE_PS) {
		gprintf("FAIL map_page_4k: 0x%llx is inside a large page\n",
		        (unsigned long long)va);
		test_end();
	}
	pt = table_next(pd, (va >> 21) & 511);
	pt[(va >> 12) & 511] = (pa & ~0xfffull) | flags | PTE_P;
	invlpg(va);
}

bool map_page_1g(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pdpt;

	if (!(cpuid(0x80000001).edx & (1u << 26)))
		return false;
	pdpt = table_next(guest_pml4, (va >> 39) & 511);
	pdpt[(va >> 30) & 511] = (pa & ~0x3fffffffull) | flags | PTE_PS | PTE_P;
	invlpg(va);
	return true;
}
#endif
