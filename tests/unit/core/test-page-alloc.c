/* SPDX-License-Identifier: BSD-3-Clause */
#include <glib.h>
#include <hv/mm.h>

void cpu_relax(void)
{
}

#define NR 1024
static struct page_pool pool;
static uint64_t bitmap[NR / 64];
static const paddr_t base = 0x100000;

static void test_alloc_free_roundtrip(void)
{
	page_pool_init(&pool, base, NR, bitmap);
	paddr_t a = page_pool_alloc(&pool, 1, 1);
	paddr_t b = page_pool_alloc(&pool, 1, 1);

	g_assert_cmphex(a, !=, 0);
	g_assert_cmphex(b, !=, a);
	g_assert_cmpuint(pool.nr_free, ==, NR - 2);
	page_pool_free(&pool, a, 1);
	page_pool_free(&pool, b, 1);
	g_assert_cmpuint(pool.nr_free, ==, NR);
}

static void test_alignment_and_contiguity(void)
{
	page_pool_init(&pool, base, NR, bitmap);
	g_assert_cmphex(page_pool_alloc(&pool, 3, 1), !=, 0);
	paddr_t big = page_pool_alloc(&pool, 512, 512); /* 2 MiB aligned */

	g_assert_cmphex(big, !=, 0);
	g_assert_cmphex(big % (512 * PAGE_SIZE), ==, 0);
	/* No frame of the run may be handed out again. */
	for (int i = 0; i < 100; i++) {
		paddr_t p = page_pool_alloc(&pool, 1, 1);

		g_assert_true(p < big || p >= big + 512 * PAGE_SIZE);
	}
}

static void test_reserve_and_exhaustion(void)
{
	page_pool_init(&pool, base, NR, bitmap);
	page_pool_reserve(&pool, base, NR / 2);
	g_assert_cmpuint(pool.nr_free, ==, NR / 2);
	g_assert_cmphex(page_pool_alloc(&pool, NR / 2 + 1, 1), ==, 0);
	paddr_t all = page_pool_alloc(&pool, NR / 2, 1);

	g_assert_cmphex(all, ==, base + NR / 2 * PAGE_SIZE);
	g_assert_cmphex(page_pool_alloc(&pool, 1, 1), ==, 0);
	/* Bad requests fail cleanly. */
	g_assert_cmphex(page_pool_alloc(&pool, 0, 1), ==, 0);
	g_assert_cmphex(page_pool_alloc(&pool, 1, 3), ==, 0);
	/* Freeing outside the pool is ignored, not corrupting. */
	page_pool_free(&pool, base - PAGE_SIZE, 1);
	page_pool_free(&pool, base + NR * PAGE_SIZE, 4);
	g_assert_cmpuint(pool.nr_free, ==, 0);
}

static void test_fragmentation(void)
{
	paddr_t p[NR];

	page_pool_init(&pool, base, NR, bitmap);
	for (int i = 0; i < NR; i++)
		p[i] = page_pool_alloc(&pool, 1, 1);
	for (int i = 0; i < NR; i += 2)
		page_pool_free(&pool, p[i], 1);
	g_assert_cmphex(page_pool_alloc(&pool, 2, 1), ==, 0);
	page_pool_free(&pool, p[101], 1);
	g_assert_cmphex(page_pool_alloc(&pool, 3, 1), ==, p[100]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/page-alloc/roundtrip", test_alloc_free_roundtrip);
	g_test_add_func("/page-alloc/alignment", test_alignment_and_contiguity);
	g_test_add_func("/page-alloc/reserve-exhaustion", test_reserve_and_exhaustion);
	g_test_add_func("/page-alloc/fragmentation", test_fragmentation);
	return g_test_run();
}
