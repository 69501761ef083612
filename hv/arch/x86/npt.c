/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86-64 4-level page-table entries for the shared walker (hv/core/pgtable.c):
 * the hypervisor's own tables and SVM's nested tables share one format, except
 * that nested paging treats every guest access as a user access, so NPT sets
 * the user bit on every level and the hypervisor's tables never do.
 */
#include <arch/npt.h>
#include <hv/pgtable.h>

#define PTE_P    BIT(0)
#define PTE_RW   BIT(1)
#define PTE_US   BIT(2)
#define PTE_PWT  BIT(3)
#define PTE_PCD  BIT(4)
#define PTE_PS   BIT(7)
#define PTE_NX   BIT(63)
#define PTE_ADDR 0x000FFFFFFFFFF000ULL

static uint64_t npt_mk_table(paddr_t next)
{
	return next | PTE_P | PTE_RW | PTE_US;
}

static uint64_t host_mk_table(paddr_t next)
{
	return next | PTE_P | PTE_RW;
}

static uint64_t mk_leaf(paddr_t pa, unsigned level, unsigned prot)
{
	uint64_t e = pa | PTE_P;

	if (prot & PGT_USER)
		e |= PTE_US;
	if (prot & PGT_WRITE)
		e |= PTE_RW;
	if (!(prot & PGT_EXEC))
		e |= PTE_NX;
	if (prot & PGT_UNCACHED)
		e |= PTE_PCD | PTE_PWT;
	if (level > 0)
		e |= PTE_PS;
	return e;
}

static uint64_t npt_mk_leaf(paddr_t pa, unsigned level, unsigned prot)
{
	return mk_leaf(pa, level, prot | PGT_USER);
}

static bool npt_is_present(uint64_t e)
{
	return e & PTE_P;
}

static bool npt_is_leaf(uint64_t e, unsigned level)
{
	return level == 0 || (e & PTE_PS);
}

static paddr_t npt_entry_addr(uint64_t e, unsigned level)
{
	/* Large leaves keep attribute bits (PAT) below their alignment. */
	if (level > 0 && (e & PTE_PS))
		return (e & PTE_ADDR) & ~(pgtable_level_size(level) - 1);
	return e & PTE_ADDR;
}

static unsigned npt_entry_prot(uint64_t e, unsigned level)
{
	(void)level;
	return PGT_READ | ((e & PTE_RW) ? PGT_WRITE : 0) | ((e & PTE_NX) ? 0 : PGT_EXEC) |
	       ((e & PTE_US) ? PGT_USER : 0) | ((e & PTE_PCD) ? PGT_UNCACHED : 0);
}

const struct pgtable_fmt x86_npt_fmt = {
	.levels = 4,
	.max_leaf_level = 1, /* 2 MiB: what every SVM implementation supports */
	.mk_table = npt_mk_table,
	.mk_leaf = npt_mk_leaf,
	.is_present = npt_is_present,
	.is_leaf = npt_is_leaf,
	.entry_addr = npt_entry_addr,
	.entry_prot = npt_entry_prot,
};

const struct pgtable_fmt x86_host_fmt = {
	.levels = 4,
	.max_leaf_level = 1,
	.mk_table = host_mk_table,
	.mk_leaf = mk_leaf,
	.is_present = npt_is_present,
	.is_leaf = npt_is_leaf,
	.entry_addr = npt_entry_addr,
	.entry_prot = npt_entry_prot,
};

/*
 * Intel EPT: read/write/execute bits instead of present/user/NX, and the
 * memory type in every leaf (EPT ignores the guest's MTRRs, so uncached
 * mappings must say so here).
 */
#define EPT_R        BIT(0)
#define EPT_W        BIT(1)
#define EPT_X        BIT(2)
#define EPT_RWX      (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3
#define EPT_MT_UC    0ULL
#define EPT_MT_WB    6ULL

static uint64_t ept_mk_table(paddr_t next)
{
	return next | EPT_RWX;
}

static uint64_t ept_mk_leaf(paddr_t pa, unsigned level, unsigned prot)
{
	/* Write without read is a misconfiguration: every mapping is readable. */
	uint64_t e = pa | EPT_R;

	if (prot & PGT_WRITE)
		e |= EPT_W;
	if (prot & PGT_EXEC)
		e |= EPT_X;
	e |= ((prot & PGT_UNCACHED) ? EPT_MT_UC : EPT_MT_WB) << EPT_MT_SHIFT;
	if (level > 0)
		e |= PTE_PS;
	return e;
}

static bool ept_is_present(uint64_t e)
{
	return e & EPT_RWX;
}

static unsigned ept_entry_prot(uint64_t e, unsigned level)
{
	(void)level;
	/* EPT has no user bit: every guest access passes, as with NPT's forced U. */
	return PGT_USER | ((e & EPT_R) ? PGT_READ : 0) | ((e & EPT_W) ? PGT_WRITE : 0) |
	       ((e & EPT_X) ? PGT_EXEC : 0) |
	       (((e >> EPT_MT_SHIFT) & 7) == EPT_MT_UC ? PGT_UNCACHED : 0);
}

const struct pgtable_fmt x86_ept_fmt = {
	.levels = 4,
	.max_leaf_level = 1, /* 2 MiB: the VMX backend checks the EPT capability */
	.mk_table = ept_mk_table,
	.mk_leaf = ept_mk_leaf,
	.is_present = ept_is_present,
	.is_leaf = npt_is_leaf,
	.entry_addr = npt_entry_addr,
	.entry_prot = ept_entry_prot,
};
