/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/errno.h>
#include <hv/pgtable.h>

static uint64_t *table_ptr(paddr_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static unsigned level_index(const struct pgtable *pt, uint64_t va, unsigned level)
{
	unsigned bits = 9;

	if (level == pt->fmt->levels - 1)
		bits += pt->fmt->root_extra_bits;
	return (unsigned)((va >> (12 + 9 * level)) & ((1ULL << bits) - 1));
}

static size_t root_size(const struct pgtable *pt)
{
	return PAGE_SIZE << pt->fmt->root_extra_bits;
}

int pgtable_init(struct pgtable *pt)
{
	pt->root = pt->alloc_table(pt->ctx, root_size(pt));
	return pt->root ? 0 : -ENOMEM;
}

/* Replace a large leaf by a table of next-level leaves covering the same range. */
static int split_leaf(struct pgtable *pt, uint64_t *entry, unsigned level)
{
	const struct pgtable_fmt *f = pt->fmt;
	paddr_t base = f->entry_addr(*entry, level);
	unsigned prot = f->entry_prot(*entry, level);
	paddr_t next = pt->alloc_table(pt->ctx, PAGE_SIZE);
	uint64_t *t;

	if (!next)
		return -ENOMEM;
	t = table_ptr(next);
	for (unsigned i = 0; i < 512; i++)
		t[i] = f->mk_leaf(base + i * pgtable_level_size(level - 1), level - 1, prot);
	__atomic_store_n(entry, f->mk_table(next), __ATOMIC_RELEASE);
	return 0;
}

/* Walk to the table at `level` covering va, creating (or splitting into) tables on the way. */
static uint64_t *walk_create(struct pgtable *pt, uint64_t va, unsigned level, int *err)
{
	const struct pgtable_fmt *f = pt->fmt;
	uint64_t *t = table_ptr(pt->root);

	for (unsigned l = f->levels - 1; l > level; l--) {
		uint64_t *e = &t[level_index(pt, va, l)];

		if (!f->is_present(*e)) {
			paddr_t next = pt->alloc_table(pt->ctx, PAGE_SIZE);

			if (!next) {
				*err = -ENOMEM;
				return NULL;
			}
			__atomic_store_n(e, f->mk_table(next), __ATOMIC_RELEASE);
		} else if (f->is_leaf(*e, l)) {
			*err = split_leaf(pt, e, l);
			if (*err)
				return NULL;
		}
		t = table_ptr(f->entry_addr(*e, l));
	}
	return t;
}

static void destroy_level(struct pgtable *pt, paddr_t table, unsigned level, size_t size);

static unsigned best_level(const struct pgtable *pt, uint64_t va, paddr_t pa, uint64_t left)
{
	for (unsigned l = pt->fmt->max_leaf_level; l > 0; l--) {
		uint64_t sz = pgtable_level_size(l);

		if (IS_ALIGNED(va, sz) && IS_ALIGNED(pa, sz) && left >= sz)
			return l;
	}
	return 0;
}

int pgtable_map(struct pgtable *pt, uint64_t va, paddr_t pa, uint64_t size, unsigned prot)
{
	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE) ||
	    !IS_ALIGNED(size, PAGE_SIZE) || va + size < va)
		return -EINVAL;
	while (size) {
		unsigned level = best_level(pt, va, pa, size);
		uint64_t sz = pgtable_level_size(level);
		int err = 0;
		uint64_t *t = walk_create(pt, va, level, &err);
		uint64_t *e, old;

		if (!t)
			return err;
		e = &t[level_index(pt, va, level)];
		old = *e;
		__atomic_store_n(e, pt->fmt->mk_leaf(pa, level, prot), __ATOMIC_RELEASE);
		/* A table replaced by a large leaf is freed with its subtree. */
		if (level > 0 && pt->fmt->is_present(old) && !pt->fmt->is_leaf(old, level))
			destroy_level(pt, pt->fmt->entry_addr(old, level), level - 1, PAGE_SIZE);
		va += sz;
		pa += sz;
		size -= sz;
	}
	return 0;
}

int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size)
{
	const struct pgtable_fmt *f = pt->fmt;

	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || va + size < va)
		return -EINVAL;
	while (size) {
		uint64_t *t = table_ptr(pt->root);
		unsigned l = f->levels - 1;
		uint64_t step = 0;

		for (;;) {
			uint64_t *e = &t[level_index(pt, va, l)];
			uint64_t sz = pgtable_level_size(l);

			if (!f->is_present(*e)) {
				/* Nothing here: skip to the end of this entry's range. */
				step = sz - (va & (sz - 1));
				break;
			}
			if (f->is_leaf(*e, l) || l == 0) {
				if (IS_ALIGNED(va, sz) && size >= sz) {
					__atomic_store_n(e, 0, __ATOMIC_RELEASE);
					step = sz;
					break;
				}
				int err = split_leaf(pt, e, l);

				if (err)
					return err;
			}
			t = table_ptr(f->entry_addr(*e, l));
			l--;
		}
		if (step > size)
			step = size;
		va += step;
		size -= step;
	}
	return 0;
}

int pgtable_translate(const struct pgtable *pt, uint64_t va, paddr_t *pa, unsigned *prot)
{
	const struct pgtable_fmt *f = pt->fmt;
	const uint64_t *t = table_ptr(pt->root);

	for (unsigned l = f->levels - 1;; l--) {
		uint64_t e = t[level_index(pt, va, l)];

		if (!f->is_present(e))
			return -ENOENT;
		if (f->is_leaf(e, l) || l == 0) {
			uint64_t off = va & (pgtable_level_size(l) - 1);

			if (pa)
				*pa = f->entry_addr(e, l) + off;
			if (prot)
				*prot = f->entry_prot(e, l);
			return 0;
		}
		t = table_ptr(f->entry_addr(e, l));
	}
}

static void destroy_level(struct pgtable *pt, paddr_t table, unsigned level, size_t size)
{
	const struct pgtable_fmt *f = pt->fmt;
	uint64_t *t = table_ptr(table);

	for (size_t i = 0; level > 0 && i < size / sizeof(uint64_t); i++) {
		if (f->is_present(t[i]) && !f->is_leaf(t[i], level))
			destroy_level(pt, f->entry_addr(t[i], level), level - 1, PAGE_SIZE);
	}
	pt->free_table(pt->ctx, table, size);
}

void pgtable_destroy(struct pgtable *pt)
{
	if (!pt->root)
		return;
	destroy_level(pt, pt->root, pt->fmt->levels - 1, root_size(pt));
	pt->root = 0;
}
