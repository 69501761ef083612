/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One radix page-table walker for every table the hypervisor builds: its own
 * page tables and the stage-2 tables of VMs (x86 NPT/EPT, RISC-V G-stage).
 * The entry format is supplied per table kind by arch code.
 *
 * Levels count up from the leaves: level 0 maps 4 KiB pages, level 1 2 MiB,
 * level 2 1 GiB; the root is level (levels - 1).
 */
#ifndef HV_PGTABLE_H
#define HV_PGTABLE_H

#include <hv/types.h>

/* Access rights and memory type requested for a mapping. */
#define PGT_READ     BIT(0)
#define PGT_WRITE    BIT(1)
#define PGT_EXEC     BIT(2)
#define PGT_USER     BIT(3)
#define PGT_UNCACHED BIT(4)
#define PGT_RWX      (PGT_READ | PGT_WRITE | PGT_EXEC)

struct pgtable_fmt {
	unsigned levels;
	unsigned root_extra_bits; /* root index is 9 + this many bits (RISC-V x4 roots) */
	unsigned max_leaf_level;  /* largest page level the format and CPU allow */
	uint64_t (*mk_table)(paddr_t next);
	uint64_t (*mk_leaf)(paddr_t pa, unsigned level, unsigned prot);
	bool (*is_present)(uint64_t e);
	bool (*is_leaf)(uint64_t e, unsigned level);
	paddr_t (*entry_addr)(uint64_t e, unsigned level);
	unsigned (*entry_prot)(uint64_t e, unsigned level);
};

struct pgtable {
	const struct pgtable_fmt *fmt;
	paddr_t root;
	/* Table pages: zeroed, page aligned (root: 4 KiB << root_extra_bits). */
	paddr_t (*alloc_table)(void *ctx, size_t size);
	void (*free_table)(void *ctx, paddr_t pa, size_t size);
	void *ctx;
};

int pgtable_init(struct pgtable *pt);
/* Map [va, va+size) to [pa, ...); uses the largest pages alignment allows. */
int pgtable_map(struct pgtable *pt, uint64_t va, paddr_t pa, uint64_t size, unsigned prot);
/* Unmap [va, va+size); large pages straddling the edges are split. */
int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size);
/* Translate one address: 0 with *pa and *prot (either may be NULL), or -ENOENT. */
int pgtable_translate(const struct pgtable *pt, uint64_t va, paddr_t *pa, unsigned *prot);
/* Free every table page, including the root. */
void pgtable_destroy(struct pgtable *pt);

static inline uint64_t pgtable_level_size(unsigned level)
{
	return 1ULL << (12 + 9 * level);
}

#endif
