/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <glib.h>

#include <acrn/bridge.h>

#include "alloc.h"

int bridge_alloc_init(struct bridge_alloc *a, uint64_t ram_size)
{
	memset(a, 0, sizeof(*a));
	if (ram_size % ACRN_BRIDGE_GRANULE || ram_size < 2 * ACRN_BRIDGE_GRANULE ||
	    ram_size / ACRN_BRIDGE_GRANULE > UINT32_MAX)
		return -EINVAL;
	a->ram_size = ram_size;
	a->nr_granules = (uint32_t)(ram_size / ACRN_BRIDGE_GRANULE);
	a->free_granules = a->nr_granules - 1;
	a->granule_used = g_new0(bool, a->nr_granules);
	a->granule_used[0] = true;
	for (unsigned i = 0; i < ACRN_BRIDGE_FIRST_FREE_PG; i++)
		a->page_used[i / 64] |= 1ULL << (i % 64);
	return 0;
}

void bridge_alloc_fini(struct bridge_alloc *a)
{
	g_free(a->granule_used);
	memset(a, 0, sizeof(*a));
}

int bridge_alloc_page(struct bridge_alloc *a, uint64_t *gpa)
{
	for (unsigned i = ACRN_BRIDGE_FIRST_FREE_PG; a->ram_size && i < BRIDGE_ALLOC_PAGES; i++) {
		if (a->page_used[i / 64] & (1ULL << (i % 64)))
			continue;
		a->page_used[i / 64] |= 1ULL << (i % 64);
		*gpa = (uint64_t)i * ACRN_BRIDGE_PAGE_SIZE;
		return 0;
	}
	return -ENOMEM;
}

int bridge_free_page(struct bridge_alloc *a, uint64_t gpa)
{
	uint64_t i = gpa / ACRN_BRIDGE_PAGE_SIZE;

	if (gpa % ACRN_BRIDGE_PAGE_SIZE || i < ACRN_BRIDGE_FIRST_FREE_PG ||
	    i >= BRIDGE_ALLOC_PAGES || !(a->page_used[i / 64] & (1ULL << (i % 64))))
		return -EINVAL;
	a->page_used[i / 64] &= ~(1ULL << (i % 64));
	return 0;
}

int bridge_alloc_ram(struct bridge_alloc *a, uint64_t size, uint64_t *gpa)
{
	uint64_t want;
	uint32_t run = 0;

	if (!size || size % ACRN_BRIDGE_GRANULE)
		return -EINVAL;
	want = size / ACRN_BRIDGE_GRANULE;
	if (want > a->free_granules)
		return -ENOMEM;
	for (uint32_t i = 1; i < a->nr_granules; i++) {
		run = a->granule_used[i] ? 0 : run + 1;
		if (run < want)
			continue;
		for (uint32_t j = i + 1 - run; j <= i; j++)
			a->granule_used[j] = true;
		a->free_granules -= run;
		*gpa = (uint64_t)(i + 1 - run) * ACRN_BRIDGE_GRANULE;
		return 0;
	}
	return -ENOMEM; /* enough in total, but fragmented */
}

int bridge_free_ram(struct bridge_alloc *a, uint64_t gpa, uint64_t size)
{
	uint64_t first = gpa / ACRN_BRIDGE_GRANULE, n = size / ACRN_BRIDGE_GRANULE;

	if (!size || gpa % ACRN_BRIDGE_GRANULE || size % ACRN_BRIDGE_GRANULE || first == 0 ||
	    first >= a->nr_granules || n > a->nr_granules - first)
		return -EINVAL;
	for (uint64_t i = first; i < first + n; i++)
		if (!a->granule_used[i])
			return -EINVAL;
	for (uint64_t i = first; i < first + n; i++)
		a->granule_used[i] = false;
	a->free_granules += (uint32_t)n;
	return 0;
}

uint64_t bridge_alloc_free_bytes(const struct bridge_alloc *a)
{
	return (uint64_t)a->free_granules * ACRN_BRIDGE_GRANULE;
}
