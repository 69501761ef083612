/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/lib.h>
#include <hv/mm.h>

static bool frame_used(const struct page_pool *p, uint64_t i)
{
	return p->bitmap[i / 64] & BIT(i % 64);
}

static void set_frames(struct page_pool *p, uint64_t first, uint64_t n, bool used)
{
	for (uint64_t i = first; i < first + n; i++) {
		if (frame_used(p, i) == used)
			continue;
		if (used) {
			p->bitmap[i / 64] |= BIT(i % 64);
			p->nr_free--;
		} else {
			p->bitmap[i / 64] &= ~BIT(i % 64);
			p->nr_free++;
		}
	}
}

void page_pool_init(struct page_pool *pool, paddr_t base, uint64_t nr_pages, uint64_t *bitmap)
{
	pool->lock = (struct spinlock)SPINLOCK_INIT;
	pool->base = base;
	pool->nr_pages = nr_pages;
	pool->nr_free = nr_pages;
	pool->bitmap = bitmap;
	pool->hint = 0;
	memset(bitmap, 0, (size_t)ALIGN_UP(nr_pages, 64) / 8);
}

void page_pool_reserve(struct page_pool *pool, paddr_t pa, uint64_t nr_pages)
{
	uint64_t first, last;

	if (pa + nr_pages * PAGE_SIZE <= pool->base)
		return;
	first = pa < pool->base ? 0 : (pa - pool->base) / PAGE_SIZE;
	last = (pa + nr_pages * PAGE_SIZE - pool->base + PAGE_SIZE - 1) / PAGE_SIZE;
	if (first >= pool->nr_pages)
		return;
	last = MIN(last, pool->nr_pages);
	spin_lock(&pool->lock);
	set_frames(pool, first, last - first, true);
	spin_unlock(&pool->lock);
}

static bool run_is_free(const struct page_pool *p, uint64_t first, uint64_t n, uint64_t *bad)
{
	for (uint64_t i = first + n; i-- > first;) {
		if (frame_used(p, i)) {
			*bad = i;
			return false;
		}
	}
	return true;
}

/* First fit from the hint, wrapping once; skips past the used frame that broke a run. */
static uint64_t find_run(const struct page_pool *p, uint64_t from, uint64_t to, uint64_t n,
                         uint64_t align)
{
	uint64_t base_frame = p->base / PAGE_SIZE;
	uint64_t i = ALIGN_UP(base_frame + from, align) - base_frame;

	while (i + n <= to) {
		uint64_t bad;

		if (run_is_free(p, i, n, &bad))
			return i;
		i = ALIGN_UP(base_frame + bad + 1, align) - base_frame;
	}
	return UINT64_MAX;
}

paddr_t page_pool_alloc(struct page_pool *pool, uint64_t nr_pages, uint64_t align_pages)
{
	uint64_t i;
	paddr_t pa = 0;

	if (!nr_pages || !align_pages || (align_pages & (align_pages - 1)))
		return 0;
	spin_lock(&pool->lock);
	if (nr_pages <= pool->nr_free) {
		i = find_run(pool, pool->hint, pool->nr_pages, nr_pages, align_pages);
		if (i == UINT64_MAX)
			i = find_run(pool, 0, pool->nr_pages, nr_pages, align_pages);
		if (i != UINT64_MAX) {
			set_frames(pool, i, nr_pages, true);
			pool->hint = i + nr_pages;
			pa = pool->base + i * PAGE_SIZE;
		}
	}
	spin_unlock(&pool->lock);
	return pa;
}

void page_pool_free(struct page_pool *pool, paddr_t pa, uint64_t nr_pages)
{
	uint64_t first;

	if (pa < pool->base)
		return;
	first = (pa - pool->base) / PAGE_SIZE;
	if (first >= pool->nr_pages || nr_pages > pool->nr_pages - first)
		return;
	spin_lock(&pool->lock);
	set_frames(pool, first, nr_pages, false);
	if (first < pool->hint)
		pool->hint = first;
	spin_unlock(&pool->lock);
}
