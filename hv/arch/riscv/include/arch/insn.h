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
};

/* Length of the instruction whose first halfword is lo16. */
static inline unsigned rv_insn_len(uint32_t lo16)
{
	return (lo16 & 3) == 3 ? 4 : 2;
}

#define RV_OP_LOAD  0x03
#define RV_OP_STORE 0x23

static inline int rv_insn_decode32(uint32_t insn, struct rv_mmio_insn *o)
{
	unsigned f3 = (insn >> 12) & 7;

	o->len = 4;
	switch (insn & 0x7f) {
	case RV_OP_LOAD:
		if (f3 == 7)
			return -ENOTSUP;
		o->store = false;
		o->width = 1U << (f3 & 3);
		o->sign = f3 < 4 && f3 != 3; /* LB, LH, LW; LD needs none; 4..6 are unsigned */
		o->reg = (insn >> 7) & 31;
		return 0;
	case RV_OP_STORE:
		if (f3 > 3)
			return -ENOTSUP;
		o->store = true;
		o->width = 1U << f3;
		o->sign = false;
		o->reg = (insn >> 20) & 31;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static inline int rv_insn_decode16(uint32_t insn, struct rv_mmio_insn *o)
{
	unsigned f3 = (insn >> 13) & 7;
	unsigned rd_short = 8 + ((insn >> 2) & 7); /* rd'/rs2': x8..x15 */
	unsigned rd_full = (insn >> 7) & 31;
	unsigned rs2_full = (insn >> 2) & 31;

	o->len = 2;
	o->sign = false;
	switch ((insn & 3) << 3 | f3) {
	case 0 << 3 | 2: /* C.LW */
		*o = (struct rv_mmio_insn){ 2, false, 4, true, rd_short };
		return 0;
	case 0 << 3 | 3: /* C.LD */
		*o = (struct rv_mmio_insn){ 2, false, 8, false, rd_short };
		return 0;
	case 0 << 3 | 6: /* C.SW */
		*o = (struct rv_mmio_insn){ 2, true, 4, false, rd_short };
		return 0;
	case 0 << 3 | 7: /* C.SD */
		*o = (struct rv_mmio_insn){ 2, true, 8, false, rd_short };
		return 0;
	case 2 << 3 | 2: /* C.LWSP; rd = x0 is reserved */
		if (!rd_full)
			return -ENOTSUP;
		*o = (struct rv_mmio_insn){ 2, false, 4, true, rd_full };
		return 0;
	case 2 << 3 | 3: /* C.LDSP */
		if (!rd_full)
			return -ENOTSUP;
		*o = (struct rv_mmio_insn){ 2, false, 8, false, rd_full };
		return 0;
	case 2 << 3 | 6: /* C.SWSP */
		*o = (struct rv_mmio_insn){ 2, true, 4, false, rs2_full };
		return 0;
	case 2 << 3 | 7: /* C.SDSP */
		*o = (struct rv_mmio_insn){ 2, true, 8, false, rs2_full };
		return 0;
	default:
		return -ENOTSUP; /* C.FLD/C.FSD and everything else */
	}
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
