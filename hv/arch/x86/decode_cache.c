/* SPDX-License-Identifier: BSD-3-Clause */
/* Filling the MMIO decode cache's location: a page walk that remembers its entries. */
#include <arch/decode_cache.h>
#include <hv/errno.h>
#include <hv/lib.h>

struct recorder {
	struct x86_decode_cache *c;
	x86_dcache_hva_fn to_hva;
	void *opaque;
	unsigned n;
	unsigned width; /* of the entries read so far; 0 before the first */
	bool overflow;  /* more entries, or mixed sizes, than the cache holds */
};

/* The walker reads only paging-structure entries through this: each is recorded. */
static int record_read(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	struct recorder *r = opaque;
	const void *hva = r->to_hva(r->opaque, gpa, len);
	uint64_t val = 0;

	if (!hva)
		return -EFAULT;
	memcpy(buf, hva, len);
	memcpy(&val, hva, len);
	if (r->n >= X86_DCACHE_WALK_MAX || (r->width && r->width != len) ||
	    (len != 4 && len != 8)) {
		r->overflow = true;
		return 0;
	}
	r->width = len;
	r->c->walk[r->n++] = (struct x86_walk_entry){ .hva = hva, .val = val };
	return 0;
}

int x86_dcache_fill_walk(struct x86_decode_cache *c, const struct x86_paging_state *st,
                         uint64_t gla, unsigned len, x86_dcache_hva_fn to_hva, void *opaque)
{
	struct recorder r = { .c = c, .to_hva = to_hva, .opaque = opaque };
	struct x86_guest_mem mem = { .read_gpa = record_read, .opaque = &r };
	uint64_t gpa;
	uint32_t pf;
	int err;

	c->insn.len = 0;
	err = x86_guest_walk(st, gla, X86_ACCESS_FETCH, &mem, &gpa, &pf);
	if (!err && r.overflow)
		err = -ERANGE;
	if (!err) {
		c->insn_hva = to_hva(opaque, gpa, len);
		if (!c->insn_hva)
			err = -EFAULT;
	}
	if (err) {
		c->walk_n = 0;
		return err;
	}
	c->walk_n = (uint8_t)r.n;
	c->walk_wide = r.width == 8;
	c->gla = gla;
	c->gpa = gpa;
	c->cr0 = st->cr0;
	c->cr3 = st->cr3;
	c->cr4 = st->cr4;
	c->efer = st->efer;
	return 0;
}

/* What x86_reg_set and the emulator's MOV do, as masks and a shift (decode_cache.h). */
static struct x86_dcache_mov mov_of(const struct x86_insn *in)
{
	struct x86_dcache_mov m = { .kind = X86_DCACHE_MOV_NONE };
	bool imm = in->flags & X86_INSN_SRC_IMM;

	if (in->op != X86_OP_MOV || (!(in->flags & X86_INSN_MEM_DST) && imm) ||
	    (!imm && (in->reg == X86_REG_NONE || in->reg == X86_REG_RSP)))
		return m;
	if (in->opsize != 1 && in->opsize != 2 && in->opsize != 4 && in->opsize != 8)
		return m;
	m.kind = !(in->flags & X86_INSN_MEM_DST) ? X86_DCACHE_MOV_LOAD
	         : imm                           ? X86_DCACHE_MOV_STORE_IMM
	                                         : X86_DCACHE_MOV_STORE;
	m.reg = imm ? 0 : in->reg;
	m.callee_saved = !imm && ((X86_CALLEE_SAVED_GPRS >> m.reg) & 1);
	m.shift = in->flags & X86_INSN_REG_HIGH8 ? 8 : 0;
	m.width = in->opsize;
	m.ones = in->opsize == 8 ? ~0ULL : (1ULL << (in->opsize * 8)) - 1;
	/* 32-bit writes zero-extend to 64 bits; 8- and 16-bit ones merge. */
	m.keep = in->opsize >= 4 ? 0 : ~(m.ones << m.shift);
	m.rip_mask = in->mode == X86_MODE_LONG64   ? ~0ULL
	             : in->mode == X86_MODE_PROT32 ? 0xFFFFFFFFULL
	                                           : 0xFFFFULL;
	return m;
}

void x86_dcache_set_insn(struct x86_decode_cache *c, const uint8_t *bytes,
                         const struct x86_insn *insn, uint8_t cs_ldb)
{
	c->head = 0;
	c->head_mask = 0;
	memcpy(c->bytes, bytes, insn->len);
	if (insn->len <= 8 && ((uintptr_t)c->insn_hva & (PAGE_SIZE - 1)) <= PAGE_SIZE - 8) {
		memcpy(&c->head, bytes, insn->len);
		c->head_mask = ~0ULL >> (64 - 8 * insn->len);
	}
	c->cs_ldb = cs_ldb;
	c->mov = mov_of(insn);
	c->dev = NULL;
	/* Last: a non-zero length makes the entry valid. */
	c->insn = *insn;
}
