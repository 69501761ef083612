/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared page-table walker, driven with the real x86 NPT entry format.
 * Table pages come from the host heap; their addresses stand in for
 * physical addresses, as the hypervisor's identity map makes them.
 */
#include <arch/npt.h>
#include <glib.h>
#include <hv/errno.h>
#include <hv/pgtable.h>
#include <stdlib.h>
#include <string.h>

static int live_tables;

static paddr_t alloc_table(void *ctx, size_t size)
{
	void *p = aligned_alloc(4096, size);

	(void)ctx;
	memset(p, 0, size);
	live_tables++;
	return (paddr_t)(uintptr_t)p;
}

static void free_table(void *ctx, paddr_t pa, size_t size)
{
	(void)ctx;
	(void)size;
	free((void *)(uintptr_t)pa);
	live_tables--;
}

static struct pgtable new_table(void)
{
	struct pgtable pt = { .fmt = &x86_npt_fmt,
		              .alloc_table = alloc_table,
		              .free_table = free_table };

	g_assert_cmpint(pgtable_init(&pt), ==, 0);
	return pt;
}

static void expect(struct pgtable *pt, uint64_t va, paddr_t want)
{
	paddr_t pa;

	g_assert_cmpint(pgtable_translate(pt, va, &pa, NULL), ==, 0);
	g_assert_cmphex(pa, ==, want);
}

static void test_map_translate_large_and_small(void)
{
	struct pgtable pt = new_table();
	unsigned prot;

	/* 4 KiB-aligned start: small pages up to 2 MiB, then large pages. */
	g_assert_cmpint(pgtable_map(&pt, 0x1FF000, 0x40001FF000ULL, 0x401000, PGT_RWX | PGT_USER),
	                ==, 0);
	expect(&pt, 0x1FF000, 0x40001FF000ULL);
	expect(&pt, 0x200123, 0x4000200123ULL);
	expect(&pt, 0x5FF000, 0x40005FF000ULL);
	g_assert_cmpint(pgtable_translate(&pt, 0x600000, NULL, NULL), ==, -ENOENT);
	g_assert_cmpint(pgtable_translate(&pt, 0x1FE000, NULL, NULL), ==, -ENOENT);
	g_assert_cmpint(pgtable_translate(&pt, 0x300000, NULL, &prot), ==, 0);
	g_assert_true(prot & PGT_WRITE);
	g_assert_true(prot & PGT_EXEC);
	pgtable_destroy(&pt);
	g_assert_cmpint(live_tables, ==, 0);
}

static void test_unmap_splits_large_page(void)
{
	struct pgtable pt = new_table();

	g_assert_cmpint(pgtable_map(&pt, 0, 0x10000000, 0x400000, PGT_RWX), ==, 0);
	/* Punch one 4 KiB hole in the middle of the first 2 MiB page. */
	g_assert_cmpint(pgtable_unmap(&pt, 0x1000, 0x1000), ==, 0);
	g_assert_cmpint(pgtable_translate(&pt, 0x1000, NULL, NULL), ==, -ENOENT);
	expect(&pt, 0x0, 0x10000000);
	expect(&pt, 0x2000, 0x10002000);
	expect(&pt, 0x1FFFFF, 0x101FFFFF);
	expect(&pt, 0x200000, 0x10200000);
	pgtable_destroy(&pt);
	g_assert_cmpint(live_tables, ==, 0);
}

static void test_remap_with_large_frees_subtree(void)
{
	struct pgtable pt = new_table();
	int before;

	g_assert_cmpint(pgtable_map(&pt, 0, 0x20000000, 0x200000 - 0x1000, PGT_READ), ==, 0);
	before = live_tables;
	g_assert_cmpint(pgtable_map(&pt, 0, 0x30000000, 0x200000, PGT_RWX), ==, 0);
	g_assert_cmpint(live_tables, ==, before - 1); /* the 4 KiB table went away */
	expect(&pt, 0x1234, 0x30001234);
	pgtable_destroy(&pt);
	g_assert_cmpint(live_tables, ==, 0);
}

static void test_rejects_misaligned_and_wrapping(void)
{
	struct pgtable pt = new_table();

	g_assert_cmpint(pgtable_map(&pt, 0x123, 0, 0x1000, PGT_READ), ==, -EINVAL);
	g_assert_cmpint(pgtable_map(&pt, 0, 0x123, 0x1000, PGT_READ), ==, -EINVAL);
	g_assert_cmpint(pgtable_map(&pt, 0, 0, 0x800, PGT_READ), ==, -EINVAL);
	g_assert_cmpint(pgtable_map(&pt, ~0xFFFULL, 0, 0x2000, PGT_READ), ==, -EINVAL);
	g_assert_cmpint(pgtable_unmap(&pt, 0x10, 0x1000), ==, -EINVAL);
	pgtable_destroy(&pt);
}

static void test_npt_entries_have_user_bit(void)
{
	struct pgtable pt = new_table();
	uint64_t *root;

	g_assert_cmpint(pgtable_map(&pt, 0, 0x1000000, 0x1000, PGT_READ | PGT_WRITE), ==, 0);
	root = (uint64_t *)(uintptr_t)pt.root;
	g_assert_cmphex(root[0] & 7, ==, 7); /* present, writable, user */
	pgtable_destroy(&pt);
}

/* The hypervisor's own tables: no user bit anywhere, NX unless executable. */
static void test_host_format_wx(void)
{
	struct pgtable pt = { .fmt = &x86_host_fmt,
		              .alloc_table = alloc_table,
		              .free_table = free_table };
	unsigned prot;

	g_assert_cmpint(pgtable_init(&pt), ==, 0);
	g_assert_cmpint(pgtable_map(&pt, 0x200000, 0x200000, 0x1000, PGT_READ | PGT_EXEC), ==, 0);
	g_assert_cmpint(pgtable_map(&pt, 0x201000, 0x201000, 0x1000, PGT_READ | PGT_WRITE), ==, 0);
	g_assert_cmpint(pgtable_translate(&pt, 0x200000, NULL, &prot), ==, 0);
	g_assert_true(prot & PGT_EXEC);
	g_assert_false(prot & PGT_WRITE);
	g_assert_false(prot & PGT_USER);
	g_assert_cmpint(pgtable_translate(&pt, 0x201000, NULL, &prot), ==, 0);
	g_assert_false(prot & PGT_EXEC);
	g_assert_true(prot & PGT_WRITE);
	g_assert_cmphex(((uint64_t *)(uintptr_t)pt.root)[0] & 4, ==, 0);
	pgtable_destroy(&pt);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pgtable/map-translate", test_map_translate_large_and_small);
	g_test_add_func("/pgtable/unmap-split", test_unmap_splits_large_page);
	g_test_add_func("/pgtable/remap-large", test_remap_with_large_frees_subtree);
	g_test_add_func("/pgtable/reject", test_rejects_misaligned_and_wrapping);
	g_test_add_func("/pgtable/npt-user-bit", test_npt_entries_have_user_bit);
	g_test_add_func("/pgtable/host-wx", test_host_format_wx);
	return g_test_run();
}
