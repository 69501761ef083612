/* SPDX-License-Identifier: BSD-3-Clause */
/* Decoding the loads and stores a guest uses on MMIO (RV64, 32-bit and compressed forms). */
#ifndef ARCH_RISCV_INSN_H
#define ARCH_RISCV_INSN_H

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

/*
 * Decode insn (a 16-bit one in the low half) as an integer load or store:
 * LB/LH/LW/LD/LBU/LHU/LWU, SB/SH/SW/SD, C.LW/C.LD/C.SW/C.SD and their
 * sp-relative forms. -ENOTSUP for any other instruction (FP, AMO, ...).
 */
int rv_insn_decode(uint32_t insn, struct rv_mmio_insn *out);

#endif
