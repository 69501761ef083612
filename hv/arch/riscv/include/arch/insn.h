/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding the loads and stores a guest uses on MMIO (RV64, 32-bit and
 * compressed forms). QEMU 7.2 reports htinst = 0 for guest-page faults, so
 * the hypervisor reads the instruction itself and needs every form a
 * compiler emits for a volatile access: the 32-bit LOAD and STORE opcodes
 * and the compressed C.LW/C.LD/C.SW/C.SD (and sp-relative) forms. Pure and
 * inline: the MMIO exit saves a call (under QEMU, a translation-block
 * lookup on each exit); the unit tests build it on the host.
 */
#ifndef ARCH_RISCV_INSN_H
#define ARCH_RISCV_INSN_H

#include <hv/errno.h>
#include <hv/types.h>

struct rv_mmio_insn {
	unsigned len;   /* 2 (compressed) or 4 bytes */
	bool store;     /* else a load */
	unsigned width; /* 1, 2, 4 or 8 bytes */
	bool sign;      /* loads: sign-extend to 64 bits */
	unsigned reg;   /* loads: rd; stores: rs2 (x0..x31) */
	/*
	 * The address is x[base] + offset (a transformed htinst has neither):
	 * the exit reads no stval for it, one CSR access (a QEMU translation
	 * block exit) fewer.
	 */
	unsigned base;
	int32_t offset;
};

/* Length of the instruction whose first halfword is lo16. */
static inline unsigned rv_insn_len(uint32_t lo16)
{
	return (lo16 & 3) == 3 ? 4 : 2;
}

/* Bits hi..lo of insn, moved to bit at. */
static inline uint32_t rv_insn_bits(uint32_t insn, unsigned hi, unsigned lo, unsigned at)
{
	return ((insn >> lo) & ((1U << (hi - lo + 1)) - 1)) << at;
}

#define RV_OP_LOAD  0x03
#define RV_OP_STORE 0x23

static inline int rv_insn_decode32(uint32_t insn, struct rv_mmio_insn *o)
{
	unsigned f3 = (insn >> 12) & 7;

	o->len = 4;
	o->base = (insn >> 15) & 31;
	switch (insn & 0x7f) {
	case RV_OP_LOAD:
		if (f3 == 7)
			return -ENOTSUP;
		o->store = false;
		o->width = 1U << (f3 & 3);
		o->sign = f3 < 4 && f3 != 3; /* LB, LH, LW; LD needs none; 4..6 are unsigned */
		o->reg = (insn >> 7) & 31;
		o->offset = (int32_t)insn >> 20;
		return 0;
	case RV_OP_STORE:
		if (f3 > 3)
			return -ENOTSUP;
		o->store = true;
		o->width = 1U << f3;
		o->sign = false;
		o->reg = (insn >> 20) & 31;
		o->offset =
		        (int32_t)(insn & 0xfe000000) >> 20 | (int32_t)rv_insn_bits(insn, 11, 7, 0);
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* The scaled, zero-extended offset of a compressed load/store (the C extension's tables). */
static inline int32_t rv_insn_c_offset(uint32_t insn, bool sp_relative, bool store, bool dword)
{
	uint32_t b12_10 = rv_insn_bits(insn, 12, 10, 3);

	if (!sp_relative) /* C.LW/C.SW, C.LD/C.SD */
		return (int32_t)(b12_10 | (dword ? rv_insn_bits(insn, 6, 5, 6)
		                                 : rv_insn_bits(insn, 6, 6, 2) |
		                                           rv_insn_bits(insn, 5, 5, 6)));
	if (store) /* C.SWSP, C.SDSP */
		return (int32_t)(dword ? b12_10 | rv_insn_bits(insn, 9, 7, 6)
		                       : rv_insn_bits(insn, 12, 9, 2) |
		                                 rv_insn_bits(insn, 8, 7, 6));
	/* C.LWSP, C.LDSP */
	return (int32_t)(rv_insn_bits(insn, 12, 12, 5) |
	                 (dword ? rv_insn_bits(insn, 6, 5, 3) | rv_insn_bits(insn, 4, 2, 6)
	                        : rv_insn_bits(insn, 6, 4, 2) | rv_insn_bits(insn, 3, 2, 6)));
}

/*
 * Quadrant 0 (C.LW/C.LD/C.SW/C.SD: x8..x15 through 3-bit fields) and
 * quadrant 2 (the sp-relative forms, full register fields), funct3 2/3
 * (loads) and 6/7 (stores); odd funct3 is the doubleword form.
 */
static inline int rv_insn_decode16(uint32_t insn, struct rv_mmio_insn *o)
{
	unsigned quadrant = insn & 3, f3 = (insn >> 13) & 7;
	bool sp_relative = quadrant == 2, store = f3 & 4, dword = f3 & 1;

	if (quadrant == 1 || !(f3 & 2)) /* C.FLD/C.FSD and everything else */
		return -ENOTSUP;
	o->len = 2;
	o->store = store;
	o->width = dword ? 8 : 4;
	o->sign = !store && !dword; /* C.LW, C.LWSP */
	if (sp_relative) {
		o->reg = store ? rv_insn_bits(insn, 6, 2, 0) : rv_insn_bits(insn, 11, 7, 0);
		if (!store && !o->reg)
			return -ENOTSUP; /* C.LWSP/C.LDSP with rd = x0 is reserved */
		o->base = 2;
	} else {
		o->reg = 8 + rv_insn_bits(insn, 4, 2, 0);
		o->base = 8 + rv_insn_bits(insn, 9, 7, 0);
	}
	o->offset = rv_insn_c_offset(insn, sp_relative, store, dword);
	return 0;
}

/*
 * Decode insn (a 16-bit one in the low half) as an integer load or store:
 * LB/LH/LW/LD/LBU/LHU/LWU, SB/SH/SW/SD, C.LW/C.LD/C.SW/C.SD and their
 * sp-relative forms. -ENOTSUP for any other instruction (FP, AMO, ...).
 */
static inline int rv_insn_decode(uint32_t insn, struct rv_mmio_insn *out)
{
	if (rv_insn_len(insn) == 4)
		return rv_insn_decode32(insn, out);
	if (insn >> 16)
		return -EINVAL;
	return rv_insn_decode16(insn, out);
}

#endif
