/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical memory: a bitmap page pool over the RAM the hypervisor owns.
 * The hypervisor runs identity-mapped, so a physical address is also a
 * pointer (hpa_to_ptr makes that explicit at each use).
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/spinlock.h>
#include <hv/types.h>

struct page_pool {
	struct spinlock lock;
	paddr_t base; /* first frame, page aligned */
	uint64_t nr_pages;
	uint64_t nr_free;
	uint64_t *bitmap; /* 1 = in use; nr_pages bits */
	uint64_t hint;    /* where the next search starts */
};

void page_pool_init(struct page_pool *pool, paddr_t base, uint64_t nr_pages, uint64_t *bitmap);
/* Mark [pa, pa + nr_pages pages) in use, e.g. for boot modules. */
void page_pool_reserve(struct page_pool *pool, paddr_t pa, uint64_t nr_pages);
/* Contiguous run of nr_pages frames aligned to align_pages; 0 when none is free. */
paddr_t page_pool_alloc(struct page_pool *pool, uint64_t nr_pages, uint64_t align_pages);
void page_pool_free(struct page_pool *pool, paddr_t pa, uint64_t nr_pages);

extern struct page_pool hv_pages;

/* Page-table pages for struct pgtable: zeroed, naturally aligned, from hv_pages. */
paddr_t pgtable_pool_alloc(void *ctx, size_t size);
void pgtable_pool_free(void *ctx, paddr_t pa, size_t size);

/* One zeroed 4 KiB page from hv_pages, or NULL. */
void *page_alloc_zeroed(void);
void page_free(void *page);

static inline void *hpa_to_ptr(paddr_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline paddr_t ptr_to_hpa(const void *p)
{
	return (paddr_t)(uintptr_t)p;
}

#endif
