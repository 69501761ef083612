/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sv39x4 G-stage entries for the shared walker (hv/core/pgtable.c): three
 * levels, a 16 KiB root indexed by GPA bits 40:30 (two extra root bits).
 * G-stage translation treats every guest access as a user access, so leaves
 * always carry U; A and D are set up front because hardware need not.
 */
#include <arch/gstage.h>
#include <hv/pgtable.h>

#define PTE_V     BIT(0)
#define PTE_R     BIT(1)
#define PTE_W     BIT(2)
#define PTE_X     BIT(3)
#define PTE_U     BIT(4)
#define PTE_A     BIT(6)
#define PTE_D     BIT(7)
#define PTE_RWX   (PTE_R | PTE_W | PTE_X)
#define PPN_SHIFT 10
#define PPN_MASK  ((1ULL << 44) - 1)

static uint64_t gs_mk_table(paddr_t next)
{
	return ((next >> PAGE_SHIFT) << PPN_SHIFT) | PTE_V;
}

static uint64_t gs_mk_leaf(paddr_t pa, unsigned level, unsigned prot)
{
	uint64_t e = ((pa >> PAGE_SHIFT) << PPN_SHIFT) | PTE_V | PTE_U | PTE_A | PTE_D;

	(void)level;
	if (prot & PGT_READ)
		e |= PTE_R;
	if (prot & PGT_WRITE)
		e |= PTE_W | PTE_R; /* W without R is a reserved encoding */
	if (prot & PGT_EXEC)
		e |= PTE_X;
	return e;
}

static bool gs_is_present(uint64_t e)
{
	return e & PTE_V;
}

static bool gs_is_leaf(uint64_t e, unsigned level)
{
	return level == 0 || (e & PTE_RWX);
}

static paddr_t gs_entry_addr(uint64_t e, unsigned level)
{
	(void)level;
	return ((e >> PPN_SHIFT) & PPN_MASK) << PAGE_SHIFT;
}

static unsigned gs_entry_prot(uint64_t e, unsigned level)
{
	(void)level;
	return ((e & PTE_R) ? PGT_READ : 0) | ((e & PTE_W) ? PGT_WRITE : 0) |
	       ((e & PTE_X) ? PGT_EXEC : 0) | PGT_USER;
}

const struct pgtable_fmt rv_gstage_fmt = {
	.levels = 3,
	.root_extra_bits = 2,
	.max_leaf_level = 2, /* 1 GiB gigapages: every Sv39 implementation has them */
	.mk_table = gs_mk_table,
	.mk_leaf = gs_mk_leaf,
	.is_present = gs_is_present,
	.is_leaf = gs_is_leaf,
	.entry_addr = gs_entry_addr,
	.entry_prot = gs_entry_prot,
};
