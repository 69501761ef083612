/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/lib.h>
#include <hv/mm.h>

struct page_pool hv_pages;

void *page_alloc_zeroed(void)
{
	paddr_t pa = page_pool_alloc(&hv_pages, 1, 1);

	if (!pa)
		return NULL;
	memset(hpa_to_ptr(pa), 0, PAGE_SIZE);
	return hpa_to_ptr(pa);
}

void page_free(void *page)
{
	page_pool_free(&hv_pages, ptr_to_hpa(page), 1);
}

paddr_t pgtable_pool_alloc(void *ctx, size_t size)
{
	uint64_t pages = size / PAGE_SIZE;
	paddr_t pa = page_pool_alloc(&hv_pages, pages, pages);

	(void)ctx;
	if (pa)
		memset(hpa_to_ptr(pa), 0, size);
	return pa;
}

void pgtable_pool_free(void *ctx, paddr_t pa, size_t size)
{
	(void)ctx;
	page_pool_free(&hv_pages, pa, size / PAGE_SIZE);
}
