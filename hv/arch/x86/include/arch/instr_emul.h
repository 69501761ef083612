/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86 instruction decoder and emulator for MMIO exits.
 *
 * On AMD SVM under QEMU TCG a nested page fault carries neither the
 * instruction bytes nor the next RIP, so the hypervisor fetches the bytes from
 * guest memory (arch/guest_walk.h), decodes them here and emulates the one
 * memory access against the device. Only the instructions guests really use
 * on MMIO are supported; everything else is rejected with -EINVAL.
 *
 * The bytes come from the guest and may be hostile (or may have been changed
 * by another vCPU since the fault): the decoder never reads past `avail` nor
 * past the architectural 15-byte limit, and the emulator only ever touches the
 * faulting MMIO page and guest memory through the caller's callbacks, so a
 * lying instruction can at worst do what the guest could have done itself.
 */
#ifndef ARCH_INSTR_EMUL_H
#define ARCH_INSTR_EMUL_H

#include <hv/types.h>

#define X86_MAX_INSN_LEN 15

/*
 * Code-segment mode the instruction is decoded in. Compatibility mode (32-bit
 * code under a 64-bit OS) decodes as X86_MODE_PROT32.
 */
enum x86_cpu_mode {
	X86_MODE_REAL16,
	X86_MODE_PROT16,
	X86_MODE_PROT32,
	X86_MODE_LONG64,
};

/* General-purpose registers in ModRM/REX encoding order. */
enum x86_reg {
	X86_REG_RAX,
	X86_REG_RCX,
	X86_REG_RDX,
	X86_REG_RBX,
	X86_REG_RSP,
	X86_REG_RBP,
	X86_REG_RSI,
	X86_REG_RDI,
	X86_REG_R8,
	X86_REG_R9,
	X86_REG_R10,
	X86_REG_R11,
	X86_REG_R12,
	X86_REG_R13,
	X86_REG_R14,
	X86_REG_R15,
	X86_REG_RIP = 16,    /* only as x86_insn.base: RIP-relative */
	X86_REG_NONE = 0xff, /* no register */
};

struct x86_regs {
	uint64_t gpr[16]; /* enum x86_reg order */
	uint64_t rip;
	uint64_t rflags;
};

#define X86_RFLAGS_CF BIT(0)
#define X86_RFLAGS_PF BIT(2)
#define X86_RFLAGS_AF BIT(4)
#define X86_RFLAGS_ZF BIT(6)
#define X86_RFLAGS_SF BIT(7)
#define X86_RFLAGS_DF BIT(10)
#define X86_RFLAGS_OF BIT(11)
/* The status flags the ALU instructions define. */
#define X86_RFLAGS_ARITH                                                                 \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF | \
	 X86_RFLAGS_OF)

/* Segment registers, hardware (Sreg) encoding order. */
enum x86_seg {
	X86_SEG_ES,
	X86_SEG_CS,
	X86_SEG_SS,
	X86_SEG_DS,
	X86_SEG_FS,
	X86_SEG_GS,
};

enum x86_insn_op {
	X86_OP_NONE,
	X86_OP_MOV,   /* 88 89 8A 8B A0-A3 C6/0 C7/0 */
	X86_OP_MOVZX, /* 0F B6, 0F B7 */
	X86_OP_MOVSX, /* 0F BE, 0F BF */
	X86_OP_ADD,   /* 00-03, 80-83 /0 */
	X86_OP_OR,    /* 08-0B, 80-83 /1 */
	X86_OP_AND,   /* 20-23, 80-83 /4 */
	X86_OP_SUB,   /* 28-2B, 80-83 /5 */
	X86_OP_XOR,   /* 30-33, 80-83 /6 */
	X86_OP_CMP,   /* 38-3B, 80-83 /7 */
	X86_OP_TEST,  /* 84 85, F6/0 F7/0 */
	X86_OP_BT,    /* 0F A3, 0F BA /4 */
	X86_OP_XCHG,  /* 86 87 */
	X86_OP_STOS,  /* AA AB */
	X86_OP_MOVS,  /* A4 A5 */
};

/* x86_insn.flags */
#define X86_INSN_MEM_DST      BIT(0)  /* the memory operand is the destination */
#define X86_INSN_SRC_IMM      BIT(1)  /* the non-memory operand is `imm`, not `reg` */
#define X86_INSN_REP          BIT(2)  /* string op with F3 (or F2) prefix */
#define X86_INSN_LOCK         BIT(3)  /* F0 prefix (only kept where architecturally valid) */
#define X86_INSN_OPSIZE_PFX   BIT(4)  /* 66 prefix seen */
#define X86_INSN_ADDRSIZE_PFX BIT(5)  /* 67 prefix seen */
#define X86_INSN_SEG_OVERRIDE BIT(6)  /* a segment override prefix chose `seg` */
#define X86_INSN_MODRM        BIT(7)  /* has a ModRM byte */
#define X86_INSN_SIB          BIT(8)  /* has a SIB byte */
#define X86_INSN_RIP_REL      BIT(9)  /* RIP-relative memory operand (64-bit mode) */
#define X86_INSN_MOFFS        BIT(10) /* A0-A3: `disp` is the absolute moffs */
#define X86_INSN_REG_HIGH8    BIT(11) /* `reg` names AH/CH/DH/BH (bits 15:8 of gpr[reg]) */

/* Decoded instruction. Plain data: callers may log or inspect any field. */
struct x86_insn {
	uint8_t len;      /* total length in bytes, 1..15 */
	uint8_t mode;     /* enum x86_cpu_mode it was decoded in */
	uint8_t op;       /* enum x86_insn_op */
	uint8_t opsize;   /* operand size in bytes (register / destination): 1, 2, 4, 8 */
	uint8_t memsize;  /* bytes per memory access (differs from opsize for MOVZX/MOVSX) */
	uint8_t addrsize; /* address size in bytes: 2, 4, 8 */
	uint8_t seg;      /* enum x86_seg of the memory operand (MOVS: of the source) */
	uint8_t rep;      /* last F2/F3 prefix byte, or 0 */
	uint8_t rex;      /* REX byte that applies to the opcode, or 0 */
	uint8_t modrm;    /* valid with X86_INSN_MODRM */
	uint8_t sib;      /* valid with X86_INSN_SIB */
	uint8_t reg;      /* register operand (enum x86_reg), X86_REG_NONE if none */
	uint8_t base;     /* memory base register, X86_REG_RIP, or X86_REG_NONE */
	uint8_t index;    /* memory index register or X86_REG_NONE */
	uint8_t scale;    /* index scale: 1, 2, 4, 8 */
	uint16_t opcode;  /* one-byte opcode, or 0x0Fxx for two-byte opcodes */
	uint32_t flags;   /* X86_INSN_* */
	int64_t disp;     /* sign-extended displacement; with X86_INSN_MOFFS the moffs */
	uint64_t imm;     /* immediate, sign-extended to opsize and masked to it */
};

/*
 * Decode one instruction from `bytes` (`avail` bytes readable) for `mode`.
 * Returns 0 and fills *out; -EFAULT if the instruction continues past `avail`
 * (fetch more bytes and retry); -EINVAL if it is not one of the supported
 * memory-operand instructions, has no memory operand, or is longer than 15
 * bytes. *out is zeroed on error.
 */
int x86_insn_decode(const uint8_t *bytes, size_t avail, enum x86_cpu_mode mode,
                    struct x86_insn *out);

/*
 * Offset (effective address, before adding the segment base) of the memory
 * operand, truncated to the address size. For STOS it is rDI, for MOVS rSI
 * (the source). Returns 0, or -EINVAL for a malformed insn.
 */
int x86_insn_mem_offset(const struct x86_insn *insn, const struct x86_regs *regs, uint64_t *off);

struct x86_emul_ops {
	/*
	 * The device. `val` is little-endian in the low `size` bytes; the emulator
	 * masks what mmio_read returns. Required.
	 */
	int (*mmio_read)(void *opaque, uint64_t gpa, unsigned size, uint64_t *val);
	int (*mmio_write)(void *opaque, uint64_t gpa, unsigned size, uint64_t val);
	/*
	 * Ordinary guest memory for the non-MMIO side of MOVS, by linear address,
	 * with the guest's own paging permissions. Only MOVS uses these. Return
	 * -EFAULT after arranging for a #PF (the emulator passes errors through).
	 * If the address turns out to be MMIO too, routing it to the device is the
	 * callee's choice.
	 */
	int (*mem_read)(void *opaque, uint64_t gla, void *buf, unsigned len);
	int (*mem_write)(void *opaque, uint64_t gla, const void *buf, unsigned len);
	/*
	 * Translate a linear address (write: for a write access). MOVS needs it
	 * to tell which of its two operands is on the faulting MMIO page; without
	 * it MOVS fails with -EOPNOTSUPP.
	 */
	int (*gla_to_gpa)(void *opaque, uint64_t gla, bool write, uint64_t *gpa);
	/*
	 * Optional segment base (only MOVS forms linear addresses; every other
	 * operand is the faulting gpa). NULL means flat segments, base 0: wrong
	 * for MOVS in real mode with DS/ES != 0 or with an FS/GS override in
	 * 64-bit mode. In 64-bit mode it is only asked for FS and GS.
	 */
	int (*seg_base)(void *opaque, enum x86_seg seg, uint64_t *base);
};

/* Most elements one REP string instruction emulates per call. */
#define X86_EMUL_MAX_REP 4096

/*
 * Emulate `insn`, whose memory operand faulted at guest-physical `mmio_gpa`.
 * Updates the GPRs (and RFLAGS status flags for ALU/TEST/BT) and advances RIP
 * by insn->len, wrapping it to the mode's IP width.
 *
 * REP STOS/MOVS run until rCX reaches 0, but stop early at the end of the
 * MMIO page (the next page may be RAM, or another device) or after
 * X86_EMUL_MAX_REP elements. On an early stop rSI/rDI/rCX reflect the
 * elements done and RIP is left on the instruction, so the guest re-executes
 * it and continues, as after an interrupted REP on hardware.
 *
 * Returns 0, -EINVAL for an insn it cannot emulate, or the first callback
 * error. On error the registers are unchanged, except that a REP instruction
 * keeps the progress of elements already completed (as on a fault on
 * hardware). MMIO accesses are never split: an access straddling the end of
 * the page goes to the device at mmio_gpa as one access.
 */
int x86_insn_emulate(const struct x86_insn *insn, struct x86_regs *regs, uint64_t mmio_gpa,
                     const struct x86_emul_ops *ops, void *opaque);
/*
 * The same without validating the arguments: for an insn x86_insn_decode
 * produced (sane by construction) and ops with both MMIO callbacks. The exit
 * path's variant, which runs on every MMIO exit.
 */
int x86_insn_emulate_decoded(const struct x86_insn *insn, struct x86_regs *regs, uint64_t mmio_gpa,
                             const struct x86_emul_ops *ops, void *opaque);

/* A register operand of `size` bytes (high8: AH, CH, DH or BH), zero-extended. */
static inline uint64_t x86_reg_get(const struct x86_regs *r, unsigned idx, bool high8,
                                   unsigned size)
{
	if (high8)
		return (r->gpr[idx] >> 8) & 0xff;
	return size >= 8 ? r->gpr[idx] : r->gpr[idx] & ((1ULL << (size * 8)) - 1);
}

/* Write a register operand: 32-bit writes zero-extend to 64 bits, 8- and 16-bit ones merge. */
static inline void x86_reg_set(struct x86_regs *r, unsigned idx, bool high8, unsigned size,
                               uint64_t v)
{
	uint64_t *g = &r->gpr[idx];
	uint64_t m;

	if (high8) {
		*g = (*g & ~0xff00ULL) | ((v & 0xff) << 8);
	} else if (size == 4) {
		*g = (uint32_t)v;
	} else if (size == 8) {
		*g = v;
	} else {
		m = (1ULL << (size * 8)) - 1;
		*g = (*g & ~m) | (v & m);
	}
}

#endif
