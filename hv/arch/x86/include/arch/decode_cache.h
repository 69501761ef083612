/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MMIO decode cache: the last MMIO instruction a vCPU decoded, with what
 * it takes to know, on the next exit, that the same instruction is still at
 * RIP without walking the guest's page tables again.
 *
 * A hit needs the same linear address under the same paging mode (CR0, CR3,
 * CR4, EFER; the caller compares those), and then, as a hardware paging-
 * structure cache would be checked, the same values in the guest page-table
 * entries the walk used and the same instruction bytes. Edits to the guest's
 * page tables need not exit (with EPT a PTE write and INVLPG run in the
 * guest), so the entries themselves are compared: a hit re-reads at most five
 * words through host pointers kept with the entry, and misses as soon as the
 * guest changed any of them.
 *
 * An entry also carries what an exit fast path needs to apply the
 * instruction without the emulator: a MOV reduced to masks and a shift
 * (x86_dcache_mov) and the device handler it reached last.
 */
#ifndef ARCH_DECODE_CACHE_H
#define ARCH_DECODE_CACHE_H

#include <arch/guest_walk.h>
#include <arch/instr_emul.h>
#include <hv/io.h>
#include <hv/types.h>

/* One entry per paging level: five with 5-level paging. */
#define X86_DCACHE_WALK_MAX 5

/* Accessed and Dirty: the CPU sets them, and they do not change the translation. */
#define X86_DCACHE_AD_BITS 0x60ULL

/* RBX, RBP, R12-R15 (enum x86_reg bits): the GPRs C code preserves across a call. */
#define X86_CALLEE_SAVED_GPRS (BIT(3) | BIT(5) | 0xF000)

struct x86_walk_entry {
	const void *hva; /* where the entry is in host memory */
	uint64_t val;    /* what it held, A/D bits included */
};

/*
 * The cached instruction when it is a MOV between memory and a register or
 * an immediate, reduced at fill time to what applying it takes, so that an
 * exit fast path needs neither the emulator nor a decision per field.
 */
enum x86_dcache_mov_kind {
	X86_DCACHE_MOV_NONE, /* another instruction, or a MOV of RSP (in the VMCS/VMCB, not in regs) */
	X86_DCACHE_MOV_LOAD,      /* memory to gpr[reg] */
	X86_DCACHE_MOV_STORE,     /* gpr[reg] to memory */
	X86_DCACHE_MOV_STORE_IMM, /* insn.imm to memory */
};

struct x86_dcache_mov {
	uint8_t kind;
	uint8_t reg;   /* enum x86_reg */
	uint8_t shift; /* 8 for AH..BH (bits 15:8 of gpr[reg]), else 0 */
	uint8_t width; /* bytes accessed */
	/*
	 * reg is one of X86_CALLEE_SAVED_GPRS: an exit stub that leaves those in
	 * the CPU while C code runs must store them before applying this MOV.
	 */
	bool callee_saved;
	uint64_t ones;     /* width bytes of ones */
	uint64_t keep;     /* a load: the bits of gpr[reg] it leaves as they were */
	uint64_t rip_mask; /* RIP after the instruction wraps to this in its mode */
};

struct x86_decode_cache {
	uint8_t bytes[X86_MAX_INSN_LEN];
	struct x86_insn insn; /* len 0: empty */
	uint64_t gla, gpa;
	const uint8_t *insn_hva; /* the bytes in guest RAM, for the check */
	uint64_t cr0, cr3, cr4, efer;
	uint8_t cs_ldb; /* CS.L in bit 0, CS.D/B in bit 1: with cr0 and efer, the mode */
	struct x86_dcache_mov mov;
	/*
	 * The device handler the instruction reached at dev_gpa (NULL: none
	 * yet), for an exit fast path to call again without a bus lookup.
	 * Valid as long as the entry: a bus never loses a handler while its VM
	 * lives, and a new VM or a reset empties the cache.
	 */
	const struct io_handler *dev;
	uint64_t dev_gpa;
	/*
	 * The bytes as one word and the mask of those that count, when the
	 * instruction has at most 8 and an 8-byte load at insn_hva stays in
	 * its page: the check is then one load and compare. head_mask 0: the
	 * bytes are compared one by one.
	 */
	uint64_t head, head_mask;
	uint8_t walk_n; /* entries used; 0 with paging off */
	bool walk_wide; /* 8-byte entries (PAE, long mode); else 4-byte (32-bit paging) */
	struct x86_walk_entry walk[X86_DCACHE_WALK_MAX];
};

/*
 * Translate guest-physical to host pointers for the walk; the pointers are
 * kept, so they must stay valid as long as the cache entry (the VM's fixed
 * RAM block: see exit.c).
 */
typedef const void *(*x86_dcache_hva_fn)(void *opaque, uint64_t gpa, unsigned len);

/*
 * Walk gla for an instruction fetch under st, recording the entries, and on
 * success fill c's location (gla, gpa, insn_hva, paging state, walk; not the
 * instruction: the caller adds bytes, insn and cs_ldb last). Returns 0, or
 * the walker's error (c is then left empty).
 */
int x86_dcache_fill_walk(struct x86_decode_cache *c, const struct x86_paging_state *st,
                         uint64_t gla, unsigned len, x86_dcache_hva_fn to_hva, void *opaque);

/* Make the entry valid with the instruction decoded from bytes, fetched at the filled location. */
void x86_dcache_set_insn(struct x86_decode_cache *c, const uint8_t *bytes,
                         const struct x86_insn *insn, uint8_t cs_ldb);

/* What a cached store (X86_DCACHE_MOV_STORE or _STORE_IMM) writes, from the GPRs. */
static inline uint64_t x86_dcache_mov_store_val(const struct x86_decode_cache *c,
                                                const uint64_t *gpr)
{
	const struct x86_dcache_mov *m = &c->mov;

	return m->kind == X86_DCACHE_MOV_STORE_IMM ? c->insn.imm
	                                           : (gpr[m->reg] >> m->shift) & m->ones;
}

/* gpr[reg] after a cached load read val (as x86_reg_set writes it). */
static inline uint64_t x86_dcache_mov_loaded(const struct x86_dcache_mov *m, uint64_t old,
                                             uint64_t val)
{
	return (old & m->keep) | ((val & m->ones) << m->shift);
}

/* RIP after the cached instruction, wrapped as the CPU does in its mode. */
static inline uint64_t x86_dcache_next_rip(const struct x86_decode_cache *c, uint64_t rip)
{
	return (rip + c->insn.len) & c->mov.rip_mask;
}

/* Whether the walk's entries and the instruction bytes are as cached: a handful of loads. */
static inline bool x86_dcache_walk_same(const struct x86_decode_cache *c)
{
	const uint8_t *hva = c->insn_hva;
	uint64_t a;

	for (unsigned i = 0; i < c->walk_n; i++) {
		const struct x86_walk_entry *e = &c->walk[i];
		uint64_t now =
		        c->walk_wide ? __atomic_load_n((const uint64_t *)e->hva, __ATOMIC_RELAXED)
		                     : __atomic_load_n((const uint32_t *)e->hva, __ATOMIC_RELAXED);

		if ((now ^ e->val) & ~X86_DCACHE_AD_BITS)
			return false;
	}
	if (c->head_mask) {
		__builtin_memcpy(&a, hva, 8);
		return !((a ^ c->head) & c->head_mask);
	}
	for (unsigned i = 0; i < c->insn.len; i++) {
		if (hva[i] != c->bytes[i])
			return false;
	}
	return true;
}

#endif
