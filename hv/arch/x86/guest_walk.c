/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest page-table walker; see arch/guest_walk.h. Formats and checks follow
 * the Intel SDM vol. 3 ch. 4 and AMD APM vol. 2 ch. 5. Every value read from
 * the guest is untrusted: the walk is bounded by the number of levels and
 * every table address is masked before use.
 */
#include <arch/guest_walk.h>
#include <hv/errno.h>
#include <hv/lib.h>

#define PTE_P  BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_A  BIT(5)
#define PTE_D  BIT(6)
#define PTE_PS BIT(7)
#define PTE_NX BIT(63)

/* Bits h..l set. */
#define GENMASK64(h, l) ((~0ULL >> (63 - (h))) & ~((1ULL << (l)) - 1))

/* Attempts when another vCPU keeps changing the entries under the A/D update. */
#define WALK_TRIES 4

enum walk_format {
	FMT_32,  /* 2 levels of 4-byte entries, 10 index bits each */
	FMT_PAE, /* PDPT (4 entries) + 2 levels of 8-byte entries */
	FMT_LONG /* 4 or 5 levels of 8-byte entries */
};

struct walk {
	const struct x86_paging_state *st;
	const struct x86_guest_mem *mem;
	enum walk_format fmt;
	unsigned levels;
	unsigned maxphy;
	bool nxe;
};

static bool long_mode(const struct x86_paging_state *st)
{
	if (st->efer & X86_EFER_LMA)
		return true;
	return (st->efer & X86_EFER_LME) && (st->cr0 & X86_CR0_PG) && (st->cr4 & X86_CR4_PAE);
}

static unsigned level_shift(const struct walk *w, unsigned level)
{
	return 12 + (w->fmt == FMT_32 ? 10 : 9) * (level - 1);
}

/* May an entry at `level` map a page directly (PS = 1)? */
static bool large_allowed(const struct walk *w, unsigned level)
{
	switch (w->fmt) {
	case FMT_32:
		return level == 2 && (w->st->cr4 & X86_CR4_PSE);
	case FMT_PAE:
		return level == 2;
	default:
		return level == 2 || level == 3;
	}
}

/* PAE's top level: no permission bits, no Accessed bit, its own reserved bits. */
static bool is_pae_pdpte(const struct walk *w, unsigned level)
{
	return w->fmt == FMT_PAE && level == 3;
}

/* Reserved (must-be-zero) bits of a present entry at `level`. */
static uint64_t rsvd_bits(const struct walk *w, unsigned level, bool large)
{
	uint64_t r = 0;

	if (w->fmt == FMT_32) {
		/* 4 MiB PDE: bits 20:13 carry PSE-36 address bits 39:32, bit 21 is reserved. */
		unsigned hi = MIN(w->maxphy, 40u) - 32;

		return large ? GENMASK64(21, 13 + hi) : 0;
	}

	if (w->maxphy < 52)
		r |= GENMASK64(51, w->maxphy);
	/* Legacy PAE reserves up to bit 62; long mode leaves 62:52 to software. */
	if (w->fmt == FMT_PAE)
		r |= GENMASK64(62, 52);
	if (!w->nxe)
		r |= PTE_NX;
	if (is_pae_pdpte(w, level))
		r |= PTE_NX | GENMASK64(2, 1) | GENMASK64(8, 5);
	if (w->fmt == FMT_LONG && level >= 4)
		r |= PTE_PS;
	/* Large pages: between the PAT bit (12) and the frame address. */
	if (large)
		r |= GENMASK64(level_shift(w, level) - 1, 13);
	return r;
}

static int read_entry(const struct walk *w, uint64_t gpa, uint64_t *val)
{
	uint32_t v32;
	uint64_t v64;

	if (w->fmt == FMT_32) {
		if (w->mem->read_gpa(w->mem->opaque, gpa, &v32, 4))
			return -EIO;
		*val = v32;
	} else {
		if (w->mem->read_gpa(w->mem->opaque, gpa, &v64, 8))
			return -EIO;
		*val = v64;
	}
	return 0;
}

/* Whether the combined permissions allow `access`. */
static bool access_ok(const struct x86_paging_state *st, unsigned access, bool rw, bool us, bool nx)
{
	bool write = access & X86_ACCESS_WRITE;
	bool fetch = access & X86_ACCESS_FETCH;

	if (fetch && nx)
		return false;
	if (access & X86_ACCESS_USER)
		return us && (rw || !write);
	/* Supervisor: read-only pages only bind with CR0.WP. */
	if (write && !rw && (st->cr0 & X86_CR0_WP))
		return false;
	if (us && fetch && (st->cr4 & X86_CR4_SMEP))
		return false;
	if (us && !fetch && (st->cr4 & X86_CR4_SMAP) && !(access & X86_ACCESS_AC))
		return false;
	return true;
}

/* Set Accessed on every entry used and Dirty on the leaf of a write. */
static int update_ad(const struct walk *w, const uint64_t *egpa, const uint64_t *eval, unsigned n,
                     unsigned access)
{
	unsigned esz = w->fmt == FMT_32 ? 4 : 8;
	int ret;

	for (unsigned i = 0; i < n; i++) {
		uint64_t want = eval[i];

		if (!is_pae_pdpte(w, w->levels - i))
			want |= PTE_A;
		if (i == n - 1 && (access & X86_ACCESS_WRITE))
			want |= PTE_D;
		if (want == eval[i])
			continue;
		ret = w->mem->cmpxchg_gpa(w->mem->opaque, egpa[i], esz, eval[i], want);
		if (ret == -EAGAIN)
			return ret;
		if (ret)
			return -EIO;
	}
	return 0;
}

static int walk_once(const struct walk *w, uint64_t gla, unsigned access, uint64_t *gpa,
                     uint32_t *pf_error)
{
	const struct x86_paging_state *st = w->st;
	uint64_t addr_mask = GENMASK64(w->maxphy - 1, 12);
	uint64_t egpa[5], eval[5], table, e, page_mask;
	bool rw = true, us = true, nx = false, large;
	uint32_t err = access & (X86_PF_W | X86_PF_U);
	unsigned n = 0;

	/* I/D is only reported when fetches can fault by themselves. */
	if ((access & X86_ACCESS_FETCH) &&
	    ((st->cr4 & X86_CR4_SMEP) || (w->fmt != FMT_32 && w->nxe)))
		err |= X86_PF_ID;

	if (w->fmt == FMT_LONG)
		table = st->cr3 & addr_mask;
	else if (w->fmt == FMT_PAE)
		table = st->cr3 & 0xffffffe0u; /* PDPT is 32-byte aligned */
	else
		table = st->cr3 & 0xfffff000u;

	for (unsigned level = w->levels; level >= 1; level--) {
		unsigned shift = level_shift(w, level);
		unsigned idx_bits = w->fmt == FMT_32 ? 10 : 9;
		uint64_t idx = (gla >> shift) & ((1u << idx_bits) - 1);
		int ret;

		egpa[n] = table + idx * (w->fmt == FMT_32 ? 4 : 8);
		ret = read_entry(w, egpa[n], &e);
		if (ret)
			return ret;
		eval[n++] = e;

		if (!(e & PTE_P)) {
			*pf_error = err;
			return -EFAULT;
		}
		large = level > 1 && (e & PTE_PS) && large_allowed(w, level);
		if (e & rsvd_bits(w, level, large)) {
			*pf_error = err | X86_PF_P | X86_PF_RSVD;
			return -EFAULT;
		}
		if (!is_pae_pdpte(w, level)) {
			rw = rw && (e & PTE_RW);
			us = us && (e & PTE_US);
			nx = nx || (w->nxe && (e & PTE_NX));
		}
		if (level > 1 && !large) {
			table = w->fmt == FMT_32 ? e & 0xfffff000u : e & addr_mask;
			continue;
		}

		if (!access_ok(st, access, rw, us, nx)) {
			*pf_error = err | X86_PF_P;
			return -EFAULT;
		}
		if (w->mem->cmpxchg_gpa) {
			ret = update_ad(w, egpa, eval, n, access);
			if (ret)
				return ret;
		}

		page_mask = (1ULL << shift) - 1;
		if (w->fmt == FMT_32 && large) {
			/* PSE-36: PDE bits 20:13 are physical address bits 39:32. */
			uint64_t hi = (e >> 13) & 0xff;

			*gpa = (e & 0xffc00000u) | (hi << 32) | (gla & page_mask);
		} else if (w->fmt == FMT_32) {
			*gpa = (e & 0xfffff000u) | (gla & page_mask);
		} else {
			*gpa = (e & addr_mask & ~page_mask) | (gla & page_mask);
		}
		return 0;
	}
	/* Not reached: level 1 always ends the walk. */
	return -EINVAL;
}

__hot int x86_guest_walk(const struct x86_paging_state *st, uint64_t gla, unsigned access,
                         const struct x86_guest_mem *mem, uint64_t *gpa, uint32_t *pf_error)
{
	struct walk w = { .st = st, .mem = mem };
	int ret = -EAGAIN;

	if (!st || !mem || !mem->read_gpa || !gpa || !pf_error)
		return -EINVAL;
	*pf_error = 0;

	if (!(st->cr0 & X86_CR0_PG)) {
		*gpa = (uint32_t)gla;
		return 0;
	}

	/* Nonsense MAXPHYADDR values are clamped to what the formats allow. */
	w.maxphy = st->maxphyaddr ? MIN(MAX(st->maxphyaddr, 32u), 52u) : 52;
	w.nxe = st->efer & X86_EFER_NXE;
	if (long_mode(st)) {
		unsigned vbits;

		w.fmt = FMT_LONG;
		w.levels = (st->cr4 & X86_CR4_LA57) ? 5 : 4;
		vbits = w.levels == 5 ? 57 : 48;
		if ((uint64_t)((int64_t)(gla << (64 - vbits)) >> (64 - vbits)) != gla)
			return -EINVAL;
	} else if (st->cr4 & X86_CR4_PAE) {
		w.fmt = FMT_PAE;
		w.levels = 3;
		gla = (uint32_t)gla;
	} else {
		w.fmt = FMT_32;
		w.levels = 2;
		/* Without PAE, NX does not exist whatever EFER says. */
		w.nxe = false;
		gla = (uint32_t)gla;
	}

	for (unsigned i = 0; i < WALK_TRIES && ret == -EAGAIN; i++)
		ret = walk_once(&w, gla, access, gpa, pf_error);
	return ret;
}

__hot int x86_guest_read_gla(const struct x86_paging_state *st, uint64_t gla, unsigned access,
                             const struct x86_guest_mem *mem, void *buf, unsigned len,
                             unsigned *copied, uint64_t *fault_gla, uint32_t *pf_error)
{
	uint32_t err_dummy;
	unsigned done = 0;
	int ret = 0;

	if (copied)
		*copied = 0;
	if (!st || !mem || !mem->read_gpa || (!buf && len))
		return -EINVAL;
	if (!pf_error)
		pf_error = &err_dummy;
	*pf_error = 0;

	while (done < len) {
		uint64_t cur = gla + done, gpa;
		unsigned chunk;

		/* Outside long mode linear addresses are 32 bits and wrap. */
		if (!long_mode(st))
			cur = (uint32_t)cur;
		chunk = MIN(len - done, (unsigned)(PAGE_SIZE - (cur & (PAGE_SIZE - 1))));
		ret = x86_guest_walk(st, cur, access, mem, &gpa, pf_error);
		if (ret) {
			if (ret == -EFAULT && fault_gla)
				*fault_gla = cur;
			break;
		}
		if (mem->read_gpa(mem->opaque, gpa, (uint8_t *)buf + done, chunk)) {
			ret = -EIO;
			break;
		}
		done += chunk;
	}
	if (copied)
		*copied = done;
	return ret;
}
