/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Service-VM RAM of the board bridge, as acrn-bridged hands it out: single
 * pages from the first 2 MiB (ioreq pages, sbufs; the header and argument
 * pages before them are never given out) and contiguous 2 MiB granules
 * above (guest RAM). Addresses are Service-VM GPAs. Not thread-safe.
 */
#ifndef ACRN_BRIDGE_ALLOC_H
#define ACRN_BRIDGE_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#define BRIDGE_ALLOC_PAGES (0x200000U / 4096U)

struct bridge_alloc {
	uint64_t ram_size;
	uint32_t nr_granules; /* granule 0 is the page area */
	uint32_t free_granules;
	bool *granule_used;
	uint64_t page_used[BRIDGE_ALLOC_PAGES / 64];
};

/* @ram_size: a multiple of 2 MiB, at least 4 MiB. */
int bridge_alloc_init(struct bridge_alloc *a, uint64_t ram_size);
void bridge_alloc_fini(struct bridge_alloc *a);
int bridge_alloc_page(struct bridge_alloc *a, uint64_t *gpa);
int bridge_free_page(struct bridge_alloc *a, uint64_t gpa);
/* @size: a non-zero multiple of 2 MiB; the block is contiguous. */
int bridge_alloc_ram(struct bridge_alloc *a, uint64_t size, uint64_t *gpa);
/* Exactly a block (or a whole run of granules) that was allocated. */
int bridge_free_ram(struct bridge_alloc *a, uint64_t gpa, uint64_t size);
uint64_t bridge_alloc_free_bytes(const struct bridge_alloc *a);

#endif
